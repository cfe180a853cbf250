/**
 * Dedupe and recovery notes, as pure decisions over a DynamoDB table that maps each alarm to the
 * incident it opened (only when DEDUPE_TABLE is set).
 *
 * The item (partition key `alarmArn`; times ISO 8601 UTC strings):
 *   alarmArn     the CloudWatch alarm
 *   level        its level
 *   state        "opening" (an invocation claimed it and is starting the incident) | "open" |
 *                "recovered" (the alarm returned to OK; its incident was left open)
 *   incidentArn  the incident record (all but "opening")
 *   openedAt     when the claim was made
 *   updatedAt    when the claim last changed hands or was marked open (claim, take-over, marked
 *                open; a recovery and the firing after it set lastNotedAt instead)
 *   alarmAt      the state time of the ALARM that claimed it
 *   clientToken  StartIncident's clientToken of that ALARM (identifies the claimant's state change)
 *   lastNotedAt  (not "opening") when the incident's timeline last heard of this alarm: the
 *                incident's start, then each "fired again" or "recovered" timeline event
 *   firedAgain   (a number) repeat firings since lastNotedAt (or the claim), not yet on the timeline
 *   recoveredAt  the state time of the alarm's last OK that was noted (set from the first recovery
 *                on, kept when the alarm fires again: it orders late events)
 *
 * Repeat firings are coalesced: an ALARM while its incident is being opened (by another state
 * change), or within NOTE_INTERVAL_MS of lastNotedAt, only adds 1 to firedAgain (one DynamoDB
 * write, no Incident Manager call); the first one after the interval checks the incident
 * (GetIncidentRecord) and notes "fired again N times since <lastNotedAt>" on its timeline.
 * So an incident resolved by hand is noticed at most once per NOTE_INTERVAL_MS per alarm: a firing
 * within the window of the last note is counted on the resolved incident, and the first firing
 * after the window opens a new one. An OK notes the firings still counted when it recovers.
 *
 * An OK on a level without resolveOnRecovery leaves the incident open, so it keeps the mapping
 * ("recovered") rather than dropping it: the alarm flapping back to ALARM while its incident is
 * open must not page everyone a second time. The first ALARM after a recovery always looks the
 * incident up (never only counted: whoever handles it may have resolved it after the OK): still
 * OPEN → one "fired again" timeline event that names the recovery (`recoveredAt`), and the item is
 * "open" again; RESOLVED or gone → a new incident, as for any stale mapping. An event older than
 * the last recovery (a late delivery, a retry) changes nothing. With resolveOnRecovery the OK
 * resolves the incident and drops the mapping, so the next ALARM opens a new incident.
 * One race is left benign rather than ordered: an ALARM counted after the OK's read but before its
 * write stays counted on the "recovered" item (the next note reports it) instead of getting its
 * own "fired again" event; the OK had just found the incident OPEN, and the next ALARM after the
 * alarm's next OK looks it up again, so no page is lost.
 *
 * The handler reads the item (consistently), asks `decideDedupe` what to do, does it, and asks
 * again with what it learned (the incident's status, a re-read after a lost conditional write),
 * until the action is final. Every write is conditional on what was read, so two invocations never
 * both open an incident for one alarm; a lost write means "someone else moved first: re-read".
 *
 * What the conditions rely on (DynamoDB Developer Guide): a PutItem, UpdateItem or DeleteItem with
 * a ConditionExpression succeeds only if the condition is true of the item as stored, and fails
 * with ConditionalCheckFailedException otherwise (Expressions.ConditionExpressions.html); one
 * write is atomic and always applies to the latest version of the item, which is what makes
 * read-then-conditional-write safe between concurrent invocations (optimistic locking,
 * BestPractices_ImplementingVersionControl.html); `=`, `<>`, `AND` and `attribute_not_exists(path)`
 * mean what they say, and an item that does not exist has no attributes, so `a = :v` is false for
 * it (Expressions.OperatorsAndFunctions.html). UpdateItem's `ADD n :v` adds :v (negative:
 * subtracts) to a number, a missing one counting as 0 (API_UpdateItem.html, UpdateExpression).
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/BestPractices_ImplementingVersionControl.html
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html
 * tests/handlers/router.dynalite.spec.ts replays these writes against dynalite.
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
import { stripUnsafe } from "../shared/untrustedText";

/**
 * An "opening" claim older than this was abandoned (its invocation crashed or timed out). It must
 * exceed the router's Lambda timeout, or a slow opener's claim is taken over while it still runs.
 */
