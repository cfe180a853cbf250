/**
 * The paging timeline of each level, from a validated stack config: who is engaged when, over
 * which channel — following the escalation stages into each contact's engagement plan and
 * resolving on-call rotations to the person on call at a given moment. Pure: the clock is a
 * parameter. Used by `npm run plan`, the drill dry-run and the responder guide.
 *
 * Rotations are resolved the way Incident Manager describes them (the first shift starts at the
 * rotation's start time with the first member(s); each hand-off moves to the next); for the
 * authoritative schedule use `aws ssm-contacts list-preview-rotation-shifts`.
 *
 * The minutes come from the plans the stack deploys, not from a second reading of the config:
 * the escalation plan's and each engagement plan's stages (components/builders.ts
 * `escalationStages`, `engagementStages`), placed in time by `stageStarts`.
 */
import type { ChannelKind, ContactConfig, RotationConfig, StackConfig } from "../config/schema";
import { escalationRepeats } from "../config/backend";
import {
  defaultPrefix,
  engagementStages,
  escalationStages,
  names,
  parseRef,
  planMinutes,
  stageStarts,
} from "../components/builders";
import { overrideAt, type RotationOverride } from "../handlers/shared/overrides";

export { overrideAt, type RotationOverride };

/** One thing that happens at a moment after the alarm fired. */
export type TimelineEvent =
  | {
      readonly kind: "stage";
      /** Minutes after the alarm. */
      readonly at: number;
      readonly stage: number;
      readonly minutes: number;
      readonly targets: readonly TargetLabel[];
    }
  | {
      readonly kind: "page";
      readonly at: number;
      readonly contact: string;
      readonly channels: readonly ChannelKind[];
      /** Why this contact is engaged: "stage 1 via oncall:primary", "level engage", … */
      readonly via: string;
    };

export interface TargetLabel {
  /** `sato` or `oncall:primary`. */
  readonly ref: string;
  readonly essential: boolean;
  /** For rotations: who is on call at the planning moment. */
  readonly onCallNow?: readonly string[];
}

export interface RoutedAlarm {
  readonly name: string;
  readonly metric: string;
  readonly condition: string;
  readonly threshold: number;
  readonly evaluation: string;
}

export interface LevelTimeline {
  readonly level: string;
  readonly impact: number;
  /** "incident": opens an incident; "engage": engages directly; "notify": no one is paged. */
  readonly mode: "incident" | "engage" | "notify";
  /** Incident Manager backend: the response plan an incident opens with. */
  readonly responsePlan: string | null;
  /**
   * Step-functions backend, paging levels: the state machine an incident runs in and how many
   * times all stages run again when nobody acknowledged (config/backend.ts escalationRepeats).
   */
  readonly engine?: { readonly stateMachine: string; readonly repeat: number };
  readonly alarms: readonly RoutedAlarm[];
  readonly externalAlarms: readonly string[];
  readonly events: readonly TimelineEvent[];
  /** Where the level's notifications go (always, paging or not). */
  readonly notifies: {
    readonly slack: boolean;
    readonly teams: boolean;
    readonly webhooks: readonly string[];
  };
  /** Minutes after which no stage is left to run (nobody acknowledged). */
  readonly endsAt: number;
}

export interface RotationNow {
  readonly name: string;
  readonly timeZone: string;
  readonly now: readonly string[];
  readonly next: readonly string[];
  /** ISO time of the next hand-off. */
  readonly nextHandoff: string;
  /** The override in force (tools/override.ts), when one is: who, and until when (ISO). */
  readonly override?: { readonly members: readonly string[]; readonly until: string };
}

export interface Timeline {
  readonly prefix: string;
  readonly plannedAt: string;
  readonly levels: readonly LevelTimeline[];
  readonly rotations: readonly RotationNow[];
}

const CONDITION: Record<string, string> = {
  GreaterThanOrEqualToThreshold: ">=",
  GreaterThanThreshold: ">",
  LessThanThreshold: "<",
  LessThanOrEqualToThreshold: "<=",
};

/**
 * The timeline of every level, most severe first. `overrides` (read from AWS by `--overrides`,
 * tools/override.ts readStackOverrides) resolve the rotations as the backends do; none offline.
 */
