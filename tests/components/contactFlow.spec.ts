/**
 * The voice channel's contact flow (components/engine/contactFlow.ts): the Flow language document
 * literally for ja and en, the Polly voice choice, the prompts' SSML (well-formed, only the tags
 * allowed here, the contact attribute placeholder the only dynamic part, catalogue words escaped),
 * the DTMF branches walked by a small interpreter of the documented action semantics (1 then 1 →
 * the Lambda; anything else or no key → not acknowledged), the graph (every transition points at
 * an action, every path ends in DisconnectParticipant, no cycles), at most 250 actions, and the
 * CreateContactFlow request checked against aws-models/connect.json plus Content's documented
 * maximum length.
 *
 * What this spec does NOT prove: that Amazon Connect accepts and publishes the document (only a
 * real instance validates the Flow language; the model has no schema for Content), how Polly
 * pronounces the Japanese, that Connect interpolates `$.Attributes.message` into SSML exactly as
 * the admin guide describes for text fields, or what the flow Lambda returns (its own spec).
 */
import { strict as assert } from "node:assert";
import {
  buildContactFlow,
  contactFlowContent,
  escapeSsml,
  flowPrompts,
  pollyEngineFor,
  pollyVoiceFor,
  type ContactFlowDocument,
  type FlowAction,
} from "../../components/engine/contactFlow";
import { checkOperationInput } from "../support/apiModel";

const ARN = "arn:aws:lambda:ap-northeast-1:123456789012:function:ie-selfhosted-voice-ack";

const NOT_ACK_ERRORS = [
  { NextAction: "not-acknowledged", ErrorType: "InputTimeLimitExceeded" },
  { NextAction: "not-acknowledged", ErrorType: "NoMatchingCondition" },
  { NextAction: "not-acknowledged", ErrorType: "NoMatchingError" },
];

/** The flow for `voice`/`engine` with the given (already SSML) prompts, written out by hand. */
function expectedFlow(
  voice: string,
  engine: string,
  p: { again: string; press1: string; confirm: string; ack: string; notAck: string },
): unknown {
  return {
    Version: "2019-10-30",
    StartAction: "set-voice",
    Actions: [
      {
        Identifier: "set-voice",
        Type: "UpdateContactTextToSpeechVoice",
        Parameters: {
          TextToSpeechVoice: voice,
          TextToSpeechEngine: engine,
          TextToSpeechStyle: "None",
        },
        Transitions: {
          NextAction: "message",
          Errors: [{ NextAction: "message", ErrorType: "NoMatchingError" }],
        },
      },
      {
        Identifier: "message",
        Type: "MessageParticipant",
        Parameters: { SSML: '<speak><prosody rate="85%">$.Attributes.message</prosody></speak>' },
        Transitions: {
          NextAction: "message-again",
          Errors: [{ NextAction: "message-again", ErrorType: "NoMatchingError" }],
        },
      },
      {
        Identifier: "message-again",
        Type: "MessageParticipant",
        Parameters: {
          SSML: `<speak><prosody rate="85%"><break time="1s"/>${p.again} $.Attributes.message</prosody></speak>`,
        },
        Transitions: {
          NextAction: "press-1",
          Errors: [{ NextAction: "press-1", ErrorType: "NoMatchingError" }],
        },
      },
      {
        Identifier: "press-1",
        Type: "GetParticipantInput",
        Parameters: {
          SSML: `<speak><prosody rate="85%">${p.press1}</prosody></speak>`,
          InputTimeLimitSeconds: "8",
          StoreInput: "False",
        },
        Transitions: {
          NextAction: "not-acknowledged",
          Conditions: [
            { NextAction: "confirm-1", Condition: { Operator: "Equals", Operands: ["1"] } },
          ],
          Errors: NOT_ACK_ERRORS,
        },
      },
      {
        Identifier: "confirm-1",
        Type: "GetParticipantInput",
        Parameters: {
          SSML: `<speak><prosody rate="85%">${p.confirm}</prosody></speak>`,
          InputTimeLimitSeconds: "8",
          StoreInput: "False",
        },
        Transitions: {
          NextAction: "not-acknowledged",
          Conditions: [
            { NextAction: "record-ack", Condition: { Operator: "Equals", Operands: ["1"] } },
          ],
          Errors: NOT_ACK_ERRORS,
        },
      },
      {
        Identifier: "record-ack",
        Type: "InvokeLambdaFunction",
        Parameters: {
          LambdaFunctionARN: ARN,
          InvocationTimeLimitSeconds: "8",
          InvocationType: "SYNCHRONOUS",
          ResponseValidation: { ResponseType: "STRING_MAP" },
        },
        Transitions: {
          NextAction: "check-result",
          Errors: [{ NextAction: "not-acknowledged", ErrorType: "NoMatchingError" }],
        },
      },
      {
        Identifier: "check-result",
        Type: "Compare",
        Parameters: { ComparisonValue: "$.External.result" },
        Transitions: {
          NextAction: "not-acknowledged",
          Conditions: [
            {
              NextAction: "acknowledged",
              Condition: { Operator: "Equals", Operands: ["acknowledged"] },
            },
          ],
          Errors: [{ NextAction: "not-acknowledged", ErrorType: "NoMatchingCondition" }],
        },
      },
      {
        Identifier: "acknowledged",
        Type: "MessageParticipant",
        Parameters: { SSML: `<speak><prosody rate="85%">${p.ack}</prosody></speak>` },
        Transitions: {
          NextAction: "disconnect",
          Errors: [{ NextAction: "disconnect", ErrorType: "NoMatchingError" }],
        },
      },
      {
        Identifier: "not-acknowledged",
        Type: "MessageParticipant",
        Parameters: { SSML: `<speak><prosody rate="85%">${p.notAck}</prosody></speak>` },
        Transitions: {
          NextAction: "disconnect",
          Errors: [{ NextAction: "disconnect", ErrorType: "NoMatchingError" }],
        },
      },
      { Identifier: "disconnect", Type: "DisconnectParticipant", Parameters: {}, Transitions: {} },
    ],
  };
}

