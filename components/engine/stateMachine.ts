/**
 * The escalation engine's state machine, as pure data: one Amazon States Language definition for
 * a Step Functions STANDARD state machine, one execution per incident, and the execution's name.
 * No Pulumi here: components/engine/escalationEngine.ts serialises `engineDefinition(...)` once
 * the function's ARN is known; tests validate it with asl-validator and run it with
 * aws-local-stepfunctions.
 *
 * The loop (every Task state is the one engine Lambda, `{"action": ...}`):
 *
 *   Start → NextStep → WaitForStep → CheckIncident ─(acknowledged/resolved)→ Stopped
 *              ↑                           │ open
 *              │                       StepKind ─ stage → StartStage ─────────────┐
 *              │                           ├──── page/email → Send_email ─────────┤
 *              │                           ├──── page/sms   → Send_sms ───────────┤
 *              │                           ├──── page/voice → Send_voice ─────────┤
 *              │                           ├──── page/other → NoSender → PageFailed┤
 *              │                           └──── end → Exhausted → RepeatOrEnd ─ done → Unacknowledged
 *              └──────────────────────────────────────────────────────────────────┘
 *
 * - The incident is checked after every wait, before any stage or page; the send itself records
 *   the page only while the incident is open (handlers/shared/incidentStore.ts recordPage), so an
 *   acknowledgement between the check and the send still stops it.
 * - Every Task retries the transient errors with backoff: the Lambda service errors the Step
 *   Functions guide lists ("Handle Lambda service exceptions",
 *   https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html:
 *   Lambda.ClientExecutionTimeoutException, ServiceException, AWSLambdaException,
 *   SdkClientException; Lambda.TooManyRequestsException when Lambda is at its limit) and the
 *   engine's own EngineTransientError; Lambda.Unknown (function timeout, out of memory) twice.
 * - A page that still fails is caught into PageFailed: recorded on the timeline, posted to Slack,
 *   counted as PagesGivenUp (alarmed on), and the escalation goes on. Anything else that still
 *   fails goes to ReportFailure (a Slack note) and then EngineFailed, a Fail state: the execution
 *   fails, and the component alarms on ExecutionsFailed / TimedOut / Aborted.
 * - The document the execution carries: `$.input` (EngineInput), `$.run` (RunState), `$.step`,
 *   `$.check`, `$.failure` (handlers/engine/protocol.ts).
 */
import {
  ENGINE_CHANNELS,
  TRANSIENT_ERROR,
  type Action,
  type EnginePlan,
  type LevelEscalation,
} from "../../handlers/engine/protocol";

/** Step Functions quotas the definition is sized against (Step Functions developer guide, "Step Functions service quotas"). */
export const STEP_FUNCTIONS_LIMITS = {
  /** "Maximum execution history size: 25,000 events" (Standard workflows). */
  historyEvents: 25_000,
  /** "Maximum execution time: 1 year" (Standard workflows). */
  executionSeconds: 365 * 24 * 3600,
} as const;

// The execution name lives in a pure module the router bundle shares (no Pulumi there).
export {
  EXECUTION_NAME_MAX,
  EXECUTION_NAME_PATTERN,
  executionName,
} from "../../handlers/shared/executionName";

// ---------------------------------------------------------------------------------------------
// The definition

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type State = { [key: string]: Json };

/** Retry of every Task: transient errors with backoff (2, 4, 8, 16, 32, 64 s, full jitter). */
export const TASK_RETRY: Json[] = [
  {
    ErrorEquals: [
      "Lambda.ClientExecutionTimeoutException",
      "Lambda.ServiceException",
      "Lambda.AWSLambdaException",
      "Lambda.SdkClientException",
      "Lambda.TooManyRequestsException",
      TRANSIENT_ERROR,
    ],
    IntervalSeconds: 2,
    MaxAttempts: 6,
    BackoffRate: 2,
    MaxDelaySeconds: 60,
    JitterStrategy: "FULL",
  },
  { ErrorEquals: ["Lambda.Unknown"], IntervalSeconds: 5, MaxAttempts: 2, BackoffRate: 2 },
];

/**
 * Retry of the Send_voice Task: Amazon Connect admits StartOutboundVoiceContact at 2 requests a
 * second (burst 5) per account and Region, and 10 concurrent calls per instance by default
 * (Amazon Connect administrator guide, "Amazon Connect service quotas",
 * https://docs.aws.amazon.com/connect/latest/adminguide/amazon-connect-service-limits.html:
 * "StartOutboundVoiceContact: 2 requests per second, burst 5"; "Concurrent active calls per
 * instance: 10"). Above either, Connect answers ThrottlingException / LimitExceededException,
 * which the engine classifies as EngineTransientError (handlers/engine/adapters.ts classify): a
 * storm's calls wait here and go out as the earlier calls end, never dropped. Full jitter
 * (States Language `JitterStrategy: "FULL"`, Step Functions developer guide, "Handling errors in
 * Step Functions workflows": each interval randomized between 0 and the backoff interval) keeps
 * 30 executions that were throttled together from coming back together. 20 attempts after the
 * first, 2 s doubling to at most 120 s: up to 30 minutes of waiting (15 on average), which
 * tests/handlers/engine.voicePacing.spec.ts shows places every call of 30 simultaneous
 * incidents within 10 minutes (calls of up to 3 minutes; 300 seeded storms, none dropped). After the last attempt the page fails into PageFailed (recorded,
 * said in Slack, PagesGivenUp alarmed on) and the escalation goes on.
 */
