import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { incidentTableName, RECENT_INDEX } from "../../handlers/shared/incidentStore";
import {
  ACK_FAILURES,
  ACK_NOTES_LOST,
  SELF_METRICS_NAMESPACE,
} from "../../handlers/shared/selfMetrics";
import { HandlerFunction } from "../handlerFunction";
import type { Statement } from "../iamStatements";

/** Languages of the pages (handlers/ack/messages.ts LANGUAGES). */
export type AckLanguage = "ja" | "en";

export interface AckEndpointArgs {
  /** Prefix of physical names (`ie-prod`): `<prefix>-incidents`, `<prefix>-ack`, `<prefix>/ack-key`. */
  readonly prefix: string;
  /** The alerts topic (Slack): the acknowledgement note and the function's own alarms. */
  readonly alertsTopicArn: pulumi.Input<string>;
  /** The stack's language (pages of unreadable links, the Slack note). */
  readonly language: AckLanguage;
  /** Contacts whose language differs from `language`: alias → language. */
  readonly contactLanguages: Readonly<Record<string, AckLanguage>>;
  /** Days to keep the function's logs. */
  readonly logRetentionDays: number;
  /**
   * Concurrency reserved for the endpoint, which also caps it (a flood of requests cannot take
   * the account's concurrency from the router); undefined: none reserved (accounts with a low
   * concurrency quota cannot reserve any).
   */
  readonly reservedConcurrency?: number;
  /** Tags. */
  readonly tags?: Record<string, string>;
}

/**
 * The ack function's statements: read the key, read and acknowledge incidents of this stack's
 * table (GetItem, UpdateItem on the table itself; no index, no scan, no delete), post to the
 * alerts topic. Resources are this stack's; no wildcard action.
 */
export function ackEndpointStatements(refs: {
  readonly tableArn: pulumi.Input<string>;
  readonly keySecretArn: pulumi.Input<string>;
  readonly alertsTopicArn: pulumi.Input<string>;
}): Statement[] {
  return [
    {
      Sid: "ReadAckKey",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue"],
      Resource: [refs.keySecretArn],
    },
    {
      Sid: "AcknowledgeIncidents",
      Effect: "Allow",
      Action: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
      Resource: [refs.tableArn],
    },
    {
      Sid: "NotifySlack",
      Effect: "Allow",
      Action: ["sns:Publish"],
      Resource: [refs.alertsTopicArn],
    },
  ];
}

/** The handler's environment (handlers/ack/core.ts parseEnv); no personal data. */
export function ackEnvironment(args: {
  readonly tableName: pulumi.Input<string>;
  readonly alertsTopicArn: pulumi.Input<string>;
  readonly keySecretArn: pulumi.Input<string>;
  readonly language: AckLanguage;
  readonly contactLanguages: Readonly<Record<string, AckLanguage>>;
}): Record<string, pulumi.Input<string>> {
  return {
    INCIDENT_TABLE: args.tableName,
    ALERTS_TOPIC_ARN: args.alertsTopicArn,
    ACK_KEY_SECRET_ARN: args.keySecretArn,
    LANGUAGE: args.language,
    CONTACT_LANGUAGES: JSON.stringify(
      Object.fromEntries(
        Object.entries(args.contactLanguages).sort(([a], [b]) => a.localeCompare(b)),
      ),
    ),
  };
}

/** Length of the generated HMAC key (characters of [A-Za-z0-9]: about 380 bits). */
export const ACK_KEY_LENGTH = 64;

/**
 * The acknowledgement side of the step-functions backend: the incident table shared by router,
 * engine, endpoint and CLIs; the HMAC key (generated, kept in Secrets Manager); and the endpoint,
 * a Lambda function behind a function URL with its own least-privilege role.
 *
 * Why the function URL is public (AuthType NONE): the link is opened from an e-mail or SMS on a
 * responder's phone, which cannot sign requests; `AWS_IAM` would need SigV4 on every request, and
 * NONE is the documented choice "to allow public, unauthenticated access to your function URL"
 * (https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html). Since October 2025 such a URL
 * also needs `lambda:InvokeFunction` granted (same page), given here only with the condition
 * `lambda:InvokedViaFunctionUrl`, so the grant opens the URL and nothing else. Mitigations: every
 * request needs a signed, expiring, single-purpose token (handlers/shared/ackToken.ts); GET never
 * changes anything and POST only acknowledges an open incident of this stack (it cannot resolve,
 * page, or read another incident); the role can do nothing else; reserved concurrency caps what a
 * flood can cost; no CORS configuration, so no other origin can read a response; pages carry no
 * personal data and are not cacheable.
 */
