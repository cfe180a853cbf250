// Stack-config contract (config/schema.ts, config/load.ts): the example stacks parse with the
// documented defaults; a table of invalid configs, each the prod example broken in one place, is
// rejected with the exact and complete list of { path, message } a user needs to fix it; several
// problems are reported at once; rawConfigFrom's unknown-key detection and value parsing; and a
// fast-check property that arbitrary JSON never escapes as anything but a ConfigError.
//
// What this does NOT prove: that AWS accepts every config this schema accepts (the limits are
// copied from the ssm-contacts / ssm-incidents API models, CloudWatch rules from its docs; nothing
// is sent to AWS); that the Pulumi CLI hands the program config in exactly the flat form
// tools/stackFile.ts produces (`secure:` values are placeholders offline); that the messages read
// well to a human beyond the wording pinned here; that the IANA time-zone check matches what
// Incident Manager accepts (it uses this Node's ICU data); that the table is exhaustive: every
// rule has a case, but not every combination of rules. For the step-functions backend's settings
// (the "backends" block): that the SES sender identity is verified or the End User Messaging
// origination identity exists in the account and region (preflight's job), nor that the engine
// uses them (not wired yet); the origination-identity forms are checked against the API model's
// pattern (aws-models/pinpoint-sms-voice-v2.json), not against AWS.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { CONFIG_KEYS, rawConfigFrom, validateRawConfig } from "../../config/load";
import {
  ConfigError,
  ConfigIssue,
  contactLanguage,
  escalationRepeats,
  formatPath,
  incidentManagerSettings,
  maskPersonalData,
  originationIdentityKind,
  parseStackConfig,
} from "../../config/schema";
import { readStackFile } from "../../tools/stackFile";

const ROOT = join(__dirname, "..", "..");
const PROD = join(ROOT, "Pulumi.prod.yaml");
const DEV = join(ROOT, "Pulumi.dev.yaml");
const SELFHOSTED = join(ROOT, "Pulumi.selfhosted.yaml");

type Raw = Record<string, unknown>;
const notE164Message =
  "is not E.164 (+<country><number>, digits only, e.g. +819012345678); the value is not shown because it is personal data";

type Key = string | number;

function rawOf(file: string): Raw {
  const { raw, issues } = rawConfigFrom(readStackFile(file).config);
  assert.deepEqual(issues, [], `${file} has unknown keys`);
  return raw;
}

const PROD_RAW = rawOf(PROD);
const prod = (): Raw => structuredClone(PROD_RAW);

/** The parent container of `path` in `root`, and the last key. */
function parentOf(root: Raw, path: readonly Key[]): [Record<Key, unknown>, Key] {
  let cur: unknown = root;
  for (const k of path.slice(0, -1)) {
    assert.ok(typeof cur === "object" && cur !== null, `no ${formatPath(path)} in the prod config`);
    cur = (cur as Record<Key, unknown>)[k];
  }
  assert.ok(typeof cur === "object" && cur !== null, `no ${formatPath(path)} in the prod config`);
  return [cur as Record<Key, unknown>, path[path.length - 1]];
}

function get(root: Raw, path: readonly Key[]): unknown {
  const [parent, key] = parentOf(root, path);
  return parent[key];
}
const set =
  (path: readonly Key[], value: unknown) =>
  (c: Raw): void => {
    const [parent, key] = parentOf(c, path);
    parent[key] = value;
  };
const unset =
  (path: readonly Key[]) =>
  (c: Raw): void => {
    const [parent, key] = parentOf(c, path);
    assert.ok(key in parent, `no ${formatPath(path)} to delete`);
    delete parent[key];
  };
const push =
  (path: readonly Key[], ...values: unknown[]) =>
  (c: Raw): void => {
    const list = get(c, path);
    assert.ok(Array.isArray(list));
    list.push(...values);
  };

/** A contact that is valid on its own (e-mail only), for cases that need more contacts. */
const extraContact = (alias: string) => ({
  alias,
  displayName: `Member ${alias}`,
  email: `${alias}@example.com`,
  engagement: [{ after: 0, via: ["email"] }],
});

function issuesOf(raw: unknown, source?: string): readonly ConfigIssue[] {
  try {
    parseStackConfig(raw, source);
  } catch (err: unknown) {
    assert.ok(err instanceof ConfigError, `threw ${String(err)} instead of a ConfigError`);
    return err.issues;
  }
  assert.fail("the invalid config was accepted");
}

/** Phone numbers and e-mail addresses present in a (possibly broken) raw config. */
function personalData(raw: Raw): string[] {
  const contacts = raw.contacts;
  const list = Array.isArray(contacts)
    ? contacts
    : typeof contacts === "object" && contacts !== null
      ? Object.values(contacts)
      : [];
  return list.flatMap((c: unknown) => {
    if (typeof c !== "object" || c === null) return [];
    const { phone, email } = c as Raw;
    return [phone, email]
      .filter((v) => typeof v === "string" || typeof v === "number")
      .map((v) => String(v))
      .filter((v) => v.length >= 4);
  });
}

function assertNoPersonalData(raw: Raw, issues: readonly ConfigIssue[]): void {
  for (const value of personalData(raw)) {
    for (const issue of issues) {
      assert.ok(
        !issue.message.includes(value) && !issue.path.includes(value),
        `issue at ${issue.path} echoes personal data ${JSON.stringify(value)}: ${issue.message}`,
      );
    }
  }
}

