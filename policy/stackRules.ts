/**
 * The stack policies (the pure core): each judges all resources of the stack from plain data and
 * returns findings. Numbered as in the pack's table (policy/README.md).
 */
import type { PolicyConfigSchema } from "@pulumi/policy";
import { eventPatternMatchesAlarm } from "./eventPattern";
import { arnOf, bool, isRecord, isSet, label, nonEmpty, ofType, str, stringList } from "./read";
import { POLICY_NAMES, TYPES, type Finding, type PolicyInput, type StackRule } from "./types";
import { UNKNOWN, isUnknown } from "./wire";

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

export const noVoiceFirst: StackRule = {
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

export const twoChannelTypes: StackRule = {
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

export const lambdaFailure: StackRule = {
  name: POLICY_NAMES.lambdaFailure,
  description:
    "Every Lambda function keeps failed asynchronous invocations: an on-failure destination or a dead-letter queue.",
  enforcementLevel: "mandatory",
  check: (rs) => checkFailureDestinations(rs),
};

// 12. every-alarm-routed (stack) ---------------------------------------------------------------

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

export const alarmRouted: StackRule = {
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

export const levelPlan: StackRule = {
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

export const escalationEssential: StackRule = {
  name: POLICY_NAMES.escalationEssential,
  description: "Stage 1 of the escalation plan has at least one essential contact.",
  enforcementLevel: "mandatory",
  check: (rs) => checkEscalationFirstStage(rs),
};

/** Stack policies, in pack order. */
export const stackRules: readonly StackRule[] = [
  noVoiceFirst,
  twoChannelTypes,
  lambdaFailure,
  alarmRouted,
  levelPlan,
  escalationEssential,
];
