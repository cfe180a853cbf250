/**
 * The escalation engine's definition and execution names (components/engine/stateMachine.ts),
 * as pure data: the definition validated by asl-validator 4.0.0 (the Amazon States Language's
 * JSON schema and its structural rules), its error handling asserted literally, execution names
 * by table and property, and the sizing against Step Functions' quotas.
 *
 * What this spec does NOT prove: that the service accepts the definition (asl-validator follows
 * the States Language specification, not CreateStateMachine's own validation, e.g. the role's
 * permissions); how it runs (tests/handlers/engine.execution.spec.ts executes it); that the
 * router uses executionName (a later round).
 */
import { strict as assert } from "node:assert";
import validator from "asl-validator";
import fc from "fast-check";
import {
  EXECUTION_NAME_PATTERN,
  TASK_RETRY,
  VOICE_RETRY,
  engineDefinition,
  executionName,
  executionTimeoutSeconds,
  historyEventsBound,
  roundMinutes,
} from "../../components/engine/stateMachine";
import { checkOperationInput } from "../support/apiModel";
import { plan } from "../handlers/fixtures/engineFixtures";

const FN = "arn:aws:lambda:ap-northeast-1:123456789012:function:ie-prod-engine";
const def = () =>
  engineDefinition({ functionArn: FN, timeoutSeconds: 5400 }) as {
    States: Record<string, Record<string, unknown>>;
  } & Record<string, unknown>;

