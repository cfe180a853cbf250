/**
 * Everything the router does for drills, in one file (the alarm path imports only
 * `decideDrillInput`, `drillLogLabels` and `runDrill`):
 * - `{"drill": {level, scheduledTime, reportAfterMinutes}}` (EventBridge Scheduler): a [DRILL]
 *   incident to start, and the one-time schedule that brings its report;
 * - `{"drillReport": {level, incidentArn, startedAt}}` (that schedule): the observation the
 *   report is built from, and what the report sends (Slack through AWS Chatbot, the incident's
 *   timeline, its resolution). The report itself is handlers/shared/drillReport.ts.
 * Pure decisions and builders first, then the drill adapters (Scheduler, SNS, ssm-contacts
 * listings), then the handler's drill branch.
 */
import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  type SchedulerClient,
} from "@aws-sdk/client-scheduler";
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import {
  ListEngagementsCommand,
  ListPageReceiptsCommand,
  ListPagesByEngagementCommand,
  type Engagement,
  type Page,
  type Receipt,
  type SSMContactsClient,
} from "@aws-sdk/client-ssm-contacts";
import type {
  CreateTimelineEventCommandInput,
  IncidentRecord,
  SSMIncidentsClient,
  StartIncidentCommandInput,
  UpdateIncidentRecordCommandInput,
} from "@aws-sdk/client-ssm-incidents";
import {
  buildDrillReport,
  drillTitle,
  drillTitlePrefix,
  renderDrillReport,
  type DrillObservation,
  type DrillOutcome,
  type DrillReport,
  type ReceiptType,
} from "../shared/drillReport";
import {
  createTimelineEvent,
  findIncident,
  isNamed,
  startIncident,
  updateIncident,
} from "./adapters";
import { parseTimestamp, routeOf, truncate } from "./alarmEvent";
import { LEVEL_NAME, type RouterConfig } from "./env";
import { RouterConfigError, RoutingError, isRecord, malformed, show } from "./errors";
import { sha256 } from "./requests";

// ---------------------------------------------------------------------------------------------
// Decisions
// ---------------------------------------------------------------------------------------------

/** What the handler must do for a drill input. */
export type DrillDecision =
  | {
      /** A scheduled drill: start a [DRILL] incident, then schedule its report. */
      readonly kind: "drill";
      readonly level: string;
      readonly incident: StartIncidentCommandInput;
      readonly reportAfterMinutes: number;
      readonly namePrefix: string;
      readonly schedulerRoleArn: string;
    }
  | {
      /**
       * A drill's report is due: if the incident is this stack's drill (drill.ts
       * drillPlanRefusal,
       * drillRecordRefusal), collect the pages, post the report, resolve the incident.
       */
      readonly kind: "drill-report";
      readonly level: string;
      readonly incidentArn: string;
      readonly startedAt: string;
      readonly alertsTopicArn: string;
      readonly namePrefix: string | undefined;
      /** The stack's paging response plans: a drill incident lives under one of them. */
      readonly responsePlanArns: readonly string[];
      /** `triggerDetails.source` the drill started its incident with. */
      readonly incidentSource: string;
    };

type DrillStart = Extract<DrillDecision, { kind: "drill" }>;
type DrillReportDue = Extract<DrillDecision, { kind: "drill-report" }>;

/**
 * The decision for a drill input; undefined for any other input (an alarm's). Throws
 * `RoutingError` for a malformed drill input, `RouterConfigError` when a variable drills need is
 * not set.
 */
export function decideDrillInput(input: unknown, config: RouterConfig): DrillDecision | undefined {
  if (isRecord(input) && "drill" in input) return decideDrill(input.drill, config);
  if (isRecord(input) && "drillReport" in input) {
    return decideDrillReport(input.drillReport, config);
  }
  return undefined;
}

/** A report is due 1 minute to 1 day after the drill starts (the stack config allows 5-120). */
const REPORT_AFTER_MAX = 1440;
const INCIDENT_RECORD_ARN =
  /^arn:aws:ssm-incidents::\d{12}:incident-record\/[a-zA-Z0-9_-]{1,200}\/[a-zA-Z0-9_-]{1,200}$/;
