/**
 * Drills on the step-functions backend, pure parts (handlers/drill/engine.ts): the execution name
 * and StartExecution input, the incident item → report observation, the StopExecution input; and
 * the DRILL marker of the pages a drill execution sends (handlers/shared/messages.ts, ja and en),
 * with a real alarm's pages unmarked; and the report's phone calls (connected, acknowledged by
 * keypress, not answered) from a timeline of the kinds fixed in this round (paged, delivered,
 * delivery-failed, acknowledged with channel email|sms|voice), literally in Japanese and English.
 *
 * What this spec does NOT prove: that the engine's execution passes the drill's alarm name to the
 * messages unchanged (the engine's specs run its code); that Step Functions accepts the input
 * (tests/tools/drill.spec.ts checks the requests against the API model); delivery of any page;
 * that the delivery-event and voice helpers write exactly these entries (their specs do).
 */
import assert from "node:assert/strict";
import {
  drillExecutionName,
  engineDrillObservation,
  startExecutionInput,
  stopExecutionInput,
} from "../../handlers/drill/engine";
import { buildDrillReport, renderDrillReport } from "../../handlers/shared/drillReport";
import type { Incident } from "../../handlers/shared/incidentStore";
import { message } from "../../handlers/shared/messages";
import { alarmText } from "../../handlers/shared/untrustedText";

const RUN_AT = new Date("2026-03-02T01:00:00.000Z");
const at = (sec: number) => new Date(RUN_AT.getTime() + sec * 1000).toISOString();

describe("drills on backend step-functions: pure builders", () => {
  it("execution name DRILL-<level>-<time>, within Step Functions' 80-character name alphabet", () => {
    assert.equal(drillExecutionName("critical", RUN_AT), "DRILL-critical-20260302T010000000Z");
    // StartExecution `name`: 1-80 characters of 0-9, A-Z, a-z, - and _ (API reference).
    const long = drillExecutionName("a".repeat(64), RUN_AT);
    assert.ok(long.length <= 80 && /^[A-Za-z0-9_-]+$/.test(long), long);
  });

  it("StartExecution input: EngineInput with the [DRILL] alarm name and drill: true", () => {
    assert.deepEqual(
      startExecutionInput({
        stateMachineArn:
          "arn:aws:states:ap-northeast-1:111122223333:stateMachine:ie-selfhosted-escalation",
        level: "critical",
        runAt: RUN_AT,
      }),
      {
        stateMachineArn:
          "arn:aws:states:ap-northeast-1:111122223333:stateMachine:ie-selfhosted-escalation",
        name: "DRILL-critical-20260302T010000000Z",
        input:
          '{"incidentId":"DRILL-critical-20260302T010000000Z","level":"critical","alarmName":"[DRILL] critical paging drill","firedAt":"2026-03-02T01:00:00.000Z","drill":true}',
      },
    );
  });

  it("StopExecution input: the execution ARN only (no error/cause, so no KMS permission is needed)", () => {
    assert.deepEqual(stopExecutionInput("arn:x"), { executionArn: "arn:x" });
  });

  it("incident item → observation → report: two people, channels per person, who acknowledged", () => {
    const incident: Incident = {
      id: "DRILL-critical-20260302T010000000Z",
      status: "acknowledged",
      alarmName: "[DRILL] critical paging drill",
      alertLevel: "critical",
      openedAt: at(0),
      expiresAt: 1780448400,
      timeline: [
        { at: at(0), kind: "opened" },
        { at: at(1), kind: "paged", contact: "sato", channel: "email" },
        { at: at(600), kind: "paged", contact: "sato", channel: "sms" },
        {
          at: at(604),
          kind: "delivery-failed",
          contact: "sato",
          channel: "sms",
          detail: "OptedOut",
        },
        { at: at(900), kind: "paged", contact: "tanaka", channel: "email" },
        {
          at: at(903),
          kind: "delivered",
          contact: "tanaka",
          channel: "email",
          detail: "DELIVERED",
        },
        { at: at(960), kind: "acknowledged", contact: "tanaka", channel: "link" },
      ],
    };
    const obs = engineDrillObservation(
      incident,
      { incidentId: incident.id, title: "t", startedAt: RUN_AT },
      new Date(at(970)),
    );
    const report = buildDrillReport(obs, {}, "ie-selfhosted");
    assert.deepEqual(report.people, [
      { contact: "sato", channels: ["email", "sms"], acknowledged: false },
      { contact: "tanaka", channels: ["email"], acknowledged: true },
    ]);
    assert.equal(
      renderDrillReport(report),
      [
        "[DRILL] report for DRILL-critical-20260302T010000000Z",
        "Started: 2026-03-02T01:00:00.000Z",
        "Outcome: acknowledged by tanaka (email) at T+16:00",
        "Engaged: sato, tanaka; stages observed: 2",
        "T+0:01  page sent to sato (email) — not read",
        "T+10:00 page sent to sato (sms) — error: opted out",
        "T+15:00 page sent to tanaka (email) — delivered after 0:03, read after 1:00 (acknowledged)",
        "Per person:",
        "  sato: paged by email, sms — did NOT acknowledge",
        "  tanaka: paged by email — acknowledged",
      ].join("\n"),
    );
  });

  it("no item yet (the engine has not opened it): no pages, nobody acknowledged", () => {
    const obs = engineDrillObservation(
      undefined,
      { incidentId: "DRILL-x", title: "t", startedAt: RUN_AT },
      RUN_AT,
    );
    assert.deepEqual(obs.pages, []);
    assert.equal(buildDrillReport(obs).outcome, "not-acknowledged");
  });
});

