/**
 * The router and the heartbeat's canary (handlers/router/heartbeat.ts, the branch in
 * createHandler.ts): a state change of exactly the canary alarm, of this account and region, pages
 * nobody (no SDK call under aws-sdk-client-mock) and writes one literal HeartbeatsRouted EMF line;
 * anything else that merely looks like it goes the normal way. Also the cold start: handler.ts
 * reads HEARTBEAT_ALARM.
 *
 * What this spec does NOT prove:
 * - that CloudWatch Logs extracts the metric from the line (the EMF specification cited in
 *   handlers/shared/selfMetrics.ts), or that the missing-heartbeat alarm reacts to it: the
 *   component spec (tests/components/heartbeat.spec.ts) asserts that alarm's inputs.
 * - that EventBridge delivers the canary's events in this shape (the fixture is the documented
 *   event format; the rule and its input transformer are asserted in the component spec).
 */
import { strict as assert } from "node:assert";
import { SSMContactsClient } from "@aws-sdk/client-ssm-contacts";
import { SSMIncidentsClient, StartIncidentCommand } from "@aws-sdk/client-ssm-incidents";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import {
  HEARTBEAT_ALARM_VARIABLE,
  heartbeatOf,
  parseHeartbeatEnv,
} from "../../handlers/router/heartbeat";
import { RouterConfigError } from "../../handlers/router/errors";
import {
  ACCOUNT,
  ENV,
  REGION,
  createRouter,
  loadRouterHandler,
  routerInput,
} from "./fixtures/routerFixtures";

const CANARY = "ie-prod-heartbeat";
const CANARY_ARN = `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${CANARY}`;

/** The canary's state change as the heartbeat rule's input transformer delivers it. */
function canaryInput(state: "ALARM" | "OK" = "ALARM"): Record<string, unknown> {
  const input = routerInput("critical", state);
  const event = input.event as Record<string, unknown>;
  event.resources = [CANARY_ARN];
  (event.detail as Record<string, unknown>).alarmName = CANARY;
  return input;
}

const mockIncidents = () => mockClient(SSMIncidentsClient);
// The ssm-contacts client's types do not fit mockClient's (as in router.spec.ts).
const mockContacts = () =>
  mockClient(SSMContactsClient as unknown as Parameters<typeof mockClient>[0]);
const mockDynamo = () => mockClient(DynamoDBClient);