const FUNCTION_ARN =
  /^arn:aws:lambda:[a-z]{2}(?:-[a-z]+)+-\d{1,2}:\d{12}:function:[a-zA-Z0-9_-]{1,64}(?::[a-zA-Z0-9$_-]{1,128})?$/;

type DrillVariable = "NAME_PREFIX" | "SCHEDULER_ROLE_ARN" | "ALERTS_TOPIC_ARN";

/**
 * `{"drill": {level, scheduledTime, reportAfterMinutes}}`. Everything the drill and its report
 * need is checked here, before anything starts, so no [DRILL] incident is opened that could not
 * be reported and resolved.
 */
function decideDrill(drill: unknown, config: RouterConfig): DrillStart {
  const { NAME_PREFIX: namePrefix, SCHEDULER_ROLE_ARN: schedulerRoleArn } = drillVariables(config, [
    "NAME_PREFIX",
    "SCHEDULER_ROLE_ARN",
    "ALERTS_TOPIC_ARN",
  ]);
  if (!isRecord(drill)) throw malformed("drill", "an object", drill);
  const { scheduledTime, reportAfterMinutes } = drill;
  const { level, route } = routeOf(drill.level, "drill.level", config);
  if (route.responsePlanArn === undefined) {
    throw new RoutingError(
      "NOT_A_PAGING_LEVEL",
      `drill.level ${show(level)} has no responsePlanArn in ROUTING_TABLE: only levels that open an incident can be drilled`,
    );
  }
  const at = typeof scheduledTime === "string" ? parseTimestamp(scheduledTime) : undefined;
  if (typeof scheduledTime !== "string" || at === undefined) {
    throw malformed(
      "drill.scheduledTime",
      "an ISO 8601 timestamp like 2026-12-07T01:00:00Z",
      scheduledTime,
    );
  }
  if (
    typeof reportAfterMinutes !== "number" ||
    !Number.isInteger(reportAfterMinutes) ||
    reportAfterMinutes < 1 ||
    reportAfterMinutes > REPORT_AFTER_MAX
  ) {
    throw malformed(
      "drill.reportAfterMinutes",
      `an integer 1-${REPORT_AFTER_MAX}`,
      reportAfterMinutes,
    );
  }
  return {
    kind: "drill",
    level,
    incident: {
      // One incident per level and scheduled run, however often Scheduler or Lambda retry.
      clientToken: sha256(`drill|${level}|${scheduledTime}`),
      responsePlanArn: route.responsePlanArn,
      impact: route.impact,
      title: drillTitle(level, scheduledTime),
      triggerDetails: {
        source: config.incidentSource,
        timestamp: at,
        rawData: JSON.stringify({ drill: { level, scheduledTime, reportAfterMinutes } }),
      },
    },
    reportAfterMinutes,
    namePrefix,
    schedulerRoleArn,
  };
}

/** `{"drillReport": {level, incidentArn, startedAt}}`, as the report schedule sends it. */
function decideDrillReport(report: unknown, config: RouterConfig): DrillReportDue {
  const { ALERTS_TOPIC_ARN: alertsTopicArn } = drillVariables(config, ["ALERTS_TOPIC_ARN"]);
  if (!isRecord(report)) throw malformed("drillReport", "an object", report);
  const { level, incidentArn, startedAt } = report;
  // The level only labels the report: it may have left ROUTING_TABLE since the drill started.
  if (typeof level !== "string" || !LEVEL_NAME.test(level)) {
    throw malformed("drillReport.level", "a level name", level);
  }
  if (typeof incidentArn !== "string" || !INCIDENT_RECORD_ARN.test(incidentArn)) {
    throw malformed(
      "drillReport.incidentArn",
      "an incident record ARN arn:aws:ssm-incidents::<account>:incident-record/<plan>/<id>",
      incidentArn,
    );
  }
  if (typeof startedAt !== "string" || parseTimestamp(startedAt) === undefined) {
    throw malformed("drillReport.startedAt", "an ISO 8601 timestamp", startedAt);
  }
  return {
    kind: "drill-report",
    level,
    incidentArn,
    startedAt,
    alertsTopicArn,
    namePrefix: config.namePrefix,
    responsePlanArns: [
      ...new Set([...config.routing.values()].flatMap((r) => r.responsePlanArn ?? [])),
    ],
    incidentSource: config.incidentSource,
  };
}

