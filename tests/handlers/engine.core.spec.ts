/**
 * The engine's pure core (handlers/engine/core.ts): scheduling by table, stage targets across a
 * rotation hand-off, rounds, and the errors for bad configuration and bad Task input, each naming
 * what and where without quoting personal data.
 *
 * What this spec does NOT prove: the state machine driving these functions
 * (tests/handlers/engine.execution.spec.ts), or the rotation arithmetic itself (tools/timeline.ts
 * has its own specs; the engine calls the same rotationAt).
 */
import { strict as assert } from "node:assert";
import {
  endRound,
  nextStep,
  parseDirectory,
  parseEnv,
  parsePlan,
  parseTask,
  stageTargets,
  startRun,
  startStage,
} from "../../handlers/engine/core";
import { rotationAt } from "../../tools/timeline";
import { T0, engineInput, plan } from "./fixtures/engineFixtures";

const at = (m: number) => new Date(T0.getTime() + m * 60_000).toISOString();

describe("engine core: scheduling", () => {
  it("steps through the fixture plan in order: stage 1, its e-mail, SMS, stage 2, its e-mail, SMS, then the end at T+30", () => {
    const p = plan();
    let run = startRun(T0);
    const steps: string[] = [];
    for (let i = 0; i < 10; i++) {
      const next = nextStep(p, run, T0);
      run = next.run;
      const s = next.step;
      steps.push(
        s.kind === "page" ? `${s.at} page ${s.page.contact} ${s.channel}` : `${s.at} ${s.kind}`,
      );
      if (s.kind === "stage") run = startStage(p, run, s.stage, new Date(s.at)).run;
      if (s.kind === "end") break;
    }
    assert.deepEqual(steps, [
      `${at(0)} stage`,
      `${at(0)} page suzuki email`,
      `${at(10)} page suzuki sms`,
      `${at(15)} stage`,
      `${at(15)} page tanaka email`,
      `${at(25)} page tanaka sms`,
      `${at(30)} end`,
    ]);
  });

  it("stage targets are the rotation's on-call at the stage's moment, by tools/timeline.ts rotationAt: suzuki before Monday 09:00 Tokyo, sato after", () => {
    const p = plan({
      stages: [
        { engage: ["oncall:primary", "tanaka", "oncall:primary"], minutes: 5, essential: true },
      ],
    });
    assert.deepEqual(stageTargets(p, 0, T0), ["suzuki", "tanaka"]);
    assert.deepEqual(stageTargets(p, 0, new Date(T0.getTime() + 15 * 60_000)), ["sato", "tanaka"]);
    assert.deepEqual(rotationAt(p.rotations[0], T0).now, ["suzuki"]);
  });

  it("a round ends into the next one (repeat) with a fresh start, and is done after the last", () => {
    const p = plan({ repeat: 1 });
    const later = new Date(T0.getTime() + 30 * 60_000);
    const r1 = endRound(p, { ...startRun(T0), nextStage: 2, failedPages: 1 }, later);
    assert.deepEqual(r1, {
      round: 1,
      roundStartedAt: later.toISOString(),
      nextStage: 0,
      pending: [],
      failedPages: 1,
      done: false,
    });
    assert.equal(endRound(p, r1, later).done, true);
  });

  it("starting a stage out of order is refused", () => {
    assert.throws(() => startStage(plan(), startRun(T0), 1, T0), {
      message: "stage 2 is not the next stage (1)",
    });
  });
});

describe("engine core: bad input names what and where", () => {
  it("environment: every missing or malformed variable, in one error", () => {
    assert.throws(
      () =>
        parseEnv({
          INCIDENT_TABLE: "ok-table",
          ALERTS_TOPIC_ARN: "nope",
          AWS_LAMBDA_FUNCTION_NAME: "fn",
          EMAIL_FROM: "x",
        }),
      {
        name: "EnginePermanentError",
        message:
          "engine environment: ALERTS_TOPIC_ARN: is not an SNS topic ARN; EMAIL_FROM: is not an e-mail address; DIRECTORY_SECRET_ARN: is not set; ACK_KEY_SECRET_ARN: is not set; ACK_BASE_URL: is not set",
      },
    );
  });

  it("plan file: the member that is wrong", () => {
    const text = (over: object) => JSON.stringify({ ...plan(), ...over });
    assert.throws(() => parsePlan(text({ repeat: 6 })), {
      message: "engine plan: repeat: is not an integer 0-5",
    });
    assert.throws(
      () => parsePlan(text({ stages: [{ engage: ["tanka"], minutes: 15, essential: true }] })),
      {
        message: 'engine plan: stages[0].engage: "tanka" is not a contact or rotation of the plan',
      },
    );
    assert.throws(() => parsePlan("{"), { message: "engine plan: is not JSON" });
  });

  it("directory secret: a bad phone number is named by alias, never shown", () => {
    assert.throws(() => parseDirectory(JSON.stringify({ sato: { phone: "090-1234-5678" } })), {
      message: "directory secret: sato.phone: is not E.164 (value not shown)",
    });
  });

  it("Task input: an unknown action, and a start whose execution name is not the incident id", () => {
    assert.throws(() => parseTask({ action: "dance", input: engineInput() }), {
      message:
        'task input: action "dance" is not one of start, next, check, stage, send, pageFailed, exhausted, failed',
    });
    assert.throws(
      () =>
        parseTask({
          action: "start",
          input: engineInput(),
          executionName: "other",
          executionArn: "arn",
        }),
      {
        message: "task input (start): the execution name is not the incident id",
      },
    );
  });
});
