/**
 * 3. Alarm storm: `node -r ts-node/register/transpile-only bench/storm.ts [alarms] [bursts]
 * [burstIntervalMs] [requestsPerSecond] [concurrency]` prints one line `BENCH-RESULT {...}`
 * (bench/storm.mjs formats it).
 *
 * Phase 1, the storm: `bursts` bursts of one ALARM per alarm, all of a burst delivered at once,
 * `burstIntervalMs` apart; every burst has new state timestamps, so from the second burst on each
 * alarm fires again while its incident is open (or opening). Phase 2, "five minutes later": once
 * everything of phase 1 is done, the router's clock (Date.now, which the router and the SDK's
 * adaptive rate limiter read) is moved on by the router's note interval, and one more burst is
 * delivered: each alarm's firing now checks its incident and notes on its timeline how often it
 * fired meanwhile. The router (DEDUPE_TABLE set) runs in this process against bench/stubs.ts:
 * Incident Manager throttled to `requestsPerSecond` (default 5), DynamoDB in memory. Its current
 * source (handlers/**.ts) is transpiled file by file by esbuild (bench/handlerBuild.mjs: bundle:
 * false, as tsc would) into node_modules/.cache, once: a new execution environment then costs a
 * re-`require` of handler.js (about a millisecond), not a ts-node compile that would eat the CPU
 * the router needs.
 *
 * Lambda is simulated as the router is deployed: the rules deliver to its SQS queue, and an event
 * source mapping (batch size 1, ReportBatchItemFailures) invokes it:
 * - the mapping's maximum concurrency caps the router at `concurrency` (default 10, the
 *   component's ROUTER_MAX_CONCURRENCY) concurrent invocations without reserving any: a message
 *   that finds every slot busy waits in the queue. The simulated queue is FIFO and a freed slot
 *   takes the next message at once (no polling delay), so it drains at least as fast as Lambda's
 *   pollers;
 * - execution environments: an invocation takes an idle environment or creates one; each is a
 *   fresh module instance of handler.ts (its own SDK clients, sockets, retry quota and adaptive
 *   rate limiter), reused later, as Lambda reuses warm environments;
 * - the function timeout (FUNCTION_TIMEOUT_MS, the component's 120 s): an invocation still
 *   running then is a function error and its environment is dropped. (Its work cannot be stopped
 *   in-process and goes on in the background; in Lambda it would be cut off.)
 * - a failed message (a batch item failure, or a function error) becomes visible again one
 *   visibility timeout after it was received (720 s, scaled down 60× to 12 s); after
 *   maxReceiveCount (3) receives it is dead-lettered, as the queue's redrive policy does.
 *
 * What is scaled and what is real: only the visibility timeout is scaled (60×). Real, because
 * each is measured against the real Incident Manager throttle or against real SDK retries: the
 * throttle, the SDK's backoff and adaptive rate limiting, the function timeout (it bounds the SDK's
 * retries), the router's "abandoned claim" timeout (it must exceed the function timeout) and its
 * note interval (it bounds Incident Manager calls per alarm against the throttle). The scaled
 * retries come 60× sooner than in production, before a slow opener may be done: harsher than
 * production.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { NOTE_INTERVAL_MS } from "../handlers/router/dedupe/decide";
import {
  ROUTER_MAX_CONCURRENCY,
  ROUTER_QUEUE_MAX_RECEIVES,
  ROUTER_QUEUE_VISIBILITY_TIMEOUT_SECONDS,
  ROUTER_TIMEOUT_SECONDS,
  ROUTING_TABLE_FILE,
} from "../handlers/shared/limits";
import { startDynamoStub, startIncidentsStub } from "./stubs";

const [
  alarmsArg = "100",
  burstsArg = "10",
  intervalArg = "2000",
  rateArg = "5",
  concurrencyArg = String(ROUTER_MAX_CONCURRENCY),
] = process.argv.slice(2);
const ALARMS = Number(alarmsArg);
const BURSTS = Number(burstsArg);
const BURST_INTERVAL_MS = Number(intervalArg);
const RATE = Number(rateArg);
/** The event source mapping's maximum concurrency (the component sets ROUTER_MAX_CONCURRENCY). */
const CONCURRENCY = Number(concurrencyArg);
/** A failed message is received again one visibility timeout later: 720 s, scaled down 60×. */
const VISIBILITY_MS = (ROUTER_QUEUE_VISIBILITY_TIMEOUT_SECONDS * 1000) / 60;
/** Receives before the redrive policy moves a message to the dead-letter queue. */
const MAX_RECEIVES = ROUTER_QUEUE_MAX_RECEIVES;
/** The router's function timeout (the component's); real time. */
const FUNCTION_TIMEOUT_MS = ROUTER_TIMEOUT_SECONDS * 1000;
/** Abort (and report what happened so far) after this long, both phases together. */
const DEADLINE_MS = 240_000;

