/**
 * The incident table of the step-functions backend, shared by the router (opens), the engine
 * (records pages and deliveries, checks the status before every send), the ack endpoint
 * (acknowledges) and the CLIs (list, show, acknowledge, resolve). Pure: request builders that
 * return DynamoDB low-level API inputs, and a parser of the stored item. The table
 * (components/engine/ackEndpoint.ts) has hash key `pk` (S), a TTL attribute `expiresAt`, and the
 * global secondary index `recent` (hash `type` S, range `openedAt` S) for "list recent".
 *
 * Item:
 *   pk            S  "INCIDENT#<id>"
 *   type          S  "INCIDENT" (the index's one partition; the only other items, the message-id
 *                    index of handlers/shared/deliveries.ts, have no `type` and stay out of it)
 *   id            S  incident id (the engine's execution name alphabet, ≤ 80 characters)
 *   status        S  open | acknowledged | resolved
 *   alarmName     S  the CloudWatch alarm (untrusted text: handlers/shared/untrustedText.ts)
 *   alertLevel    S  the paging level
 *   openedAt      S  ISO-8601 UTC (sorts as time)
 *   timeline      L  of M {at S, kind S, contact? S, channel? S, detail? S}, oldest first
 *   acknowledgedBy S? contact alias;  acknowledgedVia S? channel;  acknowledgedAt S? ISO-8601
 *   resolvedAt    S? ISO-8601
 *   executionArn  S? the Step Functions execution running its escalation
 *   essentialContacts    SS? aliases the engine paged as an ESSENTIAL target of a stage
 *   notEssentialContacts SS? aliases the engine paged as a target of a stage that is not essential
 *   acknowledgers        SS? aliases whose acknowledgement was recorded without stopping anything
 *   pageKeys             SS? the keys (pageKey) of the pages recordPage wrote: a retried send
 *                           of the same page adds no second `paged` entry
 *   expiresAt     N  epoch seconds; DynamoDB TTL deletes the item some time after it
 *                    (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html:
 *                    "a Number data type" holding "Unix epoch time format in seconds")
 *
 * Conditional writes (ConditionExpression: "the condition must evaluate to true in order for the
 * operation to succeed", else ConditionalCheckFailedException and nothing is written;
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html,
 * API reference UpdateItem `ConditionExpression`):
 * - open: `attribute_not_exists(pk)`: a retried open never resets an incident;
 * - recordPage: `#status = :open`: the engine writes the page before sending it, so a send after
 *   an acknowledgement or a resolution fails the write and is never made; with the page's key,
 *   also `attribute_not_exists(pageKeys) OR NOT contains(pageKeys, :pageKey)`: each retry of a
 *   Send_* Task writes before its attempt, and only the first write of a page appends (the item as
 *   it was tells the retry "already recorded, still open: send" from "not open: do not send",
 *   pageRecordOutcome);
 * - recordDelivery, recordNote, attachExecution: `attribute_exists(pk)`: no write creates an
 *   incident (UpdateItem on a missing key would otherwise create an item);
 * - acknowledge: `#status = :open` and the contact is essential (paged as an essential target,
 *   or never paged as a non-essential one): a second acknowledgement and one after resolution
 *   change nothing; the caller reads the item to tell which page to show. Operators at a terminal
 *   (`npm run ack` without `--contact`) acknowledge with `#status = :open` alone;
 * - noteAcknowledgement: `#status = :open`, the contact was paged only as a non-essential target
 *   and is not among `acknowledgers` yet: the acknowledgement is on the timeline once, the status
 *   stays open and the escalation goes on (issue 11: "an acknowledgement by an essential target
 *   stops everything still pending").
 * Which contacts are essential is written by recordPage, before the page that carries the
 * contact's link is sent (`ADD` of a one-element string set: "If the existing data type is a set
 * and if Value is also a set, then Value is added to the existing set", API reference UpdateItem
 * `AttributeUpdates`/ADD; UpdateExpression ADD, developer guide "Update expressions", "ADD —
 * Adding elements to a set"). A contact paged as essential in any stage is essential for the
 * incident. `contains(path, operand)` is true when "the attribute specified by path is a String
 * Set and operand is one of its elements" and functions on a missing attribute are false, so
 * every `NOT contains` is guarded by attribute_not_exists (developer guide, "Condition and filter
 * expressions, operators, and functions", contains / attribute_not_exists).
 * - resolve: `#status IN (:open, :acknowledged)`: resolving twice changes nothing.
 * Timeline appends use `list_append(if_not_exists(timeline, :empty), :entry)`
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.UpdateExpressions.html,
 * "Appending elements to a list").
 *
 * What must never be stored: e-mail addresses, phone numbers, display names, tokens. Contacts are
 * aliases; `detail` is a short machine-made text (a message id, an error code), never a recipient.
 */
