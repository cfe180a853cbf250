/**
 * Webhook receivers that are down, slow, reset the connection or answer 429/500/503, through the
 * REAL notifier handler module (real fetch, real timeouts) posting to real HTTP receivers on
 * 127.0.0.1, with Secrets Manager mocked (aws-sdk-client-mock) and Lambda's asynchronous retries
 * modelled as up to 2 re-invocations with the same event. Receivers check every request they get,
 * retries included: the signature must verify over the exact bytes received with the timestamp
 * sent, and the body and delivery id must be the same on every attempt.
 * - Each failure kind, always failing: exactly WEBHOOK_ATTEMPTS attempts per invocation, then one
 *   NotifyError DELIVERY_FAILED naming the webhook and the failure (never its URL, host, port or
 *   path, in the message, the stack or any log line); the healthy webhook is still delivered;
 *   after Lambda's retries the event is dead-lettered.
 * - Retries carry fresh timestamps (an injected clock that moves on) and fresh signatures over the
 *   same bytes.
 * - 30% of requests failing (seeded per delivery and attempt), 100 events × 3 webhooks: every
 *   delivery is accepted within the budget (lost 0), receivers dedupe redeliveries by delivery id
 *   (duplicates after dedupe 0), and every count of attempts, invocations and error messages is
 *   the one the schedule implies.
 *
 * What this spec does NOT prove:
 * - TLS, DNS, proxies or a real network between Lambda and receivers (plain HTTP on 127.0.0.1,
 *   allowed only by ALLOW_INSECURE_LOCALHOST); a receiver that accepts a request and then answers
 *   too late has the delivery twice (once late, once on retry): only the delivery id tells;
 * - Lambda's retry timing (1 and 2 minutes), its 60 s timeout, or that the DLQ and its alarm work;
 * - that receivers in other languages verify signatures as verify.ts does, or keep delivery ids
 *   long enough to drop redeliveries;
 * - Secrets Manager itself (mocked) or IAM.
 */
import { strict as assert } from "node:assert";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { deliveryId, NotifyError, parseEnv } from "../../handlers/notifier/core";
import { verifyEscalationRequest } from "../../handlers/notifier/verify";
import { stateChange, type Json, type StateChange } from "./support/events";
import {
  captureLogs,
  chance,
  coldStart,
  invokeAsync,
  LAMBDA_RETRIES,
  pool,
} from "./support/lambda";
import { bump, recordResults } from "./support/results";

type HandlerModule = typeof import("../../handlers/notifier/handler");
const HANDLER_PATH = require.resolve("../../handlers/notifier/handler");

const SEED = 20261207;
const SECRET_ARN =
  "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:incident-escalation/webhooks-AbCdEf";
const KEYS = {
  ticketing: "ticketing-signing-key-0123456789abcdef",
  pager: "pager-signing-key-fedcba9876543210xyz",
  archive: "archive-signing-key-00112233445566778899",
} as const;
type Hook = keyof typeof KEYS;
const ATTEMPTS = 3;
/**
 * The webhook timeout: short, but far above a local answer's few milliseconds even on a loaded
 * 2-core CI machine (an answer later than this would be a fault nobody injected).
 */
const TIMEOUT_MS = 250;
/** The timeout of the 30% run, where up to 60 requests are in flight at once. */
const MIX_TIMEOUT_MS = 500;

/** How a receiver fails one request. */
type ReceiverFault =
  | { readonly kind: "status"; readonly status: number }
  | { readonly kind: "slow"; readonly delayMs: number }
  | { readonly kind: "reset" };

interface Received {
  readonly hook: Hook;
  readonly delivery: string;
  /** How many requests of this delivery came before. */
  readonly attempt: number;
  readonly timestamp: number;
  readonly signature: string;
  readonly body: Buffer;
  readonly fault: ReceiverFault | null;
}

