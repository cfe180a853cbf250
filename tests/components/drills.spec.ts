/**
 * The drill workflow and the router's role after drills left it:
 * - drillWorkflowDefinition exactly (a literal Amazon States Language document), validated by
 *   asl-validator (the ASL JSON schema, https://states-language.net/spec.html; Step Functions
 *   "Invoke an AWS Lambda function": https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html;
 *   Wait state SecondsPath: https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html);
 * - the router role of tests/iam/fixtures/Pulumi.full.yaml (drills configured) has no
 *   Scheduler, iam:PassRole or SNS statement: its exact statements;
 * - the drill function and the workflow as the full stack deploys them.
 *
 * What this spec does NOT prove: that Step Functions runs the definition as written (no engine
 * executes it here; asl-validator checks its shape against the ASL schema only), that the
 * optimized integration's result is `{Payload: …}` at run time, or that Scheduler starts an
 * execution with the input given (tests/iam/simulate.spec.ts checks it may).
 */
import { strict as assert } from "node:assert";
import aslValidator from "asl-validator";
import { drillWorkflowDefinition } from "../../components/drillSchedules";
import { expectedDrillWorkflow } from "../support/drillWorkflow";
import { one } from "../support/program";
import { ACCOUNT, REGION, judged } from "../iam/stacks";

const FN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:ie-full-drill`;
const EXPECTED_DEFINITION = expectedDrillWorkflow({
  functionArn: FN,
  comment: "Paging drill: start a [DRILL] incident, wait, report and resolve it",
  handle: "incidentArn",
});

describe("drill workflow (Step Functions)", () => {
  it("the definition exactly: start, Wait reportAfterSeconds, report; both tasks retried", () => {
    assert.deepEqual(drillWorkflowDefinition(FN), EXPECTED_DEFINITION);
  });

  it("asl-validator accepts the definition (Amazon States Language schema)", () => {
    const result = aslValidator(drillWorkflowDefinition(FN));
    assert.deepEqual(result.errors, []);
    assert.equal(result.isValid, true);
  });

  it("asl-validator is not a rubber stamp: a Wait without its seconds is refused", () => {
    const broken = drillWorkflowDefinition(FN) as { States: Record<string, object> };
    broken.States.WaitForPages = { Type: "Wait", Next: "Report" };
    assert.equal(aslValidator(broken).isValid, false);
  });

  it("stack full: the state machine deploys exactly this definition, STANDARD (a Wait of up to 2 hours; Express runs 5 minutes at most)", async () => {
    const stack = await judged("full");
    const sm = one(
      stack.resources,
      "aws:sfn/stateMachine:StateMachine",
      "escalation-drills-workflow",
    );
    assert.equal(sm.inputs.name, "ie-full-drill");
    assert.equal(sm.inputs.type, "STANDARD");
    assert.equal(sm.inputs.roleArn, `arn:aws:iam::${ACCOUNT}:role/ie-full-drill-workflow`);
    assert.deepEqual(JSON.parse(String(sm.inputs.definition)), EXPECTED_DEFINITION);
  });
});

describe("the router's role without drills (issue 10: one purpose per Lambda)", () => {
  it("stack full (drills configured): the router role has exactly its paging statements, no Scheduler, iam:PassRole or SNS", async () => {
    const stack = await judged("full");
    const policy = one(
      stack.resources,
      "aws:iam/rolePolicy:RolePolicy",
      "escalation-router-policy",
    );
    const statements = JSON.parse(String(policy.inputs.policy)).Statement as {
      Sid: string;
      Action: string[];
    }[];
    const actions = statements.flatMap((s) => s.Action);
    assert.deepEqual(
      actions.filter((a) => /^(scheduler|sns|kms):|^iam:PassRole$/.test(a)),
      [],
    );
    assert.deepEqual(
      statements.map((s) => s.Sid),
      [
        "WriteOwnLogs",
        "DeadLetterOwnQueue",
        "ConsumeOwnQueue",
        "StartIncidentWithPagingPlans",
        "TagIncidentsOfTaggedPlans",
        "MapAlarmsToOpenIncidents",
        "FollowUpOpenIncidents",
        "EngageDirectly",
      ],
    );
    assert.deepEqual(actions, [
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "sqs:SendMessage",
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "ssm-incidents:StartIncident",
      "ssm-incidents:TagResource",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
      "ssm-incidents:GetIncidentRecord",
      "ssm-incidents:CreateTimelineEvent",
      "ssm-incidents:UpdateIncidentRecord",
      "ssm-contacts:StartEngagement",
    ]);
  });

  it("stack full: the router's environment has no drill variable; the drill function has its own", async () => {
    const stack = await judged("full");
    const env = (name: string) =>
      (
        one(stack.resources, "aws:lambda/function:Function", name).inputs.environment as {
          variables: Record<string, string>;
        }
      ).variables;
    assert.deepEqual(Object.keys(env("escalation-router")).sort(), [
      "ACCOUNT_ID",
      "DEDUPE_TABLE",
      "ENGAGEMENT_SENDER",
      "INCIDENT_SOURCE",
    ]);
    assert.deepEqual(Object.keys(env("escalation-drill")).sort(), [
      "ALERTS_TOPIC_ARN",
      "DRILL_LEVELS",
      "NAME_PREFIX",
    ]);
  });
});
