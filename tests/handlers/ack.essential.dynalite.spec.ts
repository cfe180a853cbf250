/**
 * "An acknowledgement by an ESSENTIAL target stops everything still pending" (issue 11), on
 * dynalite with real SDK clients: the engine's recordPage writes which contacts were paged as
 * essential (the stage's `essential`, ScheduledPage.essential), and the ack endpoint's POST
 * - by a contact paged only by a non-essential stage: one "acknowledged-not-essential" timeline
 *   entry and one Slack note, the status stays open and the next page is still recorded (sent);
 *   a second POST changes nothing;
 * - by a contact paged as essential (in any stage): acknowledged, the next page is refused;
 * - by a contact the engine never recorded either way (an incident paged before the flag was
 *   recorded): acknowledged, as before.
 *
 * DynamoDB behaviour relied on: `contains(path, operand)` on a String Set and functions on a
 * missing attribute being false (developer guide, "Condition and filter expressions, operators,
 * and functions"), ADD of a set to a set (developer guide, "Update expressions", ADD), a false
 * ConditionExpression writing nothing (ConditionalCheckFailedException).
 *
 * What this spec does NOT prove:
 * - that DynamoDB evaluates these expressions exactly as dynalite does (dynalite is a
 *   reimplementation); the literal requests are asserted so a reader can check them;
 * - ReturnValuesOnConditionCheckFailure (dynalite 4 ignores it; the fallback read runs here);
 * - the state machine's own check between steps (tests/handlers/engine.essential.spec.ts runs
 *   the engine's send with the same table writes).
 */
