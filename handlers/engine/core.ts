/**
 * The escalation engine's decisions, pure: plain data in, plain data out, the clock a parameter.
 * - scheduling: which step comes next (a stage starts, a page goes out, the round ends) and when;
 * - stages: which contacts a stage engages at its moment (on-call rotations resolved by the same
 *   code the plan and the guide use, tools/timeline.ts `rotationAt`, with the rotation overrides
 *   the handler read from the store, handlers/shared/overrides.ts) and their pages, each
 *   contact following its own engagement plan;
 * - rounds: nobody acknowledged by the end → the next round (`repeat`) or done;
 * - messages: the text of each page and Slack note, in the reader's language, with no personal
 *   data but the recipient's own link;
 * - parsing: environment, plan file, directory secret and the Task input, each error naming what
 *   is wrong and where.
 */
import { CHANNEL_KINDS, type ChannelKind, type RotationConfig } from "../../config/schema";
import { rotationAt } from "../../tools/timeline";
import type { RotationOverride } from "../shared/overrides";
import { createHash } from "node:crypto";
import { message, voiceMessage, type MessageKey, type MessageParams } from "../shared/messages";
import { alarmText } from "../shared/untrustedText";
import {
  ACTIONS,
  ENGINE_CHANNELS,
  LANGUAGES,
  PERMANENT_ERROR,
  TRANSIENT_ERROR,
  type Action,
  type Directory,
  type EngineChannel,
  type EngineInput,
  type EnginePlan,
  type EngineStartInput,
  type Language,
  type LevelEscalation,
  type LevelPlan,
  type RunState,
  type ScheduledPage,
  type Step,
} from "./protocol";

/** An error Step Functions retries (Retry on TRANSIENT_ERROR, components/engine/stateMachine.ts). */
export class TransientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = TRANSIENT_ERROR;
  }
}

/** An error Step Functions does not retry: a page that fails this way is recorded and reported. */
export class PermanentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = PERMANENT_ERROR;
  }
}

const MINUTE = 60_000;
const iso = (ms: number): string => new Date(ms).toISOString();
const ms = (at: string): number => Date.parse(at);

// ---------------------------------------------------------------------------------------------
// Configuration

export interface EngineConfig {
  readonly tableName: string;
  readonly alertsTopicArn: string;
  readonly functionName: string;
  readonly email: { readonly from: string; readonly configurationSet?: string };
  readonly sms?: { readonly originationIdentity: string; readonly configurationSet?: string };
  /** Amazon Connect: the instance, the claimed number calls come from, the flow per language. */
  readonly voice?: VoiceConfig;
  readonly directorySecretArn: string;
  readonly ackKeySecretArn: string;
  readonly ackBaseUrl: string;
}

export interface VoiceConfig {
  /** VOICE_INSTANCE_ID: the Amazon Connect instance (its id, StartOutboundVoiceContact InstanceId). */
  readonly instanceId: string;
  /** VOICE_SOURCE_NUMBER: the number claimed on the instance, E.164. */
  readonly sourcePhoneNumber: string;
  /** VOICE_CONTACT_FLOWS: JSON {"ja": flowId, "en": flowId} (the languages voice contacts use). */
  readonly contactFlows: Readonly<Partial<Record<Language, string>>>;
}

/** Connect ids (instance, contact flow): the UUIDs Connect assigns. */
const CONNECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** E.164, as the Connect model's PhoneNumber (`\\+[1-9]\\d{1,14}$`) and the config's check. */
const E164 = /^\+[1-9]\d{1,14}$/;

