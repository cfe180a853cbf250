/**
 * The message-id index and the delivery-events handler on dynalite (an in-process DynamoDB with
 * DynamoDB's expression semantics): the index's idempotent conditional write, its read and parse,
 * that it stays out of the `recent` index; one executed escalation (aws-local-stepfunctions, the
 * real engine handler) leaving one index item per sent page; and the handler appending delivery
 * entries to the real incident item, also after the incident was resolved.
 *
 * What this spec does NOT prove: that DynamoDB evaluates every expression as dynalite does (a
 * reimplementation); TTL deletion (dynalite does not expire items); the events themselves
 * (deliveryEvents.spec.ts decodes the documented shapes).
 */
import { strict as assert } from "node:assert";
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { createHandler } from "../../handlers/deliveryEvents/handler";
import {
  getMessageRequest,
  parseMessageRef,
  recordMessageRequest,
} from "../../handlers/shared/deliveries";
import {
  listRecentRequest,
  parseIncident,
  resolveRequest,
} from "../../handlers/shared/incidentStore";
import {
  TABLE,
  freshTable,
  openIncident,
  readIncident,
  startDynalite,
  type Dynalite,
} from "./fixtures/ackFixtures";
import { SES_BOUNCE, SES_MESSAGE_ID, TOPIC_ARN, smsEvent } from "./fixtures/deliveryEventFixtures";
import { EngineWorld, engineInput, plan } from "./fixtures/engineFixtures";

const SENT = new Date("2026-12-02T01:00:00.000Z");

describe("message-id index on dynalite", () => {
  let d: Dynalite;
  before(async () => {
    d = await startDynalite();
  });
  after(() => d.close());
  beforeEach(() => freshTable(d.admin));

  it("round trip: the exact item, written twice (a retried send) without error, read back as its mapping", async () => {
    const put = recordMessageRequest(TABLE, SES_MESSAGE_ID, {
      incidentId: "inc-1",
      contact: "sato",
      channel: "email",
      sentAt: SENT,
    });
    assert.deepEqual(put.Item, {
      pk: { S: `MESSAGE#${SES_MESSAGE_ID}` },
      incidentId: { S: "inc-1" },
      contact: { S: "sato" },
      channel: { S: "email" },
      sentAt: { S: "2026-12-02T01:00:00.000Z" },
      // 2026-12-02T01:00:00Z + 90 days = 2027-03-02T01:00:00Z, epoch seconds.
      expiresAt: { N: "1803949200" },
    });
    await d.admin.send(new PutItemCommand(put));
    await d.admin.send(new PutItemCommand(put));
    const out = await d.admin.send(new GetItemCommand(getMessageRequest(TABLE, SES_MESSAGE_ID)));
    assert.deepEqual(parseMessageRef(out.Item!), {
      incidentId: "inc-1",
      contact: "sato",
      channel: "email",
    });
  });

  it("a message id already mapped to another incident, contact or channel is never overwritten", async () => {
    const ref = { incidentId: "inc-1", contact: "sato", channel: "email" as const, sentAt: SENT };
    await d.admin.send(new PutItemCommand(recordMessageRequest(TABLE, "m-1", ref)));
    for (const other of [
      { ...ref, incidentId: "inc-2" },
      { ...ref, contact: "suzuki" },
      { ...ref, channel: "sms" as const },
    ]) {
      await assert.rejects(
        d.admin.send(new PutItemCommand(recordMessageRequest(TABLE, "m-1", other))),
        (err: unknown) => err instanceof ConditionalCheckFailedException,
      );
    }
    const out = await d.admin.send(new GetItemCommand(getMessageRequest(TABLE, "m-1")));
    assert.equal(out.Item?.incidentId?.S, "inc-1");
  });

  it("index items have no `type`, so the `recent` index (npm run incidents) lists incidents only", async () => {
    await openIncident(d.admin, "inc-1");
    await d.admin.send(
      new PutItemCommand(
        recordMessageRequest(TABLE, "m-1", {
          incidentId: "inc-1",
          contact: "sato",
          channel: "sms",
          sentAt: SENT,
        }),
      ),
    );
    const out = await d.admin.send(new QueryCommand(listRecentRequest(TABLE, 10)));
    assert.deepEqual(
      out.Items?.map((i) => i.pk?.S),
      ["INCIDENT#inc-1"],
    );
  });

  it("the delivery-events handler appends to the real item: a bounce lands as delivery-failed, also after the incident was resolved; an unknown id writes nothing", async () => {
    await openIncident(d.admin, "inc-1");
    await d.admin.send(
      new PutItemCommand(
        recordMessageRequest(TABLE, SES_MESSAGE_ID, {
          incidentId: "inc-1",
          contact: "sato",
          channel: "email",
          sentAt: SENT,
        }),
      ),
    );
    await d.admin.send(
      new UpdateItemCommand(
        resolveRequest(TABLE, "inc-1", { at: new Date("2026-12-02T01:00:03.000Z"), detail: "cli" }),
      ),
    );
    const sns = new SNSClient({ region: "ap-northeast-1" });
    const snsMock = mockClient(sns);
    snsMock.on(PublishCommand).resolves({ MessageId: "n-1" });
    const handler = createHandler({
      config: {
        tableName: TABLE,
        alertsTopicArn: TOPIC_ARN,
        language: "ja",
        functionName: "ie-prod-delivery-events",
      },
      db: d.admin,
      sns,
      now: () => new Date("2026-12-02T01:00:07.000Z"),
      log: () => undefined,
      metric: () => undefined,
    });
    try {
      assert.deepEqual(await handler(SES_BOUNCE), { result: "recorded" });
      assert.deepEqual(await handler(smsEvent("TEXT_DELIVERED")), { result: "unknown-message" });
    } finally {
      snsMock.restore();
    }
    const incident = await readIncident(d.admin, "inc-1");
    assert.equal(incident?.status, "resolved");
    assert.deepEqual(
      incident?.timeline.map((e) => [e.kind, e.contact, e.channel, e.detail]),
      [
        ["opened", undefined, undefined, undefined],
        ["resolved", undefined, undefined, "cli"],
        ["delivery-failed", "sato", "email", "Bounce"],
      ],
    );
    assert.equal(snsMock.commandCalls(PublishCommand).length, 1);
  });
});