import type {
  AttributeValue,
  GetItemCommandInput,
  PutItemCommandInput,
  QueryCommandInput,
  UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";

export const INCIDENT_STATUSES = ["open", "acknowledged", "resolved"] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** Timeline entry kinds; one list so every reader (CLI, Slack, specs) names the same things. */
export const TIMELINE_KINDS = [
  /** The router opened the incident. */
  "opened",
  /** The engine sent (is about to send) a page: contact + channel; once per page (pageKey). */
  "paged",
  /** A channel reported delivery: contact + channel, detail = provider status. */
  "delivered",
  /** A channel reported a failure: contact + channel, detail = error code. */
  "delivery-failed",
  /** Someone acknowledged: contact + channel (link, cli). */
  "acknowledged",
  /**
   * A target of a stage that is not essential acknowledged: contact + channel; the escalation
   * goes on until an essential target acknowledges.
   */
  "acknowledged-not-essential",
  /** Everybody was paged and nobody acknowledged (detail: the round). */
  "exhausted",
  /** The alarm went back to OK. */
  "recovered",
  /** Resolved (detail: how: recovery, cli). */
  "resolved",
  /** Anything else worth a line. */
  "note",
] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

export interface TimelineEntry {
  /** ISO-8601 UTC. */
  readonly at: string;
  readonly kind: TimelineKind;
  /** Contact alias (never an address or number). */
  readonly contact?: string;
  /** Channel: email, sms, voice, link, cli. */
  readonly channel?: string;
  /** Short machine-made text. */
  readonly detail?: string;
}

export interface Incident {
  readonly id: string;
  readonly status: IncidentStatus;
  readonly alarmName: string;
  readonly alertLevel: string;
  readonly openedAt: string;
  readonly timeline: readonly TimelineEntry[];
  readonly acknowledgedBy?: string;
  readonly acknowledgedVia?: string;
  readonly acknowledgedAt?: string;
  readonly resolvedAt?: string;
  readonly executionArn?: string;
  /** Aliases paged as an essential target (absent: none recorded). */
  readonly essentialContacts?: readonly string[];
  /** Aliases paged as a target of a non-essential stage (absent: none). */
  readonly notEssentialContacts?: readonly string[];
  /** Aliases whose acknowledgement was recorded without stopping the escalation (absent: none). */
  readonly acknowledgers?: readonly string[];
  /** Epoch seconds (TTL). */
  readonly expiresAt: number;
}

/** The partition of the `recent` index, and the item type. */
export const INCIDENT_TYPE = "INCIDENT";
/** Name of the global secondary index used by listRecent. */
export const RECENT_INDEX = "recent";
/** Days an incident is kept before TTL may delete it. */
export const INCIDENT_RETENTION_DAYS = 90;
/** Longest `detail` stored (longer is cut). */
export const DETAIL_MAX = 200;
/** The incident-id alphabet (as handlers/shared/ackToken.ts). */
export const INCIDENT_ID_PATTERN = /^[A-Za-z0-9_-]{1,80}$/;

/** The incident table's physical name for a stack prefix (the component and the CLIs use it). */
export function incidentTableName(prefix: string): string {
  return `${prefix}-incidents`;
}

export class IncidentStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IncidentStoreError";
  }
}

/** The item key of an incident. Throws on an id outside the alphabet. */
export function incidentKey(id: string): Record<string, AttributeValue> {
  if (!INCIDENT_ID_PATTERN.test(id)) {
    throw new IncidentStoreError(
      `incident id ${JSON.stringify(id)} is not [A-Za-z0-9_-], 1-80 characters`,
    );
  }
  return { pk: { S: `INCIDENT#${id}` } };
}

function iso(at: Date): string {
  if (Number.isNaN(at.getTime())) throw new IncidentStoreError("invalid date");
  return at.toISOString();
}

