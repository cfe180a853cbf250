/**
 * Drills, as pure functions (plain data in, plain data out, no I/O), shared by the drill Lambda
 * (scheduled drills: handlers/drill/handler.ts) and `npm run drill` (tools/drill.ts):
 * - the [DRILL] incident's StartIncident input and its idempotency token;
 * - the observation the report is built from (ssm-contacts listings → DrillObservation); the
 *   report itself is handlers/shared/drillReport.ts;
 * - what the report writes: the timeline event, the resolution, the StopEngagement inputs, the
 *   Slack notification;
 * - which incidents a report may touch (refusals);
 * - the drill Lambda's environment and events.
 */
import { createHash } from "node:crypto";
import type {
  Engagement,
  Page,
  Receipt,
  StopEngagementCommandInput,
} from "@aws-sdk/client-ssm-contacts";
import type {
  CreateTimelineEventCommandInput,
  IncidentRecord,
  StartIncidentCommandInput,
  UpdateIncidentRecordCommandInput,
} from "@aws-sdk/client-ssm-incidents";
import {
  buildDrillReport,
  contactAlias,
  drillTitlePrefix,
  renderDrillReport,
  type DrillObservation,
  type DrillReport,
  type ReceiptType,
} from "../shared/drillReport";
import { message, type Language } from "../shared/messages";
import { truncateText } from "../shared/untrustedText";

// ---------------------------------------------------------------------------------------------
// Starting a drill
// ---------------------------------------------------------------------------------------------

/**
 * `triggerDetails.source` of every drill incident, from the Lambda and the CLI alike (StartIncident
 * TriggerDetails.source: at most 50 characters, and "aws." prefixes are reserved for AWS
 * services; ssm-incidents API reference, TriggerDetails). GetIncidentRecord returns it as
 * `incidentRecordSource.source`, which a report checks before it resolves anything.
 */
export const DRILL_SOURCE = "incident-escalation.drill";
/** `eventType` of the timeline event holding the report (CreateTimelineEvent: "Custom Event"). */
export const REPORT_EVENT_TYPE = "Custom Event";
/** CreateTimelineEvent `eventData`: at most 12000 characters (API model). */
export const EVENT_DATA_MAX = 12_000;

export function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * StartIncident's clientToken (at most 128 characters): the same for every retry of one run
 * (Scheduler's scheduled time, or the CLI's start time), new for each run, and distinct between
 * stacks whose levels share a name.
 */
export function drillClientToken(prefix: string, level: string, runAt: string): string {
  return sha256(`drill|${prefix}|${level}|${runAt}`);
}

export interface DrillStart {
  readonly prefix: string;
  readonly level: string;
  readonly impact: number;
  readonly responsePlanArn: string;
  readonly title: string;
  /** The run's time: Scheduler's scheduled time, or when the CLI started the drill. */
  readonly runAt: Date;
}

