/**
 * The field schemas of the stack config: for each section, the shape, patterns and ranges the
 * AWS API models let us check before deploy, each with a message a user can act on. References
 * between sections are checked in crossChecks.ts; the schema is assembled in schema.ts.
 */
import { z } from "zod";
import { DEFAULT_LANGUAGE, backend, channels, language, repeat } from "./backend";
import { calendars, outsideHours } from "./calendars";
import { maintenance } from "./maintenance";
import { heartbeatConfig } from "./heartbeat";
import { kindOf, quote, typeError } from "./messages";

/** Incident Manager limits, from the ssm-contacts / ssm-incidents API models (aws-models/). */
export const LIMITS = {
  stageMinutesMax: 30,
  retryIntervalMax: 60,
  responsePlanEngagementsMax: 5,
  rotationMembersMin: 1,
  rotationMembersMax: 30,
  recurrenceMultiplierMax: 100,
  impactMin: 1,
  impactMax: 5,
  aliasMax: 255,
  displayNameMax: 255,
  simpleAddressMax: 320,
  responsePlanNameMax: 200,
  alarmNameMax: 255,
  alarmDescriptionMax: 1024,
  evaluationSecondsMax: 86_400,
  dimensionsMax: 30,
} as const;

export const CHANNEL_KINDS = ["email", "sms", "voice"] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

export const DAYS_OF_WEEK = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"] as const;