export function buildTimeline(
  cfg: StackConfig,
  stack: string,
  now: Date,
  overrides: readonly RotationOverride[] = [],
): Timeline {
  const prefix = cfg.prefix ?? defaultPrefix(stack);
  const contacts = new Map(cfg.contacts.map((c) => [c.alias, c]));
  const rotationsNow = cfg.onCall.map((r) => rotationAt(r, now, overrides));
  const onCallNow = new Map(rotationsNow.map((r) => [r.name, r.now]));
  const escalation = escalationStages(cfg.escalation);
  const escalationStarts = stageStarts(escalation);

  const pagesFor = (ref: string, at: number, via: string): TimelineEvent[] => {
    const { kind, name } = parseRef(ref);
    const people = kind === "oncall" ? (onCallNow.get(name) ?? []) : [name];
    return people.flatMap((alias) => contactPages(contacts.get(alias), at, via));
  };

  const levels = Object.entries(cfg.levels)
    .sort(([a, x], [b, y]) => x.impact - y.impact || a.localeCompare(b))
    .map(([level, l]): LevelTimeline => {
      const events: TimelineEvent[] = [];
      let endsAt = 0;
      let mode: LevelTimeline["mode"] = "notify";
      if (l.page) {
        mode = "incident";
        for (const ref of l.engage ?? [])
          events.push(...pagesFor(ref, 0, "response plan engagement"));
        cfg.escalation.forEach((stage, i) => {
          const at = escalationStarts[i];
          events.push({
            kind: "stage",
            at,
            stage: i + 1,
            minutes: escalation[i].durationInMinutes,
            targets: escalation[i].targets.map((t, j) => ({
              ref: stage.engage[j],
              essential: t.isEssential,
              ...(t.kind === "oncall" ? { onCallNow: onCallNow.get(t.name) ?? [] } : {}),
            })),
          });
          for (const ref of stage.engage)
            events.push(...pagesFor(ref, at, `stage ${i + 1} → ${ref}`));
        });
        endsAt = planMinutes(escalation);
      } else if ((l.engage ?? []).length > 0) {
        mode = "engage";
        for (const ref of l.engage ?? [])
          events.push(...pagesFor(ref, 0, `direct engagement → ${ref}`));
      }
      const pageEnd = events.reduce((m, e) => Math.max(m, e.at), 0);
      return {
        level,
        impact: l.impact,
        mode,
        responsePlan:
          l.page && cfg.backend !== "step-functions" ? names.responsePlan(prefix, level) : null,
        ...(l.page && cfg.backend === "step-functions"
          ? {
              engine: {
                stateMachine: names.stateMachine(prefix),
                repeat: escalationRepeats(cfg.escalation),
              },
            }
          : {}),
        alarms: cfg.alarms
          .filter((a) => a.thresholds[level] !== undefined)
          .map((a) => ({
            name: names.alarm(prefix, level, a.name),
            metric: `${a.metric.namespace} ${a.metric.name} ${a.metric.statistic}`,
            condition: CONDITION[a.comparison],
            threshold: a.thresholds[level],
            evaluation: `${a.datapointsToAlarm ?? a.evaluationPeriods} of ${a.evaluationPeriods} × ${a.metric.period}s`,
          })),
        externalAlarms: cfg.externalAlarms.filter((e) => e.level === level).map((e) => e.name),
        events: stableSortByTime(events),
        notifies: {
          slack: cfg.notifications.slack !== undefined,
          teams: cfg.notifications.teams !== undefined,
          webhooks: cfg.notifications.webhooks
            .filter((w) => w.levels.includes(level))
            .map((w) => w.name),
        },
        endsAt: Math.max(endsAt, pageEnd),
      };
    });

  return { prefix, plannedAt: now.toISOString(), levels, rotations: rotationsNow };
}

/** The pages of a contact engaged at minute `at`: one per stage of its engagement plan. */
function contactPages(c: ContactConfig | undefined, at: number, via: string): TimelineEvent[] {
  if (!c) return [];
  const stages = engagementStages(c.engagement);
  const starts = stageStarts(stages);
  return stages.map((s, j) => ({
    kind: "page" as const,
    at: at + starts[j],
    contact: c.alias,
    channels: s.targets,
    via,
  }));
}

function stableSortByTime(events: TimelineEvent[]): TimelineEvent[] {
  return events
    .map((e, i) => ({ e, i }))
    .sort(
      (a, b) =>
        a.e.at - b.e.at ||
        (a.e.kind === "stage" ? -1 : 0) - (b.e.kind === "stage" ? -1 : 0) ||
        a.i - b.i,
    )
    .map(({ e }) => e);
}

// ---------------------------------------------------------------------------------------------
// Rotations

/**
 * Who is on call in rotation `r` at `now`, and next. An override in force at `now` (overrideAt)
 * replaces `now` and is reported in `override`; hand-offs are the rotation's own.
 */
export function rotationAt(
  r: RotationConfig,
  now: Date,
  overrides: readonly RotationOverride[] = [],
): RotationNow {
  const own = scheduledAt(r, now);
  const o = overrideAt(r.name, now, overrides);
  return o === undefined
    ? own
    : { ...own, now: [...o.members], override: { members: [...o.members], until: o.to } };
}

