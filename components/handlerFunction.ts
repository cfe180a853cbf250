import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { handlerBundle } from "./bundles";
import { Statement, assumeRolePolicy, lambdaBaseStatements, policyJson } from "./policies";
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

export interface HandlerFunctionArgs {
  /** Physical function name. */
  readonly functionName: string;
  /** Handler folder under handlers/ whose bundle is deployed. */
  readonly handler: string;
  /** Description of the function. */
  readonly description: string;
  /** Environment variables (validated by the handler at cold start). */
  readonly environment: Record<string, pulumi.Input<string>>;
  /** Statements beyond its own logs and DLQ. */
  readonly statements: readonly Statement[];
  /** Timeout in seconds. */
  readonly timeoutSeconds: number;
  /** Memory in MB. */
  readonly memoryMb: number;
  /**
   * Concurrent executions reserved (and capped) for the function. Bursts beyond it wait in
   * Lambda's asynchronous queue (retried for up to 6 hours) instead of failing against API
   * rate limits. Undefined: no reservation.
   */
  readonly reservedConcurrency?: number;
  /** Days to keep logs. */
  readonly logRetentionDays: number;
  /** Async retries before the on-failure destination (0-2). */
  readonly maximumRetryAttempts: number;
  /** Actions of the self-monitoring alarms (alerts topic, response plan). */
  readonly alarmActions: readonly pulumi.Input<string>[];
  /** Tags. */
  readonly tags?: Record<string, string>;
}

/**
 * A bundled Node.js Lambda with its own least-privilege role, log group (JSON logs, retention),
 * an on-failure destination queue for failed async invocations, and alarms on its errors and on
 * its dead-letter queue's depth.
 */
export class HandlerFunction extends pulumi.ComponentResource {
  public readonly arn: pulumi.Output<string>;
  public readonly functionName: pulumi.Output<string>;
  public readonly roleArn: pulumi.Output<string>;
  public readonly dlqArn: pulumi.Output<string>;
  /** Bundle path relative to the package root, and its SHA-256 (base64). */
  public readonly bundle: { readonly path: string; readonly sha256: string };

  constructor(name: string, args: HandlerFunctionArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("incident-escalation:index:HandlerFunction", name, {}, opts);
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
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: role.name,
        name: `${args.functionName}-policy`,
        policy: policyJson([...lambdaBaseStatements(logGroup.arn, dlq.arn), ...args.statements]),
      },
      childOpts,
    );

    const fn = new aws.lambda.Function(
      name,
      {
        name: args.functionName,
        description: args.description,
        runtime: LAMBDA_RUNTIME,
        architectures: ["arm64"],
        handler: "index.handler",
        code: new pulumi.asset.AssetArchive({
          "index.js": new pulumi.asset.FileAsset(bundle.file),
        }),
        sourceCodeHash: bundle.sha256,
        role: role.arn,
        timeout: args.timeoutSeconds,
        memorySize: args.memoryMb,
        reservedConcurrentExecutions: args.reservedConcurrency,
        environment: { variables: { ...args.environment } },
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

    new aws.cloudwatch.MetricAlarm(
      `${name}-errors`,
      selfAlarmArgs({
        name: `${args.functionName}-errors`,
        description: `${args.functionName} failed; events are retried, then dead-lettered`,
        namespace: "AWS/Lambda",
        metricName: "Errors",
        dimensions: { FunctionName: fn.name },
        statistic: "Sum",
        actions: args.alarmActions,
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
        args.alarmActions,
        args.tags,
      ),
      childOpts,
    );

    this.arn = fn.arn;
    this.functionName = fn.name;
    this.roleArn = role.arn;
    this.dlqArn = dlq.arn;
    this.registerOutputs({ arn: this.arn, functionName: this.functionName, dlqArn: this.dlqArn });
  }
}
