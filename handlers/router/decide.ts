/**
 * The router's decision for one input, as a pure function: plain data in, plain data out.
 * - `{"level": "<level>", "event": <CloudWatch "Alarm State Change" event>}` (EventBridge rule,
 *   through the router's queue): a StartIncident input and/or StartEngagement inputs for an
 *   ALARM (step-functions backend: a StartExecution input instead); for an OK on a paging level with DEDUPE_TABLE set, a recovery (dedupe/decide.ts
 *   decides what it touches); nothing otherwise.
 * - The same body plus `deferred: {reason, at}` (a one-time Scheduler schedule, defer.ts): a
 *   "recheck" — the handler asks CloudWatch whether the alarm is still in ALARM, then runs the
 *   decision made as for a fresh ALARM (without the hours check, for reason "outside-hours"), at
 *   the instant the delivery was due (reason "silence-ended": the silence is over by then).
 * - An ALARM of a configured alarm, when the stack silences, carries a `silence` check: the
 *   handler queries the ad-hoc silences and the maintenance windows before paging (silence.ts).
 * A level's `outsideHours` (hours.ts) turns an ALARM whose state-change time falls outside its
 * calendar into "ignore" (notify), "defer", or the decision of another level.
 * Anything it cannot route throws a `RoutingError`, so the message fails, is retried and finally
 * dead-lettered. A calendar without holiday data for the alarm's year is such an error: never a
 * silent "working day".
 */
import type { StartEngagementCommandInput } from "@aws-sdk/client-ssm-contacts";
import type { StartExecutionCommandInput } from "@aws-sdk/client-sfn";
import type { StartIncidentCommandInput } from "@aws-sdk/client-ssm-incidents";
import type { CreateScheduleCommandInput } from "@aws-sdk/client-scheduler";
import { CalendarRangeError, isOpen, nextOpening } from "../shared/calendar";
import { foreignAlarm, parseAlarmInput, type Alarm } from "./alarmEvent";
import { deferRequest, readDeferred, type DeferredMark, type RouterInput } from "./defer";
import type { RouterConfig } from "./env";
import { RoutingError } from "./errors";
import { alarmChange, engagementInput, incidentInput, type AlarmChange } from "./requests";
import { startExecutionInput } from "./stepFunctions";
import { configuredAlarmName } from "./silence";

/**
 * What the handler checks against the silences before paging (silence.ts): the configured alarm
 * name and the instant to check, the alarm's state-change time (a retry decides the same) or,
 * for a deferred delivery, the instant it was due (a silence that deferred it is over then).
 */
export interface SilenceCheck {
  readonly name: string;
  readonly at: Date;
  /** What a deferral re-delivers: the original input, without any earlier `deferred` mark. */
  readonly input: RouterInput;
}

export type IgnoreReason =
  "state OK" | "state INSUFFICIENT_DATA" | "level is notify-only" | "outside hours: notify";

/** What the handler must do for one alarm input. Plain data; `null` means "no incident". */
export type AlarmDecision =
  | {
      readonly kind: "page";
      readonly level: string;
      readonly alarmName: string;
      readonly incident: StartIncidentCommandInput | null;
      readonly engagements: readonly StartEngagementCommandInput[];
      /**
       * Step-functions backend (a level with `execution`): the engine's execution to start, in
       * place of `incident` (then null) and `engagements` (then empty). Absent otherwise.
       */
      readonly execution?: StartExecutionCommandInput;
      /** Set when DEDUPE_TABLE is set and an incident is to be started: look it up first. */
      readonly dedupe: AlarmChange | null;
      /** Present when the stack silences and this is one of its configured alarms. */
      readonly silence?: SilenceCheck;
    }
  | {
      /** OK on a paging level with DEDUPE_TABLE set: note the recovery on the open incident. */
      readonly kind: "recover";
      readonly level: string;
      readonly alarmName: string;
      readonly dedupe: AlarmChange;
      readonly resolveOnRecovery: boolean;
    }
  | {
      readonly kind: "ignore";
      readonly level: string;
      readonly alarmName: string;
      readonly reason: IgnoreReason;
    }
  | {
      /**
       * ALARM outside the level's hours with `then: defer`: CreateSchedule `schedule`, which
       * delivers the input again at `until` (the calendar's next opening, ISO 8601 UTC).
       */
      readonly kind: "defer";
      readonly level: string;
      readonly alarmName: string;
      readonly calendar: string;
      readonly until: string;
      readonly schedule: CreateScheduleCommandInput;
    }
  | {
      /**
       * Another account's or region's alarm (forwarded by another bus, or a rule that matches too
       * much): logged and dropped, never paged and never retried (a retry cannot make it ours).
       */
      readonly kind: "reject";
      readonly level: string;
      readonly alarmName: string;
      readonly reason: string;
    };

