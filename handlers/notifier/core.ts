// Pure core of the notifier Lambda: configuration and input parsing, payload building, signing,
// routing and delivery ids. No I/O: everything here takes plain data and returns plain data, so
// it is tested table-driven without mocks. Error messages never contain webhook URLs, signing
// keys or alarm reasons (they end up in logs and in Lambda's error records).
import { createHash, createHmac } from "node:crypto";
import { stripUnsafe } from "../shared/untrustedText";

/** What went wrong, machine-readable; `message` says it in a sentence. */
export type NotifyErrorCode =
  | "INVALID_CONFIG"
  | "SECRET_UNAVAILABLE"
  | "INVALID_SECRET"
  | "INVALID_INPUT"
  | "DELIVERY_FAILED"
  | "INTERNAL";

/** The only error type the notifier throws. Messages carry no URLs, keys or alarm reasons. */
export class NotifyError extends Error {
  readonly code: NotifyErrorCode;

  constructor(code: NotifyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NotifyError";
    this.code = code;
  }
}

export const ALARM_STATES = ["ALARM", "OK", "INSUFFICIENT_DATA"] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

/** One webhook's routing, from the WEBHOOKS variable (not secret). */
export interface WebhookRoute {
  readonly name: string;
  readonly levels: readonly string[];
  /** Config notifications.webhooks[].allowPrivateNetwork: may reach private/local addresses. */
  readonly allowPrivateNetwork?: true;
}

/** Everything the notifier reads from its environment, validated once at cold start. */
export interface NotifierConfig {
  readonly webhooks: readonly WebhookRoute[];
  readonly secretArn: string;
  readonly timeoutMs: number;
  readonly attempts: number;
  readonly backoffMs: number;
  readonly allowInsecureLocalhost: boolean;
  /** The stack's account (ACCOUNT_ID): another account's alarm reaches no webhook. */
  readonly account: string;
  /** The function's region (AWS_REGION): another region's alarm reaches no webhook. */
  readonly region: string;
}

/** A webhook's secret half, from the Secrets Manager secret. */
export interface WebhookCredentials {
  readonly url: string;
  readonly signingKey: string;
  /** The key being rotated out: while it is set, every signature is also sent with it. */
  readonly previousSigningKey?: string;
}

/** A webhook ready to be called: routing joined with its secret half. */
export interface WebhookTarget extends WebhookCredentials {
  readonly name: string;
  /** From its route: the destination check (transport.ts) is skipped. */
  readonly allowPrivateNetwork?: true;
}

/** The notifier's input, as EventBridge's input transformer builds it. */
export interface NotifyInput {
  readonly level: string;
  readonly eventId: string;
  readonly alarmName: string;
  readonly state: AlarmState;
  readonly previousState: AlarmState;
  readonly reason: string;
  readonly time: string;
  readonly account: string;
  readonly region: string;
}

/** The JSON body every webhook receives. Key order is part of the contract (docs/webhooks.md). */
export interface WebhookPayload {
  readonly level: string;
  readonly state: AlarmState;
  readonly previousState: AlarmState;
  readonly alarmName: string;
  readonly reason: string;
  readonly time: string;
  readonly account: string;
  readonly region: string;
  readonly consoleUrl: string;
  /**
   * `alarmName` and `reason` for display. The fields above are the event's values, unchanged:
   * receivers match and audit on them, and the signature covers them as CloudWatch sent them.
   * These are the same texts without control and format characters (bidi overrides, zero-width
   * characters; handlers/shared/untrustedText.ts stripUnsafe; the name on one line, the reason
   * keeps its newlines). Still alarm text: a receiver escapes it for its own markup and shows it
   * as quoted alarm text (docs/webhooks.md).
   */
  readonly display: { readonly alarmName: string; readonly reason: string };
}

export const DEFAULT_TIMEOUT_MS = 5000;
export const DEFAULT_ATTEMPTS = 3;
export const DEFAULT_BACKOFF_MS = 200;
export const USER_AGENT = "incident-escalation-notifier";
/** Deprecated scheme, `<timestamp>.<body>`, in X-Escalation-Signature: sent for one more release. */
export const LEGACY_SIGNATURE_VERSION = "v1";
/** Current scheme, `v2.<timestamp>.<delivery id>.<body>`, in X-Escalation-Signature-V2. */
export const SIGNATURE_VERSION = "v2";
/**
 * How long a container uses the webhook secret it read before reading it again, so a rotated key
 * or URL is picked up within minutes without a deploy (the one place this is set). Module state
 * lives as long as the execution environment, which Lambda reuses across invocations
 * (https://docs.aws.amazon.com/lambda/latest/dg/foundation-progmodel.html); AWS's own secret
 * caching clients refresh after 1 hour by default (secret_refresh_interval 3600,
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_cache-ref-secretcacheconfig.html),
 * too slow for a rotation; 5 minutes means one GetSecretValue per container per 5 minutes at most.
 */
