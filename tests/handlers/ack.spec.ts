/**
 * The ack endpoint's handler and pure core with aws-sdk-client-mock clients: literal requests
 * and logs, the exact security headers, HTML escaping of untrusted alarm text, that no page and
 * no log carries the token, the key or the contact (nor an address or number: the handler never
 * sees one), the conditional-failure path with the item returned (ReturnValuesOnConditionCheckFailure
 * ALL_OLD, API reference UpdateItem), a Slack failure, an unreadable key, plain and base64 bodies,
 * the environment's validation, and the message catalogue (every key in ja and en).
 *
 * What this spec does NOT prove:
 * - DynamoDB's conditional semantics (ack.dynalite.spec.ts) or a browser's handling of the page
 *   (ack.browser.spec.ts);
 * - that AWS accepts the requests beyond their API models (checked here for every request);
 * - Lambda's function URL front end (events are built as its documentation shows them).
 */
import { strict as assert } from "node:assert";
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { signAckToken } from "../../handlers/shared/ackToken";
import { openIncidentRequest } from "../../handlers/shared/incidentStore";
import { parseEnv, renderPage, PAGE_STATUS, type PageKind } from "../../handlers/ack/core";
import { LANGUAGES } from "../../handlers/shared/messages";
import { checkOperationInput } from "../support/apiModel";
import {
  deps,
  ENV,
  EXPIRES,
  functionUrlEvent,
  KEY,
  loadAckHandler,
  SECRET_ARN,
  TABLE,
  TOPIC_ARN,
} from "./fixtures/ackFixtures";

const HOSTILE_ALARM = 'ie-prod-critical-<script>alert("x")</script>&@channel';

function item(
  status: string,
  extra: Record<string, AttributeValue> = {},
): Record<string, AttributeValue> {
  return {
    ...(openIncidentRequest(TABLE, {
      id: "inc-1",
      alarmName: HOSTILE_ALARM,
      alertLevel: "critical",
      openedAt: new Date("2026-12-02T00:50:00.000Z"),
    }).Item as Record<string, AttributeValue>),
    status: { S: status },
    ...extra,
  };
}

