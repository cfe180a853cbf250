/**
 * Scheduled drills on backend step-functions, as the real program builds them for
 * tests/iam/fixtures/Pulumi.selfdrills.yaml (Pulumi.selfhosted.yaml plus one drill): exactly the
 * drill pieces (the same resources as an Incident Manager stack's: function, role, logs, DLQ,
 * alarms, Scheduler role, workflow and schedule), the drill function's environment and role
 * statements, the workflow's definition for this backend (validated by asl-validator) and the
 * schedule's target; and that the selfhosted example (no drills) has none of them.
 *
 * What this spec does NOT prove: that IAM allows what the function sends (tests/iam/simulate.spec.ts
 * simulates its scenario), that Step Functions runs the workflow as written (asl-validator checks
 * the ASL schema only), or that Scheduler fills in `<aws.scheduler.scheduled-time>` as documented.
 */
import { strict as assert } from "node:assert";
import aslValidator from "asl-validator";
import { drillWorkflowDefinition } from "../../components/drillSchedules";
import { expectedDrillWorkflow } from "../support/drillWorkflow";
import { one } from "../support/program";
import { ACCOUNT, REGION, judged } from "../iam/stacks";

const FN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:ie-selfdrills-drill`;
/** The workflow for this backend: the start answers executionArn, the report receives it. */
const EXPECTED_DEFINITION = expectedDrillWorkflow({
  functionArn: FN,
  comment: "Paging drill: start a [DRILL] escalation execution, wait, report and resolve it",
  handle: "executionArn",
});

describe("scheduled drills on backend step-functions (stack selfdrills)", function () {
  this.timeout(120_000);

  it("exactly the drill pieces an Incident Manager stack has, named from the pipeline", async () => {
    const stack = await judged("selfdrills");
    assert.deepEqual(
      stack.resources
        .filter((r) => /drill/.test(r.name))
        .map((r) => `${r.type} ${r.name}`)
        .sort(),
      [
        "aws:cloudwatch/logGroup:LogGroup escalation-drill-logs",
        "aws:cloudwatch/metricAlarm:MetricAlarm escalation-drill-dlq-depth",
        "aws:cloudwatch/metricAlarm:MetricAlarm escalation-drill-errors",
        "aws:iam/role:Role escalation-drill-role",
        "aws:iam/role:Role escalation-drill-scheduler",
        "aws:iam/role:Role escalation-drills-workflow-role",
        "aws:iam/rolePolicy:RolePolicy escalation-drill-policy",
        "aws:iam/rolePolicy:RolePolicy escalation-drills-policy",
        "aws:iam/rolePolicy:RolePolicy escalation-drills-workflow-policy",
        "aws:lambda/function:Function escalation-drill",
        "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig escalation-drill-invoke",
        "aws:scheduler/schedule:Schedule escalation-drills-critical-0",
        "aws:sfn/stateMachine:StateMachine escalation-drills-workflow",
        "aws:sqs/queue:Queue escalation-drill-dlq",
        "incident-escalation:index:DrillSchedules escalation-drills",
        "incident-escalation:index:HandlerFunction escalation-drill",
      ],
    );
  });

  it("the selfhosted example (no drills) has none of them", async () => {
    const stack = await judged("selfhosted");
    assert.deepEqual(
      stack.resources.filter((r) => /drill/.test(r.name)).map((r) => r.name),
      [],
    );
  });

  it("the drill function: its description and environment (DRILL_BACKEND step-functions, the engine's state machine, the incident table, the stack's language)", async () => {
    const stack = await judged("selfdrills");
    const fn = one(stack.resources, "aws:lambda/function:Function", "escalation-drill");
    assert.equal(
      fn.inputs.description,
      "Starts scheduled [DRILL] escalation executions, then reports, resolves and stops them",
    );
    assert.deepEqual(fn.inputs.environment, {
      variables: {
        ALERTS_TOPIC_ARN: `arn:aws:sns:${REGION}:${ACCOUNT}:ie-selfdrills-alerts`,
        DRILL_BACKEND: "step-functions",
        DRILL_LEVELS: '["critical"]',
        INCIDENT_TABLE: "ie-selfdrills-incidents",
        NAME_PREFIX: "ie-selfdrills",
        REPORT_LANGUAGE: "ja",
        STATE_MACHINE_ARN: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:ie-selfdrills-escalation`,
      },
    });
    assert.equal(fn.inputs.timeout, 120);
  });

  it("the drill role's statements exactly: start executions of the engine, stop DRILL-* executions only, read and resolve in the incident table, post to Slack", async () => {
    const stack = await judged("selfdrills");
    const policy = one(stack.resources, "aws:iam/rolePolicy:RolePolicy", "escalation-drill-policy");
    const key = stack.facts.topicKeys.get(`arn:aws:sns:${REGION}:${ACCOUNT}:ie-selfdrills-alerts`);
    assert.ok(key);
    assert.deepEqual(JSON.parse(String(policy.inputs.policy)), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "WriteOwnLogs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: [
            `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/ie-selfdrills-drill:*`,
          ],
        },
        {
          Sid: "DeadLetterOwnQueue",
          Effect: "Allow",
          Action: ["sqs:SendMessage"],
          Resource: [`arn:aws:sqs:${REGION}:${ACCOUNT}:ie-selfdrills-drill-dlq`],
        },
        {
          Sid: "StartDrillExecutions",
          Effect: "Allow",
          Action: ["states:StartExecution"],
          Resource: [`arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:ie-selfdrills-escalation`],
        },
        {
          Sid: "StopDrillExecutions",
          Effect: "Allow",
          Action: ["states:StopExecution"],
          Resource: [
            `arn:aws:states:${REGION}:${ACCOUNT}:execution:ie-selfdrills-escalation:DRILL-*`,
          ],
        },
        {
          Sid: "ReadAndResolveDrillIncidents",
          Effect: "Allow",
          Action: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
          Resource: [`arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/ie-selfdrills-incidents`],
        },
        {
          Sid: "PostDrillReports",
          Effect: "Allow",
          Action: ["sns:Publish"],
          Resource: [`arn:aws:sns:${REGION}:${ACCOUNT}:ie-selfdrills-alerts`],
        },
        {
          Sid: "EncryptDrillReports",
          Effect: "Allow",
          Action: ["kms:GenerateDataKey", "kms:Decrypt"],
          Resource: [key],
        },
      ],
    });
  });

  it("the workflow deploys exactly the step-functions definition, STANDARD; asl-validator accepts it", async () => {
    const stack = await judged("selfdrills");
    const sm = one(
      stack.resources,
      "aws:sfn/stateMachine:StateMachine",
      "escalation-drills-workflow",
    );
    assert.equal(sm.inputs.name, "ie-selfdrills-drill");
    assert.equal(sm.inputs.type, "STANDARD");
    assert.deepEqual(JSON.parse(String(sm.inputs.definition)), EXPECTED_DEFINITION);
    assert.deepEqual(drillWorkflowDefinition(FN, "step-functions"), EXPECTED_DEFINITION);
    const result = aslValidator(EXPECTED_DEFINITION);
    assert.deepEqual(result.errors, []);
    assert.equal(result.isValid, true);
  });

  it("the schedule starts the workflow with the level, Scheduler's scheduled time and the report delay", async () => {
    const stack = await judged("selfdrills");
    const schedule = one(
      stack.resources,
      "aws:scheduler/schedule:Schedule",
      "escalation-drills-critical-0",
    );
    assert.deepEqual(schedule.inputs, {
      name: "ie-selfdrills-drill-critical-0",
      description: "Paging drill of level critical through the escalation engine",
      scheduleExpression: "cron(0 10 ? * MON#1 *)",
      scheduleExpressionTimezone: "Asia/Tokyo",
      flexibleTimeWindow: { mode: "OFF" },
      target: {
        arn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:ie-selfdrills-drill`,
        roleArn: `arn:aws:iam::${ACCOUNT}:role/ie-selfdrills-drill-scheduler`,
        input:
          '{"level":"critical","scheduledTime":"<aws.scheduler.scheduled-time>","reportAfterSeconds":1800}',
        retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
        deadLetterConfig: { arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:ie-selfdrills-events-dlq` },
      },
    });
  });
});
