/**
 * Delivery-events bundle: runs the artefact Lambda gets, dist/bundles/deliveryEvents/index.js
 * (`index.handler`), in a child process with a minimal environment (fake credentials, no profile,
 * no IMDS), its DynamoDB and SNS clients pointed at a stub HTTP server on 127.0.0.1
 * (AWS_ENDPOINT_URL_DYNAMODB / _SNS), and records the exact wire requests: DynamoDB JSON 1.0
 * (X-Amz-Target DynamoDB_20120810.<op>) and SNS's query protocol (form-encoded Action=Publish).
 * Build it first: `npm run bundle` (`npm test` does).
 *
 * What this spec does NOT prove: that AWS accepts the requests (the stub accepts any well-formed
 * body; deliveryEvents.spec.ts checks the inputs against the API models) or verifies SigV4; the
 * Lambda runtime itself (asynchronous retries, the dead-letter queue): the bundle runs under the
 * local Node version.
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { openIncidentRequest } from "../../handlers/shared/incidentStore";
import {
  CONNECT_NO_ANSWER,
  CONTACT_ID,
  PHONE,
  RECIPIENT,
  REGION,
  SES_BOUNCE,
  SES_BOUNCE_RECORD,
  SES_MESSAGE_ID,
  TABLE,
  TOPIC_ARN,
} from "./fixtures/deliveryEventFixtures";

const BUNDLE = path.join(__dirname, "..", "..", "dist", "bundles", "deliveryEvents", "index.js");

const INVOKE = `
const { handler } = require(process.argv[1]);
handler(JSON.parse(process.argv[2])).then(
  (result) => console.log(JSON.stringify({ RESULT: result })),
  (err) => {
    console.log(JSON.stringify({ REJECTED: { name: err.name } }));
    process.exitCode = 1;
  },
);`;

interface WireRequest {
  readonly operation: string;
  readonly body: unknown;
}

const INCIDENT = openIncidentRequest(TABLE, {
  id: "inc-1",
  alarmName: "prod-critical-api-5xx",
  alertLevel: "critical",
  openedAt: new Date("2026-12-02T00:59:00.000Z"),
}).Item!;

/** The index answers for the sample's SES MessageId and Connect ContactId; nothing else is ours. */
function answer(req: WireRequest): { status: number; type: string; body: string } {
  if (req.operation === "DynamoDB.GetItem") {
    const pk = (req.body as { Key: { pk: { S: string } } }).Key.pk.S;
    const mapped: Record<string, [string, string]> = {
      [`MESSAGE#${SES_MESSAGE_ID}`]: ["sato", "email"],
      [`MESSAGE#${CONTACT_ID}`]: ["sato", "voice"],
    };
    const m = mapped[pk];
    const item = m && {
      pk: { S: pk },
      incidentId: { S: "inc-1" },
      contact: { S: m[0] },
      channel: { S: m[1] },
      sentAt: { S: "2026-12-02T01:00:00.000Z" },
      expiresAt: { N: "1803949200" },
    };
    return {
      status: 200,
      type: "application/x-amz-json-1.0",
      body: JSON.stringify(item ? { Item: item } : {}),
    };
  }
  if (req.operation === "DynamoDB.UpdateItem") {
    return {
      status: 200,
      type: "application/x-amz-json-1.0",
      body: JSON.stringify({ Attributes: INCIDENT }),
    };
  }
  if (req.operation === "SNS.Publish") {
    return {
      status: 200,
      type: "text/xml",
      body: '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>n-1</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>',
    };
  }
  return { status: 400, type: "application/json", body: "{}" };
}

