import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { parsePlan } from "../../handlers/engine/core";
import { ENGINE_PLAN_FILE, type EnginePlan } from "../../handlers/engine/protocol";
import { names } from "../builders";
import { HandlerFunction } from "../handlerFunction";
import { conditionalAssumeRolePolicy, policyJson } from "../iamStatements";
import { DeliveryEvents } from "./deliveryEvents";
import {
  STEP_FUNCTIONS_LIMITS,
  engineDefinition,
  executionTimeoutSeconds,
  historyEventsBound,
} from "./stateMachine";
import {
  engineStatements,
  stateMachineStatements,
  voiceAckStatements,
  type EngineStatementArgs,
} from "./enginePolicies";
import { ackAlarmArgs } from "./ackEndpoint";
import { POLLY_VOICES, contactFlowContent } from "./contactFlow";
import { ACK_FAILURES, ACK_NOTES_LOST } from "../../handlers/shared/selfMetrics";
import type { Language } from "../../handlers/engine/protocol";

export interface EscalationEngineArgs {
  /** Physical-name prefix. */
  readonly prefix: string;
  /** Account of the stack (the state machine role's confused-deputy condition). */
  readonly accountId: pulumi.Input<string>;
  /** Region of the stack. */
  readonly region: pulumi.Input<string>;
  /** What the engine follows: stages, contacts' engagement plans, rotations, repeat (no personal data). */
  readonly plan: EnginePlan;
  /** Contacts' addresses by alias, as a secret (stored in the directory secret, never in the environment). */
  readonly directory: pulumi.Input<Record<string, { email?: string; phone?: string }>>;
  /** The incident table (handlers/shared/incidentStore.ts) of this stack. */
  readonly incidentTable: {
    readonly name: pulumi.Input<string>;
    readonly arn: pulumi.Input<string>;
  };
  /** The alerts topic (Slack notes) and its KMS key. */
  readonly alertsTopic: {
    readonly arn: pulumi.Input<string>;
    readonly keyArn: pulumi.Input<string>;
  };
  /**
   * E-mail: the From address, the SES identities it may be sent from (the address and its domain,
   * enginePlan.ts sesIdentityArns), an optional configuration set.
   */
  readonly email: {
    readonly from: string;
    readonly identityArns: readonly pulumi.Input<string>[];
    readonly configurationSetName?: string;
  };
  /** SMS: the origination identity sent as given, and its ARN (IAM). Undefined: no SMS. */
  readonly sms?: {
    readonly originationIdentity: string;
    readonly originationIdentityArn: pulumi.Input<string>;
    readonly configurationSetName?: string;
  };
  /**
   * Voice calls through Amazon Connect (stack config `channels.voice`): an existing instance, a
   * number claimed on it, the Polly voice. Undefined: no voice (a voice page fails into
   * PageFailed, recorded and reported).
   */
  readonly voice?: {
    readonly connectInstanceId: string;
    readonly sourcePhoneNumber: string;
    readonly voice?: string;
  };
  /** The acknowledgement key's secret (the ack endpoint's) and the endpoint's base URL. */
  readonly ack: {
    readonly keySecretArn: pulumi.Input<string>;
    readonly baseUrl: pulumi.Input<string>;
  };
  /**
   * The Amazon Connect instance placing the voice calls: its contact events reach the timeline
   * (deliveryEvents.ts). Undefined: no voice channel.
   */
  readonly connectInstanceArn?: pulumi.Input<string>;
  /** Days to keep the function's and the state machine's logs. */
  readonly logRetentionDays: number;
  /** Tags. */
  readonly tags?: Record<string, string>;
}

/** Physical names of the engine's resources. */
export const engineNames = {
  stateMachine: names.stateMachine,
  function: (prefix: string) => `${prefix}-engine`,
  stateMachineRole: (prefix: string) => `${prefix}-escalation-sfn`,
  directory: (prefix: string) => `${prefix}-engine-directory`,
  voiceFunction: (prefix: string) => `${prefix}-voice-ack`,
  contactFlow: (prefix: string, language: Language) => `${prefix}-escalation-call-${language}`,
} as const;

