/**
 * The router's decisions, as pure functions: plain data in, plain data out, no I/O.
 *
 * `parseRouterEnv` validates the Lambda's environment once, at cold start.
 * `decide` turns one EventBridge input `{"level": "<level>", "event": <CloudWatch "Alarm State
 * Change" event>}` into what to start: a StartIncident input and/or StartEngagement inputs for
 * an ALARM, nothing for OK / INSUFFICIENT_DATA / notify-only levels. Anything it cannot route
 * throws a `RoutingError`, so the invocation fails, Lambda retries it and finally dead-letters it.
 */
import { createHash } from "node:crypto";
import type { StartEngagementCommandInput } from "@aws-sdk/client-ssm-contacts";
import type { StartIncidentCommandInput } from "@aws-sdk/client-ssm-incidents";

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
}

/** The validated environment. */
export interface RouterConfig {
  /** Level name → route. A Map, so no level can collide with Object.prototype members. */
  readonly routing: ReadonlyMap<string, LevelRoute>;
  /** `triggerDetails.source` of every incident. */
  readonly incidentSource: string;
  /** `Sender` of every engagement. */
  readonly engagementSender: string;
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
    }
  | {
      readonly kind: "ignore";
      readonly level: string;
      readonly alarmName: string;
      readonly reason: IgnoreReason;
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
const ALARM_NAME_MAX = 255;
/** Keeps Content (max 8192) well within bounds whatever the reason's length. */
const REASON_MAX = 2000;

// ---------------------------------------------------------------------------------------------
// decide
// ---------------------------------------------------------------------------------------------

/** Decides what one EventBridge input starts. Throws `RoutingError` for anything unroutable. */
export function decide(input: unknown, config: RouterConfig): Decision {
  const alarm = parseInput(input, config);
  const { level, route, alarmName } = alarm;

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
  };
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
    clientToken: sha256(`${alarm.alarmArn}|${alarm.stateTimestamp}`),
    responsePlanArn,
    impact: alarm.route.impact,
    title: truncate(`[${alarm.level}] ${alarm.alarmName}`, TITLE_MAX),
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
  // CloudWatch names are at most 255 characters; the cut only bounds malformed events.
  const name = truncate(alarm.alarmName, ALARM_NAME_MAX);
  const subject = `[${alarm.level}] CloudWatch alarm ${name} is in ALARM`;
  const content = [
    subject,
    "",
    `Level: ${alarm.level}`,
    `Alarm: ${name}`,
    `Since: ${alarm.time.toISOString()}`,
    `Reason: ${alarm.reason === undefined ? "(none given)" : truncate(alarm.reason, REASON_MAX)}`,
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
    PublicContent: `CloudWatch alarm ${name} (level ${alarm.level}) is in ALARM.`,
    IdempotencyToken: sha256(`${alarm.alarmArn}|${alarm.stateTimestamp}|${contactArn}`),
  };
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
 * The event as JSON, at most 10000 characters and always valid JSON: the whole event if it fits,
 * else the event with its bulky fields replaced, else a summary of the validated fields.
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
  const level = input.level;
  if (typeof level !== "string") throw malformed("level", "a string", level);
  const route = config.routing.get(level);
  if (route === undefined) {
    const knownLevels = [...config.routing.keys()].join(", ");
    throw new RoutingError(
      "UNKNOWN_LEVEL",
      `level ${show(level)} is not in ROUTING_TABLE (known levels: ${knownLevels})`,
    );
  }

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
const RESPONSE_PLAN_ARN = /^arn:aws:ssm-incidents::\d{12}:response-plan\/[a-zA-Z0-9_-]{1,200}$/;
const CONTACT_ARN =
  /^arn:aws:ssm-contacts:[a-z]{2}(?:-[a-z]+)+-\d{1,2}:\d{12}:contact\/[a-z0-9_-]{1,255}$/;
/** The model's Sender pattern, with `\s` narrowed to ASCII space, tab, CR, LF and FF. */
const SENDER = /^[\\a-zA-Z0-9_@#%*+=:?./! \t\n\f\r-]*$/;
const ROUTE_KEYS = ["impact", "responsePlanArn", "engage"];

/**
 * Validates the router's environment:
 * - `ROUTING_TABLE`: JSON `{"<level>": {"impact": 1-5, "responsePlanArn"?: "...", "engage"?: [...]}}`
 * - `INCIDENT_SOURCE`: 1-50 characters, not starting with `aws.`
 * - `ENGAGEMENT_SENDER`: 1-255 characters of `[\a-zA-Z0-9_@#%*+=:?./!-]` and whitespace
 * Throws one `RouterConfigError` listing every problem, each prefixed with its variable's path.
 */
export function parseRouterEnv(env: Readonly<Record<string, string | undefined>>): RouterConfig {
  const problems: string[] = [];
  const routing = parseRoutingTable(env.ROUTING_TABLE, problems);

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

  if (problems.length > 0) throw new RouterConfigError(problems);
  return { routing, incidentSource, engagementSender };
}

function parseRoutingTable(text: string | undefined, problems: string[]): Map<string, LevelRoute> {
  const routing = new Map<string, LevelRoute>();
  if (text === undefined || text === "") {
    problems.push("ROUTING_TABLE: is not set");
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
        `${path}: must be an object {impact, responsePlanArn?, engage?}, got ${show(entry)}`,
      );
      continue;
    }
    const before = problems.length;
    for (const key of Object.keys(entry)) {
      if (!ROUTE_KEYS.includes(key)) {
        problems.push(`${path}.${key}: unknown key (expected impact, responsePlanArn, engage)`);
      }
    }
    const { impact, responsePlanArn, engage } = entry;
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
    if (problems.length === before) {
      routing.set(level, {
        impact: impact as number,
        ...(typeof responsePlanArn === "string" && { responsePlanArn }),
        engage: contacts as string[],
      });
    }
  }
  return routing;
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** Cuts `text` to at most `max` UTF-16 units, ending with "…", never splitting a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** Level and alarm name of any input, for the log line of an input `decide` rejected. */
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

function sha256(text: string): string {
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