/**
 * Receivers for every webhook on one server (path = webhook name). Each request is verified with
 * the webhook's key before anything else, then answered as `faultFor` says (200 otherwise).
 * `now` is the clock the receiver verifies timestamps against.
 */
class Receivers {
  readonly received: Received[] = [];
  /** delivery id → the body of its first accepted (2xx) request. */
  readonly accepted = new Map<string, Buffer>();
  /** Accepted requests for a delivery already accepted: dropped by delivery id. */
  redeliveries = 0;
  unverified = 0;
  faultFor: (hook: Hook, delivery: string, attempt: number) => ReceiverFault | null = () => null;
  now: () => number = () => Math.floor(Date.now() / 1000);
  private readonly attempts = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => this.onRequest(req, res, Buffer.concat(chunks)));
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  of(hook: Hook): Received[] {
    return this.received.filter((r) => r.hook === hook);
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
    const hook = (req.url ?? "").slice(1) as Hook;
    const delivery = String(req.headers["x-escalation-delivery"]);
    const timestamp = String(req.headers["x-escalation-timestamp"]);
    const signature = String(req.headers["x-escalation-signature-v2"]);
    if (!verifyEscalationRequest(KEYS[hook], body, req.headers, { nowSeconds: this.now() })) {
      this.unverified++;
    }
    const attempt = this.attempts.get(delivery) ?? 0;
    this.attempts.set(delivery, attempt + 1);
    const fault = this.faultFor(hook, delivery, attempt);
    this.received.push({
      hook,
      delivery,
      attempt,
      timestamp: Number(timestamp),
      signature,
      body,
      fault,
    });
    if (fault?.kind === "reset") {
      req.socket.destroy();
      return;
    }
    const answer = (): void => {
      res.writeHead(fault?.kind === "status" ? fault.status : 200).end();
    };
    if (fault?.kind === "slow") {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (!res.destroyed) answer();
      }, fault.delayMs);
      this.timers.add(timer);
      return;
    }
    if (fault === null) {
      if (this.accepted.has(delivery)) this.redeliveries++;
      else this.accepted.set(delivery, body);
    }
    answer();
  }
}

/** A port on 127.0.0.1 nothing listens on: a receiver that is down. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function envFor(hooks: readonly Hook[], timeoutMs = TIMEOUT_MS): Record<string, string> {
  return {
    // Receivers are on 127.0.0.1: only allowPrivateNetwork webhooks may reach them.
    WEBHOOKS: JSON.stringify(
      hooks.map((name) => ({ name, levels: ["critical"], allowPrivateNetwork: true })),
    ),
    WEBHOOK_SECRET_ARN: SECRET_ARN,
    WEBHOOK_TIMEOUT_MS: String(timeoutMs),
    WEBHOOK_ATTEMPTS: String(ATTEMPTS),
    WEBHOOK_BACKOFF_MS: "10",
    ALLOW_INSECURE_LOCALHOST: "true",
    ACCOUNT_ID: "123456789012",
    AWS_REGION: "ap-northeast-1",
  };
}

/** The notifier's input for `change`, with its own event id. */
function notification(change: StateChange, id: string): Json {
  const input = structuredClone(change.input) as { event: Json };
  input.event.id = id;
  return input as unknown as Json;
}

