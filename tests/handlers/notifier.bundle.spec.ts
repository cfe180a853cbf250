// Runs the notifier bundle in a child Node process, as a cold start, with the real AWS SDK bundled
// inside it pointed at a local Secrets Manager stub (AWS_ENDPOINT_URL_SECRETS_MANAGER, fake
// credentials) and a local webhook receiver, all on 127.0.0.1. Deliveries run against a TEST build:
// tools/bundle.mjs's own options with __NOTIFIER_TEST_SWITCHES__ defined true, so plain http to
// 127.0.0.1 (ALLOW_INSECURE_LOCALHOST) works; the built dist/bundles/notifier/index.js (what is
// deployed) is shown to lack that switch and to refuse loopback destinations.
//
// What this does NOT prove: that the real Secrets Manager or IAM accept the request (the stub
// answers any well-formed GetSecretValue call; it only checks the target, the SecretId and that a
// SigV4 signature is present); that the bundle runs on the Lambda nodejs24.x runtime (it runs on
// the local Node: 24 in CI); TLS to real receivers; Lambda's async retries and DLQ. Behaviour in detail is
// covered by notifier.spec.ts against the TypeScript sources.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSync, type BuildOptions } from "esbuild";
import { deliveryId } from "../../handlers/notifier/core";
import { verifyEscalationRequest } from "../../handlers/notifier/verify";

const ROOT = join(__dirname, "..", "..");
const BUNDLE = join(ROOT, "dist", "bundles", "notifier", "index.js");
const SOURCES = ["core.ts", "adapters.ts", "handler.ts", "transport.ts", "destination.ts"].map(
  (f) => join(ROOT, "handlers", "notifier", f),
);
const ARN =
  "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:incident-escalation/webhooks-AbCdEf";
const KEY = "bundle-test-signing-key-0123456789abcdef";
const EVENT_ID = "0b6c1c2e-5a4f-4b9e-9d1e-1f2a3b4c5d6e";
const REASON = 'Threshold Crossed: 1 datapoint [99.0] was >= the threshold (50.0) "bundle"';

