/**
 * The router's decision for one input, as a pure function: plain data in, plain data out.
 * - `{"level": "<level>", "event": <CloudWatch "Alarm State Change" event>}` (EventBridge rule,
 *   through the router's queue): a StartIncident input and/or StartEngagement inputs for an
 *   ALARM (step-functions backend: a StartExecution input instead); for an OK on a paging level with DEDUPE_TABLE set, a recovery (dedupe/decide.ts
 *   decides what it touches); nothing otherwise.
 * Anything it cannot route throws a `RoutingError`, so the message fails, is retried and finally
 * dead-lettered.
 */
import type { StartEngagementCommandInput } from "@aws-sdk/client-ssm-contacts";
import type { StartExecutionCommandInput } from "@aws-sdk/client-sfn";
import type { StartIncidentCommandInput } from "@aws-sdk/client-ssm-incidents";
import { foreignAlarm, parseAlarmInput } from "./alarmEvent";
import type { RouterConfig } from "./env";
import { alarmChange, engagementInput, incidentInput, type AlarmChange } from "./requests";
import { startExecutionInput } from "./stepFunctions";

export type IgnoreReason = "state OK" | "state INSUFFICIENT_DATA" | "level is notify-only";

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
  if (route.execution === true && config.stepFunctions !== undefined) {
    return {
      kind: "page",
      level,
      alarmName,
      incident: null,
      engagements: [],
      execution: startExecutionInput(alarm, config.stepFunctions.stateMachineArn),
      dedupe,
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
  };
}
