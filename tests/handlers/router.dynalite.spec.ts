/**
 * The router's dedupe table on a real DynamoDB implementation: dynalite (an in-process DynamoDB
 * on memory-level; its expression parser and conditional writes follow DynamoDB's documented
 * semantics) on 127.0.0.1, reached by the router's own DynamoDB client (the real SDK, as the
 * handler configures it) through a recording proxy. The table has the key schema the component
 * creates (components/escalationPipeline.ts, `<prefix>-open-incidents`: hash key alarmArn, S).
 * Incident Manager is aws-sdk-client-mock with a small stateful fake (StartIncident idempotent by
 * clientToken, GetIncidentRecord reporting OPEN/RESOLVED, UpdateIncidentRecord resolving).
 *
 * It replays: a flap (ALARM → OK → ALARM) without resolveOnRecovery (one incident, one "fired
 * again" timeline event, nobody paged again), the same with resolveOnRecovery (two incidents, the
 * first resolved), an incident resolved by hand (with and without an OK before the next ALARM),
 * and concurrent deliveries (two ALARMs, an OK and an ALARM, an OK twice). Every request that
 * reaches the table is checked against the DynamoDB API model, every Incident Manager input
 * against the ssm-incidents model.
 *
 * What this spec does NOT prove:
 * - that DynamoDB itself evaluates every expression as dynalite does (dynalite is a faithful
 *   reimplementation, not AWS; the semantics relied on are cited in handlers/router/dedupe/writes.ts);
 * - one particular interleaving of concurrent invocations: the races run as they come, so their
 *   tests assert what must hold whichever write lands first (router.dedupe.spec.ts pins the
 *   interleavings that matter, one at a time);
 * - Incident Manager's behaviour (the fake answers as its API reference describes) or IAM;
 * - Lambda's retries and timing: every invocation here is one call of the handler.
 */
import { strict as assert } from "node:assert";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  GetItemCommand,
  type AttributeValue,
  type CreateTableCommandInput,
} from "@aws-sdk/client-dynamodb";
import {
  CreateTimelineEventCommand,
  GetIncidentRecordCommand,
  ResourceNotFoundException,
  SSMIncidentsClient,
  StartIncidentCommand,
  UpdateIncidentRecordCommand,
  type CreateTimelineEventCommandInput,
  type StartIncidentCommandInput,
  type UpdateIncidentRecordCommandInput,
} from "@aws-sdk/client-ssm-incidents";
import { SSMContactsClient } from "@aws-sdk/client-ssm-contacts";
import { mockClient } from "aws-sdk-client-mock";
import dynalite from "dynalite";
import type { RouterHandler, RouterResult } from "../../handlers/router/createHandler";
import { checkOperationInput } from "../support/apiModel";
import { localAwsEnv } from "../reliability/support/lambda";
import {
  alarmArn,
  applyEnv,
  ENV,
  PLAN_CRITICAL,
  PLAN_MAJOR,
  routerInputAt,
  sha256,
  STATE_TIMESTAMP,
  createRouter,
} from "./fixtures/routerFixtures";

const TABLE = "ie-prod-open-incidents";
/**
 * Levels as the component builds them for paging levels (engagements go through the response
 * plan, never directly): critical resolves its incident on recovery, major only notes it.
 */
const FLAP_ENV = {
  ...ENV,
  ROUTING_TABLE: JSON.stringify({
    critical: { impact: 1, responsePlanArn: PLAN_CRITICAL, resolveOnRecovery: true },
    major: { impact: 2, responsePlanArn: PLAN_MAJOR },
  }),
  DEDUPE_TABLE: TABLE,
};

const MAJOR_ARN = "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:prod-major-api-5xx";
const CRITICAL_ARN = "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:prod-critical-api-5xx";
const INCIDENT_1 = "arn:aws:ssm-incidents::123456789012:incident-record/prod-major/00000001";
const INCIDENT_2 = "arn:aws:ssm-incidents::123456789012:incident-record/prod-major/00000002";
const CRITICAL_1 = "arn:aws:ssm-incidents::123456789012:incident-record/prod-critical/00000001";
const CRITICAL_2 = "arn:aws:ssm-incidents::123456789012:incident-record/prod-critical/00000002";

