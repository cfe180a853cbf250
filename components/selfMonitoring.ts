/**
 * The pipeline's alarms on itself. They page (a response plan) only when a page may be lost: a
 * dead-letter queue of the paging path holds a message, or the router gave up on a page
 * (PagesGivenUp, handlers/shared/selfMetrics.ts). Lambda errors, which include retries that may
 * still succeed (RetryLaterError, throttling during storms), and everything of the notifier
 * (webhook receivers down) go to Slack only.
 */
import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PAGES_GIVEN_UP, SELF_METRICS_NAMESPACE } from "../handlers/shared/selfMetrics";

/** What a self-monitoring alarm watches. */
export interface SelfAlarmSpec {
  readonly name: string;
  readonly description: string;
  readonly namespace: "AWS/Lambda" | "AWS/SQS" | typeof SELF_METRICS_NAMESPACE;
  readonly metricName: "Errors" | "ApproximateNumberOfMessagesVisible" | typeof PAGES_GIVEN_UP;
  readonly dimensions: Record<string, pulumi.Input<string>>;
  readonly statistic: "Sum" | "Maximum";
  /** The first action is the alerts topic (also told on OK); the rest page (a response plan). */
  readonly actions: readonly pulumi.Input<string>[];
  readonly tags?: Record<string, string>;
}

/**
 * Arguments of an alarm on the pipeline's own failures (a Lambda's errors, a dead-letter queue's
 * depth, pages given up), ≥ 1 in a minute. ALARM goes to Slack and, when given, to a response
 * plan so a broken router still pages a human; OK goes to Slack only.
 */
export function selfAlarmArgs(spec: SelfAlarmSpec): aws.cloudwatch.MetricAlarmArgs {
  return {
    name: spec.name,
    alarmDescription: spec.description,
    namespace: spec.namespace,
    metricName: spec.metricName,
    dimensions: spec.dimensions,
    statistic: spec.statistic,
    period: 60,
    evaluationPeriods: 1,
    threshold: 1,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    treatMissingData: "notBreaching",
    alarmActions: [...spec.actions],
    okActions: [spec.actions[0]],
    tags: spec.tags,
  };
}

/** A dead-letter queue's depth alarm. */
export function dlqDepthAlarmArgs(
  name: string,
  description: string,
  queueName: pulumi.Input<string>,
  actions: readonly pulumi.Input<string>[],
  tags?: Record<string, string>,
): aws.cloudwatch.MetricAlarmArgs {
  return selfAlarmArgs({
    name,
    description,
    namespace: "AWS/SQS",
    metricName: "ApproximateNumberOfMessagesVisible",
    dimensions: { QueueName: queueName },
    statistic: "Maximum",
    actions,
    tags,
  });
}

/**
 * Backend step-functions' fail-safe page: the event pattern of the self-page rule, matching the
 * named self-monitoring alarms of this account and region entering ALARM. A CloudWatch alarm state
 * change event has source aws.cloudwatch, detail-type "CloudWatch Alarm State Change", the alarm's
 * ARN in `resources`, and `detail.alarmName` and `detail.state.value`
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html).
 */
export function selfPageEventPattern(
  alarmNames: readonly string[],
  scope: { readonly account: string; readonly region: string },
): string {
  return JSON.stringify({
    source: ["aws.cloudwatch"],
    "detail-type": ["CloudWatch Alarm State Change"],
    account: [scope.account],
    region: [scope.region],
    resources: alarmNames.map(
      (n) => `arn:aws:cloudwatch:${scope.region}:${scope.account}:alarm:${n}`,
    ),
    detail: { state: { value: ["ALARM"] } },
  });
}

/**
 * The self-page target's input template: the engine's input for the fail-safe level
 * (handlers/engine/protocol.ts EngineInput; the incident id is the execution's name, which Step
 * Functions generates for an execution EventBridge starts). `<alarmName>` and `<firedAt>` come
 * from the input transformer's paths `$.detail.alarmName` and `$.time` (EventBridge user guide,
 * "Amazon EventBridge input transformation",
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html); they
 * are inserted in quotes, which is safe for these values: the pattern matches only this stack's
 * alarm names ([a-z0-9-]) and `time` is an ISO-8601 timestamp.
 */
export function selfPageInputTemplate(level: string): string {
  return `{"level":${JSON.stringify(level)},"alarmName":"<alarmName>","firedAt":"<firedAt>"}`;
}
