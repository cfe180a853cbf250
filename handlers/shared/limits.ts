/**
 * Timing and size limits that the router's component (components/) and its handler
 * (handlers/router/) must agree on. One home, imported by both; tests/components/limits.spec.ts
 * relates them to each other and to the AWS limits they must respect.
 *
 * Nothing here may import Pulumi or the AWS SDK: the handler bundle imports this module.
 */

/**
 * The router's routing table: a file in its code archive beside the bundle, not an environment
 * variable (it grows with levels and contacts; Lambda allows 4 KB of variables in all).
 */
export const ROUTING_TABLE_FILE = "routing.json";

/** The router's Lambda function timeout, in seconds (set by the component). */
export const ROUTER_TIMEOUT_SECONDS = 120;

/**
 * Attempts of the router's Incident Manager client (adaptive retries, handlers/router/createHandler.ts createClients).
 * Throttling backoff is random up to min(500 ms × 2^n, 20 s) for retry n (@smithy/util-retry:
 * THROTTLING_RETRY_DELAY_BASE 500, MAXIMUM_RETRY_DELAY 20 000), so 7 retries wait at most
 * 1 + 2 + 4 + 8 + 16 + 20 + 20 = 71 s.
 */
export const INCIDENTS_MAX_ATTEMPTS = 8;
/** Each Incident Manager attempt gives up after this long (a hung connection is one attempt). */
export const INCIDENTS_ATTEMPT_TIMEOUT_MS = 5_000;
/** An Incident Manager connection not established within this long fails the attempt. */
export const INCIDENTS_CONNECTION_TIMEOUT_MS = 1_000;
/** The most the SDK's throttling backoff can wait in total over INCIDENTS_MAX_ATTEMPTS. */
export const INCIDENTS_MAX_BACKOFF_MS = 71_000;

/**
 * The dedupe table's client (standard retries) sits in front of paging: it gives up within
 * DEDUPE_MAX_ATTEMPTS × DEDUPE_ATTEMPT_TIMEOUT_MS plus backoff (well under the function timeout),
 * and the router then pages without it.
 */
export const DEDUPE_MAX_ATTEMPTS = 3;
export const DEDUPE_ATTEMPT_TIMEOUT_MS = 2_000;
export const DEDUPE_CONNECTION_TIMEOUT_MS = 1_000;

/**
 * An "opening" claim in the dedupe table older than this was abandoned (its invocation crashed
 * or timed out). It must exceed the function timeout, or a slow opener's claim is taken over
 * while it still runs (handlers/router/dedupe/decide.ts: OPENING_TIMEOUT_MS).
 */
export const CLAIM_TIMEOUT_MS = 5 * 60_000;

/**
 * Visibility timeout of the router's SQS queue: six times the function timeout, as the Lambda
 * developer guide asks ("set the source queue's visibility timeout to at least six times the
 * configuration timeout on your function. The extra time allows Lambda to retry if your function
 * is throttled while processing a previous batch";
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html). Lambda refuses an
 * event source mapping whose function timeout exceeds it.
 */
export const ROUTER_QUEUE_VISIBILITY_TIMEOUT_SECONDS = 6 * ROUTER_TIMEOUT_SECONDS;

/**
 * Receives of one message before SQS moves it to the router's dead-letter queue (redrive policy
 * maxReceiveCount). The router gives up on a page at the last one (handlers/router/queue.ts givesUpPage).
 */
export const ROUTER_QUEUE_MAX_RECEIVES = 3;

/**
 * Concurrent router invocations the event source mapping allows (ScalingConfig
 * MaximumConcurrency, 2-1000: AWS::Lambda::EventSourceMapping ScalingConfig,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-eventsourcemapping-scalingconfig.html).
 * It caps the router without reserving concurrency. With the adaptive client's floor of
 * 0.5 requests/s per environment, 10 environments settle at Incident Manager's 5 requests/s.
 */
export const ROUTER_MAX_CONCURRENCY = 10;

/**
 * Lambda's limit on a function's environment variables: "4 KB, for all environment variables
 * associated with the function, in aggregate" (Lambda quotas,
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
 */
export const LAMBDA_ENVIRONMENT_MAX_BYTES = 4096;
