/**
 * Pure builders used by the components: physical names, engagement-plan stages, rotation
 * recurrence, escalation stages. No Pulumi resources here, so tests call them directly.
 */
import type { ChannelKind, EscalationStageConfig, RotationConfig } from "../config/schema";
import { ONCALL_REF_PREFIX } from "../config/schema";

/**
 * Default physical-name prefix for a stack: `ie-<stack>`, lower-cased, every run of characters
 * outside [a-z0-9] replaced by one "_" (so `dev`, `stg`, `prod` keep `ie-dev`, `ie-stg`, `ie-prod`,
 * and `prod-critical` becomes `ie-prod_critical`, formerly `ie-prod-critical`).
 *
 * Why "_": each level's rule matches alarm ARNs starting with `<prefix>-<level>-`. With a "-" in
 * the stack part, stack `prod` level `critical` (`ie-prod-critical-`) would match the alarms of
 * stack `prod-critical` (`ie-prod-critical-<level>-<alarm>`), and the other way round. The stack
 * part of a default prefix has no "-", so the first "-" after `ie-` ends it: `ie-<a>-<level>-` is
 * a prefix of `ie-<b>-…` only when a = b. "_" is allowed in every name built from the prefix
 * (contact aliases, response plans, rules, functions, queues, topics, roles, schedules).
 * Explicit `prefix` values ([a-z][a-z0-9-]*) are the stack's choice: a README section says how
 * to keep them apart.
 */
export function defaultPrefix(stack: string): string {
  const clean = stack
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  return `ie-${clean || "stack"}`.slice(0, 40).replace(/_+$/, "");
}

/** Physical names of everything the pipeline creates, derived from the prefix. */
export const names = {
  contact: (prefix: string, alias: string) => `${prefix}-${alias}`,
  channel: (prefix: string, alias: string, kind: ChannelKind) => `${prefix}-${alias}-${kind}`,
  onCallContact: (prefix: string, rotation: string) => `${prefix}-oncall-${rotation}`,
  rotation: (prefix: string, rotation: string) => `${prefix}-${rotation}`,
  escalationContact: (prefix: string) => `${prefix}-escalation`,
  responsePlan: (prefix: string, level: string) => `${prefix}-${level}`,
  alarm: (prefix: string, level: string, alarm: string) => `${prefix}-${level}-${alarm}`,
  /** The step-functions backend's state machine (components/engine/escalationEngine.ts). */
  stateMachine: (prefix: string) => `${prefix}-escalation`,
} as const;

/** The Incident Manager channel type of a config channel kind. */
export function channelType(kind: ChannelKind): "EMAIL" | "SMS" | "VOICE" {
  return kind === "email" ? "EMAIL" : kind === "sms" ? "SMS" : "VOICE";
}

/** One stage of a contact's engagement, as an offset from the moment the contact is engaged. */
export interface EngagementStageArgs {
  /** Minutes after the contact is engaged. */
  readonly after: number;
  /** Channels engaged in this stage. */
  readonly via: readonly ChannelKind[];
}

/** Channel kinds a contact uses anywhere in its engagement, in first-use order. */
export function channelsUsed(contact: {
  readonly engagement: readonly EngagementStageArgs[];
}): ChannelKind[] {
  const out: ChannelKind[] = [];
  for (const stage of contact.engagement) {
    for (const via of stage.via) if (!out.includes(via)) out.push(via);
  }
  return out;
}

/** One stage of an engagement or escalation plan, before ARNs are known. */
export interface PlanStage<T> {
  readonly durationInMinutes: number;
  readonly targets: readonly T[];
}

/**
 * Engagement-plan stages from offsets: a stage lasts until the next one starts; the last stage
 * lasts 0 minutes (it has targets, so Incident Manager accepts 0, and there is nothing after it).
 * `[{after:0, via:[email]}, {after:10, via:[sms, voice]}]` → `[{10, [email]}, {0, [sms, voice]}]`.
 */
