/**
 * The incident table (handlers/shared/incidentStore.ts) on dynalite, for specs that need
 * DynamoDB's conditional-write and expression semantics: a dynalite server on 127.0.0.1, SDK
 * clients pointed at it, the table created with the key schema and index the component declares
 * (components/engine/ackEndpoint.ts; tests/components/ackEndpoint.spec.ts asserts that
 * `createTableInput` of the component's table is `incidentTableCreate`), and mocha hooks that
 * start it once per suite and recreate the table before each test.
 *
 * dynalite implements neither TTL nor point-in-time recovery nor encryption settings: the table
 * here has only what changes the behaviour of reads and writes (keys, attributes, the index).
 */
import type { AddressInfo } from "node:net";
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type BillingMode,
  type CreateTableCommandInput,
  type KeyType,
  type ProjectionType,
  type ScalarAttributeType,
} from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";

const REGION = "ap-northeast-1";

/** CreateTable of the incident table named `tableName`: the component's keys and `recent` index. */
export function incidentTableCreate(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    AttributeDefinitions: [
      { AttributeName: "pk", AttributeType: "S" },
      { AttributeName: "type", AttributeType: "S" },
      { AttributeName: "openedAt", AttributeType: "S" },
    ],
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    BillingMode: "PAY_PER_REQUEST",
    GlobalSecondaryIndexes: [
      {
        IndexName: "recent",
        KeySchema: [
          { AttributeName: "type", KeyType: "HASH" },
          { AttributeName: "openedAt", KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      },
    ],
  };
}

/** The subset of aws.dynamodb.Table's inputs that CreateTable takes (names as the provider's). */
export interface TableInputs {
  readonly name: string;
  readonly billingMode: BillingMode;
  readonly hashKey: string;
  readonly rangeKey?: string;
  readonly attributes: readonly { readonly name: string; readonly type: ScalarAttributeType }[];
  readonly globalSecondaryIndexes?: readonly {
    readonly name: string;
    readonly keySchemas: readonly { readonly attributeName: string; readonly keyType: KeyType }[];
    readonly projectionType: ProjectionType;
  }[];
}

/**
 * The CreateTable request a Table resource's inputs stand for (the provider's hashKey, rangeKey,
 * attributes and globalSecondaryIndexes[].keySchemas map onto KeySchema, AttributeDefinitions and
 * GlobalSecondaryIndexes: https://www.pulumi.com/registry/packages/aws/api-docs/dynamodb/table/).
 */
export function createTableInput(t: TableInputs): CreateTableCommandInput {
  return {
    TableName: t.name,
    AttributeDefinitions: t.attributes.map((a) => ({
      AttributeName: a.name,
      AttributeType: a.type,
    })),
    KeySchema: [
      { AttributeName: t.hashKey, KeyType: "HASH" },
      ...(t.rangeKey === undefined
        ? []
        : [{ AttributeName: t.rangeKey, KeyType: "RANGE" as const }]),
    ],
    BillingMode: t.billingMode,
    ...(t.globalSecondaryIndexes === undefined
      ? {}
      : {
          GlobalSecondaryIndexes: t.globalSecondaryIndexes.map((g) => ({
            IndexName: g.name,
            KeySchema: g.keySchemas.map((k) => ({
              AttributeName: k.attributeName,
              KeyType: k.keyType,
            })),
            Projection: { ProjectionType: g.projectionType },
          })),
        }),
  };
}

export interface Recorded {
  readonly operation: string;
  readonly input: unknown;
}

/**
 * Records every command input the client sends (the SDK input the code built, before
 * serialisation), in `into`, as `{operation, input}` with the command name minus "Command".
 */
export function recordInputs<C extends { middlewareStack: DynamoDBClient["middlewareStack"] }>(
  client: C,
  into: Recorded[],
): C {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      into.push({
        operation: String(context.commandName).replace(/Command$/, ""),
        input: structuredClone(args.input),
      });
      return next(args);
    },
    { step: "initialize", name: "recordInputs" },
  );
  return client;
}

export interface Dynalite {
  readonly url: string;
  /** A client of the spec's own (setup and reads), not recorded. */
  readonly admin: DynamoDBClient;
  close(): Promise<void>;
}

/** A dynalite server on a free port of 127.0.0.1 (tables become ACTIVE at once). */
export async function startDynalite(): Promise<Dynalite> {
  const db = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => db.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(db.address() as AddressInfo).port}`;
  const admin = dynamoClient(url);
  return {
    url,
    admin,
    close: async () => {
      admin.destroy();
      await new Promise((resolve) => db.close(resolve));
    },
  };
}

/** A real DynamoDB client for dynalite at `url`: fixed fake credentials, no SDK retries. */
export function dynamoClient(url: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: url,
    region: REGION,
    credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "example" },
    maxAttempts: 1,
  });
}

/** Drops the incident table `tableName` if it exists and creates it empty. */
export async function freshTable(admin: DynamoDBClient, tableName: string): Promise<void> {
  await admin.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
  await tableStatus(admin, tableName, undefined);
  await admin.send(new CreateTableCommand(incidentTableCreate(tableName)));
  await tableStatus(admin, tableName, "ACTIVE");
}

/**
 * Waits until the table is gone (`want` undefined) or has status `want`. DeleteTable and
 * CreateTable answer while the table is DELETING / CREATING (API_DeleteTable, API_CreateTable
 * TableStatus); dynalite changes the status on a timer even at 0 ms, so a write right after
 * CreateTable can find no table under load.
 */
export async function tableStatus(
  admin: DynamoDBClient,
  tableName: string,
  want: "ACTIVE" | undefined,
): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const status = await admin
      .send(new DescribeTableCommand({ TableName: tableName }))
      .then((out) => out.Table?.TableStatus as string | undefined)
      .catch((err: unknown) => {
        if ((err as Error).name === "ResourceNotFoundException") return undefined;
        throw err;
      });
    if (status === want) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`table ${tableName}: still not ${want ?? "deleted"}`);
}

export interface IncidentTableDb {
  /** The spec's own client (setup and reads), not recorded. */
  readonly admin: DynamoDBClient;
  /** The client the code under test gets; records every input in the `record` array given. */
  readonly client: DynamoDBClient;
}

/**
 * Mocha hooks for the calling suite: `before` starts dynalite and the recorded client, `after`
 * destroys both, `beforeEach` recreates the incident table `tableName` empty. Call it in the
 * suite's body before the suite's own hooks, so the table exists when they run; read `admin` and
 * `client` in hooks and tests only.
 */
export function useIncidentTable(tableName: string, record: Recorded[]): IncidentTableDb {
  let db: Dynalite | undefined;
  let client: DynamoDBClient | undefined;
  before(async () => {
    db = await startDynalite();
    client = recordInputs(dynamoClient(db.url), record);
  });
  after(async () => {
    client?.destroy();
    await db?.close();
  });
  beforeEach(async () => {
    await freshTable(started(db).admin, tableName);
  });
  return {
    get admin() {
      return started(db).admin;
    },
    get client() {
      return started(client);
    },
  };
}

function started<T>(v: T | undefined): T {
  if (v === undefined) throw new Error("useIncidentTable: dynalite is not started (before hook)");
  return v;
}
