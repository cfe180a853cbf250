/**
 * The drill Lambda, invoked by the drill workflow (components/drills.ts): Scheduler starts a Step
 * Functions execution per scheduled drill, which invokes this function with
 * - `{"drill": {level, scheduledTime}}`: starts the [DRILL] incident (idempotent: the clientToken
 *   is derived from the scheduled run), returns `{incidentArn, startedAt}`;
 * - after the workflow's Wait, `{"drillReport": {level, incidentArn, startedAt}}`: collects the
 *   pages, notes the report on the incident's timeline, resolves it, stops the engagements still
 *   paging and posts the report to Slack.
 * Thin: decisions are in core.ts and events.ts, SDK calls in aws.ts; clients, clock and log are
 * injected (`createHandler`). Errors are re-thrown so the workflow's Retry runs, then the
 * execution fails (and the function's error alarm tells Slack).
 */
import { SNSClient } from "@aws-sdk/client-sns";
import { SSMContactsClient } from "@aws-sdk/client-ssm-contacts";
import { SSMIncidentsClient } from "@aws-sdk/client-ssm-incidents";
import type { DrillOutcome } from "../shared/drillReport";
import {
  createTimelineEvent,
  findIncident,
  listDrillPages,
  publish,
  startIncident,
  stopEngagement,
  updateIncident,
} from "./aws";
import {
  DRILL_REFUSAL_MESSAGES,
  drillNotification,
  drillObservation,
  drillPlanRefusal,
  drillRecordRefusal,
  drillReport,
  reportTimelineEvent,
  resolveInput,
  startIncidentInput,
  stopInputs,
  type DrillRefusal,
} from "./core";
import {
  DrillConfigError,
  DrillInputError,
  decideDrill,
  parseDrillEnv,
  type DrillConfig,
  type DrillDecision,
} from "./events";

export type DrillResult =
  | { readonly decision: "drill"; readonly incidentArn: string; readonly startedAt: string }
  | {
      readonly decision: "drill-report";
      readonly incidentArn: string;
      readonly outcome: DrillOutcome;
      readonly pages: number;
      readonly resolved: boolean;
      /** Engagements still running that were stopped. */
      readonly stopped: number;
    }
  | {
      /** Not this stack's drill: nothing read beyond its record, nothing changed (final). */
      readonly decision: "drill-report-refused";
      readonly incidentArn: string;
      readonly reason: DrillRefusal;
    };

export interface DrillDeps {
  readonly config: DrillConfig;
  readonly incidents: SSMIncidentsClient;
  readonly contacts: SSMContactsClient;
  readonly sns: SNSClient;
  readonly now: () => Date;
  /** One structured line per invocation (JSON, no addresses). */
  readonly log: (fields: Readonly<Record<string, unknown>>) => void;
}

export function createHandler(deps: DrillDeps): (event: unknown) => Promise<DrillResult> {
  return async (event) => {
    const labels = { alertLevel: levelOf(event) };
    try {
      const { result, log } = await run(decideDrill(event, deps.config), deps);
      deps.log({ ...labels, ...result, ...log });
      return result;
    } catch (err: unknown) {
      deps.log({ ...labels, decision: "error", ...errorFields(err) });
      throw err;
    }
  };
}

interface Outcome {
  readonly result: DrillResult;
  readonly log?: Readonly<Record<string, unknown>>;
}

async function run(decision: DrillDecision, deps: DrillDeps): Promise<Outcome> {
  if (decision.kind === "start") {
    const startedAt = deps.now();
    const incidentArn = await startIncident(deps.incidents, startIncidentInput(decision.start));
    return { result: { decision: "drill", incidentArn, startedAt: startedAt.toISOString() } };
  }
  return report(decision, deps);
}

/**
 * The report. The idempotent steps come first and the post last, so a retry after any failure
 * posts the report once. Only for this stack's drills: the event names an incident ARN, and
 * whoever may invoke the function could name a live incident; before anything is listed, noted
 * or resolved the ARN must be under one of the stack's plans and its record a drill's.
 */
