/**
 * Dedupe and recovery notes, as pure decisions over a DynamoDB table that maps each alarm to the
 * incident it opened (only when DEDUPE_TABLE is set).
 *
 * The item (partition key `alarmArn`, every attribute a string, times ISO 8601 UTC):
 *   alarmArn     the CloudWatch alarm
 *   level        its level
 *   state        "opening" (an invocation claimed it and is starting the incident) | "open"
 *   incidentArn  the incident record (state "open" only)
 *   openedAt     when the claim was made
 *   updatedAt    when the item last changed (claim, take-over, marked open)
 *   alarmAt      the state time of the ALARM that claimed it
 *   clientToken  StartIncident's clientToken of that ALARM (identifies the claimant's state change)
 *
 * The handler reads the item (consistently), asks `decideDedupe` what to do, does it, and asks
 * again with what it learned (the incident's status, a re-read after a lost conditional write),
 * until the action is final. Every write is conditional on what was read, so two invocations never
 * both open an incident for one alarm; a lost write means "someone else moved first: re-read".
 */
import type {
  AttributeValue,
  DeleteItemCommandInput,
  GetItemCommandInput,
  PutItemCommandInput,
  UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import type {
  CreateTimelineEventCommandInput,
  UpdateIncidentRecordCommandInput,
} from "@aws-sdk/client-ssm-incidents";
import {
  ALARM_NAME_MAX,
  sha256,
  truncate,
  type AlarmChange,
  type Decision,
  type RetryLaterCode,
} from "./core";

/** An "opening" claim older than this was abandoned (its invocation crashed or timed out). */
export const OPENING_TIMEOUT_MS = 5 * 60_000;
/** Conditional writes an invocation may lose before it gives up and lets Lambda retry. */
export const MAX_CONFLICTS = 2;

export type MappingState = "opening" | "open";

/** One item of the dedupe table, validated: an "open" item always names its incident. */
export type Mapping = {
  readonly alarmArn: string;
  readonly level: string;
  readonly openedAt: string;
  readonly updatedAt: string;
  readonly alarmAt: string;
  readonly clientToken: string;
} & (
  | { readonly state: "opening"; readonly incidentArn?: undefined }
  | { readonly state: "open"; readonly incidentArn: string }
);

/** An incident's status as GetIncidentRecord reports it; NOT_FOUND for ResourceNotFound. */
export type IncidentStatus = "OPEN" | "RESOLVED" | "NOT_FOUND";

/** What the handler knows so far. */
export interface DedupeView {
  /** The item as last read; null when there is none. */
  readonly item: Mapping | null;
  /** The status of `item.incidentArn`, once looked up. */
  readonly incidentStatus?: IncidentStatus;
  /** Conditional writes lost so far (each is followed by a re-read). */
  readonly conflicts: number;
}

/** Decisions that go through the table: an ALARM that starts an incident, or an OK. */
export type DedupeDecision =
  | (Extract<Decision, { kind: "page" }> & { readonly dedupe: AlarmChange })
  | Extract<Decision, { kind: "recover" }>;

/** How a claim came about: no item, a mapping to a closed incident, an abandoned claim. */
export type ClaimKind = "new" | "stale" | "abandoned";

/** GetIncidentRecord(incidentArn), then decide again with its status. */
export interface Lookup {
  readonly kind: "lookup";
  readonly incidentArn: string;
}

/** Throw RetryLaterError: Lambda retries the invocation later. */
export interface RetryLater {
  readonly kind: "retry-later";
  readonly code: RetryLaterCode;
  readonly message: string;
}

/** Nothing (more) to do. */
export interface Done {
  readonly kind: "done";
  readonly why: "already-opened" | "no-mapping" | "outdated";
  readonly incidentArn: string | null;
}

/** What an ALARM does next. */
export type AlarmAction =
  | Lookup
  | RetryLater
  | Done
  /** PutItem (conditional): won → start the incident and mark the item open; lost → re-read. */
  | { readonly kind: "claim"; readonly how: ClaimKind; readonly write: PutItemCommandInput }
  /** Our own earlier attempt claimed the item (a Lambda retry): start the incident (same token). */
  | { readonly kind: "resume" }
  /** The alarm's incident is open: note the ALARM on its timeline, start nothing. */
  | {
      readonly kind: "note";
      readonly incidentArn: string;
      readonly timelineEvent: CreateTimelineEventCommandInput;
    };

/** What an OK does next. */
export type RecoveryAction =
  | Lookup
  | RetryLater
  | Done
  /** The alarm recovered: note it, resolve the incident if the level says so, drop the item. */
  | {
      readonly kind: "recover";
      readonly incidentArn: string;
      readonly timelineEvent: CreateTimelineEventCommandInput;
      readonly resolve: UpdateIncidentRecordCommandInput | null;
      readonly release: DeleteItemCommandInput;
    }
  /** Drop an item that no longer means anything (its incident is closed, or its claim abandoned). */
  | {
      readonly kind: "release";
      readonly why: "stale" | "abandoned";
      readonly incidentArn: string | null;
      readonly release: DeleteItemCommandInput;
    };

export type DedupeAction = AlarmAction | RecoveryAction;

/**
 * The next step for `decision`, given what is known. Table-driven by (trigger, item state, whose
 * claim it is, the claim's age, the incident's status, conflicts so far); see dedupe tests.
 */
export function decideDedupe(
  decision: Extract<DedupeDecision, { kind: "page" }>,
  view: DedupeView,
  now: Date,
): AlarmAction;
export function decideDedupe(
  decision: Extract<DedupeDecision, { kind: "recover" }>,
  view: DedupeView,
  now: Date,
): RecoveryAction;
export function decideDedupe(decision: DedupeDecision, view: DedupeView, now: Date): DedupeAction;
export function decideDedupe(decision: DedupeDecision, view: DedupeView, now: Date): DedupeAction {
  return decision.kind === "recover"
    ? decideRecovery(decision.dedupe, decision.resolveOnRecovery, view, now)
    : decideAlarm(decision.dedupe, view, now);
}

function decideAlarm(change: AlarmChange, view: DedupeView, now: Date): AlarmAction {
  const { item, conflicts } = view;
  if (conflicts >= MAX_CONFLICTS) {
    return {
      kind: "retry-later",
      code: "DEDUPE_CONFLICT",
      message: `${label(change)}: lost ${conflicts} conditional writes to the dedupe table to other invocations`,
    };
  }
  if (item === null) return claim(change, now, "new");

  if (item.clientToken === change.token) {
    // This very state change claimed the item: a retried invocation, or a duplicate delivery.
    if (item.state === "open") {
      return { kind: "done", why: "already-opened", incidentArn: item.incidentArn };
    }
    // After a lost race the claim is a concurrent duplicate's: let it finish. Otherwise it is our
    // own earlier attempt's; StartIncident with the same clientToken cannot open a second one.
    return conflicts === 0 ? { kind: "resume" } : opening(change, item, now);
  }

  if (item.state === "opening") {
    return isAbandoned(item, now)
      ? claim(change, now, "abandoned", item)
      : opening(change, item, now);
  }
  const { incidentArn } = item;
  switch (view.incidentStatus) {
    case undefined:
      return { kind: "lookup", incidentArn };
    case "OPEN":
      return {
        kind: "note",
        incidentArn,
        timelineEvent: timelineEvent(change, incidentArn, "alarm-fired-again"),
      };
    case "RESOLVED":
    case "NOT_FOUND":
      // Resolved (or deleted) by hand: the mapping is stale, this ALARM opens a new incident.
      return claim(change, now, "stale", item);
  }
}

function decideRecovery(
  change: AlarmChange,
  resolveOnRecovery: boolean,
  view: DedupeView,
  now: Date,
): RecoveryAction {
  const { item } = view;
  if (item === null) return { kind: "done", why: "no-mapping", incidentArn: null };
  if (item.state === "opening") {
    if (isAbandoned(item, now)) {
      return {
        kind: "release",
        why: "abandoned",
        incidentArn: null,
        release: releaseIf(change, item),
      };
    }
    return opening(change, item, now);
  }
  const { incidentArn } = item;
  // A late OK from before the ALARM that opened this incident says nothing about it.
  if (change.at.getTime() <= Date.parse(item.alarmAt)) {
    return { kind: "done", why: "outdated", incidentArn };
  }
  switch (view.incidentStatus) {
    case undefined:
      return { kind: "lookup", incidentArn };
    case "OPEN":
      return {
        kind: "recover",
        incidentArn,
        timelineEvent: timelineEvent(change, incidentArn, "alarm-recovered"),
        resolve: resolveOnRecovery
          ? { arn: incidentArn, status: "RESOLVED", clientToken: sha256(`${change.token}|resolve`) }
          : null,
        release: releaseIf(change, item),
      };
    case "RESOLVED":
    case "NOT_FOUND":
      return { kind: "release", why: "stale", incidentArn, release: releaseIf(change, item) };
  }
}

function isAbandoned(item: Mapping, now: Date): boolean {
  return now.getTime() - Date.parse(item.updatedAt) >= OPENING_TIMEOUT_MS;
}

function opening(change: AlarmChange, item: Mapping, now: Date): RetryLater {
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(item.updatedAt)) / 1000));
  return {
    kind: "retry-later",
    code: "INCIDENT_OPENING",
    message: `${label(change)}: another invocation has been opening its incident for ${seconds} s; retrying later`,
  };
}

