/**
 * The stack-config contract: one zod schema is the source of truth for what a stack may say.
 *
 * Everything the AWS API models let us check before deploy is checked here (patterns, ranges,
 * stage durations, engagement counts), plus the references between sections. Every problem is
 * reported at once, each with its config path and a reason a user can act on. Personal data
 * (phone numbers, e-mail addresses) and secrets (webhook URLs, signing keys) are never echoed in
 * an error message.
 *
 * This file is the public entry: it assembles the schema from its parts and re-exports them.
 *
 * - fields.ts: the field schemas of each section (patterns, ranges, Incident Manager limits);
 * - crossChecks.ts: uniqueness and references between sections;
 * - messages.ts: how a message describes a rejected value without echoing it;
 * - errors.ts: zod issues → `path: reason` lines, masking, ConfigError;
 * - reserved.ts: keys every JavaScript object already has, refused anywhere in the config.
 */
import type { z } from "zod";
import { crossChecks } from "./crossChecks";
import { ConfigError, toConfigIssues } from "./errors";
import { stackConfigFields } from "./fields";
import { heartbeatCrossCheck } from "./heartbeat";
import { reservedKeyIssues } from "./reserved";

export { CHANNEL_KINDS, DAYS_OF_WEEK, LIMITS, ONCALL_REF_PREFIX, type ChannelKind } from "./fields";
export {
  BACKENDS,
  DEFAULT_BACKEND,
  DEFAULT_LANGUAGE,
  LANGUAGES,
  REPEAT_MAX,
  contactLanguage,
  escalationRepeats,
  originationIdentityKind,
  type Backend,
  type Language,
  type OriginationIdentityKind,
  type VoiceChannelConfig,
} from "./backend";
export { ConfigError, formatPath, maskPersonalData, type ConfigIssue } from "./errors";
export { RESERVED_KEYS, ownValue } from "./reserved";
export { MAINTENANCE_LIMITS } from "./maintenance";

export const stackConfigSchema = stackConfigFields
  .superRefine(crossChecks, { when: () => true })
  .superRefine(heartbeatCrossCheck, { when: () => true });
/** The schema as zod's core type, for walking its shape (the keys an "unknown key" message lists). */
const SCHEMA_ROOT = stackConfigSchema as unknown as z.core.$ZodType;

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
export type MaintenanceWindowConfig = NonNullable<StackConfig["maintenance"]>[number];
export type { HeartbeatConfig } from "./heartbeat";
export type IncidentManagerSettings = NonNullable<StackConfig["incidentManager"]>;
/** `channels` of the step-functions backend. */
export type ChannelsConfig = NonNullable<StackConfig["channels"]>;
export type EmailChannelConfig = NonNullable<ChannelsConfig["email"]>;
export type SmsChannelConfig = NonNullable<ChannelsConfig["sms"]>;

/**
 * The Incident Manager settings of an incident-manager stack (parseStackConfig guarantees them
 * there). Throws for another backend, which has none: code that reaches this for a
 * step-functions stack is an Incident Manager path that should not run for it.
 */
export function incidentManagerSettings(cfg: StackConfig): IncidentManagerSettings {
  if (cfg.incidentManager === undefined) {
    throw new Error(
      `backend ${cfg.backend} has no incidentManager settings; this Incident Manager step does not apply to it`,
    );
  }
  return cfg.incidentManager;
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
        .flatMap((i) => toConfigIssues(i, [], SCHEMA_ROOT))
        .filter((i) => !underReserved(i.path));
  throw new ConfigError([...reserved, ...issues], source);
}