/** The drill variables `names`; a RouterConfigError naming every one that is not set. */
function drillVariables<K extends DrillVariable>(
  config: RouterConfig,
  names: readonly K[],
): Record<K, string> {
  const value: Record<DrillVariable, string | undefined> = {
    NAME_PREFIX: config.namePrefix,
    SCHEDULER_ROLE_ARN: config.schedulerRoleArn,
    ALERTS_TOPIC_ARN: config.alertsTopicArn,
  };
  const missing = names.filter((name) => value[name] === undefined);
  if (missing.length > 0) {
    throw new RouterConfigError(
      missing.map((name) => `${name}: is not set; drill events need it (alarms do not)`),
    );
  }
  return Object.fromEntries(names.map((name) => [name, value[name]])) as Record<K, string>;
}

/**
 * The router's own ARN from the Lambda context, which the report schedule invokes. Throws
 * `RoutingError` MISSING_CONTEXT when the context does not carry one.
 */
export function invokedFunctionArn(context: unknown): string {
  const arn = isRecord(context) ? context.invokedFunctionArn : undefined;
  if (typeof arn !== "string" || !FUNCTION_ARN.test(arn)) {
    throw new RoutingError(
      "MISSING_CONTEXT",
      `a drill needs the Lambda context's invokedFunctionArn to schedule its report, got ${show(arn)}`,
    );
  }
  return arn;
}

/**
 * A drill input's level for its log line (overriding the alarm labels, alarmEvent.ts logLabels);
 * undefined for other inputs.
 */
export function drillLogLabels(input: unknown): { alertLevel: string | null } | undefined {
  const drill = isRecord(input) ? (input.drill ?? input.drillReport) : undefined;
  if (!isRecord(drill)) return undefined;
  return { alertLevel: typeof drill.level === "string" ? truncate(drill.level, 64) : null };
}

// ---------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------

/** The event the report schedule sends to the router. */
export interface DrillReportEvent {
  readonly drillReport: {
    readonly level: string;
    readonly incidentArn: string;
    readonly startedAt: string;
  };
}

/** `<prefix>-drill-<first 16 hex of sha256(incident ARN)>`: one schedule per drill incident. */
export function reportScheduleName(namePrefix: string, incidentArn: string): string {
  return `${namePrefix}-drill-${sha256(incidentArn).slice(0, 16)}`;
}

/**
 * A one-time schedule, `reportAfterMinutes` from `now` (UTC, to the second), that invokes this
 * function with the drill report event and deletes itself afterwards.
 */
export function reportScheduleInput(
  drill: DrillStart,
  incidentArn: string,
  functionArn: string,
  startedAt: Date,
  now: Date,
): CreateScheduleCommandInput {
  const due = new Date(now.getTime() + drill.reportAfterMinutes * 60_000);
  const event: DrillReportEvent = {
    drillReport: { level: drill.level, incidentArn, startedAt: startedAt.toISOString() },
  };
  return {
    Name: reportScheduleName(drill.namePrefix, incidentArn),
    ScheduleExpression: `at(${due.toISOString().slice(0, 19)})`,
    ScheduleExpressionTimezone: "UTC",
    FlexibleTimeWindow: { Mode: "OFF" },
    ActionAfterCompletion: "DELETE",
    Target: { Arn: functionArn, RoleArn: drill.schedulerRoleArn, Input: JSON.stringify(event) },
  };
}

// ---------------------------------------------------------------------------------------------
// Which incidents a report may touch
// ---------------------------------------------------------------------------------------------