export class AckEndpoint extends pulumi.ComponentResource {
  public readonly tableName: pulumi.Output<string>;
  public readonly tableArn: pulumi.Output<string>;
  public readonly keySecretArn: pulumi.Output<string>;
  /** The function URL (`https://<id>.lambda-url.<region>.on.aws/`): the base of every link. */
  public readonly url: pulumi.Output<string>;
  public readonly functionName: pulumi.Output<string>;
  public readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: AckEndpointArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("incident-escalation:index:AckEndpoint", name, {}, opts);
    const table = createIncidentTable(name, args, this);
    const secret = createAckKey(name, args, this);
    const fn = new HandlerFunction(
      `${name}-ack`,
      {
        functionName: `${args.prefix}-ack`,
        handler: "ack",
        description: "Acknowledgement links of the incident-escalation step-functions backend",
        environment: ackEnvironment({
          tableName: table.name,
          alertsTopicArn: args.alertsTopicArn,
          keySecretArn: secret.arn,
          language: args.language,
          contactLanguages: args.contactLanguages,
        }),
        statements: ackEndpointStatements({
          tableArn: table.arn,
          keySecretArn: secret.arn,
          alertsTopicArn: args.alertsTopicArn,
        }),
        timeoutSeconds: 10,
        memoryMb: 256,
        logRetentionDays: args.logRetentionDays,
        // Invoked synchronously by the function URL: Lambda does not retry, the page says what
        // happened and the responder can press again.
        maximumRetryAttempts: 0,
        alertsTopicArn: args.alertsTopicArn,
        ...(args.reservedConcurrency === undefined
          ? {}
          : { reservedConcurrentExecutions: args.reservedConcurrency }),
        tags: args.tags,
      },
      { parent: this },
    );
    const url = new aws.lambda.FunctionUrl(
      `${name}-url`,
      {
        functionName: fn.functionName,
        authorizationType: "NONE",
        invokeMode: "BUFFERED",
      },
      { parent: this },
    );
    new aws.lambda.Permission(
      `${name}-url-public`,
      {
        function: fn.functionName,
        action: "lambda:InvokeFunctionUrl",
        principal: "*",
        functionUrlAuthType: "NONE",
      },
      { parent: this },
    );
    new aws.lambda.Permission(
      `${name}-url-invoke`,
      {
        function: fn.functionName,
        action: "lambda:InvokeFunction",
        principal: "*",
        invokedViaFunctionUrl: true,
      },
      { parent: this },
    );

    for (const [suffix, metricName, what] of ACK_ALARMS) {
      new aws.cloudwatch.MetricAlarm(
        `${name}-${suffix}`,
        ackAlarmArgs({
          name: `${args.prefix}-ack-${suffix}`,
          description: what,
          metricName,
          functionName: fn.functionName,
          topicArn: args.alertsTopicArn,
          tags: args.tags,
        }),
        { parent: this },
      );
    }

    this.tableName = table.name;
    this.tableArn = table.arn;
    this.keySecretArn = secret.arn;
    this.url = url.functionUrl;
    this.functionName = fn.functionName;
    this.roleArn = fn.roleArn;
    this.registerOutputs({
      tableName: this.tableName,
      tableArn: this.tableArn,
      keySecretArn: this.keySecretArn,
      url: this.url,
      functionName: this.functionName,
    });
  }
}

