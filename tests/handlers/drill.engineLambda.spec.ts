/**
 * The drill Lambda on backend step-functions (handlers/drill/handler.ts, DRILL_BACKEND
 * step-functions), end to end over aws-sdk-client-mock with an injected clock and log: its
 * environment (exact config, every problem named), the workflow's start event → StartExecution of
 * the engine's state machine (the same input `npm run drill` sends: handlers/drill/engine.ts
 * startExecutionInput), the report event → GetItem of the incident, the report in the stack's
 * language from the timeline, the conditional resolve, StopExecution and the Slack post, with
 * every request literal and checked against the botocore API models; refusals of executions that
 * are not this stack's drills (nothing written, nothing posted); retries after failures.
 *
 * What this spec does NOT prove: that Step Functions, DynamoDB or SNS answer as the mocks do
 * (the API models check the requests' shape only); that the engine writes the timeline entries
 * used here (its own specs, and the delivery-event specs, do); the IAM permissions (the drill
 * scenario in tests/support/handlerScenarios.ts, simulated by tests/iam/simulate.spec.ts).
 */
import { strict as assert } from "node:assert";
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import { SFNClient, StartExecutionCommand, StopExecutionCommand } from "@aws-sdk/client-sfn";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { createHandler, type DrillResult } from "../../handlers/drill/handler";
import { DrillConfigError, DrillInputError, parseDrillEnv } from "../../handlers/drill/events";
import { openIncidentRequest } from "../../handlers/shared/incidentStore";
import { checkOperationInput } from "../support/apiModel";
import { expectedResolveRequest } from "../support/incidentRequests";

const REGION = "ap-northeast-1";
const ACCOUNT = "123456789012";
const SM = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:ie-selfdrills-escalation`;
const EXECUTION = `arn:aws:states:${REGION}:${ACCOUNT}:execution:ie-selfdrills-escalation:DRILL-critical-20261207T010000000Z`;
const ID = "DRILL-critical-20261207T010000000Z";
const TABLE = "ie-selfdrills-incidents";
const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:ie-selfdrills-alerts`;
const ENV: Record<string, string> = {
  DRILL_BACKEND: "step-functions",
  DRILL_LEVELS: '["critical"]',
  STATE_MACHINE_ARN: SM,
  INCIDENT_TABLE: TABLE,
  REPORT_LANGUAGE: "ja",
  NAME_PREFIX: "ie-selfdrills",
  ALERTS_TOPIC_ARN: TOPIC,
};
const t = (sec: number) =>
  new Date(new Date("2026-12-07T01:00:00.000Z").getTime() + sec * 1000).toISOString();

/** The drill incident as the engine left it: sato acknowledged by keypress, suzuki's call failed. */
function item(alarmName = "[DRILL] critical paging drill"): Record<string, AttributeValue> {
  const base = openIncidentRequest(TABLE, {
    id: ID,
    alarmName,
    alertLevel: "critical",
    openedAt: new Date(t(1)),
    executionArn: EXECUTION,
  }).Item as Record<string, AttributeValue>;
  const entry = (at: string, kind: string, contact: string, channel: string, detail?: string) => ({
    M: {
      at: { S: at },
      kind: { S: kind },
      contact: { S: contact },
      channel: { S: channel },
      ...(detail === undefined ? {} : { detail: { S: detail } }),
    },
  });
  return {
    ...base,
    status: { S: "acknowledged" },
    timeline: {
      L: [
        ...(base.timeline.L ?? []),
        entry(t(2), "paged", "sato", "email"),
        entry(t(5), "delivered", "sato", "email", "Delivery"),
        entry(t(603), "paged", "sato", "voice"),
        entry(t(603), "paged", "suzuki", "voice"),
        entry(t(620), "delivered", "sato", "voice", "connected"),
        entry(t(650), "delivery-failed", "suzuki", "voice", "no-answer"),
        entry(t(660), "acknowledged", "sato", "voice"),
      ],
    },
  };
}