/** The state changes replayed (as CloudWatch writes them), and when the router handles each. */
const ALARM_1 = STATE_TIMESTAMP; // 2019-10-02T17:04:40.989+0000
const OK_1 = "2019-10-02T17:10:00.000+0000";
const ALARM_2 = "2019-10-02T17:12:00.000+0000";
/** The router handles each state change 5 s after it. */
const handledAt = (timestamp: string): number => Date.parse(timestamp.replace("+0000", "Z")) + 5000;

/** The timeline event the router adds for `eventData`, its clientToken from the state change. */
function timelineEvent(
  alarm: string,
  timestamp: string,
  incidentArn: string,
  eventData: string,
): CreateTimelineEventCommandInput {
  return {
    clientToken: sha256(`${sha256(`${alarm}|${timestamp}`)}|${eventData}`),
    incidentRecordArn: incidentArn,
    eventTime: new Date(timestamp.replace("+0000", "Z")),
    eventType: "Custom Event",
    eventData,
  };
}

/** DynamoDB's JSON for a dedupe item, all strings but firedAgain. */
function item(fields: Record<string, string | number>): Record<string, AttributeValue> {
  return Object.fromEntries(
    Object.entries(fields).map(([name, value]) => [
      name,
      typeof value === "number" ? { N: String(value) } : { S: value },
    ]),
  );
}

