/**
 * `maintenance[]` in the stack config (config/maintenance.ts): each rule a case on Pulumi.prod.yaml
 * with one field changed, the exact `path: reason` asserted.
 *
 * Does NOT prove: that EventBridge Scheduler accepts every expression accepted here (the subset and
 * its rules are from the Scheduler user guide, schedule-types.html#cron-based; the evaluator's
 * instants are in tests/handlers/silence.spec.ts).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { rawConfigFrom } from "../../config/load";
import { ConfigError, parseStackConfig } from "../../config/schema";
import { readStackFile } from "../../tools/stackFile";

type Raw = Record<string, unknown>;
const PROD_RAW = rawConfigFrom(
  readStackFile(join(__dirname, "..", "..", "Pulumi.prod.yaml")).config,
).raw as Raw;
const weekly = {
  alarms: ["api-*"],
  schedule: "cron(0 2 ? * SUN *)",
  timeZone: "Asia/Tokyo",
  minutes: 60,
  reason: "weekly patching",
};

function issuesWith(window: Raw | unknown[] | string): { path: string; message: string }[] {
  const raw = structuredClone(PROD_RAW);
  raw.maintenance = Array.isArray(window) || typeof window === "string" ? window : [window];
  try {
    parseStackConfig(raw);
  } catch (err: unknown) {
    if (err instanceof ConfigError) return err.issues.map((i) => ({ ...i }));
    throw err;
  }
  return [];
}

describe("config: maintenance windows", () => {
  it("Pulumi.prod.yaml's weekly window parses as written", () => {
    assert.deepEqual(parseStackConfig(structuredClone(PROD_RAW)).maintenance, [weekly]);
  });
  it("absent: no silences at all (undefined, not []; [] means ad-hoc silences only)", () => {
    const raw = structuredClone(PROD_RAW);
    delete raw.maintenance;
    assert.equal(parseStackConfig(raw).maintenance, undefined);
  });
  it("an exact alarm name and * are patterns", () => {
    assert.deepEqual(issuesWith({ ...weekly, alarms: ["api-5xx", "*"] }), []);
  });

  const cases: [string, Raw | string, { path: string; message: string }][] = [
    [
      "a pattern that matches no configured alarm (error, not warning: a typo would silence nothing)",
      { ...weekly, alarms: ["api-5xx", "db-*"] },
      {
        path: "maintenance[0].alarms[1]",
        message:
          '"db-*" matches no alarm of alarms[]; check the name (external alarms and the pipeline\'s own alarms are never silenced)',
      },
    ],
    [
      "a pattern with * elsewhere than at the end",
      { ...weekly, alarms: ["*-5xx"] },
      {
        path: "maintenance[0].alarms[0]",
        message:
          '"*-5xx" is not an alarm pattern; use an alarm name of alarms[], <prefix>* (e.g. api-*) or *',
      },
    ],
    [
      "no patterns",
      { ...weekly, alarms: [] },
      {
        path: "maintenance[0].alarms",
        message: "is empty; name the alarms the window silences (e.g. [api-*])",
      },
    ],
    [
      "a rate() schedule",
      { ...weekly, schedule: "rate(7 days)" },
      {
        path: "maintenance[0].schedule",
        message:
          '"rate(7 days)": rate() is not accepted for a window: a rate schedule has no fixed start (EventBridge Scheduler counts it from when the schedule is created), so use cron(<min> <hour> <day-of-month> <month> <day-of-week> <year>)',
      },
    ],
    [
      "a cron with both day fields set",
      { ...weekly, schedule: "cron(0 2 * * SUN *)" },
      {
        path: "maintenance[0].schedule",
        message:
          '"cron(0 2 * * SUN *)": exactly one of day-of-month and day-of-week must be "?" (EventBridge Scheduler cron rule)',
      },
    ],
    [
      "no reason",
      { ...weekly, reason: undefined },
      { path: "maintenance[0].reason", message: "is required" },
    ],
    [
      "a blank reason",
      { ...weekly, reason: "  " },
      {
        path: "maintenance[0].reason",
        message: "is empty; say why the alarms are silenced (it is shown in Slack)",
      },
    ],
    [
      "0 minutes",
      { ...weekly, minutes: 0 },
      { path: "maintenance[0].minutes", message: "0 min is below the minimum 1 min" },
    ],
    [
      "1441 minutes",
      { ...weekly, minutes: 1441 },
      {
        path: "maintenance[0].minutes",
        message: "1441 min is above the maximum 1440 min (one day)",
      },
    ],
    [
      "a time zone that does not exist",
      { ...weekly, timeZone: "Asia/Osaka" },
      {
        path: "maintenance[0].timeZone",
        message: '"Asia/Osaka" is not an IANA time zone (e.g. Asia/Tokyo, Europe/Berlin)',
      },
    ],
    [
      "an unknown key",
      { ...weekly, minute: 5 },
      {
        path: "maintenance[0]",
        message: 'unknown key "minute"; known keys: alarms, schedule, timeZone, minutes, reason',
      },
    ],
  ];
  for (const [what, window, issue] of cases) {
    it(`rejects ${what}: ${issue.path}`, () => {
      const found = issuesWith(window);
      assert.ok(
        found.some((i) => i.path === issue.path && i.message === issue.message),
        JSON.stringify(found),
      );
    });
  }
  it("minutes 1 and 1440 are accepted", () => {
    assert.deepEqual(
      issuesWith([
        { ...weekly, minutes: 1 },
        { ...weekly, minutes: 1440 },
      ]),
      [],
    );
  });
});
