/**
 * Deferring one router input to a later instant, as pure functions: the shared DEFER mechanism
 * (issue 13). Used for working hours (`levels.<l>.outsideHours.then: defer`, reason
 * "outside-hours") and for maintenance windows (reason "silence-ended": an ALARM still in ALARM
 * when its silence ends is handled then as a fresh ALARM).
 *
 * How it works:
 * - `deferRequest` builds the CreateSchedule input of ONE one-time EventBridge Scheduler
 *   schedule, `at(yyyy-mm-ddThh:mm:ss)` in UTC ("One-time schedules",
 *   https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#one-time), whose
 *   target is the router's own SQS queue (SQS is a templated target of Scheduler,
 *   https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-templated.html) and
 *   whose `Input` is the message body below. `ActionAfterCompletion: "DELETE"` makes Scheduler
 *   delete the schedule after its one invocation
 *   (https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-delete.html), so
 *   deferrals never pile up against the schedules quota. The schedule lives in the stack's own
 *   schedule group (`deferralGroupName`), under a name that starts with `deferralNamePrefix`
 *   (the router's IAM statement names exactly that: components/iamStatements.ts).
 * - The schedule's name is a hash of what is deferred (reason, level, alarm ARN, state-change
 *   timestamp, instant): a retried SQS message builds the same name, and CreateSchedule answers
 *   ConflictException for a name that exists (API reference, CreateSchedule Errors,
 *   https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html), which
 *   the router treats as "already deferred" (`isAlreadyDeferred`).
 * - The deferred delivery is `{level, event, deferred: {reason, at}}`: the original body plus a
 *   `deferred` member. The router, given a body with `deferred`, re-checks the ONE alarm with
 *   CloudWatch DescribeAlarms (`AlarmNames: [<alarmName>]`): still `ALARM` → handled as a fresh
 *   ALARM without the time/silence checks that deferred it (`deferred.reason` says which check to
 *   skip); anything else (recovered, deleted) → engages nobody, logged as `deferred-recovered`.
 *
 * Nothing here may import Pulumi or the AWS SDK client (types only): the component and the
 * handler bundle both import it.
 */
import { createHash } from "node:crypto";
import type { CreateScheduleCommandInput } from "@aws-sdk/client-scheduler";

export type DeferReason = "outside-hours" | "silence-ended";
export const DEFER_REASONS: readonly DeferReason[] = ["outside-hours", "silence-ended"];

/** The router's queue message body, as the EventBridge rules' input transformer builds it. */
export interface RouterInput {
  readonly level: string;
  readonly event: unknown;
}

/** What a deferred delivery adds to the original body. */
export interface DeferredMark {
  readonly reason: DeferReason;
  /** The instant the delivery was due, ISO 8601 UTC (`2027-01-12T00:00:00.000Z`). */
  readonly at: string;
}

/** The body of a deferred delivery: the original body plus `deferred`. */
export interface DeferredInput extends RouterInput {
  readonly deferred: DeferredMark;
}

/** Where deferred deliveries go (the component passes them to the router as variables). */
export interface DeferTarget {
  /** The router's SQS queue. */
  readonly queueArn: string;
  /** The role Scheduler assumes to send to that queue (sqs:SendMessage on it only). */
  readonly roleArn: string;
}

/** The stack's schedule group for deferrals (components/deferral.ts creates it). */
export function deferralGroupName(prefix: string): string {
  return `${prefix}-deferrals`;
}

/** Every deferral schedule's name starts with this (the router may create only these). */
export function deferralNamePrefix(prefix: string): string {
  return `${prefix}-defer-`;
}

/** Scheduler's limit for schedule names (aws-models/scheduler.json, Name: 1-64, [0-9a-zA-Z-_.]). */
const NAME_MAX = 64;
/** Hex digits of the hash in the name: 96 bits, no collision between real deferrals. */
const HASH_HEX = 24;

