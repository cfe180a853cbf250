/**
 * EventBridge Scheduler cron expressions, parsed and evaluated without AWS: when does a scheduled
 * maintenance window (config `maintenance[]`) cover an instant? Pure; shared by the config check
 * (config/maintenance.ts) and the router (handlers/router/silence.ts), so both accept exactly the
 * same subset.
 *
 * Syntax (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based):
 * `cron(minutes hours day-of-month month day-of-week year)`; minutes 0-59, hours 0-23,
 * day-of-month 1-31, month 1-12 or JAN-DEC, day-of-week 1-7 or SUN-SAT (1 = Sunday), year
 * 1970-2199; wildcards `,` `-` `*` `/` everywhere, `?` in day-of-month or day-of-week, and one of
 * those two must be `?` ("You can't specify the Day-of-month and Day-of-week fields in the same
 * cron expression. If you specify a value or a * (asterisk) in one of the fields, you must use a ?
 * (question mark) in the other."). The schedule's time zone is its `ScheduleExpressionTimezone`.
 *
 * Not accepted here (a clear error, never a silent mismatch): `L`, `W` and `#` (last day, nearest
 * weekday, nth weekday), which this evaluator does not implement; and `rate()`: a rate schedule has
 * no fixed phase — Scheduler starts it from the schedule's creation or its StartDate (same page,
 * "Rate-based schedules") — so a window cannot be placed from the config alone.
 *
 * Daylight saving time: a cron time is local wall-clock time; a local time that does not exist
 * (spring forward) never fires, and one that occurs twice (fall back) fires twice. Scheduler's own
 * documented behaviour differs slightly (it runs a skipped time once, after the change: same page,
 * "Daylight saving time"), which only matters for windows starting inside the skipped hour.
 */

export interface CronField {
  /** The values the field matches; `null` for `?` (no constraint, decided by the other day field). */
  readonly values: ReadonlySet<number> | null;
}

/** A parsed cron expression. */
export interface Cron {
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  /** `null`: `?`. */
  readonly daysOfMonth: ReadonlySet<number> | null;
  readonly months: ReadonlySet<number>;
  /** 1 = Sunday … 7 = Saturday; `null`: `?`. */
  readonly daysOfWeek: ReadonlySet<number> | null;
  readonly years: ReadonlySet<number>;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  readonly question?: boolean;
}

const FIELDS: readonly FieldSpec[] = [
  { name: "minutes", min: 0, max: 59 },
  { name: "hours", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31, question: true },
  { name: "month", min: 1, max: 12, names: MONTHS },
  { name: "day-of-week", min: 1, max: 7, names: DAYS, question: true },
  { name: "year", min: 1970, max: 2199 },
];

/** Parses a schedule expression; returns the cron, or why it is not accepted (a sentence). */
export function parseCron(expression: string): Cron | string {
  if (/^rate\(.*\)$/.test(expression)) {
    return `${JSON.stringify(expression)}: rate() is not accepted for a window: a rate schedule has no fixed start (EventBridge Scheduler counts it from when the schedule is created), so use cron(<min> <hour> <day-of-month> <month> <day-of-week> <year>)`;
  }
  const m = /^cron\(([^()]*)\)$/.exec(expression);
  if (m === null) {
    return `${JSON.stringify(expression)} is not an EventBridge Scheduler cron expression; use cron(<min> <hour> <day-of-month> <month> <day-of-week> <year>), e.g. cron(0 2 ? * SUN *)`;
  }
  const parts = m[1].trim().split(/\s+/);
  if (parts.length !== 6) {
    return `${JSON.stringify(expression)} has ${parts.length} fields; a cron expression has 6 (minutes hours day-of-month month day-of-week year)`;
  }
  const sets: (Set<number> | null)[] = [];
  for (let i = 0; i < FIELDS.length; i++) {
    const parsed = parseField(parts[i], FIELDS[i]);
    if (typeof parsed === "string") return `${JSON.stringify(expression)}: ${parsed}`;
    sets.push(parsed);
  }
  const [minutes, hours, dom, months, dow, years] = sets;
  if ((dom === null) === (dow === null)) {
    return `${JSON.stringify(expression)}: exactly one of day-of-month and day-of-week must be "?" (EventBridge Scheduler cron rule)`;
  }
  return {
    minutes: minutes ?? new Set(),
    hours: hours ?? new Set(),
    daysOfMonth: dom,
    months: months ?? new Set(),
    daysOfWeek: dow,
    years: years ?? new Set(),
  };
}

