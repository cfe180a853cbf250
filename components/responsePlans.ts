import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { incidentTagValue, names } from "./builders";
import { INCIDENT_TAG_KEYS } from "./iamStatements";

/** A paging level and what its response plan engages. */
export interface PagingLevelArgs {
  /** Level name, e.g. "critical". */
  readonly name: string;
  /** Incident impact, 1 (critical) to 5 (no impact). */
  readonly impact: number;
  /** Escalation plans / contacts engaged when an incident opens (at most 5). */
  readonly engagements: readonly pulumi.Input<string>[];
  /**
   * The plan is a CloudWatch alarm action (the self-monitoring fail-safe, see `failSafeLevel`):
   * its incident template carries no incidentTags (see `incidentTemplate`).
   */
  readonly alarmAction?: boolean;
}

/**
 * The paging level whose response plan the self-monitoring alarms start directly: the most
 * severe (lowest impact; the first in config order on a tie). Undefined when no level pages.
 */
export function failSafeLevel(
  levels: Readonly<Record<string, { readonly impact: number; readonly page: boolean }>>,
): string | undefined {
  return Object.entries(levels)
    .filter(([, l]) => l.page)
    .sort(([, a], [, b]) => a.impact - b.impact)[0]?.[0];
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
 *
 * `incidentTags` (the stack and level, keys INCIDENT_TAG_KEYS) only when `tagged`: the
 * ssm-incidents API reference (IncidentTemplate.incidentTags) says StartIncident with a tagged
 * template also needs ssm-incidents:TagResource on the incident record. The router has it
 * (routerStatements, TagIncidentsOfTaggedPlans), but CloudWatch's service-linked role for the
 * alarm action, AWSServiceRoleForCloudWatchAlarms_ActionSSMIncidents, has only
 * ssm-incidents:StartIncident (managed policy
 * AWSCloudWatchAlarms_ActionSSMIncidentsServiceRolePolicy, v1:
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSCloudWatchAlarms_ActionSSMIncidentsServiceRolePolicy.html;
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-service-linked-roles.html),
 * so the plan a broken router's alarms page through must be untagged, or the fail-safe is refused.
 * Its incidents still name the stack in the summary; the plan itself keeps its resource tags.
 */
export function incidentTemplate(
  prefix: string,
  stack: string,
  level: string,
  impact: number,
  tagged: boolean = true,
): aws.types.input.ssmincidents.ResponsePlanIncidentTemplate {
  const values: Record<(typeof INCIDENT_TAG_KEYS)[number], string> = {
    stack: incidentTagValue(stack),
    level: incidentTagValue(level),
  };
  return {
    title: `[${level}] ${prefix} alarm`,
    impact,
    summary:
      `Opened by incident-escalation (stack ${stack}) because a ${level} alarm fired. ` +
      "The related items link to the alarm; the timeline shows the engagements.",
    incidentTags: tagged ? values : undefined,
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
          incidentTemplate: incidentTemplate(
            args.prefix,
            args.stack,
            level.name,
            level.impact,
            !level.alarmAction,
          ),
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
