/**
 * `npm run drill` (tools/drill.ts): the dry run (exact T+ lines, zero SDK calls, no AWS
 * environment), the real run against aws-sdk-client-mock with a fake clock and a scripted
 * Incident Manager "world" (engagements, pages and receipts that appear over time), the failure
 * paths (timeout, throttling mid-poll, AccessDenied on StartIncident and mid-poll, Ctrl-C,
 * resolve failure, not confirmed, plan missing, non-paging level, bad config), and the CLI as a
 * child process (--help, --dry-run without AWS credentials). Every SDK input is checked against
 * the API models (tests/support/apiModel.ts).
 *
 * The step-functions backend (Pulumi.selfhosted.yaml) the same way: the dry run, and real runs
 * against aws-sdk-client-mock for Step Functions (ListStateMachines, StartExecution,
 * StopExecution) and DynamoDB (GetItem of the incident item as the engine writes it, the
 * conditional resolve), with literal requests checked against aws-models/stepfunctions.json and
 * dynamodb.json.
 *
 * What this spec does NOT prove:
 * - that AWS accepts the requests beyond the models' constraints, that the caller's IAM allows
 *   them, or that Incident Manager really lists a drill's engagements under
 *   `IncidentId = <incident record ARN>` and reports pages/receipts in this order and timing:
 *   the world here follows the API model and the docs, not a recorded drill;
 * - the SDK's own retries, serialization or signing (aws-sdk-client-mock replaces `send`);
 * - the interactive prompt and the real SIGINT handler (the prompt is injected; Ctrl-C is an
 *   AbortController aborted by the test);
 * - that a real person's phone rings: only a drill against the deployed stack shows that;
 * - for step-functions: that the deployed engine opens the item and writes its timeline as the
 *   scripted items here do (the engine's own specs run its code; here the items are literal), or
 *   that StopExecution on an execution that already ended answers as mocked.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  ListContactChannelsCommand,
  ListEngagementsCommand,
  ListPageReceiptsCommand,
  ListPagesByEngagementCommand,
  SSMContactsClient,
  StopEngagementCommand,
  ThrottlingException,
  AccessDeniedException as ContactsAccessDenied,
  type ListEngagementsCommandInput,
  type ListPageReceiptsCommandInput,
  type ListPagesByEngagementCommandInput,
  type ListContactChannelsCommandInput,
  type ServiceInputTypes as ContactsInput,
  type ServiceOutputTypes as ContactsOutput,
} from "@aws-sdk/client-ssm-contacts";
import {
  AccessDeniedException,
  CreateTimelineEventCommand,
  ListResponsePlansCommand,
  SSMIncidentsClient,
  StartIncidentCommand,
  UpdateIncidentRecordCommand,
  InternalServerException,
} from "@aws-sdk/client-ssm-incidents";
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import {
  ExecutionDoesNotExist,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { mockClient, type AwsClientStub, type AwsCommand, type AwsStub } from "aws-sdk-client-mock";
import { checkOperationInput, type Service } from "../support/apiModel";
import { expectedResolveRequest } from "../support/incidentRequests";
import { DRILL_USAGE, drillCli, type DrillCliIO } from "../../cli/drill";
import type { ExitCode } from "../../tools/drill";

const ROOT = path.join(__dirname, "..", "..");
const ACCOUNT = "111122223333";
const REGION = "ap-northeast-1";
const START = Date.parse("2026-03-02T01:00:00.000Z"); // Monday 10:00 JST: sato is on call
/** sha256("drill|ie-prod|critical|2026-03-02T01:00:00.000Z"): prefix, level and run time. */
const TOKEN = "4a447b36c870b605867ade9cf9bb0f9c3edd7fb0e28eedc7b91e19a002148b9e";
/** sha256("drill-report|<INCIDENT>"): one report per incident, however often retried. */
const REPORT_TOKEN = "1b367e33f4ff29e82828098a5fece7a5b0cf11d2521b081c615f6e91f00e1359";
/** sha256("drill-resolve|<INCIDENT>"). */
const RESOLVE_TOKEN = "413242e489c945f9e68537f90dd4d711f3b1a9a1482821e2cb67ece834a8111d";
const PLAN_ARN = `arn:aws:ssm-incidents::${ACCOUNT}:response-plan/ie-prod-critical`;
const INCIDENT = `arn:aws:ssm-incidents::${ACCOUNT}:incident-record/ie-prod-critical/6ebcc812-85f5-b7eb-8b2f-283e4d844308`;
const TITLE = "[DRILL] critical paging drill 2026-03-02T01:00Z";
const contact = (alias: string) => `arn:aws:ssm-contacts:${REGION}:${ACCOUNT}:contact/${alias}`;
const engagementArn = (alias: string) =>
  `arn:aws:ssm-contacts:${REGION}:${ACCOUNT}:engagement/${alias}/11111111-2222-3333-4444-555555555555`;
const pageArn = (alias: string, n: number) =>
  `arn:aws:ssm-contacts:${REGION}:${ACCOUNT}:page/${alias}/0000000${n}-2222-3333-4444-555555555555`;
const channelArn = (alias: string, kind: string) =>
  `arn:aws:ssm-contacts:${REGION}:${ACCOUNT}:contact-channel/${alias}/${kind}-2222-3333-4444-555555555555`;
const ADDRESSES = ["sato@example.com", "+819000000001", "tanaka@example.com", "+819000000003"];

/*
 * @aws-sdk/client-ssm-contacts 3.523 is declared against @smithy/types 2, aws-sdk-client-mock
 * against the current @smithy/types: the runtime objects are compatible, the declarations are
 * not (middleware-stack variance). These casts are the only bridge.
 */
type ContactsStub = AwsStub<ContactsInput, ContactsOutput, unknown>;
const contactsCommand = (c: unknown) =>
  c as new (input: ContactsInput) => AwsCommand<ContactsInput, ContactsOutput>;
/*
 * The CLI creates its own clients (io.clients), so their classes are stubbed: stubbing a class
 * wraps its prototype for every spec file of the run, so each top-level describe below creates
 * the stubs it needs in before() and restores them in after() (useClassMocks).
 */
let contactsMock: ContactsStub;
let incidentsMock: AwsClientStub<SSMIncidentsClient>;
let sfnMock: AwsClientStub<SFNClient>;
let dbMock: AwsClientStub<DynamoDBClient>;

