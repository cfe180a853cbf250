/**
 * Limits checked before deploy (issue 9, finding 4 and 5): the router's timing constants
 * (handlers/shared/limits.ts) related to each other and to the AWS rules they must respect; the
 * Lambda environment size check (exact message); a 20-level stack whose routing table would not
 * fit in the environment deploys under the mock engine; the router's event source mapping
 * against the Lambda API model.
 *
 * Not proven here: that Lambda measures the environment exactly as `environmentBytes` does (it
 * counts the JSON of the Variables map, never less than Lambda's keys-plus-values aggregate, so
 * the check can only err on the safe side); that the SDK's retry timings stay as
 * @smithy/util-retry has them today (the constants are quoted, not imported); what AWS does at
 * deploy time beyond the API model's constraints.
 */
import { strict as assert } from "node:assert";
import {
  HandlerFunction,
  checkEnvironmentSize,
  environmentBytes,
} from "../../components/handlerFunction";
import { EscalationPipeline, EscalationPipelineArgs } from "../../components/escalationPipeline";
import { OPENING_TIMEOUT_MS } from "../../handlers/router/dedupe/decide";
import {
  CLAIM_TIMEOUT_MS,
  DEDUPE_ATTEMPT_TIMEOUT_MS,
  DEDUPE_CONNECTION_TIMEOUT_MS,
  DEDUPE_MAX_ATTEMPTS,
  INCIDENTS_ATTEMPT_TIMEOUT_MS,
  INCIDENTS_MAX_ATTEMPTS,
  INCIDENTS_MAX_BACKOFF_MS,
  LAMBDA_ENVIRONMENT_MAX_BYTES,
  ROUTER_MAX_CONCURRENCY,
  ROUTER_QUEUE_MAX_RECEIVES,
  ROUTER_QUEUE_VISIBILITY_TIMEOUT_SECONDS,
  ROUTER_TIMEOUT_SECONDS,
} from "../../handlers/shared/limits";
import { RecordedResource, runWithMocks } from "../../tools/mockEngine";
import { checkShape } from "../support/apiModel";
import { archiveFiles, one, ofType } from "../support/program";

const A = "123456789012";
const R = "ap-northeast-1";

describe("limits: the router's timing constants", () => {
  it("the SDK's worst-case throttling backoff over 8 attempts is 71 s (@smithy/util-retry: min(500 ms × 2^n, 20 s))", () => {
    // THROTTLING_RETRY_DELAY_BASE = 500, MAXIMUM_RETRY_DELAY = 20_000, retry n = 1..7.
    const retries = Array.from({ length: INCIDENTS_MAX_ATTEMPTS - 1 }, (_, i) => i + 1);
    const worst = retries.map((n) => Math.min(500 * 2 ** n, 20_000));
    assert.deepEqual(worst, [1000, 2000, 4000, 8000, 16000, 20000, 20000]);
    assert.equal(INCIDENTS_MAX_BACKOFF_MS, 71_000);
  });

  it("8 attempts × 5 s + 71 s of backoff (111 s) < the 120 s function timeout < the 300 s claim timeout", () => {
    const worstCallMs =
      INCIDENTS_MAX_ATTEMPTS * INCIDENTS_ATTEMPT_TIMEOUT_MS + INCIDENTS_MAX_BACKOFF_MS;
    assert.equal(worstCallMs, 111_000);
    assert.equal(ROUTER_TIMEOUT_SECONDS, 120);
    assert.ok(worstCallMs < ROUTER_TIMEOUT_SECONDS * 1000);
    assert.equal(CLAIM_TIMEOUT_MS, 300_000);
    assert.ok(ROUTER_TIMEOUT_SECONDS * 1000 < CLAIM_TIMEOUT_MS);
    // The dedupe logic reads the shared constant, not a copy.
    assert.equal(OPENING_TIMEOUT_MS, CLAIM_TIMEOUT_MS);
  });

  it("the dedupe table gives up within 3 attempts × (1 s to connect + 2 s) + 3 s of backoff (12 s), a tenth of the 120 s function timeout", () => {
    // Standard retries, throttling backoff at most min(500 ms × 2^n, 20 s) for retry n = 1, 2.
    assert.equal(DEDUPE_MAX_ATTEMPTS, 3);
    assert.equal(DEDUPE_CONNECTION_TIMEOUT_MS, 1_000);
    assert.equal(DEDUPE_ATTEMPT_TIMEOUT_MS, 2_000);
    const worstMs =
      DEDUPE_MAX_ATTEMPTS * (DEDUPE_CONNECTION_TIMEOUT_MS + DEDUPE_ATTEMPT_TIMEOUT_MS) + 3_000;
    assert.equal(worstMs, 12_000);
    assert.ok(worstMs * 10 <= ROUTER_TIMEOUT_SECONDS * 1000);
  });

  it("the queue's visibility timeout is 6 × the function timeout (720 s), as the Lambda developer guide asks", () => {
    // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html: "at least six
    // times"; and Lambda refuses a mapping whose function timeout exceeds the visibility timeout.
    assert.equal(ROUTER_QUEUE_VISIBILITY_TIMEOUT_SECONDS, 720);
    assert.ok(ROUTER_QUEUE_VISIBILITY_TIMEOUT_SECONDS >= 6 * ROUTER_TIMEOUT_SECONDS);
  });

  it("a router failing every invocation pages within 3 receives × 720 s + 60 s alarm period = 37 minutes", () => {
    // The README states this bound; tests/reliability/selfMonitoring.spec.ts replays it.
    assert.equal(ROUTER_QUEUE_MAX_RECEIVES, 3);
    assert.equal(ROUTER_QUEUE_MAX_RECEIVES * ROUTER_QUEUE_VISIBILITY_TIMEOUT_SECONDS + 60, 37 * 60);
  });

  it("the mapping's maximum concurrency (10) is within the API's 2-1000", () => {
    assert.equal(ROUTER_MAX_CONCURRENCY, 10);
    assert.deepEqual(
      checkShape("lambda", "ScalingConfig", { MaximumConcurrency: ROUTER_MAX_CONCURRENCY }),
      [],
    );
    assert.deepEqual(checkShape("lambda", "ScalingConfig", { MaximumConcurrency: 1 }), [
      "MaximumConcurrency: 1 is below the minimum 2",
    ]);
  });
});

