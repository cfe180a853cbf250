/**
 * Reading the router's alarm input, `{"level": "<level>", "event": <CloudWatch "Alarm State
 * Change" event>}` (the EventBridge rule's input transformer): validated into an `Alarm`, or a
 * `RoutingError` naming the path of what is malformed. Pure.
 */
import { truncateText } from "../shared/untrustedText";
import type { LevelRoute, RouterConfig } from "./env";
import { RoutingError, isRecord, malformed, show } from "./errors";

/** CloudWatch's own limit; only malformed events have longer names, and texts cut them. */
export const ALARM_NAME_MAX = 255;
/** Limit from the API model (aws-models/ssm-incidents.json, triggerArn). */
const ARN_MAX = 1000;

/** One alarm state change, validated. */
export interface Alarm {
  readonly level: string;
  readonly route: LevelRoute;
  readonly event: Readonly<Record<string, unknown>>;
  readonly alarmName: string;
  readonly alarmArn: string;
  readonly region: string;
  readonly account: string;
  readonly state: "ALARM" | "OK" | "INSUFFICIENT_DATA";
  /** As written in the event; part of the idempotency tokens. */
  readonly stateTimestamp: string;
  readonly time: Date;
  readonly reason: string | undefined;
}

const STATES = ["ALARM", "OK", "INSUFFICIENT_DATA"] as const;
/** Partition aws only, like the console URL built from it. */
const ALARM_ARN =
  /^arn:aws:cloudwatch:([a-z]{2}(?:-[a-z]+)+-\d{1,2}):(\d{12}):alarm:[^\p{Cc}\p{Cs}\u2028\u2029]+$/u;
/** CloudWatch writes `2019-10-02T17:04:40.989+0000`; `Z` and `+00:00` are accepted too. */
const TIMESTAMP =
  /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):?(\d{2}))$/;
const LONE_SURROGATE = /\p{Cs}/u;

export function parseAlarmInput(input: unknown, config: RouterConfig): Alarm {
  if (!isRecord(input)) throw malformed("input", "an object", input);
  const { level, route } = routeOf(input.level, "level", config);

  const event = input.event;
  if (!isRecord(event)) throw malformed("event", "an object", event);
  const detail = event.detail;
  if (!isRecord(detail)) throw malformed("event.detail", "an object", detail);
  const alarmName = detail.alarmName;
  if (typeof alarmName !== "string" || alarmName === "" || LONE_SURROGATE.test(alarmName)) {
    throw malformed(
      "event.detail.alarmName",
      "a non-empty string of well-formed Unicode",
      alarmName,
    );
  }
  const state = detail.state;
  if (!isRecord(state)) throw malformed("event.detail.state", "an object", state);
  const stateValue = STATES.find((s) => s === state.value);
  if (stateValue === undefined) {
    throw malformed(
      "event.detail.state.value",
      '"ALARM", "OK" or "INSUFFICIENT_DATA"',
      state.value,
    );
  }
  const stateTimestamp = state.timestamp;
  const time = typeof stateTimestamp === "string" ? parseTimestamp(stateTimestamp) : undefined;
  if (typeof stateTimestamp !== "string" || time === undefined) {
    throw malformed(
      "event.detail.state.timestamp",
      "an ISO 8601 timestamp like 2019-10-02T17:04:40.989+0000",
      stateTimestamp,
    );
  }
  const resources = event.resources;
  const alarmArn = Array.isArray(resources) ? (resources as unknown[])[0] : undefined;
  const arn =
    typeof alarmArn === "string" && alarmArn.length <= ARN_MAX ? ALARM_ARN.exec(alarmArn) : null;
  if (typeof alarmArn !== "string" || arn === null) {
    throw malformed(
      "event.resources[0]",
      `a CloudWatch alarm ARN arn:aws:cloudwatch:<region>:<account>:alarm:<name> of at most ${ARN_MAX} characters`,
      alarmArn,
    );
  }

  return {
    level,
    route,
    event,
    alarmName,
    alarmArn,
    region: arn[1],
    account: arn[2],
    state: stateValue,
    stateTimestamp,
    time,
    reason: typeof state.reason === "string" ? state.reason : undefined,
  };
}

/** The route of `level`; throws MALFORMED_EVENT for a non-string, UNKNOWN_LEVEL for others. */
export function routeOf(
  level: unknown,
  path: string,
  config: RouterConfig,
): { level: string; route: LevelRoute } {
  if (typeof level !== "string") throw malformed(path, "a string", level);
  const route = config.routing.get(level);
  if (route === undefined) {
    const knownLevels = [...config.routing.keys()].join(", ");
    throw new RoutingError(
      "UNKNOWN_LEVEL",
      `${path} ${show(level)} is not in ROUTING_TABLE (known levels: ${knownLevels})`,
    );
  }
  return { level, route };
}

/** Parses a strict ISO 8601 timestamp; rejects impossible dates such as Feb 30 or 24:00. */
export function parseTimestamp(text: string): Date | undefined {
  const m = TIMESTAMP.exec(text);
  if (m === null) return undefined;
  const [, dateTime, fraction = "", sign, offsetHours = "00", offsetMinutes = "00"] = m;
  const millis = fraction.padEnd(3, "0").slice(0, 3);
  const utc = Date.parse(`${dateTime}.${millis}Z`);
  // Date.parse rolls 2019-02-30 over to March 2; a round trip exposes it.
  if (Number.isNaN(utc) || new Date(utc).toISOString().slice(0, 19) !== dateTime) return undefined;
  if (Number(offsetHours) > 23 || Number(offsetMinutes) > 59) return undefined;
  const offset = (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000;
  return new Date(sign === "-" ? utc + offset : utc - offset);
}

/**
 * Why an alarm is not this stack's, or undefined when it is: the event's top-level `account` and
 * `region` (which keep the sender's when another account or region forwards the event,
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html) and the alarm
 * ARN's must both be the function's. Account ids and regions are not personal data.
 */
export function foreignAlarm(
  alarm: Pick<Alarm, "account" | "region" | "event">,
  config: Pick<RouterConfig, "account" | "region">,
): string | undefined {
  const where = [
    ["event.account", alarm.event.account, config.account],
    ["event.region", alarm.event.region, config.region],
    ["event.resources[0] account", alarm.account, config.account],
    ["event.resources[0] region", alarm.region, config.region],
  ] as const;
  for (const [path, got, own] of where) {
    if (got !== own) {
      return `${path} is ${show(got)}, not this stack's ${show(own)}: another account's or region's alarm pages nobody here`;
    }
  }
  return undefined;
}

/** Cuts `text` to at most `max` UTF-16 units, ending with "…", never splitting a surrogate pair. */
export const truncate = truncateText;

/**
 * Level and alarm name of any input, for its log line (`alertLevel`: the alert level, never the
 * log's severity). A drill input's level comes from drill.ts drillLogLabels.
 */
export function logLabels(input: unknown): {
  alertLevel: string | null;
  alarmName: string | null;
} {
  const level = isRecord(input) ? input.level : undefined;
  const event = isRecord(input) ? input.event : undefined;
  const detail = isRecord(event) ? event.detail : undefined;
  const alarmName = isRecord(detail) ? detail.alarmName : undefined;
  return {
    alertLevel: typeof level === "string" ? truncate(level, 64) : null,
    alarmName: typeof alarmName === "string" ? truncate(alarmName, ALARM_NAME_MAX) : null,
  };
}
