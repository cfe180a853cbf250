/**
 * The incident table's conditional writes (handlers/shared/incidentStore.ts) and the ack
 * endpoint's whole flow on dynalite (an in-process DynamoDB whose expression parser and
 * conditional writes follow DynamoDB's documented semantics), reached by real SDK clients. Secrets
 * Manager and SNS are aws-sdk-client-mock instances. Every DynamoDB, Secrets Manager and SNS input
 * sent is checked against its API model.
 *
 * DynamoDB behaviour relied on: a ConditionExpression that is false fails the write with
 * ConditionalCheckFailedException and writes nothing
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html;
 * API reference UpdateItem/PutItem `ConditionExpression`).
 *
 * What this spec does NOT prove:
 * - that DynamoDB evaluates every expression as dynalite does (dynalite is a reimplementation);
 * - ReturnValuesOnConditionCheckFailure: dynalite 4 ignores it (open request
 *   https://github.com/architect/dynalite/issues/182), so the handler's fallback read is what
 *   runs here; ack.spec.ts covers the item returned with the exception;
 * - the GSI's eventual consistency (dynalite updates the index at once) or TTL deletion;
 * - IAM (tests/iam/simulate.spec.ts) or the function URL front end itself (the browser spec
 *   serves the handler through a small adapter, not Lambda).
 */
import { strict as assert } from "node:assert";
import {
  ConditionalCheckFailedException,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { signAckToken } from "../../handlers/shared/ackToken";
import {
  acknowledgeRequest,
  listRecentRequest,
  parseIncident,
  recordDeliveryRequest,
  recordPageRequest,
  resolveRequest,
} from "../../handlers/shared/incidentStore";
import { checkOperationInput, type Service } from "../support/apiModel";
import { useIncidentTable } from "../support/incidentTable";
import {
  ALARM,
  deps,
  EXPIRES,
  functionUrlEvent,
  KEY,
  loadAckHandler,
  NOW,
  openIncident,
  readIncident,
  SECRET_ARN,
  TABLE,
  TOPIC_ARN,
  type Recorded,
} from "./fixtures/ackFixtures";

const at = (s: number) => new Date(s * 1000);

async function rejectsConditional(p: Promise<unknown>): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof ConditionalCheckFailedException);
}

