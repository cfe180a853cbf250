/**
 * `npm run override` end to end in process (cli/override.ts) on stacks built in the spec
 * (tests/support/overrideStacks.ts): on the Incident Manager stack, the literal requests of a
 * create (ListRotations, ListContacts, CreateRotationOverride) and of `--list`
 * (ListRotations, ListRotationOverrides paginated over NextToken, the window now → a year ahead)
 * under aws-sdk-client-mock, each checked against aws-models/ssm-contacts.json, and what is
 * printed; a refused call is exit 2 naming the call; on the step-functions stack, a create then
 * `--list` against dynalite (the incident table's override item).
 *
 * What this spec does NOT prove: that Incident Manager accepts the override or pages the member
 * (its own resolver does; the engine's resolver is tests/handlers/engine.overrides.spec.ts); the
 * caller's IAM permissions; the SDK's credential chain.
 */
import { strict as assert } from "node:assert";
import {
  CreateRotationOverrideCommand,
  ListContactsCommand,
  ListRotationOverridesCommand,
  ListRotationsCommand,
  SSMContactsClient,
} from "@aws-sdk/client-ssm-contacts";
import { mockClient } from "aws-sdk-client-mock";
import { override } from "../../cli/override";
import { checkOperationInput } from "../support/apiModel";
import {
  freshTable,
  recordInputs,
  startDynalite,
  dynamoClient,
  type Dynalite,
  type Recorded,
} from "../support/incidentTable";
import { overrideStacks } from "../support/overrideStacks";

const NOW = new Date("2026-12-20T00:00:00.000Z");
const ROT_ARN = "arn:aws:ssm-contacts:ap-northeast-1:123456789012:rotation/ie-imo-primary";
const contactArn = (alias: string) =>
  `arn:aws:ssm-contacts:ap-northeast-1:123456789012:contact/ie-imo-${alias}`;

/** The SDK input as it crosses the wire (DateTime as epoch seconds) for the model check. */
const wire = (input: unknown): Record<string, unknown> => {
  const w = JSON.parse(JSON.stringify(input)) as Record<string, unknown>;
  for (const k of ["StartTime", "EndTime"]) if (k in w) w[k] = 1798102800;
  return w;
};

