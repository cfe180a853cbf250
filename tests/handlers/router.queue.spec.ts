/**
 * The router's SQS event source: recognising a batch, reading records, the partial batch
 * response (ReportBatchItemFailures), and the PagesGivenUp EMF line, exactly; the pure decisions
 * of handlers/router/queue.ts table by table; the routing table read from routing.json in
 * LAMBDA_TASK_ROOT.
 *
 * Not proven here: that Lambda delivers this event shape (modelled on the developer guide's
 * "Example standard queue message event"), that CloudWatch extracts the metric from the line (the
 * line is checked against the EMF specification's members), nor retries across receives
 * (tests/reliability/selfMonitoring.spec.ts simulates the queue).
 */
import { strict as assert } from "node:assert";
import {
  AccessDeniedException,
  SSMIncidentsClient,
  StartIncidentCommand,
  ThrottlingException,
} from "@aws-sdk/client-ssm-incidents";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { RetryLaterError, RoutingError } from "../../handlers/router/errors";
import {
  givesUpPage,
  isPermanent,
  isSqsEvent,
  receiveCount,
  recordInput,
} from "../../handlers/router/queue";
import { pageGivenUpMetric } from "../../handlers/shared/selfMetrics";
import {
  ACCOUNT,
  alarmEvent,
  changeToken,
  DEDUPE_ENV,
  ENV,
  mappingItem,
  PLAN_CRITICAL,
  REGION,
  alarmName,
  loadRouterHandler,
  routerInput,
  createRouter,
  type RouterModule,
} from "./fixtures/routerFixtures";
import type { RouterHandler } from "../../handlers/router/createHandler";

const QUEUE = `arn:aws:sqs:${REGION}:${ACCOUNT}:prod-router-queue`;
const record = (body: string, receives = 1, id = "m-1") => ({
  messageId: id,
  receiptHandle: `handle-${id}`,
  body,
  attributes: {
    ApproximateReceiveCount: String(receives),
    SentTimestamp: "1545082649183",
    SenderId: "AIDAIENQZJOLO23YVJ4VO",
    ApproximateFirstReceiveTimestamp: "1545082649185",
  },
  messageAttributes: {},
  md5OfBody: "e4e68fb7bd0e697a0ae8f1bb342846b3",
  eventSource: "aws:sqs",
  eventSourceARN: QUEUE,
  awsRegion: REGION,
});
const denied = () => new AccessDeniedException({ message: "m", $metadata: {} });
const throttled = () =>
  new ThrottlingException({
    message: "Rate exceeded",
    $metadata: {},
    serviceCode: "ssm-incidents",
    quotaCode: "L-0000",
  });

describe("router queue (pure): batches, records, pages given up", () => {
  it("recognises a batch from the SQS event source mapping, and nothing else", () => {
    assert.equal(isSqsEvent({ Records: [record("{}")] }), true);
    for (const other of [
      routerInput("critical"),
      { drill: { level: "critical" } },
      { Records: [] },
      { Records: [{ ...record("{}"), eventSource: "aws:sns" }] },
      { Records: [{ ...record("{}"), body: 1 }] },
      null,
      "Records",
    ]) {
      assert.equal(isSqsEvent(other), false, JSON.stringify(other));
    }
  });

  it("reads the body as JSON (a non-JSON body is kept as text, for the router to reject)", () => {
    assert.deepEqual(recordInput(record('{"level":"critical"}')), { level: "critical" });
    assert.equal(recordInput(record("not json")), "not json");
  });

  it("reads ApproximateReceiveCount (1 when absent or malformed)", () => {
    assert.equal(receiveCount(record("{}", 3)), 3);
    assert.equal(receiveCount({ messageId: "x", body: "{}" }), 1);
    assert.equal(receiveCount({ messageId: "x", body: "{}", attributes: {} }), 1);
    assert.equal(
      receiveCount({ messageId: "x", body: "{}", attributes: { ApproximateReceiveCount: "0" } }),
      1,
    );
  });

  it("permanent: RoutingError and client faults other than throttling", () => {
    assert.equal(isPermanent(new RoutingError("UNKNOWN_LEVEL", "x")), true);
    assert.equal(isPermanent(denied()), true);
    assert.equal(isPermanent(throttled()), false);
    assert.equal(isPermanent(new RetryLaterError("INCIDENT_OPENING", "x")), false);
    assert.equal(isPermanent(new Error("socket hang up")), false);
    assert.equal(isPermanent("boom"), false);
  });

  const ok = routerInput("critical", "OK");
  const alarm = routerInput("critical");
  const table: [string, unknown, unknown, number, boolean][] = [
    ["ALARM, throttled, 1st receive", alarm, throttled(), 1, false],
    ["ALARM, throttled, 2nd receive", alarm, throttled(), 2, false],
    ["ALARM, throttled, 3rd (last) receive", alarm, throttled(), 3, true],
    [
      "ALARM, retry later, 1st receive",
      alarm,
      new RetryLaterError("DEDUPE_CONFLICT", "x"),
      1,
      false,
    ],
    ["ALARM, access denied, 1st receive", alarm, denied(), 1, true],
    [
      "unroutable input, 1st receive",
      "not json",
      new RoutingError("MALFORMED_EVENT", "x"),
      1,
      true,
    ],
    ["OK, access denied, last receive", ok, denied(), 3, false],
    ["OK, unknown level, 1st receive", ok, new RoutingError("UNKNOWN_LEVEL", "x"), 1, false],
  ];
  for (const [name, input, err, receives, expected] of table) {
    it(`${name}: ${expected ? "a page given up" : "not a page given up"}`, () => {
      assert.equal(givesUpPage(input, err, receives, 3), expected);
    });
  }

  it("the PagesGivenUp line has the EMF members: _aws.Timestamp, CloudWatchMetrics (Namespace, Dimensions, Metrics), and the values at the root", () => {
    assert.deepEqual(
      pageGivenUpMetric("ie-prod-router", new Date("2026-12-01T00:00:00.000Z"), {
        alertLevel: "critical",
      }),
      {
        _aws: {
          Timestamp: 1796083200000,
          CloudWatchMetrics: [
            {
              Namespace: "IncidentEscalation",
              Dimensions: [["FunctionName"]],
              Metrics: [{ Name: "PagesGivenUp", Unit: "Count" }],
            },
          ],
        },
        alertLevel: "critical",
        FunctionName: "ie-prod-router",
        PagesGivenUp: 1,
      },
    );
  });
});

