/**
 * The escalation engine executed: the real state machine definition (components/engine/
 * stateMachine.ts) run by an ASL interpreter (aws-local-stepfunctions 3.0.0), every Task state
 * bound to the real engine handler (handlers/engine/handler.ts), the incident table in dynalite
 * (DynamoDB's conditional writes), SES / SMS / SNS / Secrets Manager over aws-sdk-client-mock,
 * waits shortened and the clock virtual (tests/handlers/fixtures/engineFixtures.ts). Every SDK
 * request the runs make is checked against the botocore API models.
 *
 * What this spec does NOT prove: that AWS Step Functions interprets the definition exactly as the
 * interpreter does (it implements the States Language specification, not the service; the
 * definition's validity is asl-validator's part, tests/components/engineStateMachine.spec.ts);
 * that SES or End User Messaging deliver anything (sandbox, verification, opt-outs are the
 * account's state); Lambda's JSON serialisation beyond a JSON round trip; the real ack token
 * (a stub link here; handlers/shared/ackToken.ts has its own specs); the router starting the
 * execution (tests/handlers/router.stepFunctions.spec.ts builds the StartExecution request; no
 * spec here runs the router and the engine together).
 */
import { strict as assert } from "node:assert";
import { checkOperationInput } from "../support/apiModel";
import {
  ALARM,
  DIRECTORY,
  EngineWorld,
  ORIGINATION,
  T0,
  TOPIC_ARN,
  acknowledgeAt,
  engineInput,
  plan,
  type Sent,
} from "./fixtures/engineFixtures";
import { executionName } from "../../components/engine/stateMachine";

const pages = (sent: readonly Sent[]) =>
  sent.filter((s) => s.kind !== "note").map((s) => `T+${s.t} ${s.kind} ${s.to}`);
const notes = (sent: readonly Sent[]) =>
  sent
    .filter((s) => s.kind === "note")
    .map(
      (s) =>
        `T+${s.t} ${(JSON.parse(String(s.input.Message)) as { content: { title: string } }).content.title}`,
    );

