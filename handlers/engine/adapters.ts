// I/O of the escalation engine: the incident table (request builders of
// handlers/shared/incidentStore.ts), SES v2, End User Messaging SMS, Amazon Connect, SNS (Slack notes through AWS
// Chatbot), Secrets Manager, and logging. Clients are parameters, so tests pass
// aws-sdk-client-mock clients or a DynamoDB client pointed at dynalite. Nothing here logs or
// throws an address, a phone number, a link or a raw SDK message (an SDK message can quote the
// request): errors carry the SDK error's name only.
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import {
  SendTextMessageCommand,
  type PinpointSMSVoiceV2Client,
  type SendTextMessageCommandInput,
} from "@aws-sdk/client-pinpoint-sms-voice-v2";
import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import {
  StartOutboundVoiceContactCommand,
  type ConnectClient,
  type StartOutboundVoiceContactCommandInput,
} from "@aws-sdk/client-connect";
import {
  SendEmailCommand,
  type SendEmailCommandInput,
  type SESv2Client,
} from "@aws-sdk/client-sesv2";
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import {
  attachExecutionRequest,
  getIncidentRequest,
  openIncidentRequest,
  pageRecordOutcome,
  parseIncident,
  recordDeliveryRequest,
  recordNoteRequest,
  recordPageRequest,
  type Incident,
} from "../shared/incidentStore";
import { jsonLogger, type Logger } from "../shared/log";
import { getOverridesRequest, parseOverrides, type RotationOverride } from "../shared/overrides";
import {
  DELIVERY_CHANNELS,
  recordMessageRequest,
  type DeliveryChannel,
} from "../shared/deliveries";
import { PermanentError, TransientError, type EmailContent } from "./core";

export const SERVICE = "incident-escalation-engine";

/** One structured log record; values must be free of addresses, numbers, links and alarm text. */
export type { LogRecord, Logger } from "../shared/log";

export const logJson: Logger = jsonLogger(SERVICE);

const SAFE_NAME = /^[A-Za-z][A-Za-z0-9_.]{0,99}$/;

/** The error's name if it is a plain identifier; never its message. */
export function errorName(err: unknown): string {
  if (err instanceof Error && SAFE_NAME.test(err.name)) return err.name;
  return "unknown error";
}

/**
 * SDK errors worth retrying: the SDK marks throttling and transient errors `$retryable` (after
 * its own retries ran out), 429 and 5xx answers are the service's load or fault, and an error
 * without an HTTP status never reached the service (network, timeout). Everything else (4xx:
 * validation, access denied, an unverified identity, an opted-out number, a destination Connect
 * does not allow) will fail the same way again.
 */
export function classify(err: unknown, what: string): TransientError | PermanentError {
  const name = errorName(err);
  const meta = (err as { $metadata?: { httpStatusCode?: number }; $retryable?: unknown }) ?? {};
  const status = meta.$metadata?.httpStatusCode;
  const transient =
    meta.$retryable !== undefined ||
    /Throttl|TooManyRequests|ServiceUnavailable|InternalServer|InternalFailure|RequestTimeout|InternalService/.test(
      name,
    ) ||
    // Amazon Connect answers LimitExceededException (HTTP 429 in its API model) when the
    // instance is at its concurrent-calls quota, and ThrottlingException above the API's rate
    // (Amazon Connect administrator guide, "Amazon Connect service quotas"): both pass once
    // calls end or the second turns, so the Send_voice Task retries them (VOICE_RETRY).
    name === "LimitExceededException" ||
    status === 429 ||
    status === undefined ||
    status >= 500;
  const text = `${what}: ${name}${status === undefined ? "" : ` (HTTP ${status})`}`;
  return transient
    ? new TransientError(text, { cause: err })
    : new PermanentError(text, { cause: err });
}

async function call<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err: unknown) {
    throw classify(err, what);
  }
}

// ---------------------------------------------------------------------------------------------
// Incident table

export async function getIncident(
  db: DynamoDBClient,
  table: string,
  id: string,
): Promise<Incident | undefined> {
  const out = await call("incident table GetItem", () =>
    db.send(new GetItemCommand(getIncidentRequest(table, id))),
  );
  return out.Item === undefined ? undefined : parseIncident(out.Item);
}

/**
 * The rotation's overrides (handlers/shared/overrides.ts: GetItem of `OVERRIDE#<rotation>`,
 * strongly consistent). Errors are the SDK's (after its own retries) or OverrideStoreError, as
 * they are: the caller decides (it pages the scheduled members instead).
 */
