import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { LAMBDA_ENVIRONMENT_MAX_BYTES } from "../handlers/shared/limits";
import { PAGES_GIVEN_UP, SELF_METRICS_NAMESPACE } from "../handlers/shared/selfMetrics";
import { codeArchive, handlerBundle } from "./bundles";
import {
  Statement,
  assumeRolePolicy,
  lambdaBaseStatements,
  policyJson,
  queueConsumerStatements,
} from "./iamStatements";
import { dlqDepthAlarmArgs, selfAlarmArgs } from "./selfMonitoring";

/**
 * Lambda runtime of every handler: Node.js 24, offered in every commercial region since November
 * 2025 and supported until 2028-04-30 ("Supported runtimes" table of
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html; launch post
 * https://aws.amazon.com/blogs/compute/node-js-24-runtime-now-available-in-aws-lambda/).
 * nodejs24.x runs only async handlers (no callback-style `(event, context, callback)`), which is
 * what both handlers export. The bundles' esbuild target (tools/bundle.mjs) is the same Node.
 */
export const LAMBDA_RUNTIME = "nodejs24.x";

/** An SQS queue in front of the function, polled by an event source mapping. */
export interface HandlerQueueArgs {
  /** Concurrent invocations the mapping may make (ScalingConfig MaximumConcurrency, 2-1000). */
  readonly maximumConcurrency: number;
  /** Visibility timeout in seconds: at least the function timeout (Lambda checks it). */
  readonly visibilityTimeoutSeconds: number;
  /** Receives of a message before SQS moves it to the function's dead-letter queue. */
  readonly maxReceiveCount: number;
}

export interface HandlerFunctionArgs {
  /** Physical function name. */
  readonly functionName: string;
  /** Handler folder under handlers/ whose bundle is deployed. */
  readonly handler: string;
  /** Description of the function. */
  readonly description: string;
  /** Environment variables (validated by the handler at cold start; 4 KB in all). */
  readonly environment: Record<string, pulumi.Input<string>>;
  /** Files (name → text) deployed beside the bundle, for configuration that may outgrow 4 KB. */
  readonly files?: Record<string, pulumi.Input<string>>;
  /** Statements beyond its own logs, DLQ and queue. */
  readonly statements: readonly Statement[];
  /** Timeout in seconds. */
  readonly timeoutSeconds: number;
  /** Memory in MB. */
  readonly memoryMb: number;
  /**
   * A queue in front of the function (its event source; batch size 1, partial batch responses,
   * redrive to the function's dead-letter queue). Its maximum concurrency caps the function
   * without reserving concurrency. Undefined: no queue.
   */
  readonly queue?: HandlerQueueArgs;
  /** Days to keep logs. */
  readonly logRetentionDays: number;
  /** Async retries before the on-failure destination (0-2). */
  readonly maximumRetryAttempts: number;
  /** The alerts topic (Slack): every self-monitoring alarm's ALARM and OK go there. */
  readonly alertsTopicArn: pulumi.Input<string>;
  /**
   * The response plan paged when a page may be lost: the dead-letter queue holds a message, or
   * (with `reportsPagesGivenUp`) the handler gave up on a page. Undefined: Slack only.
   */
  readonly pagePlanArn?: pulumi.Input<string>;
  /** The handler emits the PagesGivenUp metric (EMF): alarm on it. */
  readonly reportsPagesGivenUp?: boolean;
  /**
   * Concurrency reserved for (and capping) the function; undefined: none reserved. Reserving
   * fails in accounts whose unreserved concurrency would drop below its minimum (DESIGN.md).
   */
  readonly reservedConcurrentExecutions?: number;
  /** Tags. */
  readonly tags?: Record<string, string>;
}

/**
 * Bytes of a function's environment variables as measured here: the UTF-8 length of the
 * `Environment.Variables` map as JSON, as the CreateFunction request carries it. That is every
 * key's and value's bytes plus quotes and separators, so it is never below Lambda's aggregate of
 * keys and values.
 */
export function environmentBytes(variables: Readonly<Record<string, string>>): number {
  return Buffer.byteLength(JSON.stringify(variables), "utf8");
}

