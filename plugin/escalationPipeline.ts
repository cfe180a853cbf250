/**
 * EscalationPipeline for other Pulumi languages: the same pipeline as the TypeScript component
 * (components/escalationPipeline.ts), with arguments in the subset the schema Analyzer accepts and
 * only consumer-facing outputs. Every property of this class becomes a schema output, so it has no
 * other fields.
 */
import * as pulumi from "@pulumi/pulumi";
import { EscalationPipeline as Pipeline } from "../components/escalationPipeline";
import {
  Alarm,
  Backend,
  Channel,
  Channels,
  Contact,
  Drill,
  EscalationStage,
  ExternalAlarm,
  IncidentManager,
  Language,
  Level,
  Notifications,
  Rotation,
} from "./args";
import { toStackConfig } from "./convert";

/** Arguments of the pipeline: the stack-config contract (README, "Stack config reference"). */
export interface EscalationPipelineArgs {
  /** Stack name used in tags and the default prefix (default: the consumer's stack). */
  readonly stack?: string;
  /** Prefix of every physical name (1-40 of a-z, 0-9 and "-"; default ie-<stack>). */
  readonly prefix?: string;
  /** Which service pages people (default incident-manager). */
  readonly backend?: Backend;
  /** Incident Manager settings (default: the account's existing replication set). */
  readonly incidentManager?: IncidentManager;
  /** E-mail and SMS senders of the step-functions backend. */
  readonly channels?: Channels;
  /** Language of responders' messages (default en; a contact's own language wins). */
  readonly language?: Language;
  /** The people who can be paged. */
  readonly contacts: Contact[];
  /** On-call rotations, referenced as oncall:<name>. */
  readonly onCall?: Rotation[];
  /** Stages of the escalation plan of paging levels. */
  readonly escalation?: EscalationStage[];
  /** Levels by name (lower-case, 1-20 characters). */
  readonly levels: Record<string, Level>;
  /** Alarms this stack creates, one per level with a threshold. */
  readonly alarms?: Alarm[];
  /** Existing alarms routed to a level. */
  readonly externalAlarms?: ExternalAlarm[];
  /** Slack, Microsoft Teams and signed webhooks. */
  readonly notifications?: Notifications;
  /** Scheduled paging drills. */
  readonly drills?: Drill[];
  /** Tags put on every taggable resource. */
  readonly tags?: Record<string, string>;
}

/** A contact channel that pages nobody until it is activated with a code sent to the device. */
export interface ChannelToActivate {
  /** Contact alias. */
  readonly contact: string;
  /** Channel kind. */
  readonly channel: Channel;
  /** Channel ARN (aws ssm-contacts send-activation-code --contact-channel-id <arn>). */
  readonly arn: string;
  /** Activation status reported by Incident Manager. */
  readonly activationStatus: string;
}

const CHANNELS: Readonly<Record<string, Channel>> = {
  email: Channel.Email,
  sms: Channel.Sms,
  voice: Channel.Voice,
};

/**
 * The alert → incident → escalation pipeline: CloudWatch alarms per level, EventBridge rules, the
 * router and notifier Lambdas, Incident Manager contacts, escalation and response plans, Slack.
 */
export class EscalationPipeline extends pulumi.ComponentResource {
  /** Response plan ARN by paging level. */
  public readonly responsePlanArns: pulumi.Output<Record<string, string>>;
  /** Escalation plan (ESCALATION contact) ARN; absent when no level pages. */
  public readonly escalationPlanArn?: pulumi.Output<string>;
  /** Contact channels not yet activated, which page nobody (no addresses). */
  public readonly channelsToActivate: pulumi.Output<ChannelToActivate[]>;
  /** Contact ARN by alias. */
  public readonly contactArns: pulumi.Output<Record<string, string>>;
  /** On-call schedule contact ARN by rotation name. */
  public readonly onCallArns: pulumi.Output<Record<string, string>>;
  /** ARN of the encrypted SNS topic relayed to Slack or Teams. */
  public readonly alertsTopicArn: pulumi.Output<string>;
  /** ARN of the router Lambda; absent when no level pages or engages. */
  public readonly routerArn?: pulumi.Output<string>;
  /** ARN of the notifier Lambda; absent without webhooks. */
  public readonly notifierArn?: pulumi.Output<string>;
  /** Replication set ARN, when this stack creates it. */
  public readonly replicationSetArn?: pulumi.Output<string>;
  /** Names of the alarms created, by level. */
  public readonly alarmNames: pulumi.Output<Record<string, string[]>>;
  /** Physical-name prefix. */
  public readonly prefix: pulumi.Output<string>;
  /** Webhook signing keys by webhook name, for the receivers (secret); absent without webhooks. */
  public readonly webhookSigningKeys?: pulumi.Output<Record<string, string>>;

  constructor(
    name: string,
    args: EscalationPipelineArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super("incident-escalation:index:EscalationPipeline", name, {}, opts);
    const stack = typeof args.stack === "string" ? args.stack : pulumi.getStack();
    const config = toStackConfig(
      args as unknown as Record<string, unknown>,
      `EscalationPipeline "${name}" args`,
    );
    const pipeline = new Pipeline(name, { ...config, stack }, { parent: this }, config);

    this.responsePlanArns = pipeline.responsePlanArns;
    this.escalationPlanArn = pipeline.escalationPlanArn;
    this.channelsToActivate = pipeline.channelsToActivate.apply((list) =>
      list.map((c) => ({ ...c, channel: CHANNELS[c.channel] })),
    );
    this.contactArns = pulumi.output(pipeline.contactArns);
    this.onCallArns = pulumi.output(pipeline.onCallArns);
    this.alertsTopicArn = pipeline.alertsTopicArn;
    this.routerArn = pipeline.router?.arn;
    this.notifierArn = pipeline.notifier?.arn;
    this.replicationSetArn = pipeline.replicationSetArn;
    this.alarmNames = pulumi.output(pipeline.alarmNames);
    this.prefix = pulumi.output(pipeline.prefix);
    this.webhookSigningKeys = pipeline.webhookSigningKeys;
    this.registerOutputs({
      responsePlanArns: this.responsePlanArns,
      escalationPlanArn: this.escalationPlanArn,
      channelsToActivate: this.channelsToActivate,
      contactArns: this.contactArns,
      onCallArns: this.onCallArns,
      alertsTopicArn: this.alertsTopicArn,
      routerArn: this.routerArn,
      notifierArn: this.notifierArn,
      replicationSetArn: this.replicationSetArn,
      alarmNames: this.alarmNames,
      prefix: this.prefix,
      webhookSigningKeys: this.webhookSigningKeys,
    });
  }
}
