/**
 * The step-functions backend's requests, as pure builders: what "page level L for alarm A" and
 * the dedupe decisions (dedupe/decide.ts, written in Incident Manager's terms) become when the
 * escalation engine (components/engine/stateMachine.ts) pages instead of Incident Manager.
 *
 * - Open: StartExecution of the engine's state machine, named `executionName(alarm, state-change
 *   time)` (handlers/shared/executionName.ts), input the engine's EngineInput. The name is the
 *   incident id: the engine opens the incident under `$$.Execution.Name` (handlers/engine/core.ts),
 *   and the dedupe table maps the alarm to it where Incident Manager's mapping holds an ARN.
 * - Look up: GetItem on the incident table: open or acknowledged → OPEN, resolved → RESOLVED, no
 *   item → NOT_FOUND (the engine had not opened it, or TTL removed it).
 * - Note (fired again, recovered): a timeline entry on the incident (incidentStore recordNote,
 *   conditional on the incident existing), once per timeline event: its clientToken joins the
 *   item's ROUTER_NOTES set in the same write, which is conditional on the token not being there
 *   yet, so a redelivered event (or an SDK retry of a write whose answer was lost) appends nothing.
 * - Resolve (resolveOnRecovery): the incident resolved in the table (conditional on open or
 *   acknowledged), then StopExecution of its execution, so nothing pending is sent.
 */