async function report(
  decision: Extract<DrillDecision, { kind: "report" }>,
  deps: DrillDeps,
): Promise<Outcome> {
  const { incidentArn } = decision;
  const refused = (reason: DrillRefusal): Outcome => ({
    result: { decision: "drill-report-refused", incidentArn, reason },
    log: { message: DRILL_REFUSAL_MESSAGES[reason] },
  });
  const byPlan = drillPlanRefusal(incidentArn, decision.responsePlanArns);
  if (byPlan !== undefined) return refused(byPlan);
  const record = await findIncident(deps.incidents, incidentArn);
  if (record === undefined) return refused("INCIDENT_NOT_FOUND");
  const byRecord = drillRecordRefusal(decision, record);
  if (byRecord !== undefined) return refused(byRecord);

  const listed = await listDrillPages(deps.contacts, incidentArn);
  const observation = drillObservation(
    {
      incidentArn,
      title: record.title ?? "",
      // From the incident's creation (the event's startedAt only if the record has none).
      startedAt: record.creationTime ?? new Date(decision.startedAt),
    },
    listed,
    deps.now(),
  );
  const { report: r, text } = drillReport(observation, deps.config.namePrefix);
  await createTimelineEvent(deps.incidents, reportTimelineEvent(incidentArn, text, deps.now()));
  // Already resolved: by hand, or by an earlier attempt of this report.
  const resolve = record.status !== "RESOLVED";
  if (resolve) await updateIncident(deps.incidents, resolveInput(incidentArn));
  // Best effort: a stop that fails is logged; the engagements also end with their plans.
  let stopped = 0;
  const stopErrors: string[] = [];
  for (const input of stopInputs(observation, `[DRILL] finished (${r.outcome})`)) {
    try {
      await stopEngagement(deps.contacts, input);
      stopped++;
    } catch (err: unknown) {
      stopErrors.push(err instanceof Error ? err.name : typeof err);
    }
  }
  await publish(deps.sns, deps.config.alertsTopicArn, drillNotification(decision.level, r, text));
  return {
    result: {
      decision: "drill-report",
      incidentArn,
      outcome: r.outcome,
      pages: r.pages.length,
      resolved: resolve,
      stopped,
    },
    ...(stopErrors.length > 0 && { log: { stopErrors } }),
  };
}

function levelOf(event: unknown): string | null {
  const body = isRecord(event) ? (event.drill ?? event.drillReport) : undefined;
  const level = isRecord(body) ? body.level : undefined;
  return typeof level === "string" ? level.slice(0, 64) : null;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * What an error may put in the log: this module's own messages (built to be safe), otherwise
 * only an SDK error's name, HTTP status and request id (its message may quote the request).
 */
function errorFields(err: unknown): Record<string, string | number | undefined> {
  if (err instanceof DrillInputError)
    return { error: err.name, code: err.code, message: err.message };
  if (err instanceof DrillConfigError) return { error: err.name, message: err.message };
  if (!(err instanceof Error)) return { error: typeof err };
  const metadata: unknown = "$metadata" in err ? err.$metadata : undefined;
  const { httpStatusCode, requestId } =
    typeof metadata === "object" && metadata !== null
      ? (metadata as { httpStatusCode?: number; requestId?: string })
      : {};
  return { error: err.name, httpStatusCode, requestId };
}

// ---------------------------------------------------------------------------------------------
// Lambda wiring: configuration once at cold start (a bad variable fails it, naming the variable),
// clients once per execution environment.
// ---------------------------------------------------------------------------------------------

const retry = { maxAttempts: 5, retryMode: "standard" } as const;
let wired: ((event: unknown) => Promise<DrillResult>) | undefined;

export async function handler(event: unknown): Promise<DrillResult> {
  wired ??= createHandler({
    config: parseDrillEnv(process.env),
    incidents: new SSMIncidentsClient(retry),
    contacts: new SSMContactsClient(retry),
    sns: new SNSClient(retry),
    now: () => new Date(),
    log: (fields) => console.log(JSON.stringify(fields)),
  });
  return wired(event);
}
