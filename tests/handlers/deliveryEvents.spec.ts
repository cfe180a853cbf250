/**
 * Delivery events (handlers/deliveryEvents/, handlers/shared/deliveries.ts): decoding of SES,
 * End User Messaging SMS and Amazon Connect events in the shapes AWS documents
 * (tests/handlers/fixtures/deliveryEventFixtures.ts names the pages), the rules' event patterns
 * against those events (policy/eventPattern.ts, EventBridge's matching for exact values), the
 * exact requests the handler sends (aws-sdk-client-mock), checked against the API models, the
 * Slack notes' texts, and arbitrary JSON never escaping as anything but MalformedEventError.
 *
 * What this spec does NOT prove: that AWS sends exactly these samples (they are the documented
 * shapes; SES's EventBridge `detail` is taken to be the event record the SNS examples show, and
 * Connect's DISCONNECTED to carry connectedToSystemTimestamp once the call was answered, as the
 * contact record's ConnectedToSystemTimestamp is); that EventBridge matches patterns exactly as
 * policy/eventPattern.ts does; DynamoDB's semantics (deliveryEvents.dynalite.spec.ts) or the
 * bundle (deliveryEvents.bundle.spec.ts).
 */
import { strict as assert } from "node:assert";
import {
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
  ConditionalCheckFailedException,
} from "@aws-sdk/client-dynamodb";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import {
  connectEventPattern,
  sesEventPattern,
  smsEventPattern,
} from "../../components/engine/deliveryEvents";
import {
  MalformedEventError,
  decodeEvent,
  deliveryNote,
  parseEnv,
} from "../../handlers/deliveryEvents/core";
import { createHandler } from "../../handlers/deliveryEvents/handler";
import { openIncidentRequest } from "../../handlers/shared/incidentStore";
import { eventMatchesPattern } from "../../policy/eventPattern";
import { checkOperationInput } from "../support/apiModel";
import {
  CONNECT_CONNECTED,
  CONNECT_DISCONNECTED,
  CONNECT_NO_ANSWER,
  CONTACT_ID,
  INSTANCE_ARN,
  PHONE,
  RECIPIENT,
  SES_BOUNCE,
  SES_BOUNCE_RECORD,
  SES_COMPLAINT,
  SES_DELIVERY,
  SES_DELIVERY_DELAY,
  SES_MESSAGE_ID,
  SES_REJECT,
  SES_RENDERING_FAILURE,
  SES_SEND,
  SMS_MESSAGE_ID,
  TABLE,
  TOPIC_ARN,
  connectEvent,
  smsEvent,
} from "./fixtures/deliveryEventFixtures";

const decoded = (event: unknown) => {
  const d = decodeEvent(event);
  return d && { ...d, at: d.at.toISOString() };
};

