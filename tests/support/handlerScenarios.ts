/**
 * Runs the paths the handler specs (tests/handlers) cover — every level's ALARM (incident,
 * engagements), a repeat firing, the OK that follows (recovery), the drill function's start and
 * report of each paging level, the notifier's deliveries — with the fixtures of tests/handlers, against the
 * environment a program run gives each Lambda function, with every SDK client mocked by
 * SdkRecorder, so that the commands recorded carry the stack's real ARNs (response plans,
 * contacts, table, topic). The mocks answer like the services do (StartIncident
 * returns an incident record under the plan, StartEngagement an engagement of the contact,
 * DynamoDB is the FakeTable with DynamoDB's conditional semantics); events are the fixtures'
 * CloudWatch events.
 *
 * Which handler a function runs is read from its `sourceCodeHash` (the bundle's SHA-256), so a
 * new function is found without a list here; a handler without scenarios throws.
 */
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import { CreateScheduleCommand } from "@aws-sdk/client-scheduler";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PublishCommand } from "@aws-sdk/client-sns";
import {
  ListEngagementsCommand,
  ListPageReceiptsCommand,
  ListPagesByEngagementCommand,
  StartEngagementCommand,
  StopEngagementCommand,
} from "@aws-sdk/client-ssm-contacts";
import { SNSClient } from "@aws-sdk/client-sns";
import { SSMContactsClient } from "@aws-sdk/client-ssm-contacts";
import { SSMIncidentsClient } from "@aws-sdk/client-ssm-incidents";
import {
  createHandler as createDrillHandler,
  type DrillResult,
} from "../../handlers/drill/handler";
import { parseDrillEnv, type EngineDrillConfig } from "../../handlers/drill/events";
import { SFNClient, StartExecutionCommand, StopExecutionCommand } from "@aws-sdk/client-sfn";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  CreateTimelineEventCommand,
  GetIncidentRecordCommand,
  StartIncidentCommand,
  UpdateIncidentRecordCommand,
} from "@aws-sdk/client-ssm-incidents";
import { handlerBundle } from "../../components/bundles";
import type { RecordedResource } from "../../tools/mockEngine";
import {
  FakeTable,
  applyEnv,
  createRouter,
  routerInput,
  routerInputAt,
} from "../handlers/fixtures/routerFixtures";
import type { SqsBatchResponse } from "../../handlers/router/queue";
import type { SdkRecorder } from "./awsCalls";
import { REPO, archiveFiles } from "./program";

type Env = Record<string, string>;
type Input = Record<string, unknown>;

export interface ScenarioContext {
  readonly fn: RecordedResource;
  readonly env: Env;
  readonly resources: readonly RecordedResource[];
  readonly recorder: SdkRecorder;
  readonly account: string;
  readonly region: string;
}

