/**
 * The router with the step-functions backend (STATE_MACHINE_ARN + INCIDENT_TABLE): an ALARM of a
 * level with `execution` starts the engine's state machine (literal StartExecution requests), the
 * dedupe table (FakeTable: the conditional semantics of tests/handlers/fixtures/routerFixtures.ts)
 * maps the alarm to the incident id (the execution name), so two ALARMs for one alarm start one
 * execution; a retried event reuses the name (also after an OK that found no incident yet dropped
 * the mapping: the NOT_FOUND race); an OK notes on the incident (incident table
 * UpdateItem) and, with resolveOnRecovery, resolves it (conditional UpdateItem) and stops the
 * execution (StopExecution). Every Step Functions and DynamoDB request is checked against the
 * botocore models (aws-models/stepfunctions.json, dynamodb.json); the configuration errors are
 * literal.
 *
 * What this spec does NOT prove: that Step Functions answers as the fake here does (an open
 * execution with the same name and input answers success, a closed one ExecutionAlreadyExists:
 * Step Functions API reference, StartExecution
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html); the
 * incident table's expressions on a real DynamoDB (the engine's specs run them on dynalite); the
 * engine itself (tests/handlers/engine.execution.spec.ts); IAM (tests/iam/router.stepFunctions.spec.ts).
 */
import { strict as assert } from "node:assert";
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import {
  ExecutionAlreadyExists,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  type StartExecutionCommandInput,
} from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import { createHandler, type RouterHandler } from "../../handlers/router/createHandler";
import { routerEnv } from "../../handlers/router/env";
import { openIncidentRequest } from "../../handlers/shared/incidentStore";
import { checkOperationInput } from "../support/apiModel";
import { expectedResolveRequest } from "../support/incidentRequests";
import { ENV, FakeTable, configOf, routerInput, routerInputAt } from "./fixtures/routerFixtures";
import { SSMIncidentsClient } from "@aws-sdk/client-ssm-incidents";
import { SSMContactsClient } from "@aws-sdk/client-ssm-contacts";

const SM = "arn:aws:states:ap-northeast-1:123456789012:stateMachine:ie-prod-escalation";
const INCIDENTS = "ie-prod-incidents";
const DEDUPE = "ie-prod-open-incidents";
const SF_ROUTING = {
  critical: { impact: 1, execution: true, resolveOnRecovery: true },
  major: { impact: 2, execution: true },
  warning: { impact: 3, execution: true },
  info: { impact: 5 },
};
const SF_ENV = {
  ...ENV,
  ROUTING_TABLE: JSON.stringify(SF_ROUTING),
  DEDUPE_TABLE: DEDUPE,
  STATE_MACHINE_ARN: SM,
  INCIDENT_TABLE: INCIDENTS,
};
const CRITICAL = "prod-critical-api-5xx-20191002T170440989Z";
const MAJOR = "prod-major-api-5xx-20191002T170440989Z";
const AT = Date.parse("2019-10-02T17:04:45.000Z");
/** sha256 of the OK's state-change token, "|", and its timeline event's eventData. */
const NOTE_TOKEN = "25c04a18b8fa88834b678c127b0496adb45c1f6a0c82016a8440bdf80b22dc94";

function startInput(level: string, name: string): StartExecutionCommandInput {
  return {
    stateMachineArn: SM,
    name,
    input: `{"incidentId":"${name}","level":"${level}","alarmName":"prod-${level}-api-5xx","firedAt":"2019-10-02T17:04:40.989Z"}`,
  };
}

