/**
 * `maintenance[]`: scheduled maintenance windows. During a window, an ALARM of a matching alarm
 * goes to Slack marked as silenced with the reason and pages nobody; one still in ALARM when the
 * window ends is handled then as a fresh ALARM (handlers/router/silence.ts). The schedule is an
 * EventBridge Scheduler cron expression, checked by the same parser the router evaluates it with
 * (handlers/shared/schedule.ts: syntax from
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based; `rate()`
 * is refused there, with the reason).
 *
 * A pattern is an alarm name of `alarms[]`, `<prefix>*` or `*`. A pattern that matches no
 * configured alarm is an error, not a warning: it is almost always a typo, and a window that
 * silences nothing is a window the team believes is protecting a deploy. External alarms
 * (`externalAlarms[]`) and the pipeline's own self-monitoring are never silenced.
 *
 * The windows travel to the router in one environment variable (Lambda: all variables together
 * ≤ 4 KB), hence the caps on their number and their reasons' length.
 */
import { z } from "zod";
import { parseCron } from "../handlers/shared/schedule";
import { isTimeZone } from "./fields";
import { quote, typeError } from "./messages";

export const MAINTENANCE_LIMITS = {
  windowsMax: 10,
  patternsMax: 10,
  minutesMin: 1,
  minutesMax: 1440,
  reasonMax: 120,
} as const;

/** An alarm name of `alarms[]` (lower-case, digits, `_`, `-`), optionally ending in `*`, or `*`. */
const PATTERN_RE = /^(\*|[a-z0-9][a-z0-9_-]*\*?)$/;

export const maintenanceWindow = z.strictObject({
  /** Alarm names (`alarms[].name`), `<prefix>*` or `*`. */
  alarms: z
    .array(
      z
        .string({ error: (i) => typeError(i.input, "an alarm name or <prefix>*") })
        .regex(PATTERN_RE, {
          error: (i) =>
            `${quote(i.input)} is not an alarm pattern; use an alarm name of alarms[], <prefix>* (e.g. api-*) or *`,
        }),
      { error: (i) => typeError(i.input, "a list of alarm patterns") },
    )
    .min(1, { error: "is empty; name the alarms the window silences (e.g. [api-*])" })
    .max(MAINTENANCE_LIMITS.patternsMax, {
      error: `has more than ${MAINTENANCE_LIMITS.patternsMax} patterns`,
    }),
  /** When each window starts: cron(<min> <hour> <day-of-month> <month> <day-of-week> <year>). */
  schedule: z
    .string({ error: (i) => typeError(i.input, "a cron expression") })
    .superRefine((s, ctx) => {
      const parsed = parseCron(s);
      if (typeof parsed === "string") ctx.addIssue({ code: "custom", message: parsed });
    }),
  /** IANA time zone the cron is read in. */
  timeZone: z
    .string({ error: (i) => typeError(i.input, "an IANA time zone") })
    // Called late: fields.ts imports this module, so isTimeZone is not bound yet at load time.
    .refine((tz) => isTimeZone(tz), {
      error: (i) => `${quote(i.input)} is not an IANA time zone (e.g. Asia/Tokyo, Europe/Berlin)`,
    }),
  /** How long each window lasts. */
  minutes: z
    .number({ error: (i) => typeError(i.input, "a whole number of minutes") })
    .int({ error: (i) => `${String(i.input)} is not a whole number` })
    .min(MAINTENANCE_LIMITS.minutesMin, {
      error: (i) =>
        `${String(i.input)} min is below the minimum ${MAINTENANCE_LIMITS.minutesMin} min`,
    })
    .max(MAINTENANCE_LIMITS.minutesMax, {
      error: (i) =>
        `${String(i.input)} min is above the maximum ${MAINTENANCE_LIMITS.minutesMax} min (one day)`,
    }),
  /** Shown in Slack with every silenced ALARM. */
  reason: z
    .string({ error: (i) => typeError(i.input, "a string saying why alarms are silenced") })
    .trim()
    .min(1, { error: "is empty; say why the alarms are silenced (it is shown in Slack)" })
    .max(MAINTENANCE_LIMITS.reasonMax, {
      error: `is longer than ${MAINTENANCE_LIMITS.reasonMax} characters`,
    })
    .regex(/^[^\p{Cc}]*$/u, { error: "contains control characters (line breaks, tabs)" }),
});

export const maintenance = z
  .array(maintenanceWindow, { error: (i) => typeError(i.input, "a list of maintenance windows") })
  .max(MAINTENANCE_LIMITS.windowsMax, {
    error: `has more than ${MAINTENANCE_LIMITS.windowsMax} windows (they travel in one Lambda environment variable)`,
  })
  // Absent: the stack has no silences at all (no table, no deferral); `[]`: ad-hoc silences only
  // (`npm run silence`), no scheduled window.
  .optional();

type Add = (path: (string | number)[], message: string) => void;

/** Cross-check: every pattern matches at least one alarm of `alarms[]`. */
export function checkMaintenance(cfg: Record<string, unknown>, add: Add): void {
  if (!Array.isArray(cfg.alarms)) return;
  const names = cfg.alarms
    .map((a: unknown) =>
      typeof a === "object" && a !== null ? (a as { name?: unknown }).name : undefined,
    )
    .filter((n): n is string => typeof n === "string");
  const windows = Array.isArray(cfg.maintenance) ? cfg.maintenance : [];
  windows.forEach((w: unknown, i) => {
    const patterns = typeof w === "object" && w !== null ? (w as { alarms?: unknown }).alarms : [];
    if (!Array.isArray(patterns)) return;
    patterns.forEach((p: unknown, j) => {
      if (typeof p !== "string" || !PATTERN_RE.test(p)) return;
      const hit = p.endsWith("*")
        ? names.some((n) => n.startsWith(p.slice(0, -1)))
        : names.includes(p);
      if (!hit) {
        add(
          ["maintenance", i, "alarms", j],
          `${quote(p)} matches no alarm of alarms[]; check the name (external alarms and the pipeline's own alarms are never silenced)`,
        );
      }
    });
  });
}
