/**
 * Pipeline variants the example stacks do not cover: external alarms, a non-paging level that
 * engages the on-call directly, Microsoft Teams, explicit signing keys; and the secrecy of
 * addresses as Pulumi sees it (`pulumi.isSecret`). Also renders the EventBridge input template
 * the way EventBridge does, against awkward alarm reasons.
 *
 * Not proven: EventBridge's own rendering (simulated here from its documented rule: the
 * `<aws.events.event.json>` placeholder is replaced by the event as JSON) or AWS acceptance.
 */
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { EscalationPipeline, EscalationPipelineArgs } from "../../components/escalationPipeline";
import { PersonalContact } from "../../components/personalContact";
import { inputTemplate } from "../../components/levelRouting";
import { RecordedResource, runWithMocks } from "../../tools/mockEngine";
import { archiveFiles, one, ofType } from "../support/program";

const A = "123456789012";
const R = "ap-northeast-1";
const contact = (alias: string) => `arn:aws:ssm-contacts:${R}:${A}:contact/${alias}`;

const base: EscalationPipelineArgs = {
  stack: "team",
  prefix: "pay",
  incidentManager: { replicationSet: "existing" },
  contacts: [
    {
      alias: "ana",
      displayName: "Ana",
      email: "ana@example.com",
      phone: "+819000000011",
      engagement: [
        { after: 0, via: ["email"] },
        { after: 5, via: ["voice"] },
      ],
    },
    {
      alias: "ben",
      displayName: "Ben",
      email: "ben@example.com",
      engagement: [{ after: 0, via: ["email"] }],
    },
  ],
  onCall: [
    {
      name: "day",
      members: ["ana", "ben"],
      timeZone: "Europe/Berlin",
      handoff: { every: "day", at: "08:30" },
    },
  ],
  escalation: [
    { engage: ["oncall:day"], minutes: 10 },
    { engage: ["ben"], minutes: 0, essential: false },
  ],
  levels: {
    sev1: { impact: 1, page: true, engage: ["ana"] },
    sev2: { impact: 3, page: false, engage: ["oncall:day"] },
    sev3: { impact: 5, page: false },
  },
  alarms: [],
  externalAlarms: [
    { name: "legacy-db-cpu", level: "sev1" },
    { name: "legacy-queue-age", level: "sev2" },
  ],
  notifications: {
    teams: {
      tenantId: "00000000-0000-4000-8000-000000000001",
      teamId: "00000000-0000-4000-8000-000000000002",
      channelId: "19:abc@thread.tacv2",
    },
    webhooks: [
      {
        name: "siem",
        url: "https://siem.example.com/in",
        levels: ["sev3"],
        signingKey: "k".repeat(40),
      },
    ],
  },
};

async function build(args: EscalationPipelineArgs): Promise<RecordedResource[]> {
  const { resources } = await runWithMocks(
    { stack: args.stack },
    () => new EscalationPipeline("p", args),
  );
  return resources;
}

