/**
 * Router drills: `decide` on drill and drill-report events (exact decisions and errors), the pure
 * builders (report schedule, observation, Chatbot notification), and the handler against
 * aws-sdk-client-mock: a drill start sends exactly one StartIncident and one CreateSchedule, a
 * drill report lists engagements → pages → receipts (following NextToken), notes the report on the
 * timeline, resolves the incident and publishes the report; a report naming anything but this
 * stack's drill (a live alarm incident, another stack's plan, a deleted incident) is refused after
 * at most GetIncidentRecord, with one log line. ssm-incidents and ssm-contacts inputs
 * are checked against the API models; Scheduler inputs against the constraints the Scheduler API
 * reference documents (no model of it is in aws-models/).
 *
 * What this spec does NOT prove:
 * - that Scheduler accepts `at(...)` in the past or fires on time, that it passes
 *   `<aws.scheduler.scheduled-time>` in the shape parsed here, or that the role may invoke the
 *   router (the DrillSchedules component and its spec own the schedule that starts drills).
 * - that AWS Chatbot renders the custom notification as intended (only its documented shape).
 * - the report's wording: handlers/shared/drillReport.ts owns it; here the report is built from
 *   an exactly asserted observation, so the test proves what the router feeds it.
 * - that Incident Manager records StartIncident's `title` and `triggerDetails.source` as
 *   GetIncidentRecord's `title` and `incidentRecordSource.source` (the API reference describes
 *   both as what started the incident; the records here are hand-written in that shape), or that
 *   nobody retitles a live incident "[DRILL] …" by hand.
 */
import { strict as assert } from "node:assert";
import {
  ConflictException,
  CreateScheduleCommand,
  SchedulerClient,
  type CreateScheduleCommandInput,
} from "@aws-sdk/client-scheduler";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import {
  ListEngagementsCommand,
  ListPageReceiptsCommand,
  ListPagesByEngagementCommand,
  SSMContactsClient,
  type ListEngagementsCommandInput,
  type ListEngagementsCommandOutput,
  type ListPageReceiptsCommandInput,
  type ListPageReceiptsCommandOutput,
  type ListPagesByEngagementCommandInput,
  type ListPagesByEngagementCommandOutput,
  type ServiceInputTypes as ContactsInput,
  type ServiceOutputTypes as ContactsOutput,
} from "@aws-sdk/client-ssm-contacts";
import {
  CreateTimelineEventCommand,
  GetIncidentRecordCommand,
  ResourceNotFoundException,
  SSMIncidentsClient,
  StartIncidentCommand,
  UpdateIncidentRecordCommand,
  type IncidentRecord,
  type StartIncidentCommandInput,
} from "@aws-sdk/client-ssm-incidents";
import { mockClient, type AwsCommand, type AwsStub } from "aws-sdk-client-mock";
import { decide, type Decision } from "../../handlers/router/decide";
import { invokedFunctionArn } from "../../handlers/router/drill";
import { RouterConfigError, RoutingError } from "../../handlers/router/errors";
import {
  drillNotification,
  drillObservation,
  drillPlanRefusal,
  drillRecordRefusal,
  reportScheduleInput,
  reportScheduleName,
  type DrillRefusal,
} from "../../handlers/router/drill";
import {
  buildDrillReport,
  renderDrillReport,
  type DrillObservation,
  type DrillReport,
} from "../../handlers/shared/drillReport";
import { checkOperationInput } from "../support/apiModel";
import {
  configOf,
  ACCOUNT,
  ALERTS_TOPIC_ARN,
  DRILL_ENV,
  ENV,
  FUNCTION_ARN,
  incidentArnOf,
  NAME_PREFIX,
  PLAN_CRITICAL,
  PLAN_MAJOR,
  REGION,
  SCHEDULER_ROLE_ARN,
  sha256,
  RouterModule,
  loadRouterHandler as loadHandler,
} from "./fixtures/routerFixtures";

type HandlerModule = RouterModule;
type DrillStart = Extract<Decision, { kind: "drill" }>;
type DrillReportDue = Extract<Decision, { kind: "drill-report" }>;

const CONFIG = configOf(DRILL_ENV);

const SCHEDULED = "2026-12-07T01:00:00Z";
/** The drill start runs 3 s after the scheduled time. */
const NOW = new Date("2026-12-07T01:00:03.000Z");
const DRILL_INCIDENT = incidentArnOf("prod-critical", "d1d1d1d1");
const SCHEDULE_NAME = `${NAME_PREFIX}-drill-${sha256(DRILL_INCIDENT).slice(0, 16)}`;
const drillEvent = (fields: Record<string, unknown> = {}) => ({
  drill: { level: "critical", scheduledTime: SCHEDULED, reportAfterMinutes: 30, ...fields },
});
const reportEvent = (fields: Record<string, unknown> = {}) => ({
  drillReport: {
    level: "critical",
    incidentArn: DRILL_INCIDENT,
    startedAt: NOW.toISOString(),
    ...fields,
  },
});

const EXPECTED_INCIDENT: StartIncidentCommandInput = {
  clientToken: sha256(`drill|critical|${SCHEDULED}`),
  responsePlanArn: PLAN_CRITICAL,
  impact: 1,
  title: `[DRILL] critical paging drill ${SCHEDULED}`,
  triggerDetails: {
    source: "incident-escalation.prod",
    timestamp: new Date(SCHEDULED),
    rawData: JSON.stringify(drillEvent()),
  },
};

const EXPECTED_SCHEDULE: CreateScheduleCommandInput = {
  Name: SCHEDULE_NAME,
  ScheduleExpression: "at(2026-12-07T01:30:03)",
  ScheduleExpressionTimezone: "UTC",
  FlexibleTimeWindow: { Mode: "OFF" },
  ActionAfterCompletion: "DELETE",
  Target: {
    Arn: FUNCTION_ARN,
    RoleArn: SCHEDULER_ROLE_ARN,
    Input: JSON.stringify(reportEvent()),
  },
};

