// I/O of the notifier: Secrets Manager, HTTP POSTs with timeout and retries, and logging. Clients
// and fetch are parameters, so tests pass aws-sdk-client-mock clients and a real local server.
// Nothing here logs or throws a URL, a signing key or a raw error message (an undici error
// message or cause can quote the address; an SDK message can quote the request).
import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { jsonLogger, type Logger } from "../shared/log";
import {
  type AttemptFailure,
  backoffDelayMs,
  buildHeaders,
  describeFailure,
  NotifyError,
  type WebhookTarget,
} from "./core";
import type { WebhookRequest } from "./transport";

export const SERVICE = "incident-escalation-notifier";

/** One structured log record; values must be free of URLs, keys and alarm reasons. */
export type { LogRecord, Logger } from "../shared/log";

/** Writes one JSON line (Lambda keeps it as the message of its own JSON log record). */
export const logJson: Logger = jsonLogger(SERVICE);

/** The subset of `fetch` the notifier uses (deployed: transport.ts guardedFetch). */
export type FetchFn = (url: string, init: WebhookRequest) => Promise<Response>;

const SAFE_NAME = /^[A-Za-z][A-Za-z0-9_.]{0,99}$/;
const SAFE_CODE = /^[A-Z][A-Z0-9_]{1,49}$/;

/** The error's class/name if it is a plain identifier, for logs and messages; never its message. */
export function errorName(err: unknown): string {
  if (err instanceof Error && SAFE_NAME.test(err.name)) return err.name;
  return "unknown error";
}

/** The SecretString of the webhook secret. Throws NotifyError; the caller caches only success. */
export async function readWebhookSecret(
  client: SecretsManagerClient,
  arn: string,
): Promise<string> {
  let secretString: string | undefined;
  try {
    const out = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    secretString = out.SecretString;
  } catch (err: unknown) {
    throw new NotifyError(
      "SECRET_UNAVAILABLE",
      `WEBHOOK_SECRET_ARN: could not read the secret (${errorName(err)})`,
      { cause: err },
    );
  }
  if (typeof secretString !== "string") {
    throw new NotifyError(
      "INVALID_SECRET",
      "WEBHOOK_SECRET_ARN: secret has no SecretString (binary secrets are not supported)",
    );
  }
  return secretString;
}

function networkCode(err: unknown): string | undefined {
  // fetch rejects with TypeError("fetch failed") whose cause (an Error or AggregateError) has a code.
  const cause: unknown = err instanceof Error ? err.cause : undefined;
  for (const candidate of [cause, err]) {
    if (typeof candidate === "object" && candidate !== null && "code" in candidate) {
      const code: unknown = candidate.code;
      if (typeof code === "string" && SAFE_CODE.test(code)) return code;
    }
  }
  return undefined;
}

/** Outcome of one POST: success is a 2xx within the timeout; redirects are not followed. */
export type PostResult =
  | { readonly ok: true; readonly status: number }
  | { readonly ok: false; readonly failure: AttemptFailure };

/** One POST of `body` to `url`, aborted after `timeoutMs`. Never rejects. */
export async function postWebhook(
  fetchFn: FetchFn,
  url: string,
  body: Uint8Array,
  headers: Record<string, string>,
  timeoutMs: number,
  allowPrivateNetwork = false,
): Promise<PostResult> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const res = await fetchFn(url, {
      method: "POST",
      headers,
      body,
      redirect: "manual",
      signal: controller.signal,
      allowPrivateNetwork,
    });
    // Only the status counts; cancelling the unread body releases the connection.
    await res.body?.cancel().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    return { ok: false, failure: { kind: "http", status: res.status } };
  } catch (err: unknown) {
    if (controller.signal.aborted) return { ok: false, failure: { kind: "timeout", timeoutMs } };
    return { ok: false, failure: { kind: "network", code: networkCode(err) } };
  } finally {
    clearTimeout(timer);
  }
}

export interface DeliveryDeps {
  readonly fetchFn: FetchFn;
  readonly sleep: (ms: number) => Promise<void>;
  /** Unix seconds, read at each attempt: the signed timestamp is the send time. */
  readonly nowSeconds: () => number;
  readonly log: Logger;
}

export interface DeliveryOptions {
  readonly timeoutMs: number;
  readonly attempts: number;
  readonly backoffMs: number;
}

export type DeliveryResult =
  | { readonly name: string; readonly ok: true; readonly attempts: number; readonly status: number }
  | {
      readonly name: string;
      readonly ok: false;
      readonly attempts: number;
      readonly failure: AttemptFailure;
    };

/**
 * Delivers `body` to one webhook: up to `attempts` signed POSTs with exponential backoff in
 * between, each with a fresh timestamp and signature. Never rejects; the result says how it ended.
 */
export async function deliverWebhook(
  deps: DeliveryDeps,
  target: WebhookTarget,
  body: Uint8Array,
  id: string,
  options: DeliveryOptions,
): Promise<DeliveryResult> {
  let failure: AttemptFailure = { kind: "network" };
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    if (attempt > 1) await deps.sleep(backoffDelayMs(options.backoffMs, attempt - 1));
    const timestamp = deps.nowSeconds();
    const headers = buildHeaders(target, id, timestamp, body);
    const result = await postWebhook(
      deps.fetchFn,
      target.url,
      body,
      headers,
      options.timeoutMs,
      target.allowPrivateNetwork === true,
    );
    if (result.ok) {
      deps.log({
        level: "INFO",
        message: "webhook.delivered",
        webhook: target.name,
        deliveryId: id,
        attempt,
        status: result.status,
      });
      return { name: target.name, ok: true, attempts: attempt, status: result.status };
    }
    failure = result.failure;
    deps.log({
      level: "WARN",
      message: "webhook.attempt_failed",
      webhook: target.name,
      deliveryId: id,
      attempt,
      attempts: options.attempts,
      status: describeFailure(failure),
    });
  }
  return { name: target.name, ok: false, attempts: options.attempts, failure };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
