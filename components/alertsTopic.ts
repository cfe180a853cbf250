import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Statement, conditionalAssumeRolePolicy, policyJson } from "./iamStatements";

export interface AlertsTopicArgs {
  /** Physical-name prefix. */
  readonly prefix: string;
  /** Account that owns the topic and key. */
  readonly accountId: pulumi.Input<string>;
  /** Slack workspace and channel for AWS Chatbot (workspace authorised once in the console). */
  readonly slack?: { readonly teamId: string; readonly channelId: string };
  /** Microsoft Teams tenant, team and channel for AWS Chatbot. */
  readonly teams?: {
    readonly tenantId: string;
    readonly teamId: string;
    readonly channelId: string;
  };
  /** Tags. */
  readonly tags?: Record<string, string>;
}

/**
 * Services that publish to the alerts topic, and the condition each one's documentation gives.
 * - CloudWatch alarm actions: sns:Publish for cloudwatch.amazonaws.com
 *   (https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger), limited to
 *   this account's alarms with the global key aws:SourceAccount (confused-deputy prevention).
 * - Incident Manager (chat channel and notification target of the response plans): its chat
 *   channel guide writes the condition as `StringEqualsIfExists AWS:SourceAccount`
 *   (https://docs.aws.amazon.com/incident-manager/latest/userguide/chat.html, "Configuring SNS
 *   permissions"), so a request without the key is not refused.
 */
const PUBLISHERS: readonly {
  service: string;
  operator: "StringEquals" | "StringEqualsIfExists";
}[] = [
  { service: "cloudwatch.amazonaws.com", operator: "StringEquals" },
  { service: "ssm-incidents.amazonaws.com", operator: "StringEqualsIfExists" },
];

const sidOf = (service: string): string => service.split(".")[0].replace(/[^a-z]/g, "");

/** KMS key policy: the account administers the key; the publishing services may use it. */
export function alertsKeyPolicy(accountId: pulumi.Input<string>): Statement[] {
  return [
    {
      Sid: "AccountAdministersKey",
      Effect: "Allow",
      Principal: { AWS: pulumi.interpolate`arn:aws:iam::${accountId}:root` },
      Action: [
        "kms:CancelKeyDeletion",
        "kms:CreateAlias",
        "kms:DeleteAlias",
        "kms:DescribeKey",
        "kms:DisableKey",
        "kms:EnableKey",
        "kms:EnableKeyRotation",
        "kms:GetKeyPolicy",
        "kms:GetKeyRotationStatus",
        "kms:ListResourceTags",
        "kms:PutKeyPolicy",
        "kms:ScheduleKeyDeletion",
        "kms:TagResource",
        "kms:UntagResource",
        "kms:UpdateAlias",
        "kms:UpdateKeyDescription",
        "kms:Decrypt",
        "kms:GenerateDataKey",
      ],
      Resource: "*",
    },
    // A publisher to an encrypted topic needs kms:GenerateDataKey and kms:Decrypt on its key
    // (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html), with the same
    // condition as its sns:Publish statement.
    ...PUBLISHERS.map(({ service, operator }): Statement => ({
      Sid: `PublishFrom${sidOf(service)}`,
      Effect: "Allow",
      Principal: { Service: service },
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: "*",
      Condition: { [operator]: { "aws:SourceAccount": accountId } },
    })),
  ];
}

/** SNS topic policy: the publishing services may publish, each with its documented condition. */
export function alertsTopicPolicy(
  topicArn: pulumi.Input<string>,
  accountId: pulumi.Input<string>,
): Statement[] {
  return PUBLISHERS.map(({ service, operator }): Statement => ({
    Sid: `Publish${sidOf(service)}`,
    Effect: "Allow",
    Principal: { Service: service },
    Action: ["sns:Publish"],
    Resource: topicArn,
    Condition: { [operator]: { "aws:SourceAccount": accountId } },
  }));
}

/**
 * What the Chatbot channel needs: render the alarm notifications it relays. The actions of the
 * Chatbot guide's "Notification permissions" template, spelled out (no wildcard actions):
 * CloudWatch alarm notifications show the alarm and its metric graph
 * (https://docs.aws.amazon.com/chatbot/latest/adminguide/chatbot-iam-policies.html, "Notification
 * permissions"; https://docs.aws.amazon.com/chatbot/latest/adminguide/understanding-permissions.html).
 * Used twice: as the channel role's policy and as the channel guardrail, so what channel members
 * can do is exactly this (the guide: "What your users can do is the intersection of your guardrail
 * policies and what is allowed by their roles").
 */
export function chatbotNotificationStatements(): Statement[] {
  return [
    {
      Sid: "RenderAlarms",
      Effect: "Allow",
      Action: [
        "cloudwatch:DescribeAlarms",
        "cloudwatch:GetMetricData",
        "cloudwatch:GetMetricWidgetImage",
      ],
      Resource: "*",
    },
  ];
}

