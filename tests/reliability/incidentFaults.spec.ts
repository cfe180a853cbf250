/**
 * Fault injection on Incident Manager, through the REAL router handler and the REAL AWS SDK
 * (with the retry settings the router gives its ssm-incidents client, whatever they are: the
 * attempts per invocation, A, are measured first and read back from every request's
 * `amz-sdk-request: attempt=N; max=A` header) against a local HTTP stand-in on 127.0.0.1
 * (support/faultyAws.ts) that is idempotent by clientToken like the API.
 * Lambda is modelled as 10 execution environments (fresh module instances: their own clients and
 * retry quota), each handling its events one at a time, and as up to 2 re-invocations of a
 * rejected event (asynchronous invocation retries). Faults are drawn from a fixed seed per
 * (clientToken, attempt), so every run injects the same ones and the outcome is determined:
 * - 30% of StartIncident calls fail (throttling 429, 500, a load balancer's 503, the connection
 *   closed before or after the incident started): every one of 100 events ends in exactly one
 *   incident within 3 invocations × A attempts, with the same clientToken and body on every
 *   attempt; no duplicate, none lost; the counts of requests and invocations are the ones the
 *   schedule implies.
 * - 100% failure of each kind: every invocation rejects (after exactly A attempts), so Lambda
 *   retries and dead-letters; nothing logs or returns success.
 * - one environment through a long outage: the SDK's retry quota (per client) runs dry, after
 *   which each invocation makes one attempt; the errors still propagate.
 *
 * What this spec does NOT prove:
 * - AWS's real throttling and error behaviour, or how long Incident Manager honours a clientToken
 *   (the stub honours it forever): the retries of one event span at most ~3 minutes in Lambda;
 * - a call that hangs without ever answering: the router's ssm-incidents client sets no request
 *   timeout, so such a call lasts until the Lambda's timeout (an invocation error, retried by
 *   Lambda), which this in-process model cannot reproduce;
 * - Lambda's and EventBridge's retry timing (1 and 2 minutes between invocations, 185 deliveries
 *   over 24 h) or that the DLQ and its alarm work: re-invocations here follow immediately;
 * - the SDK's backoff timing: its jitter and its adaptive rate limiter's waits are scaled down to
 *   0.2% (support/lambda.ts withShortBackoff) to keep the run short; the number and order of
 *   attempts are the SDK's own;
 * - that Incident Manager then engages anyone (pages, calls, SMS).
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { INITIAL_RETRY_TOKENS, Retry } from "@smithy/core/retry";
import { ENV, ROUTING_TABLE } from "../handlers/fixtures/routerFixtures";
import { stateChange } from "./support/events";
import { FaultyAws, INCIDENT_FAULTS, type Fault } from "./support/faultyAws";
import {
  applyEnv,
  captureLogs,
  chance,
  coldStart,
  invokeAsync,
  localAwsEnv,
  LAMBDA_RETRIES,
  pool,
  withShortBackoff,
  type Invocation,
} from "./support/lambda";
import { bump, recordResults } from "./support/results";

type HandlerModule = typeof import("../../handlers/router/handler");
type RouterResult = Awaited<ReturnType<HandlerModule["handler"]>>;
const HANDLER_PATH = path.join(__dirname, "..", "..", "handlers", "router", "handler.ts");

const SEED = 20261205;
const EVENTS = 100;
const CONTAINERS = 10;
const FAULT_RATE = 0.3;
/** The share of the SDK's retry waits actually waited (support/lambda.ts withShortBackoff). */
const SHORT = 0.002;
const KINDS = Object.values(INCIDENT_FAULTS) as Fault[];
/** The router's ssm-incidents attempts per invocation, measured in before(). */
let A = 0;

/**
 * Forced outages on top of the random faults, so the Lambda re-invocation path is certain to be
 * taken: event → number of consecutive failures from its first attempt, up to 3A - 1, the most
 * the budget absorbs (3 invocations × A attempts, the last succeeds). One per execution
 * environment (event i runs in environment i % 10): the SDK's retry quota is per client, and
 * several long outages in one environment would drain it (see the quota test).
 */