export const OPENING_TIMEOUT_MS = CLAIM_TIMEOUT_MS;
/** Repeat firings within this long of the last timeline note are only counted (see above). */
export const NOTE_INTERVAL_MS = 5 * 60_000;
/** Conditional writes an invocation may lose before it gives up and lets Lambda retry. */
export const MAX_CONFLICTS = 2;

export type MappingState = "opening" | "open" | "recovered";

/** What every item that names its incident ("open", "recovered") carries. */
interface Noted {
  readonly incidentArn: string;
  /** Absent on items written before firings were coalesced: updatedAt stands in. */
  readonly lastNotedAt?: string;
  /** 0 when absent. */
  readonly firedAgain: number;
  /** The state time of the last recovery noted; absent until the alarm first recovered. */
  readonly recoveredAt?: string;
}

/**
 * One item of the dedupe table, validated: an "open" or "recovered" item always names its
 * incident; a "recovered" one always has its recovery's time and note.
 */
export type Mapping = {
  readonly alarmArn: string;
  readonly level: string;
  readonly openedAt: string;
  readonly updatedAt: string;
  readonly alarmAt: string;
  readonly clientToken: string;
} & (
  | { readonly state: "opening"; readonly incidentArn?: undefined }
  | ({ readonly state: "open" } & Noted)
  | ({
      readonly state: "recovered";
      readonly recoveredAt: string;
      readonly lastNotedAt: string;
    } & Noted)
);

/** An item that names its incident. */
export type MappedItem = Exclude<Mapping, { readonly state: "opening" }>;

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

/**
 * Nothing (more) to do. "outdated": an event older than what the item already reflects (an ALARM
 * from before the alarm's last recovery; an OK from before the ALARM that opened the incident).
 * "already-recovered": this OK, or a later one, is already noted.
 */
export interface Done<Why extends string> {
  readonly kind: "done";
  readonly why: Why;
  readonly incidentArn: string | null;
}

