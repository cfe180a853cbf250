/**
 * The time-aware decisions are the backend's business only after they are made: the pure
 * decide() (handlers/router/decide.ts) gives the same outside-hours decision (defer with the same
 * CreateSchedule input, notify, or another level) for the incident-manager routing table
 * (responsePlanArn) and the step-functions one (`execution: true`, STATE_MACHINE_ARN +
 * INCIDENT_TABLE), over the real dates of tests/handlers/router.timeAware.bundle.spec.ts. In hours
 * the decision differs only in how it pages (StartIncident input vs StartExecution input).
 *
 * Does NOT prove: the step-functions backend's requests after the decision
 * (router.stepFunctions.spec.ts), nor the built bundle (router.timeAware.bundle.spec.ts).
 */
import { strict as assert } from "node:assert";
import { decide } from "../../handlers/router/decide";
import {
  ACCOUNT,
  ENV,
  PLAN_MAJOR,
  REGION,
  configOf,
  routerInputAt,
} from "./fixtures/routerFixtures";

const DAY = [{ start: 540, end: 1080 }];
const OFFICE = {
  timeZone: "Asia/Tokyo",
  week: [DAY, DAY, DAY, DAY, DAY, [], []],
  holidays: ["jp"],
  closed: ["2026-12-29", "2026-12-30", "2026-12-31"],
};
const hours = (then: string) => ({ outsideHours: { name: "office", calendar: OFFICE, then } });
const DEFER = {
  DEFER_QUEUE_ARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:ie-prod-router-queue`,
  DEFER_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/ie-prod-deferral`,
  DEFER_PREFIX: "ie-prod",
};
const INCIDENT_MANAGER = configOf({
  ...ENV,
  ...DEFER,
  ROUTING_TABLE: JSON.stringify({
    critical: { impact: 1, responsePlanArn: `arn:aws:ssm-incidents::${ACCOUNT}:response-plan/c` },
    major: { impact: 2, responsePlanArn: PLAN_MAJOR, ...hours("defer") },
    warning: { impact: 3, responsePlanArn: PLAN_MAJOR, ...hours("critical") },
    minor: { impact: 4, responsePlanArn: PLAN_MAJOR, ...hours("notify") },
  }),
});
const STEP_FUNCTIONS = configOf({
  ...ENV,
  ...DEFER,
  STATE_MACHINE_ARN: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:ie-prod-escalation`,
  INCIDENT_TABLE: "ie-prod-incidents",
  ROUTING_TABLE: JSON.stringify({
    critical: { impact: 1, execution: true },
    major: { impact: 2, execution: true, ...hours("defer") },
    warning: { impact: 3, execution: true, ...hours("critical") },
    minor: { impact: 4, execution: true, ...hours("notify") },
  }),
});

/** What the decision says independently of the backend. */
function gist(d: ReturnType<typeof decide>): unknown {
  switch (d.kind) {
    case "defer":
      return { kind: d.kind, until: d.until, calendar: d.calendar, schedule: d.schedule };
    case "page":
      return { kind: d.kind, level: d.level, alarmName: d.alarmName };
    case "ignore":
      return { kind: d.kind, reason: d.reason };
    default:
      return { kind: d.kind };
  }
}

describe("router decide(): outside-hours decisions are the same for both backends", () => {
  const rows: [string, string, string, unknown][] = [
    [
      "major",
      "Fri 2027-01-15 18:01 JST",
      "2027-01-15T09:01:00.000+0000",
      { kind: "defer", until: "2027-01-18T00:00:00.000Z", at: "at(2027-01-18T00:00:00)" },
    ],
    [
      "major",
      "Mon 2027-01-11 10:00 JST (成人の日)",
      "2027-01-11T01:00:00.000+0000",
      { kind: "defer", until: "2027-01-12T00:00:00.000Z", at: "at(2027-01-12T00:00:00)" },
    ],
    [
      "major",
      "Mon 2026-12-28 18:01 JST (year-end closure)",
      "2026-12-28T09:01:00.000+0000",
      { kind: "defer", until: "2027-01-04T00:00:00.000Z", at: "at(2027-01-04T00:00:00)" },
    ],
    [
      "warning",
      "Fri 2027-01-15 18:01 JST (then: critical)",
      "2027-01-15T09:01:00.000+0000",
      { kind: "page", level: "critical" },
    ],
    [
      "minor",
      "Fri 2027-01-15 18:01 JST (then: notify)",
      "2027-01-15T09:01:00.000+0000",
      { kind: "ignore", reason: "outside hours: notify" },
    ],
    [
      "major",
      "Tue 2027-01-12 09:00 JST (in hours)",
      "2027-01-12T00:00:00.000+0000",
      { kind: "page", level: "major" },
    ],
  ];
  for (const [level, title, timestamp, expected] of rows) {
    const said = Object.values(expected as Record<string, string>).join(" ");
    it(`${level} ALARM at ${title}: ${said}, under both backends`, () => {
      const input = routerInputAt(level, timestamp);
      const im = decide(input, INCIDENT_MANAGER);
      const sf = decide(input, STEP_FUNCTIONS);
      assert.deepEqual(gist(sf), gist(im));
      const e = expected as { kind: string; until?: string; at?: string; level?: string };
      assert.equal(im.kind, e.kind);
      if (im.kind === "defer") {
        assert.equal(im.until, e.until);
        assert.equal(im.schedule.ScheduleExpression, e.at);
        assert.equal(im.schedule.Target?.Arn, DEFER.DEFER_QUEUE_ARN);
      }
      if (im.kind === "page" && sf.kind === "page") {
        assert.equal(im.level, e.level);
        // How it pages is the backend's: an incident here, an execution there.
        assert.equal(im.incident?.impact, e.level === "critical" ? 1 : 2);
        assert.equal(im.execution, undefined);
        assert.equal(sf.incident, null);
        assert.equal(
          sf.execution?.stateMachineArn,
          `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:ie-prod-escalation`,
        );
      }
      if (im.kind === "ignore") assert.equal(im.reason, "outside hours: notify");
    });
  }
});