describe("ack endpoint handler (aws-sdk-client-mock)", () => {
  const secrets = new SecretsManagerClient({ region: "ap-northeast-1" });
  const dynamodb = new DynamoDBClient({ region: "ap-northeast-1" });
  const sns = new SNSClient({ region: "ap-northeast-1" });
  const sm = mockClient(secrets);
  const ddb = mockClient(dynamodb);
  const topic = mockClient(sns);
  const logs: Record<string, unknown>[] = [];
  let handle: ReturnType<ReturnType<typeof loadAckHandler>["createHandler"]>;
  const token = (contactAlias = "suzuki") =>
    signAckToken({ incidentId: "inc-1", contactAlias, channel: "email", expiresAt: EXPIRES }, KEY);
  const pageOf = (body: string) => /data-page="([a-zA-Z]+)"/.exec(body)?.[1];

  beforeEach(() => {
    sm.reset();
    ddb.reset();
    topic.reset();
    logs.length = 0;
    sm.on(GetSecretValueCommand).resolves({ SecretString: KEY });
    topic.on(PublishCommand).resolves({ MessageId: "m-1" });
    handle = loadAckHandler().createHandler(deps({ secrets, dynamodb, sns }, logs));
  });
  afterEach(() => {
    const problems = [
      ...sm
        .calls()
        .flatMap((c) => checkOperationInput("secretsmanager", "GetSecretValue", c.args[0].input)),
      ...topic.calls().flatMap((c) => checkOperationInput("sns", "Publish", c.args[0].input)),
      ...ddb.calls().flatMap((c) => {
        const cmd = c.args[0] as unknown as { constructor: { name: string }; input: unknown };
        return checkOperationInput(
          "dynamodb",
          cmd.constructor.name.replace(/Command$/, ""),
          cmd.input,
        );
      }),
    ];
    assert.deepEqual(problems, []);
    const text = JSON.stringify(logs);
    for (const secret of [KEY, token(), token("sato"), "suzuki", "sato"]) {
      assert.ok(!text.includes(secret), `a log line carries ${secret}`);
    }
  });
  after(() => {
    sm.restore();
    ddb.restore();
    topic.restore();
  });

  it("GET: reads the key (GetSecretValue of ACK_KEY_SECRET_ARN) and the incident (consistent GetItem), writes nothing; literal log", async () => {
    ddb.on(GetItemCommand).resolves({ Item: item("open") });
    const r = await handle(
      functionUrlEvent({ method: "GET", path: "/ack/inc-1", query: `t=${token()}` }),
    );
    assert.equal(r.statusCode, 200);
    assert.deepEqual(sm.calls()[0]?.args[0].input, { SecretId: SECRET_ARN });
    assert.deepEqual(
      ddb.calls().map((c) => c.args[0].input),
      [{ TableName: TABLE, Key: { pk: { S: "INCIDENT#inc-1" } }, ConsistentRead: true }],
    );
    assert.equal(topic.calls().length, 0);
    assert.deepEqual(logs, [
      {
        level: "INFO",
        message: "ack.page",
        method: "GET",
        incidentId: "inc-1",
        channel: "email",
        page: "confirm",
        status: 200,
      },
    ]);
  });

  it("GET page: exact security headers, escaped alarm text, the token only in the hidden field, no contact", async () => {
    ddb.on(GetItemCommand).resolves({ Item: item("open") });
    const r = await handle(
      functionUrlEvent({ method: "GET", path: "/ack/inc-1", query: `t=${token()}` }),
    );
    assert.deepEqual(Object.keys(r.headers).sort(), [
      "cache-control",
      "content-language",
      "content-security-policy",
      "content-type",
      "referrer-policy",
      "x-content-type-options",
      "x-frame-options",
    ]);
    assert.equal(r.headers["content-type"], "text/html; charset=utf-8");
    assert.equal(r.headers["content-language"], "en");
    assert.match(
      r.headers["content-security-policy"] ?? "",
      /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]{43}='; form-action 'self'; frame-ancestors 'none'; base-uri 'none'$/,
    );
    assert.equal(r.headers["referrer-policy"], "no-referrer");
    assert.equal(r.headers["cache-control"], "no-store");
    assert.equal(r.headers["x-frame-options"], "DENY");
    assert.equal(r.headers["x-content-type-options"], "nosniff");
    assert.ok(!r.body.includes("<script>"));
    assert.ok(
      r.body.includes(
        "Alarm &quot;ie-prod-critical-‹script&gt;alert(\\&quot;x\\&quot;)‹/script&gt;&amp;＠channel&quot; (level critical) opened at 2026-12-02 00:50 UTC.",
      ),
      r.body,
    );
    assert.equal(r.body.split(token()).length - 1, 1);
    assert.ok(r.body.includes(`<input type="hidden" name="t" value="${token()}">`));
    assert.ok(r.body.includes('<form method="post" action="/ack/inc-1">'));
    assert.ok(!r.body.includes("suzuki"));
  });

  it("POST (plain form body): the literal conditional UpdateItem, the Slack note, the acknowledged page", async () => {
    ddb.on(UpdateItemCommand).resolves({
      Attributes: item("acknowledged", {
        acknowledgedAt: { S: "2026-12-02T01:00:00.000Z" },
        acknowledgedBy: { S: "sato" },
        acknowledgedVia: { S: "email" },
      }),
    });
    const r = await handle(
      functionUrlEvent({ method: "POST", path: "/ack/inc-1", body: `t=${token("sato")}` }),
    );
    assert.equal(r.statusCode, 200);
    assert.equal(pageOf(r.body), "acknowledged");
    assert.equal(r.headers["content-language"], "ja");
    assert.ok(r.body.includes('<h1 id="title" data-page="acknowledged">確認しました</h1>'));
    const input = ddb.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    // Open, and sato essential: paged as essential, or never paged as not essential.
    assert.equal(
      input?.ConditionExpression,
      "#status = :open AND (contains(essentialContacts, :by) OR attribute_not_exists(notEssentialContacts) OR NOT contains(notEssentialContacts, :by))",
    );
    assert.deepEqual(input?.Key, { pk: { S: "INCIDENT#inc-1" } });
    assert.deepEqual(input?.ExpressionAttributeValues?.[":by"], { S: "sato" });
    assert.equal(input?.ReturnValuesOnConditionCheckFailure, "ALL_OLD");
    const note = JSON.parse(
      String(topic.commandCalls(PublishCommand)[0]?.args[0].input.Message),
    ) as {
      content: { description: string };
    };
    assert.equal(topic.commandCalls(PublishCommand)[0]?.args[0].input.TopicArn, TOPIC_ARN);
    // The stack's language (en) in Slack; alarm text quoted, markup and mentions defused.
    assert.equal(
      note.content.description,
      'Incident inc-1 (alarm "ie-prod-critical-‹script>alert(\\"x\\")‹/script>&＠channel", level critical) acknowledged by sato via email link at 2026-12-02 01:00 UTC; pending pages stopped.',
    );
  });

  it("POST when the condition fails with the old item (ALL_OLD): 'already' page, no read, no Slack note", async () => {
    ddb.on(UpdateItemCommand).rejects(
      new ConditionalCheckFailedException({
        message: "The conditional request failed",
        $metadata: {},
        Item: item("acknowledged", { acknowledgedAt: { S: "2026-12-02T00:55:00.000Z" } }),
      }),
    );
    const r = await handle(
      functionUrlEvent({ method: "POST", path: "/ack/inc-1", body: `t=${token()}`, base64: true }),
    );
    assert.equal(pageOf(r.body), "already");
    assert.ok(r.body.includes("already acknowledged at 2026-12-02 00:55 UTC"));
    assert.equal(ddb.commandCalls(GetItemCommand).length, 0);
    assert.equal(topic.calls().length, 0);
  });

  it("a Slack failure after the write still shows 'acknowledged' (the table has it) and logs ERROR ack.slack_failed", async () => {
    ddb.on(UpdateItemCommand).resolves({ Attributes: item("acknowledged") });
    topic
      .on(PublishCommand)
      .rejects(Object.assign(new Error("down"), { name: "InternalErrorException" }));
    const r = await handle(
      functionUrlEvent({ method: "POST", path: "/ack/inc-1", body: `t=${token()}` }),
    );
    assert.equal(pageOf(r.body), "acknowledged");
    assert.deepEqual(logs[0], {
      level: "ERROR",
      message: "ack.slack_failed",
      method: "POST",
      incidentId: "inc-1",
      channel: "email",
      error: "InternalErrorException",
    });
  });

  it("an unreadable key: 500 'error' page, nothing read or written, the error named without its message", async () => {
    sm.on(GetSecretValueCommand).rejects(
      Object.assign(new Error(`secret ${SECRET_ARN} gone`), { name: "ResourceNotFoundException" }),
    );
    const r = await handle(
      functionUrlEvent({ method: "POST", path: "/ack/inc-1", body: `t=${token()}` }),
    );
    assert.equal(r.statusCode, 500);
    assert.equal(pageOf(r.body), "error");
    assert.equal(ddb.calls().length, 0);
    assert.deepEqual(logs, [
      {
        level: "ERROR",
        message: "ack.failed",
        method: "POST",
        incidentId: "inc-1",
        code: "SECRET_UNAVAILABLE",
        error: "ACK_KEY_SECRET_ARN: could not read the secret (ResourceNotFoundException)",
      },
    ]);
  });

  it("not a function URL event (no requestContext.http, payload format 2.0: https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-payloads): 400 page, logged", async () => {
    const r = await handle({ Records: [] });
    assert.equal(r.statusCode, 400);
    assert.equal(logs[0]?.code, "INVALID_REQUEST");
  });

  it("every page, in both languages: its status, no personal data, escaped texts only", () => {
    const kinds = Object.keys(PAGE_STATUS) as PageKind[];
    assert.deepEqual(PAGE_STATUS, {
      confirm: 200,
      confirmNotEssential: 200,
      acknowledged: 200,
      notEssential: 200,
      already: 200,
      resolved: 409,
      expired: 410,
      invalid: 403,
      malformed: 400,
      notFound: 404,
      method: 405,
      error: 500,
    });
    for (const lang of LANGUAGES) {
      for (const kind of kinds) {
        const r = renderPage(kind, lang, {
          alarmName: "a",
          alertLevel: "critical",
          openedAt: "2026-12-02T00:50:00.000Z",
        });
        assert.equal(r.statusCode, PAGE_STATUS[kind]);
        assert.ok(
          !/@|\+\d{6,}/.test(r.body.replace("＠", "")),
          `${lang} ${kind}: looks like an address or number`,
        );
        assert.ok(r.body.startsWith(`<!DOCTYPE html><html lang="${lang}">`));
      }
    }
    assert.equal(renderPage("method", "en").headers.allow, "GET, POST");
  });
});

