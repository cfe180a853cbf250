/**
 * The CrossGuard policy pack (policy/): every resource policy on a valid "happy path" resource and
 * on that resource with one property changed, every stack policy on a compliant and on violating
 * resource sets, exact messages throughout; the same cases through the PolicyPack objects (the
 * path the policy engine calls) give the same violations; the whole prod and dev example stacks
 * give exactly the expected violations; and the pack boots in Pulumi's own policy-pack launcher
 * (`@pulumi/pulumi/cmd/run-policy-pack`, with its type-checking ts-node) and answers the analyzer
 * gRPC protocol — info, resource analysis (including unknown and secret values as the engine
 * encodes them) and stack analysis of the example stacks.
 *
 * Not proven here: that the Pulumi CLI loads the pack the same way (it cannot be downloaded on
 * these machines; the launcher and the gRPC protocol are the parts of it that run here); which
 * values a real preview leaves unknown (the tests put Pulumi's unknown sentinels where a preview
 * would); that the stack-policy inputs match real provider outputs (the example stacks come from
 * the mock engine, with ARNs as the mocks make them); or that the policies catch every bad
 * configuration — only the cases below.
 */
import { strict as assert } from "node:assert";
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import type {
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { unknownCheckingProxy } from "@pulumi/policy";
import * as policyProxy from "@pulumi/policy/proxy";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as apb from "@pulumi/pulumi/proto/analyzer_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import {
  PackConfig,
  POLICY_NAMES,
  PolicyInput,
  TYPES,
  UNKNOWN,
  Violation,
  eventMatchesPattern,
  eventPatternMatchesAlarm,
  evaluatePolicies,
  evaluateResourcePolicies,
  evaluateStackPolicies,
  checkLambdaRuntime,
  isDeprecatedNodeRuntime,
  isUnknown,
  packConfig,
  policies,
} from "../../policy/policies";
import { REPO, runProgram } from "../support/program";
import { defaultPrefix } from "../../components/builders";
import { levelEventPattern } from "../../components/levelRouting";
import { HEARTBEAT_CANARY_METRIC } from "../../policy/resourceRules";
import { HEARTBEAT_CANARY, SELF_METRICS_NAMESPACE } from "../../handlers/shared/selfMetrics";

const ACCT = "123456789012";
const REGION = "ap-northeast-1";
const contactArn = (alias: string) => `arn:aws:ssm-contacts:${REGION}:${ACCT}:contact/${alias}`;
const channelArn = (alias: string, kind: string) =>
  `arn:aws:ssm-contacts:${REGION}:${ACCT}:contact-channel/${alias}/${kind}-0000`;
const TOPIC = `arn:aws:sns:${REGION}:${ACCT}:ie-prod-alerts`;
const KEY = `arn:aws:kms:${REGION}:${ACCT}:key/00000000-0000-0000-0000-000000000000`;
const SECRET = (value: unknown) => ({
  "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
  value,
});

function res(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  id?: string,
): PolicyInput {
  return id === undefined ? { type, name, inputs } : { type, name, inputs, id };
}

/** A copy of `r` with the input at `path` set to `value` (deleted when `value` is undefined). */
function withInput(r: PolicyInput, path: (string | number)[], value: unknown): PolicyInput {
  const inputs = structuredClone(r.inputs);
  let at: Record<string | number, unknown> = inputs;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (value === undefined) delete at[last];
  else at[last] = value;
  return { ...r, inputs };
}

const mandatory = (policy: string, resource: string | null, message: string): Violation => ({
  policy,
  enforcementLevel: "mandatory",
  resource,
  message,
});
const advisory = (policy: string, resource: string | null, message: string): Violation => ({
  policy,
  enforcementLevel: "advisory",
  resource,
  message,
});

// ---------------------------------------------------------------------------------------------
// The PolicyPack objects, called the way the policy engine calls them (cf. pulumi-policy-aws
// src/tests/util.ts), reporting in the `Violation` shape so both paths can be compared.
// ---------------------------------------------------------------------------------------------

const urnOf = (r: PolicyInput) =>
  r.urn ?? `urn:pulumi:test::incident-escalation::${r.type}::${r.name}`;
const OPTIONS = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};
const levelOf = (name: string, config: PackConfig): Violation["enforcementLevel"] => {
  const entry = config[name];
  const base = policies.find((p) => p.name === name)?.enforcementLevel;
  const level = typeof entry === "string" ? entry : (entry?.enforcementLevel ?? base);
  return level === "advisory" ? "advisory" : "mandatory";
};
const settingsOf = <T extends object>(name: string, config: PackConfig): T => {
  const entry = config[name];
  return (typeof entry === "object" ? entry : {}) as T;
};
const isResourcePolicy = (p: (typeof policies)[number]): p is ResourceValidationPolicy =>
  !("validateStack" in p);

/** Runs the pack's ResourceValidationPolicy objects on each resource; `props` may wrap inputs. */
async function viaPackResources(
  resources: readonly PolicyInput[],
  config: PackConfig = {},
  props: (inputs: Record<string, unknown>) => Record<string, unknown> = (x) => x,
): Promise<Violation[]> {
  const out: Violation[] = [];
  for (const r of resources) {
    for (const p of policies.filter(isResourcePolicy)) {
      const args: ResourceValidationArgs = {
        type: r.type,
        name: r.name,
        urn: urnOf(r),
        props: props(r.inputs),
        opts: OPTIONS,
        stackTags: new Map(),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => settingsOf<T>(p.name, config),
        notApplicable: (reason?: string) => {
          throw new Error(`not applicable: ${reason}`);
        },
      };
      const validations = Array.isArray(p.validateResource)
        ? p.validateResource
        : p.validateResource
          ? [p.validateResource]
          : [];
      for (const v of validations) {
        await v(args, (message) =>
          out.push({
            policy: p.name,
            enforcementLevel: levelOf(p.name, config),
            resource: r.name,
            message,
          }),
        );
      }
    }
  }
  return out;
}

/** Stack resources as the engine gives them: outputs, i.e. the inputs plus the `arn` (= id). */
function engineProps(r: PolicyInput): Record<string, unknown> {
  return r.id?.startsWith("arn:") ? { ...r.inputs, arn: r.id } : { ...r.inputs };
}

/** Runs the pack's StackValidationPolicy objects on the resources. */
async function viaPackStack(
  resources: readonly PolicyInput[],
  config: PackConfig = {},
): Promise<Violation[]> {
  const byUrn = new Map(resources.map((r) => [urnOf(r), r.name]));
  const stackResources: PolicyResource[] = resources.map((r) => ({
    type: r.type,
    name: r.name,
    urn: urnOf(r),
    props: engineProps(r),
    opts: OPTIONS,
    dependencies: [],
    propertyDependencies: {},
    isType: () => false,
    asType: () => undefined,
  }));
  const out: Violation[] = [];
  for (const p of policies.filter((x): x is StackValidationPolicy => "validateStack" in x)) {
    if (config[p.name] === "disabled") continue;
    const args: StackValidationArgs = {
      resources: stackResources,
      stackTags: new Map(),
      getConfig: <T extends object>() => settingsOf<T>(p.name, config),
      notApplicable: (reason?: string) => {
        throw new Error(`not applicable: ${reason}`);
      },
    };
    await p.validateStack(args, (message, urn) =>
      out.push({
        policy: p.name,
        enforcementLevel: levelOf(p.name, config),
        resource: urn === undefined ? null : (byUrn.get(urn) ?? urn),
        message,
      }),
    );
  }
  return out;
}

/** Asserts both paths report exactly `expected` for these resources. */
async function expectResource(
  resources: PolicyInput[],
  expected: Violation[],
  config: PackConfig = {},
): Promise<void> {
  assert.deepEqual(evaluateResourcePolicies(resources, config), expected);
  assert.deepEqual(await viaPackResources(resources, config), expected);
}

async function expectStack(
  resources: PolicyInput[],
  expected: Violation[],
  config: PackConfig = {},
): Promise<void> {
  assert.deepEqual(evaluateStackPolicies(resources, config), expected);
  assert.deepEqual(await viaPackStack(resources, config), expected);
}

// ---------------------------------------------------------------------------------------------
// Happy-path resources
// ---------------------------------------------------------------------------------------------

const channelTarget = (arn: string) => ({
  channelTargetInfo: { contactChannelId: arn, retryIntervalInMinutes: 5 },
});

