/**
 * Router bundle: runs the artefact Lambda gets, dist/bundles/router/index.js (`index.handler`),
 * in a child process with a minimal environment (fake credentials, no profile, no IMDS) and
 * the SDK clients pointed at a stub HTTP server on 127.0.0.1 through
 * AWS_ENDPOINT_URL_SSM_INCIDENTS / _SSM_CONTACTS / _DYNAMODB / _SCHEDULER (honoured by every
 * installed client, ssm-contacts 3.523 included). Build it first: `npm run bundle` (`npm test`
 * does).
 *
 * What this spec does NOT prove:
 * - that AWS accepts the requests: the stub accepts any well-formed body (router.spec.ts checks
 *   the inputs against the API models), and does not verify SigV4 signatures.
 * - the Lambda runtime itself (nodejs24.x, arm64, JSON log format, init timeouts, async
 *   retries, DLQ): the bundle runs under the local Node version.
 * - that the bundle is the one deployed: the component spec asserts the code path and hash.
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  alarmArn,
  alarmName,
  changeToken,
  CONTACT_PRIMARY,
  CONTACT_SECONDARY,
  DEDUPE_ENV,
  DEDUPE_TABLE,
  DRILL_ENV,
  codeFolder,
  ENV,
  FUNCTION_ARN,
  STATE_TIME,
  expectedEngagement,
  expectedIncident,
  PLAN_CRITICAL,
  REGION,
  routerInput,
  startStub,
  success,
  type Stub,
  type StubResponse,
} from "./fixtures/routerFixtures";

const BUNDLE = path.join(__dirname, "..", "..", "dist", "bundles", "router", "index.js");

/**
 * Requires the bundle, invokes `handler` once (with a Lambda-like context), prints
 * RESULT/REJECTED as one JSON line.
 */
const INVOKE = `
const { handler } = require(process.argv[1]);
const context = { invokedFunctionArn: process.argv[3], awsRequestId: "req-1" };
handler(JSON.parse(process.argv[2]), context).then(
  (result) => console.log(JSON.stringify({ RESULT: result })),
  (err) => {
    console.log(JSON.stringify({ REJECTED: { name: err.name } }));
    process.exitCode = 1;
  },
);`;

interface Run {
  readonly code: number | null;
  /** stdout lines parsed as JSON (the handler's log line and RESULT / REJECTED). */
  readonly lines: Record<string, unknown>[];
  readonly stderr: string;
}

/** Runs the bundle in a child process; only the variables given here reach it. */
function invokeBundle(
  stubUrl: string,
  input: unknown,
  env: Record<string, string> = ENV,
): Promise<Run> {
  const home = os.tmpdir();
  const args = ["-e", INVOKE, BUNDLE, JSON.stringify(input), FUNCTION_ARN];
  // The routing table travels in the function's code (routing.json in LAMBDA_TASK_ROOT).
  const { ROUTING_TABLE: table, ...variables } = env;
  const child = spawn(process.execPath, args, {
    env: {
      ...variables,
      LAMBDA_TASK_ROOT: codeFolder(table),
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
      AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      AWS_ENDPOINT_URL_SSM_INCIDENTS: stubUrl,
      AWS_ENDPOINT_URL_SSM_CONTACTS: stubUrl,
      AWS_ENDPOINT_URL_DYNAMODB: stubUrl,
      AWS_ENDPOINT_URL_SCHEDULER: stubUrl,
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_CONFIG_FILE: path.join(home, "router-bundle-spec-no-config"),
      AWS_SHARED_CREDENTIALS_FILE: path.join(home, "router-bundle-spec-no-credentials"),
      HOME: home,
    },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      const lines = stdout
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      resolve({ code, lines, stderr });
    });
  });
}

