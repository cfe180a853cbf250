/**
 * The requests the dedupe path sends, as pure builders: the dedupe table's conditional reads and
 * writes, and the timeline events that note a repeat firing or a recovery on the incident.
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
import type { CreateTimelineEventCommandInput } from "@aws-sdk/client-ssm-incidents";
import { stripUnsafe } from "../../shared/untrustedText";
import { ALARM_NAME_MAX, truncate } from "../alarmEvent";
import { sha256, type AlarmChange } from "../requests";
import type { MappedItem, Mapping } from "./item";

function key(change: AlarmChange): Record<string, AttributeValue> {
  return { alarmArn: { S: change.alarmArn } };
}

/** GetItem, strongly consistent: a claim made a moment ago must be seen. */
export function readInput(change: AlarmChange): GetItemCommandInput {
  return { TableName: change.table, Key: key(change), ConsistentRead: true };
}

/**
 * A new "opening" item, written only if the item is still what was read: absent (`new`), mapping
 * the same closed incident (`stale`), or the same abandoned claim (`abandoned`); `seen` is the
 * item read, absent for a new claim.
 */
export function claimInput(change: AlarmChange, now: Date, seen?: Mapping): PutItemCommandInput {
  const at = now.toISOString();
  return {
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
export function countInput(change: AlarmChange, seen: Mapping): UpdateItemCommandInput {
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
export function notedInput(
  change: AlarmChange,
  seen: MappedItem,
  now: Date,
): UpdateItemCommandInput {
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
export function recoveredInput(
  change: AlarmChange,
  seen: MappedItem,
  now: Date,
): UpdateItemCommandInput {
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

export function releaseIf(change: AlarmChange, seen: Mapping): DeleteItemCommandInput {
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
export function timelineEvent(
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