function scheduledAt(r: RotationConfig, now: Date): RotationNow {
  const start = r.startTime ? new Date(r.startTime) : now;
  let shift = 0;
  let handoff = nextHandoff(r, start);
  // Count hand-offs between the start and now (bounded: a daily rotation over 30 years).
  for (let n = 0; handoff.getTime() <= now.getTime() && n < 12_000; n++) {
    shift++;
    handoff = nextHandoff(r, handoff);
  }
  const members = r.members;
  const k = Math.min(r.onCallsAtOnce, members.length);
  const pick = (s: number) =>
    Array.from({ length: k }, (_, i) => members[(s * k + i) % members.length]);
  if (now.getTime() < start.getTime()) {
    // The rotation has not started: nobody is on call until its start time.
    return {
      name: r.name,
      timeZone: r.timeZone,
      now: [],
      next: pick(0),
      nextHandoff: start.toISOString(),
    };
  }
  return {
    name: r.name,
    timeZone: r.timeZone,
    now: pick(shift),
    next: pick(shift + 1),
    nextHandoff: handoff.toISOString(),
  };
}

const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/** The first hand-off strictly after `after`, honouring `interval` periods. */
export function nextHandoff(r: Pick<RotationConfig, "handoff" | "timeZone">, after: Date): Date {
  const { every, on, at, interval } = r.handoff;
  const [hh, mm] = at.split(":").map(Number);
  const tz = r.timeZone;
  const local = localParts(after, tz);
  // The first candidate at or after `after` in the rotation's period, then step by `interval`.
  let candidate: Date;
  if (every === "day") {
    candidate = zonedToUtc(local.year, local.month, local.day, hh, mm, tz);
    if (candidate.getTime() <= after.getTime()) candidate = addLocalDays(candidate, 1, hh, mm, tz);
    return interval > 1 ? addLocalDays(candidate, interval - 1, hh, mm, tz) : candidate;
  }
  if (every === "week") {
    const target = WEEKDAYS.indexOf(String(on));
    const delta = (target - local.weekday + 7) % 7;
    candidate = addLocalDays(
      zonedToUtc(local.year, local.month, local.day, hh, mm, tz),
      delta,
      hh,
      mm,
      tz,
    );
    if (candidate.getTime() <= after.getTime()) candidate = addLocalDays(candidate, 7, hh, mm, tz);
    return interval > 1 ? addLocalDays(candidate, 7 * (interval - 1), hh, mm, tz) : candidate;
  }
  const dom = Number(on);
  let y = local.year;
  let m = local.month;
  candidate = zonedToUtc(y, m, dom, hh, mm, tz);
  if (candidate.getTime() <= after.getTime()) {
    m += 1;
    if (m > 12) [y, m] = [y + 1, 1];
    candidate = zonedToUtc(y, m, dom, hh, mm, tz);
  }
  for (let i = 1; i < interval; i++) {
    m += 1;
    if (m > 12) [y, m] = [y + 1, 1];
    candidate = zonedToUtc(y, m, dom, hh, mm, tz);
  }
  return candidate;
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 0 = Sunday. */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Wall-clock parts of an instant in a time zone. */
export function localParts(d: Date, tz: string): LocalParts {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      weekday: "short",
    });
    formatters.set(tz, f);
  }
  const parts = Object.fromEntries(f.formatToParts(d).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    weekday: WEEKDAYS.indexOf(String(parts.weekday).toUpperCase().slice(0, 3)),
  };
}

/**
 * The instant when the wall clock in `tz` shows the given time. In a DST gap (a wall time that
 * does not exist) it resolves forward, reading the time with the offset in force before the gap
 * (02:30 → 03:30); in an overlap (a wall time that occurs twice) it takes the first occurrence.
 */
export function zonedToUtc(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  tz: string,
): Date {
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  const shown = (t: number) => {
    const p = localParts(new Date(t), tz);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
  };
  // The UTC offsets a day either side: at most one transition lies between them.
  const DAY = 86_400_000;
  const before = shown(wall - DAY) - (wall - DAY);
  const after = shown(wall + DAY) - (wall + DAY);
  const valid = [wall - before, wall - after].filter((t) => shown(t) === wall);
  return new Date(valid.length > 0 ? Math.min(...valid) : wall - before);
}

function addLocalDays(d: Date, days: number, hh: number, mm: number, tz: string): Date {
  const p = localParts(d, tz);
  const shifted = new Date(Date.UTC(p.year, p.month - 1, p.day + days));
  return zonedToUtc(
    shifted.getUTCFullYear(),
    shifted.getUTCMonth() + 1,
    shifted.getUTCDate(),
    hh,
    mm,
    tz,
  );
}

/** "SMS, voice" style list of channels. */
export function channelList(channels: readonly ChannelKind[]): string {
  return channels.map((c) => (c === "sms" ? "SMS" : c)).join(", ");
}
