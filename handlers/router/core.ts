/**
 * The router's decisions, as pure functions: plain data in, plain data out, no I/O.
 *
 * `parseRouterEnv` validates the Lambda's environment once, at cold start.
 * `decide` turns one input into what to do:
 * - `{"level": "<level>", "event": <CloudWatch "Alarm State Change" event>}` (EventBridge rule):
 *   a StartIncident input and/or StartEngagement inputs for an ALARM; for an OK on a paging level
 *   with DEDUPE_TABLE set, a recovery (dedupe.ts decides what it touches); nothing otherwise.
 * Drills are not the router's: they have their own function (handlers/drill/).
 * Anything it cannot route throws a `RoutingError`, so the invocation fails, Lambda retries it and
 * finally dead-letters it.
 */
import { createHash } from "node:crypto";
import type { StartEngagementCommandInput } from "@aws-sdk/client-ssm-contacts";
import type { StartIncidentCommandInput } from "@aws-sdk/client-ssm-incidents";
import { ROUTING_TABLE_FILE } from "../shared/limits";
import { ALARM_TEXT_LABELS as LABELS, alarmText, truncateText } from "../shared/untrustedText";

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

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
}

/** Identifies one alarm state change, for the dedupe table and idempotency tokens. */
export interface AlarmChange {
  readonly table: string;
  readonly level: string;
  readonly alarmName: string;
  readonly alarmArn: string;
  /** The state change's instant. */
  readonly at: Date;
  /** sha256(alarm ARN | state timestamp as written): StartIncident's clientToken for an ALARM. */
  readonly token: string;
}

export type IgnoreReason = "state OK" | "state INSUFFICIENT_DATA" | "level is notify-only";

/** What the handler must do for one input. Plain data; `null` means "no incident". */
export type Decision =
  | {
      readonly kind: "page";
      readonly level: string;
      readonly alarmName: string;
      readonly incident: StartIncidentCommandInput | null;
      readonly engagements: readonly StartEngagementCommandInput[];
      /** Set when DEDUPE_TABLE is set and an incident is to be started: look it up first. */
      readonly dedupe: AlarmChange | null;
    }
  | {
      /** OK on a paging level with DEDUPE_TABLE set: note the recovery on the open incident. */
      readonly kind: "recover";
      readonly level: string;
      readonly alarmName: string;
      readonly dedupe: AlarmChange;
      readonly resolveOnRecovery: boolean;
    }
  | {
      readonly kind: "ignore";
      readonly level: string;
      readonly alarmName: string;
      readonly reason: IgnoreReason;
    }
  | {
      /**
       * Another account's or region's alarm (forwarded by another bus, or a rule that matches too
       * much): logged and dropped, never paged and never retried (a retry cannot make it ours).
       */
      readonly kind: "reject";
      readonly level: string;
      readonly alarmName: string;
      readonly reason: string;
    };

export type RoutingErrorCode = "UNKNOWN_LEVEL" | "MALFORMED_EVENT";

/** An input the router cannot route. Its message never contains the alarm's reason text. */
export class RoutingError extends Error {
  static {
    // On the prototype, so that the stack trace captured by Error() already names the class.
    this.prototype.name = "RoutingError";
  }
  readonly code: RoutingErrorCode;