function parseVoiceEnv(
  env: Readonly<Record<string, string | undefined>>,
  problems: string[],
): VoiceConfig | undefined {
  const instanceId = env.VOICE_INSTANCE_ID;
  if (instanceId === undefined || instanceId === "") return undefined;
  if (!CONNECT_ID.test(instanceId))
    problems.push("VOICE_INSTANCE_ID: is not a Connect instance id");
  const sourcePhoneNumber = env.VOICE_SOURCE_NUMBER ?? "";
  if (sourcePhoneNumber === "") problems.push("VOICE_SOURCE_NUMBER: is not set");
  else if (!E164.test(sourcePhoneNumber)) problems.push("VOICE_SOURCE_NUMBER: is not E.164");
  let flows: unknown;
  try {
    flows = JSON.parse(env.VOICE_CONTACT_FLOWS ?? "");
  } catch {
    flows = undefined;
  }
  const contactFlows: Partial<Record<Language, string>> = {};
  if (!isObj(flows) || Object.keys(flows).length === 0) {
    problems.push('VOICE_CONTACT_FLOWS: is not JSON {"ja"|"en": contact flow id}');
  } else {
    for (const [language, id] of Object.entries(flows)) {
      if (
        !LANGUAGES.includes(language as Language) ||
        typeof id !== "string" ||
        !CONNECT_ID.test(id)
      )
        problems.push(`VOICE_CONTACT_FLOWS.${language}: is not a contact flow id of ja or en`);
      else contactFlows[language as Language] = id;
    }
  }
  return { instanceId, sourcePhoneNumber, contactFlows };
}