export const VOICE_RETRY: Json[] = [
  {
    ErrorEquals: [
      "Lambda.ClientExecutionTimeoutException",
      "Lambda.ServiceException",
      "Lambda.AWSLambdaException",
      "Lambda.SdkClientException",
      "Lambda.TooManyRequestsException",
      TRANSIENT_ERROR,
    ],
    IntervalSeconds: 2,
    MaxAttempts: 20,
    BackoffRate: 2,
    MaxDelaySeconds: 120,
    JitterStrategy: "FULL",
  },
  { ErrorEquals: ["Lambda.Unknown"], IntervalSeconds: 5, MaxAttempts: 2, BackoffRate: 2 },
];

/** The Retry of a channel's Send Task. */
export const channelRetry = (channel: string): Json[] =>
  channel === "voice" ? VOICE_RETRY : TASK_RETRY;

/** Seconds a Task may take (the function's timeout is shorter: components/engine/escalationEngine.ts). */
export const TASK_TIMEOUT_SECONDS = 60;

/** The Task state of one channel. */
export const channelState = (channel: string): string => `Send_${channel}`;

function task(
  functionArn: string,
  action: Action,
  parameters: { [key: string]: Json },
  resultPath: string | null,
  next: string,
  catchTo: string,
  retry: Json[] = TASK_RETRY,
): State {
  return {
    Type: "Task",
    // The function ARN as Resource: the state's effective input is the event, the function's
    // answer is the result (Step Functions developer guide, "Invoke an AWS Lambda function":
    // the Lambda ARN form of Resource).
    Resource: functionArn,
    Parameters: { action, ...parameters },
    // "$" (the result replaces the input) is ResultPath's default (States Language
    // specification, "ResultPath": "If ResultPath is not specified, it defaults to $"); it is
    // left out rather than spelled, which aws-local-stepfunctions 3.0.0 misreads as a key "$".
    ...(resultPath === "$" ? {} : { ResultPath: resultPath }),
    TimeoutSeconds: TASK_TIMEOUT_SECONDS,
    Retry: retry,
    Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.failure", Next: catchTo }],
    Next: next,
  };
}

export interface DefinitionOptions {
  /** The engine function's ARN (unqualified). */
  readonly functionArn: string;
  /** Execution timeout in seconds (executionTimeoutSeconds of the plan). */
  readonly timeoutSeconds: number;
}

/** The state machine's definition (an ASL document). */
export function engineDefinition(options: DefinitionOptions): { [key: string]: Json } {
  const fn = options.functionArn;
  const doc = { "input.$": "$.input", "run.$": "$.run" };
  const withStep = { ...doc, "step.$": "$.step" };
  const states: { [name: string]: State } = {
    // The incident id is the execution's own name, from the Context object (Step Functions
    // developer guide, "Accessing execution data from the Context object",
    // https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html:
    // `$$.Execution.Name`, `$$.Execution.Id` (the execution ARN), `$$.Execution.Input`), never
    // the input's: the router names its executions from the alarm and its state-change time, and an
    // execution EventBridge starts (a generated name) opens its incident under that name too.
    Start: task(
      fn,
      "start",
      {
        "input.$": "$",
        "executionName.$": "$$.Execution.Name",
        "executionArn.$": "$$.Execution.Id",
      },
      "$",
      "NextStep",
      "ReportFailure",
    ),
    NextStep: task(fn, "next", doc, "$", "WaitForStep", "ReportFailure"),
    WaitForStep: { Type: "Wait", TimestampPath: "$.step.at", Next: "CheckIncident" },
    CheckIncident: task(fn, "check", withStep, "$.check", "IsOpen", "ReportFailure"),
    IsOpen: {
      Type: "Choice",
      Choices: [{ Variable: "$.check.open", BooleanEquals: true, Next: "StepKind" }],
      Default: "Stopped",
    },
    StepKind: {
      Type: "Choice",
      Choices: [
        { Variable: "$.step.kind", StringEquals: "stage", Next: "StartStage" },
        { Variable: "$.step.kind", StringEquals: "end", Next: "Exhausted" },
        ...ENGINE_CHANNELS.map((channel): Json => ({
          And: [
            { Variable: "$.step.kind", StringEquals: "page" },
            { Variable: "$.step.channel", StringEquals: channel },
          ],
          Next: channelState(channel),
        })),
      ],
      Default: "NoSender",
    },
    StartStage: task(fn, "stage", withStep, "$.run", "NextStep", "ReportFailure"),
    ...Object.fromEntries(
      ENGINE_CHANNELS.map((channel) => [
        channelState(channel),
        task(
          fn,
          "send",
          { channel, "input.$": "$.input", "step.$": "$.step" },
          "$.sent",
          "NextStep",
          "PageFailed",
          channelRetry(channel),
        ),
      ]),
    ),
    NoSender: {
      Type: "Pass",
      Result: { Error: "EngineNoSender", Cause: "no Task state sends over this channel" },
      ResultPath: "$.failure",
      Next: "PageFailed",
    },
    PageFailed: task(
      fn,
      "pageFailed",
      { ...withStep, "failure.$": "$.failure" },
      "$.run",
      "NextStep",
      "ReportFailure",
    ),
    Exhausted: task(fn, "exhausted", doc, "$.run", "RepeatOrEnd", "ReportFailure"),
    RepeatOrEnd: {
      Type: "Choice",
      Choices: [{ Variable: "$.run.done", BooleanEquals: true, Next: "Unacknowledged" }],
      Default: "NextStep",
    },
    Stopped: { Type: "Succeed", Comment: "acknowledged or resolved: nothing pending is sent" },
    Unacknowledged: { Type: "Succeed", Comment: "every round ended without an acknowledgement" },
    ReportFailure: {
      ...task(
        fn,
        "failed",
        {
          "input.$": "$$.Execution.Input",
          "executionName.$": "$$.Execution.Name",
          "failure.$": "$.failure",
        },
        null,
        "EngineFailed",
        "EngineFailed",
      ),
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.reportFailure", Next: "EngineFailed" }],
    },
    EngineFailed: {
      Type: "Fail",
      Error: "EscalationEngineFailed",
      Cause: "a Task failed after its retries; pending pages were not sent",
    },
  };
  return {
    Comment: "incident-escalation: one execution per incident (components/engine/stateMachine.ts)",
    StartAt: "Start",
    TimeoutSeconds: options.timeoutSeconds,
    States: states,
  };
}