describe("npm run override on an Incident Manager stack (cli/override.ts, mocked ssm-contacts)", () => {
  const stacks = overrideStacks();
  const client = new SSMContactsClient({ region: "ap-northeast-1" });
  // A class mock (the one the other specs of the run re-stub too), made in before() and restored
  // in after(). The client packages and aws-sdk-client-mock pin different @smithy/types: hence
  // the casts.
  let mock: ReturnType<typeof mockClient>;
  before(() => {
    mock = mockClient(SSMContactsClient as unknown as Parameters<typeof mockClient>[0]);
  });
  beforeEach(() => mock.reset());
  after(() => mock.restore());
  const run = async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const regions: (string | undefined)[] = [];
    const code = await override({
      argv,
      root: stacks.root,
      now: () => NOW,
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      contacts: (region) => {
        regions.push(region);
        return client;
      },
      dynamodb: () => {
        throw new Error("no DynamoDB on an Incident Manager stack");
      },
    });
    return { code, out, err, regions };
  };
  const calls = () =>
    mock.calls().map((c) => {
      const command = c.args[0] as { constructor: { name: string }; input: unknown };
      return [command.constructor.name.replace(/Command$/, ""), command.input] as const;
    });

  it("create: ListRotations → ListContacts → CreateRotationOverride with these literal inputs, in the stack's region; prints the override's id", async () => {
    mock
      .on(ListRotationsCommand as never)
      .resolves({ Rotations: [{ Name: "ie-imo-primary", RotationArn: ROT_ARN }] } as never);
    mock.on(ListContactsCommand as never).resolves({
      Contacts: [{ Alias: "ie-imo-tanaka", ContactArn: contactArn("tanaka"), Type: "PERSONAL" }],
    } as never);
    mock
      .on(CreateRotationOverrideCommand as never)
      .resolves({ RotationOverrideId: "11111111-2222-3333-4444-555555555555" } as never);
    const r = await run([
      "--stack",
      "imo",
      "--rotation",
      "primary",
      "--member",
      "tanaka",
      "--from",
      "2026-12-24T18:00:00+09:00",
      "--to",
      "2026-12-25T09:00:00+09:00",
    ]);
    assert.equal(r.code, 0, r.err.join("\n"));
    assert.deepEqual(r.regions, ["ap-northeast-1"]);
    assert.deepEqual(r.out, [
      "rotation override 11111111-2222-3333-4444-555555555555: tanaka on call in primary from 2026-12-24T09:00:00.000Z to 2026-12-25T00:00:00.000Z",
    ]);
    const sent = calls();
    const token = (sent[2][1] as { IdempotencyToken: string }).IdempotencyToken;
    assert.match(token, /^[0-9a-f]{64}$/);
    assert.deepEqual(sent, [
      ["ListRotations", { RotationNamePrefix: "ie-imo-primary" }],
      ["ListContacts", { AliasPrefix: "ie-imo-tanaka", Type: "PERSONAL" }],
      [
        "CreateRotationOverride",
        {
          RotationId: ROT_ARN,
          NewContactIds: [contactArn("tanaka")],
          StartTime: new Date("2026-12-24T09:00:00.000Z"),
          EndTime: new Date("2026-12-25T00:00:00.000Z"),
          IdempotencyToken: token,
        },
      ],
    ]);
    for (const [op, input] of sent)
      assert.deepEqual(checkOperationInput("ssm-contacts", op, wire(input)), [], op);
  });

  it("--list: ListRotationOverrides from now to a year ahead, every page (NextToken), members as aliases, ended ones left out", async () => {
    mock
      .on(ListRotationsCommand as never)
      .resolves({ Rotations: [{ Name: "ie-imo-primary", RotationArn: ROT_ARN }] } as never);
    mock
      .on(ListRotationOverridesCommand as never)
      .resolvesOnce({
        RotationOverrides: [
          {
            RotationOverrideId: "o-1",
            NewContactIds: [contactArn("tanaka")],
            StartTime: new Date("2026-12-19T00:00:00.000Z"),
            EndTime: new Date("2026-12-21T00:00:00.000Z"),
          },
        ],
        NextToken: "page-2",
      } as never)
      .resolvesOnce({
        RotationOverrides: [
          {
            RotationOverrideId: "o-2",
            NewContactIds: [contactArn("suzuki")],
            StartTime: new Date("2026-12-31T00:00:00.000Z"),
            EndTime: new Date("2027-01-01T00:00:00.000Z"),
          },
        ],
      } as never);
    const r = await run(["--stack", "imo", "--rotation", "primary", "--list"]);
    assert.equal(r.code, 0, r.err.join("\n"));
    assert.deepEqual(r.out, [
      "active    primary  tanaka  2026-12-19T00:00:00.000Z → 2026-12-21T00:00:00.000Z",
      "upcoming  primary  suzuki  2026-12-31T00:00:00.000Z → 2027-01-01T00:00:00.000Z",
    ]);
    const sent = calls();
    assert.deepEqual(sent, [
      ["ListRotations", { RotationNamePrefix: "ie-imo-primary" }],
      [
        "ListRotationOverrides",
        {
          RotationId: ROT_ARN,
          StartTime: new Date("2026-12-20T00:00:00.000Z"),
          EndTime: new Date("2027-12-21T00:00:00.000Z"),
        },
      ],
      [
        "ListRotationOverrides",
        {
          RotationId: ROT_ARN,
          StartTime: new Date("2026-12-20T00:00:00.000Z"),
          EndTime: new Date("2027-12-21T00:00:00.000Z"),
          NextToken: "page-2",
        },
      ],
    ]);
    for (const [op, input] of sent)
      assert.deepEqual(checkOperationInput("ssm-contacts", op, wire(input)), [], op);
  });

  it("a refused call is exit 2 naming the call that failed (here ListRotations, before any override request)", async () => {
    mock.on(ListRotationsCommand as never).rejects(
      Object.assign(new Error("User is not authorized to perform: ssm-contacts:ListRotations"), {
        name: "AccessDeniedException",
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const r = await run(["--stack", "imo", "--rotation", "primary", "--list"]);
    assert.equal(r.code, 2);
    assert.deepEqual(r.err, [
      'override: ssm-contacts:ListRotations failed: access denied. The caller\'s IAM policy must allow "ssm-contacts:ListRotations" on the resource (and no SCP or permissions boundary may deny it). (AccessDeniedException: User is not authorized to perform: ssm-contacts:ListRotations)',
    ]);
    assert.equal(mock.commandCalls(ListRotationOverridesCommand as never).length, 0);
  });
});

describe("npm run override on a step-functions stack (cli/override.ts, dynalite)", function () {
  this.timeout(30_000);
  const stacks = overrideStacks();
  let db: Dynalite;
  const record: Recorded[] = [];
  before(async () => {
    db = await startDynalite();
    await freshTable(db.admin, "ie-sfo-incidents");
  });
  after(() => db.close());
  const run = async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const client = recordInputs(dynamoClient(db.url), record);
    try {
      const code = await override({
        argv,
        root: stacks.root,
        now: () => NOW,
        out: (l) => out.push(l),
        err: (l) => err.push(l),
        contacts: () => {
          throw new Error("no Incident Manager on a step-functions stack");
        },
        dynamodb: () => client,
      });
      return { code, out, err };
    } finally {
      client.destroy();
    }
  };

  it("create twice, then --list: both listed in start order from OVERRIDE#primary (UpdateItem, then GetItem ConsistentRead)", async () => {
    const create = (member: string, from: string, to: string) =>
      run([
        "--stack",
        "sfo",
        "--rotation",
        "primary",
        "--member",
        member,
        "--from",
        from,
        "--to",
        to,
      ]);
    const b = await create("suzuki", "2026-12-31T09:00:00+09:00", "2027-01-01T09:00:00+09:00");
    const a = await create("tanaka", "2026-12-19T09:00:00+09:00", "2026-12-21T09:00:00+09:00");
    assert.deepEqual([a.code, b.code], [0, 0]);
    assert.deepEqual(a.out, [
      "override stored in ie-sfo-incidents: tanaka on call in primary from 2026-12-19T00:00:00.000Z to 2026-12-21T00:00:00.000Z",
    ]);
    const l = await run(["--stack", "sfo", "--rotation", "primary", "--list"]);
    assert.equal(l.code, 0, l.err.join("\n"));
    assert.deepEqual(l.out, [
      "active    primary  tanaka  2026-12-19T00:00:00.000Z → 2026-12-21T00:00:00.000Z",
      "upcoming  primary  suzuki  2026-12-31T00:00:00.000Z → 2027-01-01T00:00:00.000Z",
    ]);
    assert.deepEqual(
      record.map((x) => x.operation),
      ["UpdateItem", "UpdateItem", "GetItem"],
    );
    assert.deepEqual(record[2].input, {
      TableName: "ie-sfo-incidents",
      Key: { pk: { S: "OVERRIDE#primary" } },
      ConsistentRead: true,
    });
  });
});