/**
 * CreateSchedule's documented constraints (Scheduler API reference): Name 1-64 of
 * [0-9a-zA-Z-_.]; ScheduleExpression 1-256; ScheduleExpressionTimezone 1-50; Target.Arn 1-1600;
 * Target.RoleArn 1-1600 matching arn:aws(-[a-z]+)?:iam::\d{12}:role/[\w+=,.@/-]+; Target.Input
 * 1-8192; FlexibleTimeWindow.Mode OFF|FLEXIBLE; ActionAfterCompletion NONE|DELETE.
 */
function scheduleViolations(input: CreateScheduleCommandInput): string[] {
  const out: string[] = [];
  const within = (name: string, value: string | undefined, min: number, max: number) => {
    if (value === undefined || value.length < min || value.length > max) {
      out.push(`${name}: length outside ${min}-${max}`);
    }
  };
  within("Name", input.Name, 1, 64);
  if (!/^[0-9a-zA-Z-_.]+$/.test(input.Name ?? "")) out.push("Name: pattern");
  within("ScheduleExpression", input.ScheduleExpression, 1, 256);
  if (!/^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$/.test(input.ScheduleExpression ?? "")) {
    out.push("ScheduleExpression: not at(yyyy-mm-ddThh:mm:ss)");
  }
  within("ScheduleExpressionTimezone", input.ScheduleExpressionTimezone, 1, 50);
  within("Target.Arn", input.Target?.Arn, 1, 1600);
  within("Target.RoleArn", input.Target?.RoleArn, 1, 1600);
  if (!/^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(input.Target?.RoleArn ?? "")) {
    out.push("Target.RoleArn: pattern");
  }
  within("Target.Input", input.Target?.Input, 1, 8192);
  if (!["OFF", "FLEXIBLE"].includes(input.FlexibleTimeWindow?.Mode ?? "")) {
    out.push("FlexibleTimeWindow.Mode");
  }
  if (!["NONE", "DELETE"].includes(input.ActionAfterCompletion ?? "")) {
    out.push("ActionAfterCompletion");
  }
  return out;
}

function drillOf(input: unknown): DrillStart {
  const decision = decide(input, CONFIG);
  assert.equal(decision.kind, "drill");
  return decision as DrillStart;
}

