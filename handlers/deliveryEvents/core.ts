/**
 * Delivery events of the step-functions backend, pure: decodes the EventBridge events of the
 * three channels into (message id, outcome) and turns an outcome into a timeline entry and a
 * Slack note. No I/O; handler.ts looks the message id up in the index
 * (handlers/shared/deliveries.ts) and writes.
 *
 * How each channel's events arrive (all on the account's default event bus, as EventBridge events
 * `{version, id, "detail-type", source, account, time, region, resources, detail}`):
 * - E-mail: SES v2 configuration-set event publishing with an EventBridge destination ("Only the
 *   default bus is supported", API reference EventBridgeDestination.EventBusArn); source
 *   `aws.ses`, detail-type `Email Delivered`, `Email Bounced`, `Email Complaint Received`,
 *   `Email Rejected`, `Email Rendering Failed`, `Email Delivery Delayed`, `Email Sent`
 *   (EventBridge events reference, https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-ses.html;
 *   SES developer guide "Monitoring SES events using Amazon EventBridge",
 *   https://docs.aws.amazon.com/ses/latest/dg/monitoring-eventbridge.html). `detail` is the
 *   event record: `eventType` (Bounce, Complaint, Delivery, Send, Reject, Rendering Failure,
 *   DeliveryDelay, …) and `mail.messageId`, the SendEmail MessageId
 *   (https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html).
 * - SMS: End User Messaging SMS sends "Text Message Delivery Status Updated" events directly to
 *   EventBridge, source `aws.sms-voice` (https://docs.aws.amazon.com/sms-voice/latest/userguide/monitor-event-bridge.html);
 *   `detail` is the SMS event record: `eventType` (TEXT_DELIVERED, TEXT_BLOCKED, …), `isFinal`,
 *   `messageId` (the SendTextMessage MessageId), `eventTimestamp` (ms)
 *   (https://docs.aws.amazon.com/sms-voice/latest/userguide/configuration-sets-event-format.html).
 *   A configuration set's event destinations cannot be EventBridge (CreateEventDestination:
 *   CloudWatchLogsDestination, KinesisFirehoseDestination or SnsDestination), so no
 *   configuration set is needed for these.
 * - Voice: Amazon Connect contact events, source `aws.connect`, detail-type
 *   `Amazon Connect Contact Event` (https://docs.aws.amazon.com/connect/latest/adminguide/contact-events.html):
 *   `detail.eventType` CONNECTED_TO_SYSTEM ("the contact has established media (for example, it
 *   was answered by a person or by voicemail)"; generated for outbound calls) and DISCONNECTED,
 *   `detail.contactId` (the StartOutboundVoiceContact ContactId), `detail.instanceArn`,
 *   `detail.channel` VOICE, `detail.connectedToSystemTimestamp` once media was established.
 *   Connected → `connected`; disconnected after it → `disconnected`; disconnected without ever
 *   connecting → `no-answer` (a failed delivery: nobody took the call).
 */
import { isMessageId, type DeliveryChannel } from "../shared/deliveries";
import {
  isLanguage,
  message,
  type Language,
  type MessageKey,
  type MessageParams,
} from "../shared/messages";
import { alarmText } from "../shared/untrustedText";

/** A malformed event: dead-lettered (retrying cannot fix it), never silently dropped. */
export class MalformedEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MalformedEventError";
  }
}

/** A missing or malformed environment variable: fails the cold start. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** What one event says about one message. */
export interface Outcome {
  readonly ok: boolean;
  /** The provider's status: Delivery, Bounce, TEXT_DELIVERED, connected, no-answer, … */
  readonly detail: string;
}

/**
 * A decoded event: the message id and what it says. `outcome` undefined: a progress event that
 * says neither delivered nor failed (SES Send, SMS TEXT_QUEUED, Connect INITIATED, …); recorded
 * nowhere, counted in the log.
 */
export interface Decoded {
  readonly channel: DeliveryChannel;
  readonly messageId: string;
  /** When the provider says it happened. */
  readonly at: Date;
  readonly outcome?: Outcome;
  /** The provider's own event name, for the log line (never an address or number). */
  readonly providerEvent: string;
}

export const SES_SOURCE = "aws.ses";
export const SMS_SOURCE = "aws.sms-voice";
export const CONNECT_SOURCE = "aws.connect";
export const SMS_DETAIL_TYPE = "Text Message Delivery Status Updated";
export const CONNECT_DETAIL_TYPE = "Amazon Connect Contact Event";

/** SES detail-types on EventBridge (events-ref-ses) → the event record's eventType. */
export const SES_DETAIL_TYPES = {
  "Email Delivered": "Delivery",
  "Email Bounced": "Bounce",
  "Email Complaint Received": "Complaint",
  "Email Rejected": "Reject",
  "Email Rendering Failed": "Rendering Failure",
  "Email Delivery Delayed": "DeliveryDelay",
  "Email Sent": "Send",
} as const;

