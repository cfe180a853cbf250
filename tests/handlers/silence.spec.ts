/**
 * Maintenance windows and ad-hoc silences, decided purely (handlers/router/silence.ts,
 * handlers/shared/schedule.ts): table-driven over literal instants.
 *
 * Does NOT prove: that EventBridge Scheduler would fire a cron at the same instants (no engine
 * here; the syntax and rules are from the Scheduler user guide cited in schedule.ts), nor what the
 * router does with a silenced ALARM (tests/handlers/router.silence.spec.ts).
 */
import { strict as assert } from "node:assert";
import {
  activeSilence,
  configuredAlarmName,
  matchesPattern,
  parseSilenceConfig,
  silenceFromItem,
  silencesQueryInput,
  type MaintenanceWindow,
} from "../../handlers/router/silence";
import { nextFiring, parseCron, windowAt } from "../../handlers/shared/schedule";

const weekly: MaintenanceWindow = {
  alarms: ["api-*"],
  schedule: "cron(0 2 ? * SUN *)",
  timeZone: "Asia/Tokyo",
  minutes: 60,
  reason: "weekly patching",
};

describe("silence: scheduled window edges (cron(0 2 ? * SUN *) Asia/Tokyo, 60 min: Sunday 2026-12-06 02:00-03:00 JST = 2026-12-05T17:00Z-18:00Z)", () => {
  const cases: [string, string | undefined][] = [
    ["2026-12-05T16:59:59.999Z", undefined],
    ["2026-12-05T17:00:00.000Z", "2026-12-05T18:00:00.000Z"],
    ["2026-12-05T17:30:00.000Z", "2026-12-05T18:00:00.000Z"],
    ["2026-12-05T17:59:59.999Z", "2026-12-05T18:00:00.000Z"],
    ["2026-12-05T18:00:00.000Z", undefined],
    // Saturday 02:00 JST: not a Sunday.
    ["2026-12-04T17:30:00.000Z", undefined],
    // Sunday 02:30 UTC is 11:30 JST: the zone matters.
    ["2026-12-06T02:30:00.000Z", undefined],
  ];
  for (const [at, until] of cases) {
    it(`an ALARM of api-5xx at ${at} is ${until === undefined ? "not silenced" : `silenced until ${until}`}`, () => {
      const s = activeSilence("api-5xx", new Date(at), [weekly], []);
      if (until === undefined) assert.equal(s, undefined);
      else
        assert.deepEqual(s, {
          by: "maintenance",
          id: "maintenance[0]",
          reason: "weekly patching",
          until: new Date(until),
        });
    });
  }
  it("a window's pattern that does not match the alarm does not silence it (db-cpu)", () => {
    assert.equal(
      activeSilence("db-cpu", new Date("2026-12-05T17:30:00Z"), [weekly], []),
      undefined,
    );
  });
  it("Europe/London across the March 2027 change: 02:00 local is 02:00Z on 2027-03-21 and 01:00Z on 2027-03-28", () => {
    const cron = parseCron("cron(0 2 ? * SUN *)");
    assert.notEqual(typeof cron, "string");
    if (typeof cron === "string") return;
    assert.deepEqual(windowAt(cron, "Europe/London", 30, new Date("2027-03-21T02:10:00Z")), {
      start: new Date("2027-03-21T02:00:00Z"),
      end: new Date("2027-03-21T02:30:00Z"),
    });
    assert.deepEqual(windowAt(cron, "Europe/London", 30, new Date("2027-03-28T01:10:00Z")), {
      start: new Date("2027-03-28T01:00:00Z"),
      end: new Date("2027-03-28T01:30:00Z"),
    });
    assert.equal(windowAt(cron, "Europe/London", 30, new Date("2027-03-28T02:10:00Z")), undefined);
  });
  it("the next firing after Wednesday 2026-12-02T02:16Z is 2026-12-05T17:00Z", () => {
    const cron = parseCron("cron(0 2 ? * SUN *)");
    if (typeof cron === "string") assert.fail(cron);
    assert.deepEqual(
      nextFiring(cron, "Asia/Tokyo", new Date("2026-12-02T02:16:00Z")),
      new Date("2026-12-05T17:00:00Z"),
    );
  });
  it("overlapping firings (every 30 min, 60 min windows): the latest one's end", () => {
    const w = { ...weekly, schedule: "cron(0/30 * * * ? *)", timeZone: "UTC" };
    assert.deepEqual(
      activeSilence("api-5xx", new Date("2026-12-05T10:45:00Z"), [w], [])?.until,
      new Date("2026-12-05T11:30:00Z"),
    );
  });
});

