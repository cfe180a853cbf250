/**
 * The drill Lambda's configuration and events, as pure functions.
 *
 * `parseDrillEnv` validates the environment once, at cold start. `decideDrill` turns one event of
 * the drill workflow (components/drillSchedules.ts: Scheduler → Step Functions → this function)
 * into what to do. Backend incident-manager:
 * - `{"drill": {level, scheduledTime}}`: start a [DRILL] incident through the level's plan;
 * - `{"drillReport": {level, incidentArn, startedAt}}`: report, resolve, stop, post to Slack.
 * Backend step-functions (DRILL_BACKEND=step-functions):
 * - `{"drill": {level, scheduledTime}}`: start the drill execution of the engine's state machine;
 * - `{"drillReport": {level, executionArn, startedAt}}`: report from the incident table, resolve,
 *   stop the execution, post to Slack.
 * Anything else throws a `DrillInputError` naming the field, so the task fails visibly.
 */
import { drillTitle } from "../shared/drillReport";
import { isLanguage, type Language } from "../shared/messages";
import type { DrillStart } from "./core";

/** A level that can be drilled: it opens an incident with this response plan. */
export interface DrillLevel {
  readonly impact: number;
  readonly responsePlanArn: string;
}

/** The drill function's configuration on backend incident-manager (DRILL_BACKEND unset). */
export interface IncidentManagerDrillConfig {
  readonly backend: "incident-manager";
  /** Level name → plan. A Map, so no level can collide with Object.prototype members. */
  readonly levels: ReadonlyMap<string, DrillLevel>;
  /** The stack's physical-name prefix: in the token, and cut from contact names in reports. */
  readonly namePrefix: string;
  /** SNS topic (AWS Chatbot → Slack) reports are posted to. */
  readonly alertsTopicArn: string;
}

/**
 * The drill function's configuration on backend step-functions (DRILL_BACKEND=step-functions):
 * drills start executions of the engine's state machine and read the incident table.
 */
export interface EngineDrillConfig {
  readonly backend: "step-functions";
  /** The paging levels that may be drilled. */
  readonly levels: ReadonlySet<string>;
  readonly namePrefix: string;
  readonly alertsTopicArn: string;
  /** The engine's state machine, `arn:aws:states:<region>:<account>:stateMachine:<name>`. */
  readonly stateMachineArn: string;
  /** The incident table's name. */
  readonly incidentTable: string;
  /** The report's language (the stack's `language`). */
  readonly language: Language;
}

export type DrillConfig = IncidentManagerDrillConfig | EngineDrillConfig;

export type DrillDecision =
  | { readonly kind: "start"; readonly start: DrillStart }
  | {
      readonly kind: "report";
      readonly level: string;
      readonly incidentArn: string;
      readonly startedAt: string;
      /** The stack's paging response plans: a drill incident lives under one of them. */
      readonly responsePlanArns: readonly string[];
    }
  | {
      /** Backend step-functions: start the drill execution of the run at `runAt`. */
      readonly kind: "engine-start";
      readonly level: string;
      readonly runAt: Date;
    }
  | {
      /** Backend step-functions: report the drill execution `executionArn`. */
      readonly kind: "engine-report";
      readonly level: string;
      readonly executionArn: string;
      readonly startedAt: string;
    };

export type DrillInputErrorCode = "MALFORMED_EVENT" | "NOT_A_DRILL_LEVEL";

