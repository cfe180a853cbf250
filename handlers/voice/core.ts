/**
 * Pure core of the voice acknowledgement Lambda: the function the Amazon Connect contact flow
 * (components/engine/contactFlow.ts) invokes after the callee pressed 1, then 1 again. It parses
 * the flow's event, decides whether this call may acknowledge, and maps what the store did to the
 * flow's answer. No I/O.
 *
 * The event is Amazon Connect's Lambda input (Amazon Connect administrator guide, "Grant Amazon
 * Connect access to your AWS Lambda functions", https://docs.aws.amazon.com/connect/latest/adminguide/connect-lambda-functions.html,
 * "Configure your Lambda function to parse the event"; Lambda developer guide, "Using Lambda with
 * Amazon Connect": `{"Details": {"ContactData": {"Attributes": {...}, "ContactId", "InstanceARN",
 * ...}, "Parameters": {...}}, "Name": "ContactFlowEvent"}`). The attributes are the ones the
 * engine set on StartOutboundVoiceContact (handlers/engine/core.ts voiceAttributes:
 * incidentId, contact, language, message). The answer is a flat map of strings, which the flow
 * reads as `$.External.result` (same guide, "Consume the Lambda function response").
 *
 * A call acknowledges only: from this stack's Connect instance, for an open incident, by a contact
 * the engine paged by voice for that incident (a "paged" timeline entry with channel voice); then
 * exactly as the e-mail link does (handlers/ack/adapters.ts acknowledge, channel "voice").
 */
import { INCIDENT_ID_PATTERN, acknowledgementRoute, type Incident } from "../shared/incidentStore";
import { isLanguage, type Language } from "../shared/messages";

export class VoiceError extends Error {
  constructor(
    readonly code: "INVALID_CONFIG" | "INTERNAL",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "VoiceAckError";
  }
}

export interface VoiceConfig {
  /** INCIDENT_TABLE. */
  readonly tableName: string;
  /** ALERTS_TOPIC_ARN: Slack hears of the acknowledgement. */
  readonly alertsTopicArn: string;
  /** CONNECT_INSTANCE_ARN: the only instance whose calls may acknowledge. */
  readonly instanceArn: string;
  /** LANGUAGE: the stack's language (the Slack note). */
  readonly language: Language;
}

const TABLE = /^[A-Za-z0-9_.-]{3,255}$/;
const TOPIC = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/;
const INSTANCE = /^arn:aws[a-z-]*:connect:[a-z0-9-]+:\d{12}:instance\/[0-9a-f-]{36}$/;
const ALIAS = /^[a-z0-9_-]{1,64}$/;

/** Validates the environment; throws VoiceError naming every wrong variable. */
export function parseEnv(env: Readonly<Record<string, string | undefined>>): VoiceConfig {
  const problems: string[] = [];
  const need = (name: string, re: RegExp, what: string): string => {
    const value = env[name];
    if (value === undefined || value === "") problems.push(`${name}: is not set`);
    else if (!re.test(value)) problems.push(`${name}: is not ${what}`);
    return value ?? "";
  };
  const tableName = need("INCIDENT_TABLE", TABLE, "a DynamoDB table name");
  const alertsTopicArn = need("ALERTS_TOPIC_ARN", TOPIC, "an SNS topic ARN");
  const instanceArn = need("CONNECT_INSTANCE_ARN", INSTANCE, "an Amazon Connect instance ARN");
  const language = env.LANGUAGE ?? "en";
  if (!isLanguage(language)) problems.push(`LANGUAGE: "${language}" is not ja or en`);
  if (problems.length > 0)
    throw new VoiceError("INVALID_CONFIG", `voice environment: ${problems.join("; ")}`);
  return { tableName, alertsTopicArn, instanceArn, language: language as Language };
}

/** What the flow's event says about the call. */
export interface FlowCall {
  readonly contactId: string;
  readonly instanceArn: string;
  readonly incidentId: string;
  readonly contact: string;
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The call, or why the event cannot acknowledge anything (never quoting a value). */
export function parseFlowEvent(event: unknown): FlowCall | { readonly invalid: string } {
  if (!isObj(event) || event.Name !== "ContactFlowEvent")
    return { invalid: 'Name is not "ContactFlowEvent"' };
  const details = event.Details;
  if (!isObj(details) || !isObj(details.ContactData))
    return { invalid: "Details.ContactData is not an object" };
  const data = details.ContactData;
  const attributes = isObj(data.Attributes) ? data.Attributes : {};
  const { ContactId: contactId, InstanceARN: instanceArn } = data;
  const { incidentId, contact } = attributes;
  if (typeof contactId !== "string" || contactId === "")
    return { invalid: "Details.ContactData.ContactId is not a string" };
  if (typeof instanceArn !== "string")
    return { invalid: "Details.ContactData.InstanceARN is not a string" };
  if (typeof incidentId !== "string" || !INCIDENT_ID_PATTERN.test(incidentId))
    return { invalid: "Attributes.incidentId is not an incident id" };
  if (typeof contact !== "string" || !ALIAS.test(contact))
    return { invalid: "Attributes.contact is not a contact alias" };
  return { contactId, instanceArn, incidentId, contact };
}

/** The flow's answer, `$.External.result`: anything but "acknowledged" is not acknowledged. */
export type FlowResult = "acknowledged" | "not-acknowledged";

/** Why a call did not acknowledge (logged; the flow only hears "not-acknowledged"). */
export type Refusal =
  | "invalid-event"
  | "other-instance"
  | "missing"
  | "resolved"
  | "acknowledged"
  | "not-paged-by-voice"
  | "noted";

/** Whether the engine paged `contact` by voice for this incident (its "paged" timeline entry). */
export function pagedByVoice(incident: Incident, contact: string): boolean {
  return incident.timeline.some(
    (e) => e.kind === "paged" && e.contact === contact && e.channel === "voice",
  );
}

/**
 * The decision before any write: "acknowledge" (go on to the store's conditional write), or why
 * not. The instance is compared with the stack's (only Connect may invoke the function, and only
 * from this instance: the component's lambda.Permission; this is the same rule in code).
 */
export function decide(
  config: VoiceConfig,
  call: FlowCall,
  incident: Incident | undefined,
): "acknowledge" | Refusal {
  if (call.instanceArn !== config.instanceArn) return "other-instance";
  const route = acknowledgementRoute(incident, call.contact);
  if (route === "missing" || route === "resolved" || route === "acknowledged") return route;
  if (!pagedByVoice(incident!, call.contact)) return "not-paged-by-voice";
  return route === "noted" ? "noted" : "acknowledge";
}

/**
 * The flow's answer after the write: "acknowledged" only when this call stopped the escalation
 * (an essential contact's acknowledgement). A contact of a stage that is not essential is noted
 * on the timeline, and hears "not acknowledged": the escalation goes on, as the link's page says.
 */
export function flowResult(outcome: {
  readonly written: boolean;
  readonly essential?: boolean;
}): FlowResult {
  return outcome.written && outcome.essential === true ? "acknowledged" : "not-acknowledged";
}
