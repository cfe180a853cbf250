/**
 * Cross-section checks of the stack config: uniqueness, references between sections, and rules
 * that span fields (engagement offsets → stage durations, thresholds ordered by severity, name
 * lengths). They run even when some fields are malformed (so every problem is reported at once),
 * hence the defensive reading of the partially-valid value. One function per section, run in the
 * order the sections are reported.
 */
import type { z } from "zod";
import { POLLY_VOICES } from "../components/engine/contactFlow";
import { BACKENDS, DEFAULT_LANGUAGE, LANGUAGES, type Backend, type Language } from "./backend";
import { checkOutsideHours } from "./calendars";
import { DAYS_OF_WEEK, LIMITS, NAME_RE, ONCALL_REF_PREFIX } from "./fields";
import { formatPath } from "./errors";
import { checkMaintenance } from "./maintenance";
import { capturedPipelineSegment, ownValue } from "./reserved";

type Raw = Record<string, unknown>;
type Path = (string | number)[];
type Add = (path: Path, message: string) => void;

/** What the section checks share: the raw config, the reporter, and the levels others refer to. */
interface Scope {
  readonly cfg: Raw;
  readonly add: Add;
  readonly levels: Raw;
  readonly levelNames: readonly string[];
  /** Whether `levels` is well-formed (references to levels are only checked then). */
  readonly levelsKnown: boolean;
}

/** The zod refinement of the whole config (schema.ts). */
export function crossChecks(value: unknown, ctx: z.RefinementCtx): void {
  const cfg = isObj(value) ? value : {};
  const add: Add = (path, message) => ctx.addIssue({ code: "custom", path, message });
  const levels = isObj(cfg.levels) ? cfg.levels : {};
  const scope: Scope = {
    cfg,
    add,
    levels,
    levelNames: Object.keys(levels),
    levelsKnown: isObj(cfg.levels),
  };
  // References are only checked against a section that is well-formed: a malformed section is
  // already reported, and "X is not defined" on top of it would mislead.
  const aliases = checkContacts(scope);
  const contactsKnown = Array.isArray(cfg.contacts) ? aliases : undefined;
  const rotationNames = checkRotations(scope, contactsKnown);
  const rotationsKnown = cfg.onCall === undefined || Array.isArray(cfg.onCall);
  const checkRef = refChecker(add, contactsKnown, rotationsKnown ? rotationNames : undefined);

  // Escalation: references exist.
  arr(cfg.escalation).forEach((s, i) => {
    if (!isObj(s)) return;
    arr(s.engage).forEach((ref, j) => checkRef(["escalation", i, "engage", j], ref));
  });
  checkLevels(scope, checkRef);
  checkOutsideHours(cfg, levels, add);
  checkAlarms(scope);
  checkExternalAlarms(scope);
  checkReplicationRegions(scope);
  checkDrills(scope);
  checkMaintenance(cfg, add);
  checkWebhooks(scope);
  checkBackend(scope);
}

/** Contacts: unique aliases, engagement offsets → stage durations, channels have addresses. */
function checkContacts({ cfg, add }: Pick<Scope, "cfg" | "add">): Set<string> {
  const aliases = new Set<string>();
  arr(cfg.contacts).forEach((c, i) => {
    if (!isObj(c)) return;
    unique(add, aliases, c.alias, ["contacts", i, "alias"], "contact", "aliases");
    const stages = arr(c.engagement).filter(isObj);
    stages.forEach((_, j) => checkEngagementStage(add, c, i, stages, j));
    if (!Array.isArray(c.engagement)) return;
    if (c.email !== undefined && !stages.some((s) => arr(s.via).includes("email"))) {
      add(
        ["contacts", i, "engagement"],
        "never uses the contact's email; add it to a stage or remove the address",
      );
    }
    if (
      c.phone !== undefined &&
      !stages.some((s) => arr(s.via).some((v) => v === "sms" || v === "voice"))
    ) {
      add(
        ["contacts", i, "engagement"],
        "never uses the contact's phone; add sms or voice to a stage or remove the number",
      );
    }
  });
  return aliases;
}

