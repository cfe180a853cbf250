/**
 * The EscalationEngine's voice resources under Pulumi's mock engine (tests/iam/voiceStack.ts):
 * exactly which resources `voice` adds, the contact flows' inputs (content from
 * contactFlowContent, one flow per language a voice contact uses), the voice Lambda (its
 * environment, timeout below Connect's 8 s, its role's statements), the association and the
 * permission, and the engine's new environment and statement; every value literal.
 *
 * What this spec does NOT prove: that Connect accepts the flow (its JSON is
 * tests/components/contactFlow.spec.ts's; CreateContactFlow's shape is checked there); that the
 * instance exists or allows outbound calls (the preflight's); what IAM decides
 * (tests/iam/voice.spec.ts); the pipeline passing `channels.voice` to the component.
 */
import { strict as assert } from "node:assert";
import { contactFlowContent } from "../../components/engine/contactFlow";
import { voiceStack, VOICE_INSTANCE_ID, VOICE_TABLE_ARN, VOICE_TOPIC_ARN } from "../iam/voiceStack";
import { ACCOUNT, REGION } from "../iam/stacks";
import { checkEnvironmentSize } from "../../components/handlerFunction";

const VOICE_FN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:ie-vox-voice-ack`;
const INSTANCE_ARN = `arn:aws:connect:${REGION}:${ACCOUNT}:instance/${VOICE_INSTANCE_ID}`;

describe("EscalationEngine with voice (mock engine)", function () {
  this.timeout(120_000);

  it("adds exactly the voice Lambda (with its role, logs, queue, alarms), the permission, the association and one contact flow per language (ja, en)", async () => {
    const { resources } = await voiceStack();
    const added = resources
      .filter((r) => r.name.startsWith("engine-voice") || r.name.startsWith("engine-flow"))
      .map((r) => `${r.type} ${r.name}`)
      .sort();
    assert.deepEqual(added, [
      "aws:cloudwatch/logGroup:LogGroup engine-voice-logs",
      "aws:cloudwatch/metricAlarm:MetricAlarm engine-voice-dlq-depth",
      "aws:cloudwatch/metricAlarm:MetricAlarm engine-voice-errors",
      "aws:cloudwatch/metricAlarm:MetricAlarm engine-voice-failures",
      "aws:cloudwatch/metricAlarm:MetricAlarm engine-voice-notes-lost",
      "aws:connect/contactFlow:ContactFlow engine-flow-en",
      "aws:connect/contactFlow:ContactFlow engine-flow-ja",
      "aws:connect/lambdaFunctionAssociation:LambdaFunctionAssociation engine-voice-association",
      "aws:iam/role:Role engine-voice-role",
      "aws:iam/rolePolicy:RolePolicy engine-voice-policy",
      "aws:lambda/function:Function engine-voice",
      "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig engine-voice-invoke",
      "aws:lambda/permission:Permission engine-voice-invoke",
      "aws:sqs/queue:Queue engine-voice-dlq",
      "incident-escalation:index:HandlerFunction engine-voice",
    ]);
  });

  it("each contact flow: on the instance, named per language, a CONTACT_FLOW whose content is contactFlowContent for that language and the voice Lambda, after the association", async () => {
    const { resources } = await voiceStack();
    for (const language of ["ja", "en"] as const) {
      const flow = resources.find((r) => r.name === `engine-flow-${language}`)!;
      assert.deepEqual(
        { ...flow.inputs, content: undefined },
        {
          instanceId: VOICE_INSTANCE_ID,
          name: `ie-vox-escalation-call-${language}`,
          description: `ie-vox: escalation call (${language}): the alarm twice, press 1 then 1 to acknowledge`,
          type: "CONTACT_FLOW",
          content: undefined,
        },
      );
      assert.equal(flow.inputs.content, contactFlowContent({ language, ackFunctionArn: VOICE_FN }));
      assert.ok(String(flow.inputs.content).includes(`"LambdaFunctionARN":"${VOICE_FN}"`));
      assert.ok(flow.dependencies.includes("engine-voice-association"));
    }
  });

  it("the voice Lambda: its environment, 6 s timeout (below the 8 s Connect waits), no async retries, and its role's statements literally (no secret)", async () => {
    const { resources, topicKeyArn } = await voiceStack();
    const fn = resources.find(
      (r) => r.name === "engine-voice" && r.type === "aws:lambda/function:Function",
    )!;
    assert.equal(fn.inputs.name, "ie-vox-voice-ack");
    assert.equal(fn.inputs.timeout, 6);
    const variables = (fn.inputs.environment as { variables: Record<string, string> }).variables;
    assert.deepEqual(variables, {
      INCIDENT_TABLE: "ie-vox-incidents",
      ALERTS_TOPIC_ARN: VOICE_TOPIC_ARN,
      CONNECT_INSTANCE_ARN: INSTANCE_ARN,
      LANGUAGE: "en",
    });
    checkEnvironmentSize("ie-vox-voice-ack", variables);
    const invoke = resources.find(
      (r) => r.type.endsWith("FunctionEventInvokeConfig") && r.name === "engine-voice-invoke",
    )!;
    assert.equal(invoke.inputs.maximumRetryAttempts, 0);
    const policy = JSON.parse(
      String(resources.find((r) => r.name === "engine-voice-policy")!.inputs.policy),
    ) as { Statement: { Sid: string }[] };
    assert.deepEqual(policy.Statement, [
      {
        Sid: "WriteOwnLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/ie-vox-voice-ack:*`],
      },
      {
        Sid: "DeadLetterOwnQueue",
        Effect: "Allow",
        Action: ["sqs:SendMessage"],
        Resource: [`arn:aws:sqs:${REGION}:${ACCOUNT}:ie-vox-voice-ack-dlq`],
      },
      {
        Sid: "AcknowledgeIncident",
        Effect: "Allow",
        Action: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
        Resource: [VOICE_TABLE_ARN],
      },
      {
        Sid: "PostSlackNotes",
        Effect: "Allow",
        Action: ["sns:Publish"],
        Resource: [VOICE_TOPIC_ARN],
      },
      {
        Sid: "EncryptSlackNotes",
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: [topicKeyArn],
      },
    ]);
  });

  it("Connect's permission and the association, literally", async () => {
    const { resources } = await voiceStack();
    const permission = resources.find(
      (r) => r.type === "aws:lambda/permission:Permission" && r.name === "engine-voice-invoke",
    )!;
    assert.deepEqual(permission.inputs, {
      function: "ie-vox-voice-ack",
      action: "lambda:InvokeFunction",
      principal: "connect.amazonaws.com",
      sourceArn: INSTANCE_ARN,
      sourceAccount: ACCOUNT,
    });
    const association = resources.find((r) => r.name === "engine-voice-association")!;
    assert.deepEqual(association.inputs, { instanceId: VOICE_INSTANCE_ID, functionArn: VOICE_FN });
    assert.ok(association.dependencies.includes("engine-voice-invoke"));
  });

  it("the engine: VOICE_* in its environment (the flows' ids by language), connect:StartOutboundVoiceContact on *", async () => {
    const { resources } = await voiceStack();
    const fn = resources.find(
      (r) => r.name === "engine-function" && r.type === "aws:lambda/function:Function",
    )!;
    const variables = (fn.inputs.environment as { variables: Record<string, string> }).variables;
    const flowId = (l: string) =>
      String(resources.find((r) => r.name === `engine-flow-${l}`)!.id).split(":")[1];
    assert.equal(variables.VOICE_INSTANCE_ID, VOICE_INSTANCE_ID);
    assert.equal(variables.VOICE_SOURCE_NUMBER, "+81500000000");
    assert.deepEqual(JSON.parse(variables.VOICE_CONTACT_FLOWS), {
      en: flowId("en"),
      ja: flowId("ja"),
    });
    checkEnvironmentSize("ie-vox-engine", variables);
    const policy = JSON.parse(
      String(resources.find((r) => r.name === "engine-function-policy")!.inputs.policy),
    ) as { Statement: { Sid: string }[] };
    assert.deepEqual(
      policy.Statement.find((s) => s.Sid === "PlaceVoiceCalls"),
      {
        Sid: "PlaceVoiceCalls",
        Effect: "Allow",
        Action: ["connect:StartOutboundVoiceContact"],
        Resource: "*",
      },
    );
  });
});