describe("pages of a drill say DRILL (handlers/shared/messages.ts), real alarms' pages do not", () => {
  const drill = {
    alarm: alarmText("[DRILL] critical paging drill", 120),
    level: "critical",
    incidentId: "DRILL-critical-20260302T010000000Z",
    link: "https://ack.example/x",
    linkExpires: "2026-03-03T01:00:00.000Z",
  };
  const real = { ...drill, alarm: alarmText("ie-prod-critical-api-5xx", 120), incidentId: "i" };

  it("e-mail subject and SMS start with the mark, in English and Japanese", () => {
    assert.equal(
      message("email.subject", "en", drill),
      '[DRILL] [critical] "[DRILL] critical paging drill": please acknowledge',
    );
    assert.equal(
      message("email.subject", "ja", drill),
      '【訓練 DRILL】【critical】"[DRILL] critical paging drill"：確認をお願いします',
    );
    assert.equal(
      message("sms.body", "en", drill),
      '[DRILL] [critical] "[DRILL] critical paging drill" ALARM. Acknowledge: https://ack.example/x',
    );
    assert.equal(
      message("sms.body", "ja", drill),
      '【訓練 DRILL】【critical】"[DRILL] critical paging drill" ALARM。確認はこちら: https://ack.example/x',
    );
  });

  it("the e-mail body's first line says it is a drill, not a real incident", () => {
    assert.equal(
      message("email.body", "en", drill).split("\n")[0],
      "DRILL: this is a paging drill, not a real incident. Acknowledge as you would for a real one.",
    );
    assert.equal(
      message("email.body", "ja", drill).split("\n")[0],
      "【訓練 DRILL】これは呼び出しの訓練です。実際の障害ではありません。本番と同じように確認してください。",
    );
  });

  it("a real alarm's pages carry no mark", () => {
    for (const lang of ["en", "ja"] as const) {
      for (const key of ["email.subject", "email.body", "sms.body"] as const) {
        const text = message(key, lang, real);
        assert.ok(!text.includes("DRILL"), `${lang} ${key}: ${text}`);
      }
    }
  });
});

