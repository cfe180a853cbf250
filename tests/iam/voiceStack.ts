/**
 * The escalation engine with voice calls (components/engine/escalationEngine.ts `voice`) as a
 * stack of its own: the component under the mock engine, its policies (tests/support/
 * iamPolicies.ts), and one execution of the real definition with the real engine handler (a call
 * to sato in Japanese at T+5) followed by the flow's acknowledgement through the real voice
 * Lambda, every SDK command recorded per function with the environment the component gives it.
 */
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { runWithMocks, type RecordedResource } from "../../tools/mockEngine";
import { AlertsTopic } from "../../components/alertsTopic";
import { EscalationEngine } from "../../components/engine/escalationEngine";
import type { SentCommand, StackFacts } from "../support/awsCalls";
import { stackPolicies, type StackPolicies } from "../support/iamPolicies";
import {
  EngineWorld,
  engineInput,
  plan,
  pressOneOneAt,
  type PlanOverrides,
} from "../handlers/fixtures/engineFixtures";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ACCOUNT, REGION } from "./stacks";

export const VOICE_PREFIX = "ie-vox";
export const VOICE_INSTANCE_ID = "11111111-2222-4333-8444-555555555555";
export const VOICE_INSTANCE_ARN = `arn:aws:connect:${REGION}:${ACCOUNT}:instance/${VOICE_INSTANCE_ID}`;
export const VOICE_TABLE_ARN = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${VOICE_PREFIX}-incidents`;
export const VOICE_TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:${VOICE_PREFIX}-alerts`;

const ENGAGE = [
  { after: 0, via: ["email" as const] },
  { after: 5, via: ["voice" as const] },
];

/** sato (ja) and tanaka (en) call: two contact flows. */
export const VOICE_PLAN: PlanOverrides = {
  stages: [
    { engage: ["sato"], minutes: 15, essential: true },
    { engage: ["tanaka"], minutes: 15, essential: true },
  ],
  contacts: [
    { alias: "sato", language: "ja", engagement: ENGAGE },
    { alias: "suzuki", language: "en", engagement: [{ after: 0, via: ["email"] }] },
    { alias: "tanaka", language: "en", engagement: ENGAGE },
  ],
};

export interface VoiceStack {
  readonly resources: readonly RecordedResource[];
  readonly policies: StackPolicies;
  readonly facts: StackFacts;
  /** What the engine function sent (its role). */
  readonly engineSent: readonly SentCommand[];
  /** What the voice Lambda sent when the flow invoked it (its role). */
  readonly voiceSent: readonly SentCommand[];
  readonly engineRoleArn: string;
  readonly voiceRoleArn: string;
  readonly topicKeyArn: string;
  /** The flow's answers. */
  readonly results: readonly string[];
}

let cached: Promise<VoiceStack> | undefined;

export function voiceStack(): Promise<VoiceStack> {
  cached ??= build();
  return cached;
}

