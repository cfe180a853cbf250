// Notifier Lambda: EventBridge invokes it asynchronously with
// {"level":"<level>","event":<CloudWatch "Alarm State Change" event>} for ALARM and OK transitions;
// it POSTs a signed JSON payload to every webhook subscribed to the level (docs/webhooks.md).
// Thin: parse (core) → route (core) → read the secret (cached for SECRET_TTL_SECONDS), post
// (adapters) → throw one error if any webhook failed, so Lambda retries and finally dead-letters.
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import {
  buildPayload,
  deliveryError,
  deliveryId,
  encodeBody,
  NotifyError,
  type NotifierConfig,
  foreignEvent,
  parseEnv,
  parseInput,
  parseWebhookSecret,
  secretExpired,
  selectWebhooks,
  type WebhookTarget,
} from "./core";
import {
  deliverWebhook,
  type DeliveryDeps,
  errorName,
  type FetchFn,
  type Logger,
  logJson,
  nowSeconds,
  readWebhookSecret,
  sleep,
} from "./adapters";
import { guardedFetch } from "./transport";

export { NotifyError } from "./core";

export interface HandlerDeps extends DeliveryDeps {
  readonly config: NotifierConfig;
  readonly secrets: SecretsManagerClient;
}

export interface NotifyResult {
  readonly level: string;
  readonly eventId: string;
  /** Names of the webhooks that answered 2xx (empty when none is subscribed to the level). */
  readonly delivered: readonly string[];
  /** Set when the event is another account's or region's: nothing was sent (not retried). */
  readonly rejected?: string;
}

/**
 * Builds the handler around its dependencies. The webhook secret is read on the first invocation
 * that needs it and used for SECRET_TTL_SECONDS (by `deps.nowSeconds`); the first invocation
 * after that reads it again, so a rotated key or a changed URL is picked up without a deploy. A
 * failed read or an invalid secret is never cached: that invocation fails (Lambda retries it) as
 * on a cold start, and the next one reads again. A receiver's answer never triggers a read.
 */
export function createHandler(deps: HandlerDeps): (event: unknown) => Promise<NotifyResult> {
  const { config, log } = deps;
  let cached: { readonly targets: Map<string, WebhookTarget>; readonly readAt: number } | undefined;

  async function loadTargets(): Promise<Map<string, WebhookTarget>> {
    const now = deps.nowSeconds();
    if (cached === undefined || secretExpired(cached.readAt, now)) {
      cached = undefined;
      const secretString = await readWebhookSecret(deps.secrets, config.secretArn);
      cached = { targets: parseWebhookSecret(secretString, config), readAt: now };
    }
    return cached.targets;
  }

  return async (event: unknown): Promise<NotifyResult> => {
    let context: Record<string, unknown> = {};
    try {
      const input = parseInput(event);
      context = {
        alertLevel: input.level,
        eventId: input.eventId,
        alarmName: input.alarmName,
        state: input.state,
      };
      const rejected = foreignEvent(input, config);
      if (rejected !== undefined) {
        log({ level: "WARN", message: "notifier.rejected", ...context, reason: rejected });
        return { level: input.level, eventId: input.eventId, delivered: [], rejected };
      }
      const routes = selectWebhooks(input.level, config);
      if (routes.length === 0) {
        log({ level: "INFO", message: "notifier.no_webhooks", ...context });
        return { level: input.level, eventId: input.eventId, delivered: [] };
      }
      const all = await loadTargets();
      const body = encodeBody(buildPayload(input));
      const results = await Promise.all(
        routes.map((route) => {
          const target = all.get(route.name);
          if (target === undefined) {
            // parseWebhookSecret guarantees an entry per configured webhook.
            throw new NotifyError("INTERNAL", `no target for webhook "${route.name}"`);
          }
          return deliverWebhook(deps, target, body, deliveryId(input.eventId, route.name), config);
        }),
      );
      const delivered = results.filter((r) => r.ok).map((r) => r.name);
      const failures = results.flatMap((r) => (r.ok ? [] : [{ name: r.name, failure: r.failure }]));
      if (failures.length > 0) {
        context = { ...context, delivered, failed: failures.map((f) => f.name) };
        throw deliveryError(failures, results.length, config.attempts);
      }
      log({ level: "INFO", message: "notifier.done", ...context, delivered });
      return { level: input.level, eventId: input.eventId, delivered };
    } catch (err: unknown) {
      const error =
        err instanceof NotifyError
          ? err
          : new NotifyError("INTERNAL", `unexpected ${errorName(err)}`, { cause: err });
      log({
        level: "ERROR",
        message: "notifier.failed",
        ...context,
        code: error.code,
        error: error.message,
      });
      throw error;
    }
  };
}

/** Parses the environment; on failure logs one line and rethrows, failing the cold start. */
export function loadConfig(env: NodeJS.ProcessEnv, log: Logger = logJson): NotifierConfig {
  try {
    return parseEnv(env);
  } catch (err: unknown) {
    const error =
      err instanceof NotifyError
        ? err
        : new NotifyError("INTERNAL", `unexpected ${errorName(err)}`, { cause: err });
    log({
      level: "ERROR",
      message: "notifier.init_failed",
      code: error.code,
      error: error.message,
    });
    throw error;
  }
}

const config = loadConfig(process.env);
const secrets = new SecretsManagerClient({});
const fetchFn: FetchFn = guardedFetch;

export const handler = createHandler({ config, secrets, fetchFn, sleep, nowSeconds, log: logJson });
