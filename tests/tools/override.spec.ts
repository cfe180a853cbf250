/**
 * Rotation overrides: rotationAt across an override's edges (pure, table-driven), the Incident
 * Manager requests (ListRotations/ListContacts paginated, CreateRotationOverride,
 * ListRotationOverrides) under aws-sdk-client-mock with literal inputs checked against
 * aws-models/ssm-contacts.json, the step-functions store's requests, and `--help`.
 *
 * What this spec does NOT prove: that Incident Manager accepts the override (contact in the
 * rotation, times in range) or pages the overriding member; the step-functions engine reading
 * the store (tests/handlers/engine.overrides.spec.ts); IAM for the CLI's caller.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import {
  CreateRotationOverrideCommand,
  ListContactsCommand,
  ListRotationOverridesCommand,
  ListRotationsCommand,
  SSMContactsClient,
} from "@aws-sdk/client-ssm-contacts";
import { DynamoDBClient, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { override, parseOverrideArgs, OVERRIDE_USAGE } from "../../cli/override";
import { parseStackConfig } from "../../config/schema";
import {
  activeAndUpcoming,
  createImOverride,
  createOverrideRequest,
  getOverridesRequest,
  parseOverrides,
  putOverrideRequest,
} from "../../tools/override";
import { rotationAt, type RotationOverride } from "../../tools/timeline";
import { checkOperationInput } from "../support/apiModel";

const ROTATION = parseStackConfig({
  contacts: [
    {
      alias: "sato",
      displayName: "S",
      email: "s@example.com",
      engagement: [{ after: 0, via: ["email"] }],
    },
    {
      alias: "suzuki",
      displayName: "Z",
      email: "z@example.com",
      engagement: [{ after: 0, via: ["email"] }],
    },
    {
      alias: "tanaka",
      displayName: "T",
      email: "t@example.com",
      engagement: [{ after: 0, via: ["email"] }],
    },
  ],
  onCall: [
    {
      name: "primary",
      members: ["sato", "suzuki"],
      timeZone: "Asia/Tokyo",
      handoff: { every: "week", on: "MON", at: "09:00" },
      startTime: "2026-01-05T09:00:00+09:00",
    },
  ],
  escalation: [{ engage: ["oncall:primary"], minutes: 15 }],
  levels: { critical: { impact: 1, page: true } },
  incidentManager: { replicationSet: "existing" },
}).onCall[0];

const OVERRIDE: RotationOverride = {
  rotation: "primary",
  members: ["tanaka"],
  from: "2026-12-24T09:00:00.000Z",
  to: "2026-12-25T09:00:00.000Z",
};

describe("rotationAt with overrides (tools/timeline.ts)", () => {
  const table: [string, string[], boolean][] = [
    ["2026-12-24T08:59:59.999Z", ["sato"], false],
    ["2026-12-24T09:00:00.000Z", ["tanaka"], true],
    ["2026-12-25T08:59:59.999Z", ["tanaka"], true],
    ["2026-12-25T09:00:00.000Z", ["sato"], false],
  ];
  for (const [at, now, overridden] of table) {
    it(`at ${at}: ${now.join(", ")} on call${overridden ? " (override)" : ""}`, () => {
      const r = rotationAt(ROTATION, new Date(at), [OVERRIDE]);
      assert.deepEqual(r.now, now);
      assert.deepEqual(
        r.override,
        overridden ? { members: ["tanaka"], until: "2026-12-25T09:00:00.000Z" } : undefined,
      );
    });
  }
  it("an override of another rotation changes nothing; without overrides the result is the schedule's", () => {
    const at = new Date("2026-12-24T12:00:00Z");
    assert.deepEqual(
      rotationAt(ROTATION, at, [{ ...OVERRIDE, rotation: "secondary" }]),
      rotationAt(ROTATION, at),
    );
    assert.deepEqual(rotationAt(ROTATION, at).now, ["sato"]);
  });
  it("activeAndUpcoming drops past overrides and labels the rest", () => {
    const past = { ...OVERRIDE, from: "2026-12-01T00:00:00.000Z", to: "2026-12-02T00:00:00.000Z" };
    const later = { ...OVERRIDE, from: "2026-12-31T00:00:00.000Z", to: "2027-01-01T00:00:00.000Z" };
    assert.deepEqual(
      activeAndUpcoming([later, past, OVERRIDE], new Date("2026-12-24T10:00:00Z")).map(
        (e) => e.state,
      ),
      ["active", "upcoming"],
    );
  });
});

describe("Incident Manager overrides (tools/override.ts)", () => {
  // A mock of this client instance (never the class: a class stub wraps the prototype for every
  // spec file of the run), made in before() and restored in after().
  const client = new SSMContactsClient({ region: "ap-northeast-1" });
  const mockContacts = () => mockClient(client as unknown as Parameters<typeof mockClient>[0]);
  let contacts: ReturnType<typeof mockContacts>;
  before(() => {
    contacts = mockContacts();
  });
  beforeEach(() => contacts.reset());
  after(() => contacts.restore());
  const ROT_ARN = "arn:aws:ssm-contacts:ap-northeast-1:123456789012:rotation/ie-prod-primary";
  const TANAKA = "arn:aws:ssm-contacts:ap-northeast-1:123456789012:contact/ie-prod-tanaka";

  it("finds the rotation and the member through paginated List calls and creates the override with these literal requests", async () => {
    contacts
      .on(ListRotationsCommand as never, { RotationNamePrefix: "ie-prod-primary" } as never, false)
      .resolvesOnce({
        Rotations: [{ Name: "ie-prod-primary-night", RotationArn: `${ROT_ARN}-night` }],
        NextToken: "t2",
      } as never)
      .resolvesOnce({ Rotations: [{ Name: "ie-prod-primary", RotationArn: ROT_ARN }] } as never);
    contacts
      .on(ListContactsCommand as never)
      .resolvesOnce({
        Contacts: [{ Alias: "ie-prod-tanaka2", ContactArn: `${TANAKA}2`, Type: "PERSONAL" }],
        NextToken: "c2",
      } as never)
      .resolvesOnce({
        Contacts: [{ Alias: "ie-prod-tanaka", ContactArn: TANAKA, Type: "PERSONAL" }],
      } as never);
    contacts
      .on(CreateRotationOverrideCommand as never)
      .resolves({ RotationOverrideId: "11111111-2222-3333-4444-555555555555" } as never);
    const id = await createImOverride(client, {
      prefix: "ie-prod",
      rotation: "primary",
      member: "tanaka",
      from: new Date(OVERRIDE.from),
      to: new Date(OVERRIDE.to),
    });
    assert.equal(id, "11111111-2222-3333-4444-555555555555");
    const inputs = contacts.calls().map((c) => [c.args[0].constructor.name, c.args[0].input]);
    const create = createOverrideRequest(
      ROT_ARN,
      TANAKA,
      new Date(OVERRIDE.from),
      new Date(OVERRIDE.to),
    );
    assert.match(create.IdempotencyToken as string, /^[0-9a-f]{64}$/);
    assert.deepEqual(inputs, [
      ["ListRotationsCommand", { RotationNamePrefix: "ie-prod-primary" }],
      ["ListRotationsCommand", { RotationNamePrefix: "ie-prod-primary", NextToken: "t2" }],
      ["ListContactsCommand", { AliasPrefix: "ie-prod-tanaka", Type: "PERSONAL" }],
      ["ListContactsCommand", { AliasPrefix: "ie-prod-tanaka", Type: "PERSONAL", NextToken: "c2" }],
      [
        "CreateRotationOverrideCommand",
        {
          RotationId: ROT_ARN,
          NewContactIds: [TANAKA],
          StartTime: new Date("2026-12-24T09:00:00.000Z"),
          EndTime: new Date("2026-12-25T09:00:00.000Z"),
          IdempotencyToken: create.IdempotencyToken,
        },
      ],
    ]);
    const ops = [
      "ListRotations",
      "ListRotations",
      "ListContacts",
      "ListContacts",
      "CreateRotationOverride",
    ];
    inputs.forEach(([, input], i) => {
      const wire = JSON.parse(JSON.stringify(input)) as Record<string, unknown>;
      // DateTime members travel as timestamps; the model checks their presence, not the format.
      for (const k of ["StartTime", "EndTime"]) if (k in wire) wire[k] = 1798102800;
      assert.deepEqual(checkOperationInput("ssm-contacts", ops[i], wire), [], ops[i]);
    });
    assert.deepEqual(
      checkOperationInput("ssm-contacts", "ListRotationOverrides", {
        RotationId: ROT_ARN,
        StartTime: 1798102800,
        EndTime: 1798189200,
      }),
      [],
    );
  });

  it("a rotation that does not exist is a clear error", async () => {
    contacts.on(ListRotationsCommand as never).resolves({ Rotations: [] } as never);
    await assert.rejects(
      createImOverride(client, {
        prefix: "ie-prod",
        rotation: "primary",
        member: "tanaka",
        from: new Date(OVERRIDE.from),
        to: new Date(OVERRIDE.to),
      }),
      { message: 'no Incident Manager rotation named ie-prod-primary (rotation "primary")' },
    );
    assert.equal(contacts.commandCalls(ListRotationOverridesCommand as never).length, 0);
  });
});

describe("step-functions override store (tools/override.ts)", () => {
  it("appends to OVERRIDE#<rotation> in the incident table and reads it back", () => {
    const now = new Date("2026-12-20T00:00:00.000Z");
    const put = putOverrideRequest(
      "ie-prod-incidents",
      {
        rotation: "primary",
        member: "tanaka",
        from: new Date(OVERRIDE.from),
        to: new Date(OVERRIDE.to),
      },
      now,
    );
    assert.deepEqual(put, {
      TableName: "ie-prod-incidents",
      Key: { pk: { S: "OVERRIDE#primary" } },
      UpdateExpression: "SET #overrides = list_append(if_not_exists(#overrides, :empty), :entry)",
      ExpressionAttributeNames: { "#overrides": "overrides" },
      ExpressionAttributeValues: {
        ":empty": { L: [] },
        ":entry": {
          L: [
            {
              M: {
                member: { S: "tanaka" },
                from: { S: "2026-12-24T09:00:00.000Z" },
                to: { S: "2026-12-25T09:00:00.000Z" },
                createdAt: { S: "2026-12-20T00:00:00.000Z" },
              },
            },
          ],
        },
      },
    });
    assert.deepEqual(checkOperationInput("dynamodb", "UpdateItem", put), []);
    const get = getOverridesRequest("ie-prod-incidents", "primary");
    assert.deepEqual(get, {
      TableName: "ie-prod-incidents",
      Key: { pk: { S: "OVERRIDE#primary" } },
      ConsistentRead: true,
    });
    assert.deepEqual(checkOperationInput("dynamodb", "GetItem", get), []);
    const item = {
      pk: { S: "OVERRIDE#primary" },
      overrides: (put.ExpressionAttributeValues as Record<string, { L: unknown[] }>)[":entry"],
    };
    assert.deepEqual(parseOverrides("primary", item as never), [OVERRIDE]);
    assert.deepEqual(parseOverrides("primary", undefined), []);
  });
});

describe("npm run override (cli/override.ts)", () => {
  const io = (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    // This run's own client, mocked (not the class: nothing leaks into other specs).
    const db = new DynamoDBClient({ region: "ap-northeast-1" });
    const dynamo = mockClient(db);
    dynamo.on(UpdateItemCommand).resolves({});
    return {
      out,
      err,
      dynamo,
      io: {
        argv,
        root: path.join(__dirname, "..", ".."),
        now: () => new Date("2026-12-20T00:00:00Z"),
        out: (l: string) => out.push(l),
        err: (l: string) => err.push(l),
        contacts: () => new SSMContactsClient({ region: "ap-northeast-1" }),
        dynamodb: () => db,
      },
    };
  };
  it("--help prints the usage and exits 0", async () => {
    const t = io(["--help"]);
    assert.equal(await override(t.io), 0);
    assert.deepEqual(t.out, [OVERRIDE_USAGE]);
    t.dynamo.restore();
  });
  it("usage errors name the flag", () => {
    assert.deepEqual(parseOverrideArgs(["--stack", "prod"]), {
      kind: "error",
      message: "--rotation <name> is required",
    });
    assert.deepEqual(
      parseOverrideArgs([
        "--stack",
        "prod",
        "--rotation",
        "primary",
        "--member",
        "tanaka",
        "--from",
        "2026-12-24 09:00",
        "--to",
        "2026-12-25T09:00:00Z",
      ]),
      {
        kind: "error",
        message:
          '--from "2026-12-24 09:00" is not an ISO-8601 time with an offset (e.g. 2026-12-24T18:00:00+09:00)',
      },
    );
  });
  it("an unknown member or a past window is refused before any request", async () => {
    const t = io([
      "--stack",
      "prod",
      "--rotation",
      "primary",
      "--member",
      "nobody",
      "--from",
      "2026-12-24T09:00:00Z",
      "--to",
      "2026-12-25T09:00:00Z",
    ]);
    assert.equal(await override(t.io), 2);
    assert.deepEqual(t.err, ['override: --member "nobody" is not a contact alias of stack prod']);
    const p = io([
      "--stack",
      "prod",
      "--rotation",
      "primary",
      "--member",
      "tanaka",
      "--from",
      "2026-12-01T09:00:00Z",
      "--to",
      "2026-12-02T09:00:00Z",
    ]);
    assert.equal(await override(p.io), 2);
    assert.deepEqual(p.err, ["override: --to is in the past: the override would never apply"]);
    assert.equal(t.dynamo.calls().length + p.dynamo.calls().length, 0);
    t.dynamo.restore();
    p.dynamo.restore();
  });
});