/** An event the drill function cannot act on. */
export class DrillInputError extends Error {
  static {
    this.prototype.name = "DrillInputError";
  }
  readonly code: DrillInputErrorCode;
  constructor(code: DrillInputErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** A missing or malformed environment variable; fails the cold start. */
export class DrillConfigError extends Error {
  static {
    this.prototype.name = "DrillConfigError";
  }
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(problems.join("; "));
    this.problems = problems;
  }
}

const LEVEL_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const RESPONSE_PLAN_ARN = /^arn:aws:ssm-incidents::\d{12}:response-plan\/[a-zA-Z0-9_-]{1,200}$/;
const INCIDENT_RECORD_ARN =
  /^arn:aws:ssm-incidents::\d{12}:incident-record\/[a-zA-Z0-9_-]{1,200}\/[a-zA-Z0-9_-]{1,200}$/;
const NAME_PREFIX = /^[a-zA-Z0-9_.-]{1,64}$/;
/** Standard topics only: AWS Chatbot does not read FIFO topics. */
const TOPIC_ARN = /^arn:aws:sns:[a-z]{2}(?:-[a-z]+)+-\d{1,2}:\d{12}:[a-zA-Z0-9_-]{1,256}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;

/**
 * Validates the drill function's environment:
 * - `DRILL_LEVELS`: JSON `{"<level>": {"impact": 1-5, "responsePlanArn": "..."}}`, the paging
 *   levels (only they have a response plan to drill);
 * - `NAME_PREFIX`: the stack's prefix, 1-64 characters of `[a-zA-Z0-9_.-]`;
 * - `ALERTS_TOPIC_ARN`: the SNS topic reports go to.
 * Throws one `DrillConfigError` listing every problem, each naming its variable.
 */
export function parseDrillEnv(env: Readonly<Record<string, string | undefined>>): DrillConfig {
  const backend = env.DRILL_BACKEND;
  if (backend === "step-functions") return parseEngineDrillEnv(env);
  if (backend !== undefined && backend !== "" && backend !== "incident-manager") {
    throw new DrillConfigError([
      `DRILL_BACKEND: expected incident-manager or step-functions, got ${show(backend)}`,
    ]);
  }
  const problems: string[] = [];
  const levels = new Map<string, DrillLevel>();
  const raw = env.DRILL_LEVELS;
  if (raw === undefined || raw === "") problems.push("DRILL_LEVELS: is not set");
  else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      problems.push("DRILL_LEVELS: is not JSON");
    }
    if (parsed !== undefined) {
      if (!isRecord(parsed) || Object.keys(parsed).length === 0) {
        problems.push('DRILL_LEVELS: expected an object {"<level>": {impact, responsePlanArn}}');
      } else {
        for (const [level, value] of Object.entries(parsed)) {
          const at = `DRILL_LEVELS.${level}`;
          if (!LEVEL_NAME.test(level)) problems.push(`${at}: not a level name`);
          else if (
            !isRecord(value) ||
            typeof value.impact !== "number" ||
            !Number.isInteger(value.impact) ||
            value.impact < 1 ||
            value.impact > 5
          ) {
            problems.push(`${at}.impact: expected an integer 1-5`);
          } else if (
            typeof value.responsePlanArn !== "string" ||
            !RESPONSE_PLAN_ARN.test(value.responsePlanArn)
          ) {
            problems.push(`${at}.responsePlanArn: expected a response plan ARN`);
          } else {
            levels.set(level, { impact: value.impact, responsePlanArn: value.responsePlanArn });
          }
        }
      }
    }
  }
  const namePrefix = required(
    env,
    "NAME_PREFIX",
    NAME_PREFIX,
    "1-64 characters of a-z, A-Z, 0-9, _ . -",
    problems,
  );
  const alertsTopicArn = required(env, "ALERTS_TOPIC_ARN", TOPIC_ARN, "an SNS topic ARN", problems);
  if (problems.length > 0) throw new DrillConfigError(problems);
  return { backend: "incident-manager", levels, namePrefix, alertsTopicArn };
}

/**
 * A state machine ARN: `arn:${Partition}:states:${Region}:${Account}:stateMachine:${Name}`, names
 * of 1-80 characters (service authorization reference, AWS Step Functions resource types;
 * StartExecution API reference, `name`). Its executions are
 * `arn:${Partition}:states:${Region}:${Account}:execution:${StateMachineName}:${ExecutionId}`.
 */
const STATE_MACHINE_ARN =
  /^arn:aws:states:([a-z]{2}(?:-[a-z]+)+-\d{1,2}):(\d{12}):stateMachine:([A-Za-z0-9_-]{1,80})$/;
