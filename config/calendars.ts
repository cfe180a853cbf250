/**
 * The `calendars` section and `levels.<l>.outsideHours` (issue 13):
 *
 * ```yaml
 * calendars:
 *   office:
 *     timeZone: Asia/Tokyo                 # IANA, checked with Intl
 *     hours: { mon-fri: "09:00-18:00" }    # a day or a range mon..sun; one range or a list
 *     holidays: [jp]                       # Japan's national and substitute holidays
 *     closed: ["2026-12-29"]               # company days off, local dates
 * levels:
 *   warning: { ..., outsideHours: { calendar: office, then: defer } }   # notify | defer | <level>
 * ```
 *
 * `parseCalendar` turns one calendar into the `Calendar` the router and the plan use, or into
 * path-naming problems; the zod field below reports them, and `checkOutsideHours` (crossChecks.ts)
 * checks the references. A calendar using `jp` must have holiday data for this year and the
 * next (the library's range is finite): an error at plan time, not a silent working day later.
 */
import { z } from "zod";
import {
  DAYS,
  HOLIDAY_SETS,
  holidayYears,
  isTimeZone,
  type Calendar,
  type HolidaySet,
  type OpenRange,
} from "../handlers/shared/calendar";
import { quote, typeError } from "./messages";

export const OUTSIDE_HOURS_ACTIONS = ["notify", "defer"] as const;

type Path = (string | number)[];
type Problem = { readonly path: Path; readonly message: string };