describe("the engine writes the index after each page (executed state machine on dynalite)", function () {
  this.timeout(60_000);
  const world = new EngineWorld();
  before(() => world.start());
  after(() => world.stop());

  it("one item per e-mail and SMS it sent, mapping the provider's MessageId to the incident, the contact and the channel", async () => {
    const table = "incidents-index";
    await world.table(table);
    const { error } = await world.run({ plan: plan(), table });
    assert.equal(error, undefined);
    const out = await world.db.send(new ScanCommand({ TableName: table }));
    const id = engineInput().incidentId;
    const messages = (out.Items ?? [])
      .filter((i) => i.pk?.S?.startsWith("MESSAGE#"))
      .map((i) => [i.pk?.S, i.incidentId?.S, i.contact?.S, i.channel?.S, i.sentAt?.S])
      .sort((a, b) => String(a[4]).localeCompare(String(b[4])));
    assert.deepEqual(messages, [
      ["MESSAGE#email-3", id, "suzuki", "email", "2026-11-29T23:50:00.000Z"],
      ["MESSAGE#sms-5", id, "suzuki", "sms", "2026-11-30T00:00:00.000Z"],
      ["MESSAGE#email-8", id, "tanaka", "email", "2026-11-30T00:05:00.000Z"],
      ["MESSAGE#sms-10", id, "tanaka", "sms", "2026-11-30T00:15:00.000Z"],
    ]);
    const incident = await world.db.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: `INCIDENT#${id}` } } }),
    );
    assert.equal(parseIncident(incident.Item!).status, "open");
  });
});
