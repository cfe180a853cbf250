/**
 * The voice step executed: the real state machine definition run by aws-local-stepfunctions, every
 * Task bound to the real engine handler, the incident table in dynalite, a fake Amazon Connect
 * (aws-sdk-client-mock: one ContactId per ClientToken, optional ThrottlingException), and the
 * real voice Lambda (handlers/voice) invoked as the contact flow invokes it after 1 and 1. Every
 * StartOutboundVoiceContact request is checked against the Connect API model.
 *
 * What this spec does NOT prove: that Connect rings anyone or runs the flow (the flow's JSON is
 * tests/components/contactFlow.spec.ts's; a person pressing keys is simulated by calling the
 * Lambda); Connect's real idempotency beyond its API reference (the fake returns the same
 * ContactId for the same ClientToken); pacing under a storm (tests/handlers/engine.voicePacing.spec.ts);
 * delivery events from Connect (another helper's).
 */
import { strict as assert } from "node:assert";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { engineDrillObservation } from "../../handlers/drill/engine";
import { checkOperationInput } from "../support/apiModel";
import {
  CALLER_ID,
  CONNECT_INSTANCE_ID,
  EngineWorld,
  FLOW_EN,
  FLOW_JA,
  T0,
  engineInput,
  plan,
  pressOneOneAt,
  type Sent,
} from "./fixtures/engineFixtures";

const pages = (sent: readonly Sent[]) =>
  sent.filter((s) => s.kind !== "note").map((s) => `T+${s.t} ${s.kind} ${s.to}`);

const ENGAGE = [
  { after: 0, via: ["email" as const] },
  { after: 5, via: ["voice" as const] },
];

/** Stage 1 (15 min): sato (ja); stage 2 (15 min): tanaka (en). E-mail at 0, a call at 5. */
const voicePlan = () =>
  plan({
    stages: [
      { engage: ["sato"], minutes: 15, essential: true },
      { engage: ["tanaka"], minutes: 15, essential: true },
    ],
    contacts: [
      { alias: "sato", language: "ja", engagement: ENGAGE },
      { alias: "suzuki", language: "en", engagement: ENGAGE },
      { alias: "tanaka", language: "en", engagement: ENGAGE },
    ],
  });

