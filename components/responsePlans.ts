import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { incidentTagValue, names } from "./builders";

/** A paging level and what its response plan engages. */
export interface PagingLevelArgs {
  /** Level name, e.g. "critical". */
  readonly name: string;
  /** Incident impact, 1 (critical) to 5 (no impact). */
  readonly impact: number;
  /** Escalation plans / contacts engaged when an incident opens (at most 5). */
  readonly engagements: readonly pulumi.Input<string>[];
}

export interface ResponsePlansArgs {
  /** Physical-name prefix. */
  readonly prefix: string;
  /** Stack name, tagged on every incident. */
  readonly stack: string;
  /** The paging levels, one response plan each. */
  readonly levels: readonly PagingLevelArgs[];
  /** SNS topic that Chatbot relays to Slack: the plans' chat channel (not a notification target). */
  readonly chatTopicArn?: pulumi.Input<string>;
  /** Tags. */
  readonly tags?: Record<string, string>;
}

/**
 * The incident template of a level's response plan (pure, for tests and the plan tool).
 *
 * No `notificationTargets`: the alerts topic is already the plan's chat channel, and both send
 * the incident's updates to their SNS topics. ChatChannel.chatbotSns: "The Amazon SNS targets
 * that Amazon Q Developer in chat applications uses to notify the chat channel of updates to an
 * incident" (https://docs.aws.amazon.com/incident-manager/latest/APIReference/API_ChatChannel.html);
 * NotificationTargetItem: "The SNS targets that are notified when updates are made to an
 * incident" (https://docs.aws.amazon.com/incident-manager/latest/APIReference/API_NotificationTargetItem.html).
 * The same topic in both would bring every update to Slack twice. The chat channel is the one
 * kept: it makes the Slack channel the incident's chat channel, from which responders can also
 * update the incident ("You can also make updates to the incident through the chat channel by
 * using the Amazon SNS topics", same page; https://docs.aws.amazon.com/incident-manager/latest/userguide/chat.html).
 */
export function incidentTemplate(
  prefix: string,
  stack: string,
  level: string,
  impact: number,
): aws.types.input.ssmincidents.ResponsePlanIncidentTemplate {
  return {
    title: `[${level}] ${prefix} alarm`,
    impact,
    summary:
      `Opened by incident-escalation (stack ${stack}) because a ${level} alarm fired. ` +
      "The related items link to the alarm; the timeline shows the engagements.",
    incidentTags: {
      stack: incidentTagValue(stack),
      level: incidentTagValue(level),
    },
  };
}

/** One Incident Manager response plan per paging level. */
export class ResponsePlans extends pulumi.ComponentResource {
  /** Response plan ARN by level name. */
  public readonly arns: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: ResponsePlansArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("incident-escalation:index:ResponsePlans", name, {}, opts);
    const childOpts = { parent: this, dependsOn: opts.dependsOn };

    this.arns = {};
    for (const level of args.levels) {
      const plan = new aws.ssmincidents.ResponsePlan(
        `${name}-${level.name}`,
        {
          name: names.responsePlan(args.prefix, level.name),
          displayName: `${args.prefix} ${level.name}`,
          incidentTemplate: incidentTemplate(args.prefix, args.stack, level.name, level.impact),
          engagements: [...level.engagements],
          chatChannels: args.chatTopicArn ? [args.chatTopicArn] : undefined,
          tags: args.tags,
        },
        childOpts,
      );
      this.arns[level.name] = plan.arn;
    }
    this.registerOutputs({ arns: this.arns });
  }
}