// The production entry (handler.ts, cold-started): its EMF line on stdout, its function name.
describe("router handler: SQS batches (aws-sdk-client-mock)", () => {
  let incidents: ReturnType<typeof mockClient>;
  let router: RouterModule;
  let stdout: string[];
  const realWrite = process.stdout.write.bind(process.stdout);
  const realLog = console.log;

  before(async () => {
    incidents = mockClient(SSMIncidentsClient);
    router = await loadRouterHandler({ ...ENV, AWS_LAMBDA_FUNCTION_NAME: "prod-router" });
  });
  after(() => incidents.restore());
  beforeEach(() => {
    incidents.reset();
    stdout = [];
    console.log = () => undefined;
    // Keep the EMF lines; let everything else (mocha's reporter) through.
    process.stdout.write = ((chunk: string, ...rest: unknown[]) => {
      if (String(chunk).startsWith('{"_aws"')) return stdout.push(String(chunk)) > 0;
      return (realWrite as (c: string, ...r: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
  });
  afterEach(() => {
    process.stdout.write = realWrite;
    console.log = realLog;
  });

  it("a record from another account or region: no StartIncident and no batch item failure (never retried)", async () => {
    incidents.on(StartIncidentCommand).resolves({ incidentRecordArn: "arn:x" });
    const other = (fields: Record<string, unknown>) =>
      JSON.stringify({ level: "critical", event: { ...alarmEvent("critical"), ...fields } });
    const event = {
      Records: [
        record(
          other({
            account: "111122223333",
            resources: [
              "arn:aws:cloudwatch:ap-northeast-1:111122223333:alarm:prod-critical-api-5xx",
            ],
          }),
          1,
          "m-1",
        ),
        record(
          other({
            region: "us-east-1",
            resources: ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:prod-critical-api-5xx"],
          }),
          1,
          "m-2",
        ),
      ],
    };
    assert.deepEqual(await router.handler(event), { batchItemFailures: [] });
    assert.equal(incidents.calls().length, 0);
    assert.deepEqual(stdout, []);
  });

  it("routes each record and answers an empty batchItemFailures when all succeed", async () => {
    incidents.on(StartIncidentCommand).resolves({ incidentRecordArn: "arn:x" });
    const event = {
      Records: [
        record(JSON.stringify(routerInput("critical")), 1, "m-1"),
        record(JSON.stringify(routerInput("info")), 1, "m-2"),
      ],
    };
    assert.deepEqual(await router.handler(event), { batchItemFailures: [] });
    assert.equal(incidents.commandCalls(StartIncidentCommand).length, 1);
    assert.equal(
      incidents.commandCalls(StartIncidentCommand)[0].args[0].input.responsePlanArn,
      PLAN_CRITICAL,
    );
    assert.deepEqual(stdout, []);
  });

  it("throttled after the SDK's retries: a batch item failure, not a function error, and no page given up", async () => {
    incidents.on(StartIncidentCommand).rejects(throttled());
    const event = { Records: [record(JSON.stringify(routerInput("critical")), 1, "m-9")] };
    assert.deepEqual(await router.handler(event), {
      batchItemFailures: [{ itemIdentifier: "m-9" }],
    });
    assert.deepEqual(stdout, []);
  });

  it("refused (AccessDenied): a batch item failure and exactly one PagesGivenUp line on stdout", async () => {
    incidents.on(StartIncidentCommand).rejects(denied());
    const event = { Records: [record(JSON.stringify(routerInput("critical")), 1, "m-3")] };
    const before = Date.now();
    assert.deepEqual(await router.handler(event), {
      batchItemFailures: [{ itemIdentifier: "m-3" }],
    });
    assert.equal(stdout.length, 1);
    assert.ok(stdout[0].endsWith("\n"));
    const line = JSON.parse(stdout[0]) as { _aws: { Timestamp: number } };
    assert.ok(line._aws.Timestamp >= before && line._aws.Timestamp <= Date.now());
    assert.deepEqual(line, {
      _aws: {
        Timestamp: line._aws.Timestamp,
        CloudWatchMetrics: [
          {
            Namespace: "IncidentEscalation",
            Dimensions: [["FunctionName"]],
            Metrics: [{ Name: "PagesGivenUp", Unit: "Count" }],
          },
        ],
      },
      message: "router.page_given_up",
      alertLevel: "critical",
      alarmName: alarmName("critical"),
      receives: 1,
      error: "AccessDeniedException",
      FunctionName: "prod-router",
      PagesGivenUp: 1,
    });
  });

  it("an unroutable body: a batch item failure and a page given up (it may have been an ALARM)", async () => {
    const event = {
      Records: [
        record("not json", 1, "m-4"),
        record(JSON.stringify(routerInput("info")), 1, "m-5"),
      ],
    };
    assert.deepEqual(await router.handler(event), {
      batchItemFailures: [{ itemIdentifier: "m-4" }],
    });
    assert.equal(stdout.length, 1);
    assert.equal((JSON.parse(stdout[0]) as { error: string }).error, "RoutingError");
  });

  it("a direct invocation (drills, tests) still returns the result and throws on failure", async () => {
    incidents.on(StartIncidentCommand).resolves({ incidentRecordArn: "arn:y" });
    assert.deepEqual(await router.handler(routerInput("critical")), {
      decision: "page",
      incidentArn: "arn:y",
      engagements: 0,
    });
    await assert.rejects(router.handler({ level: "nope", event: {} }), RoutingError);
  });
});

describe("router handler: SQS batches with the dedupe table (aws-sdk-client-mock)", () => {
  let dynamo: ReturnType<typeof mockClient>;
  let incidents: ReturnType<typeof mockClient>;
  let router: RouterHandler;
  const emf: Record<string, unknown>[] = [];
  const logs: Record<string, unknown>[] = [];

  before(() => {
    dynamo = mockClient(DynamoDBClient);
    incidents = mockClient(SSMIncidentsClient);
    router = createRouter(DEDUPE_ENV, {
      log: (line) => logs.push(line),
      emitMetric: (line) => emf.push(line),
    });
  });
  after(() => {
    dynamo.restore();
    incidents.restore();
  });

  it("a RetryLaterError (an OK while the incident is being opened) is a batch item failure, not a function error, and no page given up", async () => {
    // Another invocation is opening the alarm's incident ("opening", claimed a second ago).
    const openedAt = new Date(Date.now() - 1_000).toISOString();
    dynamo.on(GetItemCommand).resolves({
      Item: mappingItem({
        level: "critical",
        state: "opening",
        openedAt,
        clientToken: changeToken("critical", "2019-10-02T17:00:00.000+0000"),
      }),
    });
    // Even at its last receive: a recovery note is not a page.
    const ok = JSON.stringify(routerInput("critical", "OK"));
    const event = { Records: [record(ok, 3, "m-7")] };
    assert.deepEqual(await router(event), {
      batchItemFailures: [{ itemIdentifier: "m-7" }],
    });
    assert.equal(incidents.commandCalls(StartIncidentCommand).length, 0);
    assert.deepEqual(
      logs.map((l) => [l.decision, l.error, l.code]),
      [["error", "RetryLaterError", "INCIDENT_OPENING"]],
    );
    assert.deepEqual(emf, []);
  });
});

describe("router handler: the routing table comes from routing.json in LAMBDA_TASK_ROOT", () => {
  it("without LAMBDA_TASK_ROOT the cold start fails naming it", async () => {
    const { ROUTING_TABLE: _, ...variables } = ENV;
    void _;
    await assert.rejects(loadRouterHandler({ ...variables, LAMBDA_TASK_ROOT: undefined }), {
      name: "RouterConfigError",
      message:
        "LAMBDA_TASK_ROOT: is not set (Lambda sets it to the folder of the function's code, where routing.json is)",
    });
  });
});