describe("router dedupe on dynalite (a real DynamoDB implementation)", () => {
  let db: http.Server;
  let proxy: http.Server;
  /**
   * Every request the router's DynamoDB client sent: operation (X-Amz-Target) and body. The
   * spec's own client (table setup, reading items) goes to dynalite directly.
   */
  const requests: { operation: string; input: unknown }[] = [];
  let client: DynamoDBClient;
  let router: RouterHandler;
  let savedEnv: Record<string, string | undefined>;
  const mockIncidents = () => mockClient(SSMIncidentsClient);
  // client-ssm-contacts is pinned to an older SDK release, whose types differ from the mock's.
  const mockContacts = () =>
    mockClient(SSMContactsClient as unknown as Parameters<typeof mockClient>[0]);
  // Mocked in before(), not when mocha loads the file: other spec files mock the same clients.
  let incidents: ReturnType<typeof mockIncidents>;
  let contacts: ReturnType<typeof mockContacts>;
  let clock = 0;
  /** The router's log lines (one JSON object per invocation). */
  let logs: Record<string, unknown>[] = [];

  /** The fake Incident Manager's incidents, by ARN, and by StartIncident clientToken. */
  const byArn = new Map<string, { status: "OPEN" | "RESOLVED" }>();
  const byToken = new Map<string, string>();

  before(async () => {
    incidents = mockIncidents();
    contacts = mockContacts();
    db = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve) => db.listen(0, "127.0.0.1", resolve));
    const dbPort = (db.address() as AddressInfo).port;
    // A recording proxy: the body on the wire is the request DynamoDB receives.
    proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        const target = String(req.headers["x-amz-target"] ?? "");
        requests.push({
          operation: target.replace(/^DynamoDB_20120810\./, ""),
          input: JSON.parse(body.toString("utf8")) as unknown,
        });
        const upstream = http.request(
          {
            host: "127.0.0.1",
            port: dbPort,
            method: req.method,
            path: req.url,
            headers: req.headers,
          },
          (answer) => {
            res.writeHead(answer.statusCode ?? 500, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.on("error", () => res.destroy());
        upstream.end(body);
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    savedEnv = applyEnv(localAwsEnv(url));
    client = new DynamoDBClient({ endpoint: `http://127.0.0.1:${dbPort}` });
    // The production clients (createClients), against dynalite's endpoint.
    router = createRouter(FLAP_ENV, {
      now: () => new Date(clock),
      log: (line) => logs.push(line),
    });
  });
  after(async () => {
    incidents.restore();
    contacts.restore();
    client.destroy();
    applyEnv(savedEnv);
    await new Promise((resolve) => proxy.close(resolve));
    await new Promise((resolve) => db.close(resolve));
  });

  beforeEach(async () => {
    // A fresh table per test, created as the component creates it.
    const create: CreateTableCommandInput = {
      TableName: `${TABLE}`,
      AttributeDefinitions: [{ AttributeName: "alarmArn", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "alarmArn", KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
    };
    assert.deepEqual(checkOperationInput("dynamodb", "CreateTable", create), []);
    await client.send(new CreateTableCommand(create));
    requests.length = 0;
    byArn.clear();
    byToken.clear();
    incidents.reset();
    contacts.reset();
    // StartIncident's clientToken: the same token starts no second incident (API reference,
    // StartIncident: "A token ensuring that the operation is called only once with the specified
    // details").
    incidents.on(StartIncidentCommand).callsFake((input: StartIncidentCommandInput) => {
      const token = input.clientToken ?? "";
      const known = byToken.get(token);
      if (known !== undefined) return { incidentRecordArn: known };
      const plan = (input.responsePlanArn ?? "").split("/").pop() ?? "";
      const same = [...byArn.keys()].filter((arn) => arn.includes(`/${plan}/`)).length;
      const arn = `arn:aws:ssm-incidents::123456789012:incident-record/${plan}/${String(same + 1).padStart(8, "0")}`;
      byArn.set(arn, { status: "OPEN" });
      byToken.set(token, arn);
      return { incidentRecordArn: arn };
    });
    incidents.on(GetIncidentRecordCommand).callsFake((input: { arn: string }) => {
      const incident = byArn.get(input.arn);
      if (incident === undefined) {
        throw new ResourceNotFoundException({
          message: "not found",
          $metadata: { httpStatusCode: 404 },
        });
      }
      return {
        incidentRecord: {
          arn: input.arn,
          title: "x",
          status: incident.status,
          impact: 2,
          creationTime: new Date("2019-10-02T17:04:46.000Z"),
          lastModifiedTime: new Date("2019-10-02T17:04:46.000Z"),
          lastModifiedBy: "arn:aws:iam::123456789012:role/x",
          dedupeString: "x",
          incidentRecordSource: { createdBy: "x", source: "incident-escalation.prod" },
        },
      };
    });
    incidents
      .on(UpdateIncidentRecordCommand)
      .callsFake((input: UpdateIncidentRecordCommandInput) => {
        const incident = byArn.get(input.arn ?? "");
        if (incident !== undefined && input.status !== undefined) {
          incident.status = input.status as "OPEN" | "RESOLVED";
        }
        return {};
      });
    incidents
      .on(CreateTimelineEventCommand)
      .callsFake((input: CreateTimelineEventCommandInput) => ({
        eventId: "e",
        incidentRecordArn: input.incidentRecordArn,
      }));
    logs = [];
  });
  afterEach(async () => {
    await client.send(new DeleteTableCommand({ TableName: TABLE }));
    // Every request the router made is one DynamoDB's model accepts.
    for (const { operation, input } of requests) {
      assert.deepEqual(checkOperationInput("dynamodb", operation, input), [], operation);
    }
    // ... and every Incident Manager request one the ssm-incidents model accepts.
    for (const call of incidents.calls()) {
      const command = call.args[0] as { constructor: { name: string }; input: unknown };
      const operation = command.constructor.name.replace(/Command$/, "");
      assert.deepEqual(
        checkOperationInput("ssm-incidents", operation, command.input),
        [],
        operation,
      );
    }
  });

  /** The router handling the state change of `level` at `timestamp`, at its handling time. */
  async function deliver(
    level: string,
    timestamp: string,
    state: "ALARM" | "OK" = "ALARM",
    at = handledAt(timestamp),
  ): Promise<RouterResult> {
    clock = at;
    return router(routerInputAt(level, timestamp, state));
  }
  const starts = () =>
    incidents.commandCalls(StartIncidentCommand).map((c) => c.args[0].input.clientToken);
  const notes = () =>
    incidents.commandCalls(CreateTimelineEventCommand).map((c) => c.args[0].input);
  const resolves = () =>
    incidents.commandCalls(UpdateIncidentRecordCommand).map((c) => c.args[0].input);
  const stored = async (arn: string) =>
    (
      await client.send(
        new GetItemCommand({
          TableName: TABLE,
          Key: { alarmArn: { S: arn } },
          ConsistentRead: true,
        }),
      )
    ).Item;
  const operations = () => requests.map((r) => r.operation);

  it("ALARM → OK → ALARM without resolveOnRecovery: one StartIncident, the flap is one 'fired again' timeline event naming the recovery, nobody paged again", async () => {
    assert.equal(MAJOR_ARN, alarmArn("major"));
    assert.deepEqual(await deliver("major", ALARM_1), {
      decision: "page",
      incidentArn: INCIDENT_1,
      engagements: 0,
      dedupe: "opened",
    });
    assert.deepEqual(await deliver("major", OK_1, "OK"), {
      decision: "recover",
      incidentArn: INCIDENT_1,
      outcome: "recovered",
    });
    // Before the fix, the OK deleted the mapping here and this ALARM opened a second incident.
    assert.deepEqual(await deliver("major", ALARM_2), {
      decision: "page",
      incidentArn: INCIDENT_1,
      engagements: 0,
      dedupe: "fired-again",
    });

    assert.deepEqual(starts(), [sha256(`${MAJOR_ARN}|2019-10-02T17:04:40.989+0000`)]);
    assert.deepEqual(contacts.calls(), []);
    assert.deepEqual(
      logs.map((l) => l.dedupe ?? l.outcome),
      ["opened", "recovered", "fired-again"],
    );
    assert.deepEqual(resolves(), []);
    assert.deepEqual(notes(), [
      timelineEvent(
        MAJOR_ARN,
        OK_1,
        INCIDENT_1,
        '{"type":"alarm-recovered","alarmName":"prod-major-api-5xx","at":"2019-10-02T17:10:00.000Z"}',
      ),
      timelineEvent(
        MAJOR_ARN,
        ALARM_2,
        INCIDENT_1,
        '{"type":"alarm-fired-again","alarmName":"prod-major-api-5xx","at":"2019-10-02T17:12:00.000Z","firedAgain":1,"since":"2019-10-02T17:10:05.000Z","recoveredAt":"2019-10-02T17:10:00.000Z"}',
      ),
    ]);
    assert.deepEqual(operations(), [
      ...["GetItem", "PutItem", "UpdateItem"], // claim, StartIncident, mark open
      ...["GetItem", "UpdateItem"], // GetIncidentRecord, note, mark recovered
      ...["GetItem", "UpdateItem"], // GetIncidentRecord, note, open again
    ]);
    assert.deepEqual(
      await stored(MAJOR_ARN),
      item({
        alarmArn: MAJOR_ARN,
        level: "major",
        state: "open",
        incidentArn: INCIDENT_1,
        openedAt: "2019-10-02T17:04:45.989Z",
        updatedAt: "2019-10-02T17:04:45.989Z",
        alarmAt: "2019-10-02T17:04:40.989Z",
        clientToken: sha256(`${MAJOR_ARN}|2019-10-02T17:04:40.989+0000`),
        lastNotedAt: "2019-10-02T17:12:05.000Z",
        firedAgain: 0,
        recoveredAt: "2019-10-02T17:10:00.000Z",
      }),
    );

    // EventBridge and Lambda deliver at least once: every event again opens nothing new.
    const again = [
      await deliver("major", ALARM_1, "ALARM", handledAt(ALARM_2) + 1000),
      await deliver("major", OK_1, "OK", handledAt(ALARM_2) + 2000),
      await deliver("major", ALARM_2, "ALARM", handledAt(ALARM_2) + 3000),
    ];
    assert.deepEqual(
      again.map((r) => ("dedupe" in r ? r.dedupe : "outcome" in r ? r.outcome : r.decision)),
      // The first ALARM is the item's claimant; the OK is already noted; the repeat of the flap
      // is a repeat firing within the note interval, only counted.
      ["already-opened", "already-recovered", "counted"],
    );
    assert.equal(starts().length, 1);
    assert.equal(notes().length, 2);
  });

  it("ALARM → OK → ALARM with resolveOnRecovery: the OK resolves the first incident and drops the mapping, the next ALARM opens a second", async () => {
    assert.equal((await deliver("critical", ALARM_1)).decision, "page");
    assert.deepEqual(await deliver("critical", OK_1, "OK"), {
      decision: "recover",
      incidentArn: CRITICAL_1,
      outcome: "resolved",
    });
    assert.equal(await stored(CRITICAL_ARN), undefined);
    assert.deepEqual(await deliver("critical", ALARM_2), {
      decision: "page",
      incidentArn: CRITICAL_2,
      engagements: 0,
      dedupe: "opened",
    });
    assert.deepEqual(starts(), [
      sha256(`${CRITICAL_ARN}|2019-10-02T17:04:40.989+0000`),
      sha256(`${CRITICAL_ARN}|2019-10-02T17:12:00.000+0000`),
    ]);
    assert.deepEqual(resolves(), [
      {
        arn: CRITICAL_1,
        status: "RESOLVED",
        clientToken: sha256(`${sha256(`${CRITICAL_ARN}|2019-10-02T17:10:00.000+0000`)}|resolve`),
      },
    ]);
    assert.deepEqual(notes(), [
      timelineEvent(
        CRITICAL_ARN,
        OK_1,
        CRITICAL_1,
        '{"type":"alarm-recovered","alarmName":"prod-critical-api-5xx","at":"2019-10-02T17:10:00.000Z"}',
      ),
    ]);
    assert.deepEqual(
      [byArn.get(CRITICAL_1)?.status, byArn.get(CRITICAL_2)?.status],
      ["RESOLVED", "OPEN"],
    );
    assert.deepEqual(operations(), [
      ...["GetItem", "PutItem", "UpdateItem"],
      ...["GetItem", "DeleteItem"],
      ...["GetItem", "PutItem", "UpdateItem"],
    ]);
  });

  it("ALARM → incident resolved by hand → ALARM after the note interval: a second incident", async () => {
    await deliver("major", ALARM_1);
    byArn.set(INCIDENT_1, { status: "RESOLVED" });
    // 6 minutes after the incident's start opened the note interval.
    const later = "2019-10-02T17:11:00.000+0000";
    assert.deepEqual(await deliver("major", later), {
      decision: "page",
      incidentArn: INCIDENT_2,
      engagements: 0,
      dedupe: "opened",
    });
    assert.equal(starts().length, 2);
    assert.deepEqual(operations(), [
      ...["GetItem", "PutItem", "UpdateItem"],
      ...["GetItem", "PutItem", "UpdateItem"], // GetIncidentRecord: RESOLVED; the stale item replaced
    ]);
    assert.equal((await stored(MAJOR_ARN))?.incidentArn?.S, INCIDENT_2);
  });

  it("ALARM → OK → incident resolved by hand → ALARM a minute later: a second incident (after a recovery the ALARM always checks)", async () => {
    await deliver("major", ALARM_1);
    await deliver("major", OK_1, "OK");
    byArn.set(INCIDENT_1, { status: "RESOLVED" });
    assert.deepEqual(await deliver("major", "2019-10-02T17:11:00.000+0000"), {
      decision: "page",
      incidentArn: INCIDENT_2,
      engagements: 0,
      dedupe: "opened",
    });
    assert.equal(starts().length, 2);
    assert.equal(notes().length, 1); // the recovery only
    assert.deepEqual((await stored(MAJOR_ARN))?.state, { S: "open" });
  });

  it("two concurrent ALARMs (different state changes): one incident, the other counted on it", async () => {
    clock = handledAt(ALARM_2);
    const results = await Promise.all([
      router(routerInputAt("major", ALARM_1)),
      router(routerInputAt("major", ALARM_2)),
    ]);
    const outcomes = results.map((r) => (r as { dedupe?: string }).dedupe).sort();
    assert.deepEqual(outcomes, ["counted", "opened"]);
    assert.equal(byArn.size, 1);
    assert.equal(starts().length, 1);
    const stored1 = await stored(MAJOR_ARN);
    assert.deepEqual([stored1?.state, stored1?.firedAgain], [{ S: "open" }, { N: "1" }]);
  });

  it("the same ALARM delivered twice at once: one incident", async () => {
    clock = handledAt(ALARM_1);
    const settled = await Promise.allSettled([
      router(routerInputAt("major", ALARM_1)),
      router(routerInputAt("major", ALARM_1)),
    ]);
    assert.equal(byArn.size, 1);
    // Each either opened it (the duplicate may resume the other's claim with the same
    // clientToken), found it opened, or is retried by Lambda (INCIDENT_OPENING).
    for (const s of settled) {
      if (s.status === "fulfilled") {
        assert.equal((s.value as { incidentArn?: string }).incidentArn, INCIDENT_1);
      } else {
        assert.equal((s.reason as { code?: string }).code, "INCIDENT_OPENING");
      }
    }
    assert.ok(settled.some((s) => s.status === "fulfilled"));
    // Lambda's retry of either opens nothing.
    assert.deepEqual(await deliver("major", ALARM_1), {
      decision: "page",
      incidentArn: INCIDENT_1,
      engagements: 0,
      dedupe: "already-opened",
    });
    assert.equal(byArn.size, 1);
    assert.deepEqual(new Set(starts()), new Set([sha256(`${MAJOR_ARN}|${ALARM_1}`)]));
  });

  it("an OK and a later ALARM at once: one incident whichever write lands first; the item still names it", async () => {
    await deliver("major", ALARM_1);
    clock = handledAt(ALARM_2);
    const results = await Promise.all([
      router(routerInputAt("major", OK_1, "OK")),
      router(routerInputAt("major", ALARM_2)),
    ]);
    assert.deepEqual(results[0], {
      decision: "recover",
      incidentArn: INCIDENT_1,
      outcome: "recovered",
    });
    assert.equal((results[1] as { incidentArn?: string }).incidentArn, INCIDENT_1);
    assert.ok(
      ["counted", "fired-again"].includes(String((results[1] as { dedupe?: string }).dedupe)),
    );
    assert.equal(byArn.size, 1);
    assert.deepEqual(contacts.calls(), []);
    const now = await stored(MAJOR_ARN);
    assert.equal(now?.incidentArn?.S, INCIDENT_1);
    assert.ok(Number(now?.firedAgain?.N) >= 0);
  });

  it("the same OK delivered twice at once: the firings counted are reported and taken off once", async () => {
    await deliver("major", ALARM_1);
    // A repeat firing within the note interval: counted.
    assert.equal(
      ((await deliver("major", "2019-10-02T17:06:00.000+0000")) as { dedupe?: string }).dedupe,
      "counted",
    );
    clock = handledAt(OK_1);
    const results = await Promise.all([
      router(routerInputAt("major", OK_1, "OK")),
      router(routerInputAt("major", OK_1, "OK")),
    ]);
    assert.deepEqual(results.map((r) => (r as { outcome?: string }).outcome).sort(), [
      "already-recovered",
      "recovered",
    ]);
    // Both noted the same text, so with the same clientToken: Incident Manager keeps one event.
    const data =
      '{"type":"alarm-recovered","alarmName":"prod-major-api-5xx","at":"2019-10-02T17:10:00.000Z","firedAgain":1,"since":"2019-10-02T17:04:45.989Z"}';
    assert.deepEqual(
      [...new Set(notes().map((n) => JSON.stringify(n)))],
      [JSON.stringify(timelineEvent(MAJOR_ARN, OK_1, INCIDENT_1, data))],
    );
    const now = await stored(MAJOR_ARN);
    assert.deepEqual(
      [now?.state, now?.firedAgain, now?.recoveredAt],
      [{ S: "recovered" }, { N: "0" }, { S: "2019-10-02T17:10:00.000Z" }],
    );
  });
});
