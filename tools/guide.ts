/**
 * The responder guide behind `npm run guide` (cli/guide.ts parses the command line and prints).
 *
 * The responder guide of a stack, in Markdown: what a page looks like on each channel the stack
 * uses, how to acknowledge (and the one key never to press on a call), who is paged when for each
 * level, who is on call, the drill schedule and how to activate a channel. Written for the people
 * who get paged, so it may be shared: it never prints a phone number or an e-mail address
 * (people by display name and alias, channels by kind).
 *
 * `buildGuide` is pure (the clock is a parameter); the CLI reads the stack config offline, like
 * `npm run plan`, and does the I/O; only `--overrides` reads from AWS (the rotations' overrides,
 * with the caller's credentials, tools/override.ts readStackOverrides). Exit codes: 0 written, 1 the output file could not be
 * written, 2 config errors or bad usage.
 */
import { closeSync, constants, existsSync, lstatSync, openSync, writeSync } from "node:fs";
import * as path from "node:path";
import { UsageError } from "./cliArgs";
import { ChannelKind, ConfigError, ContactConfig, StackConfig } from "../config/schema";
import { channelsUsed, names, parseRef } from "../components/builders";
import { scrub, sensitiveValues } from "../config/sensitive";
import { LANGUAGES, type Language } from "../config/backend";
import { localTime as calendarLocalTime } from "../handlers/shared/calendar";
import { loadStackConfigFile } from "./stackFile";
import { readOverridesFlag, type OverrideClients } from "./override";
import { escalationEnd, hoursFacts, localStamp } from "./planReport";
import {
  LevelTimeline,
  RotationNow,
  RotationOverride,
  TargetLabel,
  Timeline,
  TimelineEvent,
  buildTimeline,
  channelList,
  localParts,
} from "./timeline";

/** A scheduled drill, as `drills[]` in the stack config says it. */
export interface GuideDrill {
  readonly level: string;
  /** EventBridge Scheduler expression: `cron(...)`, `rate(...)` or `at(...)`. */
  readonly schedule: string;
  /** IANA time zone of the schedule (EventBridge Scheduler's default is UTC). */
  readonly timeZone: string;
  /** Minutes after the start when the drill's result is reported (undefined: not said). */
  readonly reportAfterMinutes?: number;
}

export interface GuideOptions {
  /** The command that regenerates this guide (printed in its header). */
  readonly command?: string;
  /** Where the config came from (printed in its header), e.g. `Pulumi.prod.yaml`. */
  readonly source?: string;
  /** Language of the step-functions backend's sections (default: the stack's `language`). */
  readonly lang?: Language;
  /** Hours an acknowledgement link stays valid (step-functions); unknown when absent. */
  readonly ackLinkHours?: number;
  /**
   * The stack's active and upcoming rotation overrides, read with `--overrides`
   * (tools/override.ts readStackOverrides); absent: not read (the guide is offline).
   */
  readonly overrides?: readonly RotationOverride[];
}

const KIND_NAME: Record<ChannelKind, string> = { email: "e-mail", sms: "SMS", voice: "voice call" };

/** What every section of the guide reads. */
interface GuideContext {
  readonly cfg: StackConfig;
  readonly stack: string;
  readonly timeline: Timeline;
  /** A person as the guide names them: display name and alias, never an address. */
  readonly who: (alias: string) => string;
  /** The channel kinds some contact is paged on. */
  readonly used: ReadonlySet<ChannelKind>;
  /** The command that regenerates the guide. */
  readonly command: string;
  readonly source?: string;
  /** The first level that opens an incident (the example for drills). */
  readonly firstIncident?: LevelTimeline;
  /** The overrides read with --overrides; undefined when not read. */
  readonly overrides?: readonly RotationOverride[];
}

/** The responder guide of a stack, as Markdown. Pure: `now` resolves the on-call rotations. */
export function buildGuide(
  cfg: StackConfig,
  stack: string,
  now: Date,
  opts: GuideOptions = {},
): string {
  const timeline = buildTimeline(cfg, stack, now, opts.overrides);
  const people = new Map(cfg.contacts.map((c) => [c.alias, c]));
  const g: GuideContext = {
    cfg,
    stack,
    timeline,
    who: (alias) => person(people.get(alias), alias),
    used: new Set<ChannelKind>(cfg.contacts.flatMap((c) => channelsUsed(c))),
    command: opts.command ?? `npm run guide -- --stack ${stack}`,
    source: opts.source,
    firstIncident: timeline.levels.find((l) => l.mode === "incident"),
    overrides: opts.overrides,
  };
  if (cfg.backend === "step-functions") {
    const lang = opts.lang ?? cfg.language;
    const sf = [
      guideHeader,
      (x: GuideContext) => stepFunctionsSections(x, lang, opts.ackLinkHours),
      (x: GuideContext) => stepFunctionsSchedule(x, lang),
      (x: GuideContext) => workingHoursSection(x, lang, now),
      drillsSection,
    ].flatMap((section) => section(g));
    return scrub(`${sf.join("\n").trimEnd()}\n`, sensitiveValues(cfg));
  }
  const out = [
    guideHeader,
    atAGlance,
    channelsSection,
    voiceCallsSection,
    acknowledgingSection,
    scheduleSection,
    // The Incident Manager guide is English (--lang is the step-functions guide's): so is this.
    (x: GuideContext) => workingHoursSection(x, "en", now),
    drillsSection,
    activationSection,
  ].flatMap((section) => section(g));
  return scrub(`${out.join("\n").trimEnd()}\n`, sensitiveValues(cfg));
}

