/**
 * Time-aware paging in the BUILT router (dist/bundles/router/index.js; `npm run build` first),
 * issue 13 "Tests that must exist": real-format CloudWatch "Alarm State Change" events (the
 * EventBridge envelope of the CloudWatch user guide's example, "Alarm events and EventBridge",
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html,
 * wrapped as the rules' input transformer does: `{"level", "event"}`) at literal instants, against
 * a routing table as the component writes it with four outsideHours behaviours:
 * - major: a response plan, `then: defer` on the Tokyo office calendar (Mon-Fri 09:00-18:00,
 *   Japanese holidays, closed 2026-12-29..31);
 * - eu: a response plan, `then: defer` on a London calendar (Mon-Fri 09:00-18:00, DST);
 * - warning: an engagement, `then: critical` (handled as the critical level outside hours);
 * - minor: an engagement, `then: notify`.
 * The SDK's requests go to a local stub; each is asserted literally (StartIncident,
 * StartEngagement's contact, CreateSchedule, DescribeAlarms) and checked against the API models
 * (aws-models/*.json through tests/support/apiModel.ts).
 *
 * Backend: incident-manager only (StartIncident / StartEngagement). The decisions are made in
 * handlers/router/decide.ts before any backend call, so they are the same for step-functions; that
 * backend's requests are not asserted here.
 *
 * What this spec does NOT prove: that Scheduler fires the schedule at its at() instant and delivers
 * its Input verbatim to the queue ("One-time schedules",
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#one-time), that AWS
 * accepts the requests beyond the models' constraints (the stub does not check SigV4), IAM
 * (tests/iam/), or that Node's tz database matches the Lambda runtime's.
 */
import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { checkOperationInput } from "../support/apiModel";
import {
  ACCOUNT,
  CONTACT_PRIMARY,
  ENV,
  PLAN_CRITICAL,
  PLAN_MAJOR,
  REGION,
  alarmArn,
  alarmName,
  consoleUrl,
  routerInputAt,
  runRouterBundle,
  sha256,
  startStub,
  success,
  type BundleRun,
  type Stub,
  type StubRequest,
  type StubResponse,
} from "./fixtures/routerFixtures";

const BUNDLE = path.join(__dirname, "..", "..", "dist", "bundles", "router", "index.js");
const QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:ie-prod-router-queue`;
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/ie-prod-deferral`;
const PLAN_EU = `arn:aws:ssm-incidents::${ACCOUNT}:response-plan/prod-eu`;
const CANARY = "ie-prod-heartbeat";

const DAY = [{ start: 540, end: 1080 }];
/** The issue's office calendar as config/calendars.ts parses it (tests/handlers/calendar.spec.ts). */
const OFFICE = {
  timeZone: "Asia/Tokyo",
  week: [DAY, DAY, DAY, DAY, DAY, [], []],
  holidays: ["jp"],
  closed: ["2026-12-29", "2026-12-30", "2026-12-31"],
};
const LONDON = {
  timeZone: "Europe/London",
  week: [DAY, DAY, DAY, DAY, DAY, [], []],
  holidays: [],
  closed: [],
};
const TABLE = {
  critical: { impact: 1, responsePlanArn: PLAN_CRITICAL },
  major: {
    impact: 2,
    responsePlanArn: PLAN_MAJOR,
    outsideHours: { name: "office", calendar: OFFICE, then: "defer" },
  },
  eu: {
    impact: 2,
    responsePlanArn: PLAN_EU,
    outsideHours: { name: "london", calendar: LONDON, then: "defer" },
  },
  warning: {
    impact: 3,
    engage: [CONTACT_PRIMARY],
    outsideHours: { name: "office", calendar: OFFICE, then: "critical" },
  },
  minor: {
    impact: 4,
    engage: [CONTACT_PRIMARY],
    outsideHours: { name: "office", calendar: OFFICE, then: "notify" },
  },
};
const BUNDLE_ENV: Record<string, string> = {
  ...ENV,
  ROUTING_TABLE: JSON.stringify(TABLE),
  DEFER_QUEUE_ARN: QUEUE_ARN,
  DEFER_ROLE_ARN: ROLE_ARN,
  DEFER_PREFIX: "ie-prod",
  HEARTBEAT_ALARM: CANARY,
  AWS_LAMBDA_FUNCTION_NAME: "ie-prod-router",
};

