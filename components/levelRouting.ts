import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AlarmConfig } from "../config/schema";
import { names } from "./builders";

/**
 * The EventBridge input template. The whole event goes in as `<aws.events.event.json>`, which
 * EventBridge inserts as JSON; extracted string values would not be JSON-escaped, so a `"` in an
 * alarm reason would break a hand-built template.
 */
export function inputTemplate(level: string): string {
  return `{"level":${JSON.stringify(level)},"event":<aws.events.event.json>}`;
}

/** The account and region whose alarms a rule routes: the stack's own. */
export interface AlarmScope {
  /** 12-digit account id. */
  readonly account: string;
  /** Region, e.g. ap-northeast-1. */
  readonly region: string;
}

/** `arn:aws:cloudwatch:<region>:<account>:alarm:<name>`, the alarm's ARN in the event's resources. */
export function alarmArn(scope: AlarmScope, alarmName: string): string {
  return `arn:aws:cloudwatch:${scope.region}:${scope.account}:alarm:${alarmName}`;
}

/**
 * The event pattern matching exactly one level's alarms of this account and region: the ARN
 * prefix `arn:aws:cloudwatch:<region>:<account>:alarm:<prefix>-<level>-` of the alarms the stack
 * creates, and the exact ARN of each external alarm. `account` and `region` are the event's
 * top-level fields, which keep the sending account and region when another account's bus (if its
 * policy admits it) or another region forwards the event
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html); a CloudWatch
 * alarm state change lists the alarm's ARN, and only it, in `resources`
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html).
 * A pattern array matches an event array when they intersect
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html), and
 * `prefix` applies to each string of it
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/content-filtering-with-event-patterns.html#eb-filtering-prefix-matching).
 * Partition `aws` only, like the router's ARN check (handlers/router/alarmEvent.ts).
 */
export function levelEventPattern(
  prefix: string,
  level: string,
  externalAlarms: readonly string[],
  scope: AlarmScope,
): string {
  return JSON.stringify({
    source: ["aws.cloudwatch"],
    "detail-type": ["CloudWatch Alarm State Change"],
    account: [scope.account],
    region: [scope.region],
    resources: [
      { prefix: alarmArn(scope, names.alarm(prefix, level, "")) },
      ...externalAlarms.map((n) => alarmArn(scope, n)),
    ],
  });
}

/** A Lambda or an SQS queue the rule delivers to. */
export interface RuleTargetArgs {
  /** Short id of the target, e.g. "router". */
  readonly id: string;
  /** ARN of the function or queue. */
  readonly arn: pulumi.Input<string>;
  /**
   * The function's name, for a Lambda target: the rule gets permission to invoke it. Absent for
   * a queue target, whose queue policy must let the rule send (iamStatements.ts,
   * ruleTargetQueueStatements).
   */
  readonly functionName?: pulumi.Input<string>;
}

export interface LevelRoutingArgs {
  /** Physical-name prefix. */
  readonly prefix: string;
  /** Level name. */
  readonly level: string;
  /** Alarms the stack creates at this level, each with this level's threshold. */
  readonly alarms: readonly AlarmConfig[];
  /** Names of existing alarms routed to this level (in the stack's account and region). */
  readonly externalAlarms: readonly string[];
  /** The stack's account id: the rule matches only its alarms. */
  readonly account: pulumi.Input<string>;
  /** The stack's region: the rule matches only its alarms. */
  readonly region: pulumi.Input<string>;
  /** Alerts topic: ALARM and OK actions of every alarm (Slack). */
  readonly alertsTopicArn: pulumi.Input<string>;
  /** Lambdas and queues the level's rule delivers to; no rule is created when empty. */
  readonly targets: readonly RuleTargetArgs[];
  /** Queue for events EventBridge could not deliver. */
  readonly deadLetterArn: pulumi.Input<string>;
  /** Tags. */
  readonly tags?: Record<string, string>;
}

/** EventBridge delivery retries: keep trying for up to a day before dead-lettering. */
export const TARGET_RETRY_POLICY = {
  maximumEventAgeInSeconds: 86_400,
  maximumRetryAttempts: 185,
} as const;

/**
 * One level: a CloudWatch alarm per configured alarm with this level's threshold (ALARM and OK →
 * the alerts topic), and an EventBridge rule for the level's alarm state changes delivering
 * `{level, event}` to the router's queue and/or the notifier, with retries and a dead-letter queue.
 */
export class LevelRouting extends pulumi.ComponentResource {
  /** The rule's ARN, when the level has targets. */
  public readonly ruleArn?: pulumi.Output<string>;
  /** Names of the alarms created. */
  public readonly alarmNames: string[];

  constructor(name: string, args: LevelRoutingArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("incident-escalation:index:LevelRouting", name, {}, opts);
    const childOpts = { parent: this, dependsOn: opts.dependsOn };

    this.alarmNames = [];
    for (const a of args.alarms) {
      const alarmName = names.alarm(args.prefix, args.level, a.name);
      const percentile = /^p\d/.test(a.metric.statistic);
      new aws.cloudwatch.MetricAlarm(
        `${name}-${a.name}`,
        {
          name: alarmName,
          alarmDescription: a.description ?? `${a.name} at level ${args.level}`,
          namespace: a.metric.namespace,
          metricName: a.metric.name,
          dimensions: a.metric.dimensions,
          statistic: percentile ? undefined : a.metric.statistic,
          extendedStatistic: percentile ? a.metric.statistic : undefined,
          period: a.metric.period,
          unit: a.metric.unit,
          comparisonOperator: a.comparison,
          threshold: a.thresholds[args.level],
          evaluationPeriods: a.evaluationPeriods,
          datapointsToAlarm: a.datapointsToAlarm,
          treatMissingData: a.treatMissingData,
          actionsEnabled: true,
          alarmActions: [args.alertsTopicArn],
          okActions: [args.alertsTopicArn],
          tags: { ...args.tags, level: args.level },
        },
        childOpts,
      );
      this.alarmNames.push(alarmName);
    }

    if (args.targets.length > 0) {
      const rule = new aws.cloudwatch.EventRule(
        name,
        {
          name: `${args.prefix}-${args.level}`,
          description: `Alarm state changes at level ${args.level}`,
          eventPattern: pulumi
            .all([args.account, args.region])
            .apply(([account, region]) =>
              levelEventPattern(args.prefix, args.level, args.externalAlarms, { account, region }),
            ),
          tags: args.tags,
        },
        childOpts,
      );
      for (const t of args.targets) {
        const permission =
          t.functionName === undefined
            ? undefined
            : new aws.lambda.Permission(
                `${name}-${t.id}-invoke`,
                {
                  action: "lambda:InvokeFunction",
                  function: t.functionName,
                  principal: "events.amazonaws.com",
                  sourceArn: rule.arn,
                },
                childOpts,
              );
        new aws.cloudwatch.EventTarget(
          `${name}-${t.id}`,
          {
            rule: rule.name,
            targetId: t.id,
            arn: t.arn,
            inputTransformer: { inputPaths: {}, inputTemplate: inputTemplate(args.level) },
            retryPolicy: TARGET_RETRY_POLICY,
            deadLetterConfig: { arn: args.deadLetterArn },
          },
          { ...childOpts, dependsOn: permission ? [permission] : [] },
        );
      }
      this.ruleArn = rule.arn;
    }

    this.registerOutputs({ ruleArn: this.ruleArn, alarmNames: this.alarmNames });
  }
}
