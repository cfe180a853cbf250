/**
 * The heartbeat of the pipeline (components/heartbeat.ts), from the real program (index.ts) under
 * the mock engine with Pulumi.prod.yaml (which sets `heartbeat: { everyMinutes: 15 }`): every resource
 * literally (schedule, its role and policy, canary alarm, its rule and target, the queue policies
 * that admit the rule, the missing-heartbeat alarm and its actions, the router's HEARTBEAT_ALARM),
 * the requests they stand for against the API models (cloudwatch PutMetricAlarm and PutMetricData,
 * scheduler CreateSchedule), and the failure path: the missing-heartbeat alarm's actions are the
 * self-monitoring page (the alerts topic and the untagged fail-safe response plan).
 *
 * What this spec does NOT prove:
 * - that AWS behaves as the sources cited in components/heartbeat.ts say: that Scheduler's
 *   universal target really calls PutMetricData with this Input, that the canary flips ALARM → OK
 *   as described, that CloudWatch sends the canary's state changes to EventBridge although it has
 *   no actions, or that missing data with `breaching` reaches ALARM after exactly 20 periods. No
 *   AWS engine for these runs here; only the models' constraints are checked.
 * - the router's side (tests/handlers/router.heartbeat.spec.ts does that) or IAM simulation of the
 *   Scheduler role (its one statement is asserted literally here; tests/iam/simulate.spec.ts
 *   simulates its PutMetricData).
 * - the failure path's timing beyond a model of CloudWatch's documented alarm evaluation (M of N
 *   periods, missing data breaching) that the last block applies to the recorded alarm and to the
 *   router's own HeartbeatsRouted lines; CloudWatch's evaluation delay and the response plan's
 *   engagement are AWS's.
 * - the step-functions backend's fail-safe path: tests/components/stepFunctionsBackend.spec.ts
 *   (selfhosted: the self-page rule matches the missing-heartbeat alarm entering ALARM).
 */
import { strict as assert } from "node:assert";
import { HEARTBEAT_SLACK_MINUTES, heartbeatTiming } from "../../config/heartbeat";
import { parseStackConfig } from "../../config/schema";
import type { RecordedResource } from "../../tools/mockEngine";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SSMContactsClient } from "@aws-sdk/client-ssm-contacts";
import { SSMIncidentsClient } from "@aws-sdk/client-ssm-incidents";
import { createHandler } from "../../handlers/router/createHandler";
import { parseHeartbeatEnv } from "../../handlers/router/heartbeat";
import { checkShape } from "../support/apiModel";
import { one, runProgram } from "../support/program";
import { ACCOUNT, ENV, REGION, configOf, routerInput } from "../handlers/fixtures/routerFixtures";

const HEARTBEAT = { "incident-escalation:heartbeat": '{"everyMinutes":15}' };
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const TAGS = { "ie-stack": "prod", "managed-by": "incident-escalation" };