/**
 * Mocha hooks of the calling describe: the Incident Manager class stubs, and with `engine` the
 * Step Functions and DynamoDB ones, live only while it runs.
 */
function useClassMocks(engine: boolean): void {
  before(() => {
    contactsMock = mockClient(
      SSMContactsClient as unknown as Parameters<typeof mockClient>[0],
    ) as unknown as ContactsStub;
    incidentsMock = mockClient(SSMIncidentsClient);
    if (engine) {
      sfnMock = mockClient(SFNClient);
      dbMock = mockClient(DynamoDBClient);
    }
  });
  after(() => {
    contactsMock.restore();
    incidentsMock.restore();
    if (engine) {
      sfnMock.restore();
      dbMock.restore();
    }
  });
}

// ---------------------------------------------------------------------------------------------
// A scripted Incident Manager: things become visible once the fake clock reaches their time.

interface World {
  engagements: { alias: string; at: number; stop?: number }[];
  pages: { alias: string; n: number; sent: number; delivered?: number; read?: number }[];
  receipts: { alias: string; n: number; type: string; at: number; kind: string; info?: string }[];
}

/** Stage 1: the escalation plan, the on-call contact and sato; sato reads the email at T+1:42. */
function happyWorld(): World {
  return {
    engagements: [
      { alias: "ie-prod-escalation", at: 0 },
      { alias: "ie-prod-oncall-primary", at: 1 },
      { alias: "ie-prod-sato", at: 2, stop: 102 },
    ],
    pages: [{ alias: "ie-prod-sato", n: 1, sent: 3, delivered: 6, read: 102 }],
    receipts: [
      { alias: "ie-prod-sato", n: 1, type: "SENT", at: 3, kind: "email" },
      { alias: "ie-prod-sato", n: 1, type: "DELIVERED", at: 6, kind: "email" },
      { alias: "ie-prod-sato", n: 1, type: "READ", at: 102, kind: "email" },
    ],
  };
}

/** Nobody reads; sato's SMS fails with provider text that names the number. */
function silentWorld(): World {
  return {
    engagements: [
      { alias: "ie-prod-oncall-primary", at: 1 },
      { alias: "ie-prod-escalation", at: 0 },
      { alias: "ie-prod-sato", at: 2 },
    ],
    pages: [{ alias: "ie-prod-sato", n: 1, sent: 3, delivered: 6 }],
    receipts: [
      { alias: "ie-prod-sato", n: 1, type: "SENT", at: 3, kind: "email" },
      { alias: "ie-prod-sato", n: 1, type: "DELIVERED", at: 6, kind: "email" },
      {
        alias: "ie-prod-sato",
        n: 1,
        type: "ERROR",
        at: 30,
        kind: "sms",
        info: "SMS to +819000000001 rejected: not activated",
      },
    ],
  };
}

let clock = START;
const elapsed = () => (clock - START) / 1000;
const at = (s: number) => new Date(START + s * 1000);

