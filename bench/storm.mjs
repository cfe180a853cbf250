// 3. Alarm storm: runs bench/storm.ts (the router in-process, transpiled from the current source,
// behind a simulated SQS queue and event source mapping with maximum concurrency) twice: at the 5
// requests/s Incident Manager throttle, and a control whose throttle is 60× higher (300
// requests/s), to tell capacity from logic. See bench/README.md, section 3.
import { TS_NODE, table, timedNode, verdict } from "./lib.mjs";

/** The event source mapping's maximum concurrency the component sets (ROUTER_MAX_CONCURRENCY). */
export const CONCURRENCY = 10;

async function storm(alarms, bursts, intervalMs, rate, concurrency) {
  const args = [...TS_NODE, "bench/storm.ts", alarms, bursts, intervalMs, rate, concurrency];
  const r = await timedNode(args.map(String), { marker: "BENCH-RESULT" });
  const line = r.stdout.split("\n").find((l) => l.startsWith("BENCH-RESULT "));
  if (r.code !== 0 || line === undefined) {
    throw new Error(`storm failed (exit ${r.code}):\n${r.stderr.slice(-3000)}`);
  }
  return JSON.parse(line.slice("BENCH-RESULT ".length));
}

const list = (o) =>
  Object.entries(o)
    .sort(([, a], [, b]) => b - a)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ") || "none";
const s = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** What a missed target comes from, in the run's own figures. */
function why(main, control, alarms) {
  const lines = [`- **Why targets are missed at 5 req/s**:`];
  if (main.deadLettered > 0) {
    lines.push(
      `  ${main.deadLettered} events dead-lettered after ${main.maxReceives} receives, by last error:` +
        ` ${list(main.deadLetteredByLastError)} (phase ${list(main.deadLetteredByPhase)}).`,
    );
  }
  if (main.duplicates > 0) lines.push(`  ${main.duplicates} duplicate incidents.`);
  if (main.alarmsWithIncident < alarms) {
    lines.push(`  ${alarms - main.alarmsWithIncident} alarms got no incident.`);
  }
  if (main.timeouts > 0) lines.push(`  ${main.timeouts} invocations hit the function timeout.`);
  const controlMet =
    control.incidentsOpened === alarms && control.duplicates === 0 && control.deadLettered === 0;
  lines.push(
    controlMet
      ? `  The control (300 req/s) meets every target: the router's logic holds, capacity does not.`
      : `  The control (300 req/s) misses too: a logic problem, not only capacity.`,
  );
  return lines.join("\n");
}