export const NAME_RE = /^[a-z0-9][a-z0-9_-]*$/;
/** ContactName in ssm-contacts: letters, spaces, digits, `_`, `.`, `-`. */
const DISPLAY_NAME_RE = /^[\p{L}\p{Z}\p{N}_.-]*$/u;
const E164_RE = /^\+[1-9][0-9]{6,14}$/;
const EMAIL_RE =
  /^[^\s@"<>(),;:\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
const HHMM_RE = /^([01][0-9]|2[0-3]):([0-5][0-9])$/;
const REGION_RE = /^[a-z]{2}(-gov)?-[a-z]+-[0-9]$/;
/** A reference to an on-call rotation in `escalation[].engage` and `levels.*.engage`. */
export const ONCALL_REF_PREFIX = "oncall:";

const name = (what: string) =>
  z
    .string({ error: (i) => typeError(i.input, "a string") })
    .min(1, { error: `is empty; give the ${what} a name` })
    .max(64, { error: `is longer than 64 characters` })
    .regex(NAME_RE, {
      error: (i) =>
        `${quote(i.input)} is not a valid ${what} name (lower-case letters, digits, "_" and "-", starting with a letter or digit)`,
    });

const int = (min: number, max: number, unit = "") =>
  z
    .number({ error: (i) => typeError(i.input, "a whole number") })
    .int({ error: (i) => `${String(i.input)} is not a whole number` })
    .min(min, { error: (i) => `${String(i.input)}${unit} is below the minimum ${min}${unit}` })
    .max(max, { error: (i) => `${String(i.input)}${unit} is above the maximum ${max}${unit}` });

const phone = z
  .string({
    error: (i) =>
      i.input === undefined
        ? "is required"
        : `must be a quoted string in E.164 form (phone: "+<country><number>"), got ${kindOf(i.input)}; the value is not shown because it is personal data`,
  })
  .regex(E164_RE, {
    error: () =>
      "is not E.164 (+<country><number>, digits only, e.g. +819012345678); the value is not shown because it is personal data",
  });

const email = z
  .string({
    error: (i) =>
      i.input === undefined
        ? "is required"
        : `must be an e-mail address string, got ${kindOf(i.input)}; the value is not shown because it is personal data`,
  })
  .max(LIMITS.simpleAddressMax, { error: `is longer than ${LIMITS.simpleAddressMax} characters` })
  .regex(EMAIL_RE, {
    error: () =>
      "is not a valid e-mail address (name@domain.tld); the value is not shown because it is personal data",
  });

const engagementStage = z.strictObject({
  /** Minutes after the contact is engaged. */
  after: int(0, 24 * 60, " min"),
  /** Channels engaged in this stage. */
  via: z
    .array(
      z.enum(CHANNEL_KINDS, {
        error: (i) => `${quote(i.input)} is not a channel; use one of: ${CHANNEL_KINDS.join(", ")}`,
      }),
      { error: (i) => typeError(i.input, "a list of channels") },
    )
    .min(1, { error: "is empty; name at least one channel (email, sms, voice)" }),
});

export const contact = z.strictObject({
  alias: name("contact"),
  displayName: z
    .string({ error: (i) => typeError(i.input, "a string") })
    .min(1, { error: "is empty" })
    .max(LIMITS.displayNameMax, { error: `is longer than ${LIMITS.displayNameMax} characters` })
    .regex(DISPLAY_NAME_RE, {
      error: (i) =>
        `${quote(i.input)} has characters Incident Manager rejects; use letters, digits, spaces, "_", "." and "-" only`,
    }),
  email: email.optional(),
  phone: phone.optional(),
  /** Minutes between retries of an unacknowledged channel within a stage (0 = no retry). */
  retryIntervalMinutes: int(0, LIMITS.retryIntervalMax, " min").default(5),
  engagement: z
    .array(engagementStage, { error: (i) => typeError(i.input, "a list of stages") })
    .min(1, { error: "is empty; give at least one stage, e.g. { after: 0, via: [email] }" }),
  /** Language of the messages this contact reads; default: the stack's `language`. */
  language: language.optional(),
});

const handoff = z.strictObject({
  every: z.enum(["day", "week", "month"], {
    error: (i) => `${quote(i.input)} is not a hand-off period; use day, week or month`,
  }),
  /** Day of the week (week: MON-SUN) or day of the month (month: 1-28); checked with `every`. */
  on: z
    .union([z.string(), z.number()], {
      error: (i) =>
        `must be a day of the week (MON-SUN) or of the month (1-28), got ${kindOf(i.input)}`,
    })
    .optional(),
  at: z
    .string({ error: (i) => typeError(i.input, 'a time "HH:MM"') })
    .regex(HHMM_RE, { error: (i) => `${quote(i.input)} is not a 24-hour time "HH:MM"` }),
  /** Hand off every N periods (1-100). */
  interval: int(1, LIMITS.recurrenceMultiplierMax).default(1),
});

export const rotation = z.strictObject({
  name: name("rotation"),
  members: z
    .array(z.string({ error: (i) => typeError(i.input, "a contact alias") }), {
      error: (i) => typeError(i.input, "a list of contact aliases"),
    })
    .min(LIMITS.rotationMembersMin, { error: "is empty; a rotation needs at least one member" })
    .max(LIMITS.rotationMembersMax, {
      error: `has more than ${LIMITS.rotationMembersMax} members (Incident Manager limit)`,
    }),
  timeZone: z.string({ error: (i) => typeError(i.input, "an IANA time zone") }).refine(isTimeZone, {
    error: (i) => `${quote(i.input)} is not an IANA time zone (e.g. Asia/Tokyo, Europe/Berlin)`,
  }),
  handoff,
  /** How many members are on call at the same time. */
  onCallsAtOnce: int(1, LIMITS.rotationMembersMax).default(1),
  /** ISO 8601 start of the first shift; defaults to the moment of creation. */
  startTime: z
    .string()
    .refine((s) => !Number.isNaN(Date.parse(s)), {
      error: (i) => `${quote(i.input)} is not an ISO 8601 date-time`,
    })
    .optional(),
});

const refList = z
  .array(z.string({ error: (i) => typeError(i.input, "a contact alias or oncall:<rotation>") }), {
    error: (i) => typeError(i.input, "a list of contact aliases or oncall:<rotation>"),
  })
  .min(1, { error: "is empty; name at least one contact alias or oncall:<rotation>" });

export const escalationStage = z.strictObject({
  engage: refList,
  minutes: int(0, LIMITS.stageMinutesMax, " min"),
  /** Whether an acknowledgement by one of these targets stops the escalation (default true). */
  essential: z.boolean({ error: (i) => typeError(i.input, "true or false") }).default(true),
  /**
   * On the last stage only (crossChecks.ts): how many times the whole plan runs again, from the
   * first stage, when nobody acknowledged by the end (0-5; step-functions backend only).
   */
  repeat: repeat.optional(),
});

export const level = z.strictObject({
  impact: int(LIMITS.impactMin, LIMITS.impactMax),
  page: z.boolean({ error: (i) => typeError(i.input, "true or false") }),
  /** Paging levels: extra engagements besides the escalation plan. Others: who to engage directly. */
  engage: refList.optional(),
  /** Resolve the open incident when the alarm returns to OK. */
  resolveOnRecovery: z
    .boolean({ error: (i) => typeError(i.input, "true or false") })
    .default(false),
  /** What happens when the alarm changes state outside a calendar's hours (config/calendars.ts). */
  outsideHours: outsideHours.optional(),
});

const comparisons = [
  "GreaterThanOrEqualToThreshold",
  "GreaterThanThreshold",
  "LessThanThreshold",
  "LessThanOrEqualToThreshold",
] as const;
const statistics = ["SampleCount", "Average", "Sum", "Minimum", "Maximum"] as const;
const CLOUDWATCH_UNITS = [
  "Seconds",
  "Microseconds",
  "Milliseconds",
  "Bytes",
  "Kilobytes",
  "Megabytes",
  "Gigabytes",
  "Terabytes",
  "Bits",
  "Kilobits",
  "Megabits",
  "Gigabits",
  "Terabits",
  "Percent",
  "Count",
  "Bytes/Second",
  "Kilobytes/Second",
  "Megabytes/Second",
  "Gigabytes/Second",
  "Terabytes/Second",
  "Bits/Second",
  "Kilobits/Second",
  "Megabits/Second",
  "Gigabits/Second",
  "Terabits/Second",
  "Count/Second",
  "None",
] as const;

const metric = z.strictObject({
  namespace: z
    .string({ error: (i) => typeError(i.input, "a metric namespace") })
    .min(1, { error: "is empty" })
    .max(255, { error: "is longer than 255 characters" }),
  name: z
    .string({ error: (i) => typeError(i.input, "a metric name") })
    .min(1, { error: "is empty" })
    .max(255, { error: "is longer than 255 characters" }),
  dimensions: z
    .record(z.string(), z.string({ error: (i) => typeError(i.input, "a string") }))
    .refine((d) => Object.keys(d).length <= LIMITS.dimensionsMax, {
      error: `has more than ${LIMITS.dimensionsMax} dimensions`,
    })
    .default({}),
  statistic: z
    .string({ error: (i) => typeError(i.input, "a statistic") })
    .refine(
      (s) => (statistics as readonly string[]).includes(s) || /^p(\d{1,2}(\.\d+)?|100)$/.test(s),
      {
        error: (i) =>
          `${quote(i.input)} is not a statistic; use ${statistics.join(", ")} or a percentile like p99`,
      },
    ),
  period: z
    .number({ error: (i) => typeError(i.input, "a number of seconds") })
    .int({ error: "must be a whole number of seconds" })
    .refine((p) => p === 10 || p === 30 || (p >= 60 && p % 60 === 0), {
      error: (i) =>
        `${String(i.input)} s is not a CloudWatch period; use 10, 30 or a multiple of 60`,
    }),
  unit: z
    .enum(CLOUDWATCH_UNITS, {
      error: (i) => `${quote(i.input)} is not a CloudWatch unit (e.g. Count, Seconds, Percent)`,
    })
    .optional(),
});

export const alarm = z.strictObject({
  name: name("alarm"),
  description: z
    .string({ error: (i) => typeError(i.input, "a string") })
    .max(900, { error: "is longer than 900 characters" })
    .optional(),
  metric,
  comparison: z.enum(comparisons, {
    error: (i) => `${quote(i.input)} is not a comparison; use one of: ${comparisons.join(", ")}`,
  }),
  evaluationPeriods: int(1, 100),
  datapointsToAlarm: int(1, 100).optional(),
  treatMissingData: z
    .enum(["missing", "notBreaching", "breaching", "ignore"], {
      error: (i) =>
        `${quote(i.input)} is not a missing-data treatment; use missing, notBreaching, breaching or ignore`,
    })
    .default("missing"),
  thresholds: z
    .record(z.string(), z.number({ error: (i) => typeError(i.input, "a number") }))
    .refine((t) => Object.keys(t).length > 0, {
      error: "is empty; give a threshold for at least one level",
    }),
});

export const externalAlarm = z.strictObject({
  name: z
    .string({ error: (i) => typeError(i.input, "an alarm name") })
    .min(1, { error: "is empty" })
    .max(LIMITS.alarmNameMax, { error: `is longer than ${LIMITS.alarmNameMax} characters` }),
  level: z.string({ error: (i) => typeError(i.input, "a level name") }),
});

/** EventBridge Scheduler recurring expressions: cron(m h dom mon dow year) or rate(n unit). */
const SCHEDULE_RE =
  /^(cron\((\S+\s+){5}\S+\)|rate\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\))$/;

