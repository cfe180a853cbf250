// Voice acknowledgement Lambda: the Amazon Connect contact flow of the step-functions backend
// invokes it (InvokeLambdaFunction) after the callee pressed 1 and 1 again. Thin: parse the flow
// event (core) → read the incident (adapters) → decide (core) → acknowledge as the e-mail link
// does (handlers/ack/adapters.ts acknowledge, channel "voice") → Slack → answer
// `{ result: "acknowledged" | "not-acknowledged" }`. An internal failure is logged, counted
// (AckFailures, alarmed on by the component) and rethrown: the flow takes its error branch, which
// says "not acknowledged", and the escalation goes on.
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SNSClient } from "@aws-sdk/client-sns";
import { acknowledgedNotification } from "../ack/core";
import { ACK_FAILURES, ACK_NOTES_LOST, countMetric } from "../shared/selfMetrics";
import {
  acknowledge,
  dynamoDbClient,
  errorName,
  getIncident,
  logJson,
  publish,
  snsClient,
  type Logger,
} from "./adapters";
import {
  VoiceError,
  decide,
  flowResult,
  parseEnv,
  parseFlowEvent,
  type FlowResult,
  type VoiceConfig,
} from "./core";

export interface HandlerDeps {
  readonly config: VoiceConfig;
  readonly dynamodb: DynamoDBClient;
  readonly sns: SNSClient;
  readonly now: () => Date;
  readonly log: Logger;
  readonly metric: (line: Record<string, unknown>) => void;
}

export interface VoiceContext {
  readonly functionName?: string;
}

export function createHandler(
  deps: HandlerDeps,
): (event: unknown, context?: VoiceContext) => Promise<{ result: FlowResult }> {
  const { config, log } = deps;
  return async (event, lambdaContext) => {
    const count = (metric: typeof ACK_FAILURES | typeof ACK_NOTES_LOST, labels = {}) =>
      deps.metric(
        countMetric(metric, lambdaContext?.functionName ?? "unknown", deps.now(), labels),
      );
    const call = parseFlowEvent(event);
    if ("invalid" in call) {
      log({
        level: "WARN",
        message: "voice.refused",
        reason: "invalid-event",
        detail: call.invalid,
      });
      return { result: "not-acknowledged" };
    }
    const context = { incidentId: call.incidentId, contactId: call.contactId, channel: "voice" };
    try {
      const incident = await getIncident(deps.dynamodb, config.tableName, call.incidentId);
      const decision = decide(config, call, incident);
      if (decision !== "acknowledge") {
        log({ level: "WARN", message: "voice.refused", ...context, reason: decision });
        return { result: "not-acknowledged" };
      }
      const at = deps.now();
      const outcome = await acknowledge(deps.dynamodb, config.tableName, {
        id: call.incidentId,
        at,
        contact: call.contact,
        channel: "voice",
      });
      const result = flowResult(
        outcome.written ? { written: true, essential: outcome.essential } : { written: false },
      );
      log({
        level: "INFO",
        message: "voice.ack",
        ...context,
        written: outcome.written,
        essential: outcome.written ? outcome.essential : undefined,
        result,
      });
      if (outcome.written) {
        try {
          await publish(
            deps.sns,
            config.alertsTopicArn,
            acknowledgedNotification(
              config.language,
              outcome.incident,
              { contact: call.contact, channel: "voice", essential: outcome.essential },
              at.toISOString(),
            ),
          );
        } catch (err: unknown) {
          // Recorded either way; only Slack's note is missing (counted, alarmed on).
          log({ level: "ERROR", message: "voice.slack_failed", ...context, error: errorName(err) });
          count(ACK_NOTES_LOST, { incidentId: call.incidentId });
        }
      }
      return { result };
    } catch (err: unknown) {
      log({ level: "ERROR", message: "voice.failed", ...context, error: errorName(err) });
      count(ACK_FAILURES, { code: "VOICE" });
      throw err instanceof VoiceError
        ? err
        : new VoiceError("INTERNAL", `unexpected ${errorName(err)}`, { cause: err });
    }
  };
}

/** Parses the environment; on failure logs one line and rethrows, failing the cold start. */
export function loadConfig(env: NodeJS.ProcessEnv, log: Logger = logJson): VoiceConfig {
  try {
    return parseEnv(env);
  } catch (err: unknown) {
    log({
      level: "ERROR",
      message: "voice.init_failed",
      error: err instanceof VoiceError ? err.message : errorName(err),
    });
    throw err;
  }
}

/** Writes one EMF line to stdout (handlers/shared/selfMetrics.ts explains why not console.log). */
function writeMetric(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const isLambda =
  process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined && process.env.LAMBDA_TASK_ROOT !== undefined;

/** The deployed entry point (undefined when loaded outside Lambda, e.g. by specs). */
export const handler = isLambda
  ? createHandler({
      config: loadConfig(process.env),
      dynamodb: dynamoDbClient(),
      sns: snsClient(),
      now: () => new Date(),
      log: logJson,
      metric: writeMetric,
    })
  : undefined;
