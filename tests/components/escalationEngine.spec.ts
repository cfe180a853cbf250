/**
 * The EscalationEngine component under Pulumi's mock engine (tests/iam/engineStack.ts runs it):
 * the exact resources, the state machine's inputs, the roles' statements, the function's
 * environment and plan file, the alarms; every value checked literally.
 *
 * What this spec does NOT prove: that AWS creates these resources (the provider's and the
 * services' validation; the state machine definition is asl-validator's part); what IAM decides
 * (tests/iam/engine.spec.ts); the pipeline composing the component (a later round).
 */
import { strict as assert } from "node:assert";
import { archiveFiles } from "../support/program";
import { engineStack } from "../iam/engineStack";
import { ACCOUNT, REGION } from "../iam/stacks";
import { plan } from "../handlers/fixtures/engineFixtures";

const FN_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:ie-eng-engine`;

describe("EscalationEngine component (mock engine)", function () {
  this.timeout(120_000);

  it("creates exactly these resources, every one a child of the component", async () => {
    const { resources } = await engineStack();
    // The delivery-events component's resources: tests/components/deliveryEvents.spec.ts.
    const engine = resources.filter(
      (r) => r.name.startsWith("engine") && !r.name.startsWith("engine-delivery-events"),
    );
    assert.deepEqual(engine.map((r) => `${r.type} ${r.name}`).sort(), [
      "aws:cloudwatch/logGroup:LogGroup engine-function-logs",
      "aws:cloudwatch/logGroup:LogGroup engine-logs",
      "aws:cloudwatch/metricAlarm:MetricAlarm engine-ExecutionsAborted",
      "aws:cloudwatch/metricAlarm:MetricAlarm engine-ExecutionsFailed",
      "aws:cloudwatch/metricAlarm:MetricAlarm engine-ExecutionsTimedOut",
      "aws:cloudwatch/metricAlarm:MetricAlarm engine-function-dlq-depth",
      "aws:cloudwatch/metricAlarm:MetricAlarm engine-function-errors",
      "aws:cloudwatch/metricAlarm:MetricAlarm engine-function-pages-given-up",
      "aws:iam/role:Role engine-function-role",
      "aws:iam/role:Role engine-sfn-role",
      "aws:iam/rolePolicy:RolePolicy engine-function-policy",
      "aws:iam/rolePolicy:RolePolicy engine-sfn-policy",
      "aws:lambda/function:Function engine-function",
      "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig engine-function-invoke",
      "aws:secretsmanager/secret:Secret engine-directory",
      "aws:secretsmanager/secretVersion:SecretVersion engine-directory-value",
      "aws:sfn/stateMachine:StateMachine engine-state-machine",
      "aws:sqs/queue:Queue engine-function-dlq",
      "incident-escalation:index:EscalationEngine engine",
      "incident-escalation:index:HandlerFunction engine-function",
    ]);
    for (const r of engine.filter((x) => x.name !== "engine")) {
      assert.ok(
        r.parent === "engine" || r.parent === "engine-function",
        `${r.name} parent ${r.parent}`,
      );
    }
  });

  it("the state machine is STANDARD, named from the prefix, run by its own role, logs errors without execution data, and its definition invokes the engine function", async () => {
    const { resources } = await engineStack();
    const sm = resources.find((r) => r.type === "aws:sfn/stateMachine:StateMachine")!;
    assert.equal(sm.inputs.name, "ie-eng-escalation");
    assert.equal(sm.inputs.type, "STANDARD");
    assert.equal(sm.inputs.roleArn, `arn:aws:iam::${ACCOUNT}:role/ie-eng-escalation-sfn`);
    assert.deepEqual(sm.inputs.loggingConfiguration, {
      logDestination: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/vendedlogs/states/ie-eng-escalation:*`,
      includeExecutionData: false,
      level: "ERROR",
    });
    const def = JSON.parse(String(sm.inputs.definition)) as {
      TimeoutSeconds: number;
      States: Record<string, { Resource?: string }>;
    };
    assert.equal(def.TimeoutSeconds, 30 * 60 + 3600);
    assert.deepEqual(
      [...new Set(Object.values(def.States).flatMap((s) => (s.Resource ? [s.Resource] : [])))],
      [FN_ARN],
    );
    assert.ok(
      sm.dependencies.includes("engine-sfn-policy"),
      "the role's policy exists before the state machine",
    );
  });

  it("the roles' policies, literally", async () => {
    const { resources } = await engineStack();
    const policy = (name: string) =>
      JSON.parse(String(resources.find((r) => r.name === name)!.inputs.policy)) as {
        Statement: unknown[];
      };
    const topicKey = (await engineStack()).topicKeyArn;
    assert.deepEqual(policy("engine-sfn-policy").Statement, [
      {
        Sid: "InvokeEngine",
        Effect: "Allow",
        Action: ["lambda:InvokeFunction"],
        Resource: [FN_ARN],
      },
      {
        Sid: "DeliverExecutionLogs",
        Effect: "Allow",
        Action: [
          "logs:CreateLogDelivery",
          "logs:GetLogDelivery",
          "logs:UpdateLogDelivery",
          "logs:DeleteLogDelivery",
          "logs:ListLogDeliveries",
          "logs:PutResourcePolicy",
          "logs:DescribeResourcePolicies",
          "logs:DescribeLogGroups",
        ],
        Resource: "*",
      },
    ]);
    const directory = resources.find((r) => r.type === "aws:secretsmanager/secret:Secret")!.id;
    assert.deepEqual(policy("engine-function-policy").Statement.slice(2), [
      {
        Sid: "IncidentState",
        Effect: "Allow",
        Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
        Resource: [`arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/ie-eng-incidents`],
      },
      {
        Sid: "SendPagesByEmail",
        Effect: "Allow",
        Action: ["ses:SendEmail"],
        Resource: [
          `arn:aws:ses:${REGION}:${ACCOUNT}:identity/alerts.example.com`,
          `arn:aws:ses:${REGION}:${ACCOUNT}:configuration-set/ie-test-pages`,
        ],
        Condition: { StringEquals: { "ses:FromAddress": "oncall@alerts.example.com" } },
      },
      {
        Sid: "SendPagesBySms",
        Effect: "Allow",
        Action: ["sms-voice:SendTextMessage"],
        Resource: [
          `arn:aws:sms-voice:${REGION}:${ACCOUNT}:phone-number/phone-0123456789abcdef0123456789abcdef`,
        ],
      },
      {
        Sid: "PostSlackNotes",
        Effect: "Allow",
        Action: ["sns:Publish"],
        Resource: [`arn:aws:sns:${REGION}:${ACCOUNT}:ie-eng-alerts`],
      },
      {
        Sid: "EncryptSlackNotes",
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: [topicKey],
      },
      {
        Sid: "ReadDirectoryAndAckKey",
        Effect: "Allow",
        Action: ["secretsmanager:GetSecretValue"],
        Resource: [
          directory,
          `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:ie-eng-ack-key-AbCdEf`,
        ],
      },
    ]);
  });

  it("the function gets the plan as a file and no personal data in its environment; the addresses are only in the directory secret, as a Pulumi secret", async () => {
    const { resources } = await engineStack();
    const fn = resources.find(
      (r) => r.type === "aws:lambda/function:Function" && r.name === "engine-function",
    )!;
    const env = (fn.inputs.environment as { variables: Record<string, string> }).variables;
    const directory = resources.find((r) => r.type === "aws:secretsmanager/secret:Secret")!.id;
    assert.deepEqual(env, {
      INCIDENT_TABLE: "ie-eng-incidents",
      ALERTS_TOPIC_ARN: `arn:aws:sns:${REGION}:${ACCOUNT}:ie-eng-alerts`,
      EMAIL_FROM: "oncall@alerts.example.com",
      EMAIL_CONFIGURATION_SET: "ie-test-pages",
      SMS_ORIGINATION_IDENTITY: `arn:aws:sms-voice:${REGION}:${ACCOUNT}:phone-number/phone-0123456789abcdef0123456789abcdef`,
      DIRECTORY_SECRET_ARN: directory,
      ACK_KEY_SECRET_ARN: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:ie-eng-ack-key-AbCdEf`,
      ACK_BASE_URL: "https://ack.example.com/",
    });
    assert.equal(fn.inputs.timeout, 30);
    const files = await archiveFiles(fn.inputs.code);
    assert.deepEqual(JSON.parse(files["engine-plan.json"]), JSON.parse(JSON.stringify(plan())));
    assert.ok(!JSON.stringify(fn.inputs).includes("sato@example.com"));
    const version = resources.find(
      (r) => r.type === "aws:secretsmanager/secretVersion:SecretVersion",
    )!;
    assert.deepEqual(version.secretPaths, ["secretString"]);
    assert.deepEqual(JSON.parse(String(version.inputs.secretString)), {
      sato: { email: "sato@example.com", phone: "+819000000001" },
    });
  });

  it("alarms on failed, timed-out and aborted executions of this state machine, to Slack (ALARM and OK)", async () => {
    const { resources } = await engineStack();
    const alarms = resources.filter(
      (r) =>
        r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" &&
        r.name.startsWith("engine-Executions"),
    );
    const topic = `arn:aws:sns:${REGION}:${ACCOUNT}:ie-eng-alerts`;
    assert.deepEqual(
      alarms.map((a) => ({ ...a.inputs, dimensions: Object.keys(a.inputs.dimensions as object) })),
      ["ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"].map((metric) => ({
        name: `ie-eng-escalation-${metric}`,
        alarmDescription: `ie-eng-escalation-${metric}: an escalation execution ended without finishing; pending pages were not sent`,
        namespace: "AWS/States",
        metricName: metric,
        dimensions: ["StateMachineArn"],
        statistic: "Sum",
        period: 60,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "notBreaching",
        alarmActions: [topic],
        okActions: [topic],
      })),
    );
    for (const a of alarms)
      assert.ok(
        a.dependencies.includes("engine-state-machine"),
        `${a.name} watches the state machine`,
      );
  });
});
