/**
 * Dedupe and recovery notes, as pure decisions over the dedupe table (item.ts): what an ALARM or
 * an OK of a paging level does next, given the item and what the handler learned so far.
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
 */
import type { UpdateIncidentRecordCommandInput } from "@aws-sdk/client-ssm-incidents";
import type {
  DeleteItemCommandInput,
  PutItemCommandInput,
  UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import type { CreateTimelineEventCommandInput } from "@aws-sdk/client-ssm-incidents";
import { CLAIM_TIMEOUT_MS } from "../../shared/limits";
import { ALARM_NAME_MAX, truncate } from "../alarmEvent";
import type { AlarmDecision } from "../decide";
import type { RetryLaterCode } from "../errors";
import { sha256, type AlarmChange } from "../requests";
import type { IncidentStatus, Mapping } from "./item";
import {
  claimInput,
  countInput,
  notedInput,
  recoveredInput,
  releaseIf,
  timelineEvent,
} from "./writes";

/**
 * An "opening" claim older than this was abandoned (its invocation crashed or timed out). It must
 * exceed the router's Lambda timeout, or a slow opener's claim is taken over while it still runs.
 */
export const OPENING_TIMEOUT_MS = CLAIM_TIMEOUT_MS;
/** Repeat firings within this long of the last timeline note are only counted (see above). */
export const NOTE_INTERVAL_MS = 5 * 60_000;
/** Conditional writes an invocation may lose before it gives up and lets Lambda retry. */
export const MAX_CONFLICTS = 2;

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
  | (Extract<AlarmDecision, { kind: "page" }> & { readonly dedupe: AlarmChange })
  | Extract<AlarmDecision, { kind: "recover" }>;

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
  if (item === null) return { kind: "claim", how: "new", write: claimInput(change, now) };

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
    if (isAbandoned(item, now))
      return { kind: "claim", how: "abandoned", write: claimInput(change, now, item) };
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
      return { kind: "claim", how: "stale", write: claimInput(change, now, item) };
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