function label(change: AlarmChange): string {
  return `alarm ${truncate(change.alarmName, ALARM_NAME_MAX)} (level ${change.level})`;
}

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

function key(change: AlarmChange): Record<string, AttributeValue> {
  return { alarmArn: { S: change.alarmArn } };
}

/** GetItem, strongly consistent: a claim made a moment ago must be seen. */
export function readInput(change: AlarmChange): GetItemCommandInput {
  return { TableName: change.table, Key: key(change), ConsistentRead: true };
}

/**
 * A new "opening" item, written only if the item is still what was read: absent (`new`), mapping
 * the same closed incident (`stale`), or the same abandoned claim (`abandoned`).
 */
function claim(change: AlarmChange, now: Date, how: ClaimKind, seen?: Mapping): AlarmAction {
  const at = now.toISOString();
  return {
    kind: "claim",
    how,
    write: {
      TableName: change.table,
      Item: {
        alarmArn: { S: change.alarmArn },
        level: { S: change.level },
        state: { S: "opening" },
        openedAt: { S: at },
        updatedAt: { S: at },
        alarmAt: { S: change.at.toISOString() },
        clientToken: { S: change.token },
      },
      ...(seen === undefined
        ? { ConditionExpression: "attribute_not_exists(alarmArn)" }
        : unchanged(seen)),
    },
  };
}