/**
 * Why a drill report refuses its incident. Anyone who may invoke the router (or pass the
 * scheduler role) can send a report event naming any incident ARN; a refused report reads no
 * pages, notes, resolves and posts nothing, logs one line with this code, and is final: the
 * invocation succeeds, so Lambda does not retry it.
 */
export type DrillRefusal =
  /** The ARN is not an incident record of one of this stack's paging response plans. */
  | "NOT_THIS_STACKS_PLAN"
  /** GetIncidentRecord: ResourceNotFoundException. */
  | "INCIDENT_NOT_FOUND"
  /** GetIncidentRecord answered with the record of another ARN. */
  | "OTHER_INCIDENT"
  /** The title is not a drill title of the report's level. */
  | "NOT_A_DRILL_TITLE"
  /** `incidentRecordSource.source` is not the `triggerDetails.source` drills start with. */
  | "OTHER_SOURCE";

/** The log line's message for each refusal; names no title, contact or alarm. */
export const DRILL_REFUSAL_MESSAGES: Readonly<Record<DrillRefusal, string>> = {
  NOT_THIS_STACKS_PLAN:
    "drill report refused: the incident is not under one of this stack's paging response plans; nothing resolved",
  INCIDENT_NOT_FOUND:
    "drill report refused: GetIncidentRecord found no such incident; nothing resolved",
  OTHER_INCIDENT:
    "drill report refused: GetIncidentRecord answered with another incident's record; nothing resolved",
  NOT_A_DRILL_TITLE:
    "drill report refused: the incident's title does not start with this level's drill title; nothing resolved",
  OTHER_SOURCE:
    "drill report refused: the incident's source is not the INCIDENT_SOURCE drills start with; nothing resolved",
};

/**
 * An incident record ARN is `arn:${Partition}:ssm-incidents::${Account}:incident-record/
 * ${ResponsePlan}/${IncidentRecord}` (service authorization reference, Incident Manager resource
 * types: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanagerincidentmanager.html);
 * its plan is `arn:aws:ssm-incidents::${Account}:response-plan/${ResponsePlan}`.
 */
const RECORD_OF_PLAN = /^arn:aws:ssm-incidents::(\d{12}):incident-record\/([^/]+)\/[^/]+$/;

/**
 * Checked before any call: the incident must live under one of the stack's paging response plans
 * (the only ones a drill starts incidents with, and the only records the router's role may read).
 */
export function drillPlanRefusal(due: DrillReportDue): DrillRefusal | undefined {
  const m = RECORD_OF_PLAN.exec(due.incidentArn);
  const plan = m ? `arn:aws:ssm-incidents::${m[1]}:response-plan/${m[2]}` : undefined;
  return plan !== undefined && due.responsePlanArns.includes(plan)
    ? undefined
    : "NOT_THIS_STACKS_PLAN";
}

/**
 * Checked on GetIncidentRecord's answer (none at all is INCIDENT_NOT_FOUND), before anything is
 * noted or resolved. The record must be the one asked for; titled as the router titles this
 * level's drills, `[DRILL] <level> paging drill ` (IncidentRecord `title`: "either provided by the
 * response plan or overwritten on creation", i.e. StartIncident's `title`; an alarm's incident is
 * titled `[<level>] CloudWatch alarm "<name>"` (requests.ts incidentTitle) and level names are
 * lower case, so no alarm's title starts
 * with `[DRILL]`); and with the source drills start with (IncidentRecord
 * `incidentRecordSource.source`, "The service that started the incident", which StartIncident
 * gives as `triggerDetails.source`, "the service that sourced the event"). Sources: ssm-incidents
 * API reference, IncidentRecord, IncidentRecordSource, TriggerDetails
 * (https://docs.aws.amazon.com/incident-manager/latest/APIReference/API_IncidentRecordSource.html).
 * GetIncidentRecord returns neither `triggerDetails.rawData` nor the clientToken, so the drill's
 * token cannot be checked here.
 */
