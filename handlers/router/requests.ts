/**
 * The SDK requests an alarm state change makes, as pure builders: StartIncident and
 * StartEngagement inputs, and the state change's identity (`AlarmChange`) whose token makes every
 * request idempotent. The dedupe table's requests are in dedupe/writes.ts.
 */
import { createHash } from "node:crypto";
import type { StartEngagementCommandInput } from "@aws-sdk/client-ssm-contacts";
import type { StartIncidentCommandInput } from "@aws-sdk/client-ssm-incidents";
import { ALARM_TEXT_LABELS as LABELS, alarmText } from "../shared/untrustedText";
import { ALARM_NAME_MAX, truncate, type Alarm } from "./alarmEvent";
import { recordOrEmpty } from "./errors";

/** Identifies one alarm state change, for the dedupe table and idempotency tokens. */
export interface AlarmChange {
  readonly table: string;
  readonly level: string;
  readonly alarmName: string;
  readonly alarmArn: string;
  /** The state change's instant. */
  readonly at: Date;
  /** sha256(alarm ARN | state timestamp as written): StartIncident's clientToken for an ALARM. */
  readonly token: string;
}

// Limits from the API models (aws-models/ssm-incidents.json, ssm-contacts.json).
const TITLE_MAX = 200;
const RAW_DATA_MAX = 10_000;
const URL_MAX = 1000;
/**
 * Bounds of the quoted alarm texts (quotes, escapes and "…" included; handlers/shared/
 * untrustedText.ts): Subject (max 2048) and PublicContent (max 8192) hold one name, Content
 * (max 8192) two names and the reason, well within bounds whatever their lengths.
 */
const NAME_QUOTED_MAX = ALARM_NAME_MAX + 2;
const REASON_QUOTED_MAX = 2000;

export function alarmChange(alarm: Alarm, table: string): AlarmChange {
  return {
    table,
    level: alarm.level,
    alarmName: alarm.alarmName,
    alarmArn: alarm.alarmArn,
    at: alarm.time,
    token: changeToken(alarm),
  };
}

/** The idempotency token of one state change: StartIncident's clientToken, and the seed of others. */
function changeToken(alarm: Alarm): string {
  return sha256(`${alarm.alarmArn}|${alarm.stateTimestamp}`);
}

export function incidentInput(
  alarm: Alarm,
  responsePlanArn: string,
  source: string,
): StartIncidentCommandInput {
  const url = consoleUrl(alarm);
  return {
    clientToken: changeToken(alarm),
    responsePlanArn,
    impact: alarm.route.impact,
    title: incidentTitle(alarm.level, alarm.alarmName),
    triggerDetails: {
      source,
      triggerArn: alarm.alarmArn,
      timestamp: alarm.time,
      rawData: rawData(alarm),
    },
    relatedItems:
      url === undefined
        ? []
        : [{ identifier: { type: "OTHER", value: { url } }, title: "CloudWatch alarm" }],
  };
}

export function engagementInput(
  alarm: Alarm,
  contactArn: string,
  sender: string,
): StartEngagementCommandInput {
  // Alarm name and reason are untrusted (untrustedText.ts): stripped of control and format
  // characters, markup defused, and quoted after a fixed label, so neither can pass for the
  // stack's own text. CloudWatch names are at most 255 characters; the cut only bounds malformed
  // events.
  const name = alarmText(alarm.alarmName, NAME_QUOTED_MAX);
  const subject = `[${alarm.level}] ${LABELS.alarm} ${name} is in ALARM`;
  const reason =
    alarm.reason === undefined ? LABELS.noReason : alarmText(alarm.reason, REASON_QUOTED_MAX, true);
  const content = [
    subject,
    "",
    `Level: ${alarm.level}`,
    `${LABELS.name}: ${name}`,
    `Since: ${alarm.time.toISOString()}`,
    `${LABELS.reason}: ${reason}`,
    `Account: ${alarm.account}`,
    `Region: ${alarm.region}`,
    `Console: ${consoleUrl(alarm) ?? "(alarm name too long for a link)"}`,
  ].join("\n");
  return {
    ContactId: contactArn,
    Sender: sender,
    Subject: subject,
    Content: content,
    // SMS and voice are not private: level and alarm name only, never the reason.
    PublicSubject: subject,
    PublicContent: `${LABELS.alarm} ${name} (level ${alarm.level}) is in ALARM.`,
    IdempotencyToken: sha256(`${alarm.alarmArn}|${alarm.stateTimestamp}|${contactArn}`),
  };
}

/**
 * `[<level>] CloudWatch alarm "<name>"`, at most 200 characters (StartIncident title): the name
 * is untrusted, so it is stripped, defused and quoted after a fixed label (untrustedText.ts), and
 * a long one is cut inside its quotes. Level names are `[a-z0-9_-]`, so the `[<level>]` tag is
 * the stack's own, and no alarm's title starts with a drill's `[DRILL]`.
 */
export function incidentTitle(level: string, alarmName: string): string {
  const prefix = `[${level}] ${LABELS.alarm} `;
  return prefix + alarmText(alarmName, TITLE_MAX - prefix.length);
}

/**
 * The alarm's page in the CloudWatch console, or undefined when a long non-ASCII name makes it
 * longer than the model's 1000 characters (a cut URL would point nowhere).
 */
function consoleUrl({ region, alarmName }: Alarm): string | undefined {
  const url =
    `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}` +
    `#alarmsV2:alarm/${encodeURIComponent(alarmName)}`;
  return url.length <= URL_MAX ? url : undefined;
}

const OMITTED = "(omitted: event too large for rawData)";

/**
 * The event as JSON, at most 10000 characters and always valid JSON: the whole event if it
 * fits, else the event with its bulky fields replaced, else a summary of the validated fields.
 * Machine data for whoever audits the incident, so its alarm text stays as CloudWatch sent it
 * (JSON quotes it): nothing of the event is silently stripped or rewritten. The texts people
 * read (title, engagement texts) carry the sanitised, quoted form.
 */
function rawData(alarm: Alarm): string {
  const whole = jsonOf(alarm.event);
  if (whole !== undefined && whole.length <= RAW_DATA_MAX) return whole;

  const slim = jsonOf(withoutBulkyFields(alarm.event));
  if (slim !== undefined && slim.length <= RAW_DATA_MAX) return slim;

  return JSON.stringify({
    summary: OMITTED,
    resources: [alarm.alarmArn],
    detail: {
      alarmName: truncate(alarm.alarmName, ALARM_NAME_MAX),
      state: { value: alarm.state, timestamp: alarm.stateTimestamp },
    },
  });
}

function withoutBulkyFields(event: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const detail = recordOrEmpty(event.detail);
  const state = recordOrEmpty(detail.state);
  return {
    ...event,
    detail: {
      ...detail,
      ...("configuration" in detail && { configuration: OMITTED }),
      ...("previousState" in detail && { previousState: OMITTED }),
      state: { ...state, ...("reasonData" in state && { reasonData: OMITTED }) },
    },
  };
}

/** JSON text, or undefined for values JSON cannot represent (BigInt; never in a Lambda payload). */
function jsonOf(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

export function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
