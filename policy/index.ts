/**
 * The incident-escalation CrossGuard policy pack:
 *
 *   pulumi preview --stack prod --policy-pack ./policy [--policy-pack-config policy-config.json]
 *
 * Policies and their pure cores live in ./policies (the offline plan tool evaluates them without
 * the policy engine). Constructing the PolicyPack starts the policy engine's gRPC server, so only
 * the Pulumi CLI should load this file.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("incident-escalation", {
  policies,
  enforcementLevel: "mandatory",
  description:
    "Guardrails for the incident-escalation pipeline: Incident Manager plans and channels, alarm routing, " +
    "Lambda runtimes and failure handling, IAM wildcards, encryption, replication-set protection.",
});
