/**
 * Adapters for the Pulumi policy engine: the same rules as `ResourceValidationPolicy` /
 * `StackValidationPolicy` objects for `new PolicyPack(...)` (index.ts), so both paths report the
 * same messages. Only `import type` from `@pulumi/policy`: loading this module does not load the
 * policy engine's gRPC server.
 */
import type {
  Policies,
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { str } from "./read";
import {
  alarmActions,
  e164,
  encryption,
  iamWildcards,
  lambdaRuntime,
  replicationSet,
  responsePlan,
  stageDuration,
} from "./resourceRules";
import {
  alarmRouted,
  escalationEssential,
  lambdaFailure,
  levelPlan,
  noVoiceFirst,
  twoChannelTypes,
} from "./stackRules";
import { withoutEnforcementLevel } from "./engine";
import type { PolicyInput, ResourceRule, RuleBase, StackRule } from "./types";
import { plainData } from "./wire";

/** What the engine reads of every policy: name, description, default level, config schema. */
function header(rule: RuleBase) {
  return {
    name: rule.name,
    description: rule.description,
    enforcementLevel: rule.enforcementLevel,
    ...(rule.configSchema ? { configSchema: rule.configSchema } : {}),
  };
}

function toResourcePolicy(rule: ResourceRule): ResourceValidationPolicy {
  return {
    ...header(rule),
    validateResource: (args: ResourceValidationArgs, reportViolation) => {
      if (!rule.types.includes(args.type)) return;
      const resource: PolicyInput = {
        type: args.type,
        name: args.name,
        urn: args.urn,
        inputs: plainData(args.props) as Record<string, unknown>,
      };
      for (const message of rule.check(resource, withoutEnforcementLevel(args.getConfig())))
        reportViolation(message);
    },
  };
}

/** A stack resource as plain data; its ARN (when known) becomes the id references are matched on. */
function fromPolicyResource(r: PolicyResource): PolicyInput {
  const inputs = plainData(r.props) as Record<string, unknown>;
  return { type: r.type, name: r.name, urn: r.urn, inputs, id: str(inputs.arn) };
}

function toStackPolicy(rule: StackRule): StackValidationPolicy {
  return {
    ...header(rule),
    validateStack: (args: StackValidationArgs, reportViolation) => {
      const resources = args.resources.map(fromPolicyResource);
      for (const f of rule.check(resources, withoutEnforcementLevel(args.getConfig()))) {
        reportViolation(f.message, f.resource?.urn);
      }
    },
  };
}

export const ssmStageDurationPolicy = toResourcePolicy(stageDuration);
export const e164PhoneChannelsPolicy = toResourcePolicy(e164);
export const pagingPlanEngagesAndChatsPolicy = toResourcePolicy(responsePlan);
export const lambdaRuntimeSupportedPolicy = toResourcePolicy(lambdaRuntime);
export const iamNoWildcardActionsPolicy = toResourcePolicy(iamWildcards);
export const encryptedQueuesTopicsPolicy = toResourcePolicy(encryption);
export const replicationSetProtectedPolicy = toResourcePolicy(replicationSet);
export const alarmHasAlarmAndOkActionsPolicy = toResourcePolicy(alarmActions);
export const noVoiceFirstPolicy = toStackPolicy(noVoiceFirst);
export const twoChannelTypesPolicy = toStackPolicy(twoChannelTypes);
export const lambdaFailureDestinationPolicy = toStackPolicy(lambdaFailure);
export const everyAlarmRoutedPolicy = toStackPolicy(alarmRouted);
export const pagingLevelHasPlanPolicy = toStackPolicy(levelPlan);
export const escalationFirstStageEssentialPolicy = toStackPolicy(escalationEssential);

/** All policies of the pack, resource policies first, for `new PolicyPack(...)`. */
export const policies: Policies = [
  ssmStageDurationPolicy,
  e164PhoneChannelsPolicy,
  pagingPlanEngagesAndChatsPolicy,
  lambdaRuntimeSupportedPolicy,
  iamNoWildcardActionsPolicy,
  encryptedQueuesTopicsPolicy,
  replicationSetProtectedPolicy,
  alarmHasAlarmAndOkActionsPolicy,
  noVoiceFirstPolicy,
  twoChannelTypesPolicy,
  lambdaFailureDestinationPolicy,
  everyAlarmRoutedPolicy,
  pagingLevelHasPlanPolicy,
  escalationFirstStageEssentialPolicy,
];
