/**
 * The router's timeline notes under the step-functions backend, on dynalite (the incident table
 * as the component declares it, tests/support/incidentTable.ts; the dedupe table as
 * router.dynalite.spec.ts creates it) with a real DynamoDB client: a note is appended once per
 * timeline event (handlers/router/stepFunctions.ts noteInput: its clientToken joins the item's
 * routerNotes set, conditional on not being there), so an ALARM redelivered after the first
 * delivery noted "fired again" but timed out before its dedupe write adds no second note; a
 * different event adds its own; a missing incident is "missing" and nothing is created.
 *
 * DynamoDB behaviour relied on: `contains` on a missing attribute is false, ADD of a String Set
 * creates or extends it (developer guide, "Condition and filter expressions, operators, and
 * functions", "Update expressions"), a false ConditionExpression writes nothing.
 *
 * What this spec does NOT prove:
 * - that DynamoDB evaluates the expressions exactly as dynalite does (a reimplementation); the
 *   literal request is asserted in router.stepFunctions.spec.ts;
 * - ReturnValuesOnConditionCheckFailure (dynalite 4 ignores it; the consistent read runs here);
 * - Step Functions (a fake StartExecution opens the incident as the engine's Start task would);
 * - a Lambda timeout itself: the first delivery is held before its dedupe write and the second
 *   delivery runs meanwhile, as after a visibility timeout.
 */
