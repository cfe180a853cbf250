/**
 * Thin SDK calls. Clients are passed in (created once by handler.ts); errors propagate unchanged
 * after the SDK's own retries, so Lambda retries the invocation and finally dead-letters it.
 */
import {
  StartEngagementCommand,
  type SSMContactsClient,
  type StartEngagementCommandInput,
} from "@aws-sdk/client-ssm-contacts";
import {
  StartIncidentCommand,
  type SSMIncidentsClient,
  type StartIncidentCommandInput,
} from "@aws-sdk/client-ssm-incidents";

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
