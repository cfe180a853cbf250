/**
 * The drill Lambda, invoked by the drill workflow (components/drillSchedules.ts): Scheduler starts
 * a Step Functions execution per scheduled drill, which invokes this function with
 * - `{"drill": {level, scheduledTime}}`: starts the [DRILL] incident (idempotent: the clientToken
 *   is derived from the scheduled run), returns `{incidentArn, startedAt}`;
 * - after the workflow's Wait, `{"drillReport": {level, incidentArn, startedAt}}`: collects the
 *   pages, notes the report on the incident's timeline, resolves it, stops the engagements still
 *   paging and posts the report to Slack.
 * On backend step-functions (DRILL_BACKEND=step-functions) the same two steps drive the engine,
 * with the requests `npm run drill` sends (handlers/drill/engine.ts, engineAws.ts):
 * - `{"drill": ...}`: StartExecution of the engine's state machine, named from the scheduled run
 *   (idempotent: StartExecution "is idempotent for STANDARD workflows": the same name and input
 *   as a running execution returns the same response; Step Functions API reference,
 *   StartExecution), returns `{executionArn, startedAt}`;
 * - `{"drillReport": {level, executionArn, startedAt}}`: reads the incident item (GetItem),
 *   reports from its timeline, resolves it (conditional UpdateItem), stops the execution and
 *   posts the report to Slack.
 * Thin: decisions are in core.ts and events.ts, SDK calls in aws.ts; clients, clock and log are
 * injected (`createHandler`). Errors are re-thrown so the workflow's Retry runs, then the
 * execution fails (and the function's error alarm tells Slack).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SNSClient } from "@aws-sdk/client-sns";
import { SSMContactsClient } from "@aws-sdk/client-ssm-contacts";
import { SSMIncidentsClient } from "@aws-sdk/client-ssm-incidents";
import {
  buildDrillReport,
  drillTitle,
  renderDrillReport,
  type DrillOutcome,
} from "../shared/drillReport";
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
  drillResolveRequest,
  engineDrillObservation,
  engineExecutionRefusal,
  engineIncidentRefusal,
  executionNameOf,
  startExecutionInput,
  stopExecutionInput,
} from "./engine";
import { readIncident, resolveIncident, startExecution, stopExecution } from "./engineAws";
import {
  DrillConfigError,
  DrillInputError,
  decideDrill,
  parseDrillEnv,
  type DrillConfig,
  type DrillDecision,
  type EngineDrillConfig,
} from "./events";

export type DrillResult =
  | { readonly decision: "drill"; readonly incidentArn: string; readonly startedAt: string }
  | {
      /** Backend step-functions: the drill execution started (or already running). */
      readonly decision: "engine-drill";
      readonly executionArn: string;
      readonly startedAt: string;
    }
  | {
      /** Backend step-functions: reported, resolved, execution stopped, posted. */
      readonly decision: "engine-drill-report";
      readonly executionArn: string;
      readonly outcome: DrillOutcome;
      readonly pages: number;
      /** Whether this report resolved the incident (false: already resolved). */
      readonly resolved: boolean;
      /** Whether the execution was stopped (false: StopExecution failed; logged). */
      readonly stopped: boolean;
    }
  | {
      readonly decision: "engine-drill-report-refused";
      readonly executionArn: string;
      readonly reason: DrillRefusal;
    }
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
  /** Backend incident-manager's clients. */
  readonly incidents?: SSMIncidentsClient;
  readonly contacts?: SSMContactsClient;
  /** Backend step-functions' clients. */
  readonly sfn?: SFNClient;
  readonly db?: DynamoDBClient;
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
  switch (decision.kind) {
    case "start": {
      const startedAt = deps.now();
      const incidents = client(deps.incidents, "SSMIncidentsClient");
      const incidentArn = await startIncident(incidents, startIncidentInput(decision.start));
      return { result: { decision: "drill", incidentArn, startedAt: startedAt.toISOString() } };
    }
    case "report":
      return report(decision, deps);
    case "engine-start":
    case "engine-report":
      return runEngine(decision, deps);
  }
}

/** A client the backend needs; its absence is a wiring error of this module (handler below). */
function client<T>(c: T | undefined, name: string): T {
  if (c === undefined) throw new DrillConfigError([`the drill function has no ${name}`]);
  return c;
}

/**
 * Backend step-functions. The report's steps are retry-safe in this order: resolving twice
 * changes nothing the second time (conditional UpdateItem), the stop is best effort, and the post
 * comes last, so a retry after any failure posts once.
 */
