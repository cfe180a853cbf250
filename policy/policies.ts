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
 * Only `import type` from `@pulumi/policy` here: loading this module does not load the policy
 * engine's gRPC server.
 */
import type {
  EnforcementLevel,
  Policies,
  PolicyConfigSchema,
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

/** A resource as the policies see it: the program's inputs (or, in a stack policy, outputs). */
export interface PolicyInput {
  /** Pulumi type token, e.g. `aws:ssmcontacts/plan:Plan`. */
  readonly type: string;
  /** Logical name. */
  readonly name: string;
  /** Input properties. */
  readonly inputs: Record<string, unknown>;
  /** Physical id or ARN, when known (references between resources are matched on it). */
  readonly id?: string;
  /** URN, when known (the policy-engine path reports stack violations against it). */
  readonly urn?: string;
}

/** A policy violation, as `evaluate*` report it. */
export interface Violation {
  /** Policy name, e.g. `ssm-stage-duration`. */
  readonly policy: string;
  /** The effective enforcement level (after configuration). */
  readonly enforcementLevel: "mandatory" | "advisory";
  /** Logical name of the offending resource, or null when the stack as a whole is at fault. */
  readonly resource: string | null;
  /** What is wrong and what to do, in a sentence; never contains personal data. */
  readonly message: string;
}

/**
 * Policy pack configuration in Pulumi's format (the JSON given to `--policy-pack-config`): per
 * policy, either an enforcement level or an object with an optional `enforcementLevel` and the
 * policy's own settings.
 */
export type PackConfig = Readonly<
  Record<
    string,
    EnforcementLevel | ({ readonly enforcementLevel?: EnforcementLevel } & Record<string, unknown>)
  >
>;

/** Policy names. */
export const POLICY_NAMES = {
  stageDuration: "ssm-stage-duration",
  e164: "e164-phone-channels",
  responsePlan: "paging-plan-engages-and-chats",
  noVoiceFirst: "no-voice-first",
  twoChannelTypes: "two-channel-types",
  lambdaRuntime: "lambda-runtime-supported",
  lambdaFailure: "lambda-failure-destination",
  iamWildcards: "iam-no-wildcard-actions",
  encryption: "encrypted-queues-topics",
  replicationSet: "replication-set-protected",
  alarmActions: "alarm-has-alarm-and-ok-actions",
  alarmRouted: "every-alarm-routed",
  levelPlan: "paging-level-has-plan",
  escalationEssential: "escalation-first-stage-essential",
} as const;

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

// ---------------------------------------------------------------------------------------------
// Type tokens
// ---------------------------------------------------------------------------------------------

export const TYPES = {
  contact: "aws:ssmcontacts/contact:Contact",
  contactChannel: "aws:ssmcontacts/contactChannel:ContactChannel",
  plan: "aws:ssmcontacts/plan:Plan",
  responsePlan: "aws:ssmincidents/responsePlan:ResponsePlan",
  lambdaFunction: "aws:lambda/function:Function",
  invokeConfig: "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  iamPolicy: "aws:iam/policy:Policy",
  role: "aws:iam/role:Role",
  queue: "aws:sqs/queue:Queue",
  topic: "aws:sns/topic:Topic",
  nativeReplicationSet: "aws-native:ssmincidents:ReplicationSet",
  classicReplicationSet: "aws:ssmincidents/replicationSet:ReplicationSet",
  metricAlarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  eventRule: "aws:cloudwatch/eventRule:EventRule",
} as const;

// ---------------------------------------------------------------------------------------------
// Plain-data helpers
// ---------------------------------------------------------------------------------------------

/**
 * Pulumi's sentinels for values unknown during a preview (string, boolean, number, array, asset,
 * archive, object). The engine sends them in place of the value; the mock engine uses the string
 * one.
 */
const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set([
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
  "030794c1-ac77-496b-92df-f27374a8bd58",
  "e48ece36-62e2-4504-bad9-02848725956a",
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
]);

/** The value `plainData` puts where a value is unknown. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Whether a value is unknown (during a preview). */
export function isUnknown(v: unknown): boolean {
  return typeof v === "string" && UNKNOWN_SENTINELS.has(v);
}

const SECRET_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/**
 * Copies resource properties into plain data: unwraps serialized secrets (a secret without a
 * readable value becomes UNKNOWN) and reads through the policy engine's unknown-checking proxy,
 * turning a property whose access throws (the engine's "can't be known during preview") into
 * UNKNOWN. Class instances (assets, archives) are kept as they are.
 */
export function plainData(v: unknown): unknown {
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) out.push(plainData(read(v, i)));
    return out;
  }
  if (typeof v !== "object" || v === null) return v;
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return v;
  const obj = v as Record<string, unknown>;
  if (read(obj, SECRET_KEY) === SECRET_SIG) {
    return Object.keys(obj).includes("value") ? plainData(read(obj, "value")) : UNKNOWN;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj)) out[key] = plainData(read(obj, key));
  return out;
}