const personalPlan = res(
  TYPES.plan,
  "escalation-sato-plan",
  {
    contactId: contactArn("ie-prod-sato"),
    stages: [
      { durationInMinutes: 10, targets: [channelTarget(channelArn("ie-prod-sato", "email"))] },
      {
        durationInMinutes: 0,
        targets: [
          channelTarget(channelArn("ie-prod-sato", "sms")),
          channelTarget(channelArn("ie-prod-sato", "voice")),
        ],
      },
    ],
  },
  contactArn("ie-prod-sato"),
);

const smsChannel = res(
  TYPES.contactChannel,
  "escalation-sato-sms",
  {
    contactId: contactArn("ie-prod-sato"),
    deliveryAddress: { simpleAddress: "+819000000001" },
    name: "ie-prod-sato-sms",
    type: "SMS",
  },
  channelArn("ie-prod-sato", "sms"),
);

const responsePlan = res(TYPES.responsePlan, "escalation-response-critical", {
  name: "ie-prod-critical",
  displayName: "ie-prod critical",
  engagements: [contactArn("ie-prod-escalation")],
  chatChannels: [TOPIC],
  incidentTemplate: { impact: 1, title: "[critical] ie-prod alarm" },
});

const lambda = res(TYPES.lambdaFunction, "escalation-router", {
  name: "ie-prod-router",
  runtime: "nodejs24.x",
  architectures: ["arm64"],
  handler: "index.handler",
  loggingConfig: { logFormat: "JSON", applicationLogLevel: "INFO", systemLogLevel: "WARN" },
});

const POLICY_DOC = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "WriteOwnLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: ["arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/lambda/ie-prod-router:*"],
    },
    { Sid: "RenderAlarms", Effect: "Allow", Action: "cloudwatch:DescribeAlarms", Resource: "*" },
  ],
};
const rolePolicy = res(TYPES.rolePolicy, "escalation-router-policy", {
  name: "ie-prod-router-policy",
  role: "ie-prod-router-role",
  policy: JSON.stringify(POLICY_DOC),
});
const iamPolicy = res(TYPES.iamPolicy, "escalation-managed", {
  name: "ie-prod-managed",
  policy: POLICY_DOC,
});
const role = res(TYPES.role, "escalation-router-role", {
  name: "ie-prod-router-role",
  assumeRolePolicy: JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
    ],
  }),
  inlinePolicies: [{ name: "inline", policy: JSON.stringify(POLICY_DOC) }],
});

const queue = res(TYPES.queue, "escalation-router-dlq", {
  name: "ie-prod-router-dlq",
  sqsManagedSseEnabled: true,
});
const topic = res(TYPES.topic, "escalation-alerts", {
  name: "ie-prod-alerts",
  kmsMasterKeyId: KEY,
});
const nativeReplicationSet = res(TYPES.nativeReplicationSet, "escalation-replication-set", {
  deletionProtected: true,
  regions: [{ regionName: REGION }],
});
const alarm = res(TYPES.metricAlarm, "escalation-critical-api-5xx", {
  name: "ie-prod-critical-api-5xx",
  alarmActions: [TOPIC],
  okActions: [TOPIC],
  tags: { level: "critical" },
});

const HAPPY = [
  personalPlan,
  smsChannel,
  responsePlan,
  lambda,
  rolePolicy,
  iamPolicy,
  role,
  queue,
  topic,
  nativeReplicationSet,
  alarm,
];

// ---------------------------------------------------------------------------------------------
// Resource policies: one property changed per case
// ---------------------------------------------------------------------------------------------

interface ResourceCase {
  readonly title: string;
  readonly resource: PolicyInput;
  readonly expected: Violation[];
  /** A shape the engine never sends (it decrypts secrets first), so not sent over gRPC. */
  readonly pureOnly?: true;
}

const D = POLICY_NAMES.stageDuration;
const RANGE = "a stage lasts a whole number of minutes from 0 to 30";
const E = POLICY_NAMES.e164;
const E164_SMS =
  "contact channel ie-prod-sato-sms (SMS): the delivery address is not an E.164 phone number " +
  "(+ and 7–15 digits, the first not 0, no spaces); the address is not shown because it is personal data";
const R = POLICY_NAMES.responsePlan;
const L = POLICY_NAMES.lambdaRuntime;
const I = POLICY_NAMES.iamWildcards;
const WILDCARD = "name the actions instead of using a wildcard";
const C = POLICY_NAMES.encryption;
const S = POLICY_NAMES.replicationSet;
const A = POLICY_NAMES.alarmActions;