const EXECUTION_ARN =
  /^arn:aws:states:[a-z]{2}(?:-[a-z]+)+-\d{1,2}:\d{12}:execution:[A-Za-z0-9_-]{1,80}:[A-Za-z0-9_-]{1,80}$/;
/** DynamoDB table names: 3-255 characters of a-z, A-Z, 0-9, _ - . (API reference, TableName). */
const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

/**
 * Backend step-functions (`DRILL_BACKEND=step-functions`):
 * - `DRILL_LEVELS`: JSON array of the paging levels' names;
 * - `STATE_MACHINE_ARN`: the engine's state machine; `INCIDENT_TABLE`: the incident table;
 * - `REPORT_LANGUAGE`: ja | en; `NAME_PREFIX` and `ALERTS_TOPIC_ARN` as above.
 */
function parseEngineDrillEnv(env: Readonly<Record<string, string | undefined>>): EngineDrillConfig {
  const problems: string[] = [];
  const levels = new Set<string>();
  const raw = env.DRILL_LEVELS;
  if (raw === undefined || raw === "") problems.push("DRILL_LEVELS: is not set");
  else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      problems.push("DRILL_LEVELS: is not JSON");
    }
    if (parsed !== undefined) {
      if (!Array.isArray(parsed) || parsed.length === 0) {
        problems.push('DRILL_LEVELS: expected a non-empty array of level names ["<level>", ...]');
      } else {
        parsed.forEach((level: unknown, i) => {
          if (typeof level !== "string" || !LEVEL_NAME.test(level)) {
            problems.push(`DRILL_LEVELS[${i}]: not a level name: ${show(level)}`);
          } else levels.add(level);
        });
      }
    }
  }
  const namePrefix = required(
    env,
    "NAME_PREFIX",
    NAME_PREFIX,
    "1-64 characters of a-z, A-Z, 0-9, _ . -",
    problems,
  );
  const alertsTopicArn = required(env, "ALERTS_TOPIC_ARN", TOPIC_ARN, "an SNS topic ARN", problems);
  const stateMachineArn = required(
    env,
    "STATE_MACHINE_ARN",
    STATE_MACHINE_ARN,
    "a Step Functions state machine ARN",
    problems,
  );
  const incidentTable = required(
    env,
    "INCIDENT_TABLE",
    TABLE_NAME,
    "a DynamoDB table name (3-255 characters of a-z, A-Z, 0-9, _ - .)",
    problems,
  );
  const language = env.REPORT_LANGUAGE;
  if (!isLanguage(language)) {
    problems.push(`REPORT_LANGUAGE: expected ja or en, got ${show(language)}`);
  }
  if (problems.length > 0) throw new DrillConfigError(problems);
  return {
    backend: "step-functions",
    levels,
    namePrefix,
    alertsTopicArn,
    stateMachineArn,
    incidentTable,
    language: language as Language,
  };
}

function required(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  pattern: RegExp,
  expected: string,
  problems: string[],
): string {
  const value = env[name];
  if (value === undefined || value === "") problems.push(`${name}: is not set`);
  else if (!pattern.test(value)) problems.push(`${name}: expected ${expected}, got ${show(value)}`);
  return value ?? "";
}

/** What to do for one event of the drill workflow. */
export function decideDrill(input: unknown, config: DrillConfig): DrillDecision {
  if (config.backend === "step-functions") {
    if (isRecord(input) && "drill" in input) return decideEngineStart(input.drill, config);
    if (isRecord(input) && "drillReport" in input) return decideEngineReport(input.drillReport);
  } else {
    if (isRecord(input) && "drill" in input) return decideStart(input.drill, config);
    if (isRecord(input) && "drillReport" in input) return decideReport(input.drillReport, config);
  }
  throw malformed("event", 'an object with "drill" or "drillReport"', input);
}

