/**
 * Working hours in the router, as pure functions (issue 13 point 1): a level's `outsideHours`
 * applies when the alarm's STATE-CHANGE time (`detail.state.timestamp`, not the wall clock: a
 * retried message decides the same) falls outside the level's calendar:
 * - `notify`: Slack (the alarm's own SNS action → Chatbot) and webhooks only; the router engages
 *   nobody;
 * - `defer`: Slack now, and at the calendar's next opening the level's normal action if the alarm
 *   is still in ALARM then (a one-time Scheduler schedule, defer.ts);
 * - `{ level }`: handled as that level (config/calendars.ts refuses chains and itself).
 *
 * The routing table carries each level's calendar already resolved (`outsideHours.calendar` is
 * the `Calendar` of handlers/shared/calendar.ts), so the router reads no other config; the
 * deferral target comes from DEFER_QUEUE_ARN, DEFER_ROLE_ARN and DEFER_PREFIX.
 *
 * Nothing here may import Pulumi or the AWS SDK: the component and the handler bundle both import
 * this module.
 */
import { DAYS, HOLIDAY_SETS, type Calendar, type HolidaySet } from "../shared/calendar";
import type { DeferTarget } from "./defer";
import { isRecord, show } from "./errors";

/** What happens outside hours: notify, defer, or another level's name. */
export type OutsideHoursAction =
  | { readonly kind: "notify" }
  | { readonly kind: "defer" }
  | { readonly kind: "level"; readonly level: string };

/** A level's outsideHours in the routing table. */
export interface OutsideHoursRoute {
  /** The calendar's name in the stack config (for logs and plans). */
  readonly name: string;
  readonly calendar: Calendar;
  readonly then: OutsideHoursAction;
}

/** The routing table's JSON form of an OutsideHoursRoute (what the component writes). */
export interface OutsideHoursJson {
  readonly name: string;
  readonly calendar: Calendar;
  /** "notify", "defer" or a level name. */
  readonly then: string;
}

/** Where the router's deferrals go: its queue, the role Scheduler assumes, the stack prefix. */
export interface DeferConfig extends DeferTarget {
  readonly prefix: string;
}

/** The deferral variables, as the component sets them (components/deferral.ts). */
export interface DeferEnvironment<T = string> {
  readonly DEFER_QUEUE_ARN: T;
  readonly DEFER_ROLE_ARN: T;
  readonly DEFER_PREFIX: T;
}

export function toOutsideHoursJson(route: OutsideHoursRoute): OutsideHoursJson {
  const then = route.then.kind === "level" ? route.then.level : route.then.kind;
  return { name: route.name, calendar: route.calendar, then };
}

const QUEUE_ARN = /^arn:aws:sqs:[a-z]{2}(?:-[a-z]+)+-\d{1,2}:\d{12}:[A-Za-z0-9_-]{1,80}$/;
const ROLE_ARN = /^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const PREFIX = /^[a-z][a-z0-9-]{0,39}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The deferral variables: undefined when none is set; all three or a problem per missing one.
 */
export function parseDeferEnv(
  env: Readonly<Partial<Record<keyof DeferEnvironment, string | undefined>>>,
  problems: string[],
): DeferConfig | undefined {
  const { DEFER_QUEUE_ARN: queueArn, DEFER_ROLE_ARN: roleArn, DEFER_PREFIX: prefix } = env;
  if (!queueArn && !roleArn && !prefix) return undefined;
  const before = problems.length;
  if (!queueArn || !QUEUE_ARN.test(queueArn)) {
    problems.push(`DEFER_QUEUE_ARN: must be the router's SQS queue ARN, got ${show(queueArn)}`);
  }
  if (!roleArn || !ROLE_ARN.test(roleArn)) {
    problems.push(`DEFER_ROLE_ARN: must be an IAM role ARN, got ${show(roleArn)}`);
  }
  if (!prefix || !PREFIX.test(prefix)) {
    problems.push(
      `DEFER_PREFIX: must be the stack's prefix (1-40 of a-z, 0-9, -), got ${show(prefix)}`,
    );
  }
  return problems.length === before
    ? { queueArn: queueArn!, roleArn: roleArn!, prefix: prefix! }
    : undefined;
}

