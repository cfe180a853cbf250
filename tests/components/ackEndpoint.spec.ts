/**
 * The AckEndpoint component under the mock engine: every resource it creates with its literal
 * inputs (table, key, secret, function environment, role policy, function URL, the two public
 * permissions), and that the key appears nowhere but as a secret.
 *
 * What this spec does NOT prove:
 * - that AWS accepts the inputs beyond what the literal values show (no API-model mapper exists
 *   for these resource types in tests/support/apiModel.ts; the handler's requests are checked);
 * - what the role may do against real resources: tests/iam/simulate.spec.ts simulates its
 *   statements ("ack endpoint" rows);
 * - the function URL's real address (the mock engine does not compute one);
 * - that CloudWatch extracts the EMF metrics the two endpoint alarms watch, or that the alarms
 *   fire (the handler spec tests/handlers/ack.spec.ts asserts the lines written).
 */
import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import {
  ACK_KEY_LENGTH,
  AckEndpoint,
  ackEndpointStatements,
} from "../../components/engine/ackEndpoint";
import { runWithMocks, type RecordedResource } from "../../tools/mockEngine";
import { createTableInput, incidentTableCreate, type TableInputs } from "../support/incidentTable";
import { countByType, one } from "../support/program";

const A = "123456789012";
const R = "ap-northeast-1";
const TOPIC = `arn:aws:sns:${R}:${A}:ie-prod-alerts`;

