/**
 * Router Lambda, invoked with one of:
 * - a batch from its SQS queue (event source mapping, batch size 1), each message body
 *   `{"level": "<level>", "event": <CloudWatch "Alarm State Change" event>}` (the EventBridge
 *   rule's input transformer; the rules deliver to the queue): answered with a partial batch
 *   response, so a failed message is retried after the queue's visibility timeout and finally
 *   dead-lettered (queue.ts);
 * - the same body directly (tests; Lambda retries an asynchronous one and finally dead-letters it).
 * Drills have their own function (handlers/drill/).
 * parse config (once) → decide (pure) → do what it says → one JSON log line.
 *
 * Every failure of a routed input is re-thrown: for a queue message it becomes a batch item
 * failure (not a function error), for a direct invocation Lambda retries it and finally
 * dead-letters it; the idempotency tokens make the retries safe. One exception, by design: when
 * the dedupe table (DynamoDB) fails, an ALARM pages anyway ("dedupe": "unavailable" in the log
 * line), because a duplicate incident is better than none. An OK is different: a recovery note
 * is not a page, so a failing table fails the message and it is retried.
 *
 * A page the router gives up on (queue.ts: failed for good, or at its last receive) is counted
 * in the PagesGivenUp metric (EMF, handlers/shared/selfMetrics.ts), whose alarm pages a human.
 *
 * Alarm storms: repeat firings of an alarm whose incident is open are coalesced (dedupe.ts), so
 * most cost one DynamoDB write and no Incident Manager call; the Incident Manager client retries
 * throttling adaptively (below); and the event source mapping's maximum concurrency (set by the
 * component) keeps bursts waiting in the queue instead of failing on throttling.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SSMContactsClient } from "@aws-sdk/client-ssm-contacts";
import { SSMIncidentsClient, type StartIncidentCommandInput } from "@aws-sdk/client-ssm-incidents";
import {
  createTimelineEvent,
  deleteIf,
  incidentStatus,
  markUnclearAttempts,
  putIf,
  readMapping,
  startEngagement,
  startIncident,
  updateIf,
  updateIncident,
} from "./adapters";
import {
  decide,
  logLabels,
  parseRouterEnv,
  RetryLaterError,
  RouterConfigError,
  RoutingError,
  ROUTING_TABLE_FILE,
  type AlarmChange,
  type Decision,
} from "./core";
import {
  claimAfterStartFailure,
  decideDedupe,
  MalformedMappingError,
  markOpenInput,
  readInput,
  releaseClaimInput,
  type ClaimKind,
  type DedupeView,
} from "./dedupe";
import {
  givesUpPage,
  isSqsEvent,
  receiveCount,
  recordInput,
  type SqsBatchResponse,
  type SqsEvent,
} from "./queue";
import {
  INCIDENTS_ATTEMPT_TIMEOUT_MS,
  INCIDENTS_MAX_ATTEMPTS,
  ROUTER_QUEUE_MAX_RECEIVES,
} from "../shared/limits";
import { pageGivenUpMetric } from "../shared/selfMetrics";

/**
 * The routing table's text, from routing.json beside the bundle in the function's code
 * (LAMBDA_TASK_ROOT: "The path to your Lambda function code", defined runtime environment
 * variables, https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
 * Undefined when the file is missing; the core names the problem.
 */
function readRoutingTable(env: NodeJS.ProcessEnv): string | undefined {
  const root = env.LAMBDA_TASK_ROOT;
  if (root === undefined || root === "") {
    throw new RouterConfigError([
      `LAMBDA_TASK_ROOT: is not set (Lambda sets it to the folder of the function's code, where ${ROUTING_TABLE_FILE} is)`,
    ]);
  }
  try {
    return readFileSync(path.join(root, ROUTING_TABLE_FILE), "utf8");
  } catch (err: unknown) {
    if ((err as { code?: unknown }).code === "ENOENT") return undefined;
    throw err;
  }
}