const ACCOUNT = "123456789012";
const REGION = "ap-northeast-1";
const TABLE = "ie-bench-open-incidents";
const PLAN = `arn:aws:ssm-incidents::${ACCOUNT}:response-plan/ie-bench-critical`;

interface RouterModule {
  handler(event: unknown): Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;
}

interface Delivery {
  readonly phase: 1 | 2;
  readonly burst: number;
  readonly alarm: number;
  readonly input: unknown;
  readonly messageId: string;
  attempts: number;
  /** Error of each failed attempt: name and, for the router's own errors, code. */
  readonly errors: string[];
  /** Milliseconds each attempt waited in the queue for a free slot. */
  readonly waits: number[];
  outcome?: string;
  deadLettered: boolean;
}

/** Deterministic shuffle (mulberry32), so every run delivers a burst in the same order. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let a = seed >>> 0;
  const random = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const alarmName = (i: number): string => `ie-bench-critical-svc-${String(i).padStart(3, "0")}`;
const alarmArn = (i: number): string =>
  `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${alarmName(i)}`;

/** What the EventBridge rule delivers for alarm `i` entering ALARM in burst `b`. */
function routerInput(i: number, b: number): unknown {
  // Two minutes of alarm time between bursts: an alarm re-enters ALARM at most every 2 periods.
  const at = new Date(Date.UTC(2026, 0, 5, 1, 0, 0) + b * 120_000 + i);
  const stamp = at.toISOString().replace("Z", "+0000");
  return {
    level: "critical",
    event: {
      version: "0",
      id: `00000000-0000-4000-8000-${String(b * 1000 + i).padStart(12, "0")}`,
      "detail-type": "CloudWatch Alarm State Change",
      source: "aws.cloudwatch",
      account: ACCOUNT,
      time: at.toISOString().replace(/\.\d+Z$/, "Z"),
      region: REGION,
      resources: [alarmArn(i)],
      detail: {
        alarmName: alarmName(i),
        state: { value: "ALARM", reason: "Threshold Crossed: storm", timestamp: stamp },
        previousState: { value: "OK", timestamp: stamp },
      },
    },
  };
}

const ROOT = path.join(__dirname, "..");
const BUILD = path.join(ROOT, "node_modules", ".cache", "incident-escalation-bench", "storm");

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class FunctionTimeout extends Error {
  static {
    this.prototype.name = "Task timed out";
  }
}

function errorLabel(err: unknown): string {
  if (!(err instanceof Error)) return typeof err;
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" ? `${err.name}:${code}` : err.name;
}

function count(labels: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of labels) out[l] = (out[l] ?? 0) + 1;
  return out;
}

const sum = (r: Record<string, number>): number => Object.values(r).reduce((s, n) => s + n, 0);
const minus = (a: Record<string, number>, b: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v - (b[k] ?? 0)]));

function quantile(values: readonly number[], q: number): number {
  const s = [...values].sort((x, y) => x - y);
  if (s.length === 0) return 0;
  return s[Math.min(s.length - 1, Math.floor((s.length - 1) * q))];
}