describe("delivery events: decoding the documented event shapes", () => {
  const cases: [string, unknown, unknown][] = [
    [
      "SES Email Delivered → delivered Delivery (SES events schema reference)",
      SES_DELIVERY,
      { ok: true, detail: "Delivery" },
    ],
    [
      "SES Email Bounced → delivery-failed Bounce: the responder was not reached",
      SES_BOUNCE,
      { ok: false, detail: "Bounce" },
    ],
    [
      "SES Email Complaint Received → delivered Complaint (delivered, then marked as spam)",
      SES_COMPLAINT,
      { ok: true, detail: "Complaint" },
    ],
    ["SES Email Rejected → delivery-failed Reject", SES_REJECT, { ok: false, detail: "Reject" }],
    [
      "SES Email Rendering Failed (eventType 'Rendering Failure') → delivery-failed RenderingFailure",
      SES_RENDERING_FAILURE,
      { ok: false, detail: "RenderingFailure" },
    ],
    [
      "SES Email Delivery Delayed → delivery-failed DeliveryDelay (not reached yet)",
      SES_DELIVERY_DELAY,
      { ok: false, detail: "DeliveryDelay" },
    ],
  ];
  for (const [title, event, outcome] of cases) {
    it(title, () => {
      const d = decoded(event)!;
      assert.equal(d.channel, "email");
      assert.equal(d.messageId, SES_MESSAGE_ID);
      assert.deepEqual(d.outcome, outcome);
    });
  }

  it("SES Email Sent is progress: no outcome, at the event's time", () => {
    assert.deepEqual(decoded(SES_SEND), {
      channel: "email",
      messageId: SES_MESSAGE_ID,
      at: "2026-12-02T01:00:00.000Z",
      providerEvent: "Send",
    });
  });

  it("SMS TEXT_DELIVERED (monitor-event-bridge.html sample) → delivered, at eventTimestamp (ms)", () => {
    assert.deepEqual(decoded(smsEvent("TEXT_DELIVERED")), {
      channel: "sms",
      messageId: SMS_MESSAGE_ID,
      at: "2026-12-02T01:10:03.000Z",
      providerEvent: "TEXT_DELIVERED",
      outcome: { ok: true, detail: "TEXT_DELIVERED" },
    });
  });

  it("SMS TEXT_SUCCESSFUL is delivered only when final (carriers without receipts); otherwise progress", () => {
    assert.deepEqual(decodeEvent(smsEvent("TEXT_SUCCESSFUL", true, "SUCCESSFUL"))?.outcome, {
      ok: true,
      detail: "TEXT_SUCCESSFUL",
    });
    assert.equal(decodeEvent(smsEvent("TEXT_SUCCESSFUL", false, "SUCCESSFUL"))?.outcome, undefined);
  });

  it("SMS TEXT_BLOCKED, TEXT_TTL_EXPIRED, TEXT_CARRIER_UNREACHABLE, TEXT_UNKNOWN → delivery-failed with the event type; TEXT_QUEUED and TEXT_PENDING are progress", () => {
    for (const t of [
      "TEXT_BLOCKED",
      "TEXT_TTL_EXPIRED",
      "TEXT_CARRIER_UNREACHABLE",
      "TEXT_UNKNOWN",
    ]) {
      assert.deepEqual(decodeEvent(smsEvent(t))?.outcome, { ok: false, detail: t }, t);
    }
    for (const t of ["TEXT_QUEUED", "TEXT_PENDING", "TEXT_SOMETHING_NEW"]) {
      assert.equal(decodeEvent(smsEvent(t, false))?.outcome, undefined, t);
    }
  });

  it("Connect CONNECTED_TO_SYSTEM → delivered connected; DISCONNECTED after it → delivered disconnected; DISCONNECTED never connected → delivery-failed no-answer (contact-events.html)", () => {
    assert.deepEqual(decoded(CONNECT_CONNECTED), {
      channel: "voice",
      messageId: CONTACT_ID,
      at: "2026-12-02T01:20:30.000Z",
      providerEvent: "CONNECTED_TO_SYSTEM",
      outcome: { ok: true, detail: "connected" },
    });
    assert.deepEqual(decodeEvent(CONNECT_DISCONNECTED)?.outcome, {
      ok: true,
      detail: "disconnected",
    });
    assert.deepEqual(decodeEvent(CONNECT_NO_ANSWER)?.outcome, { ok: false, detail: "no-answer" });
    assert.equal(decodeEvent(connectEvent("INITIATED"))?.outcome, undefined);
  });

  it("an event of another source or detail-type is not ours (undefined), not malformed", () => {
    assert.equal(
      decodeEvent({ ...SES_DELIVERY, "detail-type": "Advisor Recommendation Status Open" }),
      undefined,
    );
    assert.equal(decodeEvent({ ...SES_DELIVERY, source: "aws.cloudwatch" }), undefined);
  });

  it("malformed events are refused with the field named, never a value from the event", () => {
    const refused = (event: unknown) => {
      try {
        decodeEvent(event);
      } catch (err: unknown) {
        assert.ok(err instanceof MalformedEventError);
        return err.message;
      }
      return "accepted";
    };
    assert.deepEqual(
      [
        refused("x"),
        refused({ ...SES_DELIVERY, source: 1 }),
        refused({ ...SES_DELIVERY, detail: [] }),
        refused({ ...SES_DELIVERY, detail: { ...SES_DELIVERY.detail, mail: undefined } }),
        refused({ ...SES_DELIVERY, detail: { ...SES_DELIVERY.detail, eventType: "Bounce" } }),
        refused({
          ...SES_DELIVERY,
          detail: { ...SES_DELIVERY.detail, mail: { messageId: "has space" } },
        }),
        refused({ ...SES_DELIVERY, time: "yesterday" }),
        refused({ ...smsEvent("TEXT_DELIVERED"), detail: { eventType: "TEXT_DELIVERED" } }),
        refused({ ...CONNECT_CONNECTED, detail: { eventType: "DISCONNECTED" } }),
      ],
      [
        "event is not a JSON object",
        "event.source is missing or not a string",
        "event.detail is not a JSON object",
        "detail.mail is not a JSON object",
        'detail.eventType "Bounce" does not match detail-type "Email Delivered"',
        "detail.mail.messageId is not a message id",
        "event.time is not a time",
        "detail.messageId is missing or not a string",
        "detail.contactId is missing or not a string",
      ],
    );
  });

  it("arbitrary JSON (fast-check) decodes or throws MalformedEventError, nothing else", () => {
    const sources = fc.constantFrom("aws.ses", "aws.sms-voice", "aws.connect", "x");
    const types = fc.constantFrom(
      "Email Delivered",
      "Email Bounced",
      "Text Message Delivery Status Updated",
      "Amazon Connect Contact Event",
      "y",
    );
    fc.assert(
      fc.property(sources, types, fc.jsonValue(), fc.jsonValue(), (source, t, detail, time) => {
        try {
          decodeEvent({ source, "detail-type": t, detail, time });
        } catch (err: unknown) {
          return err instanceof MalformedEventError;
        }
        return true;
      }),
      { numRuns: 2000 },
    );
  });
});