/**
 * The voice Lambda's timeout: below the 8 s Amazon Connect waits for a flow's Lambda
 * (InvokeLambdaFunction `InvocationTimeLimitSeconds` ≤ 8, Connect developer guide), so the
 * function ends (and is counted as an error) before the flow gives up on it.
 */
export const VOICE_FUNCTION_TIMEOUT_SECONDS = 6;

/** The languages of the contacts whose engagement plans call (one contact flow each), sorted. */
export function voiceLanguages(plan: EnginePlan): Language[] {
  const out = new Set<Language>();
  for (const c of plan.contacts)
    if (c.engagement.some((s) => s.via.includes("voice"))) out.add(c.language);
  return [...out].sort();
}

/** Step Functions' execution metrics that mean "pages may be lost" (AWS/States, dimension StateMachineArn). */
export const EXECUTION_FAILURE_METRICS = [
  "ExecutionsFailed",
  "ExecutionsTimedOut",
  "ExecutionsAborted",
] as const;

/**
 * The step-functions backend's escalation engine: one STANDARD state machine
 * (stateMachine.ts), the engine Lambda with its own least-privilege role (enginePolicies.ts), the
 * state machine's role (invoke that function only), the directory secret with the contacts'
 * addresses, and alarms on failed, timed-out and aborted executions (Slack).
 */
export class EscalationEngine extends pulumi.ComponentResource {
  public readonly stateMachineArn: pulumi.Output<string>;
  public readonly stateMachineName: string;
  public readonly functionArn: pulumi.Output<string>;
  public readonly functionRoleArn: pulumi.Output<string>;
  public readonly stateMachineRoleArn: pulumi.Output<string>;
  public readonly directorySecretArn: pulumi.Output<string>;
  /** The voice acknowledgement Lambda the contact flows invoke (when voice is configured). */
  public readonly voiceFunctionArn?: pulumi.Output<string>;