/** Stage `j` of contact `i`: its offset against the previous one, its channels against the addresses. */
function checkEngagementStage(add: Add, c: Raw, i: number, stages: readonly Raw[], j: number) {
  const s = stages[j];
  if (typeof s.after !== "number") return;
  if (j === 0 && s.after !== 0) {
    add(
      ["contacts", i, "engagement", 0, "after"],
      `is ${s.after}; the first stage must start at 0 (the moment the contact is engaged)`,
    );
  }
  const prev = stages[j - 1];
  if (j > 0 && prev && typeof prev.after === "number") {
    const gap = s.after - prev.after;
    if (gap <= 0) {
      add(
        ["contacts", i, "engagement", j, "after"],
        `is ${s.after}, not after the previous stage (${prev.after}); offsets must increase (merge stages that start together)`,
      );
    } else if (gap > LIMITS.stageMinutesMax) {
      add(
        ["contacts", i, "engagement", j, "after"],
        `starts ${gap} min after the previous stage; a stage lasts at most ${LIMITS.stageMinutesMax} min in Incident Manager, so the gap must be 1-${LIMITS.stageMinutesMax}`,
      );
    }
  }
  for (const via of arr(s.via)) {
    if (via === "email" && c.email === undefined) {
      add(
        ["contacts", i, "engagement", j, "via"],
        "uses email but the contact has no email address",
      );
    }
    if ((via === "sms" || via === "voice") && c.phone === undefined) {
      add(
        ["contacts", i, "engagement", j, "via"],
        `uses ${via} but the contact has no phone number`,
      );
    }
  }
  const seen = new Set<unknown>();
  for (const via of arr(s.via)) {
    if (seen.has(via)) add(["contacts", i, "engagement", j, "via"], `lists ${String(via)} twice`);
    seen.add(via);
  }
}

/**
 * Rotations: unique names, members exist (when `aliases` is known) and are unique, hand-off
 * fields agree with the period.
 */
function checkRotations({ cfg, add }: Scope, aliases: ReadonlySet<string> | undefined) {
  const rotationNames = new Set<string>();
  arr(cfg.onCall).forEach((r, i) => {
    if (!isObj(r)) return;
    unique(add, rotationNames, r.name, ["onCall", i, "name"], "rotation");
    const members = arr(r.members);
    const seen = new Set<unknown>();
    members.forEach((m, j) => {
      if (typeof m === "string" && aliases && !aliases.has(m)) {
        add(["onCall", i, "members", j], `"${m}" is not a contact alias; define it under contacts`);
      }
      if (seen.has(m)) add(["onCall", i, "members", j], `"${String(m)}" is listed twice`);
      seen.add(m);
    });
    if (
      typeof r.onCallsAtOnce === "number" &&
      members.length > 0 &&
      r.onCallsAtOnce > members.length
    ) {
      add(
        ["onCall", i, "onCallsAtOnce"],
        `is ${r.onCallsAtOnce} but the rotation has only ${members.length} member(s)`,
      );
    }
    if (isObj(r.handoff)) checkHandoff(add, i, r.handoff);
  });
  return rotationNames;
}

function checkHandoff(add: Add, i: number, h: Raw): void {
  const isDay = (DAYS_OF_WEEK as readonly unknown[]).includes(h.on);
  const isDate = typeof h.on === "number" && Number.isInteger(h.on) && h.on >= 1 && h.on <= 28;
  if (h.every === "week" && !isDay) {
    add(
      ["onCall", i, "handoff", "on"],
      `must be a day of the week (${DAYS_OF_WEEK.join(", ")}) for a weekly hand-off`,
    );
  }
  if (h.every === "month" && !isDate) {
    add(["onCall", i, "handoff", "on"], "must be a day of the month (1-28) for a monthly hand-off");
  }
  if (h.every === "day" && h.on !== undefined) {
    add(["onCall", i, "handoff", "on"], "is not used for a daily hand-off; remove it");
  }
}

type RefCheck = (path: Path, ref: unknown) => void;

