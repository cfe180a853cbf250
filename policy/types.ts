/**
 * What the policies are made of: the resource shape they read, the violations they report, the
 * pack configuration they take, the rule interfaces, policy names and Pulumi type tokens.
 */
import type { EnforcementLevel, PolicyConfigSchema } from "@pulumi/policy";

/** A resource as the policies see it: the program's inputs (or, in a stack policy, outputs). */
export interface PolicyInput {
  /** Pulumi type token, e.g. `aws:ssmcontacts/plan:Plan`. */
  readonly type: string;
  /** Logical name. */
  readonly name: string;
  /** Input properties. */
  readonly inputs: Record<string, unknown>;
  /** Physical id or ARN, when known (references between resources are matched on it). */
  readonly id?: string;
  /** URN, when known (the policy-engine path reports stack violations against it). */
  readonly urn?: string;
}

/** A policy violation, as `evaluate*` report it. */
export interface Violation {
  /** Policy name, e.g. `ssm-stage-duration`. */
  readonly policy: string;
  /** The effective enforcement level (after configuration). */
  readonly enforcementLevel: "mandatory" | "advisory";
  /** Logical name of the offending resource, or null when the stack as a whole is at fault. */
  readonly resource: string | null;
  /** What is wrong and what to do, in a sentence; never contains personal data. */
  readonly message: string;
}

/**
 * Policy pack configuration in Pulumi's format (the JSON given to `--policy-pack-config`): per
 * policy, either an enforcement level or an object with an optional `enforcementLevel` and the
 * policy's own settings.
 */
export type PackConfig = Readonly<
  Record<
    string,
    EnforcementLevel | ({ readonly enforcementLevel?: EnforcementLevel } & Record<string, unknown>)
  >
>;

/** Policy names. */
export const POLICY_NAMES = {
  stageDuration: "ssm-stage-duration",
  e164: "e164-phone-channels",
  responsePlan: "paging-plan-engages-and-chats",
  noVoiceFirst: "no-voice-first",
  twoChannelTypes: "two-channel-types",
  lambdaRuntime: "lambda-runtime-supported",
  lambdaFailure: "lambda-failure-destination",
  iamWildcards: "iam-no-wildcard-actions",
  encryption: "encrypted-queues-topics",
  replicationSet: "replication-set-protected",
  alarmActions: "alarm-has-alarm-and-ok-actions",
  alarmRouted: "every-alarm-routed",
  levelPlan: "paging-level-has-plan",
  escalationEssential: "escalation-first-stage-essential",
} as const;

/** Pulumi type tokens of the resources the policies judge. */
export const TYPES = {
  contact: "aws:ssmcontacts/contact:Contact",
  contactChannel: "aws:ssmcontacts/contactChannel:ContactChannel",
  plan: "aws:ssmcontacts/plan:Plan",
  responsePlan: "aws:ssmincidents/responsePlan:ResponsePlan",
  lambdaFunction: "aws:lambda/function:Function",
  invokeConfig: "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  iamPolicy: "aws:iam/policy:Policy",
  role: "aws:iam/role:Role",
  queue: "aws:sqs/queue:Queue",
  topic: "aws:sns/topic:Topic",
  nativeReplicationSet: "aws-native:ssmincidents:ReplicationSet",
  classicReplicationSet: "aws:ssmincidents/replicationSet:ReplicationSet",
  metricAlarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  eventRule: "aws:cloudwatch/eventRule:EventRule",
} as const;

export type Level = "mandatory" | "advisory";

/** What every rule has: name, description, default level, configuration schema. */
export interface RuleBase {
  readonly name: string;
  readonly description: string;
  readonly enforcementLevel: Level;
  readonly configSchema?: PolicyConfigSchema;
}

/** A resource policy: messages for one resource of one of `types`. */
export interface ResourceRule extends RuleBase {
  readonly types: readonly string[];
  check(resource: PolicyInput, config: Record<string, unknown>): string[];
}

/** A finding of a stack policy: the offending resource (or null) and the message. */
export interface Finding {
  readonly resource: PolicyInput | null;
  readonly message: string;
}

/** A stack policy: findings over all resources of the stack. */
export interface StackRule extends RuleBase {
  check(resources: readonly PolicyInput[], config: Record<string, unknown>): Finding[];
}