// =============================================================================================
describe("router drills: decide", () => {
  it("a drill: exactly the [DRILL] StartIncident on the level's plan, conforming to the model", () => {
    const decision = drillOf(drillEvent());
    assert.deepEqual(decision, {
      kind: "drill",
      level: "critical",
      incident: EXPECTED_INCIDENT,
      reportAfterMinutes: 30,
      namePrefix: NAME_PREFIX,
      schedulerRoleArn: SCHEDULER_ROLE_ARN,
    });
    assert.deepEqual(checkOperationInput("ssm-incidents", "StartIncident", decision.incident), []);
  });

  it("the same scheduled run always yields the same clientToken; another run a new one", () => {
    const first = drillOf(drillEvent()).incident.clientToken;
    assert.equal(drillOf(drillEvent()).incident.clientToken, first);
    assert.notEqual(
      drillOf(drillEvent({ scheduledTime: "2027-01-04T01:00:00Z" })).incident.clientToken,
      first,
    );
  });

  it("a drill report: the level, incident and start as given", () => {
    assert.deepEqual(decide(reportEvent(), CONFIG), {
      kind: "drill-report",
      level: "critical",
      incidentArn: DRILL_INCIDENT,
      startedAt: NOW.toISOString(),
      alertsTopicArn: ALERTS_TOPIC_ARN,
      namePrefix: NAME_PREFIX,
      responsePlanArns: [PLAN_CRITICAL, PLAN_MAJOR],
      incidentSource: "incident-escalation.prod",
    });
  });

  it("a drill report for a level no longer in ROUTING_TABLE is still reported", () => {
    assert.equal(decide(reportEvent({ level: "retired" }), CONFIG).kind, "drill-report");
  });

  const known = "known levels: critical, major, warning, info";
  const routing: [string, unknown, string, string][] = [
    [
      "a drill that is not an object",
      { drill: "critical" },
      "MALFORMED_EVENT",
      'drill: expected an object, got "critical"',
    ],
    [
      "an unknown level",
      drillEvent({ level: "debug" }),
      "UNKNOWN_LEVEL",
      `drill.level "debug" is not in ROUTING_TABLE (${known})`,
    ],
    [
      "a numeric level",
      drillEvent({ level: 1 }),
      "MALFORMED_EVENT",
      "drill.level: expected a string, got 1",
    ],
    [
      "a level that opens no incident",
      drillEvent({ level: "warning" }),
      "NOT_A_PAGING_LEVEL",
      'drill.level "warning" has no responsePlanArn in ROUTING_TABLE: only levels that open an incident can be drilled',
    ],
    [
      "Scheduler's placeholder left unfilled",
      drillEvent({ scheduledTime: "<aws.scheduler.scheduled-time>" }),
      "MALFORMED_EVENT",
      'drill.scheduledTime: expected an ISO 8601 timestamp like 2026-12-07T01:00:00Z, got "<aws.scheduler.scheduled-time>"',
    ],
    [
      "reportAfterMinutes 0",
      drillEvent({ reportAfterMinutes: 0 }),
      "MALFORMED_EVENT",
      "drill.reportAfterMinutes: expected an integer 1-1440, got 0",
    ],
    [
      "reportAfterMinutes 1441",
      drillEvent({ reportAfterMinutes: 1441 }),
      "MALFORMED_EVENT",
      "drill.reportAfterMinutes: expected an integer 1-1440, got 1441",
    ],
    [
      "reportAfterMinutes as a string",
      drillEvent({ reportAfterMinutes: "30" }),
      "MALFORMED_EVENT",
      'drill.reportAfterMinutes: expected an integer 1-1440, got "30"',
    ],
    [
      "reportAfterMinutes missing",
      drillEvent({ reportAfterMinutes: undefined }),
      "MALFORMED_EVENT",
      "drill.reportAfterMinutes: expected an integer 1-1440, got nothing",
    ],
    [
      "a report that is not an object",
      { drillReport: [] },
      "MALFORMED_EVENT",
      "drillReport: expected an object, got an array",
    ],
    [
      "a report with a bad level",
      reportEvent({ level: "Critical!" }),
      "MALFORMED_EVENT",
      'drillReport.level: expected a level name, got "Critical!"',
    ],
    [
      "a report with a response plan ARN instead of an incident",
      reportEvent({ incidentArn: PLAN_CRITICAL }),
      "MALFORMED_EVENT",
      `drillReport.incidentArn: expected an incident record ARN arn:aws:ssm-incidents::<account>:incident-record/<plan>/<id>, got "${PLAN_CRITICAL}"`,
    ],
    [
      "a report without startedAt",
      reportEvent({ startedAt: undefined }),
      "MALFORMED_EVENT",
      "drillReport.startedAt: expected an ISO 8601 timestamp, got nothing",
    ],
  ];
  for (const [name, input, code, message] of routing) {
    it(`${code}: ${name}`, () => {
      assert.throws(
        () => decide(input, CONFIG),
        (err: unknown) => {
          assert.ok(err instanceof RoutingError, String(err));
          assert.equal(err.code, code);
          assert.equal(err.message, message);
          return true;
        },
      );
    });
  }

  const unconfigured: [string, unknown, Record<string, string | undefined>, string][] = [
    [
      "a drill without any drill variable",
      drillEvent(),
      { NAME_PREFIX: undefined, SCHEDULER_ROLE_ARN: undefined, ALERTS_TOPIC_ARN: undefined },
      "NAME_PREFIX: is not set; drill events need it (alarms do not); SCHEDULER_ROLE_ARN: is not set; drill events need it (alarms do not); " +
        "ALERTS_TOPIC_ARN: is not set; drill events need it (alarms do not)",
    ],
    [
      "a drill without SCHEDULER_ROLE_ARN",
      drillEvent(),
      { SCHEDULER_ROLE_ARN: undefined },
      "SCHEDULER_ROLE_ARN: is not set; drill events need it (alarms do not)",
    ],
    [
      "a drill report without ALERTS_TOPIC_ARN",
      reportEvent(),
      { ALERTS_TOPIC_ARN: undefined },
      "ALERTS_TOPIC_ARN: is not set; drill events need it (alarms do not)",
    ],
  ];
  for (const [name, input, overrides, message] of unconfigured) {
    it(`RouterConfigError: ${name}`, () => {
      const config = configOf({ ...DRILL_ENV, ...overrides });
      assert.throws(
        () => decide(input, config),
        (err: unknown) => err instanceof RouterConfigError && err.message === message,
      );
    });
  }

  it("a drill report needs no NAME_PREFIX (contact names then keep their prefix)", () => {
    const config = configOf({ ...DRILL_ENV, NAME_PREFIX: undefined });
    const decision = decide(reportEvent(), config) as DrillReportDue;
    assert.equal(decision.namePrefix, undefined);
  });
});

// =============================================================================================
describe("router drills: which incidents a report may resolve (pure)", () => {
  const due = decide(reportEvent(), CONFIG) as DrillReportDue;
  const ALARM_INCIDENT = incidentArnOf("prod-critical", "a1a1a1a1");

  // Incident record ARN arn:${Partition}:ssm-incidents::${Account}:incident-record/${ResponsePlan}/
  // ${IncidentRecord} (service authorization reference, Incident Manager resource types).
  const byArn: [string, string, DrillRefusal | undefined][] = [
    ["a record of the critical plan", DRILL_INCIDENT, undefined],
    ["a record of the major plan", incidentArnOf("prod-major", "d2"), undefined],
    [
      "a record of another stack's plan",
      incidentArnOf("dev-critical", "d1"),
      "NOT_THIS_STACKS_PLAN",
    ],
    [
      "a record of the critical plan's name in another account",
      "arn:aws:ssm-incidents::210987654321:incident-record/prod-critical/d1",
      "NOT_THIS_STACKS_PLAN",
    ],
    [
      "a plan name that only starts with the stack's",
      incidentArnOf("prod-critical-2", "d1"),
      "NOT_THIS_STACKS_PLAN",
    ],
  ];
  for (const [name, incidentArn, refusal] of byArn) {
    it(`incident record ARN (service authorization reference): ${name} → ${refusal ?? "allowed"}`, () => {
      assert.equal(drillPlanRefusal({ ...due, incidentArn }), refusal);
    });
  }

  const DRILL_TITLE = `[DRILL] critical paging drill ${SCHEDULED}`;
  const source = {
    createdBy: "arn:aws:iam::123456789012:role/x",
    source: "incident-escalation.prod",
  };
  const drillRecord = { arn: DRILL_INCIDENT, title: DRILL_TITLE, incidentRecordSource: source };
  const byRecord: [string, typeof drillRecord, DrillRefusal | undefined][] = [
    ["the drill's own record", drillRecord, undefined],
    [
      "a live alarm incident ([<level>] <alarm name>)",
      { ...drillRecord, title: "[critical] prod-critical-api-5xx" },
      "NOT_A_DRILL_TITLE",
    ],
    [
      "an alarm named like a drill ([critical] [DRILL] critical paging drill …)",
      { ...drillRecord, title: `[critical] ${DRILL_TITLE}` },
      "NOT_A_DRILL_TITLE",
    ],
    [
      "a drill title of another level",
      { ...drillRecord, title: `[DRILL] major paging drill ${SCHEDULED}` },
      "NOT_A_DRILL_TITLE",
    ],
    [
      "a lower-case [drill] title",
      { ...drillRecord, title: DRILL_TITLE.toLowerCase() },
      "NOT_A_DRILL_TITLE",
    ],
    [
      "a [DRILL] title from another source (started by hand or another tool)",
      { ...drillRecord, incidentRecordSource: { ...source, source: "someone.else" } },
      "OTHER_SOURCE",
    ],
    [
      "a [DRILL] title started by another stack's router",
      { ...drillRecord, incidentRecordSource: { ...source, source: "incident-escalation.dev" } },
      "OTHER_SOURCE",
    ],
    ["the record of another ARN", { ...drillRecord, arn: ALARM_INCIDENT }, "OTHER_INCIDENT"],
  ];
  it("no alarm's incident title can start with [DRILL]: alarms are titled [<level>] and a level named DRILL is refused", () => {
    assert.throws(
      () =>
        configOf({
          ...DRILL_ENV,
          ROUTING_TABLE: JSON.stringify({ DRILL: { impact: 1, responsePlanArn: PLAN_CRITICAL } }),
        }),
      (err: unknown) =>
        err instanceof RouterConfigError &&
        err.message ===
          "ROUTING_TABLE.DRILL: level names must be 1-64 characters of a-z, 0-9, _ or -, not starting with _ or -",
    );
  });

  for (const [name, record, refusal] of byRecord) {
    it(`GetIncidentRecord title and incidentRecordSource.source (ssm-incidents API reference): ${name} → ${refusal ?? "allowed"}`, () => {
      assert.equal(drillRecordRefusal(due, record), refusal);
    });
  }
});

