/**
 * The router's SQS event source, as pure functions: recognising a batch, reading a record, and
 * deciding when a failed record is a page given up (the self-monitoring alarm on PagesGivenUp
 * then pages a human; handlers/shared/selfMetrics.ts).
 *
 * The EventBridge rules deliver `{level, event}` to the router's queue; Lambda's event source
 * mapping polls it and invokes the router with a batch (event shape: "Example standard queue
 * message event", https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html). With
 * `FunctionResponseTypes: ["ReportBatchItemFailures"]` the router answers
 * `{"batchItemFailures": [{"itemIdentifier": "<messageId>"}]}` and only those messages become
 * visible again, after the queue's visibility timeout; an empty list means every message
 * succeeded (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html).
 * After maxReceiveCount receives, SQS moves a message to the dead-letter queue.
 */
import { ROUTER_QUEUE_MAX_RECEIVES } from "../shared/limits";
import { RoutingError } from "./errors";

/** One SQS message as Lambda delivers it (the members the router reads). */
export interface SqsRecord {
  readonly messageId: string;
  readonly body: string;
  readonly attributes?: { readonly ApproximateReceiveCount?: string };
  readonly eventSource?: string;
}

/** A batch from the SQS event source mapping. */
export interface SqsEvent {
  readonly Records: readonly SqsRecord[];
}

/** The partial batch response (ReportBatchItemFailures). */
export interface SqsBatchResponse {
  readonly batchItemFailures: { readonly itemIdentifier: string }[];
}

/** Whether an invocation is a batch from the SQS event source mapping (eventSource "aws:sqs"). */
export function isSqsEvent(event: unknown): event is SqsEvent {
  if (typeof event !== "object" || event === null || !("Records" in event)) return false;
  const records: unknown = event.Records;
  return (
    Array.isArray(records) &&
    records.length > 0 &&
    records.every(
      (r: unknown) =>
        typeof r === "object" &&
        r !== null &&
        (r as { eventSource?: unknown }).eventSource === "aws:sqs" &&
        typeof (r as { messageId?: unknown }).messageId === "string" &&
        typeof (r as { body?: unknown }).body === "string",
    )
  );
}

/** The record's body as the router's input: the JSON the rule's transformer built. */
export function recordInput(record: SqsRecord): unknown {
  try {
    return JSON.parse(record.body);
  } catch {
    // Not JSON: routed as it is, so the router rejects it as a malformed event.
    return record.body;
  }
}

/** How often SQS has delivered this message, this delivery included (1 when not reported). */
export function receiveCount(record: SqsRecord): number {
  const n = Number(record.attributes?.ApproximateReceiveCount);
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/**
 * Error names that say "too fast", not "refused": retried, never a page given up early.
 * (SDK error names of the services the router calls: ssm-incidents and ssm-contacts
 * ThrottlingException, DynamoDB ProvisionedThroughputExceededException and RequestLimitExceeded.)
 */
const THROTTLING = new Set([
  "ThrottlingException",
  "TooManyRequestsException",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
]);

/**
 * An error no retry can cure: an input the router cannot route, or an AWS error the service
 * blames on the request (the SDK's `$fault: "client"`: access denied, validation, not found),
 * except throttling.
 */
export function isPermanent(err: unknown): boolean {
  if (err instanceof RoutingError) return true;
  if (!(err instanceof Error)) return false;
  const fault = (err as { $fault?: unknown }).$fault;
  return fault === "client" && !THROTTLING.has(err.name);
}

/**
 * Whether a failed record is a page the router gives up on: an input that may be an ALARM
 * (OK and INSUFFICIENT_DATA never page) that failed permanently, or failed at its last receive
 * (the next one moves it to the dead-letter queue). A retry that may still succeed is not
 * given up: storms make the router retry on purpose (RetryLaterError, throttling).
 */
export function givesUpPage(
  input: unknown,
  err: unknown,
  receives: number,
  maxReceives: number = ROUTER_QUEUE_MAX_RECEIVES,
): boolean {
  if (!mayBePage(input)) return false;
  return isPermanent(err) || receives >= maxReceives;
}

/** False only for an input that says it is an OK or INSUFFICIENT_DATA state change. */
function mayBePage(input: unknown): boolean {
  const state = field(field(field(input, "event"), "detail"), "state");
  const value = field(state, "value");
  return value !== "OK" && value !== "INSUFFICIENT_DATA";
}

function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}