describe("AckEndpoint component: table, key, function, role and public function URL", () => {
  let resources: RecordedResource[];

  before(async () => {
    ({ resources } = await runWithMocks(
      { stack: "prod" },
      () =>
        new AckEndpoint("ie", {
          prefix: "ie-prod",
          alertsTopicArn: TOPIC,
          language: "en",
          contactLanguages: { tanaka: "en", sato: "ja" },
          logRetentionDays: 30,
          reservedConcurrency: 5,
          tags: { stack: "prod" },
        }),
    ));
  });

  it("creates exactly these resources, each a child of the component", () => {
    assert.deepEqual(countByType(resources), {
      "aws:cloudwatch/logGroup:LogGroup": 1,
      // HandlerFunction's errors and DLQ-depth alarms, and the endpoint's two.
      "aws:cloudwatch/metricAlarm:MetricAlarm": 4,
      "aws:dynamodb/table:Table": 1,
      "aws:iam/role:Role": 1,
      "aws:iam/rolePolicy:RolePolicy": 1,
      "aws:lambda/function:Function": 1,
      "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": 1,
      "aws:lambda/functionUrl:FunctionUrl": 1,
      "aws:lambda/permission:Permission": 2,
      "aws:secretsmanager/secret:Secret": 1,
      "aws:secretsmanager/secretVersion:SecretVersion": 1,
      "aws:sqs/queue:Queue": 1,
      "incident-escalation:index:AckEndpoint": 1,
      "incident-escalation:index:HandlerFunction": 1,
      "random:index/randomPassword:RandomPassword": 1,
    });
    for (const r of resources) {
      if (r.type === "incident-escalation:index:AckEndpoint") continue;
      assert.ok(
        r.parent === "ie" || r.parent === "ie-ack",
        `${r.type} ${r.name} parent ${r.parent}`,
      );
    }
  });

  it("the incident table: pk, the recent index, TTL on expiresAt, PITR, on-demand, encrypted, protected", () => {
    assert.deepEqual(one(resources, "aws:dynamodb/table:Table", "ie-incidents").inputs, {
      name: "ie-prod-incidents",
      billingMode: "PAY_PER_REQUEST",
      hashKey: "pk",
      attributes: [
        { name: "pk", type: "S" },
        { name: "type", type: "S" },
        { name: "openedAt", type: "S" },
      ],
      globalSecondaryIndexes: [
        {
          name: "recent",
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
      tags: { stack: "prod" },
    });
  });

  it("the dynalite specs' table (tests/support/incidentTable.ts) has this table's keys, attributes and index", () => {
    const table = one(resources, "aws:dynamodb/table:Table", "ie-incidents").inputs;
    assert.deepEqual(
      createTableInput(table as unknown as TableInputs),
      incidentTableCreate("ie-prod-incidents"),
    );
  });

  it("the key: 64 random alphanumerics, stored only as a secret SecretString", () => {
    assert.equal(ACK_KEY_LENGTH, 64);
    assert.deepEqual(
      one(resources, "random:index/randomPassword:RandomPassword", "ie-ack-key").inputs,
      { length: 64, special: false },
    );
    assert.deepEqual(one(resources, "aws:secretsmanager/secret:Secret", "ie-ack-key").inputs, {
      name: "ie-prod/ack-key",
      description: "HMAC key of the incident-escalation acknowledgement links",
      recoveryWindowInDays: 7,
      tags: { stack: "prod" },
    });
    const version = one(resources, "aws:secretsmanager/secretVersion:SecretVersion", "ie-ack-key");
    assert.deepEqual(version.secretPaths, ["secretString"]);
    // The mock engine's RandomPassword result (tools/mockEngine.ts): sha512 of the name.
    const key = createHash("sha512").update("ie-ack-key").digest("hex").slice(0, 64);
    const holders = resources.filter((r) => JSON.stringify(r.inputs).includes(key));
    assert.deepEqual(
      holders.map((r) => r.type),
      ["aws:secretsmanager/secretVersion:SecretVersion"],
    );
  });

  it("the function: the ack bundle, environment without personal data, reserved concurrency, no retries", () => {
    const fn = one(resources, "aws:lambda/function:Function", "ie-ack");
    assert.equal(fn.inputs.name, "ie-prod-ack");
    assert.equal(fn.inputs.reservedConcurrentExecutions, 5);
    assert.equal(fn.inputs.timeout, 10);
    assert.deepEqual(fn.inputs.environment, {
      variables: {
        INCIDENT_TABLE: "ie-prod-incidents",
        ALERTS_TOPIC_ARN: TOPIC,
        ACK_KEY_SECRET_ARN: one(resources, "aws:secretsmanager/secret:Secret", "ie-ack-key").id,
        LANGUAGE: "en",
        CONTACT_LANGUAGES: '{"sato":"ja","tanaka":"en"}',
      },
    });
    assert.equal(
      one(
        resources,
        "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
        "ie-ack-invoke",
      ).inputs.maximumRetryAttempts,
      0,
    );
  });

  it("its own role's policy: logs, DLQ, and exactly the key, this table and the alerts topic", () => {
    const policy = JSON.parse(
      one(resources, "aws:iam/rolePolicy:RolePolicy", "ie-ack-policy").inputs.policy as string,
    ) as { Statement: unknown[] };
    const secretArn = one(resources, "aws:secretsmanager/secret:Secret", "ie-ack-key").id;
    assert.match(
      secretArn,
      /^arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:ie-prod\/ack-key-[0-9a-f]{6}$/,
    );
    assert.deepEqual(policy.Statement, [
      {
        Sid: "WriteOwnLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [`arn:aws:logs:${R}:${A}:log-group:/aws/lambda/ie-prod-ack:*`],
      },
      {
        Sid: "DeadLetterOwnQueue",
        Effect: "Allow",
        Action: ["sqs:SendMessage"],
        Resource: [`arn:aws:sqs:${R}:${A}:ie-prod-ack-dlq`],
      },
      {
        Sid: "ReadAckKey",
        Effect: "Allow",
        Action: ["secretsmanager:GetSecretValue"],
        Resource: [secretArn],
      },
      {
        Sid: "AcknowledgeIncidents",
        Effect: "Allow",
        Action: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
        Resource: [`arn:aws:dynamodb:${R}:${A}:table/ie-prod-incidents`],
      },
      { Sid: "NotifySlack", Effect: "Allow", Action: ["sns:Publish"], Resource: [TOPIC] },
    ]);
    assert.deepEqual(
      ackEndpointStatements({ tableArn: "t", keySecretArn: "s", alertsTopicArn: "a" }).map(
        (s) => s.Action,
      ),
      [
        ["secretsmanager:GetSecretValue"],
        ["dynamodb:GetItem", "dynamodb:UpdateItem"],
        ["sns:Publish"],
      ],
    );
  });

  // Sum >= 1 over one 60 s period, missing data notBreaching, ALARM and OK to the alerts topic
  // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html);
  // the metrics are the handler's EMF lines (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
  it("alarms on AckFailures and AckNotesLost (IncidentEscalation, FunctionName ie-prod-ack) to the alerts topic, literal", () => {
    const common = {
      namespace: "IncidentEscalation",
      dimensions: { FunctionName: "ie-prod-ack" },
      statistic: "Sum",
      period: 60,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [TOPIC],
      okActions: [TOPIC],
      tags: { stack: "prod" },
    };
    assert.deepEqual(
      one(resources, "aws:cloudwatch/metricAlarm:MetricAlarm", "ie-failures").inputs,
      {
        ...common,
        name: "ie-prod-ack-failures",
        alarmDescription:
          "The acknowledgement endpoint failed internally: a responder saw an error page and the incident was not acknowledged (the escalation goes on)",
        metricName: "AckFailures",
      },
    );
    assert.deepEqual(
      one(resources, "aws:cloudwatch/metricAlarm:MetricAlarm", "ie-notes-lost").inputs,
      {
        ...common,
        name: "ie-prod-ack-notes-lost",
        alarmDescription:
          "An acknowledgement was recorded but its Slack note could not be published: Slack does not know the incident was acknowledged",
        metricName: "AckNotesLost",
      },
    );
  });

  it("the function URL: AuthType NONE, buffered, no CORS; public invoke only through the URL", () => {
    assert.deepEqual(one(resources, "aws:lambda/functionUrl:FunctionUrl", "ie-url").inputs, {
      functionName: "ie-prod-ack",
      authorizationType: "NONE",
      invokeMode: "BUFFERED",
    });
    assert.deepEqual(one(resources, "aws:lambda/permission:Permission", "ie-url-public").inputs, {
      function: "ie-prod-ack",
      action: "lambda:InvokeFunctionUrl",
      principal: "*",
      functionUrlAuthType: "NONE",
    });
    assert.deepEqual(one(resources, "aws:lambda/permission:Permission", "ie-url-invoke").inputs, {
      function: "ie-prod-ack",
      action: "lambda:InvokeFunction",
      principal: "*",
      invokedViaFunctionUrl: true,
    });
  });
});
