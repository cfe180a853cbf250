/**
 * 3. Alarm storm: `node -r ts-node/register/transpile-only bench/storm.ts [alarms] [bursts]
 * [burstIntervalMs] [requestsPerSecond]` prints one line `BENCH-RESULT {...}` (bench/storm.mjs
 * formats it).
 *
 * `bursts` bursts of one ALARM per alarm, all of a burst delivered at once, `burstIntervalMs`
 * apart; every burst has new state timestamps, so from the second burst on each alarm fires
 * again while its incident is open. The router (DEDUPE_TABLE set) runs in this process against
 * bench/stubs.ts: Incident Manager throttled to `requestsPerSecond` (default 5), DynamoDB in
 * memory. Its current source (handlers/**.ts) is transpiled file by file by esbuild (bundle:
 * false, as tsc would) into node_modules/.cache, once: a new execution environment then costs a
 * re-`require` of handler.js (about a millisecond), not a ts-node compile that would eat the CPU
 * the router needs and slow the storm down.
 *
 * Lambda is simulated as an async invoker:
 * - execution environments: an invocation takes an idle environment or creates one; each
 *   environment is a fresh module instance of handler.ts (its own SDK clients, sockets and
 *   retry quota), reused for later invocations, as Lambda reuses warm environments;
 * - async retries: an invocation that throws is retried twice, 1 s then 2 s after the failure
 *   (Lambda waits about 1 min, then 2 min: scaled down 60×), then counts as dead-lettered.
 *   Only those delays are scaled: the throttle, the SDK's own backoff and the router's 5-minute
 *   "abandoned claim" timeout run in real time.
 */
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { buildSync } from "esbuild";
import { startDynamoStub, startIncidentsStub } from "./stubs";

const [alarmsArg = "100", burstsArg = "10", intervalArg = "2000", rateArg = "5"] =
  process.argv.slice(2);
const ALARMS = Number(alarmsArg);
const BURSTS = Number(burstsArg);
const BURST_INTERVAL_MS = Number(intervalArg);
const RATE = Number(rateArg);
const RETRY_DELAYS_MS = [1000, 2000];
/** Abort (and report what happened so far) after this long. */
const DEADLINE_MS = 300_000;

const ACCOUNT = "123456789012";
const REGION = "ap-northeast-1";
const TABLE = "ie-bench-open-incidents";
const PLAN = `arn:aws:ssm-incidents::${ACCOUNT}:response-plan/ie-bench-critical`;

interface RouterModule {
  handler(event: unknown): Promise<{ decision: string; dedupe?: string }>;
}

interface Delivery {
  readonly burst: number;
  readonly alarm: number;
  readonly input: unknown;
  attempts: number;
  /** Error of each failed attempt: name and, for the router's own errors, code. */
  readonly errors: string[];
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

/** Transpiles handlers/**.ts one-to-one into BUILD; returns the router's handler.js. */
function buildRouter(): string {
  const sources = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
      d.isDirectory()
        ? sources(path.join(dir, d.name))
        : d.name.endsWith(".ts")
          ? [path.join(dir, d.name)]
          : [],
    );
  buildSync({
    absWorkingDir: ROOT,
    entryPoints: sources(path.join(ROOT, "handlers")),
    outbase: ROOT,
    outdir: BUILD,
    bundle: false,
    platform: "node",
    target: "node22",
    format: "cjs",
    logLevel: "warning",
  });
  return path.join(BUILD, "handlers", "router", "handler.js");
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

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

async function main(): Promise<void> {
  const incidents = await startIncidentsStub(RATE, 5);
  const dynamo = await startDynamoStub();
  Object.assign(process.env, {
    ROUTING_TABLE: JSON.stringify({ critical: { impact: 1, responsePlanArn: PLAN } }),
    INCIDENT_SOURCE: "incident-escalation.bench",
    ENGAGEMENT_SENDER: "incident-escalation",
    NAME_PREFIX: "ie-bench",
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

  // The router logs one JSON line per invocation: keep them for the tallies, off the terminal.
  const logLines: string[] = [];
  const print = console.log;
  console.log = (line: unknown) => void logLines.push(String(line));

  const handlerPath = buildRouter();
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

  const invoke = async (input: unknown): Promise<string> => {
    const env = idle.pop() ?? newEnvironment();
    try {
      const r = await env.handler(input);
      return r.dedupe ?? r.decision;
    } finally {
      idle.push(env);
    }
  };
  const deliver = async (d: Delivery): Promise<void> => {
    for (;;) {
      d.attempts++;
      try {
        d.outcome = await invoke(d.input);
        return;
      } catch (err: unknown) {
        d.errors.push(errorLabel(err));
        if (d.attempts > RETRY_DELAYS_MS.length) {
          d.deadLettered = true;
          return;
        }
        await sleep(RETRY_DELAYS_MS[d.attempts - 1]);
      }
    }
  };

  const deliveries: Delivery[] = [];
  const inFlight: Promise<void>[] = [];
  const start = performance.now();
  const storm = (async () => {
    for (let b = 0; b < BURSTS; b++) {
      const due = start + b * BURST_INTERVAL_MS;
      if (performance.now() < due) await sleep(due - performance.now());
      for (const i of shuffled(
        Array.from({ length: ALARMS }, (_, k) => k),
        b + 1,
      )) {
        const d: Delivery = {
          burst: b,
          alarm: i,
          input: routerInput(i, b),
          attempts: 0,
          errors: [],
          deadLettered: false,
        };
        deliveries.push(d);
        inFlight.push(deliver(d));
      }
    }
    await Promise.all(inFlight);
  })();
  const finished = await Promise.race([
    storm.then(() => true),
    sleep(DEADLINE_MS).then(() => false),
  ]);
  const wallMs = performance.now() - start;
  console.log = print;

  const perAlarm = new Map<string, number>();
  for (const inc of incidents.incidents) {
    perAlarm.set(inc.triggerArn, (perAlarm.get(inc.triggerArn) ?? 0) + 1);
  }
  const duplicates = [...perAlarm.values()].reduce((s, n) => s + n - 1, 0);
  const items = [...(dynamo.tables.get(TABLE)?.values() ?? [])];
  const lost = deliveries.filter((d) => d.deadLettered);
  const sum = (r: Record<string, number>): number => Object.values(r).reduce((s, n) => s + n, 0);
  const result = {
    finished,
    alarms: ALARMS,
    bursts: BURSTS,
    burstIntervalMs: BURST_INTERVAL_MS,
    requestsPerSecond: RATE,
    retryDelaysMs: RETRY_DELAYS_MS,
    events: deliveries.length,
    wallMs,
    incidentsOpened: incidents.incidents.length,
    alarmsWithIncident: perAlarm.size,
    duplicates,
    deadLettered: lost.length,
    deadLetteredByBurst: count(lost.map((d) => String(d.burst))),
    deadLetteredByLastError: count(lost.map((d) => d.errors[d.errors.length - 1])),
    failedAttemptsByError: count(deliveries.flatMap((d) => d.errors)),
    outcomes: count(deliveries.filter((d) => d.outcome).map((d) => d.outcome as string)),
    invocations: deliveries.reduce((s, d) => s + d.attempts, 0),
    environments,
    timelineEvents: incidents.timelineEvents.length,
    incidentRequests: incidents.requests,
    throttled: incidents.throttled,
    throttles: sum(incidents.throttled),
    incidentRequestsTotal: sum(incidents.requests),
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