function entryValue(entry: TimelineEntry): AttributeValue {
  const m: Record<string, AttributeValue> = { at: { S: entry.at }, kind: { S: entry.kind } };
  if (entry.contact !== undefined) m.contact = { S: entry.contact };
  if (entry.channel !== undefined) m.channel = { S: entry.channel };
  if (entry.detail !== undefined) m.detail = { S: entry.detail.slice(0, DETAIL_MAX) };
  return { M: m };
}

const APPEND = "timeline = list_append(if_not_exists(timeline, :empty), :entry)";

function append(entry: TimelineEntry): Record<string, AttributeValue> {
  return { ":entry": { L: [entryValue(entry)] }, ":empty": { L: [] } };
}

export interface OpenIncident {
  readonly id: string;
  readonly alarmName: string;
  readonly alertLevel: string;
  readonly openedAt: Date;
  readonly executionArn?: string;
  /** Default INCIDENT_RETENTION_DAYS. */
  readonly retentionDays?: number;
}

/** Creates the incident (status open, one "opened" entry); fails if it exists. */
export function openIncidentRequest(table: string, open: OpenIncident): PutItemCommandInput {
  const at = iso(open.openedAt);
  const days = open.retentionDays ?? INCIDENT_RETENTION_DAYS;
  const item: Record<string, AttributeValue> = {
    ...incidentKey(open.id),
    type: { S: INCIDENT_TYPE },
    id: { S: open.id },
    status: { S: "open" },
    alarmName: { S: open.alarmName },
    alertLevel: { S: open.alertLevel },
    openedAt: { S: at },
    timeline: { L: [entryValue({ at, kind: "opened" })] },
    expiresAt: { N: String(Math.floor(open.openedAt.getTime() / 1000) + days * 86_400) },
  };
  if (open.executionArn !== undefined) item.executionArn = { S: open.executionArn };
  return {
    TableName: table,
    Item: item,
    ConditionExpression: "attribute_not_exists(pk)",
  };
}

/** Records the execution running the incident's escalation. */
export function attachExecutionRequest(
  table: string,
  id: string,
  executionArn: string,
): UpdateItemCommandInput {
  return {
    TableName: table,
    Key: incidentKey(id),
    UpdateExpression: "SET executionArn = :arn",
    ConditionExpression: "attribute_exists(pk)",
    ExpressionAttributeValues: { ":arn": { S: executionArn } },
  };
}

/** The item's String Set of the keys of the pages recorded (recordPageRequest's `key`). */
export const PAGE_KEYS = "pageKeys";

/**
 * The identity of one page of an incident (the item is the incident's, so the incident is
 * implied): round, stage, channel, contact and the time it was scheduled for, which the Task
 * input carries unchanged into every retry (components/engine/stateMachine.ts channelRetry) —
 * the same identity as the voice call's ClientToken (handlers/engine/core.ts voiceClientToken)
 * plus the channel. Aliases only, never an address.
 */
export function pageKey(page: {
  readonly round: number;
  readonly stage: number;
  readonly channel: string;
  readonly contact: string;
  readonly at: string;
}): string {
  return `r${page.round}/s${page.stage}/${page.channel}/${page.contact}/${page.at}`;
}

/**
 * Records a page about to be sent, only while the incident is open: write this first, send only
 * if it succeeded (ConditionalCheckFailedException = acknowledged or resolved: do not send).
 * With `key` (pageKey), a page already recorded is not appended again: the condition fails too,
 * and pageRecordOutcome of the item as it was (ReturnValuesOnConditionCheckFailure ALL_OLD, API
 * reference UpdateItem) tells a retry to send.
 */