describe("stack config schema", () => {
  describe("example stacks", () => {
    it("Pulumi.prod.yaml is valid and gets the documented defaults", () => {
      const file = readStackFile(PROD);
      assert.deepEqual(file.secretKeys, []);
      const cfg = parseStackConfig(PROD_RAW, "Pulumi.prod.yaml");

      assert.equal(cfg.incidentManager?.replicationSet, "existing");
      assert.deepEqual(cfg.contacts[0], {
        alias: "sato",
        displayName: "Sato Hanako",
        email: "sato@example.com",
        phone: "+819000000001",
        retryIntervalMinutes: 5,
        engagement: [
          { after: 0, via: ["email"] },
          { after: 10, via: ["sms", "voice"] },
        ],
      });
      assert.deepEqual(
        cfg.contacts.map((c) => c.retryIntervalMinutes),
        [5, 5, 5],
      );
      assert.deepEqual(cfg.onCall, [
        {
          name: "primary",
          members: ["sato", "suzuki"],
          timeZone: "Asia/Tokyo",
          handoff: { every: "week", on: "MON", at: "09:00", interval: 1 },
          onCallsAtOnce: 1,
          startTime: "2026-01-05T09:00:00+09:00",
        },
      ]);
      assert.equal(cfg.onCall[0].handoff.interval, 1);
      assert.deepEqual(cfg.escalation, [
        { engage: ["oncall:primary"], minutes: 15, essential: true },
        { engage: ["tanaka"], minutes: 15, essential: true },
      ]);
      assert.deepEqual(cfg.levels, {
        critical: { impact: 1, page: true, resolveOnRecovery: false },
        warning: {
          impact: 3,
          page: false,
          engage: ["oncall:primary"],
          resolveOnRecovery: false,
          outsideHours: { calendar: "office", then: "defer" },
        },
      });
      // Given explicitly in alarms[0], defaulted in alarms[1].
      assert.equal(cfg.alarms[0].treatMissingData, "notBreaching");
      assert.equal(cfg.alarms[1].treatMissingData, "missing");
      assert.equal(cfg.alarms[1].metric.statistic, "p99");
      assert.deepEqual(cfg.alarms[1].thresholds, { warning: 1.5, critical: 3 });
      assert.deepEqual(cfg.externalAlarms, []);
      assert.deepEqual(cfg.tags, {});
      assert.equal(cfg.prefix, undefined);
      assert.deepEqual(cfg.notifications, {
        slack: { teamId: "T0000000000", channelId: "C0000000000" },
        webhooks: [
          {
            name: "ticketing",
            url: "https://tickets.example.com/hooks/aws",
            levels: ["critical", "warning"],
          },
        ],
      });
    });

    it("keeps notifications.webhooks[].allowPrivateNetwork: true (off when absent, as in Pulumi.prod.yaml)", () => {
      const c = prod();
      set(["notifications", "webhooks", 0, "allowPrivateNetwork"], true)(c);
      assert.deepEqual(parseStackConfig(c, "Pulumi.prod.yaml").notifications.webhooks[0], {
        name: "ticketing",
        url: "https://tickets.example.com/hooks/aws",
        levels: ["critical", "warning"],
        allowPrivateNetwork: true,
      });
    });

    it("Pulumi.dev.yaml is valid and gets the documented defaults", () => {
      assert.deepEqual(readStackFile(DEV).secretKeys, []);
      const cfg = parseStackConfig(rawOf(DEV), "Pulumi.dev.yaml");
      assert.equal(cfg.incidentManager?.replicationSet, "existing");
      assert.deepEqual(cfg.contacts[1], {
        alias: "suzuki",
        displayName: "Suzuki Ichiro",
        email: "suzuki@example.com",
        retryIntervalMinutes: 5,
        engagement: [{ after: 0, via: ["email"] }],
      });
      assert.deepEqual(cfg.onCall, []);
      assert.deepEqual(
        cfg.escalation.map((s) => s.essential),
        [true, true],
      );
      assert.equal(cfg.alarms[0].datapointsToAlarm, undefined);
      assert.deepEqual(cfg.alarms[0].metric.dimensions, {
        LoadBalancer: "app/dev-api/0123456789abcdef",
      });
      assert.deepEqual(cfg.notifications, {
        slack: { teamId: "T0000000000", channelId: "C0000000001" },
        webhooks: [],
      });
    });
  });

  describe("invalid configs: the prod example broken in one place", () => {
    interface Case {
      readonly name: string;
      readonly change: (c: Raw) => void;
      readonly issues: readonly ConfigIssue[];
      /** A value that must not appear in any message (personal data or a secret). */
      readonly secret?: string;
    }
    const notE164 = notE164Message;
    const notEmail =
      "is not a valid e-mail address (name@domain.tld); the value is not shown because it is personal data";
    const badContactName = (v: string) =>
      `"${v}" is not a valid contact name (lower-case letters, digits, "_" and "-", starting with a letter or digit)`;
    const badDisplayName = (v: string) =>
      `"${v}" has characters Incident Manager rejects; use letters, digits, spaces, "_", "." and "-" only`;
    const notContact = (v: string) => `"${v}" is not a contact alias; define it under contacts`;
    const notHHMM = (v: string) => `"${v}" is not a 24-hour time "HH:MM"`;
    const replicationSetShape =
      'must be "existing" (the account already has a replication set) or { regions: [<region>, ...] } to create one';
    const contactKeys =
      "alias, displayName, email, phone, retryIntervalMinutes, engagement, language";

    const cases: Case[] = [
      // --- contacts -----------------------------------------------------------------------------
      {
        // The rotation's reference to "sato" is now dangling too: a real, second consequence.
        name: "alias with capitals",
        change: set(["contacts", 0, "alias"], "Sato"),
        issues: [
          { path: "contacts[0].alias", message: badContactName("Sato") },
          { path: "onCall[0].members[0]", message: notContact("sato") },
        ],
      },
      {
        name: "alias with a space",
        change: set(["contacts", 2, "alias"], "tanaka jiro"),
        issues: [
          { path: "contacts[2].alias", message: badContactName("tanaka jiro") },
          {
            path: "escalation[1].engage[0]",
            message:
              '"tanaka" is not a contact alias (or oncall:<rotation>); define it under contacts',
          },
        ],
      },
      {
        name: "duplicate alias",
        change: set(["contacts", 1, "alias"], "sato"),
        issues: [
          {
            path: "contacts[1].alias",
            message: '"sato" is used by an earlier contact; aliases must be unique',
          },
          { path: "onCall[0].members[1]", message: notContact("suzuki") },
        ],
      },
      {
        name: "displayName with !",
        change: set(["contacts", 0, "displayName"], "Sato Hanako!"),
        issues: [{ path: "contacts[0].displayName", message: badDisplayName("Sato Hanako!") }],
      },
      {
        name: "displayName with an apostrophe",
        change: set(["contacts", 1, "displayName"], "Suzuki O'Brien"),
        issues: [{ path: "contacts[1].displayName", message: badDisplayName("Suzuki O'Brien") }],
      },
      {
        name: 'phone "090-1234" (national form)',
        change: set(["contacts", 1, "phone"], "090-1234"),
        issues: [{ path: "contacts[1].phone", message: notE164 }],
        secret: "090-1234",
      },
      {
        name: 'phone "+0123" (country code starting with 0, too short)',
        change: set(["contacts", 0, "phone"], "+0123"),
        issues: [{ path: "contacts[0].phone", message: notE164 }],
        secret: "+0123",
      },
      {
        name: "phone without the leading +",
        change: set(["contacts", 0, "phone"], "819087654321"),
        issues: [{ path: "contacts[0].phone", message: notE164 }],
        secret: "819087654321",
      },
      {
        // YAML reads an unquoted `phone: +819012345678` as the number 819012345678.
        name: "phone unquoted in YAML (a number)",
        change: set(["contacts", 0, "phone"], 819087654321),
        issues: [
          {
            path: "contacts[0].phone",
            message:
              'must be a quoted string in E.164 form (phone: "+<country><number>"), got a number; the value is not shown because it is personal data',
          },
        ],
        secret: "819087654321",
      },
      {
        name: "email without a top-level domain",
        change: set(["contacts", 0, "email"], "hanako.sato@example"),
        issues: [{ path: "contacts[0].email", message: notEmail }],
        secret: "hanako.sato",
      },
      {
        name: "email without @",
        change: set(["contacts", 2, "email"], "tanaka.example.com"),
        issues: [{ path: "contacts[2].email", message: notEmail }],
        secret: "tanaka.example.com",
      },
      {
        name: "sms (and voice) used without a phone",
        change: unset(["contacts", 0, "phone"]),
        issues: [
          {
            path: "contacts[0].engagement[1].via",
            message: "uses sms but the contact has no phone number",
          },
          {
            path: "contacts[0].engagement[1].via",
            message: "uses voice but the contact has no phone number",
          },
        ],
      },
      {
        name: "email used without an address",
        change: unset(["contacts", 1, "email"]),
        issues: [
          {
            path: "contacts[1].engagement[0].via",
            message: "uses email but the contact has no email address",
          },
        ],
      },
      {
        name: "engagement: first stage after 5",
        change: set(["contacts", 0, "engagement", 0, "after"], 5),
        issues: [
          {
            path: "contacts[0].engagement[0].after",
            message: "is 5; the first stage must start at 0 (the moment the contact is engaged)",
          },
        ],
      },
      {
        name: "engagement: offsets not increasing",
        change: set(["contacts", 0, "engagement", 1, "after"], 0),
        issues: [
          {
            path: "contacts[0].engagement[1].after",
            message:
              "is 0, not after the previous stage (0); offsets must increase (merge stages that start together)",
          },
        ],
      },
      {
        name: "engagement: 31 minutes between stages",
        change: set(["contacts", 0, "engagement", 1, "after"], 31),
        issues: [
          {
            path: "contacts[0].engagement[1].after",
            message:
              "starts 31 min after the previous stage; a stage lasts at most 30 min in Incident Manager, so the gap must be 1-30",
          },
        ],
      },
      {
        // The phone is then unused as well: true, and its suggested fix is the right one.
        name: "engagement: empty via",
        change: set(["contacts", 0, "engagement", 1, "via"], []),
        issues: [
          {
            path: "contacts[0].engagement[1].via",
            message: "is empty; name at least one channel (email, sms, voice)",
          },
          {
            path: "contacts[0].engagement",
            message:
              "never uses the contact's phone; add sms or voice to a stage or remove the number",
          },
        ],
      },
      {
        name: 'engagement: unknown channel "pager"',
        change: set(["contacts", 0, "engagement", 1, "via"], ["sms", "pager"]),
        issues: [
          {
            path: "contacts[0].engagement[1].via[1]",
            message: '"pager" is not a channel; use one of: email, sms, voice',
          },
        ],
      },
      {
        name: "engagement: via lists email twice",
        change: set(["contacts", 0, "engagement", 0, "via"], ["email", "email"]),
        issues: [{ path: "contacts[0].engagement[0].via", message: "lists email twice" }],
      },
      {
        name: "retryIntervalMinutes 61",
        change: set(["contacts", 0, "retryIntervalMinutes"], 61),
        issues: [
          {
            path: "contacts[0].retryIntervalMinutes",
            message: "61 min is above the maximum 60 min",
          },
        ],
      },
      {
        name: "contacts is not a list (a map keyed by alias)",
        change: (c) => {
          const list = c.contacts as Raw[];
          c.contacts = Object.fromEntries(list.map(({ alias, ...rest }) => [String(alias), rest]));
        },
        // Not also "sato is not a contact alias; define it under contacts" for each reference:
        // sato IS under contacts; references cannot be checked until contacts is a list.
        issues: [{ path: "contacts", message: "must be a list of contacts, got an object" }],
      },
      {
        name: "typo engagment added next to engagement",
        change: (c) => {
          const contact = get(c, ["contacts", 0]) as Raw;
          contact.engagment = [{ after: 0, via: ["email"] }];
        },
        // The README has no config reference (there is no README); name the keys that exist.
        issues: [
          { path: "contacts[0]", message: `unknown key "engagment"; known keys: ${contactKeys}` },
        ],
      },
      {
        name: "typo engagment instead of engagement",
        change: (c) => {
          const contact = get(c, ["contacts", 0]) as Raw;
          contact.engagment = contact.engagement;
          delete contact.engagement;
        },
        // Not also "never uses the contact's email/phone; ... or remove the address": the stages
        // exist, under a misspelt key.
        issues: [
          { path: "contacts[0].engagement", message: "is required" },
          { path: "contacts[0]", message: `unknown key "engagment"; known keys: ${contactKeys}` },
        ],
      },
      {
        name: "contacts not a list (a string)",
        change: set(["contacts"], "sato"),
        issues: [{ path: "contacts", message: 'must be a list of contacts, got string "sato"' }],
      },

      // --- onCall -------------------------------------------------------------------------------
      {
        name: "rotation with 0 members",
        change: set(["onCall", 0, "members"], []),
        issues: [
          { path: "onCall[0].members", message: "is empty; a rotation needs at least one member" },
        ],
      },
      {
        name: "rotation with 31 members",
        change: (c) => {
          const aliases = Array.from({ length: 31 }, (_, i) => `member-${i + 1}`);
          push(["contacts"], ...aliases.map(extraContact))(c);
          set(["onCall", 0, "members"], aliases)(c);
        },
        issues: [
          {
            path: "onCall[0].members",
            message: "has more than 30 members (Incident Manager limit)",
          },
        ],
      },
      {
        name: "rotation member that is not a contact",
        change: set(["onCall", 0, "members", 1], "suzki"),
        issues: [{ path: "onCall[0].members[1]", message: notContact("suzki") }],
      },
      {
        name: "rotation member listed twice",
        change: set(["onCall", 0, "members", 1], "sato"),
        issues: [{ path: "onCall[0].members[1]", message: '"sato" is listed twice' }],
      },
      {
        name: 'time zone "Asia/Tokio"',
        change: set(["onCall", 0, "timeZone"], "Asia/Tokio"),
        issues: [
          {
            path: "onCall[0].timeZone",
            message: '"Asia/Tokio" is not an IANA time zone (e.g. Asia/Tokyo, Europe/Berlin)',
          },
        ],
      },
      {
        name: 'hand-off at "25:00"',
        change: set(["onCall", 0, "handoff", "at"], "25:00"),
        issues: [{ path: "onCall[0].handoff.at", message: notHHMM("25:00") }],
      },
      {
        name: 'hand-off at "9:00"',
        change: set(["onCall", 0, "handoff", "at"], "9:00"),
        issues: [{ path: "onCall[0].handoff.at", message: notHHMM("9:00") }],
      },
      {
        name: "weekly hand-off without on",
        change: unset(["onCall", 0, "handoff", "on"]),
        issues: [
          {
            path: "onCall[0].handoff.on",
            message:
              "must be a day of the week (MON, TUE, WED, THU, FRI, SAT, SUN) for a weekly hand-off",
          },
        ],
      },
      {
        // Not zod's default "Invalid input" next to it.
        name: 'weekly hand-off on "monday"',
        change: set(["onCall", 0, "handoff", "on"], "monday"),
        issues: [
          {
            path: "onCall[0].handoff.on",
            message:
              "must be a day of the week (MON, TUE, WED, THU, FRI, SAT, SUN) for a weekly hand-off",
          },
        ],
      },
      {
        name: "hand-off every weekly",
        change: set(["onCall", 0, "handoff", "every"], "weekly"),
        issues: [
          {
            path: "onCall[0].handoff.every",
            message: '"weekly" is not a hand-off period; use day, week or month',
          },
        ],
      },
      {
        name: "onCallsAtOnce above the number of members",
        change: set(["onCall", 0, "onCallsAtOnce"], 3),
        issues: [
          {
            path: "onCall[0].onCallsAtOnce",
            message: "is 3 but the rotation has only 2 member(s)",
          },
        ],
      },

      // --- escalation ---------------------------------------------------------------------------
      {
        name: "escalation stage of 31 minutes",
        change: set(["escalation", 0, "minutes"], 31),
        issues: [{ path: "escalation[0].minutes", message: "31 min is above the maximum 30 min" }],
      },
      {
        name: "escalation stage of -1 minutes",
        change: set(["escalation", 1, "minutes"], -1),
        issues: [{ path: "escalation[1].minutes", message: "-1 min is below the minimum 0 min" }],
      },
      {
        name: "escalation stage of 1.5 minutes",
        change: set(["escalation", 0, "minutes"], 1.5),
        issues: [{ path: "escalation[0].minutes", message: "1.5 is not a whole number" }],
      },
      {
        name: "escalation references an unknown contact",
        change: set(["escalation", 1, "engage", 0], "tanak"),
        issues: [
          {
            path: "escalation[1].engage[0]",
            message:
              '"tanak" is not a contact alias (or oncall:<rotation>); define it under contacts',
          },
        ],
      },
      {
        name: "escalation references an unknown rotation",
        change: set(["escalation", 0, "engage", 0], "oncall:secondary"),
        issues: [
          {
            path: "escalation[0].engage[0]",
            message: '"oncall:secondary" names no rotation; define "secondary" under onCall',
          },
        ],
      },
      {
        name: "no escalation although a level pages",
        change: set(["escalation"], []),
        issues: [
          {
            path: "escalation",
            message:
              "is empty but a level pages (page: true); define at least one escalation stage",
          },
        ],
      },

      // --- levels -------------------------------------------------------------------------------
      {
        name: "impact 0",
        change: set(["levels", "critical", "impact"], 0),
        issues: [{ path: "levels.critical.impact", message: "0 is below the minimum 1" }],
      },
      {
        // Not also "warning ... is more severe (impact 3 < 6)" for both alarms: the threshold
        // order cannot be judged from an impact that is itself invalid.
        name: "impact 6",
        change: set(["levels", "critical", "impact"], 6),
        issues: [{ path: "levels.critical.impact", message: "6 is above the maximum 5" }],
      },
      {
        name: "paging level with 5 extra engagements (6 > 5)",
        change: (c) => {
          push(["contacts"], extraContact("kato"), extraContact("ito"))(c);
          set(["levels", "critical", "engage"], ["sato", "suzuki", "tanaka", "kato", "ito"])(c);
        },
        issues: [
          {
            path: "levels.critical.engage",
            message:
              "gives the response plan 6 engagements (the escalation plan plus 5); Incident Manager allows at most 5",
          },
        ],
      },
      {
        name: "level name with capitals",
        change: set(["levels", "Major"], { impact: 2, page: false }),
        issues: [
          {
            path: "levels.Major",
            message:
              '"Major" is not a valid level name (1-20 lower-case letters, digits, "_" and "-")',
          },
        ],
      },
      {
        // Its rule would match <prefix>-router-errors, -router-dlq-depth, -router-pages-given-up.
        name: "level named router (the pipeline's own alarms)",
        change: set(["levels", "router"], { impact: 4, page: false }),
        issues: [
          {
            path: "levels.router",
            message:
              '"router" would capture the pipeline\'s own resources named <prefix>-router-… (its self-monitoring alarms, rules and functions); choose another level name',
          },
        ],
      },
      {
        // <prefix>-heartbeat-missing would be its alarm; its rule would be the heartbeat's name.
        name: "level named heartbeat-x (starts with a pipeline segment and -)",
        change: set(["levels", "heartbeat-x"], { impact: 4, page: false }),
        issues: [
          {
            path: 'levels["heartbeat-x"]',
            message:
              '"heartbeat-x" would capture the pipeline\'s own resources named <prefix>-heartbeat-… (its self-monitoring alarms, rules and functions); choose another level name',
          },
        ],
      },
      {
        name: "level engages an unknown contact",
        change: set(["levels", "warning", "engage"], ["nobody"]),
        issues: [
          {
            path: "levels.warning.engage[0]",
            message:
              '"nobody" is not a contact alias (or oncall:<rotation>); define it under contacts',
          },
        ],
      },
      {
        name: 'page: "yes"',
        change: set(["levels", "critical", "page"], "yes"),
        issues: [
          { path: "levels.critical.page", message: 'must be true or false, got string "yes"' },
        ],
      },
      {
        // Not also one "<level> is not a level; define it under levels (known: none)" for every
        // threshold and webhook: "levels: is required" already says what to do.
        name: "missing levels",
        change: unset(["levels"]),
        issues: [{ path: "levels", message: "is required" }],
      },

      // --- alarms -------------------------------------------------------------------------------
      {
        name: "duplicate alarm names",
        change: set(["alarms", 1, "name"], "api-5xx"),
        issues: [
          {
            path: "alarms[1].name",
            message: '"api-5xx" is used by an earlier alarm; names must be unique',
          },
        ],
      },
      {
        name: "threshold for an unknown level",
        change: set(["alarms", 0, "thresholds", "major"], 30),
        issues: [
          {
            path: "alarms[0].thresholds.major",
            message: '"major" is not a level; define it under levels (known: critical, warning)',
          },
        ],
      },
      {
        name: "critical threshold below warning for a GreaterThan alarm",
        change: set(["alarms", 0, "thresholds", "critical"], 5),
        issues: [
          {
            path: "alarms[0].thresholds.critical",
            message:
              "is 5, below the warning threshold (10) although critical is more severe (impact 1 < 3); the critical alarm would fire first",
          },
        ],
      },
      {
        name: "comparison typo",
        change: set(["alarms", 0, "comparison"], "GreaterThanOrEqualThreshold"),
        issues: [
          {
            path: "alarms[0].comparison",
            message:
              '"GreaterThanOrEqualThreshold" is not a comparison; use one of: GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold',
          },
        ],
      },
      {
        name: "period 45",
        change: set(["alarms", 0, "metric", "period"], 45),
        issues: [
          {
            path: "alarms[0].metric.period",
            message: "45 s is not a CloudWatch period; use 10, 30 or a multiple of 60",
          },
        ],
      },
      {
        name: "datapointsToAlarm > evaluationPeriods",
        change: set(["alarms", 0, "datapointsToAlarm"], 4),
        issues: [
          {
            path: "alarms[0].datapointsToAlarm",
            message: "is 4, more than evaluationPeriods (3)",
          },
        ],
      },
      {
        name: "evaluationPeriods × period > 86400 s",
        change: set(["alarms", 0, "metric", "period"], 86_400),
        issues: [
          {
            path: "alarms[0].evaluationPeriods",
            message: "× metric.period is 259200 s; CloudWatch evaluates at most 86400 s (one day)",
          },
        ],
      },
      {
        name: 'statistic "Avg"',
        change: set(["alarms", 1, "metric", "statistic"], "Avg"),
        issues: [
          {
            path: "alarms[1].metric.statistic",
            message:
              '"Avg" is not a statistic; use SampleCount, Average, Sum, Minimum, Maximum or a percentile like p99',
          },
        ],
      },
      {
        name: "external alarm with an unknown level",
        change: set(["externalAlarms"], [{ name: "rds-cpu", level: "major" }]),
        issues: [
          {
            path: "externalAlarms[0].level",
            message: '"major" is not a level; define it under levels',
          },
        ],
      },

      // --- incidentManager ----------------------------------------------------------------------
      {
        name: 'replicationSet "exsiting"',
        change: set(["incidentManager", "replicationSet"], "exsiting"),
        issues: [{ path: "incidentManager.replicationSet", message: replicationSetShape }],
      },
      {
        name: "replicationSet with no regions",
        change: set(["incidentManager", "replicationSet"], { regions: [] }),
        issues: [
          {
            path: "incidentManager.replicationSet.regions",
            message: "is empty; name 1 to 3 regions",
          },
        ],
      },
      {
        // Not the generic "must be existing or { regions: [...] }" at replicationSet: it IS
        // { regions: [...] }, with one region too many.
        name: "replicationSet with 4 regions",
        change: set(["incidentManager", "replicationSet"], {
          regions: ["ap-northeast-1", "ap-northeast-3", "us-east-1", "us-west-2"],
        }),
        issues: [
          {
            path: "incidentManager.replicationSet.regions",
            message: "has more than 3 regions (Incident Manager limit)",
          },
        ],
      },
      {
        // CreateReplicationSet takes a map keyed by region: a duplicate cannot be meant.
        name: "replicationSet with a region listed twice",
        change: set(["incidentManager", "replicationSet"], {
          regions: ["ap-northeast-1", "ap-northeast-1"],
        }),
        issues: [
          {
            path: "incidentManager.replicationSet.regions[1]",
            message: '"ap-northeast-1" is listed twice',
          },
        ],
      },
      {
        name: "replicationSet with a region name that is not one",
        change: set(["incidentManager", "replicationSet"], { regions: ["tokyo"] }),
        issues: [
          {
            path: "incidentManager.replicationSet.regions[0]",
            message: '"tokyo" is not an AWS region',
          },
        ],
      },
      {
        name: "missing incidentManager",
        change: unset(["incidentManager"]),
        issues: [
          {
            path: "incidentManager",
            message:
              "is required with backend incident-manager (the default): { replicationSet: existing } for an onboarded account; an account without Incident Manager sets backend: step-functions",
          },
        ],
      },

      // --- notifications ------------------------------------------------------------------------
      {
        name: "webhook with an http:// URL",
        change: set(
          ["notifications", "webhooks", 0, "url"],
          "http://tickets.example.com/hooks/aws",
        ),
        issues: [
          {
            path: "notifications.webhooks[0].url",
            message:
              "is not an https:// URL; the value is not shown because webhook URLs are secrets",
          },
        ],
        secret: "tickets.example.com",
      },
      {
        name: "webhook subscribed to an unknown level",
        change: set(["notifications", "webhooks", 0, "levels", 1], "major"),
        issues: [
          {
            path: "notifications.webhooks[0].levels[1]",
            message: '"major" is not a level; define it under levels',
          },
        ],
      },
      {
        name: "webhook signingKey of 10 characters",
        change: set(["notifications", "webhooks", 0, "signingKey"], "s3cr3tk3y!"),
        issues: [
          {
            path: "notifications.webhooks[0].signingKey",
            message: "is shorter than 32 characters; use a random key of at least 32 characters",
          },
        ],
        secret: "s3cr3tk3y!",
      },
      {
        name: "webhook previousSigningKey of 10 characters",
        change: set(["notifications", "webhooks", 0, "previousSigningKey"], "0ld-s3cr3t"),
        issues: [
          {
            path: "notifications.webhooks[0].previousSigningKey",
            message: "is shorter than 32 characters; use a random key of at least 32 characters",
          },
        ],
        secret: "0ld-s3cr3t",
      },
      {
        name: 'webhook allowPrivateNetwork "yes"',
        change: set(["notifications", "webhooks", 0, "allowPrivateNetwork"], "yes"),
        issues: [
          {
            path: "notifications.webhooks[0].allowPrivateNetwork",
            message: 'must be true or false, got string "yes"',
          },
        ],
      },
      {
        name: 'Slack channel id "general"',
        change: set(["notifications", "slack", "channelId"], "general"),
        issues: [
          {
            path: "notifications.slack.channelId",
            message: '"general" is not a Slack channel id (C… or G…)',
          },
        ],
      },

      // --- misc ---------------------------------------------------------------------------------
      {
        name: "tag value that is not a string",
        change: set(["tags"], { team: 5 }),
        // Not "is required": the value is there, with the wrong type.
        issues: [{ path: "tags.team", message: 'must be a string, got number "5"' }],
      },
      {
        name: "level given as a number instead of settings",
        change: set(["levels", "warning"], 3),
        // Not "is required": the level is there, with the wrong type.
        issues: [{ path: "levels.warning", message: "must be an object, got a number" }],
      },
      {
        name: "Slack given as a channel name instead of ids",
        change: set(["notifications", "slack"], "#alerts"),
        issues: [{ path: "notifications.slack", message: "must be an object, got a string" }],
      },
    ];

    it("has at least 40 distinct cases", () => {
      assert.ok(cases.length >= 40, `only ${cases.length} cases`);
      assert.equal(new Set(cases.map((c) => c.name)).size, cases.length);
      const broken = new Set(
        cases.map((c) => {
          const raw = prod();
          c.change(raw);
          return JSON.stringify(raw);
        }),
      );
      assert.equal(broken.size, cases.length, "two cases produce the same config");
    });

    for (const c of cases) {
      it(c.name, () => {
        const raw = prod();
        c.change(raw);
        const issues = issuesOf(raw);
        assertNoPersonalData(raw, issues);
        if (c.secret !== undefined) {
          for (const i of issues) {
            assert.ok(!i.message.includes(c.secret), `${i.path}: ${i.message} echoes the value`);
          }
        }
        assert.deepEqual(issues, c.issues);
      });
    }
  });

  describe("reserved keys: names every JavaScript object has are refused, never looked up on the prototype", () => {
    const reserved = (k: string) =>
      `"${k}" is a reserved name (every JavaScript object has a property called that); choose another name`;
    // JSON.parse (how Pulumi config arrives) makes "__proto__" an own key, as YAML parsers do.
    const parsed = (json: string): Raw => JSON.parse(json) as Raw;

    it("a drill on level constructor (no such level) is 'not a level', not the prototype's function", () => {
      const raw = prod();
      raw.drills = [{ level: "constructor", schedule: "cron(0 1 ? * MON *)" }];
      assert.deepEqual(issuesOf(raw), [
        {
          path: "drills[0].level",
          message: '"constructor" is not a level; define it under levels',
        },
      ]);
    });

    it("a level named toString, constructor or hasOwnProperty is refused with its path", () => {
      for (const name of ["toString", "constructor", "hasOwnProperty"]) {
        const raw = prod();
        (raw.levels as Raw)[name] = { impact: 4, page: false };
        assert.deepEqual(
          issuesOf(raw),
          [{ path: `levels.${name}`, message: reserved(name) }],
          name,
        );
      }
    });

    it("a level named __proto__ is refused instead of silently dropped", () => {
      const raw = prod();
      const levels = parsed(`{"__proto__": {"impact": 4, "page": false}}`);
      Object.assign(levels, raw.levels as Raw);
      raw.levels = levels;
      assert.ok(Object.keys(raw.levels as Raw).includes("__proto__"));
      assert.deepEqual(issuesOf(raw), [
        { path: "levels.__proto__", message: reserved("__proto__") },
      ]);
    });

    it("a value shaped like {toString: 0} where a string is expected is a ConfigError, not a TypeError", () => {
      const raw = prod();
      (raw.alarms as Raw[])[0].treatMissingData = parsed(`{"toString": 0}`);
      assert.deepEqual(issuesOf(raw), [
        { path: "alarms[0].treatMissingData.toString", message: reserved("toString") },
        {
          path: "alarms[0].treatMissingData",
          message:
            '"[object Object]" is not a missing-data treatment; use missing, notBreaching, breaching or ignore',
        },
      ]);
    });

    it("in thresholds, dimensions and tags too", () => {
      const raw = prod();
      const alarm = (raw.alarms as Raw[])[0];
      Object.assign(alarm.thresholds as Raw, { valueOf: 3 });
      (alarm.metric as Raw).dimensions = parsed(`{"__proto__": "x", "LoadBalancer": "app/a/1"}`);
      raw.tags = { isPrototypeOf: "team-sre" };
      const issues = issuesOf(raw);
      assert.deepEqual(
        issues.filter((i) => i.message.includes("reserved name")),
        [
          { path: "alarms[0].metric.dimensions.__proto__", message: reserved("__proto__") },
          { path: "alarms[0].thresholds.valueOf", message: reserved("valueOf") },
          { path: "tags.isPrototypeOf", message: reserved("isPrototypeOf") },
        ],
      );
    });
  });

  describe("personal data where it does not belong is masked in every message", () => {
    it("an e-mail as displayName, a phone as alias, a URL as webhook name, a number as signingKey", () => {
      const raw = prod();
      const contacts = raw.contacts as Raw[];
      contacts[0].displayName = "sato@example.com";
      contacts[1].alias = "+819012340000";
      const hooks = (raw.notifications as Raw).webhooks as Raw[];
      hooks[0].name = "https://tickets.example.com/hook?k=1";
      hooks[0].signingKey = 1234567890123456;
      const issues = issuesOf(raw);
      assert.deepEqual(issues.slice(0, 4), [
        {
          path: "contacts[0].displayName",
          message:
            '"<e-mail address hidden>" has characters Incident Manager rejects; use letters, digits, spaces, "_", "." and "-" only',
        },
        {
          path: "contacts[1].alias",
          message:
            '"<number hidden>" is not a valid contact name (lower-case letters, digits, "_" and "-", starting with a letter or digit)',
        },
        {
          path: "notifications.webhooks[0].name",
          message:
            '"<URL hidden>" is not a valid webhook name (lower-case letters, digits, "_" and "-", starting with a letter or digit)',
        },
        {
          path: "notifications.webhooks[0].signingKey",
          message: 'must be a string, got number "<number hidden>"',
        },
      ]);
      const text = JSON.stringify(issues);
      for (const leak of [
        "sato@example.com",
        "819012340000",
        "tickets.example.com",
        "1234567890",
      ]) {
        assert.ok(!text.includes(leak), leak);
      }
    });

    it("keeps the messages' own examples of a valid value readable", () => {
      assert.equal(
        maskPersonalData("e.g. +819012345678 or name@domain.tld, not +819099998888 or a@b.example"),
        "e.g. +819012345678 or name@domain.tld, not <number hidden> or <e-mail address hidden>",
      );
    });
  });

  describe("several problems at once", () => {
    it("reports every problem, in a stable order, one per line of the message", () => {
      const raw = prod();
      set(["contacts", 1, "phone"], "090-1234")(raw);
      set(["escalation", 1, "engage", 0], "tanak")(raw);
      set(["levels", "warning", "impact"], 9)(raw);
      const expected = [
        { path: "contacts[1].phone", message: notE164Message },
        { path: "levels.warning.impact", message: "9 is above the maximum 5" },
        {
          path: "escalation[1].engage[0]",
          message:
            '"tanak" is not a contact alias (or oncall:<rotation>); define it under contacts',
        },
      ];
      let err: unknown;
      for (let run = 0; run < 3; run++) {
        try {
          parseStackConfig(structuredClone(raw), 'stack "prod" config');
          assert.fail("accepted");
        } catch (e: unknown) {
          err = e;
        }
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(err.issues, expected);
      }
      assert.ok(err instanceof ConfigError);
      assert.equal(err.name, "ConfigError");
      assert.equal(
        err.message,
        [
          'stack "prod" config has 3 problems:',
          `  - contacts[1].phone: ${notE164Message}`,
          "  - levels.warning.impact: 9 is above the maximum 5",
          '  - escalation[1].engage[0]: "tanak" is not a contact alias (or oncall:<rotation>); define it under contacts',
        ].join("\n"),
      );
      assert.ok(!err.message.includes("090-1234"));
    });

    it("names the source and uses the singular for one problem", () => {
      const raw = prod();
      set(["levels", "critical", "impact"], 0)(raw);
      assert.throws(
        () => parseStackConfig(raw),
        (e: unknown) =>
          e instanceof ConfigError &&
          e.message ===
            "stack config has 1 problem:\n  - levels.critical.impact: 0 is below the minimum 1",
      );
    });

    it("formats paths the way a user writes them", () => {
      assert.equal(formatPath(["contacts", 1, "phone"]), "contacts[1].phone");
      assert.equal(formatPath(["levels", "sev-1", "impact"]), 'levels["sev-1"].impact');
      assert.equal(formatPath([]), "(root)");
    });
  });

  describe("rawConfigFrom", () => {
    const SOURCE = 'stack "prod" config';
    const flatProd = () => ({ ...readStackFile(PROD).config });

    it("reports an unknown key in the namespace together with the schema errors", () => {
      const flat = flatProd();
      flat["incident-escalation:contact"] = JSON.stringify([{ alias: "kato" }]);
      const levels = JSON.parse(flat["incident-escalation:levels"]) as Raw;
      (levels.warning as Raw).impact = 9;
      flat["incident-escalation:levels"] = JSON.stringify(levels);

      const { raw, issues } = rawConfigFrom(flat);
      const unknownKey = {
        path: "contact",
        message:
          'unknown key "incident-escalation:contact"; known keys: prefix, incidentManager, contacts, onCall, escalation, levels, alarms, externalAlarms, notifications, drills, maintenance, heartbeat, tags, backend, channels, language, calendars',
      };
      assert.deepEqual(issues, [unknownKey]);
      assert.equal("contact" in raw, false);
      assert.throws(
        () => validateRawConfig(raw, issues, SOURCE),
        (e: unknown) => {
          assert.ok(e instanceof ConfigError);
          assert.deepEqual(e.issues, [
            unknownKey,
            { path: "levels.warning.impact", message: "9 is above the maximum 5" },
          ]);
          assert.ok(e.message.startsWith(`${SOURCE} has 2 problems:\n  - contact: unknown key`));
          return true;
        },
      );
    });

    it("rejects a config whose only problem is an unknown key", () => {
      const flat = flatProd();
      flat["incident-escalation:config:escalations"] = "[]";
      const { raw, issues } = rawConfigFrom(flat);
      assert.equal(issues.length, 1);
      assert.equal(issues[0].path, "escalations");
      assert.throws(
        () => validateRawConfig(raw, issues, SOURCE),
        (e: unknown) => e instanceof ConfigError && e.issues.length === 1,
      );
    });

    it("ignores other namespaces and keeps the known keys", () => {
      const flat = flatProd();
      flat["aws:region"] = "ap-northeast-1";
      flat["other-project:contacts"] = "not ours";
      flat["noNamespace"] = "x";
      const { raw, issues } = rawConfigFrom(flat);
      assert.deepEqual(issues, []);
      assert.deepEqual(Object.keys(raw).sort(), [
        "alarms",
        "calendars",
        "contacts",
        "escalation",
        "heartbeat",
        "incidentManager",
        "levels",
        "maintenance",
        "notifications",
        "onCall",
      ]);
      assert.deepEqual(validateRawConfig(raw, issues, SOURCE), parseStackConfig(PROD_RAW));
    });

    it("parses JSON values and keeps plain strings", () => {
      const { raw, issues } = rawConfigFrom({
        "incident-escalation:prefix": "prod-api",
        "incident-escalation:tags": '{"team":"sre","cost-center":"42"}',
        "incident-escalation:config:escalation": '[{"engage":["sato"],"minutes":5}]',
        "incident-escalation:levels": "{not json",
      });
      assert.deepEqual(issues, []);
      assert.deepEqual(raw, {
        prefix: "prod-api",
        tags: { team: "sre", "cost-center": "42" },
        escalation: [{ engage: ["sato"], minutes: 5 }],
        levels: "{not json",
      });
    });

    it("reads the example stack into the raw objects the YAML holds", () => {
      assert.deepEqual(PROD_RAW.incidentManager, { replicationSet: "existing" });
      assert.deepEqual(get(PROD_RAW, ["escalation", 0]), {
        engage: ["oncall:primary"],
        minutes: 15,
      });
      assert.equal(get(PROD_RAW, ["contacts", 0, "phone"]), "+819000000001");
    });
  });

  describe("property: arbitrary JSON never escapes as another error", () => {
    it("returns, or throws a ConfigError whose issues all have a path and a message", () => {
      const keys = [...new Set([...CONFIG_KEYS, ...Object.keys(PROD_RAW)])];
      fc.assert(
        fc.property(fc.constantFrom(...keys), fc.jsonValue(), (key, value) => {
          const raw = prod();
          raw[key] = value;
          try {
            parseStackConfig(raw);
          } catch (err: unknown) {
            if (!(err instanceof ConfigError)) throw err;
            assert.ok(err.issues.length > 0);
            for (const i of err.issues) {
              assert.equal(typeof i.path, "string");
              assert.equal(typeof i.message, "string");
              assert.ok(i.path.length > 0, `empty path: ${JSON.stringify(i)}`);
              assert.ok(i.message.length > 0, `empty message: ${JSON.stringify(i)}`);
            }
          }
        }),
        { numRuns: 2_000 },
      );
    });

    it("never says a present value is required, nor gives zod's default message", () => {
      // Every path in the prod config; one of them gets an arbitrary JSON value.
      const paths: Key[][] = [];
      const walk = (v: unknown, p: Key[]) => {
        if (p.length > 0) paths.push(p);
        if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...p, i]));
        else if (typeof v === "object" && v !== null) {
          for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
        }
      };
      walk(PROD_RAW, []);
      /** Paths (as formatted in issues) of values that are present: not absent, not null. */
      const present = (root: unknown): Set<string> => {
        const out = new Set<string>();
        const go = (v: unknown, p: Key[]) => {
          if (v === undefined || v === null) return;
          out.add(formatPath(p));
          if (Array.isArray(v)) v.forEach((x, i) => go(x, [...p, i]));
          else if (typeof v === "object") for (const [k, x] of Object.entries(v)) go(x, [...p, k]);
        };
        go(root, []);
        return out;
      };
      fc.assert(
        fc.property(fc.constantFrom(...paths), fc.jsonValue(), (path, value) => {
          const raw = prod();
          set(path, value)(raw);
          let issues: readonly ConfigIssue[] = [];
          try {
            parseStackConfig(raw);
          } catch (err: unknown) {
            if (!(err instanceof ConfigError)) throw err;
            issues = err.issues;
          }
          const there = present(raw);
          for (const i of issues) {
            assert.ok(!/^Invalid (input|option)\b/.test(i.message), `${i.path}: ${i.message}`);
            assert.ok(
              !(i.message === "is required" && there.has(i.path)),
              `${i.path}: "is required", but it is there: ${JSON.stringify(get(raw, path))}`,
            );
          }
        }),
        { numRuns: 2_000 },
      );
    });

    it("never echoes a phone number, whatever the type of the value", () => {
      // Leading non-zero digit so that the number form keeps every digit; and not a piece of the
      // example number in the message itself.
      const digits = fc
        .stringMatching(/^[1-9][0-9]{7,14}$/)
        .filter((d) => !notE164Message.includes(d));
      fc.assert(
        fc.property(
          digits,
          fc.constantFrom("string", "string+0", "number"),
          fc.constantFrom(0, 1, 2),
          (d, form, i) => {
            const value = form === "number" ? Number(d) : form === "string+0" ? `+0${d}` : `0${d}-`;
            const raw = prod();
            set(["contacts", i, "phone"], value)(raw);
            const issues = issuesOf(raw);
            for (const issue of issues) {
              assert.ok(!issue.message.includes(String(value)), `${issue.path}: ${issue.message}`);
            }
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});

describe("backends and their settings (issue 11: backend, channels, language, repeat)", () => {
  /** Pulumi.selfhosted.yaml, read as every stack is: tools/stackFile.ts, then config/load.ts. */
  const SELFHOSTED_FILE = readStackFile(SELFHOSTED);
  const SELFHOSTED_READ = rawConfigFrom(SELFHOSTED_FILE.config);
  const selfhosted = (): Raw => structuredClone(SELFHOSTED_READ.raw);

  const imRequired =
    "is required with backend incident-manager (the default): { replicationSet: existing } for an onboarded account; an account without Incident Manager sets backend: step-functions";
  const imRefused =
    "is an Incident Manager setting but backend is step-functions, which creates no Incident Manager resource; remove it, or set backend: incident-manager";
  const channelsRefused =
    "is a setting of backend step-functions; Incident Manager pages through each contact's own channels. Remove it, or set backend: step-functions";
  const voiceRequired = (use: string) =>
    `is required with backend step-functions: ${use} pages by voice; give { connectInstanceId: <Amazon Connect instance ID>, sourcePhoneNumber: <a number claimed on it, E.164> } (called through Amazon Connect)`;
  const voiceRefused =
    "is the Amazon Connect channel of backend step-functions; Incident Manager places its own calls to each contact's phone. Remove it, or set backend: step-functions";
  const emailRequired = (use: string) =>
    `is required with backend step-functions: ${use} pages by email; give { from: <sender address> } (sent through SES from that address)`;
  const smsRequired = (use: string) =>
    `is required with backend step-functions: ${use} pages by sms; give { originationIdentity: <phone number, pool or sender ID> } (sent through End User Messaging SMS)`;
  const forms =
    'a phone number in E.164 (+<country><number>), a phone number or pool ID (phone-..., pool-...), a sender ID (1-11 letters, digits, "_" and "-", not only digits) or the ARN of one (arn:aws:sms-voice:<region>:<account>:phone-number/..., pool/..., sender-id/...)';
  const notOrigination = `is not an End User Messaging origination identity; give ${forms}; the value is not shown`;

  describe("Pulumi.selfhosted.yaml and the defaults", () => {
    it("Pulumi.selfhosted.yaml loads through config/load.ts with the step-functions settings it states", () => {
      assert.deepEqual(SELFHOSTED_FILE.secretKeys, []);
      assert.deepEqual(SELFHOSTED_READ.issues, []);
      const cfg = validateRawConfig(SELFHOSTED_READ.raw, SELFHOSTED_READ.issues, "selfhosted");

      assert.equal(cfg.backend, "step-functions");
      assert.equal(cfg.language, "ja");
      assert.equal(cfg.incidentManager, undefined);
      assert.deepEqual(cfg.channels, {
        email: {
          from: "oncall@alerts.example.com",
          configurationSet: "incident-escalation-events",
        },
        sms: { originationIdentity: "pool-0123456789abcdef0123456789abcdef" },
        voice: {
          connectInstanceId: "00000000-0000-0000-0000-000000000000",
          sourcePhoneNumber: "+815000000000",
        },
      });
      assert.deepEqual(cfg.contacts[2], {
        alias: "tanaka",
        displayName: "Tanaka Jiro",
        email: "tanaka@example.com",
        phone: "+819000000003",
        retryIntervalMinutes: 5,
        engagement: [
          { after: 0, via: ["email"] },
          { after: 10, via: ["sms", "voice"] },
        ],
        language: "en",
      });
      assert.equal(cfg.contacts[0].language, undefined);
      assert.deepEqual(
        cfg.contacts.map((c) => contactLanguage(cfg, c)),
        ["ja", "ja", "en"],
      );
      assert.deepEqual(cfg.escalation, [
        { engage: ["oncall:primary"], minutes: 15, essential: true },
        { engage: ["tanaka"], minutes: 15, essential: true, repeat: 2 },
      ]);
      assert.equal(escalationRepeats(cfg.escalation), 2);
      // The same people, rotation and levels as Pulumi.prod.yaml.
      assert.deepEqual(cfg.onCall, [
        {
          name: "primary",
          members: ["sato", "suzuki"],
          timeZone: "Asia/Tokyo",
          handoff: { every: "week", on: "MON", at: "09:00", interval: 1 },
          onCallsAtOnce: 1,
          startTime: "2026-01-05T09:00:00+09:00",
        },
      ]);
      assert.deepEqual(cfg.levels, {
        critical: { impact: 1, page: true, resolveOnRecovery: false },
        warning: {
          impact: 3,
          page: false,
          engage: ["oncall:primary"],
          resolveOnRecovery: false,
          outsideHours: { calendar: "office", then: "defer" },
        },
      });
      assert.deepEqual(
        cfg.alarms.map((a) => [a.name, a.thresholds]),
        [
          ["api-5xx", { warning: 10, critical: 50 }],
          ["api-latency-p99", { warning: 1.5, critical: 3 }],
        ],
      );
    });

    it("a stack that names no backend gets backend incident-manager and language en, explicitly", () => {
      const cfg = parseStackConfig(prod());
      assert.equal(cfg.backend, "incident-manager");
      assert.equal(cfg.language, "en");
      assert.equal(cfg.channels, undefined);
      assert.deepEqual(
        cfg.contacts.map((c) => contactLanguage(cfg, c)),
        ["en", "en", "en"],
      );
      assert.equal(escalationRepeats(cfg.escalation), 0);
      const explicit = prod();
      explicit.backend = "incident-manager";
      explicit.language = "en";
      assert.deepEqual(parseStackConfig(explicit), cfg);
    });

    it("language ja and a contact's language work with Incident Manager too (guide and Slack texts)", () => {
      const c = prod();
      c.language = "ja";
      set(["contacts", 1, "language"], "en")(c);
      const cfg = parseStackConfig(c);
      assert.deepEqual(
        cfg.contacts.map((x) => contactLanguage(cfg, x)),
        ["ja", "en", "ja"],
      );
    });

    it("incidentManagerSettings: the settings of an incident-manager stack; an error for step-functions", () => {
      assert.deepEqual(incidentManagerSettings(parseStackConfig(prod())), {
        replicationSet: "existing",
      });
      assert.throws(() => incidentManagerSettings(parseStackConfig(selfhosted())), {
        message:
          "backend step-functions has no incidentManager settings; this Incident Manager step does not apply to it",
      });
    });

    it("repeat: 0 on the last stage is Incident Manager's own behaviour and is accepted", () => {
      const c = prod();
      set(["escalation", 1, "repeat"], 0)(c);
      assert.equal(escalationRepeats(parseStackConfig(c).escalation), 0);
    });
  });

  describe("invalid configs: one change to Pulumi.selfhosted.yaml (step-functions) or Pulumi.prod.yaml (incident-manager)", () => {
    interface Case {
      readonly name: string;
      readonly base: () => Raw;
      readonly change: (c: Raw) => void;
      readonly issues: readonly ConfigIssue[];
      /** A value that must not appear in any message. */
      readonly secret?: string;
    }
    const cases: Case[] = [
      {
        name: "backend misspelt",
        base: selfhosted,
        change: (c) => void (c.backend = "pagerduty"),
        // Nothing else: which settings belong to which backend is not guessed.
        issues: [
          {
            path: "backend",
            message:
              '"pagerduty" is not a backend; use incident-manager (an account onboarded to Incident Manager) or step-functions',
          },
        ],
      },
      {
        name: "backend a list",
        base: prod,
        change: (c) => void (c.backend = ["incident-manager"]),
        issues: [
          {
            path: "backend",
            message:
              "a list is not a backend; use incident-manager (an account onboarded to Incident Manager) or step-functions",
          },
        ],
      },
      {
        name: "step-functions with incidentManager settings",
        base: selfhosted,
        change: (c) => void (c.incidentManager = { replicationSet: "existing" }),
        issues: [{ path: "incidentManager", message: imRefused }],
      },
      {
        name: "incident-manager (default) with channels",
        base: prod,
        change: (c) => void (c.channels = { email: { from: "oncall@alerts.example.com" } }),
        issues: [{ path: "channels", message: channelsRefused }],
      },
      {
        name: "incident-manager (explicit) without incidentManager",
        base: prod,
        change: (c) => {
          c.backend = "incident-manager";
          delete c.incidentManager;
        },
        issues: [{ path: "incidentManager", message: imRequired }],
      },
      {
        name: "prod switched to step-functions without its other changes",
        base: prod,
        change: (c) => void (c.backend = "step-functions"),
        issues: [
          { path: "incidentManager", message: imRefused },
          { path: "channels.email", message: emailRequired("contacts[0].engagement[0].via") },
          { path: "channels.sms", message: smsRequired("contacts[0].engagement[1].via") },
          { path: "channels.voice", message: voiceRequired("contacts[0].engagement[1].via") },
        ],
      },
      {
        name: "step-functions: contacts page by voice without channels.voice",
        base: selfhosted,
        change: unset(["channels", "voice"]),
        issues: [
          { path: "channels.voice", message: voiceRequired("contacts[0].engagement[1].via") },
        ],
      },
      {
        name: "step-functions: the first contact to page by voice is named",
        base: selfhosted,
        change: (c) => {
          unset(["channels", "voice"])(c);
          set(["contacts", 0, "engagement", 1, "via"], ["sms"])(c);
        },
        issues: [
          { path: "channels.voice", message: voiceRequired("contacts[1].engagement[1].via") },
        ],
      },
      {
        name: "step-functions: a contact pages by voice without a phone",
        base: selfhosted,
        change: (c) => {
          unset(["contacts", 1, "phone"])(c);
          set(["contacts", 1, "engagement", 1, "via"], ["voice"])(c);
        },
        issues: [
          {
            path: "contacts[1].engagement[1].via",
            message: "uses voice but the contact has no phone number",
          },
        ],
      },
      {
        name: "step-functions: channels.voice.voice does not speak a language its contacts use (en)",
        base: selfhosted,
        change: set(["channels", "voice", "voice"], "Kazuha"),
        issues: [
          {
            path: "channels.voice.voice",
            message:
              "is the Polly voice Kazuha, which does not speak en (contacts[2].engagement[1].via is called in en); use one of Joanna, Matthew, Ruth, Stephen, Danielle, Gregory, Ivy, Joey, Justin, Kendra, Kevin, Kimberly, Salli, Amy, Emma, Brian, Arthur, or leave it out for each language's default",
          },
        ],
      },
      {
        name: "step-functions: an English voice for Japanese contacts",
        base: selfhosted,
        change: (c) => {
          set(["channels", "voice", "voice"], "Joanna")(c);
          set(["contacts", 2, "engagement", 1, "via"], ["sms"])(c);
        },
        issues: [
          {
            path: "channels.voice.voice",
            message:
              "is the Polly voice Joanna, which does not speak ja (contacts[0].engagement[1].via is called in ja); use one of Kazuha, Takumi, Tomoko, Mizuki, or leave it out for each language's default",
          },
        ],
      },
      {
        name: "channels.voice.voice not a voice name",
        base: selfhosted,
        change: set(["channels", "voice", "voice"], "Kazuha (neural)"),
        issues: [
          {
            path: "channels.voice.voice",
            message: "is not a Polly voice name (letters only, e.g. Kazuha)",
          },
        ],
      },
      {
        name: "channels.voice.connectInstanceId not a UUID",
        base: selfhosted,
        change: set(
          ["channels", "voice", "connectInstanceId"],
          "arn:aws:connect:ap-northeast-1:111122223333:instance/00000000-0000-0000-0000-000000000000",
        ),
        issues: [
          {
            path: "channels.voice.connectInstanceId",
            message:
              "is not an Amazon Connect instance ID (a lowercase UUID, the last part of the instance ARN)",
          },
        ],
      },
      {
        name: "channels.voice.sourcePhoneNumber in national form",
        base: selfhosted,
        change: set(["channels", "voice", "sourcePhoneNumber"], "050-0000-0000"),
        issues: [
          {
            path: "channels.voice.sourcePhoneNumber",
            message:
              "is not a phone number in E.164 (+<country code><number>, up to 15 digits, no spaces or hyphens)",
          },
        ],
      },
      {
        name: "channels.voice.sourcePhoneNumber a number (unquoted in YAML)",
        base: selfhosted,
        change: set(["channels", "voice", "sourcePhoneNumber"], 815000000000),
        issues: [
          {
            path: "channels.voice.sourcePhoneNumber",
            message: 'must be a quoted string in E.164 ("+81..."), got a number',
          },
        ],
      },
      {
        name: "incident-manager (default) with channels.voice only",
        base: prod,
        change: set(["channels"], {
          voice: {
            connectInstanceId: "00000000-0000-0000-0000-000000000000",
            sourcePhoneNumber: "+815000000000",
          },
        }),
        issues: [{ path: "channels.voice", message: voiceRefused }],
      },
      {
        name: "incident-manager (default) with channels.email and channels.voice",
        base: prod,
        change: set(["channels"], {
          email: { from: "oncall@alerts.example.com" },
          voice: {
            connectInstanceId: "00000000-0000-0000-0000-000000000000",
            sourcePhoneNumber: "+815000000000",
          },
        }),
        issues: [
          { path: "channels.voice", message: voiceRefused },
          { path: "channels", message: channelsRefused },
        ],
      },
      {
        name: "step-functions: no channels.email while contacts page by email",
        base: selfhosted,
        change: unset(["channels", "email"]),
        issues: [
          { path: "channels.email", message: emailRequired("contacts[0].engagement[0].via") },
        ],
      },
      {
        name: "step-functions: no channels.sms while contacts page by sms",
        base: selfhosted,
        change: unset(["channels", "sms"]),
        issues: [{ path: "channels.sms", message: smsRequired("contacts[0].engagement[1].via") }],
      },
      {
        name: "step-functions: no channels at all",
        base: selfhosted,
        change: unset(["channels"]),
        issues: [
          { path: "channels.email", message: emailRequired("contacts[0].engagement[0].via") },
          { path: "channels.sms", message: smsRequired("contacts[0].engagement[1].via") },
          { path: "channels.voice", message: voiceRequired("contacts[0].engagement[1].via") },
        ],
      },
      {
        name: "step-functions: the first contact to page by sms is named",
        base: selfhosted,
        change: (c) => {
          unset(["channels", "sms"])(c);
          set(["contacts", 0, "engagement"], [{ after: 0, via: ["email"] }])(c);
          delete (get(c, ["contacts", 0]) as Raw).phone;
        },
        issues: [{ path: "channels.sms", message: smsRequired("contacts[1].engagement[1].via") }],
      },
      {
        name: "step-functions: a contact pages by sms without a phone",
        base: selfhosted,
        change: unset(["contacts", 0, "phone"]),
        issues: [
          {
            path: "contacts[0].engagement[1].via",
            message: "uses sms but the contact has no phone number",
          },
          {
            path: "contacts[0].engagement[1].via",
            message: "uses voice but the contact has no phone number",
          },
        ],
      },
      {
        name: "step-functions: a contact pages by email without an email",
        base: selfhosted,
        change: unset(["contacts", 1, "email"]),
        issues: [
          {
            path: "contacts[1].engagement[0].via",
            message: "uses email but the contact has no email address",
          },
        ],
      },
      {
        name: "channels not an object",
        base: selfhosted,
        change: (c) => void (c.channels = "ses"),
        // Not also "channels.email is required": channels is there, malformed.
        issues: [
          {
            path: "channels",
            message: 'must be an object { email: ..., sms: ..., voice: ... }, got string "ses"',
          },
        ],
      },
      {
        name: "channels.voice with a key of its own invention",
        base: selfhosted,
        change: set(["channels", "voice"], { instanceId: "x" }),
        issues: [
          {
            path: "channels.voice.connectInstanceId",
            message:
              "is required; give the Amazon Connect instance ID (a UUID, the last part of the instance ARN)",
          },
          {
            path: "channels.voice.sourcePhoneNumber",
            message:
              'is required; give the number claimed on the Connect instance in E.164 ("+81...")',
          },
          {
            path: "channels.voice",
            message:
              'unknown key "instanceId"; known keys: connectInstanceId, sourcePhoneNumber, voice',
          },
        ],
      },
      {
        name: "channels.email without from",
        base: selfhosted,
        change: set(["channels", "email"], { configurationSet: "events" }),
        issues: [
          {
            path: "channels.email.from",
            message: "is required; give the sender address (name@domain.tld)",
          },
        ],
      },
      {
        name: "channels.email.from with a display name",
        base: selfhosted,
        change: set(["channels", "email", "from"], "On-call <oncall@alerts.example.com>"),
        issues: [
          {
            path: "channels.email.from",
            message:
              "is not a plain e-mail address (name@domain.tld, no display name); the value is not shown",
          },
        ],
        secret: "oncall@alerts.example.com",
      },
      {
        name: "channels.email.from a domain only",
        base: selfhosted,
        change: set(["channels", "email", "from"], "alerts.example.com"),
        issues: [
          {
            path: "channels.email.from",
            message:
              "is not a plain e-mail address (name@domain.tld, no display name); the value is not shown",
          },
        ],
      },
      {
        name: "channels.email.configurationSet with a dot",
        base: selfhosted,
        change: set(["channels", "email", "configurationSet"], "ie.events"),
        issues: [
          {
            path: "channels.email.configurationSet",
            message:
              'is not an SES configuration set name (1-64 letters, digits, "_" and "-"); the value is not shown',
          },
        ],
      },
      {
        name: "channels.sms without originationIdentity",
        base: selfhosted,
        change: set(["channels", "sms"], {}),
        issues: [
          { path: "channels.sms.originationIdentity", message: `is required; give ${forms}` },
        ],
      },
      {
        name: "channels.sms.originationIdentity an unquoted number (YAML reads +81... as a number)",
        base: selfhosted,
        change: set(["channels", "sms", "originationIdentity"], 81500000000),
        issues: [
          {
            path: "channels.sms.originationIdentity",
            message: `must be a quoted string, got a number; give ${forms}`,
          },
        ],
      },
      {
        name: "channels.sms.configurationSet with a space",
        base: selfhosted,
        change: set(["channels", "sms", "configurationSet"], "ie events"),
        issues: [
          {
            path: "channels.sms.configurationSet",
            message:
              'is not an End User Messaging configuration set name or ARN (1-256 letters, digits, "_", ":", "/" and "-"); the value is not shown',
          },
        ],
      },
      {
        name: "language not ja or en",
        base: selfhosted,
        change: (c) => void (c.language = "fr"),
        issues: [{ path: "language", message: '"fr" is not a language; use ja or en' }],
      },
      {
        name: "a contact's language not ja or en",
        base: selfhosted,
        change: set(["contacts", 1, "language"], "JA"),
        issues: [{ path: "contacts[1].language", message: '"JA" is not a language; use ja or en' }],
      },
      {
        name: "repeat above 5",
        base: selfhosted,
        change: set(["escalation", 1, "repeat"], 6),
        issues: [{ path: "escalation[1].repeat", message: "6 is above the maximum 5" }],
      },
      {
        name: "repeat below 0",
        base: selfhosted,
        change: set(["escalation", 1, "repeat"], -1),
        issues: [{ path: "escalation[1].repeat", message: "-1 is below the minimum 0" }],
      },
      {
        name: "repeat not whole",
        base: selfhosted,
        change: set(["escalation", 1, "repeat"], 1.5),
        issues: [{ path: "escalation[1].repeat", message: "1.5 is not a whole number" }],
      },
      {
        name: "repeat on a stage other than the last",
        base: selfhosted,
        change: set(["escalation", 0, "repeat"], 1),
        issues: [
          {
            path: "escalation[0].repeat",
            message:
              "is on stage 1 of 2; repeat runs the whole escalation again after its last stage, so put it on the last stage (escalation[1])",
          },
        ],
      },
      {
        name: "repeat with incident-manager",
        base: prod,
        change: set(["escalation", 1, "repeat"], 1),
        issues: [
          {
            path: "escalation[1].repeat",
            message:
              "is 1, but Incident Manager escalation plans run once and cannot repeat; remove it, or set backend: step-functions",
          },
        ],
      },
    ];

    for (const c of cases) {
      it(c.name, () => {
        const raw = c.base();
        c.change(raw);
        const issues = issuesOf(raw);
        assertNoPersonalData(raw, issues);
        if (c.secret !== undefined) {
          for (const i of issues) {
            assert.ok(!i.message.includes(c.secret), `${i.path}: ${i.message} echoes the value`);
          }
        }
        assert.deepEqual(issues, c.issues);
      });
    }
  });

  describe("channels.sms.originationIdentity: the forms of SendTextMessage OriginationIdentity", () => {
    // The model the forms were written against; a newer model with another pattern fails here.
    const model = JSON.parse(
      readFileSync(join(ROOT, "aws-models", "pinpoint-sms-voice-v2.json"), "utf8"),
    ) as { shapes: Record<string, { min?: number; max?: number; pattern?: string }> };
    const shape = model.shapes.TextMessageOriginationIdentity;
    const modelAccepts = (v: string) =>
      v.length >= 1 && v.length <= 256 && new RegExp(`^(?:${shape.pattern})$`).test(v);

    it("pins the model's TextMessageOriginationIdentity shape", () => {
      assert.deepEqual(shape, { max: 256, min: 1, pattern: "[A-Za-z0-9_:/\\+-]+", type: "string" });
    });

    const valid: [string, string][] = [
      ["+81500000000", "phone-number"],
      ["phone-0123456789abcdef0123456789abcdef", "phone-number-id"],
      ["pool-0123456789abcdef0123456789abcdef", "pool-id"],
      ["ExampleCo", "sender-id"],
      [
        "arn:aws:sms-voice:ap-northeast-1:111122223333:phone-number/phone-0123456789abcdef0123456789abcdef",
        "phone-number-arn",
      ],
      [
        "arn:aws:sms-voice:ap-northeast-1:111122223333:pool/pool-0123456789abcdef0123456789abcdef",
        "pool-arn",
      ],
      ["arn:aws:sms-voice:ap-northeast-1:111122223333:sender-id/ExampleCo/JP", "sender-id-arn"],
    ];
    for (const [value, kind] of valid) {
      it(`accepts ${value} as a ${kind}, which the model accepts too`, () => {
        assert.ok(modelAccepts(value));
        assert.equal(originationIdentityKind(value), kind);
        const c = selfhosted();
        set(["channels", "sms", "originationIdentity"], value)(c);
        assert.equal(parseStackConfig(c).channels?.sms?.originationIdentity, value);
      });
    }

    const invalid: [string, string, boolean][] = [
      // [value, why, whether the model's pattern already rejects it]
      ["", "empty", true],
      ["Example Co", "a space", true],
      ["+81-50-0000-0000", "a phone number with separators", false],
      ["+0123456789", "not E.164 (country code 0)", false],
      ["81500000000", "a phone number without +, not a sender ID", false],
      ["ExampleCoLtd", "a sender ID of 12 characters (SenderId: at most 11)", false],
      ["arn:aws:sns:ap-northeast-1:111122223333:alerts", "the ARN of another service", false],
      [
        "arn:aws:sms-voice:ap-northeast-1:111122223333:opt-out-list/x",
        "another resource type",
        false,
      ],
    ];
    for (const [value, why, modelRejects] of invalid) {
      it(`refuses ${JSON.stringify(value)} (${why}) without echoing it`, () => {
        assert.equal(modelAccepts(value), !modelRejects);
        assert.equal(originationIdentityKind(value), undefined);
        const c = selfhosted();
        set(["channels", "sms", "originationIdentity"], value)(c);
        const issues = issuesOf(c);
        assert.deepEqual(issues, [
          { path: "channels.sms.originationIdentity", message: notOrigination },
        ]);
        if (value !== "") assert.ok(!issues[0].message.includes(value));
      });
    }
  });
});
