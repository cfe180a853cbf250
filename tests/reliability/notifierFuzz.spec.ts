/**
 * Notifier input fuzzing (fast-check, fixed seeds): 10,000 generated inputs into the pure input
 * parser and payload builder (parseInput → buildPayload → encodeBody → sign), then 500 through
 * the real handler module posting to a real HTTP receiver on 127.0.0.1 (Secrets Manager mocked).
 * Inputs are valid state changes (any level name, alarm names with emoji, CJK, right-to-left text,
 * bidi controls, NUL, lone surrogates, names at and past CloudWatch's 255 characters, reasons of
 * 300-360 KB, every timestamp form) or one of them with exactly one field broken, or any value.
 * An oracle written from docs/webhooks.md, not from the code, says what each must give:
 * - broken at path P: NotifyError INVALID_INPUT whose message starts with "P:" and quotes no
 *   input, nothing sent; never a TypeError or any other error;
 * - valid: a body that is exactly the UTF-8 JSON of the documented fields in the documented order
 *   (lone surrogates escaped, so lossless), v1 and v2 signatures equal to HMACs of the documented
 *   canonical strings, verifying over those exact bytes (and not over any other bytes, timestamp,
 *   key or, for v2, delivery id); through the handler, one POST per subscribed webhook, verified
 *   on the receiver side with the receiver's snippet (verify.ts).
 *
 * What this spec does NOT prove:
 * - that EventBridge delivers such inputs (a 300 KB reason is larger than an EventBridge event
 *   may be) or that receivers in other languages verify the signature as verify.ts does;
 * - TLS, proxies, or a real network (the receiver is plain HTTP on 127.0.0.1, allowed only by
 *   ALLOW_INSECURE_LOCALHOST); Secrets Manager itself (mocked);
 * - what happens when receivers fail (webhookFaults.spec.ts covers that).
 */
import { strict as assert } from "node:assert";
import { createHmac } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import {
  buildHeaders,
  buildPayload,
  deliveryId,
  encodeBody,
  NotifyError,
  parseInput,
  sign,
} from "../../handlers/notifier/core";
import { verifyEscalationRequest } from "../../handlers/notifier/verify";
import {
  anyText,
  badTimestampArb,
  baseEvent,
  DELETE,
  notAnObjectArb,
  notAStringArb,
  REASON_MARK,
  reasonArb,
  setAt,
  timestampArb,
  toWellFormed,
  type Json,
  type Timestamp,
} from "./support/events";
import { captureLogs, coldStart } from "./support/lambda";
import { bump, recordResults } from "./support/results";

type HandlerModule = typeof import("../../handlers/notifier/handler");
const HANDLER_PATH = require.resolve("../../handlers/notifier/handler");

const PURE_RUNS = 10_000;
const HANDLER_RUNS = 500;
const SECRET_ARN =
  "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:incident-escalation/webhooks-AbCdEf";

/** docs/webhooks.md: the payload's fields, in this order. */
const DOCUMENTED_FIELDS = [
  "level",
  "state",
  "previousState",
  "alarmName",
  "reason",
  "time",
  "account",
  "region",
  "consoleUrl",
  "display",
];

type State = "ALARM" | "OK" | "INSUFFICIENT_DATA";

interface Valid {
  readonly level: string;
  readonly id: string;
  readonly state: State;
  readonly previousState: State;
  readonly alarmName: string;
  readonly reason: string;
  readonly timestamp: Timestamp;
  readonly account: string;
  readonly region: string;
}

interface Breakage {
  readonly label: string;
  readonly path: string;
  readonly apply: (input: Json) => unknown;
}

type Case =
  | { readonly kind: "valid"; readonly valid: Valid; readonly input: Json }
  | { readonly kind: "broken"; readonly breakage: Breakage; readonly input: unknown }
  | { readonly kind: "any"; readonly input: unknown };

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

const LEVEL_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
const stateArb = fc.constantFrom<State>("ALARM", "OK", "INSUFFICIENT_DATA");
const OWN_ACCOUNT = "123456789012";
const OWN_REGION = "ap-northeast-1";
const regionArb = fc.constantFrom(
  "ap-northeast-1",
  "us-east-1",
  "eu-west-2",
  "us-gov-west-1",
  "ap-southeast-4",
  "il-central-1",
);