/**
 * Checks a contact alias or `oncall:<rotation>` reference against the contacts and rotations;
 * a section passed as undefined (malformed) is not checked against.
 */
function refChecker(
  add: Add,
  aliases: ReadonlySet<string> | undefined,
  rotationNames: ReadonlySet<string> | undefined,
): RefCheck {
  return (path, ref) => {
    if (typeof ref !== "string") return;
    if (ref.startsWith(ONCALL_REF_PREFIX)) {
      const r = ref.slice(ONCALL_REF_PREFIX.length);
      if (rotationNames && !rotationNames.has(r))
        add(path, `"${ref}" names no rotation; define "${r}" under onCall`);
    } else if (aliases && !aliases.has(ref)) {
      add(path, `"${ref}" is not a contact alias (or oncall:<rotation>); define it under contacts`);
    }
  };
}

/** Levels: names, references, engagement counts; rule prefixes apart; paging needs an escalation. */
function checkLevels({ cfg, add, levels, levelNames }: Scope, checkRef: RefCheck): void {
  let pagingLevels = 0;
  for (const [lvl, l] of Object.entries(levels)) {
    if (!NAME_RE.test(lvl) || lvl.length > 20) {
      add(
        ["levels", lvl],
        `"${lvl}" is not a valid level name (1-20 lower-case letters, digits, "_" and "-")`,
      );
    }
    const captured = capturedPipelineSegment(lvl);
    if (captured !== undefined) {
      add(
        ["levels", lvl],
        `"${lvl}" would capture the pipeline's own resources named <prefix>-${captured}-… (its self-monitoring alarms, rules and functions); choose another level name`,
      );
    }
    if (!isObj(l)) continue;
    arr(l.engage).forEach((ref, j) => checkRef(["levels", lvl, "engage", j], ref));
    if (l.page === true) {
      pagingLevels++;
      const engagements = 1 + arr(l.engage).length;
      if (engagements > LIMITS.responsePlanEngagementsMax) {
        add(
          ["levels", lvl, "engage"],
          `gives the response plan ${engagements} engagements (the escalation plan plus ${arr(l.engage).length}); Incident Manager allows at most ${LIMITS.responsePlanEngagementsMax}`,
        );
      }
    }
  }
  // Each level's rule matches alarm names starting with "<prefix>-<level>-": no level's prefix may
  // be the start of another's, or one alarm would be routed to two levels.
  for (const a of levelNames) {
    for (const b of levelNames) {
      if (a !== b && b.startsWith(`${a}-`)) {
        add(
          ["levels", b],
          `"${b}" starts with "${a}-": alarms of ${b} would also match the ${a} rule; rename one level`,
        );
      }
    }
  }
  if (pagingLevels > 0 && arr(cfg.escalation).length === 0) {
    add(
      ["escalation"],
      "is empty but a level pages (page: true); define at least one escalation stage",
    );
  }
}

/** Alarms: unique names, evaluation limits, thresholds name existing levels and are ordered by severity. */
function checkAlarms({ cfg, add, levels, levelNames, levelsKnown }: Scope): void {
  const alarmNames = new Set<string>();
  arr(cfg.alarms).forEach((a, i) => {
    if (!isObj(a)) return;
    unique(add, alarmNames, a.name, ["alarms", i, "name"], "alarm");
    if (
      typeof a.datapointsToAlarm === "number" &&
      typeof a.evaluationPeriods === "number" &&
      a.datapointsToAlarm > a.evaluationPeriods
    ) {
      add(
        ["alarms", i, "datapointsToAlarm"],
        `is ${a.datapointsToAlarm}, more than evaluationPeriods (${a.evaluationPeriods})`,
      );
    }
    const m = isObj(a.metric) ? a.metric : {};
    if (
      typeof m.period === "number" &&
      typeof a.evaluationPeriods === "number" &&
      m.period * a.evaluationPeriods > LIMITS.evaluationSecondsMax
    ) {
      add(
        ["alarms", i, "evaluationPeriods"],
        `× metric.period is ${m.period * a.evaluationPeriods} s; CloudWatch evaluates at most ${LIMITS.evaluationSecondsMax} s (one day)`,
      );
    }
    const thresholds = isObj(a.thresholds) ? a.thresholds : {};
    for (const lvl of Object.keys(thresholds)) {
      if (levelsKnown && !levelNames.includes(lvl)) {
        add(
          ["alarms", i, "thresholds", lvl],
          `"${lvl}" is not a level; define it under levels (known: ${levelNames.join(", ") || "none"})`,
        );
      }
    }
    checkThresholdOrder(a, thresholds, levels, (lvl, msg) =>
      add(["alarms", i, "thresholds", lvl], msg),
    );
    if (typeof a.name === "string" && levelNames.length > 0) {
      const longest = Math.max(...levelNames.map((l) => l.length));
      const prefixLen = typeof cfg.prefix === "string" ? cfg.prefix.length : 24;
      if (prefixLen + longest + a.name.length + 2 > LIMITS.alarmNameMax) {
        add(
          ["alarms", i, "name"],
          `is too long: <prefix>-<level>-<name> would exceed ${LIMITS.alarmNameMax} characters`,
        );
      }
    }
  });
}

