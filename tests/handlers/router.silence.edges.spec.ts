/**
 * Silences at their edges, through the router (createHandler.ts silenceOrPage → silence.ts,
 * defer.ts), with the SDK clients' own instances under aws-sdk-client-mock (no class stub): the
 * weekly window `cron(0 2 ? * SUN *)` in Asia/Tokyo for 60 minutes (Sunday 2026-12-06 02:00-03:00
 * JST = 2026-12-05T17:00Z-18:00Z, `[start, end)`), the prefix rule of handlers/router/silence.ts
 * (`<prefix>*` is a plain string prefix of the configured alarm name: `api-*` matches `api-5xx`,
 * not `apix`), the "silence-ended" schedule created at the window's end and its delivery fed back to
 * the router (still ALARM → pages; recovered → nobody), the pipeline's own alarms never silenced even
 * by `*`, and the silenced Slack note literally in Japanese and English. Every request is literal
 * and checked against the API models.
 *
 * Backend: incident-manager (StartIncident). The silence decision comes before the backend call.
 *
 * Does NOT prove: that Scheduler fires at the at() instant and delivers the Input verbatim
 * ("One-time schedules", https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#one-time;
 * here the spec itself hands the Input back), that AWS Chatbot renders the note, or IAM
 * (tests/iam/).
 */
