/**
 * `npm run silence` (cli/silence.ts, tools/silence.ts) against aws-sdk-client-mock: the literal
 * PutItem / Query / DeleteItem requests (each checked against aws-models/dynamodb.json), what is
 * printed, the exit codes, and the usage errors.
 *
 * Does NOT prove: that DynamoDB accepts the requests beyond the API model (no table here; the
 * condition and key names are plain), nor the router's reading of the items
 * (tests/handlers/silence.spec.ts).
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import {
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
} from "@aws-sdk/client-dynamodb";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { SILENCE_USAGE, silenceCli } from "../../cli/silence";
import { parseDuration } from "../../tools/silence";
import { checkOperationInput } from "../support/apiModel";

const REPO = path.join(__dirname, "..", "..");
const NOW = new Date("2026-12-02T02:30:15.500Z");
// Stubbed in before() and restored in after(): a stub made at load would replace
// DynamoDBClient.prototype.send for every spec file in the run (the dynalite specs among them).
let ddb: AwsClientStub<DynamoDBClient>;

interface Run {
  code: number;
  out: string[];
  err: string[];
  stderr: string;
  stdout: string;
  regions: (string | undefined)[];
}

async function run(...argv: string[]): Promise<Run> {
  const r: Run = { code: -1, out: [], err: [], stderr: "", stdout: "", regions: [] };
  const sink = (k: "stdout" | "stderr") =>
    ({ write: (s: string) => ((r[k] += s), true) }) as unknown as NodeJS.WritableStream;
  r.code = await silenceCli({
    argv,
    root: REPO,
    now: () => NOW,
    random: () => "a1b2c3",
    out: (l) => r.out.push(l),
    err: (l) => r.err.push(l),
    dynamodb: (region) => {
      r.regions.push(region);
      return new DynamoDBClient({ region: region ?? "us-east-1" });
    },
    io: { stdout: sink("stdout"), stderr: sink("stderr") },
  });
  return r;
}

function modelProblems(): string[] {
  return ddb.calls().flatMap((c) => {
    const command = c.args[0] as unknown as { constructor: { name: string }; input: unknown };
    return checkOperationInput(
      "dynamodb",
      command.constructor.name.replace(/Command$/, ""),
      command.input,
    );
  });
}

const item = (id: string, pattern: string, startsAt: number, expiresAt: number) => ({
  pk: { S: "silence" },
  id: { S: id },
  pattern: { S: pattern },
  reason: { S: "deploy 42" },
  startsAt: { N: String(startsAt) },
  expiresAt: { N: String(expiresAt) },
});

describe("cli/silence", () => {
  before(() => {
    ddb = mockClient(DynamoDBClient);
  });
  after(() => ddb.restore());
  beforeEach(() => ddb.reset());
  afterEach(() => assert.deepEqual(modelProblems(), []));

  it("--alarm api-* --for 2h --reason: one PutItem into ie-prod-silences, expiring 2h later (epoch seconds)", async () => {
    ddb.on(PutItemCommand).resolves({});
    const r = await run(
      "--stack",
      "prod",
      "--alarm",
      "api-*",
      "--for",
      "2h",
      "--reason",
      "deploy 42",
    );
    assert.equal(r.code, 0, r.stderr + r.err.join("\n"));
    assert.deepEqual(r.regions, ["ap-northeast-1"]);
    assert.deepEqual(
      ddb.commandCalls(PutItemCommand).map((c) => c.args[0].input),
      [
        {
          TableName: "ie-prod-silences",
          Item: {
            pk: { S: "silence" },
            id: { S: "s-20261202T0230-a1b2c3" },
            pattern: { S: "api-*" },
            reason: { S: "deploy 42" },
            startsAt: { N: "1796178615" },
            expiresAt: { N: "1796185815" },
          },
          ConditionExpression: "attribute_not_exists(id)",
        },
      ],
    );
    assert.equal(
      r.out[0],
      'silenced: s-20261202T0230-a1b2c3  api-*  until 2026-12-02T04:30:15.000Z  "deploy 42"',
    );
  });

  it("--list: one strongly consistent Query of the partition; expired items (TTL not yet run) are left out", async () => {
    ddb.on(QueryCommand).resolves({
      Items: [
        item("s-20261202T0100-000001", "api-5xx", 1796173200, 1796176800), // ended 01:00Z+1h
        item("s-20261202T0200-000002", "api-*", 1796176800, 1796191200),
      ],
    });
    const r = await run("--stack", "prod", "--list");
    assert.equal(r.code, 0);
    assert.deepEqual(
      ddb.commandCalls(QueryCommand).map((c) => c.args[0].input),
      [
        {
          TableName: "ie-prod-silences",
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": { S: "silence" } },
          ConsistentRead: true,
        },
      ],
    );
    assert.deepEqual(r.out, [
      's-20261202T0200-000002  api-*  until 2026-12-02T06:00:00.000Z  "deploy 42"',
    ]);
  });

  it("--clear <id>: one DeleteItem returning the old item; none there is exit 1", async () => {
    ddb
      .on(DeleteItemCommand)
      .resolvesOnce({ Attributes: item("s-20261202T0200-000002", "api-*", 1, 2) })
      .resolves({});
    const r = await run("--stack", "prod", "--clear", "s-20261202T0200-000002");
    assert.equal(r.code, 0);
    assert.deepEqual(r.out, ["cleared s-20261202T0200-000002"]);
    assert.deepEqual(ddb.commandCalls(DeleteItemCommand)[0].args[0].input, {
      TableName: "ie-prod-silences",
      Key: { pk: { S: "silence" }, id: { S: "s-20261202T0200-000002" } },
      ReturnValues: "ALL_OLD",
    });
    const again = await run("--stack", "prod", "--clear", "s-20261202T0200-000002");
    assert.equal(again.code, 1);
    assert.deepEqual(again.err, [
      "silence: no silence s-20261202T0200-000002 in ie-prod-silences; nothing changed",
    ]);
  });

  it("--clear --alarm api-*: deletes the active silences with exactly that pattern", async () => {
    ddb.on(QueryCommand).resolves({
      Items: [
        item("s-20261202T0200-000002", "api-*", 1796176800, 1796191200),
        item("s-20261202T0200-000003", "api-5xx", 1796176800, 1796191200),
      ],
    });
    ddb.on(DeleteItemCommand).resolves({});
    const r = await run("--stack", "prod", "--clear", "--alarm", "api-*");
    assert.equal(r.code, 0);
    assert.deepEqual(
      ddb.commandCalls(DeleteItemCommand).map((c) => c.args[0].input.Key),
      [{ pk: { S: "silence" }, id: { S: "s-20261202T0200-000002" } }],
    );
  });

  it("--clear --alarm with no active silence of exactly that pattern: exit 1, nothing deleted", async () => {
    ddb.on(QueryCommand).resolves({
      Items: [item("s-20261202T0200-000003", "api-5xx", 1796176800, 1796191200)],
    });
    const r = await run("--stack", "prod", "--clear", "--alarm", "api-*");
    assert.equal(r.code, 1);
    assert.deepEqual(r.err, [
      "silence: no active silence for --alarm api-* in ie-prod-silences; nothing changed",
    ]);
    assert.equal(ddb.commandCalls(DeleteItemCommand).length, 0);
  });

  it("an AWS error is exit 2 naming the table and the action", async () => {
    ddb
      .on(PutItemCommand)
      .rejects(Object.assign(new Error("no table"), { name: "ResourceNotFoundException" }));
    const r = await run("--stack", "prod", "--alarm", "api-5xx", "--for", "30m", "--reason", "x");
    assert.equal(r.code, 2);
    assert.deepEqual(r.err, [
      "silence: table ie-prod-silences: dynamodb:PutItem failed: not found. Check that the stack has been deployed (pulumi up) to this account and region. (ResourceNotFoundException: no table)",
    ]);
  });

  it("--list denied: exit 2 naming the table and the IAM action to allow", async () => {
    ddb
      .on(QueryCommand)
      .rejects(Object.assign(new Error("not authorized"), { name: "AccessDeniedException" }));
    const r = await run("--stack", "prod", "--list");
    assert.equal(r.code, 2);
    assert.deepEqual(r.err, [
      'silence: table ie-prod-silences: dynamodb:Query failed: access denied. The caller\'s IAM policy must allow "dynamodb:Query" on the resource (and no SCP or permissions boundary may deny it). (AccessDeniedException: not authorized)',
    ]);
  });

  describe("usage errors (exit 2, message then usage on stderr, nothing sent)", () => {
    const cases: [string[], string][] = [
      [["--alarm", "api-*", "--for", "2h", "--reason", "x"], "--stack <name> is required"],
      [
        ["--stack", "prod", "--alarm", "api-*", "--for", "2", "--reason", "x"],
        '--for "2" is not a duration; use minutes, hours or days, e.g. 30m, 2h, 1h30m, 1d',
      ],
      [
        ["--stack", "prod", "--alarm", "api-*", "--for", "2 hours", "--reason", "x"],
        '--for "2 hours" is not a duration; use minutes, hours or days, e.g. 30m, 2h, 1h30m, 1d',
      ],
      [
        ["--stack", "prod", "--alarm", "api-*", "--for", "0m", "--reason", "x"],
        '--for "0m" is zero; silence for at least 1m',
      ],
      [
        ["--stack", "prod", "--alarm", "api-*", "--for", "8d", "--reason", "x"],
        '--for "8d" is longer than 7d; a longer silence belongs in maintenance[] of the stack config',
      ],
      [
        ["--stack", "prod", "--alarm", "api-*", "--for", "-2h", "--reason", "x"],
        "Option '--for' argument is ambiguous.\nDid you forget to specify the option argument for '--for'?\nTo specify an option argument starting with a dash use '--for=-XYZ'.",
      ],
      [
        ["--stack", "prod", "--alarm", "api-*", "--for", "2h"],
        '--reason "<text>" is required (it is shown in Slack with every silenced alarm)',
      ],
      [["--stack", "prod", "--for", "2h", "--reason", "x"], "--alarm <name|prefix*> is required"],
      [
        ["--stack", "prod", "--alarm", "db-*", "--for", "2h", "--reason", "x"],
        "--alarm \"db-*\" matches no alarm of the stack's alarms[] (external alarms and the pipeline's own alarms are never silenced)",
      ],
      [
        ["--stack", "prod", "--alarm", "*-5xx", "--for", "2h", "--reason", "x"],
        '--alarm "*-5xx" is not an alarm name or <prefix>* (e.g. api-5xx, api-*)',
      ],
      [
        ["--stack", "prod", "--clear", "42"],
        '--clear "42" is not a silence id (s-<yyyymmdd>T<hhmm>-<6 hex>, as --list prints)',
      ],
      [
        ["--stack", "prod", "--list", "--for", "2h"],
        "use one of --for (add), --list, --clear at a time",
      ],
      [
        ["--stack", "nosuch", "--list"],
        'Pulumi.nosuch.yaml: no such stack config file (stack "nosuch")',
      ],
      [["--stack", "prod", "--bogus"], "Unknown option '--bogus'"],
      [
        ["--stack", "prod", "--alarm", "api-5xx", "--for"],
        "Option '--for <value>' argument missing",
      ],
      [
        ["--stack", "prod", "--alarm", "api-5xx", "--reason", "x"],
        "--for <duration> is required (e.g. 2h)",
      ],
      [
        ["--stack", "prod", "--alarm", "api-5xx", "--for", "2h", "--reason", "x".repeat(121)],
        "--reason is longer than 120 characters",
      ],
      [["--stack", "prod", "--list", "--alarm", "api-5xx"], "--list takes no --alarm or --reason"],
      [
        ["--stack", "prod", "--clear", "--alarm", "db-*"],
        "--alarm \"db-*\" matches no alarm of the stack's alarms[] (external alarms and the pipeline's own alarms are never silenced)",
      ],
    ];
    for (const [argv, message] of cases) {
      it(`${argv.join(" ")} → ${message.split("\n")[0]}`, async () => {
        const r = await run(...argv);
        assert.equal(r.code, 2);
        assert.equal(r.stderr, `silence: ${message}\n\n${SILENCE_USAGE}\n`);
        assert.equal(ddb.calls().length, 0);
      });
    }
  });

  it("durations: 30m, 2h, 1h30m, 1d, 7d", () => {
    assert.deepEqual(
      ["30m", "2h", "1h30m", "1d", "7d"].map(parseDuration),
      [30, 120, 90, 1440, 10080],
    );
  });

  it("--help prints the usage and exits 0 (in process, and as `npm run silence` runs it)", async () => {
    const r = await run("--help");
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `${SILENCE_USAGE}\n`);
    const p = spawnSync(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", "cli/silence.ts", "--help"],
      {
        cwd: REPO,
        encoding: "utf8",
      },
    );
    assert.equal(p.status, 0, p.stderr);
    assert.equal(p.stdout, `${SILENCE_USAGE}\n`);
  });
});
