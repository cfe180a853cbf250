/**
 * Friendly messages for AWS SDK (v3) errors, shared by the operator tools (`activate`, `drill`).
 *
 * Pure: no I/O, no SDK import. Errors are recognised by their `name`, `message` and
 * `$metadata.httpStatusCode`, so this works with any client version and with hand-made errors in
 * tests.
 *
 * API (stable):
 * - `classifyAwsError(err, action)` → an `AwsErrorKind`
 * - `describeAwsError(err, action)` → one or more lines a user can act on
 * - `isSetupError(kind)` → true for problems with the caller's setup (credentials, region), which
 *   the tools report with exit code 2
 *
 * `action` is the IAM action being attempted, `"<service>:<Operation>"`, e.g.
 * `"ssm-contacts:ActivateContactChannel"`; it is named in the message (and, for access denied,
 * is the permission to grant).
 */

export type AwsErrorKind =
  /** ValidationException from ssm-contacts:ActivateContactChannel: wrong or expired code. */
  | "wrong-code"
  /** ThrottlingException / TooManyRequestsException / HTTP 429, after the SDK's own retries. */
  | "throttled"
  /** No credentials found, or credentials rejected/expired. */
  | "credentials"
  /** No region configured. */
  | "region"
  /** AccessDeniedException not about Incident Manager onboarding. */
  | "access-denied"
  /** The account/region has no Incident Manager (no replication set). */
  | "not-onboarded"
  /** ResourceNotFoundException not about onboarding. */
  | "not-found"
  /** DNS, connection, timeout errors. */
  | "network"
  /** ValidationException / ConflictException etc. not covered above. */
  | "rejected"
  | "unknown";

interface ErrorFields {
  readonly name: string;
  readonly message: string;
  readonly code: string;
  readonly status?: number;
}

function fields(err: unknown): ErrorFields {
  if (typeof err !== "object" || err === null) {
    return { name: "", message: String(err), code: "" };
  }
  const rec = err as Record<string, unknown>;
  const meta = rec.$metadata;
  const status =
    typeof meta === "object" && meta !== null
      ? (meta as Record<string, unknown>).httpStatusCode
      : undefined;
  return {
    name: typeof rec.name === "string" ? rec.name : "",
    message: typeof rec.message === "string" ? rec.message : "",
    code: typeof rec.code === "string" ? rec.code : "",
    status: typeof status === "number" ? status : undefined,
  };
}

const NOT_ONBOARDED =
  /replication[ -]?set|incident manager (is )?not (been )?(set ?up|enabled|onboarded)|not (been )?(set ?up|onboarded)|onboard/i;

const NETWORK_CODES = new Set([
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
]);

/** Which kind of problem `err` is. `action` is `"<service>:<Operation>"`. */
export function classifyAwsError(err: unknown, action: string): AwsErrorKind {
  const { name, message, code, status } = fields(err);
  const service = action.split(":")[0] ?? "";

  if (
    name === "CredentialsProviderError" ||
    /could not load credentials/i.test(message) ||
    [
      "UnrecognizedClientException",
      "InvalidSignatureException",
      "ExpiredTokenException",
      "ExpiredToken",
      "InvalidClientTokenId",
      "SignatureDoesNotMatch",
    ].includes(name)
  ) {
    return "credentials";
  }
  if (/region is missing/i.test(message)) return "region";
  if (
    name === "ThrottlingException" ||
    name === "TooManyRequestsException" ||
    name === "Throttling" ||
    status === 429
  ) {
    return "throttled";
  }
  if (
    (service === "ssm-contacts" || service === "ssm-incidents") &&
    [
      "AccessDeniedException",
      "ValidationException",
      "ResourceNotFoundException",
      "ConflictException",
    ].includes(name) &&
    NOT_ONBOARDED.test(message)
  ) {
    return "not-onboarded";
  }
  if (name === "ValidationException" && action === "ssm-contacts:ActivateContactChannel") {
    return "wrong-code";
  }
  if (name === "AccessDeniedException" || name === "AccessDenied" || status === 403) {
    return "access-denied";
  }
  if (name === "ResourceNotFoundException" || status === 404) return "not-found";
  if (
    NETWORK_CODES.has(code) ||
    NETWORK_CODES.has(name) ||
    name === "TimeoutError" ||
    name === "RequestTimeout" ||
    /getaddrinfo|ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|socket hang up|network/i.test(message)
  ) {
    return "network";
  }
  if (
    name === "ValidationException" ||
    name === "ConflictException" ||
    name === "ServiceQuotaExceededException" ||
    name === "DataEncryptionException"
  ) {
    return "rejected";
  }
  return "unknown";
}

