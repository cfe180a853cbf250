/**
 * The router's configuration: the routing table (routing.json in the function's code) and its
 * environment variables. One typed value on both sides: the component builds the variables with
 * `routerEnv` (components/escalationPipeline.ts), and the handler reads the same names with
 * `parseRouterEnv` once, at cold start. The config schema (zod) has already validated what the
 * component passes; parseRouterEnv still checks each value, so that a function deployed or
 * edited by other means fails its cold start with a message naming the variable instead of
 * paging wrongly.
 *
 * Nothing here may import Pulumi or the AWS SDK: the component and the handler bundle both
 * import this module.
 */
import { parseSilenceConfig, type SilenceConfig } from "./silence";
import { ROUTING_TABLE_FILE } from "../shared/limits";
import { RouterConfigError, isRecord, show } from "./errors";
import {
  parseDeferEnv,
  parseOutsideHoursRoute,
  type DeferConfig,
  type DeferEnvironment,
  type OutsideHoursRoute,
} from "./hours";

/** How one level is routed. */
export interface LevelRoute {
  /** Incident impact, 1 (critical) to 5 (no impact). */
  readonly impact: number;
  /** Response plan to open an incident with; absent when the level opens no incident. */
  readonly responsePlanArn?: string;
  /** ssm-contacts contact ARNs to engage directly; empty when the level engages nobody. */
  readonly engage: readonly string[];
  /**
   * Resolve the level's open incident when its alarm returns to OK (needs DEDUPE_TABLE); without
   * it the incident stays open and the alarm stays mapped to it (a flap is a timeline event).
   */
  readonly resolveOnRecovery?: boolean;
  /**
   * Step-functions backend: an ALARM starts an execution of the engine's state machine
   * (STATE_MACHINE_ARN) instead of an incident; set only with STATE_MACHINE_ARN, never with
   * responsePlanArn or engage.
   */
  readonly execution?: true;
  /** What happens when the alarm changes state outside a calendar's hours (hours.ts). */
  readonly outsideHours?: OutsideHoursRoute;
}

/** The step-functions backend (STATE_MACHINE_ARN and INCIDENT_TABLE, both or neither). */
export interface StepFunctionsConfig {
  /** The escalation engine's state machine: `arn:aws:states:<region>:<account>:stateMachine:<name>`. */
  readonly stateMachineArn: string;
  /** The incident table (handlers/shared/incidentStore.ts) the engine opens incidents in. */
  readonly incidentTable: string;
}

/** The validated environment. */
export interface RouterConfig {
  /** Level name → route. A Map, so no level can collide with Object.prototype members. */
  readonly routing: ReadonlyMap<string, LevelRoute>;
  /** The stack's account (ACCOUNT_ID): an alarm of any other account pages nobody. */
  readonly account: string;
  /** The function's region (AWS_REGION): an alarm of any other region pages nobody. */
  readonly region: string;
  /** `triggerDetails.source` of every incident. */
  readonly incidentSource: string;
  /** `Sender` of every engagement. */
  readonly engagementSender: string;
  /** DynamoDB table mapping alarm → open incident; absent: no dedupe, no recovery notes. */
  readonly dedupeTable?: string;
  /** Set for the step-functions backend: levels with `execution` start the engine. */
  readonly stepFunctions?: StepFunctionsConfig;
  /** Where deferrals go (DEFER_* variables, hours.ts); absent: no level defers. */
  readonly defer?: DeferConfig;
  /** Maintenance windows and ad-hoc silences (silence.ts); absent: nothing is silenced. */
  readonly silences?: SilenceConfig;
}

/**
 * The router's environment variables (AWS_REGION aside, which Lambda sets). `T` is what the
 * component has (Pulumi inputs) or what the handler reads (strings).
 */
export interface RouterEnvironment<T = string> {
  readonly INCIDENT_SOURCE: T;
  readonly ENGAGEMENT_SENDER: T;
  /** Alarms of other accounts and regions page nobody (alarmEvent.ts foreignAlarm). */
  readonly ACCOUNT_ID: T;
  readonly DEDUPE_TABLE?: T;
  /** Step-functions backend: the engine's state machine ARN (with INCIDENT_TABLE). */
  readonly STATE_MACHINE_ARN?: T;
  /** Step-functions backend: the incident table's name (with STATE_MACHINE_ARN). */
  readonly INCIDENT_TABLE?: T;
  /** Deferrals (outsideHours defer, "silence-ended" re-checks): defer.ts DeferTarget. */
  readonly DEFER_QUEUE_ARN?: T;
  readonly DEFER_ROLE_ARN?: T;
  readonly DEFER_PREFIX?: T;
  /** Silences (silence.ts parseSilenceConfig): windows, table, prefix, language. */
  readonly SILENCES?: T;
  /** The alerts topic: the silenced ALARM's Slack note. */
  readonly ALERTS_TOPIC_ARN?: T;
}

