/**
 * The escalation engine (components/engine/escalationEngine.ts) as a stack of its own, until the
 * pipeline composes it (a later round): the component run once under the mock engine with plain
 * arguments, its policies read by tests/support/iamPolicies.ts, and one execution of the real
 * definition with the real handler (tests/handlers/fixtures/engineFixtures.ts) whose every SDK
 * command is recorded with the environment the component gives the function.
 */
import { runWithMocks, type RecordedResource } from "../../tools/mockEngine";
import { AlertsTopic } from "../../components/alertsTopic";
import { EscalationEngine } from "../../components/engine/escalationEngine";
import type { SentCommand, StackFacts } from "../support/awsCalls";
import { stackPolicies, type StackPolicies } from "../support/iamPolicies";
import {
  EngineWorld,
  plan,
  acknowledgeAt,
  engineInput,
  ORIGINATION,
} from "../handlers/fixtures/engineFixtures";
import { ACCOUNT, REGION } from "./stacks";

export const ENGINE_PREFIX = "ie-eng";
export const ENGINE_TABLE_ARN = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${ENGINE_PREFIX}-incidents`;
export const ENGINE_TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:${ENGINE_PREFIX}-alerts`;
export const ENGINE_EMAIL_IDENTITY = `arn:aws:ses:${REGION}:${ACCOUNT}:identity/alerts.example.com`;
export const ENGINE_ACK_KEY = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${ENGINE_PREFIX}-ack-key-AbCdEf`;
export const ENGINE_SMS_ARN = ORIGINATION;

export interface EngineStack {
  readonly resources: readonly RecordedResource[];
  readonly policies: StackPolicies;
  readonly facts: StackFacts;
  /** Every command one execution (with a refused page and an acknowledgement) sent. */
  readonly sent: readonly SentCommand[];
  readonly functionRoleArn: string;
  readonly stateMachineRoleArn: string;
  /** The alerts topic's KMS key (the pipeline's AlertsTopic, composed here as the pipeline will). */
  readonly topicKeyArn: string;
}

let cached: Promise<EngineStack> | undefined;

export function engineStack(): Promise<EngineStack> {
  cached ??= build();
  return cached;
}

async function build(): Promise<EngineStack> {
  const { resources } = await runWithMocks({ stack: "eng", region: REGION }, () => {
    // The pipeline's own alerts topic and key (their policies are judged with the engine's role).
    const alerts = new AlertsTopic("alerts", { prefix: ENGINE_PREFIX, accountId: ACCOUNT });
    new EscalationEngine("engine", {
      prefix: ENGINE_PREFIX,
      accountId: ACCOUNT,
      region: REGION,
      plan: plan(),
      directory: { sato: { email: "sato@example.com", phone: "+819000000001" } },
      incidentTable: { name: `${ENGINE_PREFIX}-incidents`, arn: ENGINE_TABLE_ARN },
      alertsTopic: { arn: alerts.topicArn, keyArn: alerts.keyArn },
      email: {
        from: "oncall@alerts.example.com",
        identityArns: [ENGINE_EMAIL_IDENTITY],
        configurationSetName: "ie-test-pages",
      },
      sms: { originationIdentity: ENGINE_SMS_ARN, originationIdentityArn: ENGINE_SMS_ARN },
      ack: { keySecretArn: ENGINE_ACK_KEY, baseUrl: "https://ack.example.com/" },
      logRetentionDays: 30,
    });
  });
  const policies = stackPolicies(resources, ACCOUNT, REGION);
  const topic = resources.find((r) => r.type === "aws:sns/topic:Topic")!;
  if (topic.id !== ENGINE_TOPIC_ARN) throw new Error(`alerts topic is ${topic.id}`);
  const topicKeyArn = String(topic.inputs.kmsMasterKeyId);
  const facts: StackFacts = {
    account: ACCOUNT,
    region: REGION,
    templateTagKeys: new Map(),
    topicKeys: new Map([[ENGINE_TOPIC_ARN, topicKeyArn]]),
    emailIdentities: new Map([["oncall@alerts.example.com", ENGINE_EMAIL_IDENTITY]]),
  };
  const fn = resources.find(
    (r) => r.type === "aws:lambda/function:Function" && r.name === "engine-function",
  )!;
  const sm = resources.find((r) => r.type === "aws:sfn/stateMachine:StateMachine")!;
  const env = (fn.inputs.environment as { variables: Record<string, string> }).variables;
  const sent = await runRecorded(env);
  return {
    resources,
    policies,
    facts,
    sent,
    functionRoleArn: String(fn.inputs.role),
    stateMachineRoleArn: String(sm.inputs.roleArn),
    topicKeyArn,
  };
}

/** One execution with the function's environment; every command recorded (mocks and dynalite). */
async function runRecorded(env: Record<string, string>): Promise<SentCommand[]> {
  const world = new EngineWorld();
  await world.start();
  const sent: SentCommand[] = [];
  world.db.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push({
        key: `dynamodb:${String(context.commandName).replace(/Command$/, "")}`,
        input: args.input as Record<string, unknown>,
      });
      return next(args);
    },
    { step: "initialize", name: "recordCommands" },
  );
  try {
    const table = env.INCIDENT_TABLE;
    await world.table(table);
    sent.length = 0;
    const id = engineInput().incidentId;
    // E-mail at T+0, SMS at T+10, then an acknowledgement at T+12 (the execution stops).
    await world.run({
      plan: plan(),
      table,
      failEmail: false,
      outside: [acknowledgeAt(12, id, "suzuki", table)],
      config: {
        alertsTopicArn: env.ALERTS_TOPIC_ARN,
        email: { from: env.EMAIL_FROM, configurationSet: env.EMAIL_CONFIGURATION_SET },
        sms: { originationIdentity: env.SMS_ORIGINATION_IDENTITY },
        directorySecretArn: env.DIRECTORY_SECRET_ARN,
        ackKeySecretArn: env.ACK_KEY_SECRET_ARN,
      },
    });
    // The acknowledgement is the ack endpoint's command, not the engine's.
    const engineOnly = sent.filter(
      (c) =>
        !(
          c.key === "dynamodb:UpdateItem" &&
          String(c.input.UpdateExpression).includes("acknowledgedBy")
        ),
    );
    const mocked = world.recordedCalls();
    return [...engineOnly, ...mocked];
  } finally {
    await world.stop();
  }
}
