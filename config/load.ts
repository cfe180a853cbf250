/**
 * The only reader of Pulumi config. Reads the `incident-escalation:*` keys of the current stack,
 * validates them with the schema and returns plain values; components receive these values and
 * never read config themselves.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, ConfigIssue, StackConfig, parseStackConfig } from "./schema";

/** The Pulumi config namespace (the project name). */
export const CONFIG_NAMESPACE = "incident-escalation";

/** Top-level keys of the stack-config contract. */
export const CONFIG_KEYS = [
  "prefix",
  "incidentManager",
  "contacts",
  "onCall",
  "escalation",
  "levels",
  "alarms",
  "externalAlarms",
  "notifications",
  "drills",
  "maintenance",
  "heartbeat",
  "tags",
  "backend",
  "channels",
  "language",
  "calendars",
] as const;

/**
 * Builds the raw config object from a key/value source (Pulumi config values are strings; objects
 * arrive as JSON). Unknown keys in our namespace are reported, so a typo such as
 * `incident-escalation:contact` is not silently ignored.
 */
export function rawConfigFrom(all: Record<string, string>): {
  raw: Record<string, unknown>;
  issues: ConfigIssue[];
} {
  const raw: Record<string, unknown> = {};
  const issues: ConfigIssue[] = [];
  const known: readonly string[] = CONFIG_KEYS;
  for (const [fullKey, value] of Object.entries(all)) {
    const [ns, key] = splitKey(fullKey);
    if (ns !== CONFIG_NAMESPACE) continue;
    if (!known.includes(key)) {
      issues.push({
        path: key,
        message: `unknown key "${CONFIG_NAMESPACE}:${key}"; known keys: ${CONFIG_KEYS.join(", ")}`,
      });
      continue;
    }
    raw[key] = parseValue(value);
  }
  return { raw, issues };
}

/** Validates a raw config, merging issues found while reading it. */
export function validateRawConfig(
  raw: Record<string, unknown>,
  readIssues: readonly ConfigIssue[],
  source: string,
): StackConfig {
  let config: StackConfig;
  try {
    config = parseStackConfig(raw, source);
  } catch (err: unknown) {
    if (err instanceof ConfigError && readIssues.length > 0) {
      throw new ConfigError([...readIssues, ...err.issues], source);
    }
    throw err;
  }
  if (readIssues.length > 0) throw new ConfigError(readIssues, source);
  return config;
}

/** The validated config of the stack being deployed. Throws ConfigError listing every problem. */
export function loadStackConfig(): { stack: string; config: StackConfig } {
  const stack = pulumi.getStack();
  const { raw, issues } = rawConfigFrom(pulumi.runtime.allConfig());
  const config = validateRawConfig(raw, issues, `stack "${stack}" config`);
  return { stack, config };
}

function splitKey(fullKey: string): [string, string] {
  const i = fullKey.indexOf(":");
  if (i < 0) return ["", fullKey];
  // Pulumi's internal form is "<namespace>:config:<key>"; the user-facing form is "<namespace>:<key>".
  const ns = fullKey.slice(0, i);
  const rest = fullKey.slice(i + 1);
  return [ns, rest.startsWith("config:") ? rest.slice("config:".length) : rest];
}

function parseValue(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