// Cold start: a missing or malformed variable (or routing table) throws here, naming it.
const config = parseRouterEnv(process.env, readRoutingTable(process.env));
/** The function's name (a Lambda defined runtime variable): the PagesGivenUp metric's dimension. */
const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME;
const retry = { maxAttempts: 5, retryMode: "standard" } as const;
/**
 * Incident Manager is what a storm throttles. "adaptive" adds a client-side token bucket to the
 * standard retries: after a throttle this environment sends more slowly (CUBIC; never slower than
 * 0.5 request/s), so that concurrent environments settle near the account's rate instead of each
 * retrying at full speed (with the event source mapping's maximum concurrency 10, their floor is
 * 10 × 0.5 = 5 requests/s).
 * 8 attempts: throttling backoff is random up to min(1 s × 2^n, 20 s), so the 7 retries wait 35 s
 * on average and 71 s at most, within the function's timeout (120 s, set by the component) with
 * room for the DynamoDB calls. A call still throttled after that fails the message (or, for a
 * direct invocation, the invocation), and it is retried later.
 */
// Each attempt gives up after 5 s (a hung connection would otherwise hold the invocation for the
// whole timeout): 8 × 5 s + at most 71 s of backoff stays under 120 s. A timed-out attempt is an
// unclear outcome, so the claim is kept and the retry reuses the same clientToken.
// The figures are shared with the component (handlers/shared/limits.ts), whose spec relates them.
const incidents = new SSMIncidentsClient({
  maxAttempts: INCIDENTS_MAX_ATTEMPTS,
  retryMode: "adaptive",
  requestHandler: {
    connectionTimeout: 1_000,
    requestTimeout: INCIDENTS_ATTEMPT_TIMEOUT_MS,
    throwOnRequestTimeout: true,
  },
});
markUnclearAttempts(incidents);
// Clients only some events need (direct engagements) are created on first use, once per
// execution environment, so the alarm path's cold start does not pay for them.
let contactsClient: SSMContactsClient | undefined;
const contacts = (): SSMContactsClient => (contactsClient ??= new SSMContactsClient(retry));
// The dedupe table sits in front of paging: give up on it within seconds (and page without it)
// rather than let a hanging connection use up the function's timeout.
const dynamodb = new DynamoDBClient({
  maxAttempts: 3,
  retryMode: "standard",
  // Without throwOnRequestTimeout, this SDK only warns when requestTimeout passes.
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true },
});

/** The clock. `Date.now` (not `new Date()` alone) so that tests can pin it. */
const now = (): Date => new Date(Date.now());

/**
 * How an ALARM went through the dedupe table (absent without DEDUPE_TABLE): "counted" is a repeat
 * firing only counted on the item, "fired-again" one noted on the incident's timeline (also the
 * first ALARM after a recovery, while the incident is open), "outdated" one from before the
 * alarm's last recovery.
 */
export type DedupeOutcome =
  "opened" | "counted" | "fired-again" | "already-opened" | "outdated" | "unavailable";
/**
 * How an OK went through the dedupe table: "recovered" noted, the incident left open and the alarm
 * still mapped to it; "resolved" noted, resolved and unmapped.
 */
export type RecoveryOutcome =
  | "recovered"
  | "resolved"
  | "stale"
  | "abandoned"
  | "no-mapping"
  | "outdated"
  | "already-recovered";

export type RouterResult =
  | {
      readonly decision: "page";
      readonly incidentArn: string | null;
      readonly engagements: number;
      readonly dedupe?: DedupeOutcome;
    }
  | { readonly decision: "ignore"; readonly reason: string }
  /** Another account's or region's alarm: nothing called, not retried (final). */
  | { readonly decision: "reject"; readonly reason: string }
  | {
      readonly decision: "recover";
      readonly incidentArn: string | null;
      readonly outcome: RecoveryOutcome;
    };