export const drill = z.strictObject({
  /** Paging level whose real response plan the drill goes through. */
  level: z.string({ error: (i) => typeError(i.input, "a level name") }),
  /** EventBridge Scheduler expression, e.g. cron(0 10 ? * MON#1 *) for the first Monday at 10:00. */
  schedule: z
    .string({ error: (i) => typeError(i.input, "a schedule expression") })
    .regex(SCHEDULE_RE, {
      error: (i) =>
        `${quote(i.input)} is not an EventBridge Scheduler expression; use cron(<min> <hour> <day-of-month> <month> <day-of-week> <year>), e.g. cron(0 10 ? * MON#1 *), or rate(<n> <unit>)`,
    }),
  /** IANA time zone of the schedule. */
  timeZone: z
    .string({ error: (i) => typeError(i.input, "an IANA time zone") })
    .refine(isTimeZone, {
      error: (i) => `${quote(i.input)} is not an IANA time zone (e.g. Asia/Tokyo, Europe/Berlin)`,
    })
    .default("UTC"),
  /** Minutes after the drill starts when the report is posted and the incident resolved. */
  reportAfterMinutes: int(5, 120, " min").default(30),
});

const webhook = z.strictObject({
  name: name("webhook"),
  url: z.string({ error: (i) => typeError(i.input, "an https URL") }).refine(isHttpsUrl, {
    error: "is not an https:// URL; the value is not shown because webhook URLs are secrets",
  }),
  levels: z
    .array(z.string({ error: (i) => typeError(i.input, "a level name") }))
    .min(1, { error: "is empty; subscribe the webhook to at least one level" }),
  /** HMAC key; generated by the stack when absent. */
  signingKey: z
    .string({ error: (i) => typeError(i.input, "a string") })
    .min(32, { error: "is shorter than 32 characters; use a random key of at least 32 characters" })
    .optional(),
  /** Key being rotated out: the notifier also signs with it until it is removed. */
  previousSigningKey: z
    .string({ error: (i) => typeError(i.input, "a string") })
    .min(32, { error: "is shorter than 32 characters; use a random key of at least 32 characters" })
    .optional(),
  /**
   * Lets this webhook reach loopback, link-local, private (RFC 1918, fc00::/7) and unspecified
   * addresses, e.g. a receiver inside the VPC. Off by default: the notifier refuses to connect to
   * them (handlers/notifier/destination.ts), so whoever can change the webhook secret cannot aim
   * signed requests at the Lambda Runtime API, metadata endpoints or internal hosts.
   */
  allowPrivateNetwork: z.boolean({ error: (i) => typeError(i.input, "true or false") }).optional(),
});