const RANGE = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `"mon"`, `"mon-fri"` or `"mon..fri"` → day indexes (0 = Monday); undefined if malformed. */
export function parseDays(key: string): number[] | undefined {
  const [a, b, ...rest] = key.split(/\.\.|-/);
  if (rest.length > 0) return undefined;
  const from = DAYS.indexOf(a as (typeof DAYS)[number]);
  const to = b === undefined ? from : DAYS.indexOf(b as (typeof DAYS)[number]);
  if (from < 0 || to < 0 || to < from) return undefined;
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** `"09:00-18:00"` → minutes; undefined if malformed or empty (end may be 24:00). */
export function parseRange(text: string): OpenRange | undefined {
  const m = RANGE.exec(text);
  if (m === null) return undefined;
  const [h1, m1, h2, m2] = m.slice(1).map(Number) as [number, number, number, number];
  if (h1 > 23 || m1 > 59 || m2 > 59 || h2 > 24 || (h2 === 24 && m2 !== 0)) return undefined;
  const start = h1 * 60 + m1;
  const end = h2 * 60 + m2;
  return end > start ? { start, end } : undefined;
}

function isDate(text: string): boolean {
  const m = DATE.exec(text);
  if (m === null) return false;
  const [y, mo, d] = m.slice(1).map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

/**
 * One calendar of the config, validated. `now` is the plan's clock: holiday data must cover its
 * year and the next. Problems carry paths relative to the calendar.
 */
export function parseCalendar(
  raw: unknown,
  now: Date,
): { calendar?: Calendar; problems: Problem[] } {
  const problems: Problem[] = [];
  const add = (path: Path, message: string) => problems.push({ path, message });
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { problems: [{ path: [], message: typeError(raw, "a calendar { timeZone, hours }") }] };
  }
  const c = raw as Record<string, unknown>;
  for (const key of Object.keys(c)) {
    if (!["timeZone", "hours", "holidays", "closed"].includes(key)) {
      add([key], "is not a calendar setting (known: timeZone, hours, holidays, closed)");
    }
  }
  const timeZone = c.timeZone;
  if (
    typeof timeZone !== "string" ||
    !/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(timeZone) ||
    !isTimeZone(timeZone)
  ) {
    add(
      ["timeZone"],
      typeof timeZone === "string"
        ? `${quote(timeZone)} is not an IANA time zone (e.g. Asia/Tokyo, Europe/London)`
        : typeError(timeZone, "an IANA time zone"),
    );
  }
  const week: OpenRange[][] = DAYS.map(() => []);
  const owner: string[][] = DAYS.map(() => []);
  const hours = c.hours;
  if (typeof hours !== "object" || hours === null || Array.isArray(hours)) {
    add(["hours"], typeError(hours, 'a map like { mon-fri: "09:00-18:00" }'));
  } else {
    for (const [key, value] of Object.entries(hours as Record<string, unknown>)) {
      const days = parseDays(key);
      if (days === undefined) {
        add(["hours", key], `${quote(key)} is not a day or a day range (mon..sun, e.g. mon-fri)`);
        continue;
      }
      const texts = typeof value === "string" ? [value] : Array.isArray(value) ? value : undefined;
      if (texts === undefined) {
        add(["hours", key], typeError(value, '"HH:MM-HH:MM" or a list of them'));
        continue;
      }
      texts.forEach((text: unknown, j) => {
        const path = typeof value === "string" ? ["hours", key] : ["hours", key, j];
        const range = typeof text === "string" ? parseRange(text) : undefined;
        if (range === undefined) {
          add(
            path,
            `${typeof text === "string" ? quote(text) : typeError(text, "a string")} is not a range "HH:MM-HH:MM" with the end after the start (00:00-24:00)`,
          );
          return;
        }
        for (const d of days) {
          const clash = week[d]!.findIndex((r) => range.start < r.end && r.start < range.end);
          if (clash >= 0) {
            const r = week[d]![clash]!;
            add(
              path,
              `${hhmm(range.start)}-${hhmm(range.end)} overlaps ${hhmm(r.start)}-${hhmm(r.end)} (from ${owner[d]![clash]}) on ${DAYS[d]}`,
            );
            return;
          }
          week[d]!.push(range);
          owner[d]!.push(`hours.${key}`);
        }
      });
    }
    if (problems.length === 0 && week.every((d) => d.length === 0)) {
      add(["hours"], "opens on no day; give at least one day a range");
    }
  }
  const holidays: HolidaySet[] = [];
  if (c.holidays !== undefined) {
    if (!Array.isArray(c.holidays)) add(["holidays"], typeError(c.holidays, "a list like [jp]"));
    else
      c.holidays.forEach((h: unknown, i) => {
        const set = HOLIDAY_SETS.find((s) => s === h);
        if (set === undefined) {
          add(
            ["holidays", i],
            `${typeof h === "string" ? quote(h) : typeError(h, "a string")} is not a holiday set (known: ${HOLIDAY_SETS.join(", ")})`,
          );
        } else if (!holidays.includes(set)) holidays.push(set);
      });
  }
  if (holidays.length > 0) {
    const { first, last } = holidayYears();
    const year = now.getUTCFullYear();
    if (year < first || year + 1 > last) {
      add(
        ["holidays"],
        `no Japanese holiday data for ${year}-${year + 1}: @holiday-jp/holiday_jp covers ${first}-${last}; update the library`,
      );
    }
  }
  const closed: string[] = [];
  if (c.closed !== undefined) {
    if (!Array.isArray(c.closed))
      add(["closed"], typeError(c.closed, 'a list of dates "YYYY-MM-DD"'));
    else
      c.closed.forEach((d: unknown, i) => {
        if (typeof d !== "string" || !isDate(d)) {
          add(
            ["closed", i],
            `${typeof d === "string" ? quote(d) : typeError(d, "a string")} is not a date "YYYY-MM-DD"`,
          );
        } else closed.push(d);
      });
  }
  if (problems.length > 0) return { problems };
  for (const d of week) d.sort((a, b) => a.start - b.start);
  return {
    calendar: { timeZone: timeZone as string, week, holidays, closed: [...closed].sort() },
    problems,
  };
}

/** The `calendars` field: each calendar checked by parseCalendar against the plan's clock. */
export const calendars = z
  .record(z.string(), z.unknown(), {
    error: (i) => typeError(i.input, "a map of calendar name to { timeZone, hours, ... }"),
  })
  .superRefine((value, ctx) => {
    const now = new Date();
    for (const [name, raw] of Object.entries(value)) {
      for (const p of parseCalendar(raw, now).problems) {
        ctx.addIssue({ code: "custom", path: [name, ...p.path], message: p.message });
      }
    }
  });

/** `levels.<l>.outsideHours`: references are checked by checkOutsideHours. */
export const outsideHours = z.strictObject(
  {
    calendar: z.string({ error: (i) => typeError(i.input, "a calendar name") }),
    then: z.string({ error: (i) => typeError(i.input, "notify, defer or a level name") }),
  },
  { error: (i) => typeError(i.input, "{ calendar, then: notify | defer | <level> }") },
);

/** Cross-check of every level's outsideHours: the calendar exists, `then` is an action or another level. */
export function checkOutsideHours(
  cfg: Record<string, unknown>,
  levels: Record<string, unknown>,
  add: (path: Path, message: string) => void,
): void {
  const cals = typeof cfg.calendars === "object" && cfg.calendars !== null ? cfg.calendars : {};
  const calendarNames = Object.keys(cals);
  const levelNames = Object.keys(levels);
  for (const [lvl, l] of Object.entries(levels)) {
    if (typeof l !== "object" || l === null) continue;
    const o = (l as Record<string, unknown>).outsideHours;
    if (typeof o !== "object" || o === null) continue;
    const { calendar, then } = o as Record<string, unknown>;
    if (typeof calendar === "string" && !Object.hasOwn(cals, calendar)) {
      add(
        ["levels", lvl, "outsideHours", "calendar"],
        `"${calendar}" is not a calendar; define it under calendars (known: ${calendarNames.join(", ") || "none"})`,
      );
    }
    if (typeof then !== "string" || (OUTSIDE_HOURS_ACTIONS as readonly string[]).includes(then)) {
      continue;
    }
    if (then === lvl) {
      add(
        ["levels", lvl, "outsideHours", "then"],
        `is the level itself; use notify, defer or another level`,
      );
    } else if (!levelNames.includes(then)) {
      add(
        ["levels", lvl, "outsideHours", "then"],
        `"${then}" is neither notify, defer nor a level (levels: ${levelNames.join(", ")})`,
      );
    } else {
      const target = levels[then] as Record<string, unknown> | undefined;
      if (typeof target?.outsideHours === "object" && target.outsideHours !== null) {
        add(
          ["levels", lvl, "outsideHours", "then"],
          `"${then}" has outsideHours itself; hand over to a level without one (no chains)`,
        );
      }
    }
  }
}
