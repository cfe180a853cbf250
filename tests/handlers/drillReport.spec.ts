/**
 * Drill report (handlers/shared/drillReport.ts): table-driven buildDrillReport/renderDrillReport
 * on hand-written observations, drillTitle limits, alias/channel/error-kind helpers, and a
 * fast-check property over arbitrary observations (never throws; receipt text never rendered).
 *
 * What this spec does NOT prove:
 * - that Incident Manager reports engagements, pages and receipts the way the fixtures do (the
 *   fixtures follow the ssm-contacts API model and docs: a READ receipt / ReadTime is the
 *   acknowledgement; the timing and ordering of real receipts are not verified here);
 * - that ReceiptInfo never contains an address in a form the error-kind rules misclassify: only
 *   that whatever it contains is never copied into the report;
 * - anything about the calls that gather the observation (tests/tools/drill.spec.ts).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  buildDrillReport,
  channelKind,
  contactAlias,
  drillTitle,
  drillTitlePrefix,
  errorKind,
  formatDuration,
  isAcknowledged,
  MAX_TITLE_LENGTH,
  renderDrillReport,
  type DrillObservation,
  type DrillReport,
  type PageObservation,
  type ReceiptType,
} from "../../handlers/shared/drillReport";

const ACCOUNT = "111122223333";
const REGION = "ap-northeast-1";
const INCIDENT = `arn:aws:ssm-incidents::${ACCOUNT}:incident-record/ie-prod-critical/6ebcc812-85f5-b7eb-8b2f-283e4d844308`;
const contact = (alias: string) => `arn:aws:ssm-contacts:${REGION}:${ACCOUNT}:contact/${alias}`;
const engagement = (alias: string, n = 1) =>
  `arn:aws:ssm-contacts:${REGION}:${ACCOUNT}:engagement/${alias}/0000000${n}-aaaa-bbbb-cccc-000000000000`;
const page = (alias: string, n = 1) =>
  `arn:aws:ssm-contacts:${REGION}:${ACCOUNT}:page/${alias}/0000000${n}-dddd-eeee-ffff-000000000000`;
const channel = (alias: string, kind: string) =>
  `arn:aws:ssm-contacts:${REGION}:${ACCOUNT}:contact-channel/${alias}/${kind}-0000-1111-2222-333333333333`;

const START = "2026-03-02T01:00:00.000Z";
/** ISO time `s` seconds after START. */
const t = (s: number) => new Date(Date.parse(START) + s * 1000).toISOString();

const CHANNELS: Record<string, string> = {
  [channel("ie-prod-sato", "e")]: "EMAIL",
  [channel("ie-prod-sato", "s")]: "SMS",
  [channel("ie-prod-sato", "v")]: "VOICE",
  [channel("ie-prod-tanaka", "e")]: "EMAIL",
};

const STAGE1_ENGAGEMENTS = [
  {
    contactArn: contact("ie-prod-escalation"),
    engagementArn: engagement("ie-prod-escalation"),
    startedAt: t(0),
  },
  {
    contactArn: contact("ie-prod-oncall-primary"),
    engagementArn: engagement("ie-prod-oncall-primary"),
    startedAt: t(1),
  },
  {
    contactArn: contact("ie-prod-sato"),
    engagementArn: engagement("ie-prod-sato"),
    startedAt: t(2),
  },
];

function satoEmail(extra: Partial<PageObservation> = {}): PageObservation {
  return {
    contactArn: contact("ie-prod-sato"),
    engagementArn: engagement("ie-prod-sato"),
    pageArn: page("ie-prod-sato"),
    sentAt: t(0),
    deliveredAt: t(4),
    receipts: [
      { type: "SENT", at: t(0), channelArn: channel("ie-prod-sato", "e") },
      { type: "DELIVERED", at: t(4), channelArn: channel("ie-prod-sato", "e") },
    ],
    ...extra,
  };
}

function obs(p: Partial<DrillObservation>): DrillObservation {
  return {
    incidentArn: INCIDENT,
    title: "[DRILL] critical paging drill 2026-03-02T01:00Z",
    startedAt: START,
    observedAt: t(1800),
    engagements: STAGE1_ENGAGEMENTS,
    pages: [],
    channels: CHANNELS,
    ...p,
  };
}

interface Case {
  readonly name: string;
  readonly obs: DrillObservation;
  readonly report: DrillReport;
  readonly text: string;
}