export function drillRecordRefusal(
  due: DrillReportDue,
  record: Pick<IncidentRecord, "arn" | "title" | "incidentRecordSource">,
): DrillRefusal | undefined {
  if (record.arn !== due.incidentArn) return "OTHER_INCIDENT";
  if (!(record.title ?? "").startsWith(drillTitlePrefix(due.level))) return "NOT_A_DRILL_TITLE";
  if (record.incidentRecordSource?.source !== due.incidentSource) return "OTHER_SOURCE";
  return undefined;
}

/** What ssm-contacts listed for the incident: its engagements, their pages, the pages' receipts. */
export interface ListedEngagement {
  readonly engagement: Engagement;
  readonly pages: readonly { readonly page: Page; readonly receipts: readonly Receipt[] }[];
}

const RECEIPT_TYPES: readonly ReceiptType[] = ["SENT", "DELIVERED", "READ", "ERROR", "STOP"];

/** What GetIncidentRecord says about the drill incident. */
export interface DrillIncident {
  readonly title: string;
  readonly creationTime?: Date;
}

/**
 * The observation buildDrillReport reads, from the listings. Offsets count from the incident's
 * creation time (the event's `startedAt` only if the record has none: a retried drill start
 * schedules the report later than the incident began). Receipts of unknown types are left out.
 */
export function drillObservation(
  due: DrillReportDue,
  incident: DrillIncident,
  listed: readonly ListedEngagement[],
  now: Date,
): DrillObservation {
  const iso = (date: Date | undefined): string | undefined => date?.toISOString();
  return {
    incidentArn: due.incidentArn,
    title: incident.title,
    startedAt: iso(incident.creationTime) ?? due.startedAt,
    observedAt: now.toISOString(),
    engagements: listed.map(({ engagement: e }) => ({
      contactArn: e.ContactArn ?? "",
      engagementArn: e.EngagementArn ?? "",
      ...(e.StartTime !== undefined && { startedAt: iso(e.StartTime) }),
      ...(e.StopTime !== undefined && { stoppedAt: iso(e.StopTime) }),
    })),
    pages: listed.flatMap(({ pages }) =>
      pages.map(({ page: p, receipts }) => ({
        contactArn: p.ContactArn ?? "",
        engagementArn: p.EngagementArn ?? "",
        pageArn: p.PageArn ?? "",
        ...(p.SentTime !== undefined && { sentAt: iso(p.SentTime) }),
        ...(p.DeliveryTime !== undefined && { deliveredAt: iso(p.DeliveryTime) }),
        ...(p.ReadTime !== undefined && { readAt: iso(p.ReadTime) }),
        receipts: receipts.flatMap((r) => {
          const type = RECEIPT_TYPES.find((t) => t === r.ReceiptType);
          if (type === undefined || r.ReceiptTime === undefined) return [];
          return [
            {
              type,
              at: r.ReceiptTime.toISOString(),
              ...(r.ContactChannelArn !== undefined && { channelArn: r.ContactChannelArn }),
              ...(r.ReceiptInfo !== undefined && { info: r.ReceiptInfo }),
            },
          ];
        }),
      })),
    ),
  };
}

/** The report and its text. Contact names lose the stack's prefix (`ie-prod-sato` → `sato`). */
export function drillReport(
  observation: DrillObservation,
  namePrefix: string | undefined,
): { report: DrillReport; text: string } {
  const report = buildDrillReport(observation, {}, namePrefix);
  return { report, text: renderDrillReport(report) };
}

/** AWS Chatbot's limits are generous; these keep a very long report well within them. */
const TITLE_MAX = 250;
const DESCRIPTION_MAX = 8000;
/** CreateTimelineEvent eventData (API model: at most 12000). */
const EVENT_DATA_MAX = 12_000;

/** One-line outcome for the Slack title. */
function outcome(report: DrillReport): string {
  if (report.acknowledged !== null) return "acknowledged";
  return report.outcome === "errors" ? "NOT acknowledged, delivery errors" : "NOT acknowledged";
}

