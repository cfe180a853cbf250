/**
 * The resource policies (the pure core): each judges one resource of its types from plain data
 * and returns messages. Numbered as in the pack's table (policy/README.md).
 */
import { POLICY_NAMES, TYPES, type PolicyInput, type ResourceRule } from "./types";
import { contactAlias, isRecord, isSet, label, nonEmpty, str } from "./read";
import { isUnknown } from "./wire";

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

export const stageDuration: ResourceRule = {
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

export const e164: ResourceRule = {
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

export const responsePlan: ResourceRule = {
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

export const lambdaRuntime: ResourceRule = {
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

export const iamWildcards: ResourceRule = {
  name: POLICY_NAMES.iamWildcards,
  description:
    "IAM policies allow named actions only: no Action containing '*' in an Allow statement.",
  enforcementLevel: "mandatory",
  types: [TYPES.rolePolicy, TYPES.iamPolicy, TYPES.role],
  check: (r) => checkIamWildcards(r),
};

// 9. encrypted-queues-topics -------------------------------------------------------------------

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

export const encryption: ResourceRule = {
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

export const replicationSet: ResourceRule = {
  name: POLICY_NAMES.replicationSet,
  description:
    "The Incident Manager replication set has deletion protection (deleting it deletes all Incident Manager data).",
  enforcementLevel: "mandatory",
  types: [TYPES.nativeReplicationSet, TYPES.classicReplicationSet],
  check: (r) => checkReplicationSet(r),
};

// 11. alarm-has-alarm-and-ok-actions -----------------------------------------------------------

/**
 * The heartbeat's canary (components/heartbeat.ts): an alarm on the pipeline's own canary metric
 * that flips twice per heartbeat interval by design and reaches the router through its state-change
 * events, which CloudWatch sends to EventBridge with or without actions. Actions would post to
 * Slack every few minutes; its failure is what `<prefix>-heartbeat-missing` (with actions) reports.
 * The pack stays self-contained (`pulumi policy publish` uploads this folder only), so the names
 * are literals here; tests/policy/policies.spec.ts ties them to handlers/shared/selfMetrics.ts.
 */
export const HEARTBEAT_CANARY_METRIC = {
  namespace: "IncidentEscalation",
  metricName: "HeartbeatCanary",
} as const;

function isHeartbeatCanary(alarm: PolicyInput): boolean {
  return (
    str(alarm.inputs.namespace) === HEARTBEAT_CANARY_METRIC.namespace &&
    str(alarm.inputs.metricName) === HEARTBEAT_CANARY_METRIC.metricName
  );
}

/** CloudWatch alarms notify on ALARM and on OK (the heartbeat's canary excepted). */
export function checkAlarmActions(alarm: PolicyInput): string[] {
  const out: string[] = [];
  if (isHeartbeatCanary(alarm)) return out;
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

export const alarmActions: ResourceRule = {
  name: POLICY_NAMES.alarmActions,
  description: "CloudWatch metric alarms have at least one alarm action and one OK action.",
  enforcementLevel: "mandatory",
  types: [TYPES.metricAlarm],
  check: (r) => checkAlarmActions(r),
};

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
