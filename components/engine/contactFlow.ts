/**
 * The voice channel's Amazon Connect contact flow, as pure data: one Flow language document
 * (Version "2019-10-30") per language, which components/engine/escalationEngine.ts deploys with
 * `aws.connect.ContactFlow` (type CONTACT_FLOW) once the flow Lambda's ARN is known. No Pulumi
 * here; tests/components/contactFlow.spec.ts asserts the document literally and walks its graph.
 *
 *   set-voice → message → message-again → press-1 → confirm-1 → record-ack → check-result
 *   press-1, confirm-1: the key 1 goes on; any other key, no key, an error → not-acknowledged
 *   record-ack (the flow Lambda): an error or its timeout → not-acknowledged
 *   check-result: $.External.result "acknowledged" → acknowledged; anything else → not-acknowledged
 *   acknowledged, not-acknowledged (a closing sentence each) → disconnect
 *
 * The contract with the engine's voice step and the flow Lambda (fixed between them):
 * - The engine starts the call with the contact attribute `message`: an SSML fragment it has
 *   already escaped (handlers/shared/messages.ts voiceMessage). The flow wraps it in
 *   `<speak><prosody rate=...>` itself and speaks it twice. Attributes are interpolated into a
 *   prompt's text by their JSONPath, `$.Attributes.<key>` ("How to reference contact attributes":
 *   "In a text field in a block, such as a Play prompt block, use the JSONPath
 *   $.Attributes.DestinationKey", https://docs.aws.amazon.com/connect/latest/adminguide/how-to-reference-attributes.html;
 *   MessageParticipant's SSML "May be specified statically or dynamically",
 *   https://docs.aws.amazon.com/connect/latest/APIReference/participant-actions-messageparticipant.html).
 *   That placeholder is the only dynamic part of any prompt; every other word comes from the
 *   message catalogue and is escaped here.
 * - Only 1 and then 1 again acknowledges: GetParticipantInput takes one DTMF digit and branches
 *   on its Conditions; any other key is NoMatchingCondition and no key within the limit is
 *   InputTimeLimitExceeded (https://docs.aws.amazon.com/connect/latest/APIReference/participant-actions-getparticipantinput.html;
 *   "Get customer input" accepts single digits,
 *   https://docs.aws.amazon.com/connect/latest/adminguide/get-customer-input.html). No key
 *   removes anyone from anything: the flow has no such branch.
 * - Then InvokeLambdaFunction calls `ackFunctionArn` synchronously within its limit
 *   ("InvocationTimeLimitSeconds ... Must be greater than 0, no larger than 8, and an integer";
 *   the response's attributes are under `$.External`,
 *   https://docs.aws.amazon.com/connect/latest/APIReference/interactions-invokelambdafunction.html).
 *   The Lambda reads `Details.ContactData.ContactId` and `Details.ContactData.Attributes` and
 *   returns a flat string map; Compare branches on `$.External.result` === "acknowledged"
 *   (https://docs.aws.amazon.com/connect/latest/APIReference/flow-control-actions-compare.html).
 *   Anything else, a Lambda error or its timeout = not acknowledged, and the escalation goes on.
 * - Every path ends in DisconnectParticipant
 *   (https://docs.aws.amazon.com/connect/latest/APIReference/participant-actions-disconnectparticipant.html).
 *
 * Flow language rules followed (https://docs.aws.amazon.com/connect/latest/APIReference/flow-language-actions.html,
 * https://docs.aws.amazon.com/connect/latest/adminguide/flow-language-example.html): Identifiers are
 * unique, at most 50 characters, without `% : ( \ / ) = $ , ; [ ] { }`; "Currently the only
 * supported version is 2019-10-30"; "A single Flow may have no more than 250 Actions defined".
 * SSML: the tags Amazon Connect supports (speak, prosody, break among them,
 * https://docs.aws.amazon.com/connect/latest/adminguide/supported-ssml-tags.html); Polly's
 * `<prosody rate>` takes a percentage (https://docs.aws.amazon.com/polly/latest/dg/prosody-tag.html).
 */
import { message, type Language, type MessageKey } from "../../handlers/shared/messages";

/** "Currently the only supported version is 2019-10-30" (flow-language-example.html). */
export const FLOW_LANGUAGE_VERSION = "2019-10-30";
/** "A single Flow may have no more than 250 Actions defined" (flow-language-example.html). */
export const MAX_FLOW_ACTIONS = 250;
/**
 * InvokeLambdaFunction waits at most this long ("no larger than 8"). The flow Lambda's own
 * timeout must be below it, so that a slow Lambda fails inside Lambda, not silently in the flow.
 */
export const FLOW_LAMBDA_TIME_LIMIT_SECONDS = 8;
/** How long each "press 1" prompt waits for the key after it has been spoken. */
export const KEYPRESS_TIME_LIMIT_SECONDS = 8;
/** Spoken speed of the alarm message: slower than Polly's default (100%). */
export const MESSAGE_SPEECH_RATE = "85%";
/** The flow Lambda's answer that means "recorded as acknowledged" (`$.External.result`). */
export const ACKNOWLEDGED_RESULT = "acknowledged";
/** The contact attribute holding the engine's escaped SSML fragment. */
export const MESSAGE_ATTRIBUTE = "message";