const REPORT_JA = [
  "[DRILL] 訓練レポート DRILL-critical-20261207T010000000Z",
  "開始: 2026-12-07T01:00:03.000Z",
  "結果: sato (voice) が T+10:57 に確認",
  // suzuki was first paged at T+10: a second stage.
  "呼び出し対象: sato, suzuki、観測したステージ数: 2",
  "T+0:00  sato (email) を呼び出し — 0:02 後に配信、未読",
  "T+10:00 sato (voice) を呼び出し — 0:17 後に配信、0:57 後に既読（確認）",
  "T+10:00 suzuki (voice) を呼び出し — エラー: not answered",
  "担当者別:",
  "  sato: email, voice で呼び出し — 確認済み",
  "  suzuki: voice で呼び出し — 未確認",
  "電話呼び出し:",
  "  sato: 電話がつながり、キー操作で確認されました",
  "  suzuki: 電話がつながりませんでした（not answered）。確認なし",
].join("\n");

describe("drill Lambda on backend step-functions: environment", () => {
  it("DRILL_BACKEND=step-functions: the levels, state machine, table, language, prefix and topic", () => {
    const config = parseDrillEnv(ENV);
    assert.equal(config.backend, "step-functions");
    assert.deepEqual(config, {
      backend: "step-functions",
      levels: new Set(["critical"]),
      namePrefix: "ie-selfdrills",
      alertsTopicArn: TOPIC,
      stateMachineArn: SM,
      incidentTable: TABLE,
      language: "ja",
    });
  });

  it("every problem named by its variable, in one DrillConfigError", () => {
    assert.throws(
      () =>
        parseDrillEnv({
          ...ENV,
          DRILL_LEVELS: '{"critical":{}}',
          STATE_MACHINE_ARN: "arn:aws:states:ap-northeast-1:123456789012:activity:x",
          INCIDENT_TABLE: "x",
          REPORT_LANGUAGE: "fr",
        }),
      (err: unknown) =>
        err instanceof DrillConfigError &&
        err.message ===
          'DRILL_LEVELS: expected a non-empty array of level names ["<level>", ...]; ' +
            'STATE_MACHINE_ARN: expected a Step Functions state machine ARN, got "arn:aws:states:ap-northeast-1:123456789012:activity:x"; ' +
            'INCIDENT_TABLE: expected a DynamoDB table name (3-255 characters of a-z, A-Z, 0-9, _ - .), got "x"; ' +
            'REPORT_LANGUAGE: expected ja or en, got "fr"',
    );
    assert.throws(
      () => parseDrillEnv({ ...ENV, DRILL_BACKEND: "pagerduty" }),
      /^DrillConfigError: DRILL_BACKEND: expected incident-manager or step-functions, got "pagerduty"$/,
    );
  });
});