describe("delivery events: the rules' event patterns against the sample events", () => {
  it("the SES pattern matches every published SES event and not Email Sent (not published)", () => {
    const p = sesEventPattern();
    assert.deepEqual(p, {
      source: ["aws.ses"],
      "detail-type": [
        "Email Delivered",
        "Email Bounced",
        "Email Complaint Received",
        "Email Rejected",
        "Email Rendering Failed",
        "Email Delivery Delayed",
      ],
    });
    for (const e of [
      SES_DELIVERY,
      SES_BOUNCE,
      SES_COMPLAINT,
      SES_REJECT,
      SES_RENDERING_FAILURE,
      SES_DELIVERY_DELAY,
    ]) {
      assert.ok(eventMatchesPattern(p, e), e["detail-type"]);
    }
    assert.equal(eventMatchesPattern(p, SES_SEND), false);
  });

  it("the SMS pattern matches outcomes and not progress (TEXT_QUEUED) nor other sources", () => {
    const p = smsEventPattern();
    assert.deepEqual(p, {
      source: ["aws.sms-voice"],
      "detail-type": ["Text Message Delivery Status Updated"],
      detail: {
        eventType: [
          "TEXT_DELIVERED",
          "TEXT_SUCCESSFUL",
          "TEXT_INVALID",
          "TEXT_INVALID_MESSAGE",
          "TEXT_UNREACHABLE",
          "TEXT_CARRIER_UNREACHABLE",
          "TEXT_BLOCKED",
          "TEXT_CARRIER_BLOCKED",
          "TEXT_SPAM",
          "TEXT_UNKNOWN",
          "TEXT_TTL_EXPIRED",
          "TEXT_PROTECT_BLOCKED",
        ],
      },
    });
    assert.ok(eventMatchesPattern(p, smsEvent("TEXT_DELIVERED")));
    assert.ok(eventMatchesPattern(p, smsEvent("TEXT_BLOCKED")));
    assert.equal(eventMatchesPattern(p, smsEvent("TEXT_QUEUED")), false);
    assert.equal(eventMatchesPattern(p, SES_DELIVERY), false);
  });

  it("the Connect pattern matches this instance's voice CONNECTED_TO_SYSTEM / DISCONNECTED only", () => {
    const p = connectEventPattern(INSTANCE_ARN);
    assert.deepEqual(p, {
      source: ["aws.connect"],
      "detail-type": ["Amazon Connect Contact Event"],
      detail: {
        eventType: ["CONNECTED_TO_SYSTEM", "DISCONNECTED"],
        channel: ["VOICE"],
        instanceArn: [INSTANCE_ARN],
      },
    });
    assert.ok(eventMatchesPattern(p, CONNECT_CONNECTED));
    assert.ok(eventMatchesPattern(p, CONNECT_NO_ANSWER));
    assert.equal(eventMatchesPattern(p, connectEvent("INITIATED")), false);
    assert.equal(
      eventMatchesPattern(connectEventPattern(`${INSTANCE_ARN.slice(0, -1)}1`), CONNECT_CONNECTED),
      false,
    );
    assert.equal(
      eventMatchesPattern(p, connectEvent("CONNECTED_TO_SYSTEM", { channel: "CHAT" })),
      false,
    );
  });
});

