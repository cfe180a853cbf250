/**
 * Working hours in the router bundle (dist/bundles/router/index.js, `npm run bundle` first):
 * real-format CloudWatch "Alarm State Change" events at real instants against a routing table
 * whose warning level defers outside the Tokyo office calendar (Mon-Fri 09:00-18:00, Japanese
 * holidays) and whose major level only notifies outside it. The SDK clients talk to a local stub
 * (AWS_ENDPOINT_URL_SCHEDULER / _CLOUDWATCH / _SSM_CONTACTS / _SSM_INCIDENTS).
 *
 * What this spec does NOT prove: that Scheduler fires the schedule at that instant or delivers
 * its Input verbatim to SQS (Scheduler's own behaviour: "One-time schedules",
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#one-time), that the
 * role and IAM policy allow it (tests/iam/), or that AWS accepts the requests beyond the API
 * models' constraints checked here.
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkOperationInput } from "../support/apiModel";
import {
  ACCOUNT,
  CONTACT_PRIMARY,
  CONTACT_SECONDARY,
  ENV,
  FUNCTION_ARN,
  REGION,
  ROUTING_TABLE,
  alarmName,
  codeFolder,
  routerInputAt,
  startStub,
  success,
  type Stub,
  type StubRequest,
  type StubResponse,
} from "./fixtures/routerFixtures";

const BUNDLE = path.join(__dirname, "..", "..", "dist", "bundles", "router", "index.js");
const QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:ie-prod-router`;
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/ie-prod-deferral`;

/** Mon-Fri 09:00-18:00 Asia/Tokyo with Japanese holidays, as the component writes it. */
const OFFICE = {
  timeZone: "Asia/Tokyo",
  week: [
    [{ start: 540, end: 1080 }],
    [{ start: 540, end: 1080 }],
    [{ start: 540, end: 1080 }],
    [{ start: 540, end: 1080 }],
    [{ start: 540, end: 1080 }],
    [],
    [],
  ],
  holidays: ["jp"],
  closed: ["2026-12-29"],
};
const HOURS_ENV = {
  ...ENV,
  ROUTING_TABLE: JSON.stringify({
    ...ROUTING_TABLE,
    warning: {
      ...ROUTING_TABLE.warning,
      outsideHours: { name: "office", calendar: OFFICE, then: "defer" },
    },
    major: {
      ...ROUTING_TABLE.major,
      outsideHours: { name: "office", calendar: OFFICE, then: "notify" },
    },
  }),
  DEFER_QUEUE_ARN: QUEUE_ARN,
  DEFER_ROLE_ARN: ROLE_ARN,
  DEFER_PREFIX: "ie-prod",
};

const INVOKE = `
const { handler } = require(process.argv[1]);
handler(JSON.parse(process.argv[2]), { invokedFunctionArn: process.argv[3] }).then(
  (result) => console.log(JSON.stringify({ RESULT: result })),
  (err) => { console.log(JSON.stringify({ REJECTED: { name: err.name, message: err.message } })); process.exitCode = 1; },
);`;

function invoke(
  stubUrl: string,
  input: unknown,
): Promise<{ code: number | null; lines: Record<string, unknown>[]; stderr: string }> {
  const home = os.tmpdir();
  const { ROUTING_TABLE: table, ...variables } = HOURS_ENV;
  const child = spawn(
    process.execPath,
    ["-e", INVOKE, BUNDLE, JSON.stringify(input), FUNCTION_ARN],
    {
      env: {
        ...variables,
        LAMBDA_TASK_ROOT: codeFolder(table),
        AWS_REGION: REGION,
        AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
        AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        AWS_ENDPOINT_URL_SSM_INCIDENTS: stubUrl,
        AWS_ENDPOINT_URL_SSM_CONTACTS: stubUrl,
        AWS_ENDPOINT_URL_SCHEDULER: stubUrl,
        AWS_ENDPOINT_URL_CLOUDWATCH: stubUrl,
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_CONFIG_FILE: path.join(home, "router-hours-spec-no-config"),
        AWS_SHARED_CREDENTIALS_FILE: path.join(home, "router-hours-spec-no-credentials"),
        HOME: home,
      },
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({
        code,
        lines: stdout
          .split("\n")
          .filter((l) => l.trim() !== "")
          .map((l) => JSON.parse(l) as Record<string, unknown>),
        stderr,
      }),
    );
  });
}

const DESCRIBE = "POST / GraniteServiceVersion20100801.DescribeAlarms";

/** State CloudWatch reports for the re-check. */
function answering(state: string): (r: StubRequest) => StubResponse {
  return (r) =>
    r.operation === DESCRIBE
      ? {
          status: 200,
          body: { MetricAlarms: [{ AlarmName: alarmName("warning"), StateValue: state }] },
        }
      : success(r);
}

/** The state-change times: CloudWatch's format (`+0000`). */
const TUE_0930_JST = "2027-01-12T00:30:00.000+0000";
const FRI_1801_JST = "2027-01-08T09:01:00.000+0000";
const FRI_1759_JST = "2027-01-08T08:59:00.000+0000";
const HOLIDAY_1000_JST = "2027-01-11T01:00:00.000+0000";