describe("pipeline variants", () => {
  let res: RecordedResource[];
  before(async () => {
    res = await build(base);
  });

  it("routes external alarms by exact ARN in their level's rule", () => {
    const patterns = Object.fromEntries(
      ofType(res, "aws:cloudwatch/eventRule:EventRule").map((r) => [
        r.inputs.name,
        JSON.parse(r.inputs.eventPattern as string).resources,
      ]),
    );
    assert.deepEqual(patterns, {
      "pay-sev1": [
        { prefix: "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:pay-sev1-" },
        "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:legacy-db-cpu",
      ],
      "pay-sev2": [
        { prefix: "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:pay-sev2-" },
        "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:legacy-queue-age",
      ],
      "pay-sev3": [{ prefix: "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:pay-sev3-" }],
    });
  });

  it("engages the on-call directly for a non-paging engage level, and adds extra response-plan engagements", async () => {
    const files = await archiveFiles(
      one(res, "aws:lambda/function:Function", "p-router").inputs.code,
    );
    assert.deepEqual(JSON.parse(files["routing.json"]), {
      sev1: { impact: 1, responsePlanArn: `arn:aws:ssm-incidents::${A}:response-plan/pay-sev1` },
      sev2: { impact: 3, engage: [contact("pay-oncall-day")] },
      sev3: { impact: 5 },
    });
    const statements = JSON.parse(
      one(res, "aws:iam/rolePolicy:RolePolicy", "p-router-policy").inputs.policy as string,
    ).Statement as Record<string, unknown>[];
    assert.deepEqual(
      statements.find((s) => s.Sid === "EngageDirectly"),
      {
        Sid: "EngageDirectly",
        Effect: "Allow",
        Action: ["ssm-contacts:StartEngagement"],
        Resource: [contact("pay-oncall-day")],
      },
    );
    assert.deepEqual(
      one(res, "aws:ssmincidents/responsePlan:ResponsePlan", "p-response-sev1").inputs.engagements,
      [contact("pay-escalation"), contact("pay-ana")],
    );
    const targets = ofType(res, "aws:cloudwatch/eventTarget:EventTarget")
      .map((t) => `${String(t.inputs.rule)}→${String(t.inputs.targetId)}`)
      .sort();
    assert.deepEqual(targets, ["pay-sev1→router", "pay-sev2→router", "pay-sev3→notifier"]);
  });

  it("uses a daily rotation and a non-essential last stage with 0 minutes", () => {
    assert.deepEqual(
      one(res, "aws:ssm/contactsRotation:ContactsRotation", "p-oncall-day-rotation").inputs
        .recurrence,
      {
        numberOfOnCalls: 1,
        recurrenceMultiplier: 1,
        dailySettings: [{ hourOfDay: 8, minuteOfHour: 30 }],
      },
    );
    const stages = one(res, "aws:ssmcontacts/plan:Plan", "p-escalation-plan").inputs.stages as {
      durationInMinutes: number;
      targets: unknown[];
    }[];
    assert.deepEqual(stages[1], {
      durationInMinutes: 0,
      targets: [{ contactTargetInfo: { contactId: contact("pay-ben"), isEssential: false } }],
    });
  });

  it("relays to Microsoft Teams and keeps an explicit signing key without generating one", () => {
    assert.deepEqual(
      one(res, "aws:chatbot/teamsChannelConfiguration:TeamsChannelConfiguration", "p-alerts-teams")
        .inputs,
      {
        configurationName: "pay-alerts-teams",
        tenantId: "00000000-0000-4000-8000-000000000001",
        teamId: "00000000-0000-4000-8000-000000000002",
        channelId: "19:abc@thread.tacv2",
        iamRoleArn: `arn:aws:iam::${A}:role/pay-chatbot`,
        snsTopicArns: [`arn:aws:sns:${R}:${A}:pay-alerts`],
        loggingLevel: "ERROR",
        guardrailPolicyArns: [`arn:aws:iam::${A}:policy/pay-chatbot-guardrail`],
        userAuthorizationRequired: false,
        tags: { "ie-stack": "team", "managed-by": "incident-escalation" },
      },
    );
    assert.equal(ofType(res, "random:index/randomPassword:RandomPassword").length, 0);
    assert.equal(
      ofType(res, "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration").length,
      0,
    );
    const stored = JSON.parse(
      one(res, "aws:secretsmanager/secretVersion:SecretVersion", "p-webhooks").inputs
        .secretString as string,
    );
    assert.deepEqual(stored, {
      siem: { url: "https://siem.example.com/in", signingKey: "k".repeat(40) },
    });
  });

  it("writes previousSigningKey into the webhook secret during a rotation, and no other value", async () => {
    const rotating = await build({
      ...base,
      notifications: {
        ...base.notifications,
        webhooks: [
          {
            name: "siem",
            url: "https://siem.example.com/in",
            levels: ["sev3"],
            signingKey: "k".repeat(40),
            previousSigningKey: "p".repeat(40),
          },
        ],
      },
    });
    const version = one(rotating, "aws:secretsmanager/secretVersion:SecretVersion", "p-webhooks");
    assert.deepEqual(version.secretPaths, ["secretString"]);
    assert.deepEqual(JSON.parse(version.inputs.secretString as string), {
      siem: {
        url: "https://siem.example.com/in",
        signingKey: "k".repeat(40),
        previousSigningKey: "p".repeat(40),
      },
    });
    const env = JSON.stringify(
      ofType(rotating, "aws:lambda/function:Function").map((f) => f.inputs.environment),
    );
    assert.ok(!env.includes("p".repeat(40)), "the previous key is in a Lambda environment");
  });

  it("creates no router when no level pages or engages", async () => {
    const r = await build({
      ...base,
      escalation: [],
      onCall: [],
      levels: { info: { impact: 5, page: false } },
      externalAlarms: [],
      notifications: {
        webhooks: [
          {
            name: "siem",
            url: "https://siem.example.com/in",
            levels: ["info"],
            allowPrivateNetwork: true,
          },
        ],
      },
    });
    assert.deepEqual(
      ofType(r, "aws:lambda/function:Function").map((f) => f.name),
      ["p-notifier"],
    );
    // allowPrivateNetwork reaches the notifier in WEBHOOKS (not in the secret).
    const notifierEnv = one(r, "aws:lambda/function:Function", "p-notifier").inputs.environment as {
      variables: Record<string, string>;
    };
    assert.equal(
      notifierEnv.variables.WEBHOOKS,
      '[{"name":"siem","levels":["info"],"allowPrivateNetwork":true}]',
    );
    assert.deepEqual(
      Object.keys(
        JSON.parse(
          one(r, "aws:secretsmanager/secretVersion:SecretVersion", "p-webhooks").inputs
            .secretString as string,
        ).siem,
      ),
      ["url", "signingKey"],
    );
    assert.equal(ofType(r, "aws:ssmincidents/responsePlan:ResponsePlan").length, 0);
    // Self-monitoring alarms without a paging level can only reach Slack.
    assert.deepEqual(
      one(r, "aws:cloudwatch/metricAlarm:MetricAlarm", "p-notifier-errors").inputs.alarmActions,
      [`arn:aws:sns:${R}:${A}:pay-alerts`],
    );
  });
});