/** The title and the line that says how the guide was generated. */
function guideHeader(g: GuideContext): string[] {
  const { stack, timeline, command, source } = g;
  const out: string[] = [];
  const p = (...lines: string[]) => out.push(...lines);
  p(`# Responder guide: stack \`${stack}\``, "");
  p(
    `_Generated by \`${command}\`${source ? ` from \`${source}\`` : ""} at ${timeline.plannedAt}. ` +
      "Do not edit by hand: change the stack config and regenerate. This guide never contains " +
      "anyone's phone number or e-mail address, so it can be shared" +
      (g.cfg.channels?.voice && g.used.has("voice")
        ? " (the number it shows is the stack's own caller ID)._"
        : "._"),
    "",
  );
  return out;
}

/** At a glance: how to acknowledge on each channel used, who is on call. */
function atAGlance(g: GuideContext): string[] {
  const { timeline, who, used } = g;
  const out: string[] = [];
  const p = (...lines: string[]) => out.push(...lines);
  p("## At a glance", "");
  p(
    used.has("voice")
      ? "- **Voice call: press 1 to acknowledge. Never press 9: 9 removes you from the engagement list.**"
      : "- **This stack does not call anyone, but if Incident Manager ever calls you: press 1 to " +
          "acknowledge, never press 9 (9 removes you from the engagement list).**",
  );
  if (used.has("sms")) p("- SMS: reply with the acknowledgement code given in the message.");
  if (used.has("email")) p("- E-mail: use the acknowledgement link or code in the e-mail.");
  p(
    "- Acknowledge first, then look: until someone acknowledges, the escalation moves on to the next people.",
    "- A channel that is not activated pages nobody: [activate yours](#activate-your-channels) before your first shift.",
  );
  for (const r of timeline.rotations) p(`- ${rotationLine(r, who)}`);
  if (timeline.rotations.length === 0)
    p("- This stack has no on-call rotation: every stage pages named people.");
  p("");
  return out;
}

/** 1. The channels this stack pages on, and what each page looks like. */
function channelsSection(g: GuideContext): string[] {
  const { cfg, timeline, used } = g;
  const out: string[] = [];
  const p = (...lines: string[]) => out.push(...lines);
  p("## Channels this stack pages on", "");
  const usedKinds = (["email", "sms", "voice"] as const).filter((k) => used.has(k));
  const unused = (["email", "sms", "voice"] as const).filter((k) => !used.has(k));
  p(`This stack pages by: **${usedKinds.map((k) => KIND_NAME[k]).join(", ")}**.`);
  if (unused.length > 0) p(`It does not page by ${unused.map((k) => KIND_NAME[k]).join(" or ")}.`);
  p("");
  p(
    ...table(
      ["person", "alias", "channels"],
      cfg.contacts.map((c) => [md(c.displayName), `\`${c.alias}\``, channelList(channelsUsed(c))]),
    ),
    "",
  );

  const example = exampleTitle(timeline);
  if (used.has("email")) {
    p("### E-mail", "");
    p(
      "The e-mail comes from AWS Systems Manager Incident Manager. Its subject carries the " +
        `incident title, which this stack sets to \`[<level>] CloudWatch alarm "<alarm name>"\` ` +
        `(for example \`${example}\`). It contains an acknowledgement link and code: ` +
        "[acknowledge](#acknowledging) with them. Text in quotes after " +
        '"CloudWatch alarm" or "(quoted from CloudWatch)" comes from the alarm, not from this ' +
        "stack: whoever set up the alarm chose it, so a quoted `[RESOLVED]` resolves nothing." +
        (timeline.levels.some((l) => l.mode === "engage")
          ? " Levels that engage people without opening an incident send the subject " +
            '`[<level>] CloudWatch alarm "<alarm name>" is in ALARM` instead, with the alarm\'s ' +
            "reason and a console link."
          : ""),
      "",
    );
  }
  if (used.has("sms")) {
    p("### SMS", "");
    p(
      "A short text message from Incident Manager about the incident, with an acknowledgement " +
        "code. To acknowledge, reply with the acknowledgement code given in the message. It is " +
        "short: read the details in the e-mail or the Incident Manager console.",
      "",
    );
  }
  if (used.has("voice")) {
    p("### Voice call", "");
    p("See [Voice calls](#voice-calls) below: read it before your first shift.", "");
  }
  if (unused.includes("sms") || unused.includes("voice")) {
    const missing = unused.filter((k) => k !== "email");
    p(`### Not used by this stack: ${missing.map((k) => KIND_NAME[k]).join(", ")}`, "");
    p(
      `Nobody is paged by ${missing.map((k) => KIND_NAME[k]).join(" or ")} here. To add them, give ` +
        "the contact a phone number as a secret " +
        "(`pulumi config set --secret --path 'contacts[<n>].phone' '+<country><number>'`), add a " +
        "stage to its engagement (`- { after: 10, via: [sms, voice] }`), deploy, " +
        "[activate](#activate-your-channels) the new channels and regenerate this guide.",
      "",
    );
  }
  return out;
}

/** 2. Voice calls: always, because the rule about 9 matters the first time you are called. */
function voiceCallsSection(g: GuideContext): string[] {
  const { used } = g;
  const out: string[] = [];
  const p = (...lines: string[]) => out.push(...lines);
  p("## Voice calls", "");
  if (!used.has("voice"))
    p(
      "_This stack does not call anyone today. Read this anyway: other stacks may, and the rule " +
        "about 9 matters the first time you are called._",
      "",
    );
  p(
    "> **Press 1 to acknowledge.**",
    ">",
    "> **Never press 9. Pressing 9 removes you from the engagement list:** you stop being paged " +
      "for it, and the page is not acknowledged. If you pressed 9 by mistake, say so in the " +
      "incident channel at once and check your voice channel in the console " +
      "([activate it again](#activate-your-channels) if it is no longer active).",
    "",
  );
  p(
    "- The call is an automated message **in English, spoken fast**. It does not wait for you: " +
      "listen for the incident title, then press 1.",
    "- Calls come from a **US number or a withheld number**, not from a local number. Do not " +
      "reject unknown or withheld callers while you are on call.",
    "- If you miss the call, acknowledge by SMS code or e-mail instead; do not wait for another call.",
    "",
  );
  p("**Set up your phone before your first shift:**", "");
  p(
    "1. Add Incident Manager's contact card to your phone's contacts: in the Incident Manager " +
      'console open **Contacts → your contact → "Download contact card"**, or use the contact ' +
      "card from the activation e-mail/SMS.",
    "2. Let that contact ring through **silent mode and Do Not Disturb / Focus** (add it to the " +
      "allowed people or favourites).",
    "3. Withheld numbers cannot match a contact card: turn off silencing of unknown callers " +
      "(and call screening) while you are on call.",
    "4. Take part in a [drill](#drills) to hear a real call once.",
    "",
  );
  return out;
}

/** 3. How to acknowledge, and what acknowledging does. */
function acknowledgingSection(g: GuideContext): string[] {
  const { cfg } = g;
  const out: string[] = [];
  const p = (...lines: string[]) => out.push(...lines);
  p("## Acknowledging", "");
  p(
    `- **Voice call:** press 1 (never 9).`,
    `- **SMS:** reply with the acknowledgement code given in the message.`,
    `- **E-mail:** open the acknowledgement link in the e-mail (or use its code where the e-mail asks for it).`,
    "- **AWS CLI (last resort):** `aws ssm-contacts accept-page --page-id <page arn> " +
      "--accept-type READ --accept-code <code>`.",
    "",
  );
  const anyStage = cfg.escalation.length > 0;
  const allEssential = cfg.escalation.every((s) => s.essential);
  p("What happens when you acknowledge:", "");
  p(
    "- Your own engagement stops: you are not sent the later channels of that page (no SMS or " +
      "call after you acknowledged the e-mail).",
  );
  if (anyStage) {
    p(
      allEssential
        ? "- Every escalation stage of this stack is **essential**: an acknowledgement by anyone " +
            "engaged in a stage stops the escalation, and later stages are not engaged."
        : "- An acknowledgement by an **essential** target stops the escalation; stages marked " +
            "_not essential_ below do not: the escalation continues until an essential target " +
            "acknowledges.",
    );
  }
  p(
    "- Acknowledging does not resolve the incident. Incident Manager never resolves one by " +
      "itself: resolve it in the console when the work is done" +
      (Object.values(cfg.levels).some((l) => l.page && l.resolveOnRecovery)
        ? " (levels marked _resolved on recovery_ below are resolved by the stack when the alarm returns to OK)."
        : "."),
    "- If you cannot respond, do not acknowledge (and do not press 9): let the page escalate, " +
      "and say so in the team channel.",
    "",
  );
  return out;
}