/** Parses the environment; throws PermanentError listing every missing or malformed variable. */
export function parseEnv(env: Readonly<Record<string, string | undefined>>): EngineConfig {
  const problems: string[] = [];
  const need = (name: string, re: RegExp, what: string): string => {
    const value = env[name];
    if (value === undefined || value === "") problems.push(`${name}: is not set`);
    else if (!re.test(value)) problems.push(`${name}: is not ${what}`);
    return value ?? "";
  };
  const opt = (name: string, re: RegExp, what: string): string | undefined => {
    const value = env[name];
    if (value === undefined || value === "") return undefined;
    if (!re.test(value)) problems.push(`${name}: is not ${what}`);
    return value;
  };
  const config: EngineConfig = {
    tableName: need("INCIDENT_TABLE", /^[A-Za-z0-9_.-]{3,255}$/, "a DynamoDB table name"),
    alertsTopicArn: need(
      "ALERTS_TOPIC_ARN",
      /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/,
      "an SNS topic ARN",
    ),
    functionName: need("AWS_LAMBDA_FUNCTION_NAME", /^[\w-]{1,64}$/, "a function name"),
    email: {
      from: need("EMAIL_FROM", /^[^\s@]+@[^\s@]+\.[^\s@]+$/, "an e-mail address"),
      configurationSet: opt("EMAIL_CONFIGURATION_SET", /^[\w-]{1,64}$/, "a configuration set name"),
    },
    ...(env.SMS_ORIGINATION_IDENTITY
      ? {
          sms: {
            originationIdentity: need(
              "SMS_ORIGINATION_IDENTITY",
              /^[A-Za-z0-9_:/+-]{1,256}$/,
              "a phone number, pool or sender ID (ID or ARN)",
            ),
            configurationSet: opt(
              "SMS_CONFIGURATION_SET",
              /^[A-Za-z0-9_:/-]{1,256}$/,
              "a configuration set name or ARN",
            ),
          },
        }
      : {}),
    ...(() => {
      const voice = parseVoiceEnv(env, problems);
      return voice === undefined ? {} : { voice };
    })(),
    directorySecretArn: need(
      "DIRECTORY_SECRET_ARN",
      /^arn:aws[a-z-]*:secretsmanager:/,
      "a Secrets Manager secret ARN",
    ),
    ackKeySecretArn: need(
      "ACK_KEY_SECRET_ARN",
      /^arn:aws[a-z-]*:secretsmanager:/,
      "a Secrets Manager secret ARN",
    ),
    ackBaseUrl: need("ACK_BASE_URL", /^https:\/\/[^\s]+$/, "an https URL"),
  };
  if (problems.length > 0) throw new PermanentError(`engine environment: ${problems.join("; ")}`);
  return config;
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Level names, as the router's (handlers/router/env.ts LEVEL_NAME) and parseInput's. */
const LEVEL_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/**
 * The plan for one execution's level. Throws PermanentError for a level the plan does not have
 * (an execution started for a level the engine was not deployed with): the execution fails
 * through ReportFailure, which says so in Slack.
 */
export function planFor(plan: EnginePlan, level: string): LevelPlan {
  const escalation: LevelEscalation | undefined = Object.prototype.hasOwnProperty.call(
    plan.levels,
    level,
  )
    ? plan.levels[level]
    : undefined;
  if (escalation === undefined) {
    throw new PermanentError(
      `engine plan: level "${level}" is not one of the plan's levels (${Object.keys(plan.levels).join(", ")})`,
    );
  }
  const { language, contacts, rotations, ackLinkHours } = plan;
  const { stages, repeat } = escalation;
  return { language, contacts, rotations, ackLinkHours, stages, repeat };
}

/** Parses the plan file; throws PermanentError naming the first wrong member. */
export function parsePlan(text: string): EnginePlan {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new PermanentError("engine plan: is not JSON");
  }
  const fail = (where: string, why: string): never => {
    throw new PermanentError(`engine plan: ${where}: ${why}`);
  };
  if (!isObj(doc)) return fail("(root)", "is not an object");
  if (!LANGUAGES.includes(doc.language as Language)) fail("language", "is not ja or en");
  if (!isObj(doc.levels) || Object.keys(doc.levels).length === 0)
    fail("levels", "is not a non-empty object of levels");
  for (const [name, level] of Object.entries(doc.levels as Record<string, unknown>)) {
    const at = `levels.${name}`;
    if (!LEVEL_NAME.test(name)) fail(at, "is not a level name");
    if (!isObj(level)) return fail(at, "is not an object {stages, repeat}");
    if (
      !Number.isInteger(level.repeat) ||
      (level.repeat as number) < 0 ||
      (level.repeat as number) > 5
    )
      fail(`${at}.repeat`, "is not an integer 0-5");
    if (!Array.isArray(level.stages) || level.stages.length === 0)
      fail(`${at}.stages`, "is not a non-empty list");
  }
  if (!Array.isArray(doc.contacts)) fail("contacts", "is not a list");
  if (!Array.isArray(doc.rotations)) fail("rotations", "is not a list");
  if (!Number.isInteger(doc.ackLinkHours) || (doc.ackLinkHours as number) < 1)
    fail("ackLinkHours", "is not a positive integer");
  const plan = doc as unknown as EnginePlan;
  const aliases = new Set(plan.contacts.map((c) => c.alias));
  const rotations = new Set(plan.rotations.map((r) => r.name));
  plan.contacts.forEach((c, i) => {
    if (!LANGUAGES.includes(c.language)) fail(`contacts[${i}].language`, "is not ja or en");
    c.engagement.forEach((s, j) => {
      if (!Number.isInteger(s.after) || s.after < 0)
        fail(`contacts[${i}].engagement[${j}].after`, "is not a whole number of minutes");
      for (const via of s.via)
        if (!CHANNEL_KINDS.includes(via))
          fail(`contacts[${i}].engagement[${j}].via`, `"${via}" is not a channel`);
    });
  });
  for (const [name, level] of Object.entries(plan.levels)) {
    level.stages.forEach((s, i) => {
      const at = `levels.${name}.stages[${i}]`;
      if (!Number.isInteger(s.minutes) || s.minutes < 0 || s.minutes > 30)
        fail(`${at}.minutes`, "is not 0-30");
      for (const ref of s.engage) {
        const known = ref.startsWith("oncall:") ? rotations.has(ref.slice(7)) : aliases.has(ref);
        if (!known) fail(`${at}.engage`, `"${ref}" is not a contact or rotation of the plan`);
      }
    });
  }
  for (const r of plan.rotations)
    for (const m of r.members)
      if (!aliases.has(m))
        fail(`rotations.${r.name}.members`, `"${m}" is not a contact of the plan`);
  return plan;
}