describe("addresses are Pulumi secrets (pulumi.isSecret)", () => {
  it("marks every channel's delivery address secret, given plain strings", async () => {
    let contact: PersonalContact | undefined;
    await runWithMocks({ stack: "s" }, () => {
      contact = new PersonalContact("c", {
        alias: "s-c",
        displayName: "C",
        email: "c@example.com",
        phone: "+819000000012",
        engagement: [
          { after: 0, via: ["email"] },
          { after: 10, via: ["sms", "voice"] },
        ],
        retryIntervalMinutes: 5,
      });
    });
    assert.deepEqual(
      contact!.channels.map((c) => c.kind),
      ["email", "sms", "voice"],
    );
    for (const ch of contact!.channels) {
      assert.equal(await pulumi.isSecret(ch.resource.deliveryAddress), true, ch.kind);
    }
  });
});

describe("EventBridge input template", () => {
  /** EventBridge's rendering of `<aws.events.event.json>`: the event, as JSON. */
  const render = (template: string, event: unknown) =>
    template.replace("<aws.events.event.json>", JSON.stringify(event));
  const event = (reason: string) => ({
    version: "0",
    id: "e-1",
    "detail-type": "CloudWatch Alarm State Change",
    source: "aws.cloudwatch",
    account: A,
    time: "2026-11-24T01:00:00Z",
    region: R,
    resources: [`arn:aws:cloudwatch:${R}:${A}:alarm:pay-sev1-api`],
    detail: {
      alarmName: "pay-sev1-api",
      state: { value: "ALARM", reason, timestamp: "2026-11-24T01:00:00.000+0000" },
    },
  });

  for (const [label, reason] of [
    ["double quotes", 'Threshold "50" crossed: [60.0 (24/11/26 01:00:00)]'],
    ["newlines and tabs", "line one\nline two\ttabbed\r\n"],
    ["Japanese text", "しきい値を超えました：5xx エラーが急増"],
    ["backslashes and braces", "C:\\path\\to {not json} <aws.events.event.json>"],
  ] as const) {
    it(`yields valid JSON with the level added (${label})`, () => {
      const e = event(reason);
      assert.deepEqual(JSON.parse(render(inputTemplate("sev1"), e)), { level: "sev1", event: e });
    });
  }

  it("is why the reason is not extracted into a hand-built template: that breaks on a quote", () => {
    const naive = `{"level":"sev1","reason":"${event('Threshold "50" crossed').detail.state.reason}"}`;
    assert.throws(() => JSON.parse(naive), SyntaxError);
  });
});

