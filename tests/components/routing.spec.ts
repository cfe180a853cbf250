/**
 * The alert-routing half under Pulumi's mock engine (prod example): per-level alarms, one
 * EventBridge rule per level, targets with retries and dead-letter queues (the router's through
 * its SQS queue and event source mapping), Lambda permissions, queue policies, IAM documents
 * statement by statement, the routing table in the router's code, Chatbot, encryption and the
 * self-monitoring alarms.
 *
 * Not proven here: that AWS accepts these inputs, that EventBridge matches real events with the
 * pattern (tests/handlers cover the transformer output; the pattern is asserted literally, and
 * tests/policy/policies.spec.ts evaluates it with a matcher checked against the EventBridge user
 * guide's examples, not with EventBridge itself), or that Chatbot is authorised in the Slack
 * workspace (a one-time console step). The defaultPrefix table proves the names do not overlap
 * for the stack names listed, not for every name.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { defaultPrefix } from "../../components/builders";
import { inputTemplate, levelEventPattern } from "../../components/levelRouting";
import { wildcardActions } from "../../components/iamStatements";
import { RecordedResource } from "../../tools/mockEngine";
import {
  ProgramRun,
  REPO,
  archiveFiles,
  countByType,
  one,
  ofType,
  runProgram,
} from "../support/program";

const A = "123456789012";
const R = "ap-northeast-1";
const TOPIC = `arn:aws:sns:${R}:${A}:ie-prod-alerts`;
const PLAN = `arn:aws:ssm-incidents::${A}:response-plan/ie-prod-critical`;
const TAGS = { "ie-stack": "prod", "managed-by": "incident-escalation" };

function doc(r: RecordedResource, key = "policy"): { Statement: Record<string, unknown>[] } {
  return JSON.parse(r.inputs[key] as string) as { Statement: Record<string, unknown>[] };
}

describe("alert routing (prod example)", () => {
  let run: ProgramRun;
  let res: RecordedResource[];
  before(async () => {
    run = await runProgram("prod");
    res = run.resources;
  });

  it("creates exactly these resources", () => {
    assert.deepEqual(countByType(res), {
      "aws-native:ssmcontacts:Contact": 1,
      "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration": 1,
      // Rules and targets: critical, warning (router, notifier) and the heartbeat's (router).
      "aws:cloudwatch/eventRule:EventRule": 3,
      "aws:cloudwatch/eventTarget:EventTarget": 5,
      "aws:cloudwatch/logGroup:LogGroup": 2,
      // + the heartbeat's canary and missing-heartbeat alarms (prod sets heartbeat).
      "aws:cloudwatch/metricAlarm:MetricAlarm": 12,
      // The open-incidents table, and the silences table (prod sets maintenance).
      "aws:dynamodb/table:Table": 2,
      "aws:iam/policy:Policy": 1,
      // The deferral role (components/deferral.ts): warning defers outside hours; the
      // heartbeat's Scheduler role (components/heartbeat.ts).
      "aws:iam/role:Role": 5,
      "aws:iam/rolePolicy:RolePolicy": 5,
      "aws:kms/alias:Alias": 1,
      "aws:kms/key:Key": 1,
      "aws:lambda/eventSourceMapping:EventSourceMapping": 1,
      "aws:lambda/function:Function": 2,
      "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": 2,
      "aws:lambda/permission:Permission": 2,
      "aws:scheduler/schedule:Schedule": 1,
      "aws:scheduler/scheduleGroup:ScheduleGroup": 1,
      "aws:secretsmanager/secret:Secret": 1,
      "aws:secretsmanager/secretVersion:SecretVersion": 1,
      "aws:sns/topic:Topic": 1,
      "aws:sns/topicPolicy:TopicPolicy": 1,
      "aws:sqs/queue:Queue": 4,
      "aws:sqs/queuePolicy:QueuePolicy": 2,
      "aws:ssm/contactsRotation:ContactsRotation": 1,
      "aws:ssmcontacts/contact:Contact": 4,
      "aws:ssmcontacts/contactChannel:ContactChannel": 9,
      "aws:ssmcontacts/plan:Plan": 4,
      "aws:ssmincidents/responsePlan:ResponsePlan": 1,
      "incident-escalation:index:AlertsTopic": 1,
      "incident-escalation:index:EscalationPipeline": 1,
      "incident-escalation:index:EscalationPlan": 1,
      "incident-escalation:index:HandlerFunction": 2,
      "incident-escalation:index:LevelRouting": 2,
      "incident-escalation:index:OnCallSchedule": 1,
      "incident-escalation:index:PersonalContact": 3,
      "incident-escalation:index:ResponsePlans": 1,
      "incident-escalation:index:Silences": 1,
      "pulumi:providers:aws-native": 1,
      "random:index/randomPassword:RandomPassword": 1,
    });
  });

  it("creates one alarm per (alarm, level) with that level's threshold, ALARM and OK → the alerts topic", () => {
    const alarms = ofType(res, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((r) =>
      /^escalation-(critical|warning)-/.test(r.name),
    );
    assert.deepEqual(
      alarms.map((a) => `${String(a.inputs.name)}=${String(a.inputs.threshold)}`).sort(),
      [
        "ie-prod-critical-api-5xx=50",
        "ie-prod-critical-api-latency-p99=3",
        "ie-prod-warning-api-5xx=10",
        "ie-prod-warning-api-latency-p99=1.5",
      ],
    );
    assert.deepEqual(
      one(res, "aws:cloudwatch/metricAlarm:MetricAlarm", "escalation-critical-api-5xx").inputs,
      {
        name: "ie-prod-critical-api-5xx",
        alarmDescription: "5xx responses from the API load balancer",
        namespace: "AWS/ApplicationELB",
        metricName: "HTTPCode_Target_5XX_Count",
        dimensions: { LoadBalancer: "app/prod-api/0123456789abcdef" },
        statistic: "Sum",
        period: 60,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        threshold: 50,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: "notBreaching",
        actionsEnabled: true,
        alarmActions: [TOPIC],
        okActions: [TOPIC],
        tags: { ...TAGS, level: "critical" },
      },
    );
    const p99 = one(
      res,
      "aws:cloudwatch/metricAlarm:MetricAlarm",
      "escalation-warning-api-latency-p99",
    );
    assert.equal(p99.inputs.extendedStatistic, "p99");
    assert.equal(p99.inputs.statistic, undefined);
    assert.equal(p99.inputs.treatMissingData, "missing");
  });

  it("creates one rule per level matching exactly that level's alarms of this account and region (literal patterns)", () => {
    const rules = ofType(res, "aws:cloudwatch/eventRule:EventRule");
    assert.deepEqual(
      rules.map((r) => [r.inputs.name, r.inputs.eventPattern]),
      [
        [
          "ie-prod-critical",
          '{"source":["aws.cloudwatch"],"detail-type":["CloudWatch Alarm State Change"],' +
            '"account":["123456789012"],"region":["ap-northeast-1"],' +
            '"resources":[{"prefix":"arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:ie-prod-critical-"}]}',
        ],
        [
          "ie-prod-warning",
          '{"source":["aws.cloudwatch"],"detail-type":["CloudWatch Alarm State Change"],' +
            '"account":["123456789012"],"region":["ap-northeast-1"],' +
            '"resources":[{"prefix":"arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:ie-prod-warning-"}]}',
        ],
        // The heartbeat's own rule: exactly the canary alarm's ARN (components/heartbeat.ts).
        [
          "ie-prod-heartbeat",
          '{"source":["aws.cloudwatch"],"detail-type":["CloudWatch Alarm State Change"],' +
            '"account":["123456789012"],"region":["ap-northeast-1"],' +
            '"resources":["arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:ie-prod-heartbeat"]}',
        ],
      ],
    );
    assert.deepEqual(
      JSON.parse(
        levelEventPattern("p", "sev1", ["legacy-db-cpu"], {
          account: "111122223333",
          region: "us-west-2",
        }),
      ),
      {
        source: ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        account: ["111122223333"],
        region: ["us-west-2"],
        resources: [
          { prefix: "arn:aws:cloudwatch:us-west-2:111122223333:alarm:p-sev1-" },
          "arn:aws:cloudwatch:us-west-2:111122223333:alarm:legacy-db-cpu",
        ],
      },
    );
  });

  it("targets the router's queue (paging and engaging levels, the heartbeat with critical's transformer) and the notifier (webhook levels) with retries and the DLQ", () => {
    const eventsDlq = `arn:aws:sqs:${R}:${A}:ie-prod-events-dlq`;
    const targets = ofType(res, "aws:cloudwatch/eventTarget:EventTarget").map((t) => t.inputs);
    const expected = (level: string, id: string) => ({
      rule: `ie-prod-${level}`,
      targetId: id,
      arn:
        id === "router"
          ? `arn:aws:sqs:${R}:${A}:ie-prod-router-queue`
          : `arn:aws:lambda:${R}:${A}:function:ie-prod-${id}`,
      inputTransformer: {
        inputPaths: {},
        inputTemplate: `{"level":"${level}","event":<aws.events.event.json>}`,
      },
      retryPolicy: { maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185 },
      deadLetterConfig: { arn: eventsDlq },
    });
    assert.deepEqual(
      targets.sort((a, b) => `${a.rule}${a.targetId}`.localeCompare(`${b.rule}${b.targetId}`)),
      [
        expected("critical", "notifier"),
        expected("critical", "router"),
        { ...expected("critical", "router"), rule: "ie-prod-heartbeat" },
        expected("warning", "notifier"),
        expected("warning", "router"),
      ],
    );
    assert.equal(inputTemplate('we"ird'), '{"level":"we\\"ird","event":<aws.events.event.json>}');
  });

  it("scopes each Lambda permission to its rule's ARN (the notifier's; the router is fed by its queue)", () => {
    const perms = ofType(res, "aws:lambda/permission:Permission").map((p) => p.inputs);
    assert.deepEqual(
      perms.sort((a, b) =>
        `${a.sourceArn}${a.function}`.localeCompare(`${b.sourceArn}${b.function}`),
      ),
      [
        ["critical", "ie-prod-notifier"],
        ["warning", "ie-prod-notifier"],
      ].map(([level, fn]) => ({
        action: "lambda:InvokeFunction",
        function: fn,
        principal: "events.amazonaws.com",
        sourceArn: `arn:aws:events:${R}:${A}:rule/ie-prod-${level}`,
      })),
    );
  });

  it("lets only the rules send to the encrypted events DLQ", () => {
    const q = one(res, "aws:sqs/queuePolicy:QueuePolicy", "escalation-events-dlq");
    assert.equal(q.inputs.queueUrl, `https://sqs.${R}.amazonaws.com/${A}/ie-prod-events-dlq`);
    assert.deepEqual(doc(q).Statement, [
      {
        Sid: "EventBridgeDeadLetters",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: ["sqs:SendMessage"],
        Resource: [`arn:aws:sqs:${R}:${A}:ie-prod-events-dlq`],
        Condition: {
          ArnEquals: {
            "aws:SourceArn": [
              `arn:aws:events:${R}:${A}:rule/ie-prod-critical`,
              `arn:aws:events:${R}:${A}:rule/ie-prod-warning`,
              `arn:aws:events:${R}:${A}:rule/ie-prod-heartbeat`,
            ],
          },
        },
      },
    ]);
  });

  it("deploys both Lambdas bundled, on a supported runtime, arm64, JSON logs with retention", () => {
    for (const fn of ["router", "notifier"]) {
      const f = one(res, "aws:lambda/function:Function", `escalation-${fn}`).inputs;
      // nodejs24.x: https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
      assert.equal(f.runtime, "nodejs24.x");
      assert.deepEqual(f.architectures, ["arm64"]);
      assert.equal(f.handler, "index.handler");
      assert.match(f.sourceCodeHash as string, /^[A-Za-z0-9+/]{43}=$/);
      assert.deepEqual(f.loggingConfig, {
        logFormat: "JSON",
        logGroup: `/aws/lambda/ie-prod-${fn}`,
        applicationLogLevel: "INFO",
        systemLogLevel: "WARN",
      });
      assert.deepEqual(
        one(res, "aws:cloudwatch/logGroup:LogGroup", `escalation-${fn}-logs`).inputs,
        {
          name: `/aws/lambda/ie-prod-${fn}`,
          retentionInDays: 90,
          tags: TAGS,
        },
      );
      assert.deepEqual(
        one(
          res,
          "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
          `escalation-${fn}-invoke`,
        ).inputs,
        {
          functionName: `ie-prod-${fn}`,
          maximumRetryAttempts: 2,
          maximumEventAgeInSeconds: 21600,
          destinationConfig: {
            onFailure: { destination: `arn:aws:sqs:${R}:${A}:ie-prod-${fn}-dlq` },
          },
        },
      );
    }
  });

  it("sizes the router for storms without reserving concurrency: 120 s timeout, a queue polled at most 10 at a time", () => {
    const router = one(res, "aws:lambda/function:Function", "escalation-router").inputs;
    assert.equal(router.timeout, 120);
    assert.equal(router.reservedConcurrentExecutions, undefined);
    const notifier = one(res, "aws:lambda/function:Function", "escalation-notifier").inputs;
    assert.equal(notifier.timeout, 60);
    assert.equal(notifier.reservedConcurrentExecutions, undefined);
    // Lambda: ScalingConfig.MaximumConcurrency 2-1000; ReportBatchItemFailures
    // (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html).
    assert.deepEqual(
      one(
        res,
        "aws:lambda/eventSourceMapping:EventSourceMapping",
        "escalation-router-queue-mapping",
      ).inputs,
      {
        eventSourceArn: `arn:aws:sqs:${R}:${A}:ie-prod-router-queue`,
        functionName: `arn:aws:lambda:${R}:${A}:function:ie-prod-router`,
        batchSize: 1,
        functionResponseTypes: ["ReportBatchItemFailures"],
        scalingConfig: { maximumConcurrency: 10 },
      },
    );
    // Visibility 720 s = 6 × the 120 s timeout (Lambda developer guide); 3 receives, then the
    // router's dead-letter queue, which keeps messages longer (14 days) than the queue (4 days).
    assert.deepEqual(one(res, "aws:sqs/queue:Queue", "escalation-router-queue").inputs, {
      name: "ie-prod-router-queue",
      sqsManagedSseEnabled: true,
      visibilityTimeoutSeconds: 720,
      messageRetentionSeconds: 345600,
      redrivePolicy: JSON.stringify({
        deadLetterTargetArn: `arn:aws:sqs:${R}:${A}:ie-prod-router-dlq`,
        maxReceiveCount: 3,
      }),
      tags: TAGS,
    });
    const mapping = res.find((r) => r.name === "escalation-router-queue-mapping");
    // Created after the role may poll the queue (Lambda checks it on CreateEventSourceMapping).
    assert.deepEqual(mapping?.dependencies, [
      "escalation-router-policy",
      "escalation-router-queue",
      "escalation-router",
    ]);
    assert.equal(mapping?.parent, "escalation-router");
  });

  it("lets only the router's rules send to the router's queue", () => {
    const q = one(res, "aws:sqs/queuePolicy:QueuePolicy", "escalation-router-queue");
    assert.equal(q.inputs.queueUrl, `https://sqs.${R}.amazonaws.com/${A}/ie-prod-router-queue`);
    assert.deepEqual(doc(q).Statement, [
      {
        Sid: "EventBridgeRulesToRouter",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: ["sqs:SendMessage"],
        Resource: [`arn:aws:sqs:${R}:${A}:ie-prod-router-queue`],
        Condition: {
          ArnEquals: {
            "aws:SourceArn": [
              `arn:aws:events:${R}:${A}:rule/ie-prod-critical`,
              `arn:aws:events:${R}:${A}:rule/ie-prod-warning`,
              `arn:aws:events:${R}:${A}:rule/ie-prod-heartbeat`,
            ],
          },
        },
      },
    ]);
    assert.equal(q.parent, "escalation");
  });

  it("ships the router's routing table as routing.json in its code, not in the environment", async () => {
    const fn = one(res, "aws:lambda/function:Function", "escalation-router").inputs;
    const env = (fn.environment as { variables: Record<string, string> }).variables;
    assert.deepEqual(env, {
      ENGAGEMENT_SENDER: "incident-escalation",
      INCIDENT_SOURCE: "incident-escalation.prod",
      ACCOUNT_ID: "123456789012",
      DEDUPE_TABLE: "ie-prod-open-incidents",
      // warning defers outside hours (handlers/router/hours.ts parseDeferEnv).
      DEFER_QUEUE_ARN: `arn:aws:sqs:${R}:${A}:ie-prod-router-queue`,
      DEFER_ROLE_ARN: `arn:aws:iam::${A}:role/ie-prod-deferral`,
      DEFER_PREFIX: "ie-prod",
      // prod sets maintenance (handlers/router/silence.ts parseSilenceConfig).
      SILENCES: JSON.stringify({
        prefix: "ie-prod",
        language: "en",
        table: "ie-prod-silences",
        windows: [
          {
            alarms: ["api-*"],
            schedule: "cron(0 2 ? * SUN *)",
            timeZone: "Asia/Tokyo",
            minutes: 60,
            reason: "weekly patching",
          },
        ],
      }),
      ALERTS_TOPIC_ARN: TOPIC,
      // prod sets heartbeat: the canary the router counts and never pages for.
      HEARTBEAT_ALARM: "ie-prod-heartbeat",
    });
    const files = await archiveFiles(fn.code);
    assert.deepEqual(Object.keys(files), ["index.js", "routing.json"]);
    assert.equal(files["index.js"], path.join(REPO, "dist", "bundles", "router", "index.js"));
    assert.deepEqual(JSON.parse(files["routing.json"]), {
      critical: { impact: 1, responsePlanArn: PLAN },
      warning: {
        impact: 3,
        // The primary on-call, engaged directly (no incident).
        engage: [`arn:aws:ssm-contacts:${R}:${A}:contact/ie-prod-oncall-primary`],
        outsideHours: {
          name: "office",
          calendar: {
            timeZone: "Asia/Tokyo",
            week: [
              [{ start: 540, end: 1080 }],
              [{ start: 540, end: 1080 }],
              [{ start: 540, end: 1080 }],
              [{ start: 540, end: 1080 }],
              [{ start: 540, end: 1080 }],
              [],
              [],
            ],
            holidays: ["jp"],
            closed: ["2026-12-29", "2026-12-30", "2026-12-31"],
          },
          then: "defer",
        },
      },
    });
    const notifier = one(res, "aws:lambda/function:Function", "escalation-notifier").inputs;
    assert.deepEqual(Object.keys(await archiveFiles(notifier.code)), ["index.js"]);
    const nenv = (notifier.environment as { variables: Record<string, string> }).variables;
    assert.deepEqual(nenv, {
      WEBHOOKS: JSON.stringify([{ name: "ticketing", levels: ["critical", "warning"] }]),
      WEBHOOK_SECRET_ARN: one(res, "aws:secretsmanager/secret:Secret", "escalation-webhooks").id,
      ACCOUNT_ID: "123456789012",
    });
  });

  it("grants the router exactly: own logs, own DLQ, own queue, StartIncident on the paging plan (no TagResource: its template is untagged), the table, follow-ups on records and plan; nothing Incident Manager does with its own service-linked role (AWSIncidentManagerServiceRolePolicy)", () => {
    assert.deepEqual(
      doc(one(res, "aws:iam/rolePolicy:RolePolicy", "escalation-router-policy")).Statement,
      [
        {
          Sid: "WriteOwnLogs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: [`arn:aws:logs:${R}:${A}:log-group:/aws/lambda/ie-prod-router:*`],
        },
        {
          Sid: "DeadLetterOwnQueue",
          Effect: "Allow",
          Action: ["sqs:SendMessage"],
          Resource: [`arn:aws:sqs:${R}:${A}:ie-prod-router-dlq`],
        },
        {
          // Lambda's SQS event source mapping polls with the function's role.
          Sid: "ConsumeOwnQueue",
          Effect: "Allow",
          Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
          Resource: [`arn:aws:sqs:${R}:${A}:ie-prod-router-queue`],
        },
        {
          Sid: "StartIncidentWithPagingPlans",
          Effect: "Allow",
          Action: ["ssm-incidents:StartIncident"],
          Resource: [PLAN],
        },
        {
          Sid: "MapAlarmsToOpenIncidents",
          Effect: "Allow",
          Action: [
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
          ],
          Resource: [`arn:aws:dynamodb:${R}:${A}:table/ie-prod-open-incidents`],
        },
        {
          Sid: "FollowUpOpenIncidents",
          Effect: "Allow",
          Action: [
            "ssm-incidents:GetIncidentRecord",
            "ssm-incidents:CreateTimelineEvent",
            "ssm-incidents:UpdateIncidentRecord",
          ],
          Resource: [`arn:aws:ssm-incidents::${A}:incident-record/ie-prod-critical/*`, PLAN],
        },
        // prod sets maintenance: the silences table, and the silenced ALARM's Slack note.
        {
          Sid: "ReadSilences",
          Effect: "Allow",
          Action: ["dynamodb:Query"],
          Resource: [`arn:aws:dynamodb:${R}:${A}:table/ie-prod-silences`],
        },
        {
          Sid: "PostSilencedNotes",
          Effect: "Allow",
          Action: ["sns:Publish"],
          Resource: [TOPIC],
        },
        {
          Sid: "EncryptSilencedNotes",
          Effect: "Allow",
          Action: ["kms:GenerateDataKey", "kms:Decrypt"],
          Resource: [
            `arn:aws:kms:${R}:${A}:key/${one(res, "aws:kms/key:Key", "escalation-alerts-key").id}`,
          ],
        },
        // warning engages the primary on-call directly (no incident).
        {
          Sid: "EngageDirectly",
          Effect: "Allow",
          Action: ["ssm-contacts:StartEngagement"],
          Resource: [`arn:aws:ssm-contacts:${R}:${A}:contact/ie-prod-oncall-primary`],
        },
        // warning defers outside hours: one-time schedules in the stack's own group, the
        // deferral role passed to Scheduler only, and the re-check of the deferred alarm.
        {
          Sid: "DeferToOwnScheduleGroup",
          Effect: "Allow",
          Action: ["scheduler:CreateSchedule"],
          Resource: [`arn:aws:scheduler:${R}:${A}:schedule/ie-prod-deferrals/ie-prod-defer-*`],
        },
        {
          Sid: "PassDeferralRoleToScheduler",
          Effect: "Allow",
          Action: ["iam:PassRole"],
          Resource: [`arn:aws:iam::${A}:role/ie-prod-deferral`],
          Condition: { StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" } },
        },
        {
          Sid: "RecheckDeferredAlarms",
          Effect: "Allow",
          Action: ["cloudwatch:DescribeAlarms"],
          Resource: [`arn:aws:cloudwatch:${R}:${A}:alarm:*`],
        },
      ],
    );
  });

  it("maps alarms to open incidents in an on-demand, point-in-time-recoverable, encrypted table", () => {
    assert.deepEqual(one(res, "aws:dynamodb/table:Table", "escalation-open-incidents").inputs, {
      name: "ie-prod-open-incidents",
      billingMode: "PAY_PER_REQUEST",
      hashKey: "alarmArn",
      attributes: [{ name: "alarmArn", type: "S" }],
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true },
      deletionProtectionEnabled: true,
      tags: TAGS,
    });
  });

  it("grants the notifier its logs, its DLQ and its secret only", () => {
    const secretArn = one(res, "aws:secretsmanager/secret:Secret", "escalation-webhooks").id;
    assert.deepEqual(
      doc(one(res, "aws:iam/rolePolicy:RolePolicy", "escalation-notifier-policy")).Statement,
      [
        {
          Sid: "WriteOwnLogs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: [`arn:aws:logs:${R}:${A}:log-group:/aws/lambda/ie-prod-notifier:*`],
        },
        {
          Sid: "DeadLetterOwnQueue",
          Effect: "Allow",
          Action: ["sqs:SendMessage"],
          Resource: [`arn:aws:sqs:${R}:${A}:ie-prod-notifier-dlq`],
        },
        {
          Sid: "ReadWebhookSecret",
          Effect: "Allow",
          Action: ["secretsmanager:GetSecretValue"],
          Resource: [secretArn],
        },
      ],
    );
  });

  it("has no wildcard IAM action anywhere (role policies, key policy, topic and queue policies)", () => {
    const docs = [
      ...ofType(res, "aws:iam/rolePolicy:RolePolicy"),
      ...ofType(res, "aws:sns/topicPolicy:TopicPolicy"),
      ...ofType(res, "aws:sqs/queuePolicy:QueuePolicy"),
      ...ofType(res, "aws:kms/key:Key"),
    ];
    // 9 = 7 + the deferral role's policy + the heartbeat Scheduler role's.
    assert.equal(docs.length, 9);
    for (const d of docs) {
      assert.deepEqual(wildcardActions(doc(d).Statement as { Action: string[] }[]), [], d.name);
    }
    assert.deepEqual(wildcardActions([{ Action: ["s3:Get*"] }, { Action: "sqs:SendMessage" }]), [
      "s3:Get*",
    ]);
  });

  it("encrypts every queue (SSE-SQS) and the topic (customer key CloudWatch may use)", () => {
    for (const q of ofType(res, "aws:sqs/queue:Queue"))
      assert.equal(q.inputs.sqsManagedSseEnabled, true, q.name);
    const key = one(res, "aws:kms/key:Key", "escalation-alerts-key");
    assert.equal(
      one(res, "aws:sns/topic:Topic", "escalation-alerts").inputs.kmsMasterKeyId,
      `arn:aws:kms:${R}:${A}:key/${key.id}`,
    );
    assert.equal(key.inputs.enableKeyRotation, true);
    const services = doc(key).Statement.filter(
      (s) => s.Principal && "Service" in (s.Principal as object),
    );
    assert.deepEqual(
      services.map((s) => [(s.Principal as { Service: string }).Service, s.Action, s.Condition]),
      [
        [
          "cloudwatch.amazonaws.com",
          ["kms:Decrypt", "kms:GenerateDataKey"],
          { StringEquals: { "aws:SourceAccount": A } },
        ],
        [
          // Incident Manager user guide, chat channels: StringEqualsIfExists AWS:SourceAccount.
          "ssm-incidents.amazonaws.com",
          ["kms:Decrypt", "kms:GenerateDataKey"],
          { StringEqualsIfExists: { "aws:SourceAccount": A } },
        ],
      ],
    );
  });

  it("lets CloudWatch (StringEquals) and Incident Manager (StringEqualsIfExists, its chat channel guide) publish to the topic, nobody else", () => {
    assert.deepEqual(doc(one(res, "aws:sns/topicPolicy:TopicPolicy", "escalation-alerts-policy")), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "Publishcloudwatch",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: ["sns:Publish"],
          Resource: TOPIC,
          Condition: { StringEquals: { "aws:SourceAccount": A } },
        },
        {
          Sid: "Publishssmincidents",
          Effect: "Allow",
          Principal: { Service: "ssm-incidents.amazonaws.com" },
          Action: ["sns:Publish"],
          Resource: TOPIC,
          Condition: { StringEqualsIfExists: { "aws:SourceAccount": A } },
        },
      ],
    });
  });

  it("relays the topic to Slack through Chatbot, and makes it the response plan's chat channel only (API_ChatChannel, API_NotificationTargetItem)", () => {
    assert.deepEqual(
      one(
        res,
        "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration",
        "escalation-alerts-slack",
      ).inputs,
      {
        configurationName: "ie-prod-alerts-slack",
        slackTeamId: "T0000000000",
        slackChannelId: "C0000000000",
        iamRoleArn: `arn:aws:iam::${A}:role/ie-prod-chatbot`,
        snsTopicArns: [TOPIC],
        loggingLevel: "ERROR",
        guardrailPolicyArns: [`arn:aws:iam::${A}:policy/ie-prod-chatbot-guardrail`],
        userAuthorizationRequired: false,
        tags: TAGS,
      },
    );
    // The guardrail and the channel role: the same three read actions, nothing else; the role
    // trusts Chatbot only for this account's chat configurations (alertsTopic.ts).
    const render = [
      {
        Sid: "RenderAlarms",
        Effect: "Allow",
        Action: [
          "cloudwatch:DescribeAlarms",
          "cloudwatch:GetMetricData",
          "cloudwatch:GetMetricWidgetImage",
        ],
        Resource: "*",
      },
    ];
    const guardrail = one(res, "aws:iam/policy:Policy", "escalation-alerts-chatbot-guardrail");
    assert.equal(guardrail.inputs.name, "ie-prod-chatbot-guardrail");
    assert.deepEqual(JSON.parse(guardrail.inputs.policy as string).Statement, render);
    assert.deepEqual(
      JSON.parse(
        one(res, "aws:iam/rolePolicy:RolePolicy", "escalation-alerts-chatbot-policy").inputs
          .policy as string,
      ).Statement,
      render,
    );
    assert.deepEqual(
      JSON.parse(
        one(res, "aws:iam/role:Role", "escalation-alerts-chatbot-role").inputs
          .assumeRolePolicy as string,
      ),
      {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "chatbot.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: {
              StringEqualsIfExists: { "aws:SourceAccount": A },
              ArnLikeIfExists: { "aws:SourceArn": `arn:aws:chatbot::${A}:chat-configuration/*` },
            },
          },
        ],
      },
    );
    const plan = one(
      res,
      "aws:ssmincidents/responsePlan:ResponsePlan",
      "escalation-response-critical",
    ).inputs;
    assert.deepEqual(plan.chatChannels, [TOPIC]);
    // Not also a notification target: Slack would get every update twice (responsePlans.ts).
    assert.equal(
      "notificationTargets" in (plan.incidentTemplate as Record<string, unknown>),
      false,
    );
  });

  it("pages the critical response plan only when a page may be lost; errors and the notifier go to Slack only", () => {
    const self = ofType(res, "aws:cloudwatch/metricAlarm:MetricAlarm").filter(
      // The heartbeat's two alarms have their own shape: tests/components/heartbeat.spec.ts.
      (a) => !/^escalation-(critical|warning)-|^escalation-heartbeat/.test(a.name),
    );
    const row = (
      name: string,
      namespace: string,
      metric: string,
      dimensions: Record<string, string>,
      statistic: string,
      actions: string[],
    ) => [name, namespace, metric, dimensions, statistic, 1, actions, [TOPIC]];
    assert.deepEqual(
      self
        .map((a) => [
          a.inputs.name,
          a.inputs.namespace,
          a.inputs.metricName,
          a.inputs.dimensions,
          a.inputs.statistic,
          a.inputs.threshold,
          a.inputs.alarmActions,
          a.inputs.okActions,
        ])
        .sort(),
      [
        row(
          "ie-prod-events-dlq-depth",
          "AWS/SQS",
          "ApproximateNumberOfMessagesVisible",
          { QueueName: "ie-prod-events-dlq" },
          "Maximum",
          [TOPIC, PLAN],
        ),
        row(
          "ie-prod-notifier-dlq-depth",
          "AWS/SQS",
          "ApproximateNumberOfMessagesVisible",
          { QueueName: "ie-prod-notifier-dlq" },
          "Maximum",
          [TOPIC],
        ),
        row(
          "ie-prod-notifier-errors",
          "AWS/Lambda",
          "Errors",
          { FunctionName: "ie-prod-notifier" },
          "Sum",
          [TOPIC],
        ),
        row(
          "ie-prod-router-dlq-depth",
          "AWS/SQS",
          "ApproximateNumberOfMessagesVisible",
          { QueueName: "ie-prod-router-dlq" },
          "Maximum",
          [TOPIC, PLAN],
        ),
        row(
          "ie-prod-router-errors",
          "AWS/Lambda",
          "Errors",
          { FunctionName: "ie-prod-router" },
          "Sum",
          [TOPIC],
        ),
        row(
          "ie-prod-router-pages-given-up",
          "IncidentEscalation",
          "PagesGivenUp",
          { FunctionName: "ie-prod-router" },
          "Sum",
          [TOPIC, PLAN],
        ),
      ],
    );
    for (const a of self) {
      assert.equal(a.inputs.period, 60, a.name);
      assert.equal(a.inputs.evaluationPeriods, 1, a.name);
      assert.equal(a.inputs.comparisonOperator, "GreaterThanOrEqualToThreshold", a.name);
      assert.equal(a.inputs.treatMissingData, "notBreaching", a.name);
    }
  });

  it("stores webhook URLs and signing keys only as secrets, and exports none in clear text", () => {
    const v = one(res, "aws:secretsmanager/secretVersion:SecretVersion", "escalation-webhooks");
    assert.deepEqual(v.secretPaths, ["secretString"]);
    const stored = JSON.parse(v.inputs.secretString as string) as Record<
      string,
      { url: string; signingKey: string }
    >;
    assert.deepEqual(Object.keys(stored), ["ticketing"]);
    assert.equal(stored.ticketing.url, "https://tickets.example.com/hooks/aws");
    assert.ok(stored.ticketing.signingKey.length >= 32);
    const envText = JSON.stringify(
      ofType(res, "aws:lambda/function:Function").map((f) => f.inputs.environment),
    );
    assert.ok(
      !envText.includes("tickets.example.com") && !envText.includes(stored.ticketing.signingKey),
    );
    assert.ok(!JSON.stringify(run.outputs).includes("tickets.example.com"));
  });
});

describe("defaultPrefix (components/builders.ts): default prefixes of two stacks never overlap", () => {
  const table: [string, string][] = [
    ["dev", "ie-dev"],
    ["prod", "ie-prod"],
    ["stg2", "ie-stg2"],
    ["Prod", "ie-prod"],
    ["prod-critical", "ie-prod_critical"],
    ["prod.critical", "ie-prod_critical"],
    ["team--a__b", "ie-team_a_b"],
    ["-edge-", "ie-edge"],
    ["", "ie-stack"],
    ["a".repeat(50), `ie-${"a".repeat(37)}`],
  ];
  for (const [stack, prefix] of table) {
    it(`stack ${JSON.stringify(stack)} → ${prefix}`, () => {
      assert.equal(defaultPrefix(stack), prefix);
    });
  }

  it("no stack's <prefix>-<level>- starts another stack's alarm names (property over stack names with - . _)", () => {
    const stacks = ["prod", "prod-critical", "prod-critical-warning", "prod.x", "a-b", "a", "b-a"];
    const levels = ["critical", "warning", "sev-1"];
    for (const s1 of stacks) {
      for (const s2 of stacks) {
        if (defaultPrefix(s1) === defaultPrefix(s2)) continue;
        for (const l1 of levels) {
          for (const l2 of levels) {
            const rule = `${defaultPrefix(s1)}-${l1}-`;
            const alarm = `${defaultPrefix(s2)}-${l2}-api-5xx`;
            assert.ok(!alarm.startsWith(rule), `${s1}/${l1} would match ${alarm}`);
          }
        }
      }
    }
  });
});