/**
 * Refuses, before anything is created, an environment above Lambda's 4 KB (4096 bytes) for all
 * of a function's variables together (Lambda quotas: "Environment variables: 4 KB, for all
 * environment variables associated with the function, in aggregate",
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html), which
 * CreateFunction would refuse half-way through `pulumi up`.
 */
export function checkEnvironmentSize(
  functionName: string,
  variables: Readonly<Record<string, string>>,
): void {
  const bytes = environmentBytes(variables);
  if (bytes <= LAMBDA_ENVIRONMENT_MAX_BYTES) return;
  const [largest, size] = Object.entries(variables)
    .map(([k, v]): [string, number] => [k, Buffer.byteLength(k + v, "utf8")])
    .sort(([, a], [, b]) => b - a)[0];
  throw new Error(
    `Lambda function ${functionName}: its environment variables take ${bytes} bytes, above ` +
      `Lambda's limit of ${LAMBDA_ENVIRONMENT_MAX_BYTES} bytes (4 KB) for all variables together; ` +
      `the largest is ${largest} (${size} bytes)`,
  );
}

/**
 * A bundled Node.js Lambda with its own least-privilege role, log group (JSON logs, retention),
 * a dead-letter queue (on-failure destination of failed async invocations, and redrive target
 * of its queue when it has one), and alarms: its errors (Slack), its dead-letter queue's depth
 * and the pages it gave up on (Slack, and the response plan when a page may be lost).
 */
export class HandlerFunction extends pulumi.ComponentResource {
  public readonly arn: pulumi.Output<string>;
  public readonly functionName: pulumi.Output<string>;
  public readonly roleArn: pulumi.Output<string>;
  public readonly dlqArn: pulumi.Output<string>;
  /** The queue in front of the function, when it has one. */
  public readonly queue?: {
    readonly arn: pulumi.Output<string>;
    readonly url: pulumi.Output<string>;
  };
  /** Bundle path relative to the package root, and its SHA-256 (base64). */
  public readonly bundle: { readonly path: string; readonly sha256: string };