/** True for kinds caused by the caller's setup rather than by the request (exit code 2). */
export function isSetupError(kind: AwsErrorKind): boolean {
  return kind === "credentials" || kind === "region" || kind === "not-onboarded";
}

/**
 * A message a user can act on, starting with what failed (`action`) and ending with the AWS
 * error's own name and message (addresses are never part of AWS error messages for these APIs).
 */
export function describeAwsError(err: unknown, action: string): string {
  const kind = classifyAwsError(err, action);
  const { name, message } = fields(err);
  const original = name ? `(${name}: ${message})` : `(${message})`;
  switch (kind) {
    case "wrong-code":
      return (
        `${action} failed: the activation code was not accepted — it is wrong or has expired. ` +
        `Check the latest code sent to the device (older codes stop working once a new one is ` +
        `sent) or send a new code and try again. ${original}`
      );
    case "throttled":
      return (
        `${action} failed: AWS is throttling requests (the SDK already retried with backoff). ` +
        `Wait a minute and run the command again. ${original}`
      );
    case "credentials":
      return (
        `${action} failed: no usable AWS credentials. Set AWS_PROFILE (and run ` +
        `\`aws sso login\` if it is an SSO profile), or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ` +
        `then check with \`aws sts get-caller-identity\`. ${original}`
      );
    case "region":
      return (
        `${action} failed: no AWS region. Pass --region <region>, or set AWS_REGION ` +
        `(or AWS_DEFAULT_REGION), or set aws:region in the stack config. ${original}`
      );
    case "access-denied":
      return (
        `${action} failed: access denied. The caller's IAM policy must allow "${action}" on ` +
        `the resource (and no SCP or permissions boundary may deny it). ${original}`
      );
    case "not-onboarded":
      return (
        `${action} failed: Incident Manager is not set up in this account/region (no ` +
        `replication set). Incident Manager has been closed to new customers since ` +
        `2025-11-07; accounts already onboarded keep using it. Check that this is the account ` +
        `and region the stack was deployed to. ${original}`
      );
    case "not-found":
      return (
        `${action} failed: not found. Check that the stack has been deployed (pulumi up) to ` +
        `this account and region. ${original}`
      );
    case "network":
      return (
        `${action} failed: could not reach AWS (network error). Check the connection, proxy ` +
        `settings (HTTPS_PROXY) and that the region name is correct. ${original}`
      );
    case "rejected":
      return (
        `${action} failed: AWS rejected the request. ${original}` +
        (name === "ServiceQuotaExceededException"
          ? " A service quota was reached (for activation codes: too many sent); wait before retrying."
          : "") +
        (message.trim() === "" && /^ssm-(contacts|incidents):/.test(action)
          ? " An account or region where Incident Manager is not set up (no replication set) " +
            "can also answer this way."
          : "")
      );
    case "unknown":
      return `${action} failed: ${original}`;
  }
}

/** An AWS call that failed, with the IAM action it needed (`ssm-contacts:ListContacts`). */
export class AwsCallError extends Error {
  constructor(
    readonly action: string,
    readonly error: unknown,
  ) {
    super(describeAwsError(error, action));
    this.name = "AwsCallError";
  }
}

/** Runs one AWS call; a failure is rethrown as AwsCallError naming `action`. */
export async function awsCall<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err: unknown) {
    throw new AwsCallError(action, err);
  }
}
