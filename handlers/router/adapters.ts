/**
 * Thin SDK calls. Clients are passed in (created once by createHandler.ts createClients); errors propagate unchanged
 * after the SDK's own retries, so Lambda retries the invocation and finally dead-letters it. The
 * only errors turned into values are the expected ones: a lost conditional write, an incident that
 * no longer exists, a schedule that already exists.
 */
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DeleteItemCommandInput,
  type DynamoDBClient,
  type GetItemCommandInput,
  type PutItemCommandInput,
  type UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import {
  StartExecutionCommand,
  StopExecutionCommand,
  type SFNClient,
  type StartExecutionCommandInput,
  type StopExecutionCommandInput,
} from "@aws-sdk/client-sfn";
import {
  StartEngagementCommand,
  type SSMContactsClient,
  type StartEngagementCommandInput,
} from "@aws-sdk/client-ssm-contacts";
import {
  CreateTimelineEventCommand,
  GetIncidentRecordCommand,
  StartIncidentCommand,
  UpdateIncidentRecordCommand,
  type CreateTimelineEventCommandInput,
  type IncidentRecord,
  type SSMIncidentsClient,
  type StartIncidentCommandInput,
  type UpdateIncidentRecordCommandInput,
} from "@aws-sdk/client-ssm-incidents";
import { claimAfterStartFailure } from "./dedupe/decide";
import { parseMapping, type IncidentStatus, type Mapping } from "./dedupe/item";
import { parseIncident } from "../shared/incidentStore";
import { dedupeStatus, noteOutcome } from "./stepFunctions";

/** Starts an incident and returns its incident record ARN. */
export async function startIncident(
  client: SSMIncidentsClient,
  input: StartIncidentCommandInput,
): Promise<string> {
  const output = await client.send(new StartIncidentCommand(input));
  if (output.incidentRecordArn === undefined) {
    throw new Error("StartIncident answered without incidentRecordArn");
  }
  return output.incidentRecordArn;
}

/** Engages one contact and returns the engagement ARN. */
export async function startEngagement(
  client: SSMContactsClient,
  input: StartEngagementCommandInput,
): Promise<string> {
  const output = await client.send(new StartEngagementCommand(input));
  if (output.EngagementArn === undefined) {
    throw new Error("StartEngagement answered without EngagementArn");
  }
  return output.EngagementArn;
}

// ---------------------------------------------------------------------------------------------
// Step Functions and the incident table (step-functions backend)
// ---------------------------------------------------------------------------------------------

/**
 * Starts the engine's execution and returns its name (the incident id). ExecutionAlreadyExists is
 * success: the name derives from the alarm and its state-change time, so an execution of that name
 * is this state change's, running or closed ("Executions with the same name and input are
 * considered idempotent"; a closed one answers ExecutionAlreadyExists whatever the input: Step
 * Functions API reference, StartExecution `name` and Errors,
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
 */
export async function startExecution(
  client: SFNClient,
  input: StartExecutionCommandInput,
): Promise<string> {
  if (input.name === undefined) throw new Error("StartExecution without a name");
  try {
    await client.send(new StartExecutionCommand(input));
  } catch (err: unknown) {
    if (!isNamed(err, "ExecutionAlreadyExists")) throw err;
  }
  return input.name;
}

/**
 * Stops the incident's execution. ExecutionDoesNotExist (API reference, StopExecution Errors) is
 * done: there is nothing left to stop.
 */
export async function stopExecution(
  client: SFNClient,
  input: StopExecutionCommandInput,
): Promise<void> {
  try {
    await client.send(new StopExecutionCommand(input));
  } catch (err: unknown) {
    if (!isNamed(err, "ExecutionDoesNotExist")) throw err;
  }
}

/**
 * Appends a timeline note once (stepFunctions.ts noteInput): "noted" when written now or by an
 * earlier delivery of the same event, "missing" when there is no such incident. On
 * ConditionalCheckFailedException the item as it was comes with the exception
 * (ReturnValuesOnConditionCheckFailure ALL_OLD, API reference UpdateItem) or, where an
 * implementation does not return it (dynalite), from a consistent read.
 */
export async function recordNoteOnce(
  client: DynamoDBClient,
  input: UpdateItemCommandInput,
  event: CreateTimelineEventCommandInput,
): Promise<"noted" | "missing"> {
  try {
    await client.send(new UpdateItemCommand(input));
    return "noted";
  } catch (err: unknown) {
    if (!isNamed(err, "ConditionalCheckFailedException")) throw err;
    const old = (err as { Item?: Record<string, AttributeValue> }).Item;
    if (old !== undefined) return noteOutcome(old, event);
    const read = await client.send(
      new GetItemCommand({ TableName: input.TableName, Key: input.Key, ConsistentRead: true }),
    );
    return noteOutcome(read.Item, event);
  }
}

