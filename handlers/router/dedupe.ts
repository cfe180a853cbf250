/**
 * Dedupe and recovery notes, as pure decisions over a DynamoDB table that maps each alarm to the
 * incident it opened (only when DEDUPE_TABLE is set).
 *
 * The item (partition key `alarmArn`; times ISO 8601 UTC strings):
 *   alarmArn     the CloudWatch alarm
 *   level        its level
 *   state        "opening" (an invocation claimed it and is starting the incident) | "open"
 *   incidentArn  the incident record (state "open" only)
 *   openedAt     when the claim was made
 *   updatedAt    when the item last changed state (claim, take-over, marked open)
 *   alarmAt      the state time of the ALARM that claimed it
 *   clientToken  StartIncident's clientToken of that ALARM (identifies the claimant's state change)
 *   lastNotedAt  ("open" only) when the incident's timeline last heard of this alarm: the incident's
 *                start, then each "fired again" timeline event
 *   firedAgain   (a number) repeat firings since lastNotedAt (or the claim), not yet on the timeline
 *
 * Repeat firings are coalesced: an ALARM while its incident is being opened (by another state
 * change), or within NOTE_INTERVAL_MS of lastNotedAt, only adds 1 to firedAgain (one DynamoDB
 * write, no Incident Manager call); the first one after the interval checks the incident
 * (GetIncidentRecord) and notes "fired again N times since <lastNotedAt>" on its timeline.
 * So an incident resolved by hand is noticed at most once per NOTE_INTERVAL_MS per alarm: a firing
 * within the window of the last note is counted on the resolved incident, and the first firing
 * after the window opens a new one. An OK notes the firings still counted when it recovers.
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
import { CLAIM_TIMEOUT_MS } from "../shared/limits";

/**
 * An "opening" claim older than this was abandoned (its invocation crashed or timed out). It must
 * exceed the router's Lambda timeout, or a slow opener's claim is taken over while it still runs.
 */
