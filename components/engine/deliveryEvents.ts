import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  CONNECT_DETAIL_TYPE,
  CONNECT_EVENT_TYPES,
  CONNECT_SOURCE,
  SES_DETAIL_TYPES,
  SES_MATCHING_EVENT_TYPES,
  SES_SOURCE,
  SMS_DETAIL_TYPE,
  SMS_FAILURES,
  SMS_SOURCE,
} from "../../handlers/deliveryEvents/core";
import type { Language } from "../../handlers/shared/messages";
import { HandlerFunction } from "../handlerFunction";
import { policyJson, ruleTargetQueueStatements, type Statement } from "../iamStatements";
import { dlqDepthAlarmArgs } from "../selfMonitoring";

export interface DeliveryEventsArgs {
  /** Physical-name prefix. */
  readonly prefix: string;
  /** Account of the stack (the default event bus ARN). */
  readonly accountId: pulumi.Input<string>;
  /** Region of the stack. */
  readonly region: pulumi.Input<string>;
  /** The stack's language: the Slack notes. */
  readonly language: Language;
  /** The incident table (timeline and message-id index). */
  readonly incidentTable: {
    readonly name: pulumi.Input<string>;
    readonly arn: pulumi.Input<string>;
  };
  /** The alerts topic (Slack notes, the function's alarms) and its KMS key. */
  readonly alertsTopic: {
    readonly arn: pulumi.Input<string>;
    readonly keyArn: pulumi.Input<string>;
  };
  /**
   * The SES configuration set the engine sends with (channels.email.configurationSet); undefined:
   * the stack creates its own. Either way the stack adds its EventBridge event destination to it.
   */
  readonly emailConfigurationSetName?: string;
  /** Whether the engine sends SMS (then SMS delivery status events are consumed). */
  readonly sms: boolean;
  /** The Amazon Connect instance placing the calls; undefined: no voice channel, no rule. */
  readonly connectInstanceArn?: pulumi.Input<string>;
  /** Days to keep the function's logs. */
  readonly logRetentionDays: number;
  /** Tags. */
  readonly tags?: Record<string, string>;
}

/** Physical names of the delivery-events resources. */
export const deliveryEventsNames = {
  function: (prefix: string) => `${prefix}-delivery-events`,
  /** The stack's own SES configuration set (when none is configured). */
  configurationSet: (prefix: string) => `${prefix}-engine`,
  /** The event destination added to the configuration set. */
  eventDestination: (prefix: string) => `${prefix}-delivery-events`,
  rule: (prefix: string, channel: "email" | "sms" | "voice") => `${prefix}-delivery-${channel}`,
  targetDlq: (prefix: string) => `${prefix}-delivery-events-target-dlq`,
} as const;

/**
 * EventBridge's retry of a failed delivery to the function (RetryPolicy, API reference
 * PutTargets: MaximumRetryAttempts 0-185, MaximumEventAgeInSeconds 60-86400), then the target's
 * dead-letter queue.
 */
export const DELIVERY_TARGET_RETRY_POLICY = {
  maximumEventAgeInSeconds: 86_400,
  maximumRetryAttempts: 185,
} as const;

/**
 * SES events of the engine's configuration set on the default bus: source `aws.ses` and the
 * detail-types of the published event types (EventBridge events reference, events-ref-ses).
 * `Email Sent` is not published (SES_MATCHING_EVENT_TYPES), so not matched.
 */
export function sesEventPattern(): Record<string, unknown> {
  return {
    source: [SES_SOURCE],
    "detail-type": Object.keys(SES_DETAIL_TYPES).filter((t) => t !== "Email Sent"),
  };
}

/**
 * End User Messaging SMS delivery status events with an outcome: TEXT_DELIVERED, TEXT_SUCCESSFUL
 * (final only where carriers return no receipt; the function checks isFinal) and the failures.
 */
export function smsEventPattern(): Record<string, unknown> {
  return {
    source: [SMS_SOURCE],
    "detail-type": [SMS_DETAIL_TYPE],
    detail: { eventType: ["TEXT_DELIVERED", "TEXT_SUCCESSFUL", ...SMS_FAILURES] },
  };
}