describe("reliability: webhook receivers failing (real handler, real HTTP on 127.0.0.1)", () => {
  let sm: ReturnType<typeof mockSecrets>;
  const receivers = new Receivers();
  let base: string;
  const results: Record<string, number | Record<string, number>> = {};
  const mockSecrets = () => mockClient(SecretsManagerClient);

  function useSecret(urls: Record<string, string>): void {
    sm.reset();
    sm.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({
      SecretString: JSON.stringify(
        Object.fromEntries(
          Object.entries(urls).map(([name, url]) => [
            name,
            { url, signingKey: KEYS[name as Hook] },
          ]),
        ),
      ),
    });
  }

  before(async () => {
    base = await receivers.start();
    sm = mockSecrets();
  });
  after(async () => {
    sm.restore();
    await receivers.close();
    recordResults("webhookFaults", { ...results, allTests: totals });
  });
  const totals = { requestsReceived: 0, signaturesVerified: 0 };
  afterEach(() => {
    totals.requestsReceived += receivers.received.length;
    totals.signaturesVerified += receivers.received.length - receivers.unverified;
  });
  beforeEach(() => {
    receivers.received.length = 0;
    receivers.accepted.clear();
    receivers.redeliveries = 0;
    receivers.unverified = 0;
    receivers.faultFor = () => null;
    receivers.now = () => Math.floor(Date.now() / 1000);
  });

  const KINDS: [string, ReceiverFault | "down", string][] = [
    ["down (nothing listening)", "down", "connection error ECONNREFUSED"],
    // node:http's code (the deployed transport, handlers/notifier/transport.ts), not undici's.
    ["resetting the connection", { kind: "reset" }, "connection error ECONNRESET"],
    [
      "slow (answers after 600 ms)",
      { kind: "slow", delayMs: 600 },
      `timeout after ${TIMEOUT_MS} ms`,
    ],
    ["answering 500", { kind: "status", status: 500 }, "HTTP 500"],
    ["answering 503", { kind: "status", status: 503 }, "HTTP 503"],
    ["answering 429", { kind: "status", status: 429 }, "HTTP 429"],
  ];
  const perKind: Record<string, number> = {};

  for (const [title, fault, failure] of KINDS) {
    it(`a receiver ${title}: ${ATTEMPTS} signed attempts per invocation, then an error naming the webhook (never its URL); the other webhook is delivered; dead-lettered after Lambda's retries`, async () => {
      const port = fault === "down" ? await closedPort() : undefined;
      const ticketing =
        port === undefined ? `${base}/ticketing` : `http://127.0.0.1:${port}/ticketing`;
      useSecret({ ticketing, pager: `${base}/pager` });
      receivers.faultFor = (hook) => (hook === "ticketing" && fault !== "down" ? fault : null);
      const notifier = coldStart<HandlerModule>(HANDLER_PATH, envFor(["ticketing", "pager"]));
      const change = stateChange("critical", "hook", 0);
      const id = "3a1c1c9e-6542-e61b-6ef0-8c4d36933a92";

      const { value: run, lines } = await captureLogs(() =>
        invokeAsync(notifier.handler, notification(change, id)),
      );

      assert.equal(run.ok, false);
      const message = `1 of 2 webhooks failed after ${ATTEMPTS} attempts each: ticketing (${failure})`;
      assert.equal(run.errors.length, LAMBDA_RETRIES + 1);
      for (const err of run.errors) {
        assert.ok(err instanceof NotifyError);
        assert.equal(err.code, "DELIVERY_FAILED");
        assert.equal(err.message, message);
      }
      // Attempts: counted by the receiver, or (nothing listening) by the log lines.
      const attemptsLogged = lines
        .map((line) => JSON.parse(line) as { message: string; webhook?: string })
        .filter((l) => l.message === "webhook.attempt_failed" && l.webhook === "ticketing").length;
      assert.equal(attemptsLogged, ATTEMPTS * (LAMBDA_RETRIES + 1));
      assert.equal(
        receivers.of("ticketing").length,
        fault === "down" ? 0 : ATTEMPTS * (LAMBDA_RETRIES + 1),
      );
      // The healthy webhook got the event on each invocation; its receiver keeps one.
      assert.equal(receivers.of("pager").length, LAMBDA_RETRIES + 1);
      assert.equal(receivers.accepted.size, 1);
      assert.equal(receivers.redeliveries, LAMBDA_RETRIES);
      // Every attempt verified, same delivery id and bytes as the first.
      assert.equal(receivers.unverified, 0);
      const first = receivers.received[0];
      for (const r of receivers.received) {
        assert.equal(r.delivery, deliveryId(id, r.hook));
        assert.ok(r.body.equals(first.body), "the body changed between attempts");
      }
      // No URL, host, port or path anywhere a human or a log pipeline sees.
      const visible = [
        ...lines,
        ...run.errors.map((err) => `${(err as Error).message}\n${String((err as Error).stack)}`),
      ].join("\n");
      const ports = [new URL(base).port, ...(port === undefined ? [] : [String(port)])];
      for (const secret of ["127.0.0.1", "http:", "/ticketing", "/pager", ...ports]) {
        assert.ok(!visible.includes(secret), `"${secret}" is visible`);
      }
      perKind[title] = attemptsLogged;
    });
  }

  it("retries carry a fresh timestamp and a fresh signature over the same bytes", async () => {
    useSecret({ ticketing: `${base}/ticketing` });
    receivers.faultFor = (_hook, _delivery, attempt) =>
      attempt < 2 ? { kind: "status", status: 500 } : null;
    const { createHandler } = coldStart<HandlerModule>(HANDLER_PATH, envFor(["ticketing"]));
    // A clock that moves 10 s on every read; the receiver verifies against the same clock. The
    // handler reads it once for the secret cache (…010), then once per attempt.
    let clock = 1_800_000_000;
    const nowSeconds = (): number => (clock += 10);
    receivers.now = () => clock;
    const slept: number[] = [];
    const handler = createHandler({
      config: parseEnv(envFor(["ticketing"])),
      secrets: new SecretsManagerClient({}),
      fetchFn: (url, init) => fetch(url, init),
      sleep: async (ms) => {
        slept.push(ms);
      },
      nowSeconds,
      log: () => undefined,
    });
    const result = await handler(notification(stateChange("critical", "fresh", 0), "evt-fresh"));
    assert.deepEqual(result.delivered, ["ticketing"]);
    const attempts = receivers.of("ticketing");
    assert.deepEqual(
      attempts.map((r) => r.timestamp),
      [1_800_000_020, 1_800_000_030, 1_800_000_040],
    );
    assert.equal(new Set(attempts.map((r) => r.signature)).size, 3);
    assert.ok(attempts.every((r) => r.body.equals(attempts[0].body)));
    assert.equal(receivers.unverified, 0);
    // An earlier attempt's signature does not verify with a later timestamp: each is its own.
    assert.ok(
      !verifyEscalationRequest(
        KEYS.ticketing,
        attempts[2].body,
        {
          "x-escalation-timestamp": String(attempts[2].timestamp),
          "x-escalation-delivery": attempts[2].delivery,
          "x-escalation-signature-v2": attempts[0].signature,
        },
        { nowSeconds: attempts[2].timestamp },
      ),
    );
    assert.deepEqual(slept, [10, 20]); // exponential backoff between attempts
  });

  it("30% of requests failing (seeded), 100 events × 3 webhooks: every delivery accepted within the budget, none twice after dedupe, exact attempt counts", async () => {
    const EVENTS = 100;
    const RATE = 0.3;
    const hooks: Hook[] = ["ticketing", "pager", "archive"];
    const FAULTS: ReceiverFault[] = [
      { kind: "status", status: 500 },
      { kind: "status", status: 503 },
      { kind: "status", status: 429 },
      { kind: "slow", delayMs: MIX_TIMEOUT_MS + 300 },
      { kind: "reset" },
    ];
    const scheduled = (delivery: string, attempt: number): ReceiverFault | null =>
      chance(SEED, delivery, attempt) < RATE
        ? FAULTS[Math.floor(chance(SEED, "kind", delivery, attempt) * FAULTS.length)]
        : null;
    receivers.faultFor = (_hook, delivery, attempt) => scheduled(delivery, attempt);
    useSecret(Object.fromEntries(hooks.map((h) => [h, `${base}/${h}`])));
    const notifier = coldStart<HandlerModule>(HANDLER_PATH, envFor(hooks, MIX_TIMEOUT_MS));
    const events = Array.from({ length: EVENTS }, (_, i) => ({
      input: notification(stateChange("critical", "mix", i), `evt-${i}`),
      id: `evt-${i}`,
    }));

    const { value: runs } = await captureLogs(() =>
      pool(
        20,
        events.map((e) => () => invokeAsync(notifier.handler, e.input)),
      ),
    );

    // What the handler must have done, from the schedule: each invocation posts to every
    // webhook, up to 3 attempts each; it fails if any webhook used up its attempts.
    const describeFault = (f: ReceiverFault): string =>
      f.kind === "status"
        ? `HTTP ${f.status}`
        : f.kind === "slow"
          ? `timeout after ${MIX_TIMEOUT_MS} ms`
          : "connection error ECONNRESET";
    let expectedRequests = 0;
    let faults = 0;
    let reinvoked = 0;
    for (const [i, e] of events.entries()) {
      const cursor = new Map(hooks.map((h) => [h, 0]));
      const messages: string[] = [];
      let invocations = 0;
      let delivered = false;
      while (!delivered && invocations < LAMBDA_RETRIES + 1) {
        invocations++;
        const failed: { name: Hook; failure: string }[] = [];
        for (const h of hooks) {
          const delivery = deliveryId(e.id, h);
          let last: ReceiverFault | null = null;
          for (let a = 0; a < ATTEMPTS; a++) {
            const at = cursor.get(h) ?? 0;
            cursor.set(h, at + 1);
            expectedRequests++;
            last = scheduled(delivery, at);
            if (last === null) break;
            faults++;
          }
          if (last !== null) failed.push({ name: h, failure: describeFault(last) });
        }
        delivered = failed.length === 0;
        if (!delivered) {
          messages.push(
            `${failed.length} of 3 webhooks failed after ${ATTEMPTS} attempts each: ${failed
              .map((f) => `${f.name} (${f.failure})`)
              .join(", ")}`,
          );
        }
      }
      assert.ok(delivered, `event ${i}: the seed exhausts the budget`);
      const run = runs[i];
      assert.ok(run.ok, `event ${i} was dead-lettered`);
      assert.equal(run.invocations, invocations, `event ${i}`);
      assert.deepEqual(
        run.errors.map((err) => (err as Error).message),
        messages,
        `event ${i}`,
      );
      assert.deepEqual(run.result, { level: "critical", eventId: e.id, delivered: hooks });
      for (const h of hooks) {
        const delivery = deliveryId(e.id, h);
        const got = receivers.received.filter((r) => r.delivery === delivery);
        assert.equal(got.length, cursor.get(h), `event ${i} ${h}: attempts`);
        assert.ok(
          got.every((r) => r.body.equals(got[0].body)),
          "the body changed",
        );
      }
      if (invocations > 1) reinvoked++;
    }
    assert.equal(receivers.received.length, expectedRequests);
    assert.equal(receivers.unverified, 0);
    // Lost: none. Duplicates after the receivers' dedupe by delivery id: none.
    assert.equal(receivers.accepted.size, EVENTS * hooks.length);
    const byKind: Record<string, number> = {};
    for (const r of receivers.received) if (r.fault) bump(byKind, describeFault(r.fault));
    assert.equal(
      Object.values(byKind).reduce((a, b) => a + b, 0),
      faults,
    );

    Object.assign(results, {
      alwaysFailingKinds: KINDS.length,
      alwaysFailingAttemptsPerKind: perKind,
      events: EVENTS,
      webhooks: hooks.length,
      deliveries: EVENTS * hooks.length,
      requests: receivers.received.length,
      signaturesVerified: receivers.received.length - receivers.unverified,
      faultsInjected: faults,
      faultsByKind: byKind,
      eventsReinvokedByLambda: reinvoked,
      redeliveriesDroppedByDeliveryId: receivers.redeliveries,
      lost: 0,
      duplicatesAfterDedupe: 0,
    });
  });
});