/**
 * A more severe level (lower impact number) must need a worse value than a less severe one:
 * for "greater than" alarms a higher threshold, for "less than" alarms a lower one. Otherwise the
 * severe alarm fires first and the milder one is pointless, a likely typo.
 */
function checkThresholdOrder(
  a: Raw,
  thresholds: Raw,
  levels: Raw,
  add: (lvl: string, message: string) => void,
): void {
  const greater = typeof a.comparison === "string" && a.comparison.startsWith("Greater");
  const less = typeof a.comparison === "string" && a.comparison.startsWith("Less");
  if (!greater && !less) return;
  const entries = Object.entries(thresholds).flatMap(([lvl, t]) => {
    const l = ownValue(levels, lvl);
    const validImpact =
      isObj(l) &&
      typeof l.impact === "number" &&
      Number.isInteger(l.impact) &&
      l.impact >= 1 &&
      l.impact <= 5;
    return validImpact && typeof t === "number" ? [{ lvl, t, impact: l.impact as number }] : [];
  });
  for (const x of entries) {
    for (const y of entries) {
      if (x.impact >= y.impact) continue; // x is more severe than y
      const wrong = greater ? x.t < y.t : x.t > y.t;
      if (wrong) {
        add(
          x.lvl,
          `is ${x.t}, ${greater ? "below" : "above"} the ${y.lvl} threshold (${y.t}) although ${x.lvl} is more severe (impact ${x.impact} < ${y.impact}); the ${x.lvl} alarm would fire first`,
        );
      }
    }
  }
}

/** External alarms: existing level, not one of this stack's own alarms, listed once. */
function checkExternalAlarms({ cfg, add, levelNames, levelsKnown }: Scope): void {
  const externalNames = new Set<string>();
  arr(cfg.externalAlarms).forEach((e, i) => {
    if (!isObj(e)) return;
    if (typeof e.level === "string" && levelsKnown && !levelNames.includes(e.level)) {
      add(["externalAlarms", i, "level"], `"${e.level}" is not a level; define it under levels`);
    }
    const extName = e.name;
    if (typeof extName === "string") {
      const ownPrefix = typeof cfg.prefix === "string" ? `${cfg.prefix}-` : undefined;
      if (ownPrefix && levelNames.some((l) => extName.startsWith(`${ownPrefix}${l}-`))) {
        add(
          ["externalAlarms", i, "name"],
          `"${extName}" looks like an alarm this stack creates (prefix ${ownPrefix}); it is already routed by its level`,
        );
      }
      if (externalNames.has(extName))
        add(
          ["externalAlarms", i, "name"],
          `"${extName}" is listed twice; an alarm is routed to one level`,
        );
      externalNames.add(extName);
    }
  });
}

