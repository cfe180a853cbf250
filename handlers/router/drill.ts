/**
 * Drills, as pure builders: the one-time schedule that brings the report, the observation the
 * report is built from, and what the report sends (Slack through AWS Chatbot, the incident's
 * timeline, its resolution). The report itself is handlers/shared/drillReport.ts.
 */
import type { CreateScheduleCommandInput } from "@aws-sdk/client-scheduler";
import type { Engagement, Page, Receipt } from "@aws-sdk/client-ssm-contacts";
import type {
  CreateTimelineEventCommandInput,
  UpdateIncidentRecordCommandInput,
} from "@aws-sdk/client-ssm-incidents";
import {
  buildDrillReport,
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