/** What the component knows, by meaning; `routerEnv` names the variables. */
export interface RouterEnvArgs<T> {
  readonly incidentSource: T;
  readonly engagementSender: T;
  readonly accountId: T;
  /** The dedupe table's name, when the stack has one. */
  readonly dedupeTable?: T;
  /** The step-functions backend's state machine and incident table, when the stack uses it. */
  readonly stepFunctions?: { readonly stateMachineArn: T; readonly incidentTable: T };
  /** The deferral target, when a level defers (components/deferral.ts). */
  readonly defer?: DeferEnvironment<T>;
  /** SILENCES and the alerts topic, when the stack silences (components/silences.ts). */
  readonly silences?: { readonly config: T; readonly alertsTopicArn: T };
}

/** The router's environment variables, as the component sets them. */
export function routerEnv<T>(args: RouterEnvArgs<T>): RouterEnvironment<T> {
  return {
    INCIDENT_SOURCE: args.incidentSource,
    ENGAGEMENT_SENDER: args.engagementSender,
    ACCOUNT_ID: args.accountId,
    ...(args.dedupeTable !== undefined && { DEDUPE_TABLE: args.dedupeTable }),
    ...(args.stepFunctions !== undefined && {
      STATE_MACHINE_ARN: args.stepFunctions.stateMachineArn,
      INCIDENT_TABLE: args.stepFunctions.incidentTable,
    }),
    ...args.defer,
    ...(args.silences !== undefined && {
      SILENCES: args.silences.config,
      ALERTS_TOPIC_ARN: args.silences.alertsTopicArn,
    }),
  };
}

/** What parseRouterEnv reads: the variables above, and AWS_REGION. */
export type RouterEnvInput = Readonly<
  Partial<Record<keyof RouterEnvironment | "AWS_REGION", string | undefined>>
>;

// Limits from the API models (aws-models/ssm-incidents.json, ssm-contacts.json).
const SOURCE_MAX = 50;
const SENDER_MAX = 255;

// ---------------------------------------------------------------------------------------------
// parseRouterEnv
// ---------------------------------------------------------------------------------------------

export const LEVEL_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const ACCOUNT_ID = /^\d{12}$/;
/** As in ALARM_ARN. */
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
const RESPONSE_PLAN_ARN = /^arn:aws:ssm-incidents::\d{12}:response-plan\/[a-zA-Z0-9_-]{1,200}$/;
const CONTACT_ARN =
  /^arn:aws:ssm-contacts:[a-z]{2}(?:-[a-z]+)+-\d{1,2}:\d{12}:contact\/[a-z0-9_-]{1,255}$/;