describe("engine state machine definition (asl-validator 4.0.0)", () => {
  it("is a valid Amazon States Language document, paths and ARNs checked", () => {
    const result = validator(structuredClone(def()), { checkPaths: true, checkArn: true });
    assert.deepEqual(result.errors, []);
    assert.equal(result.isValid, true);
  });

  it("asl-validator refuses a broken variant (a Next to a missing state), so the check above can fail", () => {
    const broken = def();
    (broken.States.NextStep as { Next: string }).Next = "Nowhere";
    const result = validator(broken, { checkPaths: true, checkArn: true });
    assert.equal(result.isValid, false);
  });

  it("has exactly these states: one Task per action and channel, the wait, the choices, two Succeed and one Fail state", () => {
    const d = def();
    assert.deepEqual(
      Object.entries(d.States).map(([name, s]) => `${name}:${String(s.Type)}`),
      [
        "Start:Task",
        "NextStep:Task",
        "WaitForStep:Wait",
        "CheckIncident:Task",
        "IsOpen:Choice",
        "StepKind:Choice",
        "StartStage:Task",
        "Send_email:Task",
        "Send_sms:Task",
        "Send_voice:Task",
        "NoSender:Pass",
        "PageFailed:Task",
        "Exhausted:Task",
        "RepeatOrEnd:Choice",
        "Stopped:Succeed",
        "Unacknowledged:Succeed",
        "ReportFailure:Task",
        "EngineFailed:Fail",
      ],
    );
    assert.equal(d.StartAt, "Start");
    assert.equal(d.TimeoutSeconds, 5400);
  });

  it("every Task invokes the engine function, retries the Lambda service errors and the engine's transient error with backoff, and catches everything (Step Functions developer guide, bp-lambda-serviceexception)", () => {
    const d = def();
    const tasks = Object.entries(d.States).filter(([, s]) => s.Type === "Task");
    assert.equal(tasks.length, 10);
    for (const [name, s] of tasks) {
      assert.equal(s.Resource, FN, name);
      assert.equal(s.TimeoutSeconds, 60, name);
      // Send_voice waits out Amazon Connect's quotas longer (VOICE_RETRY, asserted below).
      assert.deepEqual(s.Retry, name === "Send_voice" ? VOICE_RETRY : TASK_RETRY, name);
      assert.equal((s.Catch as unknown[]).length, 1, name);
    }
    assert.deepEqual(TASK_RETRY, [
      {
        ErrorEquals: [
          "Lambda.ClientExecutionTimeoutException",
          "Lambda.ServiceException",
          "Lambda.AWSLambdaException",
          "Lambda.SdkClientException",
          "Lambda.TooManyRequestsException",
          "EngineTransientError",
        ],
        IntervalSeconds: 2,
        MaxAttempts: 6,
        BackoffRate: 2,
        MaxDelaySeconds: 60,
        JitterStrategy: "FULL",
      },
      { ErrorEquals: ["Lambda.Unknown"], IntervalSeconds: 5, MaxAttempts: 2, BackoffRate: 2 },
    ]);
    assert.deepEqual(VOICE_RETRY, [
      {
        ErrorEquals: [
          "Lambda.ClientExecutionTimeoutException",
          "Lambda.ServiceException",
          "Lambda.AWSLambdaException",
          "Lambda.SdkClientException",
          "Lambda.TooManyRequestsException",
          "EngineTransientError",
        ],
        IntervalSeconds: 2,
        MaxAttempts: 20,
        BackoffRate: 2,
        MaxDelaySeconds: 120,
        JitterStrategy: "FULL",
      },
      { ErrorEquals: ["Lambda.Unknown"], IntervalSeconds: 5, MaxAttempts: 2, BackoffRate: 2 },
    ]);
    const catchTo = Object.fromEntries(
      tasks.map(([name, s]) => [name, (s.Catch as { Next: string }[])[0].Next]),
    );
    assert.deepEqual(catchTo, {
      Start: "ReportFailure",
      NextStep: "ReportFailure",
      CheckIncident: "ReportFailure",
      StartStage: "ReportFailure",
      Send_email: "PageFailed",
      Send_sms: "PageFailed",
      Send_voice: "PageFailed",
      PageFailed: "ReportFailure",
      Exhausted: "ReportFailure",
      ReportFailure: "EngineFailed",
    });
  });

  it("checks the incident after every wait, before any stage, page or end; sends by channel; a page over a channel without a Task fails into PageFailed", () => {
    const d = def();
    assert.deepEqual(d.States.WaitForStep, {
      Type: "Wait",
      TimestampPath: "$.step.at",
      Next: "CheckIncident",
    });
    assert.deepEqual(d.States.IsOpen, {
      Type: "Choice",
      Choices: [{ Variable: "$.check.open", BooleanEquals: true, Next: "StepKind" }],
      Default: "Stopped",
    });
    assert.deepEqual((d.States.StepKind as { Choices: unknown[] }).Choices, [
      { Variable: "$.step.kind", StringEquals: "stage", Next: "StartStage" },
      { Variable: "$.step.kind", StringEquals: "end", Next: "Exhausted" },
      {
        And: [
          { Variable: "$.step.kind", StringEquals: "page" },
          { Variable: "$.step.channel", StringEquals: "email" },
        ],
        Next: "Send_email",
      },
      {
        And: [
          { Variable: "$.step.kind", StringEquals: "page" },
          { Variable: "$.step.channel", StringEquals: "sms" },
        ],
        Next: "Send_sms",
      },
      {
        And: [
          { Variable: "$.step.kind", StringEquals: "page" },
          { Variable: "$.step.channel", StringEquals: "voice" },
        ],
        Next: "Send_voice",
      },
    ]);
    assert.equal(d.States.StepKind.Default, "NoSender");
    assert.deepEqual(d.States.Send_voice.Parameters, {
      action: "send",
      channel: "voice",
      "input.$": "$.input",
      "step.$": "$.step",
    });
    assert.deepEqual(d.States.Send_sms.Parameters, {
      action: "send",
      channel: "sms",
      "input.$": "$.input",
      "step.$": "$.step",
    });
    assert.deepEqual(d.States.EngineFailed, {
      Type: "Fail",
      Error: "EscalationEngineFailed",
      Cause: "a Task failed after its retries; pending pages were not sent",
    });
  });
});