describe("escalation engine, executed (aws-local-stepfunctions + the real handler + dynalite)", function () {
  this.timeout(60_000);
  const world = new EngineWorld();
  let n = 0;
  const table = () => `incidents-${++n}`;
  before(() => world.start());
  after(() => world.stop());

  it("alarm → e-mail at T+0 → SMS at T+10 → stage 2 at T+15 (e-mail) → SMS at T+25 → nobody acknowledged: the end note at T+30, once (repeat 0)", async () => {
    const t = table();
    await world.table(t);
    const { output, error, world: w } = await world.run({ plan: plan(), table: t });
    assert.equal(error, undefined);
    assert.deepEqual(pages(w.sent), [
      "T+0 email suzuki@example.com",
      "T+10 sms +819000000002",
      "T+15 email tanaka@example.com",
      "T+25 sms +819000000003",
    ]);
    const descriptions = w.sent
      .filter((s) => s.kind === "note")
      .map(
        (s) =>
          `T+${s.t} ${(JSON.parse(String(s.input.Message)) as { content: { description: string } }).content.description}`,
      );
    const id = engineInput().incidentId;
    assert.deepEqual(descriptions, [
      `T+0 Incident ${id}: the escalation stages run until someone acknowledges.`,
      `T+0 Incident ${id}: stage 1 (round 1) engages suzuki`,
      `T+0 Incident ${id}: paged suzuki by email`,
      `T+10 Incident ${id}: paged suzuki by sms`,
      `T+15 Incident ${id}: stage 2 (round 1) engages tanaka`,
      `T+15 Incident ${id}: paged tanaka by email`,
      `T+25 Incident ${id}: paged tanaka by sms`,
      `T+30 Incident ${id}: round 1 of 1 ended without an acknowledgement; the escalation is over. Page someone by hand.`,
    ]);
    assert.deepEqual(notes(w.sent).slice(0, 2), [
      `T+0 [critical] paging started for "${ALARM}"`,
      `T+0 [critical] escalation of "${ALARM}"`,
    ]);
    assert.equal((output as { run: { done: boolean } }).run.done, true);
    const incident = await w.incident(engineInput().incidentId);
    assert.deepEqual(
      incident?.timeline.map((e) => [
        e.kind,
        e.contact ?? null,
        e.channel ?? null,
        e.detail ?? null,
      ]),
      [
        ["opened", null, null, null],
        ["paged", "suzuki", "email", null],
        ["paged", "suzuki", "sms", null],
        ["paged", "tanaka", "email", null],
        ["paged", "tanaka", "sms", null],
        ["exhausted", null, null, "round 1 of 1"],
      ],
    );
    assert.equal(incident?.status, "open");
  });

  it("an acknowledgement at T+12 stops everything still pending: no stage 2, no e-mail or SMS after it, the execution ends in Stopped", async () => {
    const t = table();
    await world.table(t);
    const id = engineInput().incidentId;
    const {
      output,
      error,
      world: w,
    } = await world.run({
      plan: plan(),
      table: t,
      outside: [acknowledgeAt(12, id, "suzuki", t)],
    });
    assert.equal(error, undefined);
    assert.deepEqual(pages(w.sent), ["T+0 email suzuki@example.com", "T+10 sms +819000000002"]);
    assert.deepEqual((output as { check: unknown }).check, { open: false, status: "acknowledged" });
    assert.deepEqual(
      w.tasks.map((x) => `T+${x.t} ${x.state}`).slice(-2),
      ["T+10 NextStep", "T+15 CheckIncident"],
      "after the ack, the check at the next step (stage 2 at T+15) is the last Task",
    );
    const incident = await w.incident(id);
    assert.equal(incident?.acknowledgedBy, "suzuki");
  });

  it("an acknowledgement between the check and the send still stops the page (the store's recordPage condition): the SMS at T+10 is not sent", async () => {
    const t = table();
    await world.table(t);
    const id = engineInput().incidentId;
    // The ack lands after CheckIncident said open at T+10 and before Send_sms runs.
    const {
      output,
      error,
      world: w,
    } = await world.run({
      plan: plan(),
      table: t,
      outside: [acknowledgeAt(10, id, "suzuki", t, "Send_sms")],
    });
    assert.equal(error, undefined);
    assert.deepEqual(pages(w.sent), ["T+0 email suzuki@example.com"]);
    assert.deepEqual(
      w.tasks.filter((x) => x.t === 10).map((x) => x.state),
      ["CheckIncident", "Send_sms", "NextStep"],
      "the check at T+10 said open; the send itself found the incident acknowledged",
    );
    assert.deepEqual((output as { check: unknown }).check, { open: false, status: "acknowledged" });
    assert.ok(w.logs.some((l) => l.message === "engine.page_skipped"));
  });

  it("nobody acknowledges with repeat 1: the end note after round 1 at T+30, all stages again from T+30, the final note at T+60", async () => {
    const t = table();
    await world.table(t);
    const { output, error, world: w } = await world.run({ plan: plan({ repeat: 1 }), table: t });
    assert.equal(error, undefined);
    assert.deepEqual(pages(w.sent), [
      "T+0 email suzuki@example.com",
      "T+10 sms +819000000002",
      "T+15 email tanaka@example.com",
      "T+25 sms +819000000003",
      // Round 2 starts at T+30: the rotation handed off at 09:00 (T+10), so sato is on call.
      "T+30 email sato@example.com",
      "T+40 sms +819000000001",
      "T+45 email tanaka@example.com",
      "T+55 sms +819000000003",
    ]);
    assert.deepEqual(
      notes(w.sent).filter((x) => x.includes("nobody")),
      [
        `T+30 [critical] nobody acknowledged "${ALARM}"`,
        `T+60 [critical] nobody acknowledged "${ALARM}"`,
      ],
    );
    const texts = w.sent
      .filter((s) => s.kind === "note" && String(s.input.Message).includes("nobody acknowledged"))
      .map(
        (s) =>
          (JSON.parse(String(s.input.Message)) as { content: { description: string } }).content
            .description,
      );
    assert.deepEqual(texts, [
      `Incident ${engineInput().incidentId}: round 1 of 2 ended without an acknowledgement; all stages run again.`,
      `Incident ${engineInput().incidentId}: round 2 of 2 ended without an acknowledgement; the escalation is over. Page someone by hand.`,
    ]);
    assert.equal((output as { run: { round: number; done: boolean } }).run.round, 1);
  });

  it("the on-call member at T+15 differs from the one at T+0 across a hand-off (Monday 09:00 Asia/Tokyo at T+10): suzuki, then sato", async () => {
    const t = table();
    await world.table(t);
    const p = plan({
      stages: [
        { engage: ["oncall:primary"], minutes: 15, essential: true },
        { engage: ["oncall:primary"], minutes: 15, essential: true },
      ],
    });
    const { error, world: w } = await world.run({ plan: p, table: t });
    assert.equal(error, undefined);
    assert.deepEqual(pages(w.sent), [
      "T+0 email suzuki@example.com",
      "T+10 sms +819000000002",
      "T+15 email sato@example.com",
      "T+25 sms +819000000001",
    ]);
  });

  it("a retried event has the same execution name, which is the incident id: a second start of the same name opens nothing new (one incident, one 'opened')", async () => {
    const t = table();
    await world.table(t);
    const first = executionName(ALARM, T0.toISOString());
    assert.equal(executionName(ALARM, T0.toISOString()), first);
    assert.equal(engineInput().incidentId, first);
    await world.run({ plan: plan(), table: t, outside: [acknowledgeAt(1, first, "suzuki", t)] });
    const again = await world.run({ plan: plan(), table: t });
    assert.deepEqual(
      pages(again.world.sent),
      [],
      "the incident is acknowledged: the second run pages nobody",
    );
    const incident = await again.world.incident(first);
    assert.equal(incident?.timeline.filter((e) => e.kind === "opened").length, 1);
  });

  it("an execution EventBridge starts directly (a generated name, an input without incidentId) opens its incident under its own name ($$.Execution.Name) and pages as any other", async () => {
    const t = table();
    await world.table(t);
    const generated = "0b6f3c2e-5d4a-4e8f-9a1b-2c3d4e5f6a7b";
    const { level, alarmName, firedAt } = engineInput();
    const input = { level, alarmName, firedAt };
    const { error, world: w } = await world.run({
      plan: plan(),
      table: t,
      input,
      executionName: generated,
    });
    assert.equal(error, undefined);
    assert.deepEqual(pages(w.sent).slice(0, 2), [
      "T+0 email suzuki@example.com",
      "T+10 sms +819000000002",
    ]);
    const incident = await w.incident(generated);
    assert.equal(incident?.id, generated);
    assert.equal(
      incident?.executionArn,
      `arn:aws:states:ap-northeast-1:123456789012:execution:ie-test-escalation:${generated}`,
    );
    assert.equal(await w.incident(engineInput().incidentId), undefined);
  });

  it("an input whose incidentId differs from the execution's name: the name wins (the input is not trusted)", async () => {
    const t = table();
    await world.table(t);
    const { world: w } = await world.run({
      plan: plan(),
      table: t,
      input: { ...engineInput(), incidentId: "someone-elses-incident" },
      executionName: engineInput().incidentId,
    });
    assert.equal((await w.incident(engineInput().incidentId))?.status, "open");
    assert.equal(await w.incident("someone-elses-incident"), undefined);
  });

  it("an engage-only level (warning: one stage, tanaka, repeat 0) follows its own stages: tanaka's e-mail at T+0 and SMS at T+10, nobody else", async () => {
    const t = table();
    await world.table(t);
    const input = { ...engineInput(), level: "warning" };
    const { error, world: w } = await world.run({ plan: plan({ repeat: 3 }), table: t, input });
    assert.equal(error, undefined);
    assert.deepEqual(pages(w.sent), ["T+0 email tanaka@example.com", "T+10 sms +819000000003"]);
    assert.deepEqual(
      notes(w.sent).filter((x) => x.includes("nobody")),
      [`T+10 [warning] nobody acknowledged "${ALARM}"`],
    );
  });

  it("a level the plan does not have fails the execution at Start (nothing opened, nobody paged), reported to Slack", async () => {
    const t = table();
    await world.table(t);
    const input = { ...engineInput(), level: "major" };
    const { error, world: w } = await world.run({ plan: plan(), table: t, input });
    assert.ok(error, "the execution must fail");
    assert.equal((error.cause as Error).name, "EscalationEngineFailed");
    assert.deepEqual(pages(w.sent), []);
    assert.deepEqual(notes(w.sent), [`T+0 [major] the escalation engine FAILED for "${ALARM}"`]);
    assert.deepEqual(
      w.tasks.map((x) => x.state),
      ["Start", "ReportFailure"],
    );
    assert.equal(await w.incident(engineInput().incidentId), undefined);
  });

  it("a page that SES refuses (MessageRejected, not retried) is recorded as delivery-failed, reported to Slack and as PagesGivenUp, and the escalation goes on (the SMS at T+10 is sent)", async () => {
    const t = table();
    await world.table(t);
    const { error, world: w } = await world.run({ plan: plan(), table: t, failEmail: true });
    assert.equal(error, undefined);
    assert.deepEqual(pages(w.sent), ["T+10 sms +819000000002", "T+25 sms +819000000003"]);
    assert.deepEqual(
      notes(w.sent).filter((x) => x.includes("FAILED")),
      [
        `T+0 [critical] a page for "${ALARM}" FAILED`,
        `T+15 [critical] a page for "${ALARM}" FAILED`,
      ],
    );
    const incident = await w.incident(engineInput().incidentId);
    assert.deepEqual(
      incident?.timeline
        .filter((e) => e.kind === "delivery-failed")
        .map((e) => [e.contact, e.channel, e.detail]),
      [
        ["suzuki", "email", "EnginePermanentError"],
        ["tanaka", "email", "EnginePermanentError"],
      ],
    );
    assert.deepEqual(
      w.metrics.map((m) => [m.PagesGivenUp, m.FunctionName, m.contact, m.channel]),
      [
        [1, "ie-test-engine", "suzuki", "email"],
        [1, "ie-test-engine", "tanaka", "email"],
      ],
    );
  });

  it("a call on an engine deployed without voice (no VOICE_INSTANCE_ID) is not dropped: Send_voice fails permanently → PageFailed records and reports it, the rest goes on", async () => {
    const t = table();
    await world.table(t);
    const p = plan({
      stages: [{ engage: ["tanaka"], minutes: 15, essential: true }],
      contacts: [
        {
          alias: "tanaka",
          language: "en",
          engagement: [
            { after: 0, via: ["email"] },
            { after: 10, via: ["voice"] },
          ],
        },
      ],
      rotations: [],
    });
    const { error, world: w } = await world.run({
      plan: p,
      table: t,
      config: { voice: undefined },
    });
    assert.equal(error, undefined);
    assert.deepEqual(pages(w.sent), ["T+0 email tanaka@example.com"]);
    const incident = await w.incident(engineInput().incidentId);
    assert.deepEqual(
      incident?.timeline
        .filter((e) => e.kind === "delivery-failed")
        .map((e) => [e.contact, e.channel, e.detail]),
      [["tanaka", "voice", "EnginePermanentError"]],
    );
    assert.deepEqual(
      w.tasks.filter((x) => x.t === 10).map((x) => x.state),
      ["CheckIncident", "Send_voice", "PageFailed", "NextStep"],
    );
  });

  it("a Task that still fails after its retries (the incident table does not exist) reports to Slack and ends the execution failed with EscalationEngineFailed, which the ExecutionsFailed alarm sees", async () => {
    const { error, world: w } = await world.run({ plan: plan(), table: "no-such-table" });
    assert.ok(error, "the execution must fail");
    assert.equal(
      error.message,
      "Execution has failed with the following error: a Task failed after its retries; pending pages were not sent",
    );
    assert.equal((error.cause as Error).name, "EscalationEngineFailed");
    assert.deepEqual(pages(w.sent), []);
    assert.deepEqual(notes(w.sent), [`T+0 [critical] the escalation engine FAILED for "${ALARM}"`]);
    assert.deepEqual(
      w.tasks.map((x) => x.state),
      ["Start", "ReportFailure"],
      "ResourceNotFoundException is a 4xx: not retried",
    );
  });

  it("the pages carry the recipient's own link and language and nobody else's data; every SES, SMS and SNS request matches the botocore models", async () => {
    const t = table();
    await world.table(t);
    const { world: w } = await world.run({ plan: plan({ repeat: 1 }), table: t });
    const satoMail = w.sent.find((s) => s.kind === "email" && s.to === "sato@example.com")!;
    const mail = satoMail.input as {
      Content: { Simple: { Subject: { Data: string }; Body: { Text: { Data: string } } } };
      ConfigurationSetName?: string;
      FromEmailAddress?: string;
    };
    assert.equal(mail.Content.Simple.Subject.Data, `【critical】"${ALARM}"：確認をお願いします`);
    assert.equal(mail.FromEmailAddress, "oncall@alerts.example.com");
    assert.equal(mail.ConfigurationSetName, "ie-test-pages");
    const body = mail.Content.Simple.Body.Text.Data;
    assert.ok(
      body.includes(`https://ack.example.com/ack?t=${engineInput().incidentId}.sato.email.`),
      body,
    );
    const everything = JSON.stringify(w.sent.map((s) => s.input));
    for (const s of w.sent.filter((x) => x.kind !== "note")) {
      const text = JSON.stringify(s.input);
      for (const [alias, entry] of Object.entries(DIRECTORY)) {
        const own = s.to === entry.email || s.to === entry.phone;
        if (!own) {
          assert.ok(
            !text.includes(entry.email) && !text.includes(entry.phone),
            `${s.kind} to ${s.to} carries ${alias}'s address`,
          );
        }
      }
    }
    for (const entry of Object.values(DIRECTORY)) {
      const notesText = JSON.stringify(w.sent.filter((x) => x.kind === "note").map((x) => x.input));
      assert.ok(
        !notesText.includes(entry.email) && !notesText.includes(entry.phone),
        "a Slack note carries an address",
      );
    }
    assert.ok(everything.includes(ORIGINATION));
    const problems: string[] = [];
    for (const s of w.sent) {
      if (s.kind === "email") problems.push(...checkOperationInput("sesv2", "SendEmail", s.input));
      if (s.kind === "sms")
        problems.push(...checkOperationInput("pinpoint-sms-voice-v2", "SendTextMessage", s.input));
      if (s.kind === "note") {
        assert.equal(s.input.TopicArn, TOPIC_ARN);
        problems.push(...checkOperationInput("sns", "Publish", s.input));
      }
    }
    assert.deepEqual(problems, []);
    const logs = JSON.stringify(w.logs);
    for (const entry of Object.values(DIRECTORY)) {
      assert.ok(
        !logs.includes(entry.email) && !logs.includes(entry.phone),
        "a log line carries an address",
      );
    }
    assert.ok(!logs.includes("ack?t="), "a log line carries a link");
  });
});