/** `ROUTING_TABLE.<level>.outsideHours`, validated; problems are prefixed with `path`. */
export function parseOutsideHoursRoute(
  value: unknown,
  path: string,
  problems: string[],
): OutsideHoursRoute | undefined {
  const before = problems.length;
  if (!isRecord(value)) {
    problems.push(`${path}: must be an object {name, calendar, then}, got ${show(value)}`);
    return undefined;
  }
  const { name, calendar, then } = value;
  if (typeof name !== "string" || name === "") {
    problems.push(`${path}.name: must be the calendar's name, got ${show(name)}`);
  }
  const cal = parseCalendarJson(calendar, `${path}.calendar`, problems);
  let action: OutsideHoursAction | undefined;
  if (then === "notify" || then === "defer") action = { kind: then };
  else if (typeof then === "string" && /^[a-z0-9][a-z0-9_-]{0,63}$/.test(then)) {
    action = { kind: "level", level: then };
  } else
    problems.push(`${path}.then: must be "notify", "defer" or a level name, got ${show(then)}`);
  if (problems.length > before || cal === undefined || action === undefined) return undefined;
  return { name: name as string, calendar: cal, then: action };
}

function parseCalendarJson(value: unknown, path: string, problems: string[]): Calendar | undefined {
  if (!isRecord(value)) {
    problems.push(
      `${path}: must be an object {timeZone, week, holidays, closed}, got ${show(value)}`,
    );
    return undefined;
  }
  const before = problems.length;
  const { timeZone, week, holidays, closed } = value;
  if (typeof timeZone !== "string") problems.push(`${path}.timeZone: must be a string`);
  else {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone });
    } catch {
      problems.push(`${path}.timeZone: ${show(timeZone)} is not a time zone this runtime knows`);
    }
  }
  const weekOk =
    Array.isArray(week) &&
    week.length === DAYS.length &&
    week.every(
      (day: unknown) =>
        Array.isArray(day) &&
        day.every(
          (r: unknown) =>
            isRecord(r) &&
            Number.isInteger(r.start) &&
            Number.isInteger(r.end) &&
            (r.start as number) >= 0 &&
            (r.end as number) <= 1440 &&
            (r.start as number) < (r.end as number),
        ),
    );
  if (!weekOk)
    problems.push(`${path}.week: must be 7 lists of {start, end} minutes (Monday first)`);
  if (!Array.isArray(holidays) || !holidays.every((h) => HOLIDAY_SETS.includes(h as HolidaySet))) {
    problems.push(`${path}.holidays: must be a list of ${HOLIDAY_SETS.join(", ")}`);
  }
  if (!Array.isArray(closed) || !closed.every((d) => typeof d === "string" && DATE.test(d))) {
    problems.push(`${path}.closed: must be a list of dates YYYY-MM-DD`);
  }
  if (problems.length > before) return undefined;
  return {
    timeZone: timeZone as string,
    week: week as Calendar["week"],
    holidays: holidays as HolidaySet[],
    closed: closed as string[],
  };
}

/** Local `YYYY-MM-DD HH:MM` of an instant in a zone (for responders' notes). */
function localStamp(instant: Date, timeZone: string): string {
  const f = new Intl.DateTimeFormat("sv-SE", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  });
  return f.format(instant);
}

/** The note a responder reads for a deferred ALARM, in English and Japanese. */
export function deferNote(
  alarmName: string,
  until: Date,
  timeZone: string,
): { readonly en: string; readonly ja: string } {
  const at = `${localStamp(until, timeZone)} (${timeZone})`;
  return {
    en: `${alarmName}: outside working hours; deferred until ${at}, then paged if still in ALARM`,
    ja: `${alarmName}: 営業時間外のため ${at} まで保留し、その時点でまだ ALARM なら呼び出します`,
  };
}

/** The note for a deferred ALARM that is no longer in ALARM when it comes due. */
export function recoveredNote(
  alarmName: string,
  state: string,
): { readonly en: string; readonly ja: string } {
  return {
    en: `${alarmName}: deferred alarm is ${state} now; nobody engaged`,
    ja: `${alarmName}: 保留していたアラームは現在 ${state} のため、誰も呼び出しません`,
  };
}