/** Marks our claim open with the incident it started; only while the claim is still ours. */
export function markOpenInput(
  change: AlarmChange,
  incidentArn: string,
  now: Date,
): UpdateItemCommandInput {
  return {
    TableName: change.table,
    Key: key(change),
    UpdateExpression: "SET #state = :open, incidentArn = :incident, updatedAt = :now",
    ConditionExpression: "clientToken = :token",
    ExpressionAttributeNames: { "#state": "state" },
    ExpressionAttributeValues: {
      ":open": { S: "open" },
      ":incident": { S: incidentArn },
      ":now": { S: now.toISOString() },
      ":token": { S: change.token },
    },
  };
}

function releaseIf(change: AlarmChange, seen: Mapping): DeleteItemCommandInput {
  return { TableName: change.table, Key: key(change), ...unchanged(seen) };
}

/** A condition that holds only while the item is the one read. */
function unchanged(
  seen: Mapping,
): Pick<PutItemCommandInput, "ConditionExpression" | "ExpressionAttributeValues"> {
  return seen.incidentArn !== undefined
    ? {
        ConditionExpression: "incidentArn = :incident",
        ExpressionAttributeValues: { ":incident": { S: seen.incidentArn } },
      }
    : {
        ConditionExpression: "clientToken = :claimant AND updatedAt = :claimed",
        ExpressionAttributeValues: {
          ":claimant": { S: seen.clientToken },
          ":claimed": { S: seen.updatedAt },
        },
      };
}

/**
 * A "Custom Event" on the incident's timeline: `{"type", "alarmName", "at"}`, never the reason.
 * The clientToken derives from the state change, so a retried invocation adds no second event.
 */
function timelineEvent(
  change: AlarmChange,
  incidentArn: string,
  type: "alarm-fired-again" | "alarm-recovered",
): CreateTimelineEventCommandInput {
  return {
    clientToken: sha256(`${change.token}|${type}`),
    incidentRecordArn: incidentArn,
    eventTime: change.at,
    eventType: "Custom Event",
    eventData: JSON.stringify({
      type,
      alarmName: truncate(change.alarmName, ALARM_NAME_MAX),
      at: change.at.toISOString(),
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// Reading items
// ---------------------------------------------------------------------------------------------

/** An item the router cannot read (written by hand, or by another version). */
export class MalformedMappingError extends Error {
  static {
    this.prototype.name = "MalformedMappingError";
  }
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

/** The item GetItem returned, validated; null when there is none. */
export function parseMapping(
  item: Readonly<Record<string, AttributeValue>> | undefined,
): Mapping | null {
  if (item === undefined) return null;
  const text = (name: string): string | undefined => {
    const value = item[name];
    return value !== undefined && typeof value.S === "string" ? value.S : undefined;
  };
  const problems: string[] = [];
  const required = (name: string, pattern?: RegExp): string => {
    const value = text(name);
    if (value === undefined || value === "" || (pattern !== undefined && !pattern.test(value))) {
      problems.push(name);
      return "";
    }
    return value;
  };
  const alarmArn = required("alarmArn");
  const level = required("level");
  const state = required("state", /^(opening|open)$/);
  const openedAt = required("openedAt", ISO_UTC);
  const updatedAt = required("updatedAt", ISO_UTC);
  const alarmAt = required("alarmAt", ISO_UTC);
  const clientToken = required("clientToken");
  const incidentArn = state === "open" ? required("incidentArn") : undefined;
  if (problems.length > 0) {
    throw new MalformedMappingError(`dedupe item: missing or malformed ${problems.join(", ")}`);
  }
  const common = { alarmArn, level, openedAt, updatedAt, alarmAt, clientToken };
  return incidentArn !== undefined
    ? { ...common, state: "open", incidentArn }
    : { ...common, state: "opening" };
}