/** Parses the directory secret (addresses by alias). Never quotes a value. */
export function parseDirectory(text: string): Directory {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new PermanentError("directory secret: is not JSON");
  }
  if (!isObj(doc)) throw new PermanentError("directory secret: is not an object");
  for (const [alias, entry] of Object.entries(doc)) {
    if (!isObj(entry)) throw new PermanentError(`directory secret: ${alias}: is not an object`);
    for (const key of Object.keys(entry))
      if (key !== "email" && key !== "phone")
        throw new PermanentError(`directory secret: ${alias}.${key}: is not email or phone`);
    if (entry.phone !== undefined && !/^\+[1-9]\d{6,14}$/.test(String(entry.phone)))
      throw new PermanentError(`directory secret: ${alias}.phone: is not E.164 (value not shown)`);
  }
  return doc as Directory;
}

// ---------------------------------------------------------------------------------------------
// Task input

export type TaskRequest =
  | {
      readonly action: "start";
      /** The execution's input, its incidentId the execution's name. */
      readonly input: EngineInput;
      readonly executionName: string;
      readonly executionArn: string;
    }
  | {
      readonly action: "next" | "check" | "exhausted";
      readonly input: EngineInput;
      readonly run: RunState;
    }
  | {
      readonly action: "stage";
      readonly input: EngineInput;
      readonly run: RunState;
      readonly step: Step;
    }
  | {
      readonly action: "send";
      readonly channel: ChannelKind;
      readonly input: EngineInput;
      readonly step: Step;
    }
  | {
      readonly action: "pageFailed";
      readonly input: EngineInput;
      readonly run: RunState;
      readonly step: Step;
      readonly failure: { readonly Error?: string; readonly Cause?: string };
    }
  | {
      readonly action: "failed";
      readonly input: EngineInput;
      readonly failure: { readonly Error?: string; readonly Cause?: string };
    };

const INCIDENT_ID = /^[A-Za-z0-9_-]{1,80}$/;

/**
 * The execution's input, its incident id from `executionName` when given (start, failed: the
 * Context object's `$$.Execution.Name`, whatever the input says), else from `input.incidentId`
 * (every later state: the Start task's own output).
 */
function parseInput(v: unknown, executionName?: unknown): EngineInput {
  if (!isObj(v)) throw new PermanentError("task input: input is not an object");
  const { level, alarmName, firedAt } = v as Partial<EngineStartInput>;
  const incidentId = executionName === undefined ? v.incidentId : executionName;
  if (typeof incidentId !== "string" || !INCIDENT_ID.test(incidentId))
    throw new PermanentError(
      executionName === undefined
        ? "task input: input.incidentId is not [A-Za-z0-9_-]{1,80}"
        : "task input: the execution name (the incident id) is not [A-Za-z0-9_-]{1,80}",
    );
  if (typeof level !== "string" || !LEVEL_NAME.test(level))
    throw new PermanentError("task input: input.level is not a level name");
  if (typeof alarmName !== "string" || alarmName.length === 0 || alarmName.length > 255)
    throw new PermanentError("task input: input.alarmName is not 1-255 characters");
  if (typeof firedAt !== "string" || Number.isNaN(Date.parse(firedAt)))
    throw new PermanentError("task input: input.firedAt is not an ISO-8601 time");
  return { incidentId, level, alarmName, firedAt };
}