/**
 * Polly voices per language and their engine (Amazon Polly "Available voices",
 * https://docs.aws.amazon.com/polly/latest/dg/available-voices.html: ja-JP Kazuha and Tomoko are
 * neural only, Takumi neural and standard, Mizuki standard only; the English voices listed are
 * en-US / en-GB voices with a neural engine).
 */
export const POLLY_VOICES: Readonly<Record<Language, Readonly<Record<string, PollyEngine>>>> = {
  ja: { Kazuha: "Neural", Takumi: "Neural", Tomoko: "Neural", Mizuki: "Standard" },
  en: {
    Joanna: "Neural",
    Matthew: "Neural",
    Ruth: "Neural",
    Stephen: "Neural",
    Danielle: "Neural",
    Gregory: "Neural",
    Ivy: "Neural",
    Joey: "Neural",
    Justin: "Neural",
    Kendra: "Neural",
    Kevin: "Neural",
    Kimberly: "Neural",
    Salli: "Neural",
    Amy: "Neural",
    Emma: "Neural",
    Brian: "Neural",
    Arthur: "Neural",
  },
};

/** The voice a language gets when the stack configures none. */
export const DEFAULT_VOICES: Readonly<Record<Language, string>> = { ja: "Kazuha", en: "Joanna" };

/** UpdateContactTextToSpeechVoice's TextToSpeechEngine values used here. */
export type PollyEngine = "Neural" | "Standard";

/**
 * The Polly voice a call in `language` uses: `configured` when it speaks that language, else the
 * language's default (Kazuha for ja, Joanna for en). A configured voice that does not speak the
 * language is an error naming the voice, the language and the voices that do.
 */
export function pollyVoiceFor(language: Language, configured?: string): string {
  const voices = POLLY_VOICES[language];
  if (configured === undefined) return DEFAULT_VOICES[language];
  if (!Object.prototype.hasOwnProperty.call(voices, configured)) {
    throw new Error(
      `the Polly voice "${configured}" does not speak ${language}; use one of ${Object.keys(voices).join(", ")}`,
    );
  }
  return configured;
}

/** The engine of a voice pollyVoiceFor returned. */
export function pollyEngineFor(language: Language, voice: string): PollyEngine {
  return POLLY_VOICES[language][pollyVoiceFor(language, voice)];
}

export interface ContactFlowOptions {
  /** The callee's language: every prompt and the voice follow it. */
  readonly language: Language;
  /** A Polly voice speaking `language` (default: pollyVoiceFor's). */
  readonly voice?: string;
  /** The flow Lambda that records the keypress acknowledgement. */
  readonly ackFunctionArn: string;
}

export type FlowParameters = Readonly<Record<string, string | Readonly<Record<string, string>>>>;

export interface FlowCondition {
  readonly NextAction: string;
  readonly Condition: { readonly Operator: "Equals"; readonly Operands: readonly string[] };
}

export interface FlowError {
  readonly NextAction: string;
  readonly ErrorType: "NoMatchingError" | "NoMatchingCondition" | "InputTimeLimitExceeded";
}

export interface FlowTransitions {
  readonly NextAction?: string;
  readonly Conditions?: readonly FlowCondition[];
  readonly Errors?: readonly FlowError[];
}

export interface FlowAction {
  readonly Identifier: string;
  readonly Type:
    | "UpdateContactTextToSpeechVoice"
    | "MessageParticipant"
    | "GetParticipantInput"
    | "InvokeLambdaFunction"
    | "Compare"
    | "DisconnectParticipant";
  readonly Parameters: FlowParameters;
  readonly Transitions: FlowTransitions;
}

export interface ContactFlowDocument {
  readonly Version: typeof FLOW_LANGUAGE_VERSION;
  readonly StartAction: string;
  readonly Actions: readonly FlowAction[];
}

/** Escapes text for SSML (XML character data and attribute values). */
export function escapeSsml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

const ID = {
  setVoice: "set-voice",
  message: "message",
  messageAgain: "message-again",
  press1: "press-1",
  confirm1: "confirm-1",
  recordAck: "record-ack",
  checkResult: "check-result",
  acknowledged: "acknowledged",
  notAcknowledged: "not-acknowledged",
  disconnect: "disconnect",
} as const;