  constructor(
    name: string,
    args: EscalationEngineArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super("incident-escalation:index:EscalationEngine", name, {}, opts);
    const childOpts = { parent: this, dependsOn: opts.dependsOn };
    // The same checks the function makes at cold start, before anything exists.
    const plan = parsePlan(JSON.stringify(args.plan));
    const timeoutSeconds = executionTimeoutSeconds(plan);
    if (timeoutSeconds > STEP_FUNCTIONS_LIMITS.executionSeconds) {
      throw new Error(
        `escalation engine: an execution may take ${timeoutSeconds} s, above Step Functions' 1 year`,
      );
    }
    const events = historyEventsBound(plan);
    if (events > STEP_FUNCTIONS_LIMITS.historyEvents) {
      throw new Error(
        `escalation engine: an execution may need ${events} history events, above Step Functions' ${STEP_FUNCTIONS_LIMITS.historyEvents}; use fewer stages, contacts, channels or repeats`,
      );
    }
    const smName = engineNames.stateMachine(args.prefix);
    const fnName = engineNames.function(args.prefix);

    const directory = new aws.secretsmanager.Secret(
      `${name}-directory`,
      {
        name: engineNames.directory(args.prefix),
        description: `${args.prefix}: contacts' e-mail addresses and phone numbers for the escalation engine`,
        tags: args.tags,
      },
      childOpts,
    );
    new aws.secretsmanager.SecretVersion(
      `${name}-directory-value`,
      { secretId: directory.id, secretString: pulumi.secret(pulumi.jsonStringify(args.directory)) },
      childOpts,
    );

    // Delivery events onto the timeline; the engine sends with the set they are published from.
    const deliveryEvents = new DeliveryEvents(
      `${name}-delivery-events`,
      {
        prefix: args.prefix,
        accountId: args.accountId,
        region: args.region,
        language: plan.language,
        incidentTable: args.incidentTable,
        alertsTopic: args.alertsTopic,
        emailConfigurationSetName: args.email.configurationSetName,
        sms: args.sms !== undefined,
        // The voice channel's instance, unless the caller names one: its contact events are
        // how a call's connected / no-answer outcome reaches the timeline.
        connectInstanceArn:
          args.connectInstanceArn ??
          (args.voice === undefined
            ? undefined
            : pulumi.interpolate`arn:aws:connect:${args.region}:${args.accountId}:instance/${args.voice.connectInstanceId}`),
        logRetentionDays: args.logRetentionDays,
        tags: args.tags,
      },
      childOpts,
    );
    const emailConfigurationSetName = deliveryEvents.emailConfigurationSetName;

    const statementArgs: EngineStatementArgs = {
      tableArn: args.incidentTable.arn,
      topicArn: args.alertsTopic.arn,
      topicKeyArn: args.alertsTopic.keyArn,
      emailIdentityArns: args.email.identityArns,
      emailFrom: args.email.from,
      emailConfigurationSetArn: pulumi.interpolate`arn:aws:ses:${args.region}:${args.accountId}:configuration-set/${emailConfigurationSetName}`,
      smsOriginationIdentityArn: args.sms?.originationIdentityArn,
      smsConfigurationSetArn: args.sms?.configurationSetName
        ? pulumi.interpolate`arn:aws:sms-voice:${args.region}:${args.accountId}:configuration-set/${args.sms.configurationSetName}`
        : undefined,
      secretArns: [directory.arn, args.ack.keySecretArn],
      voiceCalls: args.voice !== undefined,
    };
    const voice = args.voice && this.createVoice(name, args, plan, childOpts);
    const fn = new HandlerFunction(
      `${name}-function`,
      {
        functionName: fnName,
        handler: "engine",
        description: `${args.prefix}: escalation engine tasks (stages, e-mail, SMS, voice calls, incident state, Slack notes)`,
        environment: {
          INCIDENT_TABLE: args.incidentTable.name,
          ALERTS_TOPIC_ARN: args.alertsTopic.arn,
          EMAIL_FROM: args.email.from,
          EMAIL_CONFIGURATION_SET: emailConfigurationSetName,
          ...(args.sms
            ? {
                SMS_ORIGINATION_IDENTITY: args.sms.originationIdentity,
                ...(args.sms.configurationSetName
                  ? { SMS_CONFIGURATION_SET: args.sms.configurationSetName }
                  : {}),
              }
            : {}),
          ...(voice && args.voice
            ? {
                VOICE_INSTANCE_ID: args.voice.connectInstanceId,
                VOICE_SOURCE_NUMBER: args.voice.sourcePhoneNumber,
                VOICE_CONTACT_FLOWS: voice.contactFlowIds,
              }
            : {}),
          DIRECTORY_SECRET_ARN: directory.arn,
          ACK_KEY_SECRET_ARN: args.ack.keySecretArn,
          ACK_BASE_URL: args.ack.baseUrl,
        },
        files: { [ENGINE_PLAN_FILE]: JSON.stringify(plan) },
        statements: engineStatements(statementArgs),
        // Shorter than the Task's TimeoutSeconds (stateMachine.ts TASK_TIMEOUT_SECONDS = 60).
        timeoutSeconds: 30,
        memoryMb: 256,
        logRetentionDays: args.logRetentionDays,
        // Step Functions invokes it synchronously and retries itself; no async retries.
        maximumRetryAttempts: 0,
        alertsTopicArn: args.alertsTopic.arn,
        reportsPagesGivenUp: true,
        tags: args.tags,
      },
      // The configuration set exists before the first send names it (deliveryEvents itself
      // depends on opts.dependsOn, so the function still comes after those).
      { parent: this, dependsOn: [deliveryEvents] },
    );

    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      // Vended logs of Step Functions go to a group under /aws/vendedlogs/ (Step Functions
      // developer guide, "Using CloudWatch Logs to log execution history": the resource policy
      // size limit is why the prefix is recommended).
      {
        name: `/aws/vendedlogs/states/${smName}`,
        retentionInDays: args.logRetentionDays,
        tags: args.tags,
      },
      childOpts,
    );
    const role = new aws.iam.Role(
      `${name}-sfn-role`,
      {
        name: engineNames.stateMachineRole(args.prefix),
        // Confused-deputy prevention for Step Functions (Step Functions developer guide,
        // "Cross-service confused deputy prevention": aws:SourceArn / aws:SourceAccount on the
        // trust policy of the execution role).
        assumeRolePolicy: conditionalAssumeRolePolicy("states.amazonaws.com", {
          StringEquals: { "aws:SourceAccount": args.accountId },
          ArnLike: {
            "aws:SourceArn": pulumi.interpolate`arn:aws:states:${args.region}:${args.accountId}:stateMachine:${smName}`,
          },
        }),
        tags: args.tags,
      },
      childOpts,
    );
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-sfn-policy`,
      {
        role: role.name,
        name: `${smName}-policy`,
        policy: policyJson(stateMachineStatements(fn.arn)),
      },
      childOpts,
    );
    const machine = new aws.sfn.StateMachine(
      `${name}-state-machine`,
      {
        name: smName,
        type: "STANDARD",
        roleArn: role.arn,
        definition: fn.arn.apply((arn) =>
          JSON.stringify(engineDefinition({ functionArn: arn, timeoutSeconds })),
        ),
        loggingConfiguration: {
          // Execution data (inputs and outputs) stays out of the logs: errors only.
          logDestination: pulumi.interpolate`${logGroup.arn}:*`,
          includeExecutionData: false,
          level: "ERROR",
        },
        tags: args.tags,
      },
      { ...childOpts, dependsOn: [rolePolicy] },
    );

    for (const metric of EXECUTION_FAILURE_METRICS) {
      new aws.cloudwatch.MetricAlarm(
        `${name}-${metric}`,
        executionAlarmArgs(
          `${smName}-${metric}`,
          metric,
          machine.arn,
          args.alertsTopic.arn,
          args.tags,
        ),
        childOpts,
      );
    }

    this.voiceFunctionArn = voice?.functionArn;
    this.stateMachineArn = machine.arn;
    this.stateMachineName = smName;
    this.functionArn = fn.arn;
    this.functionRoleArn = fn.roleArn;
    this.stateMachineRoleArn = role.arn;
    this.directorySecretArn = directory.arn;
    this.registerOutputs({
      stateMachineArn: this.stateMachineArn,
      functionArn: this.functionArn,
      directorySecretArn: this.directorySecretArn,
    });
  }

  /**
   * Voice: the Lambda the contact flows invoke (handlers/voice, its own role: the table's
   * GetItem/UpdateItem, the alerts topic), Connect's permission to invoke it (only from this
   * instance, only in this account), its association with the instance, its alarms (the ack
   * endpoint's AckFailures / AckNotesLost, on this function), and one contact flow per language
   * a voice contact uses (components/engine/contactFlow.ts). Returns the flows' ids as the
   * engine's VOICE_CONTACT_FLOWS (JSON {language: id}).
   */
  private createVoice(
    name: string,
    args: EscalationEngineArgs,
    plan: EnginePlan,
    childOpts: pulumi.ResourceOptions,
  ): { functionArn: pulumi.Output<string>; contactFlowIds: pulumi.Output<string> } {
    const voice = args.voice!;
    const instanceArn = pulumi.interpolate`arn:aws:connect:${args.region}:${args.accountId}:instance/${voice.connectInstanceId}`;
    const fn = new HandlerFunction(
      `${name}-voice`,
      {
        functionName: engineNames.voiceFunction(args.prefix),
        handler: "voice",
        description: `${args.prefix}: records the keypress acknowledgement of an Amazon Connect escalation call`,
        environment: {
          INCIDENT_TABLE: args.incidentTable.name,
          ALERTS_TOPIC_ARN: args.alertsTopic.arn,
          CONNECT_INSTANCE_ARN: instanceArn,
          LANGUAGE: plan.language,
        },
        statements: voiceAckStatements({
          tableArn: args.incidentTable.arn,
          topicArn: args.alertsTopic.arn,
          topicKeyArn: args.alertsTopic.keyArn,
        }),
        timeoutSeconds: VOICE_FUNCTION_TIMEOUT_SECONDS,
        memoryMb: 256,
        logRetentionDays: args.logRetentionDays,
        // Connect invokes it synchronously; a failure is the flow's error branch.
        maximumRetryAttempts: 0,
        alertsTopicArn: args.alertsTopic.arn,
        tags: args.tags,
      },
      childOpts,
    );
    // Amazon Connect administrator guide, "Grant Amazon Connect access to your AWS Lambda
    // functions": the resource permission has principal connect.amazonaws.com and the instance's
    // ARN; aws:SourceAccount as well (Lambda developer guide, resource-based policies:
    // SourceAccount for confused-deputy prevention).
    const permission = new aws.lambda.Permission(
      `${name}-voice-invoke`,
      {
        function: fn.functionName,
        action: "lambda:InvokeFunction",
        principal: "connect.amazonaws.com",
        sourceArn: instanceArn,
        sourceAccount: args.accountId,
      },
      childOpts,
    );
    // The flow's InvokeLambdaFunction may only name functions associated with the instance
    // (same guide, "Add a Lambda function to your Amazon Connect instance";
    // AssociateLambdaFunction API).
    const association = new aws.connect.LambdaFunctionAssociation(
      `${name}-voice-association`,
      { instanceId: voice.connectInstanceId, functionArn: fn.arn },
      { ...childOpts, dependsOn: [permission] },
    );
    for (const [suffix, metricName, what] of [
      [
        "failures",
        ACK_FAILURES,
        "The voice acknowledgement Lambda failed internally: a responder pressed 1, 1 and was told not acknowledged (the escalation goes on)",
      ],
      [
        "notes-lost",
        ACK_NOTES_LOST,
        "A keypress acknowledgement was recorded but its Slack note could not be published",
      ],
    ] as const) {
      new aws.cloudwatch.MetricAlarm(
        `${name}-voice-${suffix}`,
        ackAlarmArgs({
          name: `${args.prefix}-voice-ack-${suffix}`,
          description: what,
          metricName,
          functionName: fn.functionName,
          topicArn: args.alertsTopic.arn,
          tags: args.tags,
        }),
        childOpts,
      );
    }
    const flows = voiceLanguages(plan).map((language) => {
      const configured =
        voice.voice !== undefined &&
        Object.prototype.hasOwnProperty.call(POLLY_VOICES[language], voice.voice)
          ? voice.voice
          : undefined;
      const flow = new aws.connect.ContactFlow(
        `${name}-flow-${language}`,
        {
          instanceId: voice.connectInstanceId,
          name: engineNames.contactFlow(args.prefix, language),
          description: `${args.prefix}: escalation call (${language}): the alarm twice, press 1 then 1 to acknowledge`,
          type: "CONTACT_FLOW",
          content: fn.arn.apply((arn) =>
            contactFlowContent({ language, voice: configured, ackFunctionArn: arn }),
          ),
          tags: args.tags,
        },
        { ...childOpts, dependsOn: [association] },
      );
      return [language, flow.contactFlowId] as const;
    });
    return {
      functionArn: fn.arn,
      contactFlowIds: pulumi
        .all(flows.map(([, id]) => id))
        .apply((ids) => JSON.stringify(Object.fromEntries(flows.map(([l], i) => [l, ids[i]])))),
    };
  }
}

/**
 * An alarm on one of Step Functions' execution metrics (Step Functions developer guide,
 * "Monitoring Step Functions metrics using Amazon CloudWatch": ExecutionsFailed,
 * ExecutionsTimedOut, ExecutionsAborted, namespace AWS/States, dimension StateMachineArn), ≥ 1 in
 * a minute: pending pages were not sent, so Slack hears of it at once.
 */
export function executionAlarmArgs(
  name: string,
  metric: (typeof EXECUTION_FAILURE_METRICS)[number],
  stateMachineArn: pulumi.Input<string>,
  topicArn: pulumi.Input<string>,
  tags?: Record<string, string>,
): aws.cloudwatch.MetricAlarmArgs {
  return {
    name,
    alarmDescription: `${name}: an escalation execution ended without finishing; pending pages were not sent`,
    namespace: "AWS/States",
    metricName: metric,
    dimensions: { StateMachineArn: stateMachineArn },
    statistic: "Sum",
    period: 60,
    evaluationPeriods: 1,
    threshold: 1,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    treatMissingData: "notBreaching",
    alarmActions: [topicArn],
    okActions: [topicArn],
    tags,
  };
}