/** The part of the Lambda context the router reads (optional, so tests can omit it). */
export interface RouterContext {
  readonly functionName?: string;
}

/** A result and what else the log line should say. */
interface Outcome {
  readonly result: RouterResult;
  readonly log?: Readonly<Record<string, unknown>>;
}

/** A batch from the router's queue: every record routed, the failed ones reported. */
export async function handler(event: SqsEvent, context?: RouterContext): Promise<SqsBatchResponse>;
/** A direct invocation (tests): the result, or the error re-thrown. */
export async function handler(event: unknown, context?: RouterContext): Promise<RouterResult>;
export async function handler(
  event: unknown,
  context?: RouterContext,
): Promise<RouterResult | SqsBatchResponse> {
  return isSqsEvent(event) ? routeBatch(event, context) : route(event);
}

/**
 * Routes each record of a batch on its own (concurrently, so that one slow record does not eat
 * the others' time). A failed record is a batch item failure, never a function error, so the
 * others are not retried; a page given up is counted in PagesGivenUp.
 */
async function routeBatch(event: SqsEvent, context?: RouterContext): Promise<SqsBatchResponse> {
  const failures = await Promise.all(
    event.Records.map(async (record) => {
      const input = recordInput(record);
      try {
        await route(input);
        return [];
      } catch (err: unknown) {
        const receives = receiveCount(record);
        if (givesUpPage(input, err, receives, ROUTER_QUEUE_MAX_RECEIVES)) {
          const labels = logLabels(input);
          emitMetric(
            pageGivenUpMetric(functionName ?? context?.functionName ?? "unknown", now(), {
              message: "router.page_given_up",
              alertLevel: labels.level,
              alarmName: labels.alarmName,
              receives,
              error: errorName(err),
            }),
          );
        }
        return [{ itemIdentifier: record.messageId }];
      }
    }),
  );
  return { batchItemFailures: failures.flat() };
}

async function route(event: unknown): Promise<RouterResult> {
  try {
    const { result, log: extra } = await run(decide(event, config));
    log({ ...logLabels(event), ...result, ...extra });
    return result;
  } catch (err: unknown) {
    log({ ...logLabels(event), decision: "error", ...errorFields(err) });
    throw err;
  }
}

async function run(decision: Decision): Promise<Outcome> {
  switch (decision.kind) {
    case "ignore":
      return { result: { decision: "ignore", reason: decision.reason } };
    case "reject":
      return { result: { decision: "reject", reason: decision.reason } };
    case "page":
      return page(decision);
    case "recover":
      return recover(decision);
  }
}

// ---------------------------------------------------------------------------------------------
// ALARM: the incident (through the dedupe table when set) and the engagements
// ---------------------------------------------------------------------------------------------

type PageDecision = Extract<Decision, { kind: "page" }>;

interface Opened {
  readonly incidentArn: string | null;
  readonly dedupe?: DedupeOutcome;
  readonly log?: Readonly<Record<string, unknown>>;
}

async function page(decision: PageDecision): Promise<Outcome> {
  const incidentCall = openIncident(decision);
  const engagementCalls = decision.engagements.map((input) => startEngagement(contacts(), input));
  await allSettledOrThrow([incidentCall, ...engagementCalls]);
  const opened = await incidentCall;
  return {
    result: {
      decision: "page",
      incidentArn: opened.incidentArn,
      // Engagement ARNs name the contact; the count is enough for the log.
      engagements: engagementCalls.length,
      ...(opened.dedupe !== undefined && { dedupe: opened.dedupe }),
    },
    log: opened.log,
  };
}

async function openIncident(decision: PageDecision): Promise<Opened> {
  if (decision.incident === null) return { incidentArn: null };
  if (decision.dedupe === null) {
    return { incidentArn: await startIncident(incidents, decision.incident) };
  }
  return openOnce({ ...decision, dedupe: decision.dedupe }, decision.incident);
}