/** The SNS message: an AWS Chatbot custom notification carrying the report. */
export function drillNotification(level: string, report: DrillReport, text: string): string {
  return JSON.stringify({
    version: "1.0",
    source: "custom",
    content: {
      textType: "client-markdown",
      title: truncate(`[DRILL] ${level} paging drill: ${outcome(report)}`, TITLE_MAX),
      description: truncate(text, DESCRIPTION_MAX),
    },
  });
}

/** The report on the incident's timeline; one event per incident, however often retried. */
export function drillTimelineEvent(
  incidentArn: string,
  text: string,
  now: Date,
): CreateTimelineEventCommandInput {
  return {
    clientToken: sha256(`drill-report|${incidentArn}`),
    incidentRecordArn: incidentArn,
    eventTime: now,
    eventType: "Custom Event",
    eventData: truncate(text, EVENT_DATA_MAX),
  };
}

/** Resolves the drill incident. */
export function drillResolveInput(incidentArn: string): UpdateIncidentRecordCommandInput {
  return {
    arn: incidentArn,
    status: "RESOLVED",
    clientToken: sha256(`drill-resolve|${incidentArn}`),
  };
}

// ---------------------------------------------------------------------------------------------
// Adapters: EventBridge Scheduler, SNS, ssm-contacts listings
// ---------------------------------------------------------------------------------------------

/** Creates the schedule; "exists" when a retried invocation already created it. */
export async function createSchedule(
  client: SchedulerClient,
  input: CreateScheduleCommandInput,
): Promise<"created" | "exists"> {
  try {
    await client.send(new CreateScheduleCommand(input));
    return "created";
  } catch (err: unknown) {
    if (isNamed(err, "ConflictException")) return "exists";
    throw err;
  }
}

export async function publish(client: SNSClient, topicArn: string, message: string): Promise<void> {
  await client.send(new PublishCommand({ TopicArn: topicArn, Message: message }));
}

/** Every engagement of the incident, every page of each, every receipt of each page. */
export async function listDrillPages(
  client: SSMContactsClient,
  incidentArn: string,
): Promise<ListedEngagement[]> {
  const engagements = await all<Engagement>(async (next) => {
    const out = await client.send(new ListEngagementsCommand({ IncidentId: incidentArn, ...next }));
    return [out.Engagements ?? [], out.NextToken];
  });
  return Promise.all(
    engagements.map(async (engagement) => {
      const pages = await all<Page>(async (next) => {
        const out = await client.send(
          new ListPagesByEngagementCommand({ EngagementId: engagement.EngagementArn, ...next }),
        );
        return [out.Pages ?? [], out.NextToken];
      });
      const receipts = await Promise.all(
        pages.map((page) =>
          all<Receipt>(async (next) => {
            const out = await client.send(
              new ListPageReceiptsCommand({ PageId: page.PageArn, ...next }),
            );
            return [out.Receipts ?? [], out.NextToken];
          }),
        ),
      );
      return { engagement, pages: pages.map((page, i) => ({ page, receipts: receipts[i] })) };
    }),
  );
}

/**
 * Follows NextToken until the last page; `next` is `{}` for the first request, so no request
 * carries an undefined member. At most 100 requests, against a service that loops.
 */
async function all<T>(
  list: (next: { NextToken?: string }) => Promise<[readonly T[], string | undefined]>,
): Promise<T[]> {
  const items: T[] = [];
  let next: { NextToken?: string } = {};
  for (let request = 0; request < 100; request++) {
    const [batch, nextToken] = await list(next);
    items.push(...batch);
    if (nextToken === undefined || nextToken === "") return items;
    next = { NextToken: nextToken };
  }
  throw new Error("a listing returned more than 100 pages of results");
}

// ---------------------------------------------------------------------------------------------
// The handler's drill branch
// ---------------------------------------------------------------------------------------------

/** What the router answers a drill input with. */
export type DrillResult =
  | {
      readonly decision: "drill";
      readonly incidentArn: string;
      readonly schedule: string;
      readonly scheduleCreated: boolean;
    }
  | {
      readonly decision: "drill-report";
      readonly incidentArn: string;
      readonly outcome: DrillOutcome;
      readonly pages: number;
      readonly resolved: boolean;
    }
  | {
      /** Not this stack's drill: nothing read beyond its record, nothing changed (final). */
      readonly decision: "drill-report-refused";
      readonly incidentArn: string;
      readonly reason: DrillRefusal;
    };