function validArb(levels: fc.Arbitrary<string>): fc.Arbitrary<{ valid: Valid; input: Json }> {
  return fc
    .record({
      level: levels,
      id: fc.oneof(
        fc.uuid(),
        anyText(256).filter((s) => s.length >= 1 && s.length <= 256),
        fc.constant("i".repeat(256)),
      ),
      state: stateArb,
      previousState: stateArb,
      alarmName: fc.oneof(
        { weight: 8, arbitrary: anyText(300).filter((s) => s.length > 0) },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            "n".repeat(255),
            "n".repeat(256),
            `${"n".repeat(254)}🚨`,
            "監".repeat(1000),
            "\uD800".repeat(255),
          ),
        },
      ),
      // Huge reasons are rarer here than in the router spec: each costs ~12 ms to check.
      reason: reasonArb(1),
      timestamp: timestampArb,
      // Mostly the stack's own account and region (the handler's ACCOUNT_ID / AWS_REGION below);
      // the rest another's, which reaches no webhook.
      account: fc.oneof(
        { weight: 3, arbitrary: fc.constant(OWN_ACCOUNT) },
        fc.integer({ min: 0, max: 999_999_999_999 }).map((n) => String(n).padStart(12, "0")),
      ),
      region: fc.oneof({ weight: 3, arbitrary: fc.constant(OWN_REGION) }, regionArb),
      extra: fc.option(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue(), { maxKeys: 3 }), {
        nil: undefined,
        freq: 5,
      }),
    })
    .map(({ extra, ...valid }) => {
      let event = baseEvent({
        level: valid.level,
        state: valid.state,
        previousState: valid.previousState,
        alarmName: valid.alarmName,
        alarmArn: `arn:aws:cloudwatch:${valid.region}:${valid.account}:alarm:x`,
        region: valid.region,
        account: valid.account,
        timestamp: valid.timestamp.text,
        reason: valid.reason,
      });
      event.id = valid.id;
      if (extra !== undefined) {
        const unknown = Object.fromEntries(Object.entries(extra).filter(([k]) => !(k in event)));
        event = { ...unknown, ...event };
      }
      return { valid, input: { level: valid.level, event } };
    });
}

const setField =
  (at: readonly string[], value: unknown) =>
  (input: Json): unknown => {
    setAt(input, at, value);
    return input;
  };

/** Breakages of the field at `at` below the input, reported at `input.<at>`. */
function fieldBreakages(
  at: readonly string[],
  wrong: readonly fc.Arbitrary<unknown>[],
): fc.Arbitrary<Breakage> {
  const path = ["input", ...at].join(".");
  return fc.oneof(
    fc.constant({ label: `${path} missing`, path, apply: setField(at, DELETE) }),
    ...wrong.map((arb) =>
      arb.map((value) => ({
        label: `${path} = ${typeof value === "string" ? JSON.stringify(value.slice(0, 30)) : typeof value}`,
        path,
        apply: setField(at, value),
      })),
    ),
  );
}

const STATES = ["ALARM", "OK", "INSUFFICIENT_DATA"];
const badStateValue = fc.oneof(
  notAStringArb,
  fc.constantFrom("alarm", "ALARM ", "", "OK\u0000"),
  anyText(20).filter((s) => !STATES.includes(s)),
);

