/**
 * A heartbeat of the pipeline itself (`incident-escalation:heartbeat`, config/heartbeat.ts): proof,
 * at least every `everyMinutes`, that a CloudWatch alarm state change still travels EventBridge →
 * the input transformer → the router's queue → the router, and a page through a path that does not
 * depend on it when that proof stops.
 *
 * - An EventBridge Scheduler schedule `<prefix>-heartbeat` writes 1 to the canary metric
 *   (IncidentEscalation/HeartbeatCanary) every `everyMinutes` through Scheduler's universal target
 *   `arn:aws:scheduler:::aws-sdk:cloudwatch:putMetricData`, whose Input is the API's request
 *   parameters (https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-universal.html).
 * - The canary alarm `<prefix>-heartbeat` (≥ 1 in a one-minute period, missing data not breaching,
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-missing-data)
 *   goes to ALARM in the minute the datum arrives and back to OK in the next one without data:
 *   two state changes per interval. It has no actions: CloudWatch sends its state changes to
 *   EventBridge all the same ("CloudWatch sends events to Amazon EventBridge whenever a CloudWatch
 *   alarm ... changes alarm state",
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html).
 * - Its own rule `<prefix>-heartbeat` matches exactly the canary's ARN and delivers, with the same
 *   input transformer, retry policy and dead-letter queue as the level rules (levelRouting.ts), to
 *   the router's queue only: no webhook receiver ever hears of the canary (a level rule would also
 *   deliver it to the notifier), and no level's prefix can match `<prefix>-heartbeat`.
 * - The router recognises the canary by its exact name (handlers/router/heartbeat.ts), pages
 *   nobody and writes the EMF metric IncidentEscalation/HeartbeatsRouted.
 * - The alarm `<prefix>-heartbeat-missing` on that metric treats missing data as breaching
 *   (same page): no heartbeat routed for `everyMinutes + 5` one-minute periods is ALARM, whose
 *   actions are the self-monitoring page actions (the alerts topic and the untagged fail-safe
 *   response plan, escalationPipeline.ts selfMonitoringPageActions). That alarm action is
 *   CloudWatch's own (alarm → response plan), so it pages when the rule, the queue policy, the
 *   router's queue, the router's code or its role is broken.
 *
 * What it does not prove: the level rules themselves (a deleted `<prefix>-<level>` rule is not
 * noticed; its configuration is Pulumi's, and `pulumi preview` shows drift), and the router's
 * Incident Manager permissions (the canary pages nobody, so it calls nothing).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { heartbeatTiming } from "../config/heartbeat";
import { heartbeatAlarmName, heartbeatMissingAlarmName } from "../handlers/router/heartbeat";
import {
  HEARTBEATS_ROUTED,
  HEARTBEAT_CANARY,
  SELF_METRICS_NAMESPACE,
} from "../handlers/shared/selfMetrics";
import { schedulerTrustPolicy } from "./drillSchedules";
import { type Statement, policyJson } from "./iamStatements";
import { TARGET_RETRY_POLICY, alarmArn, inputTemplate } from "./levelRouting";

/** The Scheduler universal target that calls CloudWatch PutMetricData. */
export const PUT_METRIC_DATA_TARGET = "arn:aws:scheduler:::aws-sdk:cloudwatch:putMetricData";

/**
 * The Input of the schedule: PutMetricData's request parameters (aws-models/monitoring.json
 * PutMetricDataInput: Namespace, MetricData[].MetricName/Value/Unit), PascalCase as the API's.
 */
export function canaryPutMetricDataInput(): string {
  return JSON.stringify({
    Namespace: SELF_METRICS_NAMESPACE,
    MetricData: [{ MetricName: HEARTBEAT_CANARY, Value: 1, Unit: "Count" }],
  });
}

/**
 * What the Scheduler role may do: write metrics to the pipeline's own namespace only.
 * PutMetricData has no resource type, hence Resource "*", narrowed by the condition key
 * cloudwatch:namespace
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html).
 */
export function heartbeatSchedulerStatements(): Statement[] {
  return [
    {
      Sid: "PutHeartbeatCanary",
      Effect: "Allow",
      Action: ["cloudwatch:PutMetricData"],
      Resource: ["*"],
      Condition: { StringEquals: { "cloudwatch:namespace": SELF_METRICS_NAMESPACE } },
    },
  ];
}

/** The event pattern of exactly the canary's state changes in this account and region. */
export function heartbeatEventPattern(prefix: string, account: string, region: string): string {
  return JSON.stringify({
    source: ["aws.cloudwatch"],
    "detail-type": ["CloudWatch Alarm State Change"],
    account: [account],
    region: [region],
    resources: [alarmArn({ account, region }, heartbeatAlarmName(prefix))],
  });
}