/** The [DRILL] incident, through the level's real response plan. */
export function startIncidentInput(d: DrillStart): StartIncidentCommandInput {
  const runAt = d.runAt.toISOString();
  return {
    clientToken: drillClientToken(d.prefix, d.level, runAt),
    responsePlanArn: d.responsePlanArn,
    title: d.title,
    impact: d.impact,
    triggerDetails: {
      source: DRILL_SOURCE,
      timestamp: d.runAt,
      rawData: JSON.stringify({ drill: { level: d.level, runAt } }),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Observing: ssm-contacts listings → the observation the report reads
// ---------------------------------------------------------------------------------------------

/** What ssm-contacts listed for the incident: its engagements, their pages, the pages' receipts. */
export interface ListedEngagement {
  readonly engagement: Engagement;
  readonly pages: readonly { readonly page: Page; readonly receipts: readonly Receipt[] }[];
}

/** The receipt types buildDrillReport knows (ssm-contacts Receipt.ReceiptType). */
const RECEIPT_TYPES: readonly ReceiptType[] = ["SENT", "DELIVERED", "READ", "ERROR", "STOP"];

export interface DrillIncident {
  readonly incidentArn: string;
  readonly title: string;
  /** When the incident began; every offset in the report counts from here. */
  readonly startedAt: Date;
}

/**
 * The observation buildDrillReport reads, from the listings. Engagements and pages without their
 * ARN, and receipts of unknown types or without a time, are left out (never cast); `channels` maps
 * channel ARN → type when the caller listed them (the CLI does; the Lambda does not).
 */
export function drillObservation(
  incident: DrillIncident,
  listed: readonly ListedEngagement[],
  now: Date,
  channels?: Readonly<Record<string, string>>,
): DrillObservation {
  const iso = (date: Date | undefined): string | undefined => date?.toISOString();
  const engagements = listed.flatMap(({ engagement: e }) =>
    e.EngagementArn && e.ContactArn ? [{ e, contactArn: e.ContactArn, arn: e.EngagementArn }] : [],
  );
  return {
    incidentArn: incident.incidentArn,
    title: incident.title,
    startedAt: incident.startedAt.toISOString(),
    observedAt: now.toISOString(),
    engagements: engagements.map(({ e, contactArn, arn }) => ({
      contactArn,
      engagementArn: arn,
      ...(e.StartTime !== undefined && { startedAt: iso(e.StartTime) }),
      ...(e.StopTime !== undefined && { stoppedAt: iso(e.StopTime) }),
    })),
    pages: listed.flatMap(({ engagement, pages }) =>
      pages.flatMap(({ page: p, receipts }) =>
        p.PageArn
          ? [
              {
                contactArn: p.ContactArn ?? engagement.ContactArn ?? "",
                engagementArn: p.EngagementArn ?? engagement.EngagementArn ?? "",
                pageArn: p.PageArn,
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
              },
            ]
          : [],
      ),
    ),
    ...(channels !== undefined && { channels }),
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

// ---------------------------------------------------------------------------------------------
// Reporting: timeline, resolution, stopping what still pages, Slack
// ---------------------------------------------------------------------------------------------

/**
 * The report on the incident's timeline, as the text the CLI prints and Slack shows (responders
 * read the timeline in the console); one event per incident, however often retried.
 */
export function reportTimelineEvent(
  incidentArn: string,
  text: string,
  now: Date,
): CreateTimelineEventCommandInput {
  return {
    clientToken: sha256(`drill-report|${incidentArn}`),
    incidentRecordArn: incidentArn,
    eventTime: now,
    eventType: REPORT_EVENT_TYPE,
    eventData: truncateText(text, EVENT_DATA_MAX),
  };
}

/** Resolves the drill incident. */
export function resolveInput(incidentArn: string): UpdateIncidentRecordCommandInput {
  return {
    arn: incidentArn,
    status: "RESOLVED",
    clientToken: sha256(`drill-resolve|${incidentArn}`),
  };
}

/** StopEngagement `Reason`: at most 255 characters (ssm-contacts API model). */
const STOP_REASON_MAX = 255;

/**
 * StopEngagement inputs for the engagements still running when the drill ends, so a drill does
 * not go on paging after its report (escalation plan first, so no further stage starts).
 */
export function stopInputs(obs: DrillObservation, reason: string): StopEngagementCommandInput[] {
  const escalationFirst = (arn: string) => (/-escalation$/.test(contactAlias(arn)) ? 0 : 1);
  return obs.engagements
    .filter((e) => e.stoppedAt === undefined)
    .map((e, i) => ({ e, i }))
    .sort((a, b) => escalationFirst(a.e.contactArn) - escalationFirst(b.e.contactArn) || a.i - b.i)
    .map(({ e }) => ({
      EngagementId: e.engagementArn,
      Reason: reason.slice(0, STOP_REASON_MAX),
    }));
}

/** AWS Chatbot's limits are generous; these keep a very long report well within them. */
const TITLE_MAX = 250;
const DESCRIPTION_MAX = 8000;

/** One-line outcome for the Slack title. */
function outcome(report: DrillReport): string {
  if (report.acknowledged !== null) return "acknowledged";
  return report.outcome === "errors" ? "NOT acknowledged, delivery errors" : "NOT acknowledged";
}

/** The title in `language`, from the message catalogue (backend step-functions). */
function localizedTitle(level: string, report: DrillReport, language: Language): string {
  const key =
    report.acknowledged !== null
      ? "slack.drillReport.acknowledged"
      : report.outcome === "errors"
        ? "slack.drillReport.errors"
        : "slack.drillReport.notAcknowledged";
  return message(key, language, { level });
}

/**
 * The SNS message: an AWS Chatbot custom notification carrying the report. With `language` (the
 * step-functions backend's stack language) the title comes from the message catalogue; without
 * it, it is the English title Incident Manager drills have always posted.
 */
export function drillNotification(
  level: string,
  report: DrillReport,
  text: string,
  language?: Language,
): string {
  const title =
    language === undefined
      ? `[DRILL] ${level} paging drill: ${outcome(report)}`
      : localizedTitle(level, report, language);
  return JSON.stringify({
    version: "1.0",
    source: "custom",
    content: {
      textType: "client-markdown",
      title: truncateText(title, TITLE_MAX),
      description: truncateText(text, DESCRIPTION_MAX),
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Which incidents a report may touch
// ---------------------------------------------------------------------------------------------

/**
 * Why a drill report refuses its incident. Anyone who may invoke the drill function can send a
 * report event naming any incident ARN; a refused report reads no pages, notes, resolves and
 * posts nothing, logs one line with this code, and is final: the invocation succeeds, so the
 * workflow does not retry it.
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
  /** `incidentRecordSource.source` is not DRILL_SOURCE. */
  | "OTHER_SOURCE"
  /** Backend step-functions: the execution is not of this stack's engine state machine. */
  | "NOT_THIS_STACKS_ENGINE"
  /** Backend step-functions: the execution's name is not a drill's (`DRILL-…`). */
  | "NOT_A_DRILL_EXECUTION"
  /** Backend step-functions: the incident table has no item for the execution. */
  | "NO_INCIDENT_ITEM"
  /** Backend step-functions: the incident's alarm is not this level's drill alarm. */
  | "NOT_A_DRILL_INCIDENT";

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
    "drill report refused: the incident's source is not the DRILL_SOURCE drills start with; nothing resolved",
  NOT_THIS_STACKS_ENGINE:
    "drill report refused: the execution is not of this stack's escalation state machine; nothing resolved",
  NOT_A_DRILL_EXECUTION:
    "drill report refused: the execution's name is not a drill execution's (DRILL-…); nothing resolved",
  NO_INCIDENT_ITEM:
    "drill report refused: the incident table has no incident for the execution; nothing resolved",
  NOT_A_DRILL_INCIDENT:
    "drill report refused: the incident's alarm is not this level's [DRILL] alarm; nothing resolved",
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
 * (the only ones a drill starts incidents with, and the only records the drill role may read).
 */
export function drillPlanRefusal(
  incidentArn: string,
  responsePlanArns: readonly string[],
): DrillRefusal | undefined {
  const m = RECORD_OF_PLAN.exec(incidentArn);
  const plan = m ? `arn:aws:ssm-incidents::${m[1]}:response-plan/${m[2]}` : undefined;
  return plan !== undefined && responsePlanArns.includes(plan) ? undefined : "NOT_THIS_STACKS_PLAN";
}

/**
 * Checked on GetIncidentRecord's answer (none at all is INCIDENT_NOT_FOUND), before anything is
 * noted or resolved. The record must be the one asked for; titled as drills of this level are,
 * `[DRILL] <level> paging drill ` (IncidentRecord `title`: "either provided by the response plan
 * or overwritten on creation", i.e. StartIncident's `title`; an alarm's incident is titled
 * `[<level>] CloudWatch alarm "<name>"` (handlers/router core.ts incidentTitle) and level names are
 * lower case, so no alarm's title starts with `[DRILL]`); and with DRILL_SOURCE (IncidentRecord
 * `incidentRecordSource.source`, "The service that started the incident", which StartIncident
 * gives as `triggerDetails.source`). Sources: ssm-incidents API reference, IncidentRecord,
 * IncidentRecordSource, TriggerDetails
 * (https://docs.aws.amazon.com/incident-manager/latest/APIReference/API_IncidentRecordSource.html).
 * GetIncidentRecord returns neither `triggerDetails.rawData` nor the clientToken, so the drill's
 * token cannot be checked here.
 */
export function drillRecordRefusal(
  due: { readonly incidentArn: string; readonly level: string },
  record: Pick<IncidentRecord, "arn" | "title" | "incidentRecordSource">,
): DrillRefusal | undefined {
  if (record.arn !== due.incidentArn) return "OTHER_INCIDENT";
  if (!(record.title ?? "").startsWith(drillTitlePrefix(due.level))) return "NOT_A_DRILL_TITLE";
  if (record.incidentRecordSource?.source !== DRILL_SOURCE) return "OTHER_SOURCE";
  return undefined;
}
