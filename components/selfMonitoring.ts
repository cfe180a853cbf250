import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** What a self-monitoring alarm watches. */
export interface SelfAlarmSpec {
  readonly name: string;
  readonly description: string;
  readonly namespace: "AWS/Lambda" | "AWS/SQS";
  readonly metricName: "Errors" | "ApproximateNumberOfMessagesVisible";
  readonly dimensions: Record<string, pulumi.Input<string>>;
  readonly statistic: "Sum" | "Maximum";
  /** The first action is the alerts topic (also told on OK); the rest page (a response plan). */
  readonly actions: readonly pulumi.Input<string>[];
  readonly tags?: Record<string, string>;
}

/**
 * Arguments of an alarm on the pipeline's own failures: a Lambda's errors or a dead-letter
 * queue's depth, ≥ 1 in a minute. ALARM goes to Slack and, when given, to a response plan so a
 * broken router still pages a human; OK goes to Slack only.
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
