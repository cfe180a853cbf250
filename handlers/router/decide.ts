/**
 * The router's decision for one input, as a pure function: plain data in, plain data out.
 * - `{"level": "<level>", "event": <CloudWatch "Alarm State Change" event>}` (EventBridge rule,
 *   through the router's queue): a StartIncident input and/or StartEngagement inputs for an
 *   ALARM; for an OK on a paging level with DEDUPE_TABLE set, a recovery (dedupe/decide.ts
 *   decides what it touches); nothing otherwise.
 * Anything it cannot route throws a `RoutingError`, so the message fails, is retried and finally
 * dead-lettered.
 */
import type { StartEngagementCommandInput } from "@aws-sdk/client-ssm-contacts";
import type { StartIncidentCommandInput } from "@aws-sdk/client-ssm-incidents";
import { foreignAlarm, parseAlarmInput } from "./alarmEvent";
import type { RouterConfig } from "./env";
import { RoutingError } from "./errors";
import { alarmChange, engagementInput, incidentInput, type AlarmChange } from "./requests";
import { readDeferred, type RouterInput } from "./defer";
import { configuredAlarmName } from "./silence";

/**
 * What the handler checks against the silences before paging (silence.ts): the configured alarm
 * name and the instant to check, the alarm's state-change time (a retry decides the same) or,
 * for a "silence-ended" re-check, the instant the silence ended (so that silence is over).
 */
export interface SilenceCheck {
  readonly name: string;
  readonly at: Date;
  /** What a deferral re-delivers: the original input, without any earlier `deferred` mark. */
  readonly input: RouterInput;
}

export type IgnoreReason = "state OK" | "state INSUFFICIENT_DATA" | "level is notify-only";

/** What the handler must do for one alarm input. Plain data; `null` means "no incident". */
export type AlarmDecision =
  | {
      readonly kind: "page";
      readonly level: string;
      readonly alarmName: string;
      readonly incident: StartIncidentCommandInput | null;
      readonly engagements: readonly StartEngagementCommandInput[];
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
       * Another account's or region's alarm (forwarded by another bus, or a rule that matches too
       * much): logged and dropped, never paged and never retried (a retry cannot make it ours).
       */
      readonly kind: "reject";
      readonly level: string;
      readonly alarmName: string;
      readonly reason: string;
    };

/** What the handler must do for one input. */
export type Decision = AlarmDecision;

/**
 * Decides what one input does. Throws `RoutingError` for anything unroutable.
 */
export function decide(input: unknown, config: RouterConfig): Decision {
  const alarm = parseAlarmInput(input, config);
  const { level, route, alarmName } = alarm;
  const foreign = foreignAlarm(alarm, config);
  if (foreign !== undefined) return { kind: "reject", level, alarmName, reason: foreign };
  const dedupe =
    config.dedupeTable !== undefined && route.responsePlanArn !== undefined
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
  if (route.responsePlanArn === undefined && route.engage.length === 0) {
    return { kind: "ignore", level, alarmName, reason: "level is notify-only" };
  }
  const silence = silenceCheck(input, alarmName, level, alarm.time, config);
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
    at: deferred?.reason === "silence-ended" ? new Date(deferred.at) : time,
    input: { level: body.level, event: body.event },
  };
}