const JA_PROMPTS = {
  again: "もう一度お伝えします。",
  press1: "この呼び出しを確認する場合は、1 を押してください。",
  confirm: "確認のため、もう一度 1 を押してください。",
  ack: "ありがとうございます。確認を記録しました。失礼します。",
  notAck:
    "この電話では確認されませんでした。エスカレーションは続きます。メールまたは SMS のリンクからも確認できます。失礼します。",
};
const EN_PROMPTS = {
  again: "Once again.",
  press1: "To acknowledge this call, press 1.",
  confirm: "To confirm, press 1 again.",
  ack: "Thank you. Your acknowledgement is recorded. Goodbye.",
  notAck:
    "This call was not acknowledged. The escalation continues. You can still acknowledge with the link in your e-mail or SMS. Goodbye.",
};

// ---------------------------------------------------------------------------------------------
// An SSML checker: well-formed XML, only these tags and attributes, only these entities.
// ---------------------------------------------------------------------------------------------

/** Tag → allowed attribute → allowed value. Connect's supported tags are a superset of these. */
const ALLOWED: Record<string, Record<string, RegExp>> = {
  speak: {},
  prosody: { rate: /^\d{2,3}%$/ },
  break: { time: /^\d+(ms|s)$/ },
};

/** Violations of the SSML rules above; [] when `ssml` passes. */
function ssmlViolations(ssml: string): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z:-]+)((?:\s+[a-zA-Z:-]+="[^"<>]*")*)\s*(\/?)>/y;
  let i = 0;
  let text = "";
  while (i < ssml.length) {
    if (ssml[i] === "<") {
      tag.lastIndex = i;
      const m = tag.exec(ssml);
      if (!m) {
        out.push(`malformed markup at ${i}`);
        break;
      }
      const [whole, closing, name, attrs, selfClosing] = m;
      const allowed = ALLOWED[name];
      if (!allowed) out.push(`tag <${name}> is not allowed`);
      for (const a of (attrs ?? "").matchAll(/([a-zA-Z:-]+)="([^"]*)"/g)) {
        const rule = allowed?.[a[1]];
        if (!rule) out.push(`attribute ${a[1]} of <${name}> is not allowed`);
        else if (!rule.test(a[2])) out.push(`${name}.${a[1]}="${a[2]}" is not allowed`);
      }
      if (closing) {
        if (stack.pop() !== name) out.push(`</${name}> closes nothing open`);
      } else if (!selfClosing) {
        if (stack.length === 0 && name !== "speak") out.push("the document is not one <speak>");
        stack.push(name);
      }
      if (stack.length === 0 && !closing && !selfClosing) out.push("unbalanced");
      i += whole.length;
    } else {
      if (stack.length === 0) out.push(`text outside <speak> at ${i}`);
      text += ssml[i];
      i += 1;
    }
  }
  if (stack.length > 0) out.push(`unclosed <${stack.join("> <")}>`);
  if (!ssml.startsWith("<speak>") || !ssml.endsWith("</speak>")) out.push("not one <speak>");
  for (const amp of text.matchAll(/&([^;\s]*;?)/g)) {
    if (!/^(amp|lt|gt|quot|apos);$/.test(amp[1])) out.push(`bad entity &${amp[1]}`);
  }
  if (/[>]/.test(text)) out.push("a bare > in the text");
  // The only dynamic part of a prompt is the engine's message attribute.
  const dynamic = [...text.matchAll(/\$\.[A-Za-z.[\]'_]+/g)].map((m) => m[0]);
  for (const d of dynamic) if (d !== "$.Attributes.message") out.push(`dynamic part ${d}`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// A walk of the documented semantics of the actions the flow uses.
// ---------------------------------------------------------------------------------------------

type Key = string | "timeout";
type LambdaOutcome = { result: string } | "error";

/** The action identifiers visited by a call that presses `keys` and gets `lambda` back. */
function walk(
  flow: ContactFlowDocument,
  keys: readonly Key[],
  lambda: LambdaOutcome,
): { path: string[]; lambdaCalls: number } {
  const byId = new Map(flow.Actions.map((a) => [a.Identifier, a]));
  const path: string[] = [];
  let lambdaCalls = 0;
  let external: Record<string, string> = {};
  let k = 0;
  let id: string | undefined = flow.StartAction;
  const onError = (a: FlowAction, type: string): string | undefined =>
    a.Transitions.Errors?.find((e) => e.ErrorType === type)?.NextAction;
  const onCondition = (a: FlowAction, value: string): string | undefined =>
    a.Transitions.Conditions?.find((c) => c.Condition.Operands.includes(value))?.NextAction;
  while (id !== undefined) {
    const action = byId.get(id);
    assert.ok(action, `transition to unknown action ${id}`);
    path.push(id);
    assert.ok(path.length <= flow.Actions.length, "the walk loops");
    switch (action.Type) {
      case "DisconnectParticipant":
        id = undefined;
        break;
      case "GetParticipantInput": {
        const key = keys[k++] ?? "timeout";
        id =
          key === "timeout"
            ? onError(action, "InputTimeLimitExceeded")
            : (onCondition(action, key) ?? onError(action, "NoMatchingCondition"));
        assert.ok(id, `${action.Identifier}: no branch for ${key}`);
        break;
      }
      case "InvokeLambdaFunction":
        lambdaCalls += 1;
        if (lambda === "error") {
          id = onError(action, "NoMatchingError");
        } else {
          external = lambda;
          id = action.Transitions.NextAction;
        }
        break;
      case "Compare": {
        assert.equal(action.Parameters.ComparisonValue, "$.External.result");
        const value = external.result ?? "";
        id = onCondition(action, value) ?? onError(action, "NoMatchingCondition");
        break;
      }
      default:
        id = action.Transitions.NextAction;
    }
  }
  return { path, lambdaCalls };
}

const HEAD = ["set-voice", "message", "message-again", "press-1"];

describe("contact flow (components/engine/contactFlow.ts)", () => {
  describe("the document, literally", () => {
    it("ja: Kazuha (neural), the Japanese prompts, 1 then 1 → the Lambda → its result", () => {
      const flow = buildContactFlow({ language: "ja", ackFunctionArn: ARN });
      assert.deepEqual(flow, expectedFlow("Kazuha", "Neural", JA_PROMPTS));
    });

    it("en: Joanna (neural), the English prompts", () => {
      const flow = buildContactFlow({ language: "en", ackFunctionArn: ARN });
      assert.deepEqual(flow, expectedFlow("Joanna", "Neural", EN_PROMPTS));
    });

    it("ja with the configured standard voice Mizuki: TextToSpeechEngine Standard", () => {
      const flow = buildContactFlow({ language: "ja", voice: "Mizuki", ackFunctionArn: ARN });
      assert.deepEqual(flow, expectedFlow("Mizuki", "Standard", JA_PROMPTS));
    });

    it("contactFlowContent is the document as one JSON string", () => {
      const content = contactFlowContent({ language: "en", voice: "Matthew", ackFunctionArn: ARN });
      assert.deepEqual(JSON.parse(content), expectedFlow("Matthew", "Neural", EN_PROMPTS));
    });

    it("refuses an empty Lambda ARN", () => {
      assert.throws(
        () => buildContactFlow({ language: "ja", ackFunctionArn: " " }),
        /^Error: buildContactFlow: ackFunctionArn is empty$/,
      );
    });
  });

  describe("the Polly voice (UpdateContactTextToSpeechVoice; Polly's available voices)", () => {
    const table: [string, "ja" | "en", string | undefined, string, string][] = [
      ["ja default", "ja", undefined, "Kazuha", "Neural"],
      ["ja Takumi", "ja", "Takumi", "Takumi", "Neural"],
      ["ja Tomoko", "ja", "Tomoko", "Tomoko", "Neural"],
      ["ja Mizuki (standard only)", "ja", "Mizuki", "Mizuki", "Standard"],
      ["en default", "en", undefined, "Joanna", "Neural"],
      ["en Ruth", "en", "Ruth", "Ruth", "Neural"],
      ["en Amy (en-GB)", "en", "Amy", "Amy", "Neural"],
    ];
    for (const [title, language, configured, voice, engine] of table) {
      it(`${title} → ${voice} (${engine})`, () => {
        assert.equal(pollyVoiceFor(language, configured), voice);
        assert.equal(pollyEngineFor(language, voice), engine);
      });
    }

    it("a voice that does not speak the language is refused, naming the voices that do", () => {
      assert.throws(
        () => pollyVoiceFor("ja", "Joanna"),
        /^Error: the Polly voice "Joanna" does not speak ja; use one of Kazuha, Takumi, Tomoko, Mizuki$/,
      );
      assert.throws(
        () => pollyVoiceFor("en", "Kazuha"),
        /"Kazuha" does not speak en; use one of Joanna, /,
      );
      assert.throws(() => pollyVoiceFor("ja", "kazuha"), /does not speak ja/);
      assert.throws(() => pollyVoiceFor("ja", "toString"), /does not speak ja/);
      assert.throws(() =>
        buildContactFlow({ language: "en", voice: "Mizuki", ackFunctionArn: ARN }),
      );
    });
  });

  describe("the prompts' SSML", () => {
    for (const language of ["ja", "en"] as const) {
      it(`${language}: every prompt is one well-formed <speak>, only speak/prosody/break, only $.Attributes.message dynamic`, () => {
        const flow = buildContactFlow({ language, ackFunctionArn: ARN });
        const ssml = flow.Actions.flatMap((a) =>
          typeof a.Parameters.SSML === "string" ? [a.Parameters.SSML] : [],
        );
        assert.equal(ssml.length, 6);
        for (const s of ssml) assert.deepEqual(ssmlViolations(s), [], s);
        // Spoken twice: the message, then "once again" and the message.
        assert.equal(ssml.filter((s) => s.includes("$.Attributes.message")).length, 2);
        // No other attribute, no Text or PromptId alongside SSML (GetParticipantInput /
        // MessageParticipant take only one of them).
        for (const a of flow.Actions) {
          assert.ok(!("Text" in a.Parameters) && !("PromptId" in a.Parameters), a.Identifier);
        }
      });
    }

    it("the checker judges: it refuses an unescaped alarm name, an injected tag and a foreign attribute", () => {
      const wrap = (inner: string): string =>
        `<speak><prosody rate="85%">${inner}</prosody></speak>`;
      assert.deepEqual(ssmlViolations(wrap("api & db 5xx")), ["bad entity &"]);
      const injected = ssmlViolations(wrap('a</prosody><audio src="x"/>'));
      assert.ok(injected.includes("tag <audio> is not allowed"), injected.join("; "));
      assert.ok(injected.includes("attribute src of <audio> is not allowed"), injected.join("; "));
      assert.ok(
        ssmlViolations(wrap("$.Attributes.contact")).includes("dynamic part $.Attributes.contact"),
      );
      assert.deepEqual(ssmlViolations('<speak><prosody pitch="high">x</prosody></speak>'), [
        "attribute pitch of <prosody> is not allowed",
      ]);
    });

    it("an alarm fragment escaped the way the engine must (& < > \" ') keeps the spoken prompt well-formed once interpolated", () => {
      const hostile = 'api&db <5xx> "</prosody><break time="10s"/>" it\'s';
      const fragment = escapeSsml(hostile);
      assert.equal(
        fragment,
        "api&amp;db &lt;5xx&gt; &quot;&lt;/prosody&gt;&lt;break time=&quot;10s&quot;/&gt;&quot; it&apos;s",
      );
      const { message, messageAgain } = flowPrompts("ja");
      for (const prompt of [message, messageAgain]) {
        const spoken: string = prompt.replace("$.Attributes.message", fragment);
        assert.deepEqual(ssmlViolations(spoken), [], spoken);
        assert.ok(!spoken.includes('<break time="10s"/>'));
      }
      // The same text unescaped would break out of the prosody: what the engine's escape prevents.
      assert.notDeepEqual(ssmlViolations(message.replace("$.Attributes.message", hostile)), []);
    });
  });

  describe("the DTMF branches (GetParticipantInput, InvokeLambdaFunction, Compare as documented)", () => {
    const flow = buildContactFlow({ language: "ja", ackFunctionArn: ARN });
    const ACK: LambdaOutcome = { result: "acknowledged" };
    const ENDS_NOT_ACK = ["not-acknowledged", "disconnect"];
    const table: [string, Key[], LambdaOutcome, string[], number][] = [
      [
        "1 then 1, the Lambda says acknowledged → thank you",
        ["1", "1"],
        ACK,
        [...HEAD, "confirm-1", "record-ack", "check-result", "acknowledged", "disconnect"],
        1,
      ],
      [
        "1 then 1, the Lambda says something else → not acknowledged",
        ["1", "1"],
        { result: "not-open" },
        [...HEAD, "confirm-1", "record-ack", "check-result", ...ENDS_NOT_ACK],
        1,
      ],
      [
        "1 then 1, the Lambda fails or times out → not acknowledged",
        ["1", "1"],
        "error",
        [...HEAD, "confirm-1", "record-ack", ...ENDS_NOT_ACK],
        1,
      ],
      [
        "no key (voicemail, nobody there) → not acknowledged",
        ["timeout"],
        ACK,
        [...HEAD, ...ENDS_NOT_ACK],
        0,
      ],
      ["9 → not acknowledged (no key removes anyone)", ["9"], ACK, [...HEAD, ...ENDS_NOT_ACK], 0],
      ["2 → not acknowledged", ["2"], ACK, [...HEAD, ...ENDS_NOT_ACK], 0],
      ["* → not acknowledged", ["*"], ACK, [...HEAD, ...ENDS_NOT_ACK], 0],
      [
        "1 then 2 (a stray key) → not acknowledged",
        ["1", "2"],
        ACK,
        [...HEAD, "confirm-1", ...ENDS_NOT_ACK],
        0,
      ],
      [
        "1 then no key → not acknowledged",
        ["1", "timeout"],
        ACK,
        [...HEAD, "confirm-1", ...ENDS_NOT_ACK],
        0,
      ],
      ["1 then 9 → not acknowledged", ["1", "9"], ACK, [...HEAD, "confirm-1", ...ENDS_NOT_ACK], 0],
    ];
    for (const [title, keys, lambda, path, calls] of table) {
      it(title, () => {
        const walked = walk(flow, keys, lambda);
        assert.deepEqual(walked.path, path);
        assert.equal(walked.lambdaCalls, calls);
      });
    }

    it("only the sequence 1, 1 reaches the Lambda (every single key, every pair of keys)", () => {
      const keys = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#", "timeout"];
      for (const a of keys) {
        for (const b of keys) {
          const calls = walk(flow, [a, b], { result: "acknowledged" }).lambdaCalls;
          assert.equal(calls, a === "1" && b === "1" ? 1 : 0, `${a} ${b}`);
        }
      }
    });
  });

  describe("the graph", () => {
    for (const language of ["ja", "en"] as const) {
      it(`${language}: unique valid identifiers, every transition to an existing action, every path ends in DisconnectParticipant, all reachable, ≤ 250 actions`, () => {
        const flow = buildContactFlow({ language, ackFunctionArn: ARN });
        assert.equal(flow.Version, "2019-10-30");
        assert.ok(flow.Actions.length <= 250);
        assert.equal(flow.Actions.length, 10);
        const byId = new Map(flow.Actions.map((a) => [a.Identifier, a]));
        assert.equal(byId.size, flow.Actions.length, "identifiers are unique");
        for (const a of flow.Actions) {
          // flow-language-actions.html: at most 50 characters, none of % : ( \ / ) = $ , ; [ ] { }
          assert.ok(a.Identifier.length <= 50 && !/[%:(\\/)=$,;[\]{}]/.test(a.Identifier));
        }
        const targets = (a: FlowAction): string[] => [
          ...(a.Transitions.NextAction ? [a.Transitions.NextAction] : []),
          ...(a.Transitions.Conditions ?? []).map((c) => c.NextAction),
          ...(a.Transitions.Errors ?? []).map((e) => e.NextAction),
        ];
        const reached = new Set<string>();
        const paths: string[][] = [];
        const visit = (id: string, path: string[]): void => {
          const a = byId.get(id);
          assert.ok(a, `${path.join(" → ")} → ${id}: no such action`);
          assert.ok(!path.includes(id), `cycle: ${[...path, id].join(" → ")}`);
          reached.add(id);
          const next = [...new Set(targets(a))];
          if (next.length === 0) {
            assert.equal(
              a.Type,
              "DisconnectParticipant",
              `${[...path, id].join(" → ")} ends elsewhere`,
            );
            paths.push([...path, id]);
          }
          for (const n of next) visit(n, [...path, id]);
        };
        visit(flow.StartAction, []);
        assert.equal(reached.size, flow.Actions.length, "every action is reachable");
        assert.ok(paths.length > 0);
        for (const p of paths) assert.equal(p[p.length - 1], "disconnect");
      });
    }
  });

  describe("the CreateContactFlow request (aws-models/connect.json; aws.connect.ContactFlow sends it)", () => {
    for (const language of ["ja", "en"] as const) {
      it(`${language}: passes the model, Type CONTACT_FLOW, Content within 256000 characters (API_CreateContactFlow)`, () => {
        const Content = contactFlowContent({ language, ackFunctionArn: ARN });
        const input = {
          InstanceId: "00000000-0000-0000-0000-000000000000",
          Name: `ie-selfhosted-voice-${language}`,
          Description: "Incident escalation: the voice page, acknowledged by pressing 1 twice",
          Type: "CONTACT_FLOW",
          Status: "PUBLISHED",
          Content,
        };
        assert.deepEqual(checkOperationInput("connect", "CreateContactFlow", input), []);
        // The model carries no length for ContactFlowContent; the API reference does:
        // https://docs.aws.amazon.com/connect/latest/APIReference/API_CreateContactFlow.html
        // "Content ... Length Constraints: Minimum length of 1. Maximum length of 256000."
        assert.ok(Content.length >= 1 && Content.length <= 256000, String(Content.length));
      });
    }

    it("the model check judges: a wrong Type is refused", () => {
      const violations = checkOperationInput("connect", "CreateContactFlow", {
        InstanceId: "00000000-0000-0000-0000-000000000000",
        Name: "x",
        Type: "OUTBOUND_CALL",
        Content: "{}",
      });
      assert.equal(violations.length, 1);
      assert.match(violations[0], /^Type: "OUTBOUND_CALL" is not one of CONTACT_FLOW, /);
    });
  });
});