export const SECRET_TTL_SECONDS = 5 * 60;

const WEBHOOK_NAME = /^[a-z0-9-]+$/;
const MAX_WEBHOOK_NAME_LENGTH = 64;
const LEVEL_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const MIN_SIGNING_KEY_LENGTH = 32;
const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2,}(-[a-z]+)+-\d+$/;
const MAX_EVENT_ID_LENGTH = 256;
const AWS_TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/;
const ROUTE_KEYS = new Set(["name", "levels", "allowPrivateNetwork"]);
const CREDENTIAL_KEYS = new Set(["url", "signingKey", "previousSigningKey"]);

type Env = Readonly<Record<string, string | undefined>>;

/** Set by esbuild's `define` (tools/bundle.mjs: false in every deployed bundle). */
declare const __NOTIFIER_TEST_SWITCHES__: boolean | undefined;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function configError(variable: string, reason: string): NotifyError {
  return new NotifyError("INVALID_CONFIG", `${variable}: ${reason}`);
}

function parseIntegerVar(
  env: Env,
  variable: string,
  min: number,
  max: number,
  def: number,
): number {
  const raw = env[variable];
  if (raw === undefined || raw === "") return def;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw configError(
      variable,
      `must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`,
    );
  }
  return Number(raw);
}

function parseWebhookRoutes(raw: string | undefined): WebhookRoute[] {
  const variable = "WEBHOOKS";
  if (raw === undefined || raw === "") {
    throw configError(variable, 'is required: a JSON array of {"name","levels"}');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // The parser's message quotes the input; the reason alone is enough and leaks nothing.
    throw configError(variable, "is not valid JSON");
  }
  if (!Array.isArray(parsed)) {
    throw configError(variable, `must be a JSON array, got ${kindOf(parsed)}`);
  }
  if (parsed.length === 0) {
    throw configError(variable, "must list at least one webhook");
  }
  const seen = new Set<string>();
  return parsed.map((entry: unknown, i): WebhookRoute => {
    const at = `${variable}[${i}]`;
    if (!isRecord(entry)) throw configError(at, `must be an object, got ${kindOf(entry)}`);
    for (const key of Object.keys(entry)) {
      if (!ROUTE_KEYS.has(key)) {
        const hint = key === "url" || key === "signingKey" ? " (it belongs in the secret)" : "";
        throw configError(at, `unknown key ${JSON.stringify(key)}${hint}`);
      }
    }
    const { name, levels, allowPrivateNetwork } = entry;
    if (
      typeof name !== "string" ||
      !WEBHOOK_NAME.test(name) ||
      name.length > MAX_WEBHOOK_NAME_LENGTH
    ) {
      throw configError(
        `${at}.name`,
        `must be 1-${MAX_WEBHOOK_NAME_LENGTH} characters of [a-z0-9-]`,
      );
    }
    if (seen.has(name)) throw configError(`${at}.name`, `duplicate webhook name "${name}"`);
    seen.add(name);
    if (!Array.isArray(levels) || levels.length === 0) {
      throw configError(`${at}.levels`, "must be a non-empty array of level names");
    }
    const unique = new Set<string>();
    levels.forEach((level: unknown, j) => {
      if (typeof level !== "string" || !LEVEL_NAME.test(level)) {
        throw configError(`${at}.levels[${j}]`, "must be 1-64 characters of [A-Za-z0-9_-]");
      }
      if (unique.has(level)) throw configError(`${at}.levels[${j}]`, `duplicate level "${level}"`);
      unique.add(level);
    });
    if (allowPrivateNetwork !== undefined && typeof allowPrivateNetwork !== "boolean") {
      throw configError(
        `${at}.allowPrivateNetwork`,
        `must be a boolean, got ${kindOf(allowPrivateNetwork)}`,
      );
    }
    return {
      name,
      levels: [...unique],
      ...(allowPrivateNetwork === true ? { allowPrivateNetwork: true as const } : {}),
    };
  });
}