describe("ack endpoint environment", () => {
  it("parseEnv accepts the component's environment and names what is wrong", () => {
    assert.deepEqual(parseEnv(ENV), {
      tableName: TABLE,
      alertsTopicArn: TOPIC_ARN,
      keySecretArn: SECRET_ARN,
      language: "en",
      contactLanguages: { sato: "ja" },
    });
    const rows: [Record<string, string | undefined>, string][] = [
      [{ INCIDENT_TABLE: undefined }, "INCIDENT_TABLE is not set"],
      [{ ALERTS_TOPIC_ARN: "topic" }, "ALERTS_TOPIC_ARN is not an ARN"],
      [{ LANGUAGE: "fr" }, 'LANGUAGE: "fr" is not ja or en'],
      [{ CONTACT_LANGUAGES: "{" }, "CONTACT_LANGUAGES is not JSON"],
      [
        { CONTACT_LANGUAGES: '{"Sato":"ja"}' },
        'CONTACT_LANGUAGES: key "Sato" is not a contact alias',
      ],
      [{ CONTACT_LANGUAGES: '{"sato":"de"}' }, "CONTACT_LANGUAGES.sato is not ja or en"],
    ];
    for (const [change, message] of rows) {
      const env: Record<string, string | undefined> = { ...ENV, ...change };
      assert.throws(() => parseEnv(env), { name: "AckError", message });
    }
  });
});