export async function run({
  alarms = 100,
  bursts = 10,
  intervalMs = 2000,
  concurrency = CONCURRENCY,
  log = console.log,
} = {}) {
  const runs = [];
  for (const rate of [5, 300]) {
    const r = await storm(alarms, bursts, intervalMs, rate, concurrency);
    log(
      `  storm at ${rate} req/s: ${r.incidentsOpened} incidents, ${r.duplicates} duplicates,` +
        ` ${r.deadLettered} dead-lettered, ${s(r.phase1Ms)} + ${s(r.phase2Ms)}`,
    );
    runs.push({ rate, ...r });
  }
  const [main, control] = runs;
  const met = {
    incidents: main.incidentsOpened === alarms,
    duplicates: main.duplicates === 0,
    lost: main.deadLettered === 0,
    pages: main.pagesGivenUp === 0,
  };
  const row = (label, get) => [label, ...runs.map(get)];
  const noteMinutes = main.noteIntervalMs / 60_000;
  const md = [
    `## 3. Alarm storm`,
    ``,
    `**Phase 1**: ${(alarms * bursts).toLocaleString("en")} ALARM events for ${alarms} alarms, ${bursts} bursts ${intervalMs / 1000} s apart,`,
    `each one ALARM per alarm with a new state timestamp, all ${alarms} delivered at once: from the 2nd`,
    `burst on every alarm fires again while its incident is open or being opened. **Phase 2**,`,
    `"${noteMinutes} minutes later": when phase 1 is done, the router's clock (\`Date.now\`) moves on by`,
    `its note interval (${noteMinutes} min) and one more burst arrives: each firing checks its incident and`,
    `notes how often the alarm fired meanwhile. Router: DEDUPE_TABLE set, run **in-process**`,
    `(\`bench/storm.ts\`): the current \`handlers/**.ts\` transpiled file by file by esbuild, one module`,
    `instance of handler.js per simulated execution environment (own SDK clients, retry quota and`,
    `adaptive rate limiter). **Lambda, as deployed**: the rules deliver to the router's SQS queue; an`,
    `event source mapping (batch size 1, ReportBatchItemFailures) with **maximum concurrency`,
    `${concurrency}** invokes it (no reserved concurrency: a message finding every slot busy waits in the`,
    `queue; FIFO, a freed slot takes the next message at once), a **${main.functionTimeoutMs / 1000} s function timeout**; a`,
    `failed message is received again after the **visibility timeout, 720 s scaled 60× to`,
    `${main.visibilityMs / 1000} s** (the only figure scaled), and dead-lettered after ${main.maxReceives} receives. Real time: the throttle, the SDK's backoff and adaptive rate limiting, the`,
    `function timeout, the router's abandoned-claim timeout and note interval (each is measured`,
    `against the throttle or the SDK's retries). Stubs on 127.0.0.1 (\`bench/stubs.ts\`): Incident`,
    `Manager (one token bucket for all operations, burst 5; over it: 400 ThrottlingException;`,
    `StartIncident and CreateTimelineEvent idempotent per clientToken) and DynamoDB (in memory,`,
    `conditional writes, SET/ADD). The control column raises the throttle 60× (300 requests/s).`,
    ``,
    table(
      ["", "5 req/s (target run)", "300 req/s (control)", "target"],
      [
        [
          ...row("incidents opened", (r) => `**${r.incidentsOpened}**`),
          `exactly ${alarms}: ${verdict(met.incidents)}`,
        ],
        [
          ...row("duplicate incidents", (r) => `**${r.duplicates}**`),
          `0: ${verdict(met.duplicates)}`,
        ],
        [
          ...row("events lost (dead-lettered)", (r) => `**${r.deadLettered}**`),
          `0: ${verdict(met.lost)}`,
        ],
        [...row("alarms with no incident", (r) => String(alarms - r.alarmsWithIncident)), ""],
        [
          ...row(
            "repeat firings on record (in timeline events + still counted on items) / all",
            (r) =>
              `${r.repeatFiringsReported + r.repeatFiringsCounted} (${r.repeatFiringsReported} + ${r.repeatFiringsCounted}) / ${r.repeatFirings}`,
          ),
          "all",
        ],
        [
          ...row(
            "timeline events added: phase 1 / phase 2",
            (r) => `${r.byPhase[1].timelineEvents} / ${r.byPhase[2].timelineEvents}`,
          ),
          `0 / ${alarms}`,
        ],
        [
          ...row(
            "Incident Manager requests, throttled / all: phase 1; phase 2",
            (r) =>
              `${r.byPhase[1].throttles} / ${r.byPhase[1].incidentRequests}; ${r.byPhase[2].throttles} / ${r.byPhase[2].incidentRequests}`,
          ),
          "",
        ],
        [...row("Incident Manager requests by operation", (r) => list(r.incidentRequests)), ""],
        [
          ...row("router outcomes: phase 1; phase 2", (r) =>
            [list(r.outcomesByPhase[1]), list(r.outcomesByPhase[2])].join("; "),
          ),
          "",
        ],
        [
          ...row(
            "invocations (incl. receives after a failure); failed attempts by error",
            (r) => `${r.invocations}; ${list(r.failedAttemptsByError)}`,
          ),
          "",
        ],
        [...row("dead letters by last error", (r) => list(r.deadLetteredByLastError)), ""],
        [...row("function timeouts", (r) => String(r.timeouts)), "0"],
        [
          ...row(
            "pages given up (PagesGivenUp EMF lines: would page)",
            (r) => `**${r.pagesGivenUp}**`,
          ),
          `0: ${verdict(met.pages)}`,
        ],
        [
          ...row(
            "queue wait per invocation: median / p95 / max; most queued",
            (r) =>
              `${s(r.queueWaitMs.median)} / ${s(r.queueWaitMs.p95)} / ${s(r.queueWaitMs.max)}; ${r.maxQueued}`,
          ),
          "",
        ],
        [...row("execution environments created", (r) => String(r.environments)), ""],
        [
          ...row(
            "wall time: phase 1 + phase 2",
            (r) => `${s(r.phase1Ms)} + ${s(r.phase2Ms)} = ${s(r.wallMs)}`,
          ),
          "",
        ],
        [...row("dedupe items left", (r) => list(r.itemsLeft)), ""],
        [
          ...row(
            "DynamoDB requests",
            (r) => `${list(r.dynamoRequests)}; ${r.conditionFailures} condition failures`,
          ),
          "",
        ],
      ],
    ),
    ``,
    `- Reading: in phase 1 only the ${alarms} StartIncident calls reach Incident Manager; every repeat`,
    `  firing (while its incident is being opened, or within ${noteMinutes} minutes of the last note) costs one`,
    `  DynamoDB write. Phase 2 costs GetIncidentRecord + CreateTimelineEvent per alarm, i.e. ≥`,
    `  ${((2 * alarms) / 5).toFixed(0)} s at 5 requests/s. Queue waits are the mapping's maximum concurrency doing its`,
    `  job: messages wait in the queue instead of failing on throttling.`,
    ...(met.incidents && met.duplicates && met.lost && met.pages
      ? []
      : [why(main, control, alarms)]),
    ...(main.stubErrors.length > 0 ? [`- **Stub errors**: ${main.stubErrors.join("; ")}`] : []),
    ...runs
      .filter((r) => !r.finished)
      .map((r) => `- **${r.rate} req/s run hit the deadline**: partial figures.`),
    ``,
  ].join("\n");
  log(md);
  return { result: { runs, met }, md };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [alarms, bursts, intervalMs, concurrency] = process.argv.slice(2).map(Number);
  await run({
    alarms: alarms || 100,
    bursts: bursts || 10,
    intervalMs: intervalMs || 2000,
    concurrency: concurrency || CONCURRENCY,
  });
}