describe("drill Lambda on backend step-functions: handler (aws-sdk-client-mock)", () => {
  // The handler's own client instances are mocked (not the client classes), created when this
  // block runs: no other spec file's calls reach these mocks, and no other mock answers these.
  const sfnClient = new SFNClient({ region: REGION });
  const dbClient = new DynamoDBClient({ region: REGION });
  const snsClient = new SNSClient({ region: REGION });
  const mockSfn = () => mockClient(sfnClient);
  const mockDynamo = () => mockClient(dbClient);
  const mockSns = () => mockClient(snsClient);
  let sfn: ReturnType<typeof mockSfn>;
  let dynamo: ReturnType<typeof mockDynamo>;
  let sns: ReturnType<typeof mockSns>;
  before(() => {
    sfn = mockSfn();
    dynamo = mockDynamo();
    sns = mockSns();
  });
  after(() => {
    sfn.restore();
    dynamo.restore();
    sns.restore();
  });

  let logs: Record<string, unknown>[];
  let clock: Date;
  let handler: (event: unknown) => Promise<DrillResult>;
  beforeEach(() => {
    sfn.reset();
    dynamo.reset();
    sns.reset();
    logs = [];
    clock = new Date("2026-12-07T01:00:03.000Z");
    handler = createHandler({
      config: parseDrillEnv(ENV),
      sfn: sfnClient,
      db: dbClient,
      sns: snsClient,
      now: () => clock,
      log: (fields) => logs.push({ ...fields }),
    });
  });

  /**
   * Every request sent, as [command, input], grouped by client (Step Functions, DynamoDB, SNS;
   * in order within each), each checked against its API model.
   */
  function sent(): [string, unknown][] {
    const calls: [string, unknown][] = [
      ...sfn.calls().map((c) => ["stepfunctions", c.args[0]] as const),
      ...dynamo.calls().map((c) => ["dynamodb", c.args[0]] as const),
      ...sns.calls().map((c) => ["sns", c.args[0]] as const),
    ].map(([service, command]) => {
      const name = command.constructor.name.replace(/Command$/, "");
      assert.deepEqual(
        checkOperationInput(service as "stepfunctions", name, command.input),
        [],
        `${service}:${name}`,
      );
      return [`${service}:${name}`, command.input];
    });
    return calls;
  }

  const reportEvent = (executionArn = EXECUTION) => ({
    drillReport: { level: "critical", executionArn, startedAt: "2026-12-07T01:00:03.000Z" },
  });

  it("start: StartExecution of the engine's state machine with the drill input npm run drill sends; returns executionArn and startedAt", async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: clock });
    const result = await handler({
      drill: { level: "critical", scheduledTime: "2026-12-07T01:00:00Z" },
    });
    assert.deepEqual(result, {
      decision: "engine-drill",
      executionArn: EXECUTION,
      startedAt: "2026-12-07T01:00:03.000Z",
    });
    assert.deepEqual(sent(), [
      [
        "stepfunctions:StartExecution",
        {
          stateMachineArn: SM,
          name: ID,
          input:
            '{"incidentId":"DRILL-critical-20261207T010000000Z","level":"critical","alarmName":"[DRILL] critical paging drill","firedAt":"2026-12-07T01:00:00.000Z","drill":true}',
        },
      ],
    ]);
    assert.deepEqual(logs, [
      {
        alertLevel: "critical",
        decision: "engine-drill",
        executionArn: EXECUTION,
        startedAt: "2026-12-07T01:00:03.000Z",
      },
    ]);
  });

  it("start of a level that does not page: DrillInputError NOT_A_DRILL_LEVEL, nothing sent", async () => {
    await assert.rejects(
      handler({ drill: { level: "warning", scheduledTime: "2026-12-07T01:00:00Z" } }),
      (err: unknown) =>
        err instanceof DrillInputError &&
        err.code === "NOT_A_DRILL_LEVEL" &&
        err.message ===
          'drill.level "warning" is not a paging level of this stack (paging levels: critical)',
    );
    assert.deepEqual(sent(), []);
  });

  it("report: GetItem, the Japanese report from the timeline, conditional resolve, StopExecution, Slack post; exact requests", async () => {
    clock = new Date("2026-12-07T01:30:03.000Z");
    dynamo.on(GetItemCommand).resolves({ Item: item() });
    dynamo.on(UpdateItemCommand).resolves({});
    sfn.on(StopExecutionCommand).resolves({ stopDate: clock });
    sns.on(PublishCommand).resolves({ MessageId: "m-1" });
    const result = await handler(reportEvent());
    assert.deepEqual(result, {
      decision: "engine-drill-report",
      executionArn: EXECUTION,
      outcome: "acknowledged",
      pages: 3,
      resolved: true,
      stopped: true,
    });
    const calls = sent();
    assert.deepEqual(
      calls.map(([k]) => k),
      ["stepfunctions:StopExecution", "dynamodb:GetItem", "dynamodb:UpdateItem", "sns:Publish"],
    );
    assert.deepEqual(calls[1][1], {
      TableName: TABLE,
      Key: { pk: { S: `INCIDENT#${ID}` } },
      ConsistentRead: true,
    });
    assert.deepEqual(
      calls[2][1],
      expectedResolveRequest(TABLE, ID, "2026-12-07T01:30:03.000Z", "drill"),
    );
    assert.deepEqual(calls[0][1], { executionArn: EXECUTION });
    assert.deepEqual(calls[3][1], {
      TopicArn: TOPIC,
      Message: JSON.stringify({
        version: "1.0",
        source: "custom",
        content: {
          textType: "client-markdown",
          title: "【訓練 DRILL】critical 呼び出し訓練: 確認されました",
          description: REPORT_JA,
        },
      }),
    });
    // The log names no address and no number: aliases only appear in the report, not the log.
    assert.deepEqual(logs, [{ alertLevel: "critical", ...result }]);
  });

  it("report retried after the incident was resolved: the conditional resolve fails, nothing else changes; still posts once", async () => {
    dynamo.on(GetItemCommand).resolves({ Item: { ...item(), status: { S: "resolved" } } });
    dynamo
      .on(UpdateItemCommand)
      .rejects(new ConditionalCheckFailedException({ message: "failed", $metadata: {} }));
    sfn.on(StopExecutionCommand).resolves({ stopDate: clock });
    sns.on(PublishCommand).resolves({ MessageId: "m-1" });
    const result = await handler(reportEvent());
    assert.equal(result.decision, "engine-drill-report");
    assert.equal((result as { resolved: boolean }).resolved, false);
    assert.equal(sns.commandCalls(PublishCommand).length, 1);
  });

  it("report with StopExecution failing: still posts; the failure is logged by its name only", async () => {
    dynamo.on(GetItemCommand).resolves({ Item: item() });
    dynamo.on(UpdateItemCommand).resolves({});
    const denied = new Error("User: arn:aws:sts::123456789012:assumed-role/x is not authorized");
    denied.name = "AccessDeniedException";
    sfn.on(StopExecutionCommand).rejects(denied);
    sns.on(PublishCommand).resolves({ MessageId: "m-1" });
    const result = await handler(reportEvent());
    assert.equal((result as { stopped: boolean }).stopped, false);
    assert.equal(sns.commandCalls(PublishCommand).length, 1);
    assert.deepEqual(logs[0].stopErrors, ["AccessDeniedException"]);
  });

  it("report with publishing failing: rejects after the idempotent steps (the workflow retries)", async () => {
    dynamo.on(GetItemCommand).resolves({ Item: item() });
    dynamo.on(UpdateItemCommand).resolves({});
    sfn.on(StopExecutionCommand).resolves({});
    sns
      .on(PublishCommand)
      .rejects(Object.assign(new Error("x"), { name: "KMSThrottlingException" }));
    await assert.rejects(handler(reportEvent()), { name: "KMSThrottlingException" });
    assert.deepEqual(logs, [
      {
        alertLevel: "critical",
        decision: "error",
        error: "KMSThrottlingException",
        httpStatusCode: undefined,
        requestId: undefined,
      },
    ]);
  });

  for (const [label, executionArn, reason] of [
    [
      "an execution of another state machine",
      `arn:aws:states:${REGION}:${ACCOUNT}:execution:other-team-escalation:${ID}`,
      "NOT_THIS_STACKS_ENGINE",
    ],
    [
      "an alarm's execution of this state machine",
      `arn:aws:states:${REGION}:${ACCOUNT}:execution:ie-selfdrills-escalation:ie-selfdrills-critical-api-5xx-20261207T010000000Z`,
      "NOT_A_DRILL_EXECUTION",
    ],
  ] as const) {
    it(`report for ${label}: refused before any call (${reason}), final`, async () => {
      const result = await handler(reportEvent(executionArn));
      assert.deepEqual(result, {
        decision: "engine-drill-report-refused",
        executionArn,
        reason,
      });
      assert.deepEqual(sent(), []);
    });
  }

  it("report for an execution whose incident item is missing, or is not this level's drill: refused after GetItem only", async () => {
    dynamo
      .on(GetItemCommand)
      .resolvesOnce({})
      .resolvesOnce({ Item: item("ie-selfdrills-critical-api-5xx") });
    const missing = await handler(reportEvent());
    const other = await handler(reportEvent());
    assert.deepEqual(
      [missing, other].map((r) => (r as { reason: string }).reason),
      ["NO_INCIDENT_ITEM", "NOT_A_DRILL_INCIDENT"],
    );
    assert.deepEqual(
      sent().map(([k]) => k),
      ["dynamodb:GetItem", "dynamodb:GetItem"],
    );
    assert.deepEqual(
      logs.map((l) => l.message),
      [
        "drill report refused: the incident table has no incident for the execution; nothing resolved",
        "drill report refused: the incident's alarm is not this level's [DRILL] alarm; nothing resolved",
      ],
    );
  });

  it("a report event in the Incident Manager shape (incidentArn): DrillInputError naming executionArn", async () => {
    await assert.rejects(
      handler({
        drillReport: {
          level: "critical",
          incidentArn: `arn:aws:ssm-incidents::${ACCOUNT}:incident-record/ie-prod-critical/x`,
          startedAt: "2026-12-07T01:00:03.000Z",
        },
      }),
      (err: unknown) =>
        err instanceof DrillInputError &&
        err.message ===
          "drillReport.executionArn: expected an execution ARN arn:aws:states:<region>:<account>:execution:<state machine>:<name>, got nothing",
    );
  });
});
