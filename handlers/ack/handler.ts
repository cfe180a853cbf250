// Acknowledgement endpoint of the step-functions backend, served by a Lambda function URL
// (components/engine/ackEndpoint.ts). Thin: parse the request (core) → read the key (cached for
// KEY_TTL_SECONDS) and verify the token → read or conditionally acknowledge the incident
// (adapters) → render the page (core). On acknowledgement the table says so (the engine reads the
// status before every send and sends nothing more) and Slack hears it through the alerts topic.
// Every failure is a page with an HTTP status, never a stack trace; logs name the outcome, the
// incident and the channel, never the token, the key or the contact.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { verifyAckToken } from "../shared/ackToken";
import {
  acknowledge,
  errorName,
  getIncident,
  logJson,
  nowSeconds,
  publish,
  readAckKey,
  writeMetric,
  type Logger,
  type MetricWriter,
} from "./adapters";
import {
  AckError,
  acknowledgedNotification,
  acknowledgePage,
  decide,
  pageFacts,
  pageLanguage,
  parseEnv,
  parseRequest,
  renderPage,
  showPage,
  type AckConfig,
  type HttpResponse,
  type PageKind,
} from "./core";

import { ACK_FAILURES, ACK_NOTES_LOST, countMetric } from "../shared/selfMetrics";

export { AckError } from "./core";

/** Seconds a key read from Secrets Manager is used before it is read again. */
export const KEY_TTL_SECONDS = 300;

export interface HandlerDeps {
  readonly config: AckConfig;
  readonly secrets: SecretsManagerClient;
  readonly dynamodb: DynamoDBClient;
  readonly sns: SNSClient;
  /** Epoch seconds. */
  readonly nowSeconds: () => number;
  readonly log: Logger;
  /** Writes the EMF lines AckFailures and AckNotesLost (handlers/shared/selfMetrics.ts). */
  readonly metric: MetricWriter;
}

/** The part of the Lambda context the handler reads (Lambda passes it as the second argument). */
export interface AckContext {
  readonly functionName?: string;
}

export function createHandler(
  deps: HandlerDeps,
): (event: unknown, lambdaContext?: AckContext) => Promise<HttpResponse> {
  const { config, log } = deps;
  let cached: { readonly key: Buffer; readonly readAt: number } | undefined;

  async function key(now: number): Promise<Buffer> {
    if (cached === undefined || now - cached.readAt >= KEY_TTL_SECONDS) {
      cached = undefined;
      cached = { key: await readAckKey(deps.secrets, config.keySecretArn), readAt: now };
    }
    return cached.key;
  }

  return async (event: unknown, lambdaContext?: AckContext): Promise<HttpResponse> => {
    let context: Record<string, unknown> = {};
    // Each alarmed failure is one EMF line (components/engine/ackEndpoint.ts alarms on them).
    const count = (metric: typeof ACK_FAILURES | typeof ACK_NOTES_LOST, labels = {}) =>
      deps.metric(
        countMetric(
          metric,
          lambdaContext?.functionName ?? "unknown",
          new Date(deps.nowSeconds() * 1000),
          labels,
        ),
      );
    let lang = config.language;
    const done = (page: PageKind, response: HttpResponse, level: "INFO" | "WARN" = "INFO") => {
      log({ level, message: "ack.page", ...context, page, status: response.statusCode });
      return response;
    };
    try {
      const request = parseRequest(event);
      context = { method: request.method, incidentId: request.pathIncident };
      const now = deps.nowSeconds();
      const verification =
        request.token === undefined || request.pathIncident === undefined
          ? undefined
          : verifyAckToken(request.token, await key(now), now);
      const step = decide(request, verification);
      if (step.kind === "page") {
        lang = pageLanguage(config, step.claims);
        if (step.claims) context = { ...context, channel: step.claims.channel };
        return done(step.page, renderPage(step.page, lang, {}), "WARN");
      }
      const { claims } = step;
      lang = pageLanguage(config, claims);
      context = { ...context, channel: claims.channel };
      if (step.kind === "show") {
        const incident = await getIncident(deps.dynamodb, config.tableName, claims.incidentId);
        const page = showPage(incident, claims.contactAlias);
        const form = { incidentId: claims.incidentId, token: request.token ?? "" };
        return done(page, renderPage(page, lang, pageFacts(incident), form));
      }
      const at = new Date(now * 1000);
      const outcome = await acknowledge(deps.dynamodb, config.tableName, {
        id: claims.incidentId,
        at,
        contact: claims.contactAlias,
        channel: claims.channel,
      });
      const page = acknowledgePage(outcome);
      if (!outcome.written) {
        return done(page, renderPage(page, lang, pageFacts(outcome.old)));
      }
      const atIso = at.toISOString();
      try {
        await publish(
          deps.sns,
          config.alertsTopicArn,
          acknowledgedNotification(
            config.language,
            outcome.incident,
            { contact: claims.contactAlias, channel: claims.channel, essential: outcome.essential },
            atIso,
          ),
        );
      } catch (err: unknown) {
        // The acknowledgement is recorded and the escalation stops either way; only Slack's note
        // is missing. Logged as an error (the log's metric filter / Insights find it).
        log({ level: "ERROR", message: "ack.slack_failed", ...context, error: errorName(err) });
        count(ACK_NOTES_LOST, { incidentId: claims.incidentId });
      }
      return done(page, renderPage(page, lang, pageFacts(outcome.incident, atIso)));
    } catch (err: unknown) {
      const error =
        err instanceof AckError ? err : new AckError("INTERNAL", `unexpected ${errorName(err)}`);
      log({
        level: "ERROR",
        message: "ack.failed",
        ...context,
        code: error.code,
        error: error.message,
      });
      // A request that is not a function URL request (a direct invocation) is not the
      // endpoint's failure; every other code is: the responder could not acknowledge.
      if (error.code !== "INVALID_REQUEST") count(ACK_FAILURES, { code: error.code });
      return renderPage(error.code === "INVALID_REQUEST" ? "malformed" : "error", lang);
    }
  };
}

/** Parses the environment; on failure logs one line and rethrows, failing the cold start. */
export function loadConfig(env: NodeJS.ProcessEnv, log: Logger = logJson): AckConfig {
  try {
    return parseEnv(env);
  } catch (err: unknown) {
    const error =
      err instanceof AckError ? err : new AckError("INTERNAL", `unexpected ${errorName(err)}`);
    log({ level: "ERROR", message: "ack.init_failed", code: error.code, error: error.message });
    throw error;
  }
}

const config = loadConfig(process.env);

export const handler = createHandler({
  config,
  secrets: new SecretsManagerClient({}),
  dynamodb: new DynamoDBClient({}),
  sns: new SNSClient({}),
  nowSeconds,
  log: logJson,
  metric: writeMetric,
});