/** Replication set: each region once. */
function checkReplicationRegions({ cfg, add }: Scope): void {
  const im = isObj(cfg.incidentManager) ? cfg.incidentManager : {};
  const rs = isObj(im.replicationSet) ? im.replicationSet : {};
  const regionsSeen = new Set<unknown>();
  arr(rs.regions).forEach((r, i) => {
    if (regionsSeen.has(r)) {
      add(["incidentManager", "replicationSet", "regions", i], `"${String(r)}" is listed twice`);
    }
    regionsSeen.add(r);
  });
}

/**
 * Drills: each drills an existing paging level, on either backend (the drill Lambda starts an
 * Incident Manager incident through the level's response plan, or an execution of the engine's
 * state machine on backend step-functions).
 */
function checkDrills({ cfg, add, levels, levelsKnown }: Scope): void {
  arr(cfg.drills).forEach((d, i) => {
    if (!isObj(d) || typeof d.level !== "string" || !levelsKnown) return;
    const l = ownValue(levels, d.level);
    if (l === undefined) {
      add(["drills", i, "level"], `"${d.level}" is not a level; define it under levels`);
    } else if (isObj(l) && l.page !== true) {
      add(
        ["drills", i, "level"],
        `"${d.level}" does not page (page: false), so it has no response plan to drill; drill a paging level`,
      );
    }
  });
}

/** Webhooks: unique names, subscribed levels exist. */
function checkWebhooks({ cfg, add, levelNames, levelsKnown }: Scope): void {
  const n = isObj(cfg.notifications) ? cfg.notifications : {};
  const webhookNames = new Set<string>();
  arr(n.webhooks).forEach((w, i) => {
    if (!isObj(w)) return;
    unique(add, webhookNames, w.name, ["notifications", "webhooks", i, "name"], "webhook");
    arr(w.levels).forEach((lvl, j) => {
      if (typeof lvl === "string" && levelsKnown && !levelNames.includes(lvl)) {
        add(
          ["notifications", "webhooks", i, "levels", j],
          `"${lvl}" is not a level; define it under levels`,
        );
      }
    });
  });
}

/**
 * What each backend allows: incident-manager needs `incidentManager` and refuses `channels` and
 * `repeat` (Incident Manager escalation plans run once: DESIGN.md, "Escalation plans run once, no
 * repeat"); step-functions refuses `incidentManager`, needs a channel for every way a contact is
 * paged (voice: `channels.voice`, Amazon Connect) and a Polly voice that speaks the language of
 * each contact it calls. `repeat` belongs on the last stage.
 */
function checkBackend({ cfg, add }: Scope): void {
  // A malformed backend is already reported; nothing depends on a guess.
  if (!(BACKENDS as readonly unknown[]).includes(cfg.backend)) return;
  const backend = cfg.backend as Backend;
  const stages = arr(cfg.escalation);
  if (backend === "incident-manager") {
    if (cfg.incidentManager === undefined) {
      add(
        ["incidentManager"],
        "is required with backend incident-manager (the default): { replicationSet: existing } for an onboarded account; an account without Incident Manager sets backend: step-functions",
      );
    }
    const { voice: voiceChannel, ...otherChannels } = isObj(cfg.channels) ? cfg.channels : {};
    if (voiceChannel !== undefined) {
      add(
        ["channels", "voice"],
        "is the Amazon Connect channel of backend step-functions; Incident Manager places its own calls to each contact's phone. Remove it, or set backend: step-functions",
      );
    }
    if (
      cfg.channels !== undefined &&
      (!isObj(cfg.channels) || Object.keys(otherChannels).length > 0)
    ) {
      add(
        ["channels"],
        "is a setting of backend step-functions; Incident Manager pages through each contact's own channels. Remove it, or set backend: step-functions",
      );
    }
  } else {
    if (cfg.incidentManager !== undefined) {
      add(
        ["incidentManager"],
        "is an Incident Manager setting but backend is step-functions, which creates no Incident Manager resource; remove it, or set backend: incident-manager",
      );
    }
    checkChannelsUsed(cfg, add);
  }
  stages.forEach((s, i) => {
    if (!isObj(s) || typeof s.repeat !== "number") return;
    if (backend === "incident-manager" && s.repeat > 0) {
      add(
        ["escalation", i, "repeat"],
        `is ${s.repeat}, but Incident Manager escalation plans run once and cannot repeat; remove it, or set backend: step-functions`,
      );
    } else if (i !== stages.length - 1) {
      add(
        ["escalation", i, "repeat"],
        `is on stage ${i + 1} of ${stages.length}; repeat runs the whole escalation again after its last stage, so put it on the last stage (escalation[${stages.length - 1}])`,
      );
    }
  });
}