const DESCRIBE = "POST / GraniteServiceVersion20100801.DescribeAlarms";
const INCIDENT_ARN = `arn:aws:ssm-incidents::${ACCOUNT}:incident-record/prod-critical/0a1b2c3d`;

/**
 * The StartIncident body on the wire for the fixture alarm of `level` whose state changed at
 * `timestamp` (epoch `seconds`: REST-JSON sends timestamps as epoch seconds), handled as `as`.
 */
function incidentBody(
  level: string,
  timestamp: string,
  seconds: number,
  as: { level: string; plan: string; impact: number },
  event: unknown,
): unknown {
  return {
    clientToken: sha256(`${alarmArn(level)}|${timestamp}`),
    responsePlanArn: as.plan,
    impact: as.impact,
    title: `[${as.level}] CloudWatch alarm "${alarmName(level)}"`,
    triggerDetails: {
      source: "incident-escalation.prod",
      triggerArn: alarmArn(level),
      timestamp: seconds,
      rawData: JSON.stringify(event),
    },
    relatedItems: [
      {
        identifier: { type: "OTHER", value: { url: consoleUrl(level) } },
        title: "CloudWatch alarm",
      },
    ],
  };
}

function answering(state: string | undefined): (r: StubRequest) => StubResponse {
  return (r) =>
    r.operation === DESCRIBE
      ? {
          status: 200,
          body: {
            MetricAlarms:
              state === undefined ? [] : [{ AlarmName: alarmName("major"), StateValue: state }],
          },
        }
      : success(r);
}

/** The one CreateSchedule request of a run: its name (from the path) and body. */
function scheduleOf(stub: Stub): { name: string; body: Record<string, unknown> } {
  const requests = stub.requests.filter((r) => r.operation.startsWith("CreateSchedule "));
  assert.equal(requests.length, 1, JSON.stringify(stub.requests));
  const name = requests[0]!.operation.slice("CreateSchedule ".length);
  return { name, body: requests[0]!.body as Record<string, unknown> };
}