function parseField(text: string, spec: FieldSpec): Set<number> | null | string {
  if (text === "?") {
    return spec.question === true ? null : `"?" is only allowed in day-of-month or day-of-week`;
  }
  if (/[LW#]/.test(text.replace(/[A-Z]{3}/g, (n) => (spec.names?.includes(n) ? "" : n)))) {
    return `${spec.name} ${JSON.stringify(text)} uses L, W or #, which maintenance windows do not support; list the days instead`;
  }
  const out = new Set<number>();
  for (const item of text.split(",")) {
    const im = /^(\*|[A-Z0-9]+(?:-[A-Z0-9]+)?)(?:\/([0-9]+))?$/.exec(item);
    if (im === null) return `${spec.name} ${JSON.stringify(text)} is not a valid field`;
    const step = im[2] === undefined ? 1 : Number(im[2]);
    if (step < 1) return `${spec.name} ${JSON.stringify(text)}: the step must be at least 1`;
    let lo: number;
    let hi: number;
    if (im[1] === "*") {
      lo = spec.min;
      hi = spec.max;
    } else {
      const [a, b] = im[1].split("-");
      const av = value(a, spec);
      if (typeof av === "string") return av;
      lo = av;
      if (b === undefined) {
        hi = im[2] === undefined ? av : spec.max;
      } else {
        const bv = value(b, spec);
        if (typeof bv === "string") return bv;
        hi = bv;
      }
      if (hi < lo) return `${spec.name} ${JSON.stringify(item)}: the range runs backwards`;
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

function value(text: string, spec: FieldSpec): number | string {
  const named = spec.names?.indexOf(text) ?? -1;
  const v = named >= 0 ? named + 1 : /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(v) || v < spec.min || v > spec.max) {
    const names = spec.names === undefined ? "" : ` or ${spec.names[0]}-${spec.names.at(-1)}`;
    return `${spec.name} ${JSON.stringify(text)} is outside ${spec.min}-${spec.max}${names}`;
  }
  return v;
}

/** Local wall-clock fields of an instant in an IANA time zone. */
interface Local {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  /** 1 = Sunday … 7 = Saturday. */
  readonly weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function localFields(at: Date, timeZone: string): Local {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      weekday: "short",
    });
    formatters.set(timeZone, f);
  }
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(at)) p[part.type] = part.value;
  return {
    year: Number(p.year),
    month: Number(p.month),
    day: Number(p.day),
    hour: Number(p.hour),
    minute: Number(p.minute),
    weekday: DAYS.indexOf(p.weekday.toUpperCase()) + 1,
  };
}

/** Whether the cron fires at the (whole) minute `at`, read in `timeZone`. */
export function firesAt(cron: Cron, at: Date, timeZone: string): boolean {
  const l = localFields(at, timeZone);
  return (
    cron.minutes.has(l.minute) &&
    cron.hours.has(l.hour) &&
    cron.months.has(l.month) &&
    cron.years.has(l.year) &&
    (cron.daysOfMonth === null || cron.daysOfMonth.has(l.day)) &&
    (cron.daysOfWeek === null || cron.daysOfWeek.has(l.weekday))
  );
}

const MINUTE_MS = 60_000;

/**
 * The window `[start, end)` of `minutes` that began at a firing of `cron` and covers `at`, or
 * `undefined`. Of overlapping windows, the one that ends last (the latest firing). Looks back at
 * most `minutes` whole minutes (≤ 1440 by the config).
 */
export function windowAt(
  cron: Cron,
  timeZone: string,
  minutes: number,
  at: Date,
): { readonly start: Date; readonly end: Date } | undefined {
  const floor = Math.floor(at.getTime() / MINUTE_MS) * MINUTE_MS;
  for (let back = 0; back < minutes; back++) {
    const start = floor - back * MINUTE_MS;
    if (firesAt(cron, new Date(start), timeZone)) {
      return { start: new Date(start), end: new Date(start + minutes * MINUTE_MS) };
    }
  }
  return undefined;
}

/**
 * The next firing at or after `from` within `horizonDays` days (plan output), or `undefined`.
 * Skips to the next local hour while the date or hour does not match (never past a firing: the
 * rest of a local hour is 60 - minute minutes, also across a DST change).
 */
export function nextFiring(
  cron: Cron,
  timeZone: string,
  from: Date,
  horizonDays = 366,
): Date | undefined {
  const last = from.getTime() + horizonDays * 1440 * MINUTE_MS;
  let t = Math.ceil(from.getTime() / MINUTE_MS) * MINUTE_MS;
  while (t < last) {
    const l = localFields(new Date(t), timeZone);
    const dayMatches =
      cron.months.has(l.month) &&
      cron.years.has(l.year) &&
      (cron.daysOfMonth === null || cron.daysOfMonth.has(l.day)) &&
      (cron.daysOfWeek === null || cron.daysOfWeek.has(l.weekday));
    if (!dayMatches || !cron.hours.has(l.hour)) {
      t += (60 - l.minute) * MINUTE_MS;
      continue;
    }
    if (cron.minutes.has(l.minute)) return new Date(t);
    t += MINUTE_MS;
  }
  return undefined;
}