/** Validates a Task state's input (the state machine's Parameters). */
export function parseTask(event: unknown): TaskRequest {
  if (!isObj(event)) throw new PermanentError("task input: is not an object");
  const action = event.action;
  if (typeof action !== "string" || !(ACTIONS as readonly string[]).includes(action))
    throw new PermanentError(
      `task input: action ${JSON.stringify(action)} is not one of ${ACTIONS.join(", ")}`,
    );
  // Start and ReportFailure read the execution's own input and name (Context object).
  const fromExecution = action === "start" || action === "failed";
  if (fromExecution && typeof event.executionName !== "string")
    throw new PermanentError(`task input (${action}): executionName is not a string`);
  const input = parseInput(event.input, fromExecution ? event.executionName : undefined);
  const need = (key: string): unknown => {
    if (!isObj(event[key]))
      throw new PermanentError(`task input (${action}): ${key} is not an object`);
    return event[key];
  };
  switch (action as Action) {
    case "start": {
      const executionArn = event.executionArn;
      if (typeof executionArn !== "string")
        throw new PermanentError("task input (start): executionArn is not a string");
      return { action: "start", input, executionName: input.incidentId, executionArn };
    }
    case "next":
    case "check":
    case "exhausted":
      return { action: action as "next", input, run: need("run") as unknown as RunState };
    case "stage":
      return {
        action: "stage",
        input,
        run: need("run") as unknown as RunState,
        step: need("step") as unknown as Step,
      };
    case "send": {
      const channel = event.channel;
      if (typeof channel !== "string" || !(CHANNEL_KINDS as readonly string[]).includes(channel))
        throw new PermanentError("task input (send): channel is not a channel");
      return {
        action: "send",
        channel: channel as ChannelKind,
        input,
        step: need("step") as unknown as Step,
      };
    }
    case "pageFailed":
      return {
        action: "pageFailed",
        input,
        run: need("run") as unknown as RunState,
        step: need("step") as unknown as Step,
        failure: need("failure") as { Error?: string; Cause?: string },
      };
    case "failed":
      return {
        action: "failed",
        input,
        failure: (isObj(event.failure) ? event.failure : {}) as { Error?: string },
      };
  }
}

// ---------------------------------------------------------------------------------------------
// Scheduling

/** Minutes from a round's start to the start of stage `i`. */
export function stageOffset(plan: LevelPlan, i: number): number {
  return plan.stages.slice(0, i).reduce((sum, s) => sum + s.minutes, 0);
}

/** The first round, starting now. */
export function startRun(now: Date): RunState {
  return {
    round: 0,
    roundStartedAt: now.toISOString(),
    nextStage: 0,
    pending: [],
    failedPages: 0,
    done: false,
  };
}

/**
 * The next step and the run without it: the next stage when it starts no later than the earliest
 * pending page (a stage before a page at the same minute, as the plan's timeline orders them),
 * else that page, else the end of the round: when its stages' minutes have passed, or now if a
 * contact's engagement plan ran longer.
 */
export function nextStep(plan: LevelPlan, run: RunState, now: Date): { run: RunState; step: Step } {
  const start = ms(run.roundStartedAt);
  const page = run.pending[0];
  if (run.nextStage < plan.stages.length) {
    const at = start + stageOffset(plan, run.nextStage) * MINUTE;
    if (page === undefined || at <= ms(page.at)) {
      return { run, step: { kind: "stage", at: iso(at), stage: run.nextStage } };
    }
  }
  if (page !== undefined) {
    return {
      run: { ...run, pending: run.pending.slice(1) },
      step: { kind: "page", at: page.at, channel: page.channel, page },
    };
  }
  const end = Math.max(start + stageOffset(plan, plan.stages.length) * MINUTE, now.getTime());
  return { run, step: { kind: "end", at: iso(end) } };
}

/**
 * Who is on call in `rotation` at `at`, by the plan's own code (tools/timeline.ts rotationAt):
 * the schedule's members, or those of the override in force then (the last one given wins).
 */
export function onCallAt(
  rotation: RotationConfig,
  at: Date,
  overrides: readonly RotationOverride[] = [],
): readonly string[] {
  return rotationAt(rotation, at, overrides).now;
}

/**
 * The rotations stage `stage` engages (`oncall:<name>` targets the plan has), deduplicated, in
 * the stage's order: the ones whose overrides the handler reads before the stage starts.
 */
export function stageRotations(plan: LevelPlan, stage: number): string[] {
  const names = plan.stages[stage].engage
    .filter((ref) => ref.startsWith("oncall:"))
    .map((ref) => ref.slice(7))
    .filter((name) => plan.rotations.some((r) => r.name === name));
  return [...new Set(names)];
}

/** Someone on call in a rotation by an override at a stage's moment, and until when (ISO). */
export interface OnCallByOverride {
  readonly rotation: string;
  readonly members: readonly string[];
  readonly until: string;
}