export const OPENING_TIMEOUT_MS = CLAIM_TIMEOUT_MS;
/** Repeat firings within this long of the last timeline note are only counted (see above). */
export const NOTE_INTERVAL_MS = 5 * 60_000;
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
  | {
      readonly state: "open";
      readonly incidentArn: string;
      /** Absent on items written before firings were coalesced: updatedAt stands in. */
      readonly lastNotedAt?: string;
      /** 0 when absent. */
      readonly firedAgain: number;
    }
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
  /**
   * A repeat firing while the incident is being opened or within the note interval: UpdateItem
   * (conditional) firedAgain + 1; lost → re-read. `incidentArn` is null while it is being opened.
   */
  | {
      readonly kind: "count";
      readonly incidentArn: string | null;
      readonly write: UpdateItemCommandInput;
    }
  /**
   * The incident is OPEN and the note interval has passed: add the timeline event, then
   * UpdateItem (conditional) to start a new interval; lost → another invocation noted it too.
   */
  | {
      readonly kind: "note";
      readonly incidentArn: string;
      readonly timelineEvent: CreateTimelineEventCommandInput;
      readonly write: UpdateItemCommandInput;
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
 * claim it is, the claim's age, the time since the last note, the incident's status, conflicts so
 * far); see dedupe tests.
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
    if (isAbandoned(item, now)) return claim(change, now, "abandoned", item);
    // Another state change is opening the incident: this firing repeats it. It is counted on the
    // claim (the incident's first note reports it) rather than retried: the claimant's event ends
    // in an incident or, after Lambda's retries, in a dead letter, either way without this one.
    return { kind: "count", incidentArn: null, write: countInput(change, item) };
  }
  const { incidentArn } = item;
  const notedAt = item.lastNotedAt ?? item.updatedAt;
  if (now.getTime() - Date.parse(notedAt) < NOTE_INTERVAL_MS) {
    // No Incident Manager call, so no stale check either: see the top of this file.
    return { kind: "count", incidentArn, write: countInput(change, item) };
  }
  switch (view.incidentStatus) {
    case undefined:
      return { kind: "lookup", incidentArn };
    case "OPEN":
      return {
        kind: "note",
        incidentArn,
        timelineEvent: timelineEvent(change, incidentArn, "alarm-fired-again", {
          firedAgain: item.firedAgain + 1,
          since: notedAt,
        }),
        write: notedInput(change, item, now),
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
        timelineEvent: timelineEvent(
          change,
          incidentArn,
          "alarm-recovered",
          item.firedAgain > 0
            ? { firedAgain: item.firedAgain, since: item.lastNotedAt ?? item.updatedAt }
            : undefined,
        ),
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

/**
 * Marks our claim open with the incident it started, which starts the first note interval (ADD 0
 * keeps the firings counted on the claim while it was opening); only while the claim is ours.
 */
export function markOpenInput(
  change: AlarmChange,
  incidentArn: string,
  now: Date,
): UpdateItemCommandInput {
  return {
    TableName: change.table,
    Key: key(change),
    UpdateExpression:
      "SET #state = :open, incidentArn = :incident, updatedAt = :now, lastNotedAt = :now ADD firedAgain :zero",
    ConditionExpression: "clientToken = :token",
    ExpressionAttributeNames: { "#state": "state" },
    ExpressionAttributeValues: {
      ":open": { S: "open" },
      ":incident": { S: incidentArn },
      ":now": { S: now.toISOString() },
      ":zero": { N: "0" },
      ":token": { S: change.token },
    },
  };
}

/**
 * Drops the "opening" claim this invocation made, after a StartIncident that certainly created
 * nothing (`claimAfterStartFailure`): the alarm's next event, or this one's retry, claims it at
 * once instead of waiting OPENING_TIMEOUT_MS. Only while the claim is still ours and not open.
 */
export function releaseClaimInput(change: AlarmChange): DeleteItemCommandInput {
  return {
    TableName: change.table,
    Key: key(change),
    ConditionExpression: "clientToken = :token AND #state = :opening",
    ExpressionAttributeNames: { "#state": "state" },
    ExpressionAttributeValues: { ":token": { S: change.token }, ":opening": { S: "opening" } },
  };
}

/**
 * One more repeat firing, while the item is still the same claimant's (opening or open): not
 * dropped by an OK, taken over, or replaced by a stale mapping's successor.
 */
function countInput(change: AlarmChange, seen: Mapping): UpdateItemCommandInput {
  return {
    TableName: change.table,
    Key: key(change),
    UpdateExpression: "ADD firedAgain :one",
    ConditionExpression: "clientToken = :claimant",
    ExpressionAttributeValues: { ":one": { N: "1" }, ":claimant": { S: seen.clientToken } },
  };
}

/**
 * After a "fired again" note: a new interval from now, and the firings the note reported taken
 * off the count (ADD, not SET 0, so firings counted meanwhile stay for the next note). Only if no
 * other invocation noted this interval already (lastNotedAt unchanged).
 */
function notedInput(
  change: AlarmChange,
  seen: Extract<Mapping, { state: "open" }>,
  now: Date,
): UpdateItemCommandInput {
  const values = {
    ":now": { S: now.toISOString() },
    ":noted": { N: String(-seen.firedAgain) },
    ":incident": { S: seen.incidentArn },
  };
  return {
    TableName: change.table,
    Key: key(change),
    UpdateExpression: "SET lastNotedAt = :now ADD firedAgain :noted",
    ...(seen.lastNotedAt === undefined
      ? {
          ConditionExpression: "incidentArn = :incident AND attribute_not_exists(lastNotedAt)",
          ExpressionAttributeValues: values,
        }
      : {
          ConditionExpression: "incidentArn = :incident AND lastNotedAt = :seen",
          ExpressionAttributeValues: { ...values, ":seen": { S: seen.lastNotedAt } },
        }),
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
 * A "Custom Event" on the incident's timeline: `{"type", "alarmName", "at"}` and, when firings
 * were coalesced, `"firedAgain": N, "since": <lastNotedAt>`; never the reason. The clientToken
 * derives from the state change and the text, so a retried invocation adds no second event (and
 * a retry whose count changed meanwhile never reuses a token with different details).
 */
function timelineEvent(
  change: AlarmChange,
  incidentArn: string,
  type: "alarm-fired-again" | "alarm-recovered",
  firings?: { readonly firedAgain: number; readonly since: string },
): CreateTimelineEventCommandInput {
  const eventData = JSON.stringify({
    type,
    alarmName: truncate(change.alarmName, ALARM_NAME_MAX),
    at: change.at.toISOString(),
    ...firings,
  });
  return {
    clientToken: sha256(`${change.token}|${eventData}`),
    incidentRecordArn: incidentArn,
    eventTime: change.at,
    eventType: "Custom Event",
    eventData,
  };
}

// ---------------------------------------------------------------------------------------------
// After a failed StartIncident
// ---------------------------------------------------------------------------------------------

/** StartIncident errors that prove the request was refused, so no incident was created. */
const REFUSED = new Set([
  "ThrottlingException",
  "ValidationException",
  "AccessDeniedException",
  "ResourceNotFoundException",
]);

/**
 * What happens to our "opening" claim when StartIncident fails. "release" only when the error
 * proves nothing was created: a refusal (REFUSED, answered 4xx) on every attempt. Anything else
 * (a timeout, a dropped connection, 5xx, ConflictException, an unknown error) may have opened the
 * incident server-side: "keep", so that this event's retry resumes the claim with the same
 * clientToken and cannot open a second incident, which another event's clientToken could.
 * `unclearAttempt` is set by `markUnclearAttempts` (adapters.ts) on the error the SDK finally
 * throws when an earlier attempt of the same call ended unclearly.
 */
export function claimAfterStartFailure(err: unknown): "release" | "keep" {
  if (!(err instanceof Error) || (err as { unclearAttempt?: unknown }).unclearAttempt === true) {
    return "keep";
  }
  const metadata = (err as { $metadata?: { httpStatusCode?: unknown } }).$metadata;
  const status = metadata?.httpStatusCode;
  return REFUSED.has(err.name) && typeof status === "number" && status >= 400 && status < 500
    ? "release"
    : "keep";
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
/** A DynamoDB number the counter can hold: a non-negative integer. */
const COUNT = /^\d{1,15}$/;

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
  // Optional: items written before firings were coalesced have neither.
  const lastNotedAt = item.lastNotedAt === undefined ? undefined : (text("lastNotedAt") ?? "");
  if (lastNotedAt !== undefined && !ISO_UTC.test(lastNotedAt)) problems.push("lastNotedAt");
  const firedAgain = item.firedAgain === undefined ? "0" : item.firedAgain.N;
  if (firedAgain === undefined || !COUNT.test(firedAgain)) problems.push("firedAgain");
  if (problems.length > 0) {
    throw new MalformedMappingError(`dedupe item: missing or malformed ${problems.join(", ")}`);
  }
  const common = { alarmArn, level, openedAt, updatedAt, alarmAt, clientToken };
  return incidentArn !== undefined
    ? {
        ...common,
        state: "open",
        incidentArn,
        ...(lastNotedAt !== undefined && { lastNotedAt }),
        firedAgain: Number(firedAgain),
      }
    : { ...common, state: "opening" };
}