async function startStub(): Promise<{
  url: string;
  requests: WireRequest[];
  close(): Promise<void>;
}> {
  const requests: WireRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const target = /^DynamoDB_20120810\.(\w+)$/.exec(String(req.headers["x-amz-target"]));
      let request: WireRequest;
      if (target) {
        request = { operation: `DynamoDB.${target[1]}`, body: JSON.parse(text) };
      } else {
        const form = Object.fromEntries(new URLSearchParams(text));
        request = { operation: `SNS.${form.Action}`, body: form };
      }
      requests.push(request);
      const reply = answer(request);
      res.writeHead(reply.status, { "content-type": reply.type });
      res.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function invokeBundle(
  stubUrl: string,
  event: unknown,
): Promise<{ code: number | null; lines: Record<string, unknown>[]; stdout: string }> {
  const home = os.tmpdir();
  const child = spawn(process.execPath, ["-e", INVOKE, BUNDLE, JSON.stringify(event)], {
    env: {
      AWS_LAMBDA_FUNCTION_NAME: "ie-prod-delivery-events",
      LAMBDA_TASK_ROOT: path.dirname(BUNDLE),
      INCIDENT_TABLE: TABLE,
      ALERTS_TOPIC_ARN: TOPIC_ARN,
      LANGUAGE: "en",
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
      AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      AWS_ENDPOINT_URL_DYNAMODB: stubUrl,
      AWS_ENDPOINT_URL_SNS: stubUrl,
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_CONFIG_FILE: path.join(home, "delivery-events-bundle-spec-no-config"),
      AWS_SHARED_CREDENTIALS_FILE: path.join(home, "delivery-events-bundle-spec-no-credentials"),
      HOME: home,
    },
  });
  let stdout = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
  child.stderr.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      const lines = stdout
        .split("\n")
        .filter((l) => l.trim().startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      resolve({ code, lines, stdout });
    });
  });
}

describe("delivery-events bundle (dist/bundles/deliveryEvents/index.js against a local HTTP stub)", function () {
  this.timeout(60_000);
  let stub: Awaited<ReturnType<typeof startStub>>;
  before(async () => {
    if (!existsSync(BUNDLE)) {
      throw new Error(`${BUNDLE} is missing: run \`npm run bundle\` first (npm test does)`);
    }
    stub = await startStub();
  });
  after(() => stub?.close());
  beforeEach(() => {
    stub.requests.length = 0;
  });

  it("an SES bounce: GetItem of the index, then exactly this UpdateItem (delivery-failed Bounce appended, ReturnValues ALL_NEW), then one Publish; the address never leaves the process", async () => {
    const run = await invokeBundle(stub.url, SES_BOUNCE);
    assert.equal(run.code, 0, run.stdout);
    assert.deepEqual(run.lines.at(-1), { RESULT: { result: "recorded" } });
    assert.deepEqual(
      stub.requests.map((r) => r.operation),
      ["DynamoDB.GetItem", "DynamoDB.UpdateItem", "SNS.Publish"],
    );
    assert.deepEqual(stub.requests[0].body, {
      TableName: TABLE,
      Key: { pk: { S: `MESSAGE#${SES_MESSAGE_ID}` } },
    });
    assert.deepEqual(stub.requests[1].body, SES_BOUNCE_RECORD);
    const publish = stub.requests[2].body as Record<string, string>;
    assert.equal(publish.TopicArn, TOPIC_ARN);
    assert.deepEqual(JSON.parse(publish.Message), {
      version: "1.0",
      source: "custom",
      content: {
        textType: "client-markdown",
        title: '[critical] a page for "prod-critical-api-5xx" did NOT reach its responder',
        description:
          "Incident inc-1: the email page to sato was NOT delivered (Bounce); sato was not reached this way. The escalation goes on; make sure someone is reached.",
      },
    });
    const wire = JSON.stringify(stub.requests) + run.stdout;
    assert.ok(!wire.includes(RECIPIENT) && !wire.includes(PHONE));
  });

  it("an unanswered call (Connect DISCONNECTED, never connected): delivery-failed no-answer on the voice channel", async () => {
    const run = await invokeBundle(stub.url, CONNECT_NO_ANSWER);
    assert.equal(run.code, 0, run.stdout);
    const entry = (
      stub.requests[1].body as {
        ExpressionAttributeValues: { ":entry": { L: { M: Record<string, { S: string }> }[] } };
      }
    ).ExpressionAttributeValues[":entry"].L[0].M;
    assert.deepEqual(entry, {
      at: { S: "2026-12-02T01:20:30.000Z" },
      kind: { S: "delivery-failed" },
      contact: { S: "sato" },
      channel: { S: "voice" },
      detail: { S: "no-answer" },
    });
  });

  it("a malformed event rejects (Lambda retries, then dead-letters) with one ERROR line naming the field, and sends nothing", async () => {
    const run = await invokeBundle(stub.url, { source: "aws.ses", "detail-type": "Email Bounced" });
    assert.equal(run.code, 1);
    assert.deepEqual(run.lines.at(-1), { REJECTED: { name: "MalformedEventError" } });
    assert.deepEqual(stub.requests, []);
    const error = run.lines.find((l) => l.message === "deliveryEvents.malformed");
    assert.deepEqual(error, {
      service: "incident-escalation-delivery-events",
      level: "ERROR",
      message: "deliveryEvents.malformed",
      reason: "event.detail is not a JSON object",
    });
  });
});