const breakageArb: fc.Arbitrary<Breakage> = fc.oneof(
  notAnObjectArb.map((value) => ({
    label: "input not an object",
    path: "input",
    apply: () => value,
  })),
  fieldBreakages(
    ["level"],
    [notAStringArb, fc.constantFrom("", "l".repeat(65), "crit ical", "警告", "critical\n", "a.b")],
  ),
  fieldBreakages(["event"], [notAnObjectArb]),
  fieldBreakages(
    ["event", "detail-type"],
    [
      notAStringArb,
      fc.constantFrom(
        "",
        "CloudWatch Alarm State Change ",
        "EC2 Instance State-change Notification",
      ),
    ],
  ),
  fieldBreakages(
    ["event", "source"],
    [notAStringArb, fc.constantFrom("", "aws.ec2", "AWS.CLOUDWATCH", "aws.cloudwatch\u0000")],
  ),
  fieldBreakages(["event", "id"], [notAStringArb, fc.constant(""), fc.constant("i".repeat(257))]),
  fieldBreakages(
    ["event", "account"],
    [
      notAStringArb,
      fc.constantFrom(
        "",
        "12345678901",
        "1234567890123",
        "12345678901a",
        "１２３４５６７８９０１２",
      ),
    ],
  ),
  fieldBreakages(
    ["event", "region"],
    [
      notAStringArb,
      fc.constantFrom("", "AP-NORTHEAST-1", "ap-northeast", "apnortheast1", "ap-northeast-1\n"),
    ],
  ),
  fieldBreakages(["event", "detail"], [notAnObjectArb]),
  fieldBreakages(["event", "detail", "alarmName"], [notAStringArb, fc.constant("")]),
  fieldBreakages(["event", "detail", "state"], [notAnObjectArb]),
  fieldBreakages(["event", "detail", "previousState"], [notAnObjectArb]),
  fieldBreakages(["event", "detail", "state", "timestamp"], [notAStringArb, badTimestampArb]),
  fieldBreakages(["event", "detail", "state", "value"], [badStateValue]),
  fieldBreakages(["event", "detail", "previousState", "value"], [badStateValue]),
  fieldBreakages(["event", "detail", "state", "reason"], [notAStringArb]),
);

const LEVELS = fc.oneof(
  fc.constantFrom("critical", "warning", "info"),
  fc.string({ unit: fc.constantFrom(...LEVEL_CHARS), minLength: 1, maxLength: 64 }),
);

function caseArb(levels: fc.Arbitrary<string>): fc.Arbitrary<Case> {
  const valid = validArb(levels);
  return fc.oneof(
    { weight: 11, arbitrary: valid.map((v) => ({ kind: "valid" as const, ...v })) },
    {
      weight: 8,
      arbitrary: fc.tuple(valid, breakageArb).map(([{ input }, breakage]) => ({
        kind: "broken" as const,
        breakage,
        input: breakage.apply(input),
      })),
    },
    { weight: 1, arbitrary: fc.anything().map((input) => ({ kind: "any" as const, input })) },
  );
}

// ---------------------------------------------------------------------------------------------
// The oracle (docs/webhooks.md)
// ---------------------------------------------------------------------------------------------

/**
 * The display form docs/webhooks.md promises: control characters (C0 but LF, DEL, C1) and format
 * characters (Cf) removed, tab as a space, a line break (CRLF, CR, NEL, U+2028, U+2029, LF) as LF
 * where newlines are kept and as a space otherwise, a lone surrogate as U+FFFD. Per code point,
 * not with the production module's expressions.
 */
function displayOf(text: string, newlines: boolean): string {
  let out = "";
  const chars = [...text];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    const cp = c.codePointAt(0) ?? 0;
    if (c === "\r" && chars[i + 1] === "\n") continue;
    if (c === "\n" || c === "\r" || cp === 0x85 || cp === 0x2028 || cp === 0x2029) {
      out += newlines ? "\n" : " ";
    } else if (c === "\t") out += " ";
    else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || /^\p{Cf}$/u.test(c)) continue;
    else if (cp >= 0xd800 && cp <= 0xdfff) out += "\uFFFD";
    else out += c;
  }
  return out;
}

function expectedPayload(v: Valid): Record<string, unknown> {
  return {
    level: v.level,
    state: v.state,
    previousState: v.previousState,
    alarmName: v.alarmName,
    reason: v.reason,
    time: v.timestamp.date.toISOString(),
    account: v.account,
    region: v.region,
    consoleUrl:
      `https://${v.region}.console.aws.amazon.com/cloudwatch/home?region=${v.region}` +
      `#alarmsV2:alarm/${encodeURIComponent(toWellFormed(v.alarmName))}`,
    display: { alarmName: displayOf(v.alarmName, false), reason: displayOf(v.reason, true) },
  };
}

/** The body is exactly the documented JSON, fields in the documented order. */
function assertBody(body: Buffer, v: Valid): void {
  const payload = expectedPayload(v);
  assert.ok(body.equals(Buffer.from(JSON.stringify(payload), "utf8")), "not the exact bytes");
  const parsed = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
  assert.deepEqual(Object.keys(parsed), DOCUMENTED_FIELDS);
  assert.deepEqual(parsed, payload);
}