// =============================================================================================
describe("router drills: invokedFunctionArn", () => {
  const accepted = [FUNCTION_ARN, `${FUNCTION_ARN}:live`, `${FUNCTION_ARN}:$LATEST`];
  for (const arn of accepted) {
    it(`accepts ${arn}`, () => {
      assert.equal(invokedFunctionArn({ invokedFunctionArn: arn, awsRequestId: "r" }), arn);
    });
  }
  const rejected: [string, unknown, string][] = [
    ["no context", undefined, "nothing"],
    ["a context without the ARN", {}, "nothing"],
    [
      "a state machine ARN",
      { invokedFunctionArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:x` },
      `"arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:x"`,
    ],
  ];
  for (const [name, context, got] of rejected) {
    it(`MISSING_CONTEXT: ${name}`, () => {
      assert.throws(
        () => invokedFunctionArn(context),
        (err: unknown) =>
          err instanceof RoutingError &&
          err.code === "MISSING_CONTEXT" &&
          err.message ===
            `a drill needs the Lambda context's invokedFunctionArn to schedule its report, got ${got}`,
      );
    });
  }
});

// =============================================================================================
describe("router drills: pure builders", () => {
  it("the report schedule: exact input, within Scheduler's constraints", () => {
    const input = reportScheduleInput(
      drillOf(drillEvent()),
      DRILL_INCIDENT,
      FUNCTION_ARN,
      NOW,
      NOW,
    );
    assert.deepEqual(input, EXPECTED_SCHEDULE);
    assert.deepEqual(scheduleViolations(input), []);
    assert.equal(reportScheduleName(NAME_PREFIX, DRILL_INCIDENT), SCHEDULE_NAME);
    assert.match(SCHEDULE_NAME, /^ie-prod-drill-[0-9a-f]{16}$/);
  });

  it("the report is due in UTC across midnight, to the second", () => {
    const late = new Date("2026-12-31T23:45:59.999Z");
    const input = reportScheduleInput(
      drillOf(drillEvent()),
      DRILL_INCIDENT,
      FUNCTION_ARN,
      late,
      late,
    );
    assert.equal(input.ScheduleExpression, "at(2027-01-01T00:15:59)");
  });

  it("the longest name prefix still yields a 64-character schedule name", () => {
    const prefix = "p".repeat(41);
    const config = configOf({ ...DRILL_ENV, NAME_PREFIX: prefix });
    const decision = decide(drillEvent(), config) as DrillStart;
    const input = reportScheduleInput(decision, DRILL_INCIDENT, FUNCTION_ARN, NOW, NOW);
    assert.equal(input.Name?.length, 64);
    assert.deepEqual(scheduleViolations(input), []);
  });

  const report = (
    outcome: DrillReport["outcome"],
    acknowledged: DrillReport["acknowledged"],
  ): DrillReport => ({
    incidentArn: DRILL_INCIDENT,
    startedAt: NOW.toISOString(),
    acknowledged,
    pages: [],
    engagedContacts: [],
    stagesObserved: 0,
    outcome,
  });
  const titles: [string, DrillReport, string][] = [
    [
      "acknowledged",
      report("acknowledged", { contact: "sato", afterSeconds: 102 }),
      "[DRILL] critical paging drill: acknowledged",
    ],
    [
      "not acknowledged",
      report("not-acknowledged", null),
      "[DRILL] critical paging drill: NOT acknowledged",
    ],
    [
      "delivery errors",
      report("errors", null),
      "[DRILL] critical paging drill: NOT acknowledged, delivery errors",
    ],
  ];
  for (const [name, r, title] of titles) {
    it(`the Chatbot notification when ${name}`, () => {
      assert.deepEqual(JSON.parse(drillNotification("critical", r, "the report")), {
        version: "1.0",
        source: "custom",
        content: { textType: "client-markdown", title, description: "the report" },
      });
    });
  }

  it("a very long report is cut to 8000 characters in Slack", () => {
    const message = JSON.parse(drillNotification("critical", titles[0][1], "x".repeat(20_000))) as {
      content: { description: string };
    };
    assert.equal(message.content.description.length, 8000);
    assert.ok(message.content.description.endsWith("…"));
  });

  it("the observation leaves out receipts of unknown types and carries no undefined fields", () => {
    const due = decide(reportEvent(), CONFIG) as DrillReportDue;
    const observation = drillObservation(
      due,
      { title: "t" },
      [
        {
          engagement: {
            EngagementArn: "arn:aws:ssm-contacts:ap-northeast-1:123456789012:engagement/a/1",
            ContactArn: "arn:aws:ssm-contacts:ap-northeast-1:123456789012:contact/a",
            Sender: "s",
          },
          pages: [
            {
              page: { PageArn: "p", EngagementArn: "e", ContactArn: "c", Sender: "s" },
              receipts: [
                { ReceiptType: "FUTURE" as "SENT", ReceiptTime: NOW },
                { ReceiptType: "SENT", ReceiptTime: NOW },
              ],
            },
          ],
        },
      ],
      NOW,
    );
    assert.deepEqual(observation, {
      incidentArn: DRILL_INCIDENT,
      title: "t",
      startedAt: NOW.toISOString(),
      observedAt: NOW.toISOString(),
      engagements: [
        {
          contactArn: "arn:aws:ssm-contacts:ap-northeast-1:123456789012:contact/a",
          engagementArn: "arn:aws:ssm-contacts:ap-northeast-1:123456789012:engagement/a/1",
        },
      ],
      pages: [
        {
          contactArn: "c",
          engagementArn: "e",
          pageArn: "p",
          receipts: [{ type: "SENT", at: NOW.toISOString() }],
        },
      ],
    });
  });
});

