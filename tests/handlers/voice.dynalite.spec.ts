/**
 * The voice acknowledgement Lambda (handlers/voice) deciding on dynalite: the flow's event as
 * Amazon Connect sends it (tests/handlers/fixtures/engineFixtures.ts flowEvent), the incident
 * table's real conditional writes (handlers/shared/incidentStore.ts acknowledgeRequest /
 * noteAcknowledgementRequest through handlers/ack/adapters.ts acknowledge, as the e-mail link),
 * SNS over aws-sdk-client-mock. Every DynamoDB and SNS input is checked against its API model.
 *
 * What this spec does NOT prove: that Connect invokes the function with exactly this event
 * (the Lambda developer guide's example is the source), or that the flow branches on the answer
 * (tests/components/contactFlow.spec.ts); DynamoDB beyond dynalite's reimplementation
 * (ReturnValuesOnConditionCheckFailure is ignored by dynalite 4, so the fallback read runs here);
 * the 8 s limit itself (the clients' time limits are constants, the function's timeout is the
 * component spec's).
 */
import { strict as assert } from "node:assert";
import { UpdateItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { checkOperationInput } from "../support/apiModel";
import {
  TABLE,
  TOPIC_ARN,
  dynamoClient,
  freshTable,
  openIncident,
  readIncident,
  recordInputs,
  startDynalite,
  type Dynalite,
  type Recorded,
} from "./fixtures/ackFixtures";
import { CONNECT_INSTANCE_ARN, flowEvent } from "./fixtures/engineFixtures";
import { recordPageRequest, resolveRequest } from "../../handlers/shared/incidentStore";
import { createHandler } from "../../handlers/voice/handler";
import { CLIENT_LIMITS } from "../../handlers/voice/adapters";
import { parseEnv } from "../../handlers/voice/core";

const AT = new Date("2026-12-02T01:05:00.000Z");
const attributes = (contact = "sato", incidentId = "inc-1") => ({
  incidentId,
  contact,
  language: "ja",
  message: "…",
});

describe("voice acknowledgement Lambda on dynalite (the flow's 1-then-1 → the incident)", () => {
  let db: Dynalite;
  let client: DynamoDBClient;
  const sent: Recorded[] = [];
  const sns = new SNSClient({ region: "ap-northeast-1" });
  const snsMock = mockClient(sns);
  let logs: Record<string, unknown>[] = [];
  let metrics: Record<string, unknown>[] = [];

  const handler = (dynamodb: DynamoDBClient = client) =>
    createHandler({
      config: {
        tableName: TABLE,
        alertsTopicArn: TOPIC_ARN,
        instanceArn: CONNECT_INSTANCE_ARN,
        language: "en",
      },
      dynamodb,
      sns,
      now: () => AT,
      log: (r) => logs.push(r),
      metric: (m) => metrics.push(m),
    });
  const page = (contact: string, channel: string, essential = true) =>
    client.send(
      new UpdateItemCommand(
        recordPageRequest(TABLE, "inc-1", { at: AT, contact, channel, essential }),
      ),
    );

  before(async () => {
    db = await startDynalite();
    client = recordInputs(dynamoClient(db.url), sent);
  });
  after(async () => {
    client.destroy();
    await db.close();
    snsMock.restore();
    assert.deepEqual(
      sent.flatMap((r) => checkOperationInput("dynamodb", r.operation, r.input)),
      [],
    );
  });
  beforeEach(async () => {
    await freshTable(db.admin);
    await openIncident(db.admin, "inc-1");
    snsMock.reset();
    snsMock.on(PublishCommand).resolves({ MessageId: "m-1" });
    logs = [];
    metrics = [];
  });

  it("sato was called for the open incident: acknowledged, exactly as the link does (status, by, via voice, timeline), Slack told", async () => {
    await page("sato", "voice");
    assert.deepEqual(await handler()(flowEvent("contact-1", attributes())), {
      result: "acknowledged",
    });
    const incident = await readIncident(db.admin, "inc-1");
    assert.equal(incident?.status, "acknowledged");
    assert.equal(incident?.acknowledgedBy, "sato");
    assert.equal(incident?.acknowledgedVia, "voice");
    assert.equal(incident?.acknowledgedAt, "2026-12-02T01:05:00.000Z");
    assert.deepEqual(incident?.timeline.slice(-1), [
      { at: "2026-12-02T01:05:00.000Z", kind: "acknowledged", contact: "sato", channel: "voice" },
    ]);
    const published = snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input);
    assert.equal(published.length, 1);
    assert.deepEqual(checkOperationInput("sns", "Publish", published[0]), []);
    const note = JSON.parse(String(published[0].Message)) as { content: { title: string } };
    assert.equal(note.content.title, "Acknowledged: inc-1");
    assert.deepEqual(
      logs.map((l) => [l.message, l.result]),
      [["voice.ack", "acknowledged"]],
    );
    // No phone number, no spoken message in the logs.
    assert.ok(!JSON.stringify(logs).includes("+81"));
  });

  it("a second 1-then-1 (already acknowledged) answers not-acknowledged and writes nothing more", async () => {
    await page("sato", "voice");
    await handler()(flowEvent("contact-1", attributes()));
    const before = await readIncident(db.admin, "inc-1");
    assert.deepEqual(await handler()(flowEvent("contact-1", attributes())), {
      result: "not-acknowledged",
    });
    assert.deepEqual(await readIncident(db.admin, "inc-1"), before);
    assert.deepEqual(
      logs.slice(-1).map((l) => l.reason),
      ["acknowledged"],
    );
  });

  const refusals: [string, () => Promise<void>, Record<string, unknown>, string][] = [
    [
      "sato was paged by e-mail only (not called)",
      () => page("sato", "email").then(() => undefined),
      flowEvent("c", attributes()),
      "not-paged-by-voice",
    ],
    [
      "suzuki, who was not paged at all, for sato's incident",
      () => page("sato", "voice").then(() => undefined),
      flowEvent("c", attributes("suzuki")),
      "not-paged-by-voice",
    ],
    [
      "a call from another Connect instance",
      () => page("sato", "voice").then(() => undefined),
      flowEvent(
        "c",
        attributes(),
        CONNECT_INSTANCE_ARN.replace(
          /instance\/.*/,
          "instance/99999999-2222-4333-8444-555555555555",
        ),
      ),
      "other-instance",
    ],
    [
      "an incident that does not exist",
      () => Promise.resolve(),
      flowEvent("c", attributes("sato", "inc-404")),
      "missing",
    ],
    [
      "a resolved incident",
      async () => {
        await page("sato", "voice");
        await client.send(
          new UpdateItemCommand(resolveRequest(TABLE, "inc-1", { at: AT, detail: "recovery" })),
        );
      },
      flowEvent("c", attributes()),
      "resolved",
    ],
    [
      "an event that is not a flow event",
      () => Promise.resolve(),
      { Name: "Other" },
      "invalid-event",
    ],
    [
      "a flow event without the engine's attributes",
      () => Promise.resolve(),
      flowEvent("c", {}),
      "invalid-event",
    ],
  ];
  for (const [what, setup, event, reason] of refusals) {
    it(`${what}: not-acknowledged (${reason}), nothing written, no Slack note`, async () => {
      await setup();
      const before = await readIncident(db.admin, "inc-1");
      assert.deepEqual(await handler()(event), { result: "not-acknowledged" });
      assert.deepEqual(await readIncident(db.admin, "inc-1"), before);
      assert.equal(snsMock.commandCalls(PublishCommand).length, 0);
      assert.deepEqual(
        logs.map((l) => [l.message, l.reason]),
        [["voice.refused", reason]],
      );
    });
  }

  it("a contact called by a stage that is not essential: the acknowledgement is noted once (the escalation goes on) and the flow hears not-acknowledged", async () => {
    await page("tanaka", "voice", false);
    assert.deepEqual(await handler()(flowEvent("c", attributes("tanaka"))), {
      result: "not-acknowledged",
    });
    const incident = await readIncident(db.admin, "inc-1");
    assert.equal(incident?.status, "open");
    assert.deepEqual(incident?.acknowledgers, ["tanaka"]);
    assert.deepEqual(
      incident?.timeline.slice(-1).map((e) => [e.kind, e.contact, e.channel]),
      [["acknowledged-not-essential", "tanaka", "voice"]],
    );
    assert.equal(snsMock.commandCalls(PublishCommand).length, 1);
  });

  it("the table unreachable: the error is logged, counted (AckFailures) and rethrown, so the flow takes its error branch (not acknowledged)", async () => {
    const broken = dynamoClient("http://127.0.0.1:9");
    await assert.rejects(handler(broken)(flowEvent("c", attributes())), (err: Error) => {
      assert.equal(err.name, "VoiceAckError");
      return true;
    });
    broken.destroy();
    assert.deepEqual(
      metrics.map((m) => [m.AckFailures, m.code]),
      [[1, "VOICE"]],
    );
    assert.deepEqual(
      logs.map((l) => l.message),
      ["voice.failed"],
    );
  });

  it("a lost Slack note does not undo the acknowledgement: still acknowledged, counted (AckNotesLost)", async () => {
    await page("sato", "voice");
    snsMock
      .on(PublishCommand)
      .rejects(Object.assign(new Error("x"), { name: "InternalErrorException" }));
    assert.deepEqual(await handler()(flowEvent("c", attributes())), { result: "acknowledged" });
    assert.deepEqual(
      metrics.map((m) => [m.AckNotesLost, m.incidentId]),
      [[1, "inc-1"]],
    );
  });

  it("environment: every wrong variable named; the clients' limits fit Connect's 8 s (2 attempts × 1.5 s per request)", () => {
    assert.throws(
      () =>
        parseEnv({
          INCIDENT_TABLE: "x",
          CONNECT_INSTANCE_ARN: "arn:aws:connect:ap-northeast-1:123456789012:instance/nope",
          LANGUAGE: "fr",
        }),
      {
        message:
          'voice environment: INCIDENT_TABLE: is not a DynamoDB table name; ALERTS_TOPIC_ARN: is not set; CONNECT_INSTANCE_ARN: is not an Amazon Connect instance ARN; LANGUAGE: "fr" is not ja or en',
      },
    );
    assert.deepEqual(CLIENT_LIMITS, {
      connectionTimeoutMs: 500,
      requestTimeoutMs: 1_500,
      maxAttempts: 2,
    });
  });
});