/** v1: HMAC-SHA256 of `<timestamp>.<raw body>`, computed as docs/webhooks.md describes it. */
function documentedSignature(key: string, timestamp: number, body: Buffer): string {
  const hmac = createHmac("sha256", key);
  return hmac.update(Buffer.concat([Buffer.from(`${timestamp}.`, "utf8"), body])).digest("hex");
}

/** v2: HMAC-SHA256 of `v2.<timestamp>.<delivery id>.<raw body>`, as docs/webhooks.md says. */
function documentedV2(key: string, timestamp: number, id: string, body: Buffer): string {
  const text = Buffer.from(`v2.${timestamp}.${id}.`, "utf8");
  return createHmac("sha256", key)
    .update(Buffer.concat([text, body]))
    .digest("hex");
}

/** buildHeaders' output as node:http hands it to a receiver (lower-case names). */
function asReceived(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([n, v]) => [n.toLowerCase(), v]));
}

/** Runs parseInput; checks the error, or the exact body and its signature. */
function assertPure(c: Case, key: string, ts: number): "valid" | "error" {
  let body: Buffer;
  try {
    body = encodeBody(buildPayload(parseInput(c.input)));
  } catch (err: unknown) {
    assert.ok(err instanceof NotifyError, `not a NotifyError: ${String(err)}`);
    assert.equal(err.code, "INVALID_INPUT", err.message);
    assert.ok(!err.message.includes(REASON_MARK), "the reason is in the message");
    if (c.kind === "valid") assert.fail(`valid input rejected: ${err.message}`);
    if (c.kind === "broken") {
      assert.ok(
        err.message.startsWith(`${c.breakage.path}: `),
        `${c.breakage.label}: ${err.message}`,
      );
    }
    return "error";
  }
  assert.equal(c.kind, "valid", `accepted: ${c.kind === "broken" ? c.breakage.label : "any"}`);
  if (c.kind !== "valid") return "valid";
  assertBody(body, c.valid);
  const signature = sign(key, ts, body);
  assert.equal(signature, documentedSignature(key, ts, body));
  const id = deliveryId(c.valid.id, "ticketing");
  const headers = asReceived(buildHeaders({ name: "ticketing", signingKey: key }, id, ts, body));
  assert.equal(headers["x-escalation-signature"], `v1=${documentedSignature(key, ts, body)}`);
  assert.equal(headers["x-escalation-signature-v2"], `v2=${documentedV2(key, ts, id, body)}`);
  const at = { nowSeconds: ts };
  assert.ok(verifyEscalationRequest(key, body, headers, at));
  // …and over nothing else: another byte, another timestamp, another key, another delivery id.
  const tampered = Buffer.from(body);
  tampered[tampered.length - 1] ^= 0x01;
  assert.ok(!verifyEscalationRequest(key, tampered, headers, at));
  const later = { ...headers, "x-escalation-timestamp": String(ts + 1) };
  assert.ok(!verifyEscalationRequest(key, body, later, at));
  assert.ok(!verifyEscalationRequest(`${key}x`, body, headers, at));
  const replayed = { ...headers, "x-escalation-delivery": deliveryId(`${c.valid.id}x`, "x") };
  assert.ok(!verifyEscalationRequest(key, body, replayed, at));
  return "valid";
}

// ---------------------------------------------------------------------------------------------

const mockSecrets = () => mockClient(SecretsManagerClient);