/** The contacts stage `stage` engages at `at` (rotations resolved at that moment), deduplicated. */
export function stageTargets(
  plan: LevelPlan,
  stage: number,
  at: Date,
  overrides: readonly RotationOverride[] = [],
): string[] {
  return stageResolution(plan, stage, at, overrides).contacts;
}

/** The reason a stage note gives for an override naming nobody this plan can page. */
export const UNKNOWN_OVERRIDE_MEMBER = "UnknownOverrideMember";

function stageResolution(
  plan: LevelPlan,
  stage: number,
  at: Date,
  overrides: readonly RotationOverride[],
): { contacts: string[]; byOverride: OnCallByOverride[]; ignored: string[] } {
  const out: string[] = [];
  const byOverride: OnCallByOverride[] = [];
  const ignored: string[] = [];
  for (const ref of plan.stages[stage].engage) {
    if (ref.startsWith("oncall:")) {
      const rotation = plan.rotations.find((r) => r.name === ref.slice(7));
      if (rotation) {
        let now = rotationAt(rotation, at, overrides);
        // An override whose members are not (any longer) contacts of the plan would page
        // nobody: the schedule's members are paged instead, and the note says so.
        if (
          now.override &&
          !now.override.members.some((m) => plan.contacts.some((c) => c.alias === m))
        ) {
          if (!ignored.includes(rotation.name)) ignored.push(rotation.name);
          now = rotationAt(rotation, at);
        }
        out.push(...now.now);
        if (now.override && !byOverride.some((b) => b.rotation === rotation.name))
          byOverride.push({
            rotation: rotation.name,
            members: now.override.members,
            until: now.override.until,
          });
      }
    } else {
      out.push(ref);
    }
  }
  return { contacts: [...new Set(out)], byOverride, ignored };
}

/**
 * Starts a stage: its contacts' pages join the pending ones, in time order (stable). `overrides`
 * are the ones read from the store for the stage's rotations (stageRotations); `byOverride` says
 * who of them is on call by an override.
 */
export function startStage(
  plan: LevelPlan,
  run: RunState,
  stage: number,
  at: Date,
  overrides: readonly RotationOverride[] = [],
): {
  run: RunState;
  contacts: string[];
  byOverride: OnCallByOverride[];
  /** Rotations whose override named nobody the plan can page: their schedule was used. */
  ignored: string[];
} {
  if (stage !== run.nextStage)
    throw new PermanentError(`stage ${stage + 1} is not the next stage (${run.nextStage + 1})`);
  const { contacts, byOverride, ignored } = stageResolution(plan, stage, at, overrides);
  const pages: ScheduledPage[] = [];
  for (const alias of contacts) {
    const contact = plan.contacts.find((c) => c.alias === alias);
    for (const s of contact?.engagement ?? []) {
      for (const channel of s.via) {
        pages.push({
          at: iso(at.getTime() + s.after * MINUTE),
          contact: alias,
          channel,
          stage: stage + 1,
          round: run.round,
          essential: plan.stages[stage].essential,
        });
      }
    }
  }
  const pending = [...run.pending, ...pages]
    .map((p, i) => ({ p, i }))
    .sort((a, b) => ms(a.p.at) - ms(b.p.at) || a.i - b.i)
    .map(({ p }) => p);
  return { run: { ...run, nextStage: stage + 1, pending }, contacts, byOverride, ignored };
}

/**
 * The lines a stage's Slack note adds after "stage N engages …": who is on call by an override
 * and until when, and which rotations' overrides could not be read (their scheduled members are
 * paged: never nobody because the store failed).
 */
export function stageNoteLines(
  language: Language,
  stage: {
    readonly byOverride: readonly OnCallByOverride[];
    readonly unreadable: readonly { readonly rotation: string; readonly reason: string }[];
  },
): string[] {
  return [
    ...stage.byOverride.map((o) =>
      message("slack.stage.override", language, {
        contact: o.members.join(", "),
        rotation: o.rotation,
        until: o.until,
      }),
    ),
    ...stage.unreadable.map((u) =>
      message("slack.stage.overridesUnread", language, {
        rotation: u.rotation,
        reason: u.reason,
      }),
    ),
  ];
}

