/**
 * The stack config's choice of paging backend and what only the step-functions backend reads:
 * `backend`, `language` (stack-wide and per contact), `channels` (the SES sender, the End User
 * Messaging origination identity and the Amazon Connect voice channel) and `escalation[].repeat`. Field schemas live here; the rules
 * that span sections (which backend allows which setting) are in crossChecks.ts.
 */
import { z } from "zod";
import { kindOf, quote, typeError } from "./messages";

/**
 * How pages are sent. `incident-manager`: AWS Systems Manager Incident Manager (response plans,
 * escalation plans, contacts); closed to new customers since 2025-11-07, onboarded accounts keep
 * it. `step-functions`: this project's own engine (Step Functions, SES, End User Messaging SMS,
 * Amazon Connect voice calls).
 */
export const BACKENDS = ["incident-manager", "step-functions"] as const;
export type Backend = (typeof BACKENDS)[number];
export const DEFAULT_BACKEND: Backend = "incident-manager";

/** Languages of every message a responder reads. */
export const LANGUAGES = ["ja", "en"] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = "en";

/** `escalation[last].repeat`: how many times the whole plan runs again when nobody acknowledged. */
export const REPEAT_MAX = 5;

export const backend = z
  .enum(BACKENDS, {
    error: (i) =>
      `${kindOrQuote(i.input)} is not a backend; use incident-manager (an account onboarded to Incident Manager) or step-functions`,
  })
  .default(DEFAULT_BACKEND);

export const language = z.enum(LANGUAGES, {
  error: (i) => `${kindOrQuote(i.input)} is not a language; use ja or en`,
});