/** 4. Who is on call, then the timeline of each level. */
function scheduleSection(g: GuideContext): string[] {
  const { cfg, timeline, who } = g;
  const out: string[] = [];
  const p = (...lines: string[]) => out.push(...lines);
  p("## Who is on call", "");
  if (timeline.rotations.length === 0) {
    p("This stack has no on-call rotation: every stage pages named people.", "");
  } else {
    for (const r of timeline.rotations) p(`- ${rotationLine(r, who)}`);
    p(...overridesLines(g, "en"));
    p("");
    p(
      `Resolved for ${timeline.plannedAt}. The authoritative schedule is Incident Manager's: ` +
        "console → On-call schedules, or `aws ssm-contacts list-preview-rotation-shifts`.",
      "",
    );
  }

  p("## Who is paged when, by level", "");
  p(
    `T+N is N minutes after the alarm fires (the CloudWatch alarm \`${timeline.prefix}-<level>-<alarm>\`` +
      " enters ALARM). **This timeline is the plan** computed from the stack config" +
      (timeline.rotations.length > 0
        ? `, with the rotations resolved for ${timeline.plannedAt}`
        : "") +
      "; **Incident Manager is the source of truth** " +
      "for who is engaged during an incident (console → the incident → Engagements).",
    "",
  );
  for (const l of timeline.levels) p(...renderLevel(l, cfg, who));
  return out;
}

/** 5. The scheduled drills. */
function drillsSection(g: GuideContext): string[] {
  const { cfg, stack, timeline, firstIncident } = g;
  const out: string[] = [];
  const p = (...lines: string[]) => out.push(...lines);
  p("## Drills", "");
  const drills = drillsOf(cfg);
  const levelForDrill = firstIncident?.level ?? "<level>";
  if (drills.length === 0) {
    p(
      `No drills are scheduled; run \`npm run drill -- --stack ${stack} --level ${levelForDrill}\`` +
        " to run one by hand.",
      "",
    );
  } else {
    const chat = [
      ...(cfg.notifications.slack ? ["Slack"] : []),
      ...(cfg.notifications.teams ? ["Microsoft Teams"] : []),
    ];
    p(
      "A drill opens a real incident titled `[DRILL] <level> paging drill <time>` through the " +
        "level's response plan: you are paged exactly as in that level's timeline above. " +
        "**Acknowledge it as you would a real page**; that is what the drill measures. When the " +
        "report is due, it is posted to " +
        (chat.length > 0 ? chat.join(" and ") : "the stack's alerts topic") +
        " and the drill incident is resolved.",
      "",
    );
    for (const d of drills) {
      const lt = timeline.levels.find((l) => l.level === d.level);
      const pages =
        lt === undefined
          ? " (this level is not defined in the stack)"
          : lt.mode !== "incident"
            ? " (this level opens no incident, so it cannot be drilled)"
            : "";
      const report =
        d.reportAfterMinutes === undefined
          ? ""
          : `; report ${d.reportAfterMinutes} minutes after the start`;
      const words = describeSchedule(d.schedule, d.timeZone);
      p(
        `- **${d.level}**${pages}: ${words ?? `\`${d.schedule}\` (${d.timeZone})`}` +
          `${words ? ` (\`${d.schedule}\`)` : ""}${report}.`,
      );
    }
    p("");
    p(`Run one by hand: \`npm run drill -- --stack ${stack} --level ${drills[0].level}\`.`, "");
  }
  return out;
}

/** 6. How to activate a contact channel. */
function activationSection(g: GuideContext): string[] {
  const { cfg, stack, timeline, who } = g;
  const out: string[] = [];
  const p = (...lines: string[]) => out.push(...lines);
  p("## Activate your channels", "");
  p(
    "**A contact channel created by this stack starts `NOT_ACTIVATED` and pages nobody until it " +
      "is activated with a code sent to the device.** Check yours after every deploy that adds " +
      "one:",
    "",
  );
  for (const c of cfg.contacts) {
    p(
      `- ${who(c.alias)}: contact \`${names.contact(timeline.prefix, c.alias)}\`, channels ` +
        channelsUsed(c)
          .map((k) => `\`${names.channel(timeline.prefix, c.alias, k)}\``)
          .join(", "),
    );
  }
  p("");
  p(
    `1. \`npm run activate -- --stack ${stack}\`: lists the channels that are not activated yet ` +
      "and activates them with the codes sent to the devices.",
    "2. Or the Incident Manager console: **Contacts → your contact → the channel → Activate**, " +
      "and enter the code sent to the device.",
    "3. Or the AWS CLI (`pulumi stack output channelsToActivate` lists the channel ARNs):",
    "",
  );
  p(
    "```sh",
    "aws ssm-contacts send-activation-code --contact-channel-id <arn>",
    "# the code arrives by e-mail / SMS / voice call on that device",
    "aws ssm-contacts activate-contact-channel --contact-channel-id <arn> --activation-code <code>",
    "```",
    "",
  );
  return out;
}

function renderLevel(l: LevelTimeline, cfg: StackConfig, who: (alias: string) => string): string[] {
  const out: string[] = [];
  const what =
    l.mode === "incident"
      ? "opens an incident"
      : l.mode === "engage"
        ? "engages people directly, no incident"
        : "pages nobody";
  const resolved = l.mode === "incident" && cfg.levels[l.level]?.resolveOnRecovery;
  out.push(
    `### ${l.level}: impact ${l.impact}, ${what}${resolved ? ", resolved on recovery" : ""}`,
    "",
  );
  const alarms = [...l.alarms.map((a) => a.name), ...l.externalAlarms];
  out.push(
    alarms.length === 0
      ? "Alarms: none routed to this level."
      : `Alarms: ${alarms.map((a) => `\`${a}\``).join(", ")}.`,
    "",
  );
  if (l.mode === "notify") {
    out.push(`Pages nobody. Goes to ${destinations(l)}.`, "");
    return out;
  }
  for (const e of l.events) out.push(`- ${eventLine(e, who)}`);
  if (l.mode === "incident") {
    const end = l.engine ? escalationEnd(l) : "the escalation plan ends; it does not repeat";
    out.push(`- \`T+${l.endsAt}\` ${end}`);
  }
  const stops =
    l.mode === "incident"
      ? "Stops as soon as an essential target acknowledges."
      : "Nobody else is engaged: there is no escalation beyond these people.";
  out.push("", `${stops} Also goes to ${destinations(l)}.`, "");
  return out;
}