import { strict as assert } from "node:assert";
import {
  CreateTableCommand,
  DeleteTableCommand,
  GetItemCommand,
  PutItemCommand,
  type UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { SSMContactsClient } from "@aws-sdk/client-ssm-contacts";
import {
  SSMIncidentsClient,
  type CreateTimelineEventCommandInput,
} from "@aws-sdk/client-ssm-incidents";
import { mockClient } from "aws-sdk-client-mock";
import { recordNoteOnce } from "../../handlers/router/adapters";
import { createHandler, type RouterHandler } from "../../handlers/router/createHandler";
import { noteInput } from "../../handlers/router/stepFunctions";
import { openIncidentRequest, parseIncident } from "../../handlers/shared/incidentStore";
import { checkOperationInput } from "../support/apiModel";
import { useIncidentTable, type Recorded } from "../support/incidentTable";
import { ENV, configOf, gate, routerInput, routerInputAt } from "./fixtures/routerFixtures";

const SM = "arn:aws:states:ap-northeast-1:123456789012:stateMachine:ie-prod-escalation";
const INCIDENTS = "ie-prod-incidents";
const DEDUPE = "ie-prod-open-incidents";
const SF_ENV = {
  ...ENV,
  ROUTING_TABLE: JSON.stringify({ major: { impact: 2, execution: true } }),
  DEDUPE_TABLE: DEDUPE,
  STATE_MACHINE_ARN: SM,
  INCIDENT_TABLE: INCIDENTS,
};
const MAJOR = "prod-major-api-5xx-20191002T170440989Z";
const dedupeOf = (result: unknown) => (result as { dedupe?: string }).dedupe;

describe("router notes on dynalite (step-functions backend): one note per timeline event", () => {
  const sent: Recorded[] = [];
  const db = useIncidentTable(INCIDENTS, sent);
  const sfn = new SFNClient({ region: "ap-northeast-1" });
  const mockSfn = () => mockClient(sfn);
  let sfnMock: ReturnType<typeof mockSfn>;
  let clock = 0;

  const incident = async (id: string) => {
    const out = await db.admin.send(
      new GetItemCommand({
        TableName: INCIDENTS,
        Key: { pk: { S: `INCIDENT#${id}` } },
        ConsistentRead: true,
      }),
    );
    return out.Item;
  };
  const router = (): RouterHandler =>
    createHandler({
      config: configOf(SF_ENV),
      clients: {
        incidents: new SSMIncidentsClient({}),
        dynamodb: db.client,
        contacts: () => new SSMContactsClient({}),
        stepFunctions: () => sfn,
      },
      now: () => new Date(clock),
      log: () => undefined,
      emitMetric: () => undefined,
    });

  before(() => {
    // Mocked here, not when mocha loads the file: other spec files mock SFNClient.
    sfnMock = mockSfn();
  });
  after(() => {
    sfnMock.restore();
  });
  beforeEach(async () => {
    await db.admin.send(new DeleteTableCommand({ TableName: DEDUPE })).catch(() => undefined);
    await db.admin.send(
      new CreateTableCommand({
        TableName: DEDUPE,
        AttributeDefinitions: [{ AttributeName: "alarmArn", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "alarmArn", KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
    sfnMock.reset();
    // The engine's Start task opens the incident under the execution's name.
    sfnMock.on(StartExecutionCommand).callsFake(async (input: { name: string; input: string }) => {
      const { level, alarmName, firedAt } = JSON.parse(input.input) as Record<string, string>;
      await db.admin
        .send(
          new PutItemCommand(
            openIncidentRequest(INCIDENTS, {
              id: input.name,
              alarmName,
              alertLevel: level,
              openedAt: new Date(firedAt),
            }),
          ),
        )
        .catch(() => undefined);
      return { executionArn: `${SM.replace(":stateMachine:", ":execution:")}:${input.name}` };
    });
    sent.length = 0;
  });
  afterEach(() => {
    assert.deepEqual(
      sent.flatMap((r) => checkOperationInput("dynamodb", r.operation, r.input)),
      [],
    );
  });

  it("an ALARM redelivered after its first delivery noted 'fired again' (and timed out before its dedupe write) adds no second note", async () => {
    const r = router();
    clock = Date.parse("2019-10-02T17:04:45.000Z");
    assert.equal(dedupeOf(await r(routerInput("major"))), "opened");

    // Ten minutes on (past the note interval) the alarm fires again; the first delivery notes,
    // then is held before its dedupe write (UpdateItem SET lastNotedAt) as a timed-out Lambda.
    clock = Date.parse("2019-10-02T17:14:05.000Z");
    const again = routerInputAt("major", "2019-10-02T17:14:00.000+0000");
    const held = gate();
    let holds = 1;
    db.client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as UpdateItemCommandInput;
        if (
          context.commandName === "UpdateItemCommand" &&
          input.TableName === DEDUPE &&
          /lastNotedAt = :now/.test(input.UpdateExpression ?? "") &&
          holds-- > 0
        ) {
          await held.promise;
        }
        return next(args);
      },
      { step: "initialize", name: "holdFirstNotedWrite" },
    );
    const first = r(again);
    // Let the first delivery reach its dedupe write.
    for (let i = 0; i < 50 && holds > 0; i += 1) await new Promise((ok) => setTimeout(ok, 20));
    assert.equal(holds, 0, "the first delivery reached its dedupe write");

    const second = await r(again);
    held.open();
    const firstResult = await first;
    db.client.middlewareStack.remove("holdFirstNotedWrite");

    assert.deepEqual(second, {
      decision: "page",
      incidentId: MAJOR,
      engagements: 0,
      dedupe: "fired-again",
    });
    assert.equal(dedupeOf(firstResult), "fired-again");
    const item = await incident(MAJOR);
    assert.deepEqual(
      parseIncident(item!).timeline.map((e) => [e.at, e.kind, e.detail]),
      [
        ["2019-10-02T17:04:40.989Z", "opened", undefined],
        [
          "2019-10-02T17:14:00.000Z",
          "note",
          "alarm fired again; fired again 1 times since 2019-10-02T17:04:45.000Z",
        ],
      ],
    );
    assert.equal(item!.routerNotes?.SS?.length, 1);
    assert.equal(sfnMock.commandCalls(StartExecutionCommand).length, 1);
  });

  it("recordNoteOnce: noted once per clientToken, another event's note is added, a missing incident is 'missing' and nothing is created", async () => {
    await db.admin.send(
      new PutItemCommand(
        openIncidentRequest(INCIDENTS, {
          id: "inc-1",
          alarmName: "prod-major-api-5xx",
          alertLevel: "major",
          openedAt: new Date("2019-10-02T17:04:40.989Z"),
        }),
      ),
    );
    const config = configOf(SF_ENV).stepFunctions!;
    const event = (token: string, id = "inc-1", type = "alarm-fired-again") =>
      ({
        clientToken: token,
        incidentRecordArn: id,
        eventTime: new Date("2019-10-02T17:14:00.000Z"),
        eventType: "Custom Event",
        eventData: JSON.stringify({ type }),
      }) satisfies CreateTimelineEventCommandInput;
    const note = (e: CreateTimelineEventCommandInput) =>
      recordNoteOnce(db.client, noteInput(config, e), e);

    assert.deepEqual(
      [
        await note(event("token-a")),
        await note(event("token-a")),
        await note(event("token-b", "inc-1", "alarm-recovered")),
        await note(event("token-a", "inc-2")),
      ],
      ["noted", "noted", "noted", "missing"],
    );
    const item = await incident("inc-1");
    assert.deepEqual(
      parseIncident(item!).timeline.map((e) => [e.kind, e.detail]),
      [
        ["opened", undefined],
        ["note", "alarm fired again"],
        ["recovered", "alarm recovered"],
      ],
    );
    assert.deepEqual([...(item!.routerNotes?.SS ?? [])].sort(), ["token-a", "token-b"]);
    assert.equal(await incident("inc-2"), undefined);
    // The refused writes fell back to a consistent read (dynalite returns no ALL_OLD item).
    assert.deepEqual(
      sent.map((s) => s.operation),
      ["UpdateItem", "UpdateItem", "GetItem", "UpdateItem", "UpdateItem", "GetItem"],
    );
  });
});