describe("router bundle: time-aware paging over real dates (Tokyo office, London DST, then: defer | <level> | notify)", function () {
  this.timeout(60_000);
  let stub: Stub;
  let respond: (r: StubRequest) => StubResponse = success;
  before(async () => {
    if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`npm run build\` first`);
    stub = await startStub((r) => respond(r));
  });
  after(async () => stub?.close());
  beforeEach(() => {
    stub.requests.length = 0;
    respond = success;
  });

  async function route(input: unknown): Promise<BundleRun> {
    const run = await runRouterBundle(BUNDLE, stub.url, input, BUNDLE_ENV);
    assert.equal(run.code, 0, run.stderr + JSON.stringify(run.lines));
    return run;
  }

  describe("in hours: the level's normal action at once (StartIncident, literally)", () => {
    const rows: [string, string, string, number, string][] = [
      ["major", "Tue 2027-01-12 09:00 JST", "2027-01-12T00:00:00.000+0000", 1799712000, PLAN_MAJOR],
      ["major", "Tue 2027-01-12 17:59 JST", "2027-01-12T08:59:00.000+0000", 1799744340, PLAN_MAJOR],
      [
        "eu",
        "Fri 2027-03-26 09:00 GMT (09:00Z)",
        "2027-03-26T09:00:00.000+0000",
        1806051600,
        PLAN_EU,
      ],
      [
        "eu",
        "Mon 2027-03-29 09:00 BST (08:00Z)",
        "2027-03-29T08:00:00.000+0000",
        1806307200,
        PLAN_EU,
      ],
    ];
    for (const [level, title, timestamp, seconds, plan] of rows) {
      it(`${level} ALARM at ${title}: one StartIncident on its plan, nothing deferred`, async () => {
        const input = routerInputAt(level, timestamp);
        const run = await route(input);
        assert.deepEqual(stub.requests, [
          {
            operation: "StartIncident",
            body: incidentBody(level, timestamp, seconds, { level, plan, impact: 2 }, input.event),
          },
        ]);
        assert.deepEqual(run.lines.at(-1), {
          RESULT: { decision: "page", incidentArn: INCIDENT_ARN, engagements: 0 },
        });
      });
    }
  });

  describe("outside hours, then: defer — one CreateSchedule at the calendar's next opening", () => {
    const rows: [string, string, string, string][] = [
      // [level, when, state-change timestamp, the at() instant (UTC)]
      ["major", "Tue 2027-01-12 08:59 JST", "2027-01-11T23:59:00.000+0000", "2027-01-12T00:00:00"],
      ["major", "Tue 2027-01-12 18:00 JST", "2027-01-12T09:00:00.000+0000", "2027-01-13T00:00:00"],
      [
        "major",
        "Fri 2027-01-15 18:01 JST → Mon 2027-01-18 09:00",
        "2027-01-15T09:01:00.000+0000",
        "2027-01-18T00:00:00",
      ],
      [
        "major",
        "Mon 2027-01-11 10:00 JST (成人の日, Coming of Age Day) → Tue 09:00",
        "2027-01-11T01:00:00.000+0000",
        "2027-01-12T00:00:00",
      ],
      [
        "major",
        "Fri 2027-01-08 18:01 JST → Tue 2027-01-12 09:00 (Monday is 成人の日)",
        "2027-01-08T09:01:00.000+0000",
        "2027-01-12T00:00:00",
      ],
      [
        "major",
        "Wed 2026-05-06 10:00 JST (振替休日, substitute holiday) → Thu 09:00",
        "2026-05-06T01:00:00.000+0000",
        "2026-05-07T00:00:00",
      ],
      [
        "major",
        "Fri 2026-12-25 18:01 JST → Mon 2026-12-28 09:00",
        "2026-12-25T09:01:00.000+0000",
        "2026-12-28T00:00:00",
      ],
      [
        "major",
        "Mon 2026-12-28 18:01 JST → Mon 2027-01-04 09:00 (closed 29-31, 元日 Fri, weekend)",
        "2026-12-28T09:01:00.000+0000",
        "2027-01-04T00:00:00",
      ],
      [
        "major",
        "Wed 2026-12-30 10:00 JST (company closed) → Mon 2027-01-04 09:00",
        "2026-12-30T01:00:00.000+0000",
        "2027-01-04T00:00:00",
      ],
      [
        "eu",
        "Fri 2027-03-26 08:59 GMT → 09:00 GMT (09:00Z)",
        "2027-03-26T08:59:00.000+0000",
        "2027-03-26T09:00:00",
      ],
      [
        "eu",
        "Fri 2027-03-26 18:01 GMT → Mon 2027-03-29 09:00 BST (08:00Z, after the 03-28 01:00Z change)",
        "2027-03-26T18:01:00.000+0000",
        "2027-03-29T08:00:00",
      ],
      [
        "eu",
        "Mon 2027-03-29 08:59 BST (07:59Z) → 09:00 BST (08:00Z)",
        "2027-03-29T07:59:00.000+0000",
        "2027-03-29T08:00:00",
      ],
    ];
    for (const [level, title, timestamp, at] of rows) {
      it(`${level} ALARM at ${title}: at(${at}) UTC, nobody engaged now`, async () => {
        const input = routerInputAt(level, timestamp);
        const run = await route(input);
        assert.equal(stub.requests.length, 1, JSON.stringify(stub.requests));
        const { name, body } = scheduleOf(stub);
        assert.match(name, /^ie-prod-defer-[0-9a-f]{24}$/);
        const iso = `${at}.000Z`;
        assert.deepEqual(body, {
          ActionAfterCompletion: "DELETE",
          ClientToken: name.slice("ie-prod-defer-".length),
          Description: `outside-hours: level ${level}`,
          FlexibleTimeWindow: { Mode: "OFF" },
          GroupName: "ie-prod-deferrals",
          ScheduleExpression: `at(${at})`,
          ScheduleExpressionTimezone: "UTC",
          Target: {
            Arn: QUEUE_ARN,
            RoleArn: ROLE_ARN,
            Input: JSON.stringify({
              level,
              event: input.event,
              deferred: { reason: "outside-hours", at: iso },
            }),
            RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
          },
        });
        // The request as CreateSchedule's model constrains it (Name travels in the path).
        assert.deepEqual(
          checkOperationInput("scheduler", "CreateSchedule", { ...body, Name: name }),
          [],
        );
        assert.deepEqual(run.lines.at(-1), {
          RESULT: {
            decision: "defer",
            until: iso,
            calendar: level === "eu" ? "london" : "office",
            schedule: name,
            existed: false,
          },
        });
      });
    }

    it("the same state change deferred twice (a retried message) builds the same schedule name", async () => {
      const input = routerInputAt("major", "2027-01-15T09:01:00.000+0000");
      await route(input);
      const first = scheduleOf(stub).name;
      stub.requests.length = 0;
      await route(input);
      assert.equal(scheduleOf(stub).name, first);
    });
  });

  describe("the deferred delivery in the morning: DescribeAlarms on the one alarm first", () => {
    const deferred = (): Record<string, unknown> & { event: unknown } => ({
      ...(routerInputAt("major", "2027-01-15T09:01:00.000+0000") as { event: unknown }),
      deferred: { reason: "outside-hours", at: "2027-01-18T00:00:00.000Z" },
    });
    const describeRequest = {
      operation: DESCRIBE,
      body: { AlarmNames: [alarmName("major")], AlarmTypes: ["CompositeAlarm", "MetricAlarm"] },
    };

    const recovered: [string, string | undefined, string][] = [
      ["OK", "OK", "OK"],
      ["INSUFFICIENT_DATA", "INSUFFICIENT_DATA", "INSUFFICIENT_DATA"],
      ["no such alarm (deleted overnight)", undefined, "missing"],
    ];
    for (const [title, state, reported] of recovered) {
      it(`the alarm is ${title} by then: no StartIncident, nobody engaged (deferred-recovered ${reported})`, async () => {
        respond = answering(state);
        const run = await route(deferred());
        assert.deepEqual(stub.requests, [describeRequest]);
        assert.deepEqual(
          checkOperationInput("cloudwatch", "DescribeAlarms", describeRequest.body),
          [],
        );
        assert.deepEqual(run.lines.at(-1), {
          RESULT: { decision: "deferred-recovered", state: reported },
        });
        assert.deepEqual((run.lines[0] as { note: unknown }).note, {
          en: `${alarmName("major")}: deferred alarm is ${reported} now; nobody engaged`,
          ja: `${alarmName("major")}: 保留していたアラームは現在 ${reported} のため、誰も呼び出しません`,
        });
      });
    }

    it("still in ALARM: StartIncident as for the original state change (its clientToken), the hours check not applied again", async () => {
      respond = answering("ALARM");
      const input = deferred();
      const run = await route(input);
      assert.deepEqual(stub.requests, [
        describeRequest,
        {
          operation: "StartIncident",
          body: incidentBody(
            "major",
            "2027-01-15T09:01:00.000+0000",
            1800003660,
            { level: "major", plan: PLAN_MAJOR, impact: 2 },
            input.event,
          ),
        },
      ]);
      assert.deepEqual(run.lines.at(-1), {
        RESULT: { decision: "page", incidentArn: INCIDENT_ARN, engagements: 0 },
      });
    });
  });

  describe("then: <level> and then: notify", () => {
    it("warning (then: critical) at Fri 2027-01-15 18:01 JST: handled as critical — StartIncident on the critical plan, impact 1, no engagement", async () => {
      const timestamp = "2027-01-15T09:01:00.000+0000";
      const input = routerInputAt("warning", timestamp);
      const run = await route(input);
      assert.deepEqual(stub.requests, [
        {
          operation: "StartIncident",
          body: incidentBody(
            "warning",
            timestamp,
            1800003660,
            { level: "critical", plan: PLAN_CRITICAL, impact: 1 },
            input.event,
          ),
        },
      ]);
      assert.deepEqual(run.lines.at(-1), {
        RESULT: { decision: "page", incidentArn: INCIDENT_ARN, engagements: 0 },
      });
    });

    it("warning at Tue 2027-01-12 10:00 JST (in hours): its own engagement only", async () => {
      await route(routerInputAt("warning", "2027-01-12T01:00:00.000+0000"));
      assert.deepEqual(
        stub.requests.map((r) => [r.operation, (r.body as { ContactId?: string }).ContactId]),
        [["StartEngagement", CONTACT_PRIMARY]],
      );
    });

    it("minor (then: notify) on Mon 2027-01-11 10:00 JST (成人の日): no request at all (Slack and webhooks only)", async () => {
      const run = await route(routerInputAt("minor", "2027-01-11T01:00:00.000+0000"));
      assert.deepEqual(stub.requests, []);
      assert.deepEqual(run.lines.at(-1), {
        RESULT: { decision: "ignore", reason: "outside hours: notify" },
      });
    });

    it("minor at Tue 2027-01-12 10:00 JST (in hours): its engagement", async () => {
      await route(routerInputAt("minor", "2027-01-12T01:00:00.000+0000"));
      assert.deepEqual(
        stub.requests.map((r) => [r.operation, (r.body as { ContactId?: string }).ContactId]),
        [["StartEngagement", CONTACT_PRIMARY]],
      );
    });
  });

  describe("the heartbeat canary is never a page, at any hour", () => {
    const canaryAt = (level: string, timestamp: string) => {
      const input = routerInputAt(level, timestamp) as {
        event: { resources: string[]; detail: { alarmName: string } };
      };
      input.event.detail.alarmName = CANARY;
      input.event.resources = [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${CANARY}`];
      return input;
    };
    for (const [level, title, timestamp] of [
      ["critical", "Tue 2027-01-12 10:00 JST", "2027-01-12T01:00:00.000+0000"],
      [
        "major",
        "Fri 2027-01-15 18:01 JST (outside the level's hours)",
        "2027-01-15T09:01:00.000+0000",
      ],
    ] as const) {
      it(`a canary ALARM routed as ${level} at ${title}: no request, one HeartbeatsRouted EMF line`, async () => {
        const run = await route(canaryAt(level, timestamp));
        assert.deepEqual(stub.requests, []);
        const emf = run.lines.filter((l) => "HeartbeatsRouted" in l);
        assert.equal(emf.length, 1);
        assert.deepEqual(
          { ...emf[0], _aws: { ...(emf[0]!._aws as object), Timestamp: "<now>" } },
          {
            _aws: {
              Timestamp: "<now>",
              CloudWatchMetrics: [
                {
                  Namespace: "IncidentEscalation",
                  Dimensions: [["FunctionName"]],
                  Metrics: [{ Name: "HeartbeatsRouted", Unit: "Count" }],
                },
              ],
            },
            message: "router.heartbeat",
            alarmState: "ALARM",
            FunctionName: "ie-prod-router",
            HeartbeatsRouted: 1,
          },
        );
        assert.deepEqual(run.lines.at(-1), { RESULT: { decision: "ignore", reason: "heartbeat" } });
      });
    }
  });
});