  constructor(code: RoutingErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export type RetryLaterCode =
  /**
   * Another invocation is opening this alarm's incident (dedupe table item "opening"), and this
   * input needs it: an OK to note, or a second delivery of the very state change being opened.
   */
  | "INCIDENT_OPENING"
  /** Conditional writes to the dedupe table kept losing to other invocations. */
  | "DEDUPE_CONFLICT";

/**
 * The input is fine but cannot be handled yet; thrown so that Lambda retries the invocation later
 * (and finally dead-letters it). Its message never contains the alarm's reason text.
 */
export class RetryLaterError extends Error {
  static {
    this.prototype.name = "RetryLaterError";
  }
  readonly code: RetryLaterCode;

  constructor(code: RetryLaterCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** A missing or malformed environment variable; every problem names its variable. */
export class RouterConfigError extends Error {
  static {
    this.prototype.name = "RouterConfigError";
  }
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.join("; "));
    this.problems = problems;
  }
}

// Limits from the API models (aws-models/ssm-incidents.json, ssm-contacts.json).
const TITLE_MAX = 200;
const RAW_DATA_MAX = 10_000;
const URL_MAX = 1000;
const ARN_MAX = 1000;
const SOURCE_MAX = 50;
const SENDER_MAX = 255;
/** CloudWatch's own limit; only malformed events have longer names, and texts cut them. */
export const ALARM_NAME_MAX = 255;
/**
 * Bounds of the quoted alarm texts (quotes, escapes and "…" included; handlers/shared/
 * untrustedText.ts): Subject (max 2048) and PublicContent (max 8192) hold one name, Content
 * (max 8192) two names and the reason, well within bounds whatever their lengths.
 */
const NAME_QUOTED_MAX = ALARM_NAME_MAX + 2;
const REASON_QUOTED_MAX = 2000;

// ---------------------------------------------------------------------------------------------
// decide
// ---------------------------------------------------------------------------------------------

/** Decides what one input does. Throws `RoutingError` for anything unroutable. */
export function decide(input: unknown, config: RouterConfig): Decision {
  const alarm = parseInput(input, config);
  const { level, route, alarmName } = alarm;
  const foreign = foreignAlarm(alarm, config);
  if (foreign !== undefined) return { kind: "reject", level, alarmName, reason: foreign };
  const dedupe =
    config.dedupeTable !== undefined && route.responsePlanArn !== undefined
      ? alarmChange(alarm, config.dedupeTable)
      : null;

  if (alarm.state === "OK" && dedupe !== null) {
    return {
      kind: "recover",
      level,
      alarmName,
      dedupe,
      resolveOnRecovery: route.resolveOnRecovery === true,
    };
  }
  if (alarm.state !== "ALARM") {
    return { kind: "ignore", level, alarmName, reason: `state ${alarm.state}` };
  }
  if (route.responsePlanArn === undefined && route.engage.length === 0) {
    return { kind: "ignore", level, alarmName, reason: "level is notify-only" };
  }
  return {
    kind: "page",
    level,
    alarmName,
    incident:
      route.responsePlanArn === undefined
        ? null
        : incidentInput(alarm, route.responsePlanArn, config.incidentSource),
    engagements: route.engage.map((contactArn) =>
      engagementInput(alarm, contactArn, config.engagementSender),
    ),
    dedupe,
  };
}

/**
 * Why an alarm is not this stack's, or undefined when it is: the event's top-level `account` and
 * `region` (which keep the sender's when another account or region forwards the event,
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html) and the alarm
 * ARN's must both be the function's. Account ids and regions are not personal data.
 */
export function foreignAlarm(
  alarm: Pick<Alarm, "account" | "region" | "event">,
  config: Pick<RouterConfig, "account" | "region">,
): string | undefined {
  const where = [
    ["event.account", alarm.event.account, config.account],
    ["event.region", alarm.event.region, config.region],
    ["event.resources[0] account", alarm.account, config.account],
    ["event.resources[0] region", alarm.region, config.region],
  ] as const;
  for (const [path, got, own] of where) {
    if (got !== own) {
      return `${path} is ${show(got)}, not this stack's ${show(own)}: another account's or region's alarm pages nobody here`;
    }
  }
  return undefined;
}

function alarmChange(alarm: Alarm, table: string): AlarmChange {
  return {
    table,
    level: alarm.level,
    alarmName: alarm.alarmName,
    alarmArn: alarm.alarmArn,
    at: alarm.time,
    token: changeToken(alarm),
  };
}

/** The idempotency token of one state change: StartIncident's clientToken, and the seed of others. */
function changeToken(alarm: Alarm): string {
  return sha256(`${alarm.alarmArn}|${alarm.stateTimestamp}`);
}

/** One alarm state change, validated. */
interface Alarm {
  readonly level: string;
  readonly route: LevelRoute;
  readonly event: Readonly<Record<string, unknown>>;
  readonly alarmName: string;
  readonly alarmArn: string;
  readonly region: string;
  readonly account: string;
  readonly state: "ALARM" | "OK" | "INSUFFICIENT_DATA";
  /** As written in the event; part of the idempotency tokens. */
  readonly stateTimestamp: string;
  readonly time: Date;
  readonly reason: string | undefined;
}

function incidentInput(
  alarm: Alarm,
  responsePlanArn: string,
  source: string,
): StartIncidentCommandInput {
  const url = consoleUrl(alarm);
  return {
    clientToken: changeToken(alarm),
    responsePlanArn,
    impact: alarm.route.impact,
    title: incidentTitle(alarm.level, alarm.alarmName),
    triggerDetails: {
      source,
      triggerArn: alarm.alarmArn,
      timestamp: alarm.time,
      rawData: rawData(alarm),
    },
    relatedItems:
      url === undefined
        ? []
        : [{ identifier: { type: "OTHER", value: { url } }, title: "CloudWatch alarm" }],
  };
}

function engagementInput(
  alarm: Alarm,
  contactArn: string,
  sender: string,
): StartEngagementCommandInput {
  // Alarm name and reason are untrusted (untrustedText.ts): stripped of control and format
  // characters, markup defused, and quoted after a fixed label, so neither can pass for the
  // stack's own text. CloudWatch names are at most 255 characters; the cut only bounds malformed
  // events.
  const name = alarmText(alarm.alarmName, NAME_QUOTED_MAX);
  const subject = `[${alarm.level}] ${LABELS.alarm} ${name} is in ALARM`;
  const reason =
    alarm.reason === undefined ? LABELS.noReason : alarmText(alarm.reason, REASON_QUOTED_MAX, true);
  const content = [
    subject,
    "",
    `Level: ${alarm.level}`,
    `${LABELS.name}: ${name}`,
    `Since: ${alarm.time.toISOString()}`,
    `${LABELS.reason}: ${reason}`,
    `Account: ${alarm.account}`,
    `Region: ${alarm.region}`,
    `Console: ${consoleUrl(alarm) ?? "(alarm name too long for a link)"}`,
  ].join("\n");
  return {
    ContactId: contactArn,
    Sender: sender,
    Subject: subject,
    Content: content,
    // SMS and voice are not private: level and alarm name only, never the reason.
    PublicSubject: subject,
    PublicContent: `${LABELS.alarm} ${name} (level ${alarm.level}) is in ALARM.`,
    IdempotencyToken: sha256(`${alarm.alarmArn}|${alarm.stateTimestamp}|${contactArn}`),
  };
}

/**
 * `[<level>] CloudWatch alarm "<name>"`, at most 200 characters (StartIncident title): the name
 * is untrusted, so it is stripped, defused and quoted after a fixed label (untrustedText.ts), and
 * a long one is cut inside its quotes. Level names are `[a-z0-9_-]`, so the `[<level>]` tag is
 * the stack's own, and no alarm's title starts with a drill's `[DRILL]`.
 */
export function incidentTitle(level: string, alarmName: string): string {
  const prefix = `[${level}] ${LABELS.alarm} `;
  return prefix + alarmText(alarmName, TITLE_MAX - prefix.length);
}

/**
 * The alarm's page in the CloudWatch console, or undefined when a long non-ASCII name makes it
 * longer than the model's 1000 characters (a cut URL would point nowhere).
 */
function consoleUrl({ region, alarmName }: Alarm): string | undefined {
  const url =
    `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}` +
    `#alarmsV2:alarm/${encodeURIComponent(alarmName)}`;
  return url.length <= URL_MAX ? url : undefined;
}

const OMITTED = "(omitted: event too large for rawData)";

/**
 * The event as JSON, at most 10000 characters and always valid JSON: the whole event if it
 * fits, else the event with its bulky fields replaced, else a summary of the validated fields.
 * Machine data for whoever audits the incident, so its alarm text stays as CloudWatch sent it
 * (JSON quotes it): nothing of the event is silently stripped or rewritten. The texts people
 * read (title, engagement texts) carry the sanitised, quoted form.
 */
function rawData(alarm: Alarm): string {
  const whole = jsonOf(alarm.event);
  if (whole !== undefined && whole.length <= RAW_DATA_MAX) return whole;

  const slim = jsonOf(withoutBulkyFields(alarm.event));
  if (slim !== undefined && slim.length <= RAW_DATA_MAX) return slim;

  return JSON.stringify({
    summary: OMITTED,
    resources: [alarm.alarmArn],
    detail: {
      alarmName: truncate(alarm.alarmName, ALARM_NAME_MAX),
      state: { value: alarm.state, timestamp: alarm.stateTimestamp },
    },
  });
}

function withoutBulkyFields(event: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const detail = recordOrEmpty(event.detail);
  const state = recordOrEmpty(detail.state);
  return {
    ...event,
    detail: {
      ...detail,
      ...("configuration" in detail && { configuration: OMITTED }),
      ...("previousState" in detail && { previousState: OMITTED }),
      state: { ...state, ...("reasonData" in state && { reasonData: OMITTED }) },
    },
  };
}

/** JSON text, or undefined for values JSON cannot represent (BigInt; never in a Lambda payload). */
function jsonOf(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Input validation
// ---------------------------------------------------------------------------------------------

const STATES = ["ALARM", "OK", "INSUFFICIENT_DATA"] as const;
/** Partition aws only, like the console URL built from it. */
const ALARM_ARN =
  /^arn:aws:cloudwatch:([a-z]{2}(?:-[a-z]+)+-\d{1,2}):(\d{12}):alarm:[^\p{Cc}\p{Cs}\u2028\u2029]+$/u;
/** CloudWatch writes `2019-10-02T17:04:40.989+0000`; `Z` and `+00:00` are accepted too. */
const TIMESTAMP =
  /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):?(\d{2}))$/;
const LONE_SURROGATE = /\p{Cs}/u;

function parseInput(input: unknown, config: RouterConfig): Alarm {
  if (!isRecord(input)) throw malformed("input", "an object", input);
  const { level, route } = routeOf(input.level, "level", config);

  const event = input.event;
  if (!isRecord(event)) throw malformed("event", "an object", event);
  const detail = event.detail;
  if (!isRecord(detail)) throw malformed("event.detail", "an object", detail);
  const alarmName = detail.alarmName;
  if (typeof alarmName !== "string" || alarmName === "" || LONE_SURROGATE.test(alarmName)) {
    throw malformed(
      "event.detail.alarmName",
      "a non-empty string of well-formed Unicode",
      alarmName,
    );
  }
  const state = detail.state;
  if (!isRecord(state)) throw malformed("event.detail.state", "an object", state);
  const stateValue = STATES.find((s) => s === state.value);
  if (stateValue === undefined) {
    throw malformed(
      "event.detail.state.value",
      '"ALARM", "OK" or "INSUFFICIENT_DATA"',
      state.value,
    );
  }
  const stateTimestamp = state.timestamp;
  const time = typeof stateTimestamp === "string" ? parseTimestamp(stateTimestamp) : undefined;
  if (typeof stateTimestamp !== "string" || time === undefined) {
    throw malformed(
      "event.detail.state.timestamp",
      "an ISO 8601 timestamp like 2019-10-02T17:04:40.989+0000",
      stateTimestamp,
    );
  }
  const resources = event.resources;
  const alarmArn = Array.isArray(resources) ? (resources as unknown[])[0] : undefined;
  const arn =
    typeof alarmArn === "string" && alarmArn.length <= ARN_MAX ? ALARM_ARN.exec(alarmArn) : null;
  if (typeof alarmArn !== "string" || arn === null) {
    throw malformed(
      "event.resources[0]",
      `a CloudWatch alarm ARN arn:aws:cloudwatch:<region>:<account>:alarm:<name> of at most ${ARN_MAX} characters`,
      alarmArn,
    );
  }

  return {
    level,
    route,
    event,
    alarmName,
    alarmArn,
    region: arn[1],
    account: arn[2],
    state: stateValue,
    stateTimestamp,
    time,
    reason: typeof state.reason === "string" ? state.reason : undefined,
  };
}

/** The route of `level`; throws MALFORMED_EVENT for a non-string, UNKNOWN_LEVEL for others. */
function routeOf(
  level: unknown,
  path: string,
  config: RouterConfig,
): { level: string; route: LevelRoute } {
  if (typeof level !== "string") throw malformed(path, "a string", level);
  const route = config.routing.get(level);
  if (route === undefined) {
    const knownLevels = [...config.routing.keys()].join(", ");
    throw new RoutingError(
      "UNKNOWN_LEVEL",
      `${path} ${show(level)} is not in ROUTING_TABLE (known levels: ${knownLevels})`,
    );
  }
  return { level, route };
}

/** Parses a strict ISO 8601 timestamp; rejects impossible dates such as Feb 30 or 24:00. */
function parseTimestamp(text: string): Date | undefined {
  const m = TIMESTAMP.exec(text);
  if (m === null) return undefined;
  const [, dateTime, fraction = "", sign, offsetHours = "00", offsetMinutes = "00"] = m;
  const millis = fraction.padEnd(3, "0").slice(0, 3);
  const utc = Date.parse(`${dateTime}.${millis}Z`);
  // Date.parse rolls 2019-02-30 over to March 2; a round trip exposes it.
  if (Number.isNaN(utc) || new Date(utc).toISOString().slice(0, 19) !== dateTime) return undefined;
  if (Number(offsetHours) > 23 || Number(offsetMinutes) > 59) return undefined;
  const offset = (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000;
  return new Date(sign === "-" ? utc + offset : utc - offset);
}

function malformed(path: string, expected: string, got: unknown): RoutingError {
  return new RoutingError("MALFORMED_EVENT", `${path}: expected ${expected}, got ${show(got)}`);
}

// ---------------------------------------------------------------------------------------------
// parseRouterEnv
// ---------------------------------------------------------------------------------------------

const LEVEL_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const ACCOUNT_ID = /^\d{12}$/;
/** As in ALARM_ARN. */
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
const RESPONSE_PLAN_ARN = /^arn:aws:ssm-incidents::\d{12}:response-plan\/[a-zA-Z0-9_-]{1,200}$/;
const CONTACT_ARN =
  /^arn:aws:ssm-contacts:[a-z]{2}(?:-[a-z]+)+-\d{1,2}:\d{12}:contact\/[a-z0-9_-]{1,255}$/;
/** The model's Sender pattern, with `\s` narrowed to ASCII space, tab, CR, LF and FF. */
const SENDER = /^[\\a-zA-Z0-9_@#%*+=:?./! \t\n\f\r-]*$/;
const ROUTE_KEYS = ["impact", "responsePlanArn", "engage", "resolveOnRecovery"];
/** DynamoDB table names (an ARN is not accepted: the IAM policy names the table anyway). */
const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

export { ROUTING_TABLE_FILE };

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
 * Throws one `RouterConfigError` listing every problem, each prefixed with its variable's path.
 */
export function parseRouterEnv(
  env: Readonly<Record<string, string | undefined>>,
  routingTable: string | undefined,
): RouterConfig {
  const problems: string[] = [];
  const routing = parseRoutingTable(routingTable, problems);

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

  if (problems.length > 0) throw new RouterConfigError(problems);
  return {
    routing,
    account,
    region,
    incidentSource,
    engagementSender,
    ...(dedupeTable !== undefined && { dedupeTable }),
  };
}

/** An optional variable: undefined when unset or empty, else validated against `pattern`. */
function optional(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
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

function parseRoutingTable(text: string | undefined, problems: string[]): Map<string, LevelRoute> {
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
    const before = problems.length;
    for (const key of Object.keys(entry)) {
      if (!ROUTE_KEYS.includes(key)) {
        problems.push(
          `${path}.${key}: unknown key (expected impact, responsePlanArn, engage, resolveOnRecovery)`,
        );
      }
    }
    const { impact, responsePlanArn, engage, resolveOnRecovery } = entry;
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
      });
    }
  }
  return routing;
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** Cuts `text` to at most `max` UTF-16 units, ending with "…", never splitting a surrogate pair. */
export const truncate = truncateText;

/** Level and alarm name of any input, for its log line. */
export function logLabels(input: unknown): { level: string | null; alarmName: string | null } {
  const level = isRecord(input) ? input.level : undefined;
  const event = isRecord(input) ? input.event : undefined;
  const detail = isRecord(event) ? event.detail : undefined;
  const alarmName = isRecord(detail) ? detail.alarmName : undefined;
  return {
    level: typeof level === "string" ? truncate(level, 64) : null,
    alarmName: typeof alarmName === "string" ? truncate(alarmName, ALARM_NAME_MAX) : null,
  };
}

export function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * A non-array object. The keys read from inputs (level, event, detail, state, ...) are not
 * Object.prototype members, so plain property reads cannot pick up inherited values.
 */
function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function recordOrEmpty(value: unknown): Readonly<Record<string, unknown>> {
  return isRecord(value) ? value : {};
}

/** A short rendering of a value for an error message: scalars verbatim, containers by kind. */
function show(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(truncate(value, 80));
  if (value === null || typeof value === "number" || typeof value === "boolean")
    return String(value);
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
