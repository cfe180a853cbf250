/**
 * Self-monitoring pages only when a page may be lost (issue 9, finding 9): the real router
 * handler behind a simulated SQS queue and event source mapping (visibility timeout, receive
 * counts, redrive to the dead-letter queue after maxReceiveCount, at most 10 concurrent
 * invocations), against a local Incident Manager / DynamoDB stub that throttles.
 *
 * - A shortened alarm storm (20 alarms, 3 bursts, every 4th alarm's first StartIncident throttled
 *   through all 8 SDK attempts): retries happen, yet no alarm whose action is a response plan
 *   would go to ALARM: no PagesGivenUp metric line, the router's dead-letter queue stays empty.
 * - A router failing every invocation still pages a human: refused (AccessDenied) → PagesGivenUp
 *   at the first receive; throttled forever → PagesGivenUp at the last receive; crashing at cold
 *   start → the message reaches the dead-letter queue after 3 receives × 720 s. With the alarms'
 *   60 s period, the page comes within 37 minutes at worst (the README states this bound).
 *
 * Not proven: SQS's and Lambda's real timing (the queue is simulated in virtual time: a failed
 * message becomes visible again exactly one visibility timeout later, and polling is instant);
 * that CloudWatch extracts the EMF line (the format is checked against the EMF specification's
 * members in tests/handlers/router.queue.spec.ts) and evaluates the alarm within its period;
 * EventBridge's delivery to the queue (its dead-letter queue is not modelled: nothing here can
 * fail that delivery); the SDK's backoff timing (scaled down by withShortBackoff).
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { DEDUPE_ENV, sha256 } from "../handlers/fixtures/routerFixtures";
import {
  ROUTER_MAX_CONCURRENCY,
  ROUTER_QUEUE_MAX_RECEIVES,
  ROUTER_QUEUE_VISIBILITY_TIMEOUT_SECONDS,
} from "../../handlers/shared/limits";
import { PAGES_GIVEN_UP } from "../../handlers/shared/selfMetrics";
import { stateChange, type StateChange } from "./support/events";
import { FaultyAws, INCIDENT_FAULTS, type Fault } from "./support/faultyAws";
import { applyEnv, captureLogs, coldStart, localAwsEnv, withShortBackoff } from "./support/lambda";

type HandlerModule = typeof import("../../handlers/router/handler");
const HANDLER_PATH = path.join(__dirname, "..", "..", "handlers", "router", "handler.ts");
const SEED = 20261201;
const SHORT = 0.002;
/** The self-monitoring alarms' period (components/selfMonitoring.ts): 60 s, 1 evaluation. */
const ALARM_PERIOD_S = 60;

const ACCESS_DENIED: Fault = {
  kind: "reply",
  name: "403 AccessDeniedException",
  status: 403,
  headers: { "x-amzn-errortype": "AccessDeniedException" },
  body: JSON.stringify({ message: "not authorized to perform: ssm-incidents:StartIncident" }),
};

interface Message {
  readonly id: string;
  readonly body: string;
  receives: number;
  visibleAt: number;
}

/** What happened, in virtual seconds since the first message was sent. */
interface Timeline {
  /** Virtual times at which the router wrote a PagesGivenUp EMF line. */
  readonly givenUp: number[];
  /** Virtual times at which SQS moved a message to the dead-letter queue. */
  readonly deadLettered: number[];
  readonly receives: number;
  readonly itemFailures: number;
  readonly deleted: number;
}

/**
 * An SQS standard queue with a redrive policy and Lambda's poller in front, in virtual time:
 * the poller receives up to `concurrency` visible messages, invokes the router with one record
 * each (batch size 1) and deletes the message unless the router reports it failed (or throws);
 * a failed message becomes visible again one visibility timeout later. A message already
 * received maxReceiveCount times is moved to the dead-letter queue instead of being received.
 */