function installWorld(world: World): void {
  incidentsMock.on(ListResponsePlansCommand).callsFake((input: { nextToken?: string }) =>
    input.nextToken === "plans-2"
      ? {
          responsePlanSummaries: [
            { arn: PLAN_ARN, name: "ie-prod-critical", displayName: "critical" },
          ],
        }
      : {
          responsePlanSummaries: [
            { arn: `${PLAN_ARN}-old`, name: "ie-prod-critical-old" },
            { arn: `arn:aws:ssm-incidents::${ACCOUNT}:response-plan/other`, name: "other" },
          ],
          nextToken: "plans-2",
        },
  );
  incidentsMock.on(StartIncidentCommand).resolves({ incidentRecordArn: INCIDENT });
  incidentsMock
    .on(CreateTimelineEventCommand)
    .resolves({ incidentRecordArn: INCIDENT, eventId: "e1" });
  incidentsMock.on(UpdateIncidentRecordCommand).resolves({});

  contactsMock.on(contactsCommand(ListEngagementsCommand)).callsFake((raw: ContactsInput) => {
    const input = raw as ListEngagementsCommandInput;
    if (input.IncidentId !== INCIDENT) return { Engagements: [] };
    const visible = world.engagements
      .filter((e) => e.at <= elapsed())
      .map((e) => ({
        EngagementArn: engagementArn(e.alias),
        ContactArn: contact(e.alias),
        Sender: "ssm-incidents",
        IncidentId: INCIDENT,
        StartTime: at(e.at),
        ...(e.stop !== undefined && e.stop <= elapsed() ? { StopTime: at(e.stop) } : {}),
      }));
    // Two engagements per page, to exercise NextToken.
    const from = input.NextToken ? Number(input.NextToken.replace("eng-", "")) : 0;
    const next = from + 2 < visible.length ? { NextToken: `eng-${from + 2}` } : {};
    return { Engagements: visible.slice(from, from + 2), ...next };
  });
  contactsMock.on(contactsCommand(ListPagesByEngagementCommand)).callsFake((raw: ContactsInput) => {
    const input = raw as ListPagesByEngagementCommandInput;
    const pages = world.pages
      .filter((p) => engagementArn(p.alias) === input.EngagementId && p.sent <= elapsed())
      .map((p) => ({
        PageArn: pageArn(p.alias, p.n),
        EngagementArn: engagementArn(p.alias),
        ContactArn: contact(p.alias),
        Sender: "ssm-incidents",
        IncidentId: INCIDENT,
        SentTime: at(p.sent),
        ...(p.delivered !== undefined && p.delivered <= elapsed()
          ? { DeliveryTime: at(p.delivered) }
          : {}),
        ...(p.read !== undefined && p.read <= elapsed() ? { ReadTime: at(p.read) } : {}),
      }));
    return { Pages: pages };
  });
  contactsMock.on(contactsCommand(ListPageReceiptsCommand)).callsFake((raw: ContactsInput) => {
    const input = raw as ListPageReceiptsCommandInput;
    return {
      Receipts: world.receipts
        .filter((r) => pageArn(r.alias, r.n) === input.PageId && r.at <= elapsed())
        .map((r) => ({
          ContactChannelArn: channelArn(r.alias, r.kind),
          ReceiptType: r.type,
          ReceiptTime: at(r.at),
          ...(r.info ? { ReceiptInfo: r.info } : {}),
        })),
    };
  });
  contactsMock.on(contactsCommand(ListContactChannelsCommand)).callsFake((raw: ContactsInput) => {
    const input = raw as ListContactChannelsCommandInput;
    const alias = input.ContactId?.split("/").pop() ?? "";
    const who = alias.replace("ie-prod-", "");
    const phone = who === "sato" ? "+819000000001" : "+819000000003";
    return {
      ContactChannels: [
        ["email", "EMAIL", `${who}@example.com`],
        ["sms", "SMS", phone],
        ["voice", "VOICE", phone],
      ].map(([kind, type, address]) => ({
        ContactChannelArn: channelArn(alias, kind),
        ContactArn: input.ContactId,
        Name: `${alias}-${kind}`,
        Type: type,
        DeliveryAddress: { SimpleAddress: address },
        ActivationStatus: "ACTIVATED",
      })),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Harness

interface Run {
  code: ExitCode;
  stdout: string;
  stderr: string;
  questions: string[];
  regions: (string | undefined)[];
}

async function run(
  argv: string[],
  opts: {
    confirm?: boolean;
    root?: string;
    controller?: AbortController;
    onSleep?: (n: number, controller: AbortController) => void;
  } = {},
): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const questions: string[] = [];
  const regions: (string | undefined)[] = [];
  const controller = opts.controller ?? new AbortController();
  let sleeps = 0;
  const io: DrillCliIO = {
    argv,
    root: opts.root ?? ROOT,
    now: () => new Date(clock),
    sleep: async (ms) => {
      sleeps++;
      clock += ms;
      opts.onSleep?.(sleeps, controller);
    },
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    confirm: async (q) => {
      questions.push(q);
      return opts.confirm ?? true;
    },
    clients: (region) => {
      regions.push(region);
      return {
        incidents: new SSMIncidentsClient({ region: region ?? "us-east-1" }),
        contacts: new SSMContactsClient({ region: region ?? "us-east-1" }),
      };
    },
    signal: controller.signal,
  };
  const code = await drillCli(io);
  return { code, stdout: out.join("\n"), stderr: err.join("\n"), questions, regions };
}

/** [operation, input] of every call to both clients, in order per client. */
function calls(): { service: Service; op: string; input: Record<string, unknown> }[] {
  const of = (service: Service, stub: { calls(): unknown[] }) =>
    stub.calls().map((c) => {
      const command = (c as { args: [{ constructor: { name: string }; input: object }] }).args[0];
      return {
        service,
        op: command.constructor.name.replace(/Command$/, ""),
        input: command.input as Record<string, unknown>,
      };
    });
  return [...of("ssm-incidents", incidentsMock), ...of("ssm-contacts", contactsMock)];
}

function opsCalled(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of calls()) counts[c.op] = (counts[c.op] ?? 0) + 1;
  return counts;
}

function inputsOf(op: string): Record<string, unknown>[] {
  return calls()
    .filter((c) => c.op === op)
    .map((c) => c.input);
}

/** Every captured input satisfies its operation's model. */
function assertInputsConform(): void {
  for (const c of calls()) {
    assert.deepEqual(checkOperationInput(c.service, c.op, c.input), [], `${c.service} ${c.op}`);
  }
}

function assertNoAddresses(text: string): void {
  for (const a of ADDRESSES) assert.ok(!text.includes(a), `output contains ${a}`);
}

const EXPECTED_START = {
  clientToken: TOKEN,
  responsePlanArn: PLAN_ARN,
  title: TITLE,
  impact: 1,
  triggerDetails: {
    source: "incident-escalation.drill",
    timestamp: new Date(START),
    rawData: '{"drill":{"level":"critical","runAt":"2026-03-02T01:00:00.000Z"}}',
  },
};

const DRY_RUN_TEXT = [
  "[DRILL] dry run — stack prod, level critical (impact 1); nothing is started",
  `A real run starts an incident "${TITLE}"`,
  "with response plan ie-prod-critical, which pages (stops when an essential target acknowledges):",
  "  T+0   stage 1 (15 min) → oncall:primary [on call now: sato]",
  "  T+0   email       sato",
  "  T+10  SMS, voice  sato",
  "  T+15  stage 2 (15 min) → tanaka",
  "  T+15  email       tanaka",
  "  T+25  SMS, voice  tanaka",
  "  T+30  escalation plan ends; it does not repeat",
  "Acknowledge by entering the code from the email or SMS, or pressing 1 on the voice call.",
  "No AWS calls were made.",
].join("\n");

/** Environment without any AWS_* variable. */
function envWithoutAws(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_")));
}

describe("npm run drill", () => {
  useClassMocks(false);
  beforeEach(() => {
    clock = START;
    incidentsMock.reset();
    contactsMock.reset();
  });

  describe("dry run", () => {
    it("prints the expected timeline of prod critical with zero SDK calls and no AWS env", async () => {
      const saved = { ...process.env };
      for (const k of Object.keys(process.env)) if (k.startsWith("AWS_")) delete process.env[k];
      try {
        const r = await run(["--stack", "prod", "--level", "critical", "--dry-run"]);
        assert.equal(r.code, 0);
        assert.equal(r.stdout, DRY_RUN_TEXT);
        assert.equal(r.stderr, "");
        assert.deepEqual(r.regions, [], "no clients created");
        assert.equal(incidentsMock.calls().length, 0);
        assert.equal(contactsMock.calls().length, 0);
        assertNoAddresses(r.stdout);
      } finally {
        process.env = saved;
      }
    });
  });

  describe("real run", () => {
    it("happy path: starts, watches pages until a READ, reports, records and resolves", async () => {
      installWorld(happyWorld());
      const r = await run(["--stack", "prod", "--level", "critical"]);

      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, "");
      assert.deepEqual(r.regions, [REGION], "region from the stack's aws:region");
      assert.equal(r.questions.length, 1);
      assert.ok(r.questions[0].startsWith(`This starts a REAL incident "${TITLE}" (impact 1)\n`));
      assert.ok(
        r.questions[0].includes(`through ${PLAN_ARN} in ${REGION}. Real people are paged:`),
      );
      assert.ok(r.questions[0].endsWith("Start the drill? [y/N] "));

      assert.deepEqual(inputsOf("ListResponsePlans"), [
        { maxResults: 100 },
        { maxResults: 100, nextToken: "plans-2" },
      ]);
      assert.deepEqual(inputsOf("StartIncident"), [EXPECTED_START]);
      // Polls at T+0 (1 engagement: 1 call) and T+20 … T+120 (3 engagements: 2 calls each).
      assert.equal(clock - START, 120_000);
      assert.deepEqual(inputsOf("ListEngagements").slice(0, 3), [
        { IncidentId: INCIDENT },
        { IncidentId: INCIDENT },
        { IncidentId: INCIDENT, NextToken: "eng-2" },
      ]);
      assert.deepEqual(inputsOf("ListPageReceipts")[0], { PageId: pageArn("ie-prod-sato", 1) });
      assert.deepEqual(inputsOf("ListContactChannels"), [{ ContactId: contact("ie-prod-sato") }]);
      // The report as text (the same lines the CLI prints), not a JSON summary.
      const eventData = [
        `[DRILL] report for ${INCIDENT}`,
        "Started: 2026-03-02T01:00:00.000Z",
        "Outcome: acknowledged by sato (email) at T+1:42",
        "Engaged: escalation, oncall-primary, sato; stages observed: 1",
        "T+0:03  page sent to sato (email) — delivered after 0:03, read after 1:39 (acknowledged)",
        "Per person:",
        "  sato: paged by email — acknowledged",
      ].join("\n");
      assert.deepEqual(inputsOf("CreateTimelineEvent"), [
        {
          clientToken: REPORT_TOKEN,
          incidentRecordArn: INCIDENT,
          eventTime: new Date(START + 120_000),
          eventType: "Custom Event",
          eventData,
        },
      ]);
      assert.deepEqual(inputsOf("UpdateIncidentRecord"), [
        { arn: INCIDENT, status: "RESOLVED", clientToken: RESOLVE_TOKEN },
      ]);
      assert.deepEqual(opsCalled(), {
        ListResponsePlans: 2,
        StartIncident: 1,
        CreateTimelineEvent: 1,
        UpdateIncidentRecord: 1,
        ListEngagements: 13,
        ListPagesByEngagement: 19,
        ListPageReceipts: 6,
        ListContactChannels: 1,
        StopEngagement: 2,
      });
      assert.deepEqual(inputsOf("StopEngagement"), [
        {
          EngagementId: engagementArn("ie-prod-escalation"),
          Reason: "[DRILL] finished (acknowledged)",
        },
        {
          EngagementId: engagementArn("ie-prod-oncall-primary"),
          Reason: "[DRILL] finished (acknowledged)",
        },
      ]);

      assert.equal(
        r.stdout,
        [
          `[DRILL] started ${INCIDENT}`,
          "Waiting up to 30 min for an acknowledgement, polling every 20s. Ctrl-C stops waiting, records the report and resolves the incident.",
          "T+0:03  page sent to sato (email)",
          "T+0:06  delivered to sato (email)",
          "T+1:42  sato acknowledged (email)",
          "",
          `[DRILL] report for ${INCIDENT}`,
          "Started: 2026-03-02T01:00:00.000Z",
          "Outcome: acknowledged by sato (email) at T+1:42",
          "Engaged: escalation, oncall-primary, sato; stages observed: 1",
          "T+0:03  page sent to sato (email) — delivered after 0:03, read after 1:39 (acknowledged)",
          "Per person:",
          "  sato: paged by email — acknowledged",
          "",
          "Report recorded on the incident timeline.",
          "Drill incident resolved.",
          "Stopped engagements still running: escalation, oncall-primary.",
        ].join("\n"),
      );
      assertNoAddresses(r.stdout + r.stderr + r.questions.join(""));
      assertInputsConform();
    });

    it("--yes skips the question; --region and --interval are honoured", async () => {
      installWorld(happyWorld());
      const r = await run([
        "--stack",
        "prod",
        "--level",
        "critical",
        "--yes",
        "--region",
        "us-west-2",
        "--interval",
        "60",
      ]);
      assert.equal(r.code, 0);
      assert.deepEqual(r.questions, []);
      assert.deepEqual(r.regions, ["us-west-2"]);
      assert.equal(clock - START, 120_000, "polls at T+0, T+60, T+120");
      assert.equal(inputsOf("ListEngagements").length, 1 + 2 + 2);
      assertInputsConform();
    });

    it("timeout with nobody acknowledging: report says so, incident still resolved, exit 1", async () => {
      installWorld(silentWorld());
      const r = await run(["--stack", "prod", "--level", "critical", "--timeout", "1"]);
      assert.equal(r.code, 1);
      assert.equal(clock - START, 60_000);
      assert.equal(inputsOf("ListEngagements").length, 1 + 2 * 3, "polls at T+0, 20, 40, 60");
      assert.equal(
        r.stdout,
        [
          `[DRILL] started ${INCIDENT}`,
          "Waiting up to 1 min for an acknowledgement, polling every 20s. Ctrl-C stops waiting, records the report and resolves the incident.",
          "T+0:03  page sent to sato (email)",
          "T+0:06  delivered to sato (email)",
          "T+0:30  delivery to sato (sms) failed: channel not activated",
          "Nobody acknowledged within 1 min.",
          "",
          `[DRILL] report for ${INCIDENT}`,
          "Started: 2026-03-02T01:00:00.000Z",
          "Outcome: NOT acknowledged; some pages failed to deliver",
          "Engaged: escalation, oncall-primary, sato; stages observed: 1",
          "T+0:03  page sent to sato (email+sms) — delivered after 0:03, error: channel not activated",
          "Per person:",
          "  sato: paged by email, sms — did NOT acknowledge",
          "",
          "Report recorded on the incident timeline.",
          "Drill incident resolved.",
          "Stopped engagements still running: escalation, oncall-primary, sato.",
        ].join("\n"),
      );
      assert.deepEqual(
        inputsOf("StopEngagement").map((i) => i.EngagementId),
        ["ie-prod-escalation", "ie-prod-oncall-primary", "ie-prod-sato"].map((a) =>
          engagementArn(a),
        ),
        "the escalation plan first, so no further stage starts",
      );
      const [event] = inputsOf("CreateTimelineEvent");
      assert.equal(event.eventTime instanceof Date && event.eventTime.getTime(), START + 60_000);
      // The timeline carries the report as text, the same the CLI prints and Slack shows.
      assert.deepEqual(event, {
        clientToken: REPORT_TOKEN,
        incidentRecordArn: INCIDENT,
        eventTime: new Date(START + 60_000),
        eventType: "Custom Event",
        eventData: [
          `[DRILL] report for ${INCIDENT}`,
          "Started: 2026-03-02T01:00:00.000Z",
          "Outcome: NOT acknowledged; some pages failed to deliver",
          "Engaged: escalation, oncall-primary, sato; stages observed: 1",
          "T+0:03  page sent to sato (email+sms) — delivered after 0:03, error: channel not activated",
          "Per person:",
          "  sato: paged by email, sms — did NOT acknowledge",
        ].join("\n"),
      });
      assert.deepEqual(inputsOf("UpdateIncidentRecord"), [
        { arn: INCIDENT, status: "RESOLVED", clientToken: RESOLVE_TOKEN },
      ]);
      assertNoAddresses(r.stdout + r.stderr + String(event.eventData));
      assertInputsConform();
    });

    it("throttling on a List call mid-poll is retried at the next poll", async () => {
      installWorld(happyWorld());
      let n = 0;
      const world = happyWorld();
      contactsMock.on(contactsCommand(ListEngagementsCommand)).callsFake(() => {
        n++;
        if (n === 2) {
          throw new ThrottlingException({
            message: "Rate exceeded",
            Message: "Rate exceeded",
            $metadata: {},
          });
        }
        const visible = world.engagements.filter((e) => e.at <= elapsed());
        return {
          Engagements: visible.map((e) => ({
            EngagementArn: engagementArn(e.alias),
            ContactArn: contact(e.alias),
            Sender: "ssm-incidents",
            StartTime: at(e.at),
          })),
        };
      });
      const r = await run(["--stack", "prod", "--level", "critical", "--yes"]);
      assert.equal(r.code, 0);
      assert.equal(
        r.stderr,
        "ssm-contacts:ListEngagements failed: AWS is throttling requests (the SDK already " +
          "retried with backoff). Wait a minute and run the command again. " +
          "(ThrottlingException: Rate exceeded)\nRetrying at the next poll.",
      );
      // T+0 ok, T+20 throttled, T+40 … T+120 ok.
      assert.equal(n, 7);
      assert.match(r.stdout, /^T\+1:42 {2}sato acknowledged \(email\)$/m);
      assert.equal(inputsOf("UpdateIncidentRecord").length, 1);
      assertInputsConform();
    });

    it("StartIncident AccessDenied: clear message, nothing to resolve, exit 2", async () => {
      installWorld(happyWorld());
      incidentsMock
        .on(StartIncidentCommand)
        .rejects(new AccessDeniedException({ message: "not authorized", $metadata: {} }));
      const r = await run(["--stack", "prod", "--level", "critical", "--yes"]);
      assert.equal(r.code, 2);
      assert.equal(r.stdout, "");
      assert.equal(
        r.stderr,
        'drill: ssm-incidents:StartIncident failed: access denied. The caller\'s IAM policy must allow "ssm-incidents:StartIncident" on the resource (and no SCP or permissions boundary may deny it). (AccessDeniedException: not authorized)\n' +
          "drill: no incident was started.",
      );
      assert.deepEqual(opsCalled(), { ListResponsePlans: 2, StartIncident: 1 });
      assertInputsConform();
    });

    it("AccessDenied mid-poll: stops polling, still records and resolves, says so, exit 2", async () => {
      installWorld(happyWorld());
      contactsMock
        .on(contactsCommand(ListPagesByEngagementCommand))
        .rejects(new ContactsAccessDenied({ message: "no", Message: "no", $metadata: {} }));
      const r = await run(["--stack", "prod", "--level", "critical", "--yes"]);
      assert.equal(r.code, 2);
      assert.equal(
        r.stderr,
        'drill: polling stopped: ssm-contacts:ListPagesByEngagement failed: access denied. The caller\'s IAM policy must allow "ssm-contacts:ListPagesByEngagement" on the resource (and no SCP or permissions boundary may deny it). (AccessDeniedException: no)\n' +
          "drill: recording what was seen so far and resolving the drill incident.",
      );
      assert.equal(clock - START, 0);
      assert.match(r.stdout, /^Outcome: NOT acknowledged$/m);
      assert.match(r.stdout, /^Drill incident resolved\.$/m);
      assert.equal(inputsOf("CreateTimelineEvent").length, 1);
      assert.deepEqual(inputsOf("UpdateIncidentRecord"), [
        { arn: INCIDENT, status: "RESOLVED", clientToken: RESOLVE_TOKEN },
      ]);
      assertInputsConform();
    });

    it("Ctrl-C while waiting: records, resolves, stops engagements (a failed stop only warns), exit 130", async () => {
      installWorld(silentWorld());
      contactsMock
        .on(contactsCommand(StopEngagementCommand), { EngagementId: engagementArn("ie-prod-sato") })
        .rejects(new ContactsAccessDenied({ message: "no", Message: "no", $metadata: {} }));
      const r = await run(["--stack", "prod", "--level", "critical", "--yes"], {
        onSleep: (n, c) => {
          if (n === 2) c.abort();
        },
      });
      assert.equal(r.code, 130);
      assert.equal(
        r.stderr,
        "drill: interrupted; recording the report and resolving the drill incident.\n" +
          'drill: warning: engagement not stopped: ssm-contacts:StopEngagement failed: access denied. The caller\'s IAM policy must allow "ssm-contacts:StopEngagement" on the resource (and no SCP or permissions boundary may deny it). (AccessDeniedException: no)',
      );
      assert.equal(clock - START, 40_000);
      assert.equal(inputsOf("CreateTimelineEvent").length, 1);
      assert.equal(inputsOf("UpdateIncidentRecord").length, 1);
      assert.equal(inputsOf("StopEngagement").length, 3);
      assert.match(r.stdout, /\nStopped engagements still running: escalation, oncall-primary\.$/);
      assertInputsConform();
    });

    it("resolve fails: says the incident is still open and how to resolve it, exit 2", async () => {
      installWorld(happyWorld());
      incidentsMock
        .on(UpdateIncidentRecordCommand)
        .rejects(new InternalServerException({ message: "boom", $metadata: {} }));
      const r = await run(["--stack", "prod", "--level", "critical", "--yes"]);
      assert.equal(r.code, 2);
      assert.equal(
        r.stderr,
        "drill: the drill incident is still OPEN: ssm-incidents:UpdateIncidentRecord failed: (InternalServerException: boom)\n" +
          `Resolve it in the Incident Manager console, or: aws ssm-incidents update-incident-record --arn ${INCIDENT} --status RESOLVED`,
      );
      assert.match(r.stdout, /^Report recorded on the incident timeline\.$/m);
    });

    it("not confirmed: nothing is started, exit 2", async () => {
      installWorld(happyWorld());
      const r = await run(["--stack", "prod", "--level", "critical"], { confirm: false });
      assert.equal(r.code, 2);
      assert.equal(r.stderr, "drill: not confirmed; nothing was started.");
      assert.deepEqual(opsCalled(), { ListResponsePlans: 2 });
    });

    it("response plan not deployed: exit 2 before asking", async () => {
      incidentsMock.on(ListResponsePlansCommand).resolves({ responsePlanSummaries: [] });
      const r = await run(["--stack", "prod", "--level", "critical"]);
      assert.equal(r.code, 2);
      assert.deepEqual(r.questions, []);
      assert.equal(
        r.stderr,
        'drill: no response plan named "ie-prod-critical" in ap-northeast-1. Deploy the stack (pulumi up --stack prod) or pass the right --region.',
      );
      assertInputsConform();
    });
  });

  describe("usage and config", () => {
    it("a non-paging level: exit 2, says what the level does instead, no SDK calls", async () => {
      const r = await run(["--stack", "prod", "--level", "warning"]);
      assert.equal(r.code, 2);
      assert.equal(
        r.stderr,
        'drill: level "warning" does not page (page: false), so it has no response plan to drill: it engages oncall:primary directly (ssm-contacts StartEngagement from the router), without an incident. Paging levels you can drill: critical.',
      );
      assert.deepEqual(r.regions, []);
      assert.equal(incidentsMock.calls().length + contactsMock.calls().length, 0);
    });

    it("an engage-only level names who it engages", async () => {
      const dir = mkdtempSync(path.join(tmpdir(), "drill-"));
      try {
        const prod = readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8");
        writeFileSync(
          path.join(dir, "Pulumi.eng.yaml"),
          prod.replace(
            // The line's start only: prod's warning also has outsideHours (issue 13).
            /warning: \{ impact: 3, page: false/,
            'warning: { impact: 3, page: false, engage: ["oncall:primary"]',
          ),
        );
        const r = await run(["--stack", "eng", "--level", "warning"], { root: dir });
        assert.equal(r.code, 2);
        assert.match(
          r.stderr,
          /^drill: level "warning" does not page \(page: false\), so it has no response plan to drill: it engages oncall:primary directly \(ssm-contacts StartEngagement from the router\), without an incident\. Paging levels you can drill: critical\.$/,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("unknown level, unknown stack, missing flags, bad numbers: exit 2", async () => {
      const cases: [string[], string][] = [
        [
          ["--stack", "prod", "--level", "nope"],
          'drill: no level "nope" in stack "prod"; levels: critical, warning',
        ],
        [
          // An own-property lookup: not Object.prototype.constructor.
          ["--stack", "prod", "--level", "constructor"],
          'drill: no level "constructor" in stack "prod"; levels: critical, warning',
        ],
        [
          ["--stack", "nosuch", "--level", "critical"],
          'drill: Pulumi.nosuch.yaml: no such stack config file (stack "nosuch")',
        ],
        [["--stack", "prod"], `drill: --level <level> is required\n\n${DRILL_USAGE}`],
        [
          ["--stack", "prod", "--level", "critical", "--timeout", "0"],
          `drill: --timeout 0: expected a number from 1 to 1440\n\n${DRILL_USAGE}`,
        ],
        [
          ["--stack", "prod", "--level", "critical", "--interval", "1"],
          `drill: --interval 1: expected a number from 5 to 600\n\n${DRILL_USAGE}`,
        ],
        [
          ["--stack", "prod", "--level", "critical", "--region", "tokyo"],
          `drill: --region tokyo: not an AWS region name\n\n${DRILL_USAGE}`,
        ],
      ];
      for (const [argv, stderr] of cases) {
        const r = await run(argv);
        assert.equal(r.code, 2, argv.join(" "));
        assert.equal(r.stderr, stderr, argv.join(" "));
      }
      assert.equal(incidentsMock.calls().length + contactsMock.calls().length, 0);
    });

    it("an invalid stack config: exit 2 with the config error, no SDK calls", async () => {
      const dir = mkdtempSync(path.join(tmpdir(), "drill-"));
      try {
        writeFileSync(
          path.join(dir, "Pulumi.bad.yaml"),
          "config:\n  incident-escalation:levels:\n    critical: { impact: 9, page: true }\n",
        );
        const r = await run(["--stack", "bad", "--level", "critical"], { root: dir });
        assert.equal(r.code, 2);
        assert.match(r.stderr, /Pulumi\.bad\.yaml \(stack "bad"\)/);
        assert.match(r.stderr, /levels\.critical\.impact/);
        assert.equal(incidentsMock.calls().length + contactsMock.calls().length, 0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("as a child process", () => {
    const node = (args: string[]) =>
      spawnSync(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", "cli/drill.ts", ...args],
        {
          cwd: ROOT,
          env: envWithoutAws(),
          encoding: "utf8",
          timeout: 60_000,
        },
      );

    it("--help: usage on stdout, exit 0", () => {
      const r = node(["--help"]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `${DRILL_USAGE}\n`);
      assert.equal(r.stderr, "");
    });

    it("--dry-run for prod critical with no AWS_* variables: exit 0, timeline printed", () => {
      const r = node(["--stack", "prod", "--level", "critical", "--dry-run"]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, "");
      const lines = r.stdout.split("\n");
      assert.match(
        lines[0],
        /^\[DRILL\] dry run — stack prod, level critical \(impact 1\); nothing is started$/,
      );
      assert.match(
        lines[3],
        /^ {2}T\+0 {3}stage 1 \(15 min\) → oncall:primary \[on call now: (sato|suzuki)\]$/,
      );
      assert.deepEqual(lines.slice(6, 12), DRY_RUN_TEXT.split("\n").slice(6, 12));
      assert.equal(lines[12], "");
    });
  });
});

// =============================================================================================
// Backend step-functions (Pulumi.selfhosted.yaml)

const SM_NAME = "ie-selfhosted-escalation";
const SM_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${SM_NAME}`;
const EXEC_NAME = "DRILL-critical-20260302T010000000Z";
const EXEC_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:execution:${SM_NAME}:${EXEC_NAME}`;
const TABLE = "ie-selfhosted-incidents";
const KEY = { pk: { S: `INCIDENT#${EXEC_NAME}` } };

/** An incident item as handlers/shared/incidentStore.ts writes it, entries `[seconds, kind, contact?, channel?, detail?]`. */
function item(
  status: string,
  entries: [number, string, string?, string?, string?][],
): Record<string, AttributeValue> {
  const iso = (sec: number) => new Date(START + sec * 1000).toISOString();
  return {
    ...KEY,
    type: { S: "INCIDENT" },
    id: { S: EXEC_NAME },
    status: { S: status },
    alarmName: { S: "[DRILL] critical paging drill" },
    alertLevel: { S: "critical" },
    openedAt: { S: iso(0) },
    executionArn: { S: EXEC_ARN },
    expiresAt: { N: "1780448400" },
    timeline: {
      L: entries.map(([sec, kind, contactAlias, channel, detail]) => ({
        M: {
          at: { S: iso(sec) },
          kind: { S: kind },
          ...(contactAlias ? { contact: { S: contactAlias } } : {}),
          ...(channel ? { channel: { S: channel } } : {}),
          ...(detail ? { detail: { S: detail } } : {}),
        },
      })),
    },
  };
}

/** GetItem answers: the item the engine has written by each poll (index = poll number). */
function installEngine(items: (Record<string, AttributeValue> | undefined)[]): void {
  sfnMock
    .on(ListStateMachinesCommand, { maxResults: 100 })
    .resolves({
      stateMachines: [
        {
          name: "ie-prod-escalation",
          stateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:ie-prod-escalation`,
          type: "STANDARD",
          creationDate: new Date(0),
        },
      ],
      nextToken: "sm-2",
    })
    .on(ListStateMachinesCommand, { maxResults: 100, nextToken: "sm-2" })
    .resolves({
      stateMachines: [
        { name: SM_NAME, stateMachineArn: SM_ARN, type: "STANDARD", creationDate: new Date(0) },
      ],
    });
  sfnMock
    .on(StartExecutionCommand)
    .resolves({ executionArn: EXEC_ARN, startDate: new Date(START) });
  sfnMock.on(StopExecutionCommand).resolves({ stopDate: new Date(START) });
  let poll = 0;
  dbMock.on(GetItemCommand).callsFake(() => {
    const answer = items[Math.min(poll, items.length - 1)];
    poll++;
    return answer === undefined ? {} : { Item: answer };
  });
  dbMock.on(UpdateItemCommand).resolves({});
}

function engineCalls(): { service: Service; op: string; input: Record<string, unknown> }[] {
  const of = (service: Service, stub: { calls(): unknown[] }) =>
    stub.calls().map((c) => {
      const command = (c as { args: [{ constructor: { name: string }; input: object }] }).args[0];
      return {
        service,
        op: command.constructor.name.replace(/Command$/, ""),
        input: command.input as Record<string, unknown>,
      };
    });
  return [...of("stepfunctions", sfnMock), ...of("dynamodb", dbMock)];
}

const engineInputs = (op: string) =>
  engineCalls()
    .filter((c) => c.op === op)
    .map((c) => c.input);

async function runEngine(argv: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const questions: string[] = [];
  const regions: (string | undefined)[] = [];
  const io: DrillCliIO = {
    argv,
    root: ROOT,
    now: () => new Date(clock),
    sleep: async (ms) => {
      clock += ms;
    },
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    confirm: async (q) => {
      questions.push(q);
      return true;
    },
    clients: () => assert.fail("Incident Manager clients created for backend step-functions"),
    engineClients: (region) => {
      regions.push(region);
      return {
        sfn: new SFNClient({ region: region ?? "us-east-1" }),
        db: new DynamoDBClient({ region: region ?? "us-east-1" }),
      };
    },
    signal: new AbortController().signal,
  };
  const code = await drillCli(io);
  return { code, stdout: out.join("\n"), stderr: err.join("\n"), questions, regions };
}

/** The conditional resolve of handlers/shared/incidentStore.ts resolveRequest, at `sec`. */
function expectedResolve(sec: number): Record<string, unknown> {
  return expectedResolveRequest(
    TABLE,
    EXEC_NAME,
    new Date(START + sec * 1000).toISOString(),
    "drill",
  );
}

const ENGINE_DRY_RUN = [
  "[DRILL] dry run — stack selfhosted, level critical (backend step-functions); nothing is started",
  `A real run starts execution ${EXEC_NAME} of state machine ${SM_NAME}`,
  '(alarm "[DRILL] critical paging drill"; every page says DRILL), which pages (stops when an essential target acknowledges):',
  "  T+0   stage 1 (15 min) → oncall:primary [on call now: sato]",
  "  T+0   email       sato",
  "  T+10  SMS, voice  sato",
  "  T+15  stage 2 (15 min) → tanaka",
  "  T+15  email       tanaka",
  "  T+25  SMS, voice  tanaka",
  "  T+30  nobody acknowledged: all stages run again (2 more rounds at most)",
  "Acknowledge with the link in the e-mail or SMS.",
  `The drill watches incident ${EXEC_NAME} in ${TABLE},`,
  "then reports, resolves the incident and stops the execution.",
  "No AWS calls were made.",
].join("\n");

describe("npm run drill, backend step-functions (Pulumi.selfhosted.yaml)", () => {
  useClassMocks(true);
  beforeEach(() => {
    clock = START;
    sfnMock.reset();
    dbMock.reset();
    incidentsMock.reset();
    contactsMock.reset();
  });

  it("dry run: the execution it would start, the timeline with repeat, zero SDK calls", async () => {
    const r = await runEngine(["--stack", "selfhosted", "--level", "critical", "--dry-run"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, ENGINE_DRY_RUN);
    assert.equal(r.stderr, "");
    assert.deepEqual(r.regions, [], "no clients created");
    assert.equal(engineCalls().length, 0);
  });

  it("acknowledged by link: StartExecution, GetItem until acknowledged, Japanese report, resolve, StopExecution", async () => {
    const opened = item("open", [
      [0, "opened"],
      [1, "paged", "sato", "email"],
    ]);
    const delivered = item("open", [
      [0, "opened"],
      [1, "paged", "sato", "email"],
      [5, "delivered", "sato", "email", "DELIVERED"],
    ]);
    const acked = item("acknowledged", [
      [0, "opened"],
      [1, "paged", "sato", "email"],
      [5, "delivered", "sato", "email", "DELIVERED"],
      [50, "acknowledged", "sato", "link"],
    ]);
    installEngine([undefined, opened, delivered, acked]);
    const r = await runEngine(["--stack", "selfhosted", "--level", "critical", "--yes"]);

    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    assert.deepEqual(r.regions, [REGION]);
    assert.deepEqual(engineInputs("ListStateMachines"), [
      { maxResults: 100 },
      { maxResults: 100, nextToken: "sm-2" },
    ]);
    assert.deepEqual(engineInputs("StartExecution"), [
      {
        stateMachineArn: SM_ARN,
        name: EXEC_NAME,
        input:
          '{"incidentId":"DRILL-critical-20260302T010000000Z","level":"critical","alarmName":"[DRILL] critical paging drill","firedAt":"2026-03-02T01:00:00.000Z","drill":true}',
      },
    ]);
    const get = { TableName: TABLE, Key: KEY, ConsistentRead: true };
    assert.deepEqual(engineInputs("GetItem"), [get, get, get, get]);
    assert.equal(clock - START, 60_000);
    assert.deepEqual(engineInputs("UpdateItem"), [expectedResolve(60)]);
    assert.deepEqual(engineInputs("StopExecution"), [{ executionArn: EXEC_ARN }]);
    assert.equal(
      r.stdout,
      [
        `[DRILL] started ${EXEC_ARN}`,
        `Waiting up to 30 min for an acknowledgement, polling ${TABLE} every 20s. Ctrl-C stops waiting, reports, resolves the incident and stops the execution.`,
        "T+0:01  page sent to sato (email)",
        "T+0:05  delivered to sato (email)",
        "T+0:50  sato acknowledged (email)",
        "",
        `[DRILL] 訓練レポート ${EXEC_NAME}`,
        "開始: 2026-03-02T01:00:00.000Z",
        "結果: sato (email) が T+0:50 に確認",
        "呼び出し対象: sato、観測したステージ数: 1",
        "T+0:01  sato (email) を呼び出し — 0:04 後に配信、0:49 後に既読（確認）",
        "担当者別:",
        "  sato: email で呼び出し — 確認済み",
        "",
        "Drill incident resolved.",
        "Drill execution stopped.",
      ].join("\n"),
    );
    assert.equal(incidentsMock.calls().length + contactsMock.calls().length, 0);
    for (const c of engineCalls()) {
      assert.deepEqual(checkOperationInput(c.service, c.op, c.input), [], `${c.service} ${c.op}`);
    }
  });

  it("nobody acknowledges: SMS delivery fails, timeout, exit 1; a StopExecution failure is a warning", async () => {
    const failed = item("open", [
      [0, "opened"],
      [1, "paged", "sato", "email"],
      [20, "paged", "sato", "sms"],
      [25, "delivery-failed", "sato", "sms", "OptedOut"],
    ]);
    installEngine([failed]);
    sfnMock
      .on(StopExecutionCommand)
      .rejects(new ExecutionDoesNotExist({ message: "Execution does not exist", $metadata: {} }));
    const r = await runEngine([
      "--stack",
      "selfhosted",
      "--level",
      "critical",
      "--yes",
      "--timeout",
      "1",
    ]);

    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(engineInputs("UpdateItem"), [expectedResolve(60)]);
    assert.deepEqual(engineInputs("StopExecution"), [{ executionArn: EXEC_ARN }]);
    assert.ok(r.stdout.includes("Nobody acknowledged within 1 min."), r.stdout);
    assert.ok(
      r.stdout.includes(
        [
          "結果: 確認なし。届かなかった呼び出しがあります",
          "呼び出し対象: sato、観測したステージ数: 1",
          "T+0:01  sato (email) を呼び出し — 未読",
          "T+0:20  sato (sms) を呼び出し — エラー: opted out",
          "担当者別:",
          "  sato: email, sms で呼び出し — 未確認",
        ].join("\n"),
      ),
      r.stdout,
    );
    assert.ok(r.stdout.includes("T+0:25  delivery to sato (sms) failed: opted out"), r.stdout);
    assert.match(r.stderr, /^drill: warning: execution not stopped: .*states:StopExecution/m);
    for (const c of engineCalls()) {
      assert.deepEqual(checkOperationInput(c.service, c.op, c.input), [], `${c.service} ${c.op}`);
    }
  });

  it("already resolved by someone else: the conditional resolve changes nothing and says so", async () => {
    installEngine([
      item("resolved", [
        [0, "opened"],
        [1, "paged", "sato", "email"],
        [30, "resolved", undefined, undefined, "cli"],
      ]),
    ]);
    dbMock.on(UpdateItemCommand).rejects(
      new ConditionalCheckFailedException({
        message: "The conditional request failed",
        $metadata: {},
      }),
    );
    const r = await runEngine(["--stack", "selfhosted", "--level", "critical", "--yes"]);

    assert.equal(r.code, 1, r.stderr);
    assert.equal(engineInputs("GetItem").length, 1, "stops polling once the incident is closed");
    assert.ok(
      r.stdout.includes(
        "The drill incident was resolved by someone else before anyone acknowledged.",
      ),
      r.stdout,
    );
    assert.ok(
      r.stdout.includes(
        "Drill incident not resolved: it was already resolved, or the engine never opened it.",
      ),
      r.stdout,
    );
    assert.equal(engineInputs("StopExecution").length, 1);
  });

  it("no state machine of this stack: exit 2 naming it, nothing started", async () => {
    sfnMock.on(ListStateMachinesCommand).resolves({ stateMachines: [] });
    const r = await runEngine(["--stack", "selfhosted", "--level", "critical", "--yes"]);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      `drill: no state machine named "${SM_NAME}" in ${REGION}. Deploy the stack (pulumi up --stack selfhosted) or pass the right --region.`,
    );
    assert.equal(engineInputs("StartExecution").length, 0);
  });
});