/** The endpoint's own alarms: suffix, EMF metric (handlers/ack/handler.ts), description. */
const ACK_ALARMS = [
  [
    "failures",
    ACK_FAILURES,
    "The acknowledgement endpoint failed internally: a responder saw an error page and the incident was not acknowledged (the escalation goes on)",
  ],
  [
    "notes-lost",
    ACK_NOTES_LOST,
    "An acknowledgement was recorded but its Slack note could not be published: Slack does not know the incident was acknowledged",
  ],
] as const;

/**
 * An alarm on one of the endpoint's EMF metrics (namespace IncidentEscalation, dimension
 * FunctionName; embedded metric format specification,
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 * Sum ≥ 1 over one period of 60 s: each line is one responder who could not acknowledge or one
 * lost note, never noise, so the first one alarms within a minute (a longer period or more
 * periods would only delay it). Missing data is notBreaching: the metric only exists when
 * something failed, so no data means nothing failed (PutMetricAlarm API reference,
 * `TreatMissingData`: breaching | notBreaching | ignore | missing, default missing,
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html;
 * Using Amazon CloudWatch alarms, "Configuring
 * how CloudWatch alarms treat missing data",
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-missing-data).
 * ALARM and OK go to the alerts topic (Slack), so Slack also hears when it has passed.
 */
export function ackAlarmArgs(a: {
  readonly name: string;
  readonly description: string;
  readonly metricName: typeof ACK_FAILURES | typeof ACK_NOTES_LOST;
  readonly functionName: pulumi.Input<string>;
  readonly topicArn: pulumi.Input<string>;
  readonly tags?: Record<string, string>;
}): aws.cloudwatch.MetricAlarmArgs {
  return {
    name: a.name,
    alarmDescription: a.description,
    namespace: SELF_METRICS_NAMESPACE,
    metricName: a.metricName,
    dimensions: { FunctionName: a.functionName },
    statistic: "Sum",
    period: 60,
    evaluationPeriods: 1,
    threshold: 1,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    treatMissingData: "notBreaching",
    alarmActions: [a.topicArn],
    okActions: [a.topicArn],
    tags: a.tags,
  };
}

/**
 * The incident table (handlers/shared/incidentStore.ts): hash key `pk`, the `recent` index for
 * listing, TTL on `expiresAt` (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html),
 * point-in-time recovery, on-demand capacity.
 */
function createIncidentTable(
  name: string,
  args: AckEndpointArgs,
  parent: pulumi.Resource,
): aws.dynamodb.Table {
  return new aws.dynamodb.Table(
    `${name}-incidents`,
    {
      name: incidentTableName(args.prefix),
      billingMode: "PAY_PER_REQUEST",
      hashKey: "pk",
      attributes: [
        { name: "pk", type: "S" },
        { name: "type", type: "S" },
        { name: "openedAt", type: "S" },
      ],
      globalSecondaryIndexes: [
        {
          name: RECENT_INDEX,
          keySchemas: [
            { attributeName: "type", keyType: "HASH" },
            { attributeName: "openedAt", keyType: "RANGE" },
          ],
          projectionType: "ALL",
        },
      ],
      ttl: { attributeName: "expiresAt", enabled: true },
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true },
      deletionProtectionEnabled: true,
      tags: args.tags,
    },
    { parent },
  );
}

/**
 * The HMAC key: generated by random.RandomPassword (its result is a Pulumi secret, so neither the
 * plan nor the state in clear shows it) and stored as the secret's SecretString, which the
 * endpoint and the engine read with GetSecretValue.
 */
function createAckKey(
  name: string,
  args: AckEndpointArgs,
  parent: pulumi.Resource,
): aws.secretsmanager.Secret {
  const key = new random.RandomPassword(
    `${name}-ack-key`,
    { length: ACK_KEY_LENGTH, special: false },
    { parent },
  );
  const secret = new aws.secretsmanager.Secret(
    `${name}-ack-key`,
    {
      name: `${args.prefix}/ack-key`,
      description: "HMAC key of the incident-escalation acknowledgement links",
      recoveryWindowInDays: 7,
      tags: args.tags,
    },
    { parent },
  );
  new aws.secretsmanager.SecretVersion(
    `${name}-ack-key`,
    { secretId: secret.id, secretString: pulumi.secret(key.result) },
    { parent },
  );
  return secret;
}