/** One timeline line, e.g. ``- `T+10` Sato Hanako (`sato`): SMS, voice``. */
export function eventLine(e: TimelineEvent, who: (alias: string) => string): string {
  if (e.kind === "stage") {
    const targets = e.targets.map((t) => targetLabel(t, who)).join("; ");
    return `\`T+${e.at}\` **stage ${e.stage}** (${e.minutes} min): ${targets}`;
  }
  const extra = e.via === "response plan engagement" ? " (engaged by the response plan)" : "";
  return `\`T+${e.at}\` ${who(e.contact)}: ${channelList(e.channels)}${extra}`;
}

function targetLabel(t: TargetLabel, who: (alias: string) => string): string {
  const { kind, name } = parseRef(t.ref);
  const essential = t.essential ? "" : " (not essential)";
  if (kind === "contact") return `${who(name)}${essential}`;
  const now = t.onCallNow ?? [];
  return (
    `on-call rotation \`${name}\`${essential}, on call now: ` +
    (now.length > 0 ? now.map(who).join(", ") : "nobody")
  );
}

function rotationLine(
  r: RotationNow,
  who: (alias: string) => string,
  lang: Language = "en",
): string {
  if (lang === "ja") {
    const by = r.override ? `(${stampJa(r.override.until, r.timeZone)} までオーバーライド)` : "";
    return (
      `当番ローテーション \`${r.name}\`: 現在の当番は **${r.now.map(who).join("、")}**${by}。` +
      `次は ${stampJa(r.nextHandoff, r.timeZone)}(${r.timeZone})から ${r.next.map(who).join("、")}`
    );
  }
  const by = r.override ? ` by override until ${localTime(r.override.until, r.timeZone)}` : "";
  return (
    `On-call rotation \`${r.name}\`: on call now **${r.now.map(who).join(", ")}**${by}; ` +
    `next ${r.next.map(who).join(", ")} from ${localTime(r.nextHandoff, r.timeZone)}`
  );
}

/**
 * After the rotation lines: the upcoming overrides of each rotation (read with --overrides), or
 * one line saying they were not read and how to see them.
 */
function overridesLines(g: GuideContext, lang: Language): string[] {
  const { timeline, who, stack } = g;
  const ja = lang === "ja";
  if (timeline.rotations.length === 0) return [];
  if (g.overrides === undefined)
    return [
      ja
        ? `- オーバーライド(一時的な当番の交代)はオフラインでは読み込んでいません。反映するには \`--overrides\` を付けて再生成するか、\`npm run override -- --stack ${stack} --rotation <r> --list\` で確認してください。`
        : `- Overrides (someone else on call for a while) are not read offline: regenerate with \`--overrides\` to include them, or see them with \`npm run override -- --stack ${stack} --rotation <r> --list\`.`,
    ];
  const plannedAt = Date.parse(timeline.plannedAt);
  return timeline.rotations.map((r) => {
    const upcoming = g.overrides!.filter(
      (o) => o.rotation === r.name && Date.parse(o.from) > plannedAt,
    );
    if (upcoming.length === 0)
      return ja
        ? `- \`${r.name}\` の予定されたオーバーライドはありません。`
        : `- No upcoming overrides of \`${r.name}\`.`;
    const items = upcoming.map((o) =>
      ja
        ? `${o.members.map(who).join("、")}(${stampJa(o.from, r.timeZone)}〜${stampJa(o.to, r.timeZone)})`
        : `${o.members.map(who).join(", ")} from ${localTime(o.from, r.timeZone)} to ${localTime(o.to, r.timeZone)}`,
    );
    return ja
      ? `- \`${r.name}\` の予定されたオーバーライド(${r.timeZone}): ${items.join("、")}`
      : `- Upcoming overrides of \`${r.name}\`: ${items.join("; ")}`;
  });
}

const WEEKDAY_SHORT = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** `Mon 2026-03-09 09:00 Asia/Tokyo`. */
export function localTime(iso: string, timeZone: string): string {
  const t = localParts(new Date(iso), timeZone);
  return (
    `${WEEKDAY_SHORT[t.weekday]} ${t.year}-${pad(t.month)}-${pad(t.day)} ` +
    `${pad(t.hour)}:${pad(t.minute)} ${timeZone}`
  );
}

