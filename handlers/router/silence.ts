/**
 * Maintenance windows and ad-hoc silences, decided purely: is this ALARM silenced, by what, why,
 * and until when? The router (decide.ts) asks with the alarm's state-change time, so a retry of
 * the same message decides the same; a deferred "silence-ended" re-check (defer.ts) asks with the
 * instant the window ended, so a window that is over can never silence it again.
 *
 * - Scheduled windows come from the stack config (`maintenance[]`, config/maintenance.ts) through
 *   the SILENCES environment variable, and are evaluated here (handlers/shared/schedule.ts):
 *   nothing is materialised in Scheduler, so no schedule can drift from the config.
 * - Ad-hoc silences are items of the `<prefix>-silences` table (tools/silence.ts writes them),
 *   read by the router with one Query of partition "silence". DynamoDB TTL deletes expired items
 *   only eventually ("typically within a few days", and "items that have expired but not yet
 *   been deleted ... still appear in reads, queries, and scans":
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html), so
 *   the expiry is compared here, never trusted to TTL.
 *
 * What a silence never applies to: the pipeline's own self-monitoring. Those alarms
 * (`<function>-errors`, `-dlq-depth`, `-pages-given-up`, `<prefix>-events-dlq-depth`) act
 * directly on the alerts topic and a response plan (components/selfMonitoring.ts) and no level
 * rule matches them (levelEventPattern matches `<prefix>-<level>-` and named external alarms), so
 * they never reach the router; and here a silence applies only to a name under
 * `<prefix>-<level>-`, i.e. one of the stack's configured alarms of the level being routed.
 */
import type { Language } from "../engine/protocol";
import { message } from "../shared/messages";
import { parseCron, windowAt, type Cron } from "../shared/schedule";
import { alarmText } from "../shared/untrustedText";
import type { DeferTarget } from "./defer";

/** A pattern: an exact alarm name (config `alarms[].name`), `<prefix>*`, or `*` (every alarm). */
export function matchesPattern(pattern: string, name: string): boolean {
  return pattern.endsWith("*") ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}

/** A scheduled window as the router reads it (SILENCES environment variable). */
export interface MaintenanceWindow {
  readonly alarms: readonly string[];
  readonly schedule: string;
  readonly timeZone: string;
  readonly minutes: number;
  readonly reason: string;
}

/** An ad-hoc silence (an item of the silences table, tools/silence.ts). */
export interface AdHocSilence {
  readonly id: string;
  readonly pattern: string;
  readonly reason: string;
  /** Start of the silence. */
  readonly startsAt: Date;
  /** End of the silence (exclusive); also the item's TTL attribute, in epoch seconds. */
  readonly expiresAt: Date;
}

/** The router's silence settings (SILENCES, as routerEnv writes it). */
export interface SilenceConfig {
  /** The stack's prefix: configured alarms are `<prefix>-<level>-<name>`. */
  readonly prefix: string;
  readonly windows: readonly MaintenanceWindow[];
  /** The silences table; absent: no ad-hoc silences. */
  readonly table?: string;
  /** Language of the Slack note (the stack's `language`). */
  readonly language: Language;
  /** The alerts topic (SNS → AWS Chatbot → Slack) the silenced note goes to. */
  readonly alertsTopicArn?: string;
  /**
   * Where the "silence-ended" re-check goes (DEFER_QUEUE_ARN, DEFER_ROLE_ARN). Absent, or without
   * the alerts topic: silences do not apply and the ALARM pages, because a silence whose end
   * cannot be re-checked could hide an outage that outlives it.
   */
  readonly defer?: DeferTarget;
}

/** Why an ALARM is silenced, and until when. */
export interface Silenced {
  readonly by: "maintenance" | "silence";
  /** `maintenance[<i>]` or the silence's id. */
  readonly id: string;
  readonly reason: string;
  readonly until: Date;
}

/**
 * The configured alarm name of `alarmName` routed under `level`, or `undefined` when it is not a
 * configured alarm of this level (an external alarm, anything else): never silenced.
 */
export function configuredAlarmName(
  alarmName: string,
  prefix: string,
  level: string,
): string | undefined {
  const head = `${prefix}-${level}-`;
  return alarmName.startsWith(head) && alarmName.length > head.length
    ? alarmName.slice(head.length)
    : undefined;
}

/**
 * The silence covering `at` for the configured alarm `name`, or `undefined`. Of several, the one
 * that ends last (the re-check then comes once, at the end of all of them). Windows are
 * `[start, end)`: an ALARM at the end instant is not silenced.
 */
export function activeSilence(
  name: string,
  at: Date,
  windows: readonly MaintenanceWindow[],
  silences: readonly AdHocSilence[],
): Silenced | undefined {
  const found: Silenced[] = [];
  windows.forEach((w, i) => {
    if (!w.alarms.some((p) => matchesPattern(p, name))) return;
    const window = windowAt(cronOf(w.schedule), w.timeZone, w.minutes, at);
    if (window !== undefined) {
      found.push({
        by: "maintenance",
        id: `maintenance[${i}]`,
        reason: w.reason,
        until: window.end,
      });
    }
  });
  for (const s of silences) {
    if (!matchesPattern(s.pattern, name)) continue;
    if (s.startsAt.getTime() <= at.getTime() && at.getTime() < s.expiresAt.getTime()) {
      found.push({ by: "silence", id: s.id, reason: s.reason, until: s.expiresAt });
    }
  }
  return found.sort((a, b) => b.until.getTime() - a.until.getTime())[0];
}

