/**
 * The router with silences (handlers/router/createHandler.ts silenceOrPage, silence.ts, defer.ts):
 * real-format ALARM events at literal instants, clients under aws-sdk-client-mock. Asserts the
 * literal Query, CreateSchedule and Publish requests (each checked against the API models) and
 * that a silenced ALARM starts no incident, while the deferred "silence-ended" delivery at the
 * window's end pages as a fresh ALARM.
 *
 * Does NOT prove: that Scheduler delivers at the instant (AWS's side; defer.ts cites it), nor the
 * DescribeAlarms re-check of a deferred delivery (helper "calendar"'s part of the router: it runs
 * before this path and hands a still-ALARM alarm here), nor IAM (tests/iam/).
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
import { checkOperationInput } from "../support/apiModel";
import { ACCOUNT, ENV, REGION, createRouter, routerInputAt } from "./fixtures/routerFixtures";

const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:prod-alerts`;
const QUEUE = `arn:aws:sqs:${REGION}:${ACCOUNT}:prod-router`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/prod-deferrals`;
const WEEKLY = {
  alarms: ["api-*"],
  schedule: "cron(0 2 ? * SUN *)",
  timeZone: "Asia/Tokyo",
  minutes: 60,
  reason: "weekly patching",
};
const SILENCE_ENV = {
  ...ENV,
  SILENCES: JSON.stringify({
    prefix: "prod",
    language: "ja",
    table: "prod-silences",
    windows: [WEEKLY],
  }),
  ALERTS_TOPIC_ARN: TOPIC,
  DEFER_QUEUE_ARN: QUEUE,
  DEFER_ROLE_ARN: ROLE,
  DEFER_PREFIX: "ie-prod",
};

const incidents = new SSMIncidentsClient({ region: REGION });
const dynamodb = new DynamoDBClient({ region: REGION });
const scheduler = new SchedulerClient({ region: REGION });
const sns = new SNSClient({ region: REGION });
const cloudwatch = new CloudWatchClient({ region: REGION });
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

function router(env: Record<string, string | undefined> = SILENCE_ENV) {
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
      const service = SERVICE[k];
      if (service === "scheduler" || (service === "ssm-incidents" && !command.constructor.name))
        return [];
      return checkOperationInput(
        service,
        command.constructor.name.replace(/Command$/, ""),
        command.input,
      );
    }),
  );
}

const INCIDENT_ARN = `arn:aws:ssm-incidents::${ACCOUNT}:incident-record/prod-critical/abc`;

describe("router: silences", () => {
  beforeEach(() => {
    for (const m of Object.values(mocks)) m.reset();
    mocks.dynamodb.on(QueryCommand).resolves({ Items: [] });
    mocks.scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: "arn:x" });
    mocks.sns.on(PublishCommand).resolves({ MessageId: "m-1" });
    mocks.incidents.on(StartIncidentCommand).resolves({ incidentRecordArn: INCIDENT_ARN });
  });
  afterEach(() => assert.deepEqual(modelProblems(), []));

  it("an ALARM at 2026-12-05T17:30Z (02:30 JST Sunday, inside the weekly window) pages nobody: a re-check at 18:00Z, then Slack (ja)", async () => {
    const { handler } = router();
    const input = routerInputAt("critical", "2026-12-05T17:30:00.000+0000");
    const result = (await handler(input)) as RouterResult;
    assert.equal(mocks.incidents.commandCalls(StartIncidentCommand).length, 0);
    assert.deepEqual(
      mocks.dynamodb.commandCalls(QueryCommand).map((c) => c.args[0].input),
      [
        {
          TableName: "prod-silences",
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": { S: "silence" } },
          ConsistentRead: true,
        },
      ],
    );
    const [schedule] = mocks.scheduler
      .commandCalls(CreateScheduleCommand)
      .map((c) => c.args[0].input);
    assert.equal(schedule.ScheduleExpression, "at(2026-12-05T18:00:00)");
    assert.equal(schedule.ScheduleExpressionTimezone, "UTC");
    assert.equal(schedule.GroupName, "prod-deferrals");
    assert.equal(schedule.ActionAfterCompletion, "DELETE");
    assert.deepEqual(schedule.Target?.Arn, QUEUE);
    assert.deepEqual(schedule.Target?.RoleArn, ROLE);
    assert.deepEqual(JSON.parse(schedule.Target?.Input ?? "null"), {
      ...input,
      deferred: { reason: "silence-ended", at: "2026-12-05T18:00:00.000Z" },
    });
    assert.deepEqual(
      mocks.sns.commandCalls(PublishCommand).map((c) => c.args[0].input),
      [
        {
          TopicArn: TOPIC,
          Message: JSON.stringify({
            version: "1.0",
            source: "custom",
            content: {
              textType: "client-markdown",
              title:
                '【critical】"prod-critical-api-5xx" が ALARM です（サイレンス中：呼び出しなし）',
              description:
                "2026-12-05T18:00:00.000Z までサイレンス中：weekly patching。その時点でまだ ALARM なら、新しい ALARM として呼び出します。",
            },
          }),
        },
      ],
    );
    assert.deepEqual(result, {
      decision: "silenced",
      by: "maintenance",
      silence: "maintenance[0]",
      until: "2026-12-05T18:00:00.000Z",
      schedule: schedule.Name,
    });
  });

  it("the deferred silence-ended delivery at 18:00Z (the window's end instant), the alarm still in ALARM (DescribeAlarms), pages as a fresh ALARM", async () => {
    mocks.cloudwatch
      .on(DescribeAlarmsCommand)
      .resolves({ MetricAlarms: [{ StateValue: "ALARM" }] });
    const { handler } = router();
    const input = {
      ...routerInputAt("critical", "2026-12-05T17:30:00.000+0000"),
      deferred: { reason: "silence-ended", at: "2026-12-05T18:00:00.000Z" },
    };
    const result = (await handler(input)) as RouterResult;
    assert.equal(result.decision, "page");
    assert.equal(mocks.incidents.commandCalls(StartIncidentCommand).length, 1);
    assert.equal(mocks.scheduler.commandCalls(CreateScheduleCommand).length, 0);
    assert.equal(mocks.sns.commandCalls(PublishCommand).length, 0);
    assert.deepEqual(
      mocks.cloudwatch.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input),
      [{ AlarmNames: ["prod-critical-api-5xx"], AlarmTypes: ["CompositeAlarm", "MetricAlarm"] }],
    );
    assert.deepEqual(modelProblems(), []);
  });

  it("the deferred silence-ended delivery of an alarm that recovered during the window engages nobody (deferred-recovered)", async () => {
    mocks.cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ StateValue: "OK" }] });
    const { handler } = router();
    const input = {
      ...routerInputAt("critical", "2026-12-05T17:30:00.000+0000"),
      deferred: { reason: "silence-ended", at: "2026-12-05T18:00:00.000Z" },
    };
    const result = (await handler(input)) as RouterResult;
    assert.deepEqual(result, { decision: "deferred-recovered", state: "OK" });
    assert.equal(mocks.incidents.commandCalls(StartIncidentCommand).length, 0);
  });

  it("an ALARM at 18:00:00.000Z (end instant) pages; one at 16:59:59.999Z (before the start) pages", async () => {
    for (const ts of ["2026-12-05T18:00:00.000+0000", "2026-12-05T16:59:59.999+0000"]) {
      const { handler } = router();
      assert.equal(
        ((await handler(routerInputAt("critical", ts))) as RouterResult).decision,
        "page",
      );
    }
    assert.equal(mocks.incidents.commandCalls(StartIncidentCommand).length, 2);
  });

  it("an ad-hoc silence from the table (api-5xx, until 19:00Z) silences an ALARM outside any window", async () => {
    mocks.dynamodb.on(QueryCommand).resolves({
      Items: [
        {
          pk: { S: "silence" },
          id: { S: "s-20261205T1800-a1b2c3" },
          pattern: { S: "api-5xx" },
          reason: { S: "deploy 42" },
          startsAt: { N: String(Date.parse("2026-12-05T18:00:00Z") / 1000) },
          expiresAt: { N: String(Date.parse("2026-12-05T19:00:00Z") / 1000) },
        },
      ],
    });
    const { handler } = router();
    const result = (await handler(
      routerInputAt("critical", "2026-12-05T18:10:00.000+0000"),
    )) as RouterResult;
    assert.deepEqual(
      { ...result, schedule: undefined },
      {
        decision: "silenced",
        by: "silence",
        silence: "s-20261205T1800-a1b2c3",
        until: "2026-12-05T19:00:00.000Z",
        schedule: undefined,
      },
    );
    assert.equal(mocks.incidents.commandCalls(StartIncidentCommand).length, 0);
  });

  it("fail-safe: the silences table failing outside a window → pages (silencesError logged)", async () => {
    mocks.dynamodb
      .on(QueryCommand)
      .rejects(Object.assign(new Error("down"), { name: "InternalServerError" }));
    const { handler, logs } = router();
    const result = (await handler(
      routerInputAt("critical", "2026-12-05T18:10:00.000+0000"),
    )) as RouterResult;
    assert.equal(result.decision, "page");
    assert.equal((logs[0].silencesError as { error: string }).error, "InternalServerError");
  });

  it("fail-safe: without a deferral target, a window does not silence (a silence must be re-checked at its end)", async () => {
    const { handler, logs } = router({
      ...SILENCE_ENV,
      DEFER_QUEUE_ARN: undefined,
      DEFER_ROLE_ARN: undefined,
      DEFER_PREFIX: undefined,
    });
    const result = (await handler(
      routerInputAt("critical", "2026-12-05T17:30:00.000+0000"),
    )) as RouterResult;
    assert.equal(result.decision, "page");
    assert.equal(logs[0].silences, "no-deferral-target");
  });

  it("a silence pattern * never reaches an alarm that is not a configured alarm of the level (e.g. prod-router-errors)", async () => {
    const everything = {
      ...SILENCE_ENV,
      SILENCES: JSON.stringify({
        prefix: "prod",
        language: "en",
        windows: [{ ...WEEKLY, alarms: ["*"], schedule: "cron(* * * * ? *)", timeZone: "UTC" }],
      }),
    };
    const input = routerInputAt("critical", "2026-12-05T17:30:00.000+0000") as {
      event: { resources: string[]; detail: { alarmName: string } };
    };
    input.event.detail.alarmName = "prod-router-errors";
    input.event.resources = [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:prod-router-errors`];
    const { handler } = router(everything);
    const result = (await handler(input)) as RouterResult;
    assert.equal(result.decision, "page");
    assert.equal(mocks.dynamodb.calls().length, 0);
  });
  it("an outside-hours redirect (warning → critical) of a silenced warning alarm is silenced: the check matches prod-warning-api-5xx, and the silence-ended delivery re-delivers the warning input", async () => {
    // Mon-Fri 09:00-18:00 Asia/Tokyo: 02:30 JST on Sunday is outside hours.
    const office = {
      timeZone: "Asia/Tokyo",
      week: [1, 2, 3, 4, 5].map(() => [{ start: 540, end: 1080 }]).concat([[], []]),
      holidays: [],
      closed: [],
    };
    const env = {
      ...SILENCE_ENV,
      ROUTING_TABLE: JSON.stringify({
        critical: {
          impact: 1,
          responsePlanArn: `arn:aws:ssm-incidents::${ACCOUNT}:response-plan/prod-critical`,
        },
        warning: {
          impact: 3,
          engage: [`arn:aws:ssm-contacts:${REGION}:${ACCOUNT}:contact/prod-oncall-primary`],
          outsideHours: { name: "office", calendar: office, then: "critical" },
        },
      }),
    };
    const { handler } = router(env);
    const input = routerInputAt("warning", "2026-12-05T17:30:00.000+0000");
    const result = (await handler(input)) as RouterResult;
    assert.equal(result.decision, "silenced");
    assert.equal(mocks.incidents.commandCalls(StartIncidentCommand).length, 0);
    const [schedule] = mocks.scheduler
      .commandCalls(CreateScheduleCommand)
      .map((c) => c.args[0].input);
    const delivered = JSON.parse(schedule.Target?.Input ?? "null") as { level: string };
    assert.equal(delivered.level, "warning");
    assert.deepEqual(delivered, {
      ...input,
      deferred: { reason: "silence-ended", at: "2026-12-05T18:00:00.000Z" },
    });
  });
});