describe("router, step-functions backend: StartExecution per incident, dedupe by incident id, recovery in the incident table", () => {
  // The router's own client instances are mocked (never the classes: a class stub wraps the
  // prototype for every spec file of the run), in before() and restored in after().
  const sfnClient = new SFNClient({});
  const dynamoClient = new DynamoDBClient({});
  const mockSfn = () => mockClient(sfnClient);
  const mockDynamo = () => mockClient(dynamoClient);
  let sfn: ReturnType<typeof mockSfn>;
  let dynamo: ReturnType<typeof mockDynamo>;
  before(() => {
    sfn = mockSfn();
    dynamo = mockDynamo();
  });
  let dedupe: FakeTable;
  /** The incident table: what the engine's Start opened (openIncidentRequest), by pk. */
  let incidents: Map<string, Record<string, AttributeValue>>;
  /** The fake's executions, by name: their input and whether they still run. */
  let executions: Map<string, { input: string; open: boolean }>;
  let clock: number;
  let logs: Record<string, unknown>[];
  /** Whether the fake engine's Start task has opened the incident by the time the router looks. */
  let engineOpens: boolean;

  const conditionFailed = () =>
    new ConditionalCheckFailedException({
      message: "The conditional request failed",
      $metadata: {},
    });

  function router(env: Record<string, string | undefined> = SF_ENV): RouterHandler {
    return createHandler({
      config: configOf(env),
      clients: {
        incidents: new SSMIncidentsClient({}),
        dynamodb: dynamoClient,
        contacts: () => new SSMContactsClient({}),
        stepFunctions: () => sfnClient,
      },
      now: () => new Date(clock),
      log: (line) => logs.push(JSON.parse(JSON.stringify(line)) as Record<string, unknown>),
      emitMetric: () => undefined,
    });
  }

  const sfnCalls = (command: typeof StartExecutionCommand | typeof StopExecutionCommand) =>
    sfn.commandCalls(command as never).map((c) => c.args[0].input as Record<string, unknown>);
  const incidentUpdates = () =>
    dynamo
      .commandCalls(UpdateItemCommand)
      .map((c) => c.args[0].input)
      .filter((i) => i.TableName === INCIDENTS);

  beforeEach(() => {
    sfn.reset();
    dynamo.reset();
    logs = [];
    clock = AT;
    engineOpens = true;
    dedupe = new FakeTable(conditionFailed);
    incidents = new Map();
    executions = new Map();
    sfn.on(StartExecutionCommand).callsFake((input: StartExecutionCommandInput) => {
      assert.deepEqual(checkOperationInput("stepfunctions", "StartExecution", input), []);
      const name = input.name ?? "";
      const known = executions.get(name);
      if (known !== undefined && !(known.open && known.input === input.input)) {
        throw new ExecutionAlreadyExists({
          message: `Execution Already Exists: '${name}'`,
          $metadata: {},
        });
      }
      if (known === undefined) {
        executions.set(name, { input: input.input ?? "", open: true });
        // The engine's Start task opens the incident under the execution's name.
        const { level, alarmName, firedAt } = JSON.parse(input.input ?? "{}") as Record<
          string,
          string
        >;
        const put = openIncidentRequest(INCIDENTS, {
          id: name,
          alarmName,
          alertLevel: level,
          openedAt: new Date(firedAt),
        });
        if (engineOpens) incidents.set(put.Item!.pk.S!, put.Item!);
      }
      return {
        executionArn: `${SM.replace(":stateMachine:", ":execution:")}:${name}`,
        startDate: new Date(clock),
      };
    });
    sfn.on(StopExecutionCommand).callsFake((input: { executionArn: string }) => {
      assert.deepEqual(checkOperationInput("stepfunctions", "StopExecution", input), []);
      const run = executions.get(input.executionArn.split(":").pop() ?? "");
      if (run !== undefined) run.open = false;
      return { stopDate: new Date(clock) };
    });
    dynamo.on(GetItemCommand).callsFake((input) => {
      assert.deepEqual(checkOperationInput("dynamodb", "GetItem", input), []);
      if (input.TableName === DEDUPE) return dedupe.get(input);
      const item = incidents.get(input.Key.pk.S);
      return item === undefined ? {} : { Item: structuredClone(item) };
    });
    dynamo.on(PutItemCommand).callsFake((input) => {
      assert.deepEqual(checkOperationInput("dynamodb", "PutItem", input), []);
      return dedupe.put(input);
    });
    dynamo.on(DeleteItemCommand).callsFake((input) => {
      assert.deepEqual(checkOperationInput("dynamodb", "DeleteItem", input), []);
      return dedupe.delete(input);
    });
    dynamo.on(UpdateItemCommand).callsFake((input: UpdateItemCommandInput) => {
      assert.deepEqual(checkOperationInput("dynamodb", "UpdateItem", input), []);
      if (input.TableName === DEDUPE) return dedupe.update(input as never);
      const item = incidents.get(input.Key?.pk?.S ?? "");
      if (item === undefined) throw conditionFailed();
      if (input.ConditionExpression === "#status IN (:open, :acknowledged)") {
        if (item.status.S === "resolved") throw conditionFailed();
        item.status = { S: "resolved" };
      }
      return {};
    });
  });
  after(() => {
    sfn.restore();
    dynamo.restore();
  });

  it("routerEnv names STATE_MACHINE_ARN and INCIDENT_TABLE; parseRouterEnv wants both or neither, and step-functions routing entries without Incident Manager keys", () => {
    assert.deepEqual(
      routerEnv({
        incidentSource: "s",
        engagementSender: "e",
        accountId: "123456789012",
        stepFunctions: { stateMachineArn: SM, incidentTable: INCIDENTS },
      }),
      {
        INCIDENT_SOURCE: "s",
        ENGAGEMENT_SENDER: "e",
        ACCOUNT_ID: "123456789012",
        STATE_MACHINE_ARN: SM,
        INCIDENT_TABLE: INCIDENTS,
      },
    );
    assert.throws(() => configOf({ ...SF_ENV, INCIDENT_TABLE: undefined }), {
      message:
        /INCIDENT_TABLE: is not set, but STATE_MACHINE_ARN is \(the step-functions backend needs both\)/,
    });
    assert.throws(
      () =>
        configOf({
          ...SF_ENV,
          STATE_MACHINE_ARN: "arn:aws:states:ap-northeast-1:123456789012:execution:x:y",
        }),
      {
        message:
          /STATE_MACHINE_ARN: must be a state machine ARN arn:aws:states:<region>:<account>:stateMachine:<name>, got "arn:aws:states:ap-northeast-1:123456789012:execution:x:y"/,
      },
    );
    assert.throws(
      () =>
        configOf({
          ...SF_ENV,
          ROUTING_TABLE: JSON.stringify({
            critical: { impact: 1, execution: true, responsePlanArn: "x" },
          }),
        }),
      {
        message:
          /ROUTING_TABLE\.critical\.responsePlanArn: belongs to the incident-manager backend; with STATE_MACHINE_ARN a level pages through "execution": true/,
      },
    );
    assert.throws(
      () =>
        configOf({
          ...ENV,
          ROUTING_TABLE: JSON.stringify({ critical: { impact: 1, execution: true } }),
        }),
      {
        message:
          /ROUTING_TABLE\.critical\.execution: needs STATE_MACHINE_ARN \(the step-functions backend\)/,
      },
    );
    assert.deepEqual(configOf(SF_ENV).stepFunctions, {
      stateMachineArn: SM,
      incidentTable: INCIDENTS,
    });
  });

  it("an ALARM starts one execution: name from the alarm and its state-change time, input the engine's EngineInput (literal; checked against the stepfunctions model)", async () => {
    const result = await router()(routerInput("critical"));
    assert.deepEqual(result, {
      decision: "page",
      incidentId: CRITICAL,
      engagements: 0,
      dedupe: "opened",
    });
    assert.deepEqual(sfnCalls(StartExecutionCommand), [startInput("critical", CRITICAL)]);
    assert.equal(
      dedupe.items.get("arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:prod-critical-api-5xx")
        ?.incidentArn?.S,
      CRITICAL,
    );
  });

  it("two ALARMs for one alarm (a second state change a minute later, and two at once) → one execution; the dedupe table maps the alarm to the incident id", async () => {
    const r = router();
    await r(routerInput("major"));
    clock += 60_000;
    const second = await r(routerInputAt("major", "2019-10-02T17:05:40.000+0000"));
    assert.deepEqual(second, {
      decision: "page",
      incidentId: MAJOR,
      engagements: 0,
      dedupe: "counted",
    });
    assert.equal(sfnCalls(StartExecutionCommand).length, 1);

    // Concurrent: two different state changes of another alarm delivered at once.
    const both = await Promise.all([
      r(routerInputAt("critical", "2019-10-02T17:06:00.000+0000")),
      r(routerInputAt("critical", "2019-10-02T17:06:01.000+0000")),
    ]);
    assert.equal(sfnCalls(StartExecutionCommand).length, 2, "one for major, one for critical");
    assert.deepEqual(both.map((x) => (x as { dedupe?: string }).dedupe).sort(), [
      "counted",
      "opened",
    ]);
  });

  it("a retried event reuses the execution name: without the dedupe table the same state change starts nothing new (StartExecution API reference: same name and input on a Standard workflow is idempotent; open: success; closed: ExecutionAlreadyExists, also success)", async () => {
    const rest: Record<string, string | undefined> = { ...SF_ENV, DEDUPE_TABLE: undefined };
    const env = { ...rest, ROUTING_TABLE: JSON.stringify({ major: SF_ROUTING.major }) };
    const r = router(env);
    const first = await r(routerInput("major"));
    const again = await r(routerInput("major"));
    executions.get(MAJOR)!.open = false;
    const afterClose = await r(routerInput("major"));
    for (const result of [first, again, afterClose]) {
      assert.deepEqual(result, { decision: "page", incidentId: MAJOR, engagements: 0 });
    }
    assert.deepEqual(sfnCalls(StartExecutionCommand), [
      startInput("major", MAJOR),
      startInput("major", MAJOR),
      startInput("major", MAJOR),
    ]);
    assert.equal(executions.size, 1);
  });

  it("NOT_FOUND race: an OK that finds no incident yet (the engine has not opened it) drops the mapping; the ALARM delivered again then claims anew but starts the same name, so no second execution (StartExecution idempotency for the same name and input, API reference)", async () => {
    const r = router();
    engineOpens = false;
    await r(routerInput("major"));
    clock = Date.parse("2019-10-02T17:10:05.000Z");
    const ok = await r(routerInputAt("major", "2019-10-02T17:10:00.000+0000", "OK"));
    assert.deepEqual(ok, { decision: "recover", incidentId: MAJOR, outcome: "stale" });
    assert.equal(dedupe.items.size, 0);
    const again = await r(routerInput("major"));
    assert.deepEqual(again, {
      decision: "page",
      incidentId: MAJOR,
      engagements: 0,
      dedupe: "opened",
    });
    // And once more after the execution closed: ExecutionAlreadyExists, which is success.
    executions.get(MAJOR)!.open = false;
    dedupe.items.clear();
    await r(routerInput("major"));
    assert.deepEqual(sfnCalls(StartExecutionCommand), [
      startInput("major", MAJOR),
      startInput("major", MAJOR),
      startInput("major", MAJOR),
    ]);
    assert.equal(executions.size, 1);
  });

  it("an engage-only level (warning, page: false with engage) starts an execution of its own level", async () => {
    await router()(routerInput("warning"));
    assert.deepEqual(sfnCalls(StartExecutionCommand), [
      startInput("warning", "prod-warning-api-5xx-20191002T170440989Z"),
    ]);
  });

  it("OK without resolveOnRecovery: a 'recovered' note on the incident (literal UpdateItem, conditional on the incident and on its timeline event's clientToken not yet noted), no StopExecution: escalation continues", async () => {
    const r = router();
    await r(routerInput("major"));
    clock = Date.parse("2019-10-02T17:10:05.000Z");
    const result = await r(routerInputAt("major", "2019-10-02T17:10:00.000+0000", "OK"));
    assert.deepEqual(result, { decision: "recover", incidentId: MAJOR, outcome: "recovered" });
    assert.deepEqual(incidentUpdates(), [
      {
        TableName: INCIDENTS,
        Key: { pk: { S: `INCIDENT#${MAJOR}` } },
        UpdateExpression:
          "SET timeline = list_append(if_not_exists(timeline, :empty), :entry) ADD routerNotes :notes",
        ConditionExpression: "attribute_exists(pk) AND NOT contains(routerNotes, :note)",
        ExpressionAttributeValues: {
          ":entry": {
            L: [
              {
                M: {
                  at: { S: "2019-10-02T17:10:00.000Z" },
                  kind: { S: "recovered" },
                  detail: { S: "alarm recovered" },
                },
              },
            ],
          },
          ":empty": { L: [] },
          // The timeline event's clientToken (dedupe/writes.ts timelineEvent).
          ":note": { S: NOTE_TOKEN },
          ":notes": { SS: [NOTE_TOKEN] },
        },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      },
    ]);
    assert.deepEqual(sfnCalls(StopExecutionCommand), []);
    assert.equal(executions.get(MAJOR)?.open, true);
  });

  it("OK with resolveOnRecovery: note, resolve in the incident table (conditional on open/acknowledged), StopExecution of arn:aws:states:<region>:<account>:execution:<stateMachine>:<name>, mapping dropped", async () => {
    const r = router();
    await r(routerInput("critical"));
    clock = Date.parse("2019-10-02T17:10:05.000Z");
    const result = await r(routerInputAt("critical", "2019-10-02T17:10:00.000+0000", "OK"));
    assert.deepEqual(result, { decision: "recover", incidentId: CRITICAL, outcome: "resolved" });
    const updates = incidentUpdates();
    assert.equal(updates.length, 2);
    assert.deepEqual(
      updates[1],
      expectedResolveRequest(INCIDENTS, CRITICAL, "2019-10-02T17:10:05.000Z", "recovery"),
    );
    assert.deepEqual(sfnCalls(StopExecutionCommand), [
      {
        executionArn: `arn:aws:states:ap-northeast-1:123456789012:execution:ie-prod-escalation:${CRITICAL}`,
        error: "IncidentResolved",
        cause: "the alarm recovered and its level resolves on recovery",
      },
    ]);
    assert.equal(incidents.get(`INCIDENT#${CRITICAL}`)?.status.S, "resolved");
    assert.equal(dedupe.items.size, 0);
    // The next ALARM opens a new incident (a new state change, a new name).
    clock = Date.parse("2019-10-02T17:20:05.000Z");
    await r(routerInputAt("critical", "2019-10-02T17:20:00.000+0000"));
    assert.deepEqual(
      sfnCalls(StartExecutionCommand).map((i) => i.name),
      [CRITICAL, "prod-critical-api-5xx-20191002T172000000Z"],
    );
  });

  it("an incident resolved by hand (status resolved in the table) is stale: the next ALARM after the note interval starts a new execution", async () => {
    const r = router();
    await r(routerInput("major"));
    incidents.get(`INCIDENT#${MAJOR}`)!.status = { S: "resolved" };
    clock = Date.parse("2019-10-02T17:30:05.000Z");
    const result = await r(routerInputAt("major", "2019-10-02T17:30:00.000+0000"));
    assert.deepEqual(result, {
      decision: "page",
      incidentId: "prod-major-api-5xx-20191002T173000000Z",
      engagements: 0,
      dedupe: "opened",
    });
  });
});