/**
 * The CreateSchedule input that delivers `input` + `deferred: {reason, at}` to the router's
 * queue at `at` (rounded up to the next whole second: `at()` takes seconds). Pure: the same
 * arguments give the same request, so a retried message re-creates the same schedule name.
 */
export function deferRequest(args: {
  readonly at: Date;
  readonly input: RouterInput;
  readonly reason: DeferReason;
  /** The stack's resource prefix (config `prefix`). */
  readonly prefix: string;
  readonly target: DeferTarget;
}): CreateScheduleCommandInput {
  const { input, reason, prefix, target } = args;
  if (Number.isNaN(args.at.getTime())) throw new Error("deferRequest: `at` is not a valid date");
  const at = new Date(Math.ceil(args.at.getTime() / 1000) * 1000);
  const body: DeferredInput = {
    level: input.level,
    event: input.event,
    deferred: { reason, at: at.toISOString() },
  };
  const key = JSON.stringify([reason, input.level, alarmKey(input.event), at.toISOString()]);
  const hash = createHash("sha256").update(key).digest("hex").slice(0, HASH_HEX);
  const name = `${deferralNamePrefix(prefix)}${hash}`;
  if (name.length > NAME_MAX) {
    throw new Error(`deferRequest: schedule name ${name} is longer than ${NAME_MAX} characters`);
  }
  return {
    Name: name,
    GroupName: deferralGroupName(prefix),
    // at() is in UTC unless ScheduleExpressionTimezone says otherwise; said explicitly.
    ScheduleExpression: `at(${at.toISOString().slice(0, 19)})`,
    ScheduleExpressionTimezone: "UTC",
    FlexibleTimeWindow: { Mode: "OFF" },
    ActionAfterCompletion: "DELETE",
    Description: `${reason}: level ${input.level}`.slice(0, 512),
    ClientToken: hash,
    Target: {
      Arn: target.queueArn,
      RoleArn: target.roleArn,
      Input: JSON.stringify(body),
      // Defaults spelled out: 185 attempts over 24 hours
      // (https://docs.aws.amazon.com/scheduler/latest/APIReference/API_RetryPolicy.html).
      RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
    },
  };
}

/** The identity of the deferred alarm change: its ARN and state timestamp (when readable). */
function alarmKey(event: unknown): unknown {
  const e = record(event);
  const detail = record(e?.detail);
  const state = record(detail?.state);
  const resources = e?.resources;
  return [
    Array.isArray(resources) ? (resources as unknown[])[0] : null,
    detail?.alarmName ?? null,
    state?.timestamp ?? null,
  ];
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * The `deferred` member of a router input: undefined when absent; throws a plain Error naming
 * the path when present but malformed (the router wraps it as a RoutingError).
 */
export function readDeferred(input: unknown): DeferredMark | undefined {
  const body = record(input);
  if (body === undefined || !("deferred" in body)) return undefined;
  const d = record(body.deferred);
  if (d === undefined) throw new Error("deferred: expected an object");
  const reason = DEFER_REASONS.find((r) => r === d.reason);
  if (reason === undefined) {
    throw new Error(`deferred.reason: expected ${DEFER_REASONS.map((r) => `"${r}"`).join(" or ")}`);
  }
  if (typeof d.at !== "string" || Number.isNaN(Date.parse(d.at))) {
    throw new Error("deferred.at: expected an ISO 8601 instant");
  }
  return { reason, at: d.at };
}

/** CreateSchedule's answer for a name that exists: the deferral was made by an earlier try. */
export function isAlreadyDeferred(err: unknown): boolean {
  return err instanceof Error && err.name === "ConflictException";
}

/**
 * What the router does with a deferred delivery once DescribeAlarms answered: `page` when the
 * alarm is still in ALARM, `recovered` otherwise (its current state, or "missing" when
 * DescribeAlarms found no such alarm).
 */
export function recheck(
  stateValue: string | undefined,
): { readonly kind: "page" } | { readonly kind: "recovered"; readonly state: string } {
  if (stateValue === "ALARM") return { kind: "page" };
  return { kind: "recovered", state: stateValue ?? "missing" };
}