describe("drills on backend step-functions: the phone calls in the report (timeline kinds of fixed interface 4)", () => {
  const T0 = new Date("2026-12-07T01:00:00.000Z");
  const t = (sec: number) => new Date(T0.getTime() + sec * 1000).toISOString();
  /**
   * sato: e-mail delivered (SES `Delivery`), SMS failed (`TEXT_BLOCKED`), the call connected
   * (Connect `connected`) and was acknowledged by keypress (`acknowledged`, channel voice);
   * suzuki: e-mail not reported, the call not answered (`no-answer`).
   */
  const incident: Incident = {
    id: "DRILL-critical-20261207T010000000Z",
    status: "acknowledged",
    alarmName: "[DRILL] critical paging drill",
    alertLevel: "critical",
    openedAt: t(1),
    expiresAt: 1788570000,
    timeline: [
      { at: t(1), kind: "opened" },
      { at: t(2), kind: "paged", contact: "sato", channel: "email" },
      { at: t(2), kind: "paged", contact: "suzuki", channel: "email" },
      { at: t(5), kind: "delivered", contact: "sato", channel: "email", detail: "Delivery" },
      { at: t(602), kind: "paged", contact: "sato", channel: "sms" },
      { at: t(603), kind: "paged", contact: "sato", channel: "voice" },
      { at: t(603), kind: "paged", contact: "suzuki", channel: "voice" },
      {
        at: t(604),
        kind: "delivery-failed",
        contact: "sato",
        channel: "sms",
        detail: "TEXT_BLOCKED",
      },
      { at: t(620), kind: "delivered", contact: "sato", channel: "voice", detail: "connected" },
      {
        at: t(650),
        kind: "delivery-failed",
        contact: "suzuki",
        channel: "voice",
        detail: "no-answer",
      },
      { at: t(660), kind: "acknowledged", contact: "sato", channel: "voice" },
    ],
  };
  const report = () =>
    buildDrillReport(
      engineDrillObservation(
        incident,
        { incidentId: incident.id, title: "[DRILL] critical paging drill", startedAt: T0 },
        new Date(t(1800)),
      ),
      {},
      "ie-selfdrills",
    );

  it("per person: sato's call connected and was acknowledged by keypress; suzuki's did not connect (not answered)", () => {
    assert.deepEqual(report().people, [
      {
        contact: "sato",
        channels: ["email", "sms", "voice"],
        acknowledged: true,
        call: { connected: true, acknowledged: true, failures: [] },
      },
      {
        contact: "suzuki",
        channels: ["email", "voice"],
        acknowledged: false,
        call: { connected: false, acknowledged: false, failures: ["not answered"] },
      },
    ]);
    assert.deepEqual(report().acknowledged, {
      contact: "sato",
      channel: "voice",
      afterSeconds: 660,
    });
  });

  it("the report in English, literally", () => {
    assert.equal(
      renderDrillReport(report(), "en"),
      [
        "[DRILL] report for DRILL-critical-20261207T010000000Z",
        "Started: 2026-12-07T01:00:00.000Z",
        "Outcome: acknowledged by sato (voice) at T+11:00",
        "Engaged: sato, suzuki; stages observed: 1",
        "T+0:02  page sent to sato (email) — delivered after 0:03, not read",
        "T+0:02  page sent to suzuki (email) — not read",
        "T+10:02 page sent to sato (sms) — error: opted out",
        "T+10:03 page sent to sato (voice) — delivered after 0:17, read after 0:57 (acknowledged)",
        "T+10:03 page sent to suzuki (voice) — error: not answered",
        "Per person:",
        "  sato: paged by email, sms, voice — acknowledged",
        "  suzuki: paged by email, voice — did NOT acknowledge",
        "Phone calls:",
        "  sato: the call connected and was acknowledged by keypress",
        "  suzuki: the call did NOT connect (not answered); not acknowledged",
      ].join("\n"),
    );
  });

  it("the report in Japanese, literally", () => {
    assert.equal(
      renderDrillReport(report(), "ja"),
      [
        "[DRILL] 訓練レポート DRILL-critical-20261207T010000000Z",
        "開始: 2026-12-07T01:00:00.000Z",
        "結果: sato (voice) が T+11:00 に確認",
        "呼び出し対象: sato, suzuki、観測したステージ数: 1",
        "T+0:02  sato (email) を呼び出し — 0:03 後に配信、未読",
        "T+0:02  suzuki (email) を呼び出し — 未読",
        "T+10:02 sato (sms) を呼び出し — エラー: opted out",
        "T+10:03 sato (voice) を呼び出し — 0:17 後に配信、0:57 後に既読（確認）",
        "T+10:03 suzuki (voice) を呼び出し — エラー: not answered",
        "担当者別:",
        "  sato: email, sms, voice で呼び出し — 確認済み",
        "  suzuki: email, voice で呼び出し — 未確認",
        "電話呼び出し:",
        "  sato: 電話がつながり、キー操作で確認されました",
        "  suzuki: 電話がつながりませんでした（not answered）。確認なし",
      ].join("\n"),
    );
  });

  it("a link acknowledgement after the call was placed is reported over the link's channel, not as a keypress", () => {
    const byLink: Incident = {
      ...incident,
      timeline: [
        ...incident.timeline.filter((e) => e.kind !== "acknowledged"),
        { at: t(700), kind: "acknowledged", contact: "sato", channel: "email" },
      ],
    };
    const r = buildDrillReport(
      engineDrillObservation(
        byLink,
        { incidentId: byLink.id, title: "x", startedAt: T0 },
        new Date(t(1800)),
      ),
      {},
    );
    assert.deepEqual(r.acknowledged, { contact: "sato", channel: "email", afterSeconds: 700 });
    assert.deepEqual(r.people[0].call, { connected: true, acknowledged: false, failures: [] });
    assert.equal(
      renderDrillReport(r, "en").split("\n").slice(-3).join("\n"),
      [
        "Phone calls:",
        "  sato: the call connected but was NOT acknowledged",
        "  suzuki: the call did NOT connect (not answered); not acknowledged",
      ].join("\n"),
    );
  });
});