describe("router: heartbeat canary (handlers/router/heartbeat.ts)", () => {
  // Stubbed in before(), not while mocha loads the file: a class stub made at load would answer
  // every earlier spec file's clients too (the dynalite specs among them).
  let incidents: ReturnType<typeof mockIncidents>;
  let contacts: ReturnType<typeof mockContacts>;
  let dynamodb: ReturnType<typeof mockDynamo>;
  before(() => {
    incidents = mockIncidents();
    contacts = mockContacts();
    dynamodb = mockDynamo();
  });
  beforeEach(() => {
    incidents.reset();
    contacts.reset();
    dynamodb.reset();
    incidents
      .on(StartIncidentCommand)
      .resolves({ incidentRecordArn: "arn:aws:ssm-incidents::123456789012:incident-record/x/y" });
  });
  after(() => {
    incidents.restore();
    contacts.restore();
    dynamodb.restore();
  });

  /** The router as createRouter builds it: no heartbeat dependency (no HEARTBEAT_ALARM). */
  function routerWithoutHeartbeat() {
    const metrics: Record<string, unknown>[] = [];
    const logs: Record<string, unknown>[] = [];
    const base = createRouter(ENV, {
      now: () => new Date("2026-12-02T01:00:00.000Z"),
      log: (l) => logs.push(l),
      emitMetric: (m) => metrics.push(m),
      functionName: "ie-prod-router",
      clients: {
        incidents: new SSMIncidentsClient({ region: REGION }),
        dynamodb: new DynamoDBClient({ region: REGION }),
        contacts: () => new SSMContactsClient({ region: REGION }),
      },
    });
    return { handler: base, metrics, logs };
  }

  // createRouter builds the handler without HEARTBEAT_ALARM; the heartbeat dependency is
  // what handler.ts adds from it, so these specs build the handler as handler.ts does.
  async function withHeartbeat() {
    const metrics: Record<string, unknown>[] = [];
    const logs: Record<string, unknown>[] = [];
    const { createHandler } = await import("../../handlers/router/createHandler");
    const { configOf } = await import("./fixtures/routerFixtures");
    const handler = createHandler({
      config: configOf(ENV),
      clients: {
        incidents: new SSMIncidentsClient({ region: REGION }),
        dynamodb: new DynamoDBClient({ region: REGION }),
        contacts: () => new SSMContactsClient({ region: REGION }),
      },
      now: () => new Date("2026-12-02T01:00:00.000Z"),
      log: (l) => logs.push(JSON.parse(JSON.stringify(l)) as Record<string, unknown>),
      emitMetric: (m) => metrics.push(JSON.parse(JSON.stringify(m)) as Record<string, unknown>),
      functionName: "ie-prod-router",
      heartbeat: { alarmName: CANARY },
    });
    return { handler, metrics, logs };
  }

  for (const state of ["ALARM", "OK"] as const) {
    it(`a canary ${state} pages nobody, calls nothing and writes one HeartbeatsRouted line`, async () => {
      const { handler, metrics, logs } = await withHeartbeat();
      const result = await handler(canaryInput(state));
      assert.deepEqual(result, { decision: "ignore", reason: "heartbeat" });
      assert.equal(incidents.calls().length, 0);
      assert.equal(contacts.calls().length, 0);
      assert.equal(dynamodb.calls().length, 0);
      assert.deepEqual(metrics, [
        {
          _aws: {
            Timestamp: 1796173200000,
            CloudWatchMetrics: [
              {
                Namespace: "IncidentEscalation",
                Dimensions: [["FunctionName"]],
                Metrics: [{ Name: "HeartbeatsRouted", Unit: "Count" }],
              },
            ],
          },
          message: "router.heartbeat",
          alarmState: state,
          FunctionName: "ie-prod-router",
          HeartbeatsRouted: 1,
        },
      ]);
      assert.deepEqual(logs, [
        {
          alertLevel: "critical",
          alarmName: CANARY,
          decision: "ignore",
          reason: "heartbeat",
          alarmState: state,
        },
      ]);
    });
  }

  it("a canary from the router's queue (SQS batch) is counted and is no batch item failure", async () => {
    const { handler, metrics } = await withHeartbeat();
    const response = await handler({
      Records: [
        {
          messageId: "m-1",
          eventSource: "aws:sqs",
          body: JSON.stringify(canaryInput()),
          attributes: { ApproximateReceiveCount: "1" },
        },
      ],
    });
    assert.deepEqual(response, { batchItemFailures: [] });
    assert.equal(metrics.length, 1);
    assert.equal(incidents.calls().length, 0);
  });

  it("another alarm still pages (StartIncident) and writes no heartbeat", async () => {
    const { handler, metrics } = await withHeartbeat();
    const result = await handler(routerInput("critical"));
    assert.equal((result as { decision: string }).decision, "page");
    assert.equal(incidents.commandCalls(StartIncidentCommand).length, 1);
    assert.deepEqual(metrics, []);
  });

  it("without HEARTBEAT_ALARM the canary is an ordinary alarm: a router that forgot it pages (a broken heartbeat is loud)", async () => {
    const { handler, metrics } = routerWithoutHeartbeat();
    const result = await handler(canaryInput());
    assert.equal((result as { decision: string }).decision, "page");
    assert.equal(incidents.commandCalls(StartIncidentCommand).length, 1);
    assert.deepEqual(metrics, []);
  });

  it("heartbeatOf: only the canary of this account and region, with its ARN as the only resource, is a heartbeat", () => {
    const own = { account: ACCOUNT, region: REGION };
    const hb = { alarmName: CANARY };
    assert.deepEqual(heartbeatOf(canaryInput(), hb, own), { alarmState: "ALARM" });
    assert.equal(heartbeatOf(canaryInput(), undefined, own), undefined);
    assert.equal(heartbeatOf(routerInput("critical"), hb, own), undefined);
    const cases: [string, (e: Record<string, unknown>) => void][] = [
      ["another account", (e) => (e.account = "210987654321")],
      ["another region", (e) => (e.region = "us-east-1")],
      ["another source", (e) => (e.source = "custom.app")],
      ["another detail-type", (e) => (e["detail-type"] = "Something Else")],
      ["a forwarded ARN", (e) => (e.resources = [CANARY_ARN.replace(ACCOUNT, "210987654321")])],
      ["two resources", (e) => (e.resources = [CANARY_ARN, CANARY_ARN])],
    ];
    for (const [what, mutate] of cases) {
      const input = canaryInput();
      mutate(input.event as Record<string, unknown>);
      assert.equal(heartbeatOf(input, hb, own), undefined, what);
    }
  });

  it("parseHeartbeatEnv reads HEARTBEAT_ALARM, absent means no heartbeat, a control character is a named error", () => {
    assert.equal(HEARTBEAT_ALARM_VARIABLE, "HEARTBEAT_ALARM");
    assert.deepEqual(parseHeartbeatEnv({ HEARTBEAT_ALARM: CANARY }), { alarmName: CANARY });
    assert.equal(parseHeartbeatEnv({}), undefined);
    assert.throws(
      () => parseHeartbeatEnv({ HEARTBEAT_ALARM: "a\nb" }),
      (err: unknown) => {
        assert.ok(err instanceof RouterConfigError);
        assert.match(
          err.message,
          /HEARTBEAT_ALARM: must be a CloudWatch alarm name \(1-255 characters, no control characters\)/,
        );
        return true;
      },
    );
  });

  it("handler.ts (cold start) passes HEARTBEAT_ALARM: the canary is counted on stdout, not paged", async () => {
    const mod = await loadRouterHandler({
      ...ENV,
      HEARTBEAT_ALARM: CANARY,
      AWS_LAMBDA_FUNCTION_NAME: "ie-prod-router",
    });
    const written: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const log = console.log;
    process.stdout.write = ((chunk: string) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    console.log = () => undefined;
    try {
      assert.deepEqual(await mod.handler(canaryInput()), {
        decision: "ignore",
        reason: "heartbeat",
      });
    } finally {
      process.stdout.write = write;
      console.log = log;
    }
    assert.equal(incidents.calls().length, 0);
    const lines = written.map((w) => JSON.parse(w) as Record<string, unknown>);
    assert.deepEqual(
      lines.map((l) => [l.message, l.FunctionName, l.HeartbeatsRouted]),
      [["router.heartbeat", "ie-prod-router", 1]],
    );
  });
});
