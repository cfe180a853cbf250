/**
 * Drills (handlers/drill/): `decideDrill` on drill and drill-report events (exact decisions and
 * errors), `parseDrillEnv`, the pure builders (StartIncident, observation, timeline event,
 * resolution, stops, Chatbot notification), which incidents a report may touch, and the drill
 * Lambda (createHandler, injected clients, clock and log) against aws-sdk-client-mock: a drill
 * start sends exactly one StartIncident; a drill report lists engagements → pages → receipts
 * (following NextToken), notes the report on the timeline, resolves the incident, stops the
 * engagements still running and publishes the report; a report naming anything but this stack's
 * drill (a live alarm incident, another stack's plan, a deleted incident) is refused after at most
 * GetIncidentRecord, with one log line. ssm-incidents and ssm-contacts inputs are checked against
 * the API models. (Moved from tests/handlers/router.drill.spec.ts when drills left the router;
 * the report schedule's cases went with the one-time schedule, replaced by the workflow's spec in
 * tests/components/drills.spec.ts.)
 *
 * What this spec does NOT prove:
 * - that Step Functions passes the events in this shape (the workflow definition is validated by
 *   asl-validator in tests/components/drills.spec.ts, not executed against AWS), or that
 *   Scheduler substitutes `<aws.scheduler.scheduled-time>` as documented.
 * - that AWS Chatbot renders the custom notification as intended (only its documented shape).
 * - the report's wording: handlers/shared/drillReport.ts owns it; here the report is built from
 *   an exactly asserted observation, so the test proves what the drill function feeds it.
 * - that Incident Manager records StartIncident's `title` and `triggerDetails.source` as
 *   GetIncidentRecord's `title` and `incidentRecordSource.source` (the API reference describes
 *   both as what started the incident; the records here are hand-written in that shape), or that
 *   nobody retitles a live incident "[DRILL] …" by hand.
 */