describe("router bundle: working hours and deferral (Asia/Tokyo office calendar)", () => {
  let stub: Stub;
  let respond: (r: StubRequest) => StubResponse = success;
  before(async function () {
    if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`npm run bundle\` first`);
    stub = await startStub((r) => respond(r));
  });
  after(async () => stub?.close());
  beforeEach(() => {
    stub.requests.length = 0;
    respond = success;
  });

  const engagements = () =>
    stub.requests
      .filter((r) => r.operation === "StartEngagement")
      .map((r) => (r.body as { ContactId: string }).ContactId)
      .sort();

  for (const [title, time] of [
    ["Tue 2027-01-12 09:30 JST (in hours)", TUE_0930_JST],
    ["Fri 2027-01-08 17:59 JST (in hours)", FRI_1759_JST],
  ] as const) {
    it(`warning ALARM at ${title}: engages both contacts now`, async () => {
      const run = await invoke(stub.url, routerInputAt("warning", time));
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(engagements(), [CONTACT_PRIMARY, CONTACT_SECONDARY]);
      assert.equal(stub.requests.length, 2);
    });
  }

  it("warning ALARM at Fri 2027-01-08 18:01 JST: no engagement; one CreateSchedule at(Tue 09:00 JST), Mon being Coming of Age Day", async () => {
    const input = routerInputAt("warning", FRI_1801_JST);
    const run = await invoke(stub.url, input);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(stub.requests.length, 1);
    const [req] = stub.requests;
    const name = "ie-prod-defer-" + req!.operation.slice("CreateSchedule ie-prod-defer-".length);
    assert.match(req!.operation, /^CreateSchedule ie-prod-defer-[0-9a-f]{24}$/);
    assert.deepEqual(req!.body, {
      ActionAfterCompletion: "DELETE",
      ClientToken: name.slice("ie-prod-defer-".length),
      Description: "outside-hours: level warning",
      FlexibleTimeWindow: { Mode: "OFF" },
      GroupName: "ie-prod-deferrals",
      ScheduleExpression: "at(2027-01-12T00:00:00)",
      ScheduleExpressionTimezone: "UTC",
      Target: {
        Arn: QUEUE_ARN,
        RoleArn: ROLE_ARN,
        Input: JSON.stringify({
          ...input,
          deferred: { reason: "outside-hours", at: "2027-01-12T00:00:00.000Z" },
        }),
        RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
      },
    });
    assert.deepEqual(
      checkOperationInput("scheduler", "CreateSchedule", { ...(req!.body as object), Name: name }),
      [],
    );
    assert.deepEqual(run.lines.at(-1), {
      RESULT: {
        decision: "defer",
        until: "2027-01-12T00:00:00.000Z",
        calendar: "office",
        schedule: name,
        existed: false,
      },
    });
    const log = run.lines[0] as { note: { en: string; ja: string } };
    assert.deepEqual(log.note, {
      en: `${alarmName("warning")}: outside working hours; deferred until 2027-01-12 09:00 (Asia/Tokyo), then paged if still in ALARM`,
      ja: `${alarmName("warning")}: 営業時間外のため 2027-01-12 09:00 (Asia/Tokyo) まで保留し、その時点でまだ ALARM なら呼び出します`,
    });
  });

  it("major ALARM on Mon 2027-01-11 10:00 JST (a holiday) with then: notify: no request at all", async () => {
    const run = await invoke(stub.url, routerInputAt("major", HOLIDAY_1000_JST));
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(stub.requests, []);
    assert.deepEqual(run.lines.at(-1), {
      RESULT: { decision: "ignore", reason: "outside hours: notify" },
    });
  });

  const deferredInput = () => ({
    ...routerInputAt("warning", FRI_1801_JST),
    deferred: { reason: "outside-hours", at: "2027-01-12T00:00:00.000Z" },
  });

  it("the deferred delivery, alarm recovered before the morning: DescribeAlarms only, nobody engaged", async () => {
    respond = answering("OK");
    const run = await invoke(stub.url, deferredInput());
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(stub.requests, [
      {
        operation: DESCRIBE,
        body: { AlarmNames: [alarmName("warning")], AlarmTypes: ["CompositeAlarm", "MetricAlarm"] },
      },
    ]);
    assert.deepEqual(
      checkOperationInput("cloudwatch", "DescribeAlarms", stub.requests[0]!.body),
      [],
    );
    assert.deepEqual(run.lines.at(-1), { RESULT: { decision: "deferred-recovered", state: "OK" } });
  });

  it("the deferred delivery, alarm still in ALARM: engages both contacts (the hours check is not applied again)", async () => {
    respond = answering("ALARM");
    const run = await invoke(stub.url, deferredInput());
    assert.equal(run.code, 0, run.stderr);
    assert.equal(stub.requests[0]!.operation, DESCRIBE);
    assert.deepEqual(engagements(), [CONTACT_PRIMARY, CONTACT_SECONDARY]);
    assert.equal(stub.requests.length, 3);
  });

  it("a retried deferral (ConflictException: the schedule exists) succeeds without a second schedule", async () => {
    respond = (r) =>
      r.operation.startsWith("CreateSchedule ")
        ? {
            status: 409,
            headers: { "x-amzn-errortype": "ConflictException" },
            body: { Message: "exists" },
          }
        : success(r);
    const run = await invoke(stub.url, routerInputAt("warning", FRI_1801_JST));
    assert.equal(run.code, 0, run.stderr);
    assert.equal((run.lines.at(-1) as { RESULT: { existed: boolean } }).RESULT.existed, true);
  });

  it("a state change in 2051 (past the holiday data) fails the message, never a silent working day", async () => {
    const run = await invoke(stub.url, routerInputAt("warning", "2051-01-10T01:00:00.000+0000"));
    assert.equal(run.code, 1);
    assert.deepEqual(stub.requests, []);
    assert.deepEqual(run.lines.at(-1), {
      REJECTED: {
        name: "RoutingError",
        message:
          "calendar office: no Japanese holiday data for 2051: @holiday-jp/holiday_jp covers 1970-2050; update the library",
      },
    });
  });
});
