/**
 * The pipeline with `backend: step-functions` (Pulumi.selfhosted.yaml) under the mock engine, and
 * the pure builders it uses (components/engine/enginePlan.ts, the self-page rule's pattern and
 * template in components/selfMonitoring.ts, the routing table): literal plans, ARNs, event
 * patterns, input templates, IAM statements and router files.
 *
 * What this does NOT prove: that AWS accepts these resources (the API-model specs check inputs),
 * that EventBridge delivers the self-page event or assumes the role as modelled (read from the
 * EventBridge targets guide, not run), that an execution started by EventBridge pages (the engine's
 * specs run the state machine), that SES authorizes a send against the domain identity when the
 * address is not verified by itself (the SES sending-authorization guide says so), or that the
 * router reads the `execution` routes (helper "seam"'s handler specs).
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import {
  ACK_LINK_HOURS,
  SMS_PHONE_NUMBER_WARNING,
  enginePlan,
  engineWarnings,
  sesIdentityArns,
  smsOriginationArn,
} from "../../components/engine/enginePlan";
import { engineRoutingTable, selfPageStatements } from "../../components/escalationPipeline";
import { selfPageEventPattern, selfPageInputTemplate } from "../../components/selfMonitoring";
import type { RecordedResource } from "../../tools/mockEngine";
import { loadStackConfigFile } from "../../tools/stackFile";
import { REPO, archiveFiles, runProgram } from "../support/program";

const ACCOUNT = "123456789012";
const REGION = "ap-northeast-1";
const SM = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:ie-selfhosted-escalation`;
const selfhosted = () =>
  loadStackConfigFile(path.join(REPO, "Pulumi.selfhosted.yaml"), "selfhosted").config;

function one(res: readonly RecordedResource[], type: string, name: string): RecordedResource {
  const found = res.filter((r) => r.type === type && r.name === name);
  assert.equal(found.length, 1, `${type} ${name}: ${found.length} found`);
  return found[0];
}

function statementsOf(res: readonly RecordedResource[], policyName: string): unknown {
  const p = one(res, "aws:iam/rolePolicy:RolePolicy", policyName);
  return (JSON.parse(String(p.inputs.policy)) as { Statement: unknown }).Statement;
}

describe("backend step-functions: pure builders", () => {
  it("enginePlan: the selfhosted plan, literally (critical pages; warning engages the on-call: one 0-minute stage)", () => {
    assert.equal(ACK_LINK_HOURS, 24);
    const plan = enginePlan(selfhosted()) as unknown as Record<string, unknown>;
    assert.deepEqual(plan, {
      language: "ja",
      levels: {
        critical: {
          stages: [
            { engage: ["oncall:primary"], minutes: 15, essential: true },
            { engage: ["tanaka"], minutes: 15, essential: true },
          ],
          repeat: 2,
        },
        warning: {
          stages: [{ engage: ["oncall:primary"], minutes: 0, essential: true }],
          repeat: 0,
        },
      },
      contacts: [
        {
          alias: "sato",
          language: "ja",
          engagement: [
            { after: 0, via: ["email"] },
            { after: 10, via: ["sms", "voice"] },
          ],
        },
        {
          alias: "suzuki",
          language: "ja",
          engagement: [
            { after: 0, via: ["email"] },
            { after: 10, via: ["sms", "voice"] },
          ],
        },
        {
          alias: "tanaka",
          language: "en",
          engagement: [
            { after: 0, via: ["email"] },
            { after: 10, via: ["sms", "voice"] },
          ],
        },
      ],
      rotations: [
        {
          name: "primary",
          members: ["sato", "suzuki"],
          timeZone: "Asia/Tokyo",
          // interval and onCallsAtOnce: the schema's defaults.
          handoff: { every: "week", interval: 1, on: "MON", at: "09:00" },
          onCallsAtOnce: 1,
          startTime: "2026-01-05T09:00:00+09:00",
        },
      ],
      ackLinkHours: 24,
    });
    // No personal data in the plan (it is a file in the function's code and in the plan output).
    assert.doesNotMatch(JSON.stringify(plan), /@example\.com|\+8190/);
  });

  it("enginePlan: an engage-only level is one 0-minute essential stage with repeat 0; a paging level's own engage joins stage 1", () => {
    const cfg = selfhosted();
    const plan = enginePlan({
      ...cfg,
      levels: {
        critical: {
          impact: 1,
          page: true,
          resolveOnRecovery: false,
          engage: ["sato", "oncall:primary"],
        },
        warning: { impact: 3, page: false, resolveOnRecovery: false, engage: ["suzuki"] },
        info: { impact: 5, page: false, resolveOnRecovery: false },
      },
    }) as unknown as { levels: unknown };
    assert.deepEqual(plan.levels, {
      critical: {
        stages: [
          { engage: ["sato", "oncall:primary"], minutes: 15, essential: true },
          { engage: ["tanaka"], minutes: 15, essential: true },
        ],
        repeat: 2,
      },
      warning: { stages: [{ engage: ["suzuki"], minutes: 0, essential: true }], repeat: 0 },
    });
  });

  it("engineRoutingTable: routed levels start an execution, others notify only", () => {
    assert.deepEqual(
      engineRoutingTable({
        critical: { impact: 1, page: true, resolveOnRecovery: true },
        high: { impact: 2, page: true, resolveOnRecovery: false },
        warning: { impact: 3, page: false, resolveOnRecovery: false, engage: ["suzuki"] },
        info: { impact: 5, page: false, resolveOnRecovery: false },
      }),
      {
        critical: { impact: 1, execution: true, resolveOnRecovery: true },
        high: { impact: 2, execution: true },
        warning: { impact: 3, execution: true },
        info: { impact: 5 },
      },
    );
  });

  it("sesIdentityArns: the address identity and its domain identity (SES sending authorization: an identity is an address or a domain)", () => {
    assert.deepEqual(sesIdentityArns("oncall@alerts.example.com", REGION, ACCOUNT), [
      "arn:aws:ses:ap-northeast-1:123456789012:identity/oncall@alerts.example.com",
      "arn:aws:ses:ap-northeast-1:123456789012:identity/alerts.example.com",
    ]);
  });

  it("smsOriginationArn: exact for IDs and ARNs; sender IDs per country; a phone number: this account+region's numbers, with the warning (service authorization reference, End User Messaging SMS and Voice V2)", () => {
    const table: [string, { arn: string; warning?: string }][] = [
      [
        "phone-0123abcd",
        { arn: "arn:aws:sms-voice:ap-northeast-1:123456789012:phone-number/phone-0123abcd" },
      ],
      [
        "pool-0123abcd",
        { arn: "arn:aws:sms-voice:ap-northeast-1:123456789012:pool/pool-0123abcd" },
      ],
      ["ALERTS", { arn: "arn:aws:sms-voice:ap-northeast-1:123456789012:sender-id/ALERTS/*" }],
      [
        "arn:aws:sms-voice:ap-northeast-1:123456789012:pool/pool-9",
        { arn: "arn:aws:sms-voice:ap-northeast-1:123456789012:pool/pool-9" },
      ],
      [
        "+81500000000",
        {
          arn: "arn:aws:sms-voice:ap-northeast-1:123456789012:phone-number/*",
          warning: SMS_PHONE_NUMBER_WARNING,
        },
      ],
    ];
    for (const [identity, expected] of table) {
      assert.deepEqual(smsOriginationArn(identity, REGION, ACCOUNT), expected, identity);
    }
    assert.throws(() => smsOriginationArn("not valid!", REGION, ACCOUNT), {
      message:
        "channels.sms.originationIdentity: is not an End User Messaging origination identity",
    });
    assert.deepEqual(engineWarnings(selfhosted()), []);
  });

  it("the self-page rule: ALARM of the named alarms of this account and region; the fail-safe level's engine input", () => {
    assert.equal(
      selfPageEventPattern(["ie-x-events-dlq-depth"], { account: ACCOUNT, region: REGION }),
      '{"source":["aws.cloudwatch"],"detail-type":["CloudWatch Alarm State Change"],"account":["123456789012"],"region":["ap-northeast-1"],"resources":["arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:ie-x-events-dlq-depth"],"detail":{"state":{"value":["ALARM"]}}}',
    );
    assert.equal(
      selfPageInputTemplate("critical"),
      '{"level":"critical","alarmName":"<alarmName>","firedAt":"<firedAt>"}',
    );
    assert.deepEqual(selfPageStatements(SM), [
      {
        Sid: "StartFailSafeEscalation",
        Effect: "Allow",
        Action: ["states:StartExecution"],
        Resource: [SM],
      },
    ]);
  });
});

describe("backend step-functions: the selfhosted stack under the mock engine", function () {
  this.timeout(120_000);
  let res: readonly RecordedResource[];
  before(async () => {
    res = (await runProgram("selfhosted")).resources;
  });

  it("creates no Incident Manager resource and no aws-native provider", () => {
    assert.deepEqual(
      res.map((r) => r.type).filter((t) => /ssmcontacts|ssmincidents|aws-native/.test(t)),
      [],
    );
  });

  it("the self-page rule pages the fail-safe level through the state machine, with its own role that EventBridge may assume for this rule of this account only", () => {
    const rule = one(res, "aws:cloudwatch/eventRule:EventRule", "escalation-self-page").inputs;
    assert.equal(rule.name, "ie-selfhosted-self-page");
    assert.deepEqual(JSON.parse(String(rule.eventPattern)), {
      source: ["aws.cloudwatch"],
      "detail-type": ["CloudWatch Alarm State Change"],
      account: ["123456789012"],
      region: ["ap-northeast-1"],
      resources: [
        "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:ie-selfhosted-events-dlq-depth",
        "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:ie-selfhosted-router-dlq-depth",
        "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:ie-selfhosted-router-pages-given-up",
        // The heartbeat's missing-data alarm (selfhosted sets heartbeat): pages without the router.
        "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:ie-selfhosted-heartbeat-missing",
      ],
      detail: { state: { value: ["ALARM"] } },
    });
    const target = one(res, "aws:cloudwatch/eventTarget:EventTarget", "escalation-self-page");
    assert.deepEqual(target.inputs, {
      rule: "ie-selfhosted-self-page",
      targetId: "escalation",
      arn: SM,
      roleArn: "arn:aws:iam::123456789012:role/ie-selfhosted-self-page",
      inputTransformer: {
        inputPaths: { alarmName: "$.detail.alarmName", firedAt: "$.time" },
        inputTemplate: '{"level":"critical","alarmName":"<alarmName>","firedAt":"<firedAt>"}',
      },
      retryPolicy: { maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185 },
      deadLetterConfig: { arn: "arn:aws:sqs:ap-northeast-1:123456789012:ie-selfhosted-events-dlq" },
    });
    const role = one(res, "aws:iam/role:Role", "escalation-self-page-role").inputs;
    // EventBridge user guide, cross-service confused deputy prevention: for event bus rule
    // targets aws:SourceArn is the rule's ARN (with aws:SourceAccount).
    assert.deepEqual(JSON.parse(String(role.assumeRolePolicy)), {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: {
            StringEquals: {
              "aws:SourceAccount": "123456789012",
              "aws:SourceArn":
                "arn:aws:events:ap-northeast-1:123456789012:rule/ie-selfhosted-self-page",
            },
          },
        },
      ],
    });
    assert.deepEqual(statementsOf(res, "escalation-self-page-policy"), [
      {
        Sid: "StartFailSafeEscalation",
        Effect: "Allow",
        Action: ["states:StartExecution"],
        Resource: [SM],
      },
    ]);
  });

  it("self-monitoring alarms go to Slack only: the self-page rule, not an alarm action, pages", () => {
    const topic = `arn:aws:sns:${REGION}:${ACCOUNT}:ie-selfhosted-alerts`;
    for (const name of [
      "escalation-events-dlq-depth",
      "escalation-router-dlq-depth",
      "escalation-router-pages-given-up",
      "escalation-heartbeat-missing",
    ]) {
      const a = one(res, "aws:cloudwatch/metricAlarm:MetricAlarm", name).inputs;
      assert.deepEqual(a.alarmActions, [topic], name);
      assert.deepEqual(a.okActions, [topic], name);
    }
  });

  it("the events DLQ admits the level rules, the heartbeat rule and the self-page rule", () => {
    const policy = one(res, "aws:sqs/queuePolicy:QueuePolicy", "escalation-events-dlq").inputs;
    const doc = JSON.parse(String(policy.policy)) as {
      Statement: { Condition: { ArnEquals: { "aws:SourceArn": string[] } } }[];
    };
    assert.deepEqual(doc.Statement[0].Condition.ArnEquals["aws:SourceArn"], [
      "arn:aws:events:ap-northeast-1:123456789012:rule/ie-selfhosted-critical",
      "arn:aws:events:ap-northeast-1:123456789012:rule/ie-selfhosted-warning",
      "arn:aws:events:ap-northeast-1:123456789012:rule/ie-selfhosted-heartbeat",
      "arn:aws:events:ap-northeast-1:123456789012:rule/ie-selfhosted-self-page",
    ]);
  });

  it("the engine sends from the address or domain identity and the pool, to the contacts of the directory secret", () => {
    const statements = statementsOf(res, "escalation-engine-function-policy") as {
      Sid: string;
      Resource: unknown;
      Condition?: unknown;
    }[];
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    assert.deepEqual(bySid.SendPagesByEmail, {
      Sid: "SendPagesByEmail",
      Effect: "Allow",
      Action: ["ses:SendEmail"],
      Resource: [
        "arn:aws:ses:ap-northeast-1:123456789012:identity/oncall@alerts.example.com",
        "arn:aws:ses:ap-northeast-1:123456789012:identity/alerts.example.com",
        "arn:aws:ses:ap-northeast-1:123456789012:configuration-set/incident-escalation-events",
      ],
      Condition: { StringEquals: { "ses:FromAddress": "oncall@alerts.example.com" } },
    });
    assert.deepEqual(bySid.SendPagesBySms, {
      Sid: "SendPagesBySms",
      Effect: "Allow",
      Action: ["sms-voice:SendTextMessage"],
      Resource: [
        "arn:aws:sms-voice:ap-northeast-1:123456789012:pool/pool-0123456789abcdef0123456789abcdef",
      ],
    });
    // The addresses are in the directory secret's value only, which is a Pulumi secret.
    const plain = JSON.stringify(
      res
        .filter((r) => r.type !== "aws:secretsmanager/secretVersion:SecretVersion")
        .map((r) => r.inputs),
    );
    assert.doesNotMatch(plain, /(sato|suzuki|tanaka)@example\.com|\+8190000000\d\d/);
    const dir = one(
      res,
      "aws:secretsmanager/secretVersion:SecretVersion",
      "escalation-engine-directory-value",
    );
    assert.deepEqual(dir.secretPaths, ["secretString"]);
  });

  it("the engine's function gets the ack endpoint's URL and key, and the incident table", () => {
    const fn = one(res, "aws:lambda/function:Function", "escalation-engine-function").inputs;
    const env = (fn.environment as { variables: Record<string, string> }).variables;
    assert.equal(env.INCIDENT_TABLE, "ie-selfhosted-incidents");
    assert.match(
      env.ACK_BASE_URL,
      /^https:\/\/[0-9a-f]{32}\.lambda-url\.ap-northeast-1\.on\.aws\/$/,
    );
    assert.match(
      env.ACK_KEY_SECRET_ARN,
      /^arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:ie-selfhosted\/ack-key-/,
    );
  });

  it("the router ships the engine's routing table, with warning's outsideHours (the office calendar resolved: Mon-Fri 09:00-18:00 as minutes, jp holidays, company days)", async () => {
    const fn = one(res, "aws:lambda/function:Function", "escalation-router").inputs;
    const files = await archiveFiles(fn.code);
    const day = [{ start: 540, end: 1080 }];
    assert.deepEqual(JSON.parse(files["routing.json"]), {
      critical: { impact: 1, execution: true },
      warning: {
        impact: 3,
        execution: true,
        outsideHours: {
          name: "office",
          calendar: {
            timeZone: "Asia/Tokyo",
            week: [day, day, day, day, day, [], []],
            holidays: ["jp"],
            closed: ["2026-12-29", "2026-12-30", "2026-12-31"],
          },
          then: "defer",
        },
      },
    });
  });

  // Needs helper "seam"'s routerEnv/routerStatements (stepFunctions member, fixed this round).
  it("the router's environment names the state machine, the incident table, the deferral target, the silences and the heartbeat's canary; it may start executions of it", () => {
    const fn = one(res, "aws:lambda/function:Function", "escalation-router").inputs;
    const env = (fn.environment as { variables: Record<string, string> }).variables;
    assert.equal(env.STATE_MACHINE_ARN, SM);
    assert.equal(env.INCIDENT_TABLE, "ie-selfhosted-incidents");
    // Time-aware paging as on Incident Manager (issue 13): deferral, silences, heartbeat.
    assert.deepEqual(
      {
        DEFER_QUEUE_ARN: env.DEFER_QUEUE_ARN,
        DEFER_ROLE_ARN: env.DEFER_ROLE_ARN,
        DEFER_PREFIX: env.DEFER_PREFIX,
        SILENCES: env.SILENCES,
        ALERTS_TOPIC_ARN: env.ALERTS_TOPIC_ARN,
        HEARTBEAT_ALARM: env.HEARTBEAT_ALARM,
      },
      {
        DEFER_QUEUE_ARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:ie-selfhosted-router-queue`,
        DEFER_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/ie-selfhosted-deferral`,
        DEFER_PREFIX: "ie-selfhosted",
        SILENCES:
          '{"prefix":"ie-selfhosted","language":"ja","table":"ie-selfhosted-silences","windows":[{"alarms":["api-*"],"schedule":"cron(0 2 ? * SUN *)","timeZone":"Asia/Tokyo","minutes":60,"reason":"weekly patching"}]}',
        ALERTS_TOPIC_ARN: `arn:aws:sns:${REGION}:${ACCOUNT}:ie-selfhosted-alerts`,
        HEARTBEAT_ALARM: "ie-selfhosted-heartbeat",
      },
    );
    const statements = statementsOf(res, "escalation-router-policy") as {
      Action: string[];
      Resource: string[];
    }[];
    assert.ok(
      statements.some((s) => s.Action.includes("states:StartExecution") && s.Resource.includes(SM)),
      JSON.stringify(statements),
    );
    assert.deepEqual(
      statements.flatMap((s) => s.Action).filter((a) => /^ssm-(incidents|contacts):/.test(a)),
      [],
    );
    assert.deepEqual(
      (statements as { Sid?: string }[]).map((s) => s.Sid),
      [
        "WriteOwnLogs",
        "DeadLetterOwnQueue",
        "ConsumeOwnQueue",
        "MapAlarmsToOpenIncidents",
        "ReadSilences",
        "PostSilencedNotes",
        "EncryptSilencedNotes",
        "StartEngineExecutions",
        "StopEngineExecutions",
        "NoteAndResolveIncidents",
        "DeferToOwnScheduleGroup",
        "PassDeferralRoleToScheduler",
        "RecheckDeferredAlarms",
      ],
    );
  });
});