// ---------------------------------------------------------------------------------------------
// Sizing

/**
 * Minutes of the longest round of one level (all levels when `level` is absent): each stage's
 * start plus the longest engagement it may start.
 */
export function roundMinutes(plan: EnginePlan, level?: string): number {
  if (level === undefined) {
    return Math.max(0, ...Object.keys(plan.levels).map((name) => roundMinutes(plan, name)));
  }
  const longest = Math.max(0, ...plan.contacts.flatMap((c) => c.engagement.map((s) => s.after)));
  let at = 0;
  let end = 0;
  for (const stage of plan.levels[level].stages) {
    end = Math.max(end, at + longest, at + stage.minutes);
    at += stage.minutes;
  }
  return end;
}

/**
 * Execution timeout (one state machine for every level): the longest level's rounds at their
 * longest, plus an hour for retries and slow tasks.
 */
export function executionTimeoutSeconds(plan: EnginePlan): number {
  const levelSeconds = Object.entries(plan.levels).map(
    ([name, level]) => (level.repeat + 1) * roundMinutes(plan, name) * 60,
  );
  return Math.max(0, ...levelSeconds) + 3600;
}

/**
 * An upper bound on the history events of one execution: per step, the Task that plans it, the
 * wait, the check, two choices and the step's Task (each Task state: entered, scheduled, started,
 * succeeded, exited = 5; Wait and Choice: entered, exited = 2), plus six retried attempts of each
 * of its Tasks (3 events each). Pages: every contact a stage may engage (all members of a
 * rotation) times their channels.
 */
export function historyEventsBound(plan: EnginePlan): number {
  return Math.max(
    0,
    ...Object.values(plan.levels).map((level) => levelHistoryEventsBound(plan, level)),
  );
}

function levelHistoryEventsBound(plan: EnginePlan, level: LevelEscalation): number {
  const pagesOf = (alias: string): number =>
    plan.contacts
      .find((c) => c.alias === alias)
      ?.engagement.reduce((n, s) => n + s.via.length, 0) ?? 0;
  // A call may be retried VOICE_RETRY's attempts instead of TASK_RETRY's (3 events each).
  const callsOf = (alias: string): number =>
    plan.contacts
      .find((c) => c.alias === alias)
      ?.engagement.reduce((n, s) => n + s.via.filter((v) => v === "voice").length, 0) ?? 0;
  let calls = 0;
  let pages = 0;
  for (const stage of level.stages) {
    for (const ref of stage.engage) {
      const members = ref.startsWith("oncall:")
        ? (plan.rotations.find((r) => r.name === ref.slice(7))?.members ?? [])
        : [ref];
      pages += members.reduce((n, m) => n + pagesOf(m), 0);
      calls += members.reduce((n, m) => n + callsOf(m), 0);
    }
  }
  const steps = (level.repeat + 1) * (pages + level.stages.length + 1);
  const perStep = 5 + 2 + 5 + 2 + 2 + 5 + 3 * 3 * 6;
  const voiceAttempts = (VOICE_RETRY[0] as { MaxAttempts: number }).MaxAttempts;
  const perCall = 3 * Math.max(0, voiceAttempts - 6);
  return 10 + steps * perStep + (level.repeat + 1) * calls * perCall;
}