async function drain(
  bodies: readonly string[],
  invoke: (event: unknown) => Promise<unknown>,
): Promise<Timeline> {
  const messages: Message[] = bodies.map((body, i) => ({
    id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    body,
    receives: 0,
    visibleAt: 0,
  }));
  const out = { givenUp: [] as number[], deadLettered: [] as number[] };
  let receives = 0;
  let itemFailures = 0;
  let deleted = 0;
  let now = 0;
  const realWrite = process.stdout.write.bind(process.stdout);
  // The EMF lines the router writes to stdout, timed in virtual time.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = String(chunk);
    if (text.startsWith('{"_aws"')) {
      const line = JSON.parse(text) as Record<string, unknown>;
      if (line[PAGES_GIVEN_UP] === 1) out.givenUp.push(now);
      return true;
    }
    return (realWrite as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  try {
    while (messages.length > 0) {
      const visible = messages.filter((m) => m.visibleAt <= now);
      if (visible.length === 0) {
        now = Math.min(...messages.map((m) => m.visibleAt));
        continue;
      }
      const batch: Message[] = [];
      for (const m of visible) {
        if (batch.length === ROUTER_MAX_CONCURRENCY) break;
        if (m.receives >= ROUTER_QUEUE_MAX_RECEIVES) {
          messages.splice(messages.indexOf(m), 1);
          out.deadLettered.push(now);
          continue;
        }
        m.receives++;
        receives++;
        m.visibleAt = now + ROUTER_QUEUE_VISIBILITY_TIMEOUT_SECONDS;
        batch.push(m);
      }
      await Promise.all(
        batch.map(async (m) => {
          const event = {
            Records: [
              {
                messageId: m.id,
                receiptHandle: `handle-${m.id}-${m.receives}`,
                body: m.body,
                attributes: { ApproximateReceiveCount: String(m.receives) },
                messageAttributes: {},
                eventSource: "aws:sqs",
                eventSourceARN: "arn:aws:sqs:ap-northeast-1:123456789012:prod-router-queue",
                awsRegion: "ap-northeast-1",
              },
            ],
          };
          let failed: boolean;
          try {
            const r = (await invoke(event)) as { batchItemFailures: unknown[] };
            failed = r.batchItemFailures.length > 0;
          } catch {
            failed = true; // a function error: the whole batch returns to the queue
          }
          if (failed) itemFailures++;
          else {
            messages.splice(messages.indexOf(m), 1);
            deleted++;
          }
        }),
      );
    }
  } finally {
    process.stdout.write = realWrite;
  }
  return { ...out, receives, itemFailures, deleted };
}

/** Alarm `c`'s firing in burst `b`: the same alarm, its state changed `b` × 2 minutes later. */
function burst(c: StateChange, b: number): StateChange {
  const input = structuredClone(c.input) as {
    event: { detail: { state: { timestamp: string } } };
  };
  const at = new Date(
    Date.parse(input.event.detail.state.timestamp.replace("+0000", "Z")) + b * 120_000,
  );
  const timestamp = at.toISOString().replace("Z", "+0000");
  input.event.detail.state.timestamp = timestamp;
  return { ...c, input, token: sha256(`${c.alarmArn}|${timestamp}`) };
}

/** When the first alarm whose action is a response plan would go to ALARM, at the latest. */
function pagedBy(t: Timeline): number | undefined {
  const first = [...t.givenUp, ...t.deadLettered].sort((a, b) => a - b)[0];
  return first === undefined ? undefined : first + ALARM_PERIOD_S;
}

describe("reliability: self-monitoring pages only when a page may be lost (real handler, simulated SQS)", () => {
  const aws = new FaultyAws();
  let saved: Record<string, string | undefined>;

  before(async () => {
    saved = applyEnv(localAwsEnv(await aws.start()));
  });
  after(async () => {
    applyEnv(saved);
    await aws.close();
  });
  beforeEach(() => aws.reset());

  it("a shortened alarm storm with throttling: retries, 20 incidents, no duplicate, zero self-monitoring pages", async () => {
    const ALARMS = 20;
    const BURSTS = 3;
    const changes: StateChange[] = [];
    for (let b = 0; b < BURSTS; b++) {
      for (let i = 0; i < ALARMS; i++) changes.push(burst(stateChange("critical", "storm", i), b));
    }
    const throttledFirst = new Set(
      changes.filter((_, k) => k < ALARMS && k % 4 === 0).map((c) => c.token),
    );
    // Every 4th alarm: its first StartIncident call is throttled through all 8 SDK attempts.
    aws.faultFor = (request) =>
      request.operation === "StartIncident" &&
      throttledFirst.has(request.key) &&
      request.attempt < 8
        ? INCIDENT_FAULTS.throttle
        : null;
    const router = coldStart<HandlerModule>(HANDLER_PATH, DEDUPE_ENV);
    const { value: t } = await captureLogs(() =>
      withShortBackoff(SEED, SHORT, () =>
        drain(
          changes.map((c) => JSON.stringify(c.input)),
          (e) => router.handler(e as Parameters<HandlerModule["handler"]>[0]),
        ),
      ),
    );
    // Retries happened: the throttled opens failed their first receive.
    assert.equal(t.itemFailures >= throttledFirst.size, true, JSON.stringify(t));
    assert.equal(t.deleted, ALARMS * BURSTS);
    // Exactly one incident per alarm.
    const perAlarm = new Map<string, number>();
    for (const inc of aws.incidents.values()) {
      perAlarm.set(inc.triggerArn, (perAlarm.get(inc.triggerArn) ?? 0) + 1);
    }
    assert.equal(perAlarm.size, ALARMS);
    assert.deepEqual([...new Set(perAlarm.values())], [1]);
    // Zero pages: no PagesGivenUp, nothing dead-lettered.
    assert.deepEqual(t.givenUp, []);
    assert.deepEqual(t.deadLettered, []);
    assert.equal(pagedBy(t), undefined);
  });

  it("refused by Incident Manager (AccessDenied): PagesGivenUp at the first receive, paged within 60 s", async () => {
    aws.faultFor = (request) => (request.operation === "StartIncident" ? ACCESS_DENIED : null);
    const router = coldStart<HandlerModule>(HANDLER_PATH, DEDUPE_ENV);
    const c = stateChange("critical", "denied", 0);
    const { value: t } = await captureLogs(() =>
      withShortBackoff(SEED, SHORT, () =>
        drain([JSON.stringify(c.input)], (e) =>
          router.handler(e as Parameters<HandlerModule["handler"]>[0]),
        ),
      ),
    );
    assert.deepEqual(t.givenUp, [0, 720, 1440]);
    assert.deepEqual(t.deadLettered, [2160]);
    assert.equal(pagedBy(t), 60);
  });

  it("throttled on every attempt: PagesGivenUp at the 3rd receive (1440 s), paged within 25 minutes", async () => {
    aws.faultFor = (request) =>
      request.operation === "StartIncident" ? INCIDENT_FAULTS.throttle : null;
    const router = coldStart<HandlerModule>(HANDLER_PATH, DEDUPE_ENV);
    const c = stateChange("critical", "throttled", 0);
    const { value: t } = await captureLogs(() =>
      withShortBackoff(SEED, SHORT, () =>
        drain([JSON.stringify(c.input)], (e) =>
          router.handler(e as Parameters<HandlerModule["handler"]>[0]),
        ),
      ),
    );
    assert.deepEqual(t.givenUp, [1440]);
    assert.deepEqual(t.deadLettered, [2160]);
    assert.equal(pagedBy(t), 1500);
  });

  it("crashing at cold start (no routing.json): dead-lettered after 3 × 720 s, paged within 37 minutes", async () => {
    await assert.rejects(async () =>
      coldStart<HandlerModule>(HANDLER_PATH, { ...DEDUPE_ENV, ROUTING_TABLE: undefined }),
    );
    const c = stateChange("critical", "crash", 0);
    const t = await drain([JSON.stringify(c.input)], () =>
      Promise.reject(new Error("Runtime.ImportModuleError")),
    );
    assert.deepEqual(t.givenUp, []);
    assert.equal(t.receives, ROUTER_QUEUE_MAX_RECEIVES);
    assert.deepEqual(t.deadLettered, [3 * 720]);
    assert.equal(pagedBy(t), 37 * 60);
    assert.deepEqual(aws.requests, []);
  });

  it("an OK (a recovery note) that keeps failing is retried and dead-lettered, but never counted as a page given up", async () => {
    aws.faultFor = (request) =>
      request.operation === "DynamoDB.GetItem" ? INCIDENT_FAULTS.internal : null;
    const router = coldStart<HandlerModule>(HANDLER_PATH, DEDUPE_ENV);
    const ok = stateChange("critical", "recovery", 0).input as {
      event: { detail: { state: { value: string } } };
    };
    ok.event.detail.state.value = "OK";
    const { value: t } = await captureLogs(() =>
      withShortBackoff(SEED, SHORT, () =>
        drain([JSON.stringify(ok)], (e) =>
          router.handler(e as Parameters<HandlerModule["handler"]>[0]),
        ),
      ),
    );
    assert.deepEqual(t.givenUp, []);
    assert.deepEqual(t.deadLettered, [2160]);
  });
});