export interface HeartbeatArgs {
  /** Physical-name prefix. */
  readonly prefix: string;
  /** The pipeline proves itself at least this often (minutes). */
  readonly everyMinutes: number;
  /** The level whose input transformer the canary's rule uses (a level the router handles). */
  readonly level: string;
  /** The router's queue (the canary rule's target). */
  readonly routerQueueArn: pulumi.Input<string>;
  /** The router's function name: the dimension of HeartbeatsRouted. */
  readonly routerFunctionName: pulumi.Input<string>;
  /** Queue for events EventBridge could not deliver (the level rules' dead-letter queue). */
  readonly deadLetterArn: pulumi.Input<string>;
  /** Self-monitoring page actions: the alerts topic first (also told on OK), then the page. */
  readonly pageActions: readonly pulumi.Input<string>[];
  readonly account: pulumi.Input<string>;
  readonly region: pulumi.Input<string>;
  readonly tags?: Record<string, string>;
}

/**
 * The heartbeat's resources, children of `parent`: the Scheduler role and its policy, the
 * schedule, the canary alarm, its rule and target, and the missing-heartbeat alarm. Returns the
 * rule's ARN (the router's queue policy must admit it).
 */
export function createHeartbeat(
  name: string,
  args: HeartbeatArgs,
  parent: pulumi.Resource,
): { readonly ruleArn: pulumi.Output<string> } {
  const { prefix, tags } = args;
  const timing = heartbeatTiming(args.everyMinutes);
  const canaryName = heartbeatAlarmName(prefix);
  const opts = { parent };

  const role = new aws.iam.Role(
    `${name}-heartbeat-scheduler`,
    {
      name: `${prefix}-heartbeat-scheduler`,
      assumeRolePolicy: schedulerTrustPolicy(args.region, args.account),
      tags,
    },
    opts,
  );
  const policy = new aws.iam.RolePolicy(
    `${name}-heartbeat-scheduler`,
    {
      role: role.name,
      name: `${prefix}-heartbeat-scheduler`,
      policy: policyJson(heartbeatSchedulerStatements()),
    },
    opts,
  );
  new aws.scheduler.Schedule(
    `${name}-heartbeat`,
    {
      name: `${prefix}-heartbeat`,
      description: "Heartbeat of the pipeline: writes the canary metric that flips its alarm",
      scheduleExpression: timing.scheduleExpression,
      flexibleTimeWindow: { mode: "OFF" },
      target: {
        arn: PUT_METRIC_DATA_TARGET,
        roleArn: role.arn,
        input: canaryPutMetricDataInput(),
        // A late datum is worthless, and a lost one is what the missing-heartbeat alarm is for:
        // no dead-letter queue (whose alarm would page a second time for the same cause).
        retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 120 },
      },
    },
    { ...opts, dependsOn: [policy] },
  );
  new aws.cloudwatch.MetricAlarm(
    `${name}-heartbeat`,
    {
      name: canaryName,
      alarmDescription:
        "Heartbeat canary: flips on the heartbeat schedule; the router counts it, pages nobody",
      namespace: SELF_METRICS_NAMESPACE,
      metricName: HEARTBEAT_CANARY,
      statistic: "Maximum",
      period: 60,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "notBreaching",
      actionsEnabled: true,
      alarmActions: [],
      okActions: [],
      tags,
    },
    opts,
  );
  const rule = new aws.cloudwatch.EventRule(
    `${name}-heartbeat`,
    {
      name: `${prefix}-heartbeat`,
      description: "State changes of the heartbeat canary alarm, to the router",
      eventPattern: pulumi
        .all([args.account, args.region])
        .apply(([account, region]) => heartbeatEventPattern(prefix, account, region)),
      tags,
    },
    opts,
  );
  new aws.cloudwatch.EventTarget(
    `${name}-heartbeat-router`,
    {
      rule: rule.name,
      targetId: "router",
      arn: args.routerQueueArn,
      inputTransformer: { inputPaths: {}, inputTemplate: inputTemplate(args.level) },
      retryPolicy: TARGET_RETRY_POLICY,
      deadLetterConfig: { arn: args.deadLetterArn },
    },
    opts,
  );
  new aws.cloudwatch.MetricAlarm(
    `${name}-heartbeat-missing`,
    {
      name: heartbeatMissingAlarmName(prefix),
      alarmDescription: `No heartbeat reached the router for ${timing.missingWindowMinutes} minutes: alarms may page nobody`,
      namespace: SELF_METRICS_NAMESPACE,
      metricName: HEARTBEATS_ROUTED,
      dimensions: { FunctionName: args.routerFunctionName },
      statistic: "Sum",
      period: 60,
      evaluationPeriods: timing.missingWindowMinutes,
      datapointsToAlarm: timing.missingWindowMinutes,
      threshold: 1,
      comparisonOperator: "LessThanThreshold",
      // No datum at all (nothing routed) is the failure this alarm exists for.
      treatMissingData: "breaching",
      alarmActions: [...args.pageActions],
      okActions: [args.pageActions[0]],
      tags,
    },
    opts,
  );
  return { ruleArn: rule.arn };
}