export function recordPageRequest(
  table: string,
  id: string,
  page: {
    readonly at: Date;
    readonly contact: string;
    readonly channel: string;
    readonly detail?: string;
    /**
     * Whether the stage that engaged the contact is essential (ScheduledPage.essential); adds
     * the contact to essentialContacts or notEssentialContacts. Undefined: neither (the contact
     * then counts as essential, as before the flag was recorded).
     */
    readonly essential?: boolean;
    /** The page's pageKey: recorded once (undefined: every call appends). */
    readonly key?: string;
  },
): UpdateItemCommandInput {
  const set =
    page.essential === undefined
      ? undefined
      : page.essential
        ? "essentialContacts"
        : "notEssentialContacts";
  const adds = [
    ...(set === undefined ? [] : [`${set} :contact`]),
    ...(page.key === undefined ? [] : [`${PAGE_KEYS} :pageKeys`]),
  ];
  return {
    TableName: table,
    Key: incidentKey(id),
    UpdateExpression: `SET ${APPEND}${adds.length === 0 ? "" : ` ADD ${adds.join(", ")}`}`,
    ConditionExpression:
      page.key === undefined
        ? "#status = :open"
        : `#status = :open AND (attribute_not_exists(${PAGE_KEYS}) OR NOT contains(${PAGE_KEYS}, :pageKey))`,
    ExpressionAttributeNames: { "#status": "status" },
    ExpressionAttributeValues: {
      ...(set === undefined ? {} : { ":contact": { SS: [page.contact] } }),
      ...(page.key === undefined
        ? {}
        : { ":pageKey": { S: page.key }, ":pageKeys": { SS: [page.key] } }),
      ...append({
        at: iso(page.at),
        kind: "paged",
        contact: page.contact,
        channel: page.channel,
        ...(page.detail === undefined ? {} : { detail: page.detail }),
      }),
      ":open": { S: "open" },
    },
    ...(page.key === undefined ? {} : { ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const }),
  };
}

/**
 * Why recordPageRequest's condition failed, from the item as it was: still open with the page's
 * key among pageKeys → "recorded" (an earlier attempt of this page wrote it: send, append
 * nothing); anything else (no item, acknowledged, resolved) → "not-open" (do not send).
 */
export function pageRecordOutcome(
  item: Record<string, AttributeValue> | undefined,
  key: string,
): "recorded" | "not-open" {
  if (item?.status?.S !== "open") return "not-open";
  if (item[PAGE_KEYS]?.SS?.includes(key) === true) return "recorded";
  throw new IncidentStoreError(
    "incident table: the page's condition failed on an open incident without its key",
  );
}

/** Appends a delivery report (whatever the status: a late receipt still belongs in the timeline). */
export function recordDeliveryRequest(
  table: string,
  id: string,
  delivery: {
    readonly at: Date;
    readonly contact: string;
    readonly channel: string;
    readonly ok: boolean;
    readonly detail?: string;
  },
): UpdateItemCommandInput {
  return {
    TableName: table,
    Key: incidentKey(id),
    UpdateExpression: `SET ${APPEND}`,
    ConditionExpression: "attribute_exists(pk)",
    ExpressionAttributeValues: append({
      at: iso(delivery.at),
      kind: delivery.ok ? "delivered" : "delivery-failed",
      contact: delivery.contact,
      channel: delivery.channel,
      ...(delivery.detail === undefined ? {} : { detail: delivery.detail }),
    }),
  };
}

/** Appends a note-like entry (exhausted, recovered, note) whatever the status. */
export function recordNoteRequest(
  table: string,
  id: string,
  note: {
    readonly at: Date;
    readonly kind: "exhausted" | "recovered" | "note";
    readonly detail?: string;
  },
): UpdateItemCommandInput {
  return {
    TableName: table,
    Key: incidentKey(id),
    UpdateExpression: `SET ${APPEND}`,
    ConditionExpression: "attribute_exists(pk)",
    ExpressionAttributeValues: append({
      at: iso(note.at),
      kind: note.kind,
      ...(note.detail === undefined ? {} : { detail: note.detail }),
    }),
  };
}

/** Condition: `:by` is essential (paged as essential, or never paged as not essential). */
const IS_ESSENTIAL =
  "(contains(essentialContacts, :by) OR attribute_not_exists(notEssentialContacts) OR NOT contains(notEssentialContacts, :by))";

/**
 * Acknowledges, only while open and (`by: "contact"`, the default) only by an essential contact;
 * `by: "operator"` (a person at a terminal, `npm run ack` without `--contact`) needs only an open
 * incident. ReturnValuesOnConditionCheckFailure ALL_OLD returns the item in the
 * ConditionalCheckFailedException (API reference UpdateItem), so the caller can tell "already
 * acknowledged" from "resolved" from "not essential" from "no such incident" (no Item) without a
 * second read (acknowledgementRoute).
 */
