/**
 * The engine's page record once per page (handlers/engine/adapters.ts recordPage,
 * handlers/shared/incidentStore.ts recordPageRequest / pageKey / pageRecordOutcome) on dynalite,
 * reached by a real SDK client: every Send_* Task attempt writes its page before it sends
 * (components/engine/stateMachine.ts channelRetry: Send_voice retries Throttling up to 20 times),
 * and only the first write of a page appends a `paged` entry; a retry finds its key and still
 * sends while the incident is open, and sends nothing once it is acknowledged or resolved. Every
 * DynamoDB input sent is checked against the API model.
 *
 * DynamoDB behaviour relied on: a false ConditionExpression fails the write with
 * ConditionalCheckFailedException and writes nothing; `contains(path, operand)` is true when the
 * String Set at path has the operand; ADD of a set adds its elements (developer guide,
 * "Condition and filter expressions, operators, and functions", "Update expressions" ADD;
 * API reference UpdateItem `ReturnValuesOnConditionCheckFailure`: ALL_OLD returns the item with
 * the exception).
 *
 * What this spec does NOT prove: that DynamoDB evaluates the expressions exactly as dynalite does
 * (a reimplementation); ReturnValuesOnConditionCheckFailure against a server (dynalite 4 ignores
 * it, https://github.com/architect/dynalite/issues/182, so the adapter's consistent read runs
 * here; the item returned with the exception is an aws-sdk-client-mock case below); the state
 * machine's retries (tests/handlers/engine.voice.execution.spec.ts runs a throttled Send_voice).
 */
import { strict as assert } from "node:assert";
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { recordPage } from "../../handlers/engine/adapters";
import {
  acknowledgeRequest,
  pageKey,
  pageRecordOutcome,
  recordPageRequest,
} from "../../handlers/shared/incidentStore";
import { checkOperationInput } from "../support/apiModel";
import { useIncidentTable, type Recorded } from "../support/incidentTable";
import { NOW, openIncident, readIncident, TABLE } from "./fixtures/ackFixtures";

const at = (s: number) => new Date(s * 1000);
/** Stage 1's SMS to sato, scheduled for 01:00 (the Task input's ScheduledPage, every retry). */
const PAGE = {
  round: 0,
  stage: 1,
  channel: "sms",
  contact: "sato",
  at: "2026-12-02T01:00:00.000Z",
} as const;
const KEY = "r0/s1/sms/sato/2026-12-02T01:00:00.000Z";
const attempt = (s: number, key = KEY) => ({
  at: at(s),
  contact: "sato",
  channel: "sms",
  essential: true,
  key,
});

