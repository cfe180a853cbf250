/**
 * Working-hours calendars, as pure functions: whether a calendar is open at an instant, and when
 * it next opens. Shared by the config check (config/calendars.ts), the router (router/hours.ts)
 * and the plan/guide (tools/).
 *
 * A calendar is a time zone (IANA name; local times come from `Intl.DateTimeFormat` with that
 * `timeZone`, ECMA-402, so DST follows the tz database Node ships), weekly opening ranges per day,
 * Japan's national holidays (and substitute holidays, 振替休日) from the `@holiday-jp/holiday_jp`
 * library (its data, never a hand-typed list) and company-closed dates. A holiday or closed date
 * is closed all day, local time.
 *
 * The library's data covers a fixed range of years (`holidayYears()`); asking about a date
 * outside it, for a calendar that uses `jp`, throws `CalendarRangeError` instead of answering
 * "working day".
 */
import { holidays as JP_HOLIDAYS } from "@holiday-jp/holiday_jp";

export const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Day = (typeof DAYS)[number];
export const HOLIDAY_SETS = ["jp"] as const;
export type HolidaySet = (typeof HOLIDAY_SETS)[number];

/** One opening range of a day, in minutes after local midnight: [start, end), end ≤ 1440. */
export interface OpenRange {
  readonly start: number;
  readonly end: number;
}

/** A validated calendar (config/calendars.ts builds it from the stack config). */
export interface Calendar {
  readonly timeZone: string;
  /** Index 0 = Monday … 6 = Sunday; ranges sorted and disjoint. */
  readonly week: readonly (readonly OpenRange[])[];
  readonly holidays: readonly HolidaySet[];
  /** Company-closed dates, `YYYY-MM-DD` local. */
  readonly closed: readonly string[];
}

export class CalendarRangeError extends Error {
  override readonly name = "CalendarRangeError";
}

/** The years the holiday library has data for (first and last year of its table). */
export function holidayYears(): { readonly first: number; readonly last: number } {
  const years = Object.keys(JP_HOLIDAYS).map((d) => Number(d.slice(0, 4)));
  return { first: Math.min(...years), last: Math.max(...years) };
}

/** A Japanese national or substitute holiday on a local date, with its names. */
export function jpHoliday(date: string): { readonly ja: string; readonly en: string } | undefined {
  const h = (JP_HOLIDAYS as Readonly<Record<string, { name: string; name_en: string }>>)[date];
  return h === undefined ? undefined : { ja: h.name, en: h.name_en };
}

/** Throws CalendarRangeError when the calendar uses holidays and `year` has no holiday data. */
export function checkYear(calendar: Calendar, year: number): void {
  if (calendar.holidays.length === 0) return;
  const { first, last } = holidayYears();
  if (year < first || year > last) {
    throw new CalendarRangeError(
      `no Japanese holiday data for ${year}: @holiday-jp/holiday_jp covers ${first}-${last}; ` +
        `update the library`,
    );
  }
}

/** Local wall-clock fields of an instant in a time zone. */
export interface LocalTime {
  readonly date: string;
  readonly year: number;
  /** 0 = Monday … 6 = Sunday. */
  readonly day: number;
  readonly minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether `Intl` knows the time zone (an IANA name such as Asia/Tokyo). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

function parts(instant: Date, timeZone: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(instant)) {
    if (p.type !== "literal") out[p.type] = Number(p.value);
  }
  return out;
}

export function localTime(instant: Date, timeZone: string): LocalTime {
  const p = parts(instant, timeZone);
  const year = p.year!;
  const month = p.month!;
  const dayOfMonth = p.day!;
  const date = `${String(year).padStart(4, "0")}-${pad(month)}-${pad(dayOfMonth)}`;
  // Day of the week of the local date (1970-01-01 was a Thursday: index 3).
  const days = Math.floor(Date.UTC(year, month - 1, dayOfMonth) / 86_400_000);
  const day = (((days + 3) % 7) + 7) % 7;
  return { date, year, day, minutes: p.hour! * 60 + p.minute! };
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** Why a local date is closed all day, or undefined for a day that follows the weekly hours. */
export function closedReason(
  calendar: Calendar,
  date: string,
):
  | { readonly kind: "holiday"; readonly ja: string; readonly en: string }
  | { readonly kind: "closed" }
  | undefined {
  checkYear(calendar, Number(date.slice(0, 4)));
  if (calendar.closed.includes(date)) return { kind: "closed" };
  if (calendar.holidays.includes("jp")) {
    const h = jpHoliday(date);
    if (h !== undefined) return { kind: "holiday", ...h };
  }
  return undefined;
}

/** Whether the calendar is open at the instant. Throws CalendarRangeError (see checkYear). */
export function isOpen(calendar: Calendar, instant: Date): boolean {
  const local = localTime(instant, calendar.timeZone);
  if (closedReason(calendar, local.date) !== undefined) return false;
  return calendar.week[local.day]!.some((r) => local.minutes >= r.start && local.minutes < r.end);
}

/** How far nextOpening looks ahead before it gives up (a calendar closed for longer). */
const HORIZON_DAYS = 400;

/**
 * The first instant at or after `instant` when the calendar is open: `instant` itself when open.
 * Throws CalendarRangeError past the holiday data, and an Error when nothing opens within
 * 400 days.
 */
export function nextOpening(calendar: Calendar, instant: Date): Date {
  if (isOpen(calendar, instant)) return instant;
  const start = localTime(instant, calendar.timeZone);
  const [y, m, d] = start.date.split("-").map(Number) as [number, number, number];
  for (let i = 0; i <= HORIZON_DAYS; i++) {
    const noon = new Date(Date.UTC(y, m - 1, d + i, 12));
    const date = noon.toISOString().slice(0, 10);
    if (closedReason(calendar, date) !== undefined) continue;
    const day = (((Math.floor(noon.getTime() / 86_400_000) + 3) % 7) + 7) % 7;
    for (const range of calendar.week[day]!) {
      const at = fromLocal(date, range.start, calendar.timeZone);
      if (at.getTime() > instant.getTime()) return at;
    }
  }
  throw new Error(
    `the calendar does not open within ${HORIZON_DAYS} days of ${instant.toISOString()}`,
  );
}

/**
 * The instant a local date and time has in a time zone. A local time that DST skips (the gap)
 * gives the instant the clocks jump to, shifted by the gap.
 */
export function fromLocal(date: string, minutes: number, timeZone: string): Date {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d, 0, minutes);
  let t = wall;
  for (let i = 0; i < 3; i++) t = wall - offset(new Date(t), timeZone);
  return new Date(t);
}

/** The zone's offset from UTC at the instant, in milliseconds. */
function offset(instant: Date, timeZone: string): number {
  const p = parts(instant, timeZone);
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/** The holidays and closed dates from `from` (local date) on, at most `count`. */
export function upcomingClosures(
  calendar: Calendar,
  from: Date,
  count: number,
): readonly { readonly date: string; readonly ja: string; readonly en: string }[] {
  const start = localTime(from, calendar.timeZone);
  const [y, m, d] = start.date.split("-").map(Number) as [number, number, number];
  const out: { date: string; ja: string; en: string }[] = [];
  for (let i = 0; i <= HORIZON_DAYS && out.length < count; i++) {
    const date = new Date(Date.UTC(y, m - 1, d + i, 12)).toISOString().slice(0, 10);
    const why = closedReason(calendar, date);
    if (why === undefined) continue;
    out.push(
      why.kind === "holiday"
        ? { date, ja: why.ja, en: why.en }
        : { date, ja: "会社休業日", en: "company closed" },
    );
  }
  return out;
}
