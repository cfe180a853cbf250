// The paging timeline and rotation arithmetic of tools/timeline.ts, table-driven, no mocks:
// buildTimeline's exact events for the prod example's critical level, for a paging level with
// extra engagements, a level that engages without an incident and a notify-only level;
// rotationAt for weekly, daily and monthly hand-offs, intervals, two people on call at once,
// before the start and exactly at a hand-off instant; nextHandoff across DST changes (Berlin and
// New York, both directions) and with hand-off times inside a DST gap or overlap; zonedToUtc in
// gaps and overlaps; a fast-check property over arbitrary rotations and instants; and that the
// timeline's minutes are the starts of the plan stages components/builders.ts deploys (literal
// stages and minutes for one config, a property that the stages give back the config's offsets).
//
// What this does NOT prove: that Incident Manager computes shifts the same way (the rotation
// model follows its documentation; the authoritative schedule is
// `aws ssm-contacts list-preview-rotation-shifts`), in particular which members are on call
// when onCallsAtOnce > 1 or before the rotation's start time; that responders are really paged
// at these minutes (Incident Manager's own retries, delivery delays and acknowledgements are not
// modelled); or that this Node's ICU time-zone data matches AWS's (the DST dates below are
// those of the tz database in 2026).
import assert from "node:assert/strict";
import { join } from "node:path";
import fc from "fast-check";
import {
  engagementStages,
  escalationStages,
  planMinutes,
  stageStarts,
} from "../../components/builders";
import { rawConfigFrom, validateRawConfig } from "../../config/load";
import { RotationConfig, StackConfigInput, parseStackConfig } from "../../config/schema";
import { readStackFile } from "../../tools/stackFile";
import {
  LevelTimeline,
  TimelineEvent,
  buildTimeline,
  localParts,
  nextHandoff,
  rotationAt,
  zonedToUtc,
} from "../../tools/timeline";
import { PROD_CRITICAL_EVENTS } from "./fixtures/prodTimeline";

const ROOT = join(__dirname, "..", "..");
/** Tuesday 2026-11-24 10:00 in Tokyo: week 47 of the prod rotation (started 2026-01-05). */
const NOW = new Date("2026-11-24T01:00:00Z");

function stackConfig(file: string) {
  const { raw, issues } = rawConfigFrom(readStackFile(join(ROOT, file)).config);
  return validateRawConfig(raw, issues, file);
}

function level(levels: readonly LevelTimeline[], name: string): LevelTimeline {
  const l = levels.find((x) => x.level === name);
  assert.ok(l, `no level ${name}`);
  return l;
}

