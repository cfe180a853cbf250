/**
 * The stack-config contract: one zod schema is the source of truth for what a stack may say.
 *
 * Everything the AWS API models let us check before deploy is checked here (patterns, ranges,
 * stage durations, engagement counts), plus the references between sections. Every problem is
 * reported at once, each with its config path and a reason a user can act on. Personal data
 * (phone numbers, e-mail addresses) and secrets (webhook URLs, signing keys) are never echoed in
 * an error message.
 */
import { z } from "zod";

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

const NAME_RE = /^[a-z0-9][a-z0-9_-]*$/;
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

const contact = z.strictObject({
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

const rotation = z.strictObject({
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

const escalationStage = z.strictObject({
  engage: refList,
  minutes: int(0, LIMITS.stageMinutesMax, " min"),
  /** Whether an acknowledgement by one of these targets stops the escalation (default true). */
  essential: z.boolean({ error: (i) => typeError(i.input, "true or false") }).default(true),
});

const level = z.strictObject({
  impact: int(LIMITS.impactMin, LIMITS.impactMax),
  page: z.boolean({ error: (i) => typeError(i.input, "true or false") }),
  /** Paging levels: extra engagements besides the escalation plan. Others: who to engage directly. */
  engage: refList.optional(),
  /** Resolve the open incident when the alarm returns to OK. */
  resolveOnRecovery: z
    .boolean({ error: (i) => typeError(i.input, "true or false") })
    .default(false),
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

const alarm = z.strictObject({
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

const externalAlarm = z.strictObject({
  name: z
    .string({ error: (i) => typeError(i.input, "an alarm name") })
    .min(1, { error: "is empty" })
    .max(LIMITS.alarmNameMax, { error: `is longer than ${LIMITS.alarmNameMax} characters` }),
  level: z.string({ error: (i) => typeError(i.input, "a level name") }),
});

/** EventBridge Scheduler recurring expressions: cron(m h dom mon dow year) or rate(n unit). */
const SCHEDULE_RE =
  /^(cron\((\S+\s+){5}\S+\)|rate\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\))$/;

const drill = z.strictObject({
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

const notifications = z.strictObject({
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

const replicationSet = z.union(
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

export const stackConfigSchema = z
  .strictObject(
    {
      /** Prefix of every physical name (alarms, contacts, response plans); default ie-<stack>. */
      prefix: z
        .string({ error: (i) => typeError(i.input, "a string") })
        .regex(/^[a-z][a-z0-9-]{0,39}$/, {
          error: (i) =>
            `${quote(i.input)} is not a valid prefix (1-40 lower-case letters, digits and "-", starting with a letter)`,
        })
        .optional(),
      incidentManager: z.strictObject(
        { replicationSet },
        {
          error: (i) => typeError(i.input, "an object { replicationSet: ... }"),
        },
      ),
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
    },
    { error: (i) => `the stack config must be a map of settings, got ${kindOf(i.input)}` },
  )
  .superRefine(crossChecks, { when: () => true });

/** What a stack (or a library user) writes. */
export type StackConfigInput = z.input<typeof stackConfigSchema>;
/** The validated config, defaults filled in. */
export type StackConfig = z.output<typeof stackConfigSchema>;
export type ContactConfig = StackConfig["contacts"][number];
export type RotationConfig = StackConfig["onCall"][number];
export type EscalationStageConfig = StackConfig["escalation"][number];
export type LevelConfig = StackConfig["levels"][string];
export type AlarmConfig = StackConfig["alarms"][number];
export type WebhookConfig = StackConfig["notifications"]["webhooks"][number];
export type DrillConfig = StackConfig["drills"][number];

/** One problem in a stack config. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

/** Thrown when a stack config is invalid; lists every problem found. */
/**
 * Hides anything shaped like personal data or a secret in a config message: URLs, e-mail
 * addresses and runs of 7 or more digits (phone numbers with or without "+", separators allowed).
 * A value put where it does not belong (an e-mail as a display name, a URL as a webhook name, a
 * number as a signing key) is then not echoed either.
 */
export function maskPersonalData(text: string): string {
  // The messages' own examples of a valid value stay readable.
  const kept = MESSAGE_EXAMPLES.filter((e) => text.includes(e));
  let out = text;
  kept.forEach((e, i) => (out = out.split(e).join(`\u0000${i}\u0000`)));
  out = out
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'`]+/gi, "<URL hidden>")
    .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, "<e-mail address hidden>")
    .replace(/\+?\d(?:[\s().-]?\d){6,}/g, "<number hidden>");
  kept.forEach((e, i) => (out = out.split(`\u0000${i}\u0000`).join(e)));
  return out;
}

/** Examples the schema's messages give of a valid phone number or e-mail address. */
const MESSAGE_EXAMPLES: readonly string[] = ["+819012345678", "name@domain.tld"];

export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  constructor(raw: readonly ConfigIssue[], source = "stack config") {
    const issues = raw.map((i) => ({ path: i.path, message: maskPersonalData(i.message) }));
    super(
      `${source} has ${issues.length} problem${issues.length === 1 ? "" : "s"}:\n` +
        issues.map((i) => `  - ${i.path}: ${i.message}`).join("\n"),
    );
    this.name = "ConfigError";
    this.issues = issues;
  }
}

/**
 * Validates a raw stack config (as read from Pulumi config, or passed by a library user) and
 * returns it with defaults filled in. Throws ConfigError listing every problem.
 */
export function parseStackConfig(raw: unknown, source?: string): StackConfig {
  const reserved = reservedKeyIssues(raw);
  const result = stackConfigSchema.safeParse(raw);
  if (result.success && reserved.length === 0) return result.data;
  // What the schema says at or below a reserved key only repeats the problem.
  const underReserved = (path: string) =>
    reserved.some(
      (r) => path === r.path || path.startsWith(`${r.path}.`) || path.startsWith(`${r.path}[`),
    );
  const issues = result.success
    ? []
    : result.error.issues
        .flatMap((i) => toConfigIssues(i, []))
        .filter((i) => !underReserved(i.path));
  throw new ConfigError([...reserved, ...issues], source);
}

/**
 * Names every JavaScript object answers to without defining them (`constructor`, `toString`,
 * `hasOwnProperty`, … and `__proto__`). As a key of a user-named map (levels, thresholds,
 * dimensions, tags) they would be looked up on the prototype (`levels["constructor"]` is a
 * function) or silently dropped (`__proto__`), so they are refused wherever they appear.
 */
export const RESERVED_KEYS: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  "__proto__",
]);

/** `record[key]` only when `key` is the record's own property: never a prototype member. */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

/** Every reserved key anywhere in the raw config, with its path. */
function reservedKeyIssues(raw: unknown, path: PropertyKey[] = []): ConfigIssue[] {
  if (Array.isArray(raw)) return raw.flatMap((v, i) => reservedKeyIssues(v, [...path, i]));
  if (typeof raw !== "object" || raw === null) return [];
  return Object.keys(raw).flatMap((key) =>
    RESERVED_KEYS.has(key)
      ? [
          {
            path: formatPath([...path, key]),
            message: `"${key}" is a reserved name (every JavaScript object has a property called that); choose another name`,
          },
        ]
      : reservedKeyIssues((raw as Raw)[key], [...path, key]),
  );
}

/** `contacts[1].phone` style path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else if (typeof p === "string" && /^[A-Za-z_$][\w$]*$/.test(p)) out += out ? `.${p}` : p;
    else out += `[${JSON.stringify(String(p))}]`;
  }
  return out || "(root)";
}

function toConfigIssues(issue: z.core.$ZodIssue, base: PropertyKey[]): ConfigIssue[] {
  const path = [...base, ...issue.path];
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys.map((k) => `"${k}"`).join(", ");
    const known = knownKeysAt(path);
    return [
      {
        path: formatPath(path),
        message:
          `unknown key${issue.keys.length > 1 ? "s" : ""} ${keys}` +
          (known.length > 0 ? `; known keys: ${known.join(", ")}` : ""),
      },
    ];
  }
  if (issue.code === "invalid_key" && issue.issues.length > 0) {
    return [{ path: formatPath(path), message: issue.issues[0].message }];
  }
  if (issue.code === "invalid_union") {
    // The input had the shape of one branch (its problems are inside it): report those.
    const inside = issue.errors.find(
      (branch) => branch.length > 0 && branch.every((i) => i.path.length > 0),
    );
    if (inside) return inside.flatMap((i) => toConfigIssues(i, path));
    return [{ path: formatPath(path), message: issue.message }];
  }
  if (issue.code === "invalid_type" && issue.message.startsWith("Invalid input")) {
    const received = /received (\w+)$/.exec(issue.message)?.[1];
    if (received === undefined || received === "undefined") {
      return [{ path: formatPath(path), message: "is required" }];
    }
    return [
      {
        path: formatPath(path),
        message: `must be ${article(issue.expected)}, got ${article(received)}`,
      },
    ];
  }
  return [{ path: formatPath(path), message: issue.message }];
}

function article(kind: string): string {
  if (kind === "array") return "a list";
  if (kind === "object") return "an object";
  if (kind === "null") return "null";
  return /^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`;
}

/** Keys the schema allows at a config path (for "unknown key" messages). */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let node: z.core.$ZodType | undefined = stackConfigSchema as unknown as z.core.$ZodType;
  const unwrap = (t: z.core.$ZodType | undefined): z.core.$ZodType | undefined => {
    let cur = t;
    for (let n = 0; cur && n < 10; n++) {
      const def = cur._zod.def as unknown as Record<string, unknown>;
      if (def.innerType) cur = def.innerType as z.core.$ZodType;
      else if (def.type === "pipe") cur = def.in as z.core.$ZodType;
      else if (def.type === "union") {
        const options = def.options as z.core.$ZodType[];
        cur = options.find(
          (o) => (o._zod.def as unknown as Record<string, unknown>).type === "object",
        );
      } else break;
    }
    return cur;
  };
  for (const key of [...path, null]) {
    node = unwrap(node);
    if (!node) return [];
    const def = node._zod.def as unknown as Record<string, unknown>;
    if (key === null) {
      return def.type === "object" ? Object.keys(def.shape as Record<string, unknown>) : [];
    }
    if (def.type === "object") node = (def.shape as Record<string, z.core.$ZodType>)[String(key)];
    else if (def.type === "array") node = def.element as z.core.$ZodType;
    else if (def.type === "record") node = def.valueType as z.core.$ZodType;
    else return [];
  }
  return [];
}

function typeError(input: unknown, expected: string): string {
  if (input === undefined) return "is required";
  return `must be ${expected}, got ${describeType(input)}`;
}

/** The kind of a value, without the value itself (for personal data). */
function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  return typeof v === "number"
    ? "a number"
    : typeof v === "boolean"
      ? "a boolean"
      : `a ${typeof v}`;
}

function describeType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  return `${typeof v} ${quote(v)}`;
}

function quote(v: unknown): string {
  const s = typeof v === "string" ? v : safeString(v);
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);
}

/** String(v), except for an object whose own toString/valueOf is not a function (`{toString: 0}`). */
function safeString(v: unknown): string {
  try {
    return String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

function isTimeZone(tz: string): boolean {
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

// ---------------------------------------------------------------------------------------------
// Cross-section checks. They run even when some fields are malformed (so every problem is reported
// at once), hence the defensive reading of the partially-valid value.

type Ctx = z.RefinementCtx;
type Raw = Record<string, unknown>;

function crossChecks(value: unknown, ctx: Ctx): void {
  const cfg = isObj(value) ? value : {};
  const add = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: "custom", path, message });

  const levels = isObj(cfg.levels) ? cfg.levels : {};
  const levelNames = Object.keys(levels);
  const aliases = new Set<string>();
  // References are only checked against a section that is well-formed: a malformed section is
  // already reported, and "X is not defined" on top of it would mislead.
  const contactsKnown = Array.isArray(cfg.contacts);
  const rotationsKnown = cfg.onCall === undefined || Array.isArray(cfg.onCall);
  const levelsKnown = isObj(cfg.levels);

  // Contacts: unique aliases, engagement offsets → stage durations, channels have addresses.
  arr(cfg.contacts).forEach((c, i) => {
    if (!isObj(c)) return;
    if (typeof c.alias === "string") {
      if (aliases.has(c.alias))
        add(
          ["contacts", i, "alias"],
          `"${c.alias}" is used by an earlier contact; aliases must be unique`,
        );
      aliases.add(c.alias);
    }
    const stages = arr(c.engagement).filter(isObj);
    stages.forEach((s, j) => {
      if (typeof s.after !== "number") return;
      if (j === 0 && s.after !== 0) {
        add(
          ["contacts", i, "engagement", 0, "after"],
          `is ${s.after}; the first stage must start at 0 (the moment the contact is engaged)`,
        );
      }
      const prev = stages[j - 1];
      if (j > 0 && prev && typeof prev.after === "number") {
        const gap = s.after - prev.after;
        if (gap <= 0) {
          add(
            ["contacts", i, "engagement", j, "after"],
            `is ${s.after}, not after the previous stage (${prev.after}); offsets must increase (merge stages that start together)`,
          );
        } else if (gap > LIMITS.stageMinutesMax) {
          add(
            ["contacts", i, "engagement", j, "after"],
            `starts ${gap} min after the previous stage; a stage lasts at most ${LIMITS.stageMinutesMax} min in Incident Manager, so the gap must be 1-${LIMITS.stageMinutesMax}`,
          );
        }
      }
      for (const via of arr(s.via)) {
        if (via === "email" && c.email === undefined) {
          add(
            ["contacts", i, "engagement", j, "via"],
            "uses email but the contact has no email address",
          );
        }
        if ((via === "sms" || via === "voice") && c.phone === undefined) {
          add(
            ["contacts", i, "engagement", j, "via"],
            `uses ${via} but the contact has no phone number`,
          );
        }
      }
      const seen = new Set<unknown>();
      for (const via of arr(s.via)) {
        if (seen.has(via))
          add(["contacts", i, "engagement", j, "via"], `lists ${String(via)} twice`);
        seen.add(via);
      }
    });
    if (!Array.isArray(c.engagement)) return;
    if (c.email !== undefined && !stages.some((s) => arr(s.via).includes("email"))) {
      add(
        ["contacts", i, "engagement"],
        "never uses the contact's email; add it to a stage or remove the address",
      );
    }
    if (
      c.phone !== undefined &&
      !stages.some((s) => arr(s.via).some((v) => v === "sms" || v === "voice"))
    ) {
      add(
        ["contacts", i, "engagement"],
        "never uses the contact's phone; add sms or voice to a stage or remove the number",
      );
    }
  });

  // Rotations: unique names, members exist and are unique, hand-off fields agree with the period.
  const rotationNames = new Set<string>();
  arr(cfg.onCall).forEach((r, i) => {
    if (!isObj(r)) return;
    if (typeof r.name === "string") {
      if (rotationNames.has(r.name))
        add(
          ["onCall", i, "name"],
          `"${r.name}" is used by an earlier rotation; names must be unique`,
        );
      rotationNames.add(r.name);
    }
    const members = arr(r.members);
    const seen = new Set<unknown>();
    members.forEach((m, j) => {
      if (typeof m === "string" && contactsKnown && !aliases.has(m)) {
        add(["onCall", i, "members", j], `"${m}" is not a contact alias; define it under contacts`);
      }
      if (seen.has(m)) add(["onCall", i, "members", j], `"${String(m)}" is listed twice`);
      seen.add(m);
    });
    if (
      typeof r.onCallsAtOnce === "number" &&
      members.length > 0 &&
      r.onCallsAtOnce > members.length
    ) {
      add(
        ["onCall", i, "onCallsAtOnce"],
        `is ${r.onCallsAtOnce} but the rotation has only ${members.length} member(s)`,
      );
    }
    const h = isObj(r.handoff) ? r.handoff : undefined;
    if (h) {
      const isDay = (DAYS_OF_WEEK as readonly unknown[]).includes(h.on);
      const isDate = typeof h.on === "number" && Number.isInteger(h.on) && h.on >= 1 && h.on <= 28;
      if (h.every === "week" && !isDay) {
        add(
          ["onCall", i, "handoff", "on"],
          `must be a day of the week (${DAYS_OF_WEEK.join(", ")}) for a weekly hand-off`,
        );
      }
      if (h.every === "month" && !isDate) {
        add(
          ["onCall", i, "handoff", "on"],
          "must be a day of the month (1-28) for a monthly hand-off",
        );
      }
      if (h.every === "day" && h.on !== undefined) {
        add(["onCall", i, "handoff", "on"], "is not used for a daily hand-off; remove it");
      }
    }
  });

  const checkRef = (path: (string | number)[], ref: unknown) => {
    if (typeof ref !== "string") return;
    if (ref.startsWith(ONCALL_REF_PREFIX)) {
      const r = ref.slice(ONCALL_REF_PREFIX.length);
      if (rotationsKnown && !rotationNames.has(r))
        add(path, `"${ref}" names no rotation; define "${r}" under onCall`);
    } else if (contactsKnown && !aliases.has(ref)) {
      add(path, `"${ref}" is not a contact alias (or oncall:<rotation>); define it under contacts`);
    }
  };

  // Escalation: references exist.
  arr(cfg.escalation).forEach((s, i) => {
    if (!isObj(s)) return;
    arr(s.engage).forEach((ref, j) => checkRef(["escalation", i, "engage", j], ref));
  });

  // Levels: names, references, engagement counts.
  let pagingLevels = 0;
  for (const [lvl, l] of Object.entries(levels)) {
    if (!NAME_RE.test(lvl) || lvl.length > 20) {
      add(
        ["levels", lvl],
        `"${lvl}" is not a valid level name (1-20 lower-case letters, digits, "_" and "-")`,
      );
    }
    if (!isObj(l)) continue;
    arr(l.engage).forEach((ref, j) => checkRef(["levels", lvl, "engage", j], ref));
    if (l.page === true) {
      pagingLevels++;
      const engagements = 1 + arr(l.engage).length;
      if (engagements > LIMITS.responsePlanEngagementsMax) {
        add(
          ["levels", lvl, "engage"],
          `gives the response plan ${engagements} engagements (the escalation plan plus ${arr(l.engage).length}); Incident Manager allows at most ${LIMITS.responsePlanEngagementsMax}`,
        );
      }
    }
  }
  // Each level's rule matches alarm names starting with "<prefix>-<level>-": no level's prefix may
  // be the start of another's, or one alarm would be routed to two levels.
  for (const a of levelNames) {
    for (const b of levelNames) {
      if (a !== b && b.startsWith(`${a}-`)) {
        add(
          ["levels", b],
          `"${b}" starts with "${a}-": alarms of ${b} would also match the ${a} rule; rename one level`,
        );
      }
    }
  }
  if (pagingLevels > 0 && arr(cfg.escalation).length === 0) {
    add(
      ["escalation"],
      "is empty but a level pages (page: true); define at least one escalation stage",
    );
  }

  // Alarms: unique names, thresholds name existing levels and are ordered by severity.
  const alarmNames = new Set<string>();
  arr(cfg.alarms).forEach((a, i) => {
    if (!isObj(a)) return;
    if (typeof a.name === "string") {
      if (alarmNames.has(a.name))
        add(["alarms", i, "name"], `"${a.name}" is used by an earlier alarm; names must be unique`);
      alarmNames.add(a.name);
    }
    if (
      typeof a.datapointsToAlarm === "number" &&
      typeof a.evaluationPeriods === "number" &&
      a.datapointsToAlarm > a.evaluationPeriods
    ) {
      add(
        ["alarms", i, "datapointsToAlarm"],
        `is ${a.datapointsToAlarm}, more than evaluationPeriods (${a.evaluationPeriods})`,
      );
    }
    const m = isObj(a.metric) ? a.metric : {};
    if (
      typeof m.period === "number" &&
      typeof a.evaluationPeriods === "number" &&
      m.period * a.evaluationPeriods > LIMITS.evaluationSecondsMax
    ) {
      add(
        ["alarms", i, "evaluationPeriods"],
        `× metric.period is ${m.period * a.evaluationPeriods} s; CloudWatch evaluates at most ${LIMITS.evaluationSecondsMax} s (one day)`,
      );
    }
    const thresholds = isObj(a.thresholds) ? a.thresholds : {};
    for (const lvl of Object.keys(thresholds)) {
      if (levelsKnown && !levelNames.includes(lvl)) {
        add(
          ["alarms", i, "thresholds", lvl],
          `"${lvl}" is not a level; define it under levels (known: ${levelNames.join(", ") || "none"})`,
        );
      }
    }
    checkThresholdOrder(a, thresholds, levels, (lvl, msg) =>
      add(["alarms", i, "thresholds", lvl], msg),
    );
    if (typeof a.name === "string" && levelNames.length > 0) {
      const longest = Math.max(...levelNames.map((l) => l.length));
      const prefixLen = typeof cfg.prefix === "string" ? cfg.prefix.length : 24;
      if (prefixLen + longest + a.name.length + 2 > LIMITS.alarmNameMax) {
        add(
          ["alarms", i, "name"],
          `is too long: <prefix>-<level>-<name> would exceed ${LIMITS.alarmNameMax} characters`,
        );
      }
    }
  });

  const externalNames = new Set<string>();
  arr(cfg.externalAlarms).forEach((e, i) => {
    if (!isObj(e)) return;
    if (typeof e.level === "string" && levelsKnown && !levelNames.includes(e.level)) {
      add(["externalAlarms", i, "level"], `"${e.level}" is not a level; define it under levels`);
    }
    const extName = e.name;
    if (typeof extName === "string") {
      const ownPrefix = typeof cfg.prefix === "string" ? `${cfg.prefix}-` : undefined;
      if (ownPrefix && levelNames.some((l) => extName.startsWith(`${ownPrefix}${l}-`))) {
        add(
          ["externalAlarms", i, "name"],
          `"${extName}" looks like an alarm this stack creates (prefix ${ownPrefix}); it is already routed by its level`,
        );
      }
      if (externalNames.has(extName))
        add(
          ["externalAlarms", i, "name"],
          `"${extName}" is listed twice; an alarm is routed to one level`,
        );
      externalNames.add(extName);
    }
  });

  const im = isObj(cfg.incidentManager) ? cfg.incidentManager : {};
  const rs = isObj(im.replicationSet) ? im.replicationSet : {};
  const regionsSeen = new Set<unknown>();
  arr(rs.regions).forEach((r, i) => {
    if (regionsSeen.has(r)) {
      add(["incidentManager", "replicationSet", "regions", i], `"${String(r)}" is listed twice`);
    }
    regionsSeen.add(r);
  });

  arr(cfg.drills).forEach((d, i) => {
    if (!isObj(d) || typeof d.level !== "string" || !levelsKnown) return;
    const l = ownValue(levels, d.level);
    if (l === undefined) {
      add(["drills", i, "level"], `"${d.level}" is not a level; define it under levels`);
    } else if (isObj(l) && l.page !== true) {
      add(
        ["drills", i, "level"],
        `"${d.level}" does not page (page: false), so it has no response plan to drill; drill a paging level`,
      );
    }
  });

  const n = isObj(cfg.notifications) ? cfg.notifications : {};
  const webhookNames = new Set<string>();
  arr(n.webhooks).forEach((w, i) => {
    if (!isObj(w)) return;
    if (typeof w.name === "string") {
      if (webhookNames.has(w.name))
        add(
          ["notifications", "webhooks", i, "name"],
          `"${w.name}" is used by an earlier webhook; names must be unique`,
        );
      webhookNames.add(w.name);
    }
    arr(w.levels).forEach((lvl, j) => {
      if (typeof lvl === "string" && levelsKnown && !levelNames.includes(lvl)) {
        add(
          ["notifications", "webhooks", i, "levels", j],
          `"${lvl}" is not a level; define it under levels`,
        );
      }
    });
  });
}

/**
 * A more severe level (lower impact number) must need a worse value than a less severe one:
 * for "greater than" alarms a higher threshold, for "less than" alarms a lower one. Otherwise the
 * severe alarm fires first and the milder one is pointless, a likely typo.
 */
function checkThresholdOrder(
  a: Raw,
  thresholds: Raw,
  levels: Raw,
  add: (lvl: string, message: string) => void,
): void {
  const greater = typeof a.comparison === "string" && a.comparison.startsWith("Greater");
  const less = typeof a.comparison === "string" && a.comparison.startsWith("Less");
  if (!greater && !less) return;
  const entries = Object.entries(thresholds).flatMap(([lvl, t]) => {
    const l = ownValue(levels, lvl);
    const validImpact =
      isObj(l) &&
      typeof l.impact === "number" &&
      Number.isInteger(l.impact) &&
      l.impact >= 1 &&
      l.impact <= 5;
    return validImpact && typeof t === "number" ? [{ lvl, t, impact: l.impact as number }] : [];
  });
  for (const x of entries) {
    for (const y of entries) {
      if (x.impact >= y.impact) continue; // x is more severe than y
      const wrong = greater ? x.t < y.t : x.t > y.t;
      if (wrong) {
        add(
          x.lvl,
          `is ${x.t}, ${greater ? "below" : "above"} the ${y.lvl} threshold (${y.t}) although ${x.lvl} is more severe (impact ${x.impact} < ${y.impact}); the ${x.lvl} alarm would fire first`,
        );
      }
    }
  }
}

function isObj(v: unknown): v is Raw {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