import { strict as assert } from "node:assert";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import {
  ListEngagementsCommand,
  ListPageReceiptsCommand,
  ListPagesByEngagementCommand,
  SSMContactsClient,
  StopEngagementCommand,
  type ListEngagementsCommandInput,
  type ListEngagementsCommandOutput,
  type ListPageReceiptsCommandInput,
  type ListPageReceiptsCommandOutput,
  type ListPagesByEngagementCommandInput,
  type ListPagesByEngagementCommandOutput,
  type ServiceInputTypes as ContactsInput,
  type ServiceOutputTypes as ContactsOutput,
  type StopEngagementCommandInput,
  type StopEngagementCommandOutput,
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
import { MAX_LIST_REQUESTS } from "../../handlers/drill/aws";
import {
  drillNotification,
  drillObservation,
  drillPlanRefusal,
  drillRecordRefusal,
  type DrillRefusal,
} from "../../handlers/drill/core";
import {
  DrillConfigError,
  DrillInputError,
  decideDrill,
  parseDrillEnv,
  type DrillDecision,
} from "../../handlers/drill/events";
import { createHandler, type DrillResult } from "../../handlers/drill/handler";
import {
  buildDrillReport,
  renderDrillReport,
  type DrillObservation,
  type DrillReport,
} from "../../handlers/shared/drillReport";
import { checkOperationInput } from "../support/apiModel";

const ACCOUNT = "123456789012";
const REGION = "ap-northeast-1";
const PLAN_CRITICAL = `arn:aws:ssm-incidents::${ACCOUNT}:response-plan/prod-critical`;
const PLAN_MAJOR = `arn:aws:ssm-incidents::${ACCOUNT}:response-plan/prod-major`;
const NAME_PREFIX = "ie-prod";
const ALERTS_TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:ie-prod-alerts`;
const incidentArnOf = (plan: string, id: string): string =>
  `arn:aws:ssm-incidents::${ACCOUNT}:incident-record/${plan}/${id}`;

const ENV = {
  DRILL_LEVELS: JSON.stringify({
    critical: { impact: 1, responsePlanArn: PLAN_CRITICAL },
    major: { impact: 2, responsePlanArn: PLAN_MAJOR },
  }),
  NAME_PREFIX,
  ALERTS_TOPIC_ARN,
};
const CONFIG = parseDrillEnv(ENV);

const SCHEDULED = "2026-12-07T01:00:00Z";
/** The drill start runs 3 s after the scheduled time. */
const NOW = new Date("2026-12-07T01:00:03.000Z");
const DRILL_INCIDENT = incidentArnOf("prod-critical", "d1d1d1d1");
const drillEvent = (fields: Record<string, unknown> = {}) => ({
  drill: { level: "critical", scheduledTime: SCHEDULED, ...fields },
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
  // sha256("drill|ie-prod|critical|2026-12-07T01:00:00.000Z")
  clientToken: "e01c44cb44ad6ac56e4442650c38c88d34640231dd8b49ad00917fc7d977c9d6",
  responsePlanArn: PLAN_CRITICAL,
  impact: 1,
  title: `[DRILL] critical paging drill ${SCHEDULED}`,
  triggerDetails: {
    source: "incident-escalation.drill",
    timestamp: new Date(SCHEDULED),
    rawData: '{"drill":{"level":"critical","runAt":"2026-12-07T01:00:00.000Z"}}',
  },
};
/** sha256("drill-report|<DRILL_INCIDENT>") and sha256("drill-resolve|<DRILL_INCIDENT>"). */
const REPORT_TOKEN = "1ebf32e5c716093861198fa69ea6af69bdda35860cc84208920113138167b1bf";
const RESOLVE_TOKEN = "8c96aaa3c4fe0d15e746e044825a14e5fa2c2ca00575fcc0728c52124c0b9c78";

type Start = Extract<DrillDecision, { kind: "start" }>;
type Report = Extract<DrillDecision, { kind: "report" }>;

// =============================================================================================
describe("drills: decide", () => {
  it("a drill: the [DRILL] StartIncident on the level's plan, conforming to the model", () => {
    const decision = decideDrill(drillEvent(), CONFIG) as Start;
    assert.equal(decision.kind, "start");
    assert.deepEqual(decision.start, {
      prefix: NAME_PREFIX,
      level: "critical",
      impact: 1,
      responsePlanArn: PLAN_CRITICAL,
      title: `[DRILL] critical paging drill ${SCHEDULED}`,
      runAt: new Date(SCHEDULED),
    });
  });

  it("a drill report: the level, incident and start as given, with the stack's paging plans", () => {
    assert.deepEqual(decideDrill(reportEvent(), CONFIG), {
      kind: "report",
      level: "critical",
      incidentArn: DRILL_INCIDENT,
      startedAt: NOW.toISOString(),
      responsePlanArns: [PLAN_CRITICAL, PLAN_MAJOR],
    });
  });

  it("a drill report for a level that no longer pages is still reported", () => {
    assert.equal(decideDrill(reportEvent({ level: "retired" }), CONFIG).kind, "report");
  });

  const cases: [string, unknown, string, string][] = [
    [
      "neither a drill nor a report",
      { level: "critical" },
      "MALFORMED_EVENT",
      'event: expected an object with "drill" or "drillReport", got an object',
    ],
    [
      "a drill that is not an object",
      { drill: "critical" },
      "MALFORMED_EVENT",
      'drill: expected an object, got "critical"',
    ],
    [
      "an unknown level",
      drillEvent({ level: "debug" }),
      "NOT_A_DRILL_LEVEL",
      'drill.level "debug" is not a paging level of this stack (paging levels: critical, major)',
    ],
    [
      "a numeric level",
      drillEvent({ level: 1 }),
      "MALFORMED_EVENT",
      "drill.level: expected a string, got 1",
    ],
    [
      "a level that opens no incident (not in DRILL_LEVELS)",
      drillEvent({ level: "warning" }),
      "NOT_A_DRILL_LEVEL",
      'drill.level "warning" is not a paging level of this stack (paging levels: critical, major)',
    ],
    [
      "a level named like an Object.prototype member",
      drillEvent({ level: "constructor" }),
      "NOT_A_DRILL_LEVEL",
      'drill.level "constructor" is not a paging level of this stack (paging levels: critical, major)',
    ],
    [
      "Scheduler's placeholder left unfilled",
      drillEvent({ scheduledTime: "<aws.scheduler.scheduled-time>" }),
      "MALFORMED_EVENT",
      'drill.scheduledTime: expected an ISO 8601 timestamp like 2026-12-07T01:00:00Z, got "<aws.scheduler.scheduled-time>"',
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
  for (const [name, input, code, message] of cases) {
    it(`${code}: ${name}`, () => {
      assert.throws(
        () => decideDrill(input, CONFIG),
        (err: unknown) => {
          assert.ok(err instanceof DrillInputError, String(err));
          assert.equal(err.code, code);
          assert.equal(err.message, message);
          return true;
        },
      );
    });
  }
});

describe("drills: parseDrillEnv", () => {
  const bad: [string, Record<string, string | undefined>, string][] = [
    [
      "nothing set",
      {},
      "DRILL_LEVELS: is not set; NAME_PREFIX: is not set; ALERTS_TOPIC_ARN: is not set",
    ],
    ["DRILL_LEVELS not JSON", { ...ENV, DRILL_LEVELS: "{" }, "DRILL_LEVELS: is not JSON"],
    [
      "DRILL_LEVELS empty",
      { ...ENV, DRILL_LEVELS: "{}" },
      'DRILL_LEVELS: expected an object {"<level>": {impact, responsePlanArn}}',
    ],
    [
      "a level named DRILL (so no alarm's title can start with [DRILL])",
      {
        ...ENV,
        DRILL_LEVELS: JSON.stringify({ DRILL: { impact: 1, responsePlanArn: PLAN_CRITICAL } }),
      },
      "DRILL_LEVELS.DRILL: not a level name",
    ],
    [
      "impact 6",
      {
        ...ENV,
        DRILL_LEVELS: JSON.stringify({ critical: { impact: 6, responsePlanArn: PLAN_CRITICAL } }),
      },
      "DRILL_LEVELS.critical.impact: expected an integer 1-5",
    ],
    [
      "a contact ARN as plan",
      {
        ...ENV,
        DRILL_LEVELS: JSON.stringify({
          critical: {
            impact: 1,
            responsePlanArn: `arn:aws:ssm-contacts:${REGION}:${ACCOUNT}:contact/x`,
          },
        }),
      },
      "DRILL_LEVELS.critical.responsePlanArn: expected a response plan ARN",
    ],
    [
      "a FIFO topic",
      { ...ENV, ALERTS_TOPIC_ARN: `${ALERTS_TOPIC_ARN}.fifo` },
      `ALERTS_TOPIC_ARN: expected an SNS topic ARN, got "${ALERTS_TOPIC_ARN}.fifo"`,
    ],
  ];
  for (const [name, env, message] of bad) {
    it(`DrillConfigError: ${name}`, () => {
      assert.throws(
        () => parseDrillEnv(env),
        (err: unknown) => err instanceof DrillConfigError && err.message === message,
      );
    });
  }
});

// =============================================================================================
describe("drills: which incidents a report may resolve (pure)", () => {
  const due = decideDrill(reportEvent(), CONFIG) as Report;
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
      assert.equal(drillPlanRefusal(incidentArn, due.responsePlanArns), refusal);
    });
  }

  const DRILL_TITLE = `[DRILL] critical paging drill ${SCHEDULED}`;
  const source = {
    createdBy: "arn:aws:iam::123456789012:role/x",
    source: "incident-escalation.drill",
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
      "a [DRILL] title started by a stack's router (alarm source incident-escalation.<stack>)",
      { ...drillRecord, incidentRecordSource: { ...source, source: "incident-escalation.prod" } },
      "OTHER_SOURCE",
    ],
    ["the record of another ARN", { ...drillRecord, arn: ALARM_INCIDENT }, "OTHER_INCIDENT"],
  ];
  for (const [name, record, refusal] of byRecord) {
    it(`GetIncidentRecord title and incidentRecordSource.source (ssm-incidents API reference): ${name} → ${refusal ?? "allowed"}`, () => {
      assert.equal(drillRecordRefusal(due, record), refusal);
    });
  }
});

// =============================================================================================
describe("drills: pure builders", () => {
  const report = (
    outcome: DrillReport["outcome"],
    acknowledged: DrillReport["acknowledged"],
  ): DrillReport => ({
    incidentArn: DRILL_INCIDENT,
    startedAt: NOW.toISOString(),
    acknowledged,
    pages: [],
    people: [],
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

  it("the observation leaves out receipts of unknown types (filtered, never cast) and carries no undefined fields", () => {
    const observation = drillObservation(
      { incidentArn: DRILL_INCIDENT, title: "t", startedAt: NOW },
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
describe("drills: handler (aws-sdk-client-mock, injected clock and log)", () => {
  // The handler's own client instances are mocked (never the classes: a class stub wraps the
  // prototype for every spec file of the run), in before() and restored in after().
  const incidentsClient = new SSMIncidentsClient({ region: REGION });
  const contactsClient = new SSMContactsClient({ region: REGION });
  const snsClient = new SNSClient({ region: REGION });
  // ssm-contacts is declared against another @smithy/types (see router.spec.ts): cast the bridge.
  const mockContacts = (): AwsStub<ContactsInput, ContactsOutput, unknown> =>
    mockClient(contactsClient as unknown as Parameters<typeof mockClient>[0]) as unknown as AwsStub<
      ContactsInput,
      ContactsOutput,
      unknown
    >;
  const mockIncidents = () => mockClient(incidentsClient);
  const mockSns = () => mockClient(snsClient);
  const ListEngagements = ListEngagementsCommand as unknown as new (
    input: ListEngagementsCommandInput,
  ) => AwsCommand<ListEngagementsCommandInput, ListEngagementsCommandOutput>;
  const ListPagesByEngagement = ListPagesByEngagementCommand as unknown as new (
    input: ListPagesByEngagementCommandInput,
  ) => AwsCommand<ListPagesByEngagementCommandInput, ListPagesByEngagementCommandOutput>;
  const ListPageReceipts = ListPageReceiptsCommand as unknown as new (
    input: ListPageReceiptsCommandInput,
  ) => AwsCommand<ListPageReceiptsCommandInput, ListPageReceiptsCommandOutput>;
  const StopEngagement = StopEngagementCommand as unknown as new (
    input: StopEngagementCommandInput,
  ) => AwsCommand<StopEngagementCommandInput, StopEngagementCommandOutput>;

  let incidents: ReturnType<typeof mockIncidents>;
  let contacts: ReturnType<typeof mockContacts>;
  let sns: ReturnType<typeof mockSns>;
  before(() => {
    incidents = mockIncidents();
    contacts = mockContacts();
    sns = mockSns();
  });
  after(() => {
    incidents.restore();
    contacts.restore();
    sns.restore();
  });

  let logs: Record<string, unknown>[];
  let clock: Date;
  let handler: (event: unknown) => Promise<DrillResult>;
  const wire = (env: Record<string, string | undefined> = ENV) =>
    createHandler({
      config: parseDrillEnv(env),
      incidents: incidentsClient,
      contacts: contactsClient,
      sns: snsClient,
      now: () => clock,
      log: (fields) => logs.push({ ...fields }),
    });

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
        source: "incident-escalation.drill",
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

  function inputsOf(
    service: "ssm-contacts" | "ssm-incidents",
    stub: { calls(): { args: unknown[] }[] },
  ): [string, unknown][] {
    return stub.calls().map((c) => {
      const command = c.args[0] as { constructor: { name: string }; input: object };
      const operation = command.constructor.name.replace(/Command$/, "");
      assert.deepEqual(checkOperationInput(service, operation, command.input), [], operation);
      return [operation, command.input];
    });
  }
  const contactsInputs = () => inputsOf("ssm-contacts", contacts);
  const incidentsInputs = () => inputsOf("ssm-incidents", incidents);

  beforeEach(() => {
    incidents.reset();
    contacts.reset();
    sns.reset();
    incidents.on(StartIncidentCommand).resolves({ incidentRecordArn: DRILL_INCIDENT });
    incidents
      .on(CreateTimelineEventCommand)
      .resolves({ eventId: "e-1", incidentRecordArn: DRILL_INCIDENT });
    incidents.on(UpdateIncidentRecordCommand).resolves({});
    contacts.on(StopEngagement).resolves({});
    sns.on(PublishCommand).resolves({ MessageId: "m-1" });
    logs = [];
    clock = NOW;
    handler = wire();
  });

  it("drill start: exactly one StartIncident, exact input; returns what the workflow's Wait and Report read; one log line", async () => {
    const result = await handler(drillEvent());
    assert.deepEqual(result, {
      decision: "drill",
      incidentArn: DRILL_INCIDENT,
      startedAt: NOW.toISOString(),
    });
    assert.deepEqual(incidentsInputs(), [["StartIncident", EXPECTED_INCIDENT]]);
    assert.deepEqual(contacts.calls(), []);
    assert.deepEqual(sns.calls(), []);
    assert.deepEqual(logs, [
      {
        alertLevel: "critical",
        decision: "drill",
        incidentArn: DRILL_INCIDENT,
        startedAt: NOW.toISOString(),
      },
    ]);
  });

  it("the same scheduled run always yields the same clientToken (a retried task opens no second incident); another run a new one", async () => {
    await handler(drillEvent());
    clock = new Date(NOW.getTime() + 60_000);
    await handler(drillEvent());
    await handler(drillEvent({ scheduledTime: "2027-01-04T01:00:00Z" }));
    assert.deepEqual(
      incidents.commandCalls(StartIncidentCommand).map((c) => c.args[0].input.clientToken),
      [
        EXPECTED_INCIDENT.clientToken,
        EXPECTED_INCIDENT.clientToken,
        // sha256("drill|ie-prod|critical|2027-01-04T01:00:00.000Z")
        "cdd78a4f1e0c5d7f21c5dc2b9bc5f49af346f09063c3492891210d9c61157384",
      ],
    );
  });

  it("drill start with StartIncident failing: rejects (the workflow retries), logs the error's name only", async () => {
    const failure = Object.assign(new Error("User: x is not authorized"), {
      name: "AccessDeniedException",
      $metadata: { httpStatusCode: 403, requestId: "r-1" },
    });
    incidents.on(StartIncidentCommand).rejects(failure);
    await assert.rejects(handler(drillEvent()), (err: unknown) => err === failure);
    assert.deepEqual(logs, [
      {
        alertLevel: "critical",
        decision: "error",
        error: "AccessDeniedException",
        httpStatusCode: 403,
        requestId: "r-1",
      },
    ]);
  });

  it("a malformed event: DrillInputError logged with its code and message, nothing called", async () => {
    await assert.rejects(
      handler(drillEvent({ level: "warning" })),
      (err: unknown) => err instanceof DrillInputError && err.code === "NOT_A_DRILL_LEVEL",
    );
    assert.equal(incidents.calls().length + contacts.calls().length + sns.calls().length, 0);
    assert.deepEqual(logs, [
      {
        alertLevel: "warning",
        decision: "error",
        error: "DrillInputError",
        code: "NOT_A_DRILL_LEVEL",
        message:
          'drill.level "warning" is not a paging level of this stack (paging levels: critical, major)',
      },
    ]);
  });

  it("drill report: lists everything (following NextToken), notes, resolves, stops what still pages, publishes; exact inputs", async () => {
    clock = REPORT_NOW;
    incidents.on(GetIncidentRecordCommand).resolves({ incidentRecord: record("OPEN") });
    listings();
    const result = await handler(reportEvent());

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
      stopped: 1,
    });

    assert.deepEqual(contactsInputs(), [
      ["ListEngagements", { IncidentId: DRILL_INCIDENT }],
      ["ListEngagements", { IncidentId: DRILL_INCIDENT, NextToken: "engagements-2" }],
      ["ListPagesByEngagement", { EngagementId: ESCALATION }],
      ["ListPagesByEngagement", { EngagementId: SATO }],
      ["ListPageReceipts", { PageId: PAGE }],
      ["ListPageReceipts", { PageId: PAGE, NextToken: "receipts-2" }],
      // Only the escalation plan was still running (sato's engagement has a StopTime).
      ["StopEngagement", { EngagementId: ESCALATION, Reason: "[DRILL] finished (acknowledged)" }],
    ]);
    assert.deepEqual(incidentsInputs(), [
      ["GetIncidentRecord", { arn: DRILL_INCIDENT }],
      [
        "CreateTimelineEvent",
        {
          clientToken: REPORT_TOKEN,
          incidentRecordArn: DRILL_INCIDENT,
          eventTime: REPORT_NOW,
          eventType: "Custom Event",
          eventData: text,
        },
      ],
      [
        "UpdateIncidentRecord",
        { arn: DRILL_INCIDENT, status: "RESOLVED", clientToken: RESOLVE_TOKEN },
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
        decision: "drill-report",
        incidentArn: DRILL_INCIDENT,
        outcome: "acknowledged",
        pages: 1,
        resolved: true,
        stopped: 1,
      },
    ]);
  });

  it("drill report on an incident already resolved (by hand, or an earlier attempt): no second resolve", async () => {
    incidents.on(GetIncidentRecordCommand).resolves({ incidentRecord: record("RESOLVED") });
    listings();
    const result = await handler(reportEvent());
    assert.equal((result as { resolved: boolean }).resolved, false);
    assert.deepEqual(incidents.commandCalls(UpdateIncidentRecordCommand), []);
    assert.equal(sns.commandCalls(PublishCommand).length, 1);
  });

  it("drill report with a StopEngagement failing: still publishes; the failure is logged by name", async () => {
    incidents.on(GetIncidentRecordCommand).resolves({ incidentRecord: record("OPEN") });
    listings();
    contacts
      .on(StopEngagement)
      .rejects(Object.assign(new Error("denied"), { name: "AccessDeniedException" }));
    const result = await handler(reportEvent());
    assert.equal((result as { stopped: number }).stopped, 0);
    assert.equal(sns.commandCalls(PublishCommand).length, 1);
    assert.deepEqual(logs.at(-1)?.stopErrors, ["AccessDeniedException"]);
  });

  /** Exactly what a refused report may do: at most read the record; one log line; no retry. */
  async function assertRefused(
    event: unknown,
    incidentArn: string,
    reason: DrillRefusal,
    message: string,
    reads: [string, unknown][],
  ): Promise<void> {
    const result = await handler(event);
    assert.deepEqual(result, { decision: "drill-report-refused", incidentArn, reason });
    assert.deepEqual(incidentsInputs(), reads);
    assert.deepEqual(contacts.calls().length + sns.calls().length, 0);
    assert.deepEqual(logs, [
      { alertLevel: "critical", decision: "drill-report-refused", incidentArn, reason, message },
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

  it("drill report for a [DRILL]-titled incident whose GetIncidentRecord incidentRecordSource.source is not DRILL_SOURCE: refused", async () => {
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
      "drill report refused: the incident's source is not the DRILL_SOURCE drills start with; nothing resolved",
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

  it("drill report with GetIncidentRecord failing otherwise: rejects (the workflow retries), nothing changed", async () => {
    const failure = new Error("ThrottlingException");
    incidents.on(GetIncidentRecordCommand).rejects(failure);
    await assert.rejects(handler(reportEvent()), (err: unknown) => err === failure);
    assert.equal(incidents.calls().length, 1);
    assert.equal(contacts.calls().length + sns.calls().length, 0);
  });

  it("drill report with nobody paged: 'No pages were sent', NOT acknowledged", async () => {
    incidents.on(GetIncidentRecordCommand).resolves({ incidentRecord: record("OPEN") });
    contacts.on(ListEngagements).resolves({ Engagements: [] });
    await handler(reportEvent());
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
    await assert.rejects(handler(reportEvent()), (err: unknown) => err === failure);
    assert.equal(incidents.commandCalls(UpdateIncidentRecordCommand).length, 1);
  });

  it(`a listing that never ends: bounded at ${MAX_LIST_REQUESTS} requests, then rejects (the workflow retries)`, async () => {
    incidents.on(GetIncidentRecordCommand).resolves({ incidentRecord: record("OPEN") });
    contacts.on(ListEngagements).resolves({ Engagements: [], NextToken: "again" });
    await assert.rejects(
      handler(reportEvent()),
      (err: unknown) =>
        err instanceof Error && err.message === "a listing returned more than 100 pages of results",
    );
    assert.equal(contacts.calls().length, 100);
    assert.equal(sns.calls().length, 0);
  });

  it("without ALERTS_TOPIC_ARN: the cold start fails with a DrillConfigError naming it", () => {
    assert.throws(
      () => wire({ ...ENV, ALERTS_TOPIC_ARN: undefined }),
      (err: unknown) =>
        err instanceof DrillConfigError && err.message === "ALERTS_TOPIC_ARN: is not set",
    );
  });
});