/** A receiver on 127.0.0.1 that answers 200 and keeps every request. */
class Receiver {
  readonly received: { path: string; headers: http.IncomingHttpHeaders; body: Buffer }[] = [];
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      this.received.push({
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      res.writeHead(200).end();
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe("reliability: notifier input fuzzing", () => {
  const tally = {
    pure: {} as Record<string, number>,
    handler: {} as Record<string, number>,
    brokenAt: {} as Record<string, number>,
  };
  let huge = 0;
  /** The runs each property completed without a counterexample (0: it failed). */
  const passed = { pure: 0, handler: 0 };
  let verified = 0;

  after(() => {
    recordResults("notifierFuzz", {
      // Counted only when a property held to its last run (a failure stops fast-check at once).
      eventsFuzzed: passed.pure + passed.handler,
      pureParseBuildSign: passed.pure,
      realHandler: passed.handler,
      reasonsOver300KB: huge,
      signaturesVerifiedByReceiver: verified,
      pureOutcomes: tally.pure,
      handlerOutcomes: tally.handler,
      brokenFieldAt: tally.brokenAt,
    });
  });

  it(`${PURE_RUNS.toLocaleString("en")} generated inputs: the exact documented body signed over its bytes, or NotifyError INVALID_INPUT naming the broken field`, () => {
    let runs = 0;
    fc.assert(
      fc.property(
        caseArb(LEVELS),
        fc.string({ minLength: 32, maxLength: 64 }),
        fc.integer({ min: 1_500_000_000, max: 4_000_000_000 }),
        (c, key, ts) => {
          runs++;
          if (c.kind === "valid" && c.valid.reason.length >= 300_000) huge++;
          if (c.kind === "broken") bump(tally.brokenAt, c.breakage.path);
          bump(tally.pure, `${c.kind}:${assertPure(c, key, ts)}`);
        },
      ),
      { numRuns: PURE_RUNS, seed: 20261203 },
    );
    assert.equal(runs, PURE_RUNS);
    for (const key of ["valid:valid", "broken:error", "any:error"]) {
      assert.ok((tally.pure[key] ?? 0) >= 100, `${key}: ${JSON.stringify(tally.pure)}`);
    }
    assert.equal(Object.keys(tally.pure).length, 3, JSON.stringify(tally.pure));
    assert.equal(Object.keys(tally.brokenAt).length, 16, JSON.stringify(tally.brokenAt));
    assert.ok(huge >= 100, `only ${huge} reasons over 300 KB`);
    passed.pure = runs;
    // 10,000 signatures over bodies up to 300 KB: seconds alone, more on a loaded 2-core runner.
  }).timeout(120_000);

  /*
   * KNOWN BUG (reported to the lead, not fixed here: handlers/notifier is not ours to edit).
   * toIsoTimestamp lets Date.parse roll impossible dates over: "2019-02-30T…" becomes
   * "2019-03-02T…Z" and "24:00:00" the next day, so the notifier accepts an input the router
   * rejects (MALFORMED_EVENT) and tells receivers a `time` that is not the event's.
   */
  it("rejects impossible calendar dates like the router does, instead of rolling them over", () => {
    const impossible = [
      "2019-02-30T17:04:40.989+0000",
      "2019-02-29T00:00:00Z",
      "2019-04-31T10:00:00Z",
      "2019-06-31T00:00:00Z",
      "2019-10-02T24:00:00.000+0000",
    ];
    const accepted: string[] = [];
    for (const timestamp of impossible) {
      const input = {
        level: "critical",
        event: baseEvent({
          level: "critical",
          state: "ALARM",
          alarmName: "prod-critical-api-5xx",
          alarmArn: "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:prod-critical-api-5xx",
          region: "ap-northeast-1",
          account: "123456789012",
          timestamp,
          reason: "r",
        }),
      };
      try {
        const { time } = parseInput(input);
        accepted.push(`${timestamp} → time ${time}`);
      } catch (err: unknown) {
        assert.ok(err instanceof NotifyError);
        assert.equal(
          err.message,
          "input.event.detail.state.timestamp: expected an ISO 8601 timestamp",
        );
      }
    }
    assert.deepEqual(accepted, [], `accepted impossible dates:\n${accepted.join("\n")}`);
  });

  describe(`${HANDLER_RUNS} through the real handler (local receiver, mocked Secrets Manager)`, () => {
    // Created in before(), not while mocha collects tests, so other specs never see the stub.
    let sm: ReturnType<typeof mockSecrets>;
    const receiver = new Receiver();
    const KEYS = {
      ticketing: "ticketing-signing-key-0123456789abcdef",
      pager: "pager-signing-key-fedcba9876543210xyz",
    };
    const SUBSCRIBED: Record<string, (keyof typeof KEYS)[]> = {
      critical: ["ticketing", "pager"],
      warning: ["ticketing"],
    };
    let notifier: HandlerModule;

    before(async () => {
      const url = await receiver.start();
      sm = mockSecrets();
      sm.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({
        SecretString: JSON.stringify({
          ticketing: { url: `${url}/ticketing`, signingKey: KEYS.ticketing },
          pager: { url: `${url}/pager`, signingKey: KEYS.pager },
        }),
      });
      notifier = coldStart<HandlerModule>(HANDLER_PATH, {
        WEBHOOKS: JSON.stringify([
          // The receiver is on 127.0.0.1: only allowPrivateNetwork webhooks may reach it.
          { name: "ticketing", levels: ["critical", "warning"], allowPrivateNetwork: true },
          { name: "pager", levels: ["critical"], allowPrivateNetwork: true },
        ]),
        WEBHOOK_SECRET_ARN: SECRET_ARN,
        WEBHOOK_TIMEOUT_MS: "5000",
        WEBHOOK_ATTEMPTS: "3",
        WEBHOOK_BACKOFF_MS: "10",
        ALLOW_INSECURE_LOCALHOST: "true",
        ACCOUNT_ID: OWN_ACCOUNT,
        AWS_REGION: OWN_REGION,
      });
    });
    after(async () => {
      sm?.restore();
      await receiver.close();
    });

    it("one verified POST of the exact body per subscribed webhook; broken inputs rejected, nothing sent", async () => {
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(
          caseArb(fc.constantFrom("critical", "critical", "warning", "info")),
          async (c) => {
            runs++;
            const before = receiver.received.length;
            const { value: settled, lines } = await captureLogs(() =>
              notifier.handler(structuredClone(c.input)).then(
                (result) => ({ result }),
                (error: unknown) => ({ error }),
              ),
            );
            const requests = receiver.received.slice(before);
            for (const line of lines) {
              assert.ok(!line.includes(REASON_MARK) && !line.includes("127.0.0.1"), line);
            }
            if ("error" in settled) {
              const err = settled.error;
              assert.ok(err instanceof NotifyError, `not a NotifyError: ${String(err)}`);
              assert.equal(err.code, "INVALID_INPUT", err.message);
              assert.notEqual(c.kind, "valid", err.message);
              if (c.kind === "broken") assert.ok(err.message.startsWith(`${c.breakage.path}: `));
              assert.equal(requests.length, 0);
              bump(tally.handler, `${c.kind}:error`);
              return;
            }
            assert.equal(c.kind, "valid");
            if (c.kind !== "valid") return;
            if (c.valid.account !== OWN_ACCOUNT || c.valid.region !== OWN_REGION) {
              assert.deepEqual(settled.result, {
                level: c.valid.level,
                eventId: c.valid.id,
                delivered: [],
                rejected:
                  c.valid.account !== OWN_ACCOUNT
                    ? `input.event.account ${c.valid.account} is not this stack's account ${OWN_ACCOUNT}`
                    : `input.event.region ${c.valid.region} is not this stack's region ${OWN_REGION}`,
              });
              assert.equal(requests.length, 0, "a foreign event reached a webhook");
              bump(tally.handler, "valid:rejected");
              return;
            }
            const names = SUBSCRIBED[c.valid.level] ?? [];
            assert.deepEqual(settled.result, {
              level: c.valid.level,
              eventId: c.valid.id,
              delivered: names,
            });
            assert.deepEqual(requests.map((r) => r.path).sort(), names.map((n) => `/${n}`).sort());
            for (const request of requests) {
              const name = request.path.slice(1) as keyof typeof KEYS;
              assert.equal(request.headers["x-escalation-webhook"], name);
              assert.equal(request.headers["x-escalation-delivery"], deliveryId(c.valid.id, name));
              assert.ok(
                verifyEscalationRequest(KEYS[name], request.body, request.headers),
                "the signature does not verify over the bytes received",
              );
              verified++;
              assertBody(request.body, c.valid);
            }
            bump(tally.handler, `valid:${names.length}-posts`);
          },
        ),
        { numRuns: HANDLER_RUNS, seed: 20261204 },
      );
      assert.equal(runs, HANDLER_RUNS);
      for (const key of [
        "valid:2-posts",
        "valid:1-posts",
        "valid:0-posts",
        "valid:rejected",
        "broken:error",
      ]) {
        assert.ok((tally.handler[key] ?? 0) >= 20, `${key}: ${JSON.stringify(tally.handler)}`);
      }
      assert.equal(sm.commandCalls(GetSecretValueCommand).length, 1, "the secret is read once");
      passed.handler = runs;
    });
  });
});
