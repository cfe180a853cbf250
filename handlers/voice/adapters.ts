// I/O of the voice acknowledgement Lambda: the incident table and the Slack note, through the
// ack endpoint's own adapters (handlers/ack/adapters.ts: the same conditional acknowledgement,
// the same read), and the clients' time limits. Nothing here logs a phone number, the spoken
// message or a raw SDK message.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";

export { acknowledge, errorName, getIncident, publish } from "../ack/adapters";

export const SERVICE = "incident-escalation-voice";

export type LogRecord = {
  readonly level: "INFO" | "WARN" | "ERROR";
  readonly message: string;
} & Record<string, unknown>;
export type Logger = (record: LogRecord) => void;

export const logJson: Logger = (record) => {
  console.log(JSON.stringify({ service: SERVICE, ...record }));
};

/**
 * Amazon Connect waits at most 8 seconds for a Lambda function it invokes from a flow (Amazon
 * Connect developer guide, flow language action InvokeLambdaFunction,
 * https://docs.aws.amazon.com/connect/latest/devguide/interactions-invokelambdafunction.html:
 * `InvocationTimeLimitSeconds` "Must be greater than 0, no larger than 8"), and the flow then
 * takes its error branch (not acknowledged). The function's own timeout
 * (components/engine/escalationEngine.ts VOICE_FUNCTION_TIMEOUT_SECONDS) is below it; each client
 * request is cut well inside that, with one retry.
 */
export const CLIENT_LIMITS = {
  /** Milliseconds to open a connection (NodeHttpHandler connectionTimeout). */
  connectionTimeoutMs: 500,
  /** Milliseconds a request may take (NodeHttpHandler requestTimeout). */
  requestTimeoutMs: 1_500,
  /** Attempts per request, the first included (SDK maxAttempts). */
  maxAttempts: 2,
} as const;

const clientOptions = {
  maxAttempts: CLIENT_LIMITS.maxAttempts,
  requestHandler: {
    connectionTimeout: CLIENT_LIMITS.connectionTimeoutMs,
    requestTimeout: CLIENT_LIMITS.requestTimeoutMs,
  },
};

export function dynamoDbClient(): DynamoDBClient {
  return new DynamoDBClient(clientOptions);
}

export function snsClient(): SNSClient {
  return new SNSClient(clientOptions);
}
