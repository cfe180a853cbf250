/**
 * The router, built around its dependencies (`createHandler(deps)`, as the notifier is): the
 * configuration, the clock, the log, the metric line and the SDK clients are passed in, so specs
 * pin the clock and read the log without patching globals. handler.ts builds the production
 * dependencies once per execution environment.
 *
 * Invoked with one of:
 * - a batch from its SQS queue (event source mapping, batch size 1), each message body
 *   `{"level": "<level>", "event": <CloudWatch "Alarm State Change" event>}` (the EventBridge
 *   rule's input transformer; the rules deliver to the queue): answered with a partial batch
 *   response, so a failed message is retried after the queue's visibility timeout and finally
 *   dead-lettered (queue.ts);
 * - the same body directly (tests; Lambda retries an asynchronous one and finally dead-letters it).
 * Drills have their own function (handlers/drill/).
 * decide (pure) → do what it says → one JSON log line.
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
 * Alarm storms: repeat firings of an alarm whose incident is open are coalesced (dedupe/), so
 * most cost one DynamoDB write and no Incident Manager call; the Incident Manager client retries
 * throttling adaptively (createClients); and the event source mapping's maximum concurrency (set
 * by the component) keeps bursts waiting in the queue instead of failing on throttling.
 */
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient, QueryCommand } from "@aws-sdk/client-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";
import { CreateScheduleCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { SSMContactsClient } from "@aws-sdk/client-ssm-contacts";
import {
  SSMIncidentsClient,
  type CreateTimelineEventCommandInput,
  type UpdateIncidentRecordCommandInput,
} from "@aws-sdk/client-ssm-incidents";
import {
  DEDUPE_ATTEMPT_TIMEOUT_MS,
  DEDUPE_CONNECTION_TIMEOUT_MS,
  DEDUPE_MAX_ATTEMPTS,
  INCIDENTS_ATTEMPT_TIMEOUT_MS,
  INCIDENTS_CONNECTION_TIMEOUT_MS,
  INCIDENTS_MAX_ATTEMPTS,
  ROUTER_QUEUE_MAX_RECEIVES,
} from "../shared/limits";
import { heartbeatRoutedMetric, pageGivenUpMetric } from "../shared/selfMetrics";
import {
  createTimelineEvent,
  deleteIf,
  incidentStatus,
  markUnclearAttempts,
  putIf,
  readMapping,
  recordNoteOnce,
  startEngagement,
  startExecution,
  startIncident,
  stopExecution,
  storedIncidentStatus,
  updateIf,
  updateIncident,
} from "./adapters";
import { logLabels } from "./alarmEvent";
import { decide, type AlarmDecision, type Decision, type RecheckDecision } from "./decide";
import { deferRequest, isAlreadyDeferred, recheck } from "./defer";
import { deferNote, recoveredNote } from "./hours";
import {
  activeSilence,
  silenceFromItem,
  silencedNote,
  silencesQueryInput,
  type AdHocSilence,
  type SilenceConfig,
} from "./silence";
import {
  claimAfterStartFailure,
  decideDedupe,
  type AlarmAction,
  type ClaimKind,
  type DedupeAction,
  type DedupeView,
  type Lookup,
  type RecoveryAction,
  type RetryLater,
} from "./dedupe/decide";
import { MalformedMappingError, type IncidentStatus } from "./dedupe/item";
import { markOpenInput, readInput, releaseClaimInput } from "./dedupe/writes";
import type { RouterConfig, StepFunctionsConfig } from "./env";
import { heartbeatOf, type HeartbeatRouting } from "./heartbeat";
import { RetryLaterError, RouterConfigError, RoutingError } from "./errors";
import type { AlarmChange } from "./requests";
import {
  givesUpPage,
  isSqsEvent,
  receiveCount,
  recordInput,
  type SqsBatchResponse,
  type SqsEvent,
} from "./queue";
import { incidentStatusInput, noteInput, resolveInput, stopExecutionInput } from "./stepFunctions";

/** The SDK clients the router calls. Those only some inputs need are created on first use. */
export interface RouterClients {
  readonly incidents: SSMIncidentsClient;
  readonly dynamodb: DynamoDBClient;
  readonly contacts: () => SSMContactsClient;
  /** The step-functions backend's client (StartExecution, StopExecution). */
  readonly stepFunctions?: () => SFNClient;
  /** Deferrals (outsideHours defer): CreateSchedule (also silences' "silence-ended" re-check). Absent: a deferral fails the message. */
  readonly scheduler?: () => SchedulerClient;
  /** Deferred deliveries: DescribeAlarms re-checks the alarm. */
  readonly cloudwatch?: () => CloudWatchClient;
  /** Silences: the silenced ALARM's Slack note (Publish to the alerts topic). */
  readonly sns?: () => SNSClient;
}

export interface RouterDeps {
  readonly config: RouterConfig;
  readonly clients: RouterClients;
  /** The clock: claim ages, note intervals, timeline times, metric timestamps. */
  readonly now: () => Date;
  /** One structured log line (no PII: handler.ts writes it as JSON on stdout). */
  readonly log: (fields: Record<string, unknown>) => void;
  /** One EMF line (the PagesGivenUp metric), written past `console` (selfMetrics.ts). */
  readonly emitMetric: (line: Record<string, unknown>) => void;
  /** The function's name (AWS_LAMBDA_FUNCTION_NAME), the metric's dimension. */
  readonly functionName?: string;
  /** The heartbeat's canary alarm (HEARTBEAT_ALARM, heartbeat.ts); absent: no heartbeat. */
  readonly heartbeat?: HeartbeatRouting;
}

/**
 * The production clients. Incident Manager is what a storm throttles: "adaptive" adds a
 * client-side token bucket to the standard retries, so after a throttle this environment sends
 * more slowly (CUBIC; never slower than 0.5 request/s), and concurrent environments settle near
 * the account's rate instead of each retrying at full speed (with the event source mapping's
 * maximum concurrency 10, their floor is 10 × 0.5 = 5 requests/s). Each attempt gives up after
 * INCIDENTS_ATTEMPT_TIMEOUT_MS (a hung connection would otherwise hold the invocation for the
 * whole timeout); a timed-out attempt is an unclear outcome, so the claim is kept and the retry
 * reuses the same clientToken. The worst case of a call (attempts × attempt timeout + backoff)
 * stays under the function's timeout, and the dedupe table's under a few seconds:
 * handlers/shared/limits.ts holds the figures, tests/components/limits.spec.ts relates them.
 * A call still throttled after that fails the message, and it is retried later.
 */
export function createClients(): RouterClients {
  const retry = { maxAttempts: 5, retryMode: "standard" } as const;
  const incidents = new SSMIncidentsClient({
    maxAttempts: INCIDENTS_MAX_ATTEMPTS,
    retryMode: "adaptive",
    requestHandler: {
      connectionTimeout: INCIDENTS_CONNECTION_TIMEOUT_MS,
      requestTimeout: INCIDENTS_ATTEMPT_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
  });
  markUnclearAttempts(incidents);
  // The dedupe table sits in front of paging: give up on it within seconds (and page without it)
  // rather than let a hanging connection use up the function's timeout.
  const dynamodb = new DynamoDBClient({
    maxAttempts: DEDUPE_MAX_ATTEMPTS,
    retryMode: "standard",
    // Without throwOnRequestTimeout, this SDK only warns when requestTimeout passes.
    requestHandler: {
      connectionTimeout: DEDUPE_CONNECTION_TIMEOUT_MS,
      requestTimeout: DEDUPE_ATTEMPT_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
  });
  // Clients only some events need (direct engagements) are created on first use, once
  // per execution environment, so the alarm path's cold start does not pay for them.
  let contacts: SSMContactsClient | undefined;
  let stepFunctions: SFNClient | undefined;
  let scheduler: SchedulerClient | undefined;
  let cloudwatch: CloudWatchClient | undefined;
  let sns: SNSClient | undefined;
  return {
    incidents,
    dynamodb,
    contacts: () => (contacts ??= new SSMContactsClient(retry)),
    stepFunctions: () => (stepFunctions ??= new SFNClient(retry)),
    scheduler: () => (scheduler ??= new SchedulerClient(retry)),
    cloudwatch: () => (cloudwatch ??= new CloudWatchClient(retry)),
    sns: () => (sns ??= new SNSClient(retry)),
  };
}

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
  /** Step-functions backend: the incident id is the execution's name. */
  | {
      readonly decision: "page";
      readonly incidentId: string | null;
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
    }
  | {
      readonly decision: "recover";
      readonly incidentId: string | null;
      readonly outcome: RecoveryOutcome;
    }
  /** Outside hours, `then: defer`: a one-time schedule delivers the input again at `until`. */
  | {
      readonly decision: "defer";
      readonly until: string;
      readonly calendar: string;
      readonly schedule: string;
      /** The schedule existed already (a retried message). */
      readonly existed: boolean;
    }
  /** A deferred delivery whose alarm is no longer in ALARM: nobody engaged. */
  | { readonly decision: "deferred-recovered"; readonly state: string }
  /** A silenced ALARM: Slack told, nobody paged, re-checked at `until` (silence.ts). */
  | {
      readonly decision: "silenced";
      readonly by: "maintenance" | "silence";
      readonly silence: string;
      readonly until: string;
      readonly schedule: string;
    };

/** The part of the Lambda context the router reads (optional, so tests can omit it). */
export interface RouterContext {
  readonly functionName?: string;
}

export interface RouterHandler {
  /** A batch from the router's queue: every record routed, the failed ones reported. */
  (event: SqsEvent, context?: RouterContext): Promise<SqsBatchResponse>;
  /** A direct invocation (tests): the result, or the error re-thrown. */
  (event: unknown, context?: RouterContext): Promise<RouterResult>;
}

/** A result and what else the log line should say. */
interface Outcome {
  readonly result: RouterResult;
  readonly log?: Readonly<Record<string, unknown>>;
}

type PageDecision = Extract<AlarmDecision, { kind: "page" }>;
type RecoverDecision = Extract<AlarmDecision, { kind: "recover" }>;

interface Opened {
  /** The incident record ARN (incident-manager) or the incident id (step-functions). */
  readonly incidentArn: string | null;
  readonly dedupe?: DedupeOutcome;
  readonly log?: Readonly<Record<string, unknown>>;
}

/**
 * One step of the dedupe loop: final (`done`), or a conditional write lost to another invocation
 * (`lost`: re-read and decide again; `onReadError` ends the loop when that re-read fails,
 * otherwise its error propagates).
 */
type Step<T> =
  | { readonly done: T }
  | { readonly lost: true; readonly onReadError?: (err: unknown) => Promise<T> };

/**
 * What the dedupe loop asks of the backend, besides opening: the incident's status, a timeline
 * note, a resolution. The decisions (dedupe/decide.ts) are written in Incident Manager's terms;
 * the step-functions backend translates them (stepFunctions.ts).
 */
interface IncidentBackend {
  status(incident: string): Promise<IncidentStatus>;
  note(event: CreateTimelineEventCommandInput): Promise<void>;
  resolve(resolve: UpdateIncidentRecordCommandInput, at: Date): Promise<void>;
}

export function createHandler(deps: RouterDeps): RouterHandler {
  const { config, clients, now } = deps;
  const { incidents, dynamodb } = clients;
  const sfn = (): SFNClient => {
    if (clients.stepFunctions === undefined) {
      throw new RouterConfigError([
        "STATE_MACHINE_ARN: is set, but the router has no Step Functions client",
      ]);
    }
    return clients.stepFunctions();
  };
  const backend: IncidentBackend =
    config.stepFunctions === undefined
      ? {
          status: (arn) => incidentStatus(incidents, arn),
          note: (event) => createTimelineEvent(incidents, event),
          resolve: (input) => updateIncident(incidents, input),
        }
      : stepFunctionsBackend(config.stepFunctions);

  function stepFunctionsBackend(sf: StepFunctionsConfig): IncidentBackend {
    return {
      status: (id) => storedIncidentStatus(dynamodb, incidentStatusInput(sf, id)),
      // Conditional on the incident existing, once per event (noteInput): a missing one fails the
      // message, and its retry finds it NOT_FOUND and drops the mapping.
      note: async (event) => {
        if ((await recordNoteOnce(dynamodb, noteInput(sf, event), event)) === "missing") {
          throw new Error("incident table: the incident to note is missing");
        }
      },
      resolve: async (input, at) => {
        // Lost condition: already resolved (by hand, or by this OK's earlier attempt).
        await updateIf(dynamodb, resolveInput(sf, input, at));
        await stopExecution(sfn(), stopExecutionInput(sf, input.arn ?? ""));
      },
    };
  }

  /** Under the step-functions backend the log and result say incidentId, not incidentArn. */
  function named(result: RouterResult): RouterResult {
    if (config.stepFunctions === undefined || !("incidentArn" in result)) return result;
    const { incidentArn, ...rest } = result;
    return { ...rest, incidentId: incidentArn } as RouterResult;
  }

  async function handler(
    event: unknown,
    context?: RouterContext,
  ): Promise<RouterResult | SqsBatchResponse> {
    return isSqsEvent(event) ? routeBatch(event, context) : route(event, context);
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
          await route(input, context);
          return [];
        } catch (err: unknown) {
          const receives = receiveCount(record);
          if (givesUpPage(input, err, receives, ROUTER_QUEUE_MAX_RECEIVES)) {
            const labels = logLabels(input);
            deps.emitMetric(
              pageGivenUpMetric(deps.functionName ?? context?.functionName ?? "unknown", now(), {
                message: "router.page_given_up",
                alertLevel: labels.alertLevel,
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

  async function route(event: unknown, context?: RouterContext): Promise<RouterResult> {
    const labels = logLabels(event);
    // The heartbeat's canary is never a page: counted, logged, done (heartbeat.ts).
    const beat = heartbeatOf(event, deps.heartbeat, config);
    if (beat !== undefined) {
      const functionName = deps.functionName ?? context?.functionName ?? "unknown";
      deps.emitMetric(
        heartbeatRoutedMetric(functionName, now(), {
          message: "router.heartbeat",
          alarmState: beat.alarmState,
        }),
      );
      const result = { decision: "ignore", reason: "heartbeat" } as const;
      deps.log({ ...labels, ...result, alarmState: beat.alarmState });
      return result;
    }
    try {
      const { result: raw, log: extra } = await run(decide(event, config));
      const result = named(raw);
      deps.log({ ...labels, ...result, ...extra });
      return result;
    } catch (err: unknown) {
      deps.log({ ...labels, decision: "error", ...errorFields(err) });
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
        return decision.silence === undefined ? page(decision) : silenceOrPage(decision);
      case "recover":
        return recover(decision);
      case "defer":
        return deferAlarm(decision);
      case "recheck":
        return recheckDeferred(decision);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Deferral (handlers/router/defer.ts, hours.ts)
  // -------------------------------------------------------------------------------------------

  async function deferAlarm(decision: Extract<AlarmDecision, { kind: "defer" }>): Promise<Outcome> {
    const scheduler = required(clients.scheduler, "scheduler");
    let existed = false;
    try {
      await scheduler().send(new CreateScheduleCommand(decision.schedule));
    } catch (err: unknown) {
      if (!isAlreadyDeferred(err)) throw err;
      existed = true;
    }
    const timeZone = config.routing.get(decision.level)?.outsideHours?.calendar.timeZone ?? "UTC";
    return {
      result: {
        decision: "defer",
        until: decision.until,
        calendar: decision.calendar,
        schedule: decision.schedule.Name ?? "",
        existed,
      },
      log: { note: deferNote(decision.alarmName, new Date(decision.until), timeZone) },
    };
  }

  /** DescribeAlarms on the one alarm: still ALARM → the fresh-ALARM decision, else nobody. */
  async function recheckDeferred(decision: RecheckDecision): Promise<Outcome> {
    const cloudwatch = required(clients.cloudwatch, "cloudwatch");
    const out = await cloudwatch().send(
      new DescribeAlarmsCommand({
        AlarmNames: [decision.alarmName],
        AlarmTypes: ["CompositeAlarm", "MetricAlarm"],
      }),
    );
    const alarm = out.MetricAlarms?.[0] ?? out.CompositeAlarms?.[0];
    const check = recheck(alarm?.StateValue);
    if (check.kind === "recovered") {
      return {
        result: { decision: "deferred-recovered", state: check.state },
        log: {
          deferred: decision.deferred,
          note: recoveredNote(decision.alarmName, check.state),
        },
      };
    }
    const outcome = await run(decision.then);
    return { ...outcome, log: { ...outcome.log, deferred: decision.deferred } };
  }

  // Silences (silence.ts)
  // -------------------------------------------------------------------------------------------

  /**
   * A configured alarm's ALARM while silences apply: silenced → the "silence-ended" re-check is
   * scheduled first (a retry re-creates the same schedule name: ConflictException = done), then
   * Slack is told; nobody is paged. Not silenced → paged. Fail-safe: without a deferral target or
   * alerts topic, or when the silences table cannot be read, the ALARM pages ("silences" in the
   * log line says why): a silence must never cost a page it cannot give back.
   */
  async function silenceOrPage(decision: PageDecision): Promise<Outcome> {
    const check = decision.silence;
    const cfg: SilenceConfig | undefined = config.silences;
    if (check === undefined || cfg === undefined) return page(decision);
    if (cfg.defer === undefined || cfg.alertsTopicArn === undefined) {
      return withLog(await page(decision), { silences: "no-deferral-target" });
    }
    let silences: AdHocSilence[] = [];
    if (cfg.table !== undefined) {
      try {
        const out = await dynamodb.send(new QueryCommand(silencesQueryInput(cfg.table)));
        silences = (out.Items ?? [])
          .map((i) => silenceFromItem(i))
          .filter((x): x is AdHocSilence => x !== undefined);
      } catch (err: unknown) {
        const windowsOnly = activeSilence(check.name, check.at, cfg.windows, []);
        if (windowsOnly === undefined) {
          return withLog(await page(decision), { silencesError: errorFields(err) });
        }
      }
    }
    const silenced = activeSilence(check.name, check.at, cfg.windows, silences);
    if (silenced === undefined) return page(decision);
    const schedule = deferRequest({
      at: silenced.until,
      input: check.input,
      reason: "silence-ended",
      prefix: cfg.prefix,
      target: cfg.defer,
    });
    try {
      await required(clients.scheduler, "scheduler")().send(new CreateScheduleCommand(schedule));
    } catch (err: unknown) {
      if (!isAlreadyDeferred(err)) throw err;
    }
    await required(clients.sns, "sns")().send(
      new PublishCommand({
        TopicArn: cfg.alertsTopicArn,
        Message: silencedNote(cfg.language, decision.level, decision.alarmName, silenced),
      }),
    );
    return {
      result: {
        decision: "silenced",
        by: silenced.by,
        silence: silenced.id,
        until: silenced.until.toISOString(),
        schedule: schedule.Name ?? "",
      },
    };
  }

  // -------------------------------------------------------------------------------------------
  // ALARM: the incident (through the dedupe table when set) and the engagements
  // -------------------------------------------------------------------------------------------

  async function page(decision: PageDecision): Promise<Outcome> {
    const incidentCall = openIncident(decision);
    const engagementCalls = decision.engagements.map((input) =>
      startEngagement(clients.contacts(), input),
    );
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
    const open = opener(decision);
    if (open === undefined) return { incidentArn: null };
    if (decision.dedupe === null) return { incidentArn: await open.start() };
    return openOnce({ ...decision, dedupe: decision.dedupe }, open);
  }

  /** How the decision opens its incident: StartIncident, or StartExecution (step-functions). */
  function opener(decision: PageDecision): Opener | undefined {
    const { execution, incident } = decision;
    if (execution !== undefined) {
      // The execution name is the idempotency key of this state change (stepFunctions.ts):
      // keeping a claim after any failure is always safe, its retry resumes with the same name.
      return { start: () => startExecution(sfn(), execution), afterFailure: () => "keep" };
    }
    if (incident === null) return undefined;
    return {
      start: () => startIncident(incidents, incident),
      afterFailure: claimAfterStartFailure,
    };
  }

  /**
   * At most one open incident per alarm: follow `decideDedupe` until it opens an incident, counts
   * the ALARM on the alarm's incident (open or being opened) or notes it on the open one, or says
   * to retry later. A DynamoDB failure before the alarm is known to have an incident (the first
   * read, a claim, the re-read after a lost claim) pages without the table; after that (counting,
   * noting) paging would open a duplicate, so the error propagates (counting: the message is
   * retried) or is logged (noting: the timeline event is already added).
   */
  async function openOnce(
    decision: PageDecision & { readonly dedupe: AlarmChange },
    incident: Opener,
  ): Promise<Opened> {
    const change = decision.dedupe;
    const failOpen = async (err: unknown): Promise<Opened> => ({
      incidentArn: await incident.start(),
      dedupe: "unavailable",
      log: { dedupeError: errorFields(err) },
    });
    return followDedupe<AlarmAction, Opened>(
      change,
      (view) => decideDedupe(decision, view, now()),
      async (action): Promise<Step<Opened>> => {
        switch (action.kind) {
          case "count":
            if (await updateIf(dynamodb, action.write)) {
              return { done: { incidentArn: action.incidentArn, dedupe: "counted" } };
            }
            // The item changed hands (opened by another claimant, recovered, replaced).
            return { lost: true };
          case "note": {
            await backend.note(action.timelineEvent);
            const noted = { incidentArn: action.incidentArn, dedupe: "fired-again" } as const;
            try {
              // Lost: another invocation noted this interval at the same moment; both notes stand.
              const written = await updateIf(dynamodb, action.write);
              return { done: { ...noted, ...(!written && { log: { mapping: "changed" } }) } };
            } catch (err: unknown) {
              // Noted; only the new interval is missing, so the next firing notes again.
              return { done: { ...noted, log: { dedupeError: errorFields(err) } } };
            }
          }
          case "done":
            return {
              done: {
                incidentArn: action.incidentArn,
                dedupe: action.why === "outdated" ? "outdated" : "already-opened",
              },
            };
          case "resume":
            return { done: await start(change, incident, "resumed") };
          case "claim": {
            let won: boolean;
            try {
              won = await putIf(dynamodb, action.write);
            } catch (err: unknown) {
              return { done: await failOpen(err) };
            }
            if (won) return { done: await start(change, incident, action.how) };
            // Lost the race: someone else claimed or changed the item.
            return { lost: true, onReadError: failOpen };
          }
        }
      },
      failOpen,
    );
  }

  /** Starts the incident we claimed, then records it in the mapping. */
  async function start(
    change: AlarmChange,
    incident: Opener,
    claim: ClaimKind | "resumed",
  ): Promise<Opened> {
    let incidentArn: string;
    try {
      incidentArn = await incident.start();
    } catch (err: unknown) {
      // A claim this invocation made, for a request that was certainly refused: free the alarm at
      // once for its other events and this one's retry. A resumed claim is never released: the
      // earlier attempt that made it may have opened the incident. Should the delete fail too,
      // the claim stays, which is what "keep" does anyway (resumed by the retry, or abandoned
      // after OPENING_TIMEOUT_MS): the StartIncident error is the one to report.
      if (claim !== "resumed" && incident.afterFailure(err) === "release") {
        await deleteIf(dynamodb, releaseClaimInput(change)).catch(() => false);
      }
      throw err;
    }
    try {
      const marked = await updateIf(dynamodb, markOpenInput(change, incidentArn, now()));
      // Not marked: our claim was taken over (we took longer than the claim timeout). Paged all
      // the same.
      return { incidentArn, dedupe: "opened", log: { claim, ...(!marked && { mapping: "lost" }) } };
    } catch (err: unknown) {
      // Paged; only the mapping is missing. The "opening" claim is resumed by a retry of this
      // state change, and taken over by others after the claim timeout.
      return { incidentArn, dedupe: "unavailable", log: { claim, dedupeError: errorFields(err) } };
    }
  }

  // -------------------------------------------------------------------------------------------
  // OK on a paging level, with DEDUPE_TABLE set
  // -------------------------------------------------------------------------------------------

  /**
   * Notes the recovery on the alarm's open incident; resolves it and drops the mapping if the
   * level says so, otherwise keeps the alarm mapped to it (a flap back to ALARM is then a
   * timeline note). DynamoDB errors propagate: the recovery note is retried later.
   */
  async function recover(decision: RecoverDecision): Promise<Outcome> {
    const done = (incidentArn: string | null, outcome: RecoveryOutcome): Step<Outcome> => ({
      done: { result: { decision: "recover", incidentArn, outcome } },
    });
    return followDedupe<RecoveryAction, Outcome>(
      decision.dedupe,
      (view) => decideDedupe(decision, view, now()),
      async (action): Promise<Step<Outcome>> => {
        switch (action.kind) {
          case "done":
            return done(action.incidentArn, action.why);
          case "release":
            // A lost condition means the item changed hands meanwhile: nothing of ours to drop.
            await deleteIf(dynamodb, action.release);
            return done(action.incidentArn, action.why);
          case "recover":
            await backend.note(action.timelineEvent);
            await backend.resolve(action.resolve, now());
            await deleteIf(dynamodb, action.release);
            return done(action.incidentArn, "resolved");
          case "mark-recovered":
            await backend.note(action.timelineEvent);
            if (await updateIf(dynamodb, action.write)) {
              return done(action.incidentArn, "recovered");
            }
            // Another invocation moved first (an ALARM noted or re-opened it, another OK
            // recovered it); a repeated note has the same clientToken unless its details changed.
            return { lost: true };
        }
      },
    );
  }

  // -------------------------------------------------------------------------------------------
  // The dedupe loop (ALARM and OK)
  // -------------------------------------------------------------------------------------------

  /**
   * Reads the alarm's item (strongly consistent), then asks `decideNext` what to do with what is
   * known and does it, until a step is final: a lookup adds the incident's status to what is
   * known, retry-later throws RetryLaterError, and a lost conditional write re-reads the item
   * (one more conflict; decideDedupe gives up after MAX_CONFLICTS). `onFirstReadError` ends the
   * loop when the first read fails; without it the error propagates.
   */
  async function followDedupe<A extends DedupeAction, T>(
    change: AlarmChange,
    decideNext: (view: DedupeView) => A,
    act: (action: Exclude<A, Lookup | RetryLater>) => Promise<Step<T>>,
    onFirstReadError?: (err: unknown) => Promise<T>,
  ): Promise<T> {
    const read = async (conflicts: number): Promise<DedupeView> => ({
      item: await readMapping(dynamodb, readInput(change)),
      conflicts,
    });
    let view: DedupeView;
    try {
      view = await read(0);
    } catch (err: unknown) {
      if (onFirstReadError === undefined) throw err;
      return onFirstReadError(err);
    }
    for (;;) {
      const action = decideNext(view);
      const known: DedupeAction = action;
      if (known.kind === "lookup") {
        view = { ...view, incidentStatus: await backend.status(known.incidentArn) };
        continue;
      }
      if (known.kind === "retry-later") throw new RetryLaterError(known.code, known.message);
      const step = await act(action as Exclude<A, Lookup | RetryLater>);
      if ("done" in step) return step.done;
      try {
        view = await read(view.conflicts + 1);
      } catch (err: unknown) {
        if (step.onReadError === undefined) throw err;
        return step.onReadError(err);
      }
    }
  }

  return handler as RouterHandler;
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** How a page decision opens its incident, and what a failed start does to the claim. */
interface Opener {
  readonly start: () => Promise<string>;
  readonly afterFailure: (err: unknown) => "release" | "keep";
}

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

function withLog(outcome: Outcome, log: Readonly<Record<string, unknown>>): Outcome {
  return { ...outcome, log: { ...outcome.log, ...log } };
}

function required<T>(client: T | undefined, name: string): T {
  if (client === undefined) throw new Error(`the router has no ${name} client`);
  return client;
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}