describe("incident table on dynalite: conditional writes", () => {
  const sent: Recorded[] = [];
  const db = useIncidentTable(TABLE, sent);

  after(() => {
    const problems = sent.flatMap((r) => checkOperationInput("dynamodb", r.operation, r.input));
    assert.deepEqual(problems, []);
  });
  beforeEach(async () => {
    await openIncident(db.admin, "inc-1");
  });

  it("opening an existing incident fails (attribute_not_exists(pk)) and leaves it as it was", async () => {
    await db.client.send(
      new UpdateItemCommand(
        acknowledgeRequest(TABLE, "inc-1", { at: at(NOW), contact: "sato", channel: "email" }),
      ),
    );
    await rejectsConditional(
      db.client.send(
        new PutItemCommand({
          ...(await import("../../handlers/shared/incidentStore")).openIncidentRequest(TABLE, {
            id: "inc-1",
            alarmName: ALARM,
            alertLevel: "critical",
            openedAt: at(NOW),
          }),
        }),
      ),
    );
    assert.equal((await readIncident(db.admin, "inc-1"))?.status, "acknowledged");
  });

  it("recordPage succeeds while open and appends a literal entry; after an acknowledgement it fails and writes nothing", async () => {
    await db.client.send(
      new UpdateItemCommand(
        recordPageRequest(TABLE, "inc-1", { at: at(NOW), contact: "sato", channel: "email" }),
      ),
    );
    assert.deepEqual((await readIncident(db.admin, "inc-1"))?.timeline, [
      { at: "2026-12-02T00:50:00.000Z", kind: "opened" },
      { at: "2026-12-02T01:00:00.000Z", kind: "paged", contact: "sato", channel: "email" },
    ]);
    await db.client.send(
      new UpdateItemCommand(
        acknowledgeRequest(TABLE, "inc-1", { at: at(NOW + 60), contact: "sato", channel: "email" }),
      ),
    );
    await rejectsConditional(
      db.client.send(
        new UpdateItemCommand(
          recordPageRequest(TABLE, "inc-1", { at: at(NOW + 600), contact: "sato", channel: "sms" }),
        ),
      ),
    );
    const after = await readIncident(db.admin, "inc-1");
    assert.equal(after?.timeline.length, 3);
    assert.equal(after?.timeline.filter((e) => e.kind === "paged").length, 1);
  });

  it("acknowledge once: status, who, via, when and a timeline entry; twice: fails, nothing changes", async () => {
    const out = await db.client.send(
      new UpdateItemCommand(
        acknowledgeRequest(TABLE, "inc-1", { at: at(NOW), contact: "sato", channel: "email" }),
      ),
    );
    const first = parseIncident(out.Attributes ?? {});
    assert.deepEqual(
      {
        status: first.status,
        by: first.acknowledgedBy,
        via: first.acknowledgedVia,
        at: first.acknowledgedAt,
      },
      { status: "acknowledged", by: "sato", via: "email", at: "2026-12-02T01:00:00.000Z" },
    );
    await rejectsConditional(
      db.client.send(
        new UpdateItemCommand(
          acknowledgeRequest(TABLE, "inc-1", {
            at: at(NOW + 5),
            contact: "suzuki",
            channel: "sms",
          }),
        ),
      ),
    );
    assert.deepEqual(await readIncident(db.admin, "inc-1"), first);
  });

  it("a resolved incident is not acknowledged; resolving twice fails; a missing one is neither", async () => {
    await db.client.send(
      new UpdateItemCommand(resolveRequest(TABLE, "inc-1", { at: at(NOW), detail: "cli" })),
    );
    const resolved = await readIncident(db.admin, "inc-1");
    assert.equal(resolved?.status, "resolved");
    assert.equal(resolved?.resolvedAt, "2026-12-02T01:00:00.000Z");
    await rejectsConditional(
      db.client.send(
        new UpdateItemCommand(
          acknowledgeRequest(TABLE, "inc-1", {
            at: at(NOW + 1),
            contact: "sato",
            channel: "email",
          }),
        ),
      ),
    );
    await rejectsConditional(
      db.client.send(
        new UpdateItemCommand(resolveRequest(TABLE, "inc-1", { at: at(NOW + 2), detail: "cli" })),
      ),
    );
    assert.deepEqual(await readIncident(db.admin, "inc-1"), resolved);
    for (const req of [
      acknowledgeRequest(TABLE, "nope", { at: at(NOW), contact: "sato", channel: "email" }),
      resolveRequest(TABLE, "nope", { at: at(NOW), detail: "cli" }),
      recordDeliveryRequest(TABLE, "nope", {
        at: at(NOW),
        contact: "sato",
        channel: "email",
        ok: true,
      }),
    ]) {
      await rejectsConditional(db.client.send(new UpdateItemCommand(req)));
    }
    assert.equal(await readIncident(db.admin, "nope"), undefined);
  });

  it("an acknowledged incident resolves (IN (:open, :acknowledged)) and a late delivery receipt still lands", async () => {
    await db.client.send(
      new UpdateItemCommand(
        acknowledgeRequest(TABLE, "inc-1", { at: at(NOW), contact: "sato", channel: "email" }),
      ),
    );
    await db.client.send(
      new UpdateItemCommand(
        resolveRequest(TABLE, "inc-1", { at: at(NOW + 60), detail: "recovery" }),
      ),
    );
    await db.client.send(
      new UpdateItemCommand(
        recordDeliveryRequest(TABLE, "inc-1", {
          at: at(NOW + 61),
          contact: "sato",
          channel: "email",
          ok: true,
          detail: "DELIVERED",
        }),
      ),
    );
    const inc = await readIncident(db.admin, "inc-1");
    assert.deepEqual(
      inc?.timeline.map((e) => e.kind),
      ["opened", "acknowledged", "resolved", "delivered"],
    );
  });

  it("listRecent returns the most recently opened first, limited", async () => {
    await openIncident(db.admin, "inc-2", NOW - 60);
    await openIncident(db.admin, "inc-0", NOW - 6000);
    const out = await db.client.send(new QueryCommand(listRecentRequest(TABLE, 2)));
    assert.deepEqual(
      (out.Items ?? []).map((i) => parseIncident(i).id),
      ["inc-2", "inc-1"],
    );
  });
});