describe("delivery events: the Slack notes, in the stack's language", () => {
  const incident = { id: "inc-1", alarmName: "prod-critical-api-5xx", alertLevel: "critical" };
  const ref = { contact: "sato", channel: "email" };

  it("a bounce says in English and Japanese that the responder was NOT reached", () => {
    const en = JSON.parse(deliveryNote("en", incident, ref, { ok: false, detail: "Bounce" })!) as {
      content: { title: string; description: string };
    };
    assert.deepEqual(en.content, {
      textType: "client-markdown",
      title: '[critical] a page for "prod-critical-api-5xx" did NOT reach its responder',
      description:
        "Incident inc-1: the email page to sato was NOT delivered (Bounce); sato was not reached this way. The escalation goes on; make sure someone is reached.",
    });
    const ja = JSON.parse(deliveryNote("ja", incident, ref, { ok: false, detail: "Bounce" })!) as {
      content: { title: string; description: string };
    };
    assert.deepEqual(ja.content, {
      textType: "client-markdown",
      title: '【critical】"prod-critical-api-5xx" の呼び出しが担当者に届きませんでした',
      description:
        "インシデント inc-1：sato への email 連絡は届きませんでした（Bounce）。この方法では sato に連絡できていません。エスカレーションは続きます。誰かに連絡が届いたか確認してください。",
    });
  });

  it("a delivery, a delay and a connected call have their own notes; a call that ended after connecting has none", () => {
    const text = (detail: string, ok: boolean, channel = "email") =>
      (
        JSON.parse(deliveryNote("en", incident, { contact: "sato", channel }, { ok, detail })!) as {
          content: { description: string };
        }
      ).content.description;
    assert.equal(
      text("Delivery", true),
      "Incident inc-1: the email page to sato was delivered (Delivery).",
    );
    assert.equal(
      text("DeliveryDelay", false),
      "Incident inc-1: the email page to sato is delayed (DeliveryDelay); it has NOT reached them yet and is retried by the provider.",
    );
    assert.equal(
      text("connected", true, "voice"),
      "Incident inc-1: the voice page to sato was delivered (connected).",
    );
    assert.equal(
      deliveryNote(
        "en",
        incident,
        { contact: "sato", channel: "voice" },
        {
          ok: true,
          detail: "disconnected",
        },
      ),
      undefined,
    );
  });
});