describe("engine recordPage on dynalite: one `paged` entry per page, however often its Task is retried", () => {
  const sent: Recorded[] = [];
  const db = useIncidentTable(TABLE, sent);

  beforeEach(async () => {
    await openIncident(db.admin, "inc-1");
  });
  afterEach(() => {
    const problems = sent.flatMap((r) => checkOperationInput("dynamodb", r.operation, r.input));
    sent.length = 0;
    assert.deepEqual(problems, []);
  });

  it("pageKey: round, stage, channel, contact and the scheduled time (aliases only)", () => {
    assert.equal(pageKey(PAGE), KEY);
    assert.equal(pageKey({ ...PAGE, round: 1 }), "r1/s1/sms/sato/2026-12-02T01:00:00.000Z");
    assert.equal(
      pageKey({ ...PAGE, channel: "voice" }),
      "r0/s1/voice/sato/2026-12-02T01:00:00.000Z",
    );
  });

  it("the request exactly: the open condition and the key's, ADD of the contact and the key, ALL_OLD on failure", () => {
    assert.deepEqual(recordPageRequest(TABLE, "inc-1", attempt(NOW)), {
      TableName: "ie-prod-incidents",
      Key: { pk: { S: "INCIDENT#inc-1" } },
      UpdateExpression:
        "SET timeline = list_append(if_not_exists(timeline, :empty), :entry) ADD essentialContacts :contact, pageKeys :pageKeys",
      ConditionExpression:
        "#status = :open AND (attribute_not_exists(pageKeys) OR NOT contains(pageKeys, :pageKey))",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: {
        ":contact": { SS: ["sato"] },
        ":pageKey": { S: "r0/s1/sms/sato/2026-12-02T01:00:00.000Z" },
        ":pageKeys": { SS: ["r0/s1/sms/sato/2026-12-02T01:00:00.000Z"] },
        ":entry": {
          L: [
            {
              M: {
                at: { S: "2026-12-02T01:00:00.000Z" },
                kind: { S: "paged" },
                contact: { S: "sato" },
                channel: { S: "sms" },
              },
            },
          ],
        },
        ":empty": { L: [] },
        ":open": { S: "open" },
      },
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    });
  });

  it("three attempts of one page (the first two throttled): each may send, one `paged` entry at the first attempt's time", async () => {
    assert.equal(await recordPage(db.client, TABLE, "inc-1", attempt(NOW)), true);
    assert.equal(await recordPage(db.client, TABLE, "inc-1", attempt(NOW + 2)), true);
    assert.equal(await recordPage(db.client, TABLE, "inc-1", attempt(NOW + 6)), true);
    const incident = await readIncident(db.admin, "inc-1");
    assert.deepEqual(incident?.timeline, [
      { at: "2026-12-02T00:50:00.000Z", kind: "opened" },
      { at: "2026-12-02T01:00:00.000Z", kind: "paged", contact: "sato", channel: "sms" },
    ]);
    assert.deepEqual(incident?.essentialContacts, ["sato"]);
    // A retry's write fails its condition; dynalite returns no item, so the adapter reads it.
    assert.deepEqual(
      sent.map((r) => r.operation),
      ["UpdateItem", "UpdateItem", "GetItem", "UpdateItem", "GetItem"],
    );
    assert.deepEqual(sent[2].input, {
      TableName: "ie-prod-incidents",
      Key: { pk: { S: "INCIDENT#inc-1" } },
      ConsistentRead: true,
    });
  });

  it("another page of the same contact (the next round) is a page of its own: two entries", async () => {
    await recordPage(db.client, TABLE, "inc-1", attempt(NOW));
    const next = pageKey({ ...PAGE, round: 1, at: "2026-12-02T01:30:00.000Z" });
    assert.equal(await recordPage(db.client, TABLE, "inc-1", attempt(NOW + 1800, next)), true);
    assert.deepEqual(
      (await readIncident(db.admin, "inc-1"))?.timeline
        .filter((e) => e.kind === "paged")
        .map((e) => e.at),
      ["2026-12-02T01:00:00.000Z", "2026-12-02T01:30:00.000Z"],
    );
  });

  it("acknowledged between two attempts: the retry does not send (its key is recorded, the incident is not open), nothing is appended", async () => {
    await recordPage(db.client, TABLE, "inc-1", attempt(NOW));
    await db.admin.send(
      new UpdateItemCommand(
        acknowledgeRequest(TABLE, "inc-1", { at: at(NOW + 1), contact: "sato", channel: "email" }),
      ),
    );
    assert.equal(await recordPage(db.client, TABLE, "inc-1", attempt(NOW + 2)), false);
    assert.equal(
      await recordPage(db.client, TABLE, "inc-1", attempt(NOW + 2, `${KEY}-other`)),
      false,
    );
    assert.deepEqual(
      (await readIncident(db.admin, "inc-1"))?.timeline.map((e) => e.kind),
      ["opened", "paged", "acknowledged"],
    );
  });

  it("no such incident: no send, nothing created", async () => {
    assert.equal(await recordPage(db.client, TABLE, "inc-2", attempt(NOW)), false);
    assert.equal(await readIncident(db.admin, "inc-2"), undefined);
  });
});

describe("engine recordPage with the item returned by the exception (DynamoDB's ALL_OLD)", () => {
  const client = new DynamoDBClient({ region: "ap-northeast-1" });
  const db = mockClient(client);
  after(() => db.restore());
  beforeEach(() => db.reset());

  const failed = (item: Record<string, unknown>) =>
    Object.assign(
      new ConditionalCheckFailedException({
        message: "The conditional request failed",
        $metadata: {},
      }),
      { Item: item },
    );

  it("open with the key: send, no second read", async () => {
    db.on(UpdateItemCommand).rejects(failed({ status: { S: "open" }, pageKeys: { SS: [KEY] } }));
    assert.equal(await recordPage(client, TABLE, "inc-1", attempt(NOW)), true);
    assert.deepEqual(
      db.calls().map((c) => (c.args[0] as object).constructor.name),
      ["UpdateItemCommand"],
    );
  });

  it("resolved with the key: no send", async () => {
    db.on(UpdateItemCommand).rejects(
      failed({ status: { S: "resolved" }, pageKeys: { SS: [KEY] } }),
    );
    assert.equal(await recordPage(client, TABLE, "inc-1", attempt(NOW)), false);
  });

  it("pageRecordOutcome: open without the key cannot fail the condition, and says so (the Task retries)", () => {
    assert.equal(pageRecordOutcome(undefined, KEY), "not-open");
    assert.equal(pageRecordOutcome({ status: { S: "acknowledged" } }, KEY), "not-open");
    assert.equal(
      pageRecordOutcome({ status: { S: "open" }, pageKeys: { SS: [KEY] } }, KEY),
      "recorded",
    );
    assert.throws(
      () => pageRecordOutcome({ status: { S: "open" }, pageKeys: { SS: ["other"] } }, KEY),
      /^IncidentStoreError: incident table: the page's condition failed on an open incident without its key$/,
    );
  });
});