/** The round ended unacknowledged: the next round starts now, or the run is done. */
export function endRound(plan: LevelPlan, run: RunState, now: Date): RunState {
  if (run.round >= plan.repeat) return { ...run, pending: [], done: true };
  return { ...startRun(now), round: run.round + 1, failedPages: run.failedPages };
}

/** Whether a channel has a Task state and sender (ENGINE_CHANNELS). */
export function isEngineChannel(channel: string): channel is EngineChannel {
  return (ENGINE_CHANNELS as readonly string[]).includes(channel);
}

// ---------------------------------------------------------------------------------------------
// Messages

/** The parameters every message shares; the alarm quoted and defused (untrusted text). */
export function baseParams(input: EngineInput): MessageParams {
  return {
    alarm: alarmText(input.alarmName, 120),
    level: input.level,
    incidentId: input.incidentId,
  };
}

export interface EmailContent {
  readonly subject: string;
  readonly body: string;
}

export function emailContent(language: Language, params: MessageParams): EmailContent {
  return {
    subject: message("email.subject", language, params),
    body: message("email.body", language, params),
  };
}

export function smsContent(language: Language, params: MessageParams): string {
  return message("sms.body", language, params);
}

/**
 * The contact attributes of a call: only what the contact flow and its Lambda need
 * (components/engine/contactFlow.ts speaks `message`; handlers/voice reads the rest), nothing
 * about anyone else. `message` is voiceMessage's SSML-escaped text in the contact's language.
 */
export function voiceAttributes(
  input: EngineInput,
  contact: string,
  language: Language,
  params: MessageParams,
): Record<string, string> {
  return {
    incidentId: input.incidentId,
    contact,
    language,
    message: voiceMessage(language, params),
  };
}

/**
 * The call's ClientToken: one page of one incident (incident, contact, round, stage and the
 * page's moment: a contact with two voice steps in one stage gets two calls), so every retry of
 * the Send_voice Task sends the same token. StartOutboundVoiceContact API reference,
 * `ClientToken`: "A unique, case-sensitive identifier that you provide to ensure the idempotency
 * of the request ... The token is valid for 7 days after creation. If a contact is already
 * started, the contact ID is returned. If the contact is disconnected, a new contact is started."
 * (max 500; a SHA-256 hex is 64). So a retry while the call is still up (the Lambda timed out
 * after Connect had answered) gets that call's ContactId, not a second call; a retry after that
 * call ended places it again (a second ring, never a lost one). A throttled request started no
 * contact, and its retry is the first call.
 */
export function voiceClientToken(incidentId: string, page: ScheduledPage): string {
  return createHash("sha256")
    .update(
      ["voice", incidentId, page.contact, `r${page.round}`, `s${page.stage}`, page.at].join("\n"),
    )
    .digest("hex");
}

/** AWS Chatbot's limits are generous; these keep a note well within them. */
const TITLE_MAX = 250;
const DESCRIPTION_MAX = 8000;

/**
 * An AWS Chatbot custom notification (the SNS message the router's drill reports use too:
 * `{version: "1.0", source: "custom", content: {textType, title, description}}`, AWS Chatbot
 * administrator guide, "Custom notifications").
 */
export function slackNote(
  language: Language,
  title: MessageKey,
  text: MessageKey,
  params: MessageParams,
  /** Further lines of the description, already in `language` (e.g. stageNoteLines). */
  more: readonly string[] = [],
): string {
  return JSON.stringify({
    version: "1.0",
    source: "custom",
    content: {
      textType: "client-markdown",
      title: message(title, language, params).slice(0, TITLE_MAX),
      description: [message(text, language, params), ...more].join("\n").slice(0, DESCRIPTION_MAX),
    },
  });
}

/** A short, safe reason from a Step Functions error output: the error name only, never a Cause. */
export function failureReason(failure: { readonly Error?: string }): string {
  const name = failure.Error ?? "unknown";
  return /^[A-Za-z][\w.]{0,79}$/.test(name) ? name : "unknown";
}