export function acknowledgeRequest(
  table: string,
  id: string,
  ack: {
    readonly at: Date;
    readonly contact: string;
    readonly channel: string;
    readonly by?: "contact" | "operator";
  },
): UpdateItemCommandInput {
  const at = iso(ack.at);
  const operator = ack.by === "operator";
  return {
    TableName: table,
    Key: incidentKey(id),
    UpdateExpression: `SET #status = :acknowledged, acknowledgedBy = :by, acknowledgedVia = :via, acknowledgedAt = :at, ${APPEND}`,
    ConditionExpression: operator ? "#status = :open" : `#status = :open AND ${IS_ESSENTIAL}`,
    ExpressionAttributeNames: { "#status": "status" },
    ExpressionAttributeValues: {
      ":acknowledged": { S: "acknowledged" },
      ":open": { S: "open" },
      ":by": { S: ack.contact },
      ":via": { S: ack.channel },
      ":at": { S: at },
      ...append({ at, kind: "acknowledged", contact: ack.contact, channel: ack.channel }),
    },
    ReturnValues: "ALL_NEW",
    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  };
}

/**
 * Records the acknowledgement of a contact paged only as a target of a non-essential stage: one
 * timeline entry, the contact added to `acknowledgers`, the status left open (the escalation goes
 * on). Only once per contact and only while open; fails when the contact became essential in the
 * meantime (then acknowledgeRequest applies).
 */
export function noteAcknowledgementRequest(
  table: string,
  id: string,
  ack: { readonly at: Date; readonly contact: string; readonly channel: string },
): UpdateItemCommandInput {
  const at = iso(ack.at);
  return {
    TableName: table,
    Key: incidentKey(id),
    UpdateExpression: `SET ${APPEND} ADD acknowledgers :bySet`,
    ConditionExpression:
      "#status = :open AND contains(notEssentialContacts, :by)" +
      " AND (attribute_not_exists(essentialContacts) OR NOT contains(essentialContacts, :by))" +
      " AND (attribute_not_exists(acknowledgers) OR NOT contains(acknowledgers, :by))",
    ExpressionAttributeNames: { "#status": "status" },
    ExpressionAttributeValues: {
      ":open": { S: "open" },
      ":by": { S: ack.contact },
      ":bySet": { SS: [ack.contact] },
      ...append({
        at,
        kind: "acknowledged-not-essential",
        contact: ack.contact,
        channel: ack.channel,
      }),
    },
    ReturnValues: "ALL_NEW",
    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  };
}

/** Whether `contact` counts as essential for the incident (the IS_ESSENTIAL condition, in code). */
export function isEssentialContact(incident: Incident, contact: string): boolean {
  return (
    (incident.essentialContacts ?? []).includes(contact) ||
    !(incident.notEssentialContacts ?? []).includes(contact)
  );
}

/**
 * What a contact's acknowledgement does to the incident as read (undefined: no such incident):
 * - "missing", "resolved", "acknowledged": nothing (already stopped, or nothing to stop);
 * - "acknowledge": an essential contact of an open incident: acknowledgeRequest;
 * - "note": a non-essential contact not yet recorded: noteAcknowledgementRequest;
 * - "noted": a non-essential contact already recorded: nothing.
 */
export type AcknowledgementRoute =
  "missing" | "resolved" | "acknowledged" | "acknowledge" | "note" | "noted";

export function acknowledgementRoute(
  incident: Incident | undefined,
  contact: string,
): AcknowledgementRoute {
  if (incident === undefined) return "missing";
  if (incident.status !== "open") return incident.status;
  if (isEssentialContact(incident, contact)) return "acknowledge";
  return (incident.acknowledgers ?? []).includes(contact) ? "noted" : "note";
}

/** Resolves an open or acknowledged incident; `detail` says how (recovery, cli). */
export function resolveRequest(
  table: string,
  id: string,
  resolve: { readonly at: Date; readonly detail: string; readonly contact?: string },
): UpdateItemCommandInput {
  const at = iso(resolve.at);
  return {
    TableName: table,
    Key: incidentKey(id),
    UpdateExpression: `SET #status = :resolved, resolvedAt = :at, ${APPEND}`,
    ConditionExpression: "#status IN (:open, :acknowledged)",
    ExpressionAttributeNames: { "#status": "status" },
    ExpressionAttributeValues: {
      ":resolved": { S: "resolved" },
      ":open": { S: "open" },
      ":acknowledged": { S: "acknowledged" },
      ":at": { S: at },
      ...append({
        at,
        kind: "resolved",
        detail: resolve.detail,
        ...(resolve.contact === undefined ? {} : { contact: resolve.contact }),
      }),
    },
    ReturnValues: "ALL_NEW",
    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  };
}