describe("delivery events handler (aws-sdk-client-mock): exact requests", () => {
  // Mocks of these client instances only (never the classes: other specs share the process).
  const dbClient = new DynamoDBClient({ region: "ap-northeast-1" });
  const snsClient = new SNSClient({ region: "ap-northeast-1" });
  const db = mockClient(dbClient);
  const sns = mockClient(snsClient);
  const logs: Record<string, unknown>[] = [];
  const metrics: Record<string, unknown>[] = [];
  const config = parseEnv({
    INCIDENT_TABLE: TABLE,
    ALERTS_TOPIC_ARN: TOPIC_ARN,
    LANGUAGE: "en",
    AWS_LAMBDA_FUNCTION_NAME: "ie-prod-delivery-events",
  });
  const handler = createHandler({
    config,
    db: dbClient,
    sns: snsClient,
    now: () => new Date("2026-12-02T01:00:07.000Z"),
    log: (r) => logs.push(r),
    metric: (m) => metrics.push(m),
  });
  after(() => {
    db.restore();
    sns.restore();
  });
  const incidentItem = openIncidentRequest(TABLE, {
    id: "inc-1",
    alarmName: "prod-critical-api-5xx",
    alertLevel: "critical",
    openedAt: new Date("2026-12-02T00:59:00.000Z"),
  }).Item!;
  const messageItem = {
    pk: { S: `MESSAGE#${SES_MESSAGE_ID}` },
    incidentId: { S: "inc-1" },
    contact: { S: "sato" },
    channel: { S: "email" },
    sentAt: { S: "2026-12-02T01:00:00.000Z" },
    expiresAt: { N: "1804554000" },
  };

  beforeEach(() => {
    db.reset();
    sns.reset();
    logs.length = 0;
    metrics.length = 0;
    sns.on(PublishCommand).resolves({ MessageId: "m-1" });
  });

  it("a bounce: GetItem of the message id, UpdateItem appending delivery-failed Bounce (ALL_NEW), one Slack note; every input passes the API models; no address anywhere", async () => {
    db.on(GetItemCommand).resolves({ Item: messageItem });
    db.on(UpdateItemCommand).resolves({ Attributes: incidentItem });
    assert.deepEqual(await handler(SES_BOUNCE), { result: "recorded" });
    const get = db.commandCalls(GetItemCommand).map((c) => c.args[0].input);
    const update = db.commandCalls(UpdateItemCommand).map((c) => c.args[0].input);
    assert.deepEqual(get, [{ TableName: TABLE, Key: { pk: { S: `MESSAGE#${SES_MESSAGE_ID}` } } }]);
    assert.deepEqual(update, [SES_BOUNCE_RECORD]);
    const published = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    assert.equal(published.length, 1);
    assert.equal(published[0].TopicArn, TOPIC_ARN);
    assert.match(String(published[0].Message), /was NOT delivered \(Bounce\)/);
    for (const [op, input] of [
      ["GetItem", get[0]],
      ["UpdateItem", update[0]],
    ] as const) {
      assert.deepEqual(checkOperationInput("dynamodb", op, input), []);
    }
    assert.deepEqual(checkOperationInput("sns", "Publish", published[0]), []);
    const everything = JSON.stringify([logs, update, published]);
    assert.ok(!everything.includes(RECIPIENT) && !everything.includes("example.com"));
    assert.deepEqual(logs, [
      {
        level: "WARN",
        message: "deliveryEvents.recorded",
        channel: "email",
        messageId: SES_MESSAGE_ID,
        providerEvent: "Bounce",
        incidentId: "inc-1",
        contact: "sato",
        kind: "delivery-failed",
        detail: "Bounce",
      },
    ]);
  });

  it("a message id the stack never sent: ignored (no write, no note), logged and counted (EMF DeliveryEventsIgnored)", async () => {
    db.on(GetItemCommand).resolves({});
    assert.deepEqual(await handler(smsEvent("TEXT_DELIVERED")), { result: "unknown-message" });
    assert.equal(db.commandCalls(UpdateItemCommand).length, 0);
    assert.equal(sns.commandCalls(PublishCommand).length, 0);
    assert.deepEqual(metrics, [
      {
        _aws: {
          Timestamp: Date.parse("2026-12-02T01:00:07.000Z"),
          CloudWatchMetrics: [
            {
              Namespace: "IncidentEscalation",
              Dimensions: [["FunctionName"]],
              Metrics: [{ Name: "DeliveryEventsIgnored", Unit: "Count" }],
            },
          ],
        },
        channel: "sms",
        FunctionName: "ie-prod-delivery-events",
        DeliveryEventsIgnored: 1,
      },
    ]);
    assert.ok(!JSON.stringify(logs).includes(PHONE));
  });

  it("a message id mapped to another channel is not ours either (a ContactId that happens to equal an SMS id)", async () => {
    db.on(GetItemCommand).resolves({ Item: messageItem });
    assert.deepEqual(
      await handler(connectEvent("CONNECTED_TO_SYSTEM", { contactId: SES_MESSAGE_ID })),
      {
        result: "unknown-message",
      },
    );
    assert.equal(db.commandCalls(UpdateItemCommand).length, 0);
  });

  it("progress (SMS TEXT_QUEUED) reads and writes nothing", async () => {
    assert.deepEqual(await handler(smsEvent("TEXT_QUEUED", false)), { result: "progress" });
    assert.equal(db.calls().length, 0);
  });

  it("an incident that no longer exists (TTL): the conditional append fails, nothing else happens", async () => {
    db.on(GetItemCommand).resolves({ Item: messageItem });
    db.on(UpdateItemCommand).rejects(
      new ConditionalCheckFailedException({
        message: "The conditional request failed",
        $metadata: {},
      }),
    );
    assert.deepEqual(await handler(SES_DELIVERY), { result: "incident-missing" });
    assert.equal(sns.commandCalls(PublishCommand).length, 0);
  });

  it("a failed table call throws (Lambda retries, then dead-letters); a failed Slack note is logged, not retried", async () => {
    db.on(GetItemCommand).rejects(
      Object.assign(new Error("x"), { name: "ProvisionedThroughputExceededException" }),
    );
    await assert.rejects(handler(SES_DELIVERY), {
      name: "DeliveryEventsIoError",
      message: "incident table GetItem: ProvisionedThroughputExceededException",
    });
    db.reset();
    db.on(GetItemCommand).resolves({ Item: messageItem });
    db.on(UpdateItemCommand).resolves({ Attributes: incidentItem });
    sns.reset();
    sns
      .on(PublishCommand)
      .rejects(Object.assign(new Error("secret text"), { name: "KMSAccessDeniedException" }));
    logs.length = 0;
    assert.deepEqual(await handler(SES_DELIVERY), { result: "recorded" });
    assert.deepEqual(
      logs.map((l) => [l.message, l.error]),
      [
        ["deliveryEvents.recorded", undefined],
        ["deliveryEvents.note_failed", "KMSAccessDeniedException"],
      ],
    );
  });

  it("a malformed event is logged with the reason and thrown (retries, then the dead-letter queue)", async () => {
    await assert.rejects(handler({ source: "aws.ses" }), MalformedEventError);
    assert.deepEqual(logs, [
      {
        level: "ERROR",
        message: "deliveryEvents.malformed",
        reason: "event.detail-type is missing or not a string",
      },
    ]);
  });

  it("the environment: INCIDENT_TABLE and ALERTS_TOPIC_ARN required, LANGUAGE ja|en", () => {
    assert.throws(() => parseEnv({ ALERTS_TOPIC_ARN: TOPIC_ARN }), {
      name: "ConfigError",
      message: "INCIDENT_TABLE: is not set",
    });
    assert.throws(
      () => parseEnv({ INCIDENT_TABLE: TABLE, ALERTS_TOPIC_ARN: TOPIC_ARN, LANGUAGE: "fr" }),
      {
        name: "ConfigError",
        message: 'LANGUAGE: "fr" is not ja or en',
      },
    );
  });
});
