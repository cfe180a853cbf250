/**
 * Runs the paths the handler specs (tests/handlers) cover — every level's ALARM (incident,
 * engagements), a repeat firing, the OK that follows (recovery), the drill function's start and
 * report of each paging level, the notifier's deliveries — with the fixtures of tests/handlers, against the
 * environment a program run gives each Lambda function, with every SDK client mocked by
 * SdkRecorder, so that the commands recorded carry the stack's real ARNs (response plans,
 * contacts, table, topic). The mocks answer like the services do (StartIncident
 * returns an incident record under the plan, StartEngagement an engagement of the contact,
 * DynamoDB is the FakeTable with DynamoDB's conditional semantics); events are the fixtures'
 * CloudWatch events.
 *
 * Which handler a function runs is read from its `sourceCodeHash` (the bundle's SHA-256), so a
 * new function is found without a list here; a handler without scenarios throws.
 */
import { readdirSync } from "node:fs";
import * as path from "node:path";
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PublishCommand } from "@aws-sdk/client-sns";
import {
  ListEngagementsCommand,
  ListPageReceiptsCommand,
  ListPagesByEngagementCommand,
  StartEngagementCommand,
  StopEngagementCommand,
} from "@aws-sdk/client-ssm-contacts";
import { SNSClient } from "@aws-sdk/client-sns";
import { SSMContactsClient } from "@aws-sdk/client-ssm-contacts";
import { SSMIncidentsClient } from "@aws-sdk/client-ssm-incidents";
import {
  createHandler as createDrillHandler,
  type DrillResult,
} from "../../handlers/drill/handler";
import { parseDrillEnv } from "../../handlers/drill/events";
import {
  CreateTimelineEventCommand,
  GetIncidentRecordCommand,
  StartIncidentCommand,
  UpdateIncidentRecordCommand,
} from "@aws-sdk/client-ssm-incidents";
import { handlerBundle } from "../../components/bundles";
import type { RecordedResource } from "../../tools/mockEngine";
import {
  FakeTable,
  applyEnv,
  loadRouterHandler,
  routerInput,
  routerInputAt,
} from "../handlers/fixtures/routerFixtures";
import type { SqsBatchResponse } from "../../handlers/router/queue";
import type { SdkRecorder } from "./awsCalls";
import { REPO, archiveFiles } from "./program";

type Env = Record<string, string>;
type Input = Record<string, unknown>;

export interface ScenarioContext {
  readonly fn: RecordedResource;
  readonly env: Env;
  readonly resources: readonly RecordedResource[];
  readonly recorder: SdkRecorder;
  readonly account: string;
  readonly region: string;
}

