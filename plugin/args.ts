/**
 * The arguments other Pulumi languages see: named interfaces and enums only, in the subset the
 * SDK's schema Analyzer accepts (@pulumi/pulumi 3.276.0 provider/experimental/analyzer.js). Names
 * follow the stack-config contract (config/schema.ts), so a problem is reported with the same path
 * (`contacts[1].phone: …`). Values marked Input may be secrets or other resources' outputs; every
 * other value decides which resources exist and must be known when the pipeline is created.
 */
import * as pulumi from "@pulumi/pulumi";

/** A channel Incident Manager engages a contact on. */
export enum Channel {
  /** E-mail to the contact's address. */
  Email = "email",
  /** SMS to the contact's phone. */
  Sms = "sms",
  /** Voice call to the contact's phone. */
  Voice = "voice",
}

/** Which service pages people (README, "Choosing a backend"). */
export enum Backend {
  /** AWS Systems Manager Incident Manager (accounts onboarded before 2025-11-07 only). */
  IncidentManager = "incident-manager",
  /** The serverless engine: Step Functions, SES e-mail, End User Messaging SMS. */
  StepFunctions = "step-functions",
}

/** Language of the messages a responder reads. */
export enum Language {
  /** Japanese. */
  Ja = "ja",
  /** English. */
  En = "en",
}

/** How often an on-call rotation hands off. */
export enum HandoffPeriod {
  Day = "day",
  Week = "week",
  Month = "month",
}

/** CloudWatch comparison operator of an alarm (PutMetricAlarm ComparisonOperator). */
export enum ComparisonOperator {
  GreaterThanOrEqualToThreshold = "GreaterThanOrEqualToThreshold",
  GreaterThanThreshold = "GreaterThanThreshold",
  LessThanThreshold = "LessThanThreshold",
  LessThanOrEqualToThreshold = "LessThanOrEqualToThreshold",
}

/** CloudWatch statistic of an alarm's metric (PutMetricAlarm Statistic). */
export enum Statistic {
  SampleCount = "SampleCount",
  Average = "Average",
  Sum = "Sum",
  Minimum = "Minimum",
  Maximum = "Maximum",
}

/** How an alarm treats missing data points (PutMetricAlarm TreatMissingData). */
export enum TreatMissingData {
  Missing = "missing",
  NotBreaching = "notBreaching",
  Breaching = "breaching",
  Ignore = "ignore",
}

/** One stage of a contact's engagement plan. */
export interface EngagementStage {
  /** Minutes after the contact is engaged when this stage starts (the first stage starts at 0). */
  readonly after: number;
  /** Channels engaged in this stage. */
  readonly via: Channel[];
}

/** A person Incident Manager can page. */
export interface Contact {
  /** Lower-case alias ([a-z0-9_-]) used to reference the contact; the physical alias is <prefix>-<alias>. */
  readonly alias: string;
  /** Name shown in Incident Manager (letters, digits, spaces, "_", "." and "-"). */
  readonly displayName: string;
  /** E-mail address; kept a Pulumi secret. */
  readonly email?: pulumi.Input<string>;
  /** E.164 phone number for SMS and voice (+<country><number>); kept a Pulumi secret. */
  readonly phone?: pulumi.Input<string>;
  /** Minutes between retries of an unacknowledged channel within a stage (0-60, default 5). */
  readonly retryIntervalMinutes?: number;
  /** Engagement stages by offset from the moment the contact is engaged. */
  readonly engagement: EngagementStage[];
  /** Language of this contact's messages (default: the pipeline's language). */
  readonly language?: Language;
}

/** When an on-call rotation hands off. */
export interface Handoff {
  /** Hand-off period. */
  readonly every: HandoffPeriod;
  /** Day of the week (MON-SUN) for weekly hand-offs, day of the month ("1"-"28") for monthly ones. */
  readonly on?: string;
  /** Time of the hand-off, "HH:MM" (24-hour) in the rotation's time zone. */
  readonly at: string;
  /** Hand off every N periods (1-100, default 1). */
  readonly interval?: number;
}

/** An on-call rotation, referenced as oncall:<name>. */
export interface Rotation {
  /** Rotation name ([a-z0-9_-]). */
  readonly name: string;
  /** Contact aliases in rotation order (1-30). */
  readonly members: string[];
  /** IANA time zone, e.g. Asia/Tokyo. */
  readonly timeZone: string;
  /** When the rotation hands off. */
  readonly handoff: Handoff;
  /** How many members are on call at the same time (default 1). */
  readonly onCallsAtOnce?: number;
  /** ISO 8601 start of the first shift; defaults to the moment of creation. */
  readonly startTime?: string;
}

/** One stage of the escalation plan. */
export interface EscalationStage {
  /** Contact aliases or oncall:<rotation> engaged in this stage. */
  readonly engage: string[];
  /** Minutes before the next stage starts (0-30). */
  readonly minutes: number;
  /** Whether an acknowledgement by one of these targets stops the escalation (default true). */
  readonly essential?: boolean;
  /** Last stage only, step-functions backend: times all stages run again unacknowledged (0-5). */
  readonly repeat?: number;
}

/** What happens for an alarm of a level. */
export interface Level {
  /** Incident impact 1 (critical) to 5. */
  readonly impact: number;
  /** Whether the level opens an incident with the escalation plan. */
  readonly page: boolean;
  /** Paging levels: extra response-plan engagements; other levels: contacts engaged without an incident. */
  readonly engage?: string[];
  /** Whether the open incident is resolved when the alarm returns to OK (default false). */
  readonly resolveOnRecovery?: boolean;
}