/**
 * Validates the notifier's environment. Throws NotifyError("INVALID_CONFIG") whose message starts
 * with the variable's name (or its JSON path) and says what is wrong.
 */
export function parseEnv(env: Env): NotifierConfig {
  const webhooks = parseWebhookRoutes(env.WEBHOOKS);
  const secretArn = env.WEBHOOK_SECRET_ARN;
  if (secretArn === undefined || secretArn === "") {
    throw configError("WEBHOOK_SECRET_ARN", "is required: the ARN of the webhook secret");
  }
  if (!SECRET_ARN.test(secretArn)) {
    throw configError(
      "WEBHOOK_SECRET_ARN",
      "must be a Secrets Manager secret ARN (arn:aws:secretsmanager:...)",
    );
  }
  const timeoutMs = parseIntegerVar(env, "WEBHOOK_TIMEOUT_MS", 100, 30000, DEFAULT_TIMEOUT_MS);
  const attempts = parseIntegerVar(env, "WEBHOOK_ATTEMPTS", 1, 5, DEFAULT_ATTEMPTS);
  const backoffMs = parseIntegerVar(env, "WEBHOOK_BACKOFF_MS", 0, 10000, DEFAULT_BACKOFF_MS);
  let allowInsecureLocalhost = false;
  // Test-only switch: plain http to 127.0.0.1/localhost. tools/bundle.mjs defines
  // __NOTIFIER_TEST_SWITCHES__ as false, so esbuild drops this block (and the variable's name) from
  // the deployed bundle; only the sources run by the specs, and a test build that defines it true,
  // have it (tests/handlers/notifier.bundle.spec.ts proves both).
  if (typeof __NOTIFIER_TEST_SWITCHES__ === "undefined" || __NOTIFIER_TEST_SWITCHES__) {
    const insecure = env.ALLOW_INSECURE_LOCALHOST;
    if (insecure !== undefined && insecure !== "" && insecure !== "true" && insecure !== "false") {
      throw configError(
        "ALLOW_INSECURE_LOCALHOST",
        `must be "true" or "false" (got ${JSON.stringify(insecure)})`,
      );
    }
    allowInsecureLocalhost = insecure === "true";
  }
  const account = env.ACCOUNT_ID;
  if (account === undefined || !ACCOUNT_ID.test(account)) {
    throw configError("ACCOUNT_ID", "must be the stack's 12-digit account id");
  }
  // Lambda sets AWS_REGION to the function's region (reserved; a function cannot override it):
  // https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
  const region = env.AWS_REGION;
  if (region === undefined || !REGION.test(region)) {
    throw configError("AWS_REGION", "must be the function's region (Lambda sets it)");
  }
  return {
    webhooks,
    secretArn,
    timeoutMs,
    attempts,
    backoffMs,
    allowInsecureLocalhost,
    account,
    region,
  };
}

/**
 * Why an event is not this stack's, or undefined when it is: its top-level `account` and `region`
 * keep the sender's when another account's bus or another region forwards it
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html). Such an event
 * reaches no webhook and is not retried. Account ids and regions are not personal data.
 */
export function foreignEvent(
  input: Pick<NotifyInput, "account" | "region">,
  config: Pick<NotifierConfig, "account" | "region">,
): string | undefined {
  if (input.account !== config.account) {
    return `input.event.account ${input.account} is not this stack's account ${config.account}`;
  }
  if (input.region !== config.region) {
    return `input.event.region ${input.region} is not this stack's region ${config.region}`;
  }
  return undefined;
}

/** Delay before retry number `attempt` (1-based: the wait after the first failed attempt is 1). */
export function backoffDelayMs(backoffMs: number, attempt: number): number {
  return backoffMs * 2 ** (attempt - 1);
}

/**
 * Longest time one invocation can spend delivering (all attempts time out), excluding the secret
 * read. The Lambda timeout must be larger than this.
 */
export function worstCaseDeliveryMs(
  config: Pick<NotifierConfig, "timeoutMs" | "attempts" | "backoffMs">,
): number {
  let total = config.timeoutMs * config.attempts;
  for (let attempt = 1; attempt < config.attempts; attempt++) {
    total += backoffDelayMs(config.backoffMs, attempt);
  }
  return total;
}

function secretError(reason: string): NotifyError {
  return new NotifyError("INVALID_SECRET", `WEBHOOK_SECRET_ARN: ${reason}`);
}