import type {
  AttributeValue,
  GetItemCommandInput,
  UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import type { StartExecutionCommandInput, StopExecutionCommandInput } from "@aws-sdk/client-sfn";
import type {
  CreateTimelineEventCommandInput,
  UpdateIncidentRecordCommandInput,
} from "@aws-sdk/client-ssm-incidents";
import type { EngineInput } from "../engine/protocol";
import { executionName } from "../shared/executionName";
import {
  getIncidentRequest,
  recordNoteRequest,
  resolveRequest,
  type IncidentStatus as StoredStatus,
} from "../shared/incidentStore";
import type { Alarm } from "./alarmEvent";
import type { IncidentStatus } from "./dedupe/item";
import type { StepFunctionsConfig } from "./env";

/** The engine's input for one ALARM; the incident id is the execution's name. */
export function engineInput(alarm: Alarm): EngineInput {
  const firedAt = alarm.time.toISOString();
  return {
    incidentId: executionName(alarm.alarmName, firedAt),
    level: alarm.level,
    alarmName: alarm.alarmName,
    firedAt,
  };
}

/**
 * StartExecution for one ALARM. Same alarm and state-change time → same name and same input, so
 * a retried event starts nothing new: "Executions with the same name and input are considered
 * idempotent" (Step Functions API reference, StartExecution and ExecutionAlreadyExists,
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html: an open
 * execution with the same name and input answers success; a closed one, ExecutionAlreadyExists;
 * the name is unique for 90 days, longer than SQS keeps a message: at most 14 days, SQS API
 * reference SetQueueAttributes MessageRetentionPeriod; Standard workflows only, as the engine's
 * state machine is: Express ones do not manage idempotency,
 * https://docs.aws.amazon.com/step-functions/latest/dg/express-at-least-once-execution.html).
 * This holds whatever the dedupe table says: a retry or duplicate delivery that finds no mapping (dropped
 * after the incident table answered NOT_FOUND while the engine had not opened the incident yet)
 * claims again and starts the same name, not a second execution.
 */
export function startExecutionInput(
  alarm: Alarm,
  stateMachineArn: string,
): StartExecutionCommandInput {
  const input = engineInput(alarm);
  return { stateMachineArn, name: input.incidentId, input: JSON.stringify(input) };
}

/**
 * `arn:aws:states:<region>:<account>:execution:<stateMachineName>:<executionName>` (Step
 * Functions API reference, DescribeExecution / StartExecution `executionArn`; the service
 * authorization reference's `execution` resource type).
 */
export function executionArn(stateMachineArn: string, name: string): string {
  const at = stateMachineArn.indexOf(":stateMachine:");
  if (at < 0) throw new Error(`not a state machine ARN: ${stateMachineArn}`);
  const machine = stateMachineArn.slice(at + ":stateMachine:".length);
  return `${stateMachineArn.slice(0, at)}:execution:${machine}:${name}`;
}

export function incidentStatusInput(config: StepFunctionsConfig, id: string): GetItemCommandInput {
  return getIncidentRequest(config.incidentTable, id);
}

/** The dedupe table's status of an incident from the incident table's. */
export function dedupeStatus(status: StoredStatus | undefined): IncidentStatus {
  if (status === undefined) return "NOT_FOUND";
  return status === "resolved" ? "RESOLVED" : "OPEN";
}

/**
 * The timeline note of a dedupe decision's Incident Manager timeline event: "recovered" for an
 * alarm-recovered event, "note" for alarm-fired-again, the detail a machine-made summary (never
 * the alarm name or reason: the incident already names its alarm).
 */
export function noteInput(
  config: StepFunctionsConfig,
  event: CreateTimelineEventCommandInput,
): UpdateItemCommandInput {
  const data = JSON.parse(event.eventData ?? "{}") as {
    type?: string;
    firedAgain?: number;
    since?: string;
    recoveredAt?: string;
  };
  const recovered = data.type === "alarm-recovered";
  const parts = [recovered ? "alarm recovered" : "alarm fired again"];
  if (data.firedAgain !== undefined && data.since !== undefined) {
    parts.push(`fired again ${data.firedAgain} times since ${data.since}`);
  }
  if (data.recoveredAt !== undefined) parts.push(`after recovering at ${data.recoveredAt}`);
  const note = recordNoteRequest(config.incidentTable, event.incidentRecordArn ?? "", {
    at: event.eventTime ?? new Date(NaN),
    kind: recovered ? "recovered" : "note",
    detail: parts.join("; "),
  });
  const token = noteToken(event);
  return {
    ...note,
    UpdateExpression: `${note.UpdateExpression} ADD ${ROUTER_NOTES} :notes`,
    ConditionExpression: `${note.ConditionExpression} AND NOT contains(${ROUTER_NOTES}, :note)`,
    ExpressionAttributeValues: {
      ...note.ExpressionAttributeValues,
      ":note": { S: token },
      ":notes": { SS: [token] },
    },
    // The item as it was comes with ConditionalCheckFailedException (API reference UpdateItem),
    // so noteOutcome tells "noted before" from "missing" without a second read.
    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  };
}

/**
 * The incident item's String Set of the clientTokens of the timeline events the router noted.
 * `contains` on a missing attribute is false, ADD of a set creates or extends it (DynamoDB
 * developer guide, "Condition and filter expressions, operators, and functions" and "Update
 * expressions", ADD).
 */
export const ROUTER_NOTES = "routerNotes";

/** The marker of a note: the timeline event's clientToken (dedupe/writes.ts timelineEvent). */
export function noteToken(event: CreateTimelineEventCommandInput): string {
  if (event.clientToken === undefined || event.clientToken === "") {
    throw new Error("timeline event without clientToken: its note could be appended twice");
  }
  return event.clientToken;
}

/**
 * Why noteInput's condition failed, from the incident item as it was: no item → "missing" (the
 * message fails; its retry finds the incident NOT_FOUND); the token already in ROUTER_NOTES →
 * "noted" (an earlier delivery or attempt wrote it: done). Anything else cannot fail the condition
 * and throws, so the message is retried.
 */
export function noteOutcome(
  item: Record<string, AttributeValue> | undefined,
  event: CreateTimelineEventCommandInput,
): "noted" | "missing" {
  if (item === undefined) return "missing";
  if (item[ROUTER_NOTES]?.SS?.includes(noteToken(event)) === true) return "noted";
  throw new Error("incident table: the note's condition failed on an incident without its token");
}

/** Resolves the incident in the table (only if open or acknowledged), as a recovery. */
export function resolveInput(
  config: StepFunctionsConfig,
  resolve: UpdateIncidentRecordCommandInput,
  at: Date,
): UpdateItemCommandInput {
  return resolveRequest(config.incidentTable, resolve.arn ?? "", { at, detail: "recovery" });
}

/** Stops the incident's execution: resolved, nothing pending is to be sent. */
export function stopExecutionInput(
  config: StepFunctionsConfig,
  incidentId: string,
): StopExecutionCommandInput {
  return {
    executionArn: executionArn(config.stateMachineArn, incidentId),
    error: "IncidentResolved",
    cause: "the alarm recovered and its level resolves on recovery",
  };
}
