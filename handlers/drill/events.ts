/**
 * The drill Lambda's configuration and events, as pure functions.
 *
 * `parseDrillEnv` validates the environment once, at cold start. `decideDrill` turns one event of
 * the drill workflow (components/drills.ts: Scheduler → Step Functions → this function) into what
 * to do:
 * - `{"drill": {level, scheduledTime}}`: start a [DRILL] incident through the level's plan;
 * - `{"drillReport": {level, incidentArn, startedAt}}`: report, resolve, stop, post to Slack.
 * Anything else throws a `DrillInputError` naming the field, so the task fails visibly.
 */
import { drillTitle } from "../shared/drillReport";
import type { DrillStart } from "./core";

/** A level that can be drilled: it opens an incident with this response plan. */
export interface DrillLevel {
  readonly impact: number;
  readonly responsePlanArn: string;
}

export interface DrillConfig {
  /** Level name → plan. A Map, so no level can collide with Object.prototype members. */
  readonly levels: ReadonlyMap<string, DrillLevel>;
  /** The stack's physical-name prefix: in the token, and cut from contact names in reports. */
  readonly namePrefix: string;
  /** SNS topic (AWS Chatbot → Slack) reports are posted to. */
  readonly alertsTopicArn: string;
}

export type DrillDecision =
  | { readonly kind: "start"; readonly start: DrillStart }
  | {
      readonly kind: "report";
      readonly level: string;
      readonly incidentArn: string;
      readonly startedAt: string;
      /** The stack's paging response plans: a drill incident lives under one of them. */
      readonly responsePlanArns: readonly string[];
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
  return { levels, namePrefix, alertsTopicArn };
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
  if (isRecord(input) && "drill" in input) return decideStart(input.drill, config);
  if (isRecord(input) && "drillReport" in input) return decideReport(input.drillReport, config);
  throw malformed("event", 'an object with "drill" or "drillReport"', input);
}

function decideStart(drill: unknown, config: DrillConfig): DrillDecision {
  if (!isRecord(drill)) throw malformed("drill", "an object", drill);
  const { level, scheduledTime } = drill;
  if (typeof level !== "string") throw malformed("drill.level", "a string", level);
  const plan = config.levels.get(level);
  if (plan === undefined) {
    throw new DrillInputError(
      "NOT_A_DRILL_LEVEL",
      `drill.level ${show(level)} is not a paging level of this stack (paging levels: ${[...config.levels.keys()].join(", ")})`,
    );
  }
  if (typeof scheduledTime !== "string" || !ISO_TIME.test(scheduledTime)) {
    throw malformed(
      "drill.scheduledTime",
      "an ISO 8601 timestamp like 2026-12-07T01:00:00Z",
      scheduledTime,
    );
  }
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

function decideReport(report: unknown, config: DrillConfig): DrillDecision {
  if (!isRecord(report)) throw malformed("drillReport", "an object", report);
  const { level, incidentArn, startedAt } = report;
  // The level only labels the report: it may have stopped paging since the drill started.
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
  if (typeof startedAt !== "string" || !ISO_TIME.test(startedAt)) {
    throw malformed("drillReport.startedAt", "an ISO 8601 timestamp", startedAt);
  }
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