export async function getOverrides(
  db: DynamoDBClient,
  table: string,
  rotation: string,
): Promise<RotationOverride[]> {
  const out = await db.send(new GetItemCommand(getOverridesRequest(table, rotation)));
  return parseOverrides(rotation, out.Item);
}

/** Opens the incident unless the router already did; records the execution running it. */
export async function openIncident(
  db: DynamoDBClient,
  table: string,
  open: { id: string; alarmName: string; alertLevel: string; openedAt: Date; executionArn: string },
): Promise<"opened" | "existed"> {
  let result: "opened" | "existed" = "opened";
  try {
    await db.send(new PutItemCommand(openIncidentRequest(table, open)));
  } catch (err: unknown) {
    if (!(err instanceof ConditionalCheckFailedException))
      throw classify(err, "incident table PutItem");
    result = "existed";
  }
  await call("incident table UpdateItem", () =>
    db.send(new UpdateItemCommand(attachExecutionRequest(table, open.id, open.executionArn))),
  );
  return result;
}

/**
 * Records the page before it is sent, only while the incident is open (the store's condition):
 * false means acknowledged or resolved in the meantime, and the page must not go out. Once per
 * page key (incidentStore.ts pageKey): a retry of the Send_* Task finds its page recorded, appends
 * nothing and sends (true) while the incident is open. The item as it was comes with the
 * ConditionalCheckFailedException (ReturnValuesOnConditionCheckFailure ALL_OLD, API reference
 * UpdateItem; the exception's `Item`, "Item which caused the ConditionalCheckFailedException":
 * https://docs.aws.amazon.com/botocore/latest/reference/services/dynamodb/client/exceptions/ConditionalCheckFailedException.html)
 * or, where an implementation does not return it (dynalite), from a consistent read.
 */
export async function recordPage(
  db: DynamoDBClient,
  table: string,
  id: string,
  page: { at: Date; contact: string; channel: string; essential: boolean; key: string },
): Promise<boolean> {
  try {
    await db.send(new UpdateItemCommand(recordPageRequest(table, id, page)));
    return true;
  } catch (err: unknown) {
    if (!(err instanceof ConditionalCheckFailedException))
      throw classify(err, "incident table UpdateItem");
    let old = (err as { Item?: Record<string, AttributeValue> }).Item;
    if (old === undefined) {
      const read = await call("incident table GetItem", () =>
        db.send(new GetItemCommand(getIncidentRequest(table, id))),
      );
      old = read.Item;
    }
    return pageRecordOutcome(old, page.key) === "recorded";
  }
}

export async function recordDelivery(
  db: DynamoDBClient,
  table: string,
  id: string,
  delivery: { at: Date; contact: string; channel: string; ok: boolean; detail?: string },
): Promise<void> {
  await call("incident table UpdateItem", () =>
    db.send(new UpdateItemCommand(recordDeliveryRequest(table, id, delivery))),
  );
}

/**
 * Stores (messageId → incident, contact, channel) for the delivery events
 * (handlers/shared/deliveries.ts). Best effort, after the send: a failure is logged and never
 * thrown, because the task's retry would send the page again; its delivery events are then
 * ignored as unknown (handlers/deliveryEvents/handler.ts).
 */
export async function indexMessage(
  db: DynamoDBClient,
  table: string,
  messageId: string,
  ref: { incidentId: string; contact: string; channel: string; sentAt: Date },
  log: Logger,
): Promise<void> {
  try {
    if (!(DELIVERY_CHANNELS as readonly string[]).includes(ref.channel)) return;
    await db.send(
      new PutItemCommand(
        recordMessageRequest(table, messageId, { ...ref, channel: ref.channel as DeliveryChannel }),
      ),
    );
  } catch (err: unknown) {
    log({
      level: "WARN",
      message: "engine.index_failed",
      incidentId: ref.incidentId,
      contact: ref.contact,
      channel: ref.channel,
      error: errorName(err),
    });
  }
}

export async function recordNote(
  db: DynamoDBClient,
  table: string,
  id: string,
  note: { at: Date; kind: "exhausted" | "note"; detail?: string },
): Promise<void> {
  await call("incident table UpdateItem", () =>
    db.send(new UpdateItemCommand(recordNoteRequest(table, id, note))),
  );
}

// ---------------------------------------------------------------------------------------------
// Channels

/**
 * SES v2 SendEmail (API reference: `FromEmailAddress`, `Destination.ToAddresses`,
 * `Content.Simple` with `Subject`/`Body.Text`, optional `ConfigurationSetName` for delivery,
 * bounce and complaint events). UTF-8 so Japanese text arrives intact.
 */