async function runEngine(
  decision: Extract<DrillDecision, { kind: "engine-start" | "engine-report" }>,
  deps: DrillDeps,
): Promise<Outcome> {
  if (deps.config.backend !== "step-functions") {
    throw new DrillConfigError(["DRILL_BACKEND: an engine drill event needs step-functions"]);
  }
  const config: EngineDrillConfig = deps.config;
  const sfn = client(deps.sfn, "SFNClient");
  if (decision.kind === "engine-start") {
    const startedAt = deps.now();
    const executionArn = await startExecution(
      sfn,
      startExecutionInput({
        stateMachineArn: config.stateMachineArn,
        level: decision.level,
        runAt: decision.runAt,
      }),
    );
    return {
      result: { decision: "engine-drill", executionArn, startedAt: startedAt.toISOString() },
    };
  }
  const { executionArn, level } = decision;
  const refused = (reason: DrillRefusal): Outcome => ({
    result: { decision: "engine-drill-report-refused", executionArn, reason },
    log: { message: DRILL_REFUSAL_MESSAGES[reason] },
  });
  const byExecution = engineExecutionRefusal(executionArn, config.stateMachineArn);
  if (byExecution !== undefined) return refused(byExecution);
  const db = client(deps.db, "DynamoDBClient");
  const id = executionNameOf(executionArn);
  const incident = await readIncident(db, config.incidentTable, id);
  const byIncident = engineIncidentRefusal(incident, level);
  if (byIncident !== undefined) return refused(byIncident);

  const startedAt = new Date(decision.startedAt);
  const observation = engineDrillObservation(
    incident,
    { incidentId: id, title: drillTitle(level, decision.startedAt), startedAt },
    deps.now(),
  );
  const r = buildDrillReport(observation, {}, config.namePrefix);
  const text = renderDrillReport(r, config.language);
  const resolved = await resolveIncident(
    db,
    drillResolveRequest(config.incidentTable, id, deps.now()),
  );
  let stopped = true;
  let stopError: string | undefined;
  try {
    await stopExecution(sfn, stopExecutionInput(executionArn));
  } catch (err: unknown) {
    // Best effort: the engine checks the incident's status before every page, and it is
    // resolved now, so nothing more is sent (handlers/shared/incidentStore.ts recordPage).
    stopped = false;
    stopError = err instanceof Error ? err.name : typeof err;
  }
  await publish(
    deps.sns,
    config.alertsTopicArn,
    drillNotification(level, r, text, config.language),
  );
  return {
    result: {
      decision: "engine-drill-report",
      executionArn,
      outcome: r.outcome,
      pages: r.pages.length,
      resolved: resolved === "resolved",
      stopped,
    },
    ...(stopError !== undefined && { log: { stopErrors: [stopError] } }),
  };
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
  const incidents = client(deps.incidents, "SSMIncidentsClient");
  const contacts = client(deps.contacts, "SSMContactsClient");
  const record = await findIncident(incidents, incidentArn);
  if (record === undefined) return refused("INCIDENT_NOT_FOUND");
  const byRecord = drillRecordRefusal(decision, record);
  if (byRecord !== undefined) return refused(byRecord);

  const listed = await listDrillPages(contacts, incidentArn);
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
  await createTimelineEvent(incidents, reportTimelineEvent(incidentArn, text, deps.now()));
  // Already resolved: by hand, or by an earlier attempt of this report.
  const resolve = record.status !== "RESOLVED";
  if (resolve) await updateIncident(incidents, resolveInput(incidentArn));
  // Best effort: a stop that fails is logged; the engagements also end with their plans.
  let stopped = 0;
  const stopErrors: string[] = [];
  for (const input of stopInputs(observation, `[DRILL] finished (${r.outcome})`)) {
    try {
      await stopEngagement(contacts, input);
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
  if (wired === undefined) {
    const config = parseDrillEnv(process.env);
    const clients =
      config.backend === "step-functions"
        ? { sfn: new SFNClient(retry), db: new DynamoDBClient(retry) }
        : { incidents: new SSMIncidentsClient(retry), contacts: new SSMContactsClient(retry) };
    wired = createHandler({
      config,
      ...clients,
      sns: new SNSClient(retry),
      now: () => new Date(),
      log: (fields) => console.log(JSON.stringify(fields)),
    });
  }
  return wired(event);
}