/**
 * Trust policy of the Chatbot channel role. The Chatbot guide documents no confused-deputy keys for
 * the channel role (its role templates trust chatbot.amazonaws.com with no condition), so a
 * `StringEquals` on aws:SourceAccount / aws:SourceArn could deny every AssumeRole and silence Slack.
 * The IfExists forms refuse a request that carries another account or another account's chat
 * configuration (global keys, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceaccount),
 * and admit one without them; the ARN is the ChatbotConfiguration resource type of the service
 * authorization reference, `arn:aws:chatbot::<account>:chat-configuration/<type>/<name>`.
 */
export function chatbotTrustPolicy(accountId: pulumi.Input<string>): pulumi.Output<string> {
  return conditionalAssumeRolePolicy("chatbot.amazonaws.com", {
    StringEqualsIfExists: { "aws:SourceAccount": accountId },
    ArnLikeIfExists: {
      "aws:SourceArn": pulumi.interpolate`arn:aws:chatbot::${accountId}:chat-configuration/*`,
    },
  });
}

/**
 * The encrypted SNS "alerts" topic that alarms, self-monitoring alarms and Incident Manager
 * publish to, relayed to Slack (and Teams) by AWS Chatbot. A customer-managed key is needed
 * because CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key.
 */
export class AlertsTopic extends pulumi.ComponentResource {
  public readonly topicArn: pulumi.Output<string>;
  /** The topic's KMS key (publishers need kms:GenerateDataKey on it). */
  public readonly keyArn: pulumi.Output<string>;

  constructor(name: string, args: AlertsTopicArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("incident-escalation:index:AlertsTopic", name, {}, opts);
    const childOpts = { parent: this, dependsOn: opts.dependsOn };

    const key = new aws.kms.Key(
      `${name}-key`,
      {
        description: `${args.prefix} alerts topic encryption`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: policyJson(alertsKeyPolicy(args.accountId)),
        tags: args.tags,
      },
      childOpts,
    );
    new aws.kms.Alias(
      `${name}-key-alias`,
      { name: `alias/${args.prefix}-alerts`, targetKeyId: key.keyId },
      childOpts,
    );

    const topic = new aws.sns.Topic(
      name,
      { name: `${args.prefix}-alerts`, kmsMasterKeyId: key.arn, tags: args.tags },
      childOpts,
    );
    new aws.sns.TopicPolicy(
      `${name}-policy`,
      {
        arn: topic.arn,
        policy: policyJson(alertsTopicPolicy(topic.arn, args.accountId)),
      },
      childOpts,
    );

    if (args.slack || args.teams) {
      // Chatbot only needs to read alarms to render them; the guardrail caps channel members to
      // the same actions (chatbotNotificationStatements).
      const role = new aws.iam.Role(
        `${name}-chatbot-role`,
        {
          name: `${args.prefix}-chatbot`,
          assumeRolePolicy: chatbotTrustPolicy(args.accountId),
          tags: args.tags,
        },
        childOpts,
      );
      new aws.iam.RolePolicy(
        `${name}-chatbot-policy`,
        {
          role: role.name,
          name: `${args.prefix}-chatbot-read-alarms`,
          policy: policyJson(chatbotNotificationStatements()),
        },
        childOpts,
      );
      // A guardrail is a managed policy ARN (@pulumi/aws chatbot.SlackChannelConfiguration
      // guardrailPolicyArns: "List of IAM policy ARNs that are applied as channel guardrails. The
      // AWS managed AdministratorAccess policy is applied by default if this is not set"), so it
      // is a customer managed policy instead of the AWS-managed ReadOnlyAccess (every service's
      // reads, secrets' metadata and S3 objects included).
      const guardrail = new aws.iam.Policy(
        `${name}-chatbot-guardrail`,
        {
          name: `${args.prefix}-chatbot-guardrail`,
          description: `${args.prefix}: what members of the alerts chat channels may do`,
          policy: policyJson(chatbotNotificationStatements()),
          tags: args.tags,
        },
        childOpts,
      );
      const common = {
        iamRoleArn: role.arn,
        snsTopicArns: [topic.arn],
        loggingLevel: "ERROR",
        guardrailPolicyArns: [guardrail.arn],
        // Channel members act with the channel role (capped by the guardrail), never with a user
        // role of their own choosing (understanding-permissions.html, "Role setting": user roles
        // "require channel members to choose their own roles"). Set explicitly, not by default.
        userAuthorizationRequired: false,
        tags: args.tags,
      };
      if (args.slack) {
        new aws.chatbot.SlackChannelConfiguration(
          `${name}-slack`,
          {
            ...common,
            configurationName: `${args.prefix}-alerts-slack`,
            slackTeamId: args.slack.teamId,
            slackChannelId: args.slack.channelId,
          },
          childOpts,
        );
      }
      if (args.teams) {
        new aws.chatbot.TeamsChannelConfiguration(
          `${name}-teams`,
          {
            ...common,
            configurationName: `${args.prefix}-alerts-teams`,
            tenantId: args.teams.tenantId,
            teamId: args.teams.teamId,
            channelId: args.teams.channelId,
          },
          childOpts,
        );
      }
    }

    this.topicArn = topic.arn;
    this.keyArn = key.arn;
    this.registerOutputs({ topicArn: this.topicArn, keyArn: this.keyArn });
  }
}