async function main(): Promise<void> {
  const incidents = await startIncidentsStub(RATE, 5);
  const dynamo = await startDynamoStub();
  // The routing table travels in the function's code: routing.json in LAMBDA_TASK_ROOT.
  const codeDir = path.join(BUILD, "code");
  mkdirSync(codeDir, { recursive: true });
  writeFileSync(
    path.join(codeDir, ROUTING_TABLE_FILE),
    JSON.stringify({ critical: { impact: 1, responsePlanArn: PLAN } }),
  );
  Object.assign(process.env, {
    LAMBDA_TASK_ROOT: codeDir,
    INCIDENT_SOURCE: "incident-escalation.bench",
    ENGAGEMENT_SENDER: "incident-escalation",
    NAME_PREFIX: "ie-bench",
    // The router pages only for its own account's alarms (handlers/router env).
    ACCOUNT_ID: ACCOUNT,
    DEDUPE_TABLE: TABLE,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
    AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    AWS_ENDPOINT_URL_SSM_INCIDENTS: incidents.url,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
    // Never used by an ALARM; pointed at the stub so nothing can leave the machine.
    AWS_ENDPOINT_URL_SSM_CONTACTS: incidents.url,
    AWS_ENDPOINT_URL_SCHEDULER: incidents.url,
    AWS_ENDPOINT_URL_SNS: incidents.url,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: path.join(__dirname, "no-such-aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(__dirname, "no-such-aws-credentials"),
  });
  // Phase 2 moves the wall clock on (see the top); timers and the stubs' throttle are unaffected.
  const realDateNow = Date.now.bind(Date);
  let clockOffsetMs = 0;
  Date.now = () => realDateNow() + clockOffsetMs;

  // The router logs one JSON line per invocation: keep them for the tallies, off the terminal.
  const logLines: string[] = [];
  const print = console.log;
  console.log = (line: unknown) => void logLines.push(String(line));
  // PagesGivenUp EMF lines go to stdout directly (handlers/shared/selfMetrics.ts).
  const emfLines: string[] = [];
  const realWrite = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (String(chunk).startsWith('{"_aws"')) return emfLines.push(String(chunk)) > 0;
    return (realWrite as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;

  // The router transpiled one-to-one from the current source (bench/handlerBuild.mjs, shared with
  // the cold-start bench's unbundled variant).
  const build = (await import(path.join(__dirname, "handlerBuild.mjs"))) as {
    transpileHandlers(outdir: string): string;
  };
  const handlerPath = build.transpileHandlers(BUILD);
  const idle: RouterModule[] = [];
  let environments = 0;
  const newEnvironment = (): RouterModule => {
    environments++;
    delete require.cache[handlerPath];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(handlerPath) as RouterModule;
  };
  // Load the SDK once, untimed: later environments share the loaded (stateless) modules.
  idle.push(newEnvironment());

  // ---- SQS queue + event source mapping: maximum concurrency, timeout, redrive ------------------
  const queue: { d: Delivery; since: number }[] = [];
  let running = 0;
  let maxQueued = 0;
  let timeouts = 0;
  let unfinished = 0;
  let drained: () => void = () => undefined;

  /** One invocation with a batch of one message; resolves with whether the message failed. */
  const invoke = async (d: Delivery): Promise<boolean> => {
    const env = idle.pop() ?? newEnvironment();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new FunctionTimeout()), FUNCTION_TIMEOUT_MS);
    });
    const event = {
      Records: [
        {
          messageId: d.messageId,
          receiptHandle: `${d.messageId}-${d.attempts}`,
          body: JSON.stringify(d.input),
          attributes: { ApproximateReceiveCount: String(d.attempts) },
          messageAttributes: {},
          eventSource: "aws:sqs",
          eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:ie-bench-router-queue`,
          awsRegion: REGION,
        },
      ],
    };
    try {
      const r = await Promise.race([env.handler(event), timeout]);
      idle.push(env);
      return r.batchItemFailures.length > 0;
    } catch (err: unknown) {
      // A timed-out environment is not reused (Lambda would have stopped it).
      if (err instanceof FunctionTimeout) timeouts++;
      else idle.push(env);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  };
  const enqueue = (d: Delivery): void => {
    queue.push({ d, since: performance.now() });
    maxQueued = Math.max(maxQueued, queue.length);
    dispatch();
  };
  const dispatch = (): void => {
    while (running < CONCURRENCY && queue.length > 0) {
      const { d, since } = queue.shift() as { d: Delivery; since: number };
      d.waits.push(performance.now() - since);
      running++;
      void attempt(d).finally(() => {
        running--;
        dispatch();
      });
    }
  };
  const attempt = async (d: Delivery): Promise<void> => {
    d.attempts++;
    let failed: boolean;
    try {
      failed = await invoke(d);
      if (failed) d.errors.push("batch item failure");
    } catch (err: unknown) {
      // A function error: the whole batch (this one message) returns to the queue.
      d.errors.push(errorLabel(err));
      failed = true;
    }
    if (failed) {
      if (d.attempts < MAX_RECEIVES) {
        setTimeout(() => enqueue(d), VISIBILITY_MS);
        return;
      }
      d.deadLettered = true;
    } else d.outcome = "ok";
    if (--unfinished === 0) drained();
  };

  const deliveries: Delivery[] = [];
  /** Delivers `bursts` bursts starting at burst `first`; resolves when every event is done. */
  const run = async (phase: 1 | 2, first: number, bursts: number): Promise<void> => {
    const done = new Promise<void>((resolve) => (drained = resolve));
    unfinished += ALARMS * bursts;
    const start = performance.now();
    for (let b = first; b < first + bursts; b++) {
      const due = start + (b - first) * BURST_INTERVAL_MS;
      if (performance.now() < due) await sleep(due - performance.now());
      for (const i of shuffled(
        Array.from({ length: ALARMS }, (_, k) => k),
        b + 1,
      )) {
        const d: Delivery = {
          phase,
          burst: b,
          alarm: i,
          input: routerInput(i, b),
          messageId: `m-${phase}-${b}-${i}`,
          attempts: 0,
          errors: [],
          waits: [],
          deadLettered: false,
        };
        deliveries.push(d);
        enqueue(d);
      }
    }
    await done;
  };

  const started = performance.now();
  const deadline = sleep(DEADLINE_MS).then(() => false);
  const phase1 = await Promise.race([run(1, 0, BURSTS).then(() => true), deadline]);
  const phase1Ms = performance.now() - started;
  const afterPhase1 = {
    requests: { ...incidents.requests },
    throttled: { ...incidents.throttled },
    timelineEvents: incidents.timelineEvents.length,
    incidents: incidents.incidents.length,
  };
  let phase2 = false;
  let phase2LogStart = Number.POSITIVE_INFINITY;
  let phase2Ms = 0;
  if (phase1) {
    clockOffsetMs += NOTE_INTERVAL_MS;
    phase2LogStart = logLines.length;
    const t = performance.now();
    phase2 = await Promise.race([run(2, BURSTS, 1).then(() => true), deadline]);
    phase2Ms = performance.now() - t;
  }
  const wallMs = performance.now() - started;
  console.log = print;

  // One JSON line per routed message (and none for the batch): the outcome of each attempt.
  const routerLog = logLines.flatMap((text, at) => {
    try {
      return [{ line: JSON.parse(text) as Record<string, unknown>, at }];
    } catch {
      return [];
    }
  });
  const outcomeOf = (line: Record<string, unknown>): string[] =>
    line.decision === "error" ? [] : [String(line.dedupe ?? line.decision)];
  const perAlarm = new Map<string, number>();
  for (const inc of incidents.incidents) {
    perAlarm.set(inc.triggerArn, (perAlarm.get(inc.triggerArn) ?? 0) + 1);
  }
  const duplicates = [...perAlarm.values()].reduce((s, n) => s + n - 1, 0);
  const items = [...(dynamo.tables.get(TABLE)?.values() ?? [])];
  const lost = deliveries.filter((d) => d.deadLettered);
  // Repeat firings on record: reported by "fired again" timeline events, or still counted on items.
  const reported = incidents.timelineEvents
    .map((e) => (JSON.parse(e.eventData) as { firedAgain?: number }).firedAgain ?? 0)
    .reduce((s, n) => s + n, 0);
  const counted = items.map((it) => Number(it.firedAgain?.N ?? 0)).reduce((s, n) => s + n, 0);
  const waits = deliveries.flatMap((d) => d.waits);
  const result = {
    finished: phase1 && phase2,
    alarms: ALARMS,
    bursts: BURSTS,
    burstIntervalMs: BURST_INTERVAL_MS,
    requestsPerSecond: RATE,
    concurrency: CONCURRENCY,
    functionTimeoutMs: FUNCTION_TIMEOUT_MS,
    noteIntervalMs: NOTE_INTERVAL_MS,
    visibilityMs: VISIBILITY_MS,
    maxReceives: MAX_RECEIVES,
    events: deliveries.length,
    wallMs,
    phase1Ms,
    phase2Ms,
    incidentsOpened: incidents.incidents.length,
    alarmsWithIncident: perAlarm.size,
    duplicates,
    deadLettered: lost.length,
    deadLetteredByPhase: count(lost.map((d) => String(d.phase))),
    deadLetteredByLastError: count(lost.map((d) => d.errors[d.errors.length - 1])),
    // The router's own errors come from its log lines; function errors (timeouts) from here.
    failedAttemptsByError: count([
      ...routerLog.flatMap(({ line }) =>
        line.decision === "error"
          ? [line.code ? `${String(line.error)}:${String(line.code)}` : String(line.error)]
          : [],
      ),
      ...deliveries.flatMap((d) => d.errors.filter((e) => e !== "batch item failure")),
    ]),
    outcomes: count(routerLog.flatMap(({ line }) => outcomeOf(line))),
    outcomesByPhase: {
      1: count(routerLog.flatMap(({ line, at }) => (at < phase2LogStart ? outcomeOf(line) : []))),
      2: count(routerLog.flatMap(({ line, at }) => (at >= phase2LogStart ? outcomeOf(line) : []))),
    },
    pagesGivenUp: emfLines.length,
    repeatFirings: deliveries.length - ALARMS,
    repeatFiringsReported: reported,
    repeatFiringsCounted: counted,
    invocations: deliveries.reduce((s, d) => s + d.attempts, 0),
    environments,
    timeouts,
    queueWaitMs: {
      median: quantile(waits, 0.5),
      p95: quantile(waits, 0.95),
      max: quantile(waits, 1),
    },
    maxQueued,
    timelineEvents: incidents.timelineEvents.length,
    incidentRequests: incidents.requests,
    throttled: incidents.throttled,
    throttles: sum(incidents.throttled),
    incidentRequestsTotal: sum(incidents.requests),
    byPhase: {
      1: {
        incidentRequests: sum(afterPhase1.requests),
        throttles: sum(afterPhase1.throttled),
        timelineEvents: afterPhase1.timelineEvents,
        incidents: afterPhase1.incidents,
      },
      2: {
        incidentRequests: sum(minus(incidents.requests, afterPhase1.requests)),
        throttles: sum(minus(incidents.throttled, afterPhase1.throttled)),
        timelineEvents: incidents.timelineEvents.length - afterPhase1.timelineEvents,
        incidents: incidents.incidents.length - afterPhase1.incidents,
      },
    },
    dynamoRequests: dynamo.requests,
    conditionFailures: dynamo.conditionFailures,
    itemsLeft: count(items.map((it) => String(it.state?.S))),
    stubErrors: [...incidents.errors, ...dynamo.errors].slice(0, 5),
    logLines: logLines.length,
  };
  print(`BENCH-RESULT ${JSON.stringify(result)}`);
  await Promise.all([incidents.close(), dynamo.close()]);
  // Deliveries still in flight after the deadline would keep the process alive.
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