// The EMF lines the endpoint's alarms watch (components/engine/ackEndpoint.ts). The format is the
// embedded metric format specification,
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
// (root `_aws` with Timestamp in ms and CloudWatchMetrics directives; values as root members).
// Not proven here: that CloudWatch extracts them from the function's log (the line is written to
// stdout as handlers/shared/selfMetrics.ts explains).
describe("ack endpoint handler: EMF metric lines AckFailures and AckNotesLost", () => {
  let sm: ReturnType<typeof mockClient>;
  let ddb: ReturnType<typeof mockClient>;
  let topic: ReturnType<typeof mockClient>;
  const logs: Record<string, unknown>[] = [];
  const metrics: Record<string, unknown>[] = [];
  let handle: ReturnType<ReturnType<typeof loadAckHandler>["createHandler"]>;
  const token = () =>
    signAckToken(
      { incidentId: "inc-1", contactAlias: "suzuki", channel: "email", expiresAt: EXPIRES },
      KEY,
    );
  const pageOf = (body: string) => /data-page="([a-zA-Z]+)"/.exec(body)?.[1];
  const post = () =>
    handle(functionUrlEvent({ method: "POST", path: "/ack/inc-1", body: `t=${token()}` }), {
      functionName: "ie-prod-ack",
    });

  before(() => {
    sm = mockClient(SecretsManagerClient);
    ddb = mockClient(DynamoDBClient);
    topic = mockClient(SNSClient);
  });
  beforeEach(() => {
    sm.reset();
    ddb.reset();
    topic.reset();
    logs.length = 0;
    metrics.length = 0;
    sm.on(GetSecretValueCommand).resolves({ SecretString: KEY });
    topic.on(PublishCommand).resolves({ MessageId: "m-1" });
    ddb.on(UpdateItemCommand).resolves({ Attributes: item("acknowledged") });
    const secrets = new SecretsManagerClient({ region: "ap-northeast-1" });
    const dynamodb = new DynamoDBClient({ region: "ap-northeast-1" });
    const sns = new SNSClient({ region: "ap-northeast-1" });
    handle = loadAckHandler().createHandler(
      deps({ secrets, dynamodb, sns }, logs, undefined, metrics),
    );
  });
  after(() => {
    sm.restore();
    ddb.restore();
    topic.restore();
  });

  it("an acknowledgement with its Slack note: no metric line", async () => {
    const r = await post();
    assert.equal(pageOf(r.body), "acknowledged");
    assert.deepEqual(metrics, []);
  });

  it("a lost Slack note: exactly one literal AckNotesLost line", async () => {
    topic
      .on(PublishCommand)
      .rejects(Object.assign(new Error("down"), { name: "InternalErrorException" }));
    const r = await post();
    assert.equal(pageOf(r.body), "acknowledged");
    assert.deepEqual(metrics, [
      {
        _aws: {
          Timestamp: 1_796_173_200_000,
          CloudWatchMetrics: [
            {
              Namespace: "IncidentEscalation",
              Dimensions: [["FunctionName"]],
              Metrics: [{ Name: "AckNotesLost", Unit: "Count" }],
            },
          ],
        },
        incidentId: "inc-1",
        FunctionName: "ie-prod-ack",
        AckNotesLost: 1,
      },
    ]);
  });

  it("an internal error (unreadable key, 500 page): exactly one literal AckFailures line", async () => {
    sm.on(GetSecretValueCommand).rejects(
      Object.assign(new Error("gone"), { name: "ResourceNotFoundException" }),
    );
    const r = await post();
    assert.equal(r.statusCode, 500);
    assert.deepEqual(metrics, [
      {
        _aws: {
          Timestamp: 1_796_173_200_000,
          CloudWatchMetrics: [
            {
              Namespace: "IncidentEscalation",
              Dimensions: [["FunctionName"]],
              Metrics: [{ Name: "AckFailures", Unit: "Count" }],
            },
          ],
        },
        code: "SECRET_UNAVAILABLE",
        FunctionName: "ie-prod-ack",
        AckFailures: 1,
      },
    ]);
  });

  it("not a function URL event (a direct invocation, not the endpoint's failure): no metric line", async () => {
    const r = await handle({ hello: "world" }, { functionName: "ie-prod-ack" });
    assert.equal(r.statusCode, 400);
    assert.deepEqual(metrics, []);
  });
});