const crons = new Map<string, Cron>();

/** The parsed schedule; the config has validated it, so a failure here is a configuration bug. */
function cronOf(schedule: string): Cron {
  let cron = crons.get(schedule);
  if (cron === undefined) {
    const parsed = parseCron(schedule);
    if (typeof parsed === "string") throw new Error(`SILENCES: ${parsed}`);
    cron = parsed;
    crons.set(schedule, cron);
  }
  return cron;
}

/** The variables the router's silences read (routerEnv sets them; all optional). */
export interface SilenceEnvironment {
  readonly SILENCES?: string;
  readonly ALERTS_TOPIC_ARN?: string;
  readonly DEFER_QUEUE_ARN?: string;
  readonly DEFER_ROLE_ARN?: string;
}

/**
 * SILENCES (JSON `{prefix, language, table?, windows}`) plus the alerts topic and the deferral
 * target, validated: a malformed value fails the cold start with a message naming it. Absent
 * SILENCES: no silences at all.
 */
export function parseSilenceConfig(env: SilenceEnvironment): SilenceConfig | undefined {
  const text = env.SILENCES;
  if (text === undefined || text === "") return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error("SILENCES is not JSON");
  }
  const bad = (what: string): never => {
    throw new Error(`SILENCES: ${what}`);
  };
  if (typeof raw !== "object" || raw === null) return bad("not an object");
  const r = raw as Record<string, unknown>;
  if (typeof r.prefix !== "string" || r.prefix === "") return bad("prefix is not a string");
  if (r.table !== undefined && typeof r.table !== "string") return bad("table is not a string");
  if (r.language !== "ja" && r.language !== "en") return bad('language is not "ja" or "en"');
  if (!Array.isArray(r.windows)) return bad("windows is not a list");
  const windows = r.windows.map((w: unknown, i): MaintenanceWindow => {
    const o = (typeof w === "object" && w !== null ? w : {}) as Record<string, unknown>;
    const alarms = Array.isArray(o.alarms) ? o.alarms : [];
    if (alarms.length === 0 || !alarms.every((a): a is string => typeof a === "string")) {
      return bad(`windows[${i}].alarms is not a list of patterns`);
    }
    if (typeof o.schedule !== "string") return bad(`windows[${i}].schedule is not a string`);
    cronOf(o.schedule);
    if (typeof o.timeZone !== "string") return bad(`windows[${i}].timeZone is not a string`);
    if (typeof o.minutes !== "number" || !Number.isInteger(o.minutes) || o.minutes < 1) {
      return bad(`windows[${i}].minutes is not a positive whole number`);
    }
    if (typeof o.reason !== "string") return bad(`windows[${i}].reason is not a string`);
    return {
      alarms,
      schedule: o.schedule,
      timeZone: o.timeZone,
      minutes: o.minutes,
      reason: o.reason,
    };
  });
  const queueArn = env.DEFER_QUEUE_ARN;
  const roleArn = env.DEFER_ROLE_ARN;
  return {
    prefix: r.prefix,
    language: r.language,
    windows,
    ...(r.table !== undefined && { table: r.table as string }),
    ...(env.ALERTS_TOPIC_ARN ? { alertsTopicArn: env.ALERTS_TOPIC_ARN } : {}),
    ...(queueArn && roleArn ? { defer: { queueArn, roleArn } } : {}),
  };
}

/**
 * The Slack note of a silenced ALARM (an AWS Chatbot custom notification, `{version: "1.0",
 * source: "custom", content: {textType, title, description}}`, as handlers/engine/core.ts
 * slackNote writes them), in the stack's language. The alarm name is untrusted text (quoted).
 */
export function silencedNote(
  language: Language,
  level: string,
  alarmName: string,
  silenced: Silenced,
): string {
  const params = {
    alarm: alarmText(alarmName, 120),
    level,
    incidentId: "",
    silenceReason: silenced.reason,
    until: silenced.until.toISOString(),
  };
  return JSON.stringify({
    version: "1.0",
    source: "custom",
    content: {
      textType: "client-markdown",
      title: message("slack.silenced.title", language, params),
      description: message("slack.silenced.text", language, params),
    },
  });
}

/** Key of every silence item: one partition, so the router lists them with one Query. */
export const SILENCE_PARTITION = "silence";

/**
 * The router's Query of the silences table (aws-models/dynamodb.json, Query): every item of the
 * one partition, strongly consistent so a silence set a moment ago applies.
 */
export function silencesQueryInput(table: string): {
  TableName: string;
  KeyConditionExpression: string;
  ExpressionAttributeValues: Record<string, { S: string }>;
  ConsistentRead: boolean;
} {
  return {
    TableName: table,
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": { S: SILENCE_PARTITION } },
    ConsistentRead: true,
  };
}

/** One item of the table as DynamoDB returns it → a silence, or `undefined` if malformed. */
export function silenceFromItem(
  item: Readonly<Record<string, { S?: string; N?: string } | undefined>>,
): AdHocSilence | undefined {
  const id = item.id?.S;
  const pattern = item.pattern?.S;
  const reason = item.reason?.S;
  const startsAt = Number(item.startsAt?.N);
  const expiresAt = Number(item.expiresAt?.N);
  if (id === undefined || pattern === undefined || reason === undefined) return undefined;
  if (!Number.isFinite(startsAt) || !Number.isFinite(expiresAt)) return undefined;
  return {
    id,
    pattern,
    reason,
    startsAt: new Date(startsAt * 1000),
    expiresAt: new Date(expiresAt * 1000),
  };
}
