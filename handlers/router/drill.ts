/**
 * Drills, as pure builders: the one-time schedule that brings the report, the observation the
 * report is built from, and what the report sends (Slack through AWS Chatbot, the incident's
 * timeline, its resolution). The report itself is handlers/shared/drillReport.ts.
 */
import type { CreateScheduleCommandInput } from "@aws-sdk/client-scheduler";
import type { Engagement, Page, Receipt } from "@aws-sdk/client-ssm-contacts";
import type {
  CreateTimelineEventCommandInput,
  IncidentRecord,
  UpdateIncidentRecordCommandInput,
} from "@aws-sdk/client-ssm-incidents";
import {
  buildDrillReport,
  drillTitlePrefix,
  renderDrillReport,
  type DrillObservation,
  type DrillReport,
  type ReceiptType,
} from "../shared/drillReport";
import { sha256, truncate, type Decision } from "./core";

type DrillStart = Extract<Decision, { kind: "drill" }>;
type DrillReportDue = Extract<Decision, { kind: "drill-report" }>;

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
 * titled `[<level>] CloudWatch alarm "<name>"` (core.ts incidentTitle) and level names are
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