const bursts = (): Map<number, number> =>
  new Map([
    [3, A],
    [14, A + 1],
    [25, A + 2],
    [36, 2 * A - 1],
    [47, 2 * A],
    [58, A],
    [69, 2 * A + 2],
    [70, 3 * A - 1],
    [81, A + 3],
    [92, 2 * A + 1],
  ]);

/** The seeded schedule: the fault (or none) of attempt `attempt` (0-based) of event `i`. */
function scheduled(burst: number | undefined, token: string, attempt: number): Fault | null {
  if (burst !== undefined) return attempt < burst ? KINDS[attempt % KINDS.length] : null;
  if (chance(SEED, token, attempt) >= FAULT_RATE) return null;
  return KINDS[Math.floor(chance(SEED, "kind", token, attempt) * KINDS.length)];
}

/** The first attempt (0-based) the schedule lets through. */
function firstSuccess(burst: number | undefined, token: string): number {
  let attempt = 0;
  while (scheduled(burst, token, attempt) !== null) attempt++;
  return attempt;
}

/** The JSON log lines of one alarm, in order. */
function linesOf(lines: readonly string[], alarmName: string): Record<string, unknown>[] {
  return lines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.alarmName === alarmName);
}

describe("reliability: Incident Manager faults (real handler, real SDK, local stub)", () => {
  const aws = new FaultyAws();
  let saved: Record<string, string | undefined>;
  const results: Record<string, number | Record<string, number>> = {};
  const allFailing: Record<string, number> = {};

  before(async () => {
    const url = await aws.start();
    saved = applyEnv(localAwsEnv(url));
    // Measure A: one invocation against an Incident Manager that always answers 500.
    aws.faultFor = (request) =>
      request.operation === "StartIncident" ? INCIDENT_FAULTS.internal : null;
    const probe = coldStart<HandlerModule>(HANDLER_PATH, ENV);
    await captureLogs(() =>
      withShortBackoff(SEED, SHORT, () =>
        invokeAsync(probe.handler, stateChange("critical", "probe", 0).input, 0),
      ),
    );
    A = aws.of("StartIncident").length;
    assert.ok(A >= 1);
    assert.deepEqual(
      aws.of("StartIncident").map((r) => r.sdkMaxAttempts),
      Array<number>(A).fill(A),
    );
    results.sdkAttemptsPerInvocation = A;
  });
  after(async () => {
    applyEnv(saved);
    await aws.close();
    recordResults("incidentFaults", { ...results, allFailingStartIncidentCalls: allFailing });
  });
  beforeEach(() => aws.reset());

  it(`${FAULT_RATE * 100}% of StartIncident calls fail (seeded): ${EVENTS} events, each exactly one incident within the retry budget, no duplicate`, async () => {
    const events = Array.from({ length: EVENTS }, (_, i) =>
      stateChange(i % 10 < 7 ? "critical" : "major", "fault", i),
    );
    const BURSTS = bursts();
    const indexOf = new Map(events.map((e, i) => [e.token, i]));
    aws.faultFor = (request) => {
      if (request.operation !== "StartIncident") return null;
      const i = indexOf.get(request.key);
      return i === undefined ? null : scheduled(BURSTS.get(i), request.key, request.attempt);
    };

    const containers = Array.from({ length: CONTAINERS }, () =>
      coldStart<HandlerModule>(HANDLER_PATH, ENV),
    );
    const { value: outcomes, lines } = await captureLogs(() =>
      withShortBackoff(SEED, SHORT, () =>
        // Each environment takes its events one at a time, as Lambda does.
        Promise.all(
          containers.map(async (container, c) => {
            const mine: [number, Invocation<RouterResult>][] = [];
            for (let i = c; i < EVENTS; i += CONTAINERS) {
              mine.push([i, await invokeAsync(container.handler, events[i].input)]);
            }
            return mine;
          }),
        ),
      ),
    );
    const outcome = new Map(outcomes.flat());

    let faults = 0;
    let reinvoked = 0;
    for (const [i, { token, alarmName }] of events.entries()) {
      const k = firstSuccess(BURSTS.get(i), token);
      assert.ok(k < A * (LAMBDA_RETRIES + 1), `event ${i}: the seed exhausts the budget`);
      const invocations = Math.floor(k / A) + 1;
      const run = outcome.get(i);
      assert.ok(run?.ok, `event ${i} was dead-lettered`);
      assert.equal(run.invocations, invocations, `event ${i}: invocations`);
      const sent = aws.of("StartIncident").filter((r) => r.key === token);
      assert.equal(sent.length, k + 1, `event ${i}: StartIncident attempts`);
      assert.deepEqual(
        sent.map((r) => r.fault),
        Array.from({ length: k + 1 }, (_, a) => scheduled(BURSTS.get(i), token, a)),
      );
      assert.ok(
        sent.every((r) => r.body === sent[0].body && r.sdkMaxAttempts === A),
        `event ${i}: the body or the attempt budget changed`,
      );
      const incident = aws.incidents.get(token);
      assert.ok(incident, `event ${i}: no incident`);
      assert.deepEqual(run.result, {
        decision: "page",
        incidentArn: incident.arn,
        engagements: i % 10 < 7 ? 0 : ROUTING_TABLE.major.engage.length,
      });
      // Each rejected invocation logged an error; only the last one logged the page.
      assert.deepEqual(
        linesOf(lines, alarmName).map((l) => l.decision),
        [...Array<string>(invocations - 1).fill("error"), "page"],
      );
      faults += k;
      if (invocations > 1) reinvoked++;
    }
    // One incident per state change: none lost, none duplicated, no token reused differently.
    assert.equal(aws.incidents.size, EVENTS);
    const perAlarm = new Map<string, number>();
    for (const incident of aws.incidents.values()) {
      perAlarm.set(incident.triggerArn, (perAlarm.get(incident.triggerArn) ?? 0) + 1);
    }
    assert.equal(perAlarm.size, EVENTS);
    assert.ok([...perAlarm.values()].every((n) => n === 1));
    assert.equal(aws.tokenReuse, 0);
    assert.deepEqual(aws.unexpected, []);
    const injected = aws.requests.filter((r) => r.fault !== null).length;
    assert.equal(injected, faults);
    assert.equal(aws.of("StartIncident").length, EVENTS + faults);
    // Engagements (major) went out on every invocation with the same IdempotencyToken: one each.
    const major = events.filter((_, i) => i % 10 >= 7);
    assert.equal(aws.engagements.size, major.length);
    assert.equal(
      aws.of("StartEngagement").length,
      major.reduce((n, e) => n + (outcome.get(events.indexOf(e))?.invocations ?? 0), 0),
    );

    const forced = [...BURSTS.values()].reduce((a, b) => a + b, 0);
    const reinvokedRandomly = events.filter(
      (e, i) => !BURSTS.has(i) && firstSuccess(undefined, e.token) >= A,
    ).length;
    assert.equal(reinvoked, BURSTS.size + reinvokedRandomly); // every burst is ≥ A
    Object.assign(results, {
      events: EVENTS,
      executionEnvironments: CONTAINERS,
      startIncidentCalls: aws.of("StartIncident").length,
      faultsInjected: injected,
      faultsRandom: injected - forced,
      faultsInForcedOutages: forced,
      faultsByKind: aws.faultsByName(),
      eventsReinvokedByLambda: reinvoked,
      incidents: aws.incidents.size,
      duplicates: 0,
      lost: 0,
    });
  });

  it("one environment through a long outage: the SDK's retry quota runs dry, then each invocation makes one attempt; the errors still propagate", async () => {
    // Characterises the SDK's retry quota (not a router setting): INITIAL_RETRY_TOKENS per client,
    // Retry.cost() per retried 5xx, refunded only by successes. The model below is how the SDK
    // documents it; the counts must be exactly what it predicts.
    const cost = Retry.cost();
    let capacity = INITIAL_RETRY_TOKENS;
    const predicted = Array.from({ length: 5 }, () => {
      let sent = 0;
      for (let invocation = 0; invocation <= LAMBDA_RETRIES; invocation++) {
        let attempts = 1;
        while (attempts < A && capacity >= cost) {
          capacity -= cost;
          attempts++;
        }
        sent += attempts;
      }
      return sent;
    });
    // Five events are enough to run it dry: the last one gets one attempt per invocation.
    assert.equal(predicted.at(-1), LAMBDA_RETRIES + 1);

    aws.faultFor = (request) =>
      request.operation === "StartIncident" ? INCIDENT_FAULTS.internal : null;
    const container = coldStart<HandlerModule>(HANDLER_PATH, ENV);
    const events = predicted.map((_, n) => stateChange("critical", "quota", n));
    const { value: runs } = await captureLogs(() =>
      withShortBackoff(SEED, SHORT, () =>
        pool(
          1,
          events.map((e) => () => invokeAsync(container.handler, e.input)),
        ),
      ),
    );
    const attempts = events.map(
      (e) => aws.of("StartIncident").filter((r) => r.key === e.token).length,
    );
    assert.deepEqual(attempts, predicted);
    assert.ok(runs.every((run) => !run.ok && run.invocations === LAMBDA_RETRIES + 1));
    assert.ok(
      runs.every((run) =>
        run.errors.every((err) => (err as Error).name === "InternalServerException"),
      ),
    );
    assert.equal(aws.incidents.size, 0);
    results.quotaRetriesBeforeExhaustion =
      attempts.reduce((a, b) => a + b, 0) - (LAMBDA_RETRIES + 1) * events.length;
    results.quotaStartIncidentCallsAllFailing = aws.of("StartIncident").length;
  });

  for (const [kind, fault] of Object.entries(INCIDENT_FAULTS)) {
    it(`100% failure (${fault.name}): every invocation rejects after the client's A attempts, Lambda retries then dead-letters, nothing claims success`, async () => {
      aws.faultFor = (request) => (request.operation === "StartIncident" ? fault : null);
      const events = [stateChange("critical", "down", 0), stateChange("major", "down", 1)];
      // Each event in an environment of its own: one environment's retry quota would run dry
      // (see the quota test) and cut the later invocations short.
      const { value: runs, lines } = await captureLogs(() =>
        withShortBackoff(SEED, SHORT, () =>
          Promise.all(
            events.map((e) =>
              invokeAsync(coldStart<HandlerModule>(HANDLER_PATH, ENV).handler, e.input),
            ),
          ),
        ),
      );
      const expectedError =
        kind === "throttle"
          ? "ThrottlingException"
          : kind === "internal"
            ? "InternalServerException"
            : kind === "gateway"
              ? "SyntaxError" // the SDK's name for an error answer whose body is not JSON
              : "TimeoutError"; // the SDK's name for a connection closed without an answer
      for (const [n, run] of runs.entries()) {
        const { token, alarmName } = events[n];
        assert.equal(run.ok, false);
        assert.equal(run.invocations, LAMBDA_RETRIES + 1);
        assert.deepEqual(
          run.errors.map((err) => (err as Error).name),
          Array<string>(LAMBDA_RETRIES + 1).fill(expectedError),
        );
        const sent = aws.of("StartIncident").filter((r) => r.key === token);
        assert.equal(sent.length, A * (LAMBDA_RETRIES + 1));
        assert.ok(sent.every((r) => r.body === sent[0].body));
        const logged = linesOf(lines, alarmName);
        assert.deepEqual(
          logged.map((l) => [l.decision, l.error]),
          Array.from({ length: LAMBDA_RETRIES + 1 }, () => ["error", expectedError]),
        );
      }
      // A lost answer means the incident did start (once); otherwise none did.
      assert.equal(aws.incidents.size, kind === "lost" ? events.length : 0);
      // The major level's engagement still went out, once (same IdempotencyToken each time).
      assert.equal(aws.engagements.size, 1);
      bump(allFailing, fault.name, aws.of("StartIncident").length);
    });
  }
});