  constructor(name: string, args: HandlerFunctionArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("incident-escalation:index:HandlerFunction", name, {}, opts);
    // The environment's size is checked before anything is created: here when every value is a
    // plain string (the constructor throws), else once the values are known (below: the apply
    // fails `pulumi up` before the function is registered).
    const known = Object.entries(args.environment).filter(
      (e): e is [string, string] => typeof e[1] === "string",
    );
    if (known.length === Object.keys(args.environment).length) {
      checkEnvironmentSize(args.functionName, Object.fromEntries(known));
    }
    const childOpts = { parent: this, dependsOn: opts.dependsOn };
    const bundle = handlerBundle(args.handler);
    this.bundle = { path: bundle.relative, sha256: bundle.sha256 };

    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      {
        name: `/aws/lambda/${args.functionName}`,
        retentionInDays: args.logRetentionDays,
        tags: args.tags,
      },
      childOpts,
    );
    const dlq = new aws.sqs.Queue(
      `${name}-dlq`,
      {
        name: `${args.functionName}-dlq`,
        sqsManagedSseEnabled: true,
        messageRetentionSeconds: 14 * 24 * 3600,
        tags: args.tags,
      },
      childOpts,
    );
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        name: `${args.functionName}-role`,
        assumeRolePolicy: assumeRolePolicy("lambda.amazonaws.com"),
        tags: args.tags,
      },
      childOpts,
    );
    const queue = args.queue
      ? new aws.sqs.Queue(
          `${name}-queue`,
          {
            name: `${args.functionName}-queue`,
            sqsManagedSseEnabled: true,
            visibilityTimeoutSeconds: args.queue.visibilityTimeoutSeconds,
            // Shorter than the dead-letter queue's 14 days: a message's age counts from its first
            // enqueue, also in the dead-letter queue (SQS developer guide, dead-letter queues).
            messageRetentionSeconds: 4 * 24 * 3600,
            redrivePolicy: pulumi.jsonStringify({
              deadLetterTargetArn: dlq.arn,
              maxReceiveCount: args.queue.maxReceiveCount,
            }),
            tags: args.tags,
          },
          childOpts,
        )
      : undefined;
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: role.name,
        name: `${args.functionName}-policy`,
        policy: policyJson([
          ...lambdaBaseStatements(logGroup.arn, dlq.arn),
          ...(queue ? queueConsumerStatements(queue.arn) : []),
          ...args.statements,
        ]),
      },
      childOpts,
    );
    const variables = pulumi.output(args.environment).apply((v) => {
      checkEnvironmentSize(args.functionName, v);
      return v;
    });

    const fn = new aws.lambda.Function(
      name,
      {
        name: args.functionName,
        description: args.description,
        runtime: LAMBDA_RUNTIME,
        architectures: ["arm64"],
        handler: "index.handler",
        code: pulumi.output(args.files ?? {}).apply((files) => codeArchive(bundle, files)),
        sourceCodeHash: bundle.sha256,
        role: role.arn,
        timeout: args.timeoutSeconds,
        memorySize: args.memoryMb,
        ...(args.reservedConcurrentExecutions === undefined
          ? {}
          : { reservedConcurrentExecutions: args.reservedConcurrentExecutions }),
        environment: { variables },
        loggingConfig: {
          logFormat: "JSON",
          logGroup: logGroup.name,
          applicationLogLevel: "INFO",
          systemLogLevel: "WARN",
        },
        tags: args.tags,
      },
      { ...childOpts, dependsOn: [logGroup, rolePolicy] },
    );

    new aws.lambda.FunctionEventInvokeConfig(
      `${name}-invoke`,
      {
        functionName: fn.name,
        maximumRetryAttempts: args.maximumRetryAttempts,
        maximumEventAgeInSeconds: 6 * 3600,
        destinationConfig: { onFailure: { destination: dlq.arn } },
      },
      { ...childOpts, dependsOn: [rolePolicy] },
    );

    if (queue && args.queue) {
      new aws.lambda.EventSourceMapping(
        `${name}-queue-mapping`,
        {
          eventSourceArn: queue.arn,
          functionName: fn.arn,
          // One message per invocation: one record may need the whole function timeout.
          batchSize: 1,
          functionResponseTypes: ["ReportBatchItemFailures"],
          scalingConfig: { maximumConcurrency: args.queue.maximumConcurrency },
        },
        // Lambda checks the role's queue permissions when the mapping is created.
        { ...childOpts, dependsOn: [rolePolicy] },
      );
    }

    const slack = [args.alertsTopicArn];
    const page = args.pagePlanArn ? [args.alertsTopicArn, args.pagePlanArn] : slack;
    // Errors include retries that may still succeed: Slack only, never a page.
    new aws.cloudwatch.MetricAlarm(
      `${name}-errors`,
      selfAlarmArgs({
        name: `${args.functionName}-errors`,
        description: `${args.functionName} failed; events are retried, then dead-lettered`,
        namespace: "AWS/Lambda",
        metricName: "Errors",
        dimensions: { FunctionName: fn.name },
        statistic: "Sum",
        actions: slack,
        tags: args.tags,
      }),
      childOpts,
    );
    new aws.cloudwatch.MetricAlarm(
      `${name}-dlq-depth`,
      dlqDepthAlarmArgs(
        `${args.functionName}-dlq-depth`,
        `Events that ${args.functionName} could not process are waiting in ${args.functionName}-dlq`,
        dlq.name,
        page,
        args.tags,
      ),
      childOpts,
    );
    if (args.reportsPagesGivenUp) {
      new aws.cloudwatch.MetricAlarm(
        `${name}-pages-given-up`,
        selfAlarmArgs({
          name: `${args.functionName}-pages-given-up`,
          description: `${args.functionName} gave up on a page: the alarm may have paged nobody`,
          namespace: SELF_METRICS_NAMESPACE,
          metricName: PAGES_GIVEN_UP,
          dimensions: { FunctionName: fn.name },
          statistic: "Sum",
          actions: page,
          tags: args.tags,
        }),
        childOpts,
      );
    }

    this.arn = fn.arn;
    this.functionName = fn.name;
    this.roleArn = role.arn;
    this.dlqArn = dlq.arn;
    this.queue = queue ? { arn: queue.arn, url: queue.url } : undefined;
    this.registerOutputs({
      arn: this.arn,
      functionName: this.functionName,
      dlqArn: this.dlqArn,
      queueArn: this.queue?.arn,
    });
  }
}