describe("tools/timeline", () => {
  describe("buildTimeline", () => {
    it("prod example: critical follows the escalation into each engagement plan; warning engages the on-call directly", () => {
      const t = buildTimeline(stackConfig("Pulumi.prod.yaml"), "prod", NOW);
      assert.equal(t.prefix, "ie-prod");
      assert.equal(t.plannedAt, "2026-11-24T01:00:00.000Z");
      assert.deepEqual(
        t.levels.map((l) => [l.level, l.impact, l.mode, l.responsePlan, l.endsAt]),
        [
          ["critical", 1, "incident", "ie-prod-critical", 30],
          ["warning", 3, "engage", null, 10],
        ],
      );
      const critical = level(t.levels, "critical");
      assert.deepEqual(critical.events, PROD_CRITICAL_EVENTS);
      assert.deepEqual(critical.alarms, [
        {
          name: "ie-prod-critical-api-5xx",
          metric: "AWS/ApplicationELB HTTPCode_Target_5XX_Count Sum",
          condition: ">=",
          threshold: 50,
          evaluation: "2 of 3 × 60s",
        },
        {
          name: "ie-prod-critical-api-latency-p99",
          metric: "AWS/ApplicationELB TargetResponseTime p99",
          condition: ">",
          threshold: 3,
          evaluation: "3 of 5 × 60s",
        },
      ]);
      assert.deepEqual(critical.notifies, { slack: true, teams: false, webhooks: ["ticketing"] });
      const warning = level(t.levels, "warning");
      assert.deepEqual(warning.events, [
        {
          at: 0,
          kind: "page",
          contact: "sato",
          channels: ["email"],
          via: "direct engagement → oncall:primary",
        },
        {
          at: 10,
          kind: "page",
          contact: "sato",
          channels: ["sms", "voice"],
          via: "direct engagement → oncall:primary",
        },
      ]);
      assert.deepEqual(
        warning.alarms.map((a) => [a.name, a.threshold]),
        [
          ["ie-prod-warning-api-5xx", 10],
          ["ie-prod-warning-api-latency-p99", 1.5],
        ],
      );
      assert.deepEqual(warning.notifies, { slack: true, teams: false, webhooks: ["ticketing"] });
      assert.deepEqual(t.rotations, [
        {
          name: "primary",
          timeZone: "Asia/Tokyo",
          now: ["sato"],
          next: ["suzuki"],
          nextHandoff: "2026-11-30T00:00:00.000Z",
        },
      ]);
    });

    // One config with three levels: a paging level with an extra engagement, a level that engages
    // without an incident, and a level that only notifies.
    const MIXED: StackConfigInput = {
      prefix: "acme",
      incidentManager: { replicationSet: "existing" },
      contacts: [
        {
          alias: "sato",
          displayName: "Sato",
          email: "sato@example.com",
          phone: "+819000000001",
          engagement: [
            { after: 0, via: ["email"] },
            { after: 10, via: ["sms", "voice"] },
          ],
        },
        {
          alias: "suzuki",
          displayName: "Suzuki",
          email: "suzuki@example.com",
          engagement: [{ after: 0, via: ["email"] }],
        },
        {
          alias: "tanaka",
          displayName: "Tanaka",
          email: "tanaka@example.com",
          phone: "+819000000003",
          engagement: [
            { after: 0, via: ["email"] },
            { after: 5, via: ["sms"] },
          ],
        },
      ],
      onCall: [
        {
          name: "primary",
          members: ["sato", "suzuki"],
          timeZone: "Asia/Tokyo",
          handoff: { every: "week", on: "MON", at: "09:00" },
          startTime: "2026-01-05T09:00:00+09:00",
        },
      ],
      escalation: [
        { engage: ["oncall:primary"], minutes: 15 },
        { engage: ["tanaka"], minutes: 15, essential: false },
      ],
      levels: {
        critical: { impact: 1, page: true, engage: ["tanaka"] },
        major: { impact: 2, page: false, engage: ["oncall:primary", "tanaka"] },
        minor: { impact: 4, page: false },
      },
      alarms: [
        {
          name: "free-storage",
          metric: {
            namespace: "AWS/RDS",
            name: "FreeStorageSpace",
            statistic: "Minimum",
            period: 300,
          },
          comparison: "LessThanThreshold",
          evaluationPeriods: 3,
          thresholds: { critical: 1e9, minor: 5e9 },
        },
      ],
      externalAlarms: [{ name: "legacy-db-cpu", level: "major" }],
      notifications: {
        slack: { teamId: "T0000000000", channelId: "C0000000000" },
        webhooks: [
          {
            name: "ticketing",
            url: "https://tickets.example.com/hook",
            levels: ["critical", "minor"],
          },
        ],
      },
    };
    const mixed = buildTimeline(parseStackConfig(MIXED), "stg", NOW);

    const cases: {
      level: string;
      mode: LevelTimeline["mode"];
      responsePlan: string | null;
      endsAt: number;
      events: TimelineEvent[];
    }[] = [
      {
        level: "critical",
        mode: "incident",
        responsePlan: "acme-critical",
        endsAt: 30,
        events: [
          {
            kind: "stage",
            at: 0,
            stage: 1,
            minutes: 15,
            targets: [{ ref: "oncall:primary", essential: true, onCallNow: ["sato"] }],
          },
          {
            kind: "page",
            at: 0,
            contact: "tanaka",
            channels: ["email"],
            via: "response plan engagement",
          },
          {
            kind: "page",
            at: 0,
            contact: "sato",
            channels: ["email"],
            via: "stage 1 → oncall:primary",
          },
          {
            kind: "page",
            at: 5,
            contact: "tanaka",
            channels: ["sms"],
            via: "response plan engagement",
          },
          {
            kind: "page",
            at: 10,
            contact: "sato",
            channels: ["sms", "voice"],
            via: "stage 1 → oncall:primary",
          },
          {
            kind: "stage",
            at: 15,
            stage: 2,
            minutes: 15,
            targets: [{ ref: "tanaka", essential: false }],
          },
          { kind: "page", at: 15, contact: "tanaka", channels: ["email"], via: "stage 2 → tanaka" },
          { kind: "page", at: 20, contact: "tanaka", channels: ["sms"], via: "stage 2 → tanaka" },
        ],
      },
      {
        level: "major",
        mode: "engage",
        responsePlan: null,
        endsAt: 10,
        events: [
          {
            kind: "page",
            at: 0,
            contact: "sato",
            channels: ["email"],
            via: "direct engagement → oncall:primary",
          },
          {
            kind: "page",
            at: 0,
            contact: "tanaka",
            channels: ["email"],
            via: "direct engagement → tanaka",
          },
          {
            kind: "page",
            at: 5,
            contact: "tanaka",
            channels: ["sms"],
            via: "direct engagement → tanaka",
          },
          {
            kind: "page",
            at: 10,
            contact: "sato",
            channels: ["sms", "voice"],
            via: "direct engagement → oncall:primary",
          },
        ],
      },
      { level: "minor", mode: "notify", responsePlan: null, endsAt: 0, events: [] },
    ];
    for (const c of cases) {
      it(`${c.level}: mode ${c.mode}, exact events, ends at T+${c.endsAt}`, () => {
        const l = level(mixed.levels, c.level);
        assert.equal(l.mode, c.mode);
        assert.equal(l.responsePlan, c.responsePlan);
        assert.equal(l.endsAt, c.endsAt);
        assert.deepEqual(l.events, c.events);
      });
    }

    it("levels are ordered by impact; alarms, external alarms and destinations per level", () => {
      assert.equal(mixed.prefix, "acme");
      assert.deepEqual(
        mixed.levels.map((l) => l.level),
        ["critical", "major", "minor"],
      );
      assert.deepEqual(level(mixed.levels, "critical").alarms, [
        {
          name: "acme-critical-free-storage",
          metric: "AWS/RDS FreeStorageSpace Minimum",
          condition: "<",
          threshold: 1e9,
          evaluation: "3 of 3 × 300s",
        },
      ]);
      assert.deepEqual(level(mixed.levels, "major").alarms, []);
      assert.deepEqual(level(mixed.levels, "major").externalAlarms, ["legacy-db-cpu"]);
      assert.deepEqual(
        mixed.levels.map((l) => [l.level, l.notifies.webhooks]),
        [
          ["critical", ["ticketing"]],
          ["major", []],
          ["minor", ["ticketing"]],
        ],
      );
    });

    it("an on-call rotation resolves to whoever is on call at the planning moment", () => {
      // Week 2 of the rotation (from Monday 2026-01-12 09:00 Tokyo): suzuki.
      const t = buildTimeline(parseStackConfig(MIXED), "stg", new Date("2026-01-12T00:00:00Z"));
      const critical = level(t.levels, "critical");
      assert.deepEqual(critical.events[0], {
        kind: "stage",
        at: 0,
        stage: 1,
        minutes: 15,
        targets: [{ ref: "oncall:primary", essential: true, onCallNow: ["suzuki"] }],
      });
      assert.deepEqual(
        critical.events
          .filter((e) => e.kind === "page" && e.via.startsWith("stage 1"))
          .map((e) => (e.kind === "page" ? [e.at, e.contact, e.channels] : [])),
        [[0, "suzuki", ["email"]]],
      );
    });
  });

  // The timeline and the deployed plans are one derivation: the timeline's minutes are the
  // starts (stageStarts) of the stages the components deploy (engagementStages,
  // escalationStages). Literal plan stages and literal timeline minutes for one config, and a
  // property that the plan stages give back the config's offsets.
  describe("one derivation with the deployed plans (components/builders.ts)", () => {
    const TIED: StackConfigInput = {
      prefix: "tie",
      incidentManager: { replicationSet: "existing" },
      contacts: [
        {
          alias: "sato",
          displayName: "Sato",
          email: "sato@example.com",
          phone: "+819000000001",
          engagement: [
            { after: 0, via: ["email"] },
            { after: 10, via: ["sms"] },
            { after: 25, via: ["voice"] },
          ],
        },
        {
          alias: "tanaka",
          displayName: "Tanaka",
          email: "tanaka@example.com",
          engagement: [{ after: 0, via: ["email"] }],
        },
      ],
      escalation: [
        { engage: ["sato"], minutes: 5 },
        { engage: ["tanaka"], minutes: 10 },
      ],
      levels: { critical: { impact: 1, page: true } },
    };
    const cfg = parseStackConfig(TIED);

    it("the deployed stages of the config: engagement durations 10, 15, 0; escalation 5, 10", () => {
      assert.deepEqual(engagementStages(cfg.contacts[0].engagement), [
        { durationInMinutes: 10, targets: ["email"] },
        { durationInMinutes: 15, targets: ["sms"] },
        { durationInMinutes: 0, targets: ["voice"] },
      ]);
      assert.deepEqual(stageStarts(engagementStages(cfg.contacts[0].engagement)), [0, 10, 25]);
      const escalation = escalationStages(cfg.escalation);
      assert.deepEqual(
        escalation.map((st) => st.durationInMinutes),
        [5, 10],
      );
      assert.deepEqual(stageStarts(escalation), [0, 5]);
      assert.equal(planMinutes(escalation), 15);
    });

    it("the timeline pages at those stages' starts: sato T+0/10/25 from stage 1, tanaka T+5", () => {
      const l = level(buildTimeline(cfg, "tie", NOW).levels, "critical");
      assert.deepEqual(
        l.events.map((e) =>
          e.kind === "stage" ? ["stage", e.at, e.stage, e.minutes] : [e.at, e.contact, e.channels],
        ),
        [
          ["stage", 0, 1, 5],
          [0, "sato", ["email"]],
          ["stage", 5, 2, 10],
          [5, "tanaka", ["email"]],
          [10, "sato", ["sms"]],
          [25, "sato", ["voice"]],
        ],
      );
      assert.equal(l.endsAt, 25);
    });

    it("property: the plan stages of any valid engagement start at the config's offsets", () => {
      const engagement = fc
        .array(fc.integer({ min: 1, max: 30 }), { maxLength: 8 })
        .map((gaps) => [0, ...gaps].map((_, i, all) => all.slice(0, i + 1).reduce((a, b) => a + b)))
        .map((offsets) => offsets.map((after) => ({ after, via: ["email" as const] })));
      fc.assert(
        fc.property(engagement, (e) => {
          assert.deepEqual(
            stageStarts(engagementStages(e)),
            e.map((st) => st.after),
          );
        }),
      );
    });
  });

  describe("rotationAt", () => {
    const base: RotationConfig = {
      name: "primary",
      members: ["a", "b", "c"],
      timeZone: "Asia/Tokyo",
      handoff: { every: "week", on: "MON", at: "09:00", interval: 1 },
      onCallsAtOnce: 1,
      startTime: "2026-01-05T09:00:00+09:00",
    };
    const cases: {
      name: string;
      rotation: Partial<RotationConfig>;
      at: string;
      now: string[];
      next: string[];
      nextHandoff: string;
    }[] = [
      {
        // 2026-01-05 → 2026-11-23 is 322 days = 46 hand-offs; 46 mod 3 = 1.
        name: "weekly, 46 hand-offs after the start",
        rotation: {},
        at: "2026-11-24T01:00:00Z",
        now: ["b"],
        next: ["c"],
        nextHandoff: "2026-11-30T00:00:00.000Z",
      },
      {
        name: "weekly, exactly at the start",
        rotation: {},
        at: "2026-01-05T00:00:00Z",
        now: ["a"],
        next: ["b"],
        nextHandoff: "2026-01-12T00:00:00.000Z",
      },
      {
        name: "weekly, one millisecond before a hand-off",
        rotation: {},
        at: "2026-01-11T23:59:59.999Z",
        now: ["a"],
        next: ["b"],
        nextHandoff: "2026-01-12T00:00:00.000Z",
      },
      {
        name: "weekly, exactly at a hand-off instant (the new shift has begun)",
        rotation: {},
        at: "2026-01-12T00:00:00Z",
        now: ["b"],
        next: ["c"],
        nextHandoff: "2026-01-19T00:00:00.000Z",
      },
      {
        // Before its start time a rotation has nobody on call; the first member takes over at
        // the start.
        name: "before the start",
        rotation: {},
        at: "2025-12-01T00:00:00Z",
        now: [],
        next: ["a"],
        nextHandoff: "2026-01-05T00:00:00.000Z",
      },
      {
        name: "weekly every 2 weeks",
        rotation: { handoff: { every: "week", on: "MON", at: "09:00", interval: 2 } },
        at: "2026-01-20T00:00:00Z",
        now: ["b"],
        next: ["c"],
        nextHandoff: "2026-02-02T00:00:00.000Z",
      },
      {
        // Hand-offs on 01-06 and 01-07 at 09:00 Tokyo; 01-08 08:59 is still c's shift.
        name: "daily",
        rotation: { handoff: { every: "day", at: "09:00", interval: 1 } },
        at: "2026-01-07T23:59:00Z",
        now: ["c"],
        next: ["a"],
        nextHandoff: "2026-01-08T00:00:00.000Z",
      },
      {
        name: "daily every 2 days",
        rotation: { handoff: { every: "day", at: "09:00", interval: 2 } },
        at: "2026-01-08T00:00:00Z",
        now: ["b"],
        next: ["c"],
        nextHandoff: "2026-01-09T00:00:00.000Z",
      },
      {
        name: "monthly on the 1st",
        rotation: {
          handoff: { every: "month", on: 1, at: "09:00", interval: 1 },
          startTime: "2026-01-01T09:00:00+09:00",
        },
        at: "2026-03-15T00:00:00Z",
        now: ["c"],
        next: ["a"],
        nextHandoff: "2026-04-01T00:00:00.000Z",
      },
      {
        name: "monthly on the 15th, every 2 months",
        rotation: {
          handoff: { every: "month", on: 15, at: "09:00", interval: 2 },
          startTime: "2026-01-15T09:00:00+09:00",
        },
        at: "2026-04-01T00:00:00Z",
        now: ["b"],
        next: ["c"],
        nextHandoff: "2026-05-15T00:00:00.000Z",
      },
      {
        name: "two on call at once, at the start",
        rotation: { members: ["a", "b", "c", "d"], onCallsAtOnce: 2 },
        at: "2026-01-05T00:00:00Z",
        now: ["a", "b"],
        next: ["c", "d"],
        nextHandoff: "2026-01-12T00:00:00.000Z",
      },
      {
        name: "two on call at once, after one hand-off",
        rotation: { members: ["a", "b", "c", "d"], onCallsAtOnce: 2 },
        at: "2026-01-12T00:00:00Z",
        now: ["c", "d"],
        next: ["a", "b"],
        nextHandoff: "2026-01-19T00:00:00.000Z",
      },
      {
        name: "no start time: the rotation starts now",
        rotation: { startTime: undefined },
        at: "2026-11-24T01:00:00Z",
        now: ["a"],
        next: ["b"],
        nextHandoff: "2026-11-30T00:00:00.000Z",
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        assert.deepEqual(rotationAt({ ...base, ...c.rotation }, new Date(c.at)), {
          name: "primary",
          timeZone: "Asia/Tokyo",
          now: c.now,
          next: c.next,
          nextHandoff: c.nextHandoff,
        });
      });
    }
  });

  describe("nextHandoff across DST changes", () => {
    const daily = (timeZone: string, at: string) => ({
      timeZone,
      handoff: { every: "day" as const, at, interval: 1 },
    });
    const cases: {
      name: string;
      rotation: Pick<RotationConfig, "handoff" | "timeZone">;
      after: string;
      expected: string;
      local: string;
    }[] = [
      {
        name: "Europe/Berlin, spring forward 2026-03-29: 09:00 CET → 09:00 CEST",
        rotation: daily("Europe/Berlin", "09:00"),
        after: "2026-03-28T08:00:00Z",
        expected: "2026-03-29T07:00:00.000Z",
        local: "2026-03-29 09:00",
      },
      {
        name: "Europe/Berlin, the day after the change",
        rotation: daily("Europe/Berlin", "09:00"),
        after: "2026-03-29T07:00:00Z",
        expected: "2026-03-30T07:00:00.000Z",
        local: "2026-03-30 09:00",
      },
      {
        name: "Europe/Berlin, fall back 2026-10-25: 09:00 CEST → 09:00 CET",
        rotation: daily("Europe/Berlin", "09:00"),
        after: "2026-10-24T07:00:00Z",
        expected: "2026-10-25T08:00:00.000Z",
        local: "2026-10-25 09:00",
      },
      {
        name: "America/New_York, fall back 2026-11-01: 09:00 EDT → 09:00 EST",
        rotation: daily("America/New_York", "09:00"),
        after: "2026-10-31T13:00:00Z",
        expected: "2026-11-01T14:00:00.000Z",
        local: "2026-11-01 09:00",
      },
      {
        name: "America/New_York, the day after the change",
        rotation: daily("America/New_York", "09:00"),
        after: "2026-11-01T14:00:00Z",
        expected: "2026-11-02T14:00:00.000Z",
        local: "2026-11-02 09:00",
      },
      {
        name: "America/New_York, spring forward 2026-03-08",
        rotation: daily("America/New_York", "09:00"),
        after: "2026-03-07T14:00:00Z",
        expected: "2026-03-08T13:00:00.000Z",
        local: "2026-03-08 09:00",
      },
      {
        name: "Europe/Berlin, weekly SUN 09:00 over the spring change",
        rotation: {
          timeZone: "Europe/Berlin",
          handoff: { every: "week", on: "SUN", at: "09:00", interval: 1 },
        },
        after: "2026-03-22T08:00:00Z",
        expected: "2026-03-29T07:00:00.000Z",
        local: "2026-03-29 09:00",
      },
      {
        name: "Europe/Berlin, a 02:30 hand-off on the day 02:30 does not exist moves to 03:30",
        rotation: daily("Europe/Berlin", "02:30"),
        after: "2026-03-28T01:30:00Z",
        expected: "2026-03-29T01:30:00.000Z",
        local: "2026-03-29 03:30",
      },
      {
        name: "Europe/Berlin, and is back at 02:30 the next day",
        rotation: daily("Europe/Berlin", "02:30"),
        after: "2026-03-29T01:30:00Z",
        expected: "2026-03-30T00:30:00.000Z",
        local: "2026-03-30 02:30",
      },
      {
        name: "America/New_York, a 01:30 hand-off on the day 01:30 occurs twice: the first",
        rotation: daily("America/New_York", "01:30"),
        after: "2026-10-31T05:30:00Z",
        expected: "2026-11-01T05:30:00.000Z",
        local: "2026-11-01 01:30",
      },
      {
        name: "America/New_York, and not again at the second 01:30",
        rotation: daily("America/New_York", "01:30"),
        after: "2026-11-01T05:30:00Z",
        expected: "2026-11-02T06:30:00.000Z",
        local: "2026-11-02 01:30",
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const got = nextHandoff(c.rotation, new Date(c.after));
        assert.equal(got.toISOString(), c.expected);
        assert.equal(localString(got, c.rotation.timeZone), c.local);
      });
    }
  });

  describe("zonedToUtc", () => {
    const cases: {
      name: string;
      wall: [number, number, number, number, number, string];
      expected: string;
    }[] = [
      {
        name: "Asia/Tokyo (no DST)",
        wall: [2026, 1, 1, 0, 0, "Asia/Tokyo"],
        expected: "2025-12-31T15:00:00.000Z",
      },
      { name: "UTC", wall: [2026, 6, 1, 12, 0, "UTC"], expected: "2026-06-01T12:00:00.000Z" },
      {
        name: "Europe/Berlin summer",
        wall: [2026, 7, 1, 9, 0, "Europe/Berlin"],
        expected: "2026-07-01T07:00:00.000Z",
      },
      // In a gap the wall time is read with the offset before the change: 02:30 CET = 03:30 CEST.
      {
        name: "Europe/Berlin, 02:30 in the 2026-03-29 gap → 03:30 CEST",
        wall: [2026, 3, 29, 2, 30, "Europe/Berlin"],
        expected: "2026-03-29T01:30:00.000Z",
      },
      {
        name: "America/New_York, 02:30 in the 2026-03-08 gap → 03:30 EDT",
        wall: [2026, 3, 8, 2, 30, "America/New_York"],
        expected: "2026-03-08T07:30:00.000Z",
      },
      {
        name: "Australia/Sydney, 02:30 in the 2026-10-04 gap → 03:30 AEDT",
        wall: [2026, 10, 4, 2, 30, "Australia/Sydney"],
        expected: "2026-10-03T16:30:00.000Z",
      },
      // In an overlap, the first occurrence.
      {
        name: "Europe/Berlin, 02:30 on 2026-10-25 (twice) → CEST",
        wall: [2026, 10, 25, 2, 30, "Europe/Berlin"],
        expected: "2026-10-25T00:30:00.000Z",
      },
      {
        name: "America/New_York, 01:30 on 2026-11-01 (twice) → EDT",
        wall: [2026, 11, 1, 1, 30, "America/New_York"],
        expected: "2026-11-01T05:30:00.000Z",
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        assert.equal(zonedToUtc(...c.wall).toISOString(), c.expected);
      });
    }

    it("localParts reads the wall clock and weekday of an instant", () => {
      assert.deepEqual(localParts(new Date("2026-11-24T01:00:00Z"), "Asia/Tokyo"), {
        year: 2026,
        month: 11,
        day: 24,
        hour: 10,
        minute: 0,
        weekday: 2,
      });
      assert.deepEqual(localParts(new Date("2026-11-01T05:30:00Z"), "America/New_York"), {
        year: 2026,
        month: 11,
        day: 1,
        hour: 1,
        minute: 30,
        weekday: 0,
      });
    });
  });

  describe("property: nextHandoff", () => {
    // Zones with and without DST, both hemispheres; all their gaps are one hour.
    const ZONES = [
      "UTC",
      "Asia/Tokyo",
      "Asia/Kolkata",
      "Europe/Berlin",
      "America/New_York",
      "Australia/Sydney",
      "Pacific/Auckland",
      "America/Sao_Paulo",
    ];
    const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
    const hhmm = fc
      .tuple(
        // Often 01:xx-03:xx, where the DST changes of these zones are.
        fc.oneof(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 1, max: 3 })),
        fc.constantFrom(0, 15, 30, 45, 59),
      )
      .map(([h, m]) => `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`);
    const rotation = fc.record({
      timeZone: fc.constantFrom(...ZONES),
      handoff: fc.oneof(
        fc.record({
          every: fc.constant("day" as const),
          at: hhmm,
          interval: fc.integer({ min: 1, max: 5 }),
        }),
        fc.record({
          every: fc.constant("week" as const),
          on: fc.constantFrom(...DAYS),
          at: hhmm,
          interval: fc.integer({ min: 1, max: 5 }),
        }),
        fc.record({
          every: fc.constant("month" as const),
          on: fc.integer({ min: 1, max: 28 }),
          at: hhmm,
          interval: fc.integer({ min: 1, max: 5 }),
        }),
      ),
    });
    // Uniform instants, and instants within two days of the 2026 DST changes of these zones.
    const DST_CHANGES = [
      "2026-03-08",
      "2026-03-29",
      "2026-04-05",
      "2026-09-27",
      "2026-10-04",
      "2026-10-25",
      "2026-11-01",
    ].map((d) => Date.parse(`${d}T00:00:00Z`));
    const instant = fc
      .oneof(
        fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 11, 31) }),
        fc
          .tuple(fc.constantFrom(...DST_CHANGES), fc.integer({ min: -2 * 86_400, max: 2 * 86_400 }))
          .map(([day, s]) => day + s * 1000),
      )
      .map((ms) => new Date(ms));
    const PERIOD_DAYS = { day: 1, week: 7, month: 31 };

    it("is strictly after the instant, within interval periods, at the hand-off's local time", () => {
      fc.assert(
        fc.property(rotation, instant, (r, t) => {
          const got = nextHandoff(r, t);
          assert.ok(got.getTime() > t.getTime(), `${got.toISOString()} <= ${t.toISOString()}`);
          const maxDays = PERIOD_DAYS[r.handoff.every] * r.handoff.interval;
          assert.ok(
            got.getTime() - t.getTime() <= maxDays * 86_400_000 + 3_600_000,
            `${got.toISOString()} is more than ${maxDays} days after ${t.toISOString()}`,
          );
          const p = localParts(got, r.timeZone);
          const [hh, mm] = r.handoff.at.split(":").map(Number);
          const minutes = p.hour * 60 + p.minute;
          if (minutes !== hh * 60 + mm) {
            // Only when that wall time does not exist that day (a DST gap): an hour later.
            assert.equal(minutes, hh * 60 + mm + 60, `${got.toISOString()} in ${r.timeZone}`);
            const shown = localParts(
              zonedToUtc(p.year, p.month, p.day, hh, mm, r.timeZone),
              r.timeZone,
            );
            assert.notEqual(shown.hour * 60 + shown.minute, hh * 60 + mm);
          }
          if (r.handoff.every === "week") assert.equal(DAYS[p.weekday], r.handoff.on);
          if (r.handoff.every === "month") assert.equal(p.day, r.handoff.on);
        }),
        { numRuns: 1000 },
      );
    });

    it("zonedToUtc: an existing wall time maps to its first occurrence, a missing one an hour on", () => {
      fc.assert(
        fc.property(fc.constantFrom(...ZONES), instant, hhmm, (tz, t, at) => {
          // The wall clock of a real instant exists: zonedToUtc finds it, at its first occurrence.
          const p = localParts(t, tz);
          const z = zonedToUtc(p.year, p.month, p.day, p.hour, p.minute, tz);
          assert.equal(localString(z, tz), localString(t, tz));
          const floor = Math.floor(t.getTime() / 60_000) * 60_000;
          assert.ok(z.getTime() <= floor && z.getTime() >= floor - 3_600_000, `${z.toISOString()}`);
          // Any wall time on that day: shown as asked, or an hour later inside a DST gap.
          const [hh, mm] = at.split(":").map(Number);
          const q = localParts(zonedToUtc(p.year, p.month, p.day, hh, mm, tz), tz);
          const delta = q.hour * 60 + q.minute - (hh * 60 + mm);
          assert.ok(delta === 0 || delta === 60, `${at} on ${p.year}-${p.month}-${p.day} in ${tz}`);
        }),
        { numRuns: 2000 },
      );
    });
  });
});

function localString(d: Date, tz: string): string {
  const p = localParts(d, tz);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}`;
}
