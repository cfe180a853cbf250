/**
 * What the escalation engine's state machine (components/engine/stateMachine.ts) and its Lambda
 * (handlers/engine/handler.ts) say to each other: the actions a Task state asks for, the document
 * the execution carries from state to state, the channels that have a Task state, and the error
 * names the state machine retries. One home for both sides, so the two cannot drift.
 */
import type { ChannelKind } from "../../config/schema";
import type { RotationConfig } from "../../config/schema";

/** Languages of every message a responder reads (handlers/shared/messages.ts). */
export const LANGUAGES = ["ja", "en"] as const;
export type Language = (typeof LANGUAGES)[number];

/**
 * Channels that have a Task state and a sender in the engine: a channel is one Task state
 * (`Send_<channel>`) plus its sender in handlers/engine/adapters.ts (SES SendEmail, End User
 * Messaging SendTextMessage, Amazon Connect StartOutboundVoiceContact); the state machine grows
 * its Task state from this list (voice's with a longer Retry: components/engine/stateMachine.ts
 * VOICE_RETRY).
 */
export const ENGINE_CHANNELS = ["email", "sms", "voice"] as const satisfies readonly ChannelKind[];
export type EngineChannel = (typeof ENGINE_CHANNELS)[number];

/** The Task actions, one Lambda function for all: `{"action": ...}` picks one. */
export const ACTIONS = [
  "start",
  "next",
  "check",
  "stage",
  "send",
  "pageFailed",
  "exhausted",
  "failed",
] as const;
export type Action = (typeof ACTIONS)[number];

/**
 * Error names the handler throws. Lambda reports a thrown Node.js error as `{errorType,
 * errorMessage, trace}` (Lambda developer guide, "AWS Lambda function errors in Node.js",
 * https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html), and Step Functions
 * matches `errorType` against a Retry/Catch `ErrorEquals` ("the name property of the Error object
 * must match the ErrorEquals value", ibid., custom errors with Step Functions). Transient: retried
 * with backoff. Permanent: not retried, caught (a page that fails is recorded and reported).
 */
export const TRANSIENT_ERROR = "EngineTransientError";
export const PERMANENT_ERROR = "EnginePermanentError";

/**
 * The input of an execution: the router's StartExecution `input` (handlers/router/
 * stepFunctions.ts). The Start task does not trust `incidentId` from it: it takes the incident id
 * from the execution's own name (`$$.Execution.Name`, the Context object), so an execution
 * started with a generated name (EventBridge's fail-safe target) and an input without
 * `incidentId` works too (`EngineStartInput`). Every later state carries this, with the id set.
 */
export interface EngineInput {
  /** The incident id: the execution name (handlers/shared/incidentStore.ts alphabet). */
  readonly incidentId: string;
  /** The paging level. */
  readonly level: string;
  /** The CloudWatch alarm that fired (untrusted text; never a recipient). */
  readonly alarmName: string;
  /** ISO-8601 state-change time of the alarm. */
  readonly firedAt: string;
}

/** What an execution may be started with: an EngineInput whose incidentId is ignored or absent. */
export type EngineStartInput = Omit<EngineInput, "incidentId"> & { readonly incidentId?: string };

/** One page the engine will send. */
export interface ScheduledPage {
  /** ISO-8601 UTC. */
  readonly at: string;
  readonly contact: string;
  readonly channel: ChannelKind;
  /** 1-based stage that engaged the contact. */
  readonly stage: number;
  /** 0-based round (repeat). */
  readonly round: number;
  /** The contact was engaged as an essential target. */
  readonly essential: boolean;
}

/** The engine's progress, carried in the execution's document (`$.run`). */
export interface RunState {
  /** 0-based round; round r > 0 is the r-th repeat. */
  readonly round: number;
  /** ISO-8601 start of this round. */
  readonly roundStartedAt: string;
  /** 0-based index of the next stage to start (== stages.length: all started). */
  readonly nextStage: number;
  /** Pages not sent yet, earliest first. */
  readonly pending: readonly ScheduledPage[];
  /** Pages that failed after retries (reported each time). */
  readonly failedPages: number;
  /** True once the last round ended unacknowledged. */
  readonly done: boolean;
}

/** What happens next, and when (`$.step`). */
export type Step =
  | { readonly kind: "stage"; readonly at: string; readonly stage: number }
  | {
      readonly kind: "page";
      readonly at: string;
      readonly channel: ChannelKind;
      readonly page: ScheduledPage;
    }
  | { readonly kind: "end"; readonly at: string };

/** The check before every step (`$.check`). */
export interface CheckResult {
  /** True while nobody acknowledged and nobody resolved: the step may run. */
  readonly open: boolean;
  readonly status: string;
}

/** One stage of a level's escalation. */
export interface EngineStage {
  /** Contact aliases or `oncall:<rotation>`. */
  readonly engage: readonly string[];
  readonly minutes: number;
  readonly essential: boolean;
}

/**
 * How one level escalates: a paging level, the escalation stages and their repeat; an
 * engage-only level, one stage with its engage targets and repeat 0.
 */
export interface LevelEscalation {
  /** Stages, in order. */
  readonly stages: readonly EngineStage[];
  /** Times all stages run again when nobody acknowledged (0-5). */
  readonly repeat: number;
}

/** The plan the engine follows: no personal data (addresses live in the directory secret). */
export interface EnginePlan {
  /** Language of the Slack notes (a contact's pages use the contact's language). */
  readonly language: Language;
  /** Level name → its escalation; an execution follows `levels[input.level]`. */
  readonly levels: Readonly<Record<string, LevelEscalation>>;
  readonly contacts: readonly {
    readonly alias: string;
    readonly language: Language;
    /** Offsets from the moment the contact is engaged. */
    readonly engagement: readonly {
      readonly after: number;
      readonly via: readonly ChannelKind[];
    }[];
  }[];
  /** On-call rotations, as in the stack config (resolved by tools/timeline.ts rotationAt). */
  readonly rotations: readonly RotationConfig[];
  /** Hours an acknowledgement link stays valid. */
  readonly ackLinkHours: number;
}

/** The plan as one execution follows it: the plan with its level's stages and repeat. */
export type LevelPlan = Omit<EnginePlan, "levels"> & LevelEscalation;

/** File beside the bundle that holds the EnginePlan (it may outgrow the 4 KB environment). */
export const ENGINE_PLAN_FILE = "engine-plan.json";

/** Contacts' addresses: the directory secret's JSON, `{ "<alias>": { email?, phone? } }`. */
export type Directory = Readonly<
  Record<string, { readonly email?: string; readonly phone?: string }>
>;