/** The CloudWatch metric an alarm watches. */
export interface Metric {
  /** Metric namespace, e.g. AWS/ApplicationELB. */
  readonly namespace: string;
  /** Metric name, e.g. HTTPCode_Target_5XX_Count. */
  readonly name: string;
  /** Metric dimensions; values may be other resources' outputs (e.g. a load balancer's arnSuffix). */
  readonly dimensions?: Record<string, pulumi.Input<string>>;
  /** Statistic; give this or extendedStatistic. */
  readonly statistic?: Statistic;
  /** Percentile statistic such as p99 (p0-p100); give this or statistic. */
  readonly extendedStatistic?: string;
  /** Period in seconds: 10, 30 or a multiple of 60. */
  readonly period: number;
  /** CloudWatch unit, e.g. Count, Seconds, Percent. */
  readonly unit?: string;
}

/** An alarm, created once per level it has a threshold for and named <prefix>-<level>-<name>. */
export interface Alarm {
  /** Alarm name ([a-z0-9_-]). */
  readonly name: string;
  /** Alarm description (at most 900 characters). */
  readonly description?: string;
  /** The metric watched. */
  readonly metric: Metric;
  /** How the metric is compared with the threshold. */
  readonly comparison: ComparisonOperator;
  /** Number of periods evaluated (1-100). */
  readonly evaluationPeriods: number;
  /** Breaching data points among evaluationPeriods that trigger the alarm (default all). */
  readonly datapointsToAlarm?: number;
  /** How missing data points are treated (default missing). */
  readonly treatMissingData?: TreatMissingData;
  /** Threshold by level name; a more severe level must need a worse value. */
  readonly thresholds: Record<string, number>;
}

/** An existing alarm routed to a level. */
export interface ExternalAlarm {
  /** Exact alarm name. */
  readonly name: string;
  /** Level the alarm is routed to. */
  readonly level: string;
}

/** Slack channel for AWS Chatbot (the workspace is authorised once in the Chatbot console). */
export interface Slack {
  /** Slack team (workspace) id, T…. */
  readonly teamId: string;
  /** Slack channel id, C… or G…. */
  readonly channelId: string;
}

/** Microsoft Teams channel for AWS Chatbot. */
export interface Teams {
  /** Microsoft tenant id (UUID). */
  readonly tenantId: string;
  /** Teams team id (UUID). */
  readonly teamId: string;
  /** Teams channel id. */
  readonly channelId: string;
}

/** A signed webhook for alarm state changes (ALARM and OK). */
export interface Webhook {
  /** Webhook name ([a-z0-9_-]). */
  readonly name: string;
  /** https URL of the receiver; kept a Pulumi secret. */
  readonly url: pulumi.Input<string>;
  /** Levels whose alarms are sent. */
  readonly levels: string[];
  /** HMAC signing key (at least 32 characters); generated when absent; kept a Pulumi secret. */
  readonly signingKey?: pulumi.Input<string>;
  /** Key being rotated out: also signed with until removed; kept a Pulumi secret. */
  readonly previousSigningKey?: pulumi.Input<string>;
  /** Lets the webhook reach private, loopback and link-local addresses (default false). */
  readonly allowPrivateNetwork?: boolean;
}

/** Where alarm notifications go besides Incident Manager. */
export interface Notifications {
  /** Slack channel (AWS Chatbot). */
  readonly slack?: Slack;
  /** Microsoft Teams channel (AWS Chatbot). */
  readonly teams?: Teams;
  /** Signed webhooks. */
  readonly webhooks?: Webhook[];
}

/** A scheduled paging drill through a level's real response plan. */
export interface Drill {
  /** Paging level drilled. */
  readonly level: string;
  /** EventBridge Scheduler expression, e.g. cron(0 10 ? * MON#1 *). */
  readonly schedule: string;
  /** IANA time zone of the schedule (default UTC). */
  readonly timeZone?: string;
  /** Minutes after the start when the report is posted and the incident resolved (5-120, default 30). */
  readonly reportAfterMinutes?: number;
}

/** A replication set this stack creates (only where AWS still lets the account create one). */
export interface ReplicationSet {
  /** 1 to 3 regions; they must include the stack's region. */
  readonly regions: string[];
  /** KMS key ARN for the replication set's encryption (default: AWS-owned key). */
  readonly kmsKeyArn?: string;
}

/** Incident Manager settings. */
export interface IncidentManager {
  /** Create the replication set; omit to use the account's existing one (the usual case). */
  readonly replicationSet?: ReplicationSet;
}

/** E-mail of the step-functions backend (SES v2). */
export interface EmailChannel {
  /** Sender address: an SES identity (the address or its domain) verified in the region. */
  readonly from: string;
  /** SES configuration set for delivery and bounce events. */
  readonly configurationSet?: string;
}

/** SMS of the step-functions backend (End User Messaging SMS). */
export interface SmsChannel {
  /** Phone number, pool or sender ID (ID or ARN) messages are sent from. */
  readonly originationIdentity: string;
  /** End User Messaging configuration set for delivery events. */
  readonly configurationSet?: string;
}

/** Channels of the step-functions backend. */
export interface Channels {
  /** E-mail through SES. */
  readonly email?: EmailChannel;
  /** SMS through End User Messaging. */
  readonly sms?: SmsChannel;
}