/** What the drill branch uses of the handler's dependencies (createHandler.ts). */
export interface DrillDeps {
  readonly now: () => Date;
  readonly clients: {
    readonly incidents: SSMIncidentsClient;
    readonly contacts: () => SSMContactsClient;
    readonly scheduler: () => SchedulerClient;
    readonly sns: () => SNSClient;
  };
}

/** Runs a drill decision: its result, and what else the log line should say. */
export async function runDrill(
  decision: DrillDecision,
  deps: DrillDeps,
  context: unknown,
): Promise<{ readonly result: DrillResult; readonly log?: Readonly<Record<string, unknown>> }> {
  return decision.kind === "drill"
    ? startDrill(decision, deps, context)
    : reportDrill(decision, deps);
}

/** Starts the [DRILL] incident and schedules its report. */
async function startDrill(
  decision: DrillStart,
  { now, clients }: DrillDeps,
  context: unknown,
): Promise<{ readonly result: DrillResult }> {
  const functionArn = invokedFunctionArn(context); // checked before anything starts
  const startedAt = now();
  const incidentArn = await startIncident(clients.incidents, decision.incident);
  const schedule = reportScheduleInput(decision, incidentArn, functionArn, startedAt, now());
  const created = await createSchedule(clients.scheduler(), schedule);
  return {
    result: {
      decision: "drill",
      incidentArn,
      schedule: schedule.Name as string,
      scheduleCreated: created === "created",
    },
  };
}

/**
 * Collects the drill's pages, notes the report on the incident, resolves it, and posts the report
 * to Slack. The idempotent steps come first and the post last, so a retry after any failure posts
 * the report once.
 *
 * Only for this stack's drills: the report event names an incident ARN, and whoever may invoke
 * the router could name a live incident. Before anything is listed, noted or resolved the ARN must
 * be under one of the stack's plans and its record a drill's (drillPlanRefusal,
 * drillRecordRefusal); otherwise the report is refused: one log line with the reason, and the
 * invocation succeeds, so it is not retried.
 */
async function reportDrill(
  decision: DrillReportDue,
  { now, clients }: DrillDeps,
): Promise<{ readonly result: DrillResult; readonly log?: Readonly<Record<string, unknown>> }> {
  const { incidents } = clients;
  const { incidentArn } = decision;
  const refused = (reason: DrillRefusal) => ({
    result: { decision: "drill-report-refused", incidentArn, reason } as const,
    log: { message: DRILL_REFUSAL_MESSAGES[reason] },
  });
  const byPlan = drillPlanRefusal(decision);
  if (byPlan !== undefined) return refused(byPlan);
  const record = await findIncident(incidents, incidentArn);
  if (record === undefined) return refused("INCIDENT_NOT_FOUND");
  const byRecord = drillRecordRefusal(decision, record);
  if (byRecord !== undefined) return refused(byRecord);
  const listed = await listDrillPages(clients.contacts(), incidentArn);
  const observation = drillObservation(
    decision,
    { title: record.title ?? "", creationTime: record.creationTime },
    listed,
    now(),
  );
  const { report, text } = drillReport(observation, decision.namePrefix);
  await createTimelineEvent(incidents, drillTimelineEvent(incidentArn, text, now()));
  // Already resolved: by hand, or by an earlier attempt of this report.
  const resolve = record.status !== "RESOLVED";
  if (resolve) await updateIncident(incidents, drillResolveInput(incidentArn));
  await publish(
    clients.sns(),
    decision.alertsTopicArn,
    drillNotification(decision.level, report, text),
  );
  return {
    result: {
      decision: "drill-report",
      incidentArn,
      outcome: report.outcome,
      pages: report.pages.length,
      resolved: resolve,
    },
  };
}