async function build(): Promise<VoiceStack> {
  const { resources } = await runWithMocks({ stack: "vox", region: REGION }, () => {
    const alerts = new AlertsTopic("alerts", { prefix: VOICE_PREFIX, accountId: ACCOUNT });
    new EscalationEngine("engine", {
      prefix: VOICE_PREFIX,
      accountId: ACCOUNT,
      region: REGION,
      plan: plan(VOICE_PLAN),
      directory: {
        sato: { email: "sato@example.com", phone: "+819000000001" },
        tanaka: { email: "tanaka@example.com", phone: "+819000000003" },
      },
      incidentTable: { name: `${VOICE_PREFIX}-incidents`, arn: VOICE_TABLE_ARN },
      alertsTopic: { arn: alerts.topicArn, keyArn: alerts.keyArn },
      email: {
        from: "oncall@alerts.example.com",
        identityArns: [`arn:aws:ses:${REGION}:${ACCOUNT}:identity/alerts.example.com`],
      },
      voice: { connectInstanceId: VOICE_INSTANCE_ID, sourcePhoneNumber: "+81500000000" },
      ack: {
        keySecretArn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${VOICE_PREFIX}-ack-key-AbCdEf`,
        baseUrl: "https://ack.example.com/",
      },
      logRetentionDays: 30,
    });
  });
  const policies = stackPolicies(resources, ACCOUNT, REGION);
  const topic = resources.find((r) => r.type === "aws:sns/topic:Topic")!;
  const topicKeyArn = String(topic.inputs.kmsMasterKeyId);
  const facts: StackFacts = {
    account: ACCOUNT,
    region: REGION,
    templateTagKeys: new Map(),
    topicKeys: new Map([[VOICE_TOPIC_ARN, topicKeyArn]]),
    emailIdentities: new Map([
      ["oncall@alerts.example.com", `arn:aws:ses:${REGION}:${ACCOUNT}:identity/alerts.example.com`],
    ]),
  };
  const fnOf = (name: string) =>
    resources.find((r) => r.type === "aws:lambda/function:Function" && r.id === name)!;
  const engineFn = fnOf(`${VOICE_PREFIX}-engine`);
  const voiceFn = fnOf(`${VOICE_PREFIX}-voice-ack`);
  const env = (fn: RecordedResource) =>
    (fn.inputs.environment as { variables: Record<string, string> }).variables;
  const { engineSent, voiceSent, results } = await runRecorded(env(engineFn), env(voiceFn));
  return {
    resources,
    policies,
    facts,
    engineSent,
    voiceSent,
    engineRoleArn: String(engineFn.inputs.role),
    voiceRoleArn: String(voiceFn.inputs.role),
    topicKeyArn,
    results,
  };
}

function recordInto(db: DynamoDBClient, sent: SentCommand[]): void {
  db.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push({
        key: `dynamodb:${String(context.commandName).replace(/Command$/, "")}`,
        input: args.input as Record<string, unknown>,
      });
      return next(args);
    },
    { step: "initialize", name: "recordCommands" },
  );
}

async function runRecorded(
  engineEnv: Record<string, string>,
  voiceEnv: Record<string, string>,
): Promise<{ engineSent: SentCommand[]; voiceSent: SentCommand[]; results: string[] }> {
  const world = new EngineWorld();
  await world.start();
  const engineSent: SentCommand[] = [];
  const voiceSent: SentCommand[] = [];
  const results: string[] = [];
  const voiceDb = world.client();
  const voiceSns = new SNSClient({ region: REGION });
  const voiceSnsMock = mockClient(voiceSns);
  voiceSnsMock.on(PublishCommand).resolves({ MessageId: "voice-note" });
  try {
    const table = engineEnv.INCIDENT_TABLE;
    await world.table(table);
    recordInto(world.db, engineSent);
    recordInto(voiceDb, voiceSent);
    await world.run({
      plan: plan(VOICE_PLAN),
      table,
      outside: [
        pressOneOneAt(6, "sato", table, results, { sns: voiceSns, db: voiceDb, env: voiceEnv }),
      ],
      config: {
        alertsTopicArn: engineEnv.ALERTS_TOPIC_ARN,
        email: { from: engineEnv.EMAIL_FROM },
        sms: undefined,
        voice: {
          instanceId: engineEnv.VOICE_INSTANCE_ID,
          sourcePhoneNumber: engineEnv.VOICE_SOURCE_NUMBER,
          contactFlows: JSON.parse(engineEnv.VOICE_CONTACT_FLOWS) as Record<string, string>,
        },
        directorySecretArn: engineEnv.DIRECTORY_SECRET_ARN,
        ackKeySecretArn: engineEnv.ACK_KEY_SECRET_ARN,
      },
    });
    void engineInput;
    const mocked = world.recordedCalls();
    for (const c of voiceSnsMock.calls()) {
      const command = c.args[0] as unknown as { input: Record<string, unknown> };
      voiceSent.push({ key: "sns:Publish", input: command.input });
    }
    return { engineSent: [...engineSent, ...mocked], voiceSent, results };
  } finally {
    voiceSnsMock.restore();
    voiceDb.destroy();
    await world.stop();
  }
}