function checkWebhookUrl(name: string, raw: unknown, allowInsecureLocalhost: boolean): string {
  const at = `entry "${name}".url`;
  if (typeof raw !== "string") throw secretError(`${at} must be a string`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw secretError(`${at} is not a valid URL`);
  }
  const localhost = url.hostname === "127.0.0.1" || url.hostname === "localhost";
  if (url.protocol === "http:" && localhost && allowInsecureLocalhost) {
    // Allowed for tests only (ALLOW_INSECURE_LOCALHOST=true).
  } else if (url.protocol !== "https:") {
    throw secretError(`${at} must be an https:// URL`);
  }
  if (url.username !== "" || url.password !== "") {
    throw secretError(`${at} must not contain credentials`);
  }
  return url.href;
}

/**
 * Parses the webhook secret's SecretString and joins it with the routing: every configured webhook
 * must have an entry; entries for unknown names are ignored (so a secret can be updated before a
 * deploy adds the route). Throws NotifyError("INVALID_SECRET") naming the webhook, never a value.
 */
export function parseWebhookSecret(
  secretString: string,
  config: Pick<NotifierConfig, "webhooks" | "allowInsecureLocalhost">,
): Map<string, WebhookTarget> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    // Never include the parser's message: it quotes the secret.
    throw secretError("secret value is not valid JSON");
  }
  if (!isRecord(parsed)) {
    throw secretError(
      `secret value must be a JSON object keyed by webhook name, got ${kindOf(parsed)}`,
    );
  }
  const missing = config.webhooks.map((w) => w.name).filter((name) => !Object.hasOwn(parsed, name));
  if (missing.length > 0) {
    const names = missing.map((n) => `"${n}"`).join(", ");
    throw secretError(`secret has no entry for webhook${missing.length > 1 ? "s" : ""} ${names}`);
  }
  const targets = new Map<string, WebhookTarget>();
  for (const { name, allowPrivateNetwork } of config.webhooks) {
    const entry = parsed[name];
    if (!isRecord(entry)) {
      throw secretError(`entry "${name}" must be an object with "url" and "signingKey"`);
    }
    for (const key of Object.keys(entry)) {
      if (!CREDENTIAL_KEYS.has(key))
        throw secretError(`entry "${name}" has unknown key ${JSON.stringify(key)}`);
    }
    const url = checkWebhookUrl(name, entry.url, config.allowInsecureLocalhost);
    const { signingKey, previousSigningKey } = entry;
    if (typeof signingKey !== "string" || signingKey.length < MIN_SIGNING_KEY_LENGTH) {
      throw secretError(
        `entry "${name}".signingKey must be a string of at least ${MIN_SIGNING_KEY_LENGTH} characters`,
      );
    }
    const route = allowPrivateNetwork === true ? { allowPrivateNetwork } : {};
    if (previousSigningKey === undefined || previousSigningKey === signingKey) {
      targets.set(name, { name, url, signingKey, ...route });
      continue;
    }
    if (
      typeof previousSigningKey !== "string" ||
      previousSigningKey.length < MIN_SIGNING_KEY_LENGTH
    ) {
      throw secretError(
        `entry "${name}".previousSigningKey must be a string of at least ${MIN_SIGNING_KEY_LENGTH} characters`,
      );
    }
    targets.set(name, { name, url, signingKey, previousSigningKey, ...route });
  }
  return targets;
}

function inputError(path: string, reason: string): NotifyError {
  return new NotifyError("INVALID_INPUT", `${path}: ${reason}`);
}

function field(obj: Record<string, unknown>, path: string, key: string): unknown {
  if (!Object.hasOwn(obj, key)) throw inputError(`${path}.${key}`, "is missing");
  return obj[key];
}

function stringField(obj: Record<string, unknown>, path: string, key: string): string {
  const value = field(obj, path, key);
  if (typeof value !== "string") {
    throw inputError(`${path}.${key}`, `expected a string, got ${kindOf(value)}`);
  }
  return value;
}

function objectField(
  obj: Record<string, unknown>,
  path: string,
  key: string,
): Record<string, unknown> {
  const value = field(obj, path, key);
  if (!isRecord(value))
    throw inputError(`${path}.${key}`, `expected an object, got ${kindOf(value)}`);
  return value;
}

function stateField(obj: Record<string, unknown>, path: string): AlarmState {
  const value = stringField(obj, path, "value");
  const state = ALARM_STATES.find((s) => s === value);
  if (state === undefined)
    throw inputError(`${path}.value`, `expected one of ${ALARM_STATES.join(", ")}`);
  return state;
}

