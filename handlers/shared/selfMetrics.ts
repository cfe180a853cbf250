/**
 * The pipeline's own metrics, written as CloudWatch Embedded Metric Format (EMF) log lines: one
 * home for the namespace and metric names that the handlers emit and the self-monitoring alarms
 * (components/selfMonitoring.ts) watch.
 *
 * EMF (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
 * a JSON object whose root member `_aws` holds `Timestamp` (milliseconds since the epoch) and
 * `CloudWatchMetrics`, an array of directives, each a `Namespace`, `Dimensions` (an array of
 * dimension sets, each an array of root member names) and `Metrics` (`Name`, `Unit`); the metric
 * values and dimension values are root members named after them. CloudWatch Logs extracts the
 * metrics from a log event that is such an object.
 *
 * Under Lambda's JSON log format, the Node.js runtime wraps every `console.log` in its own JSON
 * record, so the EMF object would arrive as a string inside "message" and no metric would be
 * extracted; the line is written to stdout directly instead, as aws-embedded-metrics-node does
 * since it supports the JSON log format (awslabs/aws-embedded-metrics-node#158; Lambda developer
 * guide, https://docs.aws.amazon.com/lambda/latest/dg/nodejs-logging.html#nodejs-logging-advanced-emf).
 */

/** Namespace of the pipeline's own metrics. */
export const SELF_METRICS_NAMESPACE = "IncidentEscalation";
/** The router gave up on a page: the alarm it came from may page nobody. Unit Count. */
export const PAGES_GIVEN_UP = "PagesGivenUp";

/**
 * The acknowledgement endpoint failed internally (key unreadable, table unreachable, a bug) and
 * showed the responder an error page instead of acknowledging. Unit Count.
 */
export const ACK_FAILURES = "AckFailures";
/** An acknowledgement was recorded but its Slack note could not be published. Unit Count. */
export const ACK_NOTES_LOST = "AckNotesLost";

/**
 * A delivery event for a message id the stack never sent (another application's e-mail, SMS or
 * call in the same account and region): ignored and counted. Unit Count.
 */
export const DELIVERY_EVENTS_IGNORED = "DeliveryEventsIgnored";

/** The EMF line saying that `functionName` gave up on one page. Plain data, no I/O. */
export function pageGivenUpMetric(
  functionName: string,
  at: Date,
  labels: Readonly<Record<string, string | number | null>>,
): Record<string, unknown> {
  return countMetric(PAGES_GIVEN_UP, functionName, at, labels);
}

/**
 * The EMF line counting one `metric` event of `functionName` (value 1, unit Count, dimension
 * FunctionName), with `labels` as further root members (not dimensions). Plain data, no I/O.
 */
export function countMetric(
  metric:
    | typeof PAGES_GIVEN_UP
    | typeof ACK_FAILURES
    | typeof ACK_NOTES_LOST
    | typeof DELIVERY_EVENTS_IGNORED
    | typeof HEARTBEATS_ROUTED,
  functionName: string,
  at: Date,
  labels: Readonly<Record<string, string | number | null>>,
): Record<string, unknown> {
  return {
    _aws: {
      Timestamp: at.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: SELF_METRICS_NAMESPACE,
          Dimensions: [["FunctionName"]],
          Metrics: [{ Name: metric, Unit: "Count" }],
        },
      ],
    },
    ...labels,
    FunctionName: functionName,
    [metric]: 1,
  };
}

/**
 * The router routed one state change of the heartbeat's canary alarm: the path alarm →
 * EventBridge → input transformer → router queue → router works. Unit Count. Its alarm treats
 * missing data as breaching (components/heartbeat.ts): no heartbeat routed for a window pages.
 */
export const HEARTBEATS_ROUTED = "HeartbeatsRouted";
/** The metric the heartbeat schedule writes (PutMetricData) and the canary alarm watches. */
export const HEARTBEAT_CANARY = "HeartbeatCanary";

/** The EMF line saying that `functionName` routed one heartbeat. Plain data, no I/O. */
export function heartbeatRoutedMetric(
  functionName: string,
  at: Date,
  labels: Readonly<Record<string, string | number | null>>,
): Record<string, unknown> {
  return countMetric(HEARTBEATS_ROUTED, functionName, at, labels);
}