const CASES: Case[] = [
  {
    name: "acknowledged by the stage-1 contact after 1:42",
    obs: obs({
      pages: [
        satoEmail({
          readAt: t(102),
          receipts: [
            ...satoEmail().receipts,
            { type: "READ", at: t(102), channelArn: channel("ie-prod-sato", "e") },
          ],
        }),
      ],
    }),
    report: {
      incidentArn: INCIDENT,
      startedAt: START,
      acknowledged: { contact: "sato", channel: "email", afterSeconds: 102 },
      pages: [
        {
          contact: "sato",
          channel: "email",
          sentAfterSeconds: 0,
          deliveredAfterSeconds: 4,
          readAfterSeconds: 102,
          errors: [],
        },
      ],
      people: [{ contact: "sato", channels: ["email"], acknowledged: true }],
      engagedContacts: ["escalation", "oncall-primary", "sato"],
      stagesObserved: 1,
      outcome: "acknowledged",
    },
    text: [
      `[DRILL] report for ${INCIDENT}`,
      `Started: ${START}`,
      "Outcome: acknowledged by sato (email) at T+1:42",
      "Engaged: escalation, oncall-primary, sato; stages observed: 1",
      "T+0:00  page sent to sato (email) — delivered after 0:04, read after 1:42 (acknowledged)",
      "Per person:",
      "  sato: paged by email — acknowledged",
    ].join("\n"),
  },
  {
    name: "nobody acknowledged",
    obs: obs({
      pages: [
        satoEmail(),
        {
          contactArn: contact("ie-prod-sato"),
          engagementArn: engagement("ie-prod-sato"),
          pageArn: page("ie-prod-sato", 2),
          sentAt: t(600),
          receipts: [
            { type: "SENT", at: t(600), channelArn: channel("ie-prod-sato", "s") },
            { type: "SENT", at: t(601), channelArn: channel("ie-prod-sato", "v") },
            { type: "STOP", at: t(900) },
          ],
        },
      ],
    }),
    report: {
      incidentArn: INCIDENT,
      startedAt: START,
      acknowledged: null,
      pages: [
        {
          contact: "sato",
          channel: "email",
          sentAfterSeconds: 0,
          deliveredAfterSeconds: 4,
          errors: [],
        },
        { contact: "sato", channel: "sms+voice", sentAfterSeconds: 600, errors: [] },
      ],
      people: [
        {
          contact: "sato",
          channels: ["email", "sms", "voice"],
          acknowledged: false,
          // A SENT receipt over the voice channel: called, nothing reported about the call.
          call: { connected: false, acknowledged: false, failures: [] },
        },
      ],
      engagedContacts: ["escalation", "oncall-primary", "sato"],
      stagesObserved: 1,
      outcome: "not-acknowledged",
    },
    text: [
      `[DRILL] report for ${INCIDENT}`,
      `Started: ${START}`,
      "Outcome: NOT acknowledged",
      "Engaged: escalation, oncall-primary, sato; stages observed: 1",
      "T+0:00  page sent to sato (email) — delivered after 0:04, not read",
      "T+10:00 page sent to sato (sms+voice) — not read",
      "Per person:",
      "  sato: paged by email, sms, voice — did NOT acknowledge",
      "Phone calls:",
      "  sato: called; no connection reported by the end of the drill; not acknowledged",
    ].join("\n"),
  },
  {
    name: "a delivery ERROR receipt (its text mentions the phone number)",
    obs: obs({
      pages: [
        {
          contactArn: contact("ie-prod-sato"),
          engagementArn: engagement("ie-prod-sato"),
          pageArn: page("ie-prod-sato", 2),
          sentAt: t(600),
          receipts: [
            { type: "SENT", at: t(600), channelArn: channel("ie-prod-sato", "s") },
            {
              type: "ERROR",
              at: t(603),
              channelArn: channel("ie-prod-sato", "s"),
              info: "SMS to +819000000001 failed: contact channel is not activated",
            },
          ],
        },
      ],
    }),
    report: {
      incidentArn: INCIDENT,
      startedAt: START,
      acknowledged: null,
      pages: [
        {
          contact: "sato",
          channel: "sms",
          sentAfterSeconds: 600,
          errors: ["channel not activated"],
        },
      ],
      people: [{ contact: "sato", channels: ["sms"], acknowledged: false }],
      engagedContacts: ["escalation", "oncall-primary", "sato"],
      stagesObserved: 1,
      outcome: "errors",
    },
    text: [
      `[DRILL] report for ${INCIDENT}`,
      `Started: ${START}`,
      "Outcome: NOT acknowledged; some pages failed to deliver",
      "Engaged: escalation, oncall-primary, sato; stages observed: 1",
      "T+10:00 page sent to sato (sms) — error: channel not activated",
      "Per person:",
      "  sato: paged by sms — did NOT acknowledge",
    ].join("\n"),
  },
  {
    name: "two engagements from two stages; stage 2 acknowledges",
    obs: obs({
      engagements: [
        ...STAGE1_ENGAGEMENTS,
        {
          contactArn: contact("ie-prod-tanaka"),
          engagementArn: engagement("ie-prod-tanaka"),
          startedAt: t(903),
          stoppedAt: t(980),
        },
      ],
      pages: [
        {
          contactArn: contact("ie-prod-tanaka"),
          engagementArn: engagement("ie-prod-tanaka"),
          pageArn: page("ie-prod-tanaka"),
          sentAt: t(905),
          deliveredAt: t(907),
          readAt: t(970),
          receipts: [
            { type: "SENT", at: t(905), channelArn: channel("ie-prod-tanaka", "e") },
            { type: "READ", at: t(970), channelArn: channel("ie-prod-tanaka", "e") },
          ],
        },
        satoEmail(),
      ],
    }),
    report: {
      incidentArn: INCIDENT,
      startedAt: START,
      acknowledged: { contact: "tanaka", channel: "email", afterSeconds: 970 },
      pages: [
        {
          contact: "sato",
          channel: "email",
          sentAfterSeconds: 0,
          deliveredAfterSeconds: 4,
          errors: [],
        },
        {
          contact: "tanaka",
          channel: "email",
          sentAfterSeconds: 905,
          deliveredAfterSeconds: 907,
          readAfterSeconds: 970,
          errors: [],
        },
      ],
      people: [
        { contact: "sato", channels: ["email"], acknowledged: false },
        { contact: "tanaka", channels: ["email"], acknowledged: true },
      ],
      engagedContacts: ["escalation", "oncall-primary", "sato", "tanaka"],
      stagesObserved: 2,
      outcome: "acknowledged",
    },
    text: [
      `[DRILL] report for ${INCIDENT}`,
      `Started: ${START}`,
      "Outcome: acknowledged by tanaka (email) at T+16:10",
      "Engaged: escalation, oncall-primary, sato, tanaka; stages observed: 2",
      "T+0:00  page sent to sato (email) — delivered after 0:04, not read",
      "T+15:05 page sent to tanaka (email) — delivered after 0:02, read after 1:05 (acknowledged)",
      "Per person:",
      "  sato: paged by email — did NOT acknowledge",
      "  tanaka: paged by email — acknowledged",
    ].join("\n"),
  },
  {
    name: "unknown channel, ReadTime without a READ receipt, no channel map",
    obs: obs({
      channels: undefined,
      engagements: [],
      pages: [
        {
          contactArn: contact("ie-prod-sato"),
          engagementArn: engagement("ie-prod-sato"),
          pageArn: page("ie-prod-sato"),
          sentAt: t(1),
          readAt: t(50),
          receipts: [{ type: "SENT", at: t(1), channelArn: channel("ie-prod-sato", "e") }],
        },
      ],
    }),
    report: {
      incidentArn: INCIDENT,
      startedAt: START,
      acknowledged: { contact: "sato", afterSeconds: 50 },
      pages: [{ contact: "sato", sentAfterSeconds: 1, readAfterSeconds: 50, errors: [] }],
      people: [{ contact: "sato", channels: [], acknowledged: true }],
      engagedContacts: ["sato"],
      stagesObserved: 0,
      outcome: "acknowledged",
    },
    text: [
      `[DRILL] report for ${INCIDENT}`,
      `Started: ${START}`,
      "Outcome: acknowledged by sato at T+0:50",
      "Engaged: sato; stages observed: 0",
      "T+0:01  page sent to sato — read after 0:49 (acknowledged)",
      "Per person:",
      "  sato: paged by unknown channel — acknowledged",
    ].join("\n"),
  },
  {
    name: "nothing happened (no engagements, no pages)",
    obs: obs({ engagements: [], pages: [] }),
    report: {
      incidentArn: INCIDENT,
      startedAt: START,
      acknowledged: null,
      pages: [],
      people: [],
      engagedContacts: [],
      stagesObserved: 0,
      outcome: "not-acknowledged",
    },
    text: [
      `[DRILL] report for ${INCIDENT}`,
      `Started: ${START}`,
      "Outcome: NOT acknowledged",
      "Engaged: nobody; stages observed: 0",
      "No pages were sent.",
    ].join("\n"),
  },
];

