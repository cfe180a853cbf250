/**
 * The drill's SDK calls, shared by the drill Lambda and `npm run drill`. Clients are passed in;
 * every call goes through `call(action, fn)`, which the CLI uses to name the IAM action in its
 * error messages (tools/awsErrors.ts awsCall) and the Lambda leaves as is (`direct`). Errors
 * propagate unchanged after the SDK's own retries; the only one turned into a value is an
 * incident that does not exist.
 */
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import {
  ListEngagementsCommand,
  ListPageReceiptsCommand,
  ListPagesByEngagementCommand,
  StopEngagementCommand,
  type Engagement,
  type Page,
  type Receipt,
  type SSMContactsClient,
  type StopEngagementCommandInput,
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
import type { ListedEngagement } from "./core";

/** Wraps one SDK call, named by its IAM action (`ssm-contacts:ListEngagements`). */
export type Call = <T>(action: string, fn: () => Promise<T>) => Promise<T>;

/** No wrapping. */
export const direct: Call = (_action, fn) => fn();

/** Starts the incident and returns its incident record ARN. */
export async function startIncident(
  client: SSMIncidentsClient,
  input: StartIncidentCommandInput,
  call: Call = direct,
): Promise<string> {
  const output = await call("ssm-incidents:StartIncident", () =>
    client.send(new StartIncidentCommand(input)),
  );
  if (output.incidentRecordArn === undefined) {
    throw new Error("StartIncident answered without incidentRecordArn");
  }
  return output.incidentRecordArn;
}

/** The incident's record, or undefined when it does not exist (ResourceNotFoundException). */
export async function findIncident(
  client: SSMIncidentsClient,
  arn: string,
  call: Call = direct,
): Promise<IncidentRecord | undefined> {
  try {
    const output = await call("ssm-incidents:GetIncidentRecord", () =>
      client.send(new GetIncidentRecordCommand({ arn })),
    );
    return output.incidentRecord;
  } catch (err: unknown) {
    if (isNamed(err, "ResourceNotFoundException")) return undefined;
    throw err;
  }
}

export async function createTimelineEvent(
  client: SSMIncidentsClient,
  input: CreateTimelineEventCommandInput,
  call: Call = direct,
): Promise<void> {
  await call("ssm-incidents:CreateTimelineEvent", () =>
    client.send(new CreateTimelineEventCommand(input)),
  );
}

export async function updateIncident(
  client: SSMIncidentsClient,
  input: UpdateIncidentRecordCommandInput,
  call: Call = direct,
): Promise<void> {
  await call("ssm-incidents:UpdateIncidentRecord", () =>
    client.send(new UpdateIncidentRecordCommand(input)),
  );
}

export async function stopEngagement(
  client: SSMContactsClient,
  input: StopEngagementCommandInput,
  call: Call = direct,
): Promise<void> {
  await call("ssm-contacts:StopEngagement", () => client.send(new StopEngagementCommand(input)));
}

export async function publish(
  client: SNSClient,
  topicArn: string,
  message: string,
  call: Call = direct,
): Promise<void> {
  await call("sns:Publish", () =>
    client.send(new PublishCommand({ TopicArn: topicArn, Message: message })),
  );
}

/** Every engagement of the incident, every page of each, every receipt of each page. */
export async function listDrillPages(
  client: SSMContactsClient,
  incidentArn: string,
  call: Call = direct,
): Promise<ListedEngagement[]> {
  const engagements = await all<Engagement>(async (next) => {
    const out = await call("ssm-contacts:ListEngagements", () =>
      client.send(new ListEngagementsCommand({ IncidentId: incidentArn, ...next })),
    );
    return [out.Engagements ?? [], out.NextToken];
  });
  const listed: ListedEngagement[] = [];
  for (const engagement of engagements) {
    if (engagement.EngagementArn === undefined) continue;
    const pages = await all<Page>(async (next) => {
      const out = await call("ssm-contacts:ListPagesByEngagement", () =>
        client.send(
          new ListPagesByEngagementCommand({ EngagementId: engagement.EngagementArn, ...next }),
        ),
      );
      return [out.Pages ?? [], out.NextToken];
    });
    const withReceipts: { page: Page; receipts: Receipt[] }[] = [];
    for (const page of pages) {
      if (page.PageArn === undefined) continue;
      const receipts = await all<Receipt>(async (next) => {
        const out = await call("ssm-contacts:ListPageReceipts", () =>
          client.send(new ListPageReceiptsCommand({ PageId: page.PageArn, ...next })),
        );
        return [out.Receipts ?? [], out.NextToken];
      });
      withReceipts.push({ page, receipts });
    }
    listed.push({ engagement, pages: withReceipts });
  }
  return listed;
}

/** Requests one listing may take: a service that keeps answering NextToken cannot hang a drill. */
export const MAX_LIST_REQUESTS = 100;

/**
 * Follows NextToken until the last page; `next` is `{}` for the first request, so no request
 * carries an undefined member. At most MAX_LIST_REQUESTS requests.
 */
export async function all<T>(
  list: (next: { NextToken?: string }) => Promise<[readonly T[], string | undefined]>,
): Promise<T[]> {
  const items: T[] = [];
  let next: { NextToken?: string } = {};
  for (let request = 0; request < MAX_LIST_REQUESTS; request++) {
    const [batch, nextToken] = await list(next);
    items.push(...batch);
    if (nextToken === undefined || nextToken === "") return items;
    next = { NextToken: nextToken };
  }
  throw new Error(`a listing returned more than ${MAX_LIST_REQUESTS} pages of results`);
}

function isNamed(err: unknown, name: string): boolean {
  return err instanceof Error && err.name === name;
}
