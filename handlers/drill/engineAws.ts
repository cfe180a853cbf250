/**
 * The SDK calls of a drill on the step-functions backend, shared by `npm run drill` (tools/drill.ts)
 * and the drill Lambda's scheduled drills (handlers/drill/handler.ts): start the drill execution, read the incident item, resolve it, stop the
 * execution. Clients are passed in; every call goes through `call(action, fn)` (handlers/drill/aws.ts
 * Call) so the CLI names the IAM action in its errors and the Lambda leaves it as is (`direct`).
 * Finding the state machine by name is the CLI's alone (tools/drill.ts findStateMachineArn).
 */
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
  type UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import {
  StartExecutionCommand,
  StopExecutionCommand,
  type SFNClient,
  type StartExecutionCommandInput,
  type StopExecutionCommandInput,
} from "@aws-sdk/client-sfn";
import { getIncidentRequest, parseIncident, type Incident } from "../shared/incidentStore";
import { direct, type Call } from "./aws";

/** Starts the drill execution and returns its ARN. */
export async function startExecution(
  client: SFNClient,
  input: StartExecutionCommandInput,
  call: Call = direct,
): Promise<string> {
  const out = await call("states:StartExecution", () =>
    client.send(new StartExecutionCommand(input)),
  );
  if (out.executionArn === undefined)
    throw new Error("StartExecution answered without executionArn");
  return out.executionArn;
}

/** The incident item (strongly consistent), or undefined while the engine has not opened it. */
export async function readIncident(
  db: DynamoDBClient,
  table: string,
  id: string,
  call: Call = direct,
): Promise<Incident | undefined> {
  const out = await call("dynamodb:GetItem", () =>
    db.send(new GetItemCommand(getIncidentRequest(table, id))),
  );
  return out.Item === undefined ? undefined : parseIncident(out.Item);
}

/**
 * Resolves the incident; "not-open" when the condition failed (already resolved, or no item:
 * ConditionalCheckFailedException, nothing written; DynamoDB API reference, UpdateItem).
 */
export async function resolveIncident(
  db: DynamoDBClient,
  input: UpdateItemCommandInput,
  call: Call = direct,
): Promise<"resolved" | "not-open"> {
  return call("dynamodb:UpdateItem", async () => {
    try {
      await db.send(new UpdateItemCommand(input));
      return "resolved" as const;
    } catch (err: unknown) {
      if (err instanceof ConditionalCheckFailedException) return "not-open" as const;
      throw err;
    }
  });
}

export async function stopExecution(
  client: SFNClient,
  input: StopExecutionCommandInput,
  call: Call = direct,
): Promise<void> {
  await call("states:StopExecution", () => client.send(new StopExecutionCommand(input)));
}
