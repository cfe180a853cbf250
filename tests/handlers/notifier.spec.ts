// Notifier Lambda: pure core (table-driven and fast-check), and the real handler module (loaded
// fresh per test with its environment) posting to REAL HTTP receivers on 127.0.0.1, with Secrets
// Manager mocked by aws-sdk-client-mock.
//
// What this does NOT prove: that AWS sends events of exactly this shape (the fixture follows the
// documented "CloudWatch Alarm State Change" example); that Secrets Manager or IAM accept the call
// (the mock answers anything sent to it; the bundle spec only shows the SDK call leaves the
// process); TLS behaviour (receivers are plain http on localhost, allowed by
// ALLOW_INSECURE_LOCALHOST); Lambda's own async retries and dead-lettering (only that the handler
// throws one error for them); timing on a real network; that Lambda reuses a container long enough
// for the secret TTL to matter (the TTL specs drive an injected clock); that receivers in other
// languages build the documented canonical strings as node:crypto does here (only the openssl
// vectors tie the docs to an outside implementation).
import assert from "node:assert/strict";
import { createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import {
  buildHeaders,
  buildPayload,
  consoleUrl,
  deliveryId,
  encodeBody,
  NotifyError,
  parseEnv,
  parseInput,
  parseWebhookSecret,
  SECRET_TTL_SECONDS,
  secretExpired,
  selectWebhooks,
  sign,
  signV2,
  toIsoTimestamp,
  worstCaseDeliveryMs,
} from "../../handlers/notifier/core";
import { stripUnsafe } from "../../handlers/shared/untrustedText";
import { MAX_SIGNATURE_AGE_SECONDS, verifyEscalationRequest } from "../../handlers/notifier/verify";
import type * as HandlerModule from "../../handlers/notifier/handler";

const ROOT = join(__dirname, "..", "..");
const ARN =
  "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:incident-escalation/webhooks-AbCdEf";
const EVENT_ID = "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92";
const REASON =
  'Threshold Crossed: 3 out of the last 3 datapoints [62.0 (02/10/19 17:03:00)] were greater than or equal to the threshold (50.0) "quoted"';
const OK_REASON =
  "Threshold Crossed: 1 out of the last 3 datapoints [2.0 (02/10/19 17:20:00)] was not greater than or equal to the threshold (50.0)";
const KEYS: Record<string, string> = {
  ticketing: "ticketing-signing-key-0123456789abcdef",
  pager: "pager-signing-key-fedcba9876543210xyz",
  archive: "archive-signing-key-00112233445566778899",
};

type State = "ALARM" | "OK" | "INSUFFICIENT_DATA";

/** A "CloudWatch Alarm State Change" event as EventBridge delivers it (AWS docs example shape). */
function alarmEvent(
  opts: {
    state?: State;
    previousState?: State;
    alarmName?: string;
    reason?: string;
    id?: string;
  } = {},
): Record<string, unknown> {
  const alarmName = opts.alarmName ?? "prod-critical-api-5xx";
  return {
    version: "0",
    id: opts.id ?? EVENT_ID,
    "detail-type": "CloudWatch Alarm State Change",
    source: "aws.cloudwatch",
    account: "123456789012",
    time: "2019-10-02T17:04:40Z",
    region: "ap-northeast-1",
    resources: [`arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:${alarmName}`],
    detail: {
      alarmName,
      state: {
        value: opts.state ?? "ALARM",
        reason: opts.reason ?? REASON,
        reasonData: '{"version":"1.0","queryDate":"2019-10-02T17:04:40.985+0000"}',
        timestamp: "2019-10-02T17:04:40.989+0000",
      },
      previousState: {
        value: opts.previousState ?? "OK",
        reason: "previous reason",
        timestamp: "2019-10-01T10:30:31.583+0000",
      },
      configuration: {
        description: "5xx responses from the API load balancer",
        metrics: [],
      },
    },
  };
}

function input(
  level: string,
  event: Record<string, unknown> = alarmEvent(),
): Record<string, unknown> {
  return { level, event };
}

/** Asserts `fn` throws a NotifyError with exactly this code and message. */
function assertNotifyError(fn: () => unknown, code: string, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof NotifyError, `expected NotifyError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.message, message);
    return true;
  });
}

async function assertRejectsNotifyError(
  promise: Promise<unknown>,
  code: string,
  message: string,
): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof NotifyError, `expected NotifyError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.message, message);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// Local receivers

interface Received {
  readonly path: string;
  readonly method: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

interface Reply {
  readonly status: number;
  readonly delayMs?: number;
  readonly headers?: Record<string, string>;
}

/** A real HTTP server on 127.0.0.1; each path answers from a script whose last reply repeats. */
class Receiver {
  readonly received: Received[] = [];
  /** Most requests seen waiting for their answer at the same time. */
  maxInFlight = 0;
  private inFlight = 0;
  private readonly scripts = new Map<string, Reply[]>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly server = http.createServer((req, res) => this.onRequest(req, res));

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  script(path: string, ...replies: Reply[]): void {
    this.scripts.set(path, [...replies]);
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const path = req.url ?? "";
      this.received.push({
        path,
        method: req.method ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      const script = this.scripts.get(path) ?? [{ status: 404 }];
      const reply = (script.length > 1 ? script.shift() : script[0]) ?? { status: 404 };
      this.inFlight += 1;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      const send = (): void => {
        this.inFlight -= 1;
        res.writeHead(reply.status, reply.headers).end();
      };
      if (reply.delayMs === undefined) {
        send();
      } else {
        const timer = setTimeout(send, reply.delayMs);
        this.timers.add(timer);
      }
    });
  }
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// ---------------------------------------------------------------------------------------------
// Loading the real handler module with an environment

const HANDLER_PATH = require.resolve("../../handlers/notifier/handler");
const NOTIFIER_VARS = [
  "WEBHOOKS",
  "WEBHOOK_SECRET_ARN",
  "WEBHOOK_TIMEOUT_MS",
  "WEBHOOK_ATTEMPTS",
  "WEBHOOK_BACKOFF_MS",
  "ALLOW_INSECURE_LOCALHOST",
  "ACCOUNT_ID",
  "AWS_REGION",
];

/** Imports handler.ts afresh (a cold start) with exactly these notifier variables set. */
function coldStart(env: Record<string, string>): typeof HandlerModule {
  const saved = new Map(NOTIFIER_VARS.map((v) => [v, process.env[v]]));
  for (const v of NOTIFIER_VARS) delete process.env[v];
  Object.assign(process.env, env);
  try {
    delete require.cache[HANDLER_PATH];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(HANDLER_PATH) as typeof HandlerModule;
  } finally {
    for (const [v, value] of saved) {
      if (value === undefined) delete process.env[v];
      else process.env[v] = value;
    }
  }
}

interface Route {
  name: string;
  levels: string[];
}

function testEnv(routes: Route[], overrides: Record<string, string> = {}): Record<string, string> {
  return {
    // The receivers are on 127.0.0.1, which only a webhook with allowPrivateNetwork may reach.
    WEBHOOKS: JSON.stringify(routes.map((r) => ({ ...r, allowPrivateNetwork: true }))),
    WEBHOOK_SECRET_ARN: ARN,
    WEBHOOK_TIMEOUT_MS: "300",
    WEBHOOK_ATTEMPTS: "3",
    WEBHOOK_BACKOFF_MS: "10",
    ALLOW_INSECURE_LOCALHOST: "true",
    ACCOUNT_ID: "123456789012",
    AWS_REGION: "ap-northeast-1",
    ...overrides,
  };
}

function secretFor(entries: Record<string, string>): string {
  return JSON.stringify(
    Object.fromEntries(
      Object.entries(entries).map(([name, url]) => [name, { url, signingKey: KEYS[name] }]),
    ),
  );
}

const ALARM_PAYLOAD = {
  level: "critical",
  state: "ALARM",
  previousState: "OK",
  alarmName: "prod-critical-api-5xx",
  reason: REASON,
  time: "2019-10-02T17:04:40.989Z",
  account: "123456789012",
  region: "ap-northeast-1",
  consoleUrl:
    "https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1#alarmsV2:alarm/prod-critical-api-5xx",
  display: { alarmName: "prod-critical-api-5xx", reason: REASON },
};

// ---------------------------------------------------------------------------------------------

/** The stack's account (set by the component) and region (set by Lambda). */
const SCOPE = { ACCOUNT_ID: "123456789012", AWS_REGION: "ap-northeast-1" };

describe("notifier core", () => {
  describe("parseEnv", () => {
    const routes = '[{"name":"ticketing","levels":["critical","warning"]}]';

    it("applies the defaults", () => {
      assert.deepEqual(parseEnv({ WEBHOOKS: routes, WEBHOOK_SECRET_ARN: ARN, ...SCOPE }), {
        webhooks: [{ name: "ticketing", levels: ["critical", "warning"] }],
        secretArn: ARN,
        timeoutMs: 5000,
        attempts: 3,
        backoffMs: 200,
        allowInsecureLocalhost: false,
        account: "123456789012",
        region: "ap-northeast-1",
      });
    });

    it("reads every variable", () => {
      assert.deepEqual(
        parseEnv({
          WEBHOOKS:
            '[{"name":"a-1","levels":["critical"],"allowPrivateNetwork":true},{"name":"b","levels":["info"],"allowPrivateNetwork":false}]',
          WEBHOOK_SECRET_ARN: ARN,
          WEBHOOK_TIMEOUT_MS: "30000",
          WEBHOOK_ATTEMPTS: "1",
          WEBHOOK_BACKOFF_MS: "0",
          ALLOW_INSECURE_LOCALHOST: "true",
          ACCOUNT_ID: "111122223333",
          AWS_REGION: "us-east-1",
        }),
        {
          webhooks: [
            { name: "a-1", levels: ["critical"], allowPrivateNetwork: true },
            { name: "b", levels: ["info"] },
          ],
          secretArn: ARN,
          timeoutMs: 30000,
          attempts: 1,
          backoffMs: 0,
          allowInsecureLocalhost: true,
          account: "111122223333",
          region: "us-east-1",
        },
      );
    });

    const cases: [string, Record<string, string>, string][] = [
      [
        "WEBHOOKS missing",
        { WEBHOOKS: "" },
        'WEBHOOKS: is required: a JSON array of {"name","levels"}',
      ],
      ["WEBHOOKS not JSON", { WEBHOOKS: "[{name:" }, "WEBHOOKS: is not valid JSON"],
      [
        "WEBHOOKS not an array",
        { WEBHOOKS: "{}" },
        "WEBHOOKS: must be a JSON array, got an object",
      ],
      ["WEBHOOKS empty", { WEBHOOKS: "[]" }, "WEBHOOKS: must list at least one webhook"],
      [
        "entry not an object",
        { WEBHOOKS: '["x"]' },
        "WEBHOOKS[0]: must be an object, got a string",
      ],
      [
        "URL put in WEBHOOKS",
        { WEBHOOKS: '[{"name":"t","levels":["critical"],"url":"https://x.example"}]' },
        'WEBHOOKS[0]: unknown key "url" (it belongs in the secret)',
      ],
      [
        "bad name",
        { WEBHOOKS: '[{"name":"Ticketing","levels":["critical"]}]' },
        "WEBHOOKS[0].name: must be 1-64 characters of [a-z0-9-]",
      ],
      [
        "duplicate name",
        { WEBHOOKS: '[{"name":"t","levels":["critical"]},{"name":"t","levels":["info"]}]' },
        'WEBHOOKS[1].name: duplicate webhook name "t"',
      ],
      [
        "empty levels",
        { WEBHOOKS: '[{"name":"t","levels":[]}]' },
        "WEBHOOKS[0].levels: must be a non-empty array of level names",
      ],
      [
        "bad level",
        { WEBHOOKS: '[{"name":"t","levels":["critical",3]}]' },
        "WEBHOOKS[0].levels[1]: must be 1-64 characters of [A-Za-z0-9_-]",
      ],
      [
        "duplicate level",
        { WEBHOOKS: '[{"name":"t","levels":["info","info"]}]' },
        'WEBHOOKS[0].levels[1]: duplicate level "info"',
      ],
      [
        "ARN missing",
        { WEBHOOK_SECRET_ARN: "" },
        "WEBHOOK_SECRET_ARN: is required: the ARN of the webhook secret",
      ],
      [
        "ARN of another service",
        { WEBHOOK_SECRET_ARN: "arn:aws:ssm:ap-northeast-1:123456789012:parameter/x" },
        "WEBHOOK_SECRET_ARN: must be a Secrets Manager secret ARN (arn:aws:secretsmanager:...)",
      ],
      [
        "timeout too small",
        { WEBHOOK_TIMEOUT_MS: "99" },
        'WEBHOOK_TIMEOUT_MS: must be an integer from 100 to 30000 (got "99")',
      ],
      [
        "timeout not a number",
        { WEBHOOK_TIMEOUT_MS: "5s" },
        'WEBHOOK_TIMEOUT_MS: must be an integer from 100 to 30000 (got "5s")',
      ],
      [
        "attempts too many",
        { WEBHOOK_ATTEMPTS: "6" },
        'WEBHOOK_ATTEMPTS: must be an integer from 1 to 5 (got "6")',
      ],
      [
        "attempts zero",
        { WEBHOOK_ATTEMPTS: "0" },
        'WEBHOOK_ATTEMPTS: must be an integer from 1 to 5 (got "0")',
      ],
      [
        "backoff negative",
        { WEBHOOK_BACKOFF_MS: "-1" },
        'WEBHOOK_BACKOFF_MS: must be an integer from 0 to 10000 (got "-1")',
      ],
      [
        "allowPrivateNetwork not boolean",
        { WEBHOOKS: '[{"name":"t","levels":["critical"],"allowPrivateNetwork":"true"}]' },
        "WEBHOOKS[0].allowPrivateNetwork: must be a boolean, got a string",
      ],
      [
        "insecure flag not boolean",
        { ALLOW_INSECURE_LOCALHOST: "yes" },
        'ALLOW_INSECURE_LOCALHOST: must be "true" or "false" (got "yes")',
      ],
      [
        "account missing",
        { ACCOUNT_ID: "" },
        "ACCOUNT_ID: must be the stack's 12-digit account id",
      ],
      [
        "account not 12 digits",
        { ACCOUNT_ID: "12345" },
        "ACCOUNT_ID: must be the stack's 12-digit account id",
      ],
      [
        "region missing",
        { AWS_REGION: "" },
        "AWS_REGION: must be the function's region (Lambda sets it)",
      ],
    ];
    for (const [title, env, message] of cases) {
      it(`rejects: ${title}`, () => {
        assertNotifyError(
          () => parseEnv({ WEBHOOKS: routes, WEBHOOK_SECRET_ARN: ARN, ...SCOPE, ...env }),
          "INVALID_CONFIG",
          message,
        );
      });
    }

    it("bounds the worst-case delivery time (Lambda timeout must exceed it)", () => {
      assert.equal(worstCaseDeliveryMs({ timeoutMs: 5000, attempts: 3, backoffMs: 200 }), 15600);
      assert.equal(worstCaseDeliveryMs({ timeoutMs: 100, attempts: 1, backoffMs: 200 }), 100);
    });
  });

  describe("parseWebhookSecret", () => {
    const config = {
      webhooks: [
        { name: "ticketing", levels: ["critical"] },
        { name: "pager", levels: ["critical"] },
      ],
      allowInsecureLocalhost: false,
    };
    const good = {
      ticketing: { url: "https://tickets.example.com/hooks/aws", signingKey: KEYS.ticketing },
      pager: { url: "https://pager.example.com/in?x=1", signingKey: KEYS.pager },
      unrelated: { note: "ignored" },
    };

    it("joins routing with the secret's entries and ignores other entries", () => {
      assert.deepEqual(
        [...parseWebhookSecret(JSON.stringify(good), config).values()],
        [
          {
            name: "ticketing",
            url: "https://tickets.example.com/hooks/aws",
            signingKey: KEYS.ticketing,
          },
          { name: "pager", url: "https://pager.example.com/in?x=1", signingKey: KEYS.pager },
        ],
      );
    });

    it("carries a route's allowPrivateNetwork onto its target only (what guardedFetch is told per POST)", () => {
      const privateTicketing = {
        ...config,
        webhooks: [
          { name: "ticketing", levels: ["critical"], allowPrivateNetwork: true as const },
          { name: "pager", levels: ["critical"] },
        ],
      };
      assert.deepEqual(
        [...parseWebhookSecret(JSON.stringify(good), privateTicketing).values()],
        [
          {
            name: "ticketing",
            url: "https://tickets.example.com/hooks/aws",
            signingKey: KEYS.ticketing,
            allowPrivateNetwork: true,
          },
          { name: "pager", url: "https://pager.example.com/in?x=1", signingKey: KEYS.pager },
        ],
      );
    });

    it("reads a previousSigningKey (rotation) and ignores one equal to signingKey", () => {
      const previous = "previous-signing-key-abcdefghijklmnop";
      const targets = parseWebhookSecret(
        JSON.stringify({
          ticketing: { ...good.ticketing, previousSigningKey: previous },
          pager: { ...good.pager, previousSigningKey: KEYS.pager },
        }),
        config,
      );
      assert.deepEqual(
        [...targets.values()],
        [
          {
            name: "ticketing",
            url: "https://tickets.example.com/hooks/aws",
            signingKey: KEYS.ticketing,
            previousSigningKey: previous,
          },
          { name: "pager", url: "https://pager.example.com/in?x=1", signingKey: KEYS.pager },
        ],
      );
    });

    it("allows http://127.0.0.1 and http://localhost only with allowInsecureLocalhost", () => {
      const local = JSON.stringify({
        ticketing: { url: "http://127.0.0.1:8080/a", signingKey: KEYS.ticketing },
        pager: { url: "http://localhost:9/b", signingKey: KEYS.pager },
      });
      assert.equal(parseWebhookSecret(local, { ...config, allowInsecureLocalhost: true }).size, 2);
      assertNotifyError(
        () => parseWebhookSecret(local, config),
        "INVALID_SECRET",
        'WEBHOOK_SECRET_ARN: entry "ticketing".url must be an https:// URL',
      );
    });

    const secretUrl = "https://secret-host.example.com/hook";
    const cases: [string, string, string][] = [
      [
        "not JSON (the parser's message would quote the secret)",
        `{"ticketing":{"url":"${secretUrl}",`,
        "WEBHOOK_SECRET_ARN: secret value is not valid JSON",
      ],
      [
        "not an object",
        '["x"]',
        "WEBHOOK_SECRET_ARN: secret value must be a JSON object keyed by webhook name, got an array",
      ],
      [
        "missing one entry",
        JSON.stringify({ ticketing: good.ticketing }),
        'WEBHOOK_SECRET_ARN: secret has no entry for webhook "pager"',
      ],
      [
        "missing two entries",
        "{}",
        'WEBHOOK_SECRET_ARN: secret has no entry for webhooks "ticketing", "pager"',
      ],
      [
        "entry not an object",
        JSON.stringify({ ...good, pager: secretUrl }),
        'WEBHOOK_SECRET_ARN: entry "pager" must be an object with "url" and "signingKey"',
      ],
      [
        "unknown key in entry",
        JSON.stringify({ ...good, pager: { ...good.pager, signingkey: "x" } }),
        'WEBHOOK_SECRET_ARN: entry "pager" has unknown key "signingkey"',
      ],
      [
        "url not a string",
        JSON.stringify({ ...good, pager: { url: 1, signingKey: KEYS.pager } }),
        'WEBHOOK_SECRET_ARN: entry "pager".url must be a string',
      ],
      [
        "url not a URL",
        JSON.stringify({
          ...good,
          pager: { url: "secret-host.example.com/x", signingKey: KEYS.pager },
        }),
        'WEBHOOK_SECRET_ARN: entry "pager".url is not a valid URL',
      ],
      [
        "plain http",
        JSON.stringify({
          ...good,
          pager: { url: "http://secret-host.example.com/x", signingKey: KEYS.pager },
        }),
        'WEBHOOK_SECRET_ARN: entry "pager".url must be an https:// URL',
      ],
      [
        "credentials in the URL",
        JSON.stringify({
          ...good,
          pager: { url: "https://u:p@secret-host.example.com/", signingKey: KEYS.pager },
        }),
        'WEBHOOK_SECRET_ARN: entry "pager".url must not contain credentials',
      ],
      [
        "short signing key",
        JSON.stringify({ ...good, pager: { url: secretUrl, signingKey: "x".repeat(31) } }),
        'WEBHOOK_SECRET_ARN: entry "pager".signingKey must be a string of at least 32 characters',
      ],
      [
        "short previous signing key",
        JSON.stringify({
          ...good,
          pager: { ...good.pager, previousSigningKey: "s3cr3t-previous" },
        }),
        'WEBHOOK_SECRET_ARN: entry "pager".previousSigningKey must be a string of at least 32 characters',
      ],
      [
        "a previous signing key that is not a string",
        JSON.stringify({ ...good, pager: { ...good.pager, previousSigningKey: 12345 } }),
        'WEBHOOK_SECRET_ARN: entry "pager".previousSigningKey must be a string of at least 32 characters',
      ],
    ];
    for (const [title, secret, message] of cases) {
      it(`rejects: ${title}`, () => {
        assertNotifyError(() => parseWebhookSecret(secret, config), "INVALID_SECRET", message);
        assert.ok(!message.includes("secret-host"), "the message must not quote a URL");
      });
    }
  });

  describe("parseInput and buildPayload", () => {
    it("builds the exact payload of an ALARM event", () => {
      assert.deepEqual(buildPayload(parseInput(input("critical"))), ALARM_PAYLOAD);
    });

    it("builds the exact payload of an OK event", () => {
      const event = alarmEvent({ state: "OK", previousState: "ALARM", reason: OK_REASON });
      assert.deepEqual(buildPayload(parseInput(input("warning", event))), {
        ...ALARM_PAYLOAD,
        level: "warning",
        state: "OK",
        previousState: "ALARM",
        reason: OK_REASON,
        display: { alarmName: "prod-critical-api-5xx", reason: OK_REASON },
      });
    });

    it("hostile alarm text: the raw fields exactly as CloudWatch sent them, display without control and bidi characters", () => {
      const alarmName =
        "\u202E[RESOLVED - drill, ignore]\u200D <https://evil.example|details> @here\u0000 <!channel>";
      const reason = 'Threshold Crossed\r\nConsole: https://evil.example "x" \u2066@channel\u2069';
      const payload = buildPayload(
        parseInput(input("critical", alarmEvent({ alarmName, reason }))),
      );
      assert.deepEqual(payload, {
        ...ALARM_PAYLOAD,
        alarmName,
        reason,
        consoleUrl:
          "https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1#alarmsV2:alarm/" +
          "%E2%80%AE%5BRESOLVED%20-%20drill%2C%20ignore%5D%E2%80%8D%20%3Chttps%3A%2F%2Fevil.example%7Cdetails%3E%20%40here%00%20%3C!channel%3E",
        display: {
          alarmName: "[RESOLVED - drill, ignore] <https://evil.example|details> @here <!channel>",
          reason: 'Threshold Crossed\nConsole: https://evil.example "x" @channel',
        },
      });
      // The signed bytes: JSON escapes NUL and CR; U+202E, U+200D, U+2066/9 travel as UTF-8.
      const body = encodeBody(payload).toString("utf8");
      assert.ok(
        body.includes(
          '"alarmName":"\u202E[RESOLVED - drill, ignore]\u200D <https://evil.example|details> @here\\u0000 <!channel>"',
        ),
      );
      assert.ok(
        body.includes(
          '"reason":"Threshold Crossed\\r\\nConsole: https://evil.example \\"x\\" \u2066@channel\u2069"',
        ),
      );
    });

    it("keeps the payload's key order (receivers may log it verbatim)", () => {
      assert.deepEqual(Object.keys(buildPayload(parseInput(input("critical")))), [
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
      ]);
    });

    it("encodes the alarm name in the console URL, even with lone surrogates", () => {
      assert.equal(
        consoleUrl("us-east-1", 'a b/"c"#?é'),
        "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/a%20b%2F%22c%22%23%3F%C3%A9",
      );
      assert.equal(
        consoleUrl("us-east-1", "x\uD800y"),
        "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/x%EF%BF%BDy",
      );
    });

    const timestamps: [string, string | undefined][] = [
      ["2019-10-02T17:04:40.989+0000", "2019-10-02T17:04:40.989Z"],
      ["2019-10-02T17:04:40.989+0900", "2019-10-02T08:04:40.989Z"],
      ["2019-10-02T17:04:40+09:30", "2019-10-02T07:34:40.000Z"],
      ["2019-10-02T17:04:40.123456Z", "2019-10-02T17:04:40.123Z"],
      ["2019-10-02 17:04:40Z", undefined],
      ["2019-13-02T17:04:40Z", undefined],
      ["yesterday", undefined],
    ];
    for (const [raw, iso] of timestamps) {
      it(`converts the state timestamp ${raw} → ${String(iso)}`, () => {
        assert.equal(toIsoTimestamp(raw), iso);
      });
    }

    const mutate = (fn: (e: Record<string, unknown>) => void): Record<string, unknown> => {
      const event = alarmEvent();
      fn(event);
      return event;
    };
    const detail = (e: Record<string, unknown>) =>
      e.detail as Record<string, Record<string, unknown>>;
    const bad: [string, unknown, string][] = [
      ["null", null, "input: expected an object, got null"],
      ["a string", "hello", "input: expected an object, got a string"],
      ["no level", { event: alarmEvent() }, "input.level: is missing"],
      [
        "level with spaces",
        input("crit ical"),
        "input.level: must be 1-64 characters of [A-Za-z0-9_-]",
      ],
      [
        "event an array",
        { level: "critical", event: [] },
        "input.event: expected an object, got an array",
      ],
      [
        "another event type",
        input(
          "critical",
          mutate((e) => (e["detail-type"] = "EC2 Instance State-change Notification")),
        ),
        'input.event.detail-type: expected "CloudWatch Alarm State Change"',
      ],
      [
        "another source",
        input(
          "critical",
          mutate((e) => (e.source = "custom")),
        ),
        'input.event.source: expected "aws.cloudwatch"',
      ],
      [
        "empty id",
        input(
          "critical",
          mutate((e) => (e.id = "")),
        ),
        "input.event.id: must be 1-256 characters",
      ],
      [
        "bad account",
        input(
          "critical",
          mutate((e) => (e.account = "12345")),
        ),
        "input.event.account: expected a 12-digit account id",
      ],
      [
        "bad region",
        input(
          "critical",
          mutate((e) => (e.region = "evil.example.com/")),
        ),
        "input.event.region: expected an AWS region name",
      ],
      [
        "no detail",
        input(
          "critical",
          mutate((e) => delete e.detail),
        ),
        "input.event.detail: is missing",
      ],
      [
        "numeric alarm name",
        input(
          "critical",
          mutate((e) => (detail(e).alarmName = 42 as unknown as Record<string, unknown>)),
        ),
        "input.event.detail.alarmName: expected a string, got a number",
      ],
      [
        "unknown state",
        input(
          "critical",
          mutate((e) => (detail(e).state.value = "FIRING")),
        ),
        "input.event.detail.state.value: expected one of ALARM, OK, INSUFFICIENT_DATA",
      ],
      [
        "no previous state",
        input(
          "critical",
          mutate((e) => delete detail(e).previousState),
        ),
        "input.event.detail.previousState: is missing",
      ],
      [
        "bad timestamp",
        input(
          "critical",
          mutate((e) => (detail(e).state.timestamp = "02/10/2019")),
        ),
        "input.event.detail.state.timestamp: expected an ISO 8601 timestamp",
      ],
      [
        "reason not a string",
        input(
          "critical",
          mutate((e) => (detail(e).state.reason = null)),
        ),
        "input.event.detail.state.reason: expected a string, got null",
      ],
    ];
    for (const [title, value, message] of bad) {
      it(`rejects input: ${title}`, () => {
        assertNotifyError(() => parseInput(value), "INVALID_INPUT", message);
      });
    }

    it("property: any input either parses or throws NotifyError(INVALID_INPUT), never a TypeError", () => {
      const paths: string[][] = [
        [],
        ["event"],
        ["event", "id"],
        ["event", "region"],
        ["event", "detail"],
        ["event", "detail", "alarmName"],
        ["event", "detail", "state"],
        ["event", "detail", "state", "value"],
        ["event", "detail", "state", "timestamp"],
        ["event", "detail", "previousState"],
      ];
      fc.assert(
        fc.property(fc.constantFrom(...paths), fc.anything(), (path, value) => {
          const doc = input("critical") as Record<string, unknown>;
          let target: Record<string, unknown> = doc;
          for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
          const subject = path.length === 0 ? value : doc;
          if (path.length > 0) target[path[path.length - 1]] = value;
          try {
            parseInput(subject);
          } catch (err: unknown) {
            assert.ok(err instanceof NotifyError, `threw ${String(err)}`);
            assert.equal(err.code, "INVALID_INPUT");
          }
        }),
        { numRuns: 500 },
      );
    });
  });

  describe("sign, signV2, buildHeaders, secret TTL, deliveryId, selectWebhooks", () => {
    // The expected values below were computed outside this code base, e.g.
    //   printf 'v2.1700000000.f52c3daef3aecbf1632a097225280a86.{"a":"é"}' \
    //     | openssl dgst -sha256 -hmac test-signing-key-0123456789abcdef
    // over the canonical strings docs/webhooks.md gives; each is also recomputed here with
    // node:crypto over the documented string, never with the builder's own code.
    const KEY = "test-signing-key-0123456789abcdef";
    const PREVIOUS = "previous-signing-key-abcdefghijklmnop";
    const TS = 1700000000;
    const ID = "f52c3daef3aecbf1632a097225280a86";
    const BODY = Buffer.from('{"a":"é"}', "utf8");
    const V1 = "23d94a6792f72761b6d081a1a68684e01e136205989ae555f4bb4e8c99df9234";
    const V2 = "aaf69b52fb0668e4262243a8e6f7d7362e417992fe433128e1d4ee55ef00b415";
    const V2_PREVIOUS = "292d82512c2ab88fd9cee235cc9651ff3ca1e5036e2b0a8f27b177ded942cbd7";
    const documented = (key: string, text: string) =>
      createHmac("sha256", key).update(text, "utf8").digest("hex");

    it("signs <timestamp>.<body> with HMAC-SHA256 for v1 (vector computed with openssl dgst -hmac)", () => {
      assert.equal(sign(KEY, TS, BODY), V1);
      assert.equal(sign(KEY, TS, '{"a":"é"}'), V1);
      assert.equal(documented(KEY, `1700000000.{"a":"é"}`), V1);
    });

    it("signs v2.<timestamp>.<delivery id>.<body> with HMAC-SHA256 for v2 (openssl vector)", () => {
      assert.equal(signV2(KEY, TS, ID, BODY), V2);
      assert.equal(documented(KEY, `v2.1700000000.${ID}.{"a":"é"}`), V2);
      assert.equal(signV2(PREVIOUS, TS, ID, BODY), V2_PREVIOUS);
      assert.equal(documented(PREVIOUS, `v2.1700000000.${ID}.{"a":"é"}`), V2_PREVIOUS);
      // Another delivery id is another signature (the replay the v2 scheme closes).
      assert.equal(
        signV2(KEY, TS, "00000000000000000000000000000000", BODY),
        "eb7a46b2595145732eca1623b3136e1b21a8067c7f27fe5e495770388b11aaf0",
      );
    });

    it("uses the canonical string and test vector docs/webhooks.md publishes", () => {
      const doc = readFileSync(join(ROOT, "docs", "webhooks.md"), "utf8");
      assert.ok(
        doc.includes(
          "```text\nv2.<X-Escalation-Timestamp>.<X-Escalation-Delivery>.<raw body>\n```",
        ),
      );
      assert.ok(doc.includes(`key \`${KEY}\`, timestamp \`${TS}\`, delivery id\n\`${ID}\``));
      assert.ok(doc.includes(`\`v2=${V2}\``));
      assert.ok(doc.includes(`\`v1=${V1}\``));
    });

    it("builds the exact headers of one attempt: v1 unchanged, v2 for the current key", () => {
      assert.deepEqual(buildHeaders({ name: "ticketing", signingKey: KEY }, ID, TS, BODY), {
        "Content-Type": "application/json",
        "User-Agent": "incident-escalation-notifier",
        "X-Escalation-Timestamp": "1700000000",
        "X-Escalation-Signature":
          "v1=23d94a6792f72761b6d081a1a68684e01e136205989ae555f4bb4e8c99df9234",
        "X-Escalation-Signature-V2":
          "v2=aaf69b52fb0668e4262243a8e6f7d7362e417992fe433128e1d4ee55ef00b415",
        "X-Escalation-Webhook": "ticketing",
        "X-Escalation-Delivery": "f52c3daef3aecbf1632a097225280a86",
      });
    });

    it("during a rotation sends v2 for the current and the previous key, v1 for the current key", () => {
      const headers = buildHeaders(
        { name: "ticketing", signingKey: KEY, previousSigningKey: PREVIOUS },
        ID,
        TS,
        BODY,
      );
      assert.equal(
        headers["X-Escalation-Signature-V2"],
        "v2=aaf69b52fb0668e4262243a8e6f7d7362e417992fe433128e1d4ee55ef00b415, " +
          "v2=292d82512c2ab88fd9cee235cc9651ff3ca1e5036e2b0a8f27b177ded942cbd7",
      );
      assert.equal(
        headers["X-Escalation-Signature"],
        "v1=23d94a6792f72761b6d081a1a68684e01e136205989ae555f4bb4e8c99df9234",
      );
    });

    it("re-reads the secret 5 minutes after reading it, not before (and if the clock went back)", () => {
      assert.equal(SECRET_TTL_SECONDS, 300);
      assert.equal(secretExpired(TS, TS), false);
      assert.equal(secretExpired(TS, TS + 299), false);
      assert.equal(secretExpired(TS, TS + 300), true);
      assert.equal(secretExpired(TS, TS - 1), true);
    });

    it("derives a stable 32-hex delivery id per (event id, webhook)", () => {
      // printf '<event id>\nticketing' | sha256sum, first 32 hex digits
      assert.equal(deliveryId(EVENT_ID, "ticketing"), "f52c3daef3aecbf1632a097225280a86");
      assert.notEqual(deliveryId(EVENT_ID, "pager"), deliveryId(EVENT_ID, "ticketing"));
      assert.notEqual(deliveryId("other-event", "ticketing"), deliveryId(EVENT_ID, "ticketing"));
    });

    const config = {
      webhooks: [
        { name: "ticketing", levels: ["critical", "warning"] },
        { name: "pager", levels: ["critical"] },
        { name: "archive", levels: ["info", "warning"] },
      ],
    };
    const routing: [string, string[]][] = [
      ["critical", ["ticketing", "pager"]],
      ["warning", ["ticketing", "archive"]],
      ["info", ["archive"]],
      ["debug", []],
      ["Critical", []],
    ];
    for (const [level, names] of routing) {
      it(`routes level ${level} to [${names.join(", ")}]`, () => {
        assert.deepEqual(
          selectWebhooks(level, config).map((w) => w.name),
          names,
        );
      });
    }
  });

  describe("receiver verification (handlers/notifier/verify.ts, docs/webhooks.md)", () => {
    const key = KEYS.ticketing;
    const previous = "previous-ticketing-key-0123456789abcdef";
    const body = encodeBody(buildPayload(parseInput(input("critical"))));
    const now = 1_700_000_000;
    const id = deliveryId(EVENT_ID, "ticketing");
    /** Lower-case node:http header names of what the notifier sends. */
    const received = (
      ts: number,
      opts: { b?: Uint8Array; k?: string; previousKey?: string; delivery?: string } = {},
    ): Record<string, string> =>
      Object.fromEntries(
        Object.entries(
          buildHeaders(
            { name: "ticketing", signingKey: opts.k ?? key, previousSigningKey: opts.previousKey },
            opts.delivery ?? id,
            ts,
            opts.b ?? body,
          ),
        ).map(([name, value]) => [name.toLowerCase(), value]),
      );
    const without = (headers: Record<string, string>, name: string) =>
      Object.fromEntries(Object.entries(headers).filter(([n]) => n !== name));
    const verify = (headers: Record<string, string | string[] | undefined>, acceptV1 = false) =>
      verifyEscalationRequest(key, body, headers, { nowSeconds: now, acceptV1 });

    it("is in docs/webhooks.md verbatim, identical to handlers/notifier/verify.ts", () => {
      const doc = readFileSync(join(ROOT, "docs", "webhooks.md"), "utf8");
      const match =
        /<!-- verify-snippet:begin[^\n]*-->\n\n```ts\n([\s\S]*?)```\n\n<!-- verify-snippet:end -->/.exec(
          doc,
        );
      assert.ok(match, "docs/webhooks.md has no verify-snippet block");
      assert.equal(match[1], readFileSync(join(ROOT, "handlers", "notifier", "verify.ts"), "utf8"));
    });

    const cases: [string, boolean, () => boolean][] = [
      ["a fresh, correct v2 signature", true, () => verify(received(now))],
      ["exactly 5 minutes old", true, () => verify(received(now - 300))],
      ["older than 5 minutes", false, () => verify(received(now - 301))],
      ["more than 5 minutes in the future", false, () => verify(received(now + 301))],
      [
        "a changed body",
        false,
        () =>
          verifyEscalationRequest(key, Buffer.concat([body, Buffer.from(" ")]), received(now), {
            nowSeconds: now,
          }),
      ],
      ["another webhook's key", false, () => verify(received(now, { k: KEYS.pager }))],
      [
        "a timestamp that is not the signed one",
        false,
        () => verify({ ...received(now), "x-escalation-timestamp": String(now - 1) }),
      ],
      [
        "a replay under a new delivery id (captured request, X-Escalation-Delivery changed)",
        false,
        () => verify({ ...received(now), "x-escalation-delivery": deliveryId("other-event", "x") }),
      ],
      [
        "the same replay even with acceptV1 (a v2 header present never falls back to v1)",
        false,
        () =>
          verify(
            { ...received(now), "x-escalation-delivery": deliveryId("other-event", "x") },
            true,
          ),
      ],
      [
        "a missing delivery id",
        false,
        () => verify(without(received(now), "x-escalation-delivery")),
      ],
      [
        "upper-case hex",
        false,
        () =>
          verify({
            ...received(now),
            "x-escalation-signature-v2": received(now)["x-escalation-signature-v2"].toUpperCase(),
          }),
      ],
      [
        "no v2= prefix",
        false,
        () => verify({ ...received(now), "x-escalation-signature-v2": signV2(key, now, id, body) }),
      ],
      [
        "a v2 list with more than 4 entries",
        false,
        () =>
          verify({
            ...received(now),
            "x-escalation-signature-v2": Array(5)
              .fill(`v2=${signV2(key, now, id, body)}`)
              .join(", "),
          }),
      ],
      [
        "a v1-only request (v2 header stripped) by default",
        false,
        () => verify(without(received(now), "x-escalation-signature-v2")),
      ],
      [
        "a v1-only request with acceptV1 (an older notifier; the delivery id is then unsigned)",
        true,
        () => verify(without(received(now), "x-escalation-signature-v2"), true),
      ],
      [
        "a v1-only request with acceptV1 but a wrong v1 signature",
        false,
        () => verify(without(received(now, { k: KEYS.pager }), "x-escalation-signature-v2"), true),
      ],
      [
        "a missing timestamp",
        false,
        () => verify(without(received(now), "x-escalation-timestamp")),
      ],
      [
        "a repeated header",
        false,
        () => {
          const h = received(now);
          const v2 = h["x-escalation-signature-v2"];
          return verify({ ...h, "x-escalation-signature-v2": [v2, v2] });
        },
      ],
      [
        "a non-numeric timestamp",
        false,
        () => verify({ ...received(now), "x-escalation-timestamp": "1e9" }),
      ],
      [
        "a rotation request, by a receiver that still has only the previous key",
        true,
        () =>
          verifyEscalationRequest(previous, body, received(now, { previousKey: previous }), {
            nowSeconds: now,
          }),
      ],
      [
        "a request with the old key, by a receiver holding [new key, old key]",
        true,
        () => verifyEscalationRequest([KEYS.pager, key], body, received(now), { nowSeconds: now }),
      ],
      [
        "a request with the old key after the rotation ended, by a receiver with the new key only",
        false,
        () => verifyEscalationRequest(KEYS.pager, body, received(now), { nowSeconds: now }),
      ],
    ];
    for (const [title, expected, run] of cases) {
      it(`${expected ? "accepts" : "rejects"} ${title}`, () => {
        assert.equal(run(), expected);
      });
    }
    it("allows 5 minutes of clock difference", () => {
      assert.equal(MAX_SIGNATURE_AGE_SECONDS, 300);
    });

    /**
     * The verifier docs/webhooks.md published before v2, copied verbatim: receivers running it
     * compare the whole X-Escalation-Signature header, so its value must stay exactly `v1=<hex>`.
     */
    function legacyV1Verify(
      signingKey: string,
      rawBody: Buffer,
      timestampHeader: string | string[] | undefined,
      signatureHeader: string | string[] | undefined,
      nowSeconds: number = Math.floor(Date.now() / 1000),
    ): boolean {
      if (typeof timestampHeader !== "string" || typeof signatureHeader !== "string") return false;
      if (!/^\d{1,12}$/.test(timestampHeader)) return false;
      const age = nowSeconds - Number(timestampHeader);
      if (age > MAX_SIGNATURE_AGE_SECONDS || age < -MAX_SIGNATURE_AGE_SECONDS) return false;
      const hmac = createHmac("sha256", signingKey).update(`${timestampHeader}.`).update(rawBody);
      const expected = Buffer.from(`v1=${hmac.digest("hex")}`);
      const got = Buffer.from(signatureHeader);
      return got.length === expected.length && timingSafeEqual(got, expected);
    }

    it("v1-only receivers (the previously published verifier) still verify, also during a rotation", () => {
      for (const headers of [received(now), received(now, { previousKey: previous })]) {
        assert.ok(
          legacyV1Verify(
            key,
            body,
            headers["x-escalation-timestamp"],
            headers["x-escalation-signature"],
            now,
          ),
        );
      }
    });

    it("property: for any alarm name and reason the body is JSON of the payload and the signature verifies", () => {
      const text = fc.oneof(
        fc.string({ unit: "binary", maxLength: 80 }),
        fc.string({ unit: "grapheme", maxLength: 40 }),
        fc.string({
          unit: fc.constantFrom(
            '"',
            "\\",
            "\n",
            "\r",
            "\t",
            "\u2028",
            "\uD800",
            "\uDC00",
            "\0",
            "é",
            "🚨",
          ),
          maxLength: 30,
        }),
      );
      fc.assert(
        fc.property(
          text.filter((s) => s.length > 0),
          text,
          fc.integer({ min: 0, max: 2 ** 32 }),
          (alarmName, reason, ts) => {
            const event = alarmEvent({ alarmName, reason });
            const payload = buildPayload(parseInput(input("critical", event)));
            const bytes = encodeBody(payload);
            const parsed: unknown = JSON.parse(bytes.toString("utf8"));
            assert.deepEqual(parsed, payload);
            assert.equal((parsed as { alarmName: string }).alarmName, alarmName);
            assert.equal((parsed as { reason: string }).reason, reason);
            const headers = received(ts, { b: bytes });
            assert.ok(verifyEscalationRequest(key, bytes, headers, { nowSeconds: ts }));
            assert.ok(
              legacyV1Verify(
                key,
                bytes,
                headers["x-escalation-timestamp"],
                headers["x-escalation-signature"],
                ts,
              ),
            );
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe("notifier handler (real module, local receivers on 127.0.0.1, mocked Secrets Manager)", () => {
  // The real module creates its own client, so the class is stubbed: in before() and restored
  // in after() (a class stub wraps the prototype for every spec file of the run).
  const mockSecrets = () => mockClient(SecretsManagerClient);
  let sm: ReturnType<typeof mockSecrets>;
  before(() => {
    sm = mockSecrets();
  });
  let receiver: Receiver;
  let logs: string[];
  const realLog = console.log;

  beforeEach(async () => {
    sm.reset();
    receiver = new Receiver();
    await receiver.start();
    logs = [];
    console.log = (...args: unknown[]) => {
      logs.push(args.map(String).join(" "));
    };
  });

  afterEach(async () => {
    console.log = realLog;
    await receiver.close();
  });

  after(() => {
    sm.restore();
  });

  /** Parsed log records; every captured line must be one JSON object. */
  function records(): Record<string, unknown>[] {
    return logs.map((line) => {
      const parsed: unknown = JSON.parse(line);
      assert.ok(typeof parsed === "object" && parsed !== null && !Array.isArray(parsed), line);
      return parsed as Record<string, unknown>;
    });
  }

  function assertNoSecretsLogged(extra: string[] = []): void {
    const forbidden = [
      "127.0.0.1",
      "http:",
      "https:",
      ...Object.values(KEYS),
      REASON,
      "Threshold Crossed",
      ...extra,
    ];
    for (const line of logs) {
      for (const needle of forbidden)
        assert.ok(!line.includes(needle), `log line contains ${needle}: ${line}`);
    }
  }

  function useSecret(entries: Record<string, string>): void {
    sm.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: secretFor(entries) });
  }

  /** Asserts the request is a correctly signed delivery of `payload` to `name`; returns the body. */
  function assertSignedDelivery(
    req: Received,
    name: string,
    payload: object,
    eventId = EVENT_ID,
  ): void {
    assert.equal(req.method, "POST");
    assert.equal(req.headers["content-type"], "application/json");
    assert.equal(req.headers["user-agent"], "incident-escalation-notifier");
    assert.equal(req.headers["x-escalation-webhook"], name);
    assert.equal(req.headers["x-escalation-delivery"], deliveryId(eventId, name));
    assert.equal(req.headers["content-length"], String(req.body.length));
    const ts = Number(req.headers["x-escalation-timestamp"]);
    assert.ok(Math.abs(ts - Date.now() / 1000) < 5, `timestamp ${ts} is not the send time`);
    assert.match(String(req.headers["x-escalation-signature"]), /^v1=[0-9a-f]{64}$/);
    assert.match(
      String(req.headers["x-escalation-signature-v2"]),
      /^v2=[0-9a-f]{64}(, v2=[0-9a-f]{64})?$/,
    );
    assert.ok(
      verifyEscalationRequest(KEYS[name], req.body, req.headers),
      "signature does not verify over the received bytes",
    );
    assert.deepEqual(JSON.parse(req.body.toString("utf8")), payload);
    assert.equal(req.body.toString("utf8"), JSON.stringify(payload));
  }

  it("POSTs the exact signed payload of an ALARM event and reads the secret once within its TTL", async () => {
    receiver.script("/ticketing", { status: 204 });
    useSecret({ ticketing: receiver.url("/ticketing") });
    const { handler } = coldStart(
      testEnv([{ name: "ticketing", levels: ["critical", "warning"] }]),
    );

    assert.deepEqual(await handler(input("critical")), {
      level: "critical",
      eventId: EVENT_ID,
      delivered: ["ticketing"],
    });
    assert.equal(receiver.received.length, 1);
    assertSignedDelivery(receiver.received[0], "ticketing", ALARM_PAYLOAD);

    const second = alarmEvent({ id: "second-event", state: "OK", previousState: "ALARM" });
    await handler(input("critical", second));
    assert.equal(receiver.received.length, 2);
    assertSignedDelivery(
      receiver.received[1],
      "ticketing",
      { ...ALARM_PAYLOAD, state: "OK", previousState: "ALARM" },
      "second-event",
    );
    assert.equal(sm.commandCalls(GetSecretValueCommand).length, 1);
    assert.deepEqual(sm.commandCalls(GetSecretValueCommand)[0].args[0].input, { SecretId: ARN });
    assert.deepEqual(records(), [
      {
        service: "incident-escalation-notifier",
        level: "INFO",
        message: "webhook.delivered",
        webhook: "ticketing",
        deliveryId: deliveryId(EVENT_ID, "ticketing"),
        attempt: 1,
        status: 204,
      },
      {
        service: "incident-escalation-notifier",
        level: "INFO",
        message: "notifier.done",
        alertLevel: "critical",
        eventId: EVENT_ID,
        alarmName: "prod-critical-api-5xx",
        state: "ALARM",
        delivered: ["ticketing"],
      },
      {
        service: "incident-escalation-notifier",
        level: "INFO",
        message: "webhook.delivered",
        webhook: "ticketing",
        deliveryId: deliveryId("second-event", "ticketing"),
        attempt: 1,
        status: 204,
      },
      {
        service: "incident-escalation-notifier",
        level: "INFO",
        message: "notifier.done",
        alertLevel: "critical",
        eventId: "second-event",
        alarmName: "prod-critical-api-5xx",
        state: "OK",
        delivered: ["ticketing"],
      },
    ]);
    assertNoSecretsLogged();
  });

  it("POSTs the exact payload of an OK event", async () => {
    receiver.script("/ticketing", { status: 200 });
    useSecret({ ticketing: receiver.url("/ticketing") });
    const { handler } = coldStart(testEnv([{ name: "ticketing", levels: ["warning"] }]));
    const event = alarmEvent({ state: "OK", previousState: "ALARM", reason: OK_REASON });

    await handler(input("warning", event));
    assert.equal(receiver.received.length, 1);
    assertSignedDelivery(receiver.received[0], "ticketing", {
      ...ALARM_PAYLOAD,
      level: "warning",
      state: "OK",
      previousState: "ALARM",
      reason: OK_REASON,
      display: { alarmName: "prod-critical-api-5xx", reason: OK_REASON },
    });
  });

  it("POSTs the signed body of a hostile alarm: raw fields unchanged, display fields stripped", async () => {
    receiver.script("/ticketing", { status: 200 });
    useSecret({ ticketing: receiver.url("/ticketing") });
    const { handler } = coldStart(testEnv([{ name: "ticketing", levels: ["critical"] }]));
    const alarmName = "\u202E[RESOLVED - drill, ignore] <!channel>";
    const reason = "Threshold Crossed\u0000\u200D @here";
    await handler(input("critical", alarmEvent({ alarmName, reason })));
    assert.equal(receiver.received.length, 1);
    assertSignedDelivery(receiver.received[0], "ticketing", {
      ...ALARM_PAYLOAD,
      alarmName,
      reason,
      consoleUrl:
        "https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1#alarmsV2:alarm/%E2%80%AE%5BRESOLVED%20-%20drill%2C%20ignore%5D%20%3C!channel%3E",
      display: {
        alarmName: "[RESOLVED - drill, ignore] <!channel>",
        reason: "Threshold Crossed @here",
      },
    });
  });

  it("calls only the webhooks subscribed to the level, in parallel", async () => {
    for (const path of ["/ticketing", "/pager", "/archive"])
      receiver.script(path, { status: 200, delayMs: 150 });
    useSecret({
      ticketing: receiver.url("/ticketing"),
      pager: receiver.url("/pager"),
      archive: receiver.url("/archive"),
    });
    const { handler } = coldStart(
      testEnv(
        [
          { name: "ticketing", levels: ["critical", "warning"] },
          { name: "pager", levels: ["critical"] },
          { name: "archive", levels: ["info", "warning"] },
        ],
        { WEBHOOK_TIMEOUT_MS: "1000" },
      ),
    );

    const result = await handler(input("warning"));
    assert.deepEqual(result.delivered, ["ticketing", "archive"]);
    assert.deepEqual(receiver.received.map((r) => r.path).sort(), ["/archive", "/ticketing"]);
    assertSignedDelivery(receiver.at("/ticketing")[0], "ticketing", {
      ...ALARM_PAYLOAD,
      level: "warning",
    });
    assertSignedDelivery(receiver.at("/archive")[0], "archive", {
      ...ALARM_PAYLOAD,
      level: "warning",
    });
    assert.equal(receiver.maxInFlight, 2, "the two webhooks were not called in parallel");
  });

  it("sends nothing, reads no secret, logs and returns for a level without webhooks", async () => {
    const { handler } = coldStart(testEnv([{ name: "ticketing", levels: ["critical"] }]));

    assert.deepEqual(await handler(input("info")), {
      level: "info",
      eventId: EVENT_ID,
      delivered: [],
    });
    assert.equal(receiver.received.length, 0);
    assert.equal(sm.commandCalls(GetSecretValueCommand).length, 0);
    assert.deepEqual(records(), [
      {
        service: "incident-escalation-notifier",
        level: "INFO",
        message: "notifier.no_webhooks",
        alertLevel: "info",
        eventId: EVENT_ID,
        alarmName: "prod-critical-api-5xx",
        state: "ALARM",
      },
    ]);
  });

  // Another account's event (forwarded by a bus whose policy admits it) or another region's keeps
  // its own account and region (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html).
  const elsewhere: [string, Record<string, unknown>, string][] = [
    [
      "another account",
      {
        account: "111122223333",
        resources: ["arn:aws:cloudwatch:ap-northeast-1:111122223333:alarm:prod-critical-api-5xx"],
      },
      "input.event.account 111122223333 is not this stack's account 123456789012",
    ],
    [
      "another region",
      {
        region: "us-east-1",
        resources: ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:prod-critical-api-5xx"],
      },
      "input.event.region us-east-1 is not this stack's region ap-northeast-1",
    ],
  ];
  for (const [title, fields, reason] of elsewhere) {
    it(`an ALARM from ${title}: no webhook called, no secret read, one WARN line, resolves (no retry)`, async () => {
      receiver.script("/ticketing", { status: 204 });
      useSecret({ ticketing: receiver.url("/ticketing") });
      const { handler } = coldStart(testEnv([{ name: "ticketing", levels: ["critical"] }]));

      assert.deepEqual(await handler(input("critical", { ...alarmEvent(), ...fields })), {
        level: "critical",
        eventId: EVENT_ID,
        delivered: [],
        rejected: reason,
      });
      assert.equal(receiver.received.length, 0);
      assert.equal(sm.commandCalls(GetSecretValueCommand).length, 0);
      assert.deepEqual(records(), [
        {
          service: "incident-escalation-notifier",
          level: "WARN",
          message: "notifier.rejected",
          alertLevel: "critical",
          eventId: EVENT_ID,
          alarmName: "prod-critical-api-5xx",
          state: "ALARM",
          reason,
        },
      ]);
    });
  }

  it("retries a 500 and succeeds when the receiver then answers 200 (same delivery id, fresh signature)", async () => {
    receiver.script("/ticketing", { status: 500 }, { status: 200 });
    useSecret({ ticketing: receiver.url("/ticketing") });
    const { handler } = coldStart(testEnv([{ name: "ticketing", levels: ["critical"] }]));

    assert.deepEqual((await handler(input("critical"))).delivered, ["ticketing"]);
    assert.equal(receiver.received.length, 2);
    for (const req of receiver.received) assertSignedDelivery(req, "ticketing", ALARM_PAYLOAD);
    assert.deepEqual(
      records().map((r) => [r.message, r.attempt, r.status]),
      [
        ["webhook.attempt_failed", 1, "HTTP 500"],
        ["webhook.delivered", 2, 200],
        ["notifier.done", undefined, undefined],
      ],
    );
    assertNoSecretsLogged();
  });

  it("throws one error naming the webhook and status when it always answers 500", async () => {
    receiver.script("/ticketing", { status: 500 });
    receiver.script("/pager", { status: 202 });
    useSecret({ ticketing: receiver.url("/ticketing"), pager: receiver.url("/pager") });
    const { handler } = coldStart(
      testEnv([
        { name: "ticketing", levels: ["critical"] },
        { name: "pager", levels: ["critical"] },
      ]),
    );

    await assertRejectsNotifyError(
      handler(input("critical")),
      "DELIVERY_FAILED",
      "1 of 2 webhooks failed after 3 attempts each: ticketing (HTTP 500)",
    );
    assert.equal(receiver.at("/ticketing").length, 3);
    assert.equal(receiver.at("/pager").length, 1);
    const last = records().at(-1);
    assert.deepEqual(last, {
      service: "incident-escalation-notifier",
      level: "ERROR",
      message: "notifier.failed",
      alertLevel: "critical",
      eventId: EVENT_ID,
      alarmName: "prod-critical-api-5xx",
      state: "ALARM",
      delivered: ["pager"],
      failed: ["ticketing"],
      code: "DELIVERY_FAILED",
      error: "1 of 2 webhooks failed after 3 attempts each: ticketing (HTTP 500)",
    });
    assertNoSecretsLogged();
  });

  it("treats a receiver slower than the timeout as failed", async () => {
    receiver.script("/ticketing", { status: 200, delayMs: 2000 });
    useSecret({ ticketing: receiver.url("/ticketing") });
    const { handler } = coldStart(
      testEnv([{ name: "ticketing", levels: ["critical"] }], {
        WEBHOOK_TIMEOUT_MS: "200",
        WEBHOOK_ATTEMPTS: "2",
      }),
    );

    const started = Date.now();
    await assertRejectsNotifyError(
      handler(input("critical")),
      "DELIVERY_FAILED",
      "1 of 1 webhook failed after 2 attempts each: ticketing (timeout after 200 ms)",
    );
    const elapsed = Date.now() - started;
    assert.equal(receiver.received.length, 2);
    assert.ok(elapsed >= 400 && elapsed < 1500, `took ${elapsed} ms`);
  });

  it("treats a receiver that is down (closed port) as failed", async () => {
    const port = await closedPort();
    useSecret({ ticketing: `http://127.0.0.1:${port}/hook` });
    const { handler } = coldStart(testEnv([{ name: "ticketing", levels: ["critical"] }]));

    await assertRejectsNotifyError(
      handler(input("critical")),
      "DELIVERY_FAILED",
      "1 of 1 webhook failed after 3 attempts each: ticketing (connection error ECONNREFUSED)",
    );
    assertNoSecretsLogged([String(port)]);
  });

  it("does not follow a 302: it is a failure and the target is never called", async () => {
    receiver.script("/ticketing", { status: 302, headers: { location: "/elsewhere" } });
    receiver.script("/elsewhere", { status: 200 });
    useSecret({ ticketing: receiver.url("/ticketing") });
    const { handler } = coldStart(
      testEnv([{ name: "ticketing", levels: ["critical"] }], { WEBHOOK_ATTEMPTS: "1" }),
    );

    await assertRejectsNotifyError(
      handler(input("critical")),
      "DELIVERY_FAILED",
      "1 of 1 webhook failed after 1 attempt: ticketing (HTTP 302)",
    );
    assert.deepEqual(
      receiver.received.map((r) => r.path),
      ["/ticketing"],
    );
  });

  it("fails naming the webhook whose secret entry is missing, and sends nothing", async () => {
    receiver.script("/ticketing", { status: 200 });
    useSecret({ ticketing: receiver.url("/ticketing") });
    const { handler } = coldStart(
      testEnv([
        { name: "ticketing", levels: ["critical"] },
        { name: "pager", levels: ["warning"] },
      ]),
    );

    await assertRejectsNotifyError(
      handler(input("critical")),
      "INVALID_SECRET",
      'WEBHOOK_SECRET_ARN: secret has no entry for webhook "pager"',
    );
    assert.equal(receiver.received.length, 0);
    assertNoSecretsLogged();
  });

  it("refuses an http:// URL unless ALLOW_INSECURE_LOCALHOST=true", async () => {
    receiver.script("/ticketing", { status: 200 });
    useSecret({ ticketing: receiver.url("/ticketing") });
    const { handler } = coldStart(
      testEnv([{ name: "ticketing", levels: ["critical"] }], { ALLOW_INSECURE_LOCALHOST: "false" }),
    );

    await assertRejectsNotifyError(
      handler(input("critical")),
      "INVALID_SECRET",
      'WEBHOOK_SECRET_ARN: entry "ticketing".url must be an https:// URL',
    );
    assert.equal(receiver.received.length, 0);
  });

  it("does not cache a failed secret read: the next invocation reads again and delivers", async () => {
    receiver.script("/ticketing", { status: 200 });
    const denied = Object.assign(new Error(`User is not authorized to access ${ARN}`), {
      name: "AccessDeniedException",
    });
    sm.on(GetSecretValueCommand)
      .rejectsOnce(denied)
      .resolves({ SecretString: secretFor({ ticketing: receiver.url("/ticketing") }) });
    const { handler } = coldStart(testEnv([{ name: "ticketing", levels: ["critical"] }]));

    await assertRejectsNotifyError(
      handler(input("critical")),
      "SECRET_UNAVAILABLE",
      "WEBHOOK_SECRET_ARN: could not read the secret (AccessDeniedException)",
    );
    assert.equal(receiver.received.length, 0);
    assert.deepEqual((await handler(input("critical"))).delivered, ["ticketing"]);
    assert.equal(sm.commandCalls(GetSecretValueCommand).length, 2);
    assert.equal(receiver.received.length, 1);
  });

  it("does not cache an invalid secret either (it can be fixed without a deploy)", async () => {
    receiver.script("/ticketing", { status: 200 });
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: "{}" })
      .resolves({ SecretString: secretFor({ ticketing: receiver.url("/ticketing") }) });
    const { handler } = coldStart(testEnv([{ name: "ticketing", levels: ["critical"] }]));

    await assert.rejects(handler(input("critical")), { code: "INVALID_SECRET" });
    assert.deepEqual((await handler(input("critical"))).delivered, ["ticketing"]);
  });

  it("during a rotation sends v2 signatures for the new and the previous key over real HTTP", async () => {
    const previous = "previous-ticketing-key-0123456789abcdef";
    receiver.script("/ticketing", { status: 200 });
    sm.on(GetSecretValueCommand, { SecretId: ARN }).resolves({
      SecretString: JSON.stringify({
        ticketing: {
          url: receiver.url("/ticketing"),
          signingKey: KEYS.ticketing,
          previousSigningKey: previous,
        },
      }),
    });
    const { handler } = coldStart(testEnv([{ name: "ticketing", levels: ["critical"] }]));

    assert.deepEqual((await handler(input("critical"))).delivered, ["ticketing"]);
    const [req] = receiver.received;
    assertSignedDelivery(req, "ticketing", ALARM_PAYLOAD);
    const ts = String(req.headers["x-escalation-timestamp"]);
    const id = deliveryId(EVENT_ID, "ticketing");
    const v2 = (key: string) =>
      createHmac("sha256", key).update(`v2.${ts}.${id}.`).update(req.body).digest("hex");
    assert.equal(
      req.headers["x-escalation-signature-v2"],
      `v2=${v2(KEYS.ticketing)}, v2=${v2(previous)}`,
    );
    assert.ok(verifyEscalationRequest(previous, req.body, req.headers), "old key must verify");
    assertNoSecretsLogged([previous]);
  });

  it("re-reads the secret after SECRET_TTL_SECONDS and not before, and uses the rotated key", async () => {
    const rotated = "rotated-ticketing-key-0123456789abcdef";
    receiver.script("/ticketing", { status: 200 });
    const url = receiver.url("/ticketing");
    sm.on(GetSecretValueCommand, { SecretId: ARN })
      .resolvesOnce({ SecretString: secretFor({ ticketing: url }) })
      .resolves({
        SecretString: JSON.stringify({
          ticketing: { url, signingKey: rotated, previousSigningKey: KEYS.ticketing },
        }),
      });
    const mod = coldStart(testEnv([{ name: "ticketing", levels: ["critical"] }]));
    let clock = 1_800_000_000;
    const handler = mod.createHandler({
      config: mod.loadConfig(testEnv([{ name: "ticketing", levels: ["critical"] }])),
      secrets: new SecretsManagerClient({ region: "ap-northeast-1" }),
      fetchFn: (u, init) => fetch(u, init),
      sleep: () => Promise.resolve(),
      nowSeconds: () => clock,
      log: () => undefined,
    });
    /** Which of the two keys request `n` verifies with. */
    const signedWith = (n: number) =>
      Object.entries({ original: KEYS.ticketing, rotated })
        .filter(([, key]) =>
          verifyEscalationRequest(key, receiver.received[n].body, receiver.received[n].headers, {
            nowSeconds: clock,
          }),
        )
        .map(([label]) => label);

    await handler(input("critical"));
    assert.equal(sm.commandCalls(GetSecretValueCommand).length, 1);
    clock += 299; // 4 min 59 s after the read: still cached
    await handler(input("critical"));
    assert.equal(sm.commandCalls(GetSecretValueCommand).length, 1);
    assert.deepEqual(signedWith(1), ["original"]);
    clock += 1; // 5 min after the read: read again
    await handler(input("critical"));
    assert.equal(sm.commandCalls(GetSecretValueCommand).length, 2);
    assert.deepEqual(signedWith(2), ["original", "rotated"]);
    clock += 299;
    await handler(input("critical"));
    assert.equal(sm.commandCalls(GetSecretValueCommand).length, 2);
    assert.equal(receiver.received.length, 4);
  });

  it("a failed re-read after the TTL fails that invocation (Lambda retries) and the next reads again", async () => {
    receiver.script("/ticketing", { status: 200 });
    const secretString = secretFor({ ticketing: receiver.url("/ticketing") });
    sm.on(GetSecretValueCommand, { SecretId: ARN })
      .resolvesOnce({ SecretString: secretString })
      .rejectsOnce(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }))
      .resolves({ SecretString: secretString });
    const mod = coldStart(testEnv([{ name: "ticketing", levels: ["critical"] }]));
    let clock = 1_800_000_000;
    const handler = mod.createHandler({
      config: mod.loadConfig(testEnv([{ name: "ticketing", levels: ["critical"] }])),
      secrets: new SecretsManagerClient({ region: "ap-northeast-1" }),
      fetchFn: (u, init) => fetch(u, init),
      sleep: () => Promise.resolve(),
      nowSeconds: () => clock,
      log: () => undefined,
    });

    await handler(input("critical"));
    clock += SECRET_TTL_SECONDS;
    await assertRejectsNotifyError(
      handler(input("critical")),
      "SECRET_UNAVAILABLE",
      "WEBHOOK_SECRET_ARN: could not read the secret (ThrottlingException)",
    );
    assert.deepEqual((await handler(input("critical"))).delivered, ["ticketing"]);
    assert.equal(sm.commandCalls(GetSecretValueCommand).length, 3);
    assert.equal(receiver.received.length, 2);
  });

  it("fails the cold start on a bad variable, naming it, with one JSON log line", () => {
    assertNotifyError(
      () =>
        coldStart(
          testEnv([{ name: "ticketing", levels: ["critical"] }], { WEBHOOK_ATTEMPTS: "10" }),
        ),
      "INVALID_CONFIG",
      'WEBHOOK_ATTEMPTS: must be an integer from 1 to 5 (got "10")',
    );
    assertNotifyError(
      () => coldStart({ WEBHOOK_SECRET_ARN: ARN }),
      "INVALID_CONFIG",
      'WEBHOOKS: is required: a JSON array of {"name","levels"}',
    );
    assert.deepEqual(records(), [
      {
        service: "incident-escalation-notifier",
        level: "ERROR",
        message: "notifier.init_failed",
        code: "INVALID_CONFIG",
        error: 'WEBHOOK_ATTEMPTS: must be an integer from 1 to 5 (got "10")',
      },
      {
        service: "incident-escalation-notifier",
        level: "ERROR",
        message: "notifier.init_failed",
        code: "INVALID_CONFIG",
        error: 'WEBHOOKS: is required: a JSON array of {"name","levels"}',
      },
    ]);
  });

  it("rejects malformed input with NotifyError(INVALID_INPUT), one log line without PII, nothing sent", async () => {
    const { handler } = coldStart(testEnv([{ name: "ticketing", levels: ["critical"] }]));
    const event = alarmEvent();
    delete (event.detail as Record<string, unknown>).state;

    await assertRejectsNotifyError(
      handler(null),
      "INVALID_INPUT",
      "input: expected an object, got null",
    );
    await assertRejectsNotifyError(
      handler(input("critical", event)),
      "INVALID_INPUT",
      "input.event.detail.state: is missing",
    );
    await assertRejectsNotifyError(
      handler({ level: "critical", event: { ...alarmEvent(), source: REASON } }),
      "INVALID_INPUT",
      'input.event.source: expected "aws.cloudwatch"',
    );
    assert.equal(receiver.received.length, 0);
    assert.deepEqual(records(), [
      {
        service: "incident-escalation-notifier",
        level: "ERROR",
        message: "notifier.failed",
        code: "INVALID_INPUT",
        error: "input: expected an object, got null",
      },
      {
        service: "incident-escalation-notifier",
        level: "ERROR",
        message: "notifier.failed",
        code: "INVALID_INPUT",
        error: "input.event.detail.state: is missing",
      },
      {
        service: "incident-escalation-notifier",
        level: "ERROR",
        message: "notifier.failed",
        code: "INVALID_INPUT",
        error: 'input.event.source: expected "aws.cloudwatch"',
      },
    ]);
    assertNoSecretsLogged();
  });

  it("logs no URL, key or reason, and throws none, across mixed failures", async () => {
    const port = await closedPort();
    receiver.script("/ticketing", { status: 503 }, { status: 200 });
    receiver.script("/pager", { status: 500 });
    useSecret({
      ticketing: receiver.url("/ticketing"),
      pager: receiver.url("/pager"),
      archive: `http://localhost:${port}/down`,
    });
    const { handler } = coldStart(
      testEnv([
        { name: "ticketing", levels: ["critical"] },
        { name: "pager", levels: ["critical"] },
        { name: "archive", levels: ["critical"] },
      ]),
    );

    let thrown: unknown;
    await handler(input("critical")).catch((err: unknown) => (thrown = err));
    assert.ok(thrown instanceof NotifyError);
    assert.match(
      thrown.message,
      /^2 of 3 webhooks failed after 3 attempts each: pager \(HTTP 500\), archive \(connection error( [A-Z_]+)?\)$/,
    );
    assert.ok(records().length >= 8);
    logs.push(thrown.message, String(thrown.stack));
    assertNoSecretsLogged(["localhost", String(port), "/down", "/pager", "/ticketing"]);
  });

  it("property: over real HTTP, the body received is JSON of the payload and the signature verifies over its bytes", async () => {
    receiver.script("/ticketing", { status: 200 });
    useSecret({ ticketing: receiver.url("/ticketing") });
    const { handler } = coldStart(testEnv([{ name: "ticketing", levels: ["critical"] }]));
    const text = fc.oneof(
      fc.string({ unit: "binary", maxLength: 60 }),
      fc.string({
        unit: fc.constantFrom('"', "\\", "\n", "\u2028", "\uD83D", "\uDEA8", "é", "🚨", "\u0000"),
        maxLength: 20,
      }),
    );

    await fc.assert(
      fc.asyncProperty(
        text.filter((s) => s.length > 0),
        text,
        async (alarmName, reason) => {
          const before = receiver.received.length;
          await handler(input("critical", alarmEvent({ alarmName, reason })));
          assert.equal(receiver.received.length, before + 1);
          const req = receiver.received[before];
          assertSignedDelivery(req, "ticketing", {
            ...ALARM_PAYLOAD,
            alarmName,
            reason,
            consoleUrl: consoleUrl("ap-northeast-1", alarmName),
            // What display holds is proven by the literal table of untrustedText.spec.ts; here,
            // that the raw fields arrive unchanged beside it and the signature covers both.
            display: { alarmName: stripUnsafe(alarmName), reason: stripUnsafe(reason, true) },
          });
        },
      ),
      { numRuns: 40 },
    );
    assert.equal(sm.commandCalls(GetSecretValueCommand).length, 1);
  });
});