/** Amazon Connect voice contact events of the instance that says connected or disconnected. */
export function connectEventPattern(instanceArn: string): Record<string, unknown> {
  return {
    source: [CONNECT_SOURCE],
    "detail-type": [CONNECT_DETAIL_TYPE],
    detail: {
      eventType: [...CONNECT_EVENT_TYPES],
      channel: ["VOICE"],
      instanceArn: [instanceArn],
    },
  };
}

/**
 * The function's statements: read the message-id index and append to incidents of this stack's
 * table (GetItem, UpdateItem on the table itself; no index, scan, put or delete), post to the
 * alerts topic (and use its key: a publisher to an encrypted topic needs kms:GenerateDataKey and
 * kms:Decrypt, SNS developer guide "Encryption at rest", key management).
 */
export function deliveryEventsStatements(refs: {
  readonly tableArn: pulumi.Input<string>;
  readonly topicArn: pulumi.Input<string>;
  readonly topicKeyArn: pulumi.Input<string>;
}): Statement[] {
  return [
    {
      Sid: "RecordDeliveries",
      Effect: "Allow",
      Action: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
      Resource: [refs.tableArn],
    },
    { Sid: "PostSlackNotes", Effect: "Allow", Action: ["sns:Publish"], Resource: [refs.topicArn] },
    {
      Sid: "EncryptSlackNotes",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: [refs.topicKeyArn],
    },
  ];
}

/**
 * Delivery events of the step-functions backend onto the incident timeline and Slack:
 * - e-mail: an EventBridge event destination (default bus: "Only the default bus is supported",
 *   SES API v2 EventBridgeDestination) on the engine's SES configuration set: the configured one
 *   (CreateConfigurationSetEventDestination takes the set's name, so a destination can be added
 *   to a set this stack does not own; the stack owns only the destination) or, when none is
 *   configured, the stack's own set `<prefix>-engine`, which the engine then sends with;
 * - SMS: End User Messaging SMS sends delivery status events to EventBridge by itself
 *   (https://docs.aws.amazon.com/sms-voice/latest/userguide/monitor-event-bridge.html); a
 *   configuration set's destinations cannot be EventBridge (CreateEventDestination), so no
 *   configuration set is created or changed;
 * - voice: Amazon Connect contact events (always on the default bus,
 *   https://docs.aws.amazon.com/connect/latest/adminguide/connect-eventbridge-events.html) of
 *   the given instance;
 * one rule per channel targeting the function (retry policy, then a dead-letter queue that is
 * alarmed on), the function (HandlerFunction: own role, async retries, dead-letter queue, error
 * alarms), and invoke permissions scoped to each rule (aws:SourceArn).
 */
export class DeliveryEvents extends pulumi.ComponentResource {
  /** The SES configuration set the engine must send with. */
  public readonly emailConfigurationSetName: string;
  public readonly functionArn: pulumi.Output<string>;
  public readonly functionRoleArn: pulumi.Output<string>;
  public readonly ruleArns: pulumi.Output<string>[];