/** `{level, scheduledTime}` of a start event, checked against the stack's paging levels. */
function startOf(
  drill: unknown,
  known: readonly string[],
): { readonly level: string; readonly scheduledTime: string } {
  if (!isRecord(drill)) throw malformed("drill", "an object", drill);
  const { level, scheduledTime } = drill;
  if (typeof level !== "string") throw malformed("drill.level", "a string", level);
  if (!known.includes(level)) {
    throw new DrillInputError(
      "NOT_A_DRILL_LEVEL",
      `drill.level ${show(level)} is not a paging level of this stack (paging levels: ${known.join(", ")})`,
    );
  }
  if (typeof scheduledTime !== "string" || !ISO_TIME.test(scheduledTime)) {
    throw malformed(
      "drill.scheduledTime",
      "an ISO 8601 timestamp like 2026-12-07T01:00:00Z",
      scheduledTime,
    );
  }
  return { level, scheduledTime };
}

function decideEngineStart(drill: unknown, config: EngineDrillConfig): DrillDecision {
  const { level, scheduledTime } = startOf(drill, [...config.levels]);
  return { kind: "engine-start", level, runAt: new Date(scheduledTime) };
}

/**
 * The report event's fields, the same for both backends but for the record it names
 * (`arnKey`: executionArn or incidentArn). The level only labels the report: it may have stopped
 * paging since the drill started.
 */
function reportOf(
  report: unknown,
  arnKey: "executionArn" | "incidentArn",
  arnPattern: RegExp,
  arnForm: string,
): { level: string; arn: string; startedAt: string } {
  if (!isRecord(report)) throw malformed("drillReport", "an object", report);
  const { level, startedAt } = report;
  const arn = report[arnKey];
  if (typeof level !== "string" || !LEVEL_NAME.test(level)) {
    throw malformed("drillReport.level", "a level name", level);
  }
  if (typeof arn !== "string" || !arnPattern.test(arn)) {
    throw malformed(`drillReport.${arnKey}`, arnForm, arn);
  }
  if (typeof startedAt !== "string" || !ISO_TIME.test(startedAt)) {
    throw malformed("drillReport.startedAt", "an ISO 8601 timestamp", startedAt);
  }
  return { level, arn, startedAt };
}

function decideEngineReport(report: unknown): DrillDecision {
  const { level, arn, startedAt } = reportOf(
    report,
    "executionArn",
    EXECUTION_ARN,
    "an execution ARN arn:aws:states:<region>:<account>:execution:<state machine>:<name>",
  );
  return { kind: "engine-report", level, executionArn: arn, startedAt };
}

function decideStart(drill: unknown, config: IncidentManagerDrillConfig): DrillDecision {
  const { level, scheduledTime } = startOf(drill, [...config.levels.keys()]);
  const plan = config.levels.get(level) as DrillLevel;
  return {
    kind: "start",
    start: {
      prefix: config.namePrefix,
      level,
      impact: plan.impact,
      responsePlanArn: plan.responsePlanArn,
      title: drillTitle(level, scheduledTime),
      runAt: new Date(scheduledTime),
    },
  };
}

function decideReport(report: unknown, config: IncidentManagerDrillConfig): DrillDecision {
  const {
    level,
    arn: incidentArn,
    startedAt,
  } = reportOf(
    report,
    "incidentArn",
    INCIDENT_RECORD_ARN,
    "an incident record ARN arn:aws:ssm-incidents::<account>:incident-record/<plan>/<id>",
  );
  return {
    kind: "report",
    level,
    incidentArn,
    startedAt,
    responsePlanArns: [...new Set([...config.levels.values()].map((l) => l.responsePlanArn))],
  };
}

function malformed(path: string, expected: string, got: unknown): DrillInputError {
  return new DrillInputError("MALFORMED_EVENT", `${path}: expected ${expected}, got ${show(got)}`);
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A short rendering of a value for an error message: scalars verbatim, containers by kind. */
function show(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string")
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 79)}…` : value);
  if (value === null || typeof value === "number" || typeof value === "boolean")
    return String(value);
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
