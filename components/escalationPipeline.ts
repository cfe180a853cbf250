import * as pulumi from "@pulumi/pulumi";
import {
  ChannelKind,
  StackConfig,
  StackConfigInput,
  parseStackConfig,
} from "../config/schema";
import { defaultPrefix, escalationStages, names, parseRef, rotationRecurrence } from "./builders";
import { EscalationPlan } from "./escalationPlan";
import { OnCallSchedule } from "./onCallSchedule";
import { PersonalContact } from "./personalContact";
import { ReplicationSet } from "./replicationSet";
import { ResponsePlans } from "./responsePlans";

/**
 * Arguments of the pipeline: the stack-config contract (see the README's config reference) plus
 * the stack name. Validated on construction; an invalid value throws a ConfigError listing every
 * problem with its path.
 */
export interface EscalationPipelineArgs extends StackConfigInput {
  /** Stack name, used in tags and the default prefix. */
  readonly stack: string;
  /** SNS topic relayed to Slack; response plans' chat channel and notification target. */
  readonly chatTopicArn?: pulumi.Input<string>;
}

/** A contact channel that cannot page anyone until it is activated with a code. */
export interface ChannelToActivate {
  /** Contact alias in the stack config. */
  readonly contact: string;
  /** email, sms or voice. */
  readonly channel: ChannelKind;
  /** Channel ARN (give it to `aws ssm-contacts send-activation-code --contact-channel-id`). */
  readonly arn: string;
  /** Current activation status reported by Incident Manager. */
  readonly activationStatus: string;
}

/**
 * The whole alert → incident → escalation pipeline for one stack. Composes the replication set
 * (when created), personal contacts, on-call schedules, the escalation plan and one response plan
 * per paging level.
 */
export class EscalationPipeline extends pulumi.ComponentResource {
  /** The validated config, defaults filled in. */
  public readonly config: StackConfig;
  /** Physical-name prefix. */
  public readonly prefix: string;
  /** Response plan ARN by paging level. */
  public readonly responsePlanArns: pulumi.Output<Record<string, string>>;
  /** ESCALATION contact ARN (undefined when no level pages). */
  public readonly escalationPlanArn?: pulumi.Output<string>;
  /** Contact ARN by config alias. */
  public readonly contactArns: Record<string, pulumi.Output<string>>;
  /** On-call schedule contact ARN by rotation name. */
  public readonly onCallArns: Record<string, pulumi.Output<string>>;
  /** Channels that are not yet activated and therefore page nobody. */
  public readonly channelsToActivate: pulumi.Output<ChannelToActivate[]>;
  /** Replication set ARN, when this stack creates it. */
  public readonly replicationSetArn?: pulumi.Output<string>;

  constructor(
    name: string,
    args: EscalationPipelineArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super("incident-escalation:index:EscalationPipeline", name, {}, opts);
    const { stack, chatTopicArn, ...raw } = args;
    const cfg = parseStackConfig(raw, `EscalationPipeline "${name}" args`);
    this.config = cfg;
    const prefix = cfg.prefix ?? defaultPrefix(stack);
    this.prefix = prefix;
    const tags = { ...cfg.tags, "managed-by": "incident-escalation", "ie-stack": stack };

    // Everything Incident Manager owns depends on the replication set when this stack creates it.
    const rs =
      cfg.incidentManager.replicationSet === "existing"
        ? undefined
        : new ReplicationSet(
            `${name}-replication-set`,
            {
              regions: cfg.incidentManager.replicationSet.regions,
              kmsKeyArn: cfg.incidentManager.replicationSet.kmsKeyArn,
              tags,
            },
            { parent: this },
          );
    this.replicationSetArn = rs?.arn;
    const childOpts: pulumi.ComponentResourceOptions = {
      parent: this,
      dependsOn: rs ? [rs.resource] : [],
    };

    const contacts = new Map<string, PersonalContact>();
    for (const c of cfg.contacts) {
      contacts.set(
        c.alias,
        new PersonalContact(
          `${name}-${c.alias}`,
          {
            alias: names.contact(prefix, c.alias),
            displayName: c.displayName,
            email: c.email,
            phone: c.phone,
            engagement: c.engagement,
            retryIntervalMinutes: c.retryIntervalMinutes,
            tags,
          },
          childOpts,
        ),
      );
    }

    const onCall = new Map<string, OnCallSchedule>();
    for (const r of cfg.onCall) {
      onCall.set(
        r.name,
        new OnCallSchedule(
          `${name}-oncall-${r.name}`,
          {
            alias: names.onCallContact(prefix, r.name),
            displayName: `${prefix} on-call ${r.name}`,
            rotationName: names.rotation(prefix, r.name),
            memberContactArns: r.members.map((m) => contacts.get(m)!.contactArn),
            timeZone: r.timeZone,
            recurrence: rotationRecurrence(r),
            startTime: r.startTime,
            tags,
          },
          childOpts,
        ),
      );
    }

    const arnOf = (ref: string): pulumi.Output<string> => {
      const { kind, name: target } = parseRef(ref);
      return kind === "oncall" ? onCall.get(target)!.contactArn : contacts.get(target)!.contactArn;
    };

    const escalation =
      cfg.escalation.length > 0
        ? new EscalationPlan(
            `${name}-escalation`,
            {
              alias: names.escalationContact(prefix),
              displayName: `${prefix} escalation`,
              stages: escalationStages(cfg.escalation).map((stage, i) => ({
                durationInMinutes: stage.durationInMinutes,
                targets: cfg.escalation[i].engage.map((ref, j) => ({
                  contactArn: arnOf(ref),
                  isEssential: stage.targets[j].isEssential,
                })),
              })),
              tags,
            },
            childOpts,
          )
        : undefined;
    this.escalationPlanArn = escalation?.contactArn;

    const pagingLevels = Object.entries(cfg.levels).filter(([, l]) => l.page);
    const plans = new ResponsePlans(
      `${name}-response`,
      {
        prefix,
        stack,
        chatTopicArn,
        tags,
        levels: pagingLevels.map(([level, l]) => ({
          name: level,
          impact: l.impact,
          engagements: [escalation!.contactArn, ...(l.engage ?? []).map(arnOf)],
        })),
      },
      childOpts,
    );
    this.responsePlanArns = pulumi.output(plans.arns);

    this.contactArns = Object.fromEntries([...contacts].map(([a, c]) => [a, c.contactArn]));
    this.onCallArns = Object.fromEntries([...onCall].map(([r, s]) => [r, s.contactArn]));
    this.channelsToActivate = pulumi
      .all(
        [...contacts].flatMap(([alias, c]) =>
          c.channels.map((ch) =>
            pulumi.all([ch.arn, ch.activationStatus]).apply(([arn, status]) => ({
              contact: alias,
              channel: ch.kind,
              arn,
              activationStatus: status ?? "NOT_ACTIVATED",
            })),
          ),
        ),
      )
      .apply((list) => list.filter((c) => c.activationStatus !== "ACTIVATED"));

    this.registerOutputs({
      responsePlanArns: this.responsePlanArns,
      escalationPlanArn: this.escalationPlanArn,
      contactArns: this.contactArns,
      onCallArns: this.onCallArns,
      channelsToActivate: this.channelsToActivate,
      replicationSetArn: this.replicationSetArn,
    });
  }
}