/** What an ALARM does next. */
export type AlarmAction =
  | Lookup
  | RetryLater
  | Done<"already-opened" | "outdated">
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
   * The incident is OPEN and the note interval has passed, or the alarm fired again after it
   * recovered: add the timeline event, then UpdateItem (conditional) to start a new interval (and,
   * after a recovery, mark the item open again); lost → another invocation moved first.
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
  | Done<"no-mapping" | "outdated" | "already-recovered">
  /** The alarm recovered on a resolveOnRecovery level: note it, resolve the incident, drop the item. */
  | {
      readonly kind: "recover";
      readonly incidentArn: string;
      readonly timelineEvent: CreateTimelineEventCommandInput;
      readonly resolve: UpdateIncidentRecordCommandInput;
      readonly release: DeleteItemCommandInput;
    }
  /**
   * The alarm recovered, and its level leaves the incident open: note it, then UpdateItem
   * (conditional) marks the item "recovered", keeping the alarm mapped to its open incident;
   * lost → re-read and decide again.
   */
  | {
      readonly kind: "mark-recovered";
      readonly incidentArn: string;
      readonly timelineEvent: CreateTimelineEventCommandInput;
      readonly write: UpdateItemCommandInput;
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

/** Retry later: this invocation lost MAX_CONFLICTS conditional writes to other invocations. */
function lostTooManyWrites(change: AlarmChange, conflicts: number): RetryLater {
  return {
    kind: "retry-later",
    code: "DEDUPE_CONFLICT",
    message: `${label(change)}: lost ${conflicts} conditional writes to the dedupe table to other invocations`,
  };
}

function decideAlarm(change: AlarmChange, view: DedupeView, now: Date): AlarmAction {
  const { item, conflicts } = view;
  if (conflicts >= MAX_CONFLICTS) return lostTooManyWrites(change, conflicts);
  if (item === null) return claim(change, now, "new");

  if (item.clientToken === change.token) {
    // This very state change claimed the item: a retried invocation, or a duplicate delivery.
    if (item.state !== "opening") {
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
  if (item.recoveredAt !== undefined && change.at.getTime() <= Date.parse(item.recoveredAt)) {
    // From before the alarm's last recovery (delivered late): the recovery already superseded it.
    return { kind: "done", why: "outdated", incidentArn };
  }
  const notedAt = item.lastNotedAt ?? item.updatedAt;
  // After a recovery, never only counted: the incident may have been resolved since the OK.
  if (item.state !== "recovered" && now.getTime() - Date.parse(notedAt) < NOTE_INTERVAL_MS) {
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
          // The flap: fired again after recovering at this time, while its incident stayed open.
          ...(item.state === "recovered" && { recoveredAt: item.recoveredAt }),
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
  const { item, conflicts } = view;
  if (conflicts >= MAX_CONFLICTS) return lostTooManyWrites(change, conflicts);
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
  // This OK (a retry, a duplicate delivery) or a later one is already noted.
  if (item.recoveredAt !== undefined && change.at.getTime() <= Date.parse(item.recoveredAt)) {
    return { kind: "done", why: "already-recovered", incidentArn };
  }
  switch (view.incidentStatus) {
    case undefined:
      return { kind: "lookup", incidentArn };
    case "OPEN": {
      const event = timelineEvent(
        change,
        incidentArn,
        "alarm-recovered",
        item.firedAgain > 0
          ? { firedAgain: item.firedAgain, since: item.lastNotedAt ?? item.updatedAt }
          : undefined,
      );
      return resolveOnRecovery
        ? {
            kind: "recover",
            incidentArn,
            timelineEvent: event,
            resolve: {
              arn: incidentArn,
              status: "RESOLVED",
              clientToken: sha256(`${change.token}|resolve`),
            },
            release: releaseIf(change, item),
          }
        : {
            kind: "mark-recovered",
            incidentArn,
            timelineEvent: event,
            write: recoveredInput(change, item, now),
          };
    }
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
 * dropped by an OK, taken over, or replaced by a stale mapping's successor, and not "recovered"
 * meanwhile (an ALARM after a recovery must look the incident up, so a count lost to an OK is
 * re-read and decided again).
 */
function countInput(change: AlarmChange, seen: Mapping): UpdateItemCommandInput {
  return {
    TableName: change.table,
    Key: key(change),
    UpdateExpression: "ADD firedAgain :one",
    ConditionExpression: "clientToken = :claimant AND #state <> :recovered",
    ExpressionAttributeNames: { "#state": "state" },
    ExpressionAttributeValues: {
      ":one": { N: "1" },
      ":claimant": { S: seen.clientToken },
      ":recovered": { S: "recovered" },
    },
  };
}

/**
 * After a "fired again" note: a new interval from now, and the firings the note reported taken
 * off the count (ADD, not SET 0, so firings counted meanwhile stay for the next note). Only if no
 * other invocation noted this interval already (lastNotedAt unchanged). After a recovery, the
 * item is "open" again, only if it is still "recovered" (no other ALARM re-opened it, no OK
 * marked a later recovery: both change lastNotedAt too).
 */
function notedInput(change: AlarmChange, seen: MappedItem, now: Date): UpdateItemCommandInput {
  const values = {
    ":now": { S: now.toISOString() },
    ":noted": { N: String(-seen.firedAgain) },
    ":incident": { S: seen.incidentArn },
  };
  if (seen.state === "recovered") {
    return {
      TableName: change.table,
      Key: key(change),
      UpdateExpression: "SET #state = :open, lastNotedAt = :now ADD firedAgain :noted",
      ConditionExpression:
        "incidentArn = :incident AND #state = :recovered AND lastNotedAt = :seen",
      ExpressionAttributeNames: { "#state": "state" },
      ExpressionAttributeValues: {
        ...values,
        ":open": { S: "open" },
        ":recovered": { S: "recovered" },
        ":seen": { S: seen.lastNotedAt },
      },
    };
  }
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

/**
 * After the "recovered" note on a level that leaves the incident open: the item becomes
 * "recovered" (the alarm stays mapped to its incident), remembers the OK's state time, starts a
 * new interval, and takes the firings the note reported off the count. Only if the item is still
 * as read: the same incident, no note since (lastNotedAt), no other recovery since (recoveredAt),
 * so two OKs, or an OK and a "fired again" note, never both take the same firings off.
 */
function recoveredInput(change: AlarmChange, seen: MappedItem, now: Date): UpdateItemCommandInput {
  type Clause = { readonly condition: string; readonly values: Record<string, AttributeValue> };
  const noted: Clause =
    seen.lastNotedAt === undefined
      ? { condition: "attribute_not_exists(lastNotedAt)", values: {} }
      : { condition: "lastNotedAt = :seen", values: { ":seen": { S: seen.lastNotedAt } } };
  const recovered: Clause =
    seen.recoveredAt === undefined
      ? { condition: "attribute_not_exists(recoveredAt)", values: {} }
      : {
          condition: "recoveredAt = :seenRecovered",
          values: { ":seenRecovered": { S: seen.recoveredAt } },
        };
  return {
    TableName: change.table,
    Key: key(change),
    UpdateExpression:
      "SET #state = :recovered, recoveredAt = :ok, lastNotedAt = :now ADD firedAgain :noted",
    ConditionExpression: `incidentArn = :incident AND ${noted.condition} AND ${recovered.condition}`,
    ExpressionAttributeNames: { "#state": "state" },
    ExpressionAttributeValues: {
      ":recovered": { S: "recovered" },
      ":ok": { S: change.at.toISOString() },
      ":now": { S: now.toISOString() },
      ":noted": { N: String(-seen.firedAgain) },
      ":incident": { S: seen.incidentArn },
      ...noted.values,
      ...recovered.values,
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
 * A "Custom Event" on the incident's timeline: `{"type", "alarmName", "at"}` and, when firings
 * were coalesced, `"firedAgain": N, "since": <lastNotedAt>`, and, for an alarm that fired again
 * after recovering, `"recoveredAt": <the OK's state time>`; never the reason. The clientToken
 * derives from the state change and the text, so a retried invocation adds no second event (and
 * a retry whose count changed meanwhile never reuses a token with different details).
 */
function timelineEvent(
  change: AlarmChange,
  incidentArn: string,
  type: "alarm-fired-again" | "alarm-recovered",
  firings?: { readonly firedAgain: number; readonly since: string; readonly recoveredAt?: string },
): CreateTimelineEventCommandInput {
  const eventData = JSON.stringify({
    type,
    // Shown on the incident's timeline: JSON quotes the name; no control or bidi characters.
    alarmName: truncate(stripUnsafe(change.alarmName), ALARM_NAME_MAX),
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
  const state = required("state", /^(opening|open|recovered)$/);
  const openedAt = required("openedAt", ISO_UTC);
  const updatedAt = required("updatedAt", ISO_UTC);
  const alarmAt = required("alarmAt", ISO_UTC);
  const clientToken = required("clientToken");
  const mapped = state === "open" || state === "recovered";
  const incidentArn = mapped ? required("incidentArn") : undefined;
  // Optional on "open": items written before firings were coalesced have neither; every
  // "recovered" item was written with both lastNotedAt and recoveredAt.
  const optional = (name: string): string | undefined => {
    if (item[name] === undefined && state !== "recovered") return undefined;
    const value = text(name) ?? "";
    if (!ISO_UTC.test(value)) problems.push(name);
    return value;
  };
  const lastNotedAt = optional("lastNotedAt");
  const recoveredAt = optional("recoveredAt");
  const firedAgain = item.firedAgain === undefined ? "0" : item.firedAgain.N;
  if (firedAgain === undefined || !COUNT.test(firedAgain)) problems.push("firedAgain");
  if (problems.length > 0) {
    throw new MalformedMappingError(`dedupe item: missing or malformed ${problems.join(", ")}`);
  }
  const common = { alarmArn, level, openedAt, updatedAt, alarmAt, clientToken };
  if (incidentArn === undefined) return { ...common, state: "opening" };
  const noted = { incidentArn, firedAgain: Number(firedAgain) };
  return state === "recovered" && lastNotedAt !== undefined && recoveredAt !== undefined
    ? { ...common, ...noted, state: "recovered", lastNotedAt, recoveredAt }
    : {
        ...common,
        ...noted,
        state: "open",
        ...(lastNotedAt !== undefined && { lastNotedAt }),
        ...(recoveredAt !== undefined && { recoveredAt }),
      };
}