describe("limits: Lambda environment size (4 KB for all variables together)", () => {
  it("measures the Variables map as JSON, in UTF-8 bytes", () => {
    assert.equal(LAMBDA_ENVIRONMENT_MAX_BYTES, 4096);
    assert.equal(environmentBytes({}), 2);
    // {"A":"b"}: 9 bytes; a Japanese character takes 3.
    assert.equal(environmentBytes({ A: "b" }), 9);
    assert.equal(environmentBytes({ A: "通" }), 11);
  });

  it("accepts 4096 bytes and refuses 4097 with a message naming the function and the largest variable", () => {
    // {"BIG":"<x>"} is 10 bytes of JSON around the value.
    assert.doesNotThrow(() => checkEnvironmentSize("ie-prod-router", { BIG: "x".repeat(4086) }));
    assert.throws(
      () => checkEnvironmentSize("ie-prod-router", { SMALL: "s", BIG: "x".repeat(4075) }),
      {
        message:
          "Lambda function ie-prod-router: its environment variables take 4097 bytes, above " +
          "Lambda's limit of 4096 bytes (4 KB) for all variables together; the largest is BIG " +
          "(4078 bytes)",
      },
    );
  });

  it("refuses a too-large environment under the mock engine: the component throws before any resource is registered", async () => {
    await assert.rejects(
      runWithMocks(
        { stack: "limits" },
        () =>
          new HandlerFunction("big", {
            functionName: "ie-big-fn",
            handler: "router",
            description: "too much environment",
            environment: { BLOB: "ap-northeast-1".repeat(400) },
            statements: [],
            timeoutSeconds: 10,
            memoryMb: 128,
            logRetentionDays: 1,
            maximumRetryAttempts: 0,
            alertsTopicArn: `arn:aws:sns:${R}:${A}:t`,
          }),
      ),
      {
        message:
          "Lambda function ie-big-fn: its environment variables take 5611 bytes, above " +
          "Lambda's limit of 4096 bytes (4 KB) for all variables together; the largest is BLOB " +
          "(5604 bytes)",
      },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// 20 levels: 5 paging, 15 engaging 3 contacts each
// ---------------------------------------------------------------------------------------------

const aliases = Array.from({ length: 9 }, (_, i) => `responder-${String(i + 1).padStart(2, "0")}`);
const levels: EscalationPipelineArgs["levels"] = Object.fromEntries([
  ...Array.from({ length: 5 }, (_, i) => [`page-${i + 1}`, { impact: i + 1, page: true }]),
  ...Array.from({ length: 15 }, (_, i) => [
    `engage-${String(i + 1).padStart(2, "0")}`,
    {
      impact: 3,
      page: false,
      engage: [0, 1, 2].map((k) => aliases[(i + k * 3) % aliases.length]),
    },
  ]),
]);
const twenty: EscalationPipelineArgs = {
  stack: "big",
  prefix: "ie-big-stack",
  incidentManager: { replicationSet: "existing" },
  contacts: aliases.map((alias, i) => ({
    alias,
    displayName: `Responder ${i + 1}`,
    email: `${alias}@example.com`,
    engagement: [{ after: 0, via: ["email"] }],
  })),
  escalation: [{ engage: [aliases[0]], minutes: 15 }],
  levels,
  alarms: [],
  notifications: { slack: { teamId: "T0000000000", channelId: "C0000000000" } },
};

describe("limits: a 20-level stack (5 paging, 15 engaging 3 contacts each)", () => {
  let res: RecordedResource[];
  before(async () => {
    ({ resources: res } = await runWithMocks(
      { stack: twenty.stack },
      () => new EscalationPipeline("big", twenty),
    ));
  });

  it("deploys under the mocks: its routing table travels in routing.json, the environment stays small", async () => {
    const fn = one(res, "aws:lambda/function:Function", "big-router").inputs;
    const variables = (fn.environment as { variables: Record<string, string> }).variables;
    assert.deepEqual(Object.keys(variables).sort(), [
      "ACCOUNT_ID",
      "DEDUPE_TABLE",
      "ENGAGEMENT_SENDER",
      "INCIDENT_SOURCE",
    ]);
    assert.ok(environmentBytes(variables) < 300, String(environmentBytes(variables)));
    const table = JSON.parse((await archiveFiles(fn.code))["routing.json"]) as Record<
      string,
      { engage?: string[]; responsePlanArn?: string }
    >;
    assert.equal(Object.keys(table).length, 20);
    assert.equal(Object.values(table).filter((l) => l.responsePlanArn).length, 5);
    assert.deepEqual(table["engage-01"], {
      impact: 3,
      engage: [
        `arn:aws:ssm-contacts:${R}:${A}:contact/ie-big-stack-responder-01`,
        `arn:aws:ssm-contacts:${R}:${A}:contact/ie-big-stack-responder-04`,
        `arn:aws:ssm-contacts:${R}:${A}:contact/ie-big-stack-responder-07`,
      ],
    });
    assert.equal(ofType(res, "aws:ssmincidents/responsePlan:ResponsePlan").length, 5);
  });

  it("as an environment variable, the same table would have been refused (CreateFunction: over 4 KB)", async () => {
    const fn = one(res, "aws:lambda/function:Function", "big-router").inputs;
    const variables = (fn.environment as { variables: Record<string, string> }).variables;
    const text = (await archiveFiles(fn.code))["routing.json"];
    const old = { ...variables, ROUTING_TABLE: text };
    assert.ok(environmentBytes(old) > LAMBDA_ENVIRONMENT_MAX_BYTES, String(environmentBytes(old)));
    assert.throws(
      () => checkEnvironmentSize("ie-big-stack-router", old),
      (err: unknown) =>
        err instanceof Error &&
        err.message.startsWith(
          `Lambda function ie-big-stack-router: its environment variables take ${environmentBytes(old)} bytes, above Lambda's limit of 4096 bytes (4 KB)`,
        ) &&
        err.message.endsWith(
          `the largest is ROUTING_TABLE (${Buffer.byteLength(`ROUTING_TABLE${text}`)} bytes)`,
        ),
    );
  });

  it("its event source mapping satisfies the Lambda API model (CreateEventSourceMapping)", () => {
    const m = one(
      res,
      "aws:lambda/eventSourceMapping:EventSourceMapping",
      "big-router-queue-mapping",
    ).inputs as {
      eventSourceArn: string;
      functionName: string;
      batchSize: number;
      functionResponseTypes: string[];
      scalingConfig: { maximumConcurrency: number };
    };
    // The request the provider sends, member by member (API names).
    const request = {
      EventSourceArn: m.eventSourceArn,
      FunctionName: m.functionName,
      BatchSize: m.batchSize,
      FunctionResponseTypes: m.functionResponseTypes,
      ScalingConfig: { MaximumConcurrency: m.scalingConfig.maximumConcurrency },
    };
    assert.deepEqual(request, {
      EventSourceArn: `arn:aws:sqs:${R}:${A}:ie-big-stack-router-queue`,
      FunctionName: `arn:aws:lambda:${R}:${A}:function:ie-big-stack-router`,
      BatchSize: 1,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
    assert.deepEqual(checkShape("lambda", "CreateEventSourceMappingRequest", request), []);
    assert.equal(
      ofType(res, "aws:lambda/function:Function").find((f) => f.name === "big-router")?.inputs
        .reservedConcurrentExecutions,
      undefined,
    );
  });
});
