/**
 * The router's statements for the step-functions backend (components/iamStatements.ts
 * routerStatements with `stepFunctions`), literally, and judged by the IAM policy simulator
 * (@cloud-copilot/iam-simulate with maintained IAM data): the router's StartExecution,
 * StopExecution, GetItem and UpdateItem requests (as COMMAND_PERMISSIONS maps them, from the
 * literal requests tests/handlers/router.stepFunctions.spec.ts asserts) are allowed; another state
 * machine, another state machine's executions, and writes the router never makes are refused.
 *
 * What this spec does NOT prove: the statements as a deployed stack attaches them (the
 * selfhosted stack is not wired to the router yet: the statements are simulated directly, as
 * tests/iam/engine.spec.ts does for the engine); that AWS evaluates exactly as the simulator does.
 */
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { routerStatements } from "../../components/iamStatements";
import { COMMAND_PERMISSIONS, type StackFacts } from "../support/awsCalls";
import { decide, type StackPolicies } from "../support/iamPolicies";

const ACCOUNT = "123456789012";
const REGION = "ap-northeast-1";
const SM = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:ie-sh-escalation`;
const TABLE = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/ie-sh-incidents`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/ie-sh-router`;
const NAME = "ie-sh-critical-api-5xx-20191002T170440989Z";

function resolved<T>(value: pulumi.Input<T>): Promise<pulumi.Unwrap<T>> {
  return new Promise((resolve) => pulumi.output(value).apply((v) => resolve(v)));
}

async function statements(): Promise<unknown[]> {
  return resolved(
    routerStatements({
      responsePlanArns: [],
      directEngageArns: [],
      region: REGION,
      accountId: ACCOUNT,
      dedupeTableArn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/ie-sh-open-incidents`,
      stepFunctions: {
        stateMachineArn: SM,
        stateMachineName: "ie-sh-escalation",
        incidentTableArn: TABLE,
      },
    }) as pulumi.Input<unknown[]>,
  );
}

async function policies(): Promise<StackPolicies> {
  return {
    account: ACCOUNT,
    region: REGION,
    identity: [
      {
        roleName: "ie-sh-router",
        roleArn: ROLE,
        source: "routerStatements",
        document: { Version: "2012-10-17", Statement: await statements() } as never,
      },
    ],
    resource: [],
    managed: [],
  };
}

describe("routerStatements for the step-functions backend (literal, and the IAM simulator)", function () {
  this.timeout(120_000);

  it("StartExecution on the state machine, StopExecution on its executions only, GetItem/UpdateItem on the incident table, the dedupe table as before, and no Incident Manager or ssm-contacts statement", async () => {
    assert.deepEqual(await statements(), [
      {
        Sid: "MapAlarmsToOpenIncidents",
        Effect: "Allow",
        Action: [
          "dynamodb:GetItem",
          "dynamodb:PutItem",
          "dynamodb:UpdateItem",
          "dynamodb:DeleteItem",
        ],
        Resource: [`arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/ie-sh-open-incidents`],
      },
      {
        Sid: "StartEngineExecutions",
        Effect: "Allow",
        Action: ["states:StartExecution"],
        Resource: [SM],
      },
      {
        Sid: "StopEngineExecutions",
        Effect: "Allow",
        Action: ["states:StopExecution"],
        Resource: [`arn:aws:states:${REGION}:${ACCOUNT}:execution:ie-sh-escalation:*`],
      },
      {
        Sid: "NoteAndResolveIncidents",
        Effect: "Allow",
        Action: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
        Resource: [TABLE],
      },
    ]);
  });

  it("IAM allows the router's step-functions requests, mapped by COMMAND_PERMISSIONS (service authorization reference: StartExecution stateMachine*, StopExecution execution*, DynamoDB table*)", async () => {
    const p = await policies();
    const facts = { region: REGION, account: ACCOUNT } as unknown as StackFacts;
    const sent = [
      { key: "sfn:StartExecution", input: { stateMachineArn: SM, name: NAME, input: "{}" } },
      {
        key: "sfn:StopExecution",
        input: {
          executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:ie-sh-escalation:${NAME}`,
        },
      },
      { key: "dynamodb:GetItem", input: { TableName: "ie-sh-incidents" } },
      { key: "dynamodb:UpdateItem", input: { TableName: "ie-sh-incidents" } },
    ];
    const problems: string[] = [];
    for (const c of sent) {
      for (const a of COMMAND_PERMISSIONS[c.key](c.input, facts)) {
        const d = await decide(p, { principal: ROLE, action: a.action, resource: a.resource });
        if (d !== "Allowed") problems.push(`${a.action} ${a.resource}: ${d}`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it("IAM refuses another state machine, another state machine's executions, writes the router never makes to the incident table, and Incident Manager", async () => {
    const p = await policies();
    const refused: [string, string][] = [
      ["states:StartExecution", `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:other`],
      ["states:StopExecution", `arn:aws:states:${REGION}:${ACCOUNT}:execution:other:${NAME}`],
      [
        "states:StartExecution",
        `arn:aws:states:${REGION}:999999999999:stateMachine:ie-sh-escalation`,
      ],
      ["dynamodb:PutItem", TABLE],
      ["dynamodb:DeleteItem", TABLE],
      ["dynamodb:GetItem", `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/other-incidents`],
      [
        "ssm-incidents:StartIncident",
        `arn:aws:ssm-incidents::${ACCOUNT}:response-plan/ie-sh-critical`,
      ],
    ];
    for (const [action, resource] of refused) {
      assert.notEqual(
        await decide(p, { principal: ROLE, action, resource }),
        "Allowed",
        `${action} ${resource}`,
      );
    }
  });
});