describe("router bundle (dist/bundles/router/index.js against a local HTTP stub)", () => {
  let stub: Stub;
  let respond: (request: Parameters<typeof success>[0]) => StubResponse | "hang";

  before(async () => {
    if (!existsSync(BUNDLE)) {
      throw new Error(`${BUNDLE} is missing: run \`npm run bundle\` first (npm test does)`);
    }
    stub = await startStub((request) => respond(request));
  });
  after(async () => {
    await stub?.close();
  });
  beforeEach(() => {
    stub.requests.length = 0;
    respond = success;
  });

  it("ALARM on critical: exactly one StartIncident with the expected body", async () => {
    const run = await invokeBundle(stub.url, routerInput("critical"));
    assert.equal(run.code, 0, run.stderr);
    const expected = expectedIncident("critical", PLAN_CRITICAL, 1);
    assert.deepEqual(stub.requests, [
      {
        operation: "StartIncident",
        // The REST-JSON protocol sends timestamps as epoch seconds.
        body: {
          ...expected,
          triggerDetails: { ...expected.triggerDetails, timestamp: 1570035880.989 },
        },
      },
    ]);
    const incidentArn = (
      success({ operation: "StartIncident", body: undefined }).body as {
        incidentRecordArn: string;
      }
    ).incidentRecordArn;
    assert.deepEqual(run.lines, [
      {
        alertLevel: "critical",
        alarmName: alarmName("critical"),
        decision: "page",
        incidentArn,
        engagements: 0,
      },
      { RESULT: { decision: "page", incidentArn, engagements: 0 } },
    ]);
  });

  it("ALARM on warning: exactly one StartEngagement per contact with the expected body", async () => {
    const run = await invokeBundle(stub.url, routerInput("warning"));
    assert.equal(run.code, 0, run.stderr);
    const contactOf = (r: { body: unknown }): string => (r.body as { ContactId: string }).ContactId;
    // The two engagements run concurrently: compare in contact order.
    const requests = [...stub.requests].sort((a, b) => contactOf(a).localeCompare(contactOf(b)));
    assert.deepEqual(requests, [
      { operation: "StartEngagement", body: expectedEngagement("warning", CONTACT_PRIMARY) },
      { operation: "StartEngagement", body: expectedEngagement("warning", CONTACT_SECONDARY) },
    ]);
  });

  it("OK: no request at all", async () => {
    const run = await invokeBundle(stub.url, routerInput("critical", "OK"));
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(stub.requests, []);
    assert.deepEqual(run.lines.at(-1), { RESULT: { decision: "ignore", reason: "state OK" } });
  });

  it("a stub answering 500: the SDK tries 8 times (the Incident Manager client's maximum) with the same clientToken, then the invocation rejects", async () => {
    respond = () => ({
      status: 500,
      headers: { "x-amzn-errortype": "InternalServerException" },
      body: { message: "internal error" },
    });
    const run = await invokeBundle(stub.url, routerInput("critical"));
    assert.equal(run.code, 1);
    assert.equal(stub.requests.length, 8);
    const tokens = new Set(
      stub.requests.map((r) => (r.body as { clientToken: string }).clientToken),
    );
    assert.equal(tokens.size, 1);
    assert.deepEqual(run.lines, [
      {
        alertLevel: "critical",
        alarmName: alarmName("critical"),
        decision: "error",
        error: "InternalServerException",
        httpStatusCode: 500,
      },
      { REJECTED: { name: "InternalServerException" } },
    ]);
  });

  it("DEDUPE_TABLE set: GetItem, conditional PutItem, StartIncident, UpdateItem on the wire", async () => {
    const run = await invokeBundle(stub.url, routerInput("critical"), DEDUPE_ENV);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      stub.requests.map((r) => r.operation),
      ["DynamoDB.GetItem", "DynamoDB.PutItem", "StartIncident", "DynamoDB.UpdateItem"],
    );
    const [get, put, , update] = stub.requests.map((r) => r.body as Record<string, unknown>);
    const key = { alarmArn: { S: alarmArn("critical") } };
    assert.deepEqual(get, { TableName: DEDUPE_TABLE, Key: key, ConsistentRead: true });
    const item = put.Item as Record<string, { S: string }>;
    assert.equal(put.ConditionExpression, "attribute_not_exists(alarmArn)");
    assert.deepEqual(
      { state: item.state, alarmAt: item.alarmAt, clientToken: item.clientToken },
      {
        state: { S: "opening" },
        alarmAt: { S: STATE_TIME.toISOString() },
        clientToken: { S: changeToken("critical") },
      },
    );
    assert.equal(update.ConditionExpression, "clientToken = :token");
    assert.deepEqual(run.lines.at(-1), {
      RESULT: {
        decision: "page",
        incidentArn: "arn:aws:ssm-incidents::123456789012:incident-record/prod-critical/0a1b2c3d",
        engagements: 0,
        dedupe: "opened",
      },
    });
  });

  it("DEDUPE_TABLE unreachable (500s): fails open, the incident is still started", async () => {
    respond = (request) =>
      request.operation.startsWith("DynamoDB.")
        ? {
            status: 500,
            headers: { "x-amzn-errortype": "InternalServerError" },
            body: { __type: "com.amazonaws.dynamodb.v20120810#InternalServerError", message: "x" },
          }
        : success(request);
    const run = await invokeBundle(stub.url, routerInput("critical"), DEDUPE_ENV);
    assert.equal(run.code, 0, run.stderr);
    // The dedupe client gives up after 3 attempts (not 5): paging must not wait on it.
    assert.deepEqual(
      stub.requests.map((r) => r.operation),
      [...Array<string>(3).fill("DynamoDB.GetItem"), "StartIncident"],
    );
    const [line] = run.lines;
    assert.equal(line.dedupe, "unavailable");
    assert.deepEqual(line.dedupeError, { error: "InternalServerError", httpStatusCode: 500 });
  });

  it("DEDUPE_TABLE hanging (no answer): times out within seconds, then pages", async () => {
    respond = (request) => (request.operation.startsWith("DynamoDB.") ? "hang" : success(request));
    const started = Date.now();
    const run = await invokeBundle(stub.url, routerInput("critical"), DEDUPE_ENV);
    const seconds = (Date.now() - started) / 1000;
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      stub.requests.map((r) => r.operation),
      [...Array<string>(3).fill("DynamoDB.GetItem"), "StartIncident"],
    );
    assert.equal(run.lines[0].dedupe, "unavailable");
    assert.equal((run.lines[0].dedupeError as { error: string }).error, "TimeoutError");
    // 3 attempts × 2 s request timeout, plus backoff and process start-up.
    assert.ok(seconds < 12, `took ${seconds} s`);
  });

  it("a drill event is no longer the router's (drills have their own function): it fails as malformed, before any request", async () => {
    const input = {
      drill: { level: "critical", scheduledTime: "2026-12-07T01:00:00Z", reportAfterMinutes: 30 },
    };
    const run = await invokeBundle(stub.url, input, DRILL_ENV);
    assert.deepEqual(stub.requests, []);
    assert.equal(run.code, 1);
    assert.deepEqual(run.lines, [
      {
        alertLevel: null,
        alarmName: null,
        decision: "error",
        error: "RoutingError",
        code: "MALFORMED_EVENT",
        message: "level: expected a string, got nothing",
      },
      { REJECTED: { name: "RoutingError" } },
    ]);
  });

  it("a missing routing.json fails the cold start naming it, before any request", async () => {
    const env: Record<string, string> = { ...ENV };
    delete env.ROUTING_TABLE;
    const run = await invokeBundle(stub.url, routerInput("critical"), env);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /RouterConfigError: ROUTING_TABLE: routing.json is missing from the function's code/,
    );
    assert.deepEqual(stub.requests, []);
  });
});