/** A plain address: no display name, no comments (SES SendEmail FromEmailAddress). */
const SENDER_RE =
  /^[^\s@"<>(),;:\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

/**
 * SES configuration set names: letters, digits, "_" and "-", at most 64 characters
 * (https://docs.aws.amazon.com/ses/latest/APIReference/API_ConfigurationSet.html; the sesv2 model
 * has no pattern for ConfigurationSetName).
 */
const SES_CONFIGURATION_SET_RE = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * From the pinpoint-sms-voice-v2 API model (aws-models/pinpoint-sms-voice-v2.json, anchored
 * here): SendTextMessage OriginationIdentity is a TextMessageOriginationIdentity,
 * `[A-Za-z0-9_:/\+-]+`, 1-256 characters; ConfigurationSetName a ConfigurationSetNameOrArn,
 * `[A-Za-z0-9_:/-]+`, 1-256; a phone number an E164PhoneNumberType, `\+[1-9][0-9]{1,18}`; a
 * sender ID a SenderId, `[A-Za-z0-9_-]+`, 1-11.
 */
export const SMS_MODEL = {
  originationIdentity: /^[A-Za-z0-9_:/+-]{1,256}$/,
  configurationSet: /^[A-Za-z0-9_:/-]{1,256}$/,
  e164: /^\+[1-9][0-9]{1,18}$/,
  senderId: /^[A-Za-z0-9_-]{1,11}$/,
} as const;

/**
 * The forms SendTextMessage's OriginationIdentity takes ("the PhoneNumber, PhoneNumberId,
 * PhoneNumberArn, SenderId, SenderIdArn, PoolId, or PoolArn", API reference of SendTextMessage),
 * ARNs with the resource types of the Service Authorization Reference for End User Messaging SMS
 * and Voice V2 (phone-number, pool, sender-id:
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsendusermessagingsmsandvoicev2.html).
 */
export type OriginationIdentityKind =
  | "phone-number"
  | "phone-number-id"
  | "pool-id"
  | "sender-id"
  | "phone-number-arn"
  | "pool-arn"
  | "sender-id-arn";

const ARN_RE = /^arn:aws[a-z-]*:sms-voice:[a-z0-9-]+:[0-9]{12}:(phone-number|pool|sender-id)\/.+$/;

/** Which form an origination identity has, or undefined when it has none of them. */
export function originationIdentityKind(value: string): OriginationIdentityKind | undefined {
  if (!SMS_MODEL.originationIdentity.test(value)) return undefined;
  if (value.startsWith("+")) return SMS_MODEL.e164.test(value) ? "phone-number" : undefined;
  const arn = ARN_RE.exec(value);
  if (arn) return `${arn[1] as "phone-number" | "pool" | "sender-id"}-arn`;
  if (value.startsWith("arn:")) return undefined;
  if (/^phone-[A-Za-z0-9]+$/.test(value)) return "phone-number-id";
  if (/^pool-[A-Za-z0-9]+$/.test(value)) return "pool-id";
  // All digits is a phone number written without "+", not a sender ID (our rule, not AWS's: a
  // number taken as a sender ID would fail at the first page instead of at deploy).
  if (SMS_MODEL.senderId.test(value) && !/^[0-9]+$/.test(value)) return "sender-id";
  return undefined;
}

const ORIGINATION_FORMS =
  'a phone number in E.164 (+<country><number>), a phone number or pool ID (phone-..., pool-...), a sender ID (1-11 letters, digits, "_" and "-", not only digits) or the ARN of one (arn:aws:sms-voice:<region>:<account>:phone-number/..., pool/..., sender-id/...)';

const senderAddress = z
  .string({
    error: (i) =>
      i.input === undefined
        ? "is required; give the sender address (name@domain.tld)"
        : `must be an e-mail address string, got ${kindOf(i.input)}`,
  })
  .max(320, { error: "is longer than 320 characters" })
  .regex(SENDER_RE, {
    error: () =>
      "is not a plain e-mail address (name@domain.tld, no display name); the value is not shown",
  });

const emailChannel = z.strictObject(
  {
    /** Sender address; its SES identity (the address or its domain) must be verified in the region. */
    from: senderAddress,
    /** SES configuration set for delivery and bounce events. */
    configurationSet: z
      .string({ error: (i) => typeError(i.input, "an SES configuration set name") })
      .regex(SES_CONFIGURATION_SET_RE, {
        error: () =>
          'is not an SES configuration set name (1-64 letters, digits, "_" and "-"); the value is not shown',
      })
      .optional(),
  },
  { error: (i) => typeError(i.input, "an object { from: <sender address> }") },
);

const smsChannel = z.strictObject(
  {
    /** End User Messaging phone number, pool or sender ID (ID or ARN) the texts are sent from. */
    originationIdentity: z
      .string({
        error: (i) =>
          i.input === undefined
            ? `is required; give ${ORIGINATION_FORMS}`
            : `must be a quoted string, got ${kindOf(i.input)}; give ${ORIGINATION_FORMS}`,
      })
      .refine((s) => originationIdentityKind(s) !== undefined, {
        error: () =>
          `is not an End User Messaging origination identity; give ${ORIGINATION_FORMS}; the value is not shown`,
      }),
    /** End User Messaging configuration set (name or ARN) for delivery events. */
    configurationSet: z
      .string({ error: (i) => typeError(i.input, "a configuration set name or ARN") })
      .regex(SMS_MODEL.configurationSet, {
        error: () =>
          'is not an End User Messaging configuration set name or ARN (1-256 letters, digits, "_", ":", "/" and "-"); the value is not shown',
      })
      .optional(),
  },
  { error: (i) => typeError(i.input, "an object { originationIdentity: ... }") },
);

/**
 * Amazon Connect instance IDs are UUIDs: "You can find the instance ID in the Amazon Resource Name
 * (ARN) of the instance" (DescribeInstance's InstanceId,
 * https://docs.aws.amazon.com/connect/latest/APIReference/API_DescribeInstance.html), whose last
 * part is the UUID; the connect model's InstanceId only bounds the length, 1-100.
 */
const CONNECT_INSTANCE_ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/**
 * E.164, as StartOutboundVoiceContact's SourcePhoneNumber (aws-models/connect.json PhoneNumber
 * `\+[1-9]\d{1,14}$`, anchored here at both ends).
 */
const E164_RE = /^\+[1-9]\d{1,14}$/;
/** A Polly voice name: letters only (https://docs.aws.amazon.com/polly/latest/dg/available-voices.html). */
const VOICE_NAME_RE = /^[A-Za-z]{2,32}$/;

/** `channels.voice`, parsed (the contract with components/engine: fixed, do not widen). */
export interface VoiceChannelConfig {
  readonly connectInstanceId: string;
  readonly sourcePhoneNumber: string;
  readonly voice?: string;
}

const voiceChannel = z.strictObject(
  {
    /** An existing Amazon Connect instance (its ID, a UUID) the calls are placed from. */
    connectInstanceId: z
      .string({
        error: (i) =>
          i.input === undefined
            ? "is required; give the Amazon Connect instance ID (a UUID, the last part of the instance ARN)"
            : `must be a quoted string, got ${kindOf(i.input)}`,
      })
      .regex(CONNECT_INSTANCE_ID_RE, {
        error: () =>
          "is not an Amazon Connect instance ID (a lowercase UUID, the last part of the instance ARN)",
      }),
    /**
     * A phone number claimed on that instance, E.164; the caller ID responders see. It is the
     * organisation's own number and the guide prints it (responders add it to their contacts).
     */
    sourcePhoneNumber: z
      .string({
        error: (i) =>
          i.input === undefined
            ? 'is required; give the number claimed on the Connect instance in E.164 ("+81...")'
            : `must be a quoted string in E.164 ("+81..."), got ${kindOf(i.input)}`,
      })
      .regex(E164_RE, {
        error: () =>
          "is not a phone number in E.164 (+<country code><number>, up to 15 digits, no spaces or hyphens)",
      }),
    /** Polly voice; default by language (Kazuha for ja, Joanna for en). */
    voice: z
      .string({ error: (i) => typeError(i.input, "a Polly voice name such as Kazuha") })
      .regex(VOICE_NAME_RE, {
        error: () => "is not a Polly voice name (letters only, e.g. Kazuha)",
      })
      .optional(),
  },
  {
    error: (i) =>
      typeError(
        i.input,
        "an object { connectInstanceId: ..., sourcePhoneNumber: ..., voice: ... }",
      ),
  },
);

/** `channels`: how the step-functions backend reaches people. */
export const channels = z.strictObject(
  { email: emailChannel.optional(), sms: smsChannel.optional(), voice: voiceChannel.optional() },
  { error: (i) => typeError(i.input, "an object { email: ..., sms: ..., voice: ... }") },
);

/** A compile-time check that the parsed `channels.voice` is exactly VoiceChannelConfig. */
type Parsed = NonNullable<z.output<typeof voiceChannel>>;
const _voiceShape: [Parsed] extends [VoiceChannelConfig]
  ? [VoiceChannelConfig] extends [Parsed]
    ? true
    : never
  : never = true;
void _voiceShape;

export const repeat = z
  .number({ error: (i) => typeError(i.input, "a whole number") })
  .int({ error: (i) => `${String(i.input)} is not a whole number` })
  .min(0, { error: (i) => `${String(i.input)} is below the minimum 0` })
  .max(REPEAT_MAX, { error: (i) => `${String(i.input)} is above the maximum ${REPEAT_MAX}` });

/**
 * How many times the whole escalation runs again when nobody acknowledged: `repeat` of the last
 * stage (crossChecks.ts allows it nowhere else), 0 when absent.
 */
export function escalationRepeats(stages: readonly { readonly repeat?: number }[]): number {
  return stages.at(-1)?.repeat ?? 0;
}

/** The language of one contact's messages: its own `language`, else the stack's. */
export function contactLanguage(
  cfg: { readonly language: Language },
  contact: { readonly language?: Language },
): Language {
  return contact.language ?? cfg.language;
}

/** A string value in quotes, anything else as its kind. */
function kindOrQuote(v: unknown): string {
  return typeof v === "string" ? quote(v) : kindOf(v);
}