/**
 * Converts a CloudWatch timestamp ("2019-10-02T17:04:40.989+0000") to ISO 8601 in UTC
 * ("2019-10-02T17:04:40.989Z"); undefined if it is not one.
 */
export function toIsoTimestamp(value: string): string | undefined {
  const match = AWS_TIMESTAMP.exec(value);
  if (match === null) return undefined;
  const [, dateTime, fraction = "", zone] = match;
  // Date.parse rolls impossible dates over (2019-02-30 → March 2); a round trip rejects them.
  const wall = Date.parse(`${dateTime}Z`);
  if (Number.isNaN(wall) || new Date(wall).toISOString().slice(0, 19) !== dateTime)
    return undefined;
  const offset = zone === "Z" ? "Z" : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const ms = Date.parse(`${dateTime}.${fraction.padEnd(3, "0").slice(0, 3)}${offset}`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/**
 * Validates the Lambda input `{"level":"<level>","event":<CloudWatch Alarm State Change event>}`.
 * Throws NotifyError("INVALID_INPUT") naming the JSON path; messages never quote input values.
 */
export function parseInput(input: unknown): NotifyInput {
  if (!isRecord(input)) throw inputError("input", `expected an object, got ${kindOf(input)}`);
  const level = stringField(input, "input", "level");
  if (!LEVEL_NAME.test(level))
    throw inputError("input.level", "must be 1-64 characters of [A-Za-z0-9_-]");
  const event = objectField(input, "input", "event");
  const at = "input.event";
  if (stringField(event, at, "detail-type") !== "CloudWatch Alarm State Change") {
    throw inputError(`${at}.detail-type`, 'expected "CloudWatch Alarm State Change"');
  }
  if (stringField(event, at, "source") !== "aws.cloudwatch") {
    throw inputError(`${at}.source`, 'expected "aws.cloudwatch"');
  }
  const eventId = stringField(event, at, "id");
  if (eventId.length === 0 || eventId.length > MAX_EVENT_ID_LENGTH) {
    throw inputError(`${at}.id`, `must be 1-${MAX_EVENT_ID_LENGTH} characters`);
  }
  const account = stringField(event, at, "account");
  if (!ACCOUNT_ID.test(account))
    throw inputError(`${at}.account`, "expected a 12-digit account id");
  const region = stringField(event, at, "region");
  if (!REGION.test(region)) throw inputError(`${at}.region`, "expected an AWS region name");
  const detail = objectField(event, at, "detail");
  const alarmName = stringField(detail, `${at}.detail`, "alarmName");
  if (alarmName.length === 0) throw inputError(`${at}.detail.alarmName`, "must not be empty");
  const state = objectField(detail, `${at}.detail`, "state");
  const previousState = objectField(detail, `${at}.detail`, "previousState");
  const timestamp = stringField(state, `${at}.detail.state`, "timestamp");
  const time = toIsoTimestamp(timestamp);
  if (time === undefined)
    throw inputError(`${at}.detail.state.timestamp`, "expected an ISO 8601 timestamp");
  return {
    level,
    eventId,
    alarmName,
    state: stateField(state, `${at}.detail.state`),
    previousState: stateField(previousState, `${at}.detail.previousState`),
    reason: stringField(state, `${at}.detail.state`, "reason"),
    time,
    account,
    region,
  };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Link to the alarm in the CloudWatch console. */
export function consoleUrl(region: string, alarmName: string): string {
  // encodeURIComponent throws URIError on a lone surrogate; replace those with U+FFFD first.
  const name = encodeURIComponent(alarmName.replace(LONE_SURROGATE, "\uFFFD"));
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#alarmsV2:alarm/${name}`;
}

/** The body sent to every webhook for this alarm state change. */
export function buildPayload(input: NotifyInput): WebhookPayload {
  return {
    level: input.level,
    state: input.state,
    previousState: input.previousState,
    alarmName: input.alarmName,
    reason: input.reason,
    time: input.time,
    account: input.account,
    region: input.region,
    consoleUrl: consoleUrl(input.region, input.alarmName),
    display: {
      alarmName: stripUnsafe(input.alarmName),
      reason: stripUnsafe(input.reason, true),
    },
  };
}

/** The exact bytes sent: UTF-8 JSON (lone surrogates are escaped by JSON.stringify, so lossless). */
export function encodeBody(payload: WebhookPayload): Buffer {
  return Buffer.from(JSON.stringify(payload), "utf8");
}

/** v1 (deprecated): lower-case hex HMAC-SHA256 of `<timestamp>.<body>` with a signing key. */
export function sign(signingKey: string, timestamp: number, body: Uint8Array | string): string {
  return createHmac("sha256", signingKey).update(`${timestamp}.`).update(body).digest("hex");
}

/**
 * v2: lower-case hex HMAC-SHA256 of `v2.<timestamp>.<delivery id>.<body>` with a signing key. The
 * timestamp is decimal digits and the delivery id 32 hex digits, so the string is unambiguous.
 */
export function signV2(
  signingKey: string,
  timestamp: number,
  id: string,
  body: Uint8Array | string,
): string {
  return createHmac("sha256", signingKey)
    .update(`${SIGNATURE_VERSION}.${timestamp}.${id}.`)
    .update(body)
    .digest("hex");
}

/** True when a secret read at `readAtSeconds` must be read again at `nowSeconds`. */
export function secretExpired(readAtSeconds: number, nowSeconds: number): boolean {
  return nowSeconds - readAtSeconds >= SECRET_TTL_SECONDS || nowSeconds < readAtSeconds;
}

/** Webhooks subscribed to `level`, in configuration order. */
export function selectWebhooks(
  level: string,
  config: Pick<NotifierConfig, "webhooks">,
): WebhookRoute[] {
  return config.webhooks.filter((w) => w.levels.includes(level));
}

/**
 * Stable id of one (event, webhook) delivery, the same on every retry, so receivers can drop
 * duplicates: 32 lower-case hex characters.
 */
export function deliveryId(eventId: string, webhookName: string): string {
  return createHash("sha256").update(`${eventId}\n${webhookName}`).digest("hex").slice(0, 32);
}

/**
 * Request headers of one attempt (`timestamp` in unix seconds, the one that was signed).
 * X-Escalation-Signature keeps its exact v1 form (one `v1=<hex>`, current key) so receivers that
 * compare the whole header keep working for this release; X-Escalation-Signature-V2 lists
 * `v2=<hex>` for the current key and, during a rotation, for the previous key.
 */
export function buildHeaders(
  target: Pick<WebhookTarget, "name" | "signingKey" | "previousSigningKey">,
  id: string,
  timestamp: number,
  body: Uint8Array,
): Record<string, string> {
  const keys =
    target.previousSigningKey === undefined
      ? [target.signingKey]
      : [target.signingKey, target.previousSigningKey];
  const v2 = keys.map((key) => `${SIGNATURE_VERSION}=${signV2(key, timestamp, id, body)}`);
  return {
    "Content-Type": "application/json",
    "User-Agent": USER_AGENT,
    "X-Escalation-Timestamp": String(timestamp),
    "X-Escalation-Signature": `${LEGACY_SIGNATURE_VERSION}=${sign(target.signingKey, timestamp, body)}`,
    "X-Escalation-Signature-V2": v2.join(", "),
    "X-Escalation-Webhook": target.name,
    "X-Escalation-Delivery": id,
  };
}

/** Why one attempt failed. */
export type AttemptFailure =
  | { readonly kind: "http"; readonly status: number }
  | { readonly kind: "timeout"; readonly timeoutMs: number }
  | { readonly kind: "network"; readonly code?: string };

/** Human-readable status of a failed attempt, safe to log (no URL, no address). */
export function describeFailure(failure: AttemptFailure): string {
  switch (failure.kind) {
    case "http":
      return `HTTP ${failure.status}`;
    case "timeout":
      return `timeout after ${failure.timeoutMs} ms`;
    case "network":
      return failure.code === undefined ? "connection error" : `connection error ${failure.code}`;
  }
}

/** The one error thrown when any webhook failed after all its attempts. */
export function deliveryError(
  failures: readonly { readonly name: string; readonly failure: AttemptFailure }[],
  total: number,
  attempts: number,
): NotifyError {
  const list = failures.map((f) => `${f.name} (${describeFailure(f.failure)})`).join(", ");
  const each = attempts === 1 ? "1 attempt" : `${attempts} attempts each`;
  return new NotifyError(
    "DELIVERY_FAILED",
    `${failures.length} of ${total} webhook${total === 1 ? "" : "s"} failed after ${each}: ${list}`,
  );
}