/** The flow's prompts, in the contact's language, as complete SSML documents. */
export function flowPrompts(language: Language): {
  readonly message: string;
  readonly messageAgain: string;
  readonly press1: string;
  readonly confirm1: string;
  readonly acknowledged: string;
  readonly notAcknowledged: string;
} {
  const say = (key: MessageKey): string => escapeSsml(message(key, language));
  const spoken = `$.Attributes.${MESSAGE_ATTRIBUTE}`;
  const slow = (inner: string): string =>
    `<speak><prosody rate="${MESSAGE_SPEECH_RATE}">${inner}</prosody></speak>`;
  return {
    message: slow(spoken),
    messageAgain: slow(`<break time="1s"/>${say("voice.flow.again")} ${spoken}`),
    press1: slow(say("voice.flow.pressOne")),
    confirm1: slow(say("voice.flow.confirm")),
    acknowledged: slow(say("voice.flow.acknowledged")),
    notAcknowledged: slow(say("voice.flow.notAcknowledged")),
  };
}

/** A prompt that goes on to `next` whether or not it could be played. */
function speak(identifier: string, ssml: string, next: string): FlowAction {
  return {
    Identifier: identifier,
    Type: "MessageParticipant",
    Parameters: { SSML: ssml },
    Transitions: { NextAction: next, Errors: [{ NextAction: next, ErrorType: "NoMatchingError" }] },
  };
}

/** One DTMF digit: "1" goes to `onOne`; any other key, no key or an error to `otherwise`. */
function expectOne(identifier: string, ssml: string, onOne: string, otherwise: string): FlowAction {
  return {
    Identifier: identifier,
    Type: "GetParticipantInput",
    Parameters: {
      SSML: ssml,
      InputTimeLimitSeconds: String(KEYPRESS_TIME_LIMIT_SECONDS),
      StoreInput: "False",
    },
    Transitions: {
      NextAction: otherwise,
      Conditions: [{ NextAction: onOne, Condition: { Operator: "Equals", Operands: ["1"] } }],
      Errors: [
        { NextAction: otherwise, ErrorType: "InputTimeLimitExceeded" },
        { NextAction: otherwise, ErrorType: "NoMatchingCondition" },
        { NextAction: otherwise, ErrorType: "NoMatchingError" },
      ],
    },
  };
}

/** The contact flow for calls in `opts.language` (see the module comment). */
export function buildContactFlow(opts: ContactFlowOptions): ContactFlowDocument {
  if (opts.ackFunctionArn.trim() === "") {
    throw new Error("buildContactFlow: ackFunctionArn is empty");
  }
  const voice = pollyVoiceFor(opts.language, opts.voice);
  const prompts = flowPrompts(opts.language);
  const actions: FlowAction[] = [
    {
      Identifier: ID.setVoice,
      Type: "UpdateContactTextToSpeechVoice",
      Parameters: {
        TextToSpeechVoice: voice,
        TextToSpeechEngine: pollyEngineFor(opts.language, voice),
        TextToSpeechStyle: "None",
      },
      // An invalid voice leaves the default one; the call still goes on (and can be acknowledged).
      Transitions: {
        NextAction: ID.message,
        Errors: [{ NextAction: ID.message, ErrorType: "NoMatchingError" }],
      },
    },
    speak(ID.message, prompts.message, ID.messageAgain),
    speak(ID.messageAgain, prompts.messageAgain, ID.press1),
    expectOne(ID.press1, prompts.press1, ID.confirm1, ID.notAcknowledged),
    expectOne(ID.confirm1, prompts.confirm1, ID.recordAck, ID.notAcknowledged),
    {
      Identifier: ID.recordAck,
      Type: "InvokeLambdaFunction",
      Parameters: {
        LambdaFunctionARN: opts.ackFunctionArn,
        InvocationTimeLimitSeconds: String(FLOW_LAMBDA_TIME_LIMIT_SECONDS),
        InvocationType: "SYNCHRONOUS",
        ResponseValidation: { ResponseType: "STRING_MAP" },
      },
      Transitions: {
        NextAction: ID.checkResult,
        Errors: [{ NextAction: ID.notAcknowledged, ErrorType: "NoMatchingError" }],
      },
    },
    {
      Identifier: ID.checkResult,
      Type: "Compare",
      Parameters: { ComparisonValue: "$.External.result" },
      Transitions: {
        NextAction: ID.notAcknowledged,
        Conditions: [
          {
            NextAction: ID.acknowledged,
            Condition: { Operator: "Equals", Operands: [ACKNOWLEDGED_RESULT] },
          },
        ],
        Errors: [{ NextAction: ID.notAcknowledged, ErrorType: "NoMatchingCondition" }],
      },
    },
    speak(ID.acknowledged, prompts.acknowledged, ID.disconnect),
    speak(ID.notAcknowledged, prompts.notAcknowledged, ID.disconnect),
    { Identifier: ID.disconnect, Type: "DisconnectParticipant", Parameters: {}, Transitions: {} },
  ];
  return { Version: FLOW_LANGUAGE_VERSION, StartAction: ID.setVoice, Actions: actions };
}

/** The flow as CreateContactFlow's / aws.connect.ContactFlow's `Content` string. */
export function contactFlowContent(opts: ContactFlowOptions): string {
  return JSON.stringify(buildContactFlow(opts));
}