/**
 * At most one open incident per alarm: read the mapping, then follow `decideDedupe` until it
 * opens an incident, counts the ALARM on the alarm's incident (open or being opened) or notes it
 * on the open one, or says to retry later. A DynamoDB failure before the alarm is known to have an
 * incident pages without the table; after that (counting, noting) paging would open a duplicate,
 * so the error propagates (counting: Lambda retries) or is logged (noting: the timeline event is
 * already added).
 */
async function openOnce(
  decision: PageDecision & { readonly dedupe: AlarmChange },
  incident: StartIncidentCommandInput,
): Promise<Opened> {
  const change = decision.dedupe;
  const failOpen = async (err: unknown): Promise<Opened> => ({
    incidentArn: await startIncident(incidents, incident),
    dedupe: "unavailable",
    log: { dedupeError: errorFields(err) },
  });

  let view: DedupeView;
  try {
    view = { item: await readMapping(dynamodb, readInput(change)), conflicts: 0 };
  } catch (err: unknown) {
    return failOpen(err);
  }
  for (;;) {
    const action = decideDedupe(decision, view, now());
    switch (action.kind) {
      case "lookup":
        view = { ...view, incidentStatus: await incidentStatus(incidents, action.incidentArn) };
        break;
      case "count":
        if (await updateIf(dynamodb, action.write)) {
          return { incidentArn: action.incidentArn, dedupe: "counted" };
        }
        // The item changed hands (opened by another claimant, recovered, replaced): re-read.
        view = {
          item: await readMapping(dynamodb, readInput(change)),
          conflicts: view.conflicts + 1,
        };
        break;
      case "note": {
        await createTimelineEvent(incidents, action.timelineEvent);
        const noted = { incidentArn: action.incidentArn, dedupe: "fired-again" } as const;
        try {
          // Lost: another invocation noted this interval at the same moment; both notes stand.
          const written = await updateIf(dynamodb, action.write);
          return { ...noted, ...(!written && { log: { mapping: "changed" } }) };
        } catch (err: unknown) {
          // Noted; only the new interval is missing, so the next firing notes again.
          return { ...noted, log: { dedupeError: errorFields(err) } };
        }
      }
      case "done":
        return {
          incidentArn: action.incidentArn,
          dedupe: action.why === "outdated" ? "outdated" : "already-opened",
        };
      case "retry-later":
        throw new RetryLaterError(action.code, action.message);
      case "resume":
        return start(change, incident, "resumed");
      case "claim": {
        try {
          if (await putIf(dynamodb, action.write)) return start(change, incident, action.how);
          // Lost the race: someone else claimed or changed the item. Re-read and decide again.
          view = {
            item: await readMapping(dynamodb, readInput(change)),
            conflicts: view.conflicts + 1,
          };
        } catch (err: unknown) {
          return failOpen(err);
        }
        break;
      }
    }
  }
}

/** Starts the incident we claimed, then records it in the mapping. */
async function start(
  change: AlarmChange,
  incident: StartIncidentCommandInput,
  claim: ClaimKind | "resumed",
): Promise<Opened> {
  let incidentArn: string;
  try {
    incidentArn = await startIncident(incidents, incident);
  } catch (err: unknown) {
    // A claim this invocation made, for a request that was certainly refused: free the alarm at
    // once for its other events and this one's retry. A resumed claim is never released: the
    // earlier attempt that made it may have opened the incident. Should the delete fail too, the
    // claim stays, which is what "keep" does anyway (resumed by the retry, or abandoned after
    // OPENING_TIMEOUT_MS): the StartIncident error is the one to report.
    if (claim !== "resumed" && claimAfterStartFailure(err) === "release") {
      await deleteIf(dynamodb, releaseClaimInput(change)).catch(() => false);
    }
    throw err;
  }
  try {
    const marked = await updateIf(dynamodb, markOpenInput(change, incidentArn, now()));
    // Not marked: our claim was taken over (we took longer than 5 minutes). Paged all the same.
    return { incidentArn, dedupe: "opened", log: { claim, ...(!marked && { mapping: "lost" }) } };
  } catch (err: unknown) {
    // Paged; only the mapping is missing. The "opening" claim is resumed by a retry of this
    // state change, and taken over by others after 5 minutes.
    return { incidentArn, dedupe: "unavailable", log: { claim, dedupeError: errorFields(err) } };
  }
}

