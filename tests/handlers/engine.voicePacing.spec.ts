/**
 * Pacing of voice calls in a storm: a discrete-event simulation of 30 executions whose Send_voice
 * Task runs at the same moment, against a fake Amazon Connect that enforces the default quotas
 * (StartOutboundVoiceContact 2 requests/s with a burst of 5 per account and Region; 10 concurrent
 * calls per instance: Amazon Connect administrator guide, "Amazon Connect service quotas",
 * https://docs.aws.amazon.com/connect/latest/adminguide/amazon-connect-service-limits.html). A
 * refused request is the SDK's own exception (ThrottlingException, LimitExceededException from
 * @aws-sdk/client-connect), classified by the engine's real `classify`; the state machine's retry
 * is the Retry block read from the BUILT definition (engineDefinition's Send_voice state), applied
 * as States Language defines it: interval = IntervalSeconds × BackoffRate^(n-1) capped at
 * MaxDelaySeconds, FULL jitter = uniform in [0, interval) (Step Functions developer guide,
 * "Handling errors in Step Functions workflows"), MaxAttempts retries, then the Catch
 * (PageFailed). Seeded random numbers: the same 300 storms every run.
 *
 * What this spec does NOT prove: that Connect's throttle is a token bucket exactly like this one
 * (the quota page gives the rate and the burst, not the algorithm); that Step Functions'
 * jitter draws uniformly; how long real calls last (each call here holds its slot for CALL_SECONDS,
 * the 45 s ring timeout plus a generous flow run; a longer flow stretches the bound
 * proportionally); the Lambda's own latency (zero here) or Lambda throttling.
 */
import { strict as assert } from "node:assert";
import { LimitExceededException, ThrottlingException } from "@aws-sdk/client-connect";
import { engineDefinition } from "../../components/engine/stateMachine";
import { classify, VOICE_RING_TIMEOUT_SECONDS } from "../../handlers/engine/adapters";

/** Seconds one call holds one of the instance's concurrent calls: ring (45 s) + flow (≤ 135 s). */
const CALL_SECONDS = VOICE_RING_TIMEOUT_SECONDS + 135;
/** The quotas (service quotas page): rate, burst, concurrent calls per instance. */
const RATE_PER_SECOND = 2;
const BURST = 5;
const CONCURRENT_CALLS = 10;
const INCIDENTS = 30;
const STORMS = 300;
/** The bound the README states: every call of 30 simultaneous incidents placed within it. */
const BOUND_SECONDS = 10 * 60;

interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds: number;
  readonly MaxAttempts: number;
  readonly BackoffRate: number;
  readonly MaxDelaySeconds: number;
  readonly JitterStrategy: string;
}

/** The Send_voice state's Retry as the component deploys it (JSON, as Step Functions reads it). */
function builtVoiceRetry(): Retrier[] {
  const definition = JSON.parse(
    JSON.stringify(
      engineDefinition({
        functionArn: "arn:aws:lambda:ap-northeast-1:123456789012:function:ie-test-engine",
        timeoutSeconds: 86_400,
      }),
    ),
  ) as { States: Record<string, { Retry: Retrier[] }> };
  return definition.States.Send_voice.Retry;
}

/** mulberry32: a small seeded generator, uniform in [0, 1). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A fake Connect instance: a token bucket for the API rate, a set of calls for concurrency. */
class FakeConnect {
  private tokens = BURST;
  private at = 0;
  private readonly callsEndAt: number[] = [];

  /** One StartOutboundVoiceContact at `t` seconds: placed, or the exception Connect answers. */
  start(t: number): "placed" | Error {
    this.tokens = Math.min(BURST, this.tokens + (t - this.at) * RATE_PER_SECOND);
    this.at = t;
    if (this.tokens < 1) {
      return new ThrottlingException({
        message: "Rate exceeded",
        $metadata: { httpStatusCode: 429 },
      });
    }
    this.tokens -= 1;
    const active = this.callsEndAt.filter((end) => end > t).length;
    if (active >= CONCURRENT_CALLS) {
      return new LimitExceededException({
        message: "The allowed limit for the resource has been exceeded.",
        $metadata: { httpStatusCode: 429 },
      });
    }
    this.callsEndAt.push(t + CALL_SECONDS);
    return "placed";
  }
}

interface StormResult {
  /** Seconds after the Task first ran when each call was placed (undefined: it failed). */
  readonly placedAt: readonly (number | undefined)[];
  readonly requests: number;
  readonly refusedAs: ReadonlySet<string>;
}