import { strict as assert } from "node:assert";
import { ConditionalCheckFailedException, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { signAckToken } from "../../handlers/shared/ackToken";
import {
  acknowledgementRoute,
  noteAcknowledgementRequest,
  recordPageRequest,
} from "../../handlers/shared/incidentStore";
import { checkOperationInput } from "../support/apiModel";
import { useIncidentTable } from "../support/incidentTable";
import {
  deps,
  EXPIRES,
  functionUrlEvent,
  KEY,
  loadAckHandler,
  NOW,
  openIncident,
  readIncident,
  readItem,
  SECRET_ARN,
  TABLE,
  TOPIC_ARN,
  type Recorded,
} from "./fixtures/ackFixtures";

const at = (s: number) => new Date(s * 1000);

describe("essential acknowledgements on dynalite (incident table + ack endpoint)", () => {
  const secrets = new SecretsManagerClient({ region: "ap-northeast-1" });
  const sns = new SNSClient({ region: "ap-northeast-1" });
  const sm = mockClient(secrets);
  const snsMock = mockClient(sns);
  const sent: Recorded[] = [];
  const db = useIncidentTable(TABLE, sent);
  const logs: Record<string, unknown>[] = [];
  let handle: (event: unknown) => Promise<{ statusCode: number; body: string }>;
  const token = (contactAlias: string) =>
    signAckToken({ incidentId: "inc-1", contactAlias, channel: "email", expiresAt: EXPIRES }, KEY);
  const post = (contact: string) =>
    handle(functionUrlEvent({ method: "POST", path: "/ack/inc-1", body: `t=${token(contact)}` }));
  const get = (contact: string) =>
    handle(functionUrlEvent({ method: "GET", path: "/ack/inc-1", query: `t=${token(contact)}` }));
  const page = (r: { body: string }) => /data-page="([a-zA-Z]+)"/.exec(r.body)?.[1];
  /** The engine's write before a send (handlers/engine/adapters.ts recordPage). */
  const recordPage = (contact: string, essential: boolean, s: number) =>
    db.client.send(
      new UpdateItemCommand(
        recordPageRequest(TABLE, "inc-1", { at: at(s), contact, channel: "email", essential }),
      ),
    );

  after(() => {
    sm.restore();
    snsMock.restore();
  });
  beforeEach(async () => {
    await openIncident(db.admin, "inc-1");
    sm.reset();
    snsMock.reset();
    sm.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: KEY });
    snsMock.on(PublishCommand).resolves({ MessageId: "m-1" });
    logs.length = 0;
    sent.length = 0;
    handle = loadAckHandler().createHandler(deps({ secrets, dynamodb: db.client, sns }, logs));
  });
  afterEach(() => {
    assert.deepEqual(
      [
        ...sent.flatMap((r) => checkOperationInput("dynamodb", r.operation, r.input)),
        ...snsMock.calls().flatMap((c) => checkOperationInput("sns", "Publish", c.args[0].input)),
      ],
      [],
    );
    const text = JSON.stringify(logs);
    assert.ok(!text.includes("a1.") && !text.includes("suzuki") && !text.includes("tanaka"), text);
  });

  it("recordPage adds the contact to essentialContacts or notEssentialContacts (literal request)", async () => {
    assert.deepEqual(
      recordPageRequest(TABLE, "inc-1", {
        at: at(NOW),
        contact: "suzuki",
        channel: "email",
        essential: false,
      }),
      {
        TableName: "ie-prod-incidents",
        Key: { pk: { S: "INCIDENT#inc-1" } },
        UpdateExpression:
          "SET timeline = list_append(if_not_exists(timeline, :empty), :entry) ADD notEssentialContacts :contact",
        ConditionExpression: "#status = :open",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":contact": { SS: ["suzuki"] },
          ":entry": {
            L: [
              {
                M: {
                  at: { S: "2026-12-02T01:00:00.000Z" },
                  kind: { S: "paged" },
                  contact: { S: "suzuki" },
                  channel: { S: "email" },
                },
              },
            ],
          },
          ":empty": { L: [] },
          ":open": { S: "open" },
        },
      },
    );
    await recordPage("suzuki", false, NOW - 300);
    await recordPage("tanaka", true, NOW - 200);
    await recordPage("suzuki", false, NOW - 100);
    const item = await readItem(db.admin, "inc-1");
    assert.deepEqual(item?.notEssentialContacts, { SS: ["suzuki"] });
    assert.deepEqual(item?.essentialContacts, { SS: ["tanaka"] });
  });

  it("a non-essential target's POST: noted once (timeline, Slack), status open, the next page still goes out; the second POST changes nothing", async () => {
    await recordPage("suzuki", false, NOW - 300);
    const confirm = await get("suzuki");
    assert.equal(page(confirm), "confirmNotEssential");
    assert.ok(confirm.body.includes("You were paged by a stage that is not essential"));

    const first = await post("suzuki");
    assert.equal(first.statusCode, 200);
    assert.equal(page(first), "notEssential");
    assert.ok(
      first.body.includes(
        '<h1 id="title" data-page="notEssential">Acknowledgement recorded</h1><p id="message">Your acknowledgement of alarm &quot;prod-critical-api-5xx&quot; (level critical) is recorded. You were paged by a stage that is not essential, so the escalation goes on until an essential responder acknowledges.</p>',
      ),
      first.body,
    );
    const noted = await readIncident(db.admin, "inc-1");
    assert.equal(noted?.status, "open");
    assert.equal(noted?.acknowledgedBy, undefined);
    assert.deepEqual(noted?.acknowledgers, ["suzuki"]);
    assert.deepEqual(noted?.timeline.slice(-1), [
      {
        at: "2026-12-02T01:00:00.000Z",
        kind: "acknowledged-not-essential",
        contact: "suzuki",
        channel: "email",
      },
    ]);
    assert.deepEqual(snsMock.commandCalls(PublishCommand)[0]?.args[0].input, {
      TopicArn: TOPIC_ARN,
      Message: JSON.stringify({
        version: "1.0",
        source: "custom",
        content: {
          textType: "client-markdown",
          title: "Acknowledged, escalation continues: inc-1",
          description:
            'Incident inc-1 (alarm "prod-critical-api-5xx", level critical): suzuki acknowledged via email at 2026-12-02 01:00 UTC, but was paged by a stage that is not essential; the escalation goes on until an essential responder acknowledges.',
        },
      }),
    });
    // The literal writes: the engine's recordPage, then the endpoint's essential acknowledge
    // (refused), then its note.
    assert.deepEqual(
      sent
        .filter((r) => r.operation === "UpdateItem")
        .map((r) => (r.input as { ConditionExpression: string }).ConditionExpression),
      [
        "#status = :open",
        "#status = :open AND (contains(essentialContacts, :by) OR attribute_not_exists(notEssentialContacts) OR NOT contains(notEssentialContacts, :by))",
        "#status = :open AND contains(notEssentialContacts, :by) AND (attribute_not_exists(essentialContacts) OR NOT contains(essentialContacts, :by)) AND (attribute_not_exists(acknowledgers) OR NOT contains(acknowledgers, :by))",
      ],
    );

    // The engine's next page (stage 2, tanaka) is still written, i.e. sent.
    await recordPage("tanaka", true, NOW + 300);

    const second = await post("suzuki");
    assert.equal(page(second), "notEssential");
    const after = await readIncident(db.admin, "inc-1");
    assert.equal(after?.timeline.filter((e) => e.kind === "acknowledged-not-essential").length, 1);
    assert.equal(snsMock.commandCalls(PublishCommand).length, 1);

    // noteAcknowledgementRequest itself refuses a second note.
    await assert.rejects(
      db.client.send(
        new UpdateItemCommand(
          noteAcknowledgementRequest(TABLE, "inc-1", {
            at: at(NOW + 400),
            contact: "suzuki",
            channel: "sms",
          }),
        ),
      ),
      (err: unknown) => err instanceof ConditionalCheckFailedException,
    );
  });

  it("an essential target's POST acknowledges and stops the next page; a non-essential one's POST after it shows 'already'", async () => {
    await recordPage("suzuki", false, NOW - 300);
    await recordPage("tanaka", true, NOW - 100);
    assert.equal(page(await get("tanaka")), "confirm");
    const r = await post("tanaka");
    assert.equal(page(r), "acknowledged");
    const acked = await readIncident(db.admin, "inc-1");
    assert.equal(acked?.status, "acknowledged");
    assert.equal(acked?.acknowledgedBy, "tanaka");
    await assert.rejects(
      recordPage("suzuki", false, NOW + 600),
      (err: unknown) => err instanceof ConditionalCheckFailedException,
    );
    assert.equal(page(await post("suzuki")), "already");
    assert.deepEqual(await readIncident(db.admin, "inc-1"), acked);
    assert.equal(snsMock.commandCalls(PublishCommand).length, 1);
  });

  it("a contact paged as not essential in stage 1 and as essential in stage 2 is essential", async () => {
    await recordPage("suzuki", false, NOW - 300);
    await recordPage("suzuki", true, NOW - 100);
    assert.equal(page(await post("suzuki")), "acknowledged");
    assert.equal((await readIncident(db.admin, "inc-1"))?.status, "acknowledged");
  });

  it("a contact the engine recorded neither way acknowledges, as before the flag was recorded", async () => {
    assert.equal(page(await post("suzuki")), "acknowledged");
    assert.equal((await readIncident(db.admin, "inc-1"))?.status, "acknowledged");
  });

  it("acknowledgementRoute: the table of outcomes", async () => {
    const base = (await readIncident(db.admin, "inc-1"))!;
    const rows: [Partial<typeof base>, string, string][] = [
      [{}, "suzuki", "acknowledge"],
      [{ notEssentialContacts: ["suzuki"] }, "suzuki", "note"],
      [{ notEssentialContacts: ["suzuki"], acknowledgers: ["suzuki"] }, "suzuki", "noted"],
      [
        { notEssentialContacts: ["suzuki"], essentialContacts: ["suzuki"] },
        "suzuki",
        "acknowledge",
      ],
      [{ notEssentialContacts: ["suzuki"] }, "tanaka", "acknowledge"],
      [{ status: "acknowledged" }, "suzuki", "acknowledged"],
      [{ status: "resolved", notEssentialContacts: ["suzuki"] }, "suzuki", "resolved"],
    ];
    for (const [change, contact, route] of rows) {
      assert.equal(
        acknowledgementRoute({ ...base, ...change }, contact),
        route,
        JSON.stringify(change),
      );
    }
    assert.equal(acknowledgementRoute(undefined, "suzuki"), "missing");
  });
});