function destinations(l: LevelTimeline): string {
  const d = [
    ...(l.notifies.slack ? ["Slack"] : []),
    ...(l.notifies.teams ? ["Microsoft Teams"] : []),
    ...(l.notifies.webhooks.length > 0
      ? [`webhooks (${l.notifies.webhooks.map((w) => `\`${w}\``).join(", ")})`]
      : []),
  ];
  if (d.length === 0) return "no chat channel or webhook (nothing else is told)";
  return `${d.join(" and ")}, on ALARM and when the alarm recovers (OK)`;
}

function exampleTitle(t: Timeline): string {
  const level = t.levels.find((l) => l.mode === "incident") ?? t.levels[0];
  const alarm = level?.alarms[0]?.name ?? level?.externalAlarms[0] ?? "<alarm name>";
  return `[${level?.level ?? "<level>"}] CloudWatch alarm "${alarm}"`;
}

/** `Sato Hanako (`sato`)`: display name and alias, never an address. */
function person(c: ContactConfig | undefined, alias: string): string {
  return c ? `${md(c.displayName)} (\`${alias}\`)` : `\`${alias}\``;
}

/** Escapes the Markdown emphasis character a display name may contain. */
function md(s: string): string {
  return s.replace(/_/g, "\\_");
}

/** A Markdown table with padded columns, as Prettier writes it (so regenerating is stable). */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = head.map((h, i) => Math.max(3, width(h), ...rows.map((r) => width(r[i]))));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => c + " ".repeat(widths[i] - width(c))).join(" | ")} |`;
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

/** Display width: East Asian wide and full-width characters count as two columns. */
function width(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    const wide =
      (cp >= 0x1100 && cp <= 0x115f) ||
      (cp >= 0x2e80 && cp <= 0xa4cf) ||
      (cp >= 0xac00 && cp <= 0xd7a3) ||
      (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xfe30 && cp <= 0xfe4f) ||
      (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6);
    n += wide ? 2 : 1;
  }
  return n;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

// ---------------------------------------------------------------------------------------------
// Drills

/**
 * The stack's `drills[]`, read defensively: the schema may or may not have the key, and an entry
 * without a level or schedule is skipped.
 */
export function drillsOf(cfg: StackConfig): GuideDrill[] {
  const raw: unknown = (cfg as { drills?: unknown }).drills;
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((d: unknown): GuideDrill[] => {
    if (typeof d !== "object" || d === null) return [];
    const r = d as Record<string, unknown>;
    if (typeof r.level !== "string" || typeof r.schedule !== "string") return [];
    return [
      {
        level: r.level,
        schedule: r.schedule,
        timeZone: typeof r.timeZone === "string" ? r.timeZone : "UTC",
        ...(typeof r.reportAfterMinutes === "number"
          ? { reportAfterMinutes: r.reportAfterMinutes }
          : {}),
      },
    ];
  });
}

const DAY_NAMES: Record<string, string> = {
  SUN: "Sunday",
  MON: "Monday",
  TUE: "Tuesday",
  WED: "Wednesday",
  THU: "Thursday",
  FRI: "Friday",
  SAT: "Saturday",
};
/** EventBridge cron day-of-week numbers: 1 = Sunday … 7 = Saturday. */
const DAY_NUMBERS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const ORDINALS = ["first", "second", "third", "fourth", "fifth"];

function dayName(token: string): string | undefined {
  const t = token.toUpperCase();
  if (/^[1-7]$/.test(t)) return DAY_NAMES[DAY_NUMBERS[Number(t) - 1]];
  return DAY_NAMES[t];
}

/**
 * An EventBridge Scheduler expression in words, or undefined when it is not one of the shapes
 * rendered here (the caller then shows the expression):
 * `cron(0 10 ? * MON#1 *)` → "first Monday of the month at 10:00 Asia/Tokyo";
 * weekly (`MON`, `MON,THU`, `MON-FRI` → "Monday to Friday at …"), the last weekday of the
 * month (`FRIL`, `6L`), daily, day N or the last day of the month; `rate(N unit)`;
 * `at(yyyy-mm-ddThh:mm:ss)`.
 * Only every month and every year (`*` in the month and year fields) are rendered.
 */
export function describeSchedule(expr: string, timeZone: string): string | undefined {
  const s = expr.trim();
  const rate = /^rate\((\d+)\s+(minutes?|hours?|days?)\)$/.exec(s);
  if (rate) {
    const n = Number(rate[1]);
    const unit = rate[2].replace(/s$/, "");
    return n === 1 ? `every ${unit}` : `every ${n} ${unit}s`;
  }
  const at = /^at\((\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):\d{2}\)$/.exec(s);
  if (at) return `once, on ${at[1]} at ${at[2]}:${at[3]} ${timeZone}`;

  const cron = /^cron\((.+)\)$/.exec(s);
  if (!cron) return undefined;
  const fields = cron[1].trim().split(/\s+/);
  if (fields.length !== 6) return undefined;
  const [min, hour, dom, month, dow, year] = fields;
  if (!/^\d{1,2}$/.test(min) || !/^\d{1,2}$/.test(hour)) return undefined;
  if (Number(min) > 59 || Number(hour) > 23) return undefined;
  if (month !== "*" || (year !== "*" && year !== "?")) return undefined;
  const time = `at ${pad(Number(hour))}:${pad(Number(min))} ${timeZone}`;
  const any = (f: string) => f === "*" || f === "?";

  if (any(dom) && any(dow)) return `every day ${time}`;
  if (any(dom)) {
    const nth = /^([A-Za-z]{3}|[1-7])#([1-5])$/.exec(dow);
    if (nth) {
      const day = dayName(nth[1]);
      return day && `${ORDINALS[Number(nth[2]) - 1]} ${day} of the month ${time}`;
    }
    const last = /^([A-Za-z]{3}|[1-7])L$/.exec(dow);
    if (last) {
      const day = dayName(last[1]);
      return day && `last ${day} of the month ${time}`;
    }
    const range = /^([A-Za-z]{3}|[1-7])-([A-Za-z]{3}|[1-7])$/.exec(dow);
    if (range) {
      const [from, to] = [dayName(range[1]), dayName(range[2])];
      return from && to && `${from} to ${to} ${time}`;
    }
    const days = dow.split(",").map(dayName);
    if (days.every((d): d is string => d !== undefined)) {
      const list =
        days.length === 1 ? days[0] : `${days.slice(0, -1).join(", ")} and ${days.at(-1)}`;
      return `every ${list} ${time}`;
    }
    return undefined;
  }
  if (any(dow)) {
    if (dom === "L") return `last day of the month ${time}`;
    if (/^\d{1,2}$/.test(dom) && Number(dom) >= 1 && Number(dom) <= 31)
      return `day ${Number(dom)} of the month ${time}`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Backend step-functions: how a page arrives, acknowledging, recovery, verification (ja | en)

/**
 * What a responder of the step-functions backend needs to know, in `lang`: pages come as e-mail
 * (SES) and SMS (End User Messaging) from this stack's own engine, each with an acknowledgement
 * link; opening the link shows a page and never acknowledges (mail scanners open links), the
 * button on it does; acknowledging stops what is still pending for the incident; recovery
 * resolves the incident only for levels with `resolveOnRecovery`. Built from the config alone.
 */
export function stepFunctionsSections(
  g: GuideContext,
  lang: Language,
  ackLinkHours?: number,
): string[] {
  const { cfg, stack, used, who, timeline } = g;
  const ja = lang === "ja";
  const out: string[] = [];
  const p = (...lines: string[]) => out.push(...lines);
  const levels = Object.entries(cfg.levels).filter(([, l]) => l.page);
  const resolving = levels.filter(([, l]) => l.resolveOnRecovery).map(([n]) => `\`${n}\``);
  const continuing = levels.filter(([, l]) => !l.resolveOnRecovery).map(([n]) => `\`${n}\``);
  const expiry =
    ackLinkHours === undefined
      ? ja
        ? "リンクには有効期限があります(期限はデプロイ時に決まります)。"
        : "Links expire (the time is set when the stack is deployed)."
      : ja
        ? `リンクの有効期限は ${ackLinkHours} 時間です。`
        : `A link expires ${ackLinkHours} hours after the page was sent.`;

  p(ja ? "## 概要" : "## At a glance", "");
  p(
    ja
      ? "- このスタックは Incident Manager を使わず、このプロジェクト自身のエスカレーション エンジン(AWS Step Functions)で呼び出します。"
      : "- This stack pages through this project's own escalation engine (AWS Step Functions), not Incident Manager.",
    ja
      ? "- **呼び出しを受けたら、まず応答(確認)してください。** 誰かが応答するまで、エスカレーションは次の人へ進みます。"
      : "- **Acknowledge first, then look:** until someone acknowledges, the escalation moves on to the next people.",
    ja
      ? "- 応答の方法: メールまたは SMS のリンクを開き、表示されたページのボタンを押します。ターミナルからは `npm run ack` でも応答できます。"
      : "- To acknowledge: open the link in the e-mail or SMS and press the button on the page it shows; from a terminal, `npm run ack` does the same.",
  );
  if (used.has("voice")) {
    p(
      ja
        ? "- 電話の場合: 案内を聞いて **1 を押し、続けてもう一度 1 を押す** と応答になります。"
        : "- On a call: listen, then **press 1, and 1 again** to acknowledge.",
    );
  }
  for (const r of timeline.rotations) p(`- ${rotationLine(r, who, lang)}`);
  p(...overridesLines(g, lang));
  p("");

  p(ja ? "## 呼び出しの届き方" : "## How a page arrives", "");
  const order = (["email", "sms", "voice"] as const).filter((k) => used.has(k));
  const JA_KIND = { email: "メール", sms: "SMS", voice: "電話(音声通話)" } as const;
  p(
    ja
      ? `このスタックの呼び出し手段: **${order.map((k) => JA_KIND[k]).join("、")}**。各人のエンゲージメント計画に従い、通常はまずメール、応答がなければ数分後に SMS${used.has("voice") ? " や電話" : ""}が届きます(時刻は下の表を参照)。`
      : `This stack pages by: **${order.map((k) => KIND_NAME[k]).join(", ")}**. Each person's engagement plan sets the order: usually an e-mail first, then an SMS${used.has("voice") ? " or a call" : ""} a few minutes later if nobody has acknowledged (times in the table below).`,
    "",
  );
  if (used.has("email")) {
    p(ja ? "### メール" : "### E-mail", "");
    p(
      ja
        ? "Amazon SES から、スタックで設定した送信元アドレスで届きます。件名にレベルとアラーム名があり、本文に応答用のリンクがあります。"
        : "Sent through Amazon SES from the sender address the stack configures. The subject names the level and the alarm; the body has the acknowledgement link.",
      "",
    );
  }
  if (used.has("sms")) {
    p("### SMS", "");
    p(
      ja
        ? "AWS End User Messaging SMS から届く短いメッセージで、応答用のリンクが入っています。SMS に STOP と返信すると、それ以降このスタックからの SMS は一切届かなくなります。返信しないでください。"
        : "A short text from AWS End User Messaging SMS with the acknowledgement link. Do not reply STOP: a number that replies STOP gets no more texts from this account, pages included.",
      "",
    );
  }

  const voice = cfg.channels?.voice;
  if (used.has("voice") && voice !== undefined) p(...voiceCallLines(ja, voice.sourcePhoneNumber));

  p(ja ? "## 応答(確認)" : "## Acknowledging", "");
  p(
    ja
      ? `リンクを開くと確認ページが表示されます。**ページを開いただけでは応答になりません**(メールのスキャナーがリンクを開くことがあるため)。ページの「応答する」ボタンを押すと応答になります。${expiry}期限切れのリンクでは何も変わらないので、\`npm run ack -- --stack ${stack} --incident <id>\` を使ってください。`
      : `Opening the link shows a confirmation page. **Opening it does not acknowledge** (mail scanners open links); pressing the button on the page does. ${expiry} An expired link changes nothing: use \`npm run ack -- --stack ${stack} --incident <id>\` instead.`,
    "",
    ja
      ? "応答すると、そのインシデントでまだ送られていない呼び出し(応答後の SMS、次の段階の人への呼び出し)はすべて止まります。二度押しても何も起きません。"
      : "Acknowledging stops everything still pending for the incident: no SMS after the acknowledged e-mail, no next stage. Pressing twice changes nothing.",
    "",
    ja
      ? `インシデントの一覧とタイムライン(誰にいつどの手段で送ったか、誰が応答したか): \`npm run incidents -- --stack ${stack}\`、1 件の詳細は \`--show <id>\`、解決は \`--resolve <id>\`。`
      : `Incidents and their timelines (who was paged when, over which channel, who acknowledged): \`npm run incidents -- --stack ${stack}\`; one incident with \`--show <id>\`, resolve it with \`--resolve <id>\`.`,
    "",
  );

  p(ja ? "## アラームが回復したとき" : "## When the alarm recovers", "");
  if (resolving.length > 0) {
    p(
      ja
        ? `${resolving.join("、")}: アラームが OK に戻るとインシデントは解決済みになり、エスカレーションは止まります。`
        : `${resolving.join(", ")}: when the alarm returns to OK, the incident resolves and the escalation stops.`,
    );
  }
  if (continuing.length > 0) {
    p(
      ja
        ? `${continuing.join("、")}: アラームが OK に戻ってもタイムラインに記録されるだけで、**誰かが応答するまでエスカレーションは続きます**。回復に気づいたら応答してください。`
        : `${continuing.join(", ")}: an OK only adds a note to the timeline; **the escalation continues until someone acknowledges**. Acknowledge even when it has recovered.`,
    );
  }
  p("");

  p(ja ? "## 初めての当番の前に(受信の確認)" : "## Before your first shift: verification", "");
  p(
    ja
      ? `新しい AWS アカウントの SES と SMS はサンドボックスにあり、確認済みのメールアドレスと電話番号にしか送れません。\`npm run activate -- --stack ${stack}\` を実行すると、SES から確認メールが届き(リンクを開いて確認)、SMS には確認コードが届きます(コードを伝えて入力)。確認が済むまで、あなたには何も届きません。`
      : `A new AWS account's SES and SMS are in a sandbox that sends only to verified addresses and numbers. \`npm run activate -- --stack ${stack}\` has SES mail you a verification link (open it) and texts you a code (read it back to be entered). Until then nothing reaches you.`,
    "",
  );
  return out;
}

/**
 * The voice call of the step-functions backend (components/engine/contactFlow.ts): who calls from
 * which number, what it says, 1 then 1 again, and what happens otherwise.
 */
function voiceCallLines(ja: boolean, sourcePhoneNumber: string): string[] {
  return ja
    ? [
        "### 電話(音声通話)",
        "",
        `Amazon Connect から **${sourcePhoneNumber}** で電話がかかってきます。**この番号を「インシデント呼び出し」などの名前で電話帳に登録し**、おやすみモードや着信拒否の対象から外してください。`,
        "",
        "- 電話に出ると、レベル、アラーム名、理由をゆっくり読み上げ、もう一度繰り返します(通話の言語は、あなたの連絡先に設定された言語です)。",
        "- 続いて「確認する場合は、1 を押してください」と案内されます。**1 を押し、「もう一度 1 を押してください」の案内で再び 1 を押す** と応答になり、「確認を記録しました」と伝えて電話が切れます。メールのリンクで応答したのと同じ扱いです。",
        "- ほかのキーを押した場合や、何も押さなかった場合は応答になりません。「エスカレーションは続きます」と伝えて電話が切れます。どのキーを押しても、当番や呼び出しの対象から外れることはありません。",
        "- 電話に出られなかった場合(不在、留守番電話、途中で切れた場合)も応答にはなりません。エスカレーションはそのまま次の段階へ進みます。対応できるなら、メールや SMS のリンク、または `npm run ack` で応答してください。この番号に折り返しても応答にはなりません。",
        "",
      ]
    : [
        "### Voice call",
        "",
        `Amazon Connect calls you from **${sourcePhoneNumber}**. **Save this number in your contacts** (for example as "Incident paging") and let it through do-not-disturb and call blocking.`,
        "",
        "- When you answer, the call reads the level, the alarm and the reason slowly, then repeats them (in the language your contact entry sets).",
        '- It then says "To acknowledge this call, press 1." **Press 1, and when it says "To confirm, press 1 again", press 1 again**: that acknowledges, exactly like the e-mail link, and the call ends after "Your acknowledgement is recorded".',
        '- Any other key, or no key, does not acknowledge: the call says "The escalation continues" and ends. No key ever removes you from the rotation or from paging.',
        "- A missed call (no answer, voicemail, hung up) is not an acknowledgement either: the escalation goes on to its next stage. If you can respond, acknowledge with the link in your e-mail or SMS, or `npm run ack`. Calling the number back does not acknowledge.",
        "",
      ];
}

/**
 * Who is paged when, for the step-functions backend: the same level timelines as the plan
 * (renderLevel), introduced in `lang`; the incident table, not Incident Manager, is the record.
 */
function stepFunctionsSchedule(g: GuideContext, lang: Language): string[] {
  const { cfg, timeline, who, stack } = g;
  const ja = lang === "ja";
  const out: string[] = [];
  const p = (...lines: string[]) => out.push(...lines);
  p(ja ? "## 呼び出しの順番(レベル別)" : "## Who is paged when, by level", "");
  p(
    ja
      ? `T+N はアラーム発生(CloudWatch アラーム \`${timeline.prefix}-<level>-<alarm>\` が ALARM になった時刻)から N 分後です。これはスタック設定から計算した予定で、当番は ${timeline.plannedAt} 時点のものです。インシデント中に実際に誰を呼んだかは \`npm run incidents -- --stack ${stack} --show <id>\` で確認できます。`
      : `T+N is N minutes after the alarm fires (the CloudWatch alarm \`${timeline.prefix}-<level>-<alarm>\` enters ALARM). This is the plan computed from the stack config, with the rotations resolved for ${timeline.plannedAt}; who was really paged during an incident is in \`npm run incidents -- --stack ${stack} --show <id>\`.`,
    "",
  );
  for (const l of timeline.levels) p(...renderLevel(l, cfg, who));
  return out;
}

/** `--lang`: ja or en. */
export function parseLang(value: string | undefined): Language | undefined {
  if (value === undefined) return undefined;
  if ((LANGUAGES as readonly string[]).includes(value)) return value as Language;
  throw new UsageError(`--lang ${value}: use ja or en`);
}

// ---------------------------------------------------------------------------------------------
// CLI

export interface GuideResult {
  readonly exitCode: 0 | 1 | 2;
  readonly stdout: string;
  readonly stderr: string;
}

/** The command line of `npm run guide` (cli/guide.ts), as `util.parseArgs` gives it. */
export interface GuideArgs {
  readonly stack?: string;
  readonly "config-file"?: string;
  readonly out?: string;
  /** ja | en: the step-functions backend's sections (default: the stack's `language`). */
  readonly lang?: string;
  /** Read the rotations' active and upcoming overrides from AWS (the caller's credentials). */
  readonly overrides?: boolean;
}

export interface GuideCliOptions {
  readonly root: string;
  readonly now: Date;
  /** The clients `--overrides` reads with (default: the SDK's, with the caller's credentials). */
  readonly overrideClients?: OverrideClients;
}

/**
 * Reads the config, builds the guide, prints or writes it. A stack config file that does not
 * exist is a `UsageError`.
 */
export async function guide(args: GuideArgs, opts: GuideCliOptions): Promise<GuideResult> {
  const file = args["config-file"]
    ? path.resolve(args["config-file"])
    : path.join(opts.root, `Pulumi.${args.stack}.yaml`);
  const stack = args.stack ?? /^Pulumi\.(.+)\.ya?ml$/.exec(path.basename(file))?.[1] ?? "stack";
  if (!existsSync(file)) {
    throw new UsageError(
      `${path.relative(process.cwd(), file) || file}: no such stack config file`,
    );
  }

  const lang = parseLang(args.lang);
  let cfg: StackConfig;
  let stackConfig: Readonly<Record<string, string | undefined>>;
  try {
    const loaded = loadStackConfigFile(file, stack);
    cfg = loaded.config;
    stackConfig = loaded.stackFile.config;
  } catch (err: unknown) {
    const message = err instanceof ConfigError || err instanceof Error ? err.message : String(err);
    return { exitCode: 2, stdout: "", stderr: `${message}\n` };
  }

  // --overrides: the one thing the guide reads from AWS; a failed read is exit 2 naming the call.
  let overrides: RotationOverride[] | undefined;
  if (args.overrides) {
    const read = await readOverridesFlag(
      "guide",
      {
        name: stack,
        backend: cfg.backend,
        prefix: cfg.prefix,
        rotations: cfg.onCall.map((r) => r.name),
        stackConfig: stackConfig,
      },
      opts.overrideClients,
      opts.now,
    );
    if ("error" in read) return { exitCode: 2, stdout: "", stderr: `${read.error}\n` };
    overrides = read.overrides;
  }

  const command = [
    "npm run guide --",
    `--stack ${stack}`,
    ...(args["config-file"] ? [`--config-file ${args["config-file"]}`] : []),
    ...(args.out ? [`--out ${args.out}`] : []),
    ...(lang ? [`--lang ${lang}`] : []),
    ...(args.overrides ? ["--overrides"] : []),
  ].join(" ");
  const markdown = buildGuide(cfg, stack, opts.now, {
    command,
    source: path.basename(file),
    lang,
    ...(overrides === undefined ? {} : { overrides }),
  });
  if (!args.out) return { exitCode: 0, stdout: markdown, stderr: "" };
  try {
    writeNoFollow(args.out, markdown);
  } catch (err: unknown) {
    const why =
      err instanceof SymlinkRefused
        ? err.message
        : err instanceof Error
          ? err.message
          : String(err);
    return { exitCode: 1, stdout: "", stderr: `guide: cannot write ${args.out}: ${why}\n` };
  }
  return { exitCode: 0, stdout: "", stderr: `guide: wrote ${args.out}\n` };
}

class SymlinkRefused extends Error {}

/**
 * Writes `text` to `file`, refusing a symbolic link as the file itself (the guide names people
 * and their schedules; a link planted in a shared directory must not redirect it). O_NOFOLLOW
 * makes open(2) fail with ELOOP on a link, closing the gap between the check and the open.
 */
function writeNoFollow(file: string, text: string): void {
  let isLink = false;
  try {
    isLink = lstatSync(file).isSymbolicLink();
  } catch {
    // does not exist yet: created below
  }
  const refuse = () =>
    new SymlinkRefused("it is a symbolic link; refusing to write through it (give the real path)");
  if (isLink) throw refuse();
  let fd: number;
  try {
    fd = openSync(
      file,
      constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
      0o644,
    );
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === "ELOOP") throw refuse();
    throw err;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

// ---------------------------------------------------------------------------------------------
// Working hours (issue 13), ja | en
// ---------------------------------------------------------------------------------------------

const DAYS_JA: Record<string, string> = {
  mon: "月",
  tue: "火",
  wed: "水",
  thu: "木",
  fri: "金",
  sat: "土",
  sun: "日",
};
const WEEKDAYS_JA = ["月", "火", "水", "木", "金", "土", "日"];

/** `2026-12-28 (Mon) 09:00` → `2026-12-28(月)09:00` for the Japanese guide. */
function stampJa(iso: string, timeZone: string): string {
  const t = calendarLocalTime(new Date(iso), timeZone);
  return `${t.date}(${WEEKDAYS_JA[t.day]})${String(Math.floor(t.minutes / 60)).padStart(2, "0")}:${String(t.minutes % 60).padStart(2, "0")}`;
}

/**
 * What responders need to know about working hours, in `lang`: each calendar's hours, its next
 * days off (holidays by name from @holiday-jp/holiday_jp, company-closed days) and next opening at
 * `now`, and for each level with outsideHours what happens outside them. The facts are the plan's
 * (tools/planReport.ts hoursFacts). Empty without calendars.
 */
export function workingHoursSection(g: GuideContext, lang: Language, now: Date): string[] {
  const { cfg, timeline } = g;
  const facts = hoursFacts(
    cfg,
    Object.fromEntries(timeline.levels.map((l) => [l.level, l.mode])),
    now,
  );
  if (facts.calendars.length === 0 && facts.levels.length === 0) return [];
  const ja = lang === "ja";
  const out: string[] = [];
  const p = (...lines: string[]) => out.push(...lines);
  p(ja ? "## 営業時間" : "## Office hours", "");
  for (const c of facts.calendars) {
    const tz = c.timeZone;
    const stamp = (iso: string) => (ja ? stampJa(iso, tz) : localStamp(iso, tz));
    const hours = ja
      ? c.hours.map((h) => h.replace(/[a-z]{3}/g, (d) => DAYS_JA[d] ?? d).replace("-", "〜"))
      : c.hours;
    const jp = c.holidays.some((h) => h.startsWith("jp"));
    p(
      ja
        ? `- カレンダー \`${c.name}\`(${tz}): ${hours.join("、")}。それ以外の曜日${jp ? "、日本の祝日・振替休日" : ""}${c.closed.length > 0 ? `、会社休業日(${c.closed.join("、")})` : ""}は営業時間外です。`
        : `- Calendar \`${c.name}\` (${tz}): ${hours.join("; ")}. Other days${jp ? ", Japanese national and substitute holidays" : ""}${c.closed.length > 0 ? ` and the company-closed days (${c.closed.join(", ")})` : ""} are outside office hours.`,
      ja
        ? `- 次の休日(営業日ではありません): ${c.nextClosed.map((d) => `${d.date} ${d.ja}`).join("、") || "なし"}`
        : `- The next days off (not working days): ${c.nextClosed.map((d) => `${d.date} ${d.en} (${d.ja})`).join(", ") || "none"}`,
      c.openNow
        ? ja
          ? `- ${stamp(now.toISOString())} 時点: 営業時間内です。${stamp(c.closes)} に終わり、次は ${stamp(c.reopens)} に始まります。`
          : `- At ${stamp(now.toISOString())}: open until ${stamp(c.closes)}; it next opens ${stamp(c.reopens)}.`
        : ja
          ? `- ${stamp(now.toISOString())} 時点: 営業時間外です。次の営業開始は ${stamp(c.opens)} です。`
          : `- At ${stamp(now.toISOString())}: closed; it next opens ${stamp(c.opens)}.`,
    );
  }
  p("");
  if (facts.levels.length > 0) {
    p(ja ? "営業時間外の各レベルの動作:" : "What each level does outside office hours:", "");
  }
  for (const l of facts.levels) {
    const c = facts.calendars.find((x) => x.name === l.calendar);
    // The opening an ALARM outside hours waits for: the next one, or, while open now, the one
    // after the coming closing (the next opening would be now).
    const waitsFor = c === undefined ? "" : c.openNow ? c.reopens : c.opens;
    const opens =
      c === undefined ? "" : ja ? stampJa(waitsFor, c.timeZone) : localStamp(waitsFor, c.timeZone);
    const name = `\`${l.level}\``;
    if (l.then === "notify") {
      p(
        ja
          ? `- ${name}: 営業時間外は Slack と Webhook への通知のみで、誰も呼び出しません。`
          : `- ${name}: outside office hours it goes to Slack and webhooks only and pages nobody.`,
      );
    } else if (l.then === "level") {
      p(
        ja
          ? `- ${name}: 営業時間外はレベル \`${l.asLevel}\` として扱います(上の \`${l.asLevel}\` の呼び出し順)。`
          : `- ${name}: outside office hours it is handled as level \`${l.asLevel}\` (see \`${l.asLevel}\` above).`,
      );
    } else if (l.mode === "notify") {
      p(
        ja
          ? `- ${name}: 誰も呼び出さないレベルです。営業時間外も Slack と Webhook への通知のみで、後から呼び出されることもありません。`
          : `- ${name}: this level pages nobody; outside office hours it also goes to Slack and webhooks only, and nothing is paged later.`,
      );
    } else {
      p(
        ja
          ? `- ${name}: 営業時間外はすぐに Slack に通知され、呼び出しは次の営業日の営業開始(${opens})まで待ちます。その時点でまだ ALARM なら、通常どおり呼び出します。`
          : `- ${name}: outside office hours it goes to Slack at once and the page waits until the next working day's opening (${opens}); if the alarm is still in ALARM then, it pages as usual.`,
      );
    }
  }
  if (facts.levels.length > 0) p("");
  return out;
}