describe("drill report", () => {
  describe("buildDrillReport / renderDrillReport", () => {
    for (const c of CASES) {
      it(c.name, () => {
        const report = buildDrillReport(c.obs, {}, "ie-prod");
        assert.deepEqual(report, c.report);
        assert.equal(renderDrillReport(report), c.text);
        assert.equal(isAcknowledged(c.obs), c.report.acknowledged !== null);
      });
    }

    it("uses the given contact names before the ARN's alias", () => {
      const report = buildDrillReport(
        obs({ engagements: [], pages: [satoEmail()] }),
        { [contact("ie-prod-sato")]: "Sato (primary)" },
        "ie-prod",
      );
      assert.deepEqual(report.engagedContacts, ["Sato (primary)"]);
      assert.equal(report.pages[0].contact, "Sato (primary)");
    });

    it("keeps the whole alias without a prefix", () => {
      const report = buildDrillReport(obs({ engagements: [], pages: [satoEmail()] }));
      assert.deepEqual(report.engagedContacts, ["ie-prod-sato"]);
    });

    it("the earliest READ wins when two people read", () => {
      const tanaka: PageObservation = {
        contactArn: contact("ie-prod-tanaka"),
        engagementArn: engagement("ie-prod-tanaka"),
        pageArn: page("ie-prod-tanaka"),
        sentAt: t(0),
        receipts: [{ type: "READ", at: t(30) }],
      };
      const sato = satoEmail({ receipts: [{ type: "READ", at: t(90) }] });
      for (const pages of [
        [sato, tanaka],
        [tanaka, sato],
      ]) {
        assert.deepEqual(buildDrillReport(obs({ pages }), {}, "ie-prod").acknowledged, {
          contact: "tanaka",
          afterSeconds: 30,
        });
      }
    });
  });

  describe("drillTitle", () => {
    it("is [DRILL] <level> paging drill <when>", () => {
      assert.equal(
        drillTitle("critical", "2026-03-02T01:00Z"),
        "[DRILL] critical paging drill 2026-03-02T01:00Z",
      );
    });

    it("shortens a huge level name to fit 200 characters, keeping the time", () => {
      const title = drillTitle("x".repeat(500), "2026-03-02T01:00Z");
      assert.equal(title.length, MAX_TITLE_LENGTH);
      assert.equal(title, `[DRILL] ${"x".repeat(160)}… paging drill 2026-03-02T01:00Z`);
    });

    it("cuts even a huge `when` to 200 characters", () => {
      const title = drillTitle("critical", "w".repeat(300));
      assert.equal(title.length, MAX_TITLE_LENGTH);
      assert.ok(title.startsWith("[DRILL] "));
      assert.ok(title.endsWith("w…"));
    });

    it("drillTitlePrefix is '[DRILL] <level> paging drill ' (what a drill report checks)", () => {
      assert.equal(drillTitlePrefix("critical"), "[DRILL] critical paging drill ");
    });

    it("every title of a level the router accepts (1-64 of [a-z0-9_-]) keeps its prefix", () => {
      const level = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,63}$/);
      fc.assert(
        fc.property(level, fc.string({ maxLength: 400 }), (lvl, when) =>
          drillTitle(lvl, when).startsWith(drillTitlePrefix(lvl)),
        ),
      );
    });
  });

  describe("helpers", () => {
    const aliases: [string, string | undefined, string][] = [
      [contact("ie-prod-sato"), "ie-prod", "sato"],
      [contact("ie-prod-sato"), undefined, "ie-prod-sato"],
      [contact("ie-prod-sato"), "ie-dev", "ie-prod-sato"],
      [contact("ie-prod-"), "ie-prod", "ie-prod-"],
      ["sato", "ie-prod", "sato"],
    ];
    for (const [arn, prefix, want] of aliases) {
      it(`contactAlias(${arn.split(":").pop()}, ${prefix}) = ${want}`, () => {
        assert.equal(contactAlias(arn, prefix), want);
      });
    }

    it("channelKind from types and names", () => {
      const table: [string | undefined, string | undefined][] = [
        ["EMAIL", "email"],
        ["SMS", "sms"],
        ["VOICE", "voice"],
        ["ie-prod-sato-voice", "voice"],
        ["sato_sms", "sms"],
        [channel("ie-prod-sato", "e"), undefined],
        ["PAGER", undefined],
        [undefined, undefined],
      ];
      for (const [input, want] of table) assert.equal(channelKind(input), want, String(input));
    });

    it("errorKind reduces provider text to a short kind", () => {
      const table: [string | undefined, string][] = [
        ["Rate exceeded", "throttled"],
        ["The contact channel is not activated", "channel not activated"],
        ["Recipient +819000000001 has opted out", "opted out"],
        ["Mail to sato@example.com bounced", "bounced"],
        ["No answer", "not answered"],
        ["Invalid phone number +81 90", "invalid destination"],
        ["something else for sato@example.com", "delivery error"],
        [undefined, "delivery error"],
      ];
      for (const [input, want] of table) assert.equal(errorKind(input), want, String(input));
    });

    it("formatDuration", () => {
      assert.deepEqual([0, 5, 59, 60, 102, 3725, -3, 1.6].map(formatDuration), [
        "0:00",
        "0:05",
        "0:59",
        "1:00",
        "1:42",
        "62:05",
        "0:00",
        "0:02",
      ]);
    });
  });

  describe("property: arbitrary observations", () => {
    const safe = fc.stringMatching(/^[a-z0-9:/-]{0,40}$/);
    const time = fc.oneof(
      fc.integer({ min: -3600, max: 7200 }).map((s) => t(s)),
      fc.constantFrom("", "not a time", "2026-13-45T99:00:00Z"),
    );
    const address = fc.oneof(
      fc.stringMatching(/^[a-z]{4,10}@example\.(com|jp)$/),
      fc.stringMatching(/^\+81[0-9]{9,10}$/),
    );
    const receipt = fc.record(
      {
        type: fc.constantFrom<ReceiptType[]>("SENT", "DELIVERED", "READ", "ERROR", "STOP"),
        at: time,
        channelArn: fc.oneof(safe, fc.constantFrom(...Object.keys(CHANNELS))),
        info: address.chain((a) =>
          fc.constantFrom(`delivery to ${a} failed`, a, `throttled for ${a}`, `${a} not activated`),
        ),
      },
      { requiredKeys: ["type", "at"] },
    );
    const pageObs = fc.record(
      {
        contactArn: safe,
        engagementArn: safe,
        pageArn: safe,
        sentAt: time,
        deliveredAt: time,
        readAt: time,
        receipts: fc.array(receipt, { maxLength: 6 }),
      },
      { requiredKeys: ["contactArn", "engagementArn", "pageArn", "receipts"] },
    );
    const observation: fc.Arbitrary<DrillObservation> = fc.record({
      incidentArn: safe,
      title: fc.string({ maxLength: 30 }),
      startedAt: time,
      observedAt: time,
      engagements: fc.array(
        fc.record(
          { contactArn: safe, engagementArn: safe, startedAt: time, stoppedAt: time },
          { requiredKeys: ["contactArn", "engagementArn"] },
        ),
        { maxLength: 5 },
      ),
      pages: fc.array(pageObs, { maxLength: 6 }),
      channels: fc.constant(CHANNELS),
    });

    it("never throws, and never renders a receipt's info", () => {
      fc.assert(
        fc.property(observation, fc.option(safe, { nil: undefined }), (o, prefix) => {
          const report = buildDrillReport(o, {}, prefix);
          const text = renderDrillReport(report);
          const json = JSON.stringify(report);
          for (const p of o.pages) {
            for (const r of p.receipts) {
              if (r.info === undefined) continue;
              const addr = /[a-z]+@example\.(com|jp)|\+81[0-9]+/.exec(r.info)?.[0] as string;
              assert.ok(!text.includes(addr), `rendered text contains ${addr}`);
              assert.ok(!json.includes(addr), `report contains ${addr}`);
            }
          }
          assert.equal(report.outcome === "acknowledged", isAcknowledged(o));
          assert.ok(report.stagesObserved <= o.engagements.length);
        }),
        { numRuns: 1_000 },
      );
    });
  });
});