/** 30 Send_voice Tasks at t = 0, each retried as `retry` says, against one fake instance. */
function storm(retry: readonly Retrier[], seed: number): StormResult {
  const next = random(seed);
  const connect = new FakeConnect();
  // Filled, not sparse: `filter` skips the holes of a sparse array.
  const placedAt: (number | undefined)[] = Array.from({ length: INCIDENTS }, () => undefined);
  const retries = new Array<number>(INCIDENTS).fill(0);
  const refusedAs = new Set<string>();
  // Pending attempts: [time, incident]; the earliest runs next (ties: lower incident first).
  let queue: [number, number][] = Array.from({ length: INCIDENTS }, (_, i) => [0, i]);
  let requests = 0;
  while (queue.length > 0) {
    queue.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const [t, i] = queue.shift()!;
    requests += 1;
    const outcome = connect.start(t);
    if (outcome === "placed") {
      placedAt[i] = t;
      continue;
    }
    // What the engine Lambda throws for it, and which retrier of the Task matches that name.
    const thrown = classify(outcome, "Connect StartOutboundVoiceContact");
    refusedAs.add(`${outcome.name} → ${thrown.name}`);
    const retrier = retry.find((r) => r.ErrorEquals.includes(thrown.name));
    if (retrier === undefined || retries[i] >= retrier.MaxAttempts) continue; // → PageFailed
    retries[i] += 1;
    const interval = Math.min(
      retrier.MaxDelaySeconds,
      retrier.IntervalSeconds * retrier.BackoffRate ** (retries[i] - 1),
    );
    const wait = retrier.JitterStrategy === "FULL" ? next() * interval : interval;
    queue = [...queue, [t + wait, i]];
  }
  return { placedAt, requests, refusedAs };
}

describe(`voice pacing: 30 simultaneous incidents all get their calls within ${BOUND_SECONDS / 60} minutes under Connect's default quotas (2 requests/s, burst 5, 10 concurrent calls), the Send_voice Retry read from the built definition`, () => {
  const retry = builtVoiceRetry();

  it("the built Send_voice Retry is the one simulated: full jitter, the engine's transient error among its errors", () => {
    assert.equal(retry[0].JitterStrategy, "FULL");
    assert.ok(retry[0].ErrorEquals.includes("EngineTransientError"));
  });

  it(`in each of ${STORMS} seeded storms, every one of the 30 calls is placed (none reaches PageFailed), the last within ${BOUND_SECONDS} s, never more than 10 at once`, () => {
    let worst = 0;
    const refused = new Set<string>();
    for (let seed = 1; seed <= STORMS; seed++) {
      const { placedAt, refusedAs } = storm(retry, seed);
      for (const r of refusedAs) refused.add(r);
      const failed = placedAt.filter((t) => t === undefined).length;
      assert.equal(failed, 0, `storm ${seed}: ${failed} calls failed after the last retry`);
      const last = Math.max(...(placedAt as number[]));
      assert.ok(last <= BOUND_SECONDS, `storm ${seed}: the last call was placed at ${last} s`);
      worst = Math.max(worst, last);
      // Ten calls at once at most: at the start of any call, fewer than 10 others are up.
      const starts = [...(placedAt as number[])].sort((a, b) => a - b);
      for (const s of starts) {
        assert.ok(starts.filter((o) => o <= s && o + CALL_SECONDS > s).length <= CONCURRENT_CALLS);
      }
    }
    // Both refusals happened and both were retried as the engine's transient error.
    assert.deepEqual([...refused].sort(), [
      "LimitExceededException → EngineTransientError",
      "ThrottlingException → EngineTransientError",
    ]);
    // 30 calls of CALL_SECONDS through 10 lines need 3 waves: the last can start no sooner than
    // 2 × CALL_SECONDS; the worst storm shows how much the retries add to that.
    assert.ok(worst >= 2 * CALL_SECONDS, `worst ${worst}`);
    if (process.env.VOICE_PACING_DEBUG) console.error(`worst last call: ${worst.toFixed(1)} s`);
  });

  it("the same storm with the ordinary Task retry (TASK_RETRY: 6 attempts, at most 60 s) would drop calls: the longer Send_voice Retry is what keeps them", () => {
    const ordinary = JSON.parse(
      JSON.stringify(
        engineDefinition({
          functionArn: "arn:aws:lambda:ap-northeast-1:123456789012:function:ie-test-engine",
          timeoutSeconds: 86_400,
        }),
      ),
    ).States.Send_email.Retry as Retrier[];
    const dropped = storm(ordinary, 1).placedAt.filter((t) => t === undefined).length;
    assert.ok(dropped > 0, "the ordinary retry placed every call: this spec proves nothing");
  });
});
