// Delivery events of the step-functions backend: EventBridge rules (components/engine/
// deliveryEvents.ts) invoke it asynchronously with one event each: SES e-mail events, End User
// Messaging SMS delivery status events, Amazon Connect contact events. Thin: decode (core) →
// look the message id up in the index the engine wrote (adapters) → append `delivered` /
// `delivery-failed` to the incident's timeline (adapters) → a Slack note (core text, adapters).
// Events for message ids the stack never sent are ignored and counted (EMF
// DeliveryEventsIgnored). Malformed events and failed table writes throw: Lambda retries the
// asynchronous invocation, then sends it to the function's dead-letter queue, which is alarmed
// on (components/handlerFunction.ts). A failed Slack note is logged and not retried (a retry
// would append the entry twice).
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import { DELIVERY_EVENTS_IGNORED, countMetric } from "../shared/selfMetrics";
import {
  appendDelivery,
  errorName,
  logJson,
  lookupMessage,
  publishNote,
  writeMetric,
  type Logger,
} from "./adapters";
import {
  ConfigError,
  MalformedEventError,
  decodeEvent,
  deliveryNote,
  parseEnv,
  type DeliveryEventsConfig,
} from "./core";

export { ConfigError, MalformedEventError } from "./core";

export interface HandlerDeps {
  readonly config: DeliveryEventsConfig;
  readonly db: DynamoDBClient;
  readonly sns: SNSClient;
  readonly now: () => Date;
  readonly log: Logger;
  readonly metric: (line: Record<string, unknown>) => void;
}

/** What the function did with one event (returned, and logged). */
export type DeliveryEventResult =
  "recorded" | "progress" | "unknown-message" | "incident-missing" | "foreign";

/** Builds the handler around its dependencies. */
export function createHandler(
  deps: HandlerDeps,
): (event: unknown) => Promise<{ result: DeliveryEventResult }> {
  const { config, log } = deps;
  return async (event: unknown) => {
    let decoded;
    try {
      decoded = decodeEvent(event);
    } catch (err: unknown) {
      if (err instanceof MalformedEventError) {
        log({ level: "ERROR", message: "deliveryEvents.malformed", reason: err.message });
      }
      throw err;
    }
    if (decoded === undefined) {
      log({ level: "WARN", message: "deliveryEvents.foreign" });
      return { result: "foreign" };
    }
    const context = {
      channel: decoded.channel,
      messageId: decoded.messageId,
      providerEvent: decoded.providerEvent,
    };
    const { outcome } = decoded;
    if (outcome === undefined) {
      log({ level: "INFO", message: "deliveryEvents.progress", ...context });
      return { result: "progress" };
    }
    const ref = await lookupMessage(deps.db, config.tableName, decoded.messageId);
    if (ref === undefined || ref.channel !== decoded.channel) {
      log({ level: "INFO", message: "deliveryEvents.unknown_message", ...context });
      deps.metric(
        countMetric(DELIVERY_EVENTS_IGNORED, config.functionName, deps.now(), {
          channel: decoded.channel,
        }),
      );
      return { result: "unknown-message" };
    }
    const incident = await appendDelivery(deps.db, config.tableName, ref.incidentId, {
      at: decoded.at,
      contact: ref.contact,
      channel: ref.channel,
      ok: outcome.ok,
      detail: outcome.detail,
    });
    const recorded = {
      ...context,
      incidentId: ref.incidentId,
      contact: ref.contact,
      kind: outcome.ok ? "delivered" : "delivery-failed",
      detail: outcome.detail,
    };
    if (incident === undefined) {
      log({ level: "WARN", message: "deliveryEvents.incident_missing", ...recorded });
      return { result: "incident-missing" };
    }
    log({ level: outcome.ok ? "INFO" : "WARN", message: "deliveryEvents.recorded", ...recorded });
    const note = deliveryNote(config.language, incident, ref, outcome);
    if (note !== undefined) {
      try {
        await publishNote(deps.sns, config.alertsTopicArn, note);
      } catch (err: unknown) {
        log({
          level: "WARN",
          message: "deliveryEvents.note_failed",
          ...recorded,
          error: errorName(err),
        });
      }
    }
    return { result: "recorded" };
  };
}

/** Parses the environment; on failure logs one line and rethrows, failing the cold start. */
export function loadConfig(env: NodeJS.ProcessEnv, log: Logger = logJson): DeliveryEventsConfig {
  try {
    return parseEnv(env);
  } catch (err: unknown) {
    log({
      level: "ERROR",
      message: "deliveryEvents.init_failed",
      error: err instanceof ConfigError ? err.message : errorName(err),
    });
    throw err;
  }
}

const isLambda =
  process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined && process.env.LAMBDA_TASK_ROOT !== undefined;

/** The deployed entry point (undefined when the module is loaded outside Lambda, e.g. by specs). */
export const handler = isLambda
  ? createHandler({
      config: loadConfig(process.env),
      db: new DynamoDBClient({}),
      sns: new SNSClient({}),
      now: () => new Date(),
      log: logJson,
      metric: writeMetric,
    })
  : undefined;
