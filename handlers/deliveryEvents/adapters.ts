// I/O of the delivery-events function: the incident table (the message-id index of
// handlers/shared/deliveries.ts and the timeline of handlers/shared/incidentStore.ts), SNS (the
// Slack note through AWS Chatbot) and logging. Clients are parameters, so specs pass
// aws-sdk-client-mock clients or a DynamoDB client pointed at dynalite. Nothing here logs an
// address, a phone number or a raw SDK message (it can quote the request): errors carry the SDK
// error's name only.
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { getMessageRequest, parseMessageRef, type MessageRef } from "../shared/deliveries";
import { parseIncident, recordDeliveryRequest, type Incident } from "../shared/incidentStore";

export const SERVICE = "incident-escalation-delivery-events";

/** One structured log record; values must be free of addresses, numbers and alarm text. */
export type LogRecord = {
  readonly level: "INFO" | "WARN" | "ERROR";
  readonly message: string;
} & Record<string, unknown>;
export type Logger = (record: LogRecord) => void;

export const logJson: Logger = (record) => {
  console.log(JSON.stringify({ service: SERVICE, ...record }));
};

/** Writes one EMF line to stdout (handlers/shared/selfMetrics.ts explains why not console.log). */
export function writeMetric(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const SAFE_NAME = /^[A-Za-z][A-Za-z0-9_.]{0,99}$/;

/** The error's name if it is a plain identifier; never its message. */
export function errorName(err: unknown): string {
  if (err instanceof Error && SAFE_NAME.test(err.name)) return err.name;
  return "unknown error";
}

/** A failed AWS call, by the SDK error's name: thrown so Lambda retries, then dead-letters. */
export class DeliveryEventsIoError extends Error {
  constructor(what: string, err: unknown) {
    super(`${what}: ${errorName(err)}`, { cause: err });
    this.name = "DeliveryEventsIoError";
  }
}

/** The mapping of a message id, or undefined when it is not one of ours. */
export async function lookupMessage(
  db: DynamoDBClient,
  table: string,
  messageId: string,
): Promise<MessageRef | undefined> {
  let item;
  try {
    item = (await db.send(new GetItemCommand(getMessageRequest(table, messageId)))).Item;
  } catch (err: unknown) {
    throw new DeliveryEventsIoError("incident table GetItem", err);
  }
  return item === undefined ? undefined : parseMessageRef(item);
}

/**
 * Appends the delivery entry to the incident's timeline whatever its status (a late receipt
 * after resolution still belongs there: recordDeliveryRequest's condition is only
 * attribute_exists(pk)) and returns the incident as written (ReturnValues ALL_NEW, API
 * reference UpdateItem), or undefined when the incident no longer exists (TTL).
 */
export async function appendDelivery(
  db: DynamoDBClient,
  table: string,
  incidentId: string,
  delivery: { at: Date; contact: string; channel: string; ok: boolean; detail: string },
): Promise<Incident | undefined> {
  try {
    const out = await db.send(
      new UpdateItemCommand({
        ...recordDeliveryRequest(table, incidentId, delivery),
        ReturnValues: "ALL_NEW",
      }),
    );
    return out.Attributes === undefined ? undefined : parseIncident(out.Attributes);
  } catch (err: unknown) {
    if (err instanceof ConditionalCheckFailedException) return undefined;
    throw new DeliveryEventsIoError("incident table UpdateItem", err);
  }
}

export async function publishNote(
  client: SNSClient,
  topicArn: string,
  message: string,
): Promise<void> {
  await client.send(new PublishCommand({ TopicArn: topicArn, Message: message }));
}