import { strict as assert } from "node:assert";
import { DynamoDBClient, QueryCommand } from "@aws-sdk/client-dynamodb";
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { CreateScheduleCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { SSMContactsClient } from "@aws-sdk/client-ssm-contacts";
import { SSMIncidentsClient, StartIncidentCommand } from "@aws-sdk/client-ssm-incidents";
import { mockClient } from "aws-sdk-client-mock";
import type { RouterResult } from "../../handlers/router/createHandler";
import { matchesPattern } from "../../handlers/router/silence";
import { checkOperationInput } from "../support/apiModel";
import {
  ACCOUNT,
  ENV,
  PLAN_CRITICAL,
  REGION,
  createRouter,
  routerInputAt,
  sha256,
} from "./fixtures/routerFixtures";

const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:ie-prod-alerts`;
const QUEUE = `arn:aws:sqs:${REGION}:${ACCOUNT}:ie-prod-router-queue`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/ie-prod-deferral`;
const WEEKLY = {
  alarms: ["api-*"],
  schedule: "cron(0 2 ? * SUN *)",
  timeZone: "Asia/Tokyo",
  minutes: 60,
  reason: "weekly patching",
};
/** As the component writes it (prefix = the alarms' prefix = DEFER_PREFIX in a real stack). */
function silenceEnv(language: "ja" | "en", windows: unknown[] = [WEEKLY]) {
  return {
    ...ENV,
    SILENCES: JSON.stringify({ prefix: "prod", language, table: "ie-prod-silences", windows }),
    ALERTS_TOPIC_ARN: TOPIC,
    DEFER_QUEUE_ARN: QUEUE,
    DEFER_ROLE_ARN: ROLE,
    DEFER_PREFIX: "prod",
  };
}

const incidents = new SSMIncidentsClient({ region: REGION });
const dynamodb = new DynamoDBClient({ region: REGION });
const scheduler = new SchedulerClient({ region: REGION });
const sns = new SNSClient({ region: REGION });
const cloudwatch = new CloudWatchClient({ region: REGION });
// Instance mocks (not class stubs): they touch only these clients, never another spec file's.
const mocks = {
  cloudwatch: mockClient(cloudwatch),
  incidents: mockClient(incidents),
  dynamodb: mockClient(dynamodb),
  scheduler: mockClient(scheduler),
  sns: mockClient(sns),
};
const SERVICE = {
  cloudwatch: "cloudwatch",
  incidents: "ssm-incidents",
  dynamodb: "dynamodb",
  scheduler: "scheduler",
  sns: "sns",
} as const;

function router(env: Record<string, string | undefined>) {
  const logs: Record<string, unknown>[] = [];
  const handler = createRouter(env, {
    clients: {
      incidents,
      dynamodb,
      contacts: () => new SSMContactsClient({ region: REGION }),
      scheduler: () => scheduler,
      sns: () => sns,
      cloudwatch: () => cloudwatch,
    },
    now: () => new Date("2026-12-05T17:30:05.000Z"),
    log: (l) => logs.push(l),
  });
  return { handler, logs };
}

function modelProblems(): string[] {
  return (Object.keys(mocks) as (keyof typeof mocks)[]).flatMap((k) =>
    mocks[k].calls().flatMap((c) => {
      const command = c.args[0] as unknown as { constructor: { name: string }; input: unknown };
      return checkOperationInput(
        SERVICE[k],
        command.constructor.name.replace(/Command$/, ""),
        command.input,
      ).map((p) => `${k}: ${p}`);
    }),
  );
}

const INCIDENT_ARN = `arn:aws:ssm-incidents::${ACCOUNT}:incident-record/prod-critical/abc`;
const NAME = "prod-critical-api-5xx";
const ARN = `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${NAME}`;

/** The literal StartIncident input for the critical fixture alarm that changed at `timestamp`. */
function incident(timestamp: string, event: unknown) {
  return {
    clientToken: sha256(`${ARN}|${timestamp}`),
    responsePlanArn: PLAN_CRITICAL,
    impact: 1,
    title: `[critical] CloudWatch alarm "${NAME}"`,
    triggerDetails: {
      source: "incident-escalation.prod",
      triggerArn: ARN,
      timestamp: new Date(timestamp.replace("+0000", "Z")),
      rawData: JSON.stringify(event),
    },
    relatedItems: [
      {
        identifier: {
          type: "OTHER",
          value: {
            url: `https://${REGION}.console.aws.amazon.com/cloudwatch/home?region=${REGION}#alarmsV2:alarm/${NAME}`,
          },
        },
        title: "CloudWatch alarm",
      },
    ],
  };
}

const schedules = () =>
  mocks.scheduler.commandCalls(CreateScheduleCommand).map((c) => c.args[0].input);
const started = () =>
  mocks.incidents.commandCalls(StartIncidentCommand).map((c) => c.args[0].input);

describe("router: silence edges (weekly window Sun 02:00-03:00 JST = 2026-12-05T17:00Z-18:00Z)", () => {
  beforeEach(() => {
    for (const m of Object.values(mocks)) m.reset();
    mocks.dynamodb.on(QueryCommand).resolves({ Items: [] });
    mocks.scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: "arn:x" });
    mocks.sns.on(PublishCommand).resolves({ MessageId: "m-1" });
    mocks.incidents.on(StartIncidentCommand).resolves({ incidentRecordArn: INCIDENT_ARN });
  });
  afterEach(() => assert.deepEqual(modelProblems(), []));

  it("an ALARM at the start instant 17:00:00.000Z is silenced: the silence-ended CreateSchedule at the window's end, literally", async () => {
    const input = routerInputAt("critical", "2026-12-05T17:00:00.000+0000");
    const result = (await router(silenceEnv("ja")).handler(input)) as RouterResult;
    assert.deepEqual(started(), []);
    const [schedule] = schedules();
    assert.ok(schedule, "one schedule");
    assert.match(schedule.Name ?? "", /^prod-defer-[0-9a-f]{24}$/);
    assert.deepEqual(schedule, {
      Name: schedule.Name,
      GroupName: "prod-deferrals",
      ScheduleExpression: "at(2026-12-05T18:00:00)",
      ScheduleExpressionTimezone: "UTC",
      FlexibleTimeWindow: { Mode: "OFF" },
      ActionAfterCompletion: "DELETE",
      Description: "silence-ended: level critical",
      ClientToken: (schedule.Name ?? "").slice("prod-defer-".length),
      Target: {
        Arn: QUEUE,
        RoleArn: ROLE,
        Input: JSON.stringify({
          level: "critical",
          event: input.event,
          deferred: { reason: "silence-ended", at: "2026-12-05T18:00:00.000Z" },
        }),
        RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
      },
    });
    assert.deepEqual(result, {
      decision: "silenced",
      by: "maintenance",
      silence: "maintenance[0]",
      until: "2026-12-05T18:00:00.000Z",
      schedule: schedule.Name,
    });
  });

  it("an ALARM at 17:59:59.999Z is silenced until 18:00Z; one at the end instant 18:00:00.000Z pages (StartIncident, literally)", async () => {
    const last = (await router(silenceEnv("ja")).handler(
      routerInputAt("critical", "2026-12-05T17:59:59.999+0000"),
    )) as RouterResult;
    assert.equal(last.decision, "silenced");
    assert.equal(schedules()[0]?.ScheduleExpression, "at(2026-12-05T18:00:00)");
    const atEnd = routerInputAt("critical", "2026-12-05T18:00:00.000+0000");
    const result = (await router(silenceEnv("ja")).handler(atEnd)) as RouterResult;
    assert.deepEqual(result, { decision: "page", incidentArn: INCIDENT_ARN, engagements: 0 });
    assert.deepEqual(started(), [incident("2026-12-05T18:00:00.000+0000", atEnd.event)]);
    assert.equal(schedules().length, 1, "no second schedule for the ALARM at the end");
  });

  const zone: [string, string, boolean][] = [
    ["Sun 2026-12-13 02:30 JST (the next week's window)", "2026-12-12T17:30:00.000+0000", true],
    [
      "Sun 2026-12-06 02:30 UTC = 11:30 JST (the zone is Asia/Tokyo)",
      "2026-12-06T02:30:00.000+0000",
      false,
    ],
    ["Sat 2026-12-05 02:30 JST (not a Sunday)", "2026-12-04T17:30:00.000+0000", false],
  ];
  for (const [title, timestamp, silenced] of zone) {
    it(`cron in a time zone: an ALARM at ${title} is ${silenced ? "silenced" : "paged"}`, async () => {
      const result = (await router(silenceEnv("en")).handler(
        routerInputAt("critical", timestamp),
      )) as RouterResult;
      assert.equal(result.decision, silenced ? "silenced" : "page");
      assert.equal(started().length, silenced ? 0 : 1);
    });
  }

  describe("prefix patterns: <prefix>* is a plain prefix of the configured alarm name", () => {
    const rules: [string, string, boolean][] = [
      ["api-*", "api-5xx", true],
      ["api-*", "apix", false],
      ["api*", "apix", true],
      ["api-5xx", "api-5xx-p99", false],
    ];
    for (const [pattern, name, matches] of rules) {
      it(`matchesPattern(${JSON.stringify(pattern)}, ${JSON.stringify(name)}) is ${matches}`, () =>
        assert.equal(matchesPattern(pattern, name), matches));
    }

    it("inside the api-* window, prod-critical-apix pages and prod-critical-api-5xx is silenced", async () => {
      const apix = routerInputAt("critical", "2026-12-05T17:30:00.000+0000") as {
        event: { resources: string[]; detail: { alarmName: string } };
      };
      apix.event.detail.alarmName = "prod-critical-apix";
      apix.event.resources = [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:prod-critical-apix`];
      const r1 = (await router(silenceEnv("en")).handler(apix)) as RouterResult;
      assert.equal(r1.decision, "page");
      const r2 = (await router(silenceEnv("en")).handler(
        routerInputAt("critical", "2026-12-05T17:30:00.000+0000"),
      )) as RouterResult;
      assert.equal(r2.decision, "silenced");
      assert.deepEqual(
        started().map((i) => i.title),
        ['[critical] CloudWatch alarm "prod-critical-apix"'],
      );
    });
  });

  describe("an ALARM outliving the window: the schedule's own Input, delivered at 18:00Z", () => {
    async function silencedThenDelivered(state: "ALARM" | "OK") {
      const input = routerInputAt("critical", "2026-12-05T17:30:00.000+0000");
      await router(silenceEnv("ja")).handler(input);
      const [schedule] = schedules();
      const delivered: unknown = JSON.parse(schedule?.Target?.Input ?? "null");
      mocks.cloudwatch
        .on(DescribeAlarmsCommand)
        .resolves({ MetricAlarms: [{ AlarmName: NAME, StateValue: state }] });
      const result = (await router(silenceEnv("ja")).handler(delivered)) as RouterResult;
      return { input, result };
    }

    it("still in ALARM (DescribeAlarms): pages as a fresh ALARM, StartIncident literally, no second silence", async () => {
      const { input, result } = await silencedThenDelivered("ALARM");
      assert.deepEqual(
        mocks.cloudwatch.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input),
        [{ AlarmNames: [NAME], AlarmTypes: ["CompositeAlarm", "MetricAlarm"] }],
      );
      assert.deepEqual(result, { decision: "page", incidentArn: INCIDENT_ARN, engagements: 0 });
      assert.deepEqual(started(), [incident("2026-12-05T17:30:00.000+0000", input.event)]);
      assert.equal(schedules().length, 1);
      assert.equal(mocks.sns.commandCalls(PublishCommand).length, 1, "only the silenced note");
    });

    it("recovered before the end (DescribeAlarms OK): pages nobody", async () => {
      const { result } = await silencedThenDelivered("OK");
      assert.deepEqual(result, { decision: "deferred-recovered", state: "OK" });
      assert.deepEqual(started(), []);
      assert.equal(schedules().length, 1);
    });
  });

  describe("the pipeline's own alarms are never silenced, even by *", () => {
    const everything = silenceEnv("en", [
      { ...WEEKLY, alarms: ["*"], schedule: "cron(* * * * ? *)", timeZone: "UTC" },
    ]);
    for (const name of [
      "prod-router-errors",
      "prod-router-dlq-depth",
      "prod-router-pages-given-up",
      "prod-notifier-errors",
      "prod-events-dlq-depth",
      "prod-heartbeat-missing",
    ]) {
      it(`${name}, routed under critical: pages, the silences table not even read`, async () => {
        const input = routerInputAt("critical", "2026-12-05T17:30:00.000+0000") as {
          event: { resources: string[]; detail: { alarmName: string } };
        };
        input.event.detail.alarmName = name;
        input.event.resources = [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`];
        const result = (await router(everything).handler(input)) as RouterResult;
        assert.equal(result.decision, "page");
        assert.equal(started().length, 1);
        assert.equal(mocks.dynamodb.calls().length, 0);
        assert.equal(schedules().length, 0);
      });
    }
    it("while a configured alarm of the level is silenced by the same *", async () => {
      const result = (await router(everything).handler(
        routerInputAt("critical", "2026-12-05T17:30:00.000+0000"),
      )) as RouterResult;
      assert.equal(result.decision, "silenced");
    });
  });

  describe("the silenced Slack note (Publish to the alerts topic), literally", () => {
    const notes: [string, "ja" | "en", string, string][] = [
      [
        "ja",
        "ja",
        '【critical】"prod-critical-api-5xx" が ALARM です（サイレンス中：呼び出しなし）',
        "2026-12-05T18:00:00.000Z までサイレンス中：weekly patching。その時点でまだ ALARM なら、新しい ALARM として呼び出します。",
      ],
      [
        "en",
        "en",
        '[critical] "prod-critical-api-5xx" is in ALARM (silenced: nobody paged)',
        "Silenced until 2026-12-05T18:00:00.000Z: weekly patching. If the alarm is still in ALARM then, it pages as a new ALARM.",
      ],
    ];
    for (const [title, language, heading, text] of notes) {
      it(`in ${title}`, async () => {
        await router(silenceEnv(language)).handler(
          routerInputAt("critical", "2026-12-05T17:30:00.000+0000"),
        );
        assert.deepEqual(
          mocks.sns.commandCalls(PublishCommand).map((c) => c.args[0].input),
          [
            {
              TopicArn: TOPIC,
              Message: JSON.stringify({
                version: "1.0",
                source: "custom",
                content: { textType: "client-markdown", title: heading, description: text },
              }),
            },
          ],
        );
      });
    }
  });
});