const RESOURCE_CASES: ResourceCase[] = [
  // 1. ssm-stage-duration
  {
    title: "stage 1 of 31 minutes",
    resource: withInput(personalPlan, ["stages", 0, "durationInMinutes"], 31),
    expected: [
      mandatory(
        D,
        "escalation-sato-plan",
        `stage 1 of the plan of contact ie-prod-sato lasts 31 minutes: ${RANGE}`,
      ),
    ],
  },
  {
    title: "a negative stage duration",
    resource: withInput(personalPlan, ["stages", 0, "durationInMinutes"], -1),
    expected: [
      mandatory(
        D,
        "escalation-sato-plan",
        `stage 1 of the plan of contact ie-prod-sato lasts -1 minutes: ${RANGE}`,
      ),
    ],
  },
  {
    title: "a fractional stage duration",
    resource: withInput(personalPlan, ["stages", 0, "durationInMinutes"], 2.5),
    expected: [
      mandatory(
        D,
        "escalation-sato-plan",
        `stage 1 of the plan of contact ie-prod-sato lasts 2.5 minutes: ${RANGE}`,
      ),
    ],
  },
  {
    title: "a stage without a duration",
    resource: withInput(personalPlan, ["stages", 0, "durationInMinutes"], undefined),
    expected: [
      mandatory(
        D,
        "escalation-sato-plan",
        `stage 1 of the plan of contact ie-prod-sato has no durationInMinutes: ${RANGE}`,
      ),
    ],
  },
  {
    title: "a 0-minute stage without targets",
    resource: withInput(personalPlan, ["stages", 1, "targets"], []),
    expected: [
      mandatory(
        D,
        "escalation-sato-plan",
        "stage 2 of the plan of contact ie-prod-sato lasts 0 minutes but has no target: a 0-minute stage needs at least one target",
      ),
    ],
  },
  {
    title: "a stage of exactly 30 minutes",
    resource: withInput(personalPlan, ["stages", 0, "durationInMinutes"], 30),
    expected: [],
  },
  {
    title: "a duration unknown during preview",
    resource: withInput(personalPlan, ["stages", 0, "durationInMinutes"], UNKNOWN),
    expected: [],
  },
  {
    title: "an unknown contactId (the message falls back to the logical name)",
    resource: withInput(
      withInput(personalPlan, ["contactId"], UNKNOWN),
      ["stages", 0, "durationInMinutes"],
      45,
    ),
    expected: [
      mandatory(
        D,
        "escalation-sato-plan",
        `stage 1 of the plan of contact escalation-sato-plan lasts 45 minutes: ${RANGE}`,
      ),
    ],
  },
  // 2. e164-phone-channels
  {
    title: "a local number",
    resource: withInput(smsChannel, ["deliveryAddress", "simpleAddress"], "090-1234"),
    expected: [mandatory(E, "escalation-sato-sms", E164_SMS)],
  },
  {
    title: "a country code starting with 0",
    resource: withInput(smsChannel, ["deliveryAddress", "simpleAddress"], "+0819000000001"),
    expected: [mandatory(E, "escalation-sato-sms", E164_SMS)],
  },
  {
    title: "spaces",
    resource: withInput(smsChannel, ["deliveryAddress", "simpleAddress"], "+81 90 0000 0001"),
    expected: [mandatory(E, "escalation-sato-sms", E164_SMS)],
  },
  {
    title: "6 digits",
    resource: withInput(smsChannel, ["deliveryAddress", "simpleAddress"], "+123456"),
    expected: [mandatory(E, "escalation-sato-sms", E164_SMS)],
  },
  {
    title: "7 digits",
    resource: withInput(smsChannel, ["deliveryAddress", "simpleAddress"], "+1234567"),
    expected: [],
  },
  {
    title: "15 digits",
    resource: withInput(smsChannel, ["deliveryAddress", "simpleAddress"], "+123456789012345"),
    expected: [],
  },
  {
    title: "16 digits",
    resource: withInput(smsChannel, ["deliveryAddress", "simpleAddress"], "+1234567890123456"),
    expected: [mandatory(E, "escalation-sato-sms", E164_SMS)],
  },
  {
    title: "no delivery address",
    resource: withInput(smsChannel, ["deliveryAddress"], undefined),
    expected: [mandatory(E, "escalation-sato-sms", E164_SMS)],
  },
  {
    title: "a VOICE channel with an e-mail address",
    resource: withInput(withInput(smsChannel, ["type"], "VOICE"), ["deliveryAddress"], {
      simpleAddress: "sato@example.com",
    }),
    expected: [mandatory(E, "escalation-sato-sms", E164_SMS.replace("(SMS)", "(VOICE)"))],
  },
  {
    title: "an EMAIL channel (not a phone channel)",
    resource: withInput(withInput(smsChannel, ["type"], "EMAIL"), ["deliveryAddress"], {
      simpleAddress: "sato@example.com",
    }),
    expected: [],
  },
  {
    title: "an address unknown during preview",
    resource: withInput(smsChannel, ["deliveryAddress", "simpleAddress"], UNKNOWN),
    expected: [],
  },
  {
    title: "a delivery address object unknown during preview",
    resource: withInput(smsChannel, ["deliveryAddress"], UNKNOWN),
    expected: [],
  },
  {
    title: "a secret E.164 address",
    resource: withInput(
      smsChannel,
      ["deliveryAddress"],
      SECRET({ simpleAddress: "+819000000001" }),
    ),
    expected: [],
  },
  {
    title: "a secret local number (flagged, not shown)",
    resource: withInput(smsChannel, ["deliveryAddress"], SECRET({ simpleAddress: "090-1234" })),
    expected: [mandatory(E, "escalation-sato-sms", E164_SMS)],
  },
  {
    title: "a secret whose value is unknown",
    resource: withInput(smsChannel, ["deliveryAddress"], SECRET(UNKNOWN)),
    expected: [],
  },
  {
    title: "a secret without a readable value",
    resource: withInput(smsChannel, ["deliveryAddress"], {
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
      ciphertext: "v1:abc",
    }),
    expected: [],
    pureOnly: true,
  },
  // 3. paging-plan-engages-and-chats
  {
    title: "no engagements",
    resource: withInput(responsePlan, ["engagements"], []),
    expected: [
      mandatory(
        R,
        "escalation-response-critical",
        "response plan ie-prod-critical engages nobody: add at least one contact or escalation plan to engagements",
      ),
    ],
  },
  {
    title: "engagements missing",
    resource: withInput(responsePlan, ["engagements"], undefined),
    expected: [
      mandatory(
        R,
        "escalation-response-critical",
        "response plan ie-prod-critical engages nobody: add at least one contact or escalation plan to engagements",
      ),
    ],
  },
  {
    title: "no chat channels",
    resource: withInput(responsePlan, ["chatChannels"], []),
    expected: [
      mandatory(
        R,
        "escalation-response-critical",
        "response plan ie-prod-critical has no chat channel: add the alerts SNS topic to chatChannels so responders see the incident in chat",
      ),
    ],
  },
  {
    title: "engagements unknown during preview",
    resource: withInput(responsePlan, ["engagements"], UNKNOWN),
    expected: [],
  },
  // 6. lambda-runtime-supported
  {
    title: "nodejs20.x",
    resource: withInput(lambda, ["runtime"], "nodejs20.x"),
    expected: [
      mandatory(
        L,
        "escalation-router",
        "Lambda function ie-prod-router uses runtime nodejs20.x, which is deprecated: use nodejs24.x",
      ),
    ],
  },
  {
    title: "nodejs4.3",
    resource: withInput(lambda, ["runtime"], "nodejs4.3"),
    expected: [
      mandatory(
        L,
        "escalation-router",
        "Lambda function ie-prod-router uses runtime nodejs4.3, which is deprecated: use nodejs24.x",
      ),
    ],
  },
  { title: "nodejs24.x", resource: withInput(lambda, ["runtime"], "nodejs24.x"), expected: [] },
  {
    title: "Text logging",
    resource: withInput(lambda, ["loggingConfig", "logFormat"], "Text"),
    expected: [
      mandatory(
        L,
        "escalation-router",
        'Lambda function ie-prod-router does not log in JSON (loggingConfig.logFormat is "Text"): set loggingConfig.logFormat to "JSON"',
      ),
    ],
  },
  {
    title: "no loggingConfig",
    resource: withInput(lambda, ["loggingConfig"], undefined),
    expected: [
      mandatory(
        L,
        "escalation-router",
        'Lambda function ie-prod-router does not log in JSON (loggingConfig.logFormat is not set): set loggingConfig.logFormat to "JSON"',
      ),
    ],
  },
  // 8. iam-no-wildcard-actions
  {
    title: "a role policy (JSON string) allowing logs:*",
    resource: withInput(
      rolePolicy,
      ["policy"],
      JSON.stringify({
        ...POLICY_DOC,
        Statement: [{ ...POLICY_DOC.Statement[0], Action: ["logs:*", "logs:PutLogEvents"] }],
      }),
    ),
    expected: [
      mandatory(
        I,
        "escalation-router-policy",
        `IAM role policy ie-prod-router-policy: statement "WriteOwnLogs" allows action "logs:*": ${WILDCARD}`,
      ),
    ],
  },
  {
    title: "a managed policy (object) allowing * in a statement without Sid",
    resource: withInput(iamPolicy, ["policy", "Statement", 1], {
      Effect: "Allow",
      Action: "*",
      Resource: "*",
    }),
    expected: [
      mandatory(
        I,
        "escalation-managed",
        `IAM policy ie-prod-managed: statement #2 (no Sid) allows action "*": ${WILDCARD}`,
      ),
    ],
  },
  {
    title: "a managed policy with a single Statement object allowing s3:Get*",
    resource: withInput(iamPolicy, ["policy", "Statement"], {
      Sid: "Read",
      Effect: "Allow",
      Action: "s3:Get*",
      Resource: "*",
    }),
    expected: [
      mandatory(
        I,
        "escalation-managed",
        `IAM policy ie-prod-managed: statement "Read" allows action "s3:Get*": ${WILDCARD}`,
      ),
    ],
  },
  {
    title: "a role inline policy allowing sqs:*",
    resource: withInput(
      role,
      ["inlinePolicies", 0, "policy"],
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Sid: "Queues", Effect: "Allow", Action: ["sqs:*"], Resource: "*" }],
      }),
    ),
    expected: [
      mandatory(
        I,
        "escalation-router-role",
        `IAM role ie-prod-router-role inline policy inline: statement "Queues" allows action "sqs:*": ${WILDCARD}`,
      ),
    ],
  },
  {
    title: "a Deny statement with *",
    resource: withInput(iamPolicy, ["policy", "Statement", 1], {
      Sid: "DenyAll",
      Effect: "Deny",
      Action: "*",
      Resource: "*",
    }),
    expected: [],
  },
  {
    title: "a policy unknown during preview",
    resource: withInput(rolePolicy, ["policy"], UNKNOWN),
    expected: [],
  },
  {
    title: "a policy that is not JSON",
    resource: withInput(rolePolicy, ["policy"], "{not json"),
    expected: [],
  },
  // 9. encrypted-queues-topics
  {
    title: "a queue without sqsManagedSseEnabled",
    resource: withInput(queue, ["sqsManagedSseEnabled"], undefined),
    expected: [
      mandatory(
        C,
        "escalation-router-dlq",
        "SQS queue ie-prod-router-dlq is not encrypted: set sqsManagedSseEnabled: true or kmsMasterKeyId",
      ),
    ],
  },
  {
    title: "a queue with sqsManagedSseEnabled: false",
    resource: withInput(queue, ["sqsManagedSseEnabled"], false),
    expected: [
      mandatory(
        C,
        "escalation-router-dlq",
        "SQS queue ie-prod-router-dlq is not encrypted: set sqsManagedSseEnabled: true or kmsMasterKeyId",
      ),
    ],
  },
  {
    title: "a queue with a KMS key instead",
    resource: withInput(
      withInput(queue, ["sqsManagedSseEnabled"], undefined),
      ["kmsMasterKeyId"],
      KEY,
    ),
    expected: [],
  },
  {
    title: "a topic without kmsMasterKeyId",
    resource: withInput(topic, ["kmsMasterKeyId"], undefined),
    expected: [
      mandatory(
        C,
        "escalation-alerts",
        "SNS topic ie-prod-alerts is not encrypted: set kmsMasterKeyId",
      ),
    ],
  },
  {
    title: "a topic with an empty kmsMasterKeyId",
    resource: withInput(topic, ["kmsMasterKeyId"], ""),
    expected: [
      mandatory(
        C,
        "escalation-alerts",
        "SNS topic ie-prod-alerts is not encrypted: set kmsMasterKeyId",
      ),
    ],
  },
  {
    title: "a topic whose key is unknown during preview",
    resource: withInput(topic, ["kmsMasterKeyId"], UNKNOWN),
    expected: [],
  },
  // 10. replication-set-protected
  {
    title: "an aws-native replication set with deletionProtected: false",
    resource: withInput(nativeReplicationSet, ["deletionProtected"], false),
    expected: [
      mandatory(
        S,
        "escalation-replication-set",
        "replication set escalation-replication-set is not deletion-protected: set deletionProtected: true " +
          "(deleting the replication set deletes all Incident Manager data)",
      ),
    ],
  },
  {
    title: "an aws-native replication set without deletionProtected",
    resource: withInput(nativeReplicationSet, ["deletionProtected"], undefined),
    expected: [
      mandatory(
        S,
        "escalation-replication-set",
        "replication set escalation-replication-set is not deletion-protected: set deletionProtected: true " +
          "(deleting the replication set deletes all Incident Manager data)",
      ),
    ],
  },
  {
    title: "a classic (aws) replication set",
    resource: {
      ...nativeReplicationSet,
      type: TYPES.classicReplicationSet,
      inputs: { regions: [] },
    },
    expected: [
      mandatory(
        S,
        "escalation-replication-set",
        "replication set escalation-replication-set is an aws:ssmincidents/replicationSet:ReplicationSet, " +
          "which cannot enable deletion protection: use aws-native:ssmincidents:ReplicationSet with deletionProtected: true",
      ),
    ],
  },
  // 11. alarm-has-alarm-and-ok-actions
  {
    title: "an alarm without alarm actions",
    resource: withInput(alarm, ["alarmActions"], []),
    expected: [
      mandatory(
        A,
        "escalation-critical-api-5xx",
        "alarm ie-prod-critical-api-5xx has no alarm action: add the alerts topic to alarmActions",
      ),
    ],
  },
  {
    title:
      "the heartbeat's canary alarm (IncidentEscalation HeartbeatCanary) without actions: its state changes reach the router through EventBridge",
    resource: res(TYPES.metricAlarm, "escalation-heartbeat", {
      name: "ie-prod-heartbeat",
      namespace: "IncidentEscalation",
      metricName: "HeartbeatCanary",
      alarmActions: [],
      okActions: [],
    }),
    expected: [],
  },
  {
    title:
      "another alarm of the IncidentEscalation namespace without actions (only the canary is excepted)",
    resource: res(TYPES.metricAlarm, "escalation-heartbeat-missing", {
      name: "ie-prod-heartbeat-missing",
      namespace: "IncidentEscalation",
      metricName: "HeartbeatsRouted",
      alarmActions: [],
      okActions: [TOPIC],
    }),
    expected: [
      mandatory(
        A,
        "escalation-heartbeat-missing",
        "alarm ie-prod-heartbeat-missing has no alarm action: add the alerts topic to alarmActions",
      ),
    ],
  },
  {
    title: "an alarm without OK actions",
    resource: withInput(alarm, ["okActions"], undefined),
    expected: [
      mandatory(
        A,
        "escalation-critical-api-5xx",
        "alarm ie-prod-critical-api-5xx has no OK action: add the alerts topic to okActions so the recovery is announced",
      ),
    ],
  },
];

