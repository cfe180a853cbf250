/**
 * Names a user may not give a key of the config: the members every JavaScript object has, and
 * level names that would capture the pipeline's own resources.
 */
import { type ConfigIssue, formatPath } from "./errors";

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
export function reservedKeyIssues(raw: unknown, path: PropertyKey[] = []): ConfigIssue[] {
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
      : reservedKeyIssues((raw as Record<string, unknown>)[key], [...path, key]),
  );
}

/**
 * The first segment, after `<prefix>-`, of every name the pipeline gives its own alarms, rules,
 * functions, queues, tables and roles (`<prefix>-router-errors`, `<prefix>-heartbeat`,
 * `<prefix>-self-page`, `<prefix>-engine-…`, …). A level's rule matches the alarms named
 * `<prefix>-<level>-…` (components/levelRouting.ts), and its silences are matched under that
 * prefix (handlers/router/silence.ts): a level called `router` would route the router's own
 * self-monitoring alarms as its alarms (and a `*` silence of it would silence them), a level
 * called `heartbeat` would collide with the heartbeat's rule. So a level may neither be one of
 * these nor start with one followed by "-".
 */
export const PIPELINE_NAME_SEGMENTS: readonly string[] = [
  "ack",
  "alerts",
  "chatbot",
  "defer",
  "deferral",
  "deferrals",
  "delivery",
  "drill",
  "drills",
  "engine",
  "escalation",
  "events",
  "heartbeat",
  "incidents",
  "notifier",
  "oncall",
  "open",
  "router",
  "self",
  "silences",
  "voice",
];

/** The segment a level name would capture (see PIPELINE_NAME_SEGMENTS), if any. */
export function capturedPipelineSegment(level: string): string | undefined {
  return PIPELINE_NAME_SEGMENTS.find((seg) => level === seg || level.startsWith(`${seg}-`));
}
