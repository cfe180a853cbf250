/**
 * Silences meeting working hours (handlers/router/decide.ts), two regressions found on ef18a14:
 * 1. An ALARM of a level whose `outsideHours.then` hands it to another level is still silenced by
 *    its own level's configured alarm (`prod-warning-api-5xx` under `critical` during the `api-*`
 *    window): the planned maintenance window pages nobody.
 * 2. The "silence-ended" re-delivery is "handled then as a fresh ALARM" (issue 13) for the hours
 *    check too: an ALARM at Fri 17:00 JST (in hours) silenced until 19:00 JST is deferred to
 *    Monday 09:00 at 19:00 for a `then: defer` level, not paged.
 *
 * Does NOT prove: anything about the bundle (the decision is the same code), nor IAM.
 */
import { strict as assert } from "node:assert";
import { DynamoDBClient, QueryCommand } from "@aws-sdk/client-dynamodb";
import { CreateScheduleCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { SSMContactsClient } from "@aws-sdk/client-ssm-contacts";
import { SSMIncidentsClient, StartIncidentCommand } from "@aws-sdk/client-ssm-incidents";
import { mockClient } from "aws-sdk-client-mock";
import type { RouterResult } from "../../handlers/router/createHandler";
import { decide } from "../../handlers/router/decide";
import {
  ACCOUNT,
  ENV,
  PLAN_MAJOR,
  REGION,
  ROUTING_TABLE,
  configOf,
  createRouter,
  routerInputAt,
} from "./fixtures/routerFixtures";

const DAY = [{ start: 540, end: 1080 }];
const OFFICE = {
  timeZone: "Asia/Tokyo",
  week: [DAY, DAY, DAY, DAY, DAY, [], []],
  holidays: ["jp"],
  closed: [],
};
const ENV_HANDOVER = {
  ...ENV,
  ROUTING_TABLE: JSON.stringify({
    ...ROUTING_TABLE,
    warning: {
      ...ROUTING_TABLE.warning,
      outsideHours: { name: "office", calendar: OFFICE, then: "critical" },
    },
  }),
  SILENCES: JSON.stringify({
    prefix: "prod",
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
  ALERTS_TOPIC_ARN: `arn:aws:sns:${REGION}:${ACCOUNT}:ie-prod-alerts`,
  DEFER_QUEUE_ARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:ie-prod-router-queue`,
  DEFER_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/ie-prod-deferral`,
  DEFER_PREFIX: "prod",
};

const incidents = new SSMIncidentsClient({ region: REGION });
const dynamodb = new DynamoDBClient({ region: REGION });
const scheduler = new SchedulerClient({ region: REGION });
const sns = new SNSClient({ region: REGION });
const mocks = {
  incidents: mockClient(incidents),
  dynamodb: mockClient(dynamodb),
  scheduler: mockClient(scheduler),
  sns: mockClient(sns),
};

describe("router: a level handed over outside hours (then: <level>) is still silenced", () => {
  beforeEach(() => {
    for (const m of Object.values(mocks)) m.reset();
    mocks.dynamodb.on(QueryCommand).resolves({ Items: [] });
    mocks.scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: "arn:x" });
    mocks.sns.on(PublishCommand).resolves({ MessageId: "m-1" });
    mocks.incidents.on(StartIncidentCommand).resolves({ incidentRecordArn: "arn:x" });
  });

  it("warning (then: critical) ALARM of api-5xx at Sun 02:30 JST inside the api-* window: silenced, no StartIncident", async () => {
    const handler = createRouter(ENV_HANDOVER, {
      clients: {
        incidents,
        dynamodb,
        contacts: () => new SSMContactsClient({ region: REGION }),
        scheduler: () => scheduler,
        sns: () => sns,
      },
      now: () => new Date("2026-12-05T17:30:05.000Z"),
    });
    const result = (await handler(
      routerInputAt("warning", "2026-12-05T17:30:00.000+0000"),
    )) as RouterResult;
    assert.equal(mocks.incidents.commandCalls(StartIncidentCommand).length, 0);
    assert.equal(result.decision, "silenced");
  });
});

describe("router: the silence-ended re-delivery is a fresh ALARM for the hours check too", () => {
  it("major (then: defer) ALARM at Fri 2027-01-15 17:00 JST silenced until 19:00 JST: the 19:00 delivery defers to Mon 2027-01-18 09:00", () => {
    const config = configOf({
      ...ENV_HANDOVER,
      ROUTING_TABLE: JSON.stringify({
        major: {
          impact: 2,
          responsePlanArn: PLAN_MAJOR,
          outsideHours: { name: "office", calendar: OFFICE, then: "defer" },
        },
      }),
    });
    const decision = decide(
      {
        ...routerInputAt("major", "2027-01-15T08:00:00.000+0000"),
        deferred: { reason: "silence-ended", at: "2027-01-15T10:00:00.000Z" },
      },
      config,
    );
    assert.equal(decision.kind, "recheck");
    if (decision.kind !== "recheck") return;
    assert.equal(decision.then.kind, "defer");
    if (decision.then.kind !== "defer") return;
    assert.equal(decision.then.until, "2027-01-18T00:00:00.000Z");
  });
});
