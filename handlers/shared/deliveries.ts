/**
 * The message-id index of the step-functions backend: which incident, contact and channel a
 * provider's message id belongs to, so a delivery event (SES, End User Messaging SMS, Amazon
 * Connect) can land on the right incident's timeline (handlers/deliveryEvents/). The engine
 * writes one small item per page it sent (handlers/engine/handler.ts `send`), in the incident
 * table (handlers/shared/incidentStore.ts) beside the incidents. Pure: request builders and a
 * parser.
 *
 * Item:
 *   pk          S  "MESSAGE#<messageId>" (an SES MessageId, an SMS MessageId, a Connect ContactId)
 *   incidentId  S  the incident it paged for
 *   contact     S  contact alias (never an address or number)
 *   channel     S  email | sms | voice
 *   sentAt      S  ISO-8601 UTC
 *   expiresAt   N  epoch seconds, INCIDENT_RETENTION_DAYS after sentAt (DynamoDB TTL, as the
 *                  incident's: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html)
 *
 * It has no `type` attribute, so it is never in the `recent` index (a global secondary index
 * holds only items that have its key attributes: "sparse indexes",
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-indexes-general-sparse-indexes.html)
 * and `npm run incidents` never lists it.
 *
 * Idempotent: `attribute_not_exists(pk) OR (incidentId = :incident AND contact = :contact AND
 * channel = :channel)`: a retried write of the same mapping succeeds; a message id already
 * mapped to something else is never overwritten (ConditionalCheckFailedException).
 */
import type {
  AttributeValue,
  GetItemCommandInput,
  PutItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import { INCIDENT_RETENTION_DAYS, IncidentStoreError, incidentKey } from "./incidentStore";

/** Channels whose messages report delivery events. */
export const DELIVERY_CHANNELS = ["email", "sms", "voice"] as const;
export type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number];

/** What a message id maps to. */
export interface MessageRef {
  readonly incidentId: string;
  readonly contact: string;
  readonly channel: DeliveryChannel;
}

/**
 * Provider message ids: SES MessageId (e.g. `010001…-…-000000`), SMS MessageId (a UUID), Connect
 * ContactId (a UUID, 1-256 characters in the connect API model). Printable ASCII without spaces;
 * anything else is not ours.
 */
const MESSAGE_ID_PATTERN = /^[A-Za-z0-9._:@+=/-]{1,256}$/;

export function isMessageId(id: unknown): id is string {
  return typeof id === "string" && MESSAGE_ID_PATTERN.test(id);
}

export function messageKey(messageId: string): Record<string, AttributeValue> {
  if (!isMessageId(messageId)) {
    throw new IncidentStoreError(
      `message id ${JSON.stringify(String(messageId).slice(0, 40))} is not 1-256 printable characters`,
    );
  }
  return { pk: { S: `MESSAGE#${messageId}` } };
}

/** Stores (messageId → incident, contact, channel); a retry of the same mapping succeeds. */
export function recordMessageRequest(
  table: string,
  messageId: string,
  ref: MessageRef & { readonly sentAt: Date; readonly retentionDays?: number },
): PutItemCommandInput {
  const sentAt = ref.sentAt.getTime();
  if (Number.isNaN(sentAt)) throw new IncidentStoreError("invalid date");
  if (!(DELIVERY_CHANNELS as readonly string[]).includes(ref.channel)) {
    throw new IncidentStoreError(`channel ${JSON.stringify(ref.channel)} has no delivery events`);
  }
  // incidentKey validates the incident id's alphabet.
  incidentKey(ref.incidentId);
  const days = ref.retentionDays ?? INCIDENT_RETENTION_DAYS;
  return {
    TableName: table,
    Item: {
      ...messageKey(messageId),
      incidentId: { S: ref.incidentId },
      contact: { S: ref.contact },
      channel: { S: ref.channel },
      sentAt: { S: ref.sentAt.toISOString() },
      expiresAt: { N: String(Math.floor(sentAt / 1000) + days * 86_400) },
    },
    ConditionExpression:
      "attribute_not_exists(pk) OR (incidentId = :incident AND contact = :contact AND channel = :channel)",
    ExpressionAttributeValues: {
      ":incident": { S: ref.incidentId },
      ":contact": { S: ref.contact },
      ":channel": { S: ref.channel },
    },
  };
}

/** Reads the mapping of a message id (eventually consistent: the write happened seconds before). */
export function getMessageRequest(table: string, messageId: string): GetItemCommandInput {
  return { TableName: table, Key: messageKey(messageId) };
}

/** Parses a stored mapping; throws IncidentStoreError naming the attribute that is wrong. */
export function parseMessageRef(item: Record<string, AttributeValue>): MessageRef {
  const str = (name: string): string => {
    const v = item[name]?.S;
    if (typeof v !== "string") {
      throw new IncidentStoreError(`message item: ${name} is missing or not a string`);
    }
    return v;
  };
  const channel = str("channel");
  if (!(DELIVERY_CHANNELS as readonly string[]).includes(channel)) {
    throw new IncidentStoreError(`message item: channel "${channel}" is unknown`);
  }
  return {
    incidentId: str("incidentId"),
    contact: str("contact"),
    channel: channel as DeliveryChannel,
  };
}
