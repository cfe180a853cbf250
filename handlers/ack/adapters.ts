// I/O of the acknowledgement endpoint: Secrets Manager (the HMAC key), DynamoDB (the incident
// table), SNS (the Slack note) and logging. Clients are parameters, so specs pass
// aws-sdk-client-mock clients or real clients pointed at dynalite. Nothing here logs a token, a
// key, a contact or a raw error message (an SDK message can quote the request).
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { ackKeyBytes } from "../shared/ackToken";
import {
  acknowledgementRoute,
  acknowledgeRequest,
  getIncidentRequest,
  noteAcknowledgementRequest,
  parseIncident,
  type Incident,
} from "../shared/incidentStore";
import { jsonLogger, type Logger } from "../shared/log";
import { AckError, type AcknowledgeOutcome } from "./core";

export type { AcknowledgeOutcome } from "./core";

export const SERVICE = "incident-escalation-ack";

/** One structured log record; values must be free of tokens, keys and personal data. */
export type { LogRecord, Logger } from "../shared/log";

/** Writes one JSON line (Lambda keeps it as the message of its own JSON log record). */
export const logJson: Logger = jsonLogger(SERVICE);

/** Writes one EMF line (handlers/shared/selfMetrics.ts). */
export type MetricWriter = (line: Record<string, unknown>) => void;

/**
 * Writes one EMF line to stdout, not through console.log: under Lambda's JSON log format the
 * runtime would wrap it and no metric would be extracted (handlers/shared/selfMetrics.ts).
 */
export const writeMetric: MetricWriter = (line) => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

const SAFE_NAME = /^[A-Za-z][A-Za-z0-9_.]{0,99}$/;

/** The error's class/name if it is a plain identifier, for logs; never its message. */
export function errorName(err: unknown): string {
  if (err instanceof Error && SAFE_NAME.test(err.name)) return err.name;
  return "unknown error";
}

/**
 * The HMAC key: the secret's SecretString (GetSecretValue returns it for a string secret; API
 * reference https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html,
 * `SecretString`). Throws AckError; the caller caches only success.
 */
export async function readAckKey(client: SecretsManagerClient, arn: string): Promise<Buffer> {
  let secretString: string | undefined;
  try {
    const out = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    secretString = out.SecretString;
  } catch (err: unknown) {
    throw new AckError(
      "SECRET_UNAVAILABLE",
      `ACK_KEY_SECRET_ARN: could not read the secret (${errorName(err)})`,
      { cause: err },
    );
  }
  if (typeof secretString !== "string") {
    throw new AckError("SECRET_UNAVAILABLE", "ACK_KEY_SECRET_ARN: secret has no SecretString");
  }
  try {
    return ackKeyBytes(secretString);
  } catch {
    throw new AckError("SECRET_UNAVAILABLE", "ACK_KEY_SECRET_ARN: the key is too short");
  }
}

/** The incident (strongly consistent read), undefined when there is none. */
export async function getIncident(
  client: DynamoDBClient,
  table: string,
  id: string,
): Promise<Incident | undefined> {
  const out = await client.send(new GetItemCommand(getIncidentRequest(table, id)));
  return out.Item === undefined ? undefined : parseIncident(out.Item);
}

/**
 * The conditional acknowledgement (handlers/shared/incidentStore.ts): an essential contact of an
 * open incident acknowledges it (the escalation stops); a contact paged only by a stage that is not
 * essential is noted on the timeline once (it goes on); otherwise nothing is written. On
 * ConditionalCheckFailedException nothing was written; the item as it was comes with the exception
 * (ReturnValuesOnConditionCheckFailure ALL_OLD, API reference UpdateItem) or, where an
 * implementation does not return it, from a consistent read, and acknowledgementRoute picks the
 * next write. A contact that became essential between two writes is tried again, at most
 * MAX_ACK_WRITES writes in all. `by: "operator"` (npm run ack without --contact) acknowledges
 * whoever the engine paged.
 */
export async function acknowledge(
  client: DynamoDBClient,
  table: string,
  ack: {
    readonly id: string;
    readonly at: Date;
    readonly contact: string;
    readonly channel: string;
    readonly by?: "contact" | "operator";
  },
): Promise<AcknowledgeOutcome> {
  const what = { at: ack.at, contact: ack.contact, channel: ack.channel };
  let essential = true;
  for (let attempt = 1; ; attempt += 1) {
    const request = essential
      ? acknowledgeRequest(table, ack.id, { ...what, by: ack.by ?? "contact" })
      : noteAcknowledgementRequest(table, ack.id, what);
    let old: Incident | undefined;
    try {
      const out = await client.send(new UpdateItemCommand(request));
      if (out.Attributes === undefined) {
        throw new AckError("INTERNAL", "UpdateItem returned no attributes (ReturnValues ALL_NEW)");
      }
      return { written: true, essential, incident: parseIncident(out.Attributes) };
    } catch (err: unknown) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      old =
        err.Item !== undefined ? parseIncident(err.Item) : await getIncident(client, table, ack.id);
    }
    const route = acknowledgementRoute(old, ack.contact);
    if (route === "acknowledge" || route === "note") {
      if (attempt >= MAX_ACK_WRITES) {
        throw new AckError(
          "INTERNAL",
          `the acknowledgement did not settle in ${MAX_ACK_WRITES} writes`,
        );
      }
      essential = route === "acknowledge";
      continue;
    }
    return { written: false, old };
  }
}

/** Writes one acknowledgement may take: essential, noted, essential again (it became essential). */
export const MAX_ACK_WRITES = 3;

export async function publish(client: SNSClient, topicArn: string, message: string): Promise<void> {
  await client.send(new PublishCommand({ TopicArn: topicArn, Message: message }));
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