/**
 * A deferred delivery: DescribeAlarms on `alarmName`; still ALARM → run `then` (as a fresh
 * ALARM); any other state → engage nobody (logged as "deferred-recovered").
 */
export interface RecheckDecision {
  readonly kind: "recheck";
  readonly level: string;
  readonly alarmName: string;
  readonly deferred: DeferredMark;
  readonly then: AlarmDecision;
}

/** What the handler must do for one input. */
export type Decision = AlarmDecision | RecheckDecision;

/**
 * Decides what one input does. Throws `RoutingError` for anything unroutable.
 */
export function decide(input: unknown, config: RouterConfig): Decision {
  let deferred: DeferredMark | undefined;
  try {
    deferred = readDeferred(input);
  } catch (err: unknown) {
    throw new RoutingError("MALFORMED_EVENT", (err as Error).message);
  }
  // outside-hours: not checked again (the calendar said when); silence-ended: checked at the
  // instant it was due, as for a fresh ALARM then (still retry-stable: the instant is in the input).
  const hoursAt =
    deferred === undefined
      ? undefined
      : deferred.reason === "outside-hours"
        ? null
        : new Date(deferred.at);
  const decision = decideAlarm(input, config, hoursAt);
  if (deferred === undefined || decision.kind === "reject") return decision;
  const { level, alarmName } = decision;
  return { kind: "recheck", level, alarmName, deferred, then: decision };
}

/**
 * One alarm input. `hoursAt`: the instant the level's outsideHours is checked at (undefined: the
 * alarm's state-change time; null: not checked). `origin` is the input as
 * its rule delivered it (level and all), which the silence check matches and a "silence-ended"
 * re-check delivers again: an outside-hours redirect to another level is decided as that level,
 * but its alarm is still the original level's (`<prefix>-<level>-<name>`), and at the silence's
 * end the original level decides again (in hours, its own action).
 */