describe("escalation engine, executed with voice calls (aws-local-stepfunctions + the real handlers + dynalite + a fake Connect)", function () {
  this.timeout(60_000);
  const world = new EngineWorld();
  let n = 0;
  const table = () => `voice-incidents-${++n}`;
  before(() => world.start());
  after(() => world.stop());

  it("calls at the stage's offset (T+5 sato in Japanese, T+20 tanaka in English); nobody answers → the next stage, then the end; each request exactly as StartOutboundVoiceContact takes it", async () => {
    const t = table();
    await world.table(t);
    const { error, output, world: w } = await world.run({ plan: voicePlan(), table: t });
    assert.equal(error, undefined);
    assert.deepEqual(pages(w.sent), [
      "T+0 email sato@example.com",
      "T+5 voice +819000000001",
      "T+15 email tanaka@example.com",
      "T+20 voice +819000000003",
    ]);
    const id = engineInput().incidentId;
    const [first, second] = w.sent.filter((s) => s.kind === "voice").map((s) => s.input);
    assert.deepEqual(first, {
      InstanceId: CONNECT_INSTANCE_ID,
      ContactFlowId: FLOW_JA,
      SourcePhoneNumber: CALLER_ID,
      DestinationPhoneNumber: "+819000000001",
      // printf 'voice\nie-test-critical-api-5xx-20261129T235000000Z\nsato\nr0\ns1\n2026-11-29T23:55:00.000Z' | sha256sum
      ClientToken: "834c013c5d83b67c7b00973310a1b173153eb6d813f4185a1bf63d0b87e583f9",
      Attributes: {
        incidentId: id,
        contact: "sato",
        language: "ja",
        message:
          "インシデントの呼び出しです。レベル critical。CloudWatch アラーム &quot;ie-test-critical-api-5xx&quot; が ALARM 状態です。",
      },
      RingTimeoutInSeconds: 45,
      TrafficType: "GENERAL",
    });
    assert.equal(second.ContactFlowId, FLOW_EN);
    assert.deepEqual(second.Attributes, {
      incidentId: id,
      contact: "tanaka",
      language: "en",
      message:
        "Incident escalation. Level critical. CloudWatch alarm &quot;ie-test-critical-api-5xx&quot; is in ALARM.",
    });
    assert.notEqual(first.ClientToken, second.ClientToken);
    for (const r of w.voiceRequests)
      assert.deepEqual(checkOperationInput("connect", "StartOutboundVoiceContact", r.input), []);
    // The model check can fail: a number that is not E.164 is refused.
    assert.deepEqual(
      checkOperationInput("connect", "StartOutboundVoiceContact", {
        ...first,
        DestinationPhoneNumber: "090-1234-5678",
      }),
      ['DestinationPhoneNumber: "090-1234-5678" does not match \\+[1-9]\\d{1,14}$'],
    );
    assert.equal(output !== undefined, true);
    const incident = await w.incident(id);
    assert.deepEqual(
      incident?.timeline.map((e) => [e.kind, e.contact, e.channel]),
      [
        ["opened", undefined, undefined],
        ["paged", "sato", "email"],
        ["paged", "sato", "voice"],
        ["paged", "tanaka", "email"],
        ["paged", "tanaka", "voice"],
        ["exhausted", undefined, undefined],
      ],
    );
    assert.equal(incident?.status, "open");
  });

  it("the flow's Lambda acknowledging sato's call at T+6 (1, then 1) stops the later stages: no e-mail or call to tanaka, the timeline says acknowledged via voice", async () => {
    const t = table();
    await world.table(t);
    const results: string[] = [];
    const { error, world: w } = await world.run({
      plan: voicePlan(),
      table: t,
      outside: [pressOneOneAt(6, "sato", t, results)],
    });
    assert.equal(error, undefined);
    assert.deepEqual(results, ["T+6 sato acknowledged"]);
    assert.deepEqual(pages(w.sent), ["T+0 email sato@example.com", "T+5 voice +819000000001"]);
    const incident = await w.incident(engineInput().incidentId);
    assert.equal(incident?.status, "acknowledged");
    assert.equal(incident?.acknowledgedBy, "sato");
    assert.equal(incident?.acknowledgedVia, "voice");
    assert.deepEqual(
      incident?.timeline.slice(-1).map((e) => [e.at, e.kind, e.contact, e.channel]),
      [["2026-11-29T23:56:00.000Z", "acknowledged", "sato", "voice"]],
    );
    // The state machine's next check saw it and stopped.
    assert.deepEqual(
      w.tasks.filter((x) => x.t >= 6).map((x) => `${x.t} ${x.state}`),
      ["15 CheckIncident"],
    );
  });

  it("a throttled call (ThrottlingException twice) is retried by Send_voice with the same ClientToken: one call, its ContactId the page's messageId", async () => {
    const t = table();
    await world.table(t);
    const { error, world: w } = await world.run({
      plan: voicePlan(),
      table: t,
      throttleCalls: 2,
    });
    assert.equal(error, undefined);
    const atFive = w.voiceRequests.filter((r) => r.t === 5);
    assert.equal(atFive.length, 3);
    assert.deepEqual(
      [...new Set(atFive.map((r) => r.input.ClientToken))],
      ["834c013c5d83b67c7b00973310a1b173153eb6d813f4185a1bf63d0b87e583f9"],
    );
    assert.deepEqual(
      w.tasks.filter((x) => x.t === 5).map((x) => x.state),
      ["CheckIncident", "Send_voice", "Send_voice", "Send_voice", "NextStep"],
    );
    assert.deepEqual(pages(w.sent).slice(0, 2), [
      "T+0 email sato@example.com",
      "T+5 voice +819000000001",
    ]);
    // Nothing failed: no PagesGivenUp, no delivery-failed entry.
    assert.deepEqual(w.metrics, []);
    const paged = w.logs.filter((l) => l.message === "engine.paged" && l.channel === "voice");
    assert.equal(paged.length, 2);
    // Send_voice wrote its page before each of its three attempts: one `paged` entry per page
    // (handlers/shared/incidentStore.ts pageKey), at the first attempt's time, and the page's
    // key among pageKeys; so the drill report reads one page per page sent.
    const id = engineInput().incidentId;
    const incident = await w.incident(id);
    assert.deepEqual(
      incident?.timeline.filter((e) => e.kind === "paged").map((e) => [e.at, e.contact, e.channel]),
      [
        ["2026-11-29T23:50:00.000Z", "sato", "email"],
        ["2026-11-29T23:55:00.000Z", "sato", "voice"],
        ["2026-11-30T00:05:00.000Z", "tanaka", "email"],
        ["2026-11-30T00:10:00.000Z", "tanaka", "voice"],
      ],
    );
    const item = await w.db.send(
      new GetItemCommand({ TableName: t, Key: { pk: { S: `INCIDENT#${id}` } } }),
    );
    assert.deepEqual([...(item.Item?.pageKeys?.SS ?? [])].sort(), [
      "r0/s1/email/sato/2026-11-29T23:50:00.000Z",
      "r0/s1/voice/sato/2026-11-29T23:55:00.000Z",
      "r0/s2/email/tanaka/2026-11-30T00:05:00.000Z",
      "r0/s2/voice/tanaka/2026-11-30T00:10:00.000Z",
    ]);
    assert.deepEqual(
      engineDrillObservation(
        incident,
        { incidentId: id, title: "drill", startedAt: T0 },
        new Date("2026-11-30T00:30:00.000Z"),
      ).pages.map((p) => [p.contactArn, p.sentAt]),
      [
        ["sato", "2026-11-29T23:50:00.000Z"],
        ["sato", "2026-11-29T23:55:00.000Z"],
        ["tanaka", "2026-11-30T00:05:00.000Z"],
        ["tanaka", "2026-11-30T00:10:00.000Z"],
      ],
    );
  });

  it("a call the engine cannot place (no contact flow for the callee's language: a permanent error, not retried) is recorded, counted as PagesGivenUp (alarmed on), and the escalation goes on", async () => {
    const t = table();
    await world.table(t);
    const { error, world: w } = await world.run({
      plan: voicePlan(),
      table: t,
      config: {
        voice: {
          ...(await import("./fixtures/engineFixtures")).VOICE_CONFIG,
          contactFlows: { en: FLOW_EN },
        },
      },
    });
    assert.equal(error, undefined);
    // sato speaks Japanese and the engine has no Japanese flow: her call fails; tanaka's goes out.
    assert.deepEqual(pages(w.sent), [
      "T+0 email sato@example.com",
      "T+15 email tanaka@example.com",
      "T+20 voice +819000000003",
    ]);
    assert.deepEqual(
      w.metrics.map((m) => [m.PagesGivenUp, m.contact, m.channel, m.reason]),
      [[1, "sato", "voice", "EnginePermanentError"]],
    );
    const incident = await w.incident(engineInput().incidentId);
    assert.deepEqual(
      incident?.timeline
        .filter((e) => e.kind === "delivery-failed")
        .map((e) => [e.contact, e.channel, e.detail]),
      [["sato", "voice", "EnginePermanentError"]],
    );
  });
});