function read(container: object, key: string | number): unknown {
  try {
    return (container as Record<string | number, unknown>)[key];
  } catch {
    // The policy engine's proxy throws UnknownValueError for a value unknown during preview.
    return UNKNOWN;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A known string, or undefined. */
function str(v: unknown): string | undefined {
  return typeof v === "string" && !isUnknown(v) ? v : undefined;
}

/** The resource's name as users see it in AWS (`name`/`alias` input), else its logical name. */
function label(r: PolicyInput): string {
  return str(r.inputs.name) ?? str(r.inputs.alias) ?? r.name;
}

/** The resource's ARN: its id (contacts, channels) or its `arn` property (engine outputs). */
function arnOf(r: PolicyInput): string | undefined {
  return str(r.id) ?? str(r.inputs.arn);
}

/** `true` if a non-empty list, `false` if missing or empty, `"unknown"` if it cannot be known. */
function nonEmpty(v: unknown): boolean | "unknown" {
  if (isUnknown(v)) return "unknown";
  return Array.isArray(v) && v.length > 0;
}

/** The last path segment of a contact ARN (`…:contact/ie-prod-sato` → `ie-prod-sato`). */
function contactAlias(arn: unknown): string | undefined {
  const s = str(arn);
  const m = s === undefined ? null : /:contact\/([^/]+)$/.exec(s);
  return m ? m[1] : undefined;
}

function ofType(resources: readonly PolicyInput[], type: string): PolicyInput[] {
  return resources.filter((r) => r.type === type);
}

function stringList(value: unknown, policy: string, key: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((x) => typeof x === "string")) {
    throw new Error(`policy ${policy}: config ${key} must be a list of level names`);
  }
  return value as string[];
}

function bool(value: unknown, policy: string, key: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean")
    throw new Error(`policy ${policy}: config ${key} must be true or false`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// Rules (the pure core)
// ---------------------------------------------------------------------------------------------

type Level = "mandatory" | "advisory";

interface RuleBase {
  readonly name: string;
  readonly description: string;
  readonly enforcementLevel: Level;
  readonly configSchema?: PolicyConfigSchema;
}

/** A resource policy: messages for one resource of one of `types`. */
export interface ResourceRule extends RuleBase {
  readonly types: readonly string[];
  check(resource: PolicyInput, config: Record<string, unknown>): string[];
}

/** A finding of a stack policy: the offending resource (or null) and the message. */
export interface Finding {
  readonly resource: PolicyInput | null;
  readonly message: string;
}

/** A stack policy: findings over all resources of the stack. */
export interface StackRule extends RuleBase {
  check(resources: readonly PolicyInput[], config: Record<string, unknown>): Finding[];
}

// 1. ssm-stage-duration ------------------------------------------------------------------------

/** Stages of an engagement/escalation plan last 0–30 whole minutes; 0 only with a target. */
export function checkStageDurations(plan: PolicyInput): string[] {
  const stages = plan.inputs.stages;
  if (!Array.isArray(stages)) return [];
  const owner = contactAlias(plan.inputs.contactId) ?? plan.name;
  const out: string[] = [];
  stages.forEach((stage, i) => {
    if (!isRecord(stage)) return;
    const d = stage.durationInMinutes;
    if (isUnknown(d)) return;
    const where = `stage ${i + 1} of the plan of contact ${owner}`;
    if (typeof d !== "number") {
      out.push(
        `${where} has no durationInMinutes: a stage lasts a whole number of minutes from 0 to 30`,
      );
    } else if (!Number.isInteger(d) || d < 0 || d > 30) {
      out.push(`${where} lasts ${d} minutes: a stage lasts a whole number of minutes from 0 to 30`);
    } else if (d === 0 && nonEmpty(stage.targets) === false) {
      out.push(
        `${where} lasts 0 minutes but has no target: a 0-minute stage needs at least one target`,
      );
    }
  });
  return out;
}

const stageDuration: ResourceRule = {
  name: POLICY_NAMES.stageDuration,
  description:
    "Stages of Incident Manager engagement and escalation plans last 0–30 minutes, and a 0-minute stage has a target.",
  enforcementLevel: "mandatory",
  types: [TYPES.plan],
  check: (r) => checkStageDurations(r),
};

// 2. e164-phone-channels -----------------------------------------------------------------------

const E164 = /^\+[1-9]\d{6,14}$/;

/** SMS and VOICE channels have an E.164 delivery address. The message never shows the address. */
export function checkPhoneChannel(channel: PolicyInput): string[] {
  const type = channel.inputs.type;
  if (type !== "SMS" && type !== "VOICE") return [];
  const address = channel.inputs.deliveryAddress;
  if (isUnknown(address)) return [];
  const simple = isRecord(address) ? address.simpleAddress : undefined;
  if (isUnknown(simple)) return [];
  if (typeof simple === "string" && E164.test(simple)) return [];
  return [
    `contact channel ${label(channel)} (${type}): the delivery address is not an E.164 phone number ` +
      `(+ and 7–15 digits, the first not 0, no spaces); the address is not shown because it is personal data`,
  ];
}

const e164: ResourceRule = {
  name: POLICY_NAMES.e164,
  description: "SMS and voice contact channels have an E.164 phone number (+<country><number>).",
  enforcementLevel: "mandatory",
  types: [TYPES.contactChannel],
  check: (r) => checkPhoneChannel(r),
};

// 3. paging-plan-engages-and-chats -------------------------------------------------------------

/** A response plan engages at least one contact and has at least one chat channel. */
export function checkResponsePlan(plan: PolicyInput): string[] {
  const out: string[] = [];
  if (nonEmpty(plan.inputs.engagements) === false) {
    out.push(
      `response plan ${label(plan)} engages nobody: add at least one contact or escalation plan to engagements`,
    );
  }
  if (nonEmpty(plan.inputs.chatChannels) === false) {
    out.push(
      `response plan ${label(plan)} has no chat channel: add the alerts SNS topic to chatChannels so responders see the incident in chat`,
    );
  }
  return out;
}

const responsePlan: ResourceRule = {
  name: POLICY_NAMES.responsePlan,
  description:
    "Incident Manager response plans engage at least one contact and have a chat channel.",
  enforcementLevel: "mandatory",
  types: [TYPES.responsePlan],
  check: (r) => checkResponsePlan(r),
};

// 6. lambda-runtime-supported ------------------------------------------------------------------

/**
 * Deprecation dates of the Node.js runtimes Lambda still supports ("Supported runtimes" table of
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html: nodejs22.x 2027-04-30,
 * nodejs24.x 2028-04-30). Every older Node.js runtime is already deprecated there.
 */
export const NODE_RUNTIME_DEPRECATION: Readonly<Record<string, string>> = {
  "nodejs22.x": "2027-04-30",
  "nodejs24.x": "2028-04-30",
};
/** The runtime this pack recommends (the one the pipeline's functions use). */
export const RECOMMENDED_NODE_RUNTIME = "nodejs24.x";

/**
 * Whether a Node.js runtime is deprecated on `today`: `nodejs`, `nodejs4.3` … `nodejs20.x` always;
 * nodejs22.x/24.x from their deprecation date on; a newer major not in the table is not judged
 * deprecated. Other languages are not judged.
 */
export function isDeprecatedNodeRuntime(runtime: string, today: Date = new Date()): boolean {
  const m = /^nodejs(\d+)?/.exec(runtime);
  if (m === null) return false;
  if (m[1] === undefined || Number(m[1]) <= 20) return true;
  const date = NODE_RUNTIME_DEPRECATION[`nodejs${m[1]}.x`];
  return date !== undefined && today.toISOString().slice(0, 10) >= date;
}

/** Lambda functions run a supported Node.js runtime and log in JSON. */
export function checkLambdaRuntime(fn: PolicyInput, today: Date = new Date()): string[] {
  const out: string[] = [];
  const runtime = str(fn.inputs.runtime);
  if (runtime !== undefined && isDeprecatedNodeRuntime(runtime, today)) {
    const since = NODE_RUNTIME_DEPRECATION[runtime];
    out.push(
      `Lambda function ${label(fn)} uses runtime ${runtime}, which is deprecated` +
        (since ? ` since ${since}` : "") +
        `: use ${RECOMMENDED_NODE_RUNTIME}`,
    );
  }
  const logging = fn.inputs.loggingConfig;
  const format = isRecord(logging) ? logging.logFormat : undefined;
  if (!isUnknown(logging) && !isUnknown(format) && format !== "JSON") {
    const now =
      typeof format === "string"
        ? `loggingConfig.logFormat is "${format}"`
        : "loggingConfig.logFormat is not set";
    out.push(
      `Lambda function ${label(fn)} does not log in JSON (${now}): set loggingConfig.logFormat to "JSON"`,
    );
  }
  return out;
}

const lambdaRuntime: ResourceRule = {
  name: POLICY_NAMES.lambdaRuntime,
  description:
    "Lambda functions use a Node.js runtime Lambda has not deprecated (nodejs22.x until 2027-04-30, nodejs24.x until 2028-04-30) and JSON logging.",
  enforcementLevel: "mandatory",
  types: [TYPES.lambdaFunction],
  check: (r) => checkLambdaRuntime(r),
};

// 8. iam-no-wildcard-actions -------------------------------------------------------------------

/** Messages for the Allow statements of one policy document whose Action contains `*`. */
export function wildcardActions(document: unknown, what: string): string[] {
  let doc = document;
  if (isUnknown(doc)) return [];
  if (typeof doc === "string") {
    try {
      doc = JSON.parse(doc) as unknown;
    } catch {
      return []; // not JSON: AWS rejects it; nothing to say about actions
    }
  }
  if (!isRecord(doc)) return [];
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  const out: string[] = [];
  statements.forEach((st, i) => {
    if (!isRecord(st) || st.Effect !== "Allow") return;
    const actions = Array.isArray(st.Action) ? st.Action : [st.Action];
    const named = str(st.Sid);
    const sid = named !== undefined ? `"${named}"` : `#${i + 1} (no Sid)`;
    for (const action of actions) {
      if (typeof action === "string" && !isUnknown(action) && action.includes("*")) {
        out.push(
          `${what}: statement ${sid} allows action "${action}": name the actions instead of using a wildcard`,
        );
      }
    }
  });
  return out;
}

/** IAM role policies, managed policies and role inline policies allow no wildcard actions. */
export function checkIamWildcards(r: PolicyInput): string[] {
  switch (r.type) {
    case TYPES.rolePolicy:
      return wildcardActions(r.inputs.policy, `IAM role policy ${label(r)}`);
    case TYPES.iamPolicy:
      return wildcardActions(r.inputs.policy, `IAM policy ${label(r)}`);
    case TYPES.role: {
      const inline = r.inputs.inlinePolicies;
      if (!Array.isArray(inline)) return [];
      return inline.flatMap((p, i) =>
        isRecord(p)
          ? wildcardActions(
              p.policy,
              `IAM role ${label(r)} inline policy ${str(p.name) ?? `#${i + 1}`}`,
            )
          : [],
      );
    }
    default:
      return [];
  }
}

const iamWildcards: ResourceRule = {
  name: POLICY_NAMES.iamWildcards,
  description:
    "IAM policies allow named actions only: no Action containing '*' in an Allow statement.",
  enforcementLevel: "mandatory",
  types: [TYPES.rolePolicy, TYPES.iamPolicy, TYPES.role],
  check: (r) => checkIamWildcards(r),
};

// 9. encrypted-queues-topics -------------------------------------------------------------------

function isSet(v: unknown): boolean {
  return isUnknown(v) || (typeof v === "string" && v !== "");
}

/** SQS queues use SSE-SQS or a KMS key; SNS topics use a KMS key. */
export function checkEncryption(r: PolicyInput): string[] {
  if (r.type === TYPES.queue) {
    const sse = r.inputs.sqsManagedSseEnabled;
    if (sse === true || isUnknown(sse) || isSet(r.inputs.kmsMasterKeyId)) return [];
    return [
      `SQS queue ${label(r)} is not encrypted: set sqsManagedSseEnabled: true or kmsMasterKeyId`,
    ];
  }
  if (r.type === TYPES.topic) {
    if (isSet(r.inputs.kmsMasterKeyId)) return [];
    return [`SNS topic ${label(r)} is not encrypted: set kmsMasterKeyId`];
  }
  return [];
}

const encryption: ResourceRule = {
  name: POLICY_NAMES.encryption,
  description: "SQS queues and SNS topics are encrypted at rest.",
  enforcementLevel: "mandatory",
  types: [TYPES.queue, TYPES.topic],
  check: (r) => checkEncryption(r),
};

// 10. replication-set-protected ----------------------------------------------------------------

/** The Incident Manager replication set is deletion-protected (aws-native only can do that). */
export function checkReplicationSet(r: PolicyInput): string[] {
  if (r.type === TYPES.classicReplicationSet) {
    return [
      `replication set ${r.name} is an ${TYPES.classicReplicationSet}, which cannot enable deletion protection: ` +
        `use ${TYPES.nativeReplicationSet} with deletionProtected: true`,
    ];
  }
  const protectedFlag = r.inputs.deletionProtected;
  if (protectedFlag === true || isUnknown(protectedFlag)) return [];
  return [
    `replication set ${r.name} is not deletion-protected: set deletionProtected: true ` +
      `(deleting the replication set deletes all Incident Manager data)`,
  ];
}

const replicationSet: ResourceRule = {
  name: POLICY_NAMES.replicationSet,
  description:
    "The Incident Manager replication set has deletion protection (deleting it deletes all Incident Manager data).",
  enforcementLevel: "mandatory",
  types: [TYPES.nativeReplicationSet, TYPES.classicReplicationSet],
  check: (r) => checkReplicationSet(r),
};

// 11. alarm-has-alarm-and-ok-actions -----------------------------------------------------------

/** CloudWatch alarms notify on ALARM and on OK. */
export function checkAlarmActions(alarm: PolicyInput): string[] {
  const out: string[] = [];
  if (nonEmpty(alarm.inputs.alarmActions) === false) {
    out.push(`alarm ${label(alarm)} has no alarm action: add the alerts topic to alarmActions`);
  }
  if (nonEmpty(alarm.inputs.okActions) === false) {
    out.push(
      `alarm ${label(alarm)} has no OK action: add the alerts topic to okActions so the recovery is announced`,
    );
  }
  return out;
}

const alarmActions: ResourceRule = {
  name: POLICY_NAMES.alarmActions,
  description: "CloudWatch metric alarms have at least one alarm action and one OK action.",
  enforcementLevel: "mandatory",
  types: [TYPES.metricAlarm],
  check: (r) => checkAlarmActions(r),
};

// 4. no-voice-first (stack) --------------------------------------------------------------------

/** Engagement plans of PERSONAL contacts (with the contact's alias). */
function personalPlans(resources: readonly PolicyInput[]): { plan: PolicyInput; alias: string }[] {
  const out: { plan: PolicyInput; alias: string }[] = [];
  for (const contact of ofType(resources, TYPES.contact)) {
    const arn = arnOf(contact);
    if (contact.inputs.type !== "PERSONAL" || arn === undefined) continue;
    for (const plan of ofType(resources, TYPES.plan)) {
      if (str(plan.inputs.contactId) === arn) out.push({ plan, alias: label(contact) });
    }
  }
  return out;
}

/**
 * No VOICE channel in stage 1 of a PERSONAL contact's engagement plan. Plan targets name channels
 * by ARN, so the channel's type is looked up among the stack's ContactChannels; a target whose
 * ARN is unknown (preview) is skipped.
 */
export function checkNoVoiceFirst(
  resources: readonly PolicyInput[],
  allowVoiceInFirstStage = false,
): Finding[] {
  if (allowVoiceInFirstStage) return [];
  const channels = new Map<string, PolicyInput>();
  for (const ch of ofType(resources, TYPES.contactChannel)) {
    const arn = arnOf(ch);
    if (arn !== undefined) channels.set(arn, ch);
  }
  const out: Finding[] = [];
  for (const { plan, alias } of personalPlans(resources)) {
    const stages = plan.inputs.stages;
    const first = Array.isArray(stages) && isRecord(stages[0]) ? stages[0] : undefined;
    const targets = first && Array.isArray(first.targets) ? first.targets : [];
    for (const target of targets) {
      const info = isRecord(target) ? target.channelTargetInfo : undefined;
      const channelArn = isRecord(info) ? str(info.contactChannelId) : undefined;
      const channel = channelArn === undefined ? undefined : channels.get(channelArn);
      if (channel?.inputs.type === "VOICE") {
        out.push({
          resource: plan,
          message:
            `contact ${alias} is phoned in stage 1 of its engagement plan (channel ${label(channel)}): ` +
            `start with e-mail or SMS and call in a later stage, or set allowVoiceInFirstStage`,
        });
      }
    }
  }
  return out;
}

const noVoiceFirst: StackRule = {
  name: POLICY_NAMES.noVoiceFirst,
  description:
    "Personal engagement plans do not phone in stage 1: e-mail or SMS first, a call later (configurable).",
  enforcementLevel: "advisory",
  configSchema: {
    properties: {
      allowVoiceInFirstStage: {
        type: "boolean",
        default: false,
        description: "Allow a VOICE channel in stage 1 of a personal engagement plan.",
      },
    },
  },
  check: (rs, config) =>
    checkNoVoiceFirst(
      rs,
      bool(config.allowVoiceInFirstStage, POLICY_NAMES.noVoiceFirst, "allowVoiceInFirstStage"),
    ),
};

// 5. two-channel-types (stack) -----------------------------------------------------------------

const CHANNEL_TYPES = ["EMAIL", "SMS", "VOICE"] as const;

/** Every PERSONAL contact has contact channels of at least two types. */
export function checkTwoChannelTypes(resources: readonly PolicyInput[]): Finding[] {
  const channels = ofType(resources, TYPES.contactChannel);
  // A channel whose contact or type is unknown might be the missing one: judge no contact then.
  if (channels.some((ch) => isUnknown(ch.inputs.contactId) || isUnknown(ch.inputs.type))) return [];
  const out: Finding[] = [];
  for (const contact of ofType(resources, TYPES.contact)) {
    const arn = arnOf(contact);
    if (contact.inputs.type !== "PERSONAL" || arn === undefined) continue;
    const types = [
      ...new Set(
        channels.filter((ch) => ch.inputs.contactId === arn).map((ch) => String(ch.inputs.type)),
      ),
    ].sort();
    if (types.length >= 2) continue;
    const reach = "so that one undelivered channel does not leave them unreachable";
    const message =
      types.length === 0
        ? `contact ${label(contact)} has no contact channels: give it at least two types (${CHANNEL_TYPES.join(", ")}) ${reach}`
        : `contact ${label(contact)} has contact channels of one type only (${types[0]}): add ` +
          `${CHANNEL_TYPES.filter((t) => t !== types[0]).join(" or ")} ${reach}`;
    out.push({ resource: contact, message });
  }
  return out;
}

const twoChannelTypes: StackRule = {
  name: POLICY_NAMES.twoChannelTypes,
  description:
    "Personal contacts can be reached over at least two channel types (e.g. e-mail and SMS).",
  enforcementLevel: "advisory",
  check: (rs) => checkTwoChannelTypes(rs),
};

// 7. lambda-failure-destination (stack) --------------------------------------------------------

/** The function name a FunctionEventInvokeConfig `functionName` (name, ARN or partial ARN) denotes. */
function invokedFunctionName(functionName: string): string {
  const m = /(?:^|:)function:([^:]+)/.exec(functionName);
  return m ? m[1] : functionName;
}

/** Every Lambda function has an on-failure destination or a dead-letter queue. */
export function checkFailureDestinations(resources: readonly PolicyInput[]): Finding[] {
  const configs = ofType(resources, TYPES.invokeConfig);
  const anyUnknownTarget = configs.some((c) => isUnknown(c.inputs.functionName));
  const withDestination = new Set<string>();
  for (const c of configs) {
    const fn = str(c.inputs.functionName);
    const dc = c.inputs.destinationConfig;
    const onFailure = isRecord(dc) ? dc.onFailure : undefined;
    const dest =
      isUnknown(dc) || isUnknown(onFailure)
        ? UNKNOWN
        : isRecord(onFailure)
          ? onFailure.destination
          : undefined;
    if (fn !== undefined && isSet(dest)) withDestination.add(invokedFunctionName(fn));
  }
  const out: Finding[] = [];
  for (const fn of ofType(resources, TYPES.lambdaFunction)) {
    const dlc = fn.inputs.deadLetterConfig;
    if (isUnknown(dlc) || (isRecord(dlc) && isSet(dlc.targetArn))) continue;
    const arn = arnOf(fn);
    const name = str(fn.inputs.name) ?? (arn !== undefined ? invokedFunctionName(arn) : undefined);
    if (name === undefined || anyUnknownTarget || withDestination.has(name)) continue;
    out.push({
      resource: fn,
      message:
        `Lambda function ${name} has no on-failure destination: add a FunctionEventInvokeConfig with ` +
        `destinationConfig.onFailure.destination, or set deadLetterConfig.targetArn, so failed asynchronous invocations are kept`,
    });
  }
  return out;
}

const lambdaFailure: StackRule = {
  name: POLICY_NAMES.lambdaFailure,
  description:
    "Every Lambda function keeps failed asynchronous invocations: an on-failure destination or a dead-letter queue.",
  enforcementLevel: "mandatory",
  check: (rs) => checkFailureDestinations(rs),
};

// 12. every-alarm-routed (stack) ---------------------------------------------------------------

/**
 * Whether one element of an EventBridge pattern's value array matches one event value. Supported:
 * exact strings, numbers, booleans and null, `{prefix}` and `{suffix}` on strings
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/content-filtering-with-event-patterns.html);
 * other matchers (anything-but, wildcard, numeric, exists, …) never match, so the policy under-
 * rather than over-reports routing.
 */
export function patternElementMatches(element: unknown, value: unknown): boolean {
  if (element === null || ["string", "number", "boolean"].includes(typeof element)) {
    return element === value;
  }
  if (isRecord(element) && typeof value === "string") {
    const keys = Object.keys(element);
    if (keys.length !== 1) return false;
    if (typeof element.prefix === "string") return value.startsWith(element.prefix);
    if (typeof element.suffix === "string") return value.endsWith(element.suffix);
  }
  return false;
}

/**
 * EventBridge's matching of `pattern` (a parsed event pattern) against `event`, for the matchers
 * patternElementMatches supports: every field the pattern names must be in the event; an object
 * in the pattern descends into the event's object; a value array matches when one of its
 * elements matches the event's value, or, when the event's value is an array, one of its values
 * (the intersection is non-empty:
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html).
 */
export function eventMatchesPattern(pattern: unknown, event: unknown): boolean {
  if (!isRecord(pattern) || !isRecord(event)) return false;
  return Object.entries(pattern).every(([key, want]) => {
    if (!Object.prototype.hasOwnProperty.call(event, key)) return false;
    const got = event[key];
    if (Array.isArray(want)) {
      const values = Array.isArray(got) ? got : [got];
      return want.some((e) => values.some((v) => patternElementMatches(e, v)));
    }
    return isRecord(want) && eventMatchesPattern(want, got);
  });
}

/** `arn:aws:cloudwatch:<region>:<account>:alarm:`: the account and region an alarm ARN names. */
const ALARM_ARN_HEAD = /^arn:aws:cloudwatch:([a-z0-9-]+):(\d{12}):alarm:/;

/**
 * Whether an EventBridge event pattern (JSON string or object) routes the state changes of the
 * alarm named `alarmName`: whether the alarm's "CloudWatch Alarm State Change" event
 * (`source`, `detail-type`, `account`, `region`, `resources: [<alarm ARN>]`, `detail.alarmName`:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html)
 * matches it, for some account and region. The policy pack does not know the stack's account, so
 * the candidates are those the pattern's own alarm ARNs (in `resources`) name, else those its
 * `account`/`region` fields list: a rule whose ARNs and `account` disagree matches nothing. An
 * unparseable pattern matches nothing.
 */
export function eventPatternMatchesAlarm(pattern: unknown, alarmName: string): boolean {
  let p = pattern;
  if (typeof p === "string") {
    try {
      p = JSON.parse(p) as unknown;
    } catch {
      return false;
    }
  }
  if (!isRecord(p)) return false;
  const first = (v: unknown) => (Array.isArray(v) && typeof v[0] === "string" ? v[0] : "x");
  const scopes: { region: string; account: string }[] = [];
  for (const e of Array.isArray(p.resources) ? p.resources : []) {
    const arn = typeof e === "string" ? e : isRecord(e) ? e.prefix : undefined;
    const m = typeof arn === "string" ? ALARM_ARN_HEAD.exec(arn) : null;
    if (m !== null) scopes.push({ region: m[1], account: m[2] });
  }
  if (scopes.length === 0) scopes.push({ region: first(p.region), account: first(p.account) });
  return scopes.some(({ region, account }) =>
    eventMatchesPattern(p, {
      source: "aws.cloudwatch",
      "detail-type": "CloudWatch Alarm State Change",
      account,
      region,
      resources: [`arn:aws:cloudwatch:${region}:${account}:alarm:${alarmName}`],
      detail: { alarmName },
    }),
  );
}

/**
 * Every alarm the pipeline tags with a level (`tags.level`) is matched by exactly one enabled
 * EventBridge rule, when the stack has a rule for that level (a rule named `<prefix>-<level>`).
 * When it has none, the level neither pages nor engages nor sends webhooks, and an unrouted alarm
 * is only reported if the level is in `pagingLevels`. Alarms without a level tag (the stack's
 * self-monitoring: `-errors`, `-dlq-depth`) are not judged. Skipped entirely while a rule's
 * pattern is unknown (preview).
 */
export function checkAlarmsRouted(
  resources: readonly PolicyInput[],
  pagingLevels: readonly string[] = [],
): Finding[] {
  const rules = ofType(resources, TYPES.eventRule).filter(
    (r) => r.inputs.state !== "DISABLED" && r.inputs.isEnabled !== false,
  );
  if (rules.some((r) => isUnknown(r.inputs.eventPattern))) return [];
  const out: Finding[] = [];
  for (const alarm of ofType(resources, TYPES.metricAlarm)) {
    const tags = alarm.inputs.tags;
    const level = isRecord(tags) ? str(tags.level) : undefined;
    const alarmName = str(alarm.inputs.name);
    if (level === undefined || alarmName === undefined) continue;
    const matching = rules
      .filter((r) => eventPatternMatchesAlarm(r.inputs.eventPattern, alarmName))
      .map(label);
    const levelRule = rules.some((r) => str(r.inputs.name)?.endsWith(`-${level}`) === true);
    const at = `alarm ${alarmName} at level ${level}`;
    if (matching.length > 1) {
      out.push({
        resource: alarm,
        message: `${at} is matched by ${matching.length} EventBridge rules (${matching.join(", ")}): exactly one rule must route it, or it is handled twice`,
      });
    } else if (matching.length === 0 && levelRule) {
      out.push({
        resource: alarm,
        message: `${at} is matched by 0 EventBridge rules: the rule of level ${level} does not route it, so it can never page`,
      });
    } else if (matching.length === 0 && pagingLevels.includes(level)) {
      out.push({ resource: alarm, message: `${at} has no rule: it can never page` });
    }
  }
  return out;
}

const PAGING_LEVELS_SCHEMA: PolicyConfigSchema = {
  properties: {
    pagingLevels: {
      type: "array",
      items: { type: "string" },
      default: [],
      description: 'Names of the levels that page (open an incident), e.g. ["critical"].',
    },
  },
};

const alarmRouted: StackRule = {
  name: POLICY_NAMES.alarmRouted,
  description:
    "Every level alarm is routed by exactly one EventBridge rule; an alarm at a paging level always has a rule.",
  enforcementLevel: "mandatory",
  configSchema: PAGING_LEVELS_SCHEMA,
  check: (rs, config) =>
    checkAlarmsRouted(
      rs,
      stringList(config.pagingLevels, POLICY_NAMES.alarmRouted, "pagingLevels"),
    ),
};

// 13. paging-level-has-plan (stack) ------------------------------------------------------------

/** Each paging level has a response plan named `…-<level>` that engages someone. */
export function checkPagingLevelPlans(
  resources: readonly PolicyInput[],
  pagingLevels: readonly string[] = [],
): Finding[] {
  const plans = ofType(resources, TYPES.responsePlan);
  const out: Finding[] = [];
  for (const level of pagingLevels) {
    const candidates = plans.filter((p) => str(p.inputs.name)?.endsWith(`-${level}`) === true);
    if (candidates.some((p) => nonEmpty(p.inputs.engagements) !== false)) continue;
    if (candidates.length > 0) {
      out.push({
        resource: candidates[0],
        message: `level ${level} pages but response plan ${label(candidates[0])} engages nobody: add at least one engagement`,
      });
    } else if (!plans.some((p) => isUnknown(p.inputs.name))) {
      out.push({
        resource: null,
        message: `level ${level} pages but no response plan is named *-${level}: add one that engages the escalation plan`,
      });
    }
  }
  return out;
}

const levelPlan: StackRule = {
  name: POLICY_NAMES.levelPlan,
  description:
    "Each paging level has a response plan (named <prefix>-<level>) with at least one engagement.",
  enforcementLevel: "mandatory",
  configSchema: PAGING_LEVELS_SCHEMA,
  check: (rs, config) =>
    checkPagingLevelPlans(
      rs,
      stringList(config.pagingLevels, POLICY_NAMES.levelPlan, "pagingLevels"),
    ),
};

// 14. escalation-first-stage-essential (stack) -------------------------------------------------

/**
 * The plan of each ESCALATION contact has, in stage 1, a target with `isEssential: true` (only an
 * essential contact's acknowledgement stops the escalation).
 */
export function checkEscalationFirstStage(resources: readonly PolicyInput[]): Finding[] {
  const out: Finding[] = [];
  for (const contact of ofType(resources, TYPES.contact)) {
    const arn = arnOf(contact);
    if (contact.inputs.type !== "ESCALATION" || arn === undefined) continue;
    const plans = ofType(resources, TYPES.plan).filter((p) => p.inputs.contactId === arn);
    if (plans.length === 0) {
      if (ofType(resources, TYPES.plan).some((p) => isUnknown(p.inputs.contactId))) continue;
      out.push({
        resource: contact,
        message: `escalation contact ${label(contact)} has no plan: add an ${TYPES.plan} whose contactId is its ARN`,
      });
      continue;
    }
    for (const plan of plans) {
      const stages = plan.inputs.stages;
      if (isUnknown(stages)) continue;
      const first = Array.isArray(stages) ? stages[0] : undefined;
      if (!isRecord(first)) {
        out.push({
          resource: plan,
          message: `the plan of escalation contact ${label(contact)} has no stages: it engages nobody`,
        });
        continue;
      }
      const targets = Array.isArray(first.targets) ? first.targets : [];
      const essential = targets.some((t) => {
        const info = isRecord(t) ? t.contactTargetInfo : undefined;
        return isRecord(info) && (info.isEssential === true || isUnknown(info.isEssential));
      });
      if (!essential && !isUnknown(first.targets)) {
        out.push({
          resource: plan,
          message:
            `stage 1 of the plan of escalation contact ${label(contact)} has no essential target: set ` +
            `contactTargetInfo.isEssential: true on at least one first-stage contact so that their acknowledgement stops the escalation`,
        });
      }
    }
  }
  return out;
}

const escalationEssential: StackRule = {
  name: POLICY_NAMES.escalationEssential,
  description: "Stage 1 of the escalation plan has at least one essential contact.",
  enforcementLevel: "mandatory",
  check: (rs) => checkEscalationFirstStage(rs),
};

// ---------------------------------------------------------------------------------------------
// The rule sets, evaluation without the engine
// ---------------------------------------------------------------------------------------------

/** Resource policies, in pack order. */
export const resourceRules: readonly ResourceRule[] = [
  stageDuration,
  e164,
  responsePlan,
  lambdaRuntime,
  iamWildcards,
  encryption,
  replicationSet,
  alarmActions,
];

/** Stack policies, in pack order. */
export const stackRules: readonly StackRule[] = [
  noVoiceFirst,
  twoChannelTypes,
  lambdaFailure,
  alarmRouted,
  levelPlan,
  escalationEssential,
];

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
  if (typeof entry !== "object" || entry === null) return {};
  const rest: Record<string, unknown> = { ...entry };
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

// ---------------------------------------------------------------------------------------------
// Adapters for the Pulumi policy engine
// ---------------------------------------------------------------------------------------------

function engineConfig(getConfig: () => object): Record<string, unknown> {
  const config: Record<string, unknown> = { ...(getConfig() as Record<string, unknown>) };
  delete config.enforcementLevel;
  return config;
}

function toResourcePolicy(rule: ResourceRule): ResourceValidationPolicy {
  return {
    name: rule.name,
    description: rule.description,
    enforcementLevel: rule.enforcementLevel,
    ...(rule.configSchema ? { configSchema: rule.configSchema } : {}),
    validateResource: (args: ResourceValidationArgs, reportViolation) => {
      if (!rule.types.includes(args.type)) return;
      const resource: PolicyInput = {
        type: args.type,
        name: args.name,
        urn: args.urn,
        inputs: plainData(args.props) as Record<string, unknown>,
      };
      for (const message of rule.check(
        resource,
        engineConfig(() => args.getConfig()),
      ))
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
    name: rule.name,
    description: rule.description,
    enforcementLevel: rule.enforcementLevel,
    ...(rule.configSchema ? { configSchema: rule.configSchema } : {}),
    validateStack: (args: StackValidationArgs, reportViolation) => {
      const resources = args.resources.map(fromPolicyResource);
      for (const f of rule.check(
        resources,
        engineConfig(() => args.getConfig()),
      )) {
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
