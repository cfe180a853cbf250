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
  planFor,
  stageTargets,
  startRun,
  startStage,
} from "../../handlers/engine/core";
import { rotationAt } from "../../tools/timeline";
import { T0, engineInput, levelPlan, plan } from "./fixtures/engineFixtures";

const at = (m: number) => new Date(T0.getTime() + m * 60_000).toISOString();

describe("engine core: scheduling", () => {
  it("steps through the fixture plan in order: stage 1, its e-mail, SMS, stage 2, its e-mail, SMS, then the end at T+30", () => {
    const p = levelPlan();
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
    const p = levelPlan({
      stages: [
        { engage: ["oncall:primary", "tanaka", "oncall:primary"], minutes: 5, essential: true },
      ],
    });
    assert.deepEqual(stageTargets(p, 0, T0), ["suzuki", "tanaka"]);
    assert.deepEqual(stageTargets(p, 0, new Date(T0.getTime() + 15 * 60_000)), ["sato", "tanaka"]);
    assert.deepEqual(rotationAt(p.rotations[0], T0).now, ["suzuki"]);
  });

  it("a round ends into the next one (repeat) with a fresh start, and is done after the last", () => {
    const p = levelPlan({ repeat: 1 });
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
    assert.throws(() => startStage(levelPlan(), startRun(T0), 1, T0), {
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

  it("plan file: the member that is wrong, by level", () => {
    const text = (over: object) => JSON.stringify({ ...plan(), ...over });
    const critical = plan().levels.critical;
    assert.throws(() => parsePlan(text({ levels: { critical: { ...critical, repeat: 6 } } })), {
      message: "engine plan: levels.critical.repeat: is not an integer 0-5",
    });
    assert.throws(
      () =>
        parsePlan(
          text({
            levels: {
              critical: {
                stages: [{ engage: ["tanka"], minutes: 15, essential: true }],
                repeat: 0,
              },
            },
          }),
        ),
      {
        message:
          'engine plan: levels.critical.stages[0].engage: "tanka" is not a contact or rotation of the plan',
      },
    );
    assert.throws(() => parsePlan(text({ levels: {} })), {
      message: "engine plan: levels: is not a non-empty object of levels",
    });
    assert.throws(() => parsePlan(text({ levels: { critical: { stages: [], repeat: 0 } } })), {
      message: "engine plan: levels.critical.stages: is not a non-empty list",
    });
    assert.throws(() => parsePlan("{"), { message: "engine plan: is not JSON" });
  });

  it("plan for a level: its own stages and repeat (critical: two stages; warning, engage-only: one stage, repeat 0); an unknown level fails, naming the plan's levels", () => {
    const p = plan({ repeat: 2 });
    assert.deepEqual([planFor(p, "critical").stages.length, planFor(p, "critical").repeat], [2, 2]);
    assert.deepEqual(planFor(p, "warning").stages, [
      { engage: ["tanaka"], minutes: 0, essential: true },
    ]);
    assert.equal(planFor(p, "warning").repeat, 0);
    assert.equal("levels" in planFor(p, "warning"), false);
    assert.throws(() => planFor(p, "major"), {
      name: "EnginePermanentError",
      message: 'engine plan: level "major" is not one of the plan\'s levels (critical, warning)',
    });
    assert.throws(() => planFor(p, "constructor"), {
      message:
        'engine plan: level "constructor" is not one of the plan\'s levels (critical, warning)',
    });
  });
  it("directory secret: a bad phone number is named by alias, never shown", () => {
    assert.throws(() => parseDirectory(JSON.stringify({ sato: { phone: "090-1234-5678" } })), {
      message: "directory secret: sato.phone: is not E.164 (value not shown)",
    });
  });

  it("Task input: an unknown action is refused", () => {
    assert.throws(() => parseTask({ action: "dance", input: engineInput() }), {
      message:
        'task input: action "dance" is not one of start, next, check, stage, send, pageFailed, exhausted, failed',
    });
  });

  it("Task input: start and failed take the incident id from the execution's name ($$.Execution.Name, Context object), not from the input", () => {
    const { level, alarmName, firedAt } = engineInput();
    const withoutId = { level, alarmName, firedAt };
    const generated = "4f1c2a9e-7b1d-4c3a-9e2f-0a1b2c3d4e5f";
    // An execution EventBridge started: a generated name, an input without incidentId.
    assert.deepEqual(
      parseTask({
        action: "start",
        input: withoutId,
        executionName: generated,
        executionArn: "arn",
      }),
      {
        action: "start",
        input: { ...withoutId, incidentId: generated },
        executionName: generated,
        executionArn: "arn",
      },
    );
    // An input that names another incident does not win over the execution's name.
    assert.deepEqual(
      parseTask({
        action: "start",
        input: { ...withoutId, incidentId: "other" },
        executionName: generated,
        executionArn: "arn",
      }).input.incidentId,
      generated,
    );
    assert.deepEqual(
      parseTask({ action: "failed", input: withoutId, executionName: generated, failure: {} }).input
        .incidentId,
      generated,
    );
    assert.throws(() => parseTask({ action: "start", input: withoutId, executionArn: "arn" }), {
      message: "task input (start): executionName is not a string",
    });
    assert.throws(
      () =>
        parseTask({ action: "start", input: withoutId, executionName: "a b", executionArn: "arn" }),
      { message: "task input: the execution name (the incident id) is not [A-Za-z0-9_-]{1,80}" },
    );
    // Every later state carries the Start task's output, whose input has the id.
    assert.throws(() => parseTask({ action: "next", input: withoutId, run: {} }), {
      message: "task input: input.incidentId is not [A-Za-z0-9_-]{1,80}",
    });
  });
});
