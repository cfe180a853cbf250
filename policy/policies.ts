/**
 * The incident-escalation CrossGuard policies, in two layers:
 *
 * - a pure core: each policy is a rule whose `check` takes plain resource data
 *   (`{type, name, inputs, id?}`) and returns messages. `evaluateResourcePolicies` and
 *   `evaluateStackPolicies` run the rules without the Pulumi policy engine, for the offline plan
 *   tool and the tests;
 * - thin adapters: `policies` wraps the same rules as `ResourceValidationPolicy` /
 *   `StackValidationPolicy` objects for `new PolicyPack(...)` (see index.ts), so both paths report
 *   the same messages.
 *
 * Values that cannot be known during a preview (Pulumi's unknown sentinels, or an engine
 * property access that throws because the value is unknown) are never flagged: the check that
 * needs them is skipped. Secret values are checked when their plaintext is available (the engine
 * gives policies plaintext) and skipped when it is not; no message ever contains a delivery
 * address, phone number or e-mail address.
 *
 * This file is the public entry; the parts live beside it:
 *
 * - types.ts: resource shape, violations, pack configuration, rule interfaces, names, type tokens;
 * - wire.ts: Pulumi's wire format (unknown sentinels, secrets, the engine's proxy) → plain data;
 * - read.ts: reading plain resource data the way every rule does;
 * - resourceRules.ts, stackRules.ts: the rules (eventPattern.ts: EventBridge matching for routing);
 * - engine.ts: evaluation without the policy engine;
 * - adapters.ts: the rules as PolicyPack policies.
 *
 * None of them imports `@pulumi/policy` at run time: loading this module does not load the policy
 * engine's gRPC server.
 */
export {
  POLICY_NAMES,
  TYPES,
  type Finding,
  type PackConfig,
  type PolicyInput,
  type ResourceRule,
  type StackRule,
  type Violation,
} from "./types";
export { UNKNOWN, isUnknown, plainData } from "./wire";
export {
  NODE_RUNTIME_DEPRECATION,
  RECOMMENDED_NODE_RUNTIME,
  checkAlarmActions,
  checkEncryption,
  checkIamWildcards,
  checkLambdaRuntime,
  checkPhoneChannel,
  checkReplicationSet,
  checkResponsePlan,
  checkStageDurations,
  isDeprecatedNodeRuntime,
  resourceRules,
  wildcardActions,
} from "./resourceRules";
export {
  checkAlarmsRouted,
  checkEscalationFirstStage,
  checkFailureDestinations,
  checkNoVoiceFirst,
  checkPagingLevelPlans,
  checkTwoChannelTypes,
  stackRules,
} from "./stackRules";
export * from "./eventPattern";
export {
  evaluatePolicies,
  evaluateResourcePolicies,
  evaluateStackPolicies,
  packConfig,
} from "./engine";
export * from "./adapters";