/** The handler folder (handlers/<name>) whose bundle a function deploys. */
export function handlerOf(fn: RecordedResource): string {
  const hash = fn.inputs.sourceCodeHash;
  const names = readdirSync(path.join(REPO, "handlers"), { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== "shared")
    .map((e) => e.name);
  const found = names.filter((n) => handlerBundle(n).sha256 === hash);
  if (found.length !== 1) throw new Error(`${fn.name}: no handler bundle has hash ${String(hash)}`);
  return found[0];
}

export function envOf(fn: RecordedResource): Env {
  const vars = (fn.inputs.environment as { variables?: Env } | undefined)?.variables ?? {};
  return { ...vars };
}

const uuid = (n: number): string => `0a1b2c3d-4e5f-6789-abcd-${String(n).padStart(12, "0")}`;
/** The alias in `…:contact/<alias>` or `…:engagement/<alias>/<id>`. */
const aliasOf = (arn: string): string => arn.split("/")[1];

/**
 * Answers the router's and the drill function's services the way they answer, with ARNs in the
 * stack's account; `now` is the scenario's clock (an incident started a minute ago).
 */
function answerRouterCalls(ctx: ScenarioContext, now: () => number): Input[] {
  const { recorder, account, region, resources } = ctx;
  let n = 0;
  const table = new FakeTable(
    () =>
      new ConditionalCheckFailedException({
        message: "The conditional request failed",
        $metadata: {},
      }),
  );
  const dynamodb = recorder.mock("dynamodb");
  dynamodb.on(GetItemCommand as never).callsFake((i) => table.get(i));
  dynamodb.on(PutItemCommand as never).callsFake((i) => table.put(i));
  dynamodb.on(UpdateItemCommand as never).callsFake((i) => table.update(i));
  dynamodb.on(DeleteItemCommand as never).callsFake((i) => table.delete(i));
  // The silences table (handlers/router/silence.ts): no ad-hoc silence; the windows decide.
  dynamodb.on(QueryCommand as never).callsFake(() => ({ Items: [], Count: 0 }));
  // Deferrals (handlers/router/defer.ts): the schedules created, for the deliveries they make.
  const schedules: Input[] = [];
  recorder
    .mock("scheduler")
    .on(CreateScheduleCommand as never)
    .callsFake((i: Input) => {
      schedules.push(i);
      return {
        ScheduleArn: `arn:aws:scheduler:${region}:${account}:schedule/${String(i.GroupName)}/${String(i.Name)}`,
      };
    });
  // A deferred alarm is still in ALARM when its delivery re-checks it.
  recorder
    .mock("cloudwatch")
    .on(DescribeAlarmsCommand as never)
    .callsFake((i: Input) => ({
      MetricAlarms: ((i.AlarmNames as string[] | undefined) ?? []).map((AlarmName) => ({
        AlarmName,
        StateValue: "ALARM",
      })),
    }));

  const incidents = recorder.mock("ssm-incidents");
  // The record of each started incident carries its title and triggerDetails.source, as
  // GetIncidentRecord returns them (title, incidentRecordSource.source): drill reports check both.
  const started = new Map<string, Input>();
  incidents.on(StartIncidentCommand as never).callsFake((i: Input) => {
    const arn = `${String(i.responsePlanArn).replace(":response-plan/", ":incident-record/")}/${uuid(++n)}`;
    started.set(arn, i);
    return { incidentRecordArn: arn };
  });
  incidents.on(GetIncidentRecordCommand as never).callsFake((i: Input) => {
    const start = started.get(String(i.arn));
    return {
      incidentRecord: {
        arn: i.arn,
        title: start?.title ?? "an incident",
        impact: 1,
        status: "OPEN",
        creationTime: new Date(now() - 60_000),
        dedupeString: "x",
        incidentRecordSource: {
          createdBy: "x",
          source: (start?.triggerDetails as Input | undefined)?.source ?? "incident-escalation",
        },
        lastModifiedBy: "x",
        lastModifiedTime: new Date(now() - 60_000),
      },
    };
  });
  incidents
    .on(CreateTimelineEventCommand as never)
    .callsFake((i: Input) => ({ eventId: uuid(++n), incidentRecordArn: i.incidentRecordArn }));
  incidents.on(UpdateIncidentRecordCommand as never).resolves({});

  const contactArns = resources.filter((r) => r.type.endsWith(":Contact")).map((r) => r.id);
  const contacts = recorder.mock("ssm-contacts");
  contacts.on(StartEngagementCommand as never).callsFake((i: Input) => ({
    EngagementArn: `arn:aws:ssm-contacts:${region}:${account}:engagement/${aliasOf(String(i.ContactId))}/${uuid(++n)}`,
  }));
  contacts.on(ListEngagementsCommand as never).callsFake((i: Input) => ({
    Engagements: contactArns.map((c, k) => ({
      EngagementArn: `arn:aws:ssm-contacts:${region}:${account}:engagement/${aliasOf(c)}/${uuid(100 + k)}`,
      ContactArn: c,
      Sender: "incident-escalation",
      IncidentId: i.IncidentId,
      StartTime: new Date(now() - 30 * 60_000),
    })),
  }));
  contacts.on(ListPagesByEngagementCommand as never).callsFake((i: Input) => {
    const engagement = String(i.EngagementId);
    const alias = aliasOf(engagement);
    return {
      Pages: [
        {
          PageArn: `arn:aws:ssm-contacts:${region}:${account}:page/${alias}/${uuid(++n)}`,
          EngagementArn: engagement,
          ContactArn: `arn:aws:ssm-contacts:${region}:${account}:contact/${alias}`,
          Sender: "incident-escalation",
          SentTime: new Date(now() - 29 * 60_000),
        },
      ],
    };
  });
  contacts.on(ListPageReceiptsCommand as never).callsFake(() => ({
    Receipts: [{ ReceiptType: "SENT", ReceiptTime: new Date(now() - 29 * 60_000) }],
  }));

  contacts.on(StopEngagementCommand as never).resolves({});
  recorder
    .mock("sns")
    .on(PublishCommand as never)
    .callsFake(() => ({ MessageId: uuid(++n) }));
  return schedules;
}

interface RouteEntry {
  readonly responsePlanArn?: string;
  readonly engage?: readonly string[];
}

/**
 * The router: every level's ALARM (incident and/or engagements), a repeat firing while the
 * incident is open, and the OK that follows (recovery).
 */
async function routerScenarios(ctx: ScenarioContext): Promise<void> {
  // The router's clock, which the answers above read too (an incident started a minute ago).
  let clock = new Date(0);
  const schedules = answerRouterCalls(ctx, () => clock.getTime());
  // The routing table is routing.json in the function's code archive, as Lambda deploys it.
  const table = (await archiveFiles(ctx.fn.inputs.code))["routing.json"];
  if (table === undefined) throw new Error(`${ctx.fn.name}: no routing.json in its code`);
  // Built as handler.ts builds it (production clients, which the recorder mocks), with the
  // scenario's clock and no log.
  const router = createRouter(
    { ...ctx.env, ROUTING_TABLE: table, AWS_REGION: ctx.region },
    { now: () => clock },
  );
  // Alarm events arrive from the router's queue (event source mapping), one record a batch.
  let messages = 0;
  const viaQueue = async (input: Record<string, unknown>) => {
    const messageId = `m-${++messages}`;
    const response = (await router({
      Records: [
        {
          messageId,
          receiptHandle: `r-${messages}`,
          body: JSON.stringify(input),
          attributes: { ApproximateReceiveCount: "1" },
          messageAttributes: {},
          md5OfBody: "",
          eventSource: "aws:sqs",
          eventSourceARN: `arn:aws:sqs:${ctx.region}:${ctx.account}:router-queue`,
          awsRegion: ctx.region,
        },
      ],
    })) as unknown as SqsBatchResponse; // the record's extra members select the direct overload
    // A failed record would hide the calls it did not make: every scenario must succeed.
    if (response.batchItemFailures.length > 0) {
      throw new Error(`${ctx.fn.name}: record ${messageId} failed (${JSON.stringify(input)})`);
    }
  };
  const routes = JSON.parse(table) as Record<string, RouteEntry>;
  const fired = new Date("2019-10-02T17:05:00.989Z");
  for (const [level, route] of Object.entries(routes)) {
    if (!route.responsePlanArn && !(route.engage ?? []).length) continue;
    clock = fired;
    await viaQueue(routerInput(level));
    if (!route.responsePlanArn) continue;
    const again = "2019-10-02T17:20:00.000+0000";
    clock = new Date("2019-10-02T17:20:10.000Z");
    await viaQueue(routerInputAt(level, again));
    const ok = "2019-10-02T17:40:00.000+0000";
    clock = new Date("2019-10-02T17:40:10.000Z");
    await viaQueue(routerInputAt(level, ok, "OK"));
  }
  await silenceScenarios(ctx, routes, schedules, viaQueue, (at) => (clock = at));
}

/**
 * When the stack silences (SILENCES set): an ALARM of a paging level's configured alarm inside a
 * maintenance window (silences Query, the "silence-ended" CreateSchedule, the Slack note), then
 * the schedule's delivery at the window's end (DescribeAlarms, still ALARM → paged).
 */
async function silenceScenarios(
  ctx: ScenarioContext,
  routes: Record<string, RouteEntry>,
  schedules: Input[],
  viaQueue: (input: Record<string, unknown>) => Promise<void>,
  setClock: (at: Date) => void,
): Promise<void> {
  if (ctx.env.SILENCES === undefined) return;
  const silences = JSON.parse(ctx.env.SILENCES) as {
    prefix: string;
    windows: { alarms: string[] }[];
  };
  const level = Object.keys(routes).find((l) => routes[l].responsePlanArn);
  if (level === undefined || silences.windows.length === 0) return;
  // Pulumi.prod.yaml's window: cron(0 2 ? * SUN *) Asia/Tokyo for 60 minutes, alarms api-*.
  const name = `${silences.prefix}-${level}-api-5xx`;
  const input = routerInputAt(level, "2026-12-05T17:30:00.000+0000") as {
    event: { resources: string[]; detail: { alarmName: string } };
  };
  input.event.detail.alarmName = name;
  input.event.resources = [`arn:aws:cloudwatch:${ctx.region}:${ctx.account}:alarm:${name}`];
  setClock(new Date("2026-12-05T17:30:05.000Z"));
  const before = schedules.length;
  await viaQueue(input);
  if (schedules.length !== before + 1) {
    throw new Error(`${ctx.fn.name}: the silenced ALARM scheduled no re-check`);
  }
  const target = schedules[before].Target as Input;
  setClock(new Date("2026-12-05T18:00:01.000Z"));
  await viaQueue(JSON.parse(String(target.Input)) as Record<string, unknown>);
}

/**
 * The drill function: for each paging level, the workflow's start of a drill and, 30 minutes
 * later, its report (which lists the pages, notes, resolves, stops and posts).
 */
async function drillScenarios(ctx: ScenarioContext): Promise<void> {
  const config = parseDrillEnv({ ...ctx.env, AWS_REGION: ctx.region });
  if (config.backend === "step-functions") return engineDrillScenarios(ctx, config);
  let clock = new Date("2026-12-07T01:00:03.000Z");
  answerRouterCalls(ctx, () => clock.getTime());
  const handler = createDrillHandler({
    config,
    incidents: new SSMIncidentsClient({ region: ctx.region }),
    contacts: new SSMContactsClient({ region: ctx.region }),
    sns: new SNSClient({ region: ctx.region }),
    now: () => clock,
    log: () => undefined,
  });
  for (const level of config.levels.keys()) {
    clock = new Date("2026-12-07T01:00:03.000Z");
    const started = await handler({ drill: { level, scheduledTime: "2026-12-07T01:00:00Z" } });
    if (started.decision !== "drill")
      throw new Error(`drill of ${level}: ${JSON.stringify(started)}`);
    clock = new Date("2026-12-07T01:30:03.000Z");
    const reported: DrillResult = await handler({
      drillReport: { level, incidentArn: started.incidentArn, startedAt: started.startedAt },
    });
    if (reported.decision !== "drill-report") {
      throw new Error(`drill report of ${level}: ${JSON.stringify(reported)}`);
    }
  }
}

/**
 * The drill function on backend step-functions: for each paging level, the workflow's start
 * (StartExecution of the engine's state machine, answered with the execution's ARN as Step
 * Functions builds it: `…:execution:<stateMachineName>:<name>`) and, 30 minutes later, its report
 * (GetItem of the incident the engine opened under the execution's name, the resolve, the stop
 * and the post). The table is the FakeTable with DynamoDB's conditional semantics, holding the
 * item the engine would have opened.
 */
async function engineDrillScenarios(
  ctx: ScenarioContext,
  config: EngineDrillConfig,
): Promise<void> {
  const { openIncidentRequest } = await import("../../handlers/shared/incidentStore");
  // The incident items by key; UpdateItem here is only the drill's resolve (status open or
  // acknowledged → resolved, else ConditionalCheckFailedException, as its condition says).
  const items = new Map<string, Record<string, AttributeValue>>();
  const keyOf = (i: Input) => JSON.stringify(i.Key);
  const dynamodb = ctx.recorder.mock("dynamodb");
  dynamodb.on(GetItemCommand as never).callsFake((i: Input) => {
    const item = items.get(keyOf(i));
    return item === undefined ? {} : { Item: item };
  });
  dynamodb.on(UpdateItemCommand as never).callsFake((i: Input) => {
    const item = items.get(keyOf(i));
    if (item === undefined || !["open", "acknowledged"].includes(String(item.status?.S))) {
      throw new ConditionalCheckFailedException({
        message: "The conditional request failed",
        $metadata: {},
      });
    }
    items.set(keyOf(i), { ...item, status: { S: "resolved" } });
    return { Attributes: items.get(keyOf(i)) };
  });
  const sfn = ctx.recorder.mock("sfn");
  let clock = new Date("2026-12-07T01:00:03.000Z");
  sfn.on(StartExecutionCommand as never).callsFake((i: Input) => {
    const machine = String(i.stateMachineArn);
    const executionArn = `${machine.replace(":stateMachine:", ":execution:")}:${String(i.name)}`;
    const input = JSON.parse(String(i.input)) as { alarmName: string; level: string };
    // What the engine's first task does with the execution (handlers/engine/adapters.ts).
    const opened = openIncidentRequest(config.incidentTable, {
      id: String(i.name),
      alarmName: input.alarmName,
      alertLevel: input.level,
      openedAt: clock,
      executionArn,
    });
    items.set(JSON.stringify({ pk: opened.Item?.pk }), opened.Item ?? {});
    return { executionArn, startDate: clock };
  });
  sfn.on(StopExecutionCommand as never).callsFake(() => ({ stopDate: clock }));
  ctx.recorder
    .mock("sns")
    .on(PublishCommand as never)
    .callsFake(() => ({ MessageId: uuid(1) }));
  const handler = createDrillHandler({
    config,
    sfn: new SFNClient({ region: ctx.region }),
    db: new DynamoDBClient({ region: ctx.region }),
    sns: new SNSClient({ region: ctx.region }),
    now: () => clock,
    log: () => undefined,
  });
  for (const level of config.levels) {
    clock = new Date("2026-12-07T01:00:03.000Z");
    const started = await handler({ drill: { level, scheduledTime: "2026-12-07T01:00:00Z" } });
    if (started.decision !== "engine-drill")
      throw new Error(`drill of ${level}: ${JSON.stringify(started)}`);
    clock = new Date("2026-12-07T01:30:03.000Z");
    const reported = await handler({
      drillReport: { level, executionArn: started.executionArn, startedAt: started.startedAt },
    });
    if (reported.decision !== "engine-drill-report" || !reported.resolved) {
      throw new Error(`drill report of ${level}: ${JSON.stringify(reported)}`);
    }
  }
}

/** The notifier: an ALARM and an OK of every level a webhook subscribes to. */
async function notifierScenarios(ctx: ScenarioContext): Promise<void> {
  const secretArn = ctx.env.WEBHOOK_SECRET_ARN;
  const version = ctx.resources.find(
    (r) =>
      r.type === "aws:secretsmanager/secretVersion:SecretVersion" &&
      r.inputs.secretId === secretArn,
  );
  if (!version) throw new Error(`${ctx.fn.name}: no secret version for ${secretArn}`);
  ctx.recorder
    .mock("secrets-manager")
    .on(GetSecretValueCommand as never)
    .callsFake((i: Input) => {
      if (i.SecretId !== secretArn) throw new Error(`unexpected secret ${String(i.SecretId)}`);
      return { SecretString: version.inputs.secretString };
    });
  // Lambda sets AWS_REGION in every function's environment, as the router scenario does above.
  const env = { ...ctx.env, AWS_REGION: ctx.region };
  const saved = applyEnv(env);
  let mod: typeof import("../../handlers/notifier/handler");
  try {
    const file = require.resolve("../../handlers/notifier/handler");
    delete require.cache[file];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(file) as typeof import("../../handlers/notifier/handler");
  } finally {
    applyEnv(saved);
  }
  const handler = mod.createHandler({
    config: mod.loadConfig(env, () => undefined),
    secrets: new SecretsManagerClient({ region: ctx.region }),
    // The webhook receivers are not AWS: answer 200 without a network.
    fetchFn: () => Promise.resolve(new Response(null, { status: 200 })),
    sleep: () => Promise.resolve(),
    nowSeconds: () => Math.floor(Date.now() / 1000),
    log: () => undefined,
  });
  const webhooks = JSON.parse(ctx.env.WEBHOOKS) as { levels: string[] }[];
  for (const level of new Set(webhooks.flatMap((w) => w.levels))) {
    await handler(routerInput(level));
    await handler(routerInput(level, "OK"));
  }
}

/**
 * The ack endpoint: a GET of an open incident, the POST that acknowledges it (Slack note), and a
 * second POST whose conditional write fails (the fallback read). The incident is the one open
 * item of the function's table; the key is the secret version's.
 */
async function ackScenarios(ctx: ScenarioContext): Promise<void> {
  const secretArn = ctx.env.ACK_KEY_SECRET_ARN;
  const table = ctx.env.INCIDENT_TABLE;
  const version = ctx.resources.find(
    (r) =>
      r.type === "aws:secretsmanager/secretVersion:SecretVersion" &&
      r.inputs.secretId === secretArn,
  );
  if (!version) throw new Error(`${ctx.fn.name}: no secret version for ${secretArn}`);
  const key = String(version.inputs.secretString);
  ctx.recorder
    .mock("secrets-manager")
    .on(GetSecretValueCommand as never)
    .callsFake((i: Input) => {
      if (i.SecretId !== secretArn) throw new Error(`unexpected secret ${String(i.SecretId)}`);
      return { SecretString: key };
    });
  const { openIncidentRequest, parseIncident } =
    await import("../../handlers/shared/incidentStore");
  const { signAckToken } = await import("../../handlers/shared/ackToken");
  const opened = openIncidentRequest(table, {
    id: "inc-1",
    alarmName: "prod-critical-api-5xx",
    alertLevel: "critical",
    openedAt: new Date("2026-12-02T00:50:00.000Z"),
  }).Item as Record<string, import("@aws-sdk/client-dynamodb").AttributeValue>;
  let acknowledged = false;
  const dynamo = ctx.recorder.mock("dynamodb");
  dynamo.on(GetItemCommand as never).callsFake((i: Input) => {
    if (i.TableName !== table) throw new Error(`unexpected table ${String(i.TableName)}`);
    return { Item: acknowledged ? { ...opened, status: { S: "acknowledged" } } : opened };
  });
  dynamo.on(UpdateItemCommand as never).callsFake((i: Input) => {
    if (i.TableName !== table) throw new Error(`unexpected table ${String(i.TableName)}`);
    if (acknowledged) {
      throw new ConditionalCheckFailedException({
        message: "The conditional request failed",
        $metadata: {},
      });
    }
    acknowledged = true;
    const item = { ...opened, status: { S: "acknowledged" } };
    parseIncident(item);
    return { Attributes: item };
  });
  ctx.recorder
    .mock("sns")
    .on(PublishCommand as never)
    .resolves({ MessageId: "m-1" } as never);
  const env = { ...ctx.env, AWS_REGION: ctx.region };
  const saved = applyEnv(env);
  let mod: typeof import("../../handlers/ack/handler");
  try {
    const file = require.resolve("../../handlers/ack/handler");
    delete require.cache[file];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(file) as typeof import("../../handlers/ack/handler");
  } finally {
    applyEnv(saved);
  }
  const handler = mod.handler;
  const token = signAckToken(
    { incidentId: "inc-1", contactAlias: "sato", channel: "email", expiresAt: 4_102_444_800 },
    key,
  );
  const event = (method: string) => ({
    version: "2.0",
    rawPath: "/ack/inc-1",
    rawQueryString: method === "GET" ? `t=${token}` : "",
    headers: {},
    requestContext: { http: { method } },
    ...(method === "POST" ? { body: `t=${token}` } : {}),
    isBase64Encoded: false,
  });
  const pages: number[] = [];
  for (const method of ["GET", "POST", "POST"]) {
    const r = await quietly(() => handler(event(method)));
    pages.push(r.statusCode);
  }
  if (pages.join() !== "200,200,200") throw new Error(`ack scenario pages ${pages.join()}`);
}

/** The ack bundle logs its JSON lines to stdout; the scenario asserts its calls, not its log. */
async function quietly<T>(run: () => Promise<T>): Promise<T> {
  const real = console.log;
  console.log = () => undefined;
  try {
    return await run();
  } finally {
    console.log = real;
  }
}

/**
 * The delivery-events function: an SES bounce, an SMS delivery and a Connect no-answer for pages
 * the index maps (GetItem, the timeline append, the Slack note), and an event for a message id
 * the stack never sent (GetItem only). Events are the documented samples of
 * tests/handlers/fixtures/deliveryEventFixtures.ts.
 */
async function deliveryEventsScenarios(ctx: ScenarioContext): Promise<void> {
  const table = ctx.env.INCIDENT_TABLE;
  const f = await import("../handlers/fixtures/deliveryEventFixtures");
  const { openIncidentRequest } = await import("../../handlers/shared/incidentStore");
  const incident = openIncidentRequest(table, {
    id: "inc-1",
    alarmName: "prod-critical-api-5xx",
    alertLevel: "critical",
    openedAt: new Date("2026-12-02T00:59:00.000Z"),
  }).Item;
  const mapped: Record<string, string> = {
    [`MESSAGE#${f.SES_MESSAGE_ID}`]: "email",
    [`MESSAGE#${f.SMS_MESSAGE_ID}`]: "sms",
    [`MESSAGE#${f.CONTACT_ID}`]: "voice",
  };
  const dynamo = ctx.recorder.mock("dynamodb");
  dynamo.on(GetItemCommand as never).callsFake((i: Input) => {
    if (i.TableName !== table) throw new Error(`unexpected table ${String(i.TableName)}`);
    const pk = (i.Key as { pk: { S: string } }).pk.S;
    const channel = mapped[pk];
    return channel === undefined
      ? {}
      : {
          Item: {
            pk: { S: pk },
            incidentId: { S: "inc-1" },
            contact: { S: "sato" },
            channel: { S: channel },
            sentAt: { S: "2026-12-02T01:00:00.000Z" },
            expiresAt: { N: "1803949200" },
          },
        };
  });
  dynamo.on(UpdateItemCommand as never).callsFake((i: Input) => {
    if (i.TableName !== table) throw new Error(`unexpected table ${String(i.TableName)}`);
    return { Attributes: incident };
  });
  ctx.recorder
    .mock("sns")
    .on(PublishCommand as never)
    .resolves({ MessageId: "m-1" } as never);
  const { createHandler } = await import("../../handlers/deliveryEvents/handler");
  const { parseEnv } = await import("../../handlers/deliveryEvents/core");
  const { DynamoDBClient } = await import("@aws-sdk/client-dynamodb");
  const handler = createHandler({
    config: parseEnv({ ...ctx.env, AWS_LAMBDA_FUNCTION_NAME: String(ctx.fn.inputs.name) }),
    db: new DynamoDBClient({ region: ctx.region }),
    sns: new SNSClient({ region: ctx.region }),
    now: () => new Date("2026-12-02T01:30:00.000Z"),
    log: () => undefined,
    metric: () => undefined,
  });
  const results = [];
  for (const event of [
    f.SES_BOUNCE,
    f.smsEvent("TEXT_DELIVERED"),
    f.CONNECT_NO_ANSWER,
    { ...f.SES_DELIVERY, detail: { ...f.SES_DELIVERY.detail, mail: { messageId: "not-ours" } } },
  ]) {
    results.push((await handler(event)).result);
  }
  if (results.join() !== "recorded,recorded,recorded,unknown-message") {
    throw new Error(`delivery-events scenario results ${results.join()}`);
  }
}

/** Scenarios by handler folder. */
export const SCENARIOS: Readonly<Record<string, (ctx: ScenarioContext) => Promise<void>>> = {
  router: routerScenarios,
  drill: drillScenarios,
  notifier: notifierScenarios,
  ack: ackScenarios,
  deliveryEvents: deliveryEventsScenarios,
};