export function engagementStages(
  engagement: readonly EngagementStageArgs[],
): PlanStage<ChannelKind>[] {
  return engagement.map((stage, i) => ({
    durationInMinutes: i + 1 < engagement.length ? engagement[i + 1].after - stage.after : 0,
    targets: [...stage.via],
  }));
}

/**
 * When each stage of a plan begins, in minutes after the plan is engaged: a stage's
 * `durationInMinutes` is "the time to wait until beginning the next stage"
 * (https://docs.aws.amazon.com/incident-manager/latest/APIReference/API_SSMContacts_Stage.html),
 * so stage k begins at the sum of the durations before it. `[{10, …}, {15, …}, {0, …}]` →
 * `[0, 10, 25]`: for a validated engagement (first offset 0) the offsets engagementStages started
 * from. The paging timeline (tools/timeline.ts) reads its minutes from here, so it shows the plans
 * as deployed.
 */
export function stageStarts(stages: readonly PlanStage<unknown>[]): number[] {
  let at = 0;
  return stages.map((stage) => {
    const start = at;
    at += stage.durationInMinutes;
    return start;
  });
}

/** Minutes from engaging a plan until its last stage has run (the sum of the durations). */
export function planMinutes(stages: readonly PlanStage<unknown>[]): number {
  return stages.reduce((sum, stage) => sum + stage.durationInMinutes, 0);
}

/** A resolved escalation target: a personal contact or an on-call schedule. */
export interface EscalationTarget {
  readonly kind: "contact" | "oncall";
  readonly name: string;
  readonly isEssential: boolean;
}

/** Escalation-plan stages from config, references resolved to contact or on-call names. */
export function escalationStages(
  stages: readonly EscalationStageConfig[],
): PlanStage<EscalationTarget>[] {
  return stages.map((s) => ({
    durationInMinutes: s.minutes,
    targets: s.engage.map((ref) => ({ ...parseRef(ref), isEssential: s.essential })),
  }));
}

/** `oncall:primary` → on-call `primary`; `sato` → contact `sato`. */
export function parseRef(ref: string): { kind: "contact" | "oncall"; name: string } {
  return ref.startsWith(ONCALL_REF_PREFIX)
    ? { kind: "oncall", name: ref.slice(ONCALL_REF_PREFIX.length) }
    : { kind: "contact", name: ref };
}

interface HandOffTime {
  readonly hourOfDay: number;
  readonly minuteOfHour: number;
}

/** `aws.ssm.ContactsRotation` recurrence from a rotation's hand-off settings. */
export interface RotationRecurrence {
  readonly numberOfOnCalls: number;
  readonly recurrenceMultiplier: number;
  readonly dailySettings?: HandOffTime[];
  readonly weeklySettings?: { dayOfWeek: string; handOffTime: HandOffTime }[];
  readonly monthlySettings?: { dayOfMonth: number; handOffTime: HandOffTime }[];
}

export function rotationRecurrence(
  rotation: Pick<RotationConfig, "handoff" | "onCallsAtOnce">,
): RotationRecurrence {
  const { every, on, at, interval } = rotation.handoff;
  const [hourOfDay, minuteOfHour] = at.split(":").map(Number);
  const time = { hourOfDay, minuteOfHour };
  const base = { numberOfOnCalls: rotation.onCallsAtOnce, recurrenceMultiplier: interval };
  switch (every) {
    case "day":
      return { ...base, dailySettings: [time] };
    case "week":
      return { ...base, weeklySettings: [{ dayOfWeek: String(on), handOffTime: time }] };
    case "month":
      return { ...base, monthlySettings: [{ dayOfMonth: Number(on), handOffTime: time }] };
  }
}

/** Tag values Incident Manager accepts on incidents: [A-Za-z0-9 _=@:.+-/]. */
export function incidentTagValue(v: string): string {
  return v.replace(/[^A-Za-z0-9 _=@:.+\-/]/g, "_").slice(0, 256);
}