describe("silence: the cron subset (EventBridge Scheduler syntax, https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based)", () => {
  const rejected: [string, string][] = [
    [
      "rate(1 hour)",
      '"rate(1 hour)": rate() is not accepted for a window: a rate schedule has no fixed start (EventBridge Scheduler counts it from when the schedule is created), so use cron(<min> <hour> <day-of-month> <month> <day-of-week> <year>)',
    ],
    [
      "0 2 * * SUN",
      '"0 2 * * SUN" is not an EventBridge Scheduler cron expression; use cron(<min> <hour> <day-of-month> <month> <day-of-week> <year>), e.g. cron(0 2 ? * SUN *)',
    ],
    [
      "cron(0 2 * * SUN)",
      '"cron(0 2 * * SUN)" has 5 fields; a cron expression has 6 (minutes hours day-of-month month day-of-week year)',
    ],
    [
      "cron(0 2 * * SUN *)",
      '"cron(0 2 * * SUN *)": exactly one of day-of-month and day-of-week must be "?" (EventBridge Scheduler cron rule)',
    ],
    [
      "cron(0 2 ? * ? *)",
      '"cron(0 2 ? * ? *)": exactly one of day-of-month and day-of-week must be "?" (EventBridge Scheduler cron rule)',
    ],
    ["cron(60 2 ? * SUN *)", '"cron(60 2 ? * SUN *)": minutes "60" is outside 0-59'],
    ["cron(0 24 ? * SUN *)", '"cron(0 24 ? * SUN *)": hours "24" is outside 0-23'],
    ["cron(0 2 ? * 8 *)", '"cron(0 2 ? * 8 *)": day-of-week "8" is outside 1-7 or SUN-SAT'],
    [
      "cron(0 2 ? * MON#1 *)",
      '"cron(0 2 ? * MON#1 *)": day-of-week "MON#1" uses L, W or #, which maintenance windows do not support; list the days instead',
    ],
    [
      "cron(0 2 L * ? *)",
      '"cron(0 2 L * ? *)": day-of-month "L" uses L, W or #, which maintenance windows do not support; list the days instead',
    ],
    [
      "cron(0 ? ? * SUN *)",
      '"cron(0 ? ? * SUN *)": "?" is only allowed in day-of-month or day-of-week',
    ],
    ["cron(0 5-2 ? * SUN *)", '"cron(0 5-2 ? * SUN *)": hours "5-2": the range runs backwards'],
  ];
  for (const [expr, message] of rejected) {
    it(`rejects ${expr}`, () => assert.equal(parseCron(expr), message));
  }
  it("accepts names, lists, ranges and steps: cron(15,45 1-3 ? JAN-MAR MON-FRI 2027)", () => {
    const c = parseCron("cron(15,45 1-3 ? JAN-MAR MON-FRI 2027)");
    if (typeof c === "string") assert.fail(c);
    assert.deepEqual([...c.minutes], [15, 45]);
    assert.deepEqual([...c.hours], [1, 2, 3]);
    assert.equal(c.daysOfMonth, null);
    assert.deepEqual([...c.months], [1, 2, 3]);
    assert.deepEqual([...(c.daysOfWeek ?? [])], [2, 3, 4, 5, 6]);
    assert.deepEqual([...c.years], [2027]);
  });
});