describe("heartbeat (components/heartbeat.ts) on prod with everyMinutes 15", function () {
  this.timeout(120_000);
  let res: RecordedResource[];
  before(async () => {
    res = (await runProgram("prod", undefined, HEARTBEAT)).resources;
  });

  it("derives the schedule, the 20-minute missing window and the 21-minute bound from everyMinutes", () => {
    assert.equal(HEARTBEAT_SLACK_MINUTES, 5);
    assert.deepEqual(heartbeatTiming(15), {
      scheduleExpression: "rate(15 minutes)",
      missingWindowMinutes: 20,
      pagesWithinMinutes: 21,
    });
    assert.deepEqual(heartbeatTiming(2), {
      scheduleExpression: "rate(2 minutes)",
      missingWindowMinutes: 7,
      pagesWithinMinutes: 8,
    });
  });

  it("a Scheduler schedule writes the canary metric through the universal target cloudwatch:putMetricData every 15 minutes", () => {
    assert.deepEqual(one(res, "aws:scheduler/schedule:Schedule", "escalation-heartbeat").inputs, {
      name: "ie-prod-heartbeat",
      description: "Heartbeat of the pipeline: writes the canary metric that flips its alarm",
      scheduleExpression: "rate(15 minutes)",
      flexibleTimeWindow: { mode: "OFF" },
      target: {
        arn: "arn:aws:scheduler:::aws-sdk:cloudwatch:putMetricData",
        roleArn: "arn:aws:iam::123456789012:role/ie-prod-heartbeat-scheduler",
        input:
          '{"Namespace":"IncidentEscalation","MetricData":[{"MetricName":"HeartbeatCanary","Value":1,"Unit":"Count"}]}',
        retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 120 },
      },
    });
  });

  it("the schedule's CreateSchedule request and its Input (PutMetricData's request) satisfy the API models", () => {
    const s = one(res, "aws:scheduler/schedule:Schedule", "escalation-heartbeat").inputs;
    const target = s.target as Record<string, unknown>;
    assert.deepEqual(
      checkShape("scheduler", "CreateScheduleInput", {
        Name: "ie-prod-heartbeat",
        Description: s.description,
        ScheduleExpression: s.scheduleExpression,
        FlexibleTimeWindow: { Mode: "OFF" },
        Target: {
          Arn: target.arn,
          RoleArn: target.roleArn,
          Input: target.input,
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 120 },
        },
      }),
      [],
    );
    assert.deepEqual(
      checkShape("cloudwatch", "PutMetricDataInput", JSON.parse(target.input as string)),
      [],
    );
  });

  it("the Scheduler role is assumable by Scheduler for this account's default group only and may only put metrics in IncidentEscalation", () => {
    const role = one(res, "aws:iam/role:Role", "escalation-heartbeat-scheduler").inputs;
    assert.equal(role.name, "ie-prod-heartbeat-scheduler");
    assert.deepEqual(JSON.parse(role.assumeRolePolicy as string), {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "scheduler.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: {
            StringEquals: {
              "aws:SourceAccount": "123456789012",
              "aws:SourceArn":
                "arn:aws:scheduler:ap-northeast-1:123456789012:schedule-group/default",
            },
          },
        },
      ],
    });
    const policy = one(res, "aws:iam/rolePolicy:RolePolicy", "escalation-heartbeat-scheduler");
    assert.equal(policy.inputs.role, "ie-prod-heartbeat-scheduler");
    assert.deepEqual(JSON.parse(policy.inputs.policy as string), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "PutHeartbeatCanary",
          Effect: "Allow",
          Action: ["cloudwatch:PutMetricData"],
          Resource: ["*"],
          Condition: { StringEquals: { "cloudwatch:namespace": "IncidentEscalation" } },
        },
      ],
    });
  });

  it("the canary alarm ie-prod-heartbeat is ALARM in a minute with the datum, OK in the next without, and has no actions", () => {
    const canary = one(res, ALARM, "escalation-heartbeat").inputs;
    assert.deepEqual(canary, {
      name: "ie-prod-heartbeat",
      alarmDescription:
        "Heartbeat canary: flips on the heartbeat schedule; the router counts it, pages nobody",
      namespace: "IncidentEscalation",
      metricName: "HeartbeatCanary",
      statistic: "Maximum",
      period: 60,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "notBreaching",
      actionsEnabled: true,
      alarmActions: [],
      okActions: [],
      tags: TAGS,
    });
  });

  it("its own rule matches exactly the canary's ARN and delivers it with the critical level's input transformer to the router's queue only", () => {
    const rule = one(res, "aws:cloudwatch/eventRule:EventRule", "escalation-heartbeat").inputs;
    assert.equal(rule.name, "ie-prod-heartbeat");
    assert.deepEqual(JSON.parse(rule.eventPattern as string), {
      source: ["aws.cloudwatch"],
      "detail-type": ["CloudWatch Alarm State Change"],
      account: ["123456789012"],
      region: ["ap-northeast-1"],
      resources: ["arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:ie-prod-heartbeat"],
    });
    const targets = res.filter(
      (r) =>
        r.type === "aws:cloudwatch/eventTarget:EventTarget" &&
        r.inputs.rule === "ie-prod-heartbeat",
    );
    assert.deepEqual(
      targets.map((t) => t.inputs),
      [
        {
          rule: "ie-prod-heartbeat",
          targetId: "router",
          arn: "arn:aws:sqs:ap-northeast-1:123456789012:ie-prod-router-queue",
          inputTransformer: {
            inputPaths: {},
            inputTemplate: '{"level":"critical","event":<aws.events.event.json>}',
          },
          retryPolicy: { maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185 },
          deadLetterConfig: { arn: "arn:aws:sqs:ap-northeast-1:123456789012:ie-prod-events-dlq" },
        },
      ],
    );
  });

  it("the router's queue policy and the events DLQ's admit the heartbeat rule beside the level rules", () => {
    const sourceArns = (name: string) =>
      (
        JSON.parse(one(res, "aws:sqs/queuePolicy:QueuePolicy", name).inputs.policy as string) as {
          Statement: { Condition: { ArnEquals: { "aws:SourceArn": string[] } } }[];
        }
      ).Statement[0].Condition.ArnEquals["aws:SourceArn"];
    assert.deepEqual(sourceArns("escalation-router-queue"), [
      "arn:aws:events:ap-northeast-1:123456789012:rule/ie-prod-critical",
      "arn:aws:events:ap-northeast-1:123456789012:rule/ie-prod-warning",
      "arn:aws:events:ap-northeast-1:123456789012:rule/ie-prod-heartbeat",
    ]);
    assert.deepEqual(sourceArns("escalation-events-dlq"), [
      "arn:aws:events:ap-northeast-1:123456789012:rule/ie-prod-critical",
      "arn:aws:events:ap-northeast-1:123456789012:rule/ie-prod-warning",
      "arn:aws:events:ap-northeast-1:123456789012:rule/ie-prod-heartbeat",
    ]);
  });

  it("the router is told the canary's name in HEARTBEAT_ALARM", () => {
    const fn = one(res, "aws:lambda/function:Function", "escalation-router").inputs;
    assert.deepEqual(fn.environment, {
      variables: {
        ACCOUNT_ID: "123456789012",
        ALERTS_TOPIC_ARN: "arn:aws:sns:ap-northeast-1:123456789012:ie-prod-alerts",
        DEDUPE_TABLE: "ie-prod-open-incidents",
        DEFER_PREFIX: "ie-prod",
        DEFER_QUEUE_ARN: "arn:aws:sqs:ap-northeast-1:123456789012:ie-prod-router-queue",
        DEFER_ROLE_ARN: "arn:aws:iam::123456789012:role/ie-prod-deferral",
        ENGAGEMENT_SENDER: "incident-escalation",
        HEARTBEAT_ALARM: "ie-prod-heartbeat",
        INCIDENT_SOURCE: "incident-escalation.prod",
        SILENCES:
          '{"prefix":"ie-prod","language":"en","table":"ie-prod-silences","windows":[{"alarms":["api-*"],"schedule":"cron(0 2 ? * SUN *)","timeZone":"Asia/Tokyo","minutes":60,"reason":"weekly patching"}]}',
      },
    });
  });

  it("failure path: no HeartbeatsRouted for 20 minutes (missing data breaching) pages through the alerts topic and the untagged fail-safe plan ie-prod-critical", () => {
    const missing = one(res, ALARM, "escalation-heartbeat-missing").inputs;
    assert.deepEqual(missing, {
      name: "ie-prod-heartbeat-missing",
      alarmDescription: "No heartbeat reached the router for 20 minutes: alarms may page nobody",
      namespace: "IncidentEscalation",
      metricName: "HeartbeatsRouted",
      dimensions: { FunctionName: "ie-prod-router" },
      statistic: "Sum",
      period: 60,
      evaluationPeriods: 20,
      datapointsToAlarm: 20,
      threshold: 1,
      comparisonOperator: "LessThanThreshold",
      treatMissingData: "breaching",
      alarmActions: [
        "arn:aws:sns:ap-northeast-1:123456789012:ie-prod-alerts",
        "arn:aws:ssm-incidents::123456789012:response-plan/ie-prod-critical",
      ],
      okActions: ["arn:aws:sns:ap-northeast-1:123456789012:ie-prod-alerts"],
      tags: TAGS,
    });
    // The same page as the other self-monitoring alarms: the events DLQ's depth alarm.
    const dlq = one(res, ALARM, "escalation-events-dlq-depth").inputs;
    assert.deepEqual(missing.alarmActions, dlq.alarmActions);
    // The plan an alarm action can start: its incident template has no tags (responsePlans.ts).
    const plan = res.find(
      (r) => r.type.includes("ResponsePlan") && r.inputs.name === "ie-prod-critical",
    );
    assert.ok(plan, "the fail-safe response plan ie-prod-critical exists");
    const template = plan.inputs.incidentTemplate as Record<string, unknown>;
    assert.equal(template.incidentTags, undefined);
  });

  it("both alarms' PutMetricAlarm requests satisfy the cloudwatch API model", () => {
    for (const name of ["escalation-heartbeat", "escalation-heartbeat-missing"]) {
      const a = one(res, ALARM, name).inputs;
      const request = {
        AlarmName: a.name,
        AlarmDescription: a.alarmDescription,
        Namespace: a.namespace,
        MetricName: a.metricName,
        ...(a.dimensions
          ? {
              Dimensions: Object.entries(a.dimensions as Record<string, string>).map(
                ([Name, Value]) => ({ Name, Value }),
              ),
            }
          : {}),
        Statistic: a.statistic,
        Period: a.period,
        EvaluationPeriods: a.evaluationPeriods,
        ...(a.datapointsToAlarm ? { DatapointsToAlarm: a.datapointsToAlarm } : {}),
        Threshold: a.threshold,
        ComparisonOperator: a.comparisonOperator,
        TreatMissingData: a.treatMissingData,
        AlarmActions: a.alarmActions,
        OKActions: a.okActions,
      };
      assert.deepEqual(checkShape("cloudwatch", "PutMetricAlarmInput", request), [], name);
    }
  });

  describe("failure path under the mocks: the router's HeartbeatsRouted lines against the recorded missing-heartbeat alarm", () => {
    /**
     * CloudWatch's evaluation of a metric alarm, as the user guide states it, reduced to what this
     * alarm uses: one datum per `period` (the Sum of the EMF values whose _aws.Timestamp falls in
     * it, for the alarm's namespace, metric and dimensions); a period without data counts as
     * breaching under treatMissingData "breaching" ("Configuring how CloudWatch alarms treat
     * missing data", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html);
     * ALARM when at least datapointsToAlarm of the last evaluationPeriods periods breach ("Alarm
     * evaluation", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation.html).
     * Returns the start of the first period whose evaluation is ALARM, or undefined.
     */
    function firstAlarmPeriod(
      alarm: Record<string, unknown>,
      emf: readonly Record<string, unknown>[],
      from: number,
      to: number,
    ): string | undefined {
      assert.equal(alarm.comparisonOperator, "LessThanThreshold");
      assert.equal(alarm.treatMissingData, "breaching");
      assert.equal(alarm.statistic, "Sum");
      const period = (alarm.period as number) * 1000;
      const want = alarm.dimensions as Record<string, string>;
      const sums = new Map<number, number>();
      for (const line of emf) {
        const aws = line._aws as {
          Timestamp: number;
          CloudWatchMetrics: { Namespace: string; Metrics: { Name: string }[] }[];
        };
        const m = aws.CloudWatchMetrics[0]!;
        if (m.Namespace !== alarm.namespace) continue;
        if (!m.Metrics.some((x) => x.Name === alarm.metricName)) continue;
        if (Object.entries(want).some(([k, v]) => line[k] !== v)) continue;
        const start = Math.floor(aws.Timestamp / period) * period;
        sums.set(start, (sums.get(start) ?? 0) + (line[alarm.metricName as string] as number));
      }
      const n = alarm.evaluationPeriods as number;
      const m = alarm.datapointsToAlarm as number;
      for (let t = from; t < to; t += period) {
        let breaching = 0;
        for (let i = 0; i < n; i++) {
          const sum = sums.get(t - i * period);
          if (sum === undefined || sum < (alarm.threshold as number)) breaching++;
        }
        if (breaching >= m) return new Date(t).toISOString();
      }
      return undefined;
    }

    const BASE = Date.parse("2026-12-02T00:00:00Z");
    const MINUTE = 60_000;

    /**
     * The router as handler.ts builds it from the recorded function's HEARTBEAT_ALARM and name,
     * fed the canary's two state changes per interval (ALARM in the minute of the datum, OK in the
     * next) until `stopAt` (the rule deleted, the queue policy or the router's role broken: nothing
     * reaches it after that). Returns the EMF lines it wrote.
     */
    async function routedHeartbeats(stopAt: number, until: number) {
      const fn = one(res, "aws:lambda/function:Function", "escalation-router").inputs;
      const variables = (fn.environment as { variables: Record<string, string> }).variables;
      const emf: Record<string, unknown>[] = [];
      let clock = BASE;
      const handler = createHandler({
        config: configOf(ENV),
        clients: {
          incidents: new SSMIncidentsClient({ region: REGION }),
          dynamodb: new DynamoDBClient({ region: REGION }),
          contacts: () => new SSMContactsClient({ region: REGION }),
        },
        now: () => new Date(clock),
        log: () => undefined,
        emitMetric: (line) => emf.push(JSON.parse(JSON.stringify(line)) as Record<string, unknown>),
        functionName: fn.name as string,
        heartbeat: parseHeartbeatEnv(variables),
      });
      for (let t = BASE; t < Math.min(stopAt, until); t += 15 * MINUTE) {
        for (const [offset, state] of [
          [45_000, "ALARM"],
          [MINUTE + 45_000, "OK"],
        ] as const) {
          if (t + offset >= stopAt) break;
          clock = t + offset;
          const input = routerInput("critical", state);
          const event = input.event as Record<string, unknown>;
          event.resources = [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:ie-prod-heartbeat`];
          (event.detail as Record<string, unknown>).alarmName = "ie-prod-heartbeat";
          assert.deepEqual(await handler(input), { decision: "ignore", reason: "heartbeat" });
        }
      }
      return emf;
    }

    it("while the router counts every 15 minutes (two lines per interval) the alarm never reaches ALARM in 3 hours", async () => {
      const missing = one(res, ALARM, "escalation-heartbeat-missing").inputs;
      const end = BASE + 180 * MINUTE;
      const emf = await routedHeartbeats(end, end);
      assert.equal(emf.length, 24);
      assert.deepEqual(emf[0], {
        _aws: {
          Timestamp: Date.parse("2026-12-02T00:00:45Z"),
          CloudWatchMetrics: [
            {
              Namespace: "IncidentEscalation",
              Dimensions: [["FunctionName"]],
              Metrics: [{ Name: "HeartbeatsRouted", Unit: "Count" }],
            },
          ],
        },
        message: "router.heartbeat",
        alarmState: "ALARM",
        FunctionName: "ie-prod-router",
        HeartbeatsRouted: 1,
      });
      // From the first full window on (before it, the alarm has no history in this model).
      assert.equal(firstAlarmPeriod(missing, emf, BASE + 20 * MINUTE, end), undefined);
    });

    it("the router stops counting at 01:05Z (last line 01:01:45Z): ALARM for the period 01:21Z, within 21 minutes of the last heartbeat, and its actions page the fail-safe plan", async () => {
      const missing = one(res, ALARM, "escalation-heartbeat-missing").inputs;
      const stop = Date.parse("2026-12-02T01:05:00Z");
      const end = BASE + 180 * MINUTE;
      const emf = await routedHeartbeats(stop, end);
      assert.equal(emf.length, 10);
      assert.equal(
        new Date((emf.at(-1)!._aws as { Timestamp: number }).Timestamp).toISOString(),
        "2026-12-02T01:01:45.000Z",
      );
      // 01:02 … 01:21 are the 20 periods without a datum.
      assert.equal(
        firstAlarmPeriod(missing, emf, BASE + 20 * MINUTE, end),
        "2026-12-02T01:21:00.000Z",
      );
      assert.equal(heartbeatTiming(15).pagesWithinMinutes, 21);
      // The actions are CloudWatch's own (alarm → SNS, alarm → Incident Manager response plan):
      // neither the router's queue nor its function is on that path.
      assert.deepEqual(missing.alarmActions, [
        "arn:aws:sns:ap-northeast-1:123456789012:ie-prod-alerts",
        "arn:aws:ssm-incidents::123456789012:response-plan/ie-prod-critical",
      ]);
    });
  });

  it("without heartbeat config (the dev example) nothing of it exists and the router has no HEARTBEAT_ALARM", async () => {
    const plain = (await runProgram("dev")).resources;
    assert.ok(
      plain.some((r) => r.name === "escalation-router"),
      "dev has a router",
    );
    assert.deepEqual(
      plain.filter((r) => r.name.includes("heartbeat")).map((r) => r.name),
      [],
    );
    const fn = one(plain, "aws:lambda/function:Function", "escalation-router").inputs;
    assert.equal(
      (fn.environment as { variables: Record<string, string> }).variables.HEARTBEAT_ALARM,
      undefined,
    );
  });
});

describe("heartbeat config (config/heartbeat.ts)", () => {
  const base = {
    contacts: [
      {
        alias: "sato",
        displayName: "Sato Hanako",
        email: "sato@example.com",
        engagement: [{ after: 0, via: ["email"] }],
      },
    ],
    escalation: [{ engage: ["sato"], minutes: 15 }],
    levels: { critical: { impact: 1, page: true } },
    incidentManager: { replicationSet: "existing" },
  };
  const problems = (raw: unknown): string[] => {
    try {
      parseStackConfig(raw);
      return [];
    } catch (err: unknown) {
      return (err as { issues: { path: string; message: string }[] }).issues.map(
        (i) => `${i.path}: ${i.message}`,
      );
    }
  };

  it("accepts { everyMinutes: 15 } and keeps it", () => {
    assert.deepEqual(parseStackConfig({ ...base, heartbeat: { everyMinutes: 15 } }).heartbeat, {
      everyMinutes: 15,
    });
  });

  const rejected: [unknown, string][] = [
    [
      { everyMinutes: 1 },
      "heartbeat.everyMinutes: must be at least 2 (the canary alarm needs a minute to return to OK)",
    ],
    [{ everyMinutes: 61 }, "heartbeat.everyMinutes: must be at most 60"],
    [{ everyMinutes: 7.5 }, "heartbeat.everyMinutes: must be a whole number of minutes"],
  ];
  for (const [heartbeat, message] of rejected) {
    it(`rejects ${JSON.stringify(heartbeat)}: ${message}`, () => {
      assert.deepEqual(problems({ ...base, heartbeat }), [message]);
    });
  }

  it("rejects a heartbeat when no level pages or engages (there is no router to prove)", () => {
    assert.deepEqual(
      problems({
        ...base,
        levels: { info: { impact: 5, page: false } },
        heartbeat: { everyMinutes: 15 },
      }),
      [
        "heartbeat: no level pages or engages anyone, so there is no router whose path a heartbeat could prove; remove heartbeat or let a level page",
      ],
    );
  });
});
