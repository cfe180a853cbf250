/**
 * The heartbeat's canary alarm (components/heartbeat.ts), as the router sees it: a state change of
 * exactly that alarm, of this account and region, is never a page. The router counts it in the
 * HeartbeatsRouted metric (handlers/shared/selfMetrics.ts), whose alarm pages a human through the
 * fail-safe path when heartbeats stop arriving.
 *
 * The canary is recognised by its exact name, which the component passes in HEARTBEAT_ALARM;
 * nothing else about an event makes it a heartbeat. An event that names the canary but comes from
 * another account or region is not a heartbeat (decide.ts then rejects it as foreign), so a
 * forwarded event cannot keep the heartbeat alive.
 *
 * Nothing here may import Pulumi or the AWS SDK: the component and the handler bundle both import
 * this module.
 */
import { RouterConfigError, isRecord } from "./errors";

/** The environment variable naming the canary alarm. */
export const HEARTBEAT_ALARM_VARIABLE = "HEARTBEAT_ALARM";

/** Physical name of the canary alarm of a stack with prefix `prefix`. */
export function heartbeatAlarmName(prefix: string): string {
  return `${prefix}-heartbeat`;
}

/**
 * The alarm that pages when no heartbeat reached the router (components/heartbeat.ts): named here
 * beside the canary, so the step-functions backend's self-page rule matches the same name.
 */
export function heartbeatMissingAlarmName(prefix: string): string {
  return `${prefix}-heartbeat-missing`;
}

/** The router's environment entry for the heartbeat (none without a heartbeat). */
export function heartbeatRouterEnv<T>(alarmName: T | undefined): Record<string, T> {
  return alarmName === undefined ? {} : { [HEARTBEAT_ALARM_VARIABLE]: alarmName };
}

/** The heartbeat the router knows of. */
export interface HeartbeatRouting {
  /** The canary alarm's name. */
  readonly alarmName: string;
}

/** CloudWatch alarm names: 1-255 characters (PutMetricAlarm AlarmName); no control characters. */
function isAlarmName(name: string): boolean {
  return name.length >= 1 && name.length <= 255 && ![...name].some((c) => c.charCodeAt(0) < 0x20);
}

/** Reads HEARTBEAT_ALARM at cold start; undefined when unset (no heartbeat). */
export function parseHeartbeatEnv(
  env: Readonly<Record<string, string | undefined>>,
): HeartbeatRouting | undefined {
  const name = env[HEARTBEAT_ALARM_VARIABLE];
  if (name === undefined) return undefined;
  if (!isAlarmName(name)) {
    throw new RouterConfigError([
      `${HEARTBEAT_ALARM_VARIABLE}: must be a CloudWatch alarm name (1-255 characters, no control characters)`,
    ]);
  }
  return { alarmName: name };
}

/** A routed heartbeat: the canary's new state. */
export interface Heartbeat {
  readonly alarmState: string;
}

/**
 * The heartbeat `input` carries, or undefined when it is not one: the body
 * `{"level", "event"}` of a CloudWatch "Alarm State Change" event
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html)
 * whose `detail.alarmName` is the canary's, whose top-level `account` and `region` are the
 * router's, and whose only resource is the canary's ARN. Pure.
 */
export function heartbeatOf(
  input: unknown,
  heartbeat: HeartbeatRouting | undefined,
  own: { readonly account: string; readonly region: string },
): Heartbeat | undefined {
  if (heartbeat === undefined || !isRecord(input)) return undefined;
  const event = input.event;
  if (!isRecord(event) || !isRecord(event.detail)) return undefined;
  if (event.source !== "aws.cloudwatch") return undefined;
  if (event["detail-type"] !== "CloudWatch Alarm State Change") return undefined;
  if (event.detail.alarmName !== heartbeat.alarmName) return undefined;
  if (event.account !== own.account || event.region !== own.region) return undefined;
  const arn = `arn:aws:cloudwatch:${own.region}:${own.account}:alarm:${heartbeat.alarmName}`;
  const resources = event.resources;
  if (!Array.isArray(resources) || resources.length !== 1 || resources[0] !== arn) {
    return undefined;
  }
  const state = isRecord(event.detail.state) ? event.detail.state.value : undefined;
  return { alarmState: typeof state === "string" ? state.slice(0, 32) : "unknown" };
}