describe("scheduled drills and recovery settings", () => {
  let res: RecordedResource[];
  before(async () => {
    res = await build({
      ...base,
      levels: {
        ...base.levels,
        sev1: { impact: 1, page: true, engage: ["ana"], resolveOnRecovery: true },
      },
      drills: [{ level: "sev1", schedule: "cron(0 10 ? * MON#1 *)", timeZone: "Asia/Tokyo" }],
    });
  });

  it("schedules the drill through the drill workflow with Scheduler's scheduled time, retries and a DLQ", () => {
    assert.deepEqual(one(res, "aws:scheduler/schedule:Schedule", "p-drills-sev1-0").inputs, {
      name: "pay-drill-sev1-0",
      description: "Paging drill of level sev1 through its real response plan",
      scheduleExpression: "cron(0 10 ? * MON#1 *)",
      scheduleExpressionTimezone: "Asia/Tokyo",
      flexibleTimeWindow: { mode: "OFF" },
      target: {
        arn: `arn:aws:states:${R}:${A}:stateMachine:pay-drill`,
        roleArn: `arn:aws:iam::${A}:role/pay-drill-scheduler`,
        input:
          '{"level":"sev1","scheduledTime":"<aws.scheduler.scheduled-time>","reportAfterSeconds":1800}',
        retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
        deadLetterConfig: { arn: `arn:aws:sqs:${R}:${A}:pay-events-dlq` },
      },
    });
  });

  it("lets Scheduler's role start the drill workflow and dead-letter, nothing else, assumed only for this account's default schedule group (Scheduler user guide, confused deputy prevention)", () => {
    const role = one(res, "aws:iam/role:Role", "p-drill-scheduler");
    assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy as string).Statement, [
      {
        Effect: "Allow",
        Principal: { Service: "scheduler.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: {
            "aws:SourceAccount": A,
            "aws:SourceArn": `arn:aws:scheduler:${R}:${A}:schedule-group/default`,
          },
        },
      },
    ]);
    const policy = one(res, "aws:iam/rolePolicy:RolePolicy", "p-drills-policy");
    assert.equal(policy.inputs.role, "pay-drill-scheduler");
    assert.deepEqual(JSON.parse(policy.inputs.policy as string).Statement, [
      {
        Sid: "StartDrillWorkflow",
        Effect: "Allow",
        Action: ["states:StartExecution"],
        Resource: [`arn:aws:states:${R}:${A}:stateMachine:pay-drill`],
      },
      {
        Sid: "DeadLetter",
        Effect: "Allow",
        Action: ["sqs:SendMessage"],
        Resource: [`arn:aws:sqs:${R}:${A}:pay-events-dlq`],
      },
    ]);
  });

  it("the workflow's role may invoke the drill function only, assumed by Step Functions for this state machine only (Step Functions guide, confused deputy prevention)", () => {
    const role = one(res, "aws:iam/role:Role", "p-drills-workflow-role");
    assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy as string).Statement, [
      {
        Effect: "Allow",
        Principal: { Service: "states.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": A },
          ArnLike: { "aws:SourceArn": `arn:aws:states:${R}:${A}:stateMachine:pay-drill` },
        },
      },
    ]);
    const policy = one(res, "aws:iam/rolePolicy:RolePolicy", "p-drills-workflow-policy");
    assert.deepEqual(JSON.parse(policy.inputs.policy as string).Statement, [
      {
        Sid: "InvokeDrillFunction",
        Effect: "Allow",
        Action: ["lambda:InvokeFunction"],
        Resource: [`arn:aws:lambda:${R}:${A}:function:pay-drill`],
      },
    ]);
  });

  it("gives the router what recovery needs and nothing of drills; the drill function its own, scoped", async () => {
    const router = one(res, "aws:lambda/function:Function", "p-router");
    const env = (router.inputs.environment as { variables: Record<string, string> }).variables;
    assert.deepEqual(Object.keys(env).sort(), [
      "ACCOUNT_ID",
      "DEDUPE_TABLE",
      "ENGAGEMENT_SENDER",
      "INCIDENT_SOURCE",
    ]);
    assert.equal(env.DEDUPE_TABLE, "pay-open-incidents");
    const files = await archiveFiles(router.inputs.code);
    assert.deepEqual(JSON.parse(files["routing.json"]).sev1, {
      impact: 1,
      responsePlanArn: `arn:aws:ssm-incidents::${A}:response-plan/pay-sev1`,
      resolveOnRecovery: true,
    });
    const routerSids = (
      JSON.parse(
        one(res, "aws:iam/rolePolicy:RolePolicy", "p-router-policy").inputs.policy as string,
      ).Statement as { Sid: string }[]
    ).map((s) => s.Sid);
    assert.ok(!routerSids.some((sid) => /Drill|Scheduler/.test(sid)), routerSids.join(", "));

    const drill = one(res, "aws:lambda/function:Function", "p-drill");
    assert.equal(drill.inputs.name, "pay-drill");
    assert.deepEqual(
      (drill.inputs.environment as { variables: Record<string, string> }).variables,
      {
        DRILL_LEVELS: JSON.stringify({
          sev1: {
            impact: 1,
            responsePlanArn: `arn:aws:ssm-incidents::${A}:response-plan/pay-sev1`,
          },
        }),
        NAME_PREFIX: "pay",
        ALERTS_TOPIC_ARN: `arn:aws:sns:${R}:${A}:pay-alerts`,
      },
    );
    const statements = JSON.parse(
      one(res, "aws:iam/rolePolicy:RolePolicy", "p-drill-policy").inputs.policy as string,
    ).Statement as Record<string, unknown>[];
    const key = one(res, "aws:kms/key:Key", "p-alerts-key");
    assert.deepEqual(
      statements.filter((s) => !["WriteOwnLogs", "DeadLetterOwnQueue"].includes(s.Sid as string)),
      [
        {
          Sid: "StartDrillIncidents",
          Effect: "Allow",
          Action: ["ssm-incidents:StartIncident"],
          Resource: [`arn:aws:ssm-incidents::${A}:response-plan/pay-sev1`],
        },
        {
          Sid: "RecordAndResolveDrills",
          Effect: "Allow",
          Action: [
            "ssm-incidents:GetIncidentRecord",
            "ssm-incidents:CreateTimelineEvent",
            "ssm-incidents:UpdateIncidentRecord",
          ],
          Resource: [
            `arn:aws:ssm-incidents::${A}:incident-record/pay-sev1/*`,
            `arn:aws:ssm-incidents::${A}:response-plan/pay-sev1`,
          ],
        },
        {
          Sid: "ListDrillEngagements",
          Effect: "Allow",
          Action: ["ssm-contacts:ListEngagements"],
          Resource: "*",
        },
        {
          Sid: "ReadAndStopDrillEngagements",
          Effect: "Allow",
          Action: ["ssm-contacts:ListPagesByEngagement", "ssm-contacts:StopEngagement"],
          Resource: [`arn:aws:ssm-contacts:${R}:${A}:engagement/pay-*`],
        },
        {
          Sid: "ReadDrillPageReceipts",
          Effect: "Allow",
          Action: ["ssm-contacts:ListPageReceipts"],
          Resource: [`arn:aws:ssm-contacts:${R}:${A}:page/pay-*`],
        },
        {
          Sid: "PostDrillReports",
          Effect: "Allow",
          Action: ["sns:Publish"],
          Resource: [`arn:aws:sns:${R}:${A}:pay-alerts`],
        },
        {
          Sid: "EncryptDrillReports",
          Effect: "Allow",
          Action: ["kms:GenerateDataKey", "kms:Decrypt"],
          Resource: [`arn:aws:kms:${R}:${A}:key/${key.id}`],
        },
      ],
    );
  });

  it("creates no schedule, scheduler role or drill permission without drills", async () => {
    assert.equal(ofType(await build(base), "aws:scheduler/schedule:Schedule").length, 0);
    const r = await build(base);
    assert.equal(
      ofType(r, "aws:iam/role:Role").some((x) => x.name === "p-drill-scheduler"),
      false,
    );
    const env = (
      one(r, "aws:lambda/function:Function", "p-router").inputs.environment as {
        variables: Record<string, string>;
      }
    ).variables;
    assert.equal("SCHEDULER_ROLE_ARN" in env, false);
    assert.equal(
      ofType(r, "aws:lambda/function:Function").some((x) => x.name === "p-drill"),
      false,
    );
    assert.equal(ofType(r, "aws:sfn/stateMachine:StateMachine").length, 0);
  });
});