/**
 * SES event types and what they mean for the responder (SES API v2 EventDestination
 * MatchingEventTypes): DELIVERY "successfully delivered the email to the recipient's mail
 * server"; COMPLAINT "successfully delivered … but the recipient marked it as spam" (delivered);
 * BOUNCE "the recipient's mail server permanently rejected the email", REJECT "contained a
 * virus and didn't attempt to deliver", RENDERING_FAILURE "wasn't sent because of a template
 * rendering issue" (not reached); DELIVERY_DELAY "couldn't be delivered … because a temporary
 * issue occurred" (not reached yet; SES keeps trying); SEND: accepted, nothing known yet.
 */
const SES_OUTCOMES: Record<string, Outcome | undefined> = {
  Delivery: { ok: true, detail: "Delivery" },
  Complaint: { ok: true, detail: "Complaint" },
  Bounce: { ok: false, detail: "Bounce" },
  Reject: { ok: false, detail: "Reject" },
  "Rendering Failure": { ok: false, detail: "RenderingFailure" },
  DeliveryDelay: { ok: false, detail: "DeliveryDelay" },
  Send: undefined,
};

/** The SES event types the stack's configuration-set destination publishes (sesv2 EventType enum). */
export const SES_MATCHING_EVENT_TYPES = [
  "DELIVERY",
  "BOUNCE",
  "COMPLAINT",
  "REJECT",
  "RENDERING_FAILURE",
  "DELIVERY_DELAY",
] as const;

/**
 * SMS event types (https://docs.aws.amazon.com/sms-voice/latest/userguide/configuration-sets-event-format.html,
 * "Event types for SMS"): TEXT_DELIVERED "delivered to the recipient's device"; TEXT_SUCCESSFUL
 * "accepted by the carrier", final where carriers return no receipt (isFinal true); the rest
 * below are final failures. TEXT_PENDING, TEXT_QUEUED, TEXT_SENT and a non-final
 * TEXT_SUCCESSFUL are progress.
 */
export const SMS_FAILURES = [
  "TEXT_INVALID",
  "TEXT_INVALID_MESSAGE",
  "TEXT_UNREACHABLE",
  "TEXT_CARRIER_UNREACHABLE",
  "TEXT_BLOCKED",
  "TEXT_CARRIER_BLOCKED",
  "TEXT_SPAM",
  "TEXT_UNKNOWN",
  "TEXT_TTL_EXPIRED",
  "TEXT_PROTECT_BLOCKED",
] as const;

/** The Connect contact event types that say something about a call's outcome. */
export const CONNECT_EVENT_TYPES = ["CONNECTED_TO_SYSTEM", "DISCONNECTED"] as const;

type Json = Record<string, unknown>;

const isObject = (x: unknown): x is Json =>
  typeof x === "object" && x !== null && !Array.isArray(x);

function field(obj: Json, name: string, where: string): string {
  const v = obj[name];
  if (typeof v !== "string" || v.length === 0) {
    throw new MalformedEventError(`${where}.${name} is missing or not a string`);
  }
  return v;
}

function messageIdOf(v: string, where: string): string {
  if (!isMessageId(v)) throw new MalformedEventError(`${where} is not a message id`);
  return v;
}

function dateOf(v: unknown, where: string): Date {
  const d = typeof v === "number" || typeof v === "string" ? new Date(v) : new Date(Number.NaN);
  if (Number.isNaN(d.getTime())) throw new MalformedEventError(`${where} is not a time`);
  return d;
}

/**
 * Decodes one EventBridge event. Throws MalformedEventError naming the field that is wrong;
 * returns undefined for an event of no channel of ours (another source or detail-type).
 */