/** The incident table's status of an incident, in the dedupe table's terms. */
export async function storedIncidentStatus(
  client: DynamoDBClient,
  input: GetItemCommandInput,
): Promise<IncidentStatus> {
  const output = await client.send(new GetItemCommand(input));
  return dedupeStatus(output.Item === undefined ? undefined : parseIncident(output.Item).status);
}

// ---------------------------------------------------------------------------------------------
// ssm-incidents
// ---------------------------------------------------------------------------------------------

/**
 * The SDK retries a call and throws only its last attempt's error, which says nothing about the
 * attempts before it: a StartIncident attempt that timed out may have opened the incident before
 * a later attempt was throttled. This middleware runs inside the retry loop, once per attempt, and
 * marks the error finally thrown with `unclearAttempt: true` when any attempt failed in a way that
 * does not prove the request was refused (see claimAfterStartFailure in dedupe/decide.ts).
 */
export function markUnclearAttempts(client: SSMIncidentsClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (err: unknown) {
        // One context per call, shared by its attempts.
        const call = context as { unclearAttempt?: boolean };
        if (claimAfterStartFailure(err) === "keep") call.unclearAttempt = true;
        if (call.unclearAttempt === true && err instanceof Error) {
          Object.assign(err, { unclearAttempt: true });
        }
        throw err;
      }
    },
    // Above the deserializer (so errors arrive parsed), below the retry middleware.
    { step: "deserialize", priority: "high", name: "markUnclearAttempts" },
  );
}

/** The incident record; throws (ResourceNotFoundException included) when it cannot be read. */
export async function getIncident(
  client: SSMIncidentsClient,
  arn: string,
): Promise<IncidentRecord> {
  const output = await client.send(new GetIncidentRecordCommand({ arn }));
  if (output.incidentRecord === undefined) {
    throw new Error("GetIncidentRecord answered without incidentRecord");
  }
  return output.incidentRecord;
}

/**
 * The incident record; undefined when there is none (GetIncidentRecord's documented
 * ResourceNotFoundException, ssm-incidents API reference). Other errors propagate.
 */
export async function findIncident(
  client: SSMIncidentsClient,
  arn: string,
): Promise<IncidentRecord | undefined> {
  try {
    return await getIncident(client, arn);
  } catch (err: unknown) {
    if (isNamed(err, "ResourceNotFoundException")) return undefined;
    throw err;
  }
}

/** OPEN or RESOLVED; NOT_FOUND when the incident was deleted. */
export async function incidentStatus(
  client: SSMIncidentsClient,
  arn: string,
): Promise<IncidentStatus> {
  const record = await findIncident(client, arn);
  if (record === undefined) return "NOT_FOUND";
  const { status } = record;
  if (status !== "OPEN" && status !== "RESOLVED") {
    throw new Error(`GetIncidentRecord answered with status ${String(status)}`);
  }
  return status;
}

export async function createTimelineEvent(
  client: SSMIncidentsClient,
  input: CreateTimelineEventCommandInput,
): Promise<void> {
  await client.send(new CreateTimelineEventCommand(input));
}

export async function updateIncident(
  client: SSMIncidentsClient,
  input: UpdateIncidentRecordCommandInput,
): Promise<void> {
  await client.send(new UpdateIncidentRecordCommand(input));
}

// ---------------------------------------------------------------------------------------------
// DynamoDB (dedupe table)
// ---------------------------------------------------------------------------------------------

/** The item, validated (MalformedMappingError otherwise); null when there is none. */
export async function readMapping(
  client: DynamoDBClient,
  input: GetItemCommandInput,
): Promise<Mapping | null> {
  const output = await client.send(new GetItemCommand(input));
  return parseMapping(output.Item);
}

/** Conditional writes: true when written, false when the condition failed (someone moved first). */
export async function putIf(client: DynamoDBClient, input: PutItemCommandInput): Promise<boolean> {
  return conditional(client.send(new PutItemCommand(input)));
}

export async function updateIf(
  client: DynamoDBClient,
  input: UpdateItemCommandInput,
): Promise<boolean> {
  return conditional(client.send(new UpdateItemCommand(input)));
}

export async function deleteIf(
  client: DynamoDBClient,
  input: DeleteItemCommandInput,
): Promise<boolean> {
  return conditional(client.send(new DeleteItemCommand(input)));
}

async function conditional(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (err: unknown) {
    if (isNamed(err, "ConditionalCheckFailedException")) return false;
    throw err;
  }
}

export function isNamed(err: unknown, name: string): boolean {
  return err instanceof Error && err.name === name;
}