  constructor(name: string, args: DeliveryEventsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("incident-escalation:index:DeliveryEvents", name, {}, opts);
    const childOpts = { parent: this };
    const fnName = deliveryEventsNames.function(args.prefix);

    const fn = new HandlerFunction(
      `${name}-function`,
      {
        functionName: fnName,
        handler: "deliveryEvents",
        description: `${args.prefix}: delivery events (SES, SMS, Connect) onto the incident timeline and Slack`,
        environment: {
          INCIDENT_TABLE: args.incidentTable.name,
          ALERTS_TOPIC_ARN: args.alertsTopic.arn,
          LANGUAGE: args.language,
        },
        statements: deliveryEventsStatements({
          tableArn: args.incidentTable.arn,
          topicArn: args.alertsTopic.arn,
          topicKeyArn: args.alertsTopic.keyArn,
        }),
        timeoutSeconds: 30,
        memoryMb: 256,
        logRetentionDays: args.logRetentionDays,
        // Asynchronous invocations (EventBridge): two retries, then the dead-letter queue.
        maximumRetryAttempts: 2,
        alertsTopicArn: args.alertsTopic.arn,
        tags: args.tags,
      },
      childOpts,
    );

    let setName = args.emailConfigurationSetName;
    let setResource: aws.sesv2.ConfigurationSet | undefined;
    if (setName === undefined) {
      setName = deliveryEventsNames.configurationSet(args.prefix);
      setResource = new aws.sesv2.ConfigurationSet(
        `${name}-configuration-set`,
        { configurationSetName: setName, tags: args.tags },
        childOpts,
      );
    }
    new aws.sesv2.ConfigurationSetEventDestination(
      `${name}-ses-destination`,
      {
        configurationSetName: setResource ? setResource.configurationSetName : setName,
        eventDestinationName: deliveryEventsNames.eventDestination(args.prefix),
        eventDestination: {
          enabled: true,
          matchingEventTypes: [...SES_MATCHING_EVENT_TYPES],
          eventBridgeDestination: {
            eventBusArn: pulumi.interpolate`arn:aws:events:${args.region}:${args.accountId}:event-bus/default`,
          },
        },
      },
      childOpts,
    );

    const patterns: { channel: "email" | "sms" | "voice"; pattern: pulumi.Input<string> }[] = [
      { channel: "email", pattern: JSON.stringify(sesEventPattern()) },
      ...(args.sms
        ? [{ channel: "sms" as const, pattern: JSON.stringify(smsEventPattern()) }]
        : []),
      ...(args.connectInstanceArn === undefined
        ? []
        : [
            {
              channel: "voice" as const,
              pattern: pulumi
                .output(args.connectInstanceArn)
                .apply((arn) => JSON.stringify(connectEventPattern(arn))),
            },
          ]),
    ];

    const targetDlq = new aws.sqs.Queue(
      `${name}-target-dlq`,
      {
        name: deliveryEventsNames.targetDlq(args.prefix),
        sqsManagedSseEnabled: true,
        messageRetentionSeconds: 14 * 24 * 3600,
        tags: args.tags,
      },
      childOpts,
    );
    const rules = patterns.map(({ channel, pattern }) => {
      const ruleName = deliveryEventsNames.rule(args.prefix, channel);
      const rule = new aws.cloudwatch.EventRule(
        `${name}-${channel}`,
        {
          name: ruleName,
          description: `${args.prefix}: ${channel} delivery events to ${fnName}`,
          eventPattern: pattern,
          tags: args.tags,
        },
        childOpts,
      );
      const permission = new aws.lambda.Permission(
        `${name}-${channel}-invoke`,
        {
          action: "lambda:InvokeFunction",
          function: fn.functionName,
          principal: "events.amazonaws.com",
          sourceArn: rule.arn,
        },
        childOpts,
      );
      new aws.cloudwatch.EventTarget(
        `${name}-${channel}-target`,
        {
          rule: rule.name,
          targetId: "delivery-events",
          arn: fn.arn,
          retryPolicy: DELIVERY_TARGET_RETRY_POLICY,
          deadLetterConfig: { arn: targetDlq.arn },
        },
        { ...childOpts, dependsOn: [permission] },
      );
      return rule.arn;
    });
    new aws.sqs.QueuePolicy(
      `${name}-target-dlq`,
      {
        queueUrl: targetDlq.url,
        policy: policyJson(
          ruleTargetQueueStatements("EventBridgeDeadLetters", targetDlq.arn, rules),
        ),
      },
      childOpts,
    );
    new aws.cloudwatch.MetricAlarm(
      `${name}-target-dlq-depth`,
      dlqDepthAlarmArgs(
        `${deliveryEventsNames.targetDlq(args.prefix)}-depth`,
        `Delivery events that EventBridge could not deliver to ${fnName} are waiting in ${deliveryEventsNames.targetDlq(args.prefix)}`,
        targetDlq.name,
        [args.alertsTopic.arn],
        args.tags,
      ),
      childOpts,
    );

    this.emailConfigurationSetName = setName;
    this.functionArn = fn.arn;
    this.functionRoleArn = fn.roleArn;
    this.ruleArns = rules;
    this.registerOutputs({ functionArn: this.functionArn });
  }
}