/** The handler folder (handlers/<name>) whose bundle a function deploys. */
export function handlerOf(fn: RecordedResource): string {
  const hash = fn.inputs.sourceCodeHash;
  const names = readdirSync(path.join(REPO, "handlers"), { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== "shared")
    .map((e) => e.name);
  const found = names.filter((n) => handlerBundle(n).sha256 === hash);
  if (found.length !== 1) throw new Error(`${fn.name}: no handler bundle has hash ${String(hash)}`);
  return found[0];
}

export function envOf(fn: RecordedResource): Env {
  const vars = (fn.inputs.environment as { variables?: Env } | undefined)?.variables ?? {};
  return { ...vars };
}

const uuid = (n: number): string => `0a1b2c3d-4e5f-6789-abcd-${String(n).padStart(12, "0")}`;
/** The alias in `…:contact/<alias>` or `…:engagement/<alias>/<id>`. */
const aliasOf = (arn: string): string => arn.split("/")[1];

/** Pins Date.now while `run` runs. */
async function at<T>(time: Date, run: () => Promise<T>): Promise<T> {
  const real = Date.now;
  Date.now = () => time.getTime();
  try {
    return await run();
  } finally {
    Date.now = real;
  }
}

/** Silences the handlers' JSON log lines while `run` runs. */
async function quietly<T>(run: () => Promise<T>): Promise<T> {
  const real = console.log;
  console.log = () => undefined;
  try {
    return await run();
  } finally {
    console.log = real;
  }
}

/**
 * Answers the router's and the drill function's services the way they answer, with ARNs in the
 * stack's account.
 */
function answerRouterCalls(ctx: ScenarioContext): void {
  const { recorder, account, region, resources } = ctx;
  let n = 0;
  const table = new FakeTable(
    () =>
      new ConditionalCheckFailedException({
        message: "The conditional request failed",
        $metadata: {},
      }),
  );
  const dynamodb = recorder.mock("dynamodb");
  dynamodb.on(GetItemCommand as never).callsFake((i) => table.get(i));
  dynamodb.on(PutItemCommand as never).callsFake((i) => table.put(i));
  dynamodb.on(UpdateItemCommand as never).callsFake((i) => table.update(i));
  dynamodb.on(DeleteItemCommand as never).callsFake((i) => table.delete(i));

  const incidents = recorder.mock("ssm-incidents");
  // The record of each started incident carries its title and triggerDetails.source, as
  // GetIncidentRecord returns them (title, incidentRecordSource.source): drill reports check both.
  const started = new Map<string, Input>();
  incidents.on(StartIncidentCommand as never).callsFake((i: Input) => {
    const arn = `${String(i.responsePlanArn).replace(":response-plan/", ":incident-record/")}/${uuid(++n)}`;
    started.set(arn, i);
    return { incidentRecordArn: arn };
  });
  incidents.on(GetIncidentRecordCommand as never).callsFake((i: Input) => {
    const start = started.get(String(i.arn));
    return {
      incidentRecord: {
        arn: i.arn,
        title: start?.title ?? "an incident",
        impact: 1,
        status: "OPEN",
        creationTime: new Date(Date.now() - 60_000),
        dedupeString: "x",
        incidentRecordSource: {
          createdBy: "x",
          source: (start?.triggerDetails as Input | undefined)?.source ?? "incident-escalation",
        },
        lastModifiedBy: "x",
        lastModifiedTime: new Date(Date.now() - 60_000),
      },
    };
  });
  incidents
    .on(CreateTimelineEventCommand as never)
    .callsFake((i: Input) => ({ eventId: uuid(++n), incidentRecordArn: i.incidentRecordArn }));
  incidents.on(UpdateIncidentRecordCommand as never).resolves({});

  const contactArns = resources.filter((r) => r.type.endsWith(":Contact")).map((r) => r.id);
  const contacts = recorder.mock("ssm-contacts");
  contacts.on(StartEngagementCommand as never).callsFake((i: Input) => ({
    EngagementArn: `arn:aws:ssm-contacts:${region}:${account}:engagement/${aliasOf(String(i.ContactId))}/${uuid(++n)}`,
  }));
  contacts.on(ListEngagementsCommand as never).callsFake((i: Input) => ({
    Engagements: contactArns.map((c, k) => ({
      EngagementArn: `arn:aws:ssm-contacts:${region}:${account}:engagement/${aliasOf(c)}/${uuid(100 + k)}`,
      ContactArn: c,
      Sender: "incident-escalation",
      IncidentId: i.IncidentId,
      StartTime: new Date(Date.now() - 30 * 60_000),
    })),
  }));
  contacts.on(ListPagesByEngagementCommand as never).callsFake((i: Input) => {
    const engagement = String(i.EngagementId);
    const alias = aliasOf(engagement);
    return {
      Pages: [
        {
          PageArn: `arn:aws:ssm-contacts:${region}:${account}:page/${alias}/${uuid(++n)}`,
          EngagementArn: engagement,
          ContactArn: `arn:aws:ssm-contacts:${region}:${account}:contact/${alias}`,
          Sender: "incident-escalation",
          SentTime: new Date(Date.now() - 29 * 60_000),
        },
      ],
    };
  });
  contacts.on(ListPageReceiptsCommand as never).callsFake(() => ({
    Receipts: [{ ReceiptType: "SENT", ReceiptTime: new Date(Date.now() - 29 * 60_000) }],
  }));

  contacts.on(StopEngagementCommand as never).resolves({});
  recorder
    .mock("sns")
    .on(PublishCommand as never)
    .callsFake(() => ({ MessageId: uuid(++n) }));
}

interface RouteEntry {
  readonly responsePlanArn?: string;
  readonly engage?: readonly string[];
}

/**
 * The router: every level's ALARM (incident and/or engagements), a repeat firing while the
 * incident is open, and the OK that follows (recovery).
 */
async function routerScenarios(ctx: ScenarioContext): Promise<void> {
  answerRouterCalls(ctx);
  // The routing table is routing.json in the function's code archive, as Lambda deploys it.
  const table = (await archiveFiles(ctx.fn.inputs.code))["routing.json"];
  if (table === undefined) throw new Error(`${ctx.fn.name}: no routing.json in its code`);
  const router = await loadRouterHandler({
    ...ctx.env,
    ROUTING_TABLE: table,
    AWS_REGION: ctx.region,
  });
  // Alarm events arrive from the router's queue (event source mapping), one record a batch.
  let messages = 0;
  const viaQueue = async (input: Record<string, unknown>) => {
    const messageId = `m-${++messages}`;
    const response = (await router.handler({
      Records: [
        {
          messageId,
          receiptHandle: `r-${messages}`,
          body: JSON.stringify(input),
          attributes: { ApproximateReceiveCount: "1" },
          messageAttributes: {},
          md5OfBody: "",
          eventSource: "aws:sqs",
          eventSourceARN: `arn:aws:sqs:${ctx.region}:${ctx.account}:router-queue`,
          awsRegion: ctx.region,
        },
      ],
    })) as unknown as SqsBatchResponse; // RouterModule types the direct-invocation overload
    // A failed record would hide the calls it did not make: every scenario must succeed.
    if (response.batchItemFailures.length > 0) {
      throw new Error(`${ctx.fn.name}: record ${messageId} failed (${JSON.stringify(input)})`);
    }
  };
  const routes = JSON.parse(table) as Record<string, RouteEntry>;
  const fired = new Date("2019-10-02T17:05:00.989Z");
  for (const [level, route] of Object.entries(routes)) {
    if (!route.responsePlanArn && !(route.engage ?? []).length) continue;
    await at(fired, () => quietly(() => viaQueue(routerInput(level))));
    if (!route.responsePlanArn) continue;
    const again = "2019-10-02T17:20:00.000+0000";
    await at(new Date("2019-10-02T17:20:10.000Z"), () =>
      quietly(() => viaQueue(routerInputAt(level, again))),
    );
    const ok = "2019-10-02T17:40:00.000+0000";
    await at(new Date("2019-10-02T17:40:10.000Z"), () =>
      quietly(() => viaQueue(routerInputAt(level, ok, "OK"))),
    );
  }
}

/**
 * The drill function: for each paging level, the workflow's start of a drill and, 30 minutes
 * later, its report (which lists the pages, notes, resolves, stops and posts).
 */
async function drillScenarios(ctx: ScenarioContext): Promise<void> {
  answerRouterCalls(ctx);
  const config = parseDrillEnv({ ...ctx.env, AWS_REGION: ctx.region });
  let clock = new Date("2026-12-07T01:00:03.000Z");
  const handler = createDrillHandler({
    config,
    incidents: new SSMIncidentsClient({ region: ctx.region }),
    contacts: new SSMContactsClient({ region: ctx.region }),
    sns: new SNSClient({ region: ctx.region }),
    now: () => clock,
    log: () => undefined,
  });
  for (const level of config.levels.keys()) {
    clock = new Date("2026-12-07T01:00:03.000Z");
    const started = await at(clock, () =>
      handler({ drill: { level, scheduledTime: "2026-12-07T01:00:00Z" } }),
    );
    if (started.decision !== "drill")
      throw new Error(`drill of ${level}: ${JSON.stringify(started)}`);
    clock = new Date("2026-12-07T01:30:03.000Z");
    const reported: DrillResult = await at(clock, () =>
      handler({
        drillReport: { level, incidentArn: started.incidentArn, startedAt: started.startedAt },
      }),
    );
    if (reported.decision !== "drill-report") {
      throw new Error(`drill report of ${level}: ${JSON.stringify(reported)}`);
    }
  }
}

/** The notifier: an ALARM and an OK of every level a webhook subscribes to. */
async function notifierScenarios(ctx: ScenarioContext): Promise<void> {
  const secretArn = ctx.env.WEBHOOK_SECRET_ARN;
  const version = ctx.resources.find(
    (r) =>
      r.type === "aws:secretsmanager/secretVersion:SecretVersion" &&
      r.inputs.secretId === secretArn,
  );
  if (!version) throw new Error(`${ctx.fn.name}: no secret version for ${secretArn}`);
  ctx.recorder
    .mock("secrets-manager")
    .on(GetSecretValueCommand as never)
    .callsFake((i: Input) => {
      if (i.SecretId !== secretArn) throw new Error(`unexpected secret ${String(i.SecretId)}`);
      return { SecretString: version.inputs.secretString };
    });
  // Lambda sets AWS_REGION in every function's environment, as the router scenario does above.
  const env = { ...ctx.env, AWS_REGION: ctx.region };
  const saved = applyEnv(env);
  let mod: typeof import("../../handlers/notifier/handler");
  try {
    const file = require.resolve("../../handlers/notifier/handler");
    delete require.cache[file];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(file) as typeof import("../../handlers/notifier/handler");
  } finally {
    applyEnv(saved);
  }
  const handler = mod.createHandler({
    config: mod.loadConfig(env, () => undefined),
    secrets: new SecretsManagerClient({ region: ctx.region }),
    // The webhook receivers are not AWS: answer 200 without a network.
    fetchFn: () => Promise.resolve(new Response(null, { status: 200 })),
    sleep: () => Promise.resolve(),
    nowSeconds: () => Math.floor(Date.now() / 1000),
    log: () => undefined,
  });
  const webhooks = JSON.parse(ctx.env.WEBHOOKS) as { levels: string[] }[];
  for (const level of new Set(webhooks.flatMap((w) => w.levels))) {
    await handler(routerInput(level));
    await handler(routerInput(level, "OK"));
  }
}

/** Scenarios by handler folder. */
export const SCENARIOS: Readonly<Record<string, (ctx: ScenarioContext) => Promise<void>>> = {
  router: routerScenarios,
  drill: drillScenarios,
  notifier: notifierScenarios,
};