export const notifications = z.strictObject({
  slack: z
    .strictObject({
      teamId: z
        .string({ error: (i) => typeError(i.input, "a Slack team id") })
        .regex(/^T[A-Z0-9]{6,}$/, {
          error: (i) => `${quote(i.input)} is not a Slack team id (T…)`,
        }),
      channelId: z
        .string({ error: (i) => typeError(i.input, "a Slack channel id") })
        .regex(/^[CG][A-Z0-9]{6,}$/, {
          error: (i) => `${quote(i.input)} is not a Slack channel id (C… or G…)`,
        }),
    })
    .optional(),
  teams: z
    .strictObject({
      tenantId: z.uuid({ error: (i) => `${quote(i.input)} is not a Microsoft tenant id (UUID)` }),
      teamId: z.uuid({ error: (i) => `${quote(i.input)} is not a Microsoft Teams team id (UUID)` }),
      channelId: z
        .string({ error: (i) => typeError(i.input, "a Teams channel id") })
        .min(1, { error: "is empty" }),
    })
    .optional(),
  webhooks: z
    .array(webhook, { error: (i) => typeError(i.input, "a list of webhooks") })
    .default([]),
});

export const replicationSet = z.union(
  [
    z.literal("existing"),
    z.strictObject({
      regions: z
        .array(
          z.string().regex(REGION_RE, { error: (i) => `${quote(i.input)} is not an AWS region` }),
        )
        .min(1, { error: "is empty; name 1 to 3 regions" })
        .max(3, { error: "has more than 3 regions (Incident Manager limit)" }),
      kmsKeyArn: z.string().startsWith("arn:", { error: "is not a KMS key ARN" }).optional(),
    }),
  ],
  {
    error: () =>
      'must be "existing" (the account already has a replication set) or { regions: [<region>, ...] } to create one',
  },
);