/** Reads an incident, strongly consistent (the engine's check before a send must see an ack). */
export function getIncidentRequest(table: string, id: string): GetItemCommandInput {
  return { TableName: table, Key: incidentKey(id), ConsistentRead: true };
}

/**
 * The most recently opened incidents, newest first, from the `recent` index (global secondary
 * indexes are eventually consistent: a just-opened incident may be missing for a moment).
 */
export function listRecentRequest(
  table: string,
  limit: number,
  exclusiveStartKey?: Record<string, AttributeValue>,
): QueryCommandInput {
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new IncidentStoreError(`limit ${String(limit)} is not an integer from 1 to 1000`);
  }
  return {
    TableName: table,
    IndexName: RECENT_INDEX,
    KeyConditionExpression: "#type = :type",
    ExpressionAttributeNames: { "#type": "type" },
    ExpressionAttributeValues: { ":type": { S: INCIDENT_TYPE } },
    ScanIndexForward: false,
    Limit: limit,
    ...(exclusiveStartKey === undefined ? {} : { ExclusiveStartKey: exclusiveStartKey }),
  };
}

function str(item: Record<string, AttributeValue>, name: string): string {
  const v = item[name];
  if (v === undefined || typeof v.S !== "string") {
    throw new IncidentStoreError(`incident item: ${name} is missing or not a string`);
  }
  return v.S;
}

function optStr(item: Record<string, AttributeValue>, name: string): string | undefined {
  return item[name] === undefined ? undefined : str(item, name);
}

function strSet(item: Record<string, AttributeValue>, name: string): string[] | undefined {
  const v = item[name];
  if (v === undefined) return undefined;
  if (!Array.isArray(v.SS)) {
    throw new IncidentStoreError(`incident item: ${name} is not a string set`);
  }
  return [...v.SS].sort();
}

function parseEntry(v: AttributeValue, i: number): TimelineEntry {
  const m = v.M;
  if (m === undefined) throw new IncidentStoreError(`incident item: timeline[${i}] is not a map`);
  const kind = str(m, "kind");
  if (!(TIMELINE_KINDS as readonly string[]).includes(kind)) {
    throw new IncidentStoreError(`incident item: timeline[${i}].kind "${kind}" is unknown`);
  }
  const contact = optStr(m, "contact");
  const channel = optStr(m, "channel");
  const detail = optStr(m, "detail");
  return {
    at: str(m, "at"),
    kind: kind as TimelineKind,
    ...(contact === undefined ? {} : { contact }),
    ...(channel === undefined ? {} : { channel }),
    ...(detail === undefined ? {} : { detail }),
  };
}

/** Parses a stored item. Throws IncidentStoreError naming the attribute that is wrong. */
export function parseIncident(item: Record<string, AttributeValue>): Incident {
  const status = str(item, "status");
  if (!(INCIDENT_STATUSES as readonly string[]).includes(status)) {
    throw new IncidentStoreError(`incident item: status "${status}" is unknown`);
  }
  const timeline = item.timeline?.L;
  if (timeline === undefined) throw new IncidentStoreError("incident item: timeline is missing");
  const expires = Number(item.expiresAt?.N);
  if (!Number.isSafeInteger(expires)) {
    throw new IncidentStoreError("incident item: expiresAt is missing or not an integer");
  }
  const optional: Record<string, string> = {};
  for (const name of [
    "acknowledgedBy",
    "acknowledgedVia",
    "acknowledgedAt",
    "resolvedAt",
    "executionArn",
  ]) {
    const v = optStr(item, name);
    if (v !== undefined) optional[name] = v;
  }
  const sets: Record<string, readonly string[]> = {};
  for (const name of ["essentialContacts", "notEssentialContacts", "acknowledgers"]) {
    const v = strSet(item, name);
    if (v !== undefined) sets[name] = v;
  }
  return {
    id: str(item, "id"),
    status: status as IncidentStatus,
    alarmName: str(item, "alarmName"),
    alertLevel: str(item, "alertLevel"),
    openedAt: str(item, "openedAt"),
    timeline: timeline.map(parseEntry),
    expiresAt: expires,
    ...optional,
    ...sets,
  };
}