describe("executionName (StartExecution `name`: 1-80 characters, no whitespace, brackets, wildcards, special or control characters; [0-9A-Za-z_-] for CloudWatch Logs)", () => {
  const cases: [string, string, string][] = [
    [
      "ie-prod-critical-api-5xx",
      "2026-12-01T10:00:00Z",
      "ie-prod-critical-api-5xx-20261201T100000000Z",
    ],
    [
      "ie-prod-critical-api-5xx",
      "2026-12-01T10:00:00.123+09:00",
      "ie-prod-critical-api-5xx-20261201T010000123Z",
    ],
    // Not in the alphabet: replaced, and the SHA-256 of the whole name (its first 8 hex, as
    // `printf %s NAME | sha256sum` shows) keeps "a b" and "a/b" apart.
    [
      "ie-prod-critical-api 5xx",
      "2026-12-01T10:00:00Z",
      "ie-prod-critical-api-5xx-ddb6ecfc-20261201T100000000Z",
    ],
    [
      "ie-prod-critical-api/5xx",
      "2026-12-01T10:00:00Z",
      "ie-prod-critical-api-5xx-6fcd2714-20261201T100000000Z",
    ],
    ["日本語のアラーム", "2026-12-01T10:00:00Z", "alarm-2b4d1c7d-20261201T100000000Z"],
    [
      "ie-prod-critical-a-very-long-alarm-name-that-goes-on-and-on-beyond-eighty-characters",
      "2026-12-01T10:00:00Z",
      "ie-prod-critical-a-very-long-alarm-name-that-goes-o-7d896300-20261201T100000000Z",
    ],
  ];
  for (const [alarm, time, expected] of cases) {
    it(`${JSON.stringify(alarm)} at ${time} → ${expected}`, () => {
      assert.equal(executionName(alarm, time), expected);
      assert.ok(expected.length <= 80);
    });
  }

  it("refuses an empty alarm name and a time that is not one, naming the value", () => {
    assert.throws(() => executionName("", "2026-12-01T10:00:00Z"), {
      message: "executionName: the alarm name is empty",
    });
    assert.throws(() => executionName("a", "yesterday"), {
      message: 'executionName: state-change time "yesterday" is not an ISO-8601 time',
    });
  });

  it("property: any alarm name and time give a name of 1-80 characters in [A-Za-z0-9_-], the same for the same event, accepted by the StartExecution model", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 255, unit: "grapheme" }),
        fc.date({
          min: new Date("2000-01-01T00:00:00Z"),
          max: new Date("2099-12-31T23:59:59Z"),
          noInvalidDate: true,
        }),
        (alarm, at) => {
          const name = executionName(alarm, at.toISOString());
          assert.match(name, EXECUTION_NAME_PATTERN);
          assert.equal(executionName(alarm, at.toISOString()), name);
          assert.deepEqual(
            checkOperationInput("stepfunctions", "StartExecution", {
              stateMachineArn:
                "arn:aws:states:ap-northeast-1:123456789012:stateMachine:ie-prod-escalation",
              name,
              input: "{}",
            }),
            [],
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("property: two different alarms at the same time never share a name", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 200 }),
        fc.string({ minLength: 1, maxLength: 200 }),
        (a, b) => {
          fc.pre(a !== b);
          const t = "2026-12-01T10:00:00Z";
          assert.notEqual(executionName(a, t), executionName(b, t));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("sizing against Step Functions quotas (25,000 history events, 1 year per execution)", () => {
  it("the fixture plan: a 30-minute round (two 15-minute stages, SMS at +10), timeout (repeat+1) × 30 min + 1 h", () => {
    assert.equal(roundMinutes(plan()), 30);
    assert.equal(executionTimeoutSeconds(plan()), 30 * 60 + 3600);
    assert.equal(executionTimeoutSeconds(plan({ repeat: 5 })), 6 * 30 * 60 + 3600);
  });

  it("a contact whose engagement outlasts the last stage lengthens the round (stage 2 at 15 + SMS at 25 > 20)", () => {
    const p = plan({
      stages: [
        { engage: ["sato"], minutes: 15, essential: true },
        { engage: ["tanaka"], minutes: 5, essential: true },
      ],
      contacts: [
        {
          alias: "sato",
          language: "ja",
          engagement: [
            { after: 0, via: ["email"] },
            { after: 25, via: ["sms"] },
          ],
        },
        { alias: "tanaka", language: "en", engagement: [{ after: 0, via: ["email"] }] },
      ],
      rotations: [],
    });
    assert.equal(roundMinutes(p), 40);
  });

  it("history events: the fixture plan with 5 repeats stays far below 25,000; every rotation member counts", () => {
    // Pages: oncall:primary (2 members × 2 channels) + tanaka (2) = 6; steps per round 6 + 2 stages + end = 9.
    assert.equal(historyEventsBound(plan()), 10 + 9 * 75);
    assert.equal(historyEventsBound(plan({ repeat: 5 })), 10 + 6 * 9 * 75);
  });

  it("history events: a call counts its longer Retry (VOICE_RETRY's 20 attempts, 14 more than TASK_RETRY's 6, 3 events each)", () => {
    const voice = [
      { after: 0, via: ["email" as const] },
      { after: 10, via: ["sms" as const, "voice" as const] },
    ];
    const p = plan({
      contacts: [
        { alias: "sato", language: "ja", engagement: voice },
        { alias: "suzuki", language: "en", engagement: voice },
        { alias: "tanaka", language: "en", engagement: voice },
      ],
    });
    // Pages: 3 contacts × 3 = 9; steps 9 + 2 + 1 = 12; calls 3 × 42 more events.
    assert.equal(historyEventsBound(p), 10 + 12 * 75 + 3 * 42);
  });
});