// ---------------------------------------------------------------------------------------------
// OK on a paging level, with DEDUPE_TABLE set
// ---------------------------------------------------------------------------------------------

/**
 * Notes the recovery on the alarm's open incident; resolves it and drops the mapping if the level
 * says so, otherwise keeps the alarm mapped to it (a flap back to ALARM is then a timeline note).
 */
async function recover(decision: Extract<Decision, { kind: "recover" }>): Promise<Outcome> {
  const change = decision.dedupe;
  const done = (incidentArn: string | null, outcome: RecoveryOutcome): Outcome => ({
    result: { decision: "recover", incidentArn, outcome },
  });
  // DynamoDB errors propagate: Lambda retries the recovery note later.
  let view: DedupeView = { item: await readMapping(dynamodb, readInput(change)), conflicts: 0 };
  for (;;) {
    const action = decideDedupe(decision, view, now());
    switch (action.kind) {
      case "lookup":
        view = { ...view, incidentStatus: await incidentStatus(incidents, action.incidentArn) };
        break;
      case "retry-later":
        throw new RetryLaterError(action.code, action.message);
      case "done":
        return done(action.incidentArn, action.why);
      case "release":
        // A lost condition means the item changed hands meanwhile: nothing of ours to drop.
        await deleteIf(dynamodb, action.release);
        return done(action.incidentArn, action.why);
      case "recover":
        await createTimelineEvent(incidents, action.timelineEvent);
        await updateIncident(incidents, action.resolve);
        await deleteIf(dynamodb, action.release);
        return done(action.incidentArn, "resolved");
      case "mark-recovered":
        await createTimelineEvent(incidents, action.timelineEvent);
        if (await updateIf(dynamodb, action.write)) return done(action.incidentArn, "recovered");
        // Another invocation moved first (an ALARM noted or re-opened it, another OK recovered
        // it): re-read and decide again; a repeated note has the same clientToken unless its
        // details changed.
        view = {
          item: await readMapping(dynamodb, readInput(change)),
          conflicts: view.conflicts + 1,
        };
        break;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/**
 * Like Promise.all, but lets every call finish before re-throwing the first failure, so one
 * failing contact does not keep the others from being engaged.
 */
async function allSettledOrThrow(calls: readonly Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(calls);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed !== undefined) throw failed.reason;
}

/**
 * What an error may put in the log. The router's own errors carry messages built to be safe; an
 * SDK error's message can quote the request (a validation error may echo the alarm reason), so
 * only its name, HTTP status and request id are logged.
 */
function errorFields(err: unknown): Record<string, string | number | undefined> {
  if (err instanceof RoutingError || err instanceof RetryLaterError) {
    return { error: err.name, code: err.code, message: err.message };
  }
  if (err instanceof RouterConfigError || err instanceof MalformedMappingError) {
    return { error: err.name, message: err.message };
  }
  if (!(err instanceof Error)) return { error: typeof err };
  const metadata: unknown = "$metadata" in err ? err.$metadata : undefined;
  const { httpStatusCode, requestId } =
    typeof metadata === "object" && metadata !== null
      ? (metadata as { httpStatusCode?: number; requestId?: string })
      : {};
  return { error: err.name, httpStatusCode, requestId };
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

function log(fields: Record<string, unknown>): void {
  console.log(JSON.stringify(fields));
}

/**
 * One EMF line on stdout, bypassing `console` (which Lambda's JSON log format wraps in its own
 * record, hiding the metric from CloudWatch: handlers/shared/selfMetrics.ts).
 */
function emitMetric(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