/** The stack config's sections, before the cross-section checks (schema.ts adds them). */
export const stackConfigFields = z.strictObject(
  {
    /** Prefix of every physical name (alarms, contacts, response plans); default ie-<stack>. */
    prefix: z
      .string({ error: (i) => typeError(i.input, "a string") })
      .regex(/^[a-z][a-z0-9-]{0,39}$/, {
        error: (i) =>
          `${quote(i.input)} is not a valid prefix (1-40 lower-case letters, digits and "-", starting with a letter)`,
      })
      .optional(),
    /** Incident Manager settings: required with backend incident-manager, refused otherwise. */
    incidentManager: z
      .strictObject(
        { replicationSet },
        {
          error: (i) => typeError(i.input, "an object { replicationSet: ... }"),
        },
      )
      .optional(),
    contacts: z
      .array(contact, { error: (i) => typeError(i.input, "a list of contacts") })
      .min(1, { error: "is empty; define at least one contact" }),
    onCall: z
      .array(rotation, { error: (i) => typeError(i.input, "a list of rotations") })
      .default([]),
    escalation: z
      .array(escalationStage, { error: (i) => typeError(i.input, "a list of stages") })
      .default([]),
    levels: z
      .record(z.string(), level, {
        error: (i) => typeError(i.input, "a map of level name to settings"),
      })
      .refine((l) => Object.keys(l).length > 0, { error: "is empty; define at least one level" }),
    alarms: z.array(alarm, { error: (i) => typeError(i.input, "a list of alarms") }).default([]),
    externalAlarms: z
      .array(externalAlarm, { error: (i) => typeError(i.input, "a list of { name, level }") })
      .default([]),
    notifications: notifications.default({ webhooks: [] }),
    /** Scheduled paging drills through the real response plans; reports go to Slack. */
    drills: z.array(drill, { error: (i) => typeError(i.input, "a list of drills") }).default([]),
    /** Scheduled maintenance windows: matching ALARMs go to Slack as silenced, page nobody. */
    maintenance,
    /** A heartbeat of the pipeline itself (config/heartbeat.ts). */
    heartbeat: heartbeatConfig.optional(),
    /** Tags put on every taggable resource. */
    tags: z
      .record(
        z.string().regex(/^[A-Za-z0-9_+=/-]{1,128}$/, {
          error: (i) =>
            `${quote(i.input)} is not a tag key Incident Manager accepts (1-128 letters, digits, "_", "+", "=", "/", "-")`,
        }),
        z
          .string({ error: (i) => typeError(i.input, "a string") })
          .regex(/^[\p{L}\p{Z}\p{N}_.:/=+@-]{1,256}$/u, {
            error: (i) =>
              `${quote(i.input)} is not a tag value Incident Manager accepts (1-256 letters, digits, spaces and _.:/=+-@)`,
          }),
      )
      .refine((t) => Object.keys(t).length <= 40, { error: "has more than 40 tags" })
      .default({}),
    /** How pages are sent: incident-manager (default) or step-functions. */
    backend,
    /** Channels of the step-functions backend (SES e-mail, End User Messaging SMS). */
    channels: channels.optional(),
    /** Language of responders' messages; each contact may override it (default en). */
    language: language.default(DEFAULT_LANGUAGE),
    /** Working-hours calendars that levels' outsideHours name (config/calendars.ts). */
    calendars: calendars.optional(),
  },
  { error: (i) => `the stack config must be a map of settings, got ${kindOf(i.input)}` },
);

/** Whether `tz` is an IANA time zone this runtime knows (also used by config/maintenance.ts). */
export function isTimeZone(tz: string): boolean {
  if (!/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function isHttpsUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === "https:" && u.hostname.length > 0 && !u.username && !u.password;
  } catch {
    return false;
  }
}
