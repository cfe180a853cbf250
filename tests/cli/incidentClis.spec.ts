/**
 * `npm run ack` (cli/ack.ts) and `npm run incidents` (cli/incidents.ts) against aws-sdk-client-mock:
 * the literal DynamoDB requests each makes for the prod example stack (table ie-prod-incidents,
 * region ap-northeast-1), what it prints, its exit codes, and its refusals (usage, unknown stack,
 * bad ids), plus --help as a child process. Every request is checked against the DynamoDB model.
 *
 * What this spec does NOT prove:
 * - DynamoDB's conditional semantics (tests/handlers/ack.dynalite.spec.ts proves the same request
 *   builders on dynalite) or that the caller's IAM allows the calls;
 * - the SDK's serialization or signing (aws-sdk-client-mock replaces `send`).
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import { ListTopicsCommand, PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { ack, ACK_USAGE, type AckIo } from "../../cli/ack";
import { incidents } from "../../cli/incidents";
import type { CliIo } from "../../tools/incidentTable";
import { openIncidentRequest } from "../../handlers/shared/incidentStore";
import { checkOperationInput } from "../support/apiModel";

const REPO = path.join(__dirname, "..", "..");
const NOW = new Date("2026-12-02T01:00:00.000Z");
const TABLE = "ie-prod-incidents";

function item(
  fields: Partial<Record<string, AttributeValue>> = {},
): Record<string, AttributeValue> {
  const base = openIncidentRequest(TABLE, {
    id: "inc-1",
    alarmName: "ie-prod-critical-api-5xx",
    alertLevel: "critical",
    openedAt: new Date("2026-12-02T00:50:00.000Z"),
  }).Item as Record<string, AttributeValue>;
  return { ...base, ...fields } as Record<string, AttributeValue>;
}

describe("incident CLIs: npm run ack and npm run incidents", () => {
  const client = new DynamoDBClient({ region: "ap-northeast-1" });
  const ddb = mockClient(client);
  let out: string[];
  let err: string[];
  const regions: (string | undefined)[] = [];
  const snsClient = new SNSClient({ region: "ap-northeast-1" });
  const sns = mockClient(snsClient);
  const io = (argv: string[]): CliIo & AckIo => ({
    argv,
    root: REPO,
    now: () => NOW,
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    dynamodb: (region) => {
      regions.push(region);
      return client;
    },
    sns: (region) => {
      regions.push(region);
      return snsClient;
    },
  });

  beforeEach(() => {
    ddb.reset();
    sns.reset();
    sns.on(ListTopicsCommand).resolves({
      Topics: [
        { TopicArn: "arn:aws:sns:ap-northeast-1:123456789012:ie-prod-alerts-old" },
        { TopicArn: "arn:aws:sns:ap-northeast-1:123456789012:ie-prod-alerts" },
      ],
    });
    sns.on(PublishCommand).resolves({ MessageId: "m-1" });
    out = [];
    err = [];
    regions.length = 0;
  });
  afterEach(() => {
    const problems = ddb.calls().flatMap((c) => {
      const command = c.args[0] as unknown as { constructor: { name: string }; input: unknown };
      return checkOperationInput(
        "dynamodb",
        command.constructor.name.replace(/Command$/, ""),
        command.input,
      );
    });
    const snsProblems = sns.calls().flatMap((c) => {
      const command = c.args[0] as unknown as { constructor: { name: string }; input: unknown };
      return checkOperationInput(
        "sns",
        command.constructor.name.replace(/Command$/, ""),
        command.input,
      );
    });
    assert.deepEqual([...problems, ...snsProblems], []);
  });
  after(() => {
    ddb.restore();
    sns.restore();
  });

  it("ack --as sato: one conditional UpdateItem (status = open) on ie-prod-incidents in ap-northeast-1 recording cli:sato, then the Slack note to the topic found by name; exit 0", async () => {
    ddb.on(UpdateItemCommand).resolves({
      Attributes: item({
        status: { S: "acknowledged" },
        acknowledgedAt: { S: "2026-12-02T01:00:00.000Z" },
        acknowledgedBy: { S: "cli:sato" },
        acknowledgedVia: { S: "cli" },
      }),
    });
    const code = await ack(io(["--stack", "prod", "--incident", "inc-1", "--as", "sato"]));
    assert.equal(code, 0);
    assert.deepEqual(regions, ["ap-northeast-1", "ap-northeast-1"]);
    assert.deepEqual(ddb.commandCalls(UpdateItemCommand)[0]?.args[0].input, {
      TableName: "ie-prod-incidents",
      Key: { pk: { S: "INCIDENT#inc-1" } },
      UpdateExpression:
        "SET #status = :acknowledged, acknowledgedBy = :by, acknowledgedVia = :via, acknowledgedAt = :at, timeline = list_append(if_not_exists(timeline, :empty), :entry)",
      ConditionExpression: "#status = :open",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: {
        ":acknowledged": { S: "acknowledged" },
        ":open": { S: "open" },
        ":by": { S: "cli:sato" },
        ":via": { S: "cli" },
        ":at": { S: "2026-12-02T01:00:00.000Z" },
        ":entry": {
          L: [
            {
              M: {
                at: { S: "2026-12-02T01:00:00.000Z" },
                kind: { S: "acknowledged" },
                contact: { S: "cli:sato" },
                channel: { S: "cli" },
              },
            },
          ],
        },
        ":empty": { L: [] },
      },
      ReturnValues: "ALL_NEW",
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    });
    assert.deepEqual(out, [
      'acknowledged incident inc-1 (alarm "ie-prod-critical-api-5xx", level critical) at 2026-12-02T01:00:00.000Z as cli:sato: pending pages will not be sent',
    ]);
    assert.deepEqual(err, []);
    assert.deepEqual(
      sns.commandCalls(ListTopicsCommand).map((c) => c.args[0].input),
      [{}],
    );
    assert.deepEqual(
      sns.commandCalls(PublishCommand).map((c) => c.args[0].input),
      [
        {
          TopicArn: "arn:aws:sns:ap-northeast-1:123456789012:ie-prod-alerts",
          Message: JSON.stringify({
            version: "1.0",
            source: "custom",
            content: {
              textType: "client-markdown",
              title: "Acknowledged: inc-1",
              description:
                'Incident inc-1 (alarm "ie-prod-critical-api-5xx", level critical) acknowledged by cli:sato from a terminal (npm run ack) at 2026-12-02 01:00 UTC; pending pages stopped.',
            },
          }),
        },
      ],
    );
  });

  it("ack --contact tanaka: the contact's rule (essential condition); a non-essential target is recorded, Slack says the escalation goes on", async () => {
    ddb
      .on(UpdateItemCommand)
      .rejectsOnce(
        new ConditionalCheckFailedException({
          message: "The conditional request failed",
          $metadata: {},
          Item: item({ notEssentialContacts: { SS: ["tanaka"] } }),
        }),
      )
      .resolves({
        Attributes: item({
          notEssentialContacts: { SS: ["tanaka"] },
          acknowledgers: { SS: ["tanaka"] },
        }),
      });
    const code = await ack(io(["--stack", "prod", "--incident", "inc-1", "--contact", "tanaka"]));
    assert.equal(code, 0);
    assert.deepEqual(
      ddb.commandCalls(UpdateItemCommand).map((c) => c.args[0].input.ConditionExpression),
      [
        "#status = :open AND (contains(essentialContacts, :by) OR attribute_not_exists(notEssentialContacts) OR NOT contains(notEssentialContacts, :by))",
        "#status = :open AND contains(notEssentialContacts, :by) AND (attribute_not_exists(essentialContacts) OR NOT contains(essentialContacts, :by)) AND (attribute_not_exists(acknowledgers) OR NOT contains(acknowledgers, :by))",
      ],
    );
    assert.deepEqual(out, [
      'recorded the acknowledgement of incident inc-1 (alarm "ie-prod-critical-api-5xx", level critical) by tanaka, paged by a stage that is not essential: the escalation goes on until an essential target acknowledges',
    ]);
    const note = JSON.parse(String(sns.commandCalls(PublishCommand)[0]?.args[0].input.Message)) as {
      content: { title: string };
    };
    assert.equal(note.content.title, "Acknowledged, escalation continues: inc-1");
  });

  it("ack: the Slack note lost (no topic named ie-prod-alerts) is said on stderr; the acknowledgement stands, exit 0", async () => {
    ddb.on(UpdateItemCommand).resolves({
      Attributes: item({
        status: { S: "acknowledged" },
        acknowledgedAt: { S: "2026-12-02T01:00:00.000Z" },
      }),
    });
    sns.on(ListTopicsCommand).resolves({ Topics: [] });
    assert.equal(await ack(io(["--stack", "prod", "--incident", "inc-1"])), 0);
    assert.deepEqual(err, [
      "ack: the acknowledgement is recorded, but the Slack note was not posted: no SNS topic named ie-prod-alerts in this account and region",
    ]);
    assert.equal(
      ddb.commandCalls(UpdateItemCommand)[0]?.args[0].input.ExpressionAttributeValues?.[":by"]?.S,
      "cli:operator",
    );
  });

  it("ack twice: the condition fails, the old item says who acknowledged; exit 0, nothing changed", async () => {
    ddb.on(UpdateItemCommand).rejects(
      new ConditionalCheckFailedException({
        message: "The conditional request failed",
        $metadata: {},
        Item: item({
          status: { S: "acknowledged" },
          acknowledgedAt: { S: "2026-12-02T00:55:00.000Z" },
          acknowledgedBy: { S: "suzuki" },
          acknowledgedVia: { S: "email" },
        }),
      }),
    );
    assert.equal(await ack(io(["--stack", "prod", "--incident", "inc-1"])), 0);
    assert.deepEqual(out, [
      "incident inc-1 was already acknowledged at 2026-12-02T00:55:00.000Z by suzuki via email; nothing changed",
    ]);
    assert.equal(ddb.commandCalls(GetItemCommand).length, 0);
  });

  it("ack of a resolved incident (no item with the exception: a consistent GetItem tells): exit 1, nothing changed", async () => {
    ddb.on(UpdateItemCommand).rejects(
      new ConditionalCheckFailedException({
        message: "The conditional request failed",
        $metadata: {},
      }),
    );
    ddb.on(GetItemCommand).resolves({
      Item: item({ status: { S: "resolved" }, resolvedAt: { S: "2026-12-02T00:58:00.000Z" } }),
    });
    assert.equal(await ack(io(["--stack", "prod", "--incident", "inc-1"])), 1);
    assert.deepEqual(ddb.commandCalls(GetItemCommand)[0]?.args[0].input, {
      TableName: "ie-prod-incidents",
      Key: { pk: { S: "INCIDENT#inc-1" } },
      ConsistentRead: true,
    });
    assert.deepEqual(err, [
      "ack: incident inc-1 is resolved (2026-12-02T00:58:00.000Z); nothing changed",
    ]);
  });

  it("ack refusals: no --incident, a bad id, an unknown stack, AccessDenied (exit 2, clear messages)", async () => {
    assert.equal(await ack(io(["--stack", "prod"])), 2);
    assert.equal(err[0], `ack: --incident <id> is required\n\n${ACK_USAGE}`);
    err = [];
    assert.equal(await ack(io(["--stack", "prod", "--incident", "inc/1"])), 2);
    assert.match(
      err[0] ?? "",
      /^ack: --incident "inc\/1" is not an incident id \(\[A-Za-z0-9_-\], 1-80 characters\)/,
    );
    err = [];
    assert.equal(await ack(io(["--stack", "nope", "--incident", "inc-1"])), 2);
    assert.deepEqual(err, ['ack: Pulumi.nope.yaml: no such stack config file (stack "nope")']);
    err = [];
    const denied = new Error("User is not authorized to perform: dynamodb:UpdateItem");
    denied.name = "AccessDeniedException";
    ddb.on(UpdateItemCommand).rejects(denied);
    assert.equal(await ack(io(["--stack", "prod", "--incident", "inc-1"])), 2);
    assert.deepEqual(err, [
      'ack: table ie-prod-incidents: dynamodb:UpdateItem failed: access denied. The caller\'s IAM policy must allow "dynamodb:UpdateItem" on the resource (and no SCP or permissions boundary may deny it). (AccessDeniedException: User is not authorized to perform: dynamodb:UpdateItem)',
    ]);
    assert.equal(ddb.calls().length, 1);
  });

  it("incidents: lists the 20 most recent from the recent index, newest first (literal Query)", async () => {
    ddb.on(QueryCommand).resolves({
      Items: [
        item({
          id: { S: "inc-2" },
          pk: { S: "INCIDENT#inc-2" },
          openedAt: { S: "2026-12-02T00:59:00.000Z" },
        }),
        item(),
      ],
    });
    assert.equal(await incidents(io(["--stack", "prod"])), 0);
    assert.deepEqual(ddb.commandCalls(QueryCommand)[0]?.args[0].input, {
      TableName: "ie-prod-incidents",
      IndexName: "recent",
      KeyConditionExpression: "#type = :type",
      ExpressionAttributeNames: { "#type": "type" },
      ExpressionAttributeValues: { ":type": { S: "INCIDENT" } },
      ScanIndexForward: false,
      Limit: 20,
    });
    assert.deepEqual(out, [
      '2026-12-02T00:59:00.000Z  open          inc-2  critical  "ie-prod-critical-api-5xx"',
      '2026-12-02T00:50:00.000Z  open          inc-1  critical  "ie-prod-critical-api-5xx"',
    ]);
  });

  it("incidents --show: the timeline (consistent GetItem)", async () => {
    ddb.on(GetItemCommand).resolves({
      Item: item({
        status: { S: "acknowledged" },
        acknowledgedAt: { S: "2026-12-02T00:55:00.000Z" },
        acknowledgedBy: { S: "sato" },
        acknowledgedVia: { S: "email" },
        timeline: {
          L: [
            { M: { at: { S: "2026-12-02T00:50:00.000Z" }, kind: { S: "opened" } } },
            {
              M: {
                at: { S: "2026-12-02T00:50:01.000Z" },
                kind: { S: "paged" },
                contact: { S: "sato" },
                channel: { S: "email" },
              },
            },
            {
              M: {
                at: { S: "2026-12-02T00:50:03.000Z" },
                kind: { S: "delivered" },
                contact: { S: "sato" },
                channel: { S: "email" },
                detail: { S: "DELIVERY" },
              },
            },
            {
              M: {
                at: { S: "2026-12-02T00:55:00.000Z" },
                kind: { S: "acknowledged" },
                contact: { S: "sato" },
                channel: { S: "email" },
              },
            },
          ],
        },
      }),
    });
    assert.equal(await incidents(io(["--stack", "prod", "--show", "inc-1"])), 0);
    assert.deepEqual(ddb.commandCalls(GetItemCommand)[0]?.args[0].input, {
      TableName: "ie-prod-incidents",
      Key: { pk: { S: "INCIDENT#inc-1" } },
      ConsistentRead: true,
    });
    assert.deepEqual(out[0]?.split("\n"), [
      "incident inc-1: acknowledged",
      '  alarm "ie-prod-critical-api-5xx", level critical, opened 2026-12-02T00:50:00.000Z',
      "  acknowledged 2026-12-02T00:55:00.000Z by sato via email",
      "timeline:",
      "  2026-12-02T00:50:00.000Z  opened",
      "  2026-12-02T00:50:01.000Z  paged  sato  via email",
      "  2026-12-02T00:50:03.000Z  delivered  sato  via email  (DELIVERY)",
      "  2026-12-02T00:55:00.000Z  acknowledged  sato  via email",
    ]);
  });

  it("incidents --resolve: one conditional UpdateItem (open or acknowledged); again: exit 1, nothing changed", async () => {
    ddb
      .on(UpdateItemCommand)
      .resolvesOnce({
        Attributes: item({
          status: { S: "resolved" },
          resolvedAt: { S: "2026-12-02T01:00:00.000Z" },
        }),
      })
      .rejects(
        new ConditionalCheckFailedException({
          message: "The conditional request failed",
          $metadata: {},
          Item: item({ status: { S: "resolved" }, resolvedAt: { S: "2026-12-02T01:00:00.000Z" } }),
        }),
      );
    assert.equal(await incidents(io(["--stack", "prod", "--resolve", "inc-1"])), 0);
    const input = ddb.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    assert.deepEqual(
      {
        UpdateExpression: input?.UpdateExpression,
        ConditionExpression: input?.ConditionExpression,
        entry: input?.ExpressionAttributeValues?.[":entry"],
      },
      {
        UpdateExpression:
          "SET #status = :resolved, resolvedAt = :at, timeline = list_append(if_not_exists(timeline, :empty), :entry)",
        ConditionExpression: "#status IN (:open, :acknowledged)",
        entry: {
          L: [
            {
              M: {
                at: { S: "2026-12-02T01:00:00.000Z" },
                kind: { S: "resolved" },
                detail: { S: "cli" },
                contact: { S: "cli" },
              },
            },
          ],
        },
      },
    );
    assert.deepEqual(out, [
      "resolved incident inc-1 at 2026-12-02T01:00:00.000Z: its escalation stops",
    ]);
    assert.equal(await incidents(io(["--stack", "prod", "--resolve", "inc-1"])), 1);
    assert.deepEqual(err, [
      "incidents: incident inc-1 is already resolved (2026-12-02T01:00:00.000Z); nothing changed",
    ]);
  });

  it("incidents refusals: --show with --resolve, a bad --limit, --as without --resolve (exit 2, no AWS call)", async () => {
    for (const [argv, message] of [
      [
        ["--stack", "prod", "--show", "a", "--resolve", "b"],
        "--show and --resolve cannot be used together",
      ],
      [["--stack", "prod", "--limit", "0"], '--limit "0" is not a whole number from 1 to 100'],
      [["--stack", "prod", "--as", "sato"], "--as is only used with --resolve"],
      [["--stack", "prod", "--bogus"], "Unknown option '--bogus'"],
    ] as const) {
      err = [];
      assert.equal(await incidents(io([...argv])), 2);
      assert.ok((err[0] ?? "").startsWith(`incidents: ${message}`), err[0]);
    }
    assert.equal(ddb.calls().length, 0);
  });

  it("--help of both, as child processes (exit 0, usage on stdout)", () => {
    for (const [cli, first] of [
      ["cli/ack.ts", "Usage: npm run ack -- --stack <name> --incident <id>"],
      ["cli/incidents.ts", "Usage: npm run incidents -- --stack <name>"],
    ] as const) {
      const r = spawnSync(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", cli, "--help"],
        {
          cwd: REPO,
          encoding: "utf8",
        },
      );
      assert.equal(r.status, 0, r.stderr);
      assert.ok(r.stdout.startsWith(first), r.stdout);
    }
  });
});