export function sendEmailInput(
  from: string,
  to: string,
  content: EmailContent,
  configurationSet: string | undefined,
): SendEmailCommandInput {
  return {
    FromEmailAddress: from,
    Destination: { ToAddresses: [to] },
    Content: {
      Simple: {
        Subject: { Data: content.subject, Charset: "UTF-8" },
        Body: { Text: { Data: content.body, Charset: "UTF-8" } },
      },
    },
    ...(configurationSet === undefined ? {} : { ConfigurationSetName: configurationSet }),
  };
}

export async function sendEmail(
  client: SESv2Client,
  input: SendEmailCommandInput,
): Promise<string | undefined> {
  const out = await call("SES SendEmail", () => client.send(new SendEmailCommand(input)));
  return out.MessageId;
}

/**
 * End User Messaging SMS SendTextMessage (pinpoint-sms-voice-v2 API reference:
 * `DestinationPhoneNumber` E.164, `OriginationIdentity` a phone number, pool or sender ID as ID
 * or ARN, `MessageBody` 1-1600, `MessageType` TRANSACTIONAL for time-critical messages).
 */
export function sendTextInput(
  originationIdentity: string,
  to: string,
  body: string,
  configurationSet: string | undefined,
): SendTextMessageCommandInput {
  return {
    DestinationPhoneNumber: to,
    OriginationIdentity: originationIdentity,
    MessageBody: body,
    MessageType: "TRANSACTIONAL",
    ...(configurationSet === undefined ? {} : { ConfigurationSetName: configurationSet }),
  };
}

export async function sendText(
  client: PinpointSMSVoiceV2Client,
  input: SendTextMessageCommandInput,
): Promise<string | undefined> {
  const out = await call("SMS SendTextMessage", () =>
    client.send(new SendTextMessageCommand(input)),
  );
  return out.MessageId;
}

/**
 * Amazon Connect StartOutboundVoiceContact (API reference: `InstanceId`, `ContactFlowId`,
 * `DestinationPhoneNumber` and `SourcePhoneNumber` E.164, `ClientToken` (idempotency, 7 days),
 * `Attributes` (string map the flow reads as `$.Attributes.<key>`), `RingTimeoutInSeconds`
 * 15-60, `TrafficType` GENERAL (the "Concurrent active calls per instance" quota, not the
 * campaign one). The ring timeout bounds how long an unanswered call holds one of the instance's
 * concurrent calls (the pacing spec's call length).
 */
export function startVoiceContactInput(
  voice: { readonly instanceId: string; readonly sourcePhoneNumber: string },
  contactFlowId: string,
  to: string,
  clientToken: string,
  attributes: Record<string, string>,
): StartOutboundVoiceContactCommandInput {
  return {
    InstanceId: voice.instanceId,
    ContactFlowId: contactFlowId,
    SourcePhoneNumber: voice.sourcePhoneNumber,
    DestinationPhoneNumber: to,
    ClientToken: clientToken,
    Attributes: attributes,
    RingTimeoutInSeconds: VOICE_RING_TIMEOUT_SECONDS,
    TrafficType: "GENERAL",
  };
}

/** Seconds a call rings before Connect gives up (StartOutboundVoiceContact RingTimeoutInSeconds, 15-60). */
export const VOICE_RING_TIMEOUT_SECONDS = 45;

/** Places the call; returns the ContactId (the delivery events' message id). */
export async function startVoiceContact(
  client: ConnectClient,
  input: StartOutboundVoiceContactCommandInput,
): Promise<string | undefined> {
  const out = await call("Connect StartOutboundVoiceContact", () =>
    client.send(new StartOutboundVoiceContactCommand(input)),
  );
  return out.ContactId;
}

// ---------------------------------------------------------------------------------------------
// Slack, secrets

export async function publishNote(
  client: SNSClient,
  topicArn: string,
  message: string,
): Promise<void> {
  await call("SNS Publish", () =>
    client.send(new PublishCommand({ TopicArn: topicArn, Message: message })),
  );
}

export async function readSecret(
  client: SecretsManagerClient,
  arn: string,
  what: string,
): Promise<string> {
  const out = await call(`${what} GetSecretValue`, () =>
    client.send(new GetSecretValueCommand({ SecretId: arn })),
  );
  if (typeof out.SecretString !== "string")
    throw new PermanentError(`${what}: the secret has no SecretString`);
  return out.SecretString;
}

/** Writes one EMF line to stdout (handlers/shared/selfMetrics.ts explains why not console.log). */
export function writeMetric(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
