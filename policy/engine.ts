/**
 * Evaluation without the policy engine (the offline plan tool and the tests): the rule sets run
 * over plain resources under a pack configuration in Pulumi's format.
 */
import { resourceRules } from "./resourceRules";
import { stackRules } from "./stackRules";
import {
  POLICY_NAMES,
  type Level,
  type PackConfig,
  type PolicyInput,
  type RuleBase,
  type Violation,
} from "./types";
import { plainData } from "./wire";

/** Builds a `PackConfig` for the configurable policies from the settings a stack implies. */
export function packConfig(options: {
  /** Levels that page (open an incident); used by every-alarm-routed and paging-level-has-plan. */
  readonly pagingLevels?: readonly string[];
  /** Allow a VOICE channel in stage 1 of a personal engagement plan (no-voice-first). */
  readonly allowVoiceInFirstStage?: boolean;
}): PackConfig {
  const config: Record<string, Record<string, unknown>> = {};
  if (options.pagingLevels !== undefined) {
    config[POLICY_NAMES.alarmRouted] = { pagingLevels: [...options.pagingLevels] };
    config[POLICY_NAMES.levelPlan] = { pagingLevels: [...options.pagingLevels] };
  }
  if (options.allowVoiceInFirstStage !== undefined) {
    config[POLICY_NAMES.noVoiceFirst] = { allowVoiceInFirstStage: options.allowVoiceInFirstStage };
  }
  return config;
}

/** The effective level of a rule under `config`, or null when disabled. */
function effectiveLevel(rule: RuleBase, config: PackConfig): Level | null {
  const entry = config[rule.name];
  const level =
    typeof entry === "string" ? entry : (entry?.enforcementLevel ?? rule.enforcementLevel);
  if (level === "disabled") return null;
  return level === "advisory" ? "advisory" : "mandatory"; // remediate: nothing to remediate, so mandatory
}

/** A rule's own settings from `config` (the enforcement level removed). */
function settings(rule: RuleBase, config: PackConfig): Record<string, unknown> {
  const entry = config[rule.name];
  return typeof entry === "object" && entry !== null ? withoutEnforcementLevel(entry) : {};
}

/**
 * A policy's configuration object without its `enforcementLevel`: the settings its check reads
 * (the engine path, adapters.ts, gets the same object from `getConfig()`).
 */
export function withoutEnforcementLevel(entry: object): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...(entry as Record<string, unknown>) };
  delete rest.enforcementLevel;
  return rest;
}

function normalise(r: PolicyInput): PolicyInput {
  return {
    type: r.type,
    name: r.name,
    inputs: plainData(r.inputs) as Record<string, unknown>,
    id: r.id,
    urn: r.urn,
  };
}

/** Runs the resource policies over each resource (in order): violations per resource, in pack order. */
export function evaluateResourcePolicies(
  resources: readonly PolicyInput[],
  config: PackConfig = {},
): Violation[] {
  const out: Violation[] = [];
  for (const resource of resources.map(normalise)) {
    for (const rule of resourceRules) {
      const level = effectiveLevel(rule, config);
      if (level === null || !rule.types.includes(resource.type)) continue;
      for (const message of rule.check(resource, settings(rule, config))) {
        out.push({ policy: rule.name, enforcementLevel: level, resource: resource.name, message });
      }
    }
  }
  return out;
}

/** Runs the stack policies over all resources: violations per policy, in pack order. */
export function evaluateStackPolicies(
  resources: readonly PolicyInput[],
  config: PackConfig = {},
): Violation[] {
  const all = resources.map(normalise);
  const out: Violation[] = [];
  for (const rule of stackRules) {
    const level = effectiveLevel(rule, config);
    if (level === null) continue;
    for (const f of rule.check(all, settings(rule, config))) {
      out.push({
        policy: rule.name,
        enforcementLevel: level,
        resource: f.resource?.name ?? null,
        message: f.message,
      });
    }
  }
  return out;
}

/** Resource policies, then stack policies. */
export function evaluatePolicies(
  resources: readonly PolicyInput[],
  config: PackConfig = {},
): Violation[] {
  return [
    ...evaluateResourcePolicies(resources, config),
    ...evaluateStackPolicies(resources, config),
  ];
}