export function decodeEvent(event: unknown): Decoded | undefined {
  if (!isObject(event)) throw new MalformedEventError("event is not a JSON object");
  const source = field(event, "source", "event");
  const detailType = field(event, "detail-type", "event");
  const detail = event.detail;
  if (!isObject(detail)) throw new MalformedEventError("event.detail is not a JSON object");
  if (source === SES_SOURCE && detailType in SES_DETAIL_TYPES) {
    const eventType = field(detail, "eventType", "detail");
    const expected = SES_DETAIL_TYPES[detailType as keyof typeof SES_DETAIL_TYPES];
    if (eventType !== expected) {
      throw new MalformedEventError(
        `detail.eventType "${eventType.slice(0, 40)}" does not match detail-type "${detailType}"`,
      );
    }
    const mail = detail.mail;
    if (!isObject(mail)) throw new MalformedEventError("detail.mail is not a JSON object");
    return {
      channel: "email",
      messageId: messageIdOf(field(mail, "messageId", "detail.mail"), "detail.mail.messageId"),
      at: dateOf(event.time, "event.time"),
      providerEvent: eventType,
      ...(SES_OUTCOMES[eventType] === undefined ? {} : { outcome: SES_OUTCOMES[eventType] }),
    };
  }
  if (source === SMS_SOURCE && detailType === SMS_DETAIL_TYPE) {
    const eventType = field(detail, "eventType", "detail");
    const messageId = messageIdOf(field(detail, "messageId", "detail"), "detail.messageId");
    const at = dateOf(detail.eventTimestamp ?? event.time, "detail.eventTimestamp");
    return {
      channel: "sms",
      messageId,
      at,
      providerEvent: /^[A-Z_]{1,40}$/.test(eventType) ? eventType : "unrecognised",
      ...smsOutcome(eventType, detail.isFinal === true),
    };
  }
  if (source === CONNECT_SOURCE && detailType === CONNECT_DETAIL_TYPE) {
    const eventType = field(detail, "eventType", "detail");
    const messageId = messageIdOf(field(detail, "contactId", "detail"), "detail.contactId");
    const at = dateOf(event.time, "event.time");
    const providerEvent = /^[A-Z_]{1,40}$/.test(eventType) ? eventType : "unrecognised";
    if (eventType === "CONNECTED_TO_SYSTEM") {
      return {
        channel: "voice",
        messageId,
        at,
        providerEvent,
        outcome: { ok: true, detail: "connected" },
      };
    }
    if (eventType === "DISCONNECTED") {
      const connected = detail.connectedToSystemTimestamp !== undefined;
      return {
        channel: "voice",
        messageId,
        at,
        providerEvent,
        outcome: connected
          ? { ok: true, detail: "disconnected" }
          : { ok: false, detail: "no-answer" },
      };
    }
    return { channel: "voice", messageId, at, providerEvent };
  }
  return undefined;
}

function smsOutcome(eventType: string, isFinal: boolean): { outcome?: Outcome } {
  if (eventType === "TEXT_DELIVERED") return { outcome: { ok: true, detail: eventType } };
  if (eventType === "TEXT_SUCCESSFUL" && isFinal) {
    return { outcome: { ok: true, detail: eventType } };
  }
  if ((SMS_FAILURES as readonly string[]).includes(eventType)) {
    return { outcome: { ok: false, detail: eventType } };
  }
  return {};
}

/**
 * The Slack note of an outcome, or undefined for none (a call that ended after it connected: the
 * `connected` note said it already). A failure says plainly that the responder was NOT reached.
 */
export function noteKeys(outcome: Outcome): { title: MessageKey; text: MessageKey } | undefined {
  if (outcome.detail === "disconnected") return undefined;
  if (outcome.ok) return { title: "slack.progress.title", text: "slack.delivered" };
  if (outcome.detail === "DeliveryDelay") {
    return { title: "slack.progress.title", text: "slack.deliveryDelayed" };
  }
  return { title: "slack.deliveryFailed.title", text: "slack.deliveryFailed.text" };
}

/** Chatbot's custom notification limits (the engine's slackNote uses the same). */
const TITLE_MAX = 250;
const DESCRIPTION_MAX = 8000;

/**
 * The Slack note (AWS Chatbot custom notification JSON) of an outcome for an incident, in the
 * stack's language: contact alias, channel and provider status; never an address or number.
 */
export function deliveryNote(
  language: Language,
  incident: { id: string; alarmName: string; alertLevel: string },
  ref: { contact: string; channel: string },
  outcome: Outcome,
): string | undefined {
  const keys = noteKeys(outcome);
  if (keys === undefined) return undefined;
  const params: MessageParams = {
    alarm: alarmText(incident.alarmName, 120),
    level: incident.alertLevel,
    incidentId: incident.id,
    contact: ref.contact,
    channel: ref.channel,
    reason: outcome.detail,
  };
  return JSON.stringify({
    version: "1.0",
    source: "custom",
    content: {
      textType: "client-markdown",
      title: message(keys.title, language, params).slice(0, TITLE_MAX),
      description: message(keys.text, language, params).slice(0, DESCRIPTION_MAX),
    },
  });
}

/** The function's environment, validated at cold start. */
export interface DeliveryEventsConfig {
  readonly tableName: string;
  readonly alertsTopicArn: string;
  readonly language: Language;
  readonly functionName: string;
}

export function parseEnv(env: NodeJS.ProcessEnv): DeliveryEventsConfig {
  const need = (name: string): string => {
    const v = env[name];
    if (v === undefined || v.length === 0) throw new ConfigError(`${name}: is not set`);
    return v;
  };
  const language = env.LANGUAGE ?? "en";
  if (!isLanguage(language)) {
    throw new ConfigError(`LANGUAGE: "${language.slice(0, 20)}" is not ja or en`);
  }
  return {
    tableName: need("INCIDENT_TABLE"),
    alertsTopicArn: need("ALERTS_TOPIC_ARN"),
    language,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME ?? "delivery-events",
  };
}