/** The model's Sender pattern, with `\s` narrowed to ASCII space, tab, CR, LF and FF. */
const SENDER = /^[\\a-zA-Z0-9_@#%*+=:?./! \t\n\f\r-]*$/;
const ROUTE_KEYS = ["impact", "responsePlanArn", "engage", "resolveOnRecovery", "outsideHours"];
const EXECUTION_ROUTE_KEYS = ["impact", "execution", "resolveOnRecovery", "outsideHours"];
/**
 * A standard state machine's ARN (Step Functions API reference, StateMachineListItem /
 * CreateStateMachine `name`: 1-80 characters; the router's execution ARNs derive from it).
 */
const STATE_MACHINE_ARN =
  /^arn:aws:states:[a-z]{2}(?:-[a-z]+)+-\d{1,2}:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/;
/** DynamoDB table names (an ARN is not accepted: the IAM policy names the table anyway). */
const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

/**
 * Validates the router's configuration: the routing table and the environment.
 * - `ROUTING_TABLE` (the text of routing.json, which the component puts in the function's code:
 *   it grows with levels and contacts, and Lambda allows 4 KB of environment variables in all):
 *   JSON `{"<level>": {"impact": 1-5, "responsePlanArn"?: "...", "engage"?: [...],
 *   "resolveOnRecovery"?: boolean}}`; resolveOnRecovery needs responsePlanArn and DEDUPE_TABLE
 * Environment variables:
 * - `INCIDENT_SOURCE`: 1-50 characters, not starting with `aws.`
 * - `ENGAGEMENT_SENDER`: 1-255 characters of `[\a-zA-Z0-9_@#%*+=:?./!-]` and whitespace
 * - `ACCOUNT_ID`: the stack's 12-digit account id; `AWS_REGION` (set by Lambda): the region. An
 *   alarm event of another account or region is rejected (decide → "reject")
 * Optional; when set, validated like the rest:
 * - `DEDUPE_TABLE`: DynamoDB table name; turns on dedupe and recovery notes
 * - `STATE_MACHINE_ARN` and `INCIDENT_TABLE` (both or neither): the step-functions backend. Its
 *   routing entries are `{"impact": 1-5, "execution": true, "resolveOnRecovery"?: boolean}` (or
 *   `{"impact"}` alone: notify-only); responsePlanArn and engage belong to Incident Manager
 * Throws one `RouterConfigError` listing every problem, each prefixed with its variable's path.
 */
export function parseRouterEnv(
  env: RouterEnvInput,
  routingTable: string | undefined,
): RouterConfig {
  const problems: string[] = [];
  const stepFunctions = parseStepFunctions(env, problems);
  const routing = parseRoutingTable(
    routingTable,
    problems,
    env.STATE_MACHINE_ARN !== undefined && env.STATE_MACHINE_ARN !== "",
  );

  const incidentSource = env.INCIDENT_SOURCE ?? "";
  if (incidentSource === "") problems.push("INCIDENT_SOURCE: is not set");
  else if (incidentSource.length > SOURCE_MAX) {
    problems.push(
      `INCIDENT_SOURCE: must be at most ${SOURCE_MAX} characters, got ${incidentSource.length}`,
    );
  } else if (incidentSource.startsWith("aws.")) {
    problems.push(`INCIDENT_SOURCE: must not start with "aws.", got ${show(incidentSource)}`);
  }

  const engagementSender = env.ENGAGEMENT_SENDER ?? "";
  if (engagementSender === "") problems.push("ENGAGEMENT_SENDER: is not set");
  else if (engagementSender.length > SENDER_MAX) {
    problems.push(
      `ENGAGEMENT_SENDER: must be at most ${SENDER_MAX} characters, got ${engagementSender.length}`,
    );
  } else if (!SENDER.test(engagementSender)) {
    problems.push(
      `ENGAGEMENT_SENDER: may contain only letters, digits, whitespace and \\_@#%*+=:?./!-, got ${show(engagementSender)}`,
    );
  }

  const dedupeTable = optional(
    env,
    "DEDUPE_TABLE",
    TABLE_NAME,
    "a DynamoDB table name (3-255 characters of a-z, A-Z, 0-9, _ . -)",
    problems,
  );

  if (dedupeTable === undefined) {
    for (const [level, route] of routing) {
      if (route.resolveOnRecovery === true) {
        problems.push(
          `ROUTING_TABLE.${level}.resolveOnRecovery: needs DEDUPE_TABLE, through which the router finds the incident to resolve`,
        );
      }
    }
  }

  const defer = parseDeferEnv(env, problems);
  for (const [level, route] of routing) {
    const then = route.outsideHours?.then;
    if (then?.kind === "defer" && defer === undefined) {
      problems.push(
        `ROUTING_TABLE.${level}.outsideHours.then: defer needs DEFER_QUEUE_ARN, DEFER_ROLE_ARN and DEFER_PREFIX`,
      );
    }
  }

  const account = env.ACCOUNT_ID ?? "";
  if (!ACCOUNT_ID.test(account)) {
    problems.push(
      account === ""
        ? "ACCOUNT_ID: is not set (the stack's 12-digit account id)"
        : `ACCOUNT_ID: must be a 12-digit account id, got ${show(account)}`,
    );
  }
  // Lambda sets AWS_REGION to the function's region (reserved; a function cannot override it):
  // https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
  const region = env.AWS_REGION ?? "";
  if (!REGION.test(region)) {
    problems.push(
      region === ""
        ? "AWS_REGION: is not set (Lambda sets it to the function's region)"
        : `AWS_REGION: must be a region like ap-northeast-1, got ${show(region)}`,
    );
  }

  let silences: SilenceConfig | undefined;
  try {
    silences = parseSilenceConfig(env);
  } catch (err: unknown) {
    problems.push(err instanceof Error ? err.message : String(err));
  }

  if (problems.length > 0) throw new RouterConfigError(problems);
  return {
    routing,
    account,
    region,
    incidentSource,
    engagementSender,
    ...(dedupeTable !== undefined && { dedupeTable }),
    ...(stepFunctions !== undefined && { stepFunctions }),
    ...(defer !== undefined && { defer }),
    ...(silences !== undefined && { silences }),
  };
}

/** STATE_MACHINE_ARN and INCIDENT_TABLE: both (validated) or neither. */
function parseStepFunctions(
  env: RouterEnvInput,
  problems: string[],
): StepFunctionsConfig | undefined {
  const set = (name: "STATE_MACHINE_ARN" | "INCIDENT_TABLE"): boolean =>
    env[name] !== undefined && env[name] !== "";
  if (set("STATE_MACHINE_ARN") !== set("INCIDENT_TABLE")) {
    const [missing, present] = set("STATE_MACHINE_ARN")
      ? ["INCIDENT_TABLE", "STATE_MACHINE_ARN"]
      : ["STATE_MACHINE_ARN", "INCIDENT_TABLE"];
    problems.push(
      `${missing}: is not set, but ${present} is (the step-functions backend needs both)`,
    );
  }
  const stateMachineArn = optional(
    env,
    "STATE_MACHINE_ARN",
    STATE_MACHINE_ARN,
    "a state machine ARN arn:aws:states:<region>:<account>:stateMachine:<name>",
    problems,
  );
  const incidentTable = optional(
    env,
    "INCIDENT_TABLE",
    TABLE_NAME,
    "a DynamoDB table name (3-255 characters of a-z, A-Z, 0-9, _ . -)",
    problems,
  );
  return stateMachineArn !== undefined && incidentTable !== undefined
    ? { stateMachineArn, incidentTable }
    : undefined;
}

/** An optional variable: undefined when unset or empty, else validated against `pattern`. */
function optional(
  env: RouterEnvInput,
  name: keyof RouterEnvironment,
  pattern: RegExp,
  expected: string,
  problems: string[],
): string | undefined {
  const value = env[name];
  if (value === undefined || value === "") return undefined;
  if (!pattern.test(value)) {
    problems.push(`${name}: must be ${expected}, got ${show(value)}`);
    return undefined;
  }
  return value;
}

function parseRoutingTable(
  text: string | undefined,
  problems: string[],
  stepFunctions: boolean,
): Map<string, LevelRoute> {
  const routing = new Map<string, LevelRoute>();
  if (text === undefined) {
    problems.push(`ROUTING_TABLE: ${ROUTING_TABLE_FILE} is missing from the function's code`);
    return routing;
  }
  if (text === "") {
    problems.push(`ROUTING_TABLE: ${ROUTING_TABLE_FILE} is empty`);
    return routing;
  }
  let table: unknown;
  try {
    table = JSON.parse(text);
  } catch {
    problems.push("ROUTING_TABLE: is not valid JSON");
    return routing;
  }
  if (!isRecord(table)) {
    problems.push(`ROUTING_TABLE: must be a JSON object of levels, got ${show(table)}`);
    return routing;
  }
  const entries = Object.entries(table);
  if (entries.length === 0) problems.push("ROUTING_TABLE: must define at least one level");

  for (const [level, entry] of entries) {
    const path = `ROUTING_TABLE.${level}`;
    if (!LEVEL_NAME.test(level)) {
      problems.push(
        `${path}: level names must be 1-64 characters of a-z, 0-9, _ or -, not starting with _ or -`,
      );
      continue;
    }
    if (!isRecord(entry)) {
      problems.push(
        `${path}: must be an object {impact, responsePlanArn?, engage?, resolveOnRecovery?}, got ${show(entry)}`,
      );
      continue;
    }
    if (stepFunctions) {
      const route = parseExecutionRoute(path, entry, problems);
      if (route !== undefined) routing.set(level, route);
      continue;
    }
    const before = problems.length;
    if ("execution" in entry) {
      problems.push(`${path}.execution: needs STATE_MACHINE_ARN (the step-functions backend)`);
    }
    for (const key of Object.keys(entry)) {
      if (key === "execution") continue;
      if (!ROUTE_KEYS.includes(key)) {
        problems.push(
          `${path}.${key}: unknown key (expected impact, responsePlanArn, engage, resolveOnRecovery, outsideHours)`,
        );
      }
    }
    const { impact, responsePlanArn, engage, resolveOnRecovery } = entry;
    const outsideHours =
      entry.outsideHours === undefined
        ? undefined
        : parseOutsideHoursRoute(entry.outsideHours, `${path}.outsideHours`, problems);
    if (typeof impact !== "number" || !Number.isInteger(impact) || impact < 1 || impact > 5) {
      problems.push(`${path}.impact: must be an integer 1-5, got ${show(impact)}`);
    }
    if (
      responsePlanArn !== undefined &&
      (typeof responsePlanArn !== "string" || !RESPONSE_PLAN_ARN.test(responsePlanArn))
    ) {
      problems.push(
        `${path}.responsePlanArn: must be a response plan ARN arn:aws:ssm-incidents::<account>:response-plan/<name>, got ${show(responsePlanArn)}`,
      );
    }
    const contacts: readonly unknown[] = Array.isArray(engage) ? engage : [];
    if (engage !== undefined && contacts.length === 0) {
      problems.push(
        `${path}.engage: must be a non-empty list of contact ARNs (omit it to engage nobody), got ${show(engage)}`,
      );
    }
    contacts.forEach((arn, i) => {
      if (typeof arn !== "string" || !CONTACT_ARN.test(arn)) {
        problems.push(
          `${path}.engage[${i}]: must be a contact ARN arn:aws:ssm-contacts:<region>:<account>:contact/<alias>, got ${show(arn)}`,
        );
      } else if (contacts.indexOf(arn) !== i) {
        problems.push(`${path}.engage[${i}]: duplicate of engage[${contacts.indexOf(arn)}]`);
      }
    });
    if (resolveOnRecovery !== undefined && typeof resolveOnRecovery !== "boolean") {
      problems.push(
        `${path}.resolveOnRecovery: must be true or false, got ${show(resolveOnRecovery)}`,
      );
    } else if (resolveOnRecovery === true && responsePlanArn === undefined) {
      problems.push(
        `${path}.resolveOnRecovery: needs responsePlanArn (only incidents are resolved)`,
      );
    }
    if (problems.length === before) {
      routing.set(level, {
        impact: impact as number,
        ...(typeof responsePlanArn === "string" && { responsePlanArn }),
        engage: contacts as string[],
        ...(typeof resolveOnRecovery === "boolean" && { resolveOnRecovery }),
        ...(outsideHours !== undefined && { outsideHours }),
      });
    }
  }
  return routing;
}

/**
 * A routing entry of the step-functions backend:
 * `{impact, execution?: true, resolveOnRecovery?, outsideHours?}`.
 */
function parseExecutionRoute(
  path: string,
  entry: Readonly<Record<string, unknown>>,
  problems: string[],
): LevelRoute | undefined {
  const before = problems.length;
  for (const key of Object.keys(entry)) {
    if (!EXECUTION_ROUTE_KEYS.includes(key)) {
      problems.push(
        key === "responsePlanArn" || key === "engage"
          ? `${path}.${key}: belongs to the incident-manager backend; with STATE_MACHINE_ARN a level pages through "execution": true`
          : `${path}.${key}: unknown key (expected impact, execution, resolveOnRecovery, outsideHours)`,
      );
    }
  }
  const { impact, execution, resolveOnRecovery } = entry;
  const outsideHours =
    entry.outsideHours === undefined
      ? undefined
      : parseOutsideHoursRoute(entry.outsideHours, `${path}.outsideHours`, problems);
  if (typeof impact !== "number" || !Number.isInteger(impact) || impact < 1 || impact > 5) {
    problems.push(`${path}.impact: must be an integer 1-5, got ${show(impact)}`);
  }
  if (execution !== undefined && execution !== true) {
    problems.push(
      `${path}.execution: must be true (omit it for a level that pages nobody), got ${show(execution)}`,
    );
  }
  if (resolveOnRecovery !== undefined && typeof resolveOnRecovery !== "boolean") {
    problems.push(
      `${path}.resolveOnRecovery: must be true or false, got ${show(resolveOnRecovery)}`,
    );
  } else if (resolveOnRecovery === true && execution !== true) {
    problems.push(
      `${path}.resolveOnRecovery: needs "execution": true (only incidents are resolved)`,
    );
  }
  if (problems.length !== before) return undefined;
  return {
    impact: impact as number,
    engage: [],
    ...(execution === true && { execution: true as const }),
    ...(typeof resolveOnRecovery === "boolean" && { resolveOnRecovery }),
    ...(outsideHours !== undefined && { outsideHours }),
  };
}