describe("policy pack: resource policies", () => {
  it("passes every happy-path resource", async () => {
    await expectResource(HAPPY, []);
  });

  for (const c of RESOURCE_CASES) {
    it(`${c.expected.length ? "flags" : "accepts"} ${c.title}`, async () => {
      await expectResource([c.resource], c.expected);
    });
  }

  it("excepts the canary by the metric the heartbeat writes (handlers/shared/selfMetrics.ts)", () => {
    assert.deepEqual(HEARTBEAT_CANARY_METRIC, {
      namespace: SELF_METRICS_NAMESPACE,
      metricName: HEARTBEAT_CANARY,
    });
  });

  it("never puts the phone number in the message", () => {
    const [v] = evaluateResourcePolicies([
      withInput(smsChannel, ["deliveryAddress", "simpleAddress"], "+81 90 1234 5678"),
    ]);
    assert.ok(!/\d{4}/.test(v.message), v.message);
  });

  it("reads through the policy engine's unknown-checking proxy without flagging unknowns", async () => {
    const unknowns: [PolicyInput, (string | number)[], string][] = [
      [smsChannel, ["deliveryAddress", "simpleAddress"], "unknownStringValue"],
      [smsChannel, ["deliveryAddress"], "unknownObjectValue"],
      [responsePlan, ["engagements"], "unknownArrayValue"],
      [queue, ["sqsManagedSseEnabled"], "unknownBooleanValue"],
      [personalPlan, ["stages", 0, "durationInMinutes"], "unknownNumberValue"],
    ];
    const sentinels = policyProxy as unknown as Record<string, string>;
    for (const [r, at, sentinel] of unknowns) {
      const resource = withInput(r, at, sentinels[sentinel]);
      // The real proxy throws UnknownValueError on access; a policy that let it escape would be
      // reported by the engine as "can't run policy … during preview".
      assert.deepEqual(await viaPackResources([resource], {}, (x) => unknownCheckingProxy(x)), []);
    }
    // ...and still sees known values through it.
    const bad = withInput(queue, ["sqsManagedSseEnabled"], false);
    assert.deepEqual(
      await viaPackResources([bad], {}, (x) => unknownCheckingProxy(x)),
      evaluateResourcePolicies([bad]),
    );
  });

  it("knows every unknown sentinel of @pulumi/policy", () => {
    const sentinels = Object.entries(policyProxy as unknown as Record<string, unknown>).filter(
      ([k, v]) => /^unknown[A-Z]\w*Value$/.test(k) && typeof v === "string",
    );
    assert.equal(sentinels.length, 7);
    for (const [k, v] of sentinels) assert.ok(isUnknown(v), k);
    assert.ok(!isUnknown("+819000000001"));
  });

  it("classifies Node.js runtimes", () => {
    const table: [string, boolean][] = [
      ["nodejs", true],
      ["nodejs4.3", true],
      ["nodejs4.3-edge", true],
      ["nodejs8.10", true],
      ["nodejs16.x", true],
      ["nodejs18.x", true],
      ["nodejs20.x", true],
      ["nodejs22.x", false],
      ["nodejs24.x", false],
      ["python3.13", false],
      ["provided.al2023", false],
    ];
    const today = new Date("2026-12-01T00:00:00Z");
    for (const [runtime, deprecated] of table) {
      assert.equal(isDeprecatedNodeRuntime(runtime, today), deprecated, runtime);
    }
  });

  it("judges nodejs22.x/24.x by the deprecation dates of the Lambda runtimes page", () => {
    const table: [string, string, boolean][] = [
      ["nodejs22.x", "2027-04-29T23:59:59Z", false],
      ["nodejs22.x", "2027-04-30T00:00:00Z", true],
      ["nodejs24.x", "2028-04-29T12:00:00Z", false],
      ["nodejs24.x", "2028-04-30T00:00:00Z", true],
      ["nodejs26.x", "2030-01-01T00:00:00Z", false],
    ];
    for (const [runtime, at, deprecated] of table) {
      assert.equal(isDeprecatedNodeRuntime(runtime, new Date(at)), deprecated, `${runtime} ${at}`);
    }
    assert.deepEqual(
      checkLambdaRuntime(
        withInput(lambda, ["runtime"], "nodejs22.x"),
        new Date("2027-05-01T00:00:00Z"),
      ),
      [
        "Lambda function ie-prod-router uses runtime nodejs22.x, which is deprecated since 2027-04-30: use nodejs24.x",
      ],
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Stack policies: a compliant stack (the prod shape), then one change per case
// ---------------------------------------------------------------------------------------------

function contact(alias: string, type: string): PolicyInput {
  return res(
    TYPES.contact,
    `escalation-${alias}`,
    { alias: `ie-prod-${alias}`, type },
    contactArn(`ie-prod-${alias}`),
  );
}
function channel(alias: string, kind: "email" | "sms" | "voice"): PolicyInput {
  return res(
    TYPES.contactChannel,
    `escalation-${alias}-${kind}`,
    {
      contactId: contactArn(`ie-prod-${alias}`),
      name: `ie-prod-${alias}-${kind}`,
      type: kind.toUpperCase(),
      deliveryAddress: {
        simpleAddress: kind === "email" ? `${alias}@example.com` : "+819000000001",
      },
    },
    channelArn(`ie-prod-${alias}`, kind),
  );
}
/** A level rule as components/levelRouting.ts writes it: alarm names become alarm ARNs. */
function rule(level: string, alarmName: unknown[]): PolicyInput {
  const arn = (n: string) => `arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:${n}`;
  return res(TYPES.eventRule, `escalation-${level}`, {
    name: `ie-prod-${level}`,
    eventPattern: JSON.stringify({
      source: ["aws.cloudwatch"],
      "detail-type": ["CloudWatch Alarm State Change"],
      account: ["123456789012"],
      region: ["ap-northeast-1"],
      resources: alarmName.map((e) =>
        typeof e === "string"
          ? arn(e)
          : isObject(e) && typeof e.prefix === "string"
            ? { prefix: arn(e.prefix) }
            : e,
      ),
    }),
  });
}
function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
function levelAlarm(level: string, name: string): PolicyInput {
  return res(TYPES.metricAlarm, `escalation-${level}-${name}`, {
    name: `ie-prod-${level}-${name}`,
    alarmActions: [TOPIC],
    okActions: [TOPIC],
    tags: { "ie-stack": "prod", level },
  });
}

const escalationPlan = res(
  TYPES.plan,
  "escalation-escalation-plan",
  {
    contactId: contactArn("ie-prod-escalation"),
    stages: [
      {
        durationInMinutes: 15,
        targets: [
          { contactTargetInfo: { contactId: contactArn("ie-prod-sato"), isEssential: true } },
        ],
      },
    ],
  },
  contactArn("ie-prod-escalation"),
);

const STACK: PolicyInput[] = [
  contact("sato", "PERSONAL"),
  channel("sato", "email"),
  channel("sato", "sms"),
  channel("sato", "voice"),
  personalPlan,
  contact("escalation", "ESCALATION"),
  escalationPlan,
  responsePlan,
  rule("critical", [{ prefix: "ie-prod-critical-" }]),
  rule("warning", [{ prefix: "ie-prod-warning-" }]),
  levelAlarm("critical", "api-5xx"),
  levelAlarm("warning", "api-5xx"),
  res(TYPES.metricAlarm, "escalation-router-errors", {
    name: "ie-prod-router-errors",
    alarmActions: [TOPIC],
    okActions: [TOPIC],
  }),
  lambda,
  res(TYPES.invokeConfig, "escalation-router-invoke", {
    functionName: "ie-prod-router",
    destinationConfig: {
      onFailure: { destination: `arn:aws:sqs:${REGION}:${ACCT}:ie-prod-router-dlq` },
    },
  }),
  res(TYPES.lambdaFunction, "escalation-notifier", {
    name: "ie-prod-notifier",
    runtime: "nodejs24.x",
    loggingConfig: { logFormat: "JSON" },
    deadLetterConfig: { targetArn: `arn:aws:sqs:${REGION}:${ACCT}:ie-prod-notifier-dlq` },
  }),
];

const CRITICAL_PAGES = packConfig({ pagingLevels: ["critical"] });

/** STACK with the resource named `name` replaced (or removed, when `by` is null). */
function replace(name: string, by: PolicyInput | null, stack = STACK): PolicyInput[] {
  assert.ok(
    stack.some((r) => r.name === name),
    name,
  );
  return stack.flatMap((r) => (r.name !== name ? [r] : by ? [by] : []));
}
const named = (name: string) => STACK.find((r) => r.name === name) as PolicyInput;

const V = POLICY_NAMES.noVoiceFirst;
const T = POLICY_NAMES.twoChannelTypes;
const F = POLICY_NAMES.lambdaFailure;
const RT = POLICY_NAMES.alarmRouted;
const P = POLICY_NAMES.levelPlan;
const ES = POLICY_NAMES.escalationEssential;
const VOICE_FIRST =
  "contact ie-prod-sato is phoned in stage 1 of its engagement plan (channel ie-prod-sato-voice): " +
  "start with e-mail or SMS and call in a later stage, or set allowVoiceInFirstStage";
const NO_FAILURE_DEST = (fn: string) =>
  `Lambda function ${fn} has no on-failure destination: add a FunctionEventInvokeConfig with ` +
  "destinationConfig.onFailure.destination, or set deadLetterConfig.targetArn, so failed asynchronous invocations are kept";
const REACH = "so that one undelivered channel does not leave them unreachable";
const voiceFirstPlan = withInput(
  personalPlan,
  ["stages", 0, "targets"],
  [
    channelTarget(channelArn("ie-prod-sato", "email")),
    channelTarget(channelArn("ie-prod-sato", "voice")),
  ],
);

interface StackCase {
  readonly title: string;
  readonly resources: PolicyInput[];
  readonly config?: PackConfig;
  readonly expected: Violation[];
}

const STACK_CASES: StackCase[] = [
  // 4. no-voice-first
  {
    title: "a voice call in stage 1 of a personal plan",
    resources: replace("escalation-sato-plan", voiceFirstPlan),
    expected: [advisory(V, "escalation-sato-plan", VOICE_FIRST)],
  },
  {
    title: "a voice call in stage 1 with allowVoiceInFirstStage",
    resources: replace("escalation-sato-plan", voiceFirstPlan),
    config: packConfig({ allowVoiceInFirstStage: true }),
    expected: [],
  },
  {
    title: "a stage-1 channel whose ARN is unknown during preview",
    resources: replace(
      "escalation-sato-voice",
      { ...named("escalation-sato-voice"), id: UNKNOWN },
      replace("escalation-sato-plan", voiceFirstPlan),
    ),
    expected: [],
  },
  // 5. two-channel-types
  {
    title: "a personal contact with e-mail only",
    resources: STACK.filter(
      (r) => !["escalation-sato-sms", "escalation-sato-voice"].includes(r.name),
    ),
    expected: [
      advisory(
        T,
        "escalation-sato",
        `contact ie-prod-sato has contact channels of one type only (EMAIL): add SMS or VOICE ${REACH}`,
      ),
    ],
  },
  {
    title: "a personal contact without channels",
    resources: STACK.filter((r) => r.type !== TYPES.contactChannel),
    expected: [
      advisory(
        T,
        "escalation-sato",
        `contact ie-prod-sato has no contact channels: give it at least two types (EMAIL, SMS, VOICE) ${REACH}`,
      ),
    ],
  },
  {
    title: "a channel whose contact is unknown during preview",
    resources: replace(
      "escalation-sato-sms",
      withInput(named("escalation-sato-sms"), ["contactId"], UNKNOWN),
      STACK.filter((r) => r.name !== "escalation-sato-voice"),
    ),
    expected: [],
  },
  // 7. lambda-failure-destination
  {
    title: "a function without invoke config or DLQ",
    resources: replace("escalation-router-invoke", null),
    expected: [mandatory(F, "escalation-router", NO_FAILURE_DEST("ie-prod-router"))],
  },
  {
    title: "an invoke config without onFailure",
    resources: replace(
      "escalation-router-invoke",
      withInput(named("escalation-router-invoke"), ["destinationConfig"], undefined),
    ),
    expected: [mandatory(F, "escalation-router", NO_FAILURE_DEST("ie-prod-router"))],
  },
  {
    title: "an invoke config naming the function by ARN",
    resources: replace(
      "escalation-router-invoke",
      withInput(
        named("escalation-router-invoke"),
        ["functionName"],
        `arn:aws:lambda:${REGION}:${ACCT}:function:ie-prod-router`,
      ),
    ),
    expected: [],
  },
  {
    title: "a function whose DLQ is removed",
    resources: replace(
      "escalation-notifier",
      withInput(named("escalation-notifier"), ["deadLetterConfig"], undefined),
    ),
    expected: [mandatory(F, "escalation-notifier", NO_FAILURE_DEST("ie-prod-notifier"))],
  },
  // 12. every-alarm-routed
  {
    title: "a level rule that does not match its alarm",
    resources: replace("escalation-warning", rule("warning", [{ prefix: "ie-prod-warn-" }])),
    config: CRITICAL_PAGES,
    expected: [
      mandatory(
        RT,
        "escalation-warning-api-5xx",
        "alarm ie-prod-warning-api-5xx at level warning is matched by 0 EventBridge rules: " +
          "the rule of level warning does not route it, so it can never page",
      ),
    ],
  },
  {
    title: "two rules matching one alarm",
    resources: replace(
      "escalation-warning",
      rule("warning", [{ prefix: "ie-prod-warning-" }, "ie-prod-critical-api-5xx"]),
    ),
    config: CRITICAL_PAGES,
    expected: [
      mandatory(
        RT,
        "escalation-critical-api-5xx",
        "alarm ie-prod-critical-api-5xx at level critical is matched by 2 EventBridge rules " +
          "(ie-prod-critical, ie-prod-warning): exactly one rule must route it, or it is handled twice",
      ),
    ],
  },
  {
    title: "no rule for a paging level",
    resources: replace("escalation-warning", null),
    config: packConfig({ pagingLevels: ["critical", "warning"] }),
    expected: [
      mandatory(
        RT,
        "escalation-warning-api-5xx",
        "alarm ie-prod-warning-api-5xx at level warning has no rule: it can never page",
      ),
      mandatory(
        P,
        null,
        "level warning pages but no response plan is named *-warning: add one that engages the escalation plan",
      ),
    ],
  },
  {
    title: "no rule for a level that does not page",
    resources: replace("escalation-warning", null),
    config: CRITICAL_PAGES,
    expected: [],
  },
  {
    title: "a disabled rule",
    resources: replace("escalation-critical", {
      ...named("escalation-critical"),
      inputs: { ...named("escalation-critical").inputs, state: "DISABLED" },
    }),
    config: CRITICAL_PAGES,
    expected: [
      mandatory(
        RT,
        "escalation-critical-api-5xx",
        "alarm ie-prod-critical-api-5xx at level critical has no rule: it can never page",
      ),
    ],
  },
  {
    title: "a rule listing exact alarm names",
    resources: replace("escalation-critical", rule("critical", ["ie-prod-critical-api-5xx"])),
    config: CRITICAL_PAGES,
    expected: [],
  },
  {
    title: "a rule pattern unknown during preview",
    resources: replace(
      "escalation-warning",
      withInput(rule("warning", []), ["eventPattern"], UNKNOWN),
    ),
    config: CRITICAL_PAGES,
    expected: [],
  },
  // 13. paging-level-has-plan
  {
    title: "a paging level whose response plan engages nobody",
    resources: replace(
      "escalation-response-critical",
      withInput(responsePlan, ["engagements"], []),
    ),
    config: CRITICAL_PAGES,
    expected: [
      mandatory(
        P,
        "escalation-response-critical",
        "level critical pages but response plan ie-prod-critical engages nobody: add at least one engagement",
      ),
    ],
  },
  // 14. escalation-first-stage-essential
  {
    title: "no essential contact in stage 1",
    resources: replace(
      "escalation-escalation-plan",
      withInput(
        escalationPlan,
        ["stages", 0, "targets", 0, "contactTargetInfo", "isEssential"],
        false,
      ),
    ),
    expected: [
      mandatory(
        ES,
        "escalation-escalation-plan",
        "stage 1 of the plan of escalation contact ie-prod-escalation has no essential target: set " +
          "contactTargetInfo.isEssential: true on at least one first-stage contact so that their acknowledgement stops the escalation",
      ),
    ],
  },
  {
    title: "an escalation plan without stages",
    resources: replace("escalation-escalation-plan", withInput(escalationPlan, ["stages"], [])),
    expected: [
      mandatory(
        ES,
        "escalation-escalation-plan",
        "the plan of escalation contact ie-prod-escalation has no stages: it engages nobody",
      ),
    ],
  },
  {
    title: "an escalation contact without a plan",
    resources: replace("escalation-escalation-plan", null),
    expected: [
      mandatory(
        ES,
        "escalation-escalation",
        "escalation contact ie-prod-escalation has no plan: add an aws:ssmcontacts/plan:Plan whose contactId is its ARN",
      ),
    ],
  },
];

describe("policy pack: stack policies", () => {
  it("passes the compliant stack", async () => {
    await expectStack(STACK, [], CRITICAL_PAGES);
    assert.deepEqual(evaluateResourcePolicies(STACK, CRITICAL_PAGES), []);
  });

  for (const c of STACK_CASES) {
    it(`${c.expected.length ? "flags" : "accepts"} ${c.title}`, async () => {
      await expectStack(c.resources, c.expected, c.config);
    });
  }

  // The examples of the EventBridge user guide, evaluated by the pack's matcher: "Arrays in
  // event patterns" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html)
  // and prefix matching in "Content filtering in event patterns"
  // (https://docs.aws.amazon.com/eventbridge/latest/userguide/content-filtering-with-event-patterns.html).
  it("evaluates the EventBridge user guide's examples as documented (arrays intersect; prefix)", () => {
    const arrays = {
      resources: [
        "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
        "arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f",
        "arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f",
      ],
    };
    const table: [unknown, unknown, boolean][] = [
      [
        arrays,
        {
          resources: [
            "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate",
            "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
          ],
        },
        true,
      ],
      [
        arrays,
        {
          resources: [
            "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate",
          ],
        },
        false,
      ],
      [{ time: [{ prefix: "2017-10-02" }] }, { time: "2017-10-02T18:43:48Z" }, true],
      [{ time: [{ prefix: "2017-10-02" }] }, { time: "2017-10-03T18:43:48Z" }, false],
      // prefix applies to each string of an event array (resources)
      [
        { resources: [{ prefix: "arn:aws:ec2:us-east-1:123456789012:" }] },
        { resources: ["arn:aws:s3:::b", "arn:aws:ec2:us-east-1:123456789012:instance/i-1"] },
        true,
      ],
      // a field the pattern names must be in the event
      [{ account: ["123456789012"] }, { region: "us-east-1" }, false],
      [{ detail: { state: ["ALARM"] } }, { detail: { state: "ALARM" } }, true],
      [{ detail: { state: ["ALARM"] } }, { detail: "ALARM" }, false],
    ];
    for (const [p, e, expected] of table) {
      assert.equal(
        eventMatchesPattern(p, e),
        expected,
        `${JSON.stringify(p)} ${JSON.stringify(e)}`,
      );
    }
  });

  it("matches the rules levelRouting writes: account, region and alarm ARN prefix; external alarms by exact ARN; stacks prod and prod-critical apart", () => {
    const arn = (name: string, account = "123456789012", region = "ap-northeast-1") =>
      `arn:aws:cloudwatch:${region}:${account}:alarm:${name}`;
    const level = (prefix: string, lvl: string, external: string[] = []) =>
      levelEventPattern(prefix, lvl, external, {
        account: "123456789012",
        region: "ap-northeast-1",
      });
    // Default prefixes (components/builders.ts): stack prod → ie-prod, prod-critical → ie-prod_critical.
    assert.equal(defaultPrefix("prod"), "ie-prod");
    assert.equal(defaultPrefix("prod-critical"), "ie-prod_critical");
    const prodCritical = level(defaultPrefix("prod"), "critical", ["legacy-db-cpu"]);
    const otherWarning = level(defaultPrefix("prod-critical"), "warning");
    const table: [string, string, boolean][] = [
      [prodCritical, "ie-prod-critical-api-5xx", true],
      [prodCritical, "legacy-db-cpu", true],
      [prodCritical, "legacy-db-cpu-2", false],
      [prodCritical, "ie-prod-warning-api-5xx", false],
      // the other stack's alarms: neither rule matches the other's
      [prodCritical, "ie-prod_critical-warning-api-5xx", false],
      [otherWarning, "ie-prod_critical-warning-api-5xx", true],
      [otherWarning, "ie-prod-critical-api-5xx", false],
      [otherWarning, "ie-prod-warning-api-5xx", false],
    ];
    for (const [p, alarmName, expected] of table) {
      assert.equal(eventPatternMatchesAlarm(p, alarmName), expected, `${p} ${alarmName}`);
    }
    // The old layout (hyphen in the stack part) would have overlapped, which is why it changed:
    assert.equal(
      eventPatternMatchesAlarm(level("ie-prod", "critical"), "ie-prod-critical-warning-api-5xx"),
      true,
    );
    // The same alarm name in another account or region is another event: EventBridge semantics.
    const event = (account: string, region: string, name: string) => ({
      source: "aws.cloudwatch",
      "detail-type": "CloudWatch Alarm State Change",
      account,
      region,
      resources: [arn(name, account, region)],
      detail: { alarmName: name },
    });
    const p = JSON.parse(prodCritical) as unknown;
    assert.equal(
      eventMatchesPattern(p, event("123456789012", "ap-northeast-1", "ie-prod-critical-x")),
      true,
    );
    assert.equal(
      eventMatchesPattern(p, event("111122223333", "ap-northeast-1", "ie-prod-critical-x")),
      false,
    );
    assert.equal(
      eventMatchesPattern(p, event("123456789012", "us-east-1", "ie-prod-critical-x")),
      false,
    );
    assert.equal(
      eventMatchesPattern(p, event("111122223333", "ap-northeast-1", "legacy-db-cpu")),
      false,
    );
    // forwarded with this account in the envelope but another account's alarm ARN
    assert.equal(
      eventMatchesPattern(p, {
        ...event("123456789012", "ap-northeast-1", "ie-prod-critical-x"),
        resources: [arn("ie-prod-critical-x", "111122223333")],
      }),
      false,
    );
    // a rule whose ARNs name another account than its account field matches nothing
    assert.equal(
      eventPatternMatchesAlarm(
        { account: ["111122223333"], resources: [{ prefix: arn("ie-prod-critical-") }] },
        "ie-prod-critical-x",
      ),
      false,
    );
  });

  it("matches EventBridge alarmName patterns: exact names, prefix, suffix", () => {
    const pattern = (alarmName?: unknown[]) =>
      JSON.stringify({
        source: ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        ...(alarmName ? { detail: { alarmName } } : {}),
      });
    const table: [unknown, string, boolean][] = [
      [pattern([{ prefix: "ie-prod-critical-" }]), "ie-prod-critical-api-5xx", true],
      [pattern([{ prefix: "ie-prod-critical-" }]), "ie-prod-warning-api-5xx", false],
      [pattern(["ie-prod-critical-api-5xx"]), "ie-prod-critical-api-5xx", true],
      [pattern(["ie-prod-critical-api"]), "ie-prod-critical-api-5xx", false],
      [pattern(["a", { prefix: "ie-prod-" }]), "ie-prod-x", true],
      [pattern([{ suffix: "-5xx" }]), "ie-prod-critical-api-5xx", true],
      [pattern([{ "anything-but": "x" }]), "ie-prod-critical-api-5xx", false],
      [pattern(), "anything", true],
      [JSON.stringify({ source: ["aws.ec2"] }), "ie-prod-critical-api-5xx", false],
      [
        JSON.stringify({ "detail-type": ["EC2 Instance State-change Notification"] }),
        "ie-prod-critical-api-5xx",
        false,
      ],
      [{ source: ["aws.cloudwatch"], detail: { alarmName: ["x"] } }, "x", true],
      ["{not json", "x", false],
    ];
    for (const [p, alarmName, expected] of table) {
      assert.equal(
        eventPatternMatchesAlarm(p, alarmName),
        expected,
        `${JSON.stringify(p)} ${alarmName}`,
      );
    }
  });

  it("applies enforcement-level overrides and rejects malformed settings", async () => {
    const emailOnly = STACK.filter(
      (r) => !["escalation-sato-sms", "escalation-sato-voice"].includes(r.name),
    );
    const message = `contact ie-prod-sato has contact channels of one type only (EMAIL): add SMS or VOICE ${REACH}`;
    await expectStack(emailOnly, [mandatory(T, "escalation-sato", message)], { [T]: "mandatory" });
    await expectStack(emailOnly, [mandatory(T, "escalation-sato", message)], {
      [T]: { enforcementLevel: "remediate" },
    });
    await expectStack(emailOnly, [], { [T]: "disabled" });
    assert.deepEqual(
      evaluateResourcePolicies([withInput(queue, ["sqsManagedSseEnabled"], false)], {
        [C]: "disabled",
      }),
      [],
    );
    assert.throws(
      () => evaluateStackPolicies(STACK, { [RT]: { pagingLevels: "critical" } }),
      /^Error: policy every-alarm-routed: config pagingLevels must be a list of level names$/,
    );
    assert.throws(
      () => evaluateStackPolicies(STACK, { [V]: { allowVoiceInFirstStage: "yes" } }),
      /^Error: policy no-voice-first: config allowVoiceInFirstStage must be true or false$/,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The pack and the example stacks
// ---------------------------------------------------------------------------------------------

const PACK: [string, "mandatory" | "advisory", "resource" | "stack", string[]][] = [
  ["ssm-stage-duration", "mandatory", "resource", []],
  ["e164-phone-channels", "mandatory", "resource", []],
  ["paging-plan-engages-and-chats", "mandatory", "resource", []],
  ["lambda-runtime-supported", "mandatory", "resource", []],
  ["iam-no-wildcard-actions", "mandatory", "resource", []],
  ["encrypted-queues-topics", "mandatory", "resource", []],
  ["replication-set-protected", "mandatory", "resource", []],
  ["alarm-has-alarm-and-ok-actions", "mandatory", "resource", []],
  ["no-voice-first", "advisory", "stack", ["allowVoiceInFirstStage"]],
  ["two-channel-types", "advisory", "stack", []],
  ["lambda-failure-destination", "mandatory", "stack", []],
  ["every-alarm-routed", "mandatory", "stack", ["pagingLevels"]],
  ["paging-level-has-plan", "mandatory", "stack", ["pagingLevels"]],
  ["escalation-first-stage-essential", "mandatory", "stack", []],
];

describe("policy pack: the policies array", () => {
  it("has the expected policies, enforcement levels, kinds and config schemas", () => {
    assert.deepEqual(
      policies.map((p) => [
        p.name,
        p.enforcementLevel,
        "validateStack" in p ? "stack" : "resource",
        Object.keys(p.configSchema?.properties ?? {}),
      ]),
      PACK,
    );
    for (const p of policies) {
      assert.ok(p.description.length > 20, p.name);
      // What the PolicyPack constructor rejects (it exits the process instead of throwing).
      assert.notEqual(p.name, "all");
      assert.ok(!("enforcementLevel" in (p.configSchema?.properties ?? {})), p.name);
    }
  });
});

describe("policy pack: the example stacks", () => {
  const dev = [
    advisory(
      T,
      "escalation-sato",
      `contact ie-dev-sato has contact channels of one type only (EMAIL): add SMS or VOICE ${REACH}`,
    ),
    advisory(
      T,
      "escalation-suzuki",
      `contact ie-dev-suzuki has contact channels of one type only (EMAIL): add SMS or VOICE ${REACH}`,
    ),
  ];

  it("prod: three contacts with e-mail, SMS and voice, voice only in stage 2: no violation", async () => {
    const { resources } = await runProgram("prod");
    const personal = resources.filter(
      (r) => r.type === TYPES.contact && r.inputs.type === "PERSONAL",
    );
    assert.deepEqual(
      personal.map((r) => r.inputs.alias),
      ["ie-prod-sato", "ie-prod-suzuki", "ie-prod-tanaka"],
    );
    for (const c of personal) {
      const kinds = resources
        .filter((r) => r.type === TYPES.contactChannel && r.inputs.contactId === c.id)
        .map((r) => r.inputs.type);
      assert.deepEqual(kinds, ["EMAIL", "SMS", "VOICE"]);
    }
    assert.deepEqual(evaluatePolicies(resources), []);
    assert.deepEqual(evaluatePolicies(resources, CRITICAL_PAGES), []);
    assert.deepEqual(await viaPackStack(resources, CRITICAL_PAGES), []);
    assert.deepEqual(
      evaluatePolicies(resources, packConfig({ pagingLevels: ["critical", "warning"] })),
      [
        mandatory(
          P,
          null,
          "level warning pages but no response plan is named *-warning: add one that engages the escalation plan",
        ),
      ],
    );
  });

  it("prod with sato's stages swapped (voice first): the advisory names the plan", async () => {
    const { resources } = await runProgram("prod");
    const swapped = resources.map((r) => {
      if (r.name !== "escalation-sato-plan") return r;
      const stages = r.inputs.stages as unknown[];
      return { ...r, inputs: { ...r.inputs, stages: [stages[1], stages[0]] } };
    });
    assert.deepEqual(evaluatePolicies(swapped), [
      advisory(
        V,
        "escalation-sato-plan",
        "contact ie-prod-sato is phoned in stage 1 of its engagement plan (channel ie-prod-sato-voice): " +
          "start with e-mail or SMS and call in a later stage, or set allowVoiceInFirstStage",
      ),
    ]);
  });

  it("dev: e-mail-only contacts get the two-channel-types advisory, nothing else", async () => {
    const { resources } = await runProgram("dev");
    assert.deepEqual(evaluatePolicies(resources), dev);
    assert.deepEqual(evaluatePolicies(resources, CRITICAL_PAGES), dev);
    assert.deepEqual(await viaPackStack(resources, CRITICAL_PAGES), dev);
    assert.deepEqual(
      evaluatePolicies(resources, packConfig({ pagingLevels: ["critical", "warning"] })),
      [
        ...dev,
        mandatory(
          RT,
          "escalation-warning-api-5xx",
          "alarm ie-dev-warning-api-5xx at level warning has no rule: it can never page",
        ),
        mandatory(
          P,
          null,
          "level warning pages but no response plan is named *-warning: add one that engages the escalation plan",
        ),
      ],
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The pack in Pulumi's policy-pack launcher, over the analyzer gRPC protocol
// ---------------------------------------------------------------------------------------------

const LEVELS: Record<number, string> = {
  [apb.EnforcementLevel.ADVISORY]: "advisory",
  [apb.EnforcementLevel.MANDATORY]: "mandatory",
};

function rpc<Res>(
  start: (callback: (err: grpc.ServiceError | null, res: Res) => void) => unknown,
): Promise<Res> {
  return new Promise((resolve, reject) => start((err, res) => (err ? reject(err) : resolve(res))));
}

/** Engine-side properties: JSON data only (assets such as Lambda `code` are left out). */
function wire(props: Record<string, unknown>): Struct {
  const rest = { ...props };
  delete rest.code;
  return Struct.fromJavaScript(JSON.parse(JSON.stringify(rest)) as Record<string, never>);
}

describe("policy pack: in the policy-pack launcher (gRPC)", function () {
  this.timeout(60000);
  let child: ChildProcess | undefined;
  let client: AnalyzerClient;
  const description = new Map(policies.map((p) => [p.name, p.description]));

  before(async () => {
    const launcher = require.resolve("@pulumi/pulumi/cmd/run-policy-pack");
    // As the Pulumi CLI starts it: `<launcher> <engine-address> <pack dir>`, cwd = the pack dir.
    const proc = spawn(process.execPath, [launcher, "127.0.0.1:0", "."], {
      cwd: path.join(REPO, "policy"),
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    let stderr = "";
    proc.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const port = await new Promise<string>((resolve, reject) => {
      proc.stdout?.once("data", (d: Buffer) => resolve(d.toString().trim()));
      proc.once("exit", (code) => reject(new Error(`policy pack exited with ${code}: ${stderr}`)));
    });
    assert.match(port, /^\d+$/);
    client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });

  after(() => {
    client?.close();
    child?.kill();
  });

  async function analyze(r: PolicyInput, props: Record<string, unknown> = r.inputs) {
    const req = new apb.AnalyzeRequest();
    req.setType(r.type);
    req.setName(r.name);
    req.setUrn(urnOf(r));
    req.setOptions(new apb.AnalyzerResourceOptions());
    req.setProperties(wire(props));
    const res = await rpc<apb.AnalyzeResponse>((cb) => client.analyze(req, cb));
    return res.getDiagnosticsList().map((d) => ({
      policy: d.getPolicyname(),
      enforcementLevel: LEVELS[d.getEnforcementlevel()],
      resource: r.name,
      message: d.getMessage(),
    }));
  }

  async function analyzeStack(resources: readonly PolicyInput[]) {
    const byUrn = new Map(resources.map((r) => [urnOf(r), r.name]));
    const req = new apb.AnalyzeStackRequest();
    req.setResourcesList(
      resources.map((r) => {
        const ar = new apb.AnalyzerResource();
        ar.setType(r.type);
        ar.setName(r.name);
        ar.setUrn(urnOf(r));
        ar.setOptions(new apb.AnalyzerResourceOptions());
        ar.setProperties(wire(engineProps(r)));
        return ar;
      }),
    );
    const res = await rpc<apb.AnalyzeResponse>((cb) => client.analyzeStack(req, cb));
    return res.getDiagnosticsList().map((d) => ({
      policy: d.getPolicyname(),
      enforcementLevel: LEVELS[d.getEnforcementlevel()],
      resource: d.getUrn() ? (byUrn.get(d.getUrn()) ?? d.getUrn()) : null,
      message: d.getMessage(),
    }));
  }

  /** The engine prefixes each message with the policy's description. */
  const asEngine = (vs: Violation[]) =>
    vs.map((v) => ({ ...v, message: `${description.get(v.policy)}\n${v.message}` }));

  it("boots policy/index.ts and describes the pack", async () => {
    const info = await rpc<apb.AnalyzerInfo>((cb) => client.getAnalyzerInfo(new Empty(), cb));
    assert.equal(info.getName(), "incident-escalation");
    assert.equal(info.getVersion(), "0.1.0");
    assert.deepEqual(
      info
        .getPoliciesList()
        .map((p) => [
          p.getName(),
          LEVELS[p.getEnforcementlevel()],
          p.getPolicyType() === apb.PolicyType.POLICY_TYPE_STACK ? "stack" : "resource",
          Object.keys(p.getConfigschema()?.getProperties()?.toJavaScript() ?? {}),
        ]),
      PACK,
    );
  });

  it("reports the resource cases exactly as evaluateResourcePolicies does", async () => {
    const happy = HAPPY.map((resource) => ({ title: resource.name, resource, expected: [] }));
    for (const c of [...RESOURCE_CASES.filter((x) => !x.pureOnly), ...happy]) {
      const got = await analyze(c.resource).catch((err: unknown) => {
        throw new Error(`${c.title}: ${String(err)}`);
      });
      assert.deepEqual(got, asEngine(c.expected), c.title);
    }
  });

  it("does not flag unknown values, and checks secrets without showing them", async () => {
    const sentinels = policyProxy as unknown as Record<string, string>;
    assert.deepEqual(
      await analyze(smsChannel, {
        ...smsChannel.inputs,
        deliveryAddress: { simpleAddress: sentinels.unknownStringValue },
      }),
      [],
    );
    assert.deepEqual(
      await analyze(responsePlan, {
        ...responsePlan.inputs,
        engagements: sentinels.unknownArrayValue,
      }),
      [],
    );
    assert.deepEqual(
      await analyze(smsChannel, {
        ...smsChannel.inputs,
        deliveryAddress: SECRET({ simpleAddress: UNKNOWN }),
      }),
      [],
    );
    assert.deepEqual(
      await analyze(smsChannel, {
        ...smsChannel.inputs,
        deliveryAddress: SECRET({ simpleAddress: "090-1234" }),
      }),
      asEngine([mandatory(E, "escalation-sato-sms", E164_SMS)]),
    );
  });

  it("analyses the example stacks and a violating stack as evaluateStackPolicies does", async () => {
    const prod = (await runProgram("prod")).resources;
    const dev = (await runProgram("dev")).resources;
    assert.deepEqual(await analyzeStack(prod), []);
    assert.deepEqual(await analyzeStack(dev), asEngine(evaluateStackPolicies(dev)));
    assert.equal((await analyzeStack(dev)).length, 2);
    const broken = replace(
      "escalation-router-invoke",
      null,
      replace("escalation-sato-plan", voiceFirstPlan),
    );
    assert.deepEqual(await analyzeStack(broken), asEngine(evaluateStackPolicies(broken)));
    assert.deepEqual(
      evaluateStackPolicies(broken).map((v) => v.policy),
      [V, F],
    );
  });

  it("takes policy configuration from the engine", async () => {
    const req = new apb.ConfigureAnalyzerRequest();
    const paging = new apb.PolicyConfig();
    paging.setEnforcementlevel(apb.EnforcementLevel.MANDATORY);
    paging.setProperties(Struct.fromJavaScript({ pagingLevels: ["critical", "warning"] }));
    req.getPolicyconfigMap().set(RT, paging);
    req.getPolicyconfigMap().set(P, paging);
    await rpc<Empty>((cb) => client.configure(req, cb));
    const dev = (await runProgram("dev")).resources;
    const config = packConfig({ pagingLevels: ["critical", "warning"] });
    assert.deepEqual(await analyzeStack(dev), asEngine(evaluateStackPolicies(dev, config)));
    assert.equal(evaluateStackPolicies(dev, config).length, 4);
  });
});