describe("ack endpoint on dynalite: GET never acknowledges, POST once does, refusals change nothing", () => {
  const secrets = new SecretsManagerClient({ region: "ap-northeast-1" });
  const sns = new SNSClient({ region: "ap-northeast-1" });
  const sm = mockClient(secrets);
  const snsMock = mockClient(sns);
  const sent: Recorded[] = [];
  const logs: Record<string, unknown>[] = [];
  let handle: (event: unknown) => Promise<{ statusCode: number; body: string }>;
  const token = (incidentId: string, expiresAt = EXPIRES, contactAlias = "suzuki") =>
    signAckToken({ incidentId, contactAlias, channel: "email", expiresAt }, KEY);
  const get = (id: string, t: string) =>
    handle(functionUrlEvent({ method: "GET", path: `/ack/${id}`, query: `t=${t}` }));
  const post = (id: string, t: string) =>
    handle(
      functionUrlEvent({
        method: "POST",
        path: `/ack/${id}`,
        body: `t=${t}`,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        base64: true,
      }),
    );
  const page = (r: { body: string }) => /data-page="([a-zA-Z]+)"/.exec(r.body)?.[1];

  const db = useIncidentTable(TABLE, sent);

  after(() => {
    sm.restore();
    snsMock.restore();
  });
  beforeEach(async () => {
    await openIncident(db.admin, "inc-1");
    await openIncident(db.admin, "inc-2");
    sm.reset();
    snsMock.reset();
    sm.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: KEY });
    snsMock.on(PublishCommand).resolves({ MessageId: "m-1" });
    logs.length = 0;
    sent.length = 0;
    // A new execution environment per test: nothing cached.
    handle = loadAckHandler().createHandler(deps({ secrets, dynamodb: db.client, sns }, logs));
  });
  afterEach(() => {
    const calls: { service: Service; operation: string; input: unknown }[] = [
      ...sent.map((r) => ({ service: "dynamodb" as const, ...r })),
      ...sm.calls().map((c) => ({
        service: "secretsmanager" as const,
        operation: "GetSecretValue",
        input: c.args[0].input,
      })),
      ...snsMock
        .calls()
        .map((c) => ({ service: "sns" as const, operation: "Publish", input: c.args[0].input })),
    ];
    assert.deepEqual(
      calls.flatMap((c) => checkOperationInput(c.service, c.operation, c.input)),
      [],
    );
    // No log line carries the token, the key or the contact.
    const text = JSON.stringify(logs);
    assert.ok(!text.includes("a1."), text);
    assert.ok(!text.includes(KEY), text);
    assert.ok(!text.includes("suzuki"), text);
  });

  it("GET (twice, as a mail scanner and then the person) shows the confirmation and changes nothing", async () => {
    const before = await readIncident(db.admin, "inc-1");
    for (let i = 0; i < 2; i++) {
      const r = await get("inc-1", token("inc-1"));
      assert.equal(r.statusCode, 200);
      assert.equal(page(r), "confirm");
    }
    assert.deepEqual(await readIncident(db.admin, "inc-1"), before);
    assert.deepEqual(
      sent.map((r) => r.operation),
      ["GetItem", "GetItem"],
    );
    assert.equal(snsMock.calls().length, 0);
  });

  it("POST once acknowledges (table and Slack); a second POST shows 'already acknowledged' and changes nothing", async () => {
    const first = await post("inc-1", token("inc-1"));
    assert.equal(first.statusCode, 200);
    assert.equal(page(first), "acknowledged");
    const acked = await readIncident(db.admin, "inc-1");
    assert.equal(acked?.status, "acknowledged");
    assert.equal(acked?.acknowledgedBy, "suzuki");
    assert.equal(acked?.acknowledgedVia, "email");
    assert.equal(acked?.acknowledgedAt, "2026-12-02T01:00:00.000Z");
    assert.deepEqual(snsMock.commandCalls(PublishCommand)[0]?.args[0].input, {
      TopicArn: TOPIC_ARN,
      Message: JSON.stringify({
        version: "1.0",
        source: "custom",
        content: {
          textType: "client-markdown",
          title: "Acknowledged: inc-1",
          description:
            'Incident inc-1 (alarm "prod-critical-api-5xx", level critical) acknowledged by suzuki via email link at 2026-12-02 01:00 UTC; pending pages stopped.',
        },
      }),
    });
    const second = await post("inc-1", token("inc-1"));
    assert.equal(second.statusCode, 200);
    assert.equal(page(second), "already");
    assert.deepEqual(await readIncident(db.admin, "inc-1"), acked);
    assert.equal(snsMock.calls().length, 1);
    // Secrets Manager read once (cached for KEY_TTL_SECONDS).
    assert.equal(sm.calls().length, 1);
  });

  const refusals: readonly [
    string,
    () => Promise<{ statusCode: number; body: string }>,
    number,
    string,
  ][] = [
    ["an expired token (POST)", () => post("inc-1", token("inc-1", NOW)), 410, "expired"],
    ["an expired token (GET)", () => get("inc-1", token("inc-1", NOW - 1)), 410, "expired"],
    [
      "a forged token (signed with another key)",
      () =>
        post(
          "inc-1",
          signAckToken(
            { incidentId: "inc-1", contactAlias: "suzuki", channel: "email", expiresAt: EXPIRES },
            "x".repeat(64),
          ),
        ),
      403,
      "invalid",
    ],
    [
      "another incident's token posted to this incident",
      () => post("inc-1", token("inc-2")),
      403,
      "invalid",
    ],
    ["a malformed token", () => post("inc-1", "a1.bogus"), 400, "malformed"],
    [
      "no token",
      () => handle(functionUrlEvent({ method: "POST", path: "/ack/inc-1" })),
      400,
      "malformed",
    ],
    [
      "a token for an incident that does not exist",
      () => post("inc-9", token("inc-9")),
      404,
      "notFound",
    ],
    [
      "PUT",
      () =>
        handle(
          functionUrlEvent({ method: "PUT", path: "/ack/inc-1", body: `t=${token("inc-1")}` }),
        ),
      405,
      "method",
    ],
  ];
  for (const [what, send, status, kind] of refusals) {
    it(`refuses ${what}: ${status} "${kind}" page, both incidents unchanged, no Slack note`, async () => {
      const before = [await readIncident(db.admin, "inc-1"), await readIncident(db.admin, "inc-2")];
      const r = await send();
      assert.equal(r.statusCode, status);
      assert.equal(page(r), kind);
      assert.deepEqual(
        [await readIncident(db.admin, "inc-1"), await readIncident(db.admin, "inc-2")],
        before,
      );
      assert.equal(snsMock.calls().length, 0);
      if (kind === "notFound") {
        // The conditional acknowledge was tried and failed: it created nothing.
        assert.equal(await readIncident(db.admin, "inc-9"), undefined);
      } else {
        assert.ok(!sent.some((s) => s.operation === "UpdateItem"), "no write was attempted");
      }
    });
  }

  it("replayed after resolution: GET and POST show 'resolved' (409) and change nothing", async () => {
    await db.client.send(
      new UpdateItemCommand(
        resolveRequest(TABLE, "inc-1", { at: at(NOW - 5), detail: "recovery" }),
      ),
    );
    const resolved = await readIncident(db.admin, "inc-1");
    const g = await get("inc-1", token("inc-1"));
    const p = await post("inc-1", token("inc-1"));
    assert.deepEqual(
      [g.statusCode, page(g), p.statusCode, page(p)],
      [409, "resolved", 409, "resolved"],
    );
    assert.deepEqual(await readIncident(db.admin, "inc-1"), resolved);
    assert.equal(snsMock.calls().length, 0);
  });
});