function decideAlarm(
  input: unknown,
  config: RouterConfig,
  hoursAt: Date | null | undefined,
  origin?: { readonly input: unknown; readonly level: string },
): AlarmDecision {
  const alarm = parseAlarmInput(input, config);
  const { level, route, alarmName } = alarm;
  const foreign = foreignAlarm(alarm, config);
  if (foreign !== undefined) return { kind: "reject", level, alarmName, reason: foreign };
  const opensIncident = route.responsePlanArn !== undefined || route.execution === true;
  const dedupe =
    config.dedupeTable !== undefined && opensIncident
      ? alarmChange(alarm, config.dedupeTable)
      : null;

  if (alarm.state === "OK" && dedupe !== null) {
    return {
      kind: "recover",
      level,
      alarmName,
      dedupe,
      resolveOnRecovery: route.resolveOnRecovery === true,
    };
  }
  if (alarm.state !== "ALARM") {
    return { kind: "ignore", level, alarmName, reason: `state ${alarm.state}` };
  }
  if (!opensIncident && route.engage.length === 0) {
    return { kind: "ignore", level, alarmName, reason: "level is notify-only" };
  }
  const outside = hoursAt === null ? undefined : outsideHours(alarm, hoursAt ?? alarm.time);
  if (outside !== undefined) {
    const then = outside.then;
    if (then.kind === "notify") {
      return { kind: "ignore", level, alarmName, reason: "outside hours: notify" };
    }
    if (then.kind === "level") {
      if (!config.routing.has(then.level)) {
        // A level the router does not route engages nobody: notify only.
        return { kind: "ignore", level, alarmName, reason: "outside hours: notify" };
      }
      // config/calendars.ts refuses a target that has outsideHours itself: no second hop.
      return decideAlarm({ ...(input as object), level: then.level }, config, null, {
        input,
        level,
      });
    }
    if (config.defer === undefined) {
      throw new RoutingError(
        "OUTSIDE_HOURS",
        `level ${level} defers outside hours but DEFER_QUEUE_ARN/DEFER_ROLE_ARN/DEFER_PREFIX are unset`,
      );
    }
    const until = nextOpeningOrThrow(outside.calendar, hoursAt ?? alarm.time, outside.name);
    const { queueArn, roleArn, prefix } = config.defer;
    const schedule = deferRequest({
      at: until,
      input: { level, event: alarm.event },
      reason: "outside-hours",
      prefix,
      target: { queueArn, roleArn },
    });
    return {
      kind: "defer",
      level,
      alarmName,
      calendar: outside.name,
      until: until.toISOString(),
      schedule,
    };
  }
  const silence = silenceCheck(
    origin?.input ?? input,
    alarmName,
    origin?.level ?? level,
    alarm.time,
    config,
  );
  if (route.execution === true && config.stepFunctions !== undefined) {
    return {
      kind: "page",
      level,
      alarmName,
      incident: null,
      engagements: [],
      execution: startExecutionInput(alarm, config.stepFunctions.stateMachineArn),
      dedupe,
      ...(silence !== null && { silence }),
    };
  }
  return {
    kind: "page",
    level,
    alarmName,
    incident:
      route.responsePlanArn === undefined
        ? null
        : incidentInput(alarm, route.responsePlanArn, config.incidentSource),
    engagements: route.engage.map((contactArn) =>
      engagementInput(alarm, contactArn, config.engagementSender),
    ),
    dedupe,
    ...(silence !== null && { silence }),
  };
}

/** The silence check of an ALARM (null: silences do not apply to it). */
function silenceCheck(
  input: unknown,
  alarmName: string,
  level: string,
  time: Date,
  config: RouterConfig,
): SilenceCheck | null {
  if (config.silences === undefined) return null;
  const name = configuredAlarmName(alarmName, config.silences.prefix, level);
  if (name === undefined) return null;
  let deferred;
  try {
    deferred = readDeferred(input);
  } catch (err: unknown) {
    throw new RoutingError("MALFORMED_EVENT", err instanceof Error ? err.message : String(err));
  }
  const body = input as RouterInput;
  return {
    name,
    // A deferred delivery (silence ended, or outside hours over) is handled as a fresh ALARM at
    // the instant it was due: the silence that deferred it is over by then, and a silence that
    // began during the night applies in the morning.
    at: deferred !== undefined ? new Date(deferred.at) : time,
    input: { level: body.level, event: body.event },
  };
}

/** The level's outsideHours when `at` (the state-change time, or a deferral's due instant) falls outside its calendar. */
function outsideHours(alarm: Alarm, at: Date) {
  const o = alarm.route.outsideHours;
  if (o === undefined) return undefined;
  try {
    return isOpen(o.calendar, at) ? undefined : o;
  } catch (err: unknown) {
    throw calendarError(err, o.name);
  }
}

function nextOpeningOrThrow(
  calendar: Parameters<typeof nextOpening>[0],
  time: Date,
  name: string,
): Date {
  try {
    return nextOpening(calendar, time);
  } catch (err: unknown) {
    throw calendarError(err, name);
  }
}

function calendarError(err: unknown, name: string): unknown {
  if (err instanceof CalendarRangeError)
    return new RoutingError("OUTSIDE_HOURS", `calendar ${name}: ${err.message}`);
  return err;
}