// =============================================================================================
describe("router drills: handler (aws-sdk-client-mock)", () => {
  // ssm-contacts 3.523 is declared against @smithy/types 2 (see router.spec.ts): cast the bridge.
  const mockContacts = (): AwsStub<ContactsInput, ContactsOutput, unknown> =>
    mockClient(
      SSMContactsClient as unknown as Parameters<typeof mockClient>[0],
    ) as unknown as AwsStub<ContactsInput, ContactsOutput, unknown>;
  const ListEngagements = ListEngagementsCommand as unknown as new (
    input: ListEngagementsCommandInput,
  ) => AwsCommand<ListEngagementsCommandInput, ListEngagementsCommandOutput>;
  const ListPagesByEngagement = ListPagesByEngagementCommand as unknown as new (
    input: ListPagesByEngagementCommandInput,
  ) => AwsCommand<ListPagesByEngagementCommandInput, ListPagesByEngagementCommandOutput>;
  const ListPageReceipts = ListPageReceiptsCommand as unknown as new (
    input: ListPageReceiptsCommandInput,
  ) => AwsCommand<ListPageReceiptsCommandInput, ListPageReceiptsCommandOutput>;
  const mockIncidents = () => mockClient(SSMIncidentsClient);
  const mockScheduler = () => mockClient(SchedulerClient);
  const mockSns = () => mockClient(SNSClient);

  let incidents: ReturnType<typeof mockIncidents>;
  let contacts: ReturnType<typeof mockContacts>;
  let scheduler: ReturnType<typeof mockScheduler>;
  let sns: ReturnType<typeof mockSns>;
  let router: HandlerModule;
  let logs: Record<string, unknown>[];
  const realLog = console.log;
  const realNow = Date.now;
  const context = { invokedFunctionArn: FUNCTION_ARN, awsRequestId: "req-1" };

  // The report: 30 minutes after the start, the escalation plan engaged sato, who read the page.
  const REPORT_NOW = new Date("2026-12-07T01:30:03.000Z");
  const contactArn = (alias: string) =>
    `arn:aws:ssm-contacts:${REGION}:${ACCOUNT}:contact/${alias}`;
  const ESCALATION = `arn:aws:ssm-contacts:${REGION}:${ACCOUNT}:engagement/ie-prod-escalation/e0`;
  const SATO = `arn:aws:ssm-contacts:${REGION}:${ACCOUNT}:engagement/ie-prod-sato/e1`;
  const PAGE = `arn:aws:ssm-contacts:${REGION}:${ACCOUNT}:page/ie-prod-sato/p1`;
  const CHANNEL = `arn:aws:ssm-contacts:${REGION}:${ACCOUNT}:contact-channel/ie-prod-sato/c1`;
  const at = (time: string) => new Date(`2026-12-07T${time}Z`);

  function record(status: "OPEN" | "RESOLVED"): IncidentRecord {
    return {
      arn: DRILL_INCIDENT,
      creationTime: at("01:00:04.000"),
      dedupeString: "x",
      impact: 1,
      incidentRecordSource: {
        createdBy: "arn:aws:iam::123456789012:role/x",
        source: "incident-escalation.prod",
      },
      lastModifiedBy: "arn:aws:iam::123456789012:role/x",
      lastModifiedTime: at("01:00:04.000"),
      status,
      title: `[DRILL] critical paging drill ${SCHEDULED}`,
    };
  }

  /** What the handler must make of the listings below. */
  const OBSERVATION: DrillObservation = {
    incidentArn: DRILL_INCIDENT,
    title: `[DRILL] critical paging drill ${SCHEDULED}`,
    startedAt: "2026-12-07T01:00:04.000Z",
    observedAt: REPORT_NOW.toISOString(),
    engagements: [
      {
        contactArn: contactArn("ie-prod-escalation"),
        engagementArn: ESCALATION,
        startedAt: "2026-12-07T01:00:04.000Z",
      },
      {
        contactArn: contactArn("ie-prod-sato"),
        engagementArn: SATO,
        startedAt: "2026-12-07T01:00:05.000Z",
        stoppedAt: "2026-12-07T01:01:46.000Z",
      },
    ],
    pages: [
      {
        contactArn: contactArn("ie-prod-sato"),
        engagementArn: SATO,
        pageArn: PAGE,
        sentAt: "2026-12-07T01:00:06.000Z",
        deliveredAt: "2026-12-07T01:00:10.000Z",
        readAt: "2026-12-07T01:01:46.000Z",
        receipts: [
          { type: "SENT", at: "2026-12-07T01:00:06.000Z", channelArn: CHANNEL },
          {
            type: "DELIVERED",
            at: "2026-12-07T01:00:10.000Z",
            channelArn: CHANNEL,
            info: "delivered to +819000000001",
          },
          { type: "READ", at: "2026-12-07T01:01:46.000Z", channelArn: CHANNEL },
        ],
      },
    ],
  };

  function listings(): void {
    contacts
      .on(ListEngagements)
      .resolvesOnce({
        Engagements: [
          {
            EngagementArn: ESCALATION,
            ContactArn: contactArn("ie-prod-escalation"),
            Sender: "incident-escalation",
            IncidentId: DRILL_INCIDENT,
            StartTime: at("01:00:04.000"),
          },
        ],
        NextToken: "engagements-2",
      })
      .resolvesOnce({
        Engagements: [
          {
            EngagementArn: SATO,
            ContactArn: contactArn("ie-prod-sato"),
            Sender: "incident-escalation",
            IncidentId: DRILL_INCIDENT,
            StartTime: at("01:00:05.000"),
            StopTime: at("01:01:46.000"),
          },
        ],
      });
    contacts.on(ListPagesByEngagement, { EngagementId: ESCALATION }).resolves({ Pages: [] });
    contacts.on(ListPagesByEngagement, { EngagementId: SATO }).resolves({
      Pages: [
        {
          PageArn: PAGE,
          EngagementArn: SATO,
          ContactArn: contactArn("ie-prod-sato"),
          Sender: "incident-escalation",
          IncidentId: DRILL_INCIDENT,
          SentTime: at("01:00:06.000"),
          DeliveryTime: at("01:00:10.000"),
          ReadTime: at("01:01:46.000"),
        },
      ],
    });
    contacts
      .on(ListPageReceipts, { PageId: PAGE })
      .resolvesOnce({
        Receipts: [
          { ContactChannelArn: CHANNEL, ReceiptType: "SENT", ReceiptTime: at("01:00:06.000") },
          {
            ContactChannelArn: CHANNEL,
            ReceiptType: "DELIVERED",
            ReceiptInfo: "delivered to +819000000001",
            ReceiptTime: at("01:00:10.000"),
          },
        ],
        NextToken: "receipts-2",
      })
      .resolvesOnce({
        Receipts: [
          { ContactChannelArn: CHANNEL, ReceiptType: "READ", ReceiptTime: at("01:01:46.000") },
        ],
      });
  }

  function contactsInputs(): [string, unknown][] {
    return contacts.calls().map((c) => {
      const command = c.args[0] as unknown as { constructor: { name: string }; input: object };
      const operation = command.constructor.name.replace(/Command$/, "");
      assert.deepEqual(
        checkOperationInput("ssm-contacts", operation, command.input),
        [],
        operation,
      );
      return [operation, command.input];
    });
  }

  function incidentsInputs(): [string, unknown][] {
    return incidents.calls().map((c) => {
      const command = c.args[0] as unknown as { constructor: { name: string }; input: object };
      const operation = command.constructor.name.replace(/Command$/, "");
      assert.deepEqual(
        checkOperationInput("ssm-incidents", operation, command.input),
        [],
        operation,
      );
      return [operation, command.input];
    });
  }

  before(async () => {
    incidents = mockIncidents();
    contacts = mockContacts();
    scheduler = mockScheduler();
    sns = mockSns();
    router = await loadHandler(DRILL_ENV);
  });
  after(() => {
    incidents.restore();
    contacts.restore();
    scheduler.restore();
    sns.restore();
  });
  beforeEach(() => {
    incidents.reset();
    contacts.reset();
    scheduler.reset();
    sns.reset();
    incidents.on(StartIncidentCommand).resolves({ incidentRecordArn: DRILL_INCIDENT });
    incidents
      .on(CreateTimelineEventCommand)
      .resolves({ eventId: "e-1", incidentRecordArn: DRILL_INCIDENT });
    incidents.on(UpdateIncidentRecordCommand).resolves({});
    scheduler.on(CreateScheduleCommand).resolves({
      ScheduleArn: `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/default/${SCHEDULE_NAME}`,
    });
    sns.on(PublishCommand).resolves({ MessageId: "m-1" });
    logs = [];
    console.log = (line: unknown) => logs.push(JSON.parse(String(line)) as Record<string, unknown>);
    Date.now = () => NOW.getTime();
  });
  afterEach(() => {
    console.log = realLog;
    Date.now = realNow;
  });

  it("drill start: exactly one StartIncident and one CreateSchedule, exact inputs; one log line", async () => {
    const result = await router.handler(drillEvent(), context);
    assert.deepEqual(result, {
      decision: "drill",
      incidentArn: DRILL_INCIDENT,
      schedule: SCHEDULE_NAME,
      scheduleCreated: true,
    });
    assert.deepEqual(incidentsInputs(), [["StartIncident", EXPECTED_INCIDENT]]);
    const schedules = scheduler.commandCalls(CreateScheduleCommand).map((c) => c.args[0].input);
    assert.deepEqual(schedules, [EXPECTED_SCHEDULE]);
    assert.deepEqual(scheduleViolations(schedules[0]), []);
    assert.deepEqual(contacts.calls(), []);
    assert.deepEqual(logs, [
      {
        alertLevel: "critical",
        alarmName: null,
        decision: "drill",
        incidentArn: DRILL_INCIDENT,
        schedule: SCHEDULE_NAME,
        scheduleCreated: true,
      },
    ]);
  });

  it("drill start retried after the schedule was created: ConflictException is fine", async () => {
    scheduler.on(CreateScheduleCommand).rejects(
      new ConflictException({
        message: "Schedule already exists",
        Message: "Schedule already exists",
        $metadata: { httpStatusCode: 409 },
      }),
    );
    const result = await router.handler(drillEvent(), context);
    assert.deepEqual(result, {
      decision: "drill",
      incidentArn: DRILL_INCIDENT,
      schedule: SCHEDULE_NAME,
      scheduleCreated: false,
    });
  });

  it("drill start with CreateSchedule failing otherwise: rejects (Lambda retries; same clientToken)", async () => {
    const failure = new Error("AccessDenied");
    scheduler.on(CreateScheduleCommand).rejects(failure);
    await assert.rejects(router.handler(drillEvent(), context), (err: unknown) => err === failure);
    await assert.rejects(router.handler(drillEvent(), context));
    const [a, b] = incidents.commandCalls(StartIncidentCommand).map((c) => c.args[0].input);
    assert.equal(b.clientToken, a.clientToken);
  });

  it("drill start without the Lambda context: MISSING_CONTEXT before anything starts", async () => {
    await assert.rejects(
      router.handler(drillEvent()),
      (err: unknown) => err instanceof RoutingError && err.code === "MISSING_CONTEXT",
    );
    assert.equal(incidents.calls().length + scheduler.calls().length, 0);
    assert.deepEqual(logs, [
      {
        alertLevel: "critical",
        alarmName: null,
        decision: "error",
        error: "RoutingError",
        code: "MISSING_CONTEXT",
        message:
          "a drill needs the Lambda context's invokedFunctionArn to schedule its report, got nothing",
      },
    ]);
  });

  it("drill start without SCHEDULER_ROLE_ARN: a RouterConfigError naming it, nothing started; alarms still page", async () => {
    const unconfigured = await loadHandler({ ...DRILL_ENV, SCHEDULER_ROLE_ARN: undefined });
    await assert.rejects(unconfigured.handler(drillEvent(), context), (err: unknown) => {
      assert.ok(err instanceof RouterConfigError);
      assert.equal(
        err.message,
        "SCHEDULER_ROLE_ARN: is not set; drill events need it (alarms do not)",
      );
      return true;
    });
    assert.equal(incidents.calls().length + scheduler.calls().length, 0);
    assert.deepEqual(logs.at(-1), {
      alertLevel: "critical",
      alarmName: null,
      decision: "error",
      error: "RouterConfigError",
      message: "SCHEDULER_ROLE_ARN: is not set; drill events need it (alarms do not)",
    });
    const { routerInput } = await import("./fixtures/routerFixtures");
    assert.equal((await unconfigured.handler(routerInput("critical"))).decision, "page");
  });

  it("drill report: lists everything (following NextToken), notes, resolves, publishes; exact inputs", async () => {
    Date.now = () => REPORT_NOW.getTime();
    incidents.on(GetIncidentRecordCommand).resolves({ incidentRecord: record("OPEN") });
    listings();
    const result = await router.handler(reportEvent());

    const text = renderDrillReport(buildDrillReport(OBSERVATION, {}, NAME_PREFIX));
    assert.match(text, /acknowledged by sato/);
    assert.ok(
      !text.includes("+819000000001"),
      "the provider's receipt text never reaches the report",
    );
    assert.deepEqual(result, {
      decision: "drill-report",
      incidentArn: DRILL_INCIDENT,
      outcome: "acknowledged",
      pages: 1,
      resolved: true,
    });

    assert.deepEqual(contactsInputs(), [
      ["ListEngagements", { IncidentId: DRILL_INCIDENT }],
      ["ListEngagements", { IncidentId: DRILL_INCIDENT, NextToken: "engagements-2" }],
      ["ListPagesByEngagement", { EngagementId: ESCALATION }],
      ["ListPagesByEngagement", { EngagementId: SATO }],
      ["ListPageReceipts", { PageId: PAGE }],
      ["ListPageReceipts", { PageId: PAGE, NextToken: "receipts-2" }],
    ]);
    assert.deepEqual(incidentsInputs(), [
      ["GetIncidentRecord", { arn: DRILL_INCIDENT }],
      [
        "CreateTimelineEvent",
        {
          clientToken: sha256(`drill-report|${DRILL_INCIDENT}`),
          incidentRecordArn: DRILL_INCIDENT,
          eventTime: REPORT_NOW,
          eventType: "Custom Event",
          eventData: text,
        },
      ],
      [
        "UpdateIncidentRecord",
        {
          arn: DRILL_INCIDENT,
          status: "RESOLVED",
          clientToken: sha256(`drill-resolve|${DRILL_INCIDENT}`),
        },
      ],
    ]);
    assert.deepEqual(
      sns.commandCalls(PublishCommand).map((c) => c.args[0].input),
      [
        {
          TopicArn: ALERTS_TOPIC_ARN,
          Message: JSON.stringify({
            version: "1.0",
            source: "custom",
            content: {
              textType: "client-markdown",
              title: "[DRILL] critical paging drill: acknowledged",
              description: text,
            },
          }),
        },
      ],
    );
    assert.deepEqual(logs, [
      {
        alertLevel: "critical",
        alarmName: null,
        decision: "drill-report",
        incidentArn: DRILL_INCIDENT,
        outcome: "acknowledged",
        pages: 1,
        resolved: true,
      },
    ]);
  });

  it("drill report on an incident already resolved (by hand, or an earlier attempt): no second resolve", async () => {
    incidents.on(GetIncidentRecordCommand).resolves({ incidentRecord: record("RESOLVED") });
    listings();
    const result = await router.handler(reportEvent());
    assert.equal((result as { resolved: boolean }).resolved, false);
    assert.deepEqual(incidents.commandCalls(UpdateIncidentRecordCommand), []);
    assert.equal(sns.commandCalls(PublishCommand).length, 1);
  });

  /** Exactly what a refused report may do: at most read the record; one log line; no retry. */
  async function assertRefused(
    event: unknown,
    incidentArn: string,
    reason: DrillRefusal,
    message: string,
    reads: [string, unknown][],
  ): Promise<void> {
    const result = await router.handler(event);
    assert.deepEqual(result, { decision: "drill-report-refused", incidentArn, reason });
    assert.deepEqual(incidentsInputs(), reads);
    assert.deepEqual(contacts.calls().length + scheduler.calls().length + sns.calls().length, 0);
    assert.deepEqual(logs, [
      {
        alertLevel: "critical",
        alarmName: null,
        decision: "drill-report-refused",
        incidentArn,
        reason,
        message,
      },
    ]);
  }

  it("drill report for a real incident (GetIncidentRecord title '[critical] <alarm>'): resolves nothing, notes nothing, posts nothing; refused for good", async () => {
    const LIVE = incidentArnOf("prod-critical", "a1a1a1a1");
    incidents.on(GetIncidentRecordCommand).resolves({
      incidentRecord: { ...record("OPEN"), arn: LIVE, title: "[critical] prod-critical-api-5xx" },
    });
    listings();
    await assertRefused(
      reportEvent({ incidentArn: LIVE }),
      LIVE,
      "NOT_A_DRILL_TITLE",
      "drill report refused: the incident's title does not start with this level's drill title; nothing resolved",
      [["GetIncidentRecord", { arn: LIVE }]],
    );
  });

  it("drill report for a [DRILL]-titled incident whose GetIncidentRecord incidentRecordSource.source is not INCIDENT_SOURCE: refused", async () => {
    incidents.on(GetIncidentRecordCommand).resolves({
      incidentRecord: {
        ...record("OPEN"),
        incidentRecordSource: {
          createdBy: "arn:aws:iam::123456789012:role/x",
          source: "someone.else",
        },
      },
    });
    await assertRefused(
      reportEvent(),
      DRILL_INCIDENT,
      "OTHER_SOURCE",
      "drill report refused: the incident's source is not the INCIDENT_SOURCE drills start with; nothing resolved",
      [["GetIncidentRecord", { arn: DRILL_INCIDENT }]],
    );
  });

  it("drill report for another stack's incident: refused before any call (not even GetIncidentRecord)", async () => {
    const OTHER = incidentArnOf("dev-critical", "d1d1d1d1");
    await assertRefused(
      reportEvent({ incidentArn: OTHER }),
      OTHER,
      "NOT_THIS_STACKS_PLAN",
      "drill report refused: the incident is not under one of this stack's paging response plans; nothing resolved",
      [],
    );
  });

  it("drill report for an incident GetIncidentRecord does not find (ResourceNotFoundException): refused, not retried", async () => {
    incidents
      .on(GetIncidentRecordCommand)
      .rejects(
        new ResourceNotFoundException({ message: "Incident record not found", $metadata: {} }),
      );
    await assertRefused(
      reportEvent(),
      DRILL_INCIDENT,
      "INCIDENT_NOT_FOUND",
      "drill report refused: GetIncidentRecord found no such incident; nothing resolved",
      [["GetIncidentRecord", { arn: DRILL_INCIDENT }]],
    );
  });

  it("drill report with GetIncidentRecord failing otherwise: rejects (Lambda retries), nothing changed", async () => {
    const failure = new Error("ThrottlingException");
    incidents.on(GetIncidentRecordCommand).rejects(failure);
    await assert.rejects(router.handler(reportEvent()), (err: unknown) => err === failure);
    assert.equal(incidents.calls().length, 1);
    assert.equal(contacts.calls().length + sns.calls().length, 0);
  });

  it("drill report with nobody paged: 'No pages were sent', NOT acknowledged", async () => {
    incidents.on(GetIncidentRecordCommand).resolves({ incidentRecord: record("OPEN") });
    contacts.on(ListEngagements).resolves({ Engagements: [] });
    await router.handler(reportEvent());
    const [publish] = sns.commandCalls(PublishCommand).map(
      (c) =>
        JSON.parse(c.args[0].input.Message ?? "") as {
          content: { title: string; description: string };
        },
    );
    assert.equal(publish.content.title, "[DRILL] critical paging drill: NOT acknowledged");
    assert.match(publish.content.description, /No pages were sent\./);
  });

  it("drill report with publishing failing: rejects after the idempotent steps (a retry posts once)", async () => {
    incidents.on(GetIncidentRecordCommand).resolves({ incidentRecord: record("OPEN") });
    listings();
    const failure = new Error("KMS key disabled");
    sns.on(PublishCommand).rejects(failure);
    await assert.rejects(router.handler(reportEvent()), (err: unknown) => err === failure);
    assert.equal(incidents.commandCalls(UpdateIncidentRecordCommand).length, 1);
  });

  it("drill report without ALERTS_TOPIC_ARN: a RouterConfigError naming it, nothing read", async () => {
    const unconfigured = await loadHandler({
      ...ENV,
      DEDUPE_TABLE: undefined,
      NAME_PREFIX: NAME_PREFIX,
      SCHEDULER_ROLE_ARN: SCHEDULER_ROLE_ARN,
      ALERTS_TOPIC_ARN: undefined,
    });
    await assert.rejects(
      unconfigured.handler(reportEvent()),
      (err: unknown) =>
        err instanceof RouterConfigError &&
        err.message === "ALERTS_TOPIC_ARN: is not set; drill events need it (alarms do not)",
    );
    assert.equal(incidents.calls().length + contacts.calls().length + sns.calls().length, 0);
  });
});