interface Recorded {
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A 127.0.0.1 server that records requests and answers with `respond`. */
async function startServer(
  respond: (req: Recorded) => { status: number; headers?: Record<string, string>; body?: string },
): Promise<{ url: string; received: Recorded[]; close: () => Promise<void> }> {
  const received: Recorded[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const rec = { path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks) };
      received.push(rec);
      const out = respond(rec);
      res.writeHead(out.status, out.headers).end(out.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Secrets Manager's JSON protocol, just GetSecretValue. */
function secretsManagerStub(secretString: string) {
  return (req: Recorded) => {
    if (req.headers["x-amz-target"] !== "secretsmanager.GetSecretValue") {
      return { status: 400, body: JSON.stringify({ __type: "InvalidRequestException" }) };
    }
    return {
      status: 200,
      headers: { "content-type": "application/x-amz-json-1.1" },
      body: JSON.stringify({
        ARN,
        Name: "incident-escalation/webhooks",
        SecretString: secretString,
        VersionId: "00000000-0000-0000-0000-000000000001",
        VersionStages: ["AWSCURRENT"],
        CreatedDate: 1570000000,
      }),
    };
  };
}

// Loads the bundle like the Lambda runtime does (require, then call `handler`), invokes it once,
// and prints one RESULT/ERROR line after the handler's own JSON log lines.
const CHILD = `
const { handler } = require(process.argv[1]);
handler(JSON.parse(process.argv[2]), {}).then(
  (r) => console.log("RESULT " + JSON.stringify(r)),
  (e) => { console.log("ERROR " + JSON.stringify({ name: e.name, code: e.code, message: e.message })); process.exitCode = 1; },
);
`;

interface ChildRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The test build (see the header); set in `before`. */
let testBundle = "";

function runBundle(
  env: Record<string, string>,
  event: unknown,
  bundle: string = testBundle,
): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", CHILD, bundle, JSON.stringify(event)], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

function alarmInput(): unknown {
  return {
    level: "critical",
    event: {
      version: "0",
      id: EVENT_ID,
      "detail-type": "CloudWatch Alarm State Change",
      source: "aws.cloudwatch",
      account: "123456789012",
      time: "2024-05-01T03:00:00Z",
      region: "ap-northeast-1",
      resources: ["arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:prod-critical-api-5xx"],
      detail: {
        alarmName: "prod-critical-api-5xx",
        state: { value: "ALARM", reason: REASON, timestamp: "2024-05-01T03:00:00.123+0000" },
        previousState: { value: "OK", reason: "ok", timestamp: "2024-04-30T00:00:00.000+0000" },
        configuration: { metrics: [] },
      },
    },
  };
}

describe("notifier bundle (dist/bundles/notifier/index.js in a child process)", () => {
  let home: string;

  before(function () {
    if (!existsSync(BUNDLE)) {
      throw new Error(
        `${BUNDLE} is missing: run \`npm run bundle\` first (npm test does it in pretest)`,
      );
    }
    const built = statSync(BUNDLE).mtimeMs;
    for (const src of SOURCES) {
      if (statSync(src).mtimeMs > built) {
        throw new Error(`${BUNDLE} is older than ${src}: run \`npm run bundle\``);
      }
    }
    home = mkdtempSync(join(tmpdir(), "notifier-bundle-"));
  });

  before(async () => {
    // ts-node compiles import() to require(), which loads an ES module on Node 24.
    const tools = (await import(join(ROOT, "tools", "bundle.mjs"))) as {
      bundleOptions: (fn: string) => BuildOptions;
    };
    const options = tools.bundleOptions("notifier");
    testBundle = join(home, "notifier-test-build.js");
    buildSync({
      ...options,
      define: { ...options.define, __NOTIFIER_TEST_SWITCHES__: "true" },
      write: true,
      outfile: testBundle,
    });
  });

  after(() => {
    if (home) rmSync(home, { recursive: true, force: true });
  });

  function childEnv(smUrl: string, extra: Record<string, string>): Record<string, string> {
    return {
      HOME: home,
      AWS_CONFIG_FILE: join(home, "no-config"),
      AWS_SHARED_CREDENTIALS_FILE: join(home, "no-credentials"),
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_REGION: "ap-northeast-1",
      AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
      AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      AWS_ENDPOINT_URL_SECRETS_MANAGER: smUrl,
      AWS_MAX_ATTEMPTS: "1",
      WEBHOOK_SECRET_ARN: ARN,
      ACCOUNT_ID: "123456789012",
      WEBHOOK_TIMEOUT_MS: "2000",
      WEBHOOK_BACKOFF_MS: "10",
      ALLOW_INSECURE_LOCALHOST: "true",
      ...extra,
    };
  }

  /** The child's stdout lines: the handler's JSON logs, then RESULT/ERROR. */
  function outputLines(run: ChildRun): { logs: Record<string, unknown>[]; last: string } {
    const lines = run.stdout.trim().split("\n");
    const last = lines.at(-1) ?? "";
    const logs = lines.slice(0, -1).map((l) => JSON.parse(l) as Record<string, unknown>);
    return { logs, last };
  }

  it("reads the secret through the bundled SDK and delivers one signed POST", async () => {
    const receiver = await startServer(() => ({ status: 202 }));
    const secret = JSON.stringify({ ticketing: { url: `${receiver.url}/hook`, signingKey: KEY } });
    const sm = await startServer(secretsManagerStub(secret));
    try {
      const run = await runBundle(
        childEnv(sm.url, {
          WEBHOOKS: '[{"name":"ticketing","levels":["critical"],"allowPrivateNetwork":true}]',
        }),
        alarmInput(),
      );
      assert.equal(run.code, 0, run.stderr);
      const { logs, last } = outputLines(run);
      assert.equal(
        last,
        `RESULT ${JSON.stringify({ level: "critical", eventId: EVENT_ID, delivered: ["ticketing"] })}`,
      );

      assert.equal(sm.received.length, 1);
      const call = sm.received[0];
      assert.equal(call.headers["x-amz-target"], "secretsmanager.GetSecretValue");
      assert.deepEqual(JSON.parse(call.body.toString("utf8")), { SecretId: ARN });
      assert.match(
        String(call.headers.authorization),
        /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/ap-northeast-1\/secretsmanager\/aws4_request,/,
      );

      assert.equal(receiver.received.length, 1);
      const req = receiver.received[0];
      assert.equal(req.path, "/hook");
      assert.equal(req.headers["x-escalation-webhook"], "ticketing");
      assert.equal(req.headers["x-escalation-delivery"], deliveryId(EVENT_ID, "ticketing"));
      assert.equal(req.headers["user-agent"], "incident-escalation-notifier");
      assert.match(String(req.headers["x-escalation-signature"]), /^v1=[0-9a-f]{64}$/);
      assert.match(String(req.headers["x-escalation-signature-v2"]), /^v2=[0-9a-f]{64}$/);
      assert.ok(
        verifyEscalationRequest(KEY, req.body, req.headers),
        "the bundle's v2 signature does not verify",
      );
      assert.deepEqual(JSON.parse(req.body.toString("utf8")), {
        level: "critical",
        state: "ALARM",
        previousState: "OK",
        alarmName: "prod-critical-api-5xx",
        reason: REASON,
        time: "2024-05-01T03:00:00.123Z",
        account: "123456789012",
        region: "ap-northeast-1",
        consoleUrl:
          "https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1#alarmsV2:alarm/prod-critical-api-5xx",
        display: { alarmName: "prod-critical-api-5xx", reason: REASON },
      });

      assert.deepEqual(
        logs.map((l) => l.message),
        ["webhook.delivered", "notifier.done"],
      );
      for (const line of run.stdout.split("\n").slice(0, -2)) {
        for (const needle of ["127.0.0.1", KEY, REASON]) assert.ok(!line.includes(needle), line);
      }
    } finally {
      await receiver.close();
      await sm.close();
    }
  });

  it("maps a Secrets Manager error to SECRET_UNAVAILABLE with the AWS error name", async () => {
    const sm = await startServer(() => ({
      status: 400,
      headers: { "content-type": "application/x-amz-json-1.1" },
      body: JSON.stringify({
        __type: "AccessDeniedException",
        message: `User is not authorized to perform secretsmanager:GetSecretValue on ${ARN}`,
      }),
    }));
    try {
      const run = await runBundle(
        childEnv(sm.url, { WEBHOOKS: '[{"name":"ticketing","levels":["critical"]}]' }),
        alarmInput(),
      );
      assert.equal(run.code, 1);
      const { logs, last } = outputLines(run);
      const message = "WEBHOOK_SECRET_ARN: could not read the secret (AccessDeniedException)";
      assert.equal(
        last,
        `ERROR ${JSON.stringify({ name: "NotifyError", code: "SECRET_UNAVAILABLE", message })}`,
      );
      assert.deepEqual(logs.at(-1), {
        service: "incident-escalation-notifier",
        level: "ERROR",
        message: "notifier.failed",
        alertLevel: "critical",
        eventId: EVENT_ID,
        alarmName: "prod-critical-api-5xx",
        state: "ALARM",
        code: "SECRET_UNAVAILABLE",
        error: message,
      });
      assert.equal(sm.received.length, 1);
    } finally {
      await sm.close();
    }
  });

  it("fails the cold start on a malformed variable, naming it, before any call", async () => {
    const sm = await startServer(() => ({ status: 500 }));
    try {
      const run = await runBundle(
        childEnv(sm.url, {
          WEBHOOKS: '[{"name":"ticketing","levels":["critical"]}]',
          WEBHOOK_TIMEOUT_MS: "5s",
        }),
        alarmInput(),
      );
      assert.notEqual(run.code, 0);
      const message = 'WEBHOOK_TIMEOUT_MS: must be an integer from 100 to 30000 (got "5s")';
      assert.equal(
        run.stdout.trim(),
        JSON.stringify({
          service: "incident-escalation-notifier",
          level: "ERROR",
          message: "notifier.init_failed",
          code: "INVALID_CONFIG",
          error: message,
        }),
      );
      assert.ok(run.stderr.includes(`NotifyError: ${message}`), run.stderr);
      assert.equal(sm.received.length, 0);
    } finally {
      await sm.close();
    }
  });

  describe("the deployed bundle (dist/bundles/notifier/index.js)", () => {
    const WEBHOOKS_PRIVATE =
      '[{"name":"ticketing","levels":["critical"],"allowPrivateNetwork":true}]';
    const WEBHOOKS_DEFAULT = '[{"name":"ticketing","levels":["critical"]}]';

    it("contains no test switch: neither ALLOW_INSECURE_LOCALHOST nor __NOTIFIER_TEST_SWITCHES__ (esbuild define false removes the block)", () => {
      const code = readFileSync(BUNDLE, "utf8");
      assert.equal(code.includes("ALLOW_INSECURE_LOCALHOST"), false);
      assert.equal(code.includes("__NOTIFIER_TEST_SWITCHES__"), false);
      // The test build has it, so the check above is not vacuous.
      assert.equal(readFileSync(testBundle, "utf8").includes("ALLOW_INSECURE_LOCALHOST"), true);
    });

    it("ALLOW_INSECURE_LOCALHOST=true does not admit http://127.0.0.1, even with allowPrivateNetwork: the secret is refused, nothing is sent", async () => {
      const receiver = await startServer(() => ({ status: 202 }));
      const secret = JSON.stringify({
        ticketing: { url: `${receiver.url}/hook`, signingKey: KEY },
      });
      const sm = await startServer(secretsManagerStub(secret));
      try {
        const run = await runBundle(
          childEnv(sm.url, { WEBHOOKS: WEBHOOKS_PRIVATE, ALLOW_INSECURE_LOCALHOST: "true" }),
          alarmInput(),
          BUNDLE,
        );
        assert.notEqual(run.code, 0);
        assert.equal(
          outputLines(run).last,
          "ERROR " +
            JSON.stringify({
              name: "NotifyError",
              code: "INVALID_SECRET",
              message: 'WEBHOOK_SECRET_ARN: entry "ticketing".url must be an https:// URL',
            }),
        );
        assert.equal(receiver.received.length, 0);
      } finally {
        await sm.close();
        await receiver.close();
      }
    });

    for (const [label, host] of [
      ["an IP literal, 127.0.0.1", "127.0.0.1"],
      ["a name that resolves to loopback, localhost", "localhost"],
      ["an IPv4-mapped IPv6 literal, [::ffff:127.0.0.1]", "[::ffff:127.0.0.1]"],
    ] as const) {
      it(`refuses an https webhook on ${label} without connecting: DESTINATION_REFUSED after every attempt, named by webhook, never by URL`, async () => {
        const receiver = await startServer(() => ({ status: 202 }));
        const port = new URL(receiver.url).port;
        const secret = JSON.stringify({
          ticketing: { url: `https://${host}:${port}/hook`, signingKey: KEY },
        });
        const sm = await startServer(secretsManagerStub(secret));
        try {
          const run = await runBundle(
            childEnv(sm.url, { WEBHOOKS: WEBHOOKS_DEFAULT, WEBHOOK_ATTEMPTS: "2" }),
            alarmInput(),
            BUNDLE,
          );
          assert.notEqual(run.code, 0);
          assert.equal(
            outputLines(run).last,
            "ERROR " +
              JSON.stringify({
                name: "NotifyError",
                code: "DELIVERY_FAILED",
                message:
                  "1 of 1 webhook failed after 2 attempts each: ticketing (connection error DESTINATION_REFUSED)",
              }),
          );
          assert.equal(receiver.received.length, 0);
          assert.equal(run.stdout.includes(port), false, "the port (part of the URL) is logged");
        } finally {
          await sm.close();
          await receiver.close();
        }
      });
    }
  });
});