/**
 * Step-functions: every channel a contact is paged by is configured, and the configured Polly
 * voice speaks the language of every contact called by voice.
 */
function checkChannelsUsed(cfg: Raw, add: Add): void {
  const channels = isObj(cfg.channels) ? cfg.channels : cfg.channels === undefined ? {} : undefined;
  const firstUse: Partial<Record<"email" | "sms" | "voice", Path>> = {};
  /** Each language voice contacts use, with the first contact (path) that uses it. */
  const voiceLanguages = new Map<Language, Path>();
  arr(cfg.contacts).forEach((c, i) => {
    if (!isObj(c)) return;
    arr(c.engagement).forEach((e, j) => {
      if (!isObj(e)) return;
      const path: Path = ["contacts", i, "engagement", j, "via"];
      for (const via of new Set(arr(e.via))) {
        if ((via === "email" || via === "sms" || via === "voice") && firstUse[via] === undefined) {
          firstUse[via] = path;
        }
        const lang = c.language ?? cfg.language ?? DEFAULT_LANGUAGE;
        if (via === "voice" && isLanguage(lang) && !voiceLanguages.has(lang)) {
          voiceLanguages.set(lang, path);
        }
      }
    });
  });
  // A malformed channels is already reported.
  if (channels === undefined) return;
  const needs = {
    email: "{ from: <sender address> } (sent through SES from that address)",
    sms: "{ originationIdentity: <phone number, pool or sender ID> } (sent through End User Messaging SMS)",
    voice:
      "{ connectInstanceId: <Amazon Connect instance ID>, sourcePhoneNumber: <a number claimed on it, E.164> } (called through Amazon Connect)",
  } as const;
  for (const via of ["email", "sms", "voice"] as const) {
    const used = firstUse[via];
    if (used !== undefined && channels[via] === undefined) {
      add(
        ["channels", via],
        `is required with backend step-functions: ${formatPath(used)} pages by ${via}; give ${needs[via]}`,
      );
    }
  }
  const voice = isObj(channels.voice) ? channels.voice.voice : undefined;
  // A malformed voice name is already reported by its field schema.
  if (typeof voice !== "string" || !/^[A-Za-z]+$/.test(voice)) return;
  for (const [lang, path] of voiceLanguages) {
    if (!Object.prototype.hasOwnProperty.call(POLLY_VOICES[lang], voice)) {
      add(
        ["channels", "voice", "voice"],
        `is the Polly voice ${voice}, which does not speak ${lang} (${formatPath(path)} is called in ${lang}); use one of ${Object.keys(POLLY_VOICES[lang]).join(", ")}, or leave it out for each language's default`,
      );
    }
  }
}

/** Adds a string `name` to `seen`, reporting it at `path` when an earlier `entry` has it. */
function unique(
  add: Add,
  seen: Set<string>,
  name: unknown,
  path: Path,
  entry: string,
  key = "names",
): void {
  if (typeof name !== "string") return;
  if (seen.has(name)) add(path, `"${name}" is used by an earlier ${entry}; ${key} must be unique`);
  seen.add(name);
}

function isLanguage(x: unknown): x is Language {
  return (LANGUAGES as readonly unknown[]).includes(x);
}

function isObj(v: unknown): v is Raw {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/**
 * The contact checks of one contact on its own (engagement offsets, channels against addresses),
 * with paths relative to the contact: the multi-language PersonalContact (plugin/) validates its
 * arguments as a stack config contact.
 */
export function contactCrossChecks(contact: unknown): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  checkContacts({
    cfg: { contacts: [contact] },
    add: (path, message) => out.push({ path: formatPath(path.slice(2)), message }),
  });
  return out;
}