describe("silence: patterns and ad-hoc silences", () => {
  const table: [string, string, boolean][] = [
    ["api-*", "api-5xx", true],
    ["api-*", "api-", true],
    ["api-*", "db-api-5xx", false],
    ["api-5xx", "api-5xx", true],
    ["api-5xx", "api-5xx-p99", false],
    ["*", "anything", true],
  ];
  for (const [p, n, m] of table) {
    it(`${JSON.stringify(p)} ${m ? "matches" : "does not match"} ${JSON.stringify(n)}`, () =>
      assert.equal(matchesPattern(p, n), m));
  }
  const silence = {
    id: "s-1",
    pattern: "api-*",
    reason: "deploy 42",
    startsAt: new Date("2026-12-02T03:00:00Z"),
    expiresAt: new Date("2026-12-02T05:00:00Z"),
  };
  const edges: [string, boolean][] = [
    ["2026-12-02T02:59:59.999Z", false],
    ["2026-12-02T03:00:00.000Z", true],
    ["2026-12-02T04:59:59.999Z", true],
    ["2026-12-02T05:00:00.000Z", false],
  ];
  for (const [at, on] of edges) {
    it(`an ad-hoc silence 03:00Z-05:00Z ${on ? "covers" : "does not cover"} ${at}`, () =>
      assert.deepEqual(
        activeSilence("api-5xx", new Date(at), [], [silence]),
        on
          ? {
              by: "silence",
              id: "s-1",
              reason: "deploy 42",
              until: new Date("2026-12-02T05:00:00Z"),
            }
          : undefined,
      ));
  }
  it("of a window and a silence, the one that ends last wins", () => {
    const long = {
      ...silence,
      startsAt: new Date("2026-12-05T16:00:00Z"),
      expiresAt: new Date("2026-12-05T19:00:00Z"),
    };
    assert.equal(
      activeSilence("api-5xx", new Date("2026-12-05T17:30:00Z"), [weekly], [long])?.id,
      "s-1",
    );
  });
  it("reads a table item (strings and epoch-second numbers); a malformed item is undefined", () => {
    assert.deepEqual(
      silenceFromItem({
        pk: { S: "silence" },
        id: { S: "s-1" },
        pattern: { S: "api-*" },
        reason: { S: "deploy 42" },
        startsAt: { N: "1764644400" },
        expiresAt: { N: "1764651600" },
      }),
      {
        ...silence,
        startsAt: new Date("2025-12-02T03:00:00Z"),
        expiresAt: new Date("2025-12-02T05:00:00Z"),
      },
    );
    assert.equal(silenceFromItem({ id: { S: "s-1" } }), undefined);
  });
  it("queries the one partition, strongly consistent", () =>
    assert.deepEqual(silencesQueryInput("ie-prod-silences"), {
      TableName: "ie-prod-silences",
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: "silence" } },
      ConsistentRead: true,
    }));
});

describe("silence: never the pipeline's self-monitoring", () => {
  const everything = [{ ...weekly, alarms: ["*"], schedule: "cron(* * * * ? *)", timeZone: "UTC" }];
  const selfAlarms = [
    "ie-prod-router-errors",
    "ie-prod-router-dlq-depth",
    "ie-prod-router-pages-given-up",
    "ie-prod-notifier-errors",
    "ie-prod-events-dlq-depth",
  ];
  for (const name of selfAlarms) {
    it(`${name} routed under level critical is not a configured alarm of it, so "*" cannot silence it`, () => {
      assert.equal(configuredAlarmName(name, "ie-prod", "critical"), undefined);
    });
  }
  it("a configured alarm of the level is: ie-prod-critical-api-5xx → api-5xx, silenced by *", () => {
    assert.equal(configuredAlarmName("ie-prod-critical-api-5xx", "ie-prod", "critical"), "api-5xx");
    assert.equal(
      activeSilence("api-5xx", new Date("2026-12-02T03:00:00Z"), everything, [])?.by,
      "maintenance",
    );
  });
  it("the bare level prefix (ie-prod-critical-) names no alarm", () =>
    assert.equal(configuredAlarmName("ie-prod-critical-", "ie-prod", "critical"), undefined));
});

describe("silence: the SILENCES environment variable", () => {
  it("parses the component's value, with the alerts topic and the deferral target", () =>
    assert.deepEqual(
      parseSilenceConfig({
        SILENCES: JSON.stringify({
          prefix: "ie-prod",
          language: "ja",
          table: "ie-prod-silences",
          windows: [weekly],
        }),
        ALERTS_TOPIC_ARN: "arn:aws:sns:ap-northeast-1:123456789012:ie-prod-alerts",
        DEFER_QUEUE_ARN: "arn:aws:sqs:ap-northeast-1:123456789012:ie-prod-router",
        DEFER_ROLE_ARN: "arn:aws:iam::123456789012:role/ie-prod-deferrals",
      }),
      {
        prefix: "ie-prod",
        language: "ja",
        table: "ie-prod-silences",
        windows: [weekly],
        alertsTopicArn: "arn:aws:sns:ap-northeast-1:123456789012:ie-prod-alerts",
        defer: {
          queueArn: "arn:aws:sqs:ap-northeast-1:123456789012:ie-prod-router",
          roleArn: "arn:aws:iam::123456789012:role/ie-prod-deferrals",
        },
      },
    ));
  it("absent: no silences", () => assert.equal(parseSilenceConfig({}), undefined));
  it("names what is malformed", () => {
    assert.throws(() => parseSilenceConfig({ SILENCES: "{" }), { message: "SILENCES is not JSON" });
    assert.throws(
      () =>
        parseSilenceConfig({
          SILENCES: '{"prefix":"p","language":"en","windows":[{"alarms":[]}]}',
        }),
      { message: "SILENCES: windows[0].alarms is not a list of patterns" },
    );
  });
});
