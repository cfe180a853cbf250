/**
 * The router's errors, and the helpers their messages share. Every message names what is wrong
 * and where; none contains an alarm's reason text.
 */
import { truncateText as truncate } from "../shared/untrustedText";

export type RoutingErrorCode =
  | "UNKNOWN_LEVEL"
  | "MALFORMED_EVENT"
  /** A drill names a level without a response plan. */
  | "NOT_A_PAGING_LEVEL"
  /** A drill start without the Lambda context's invokedFunctionArn. */
  | "MISSING_CONTEXT"
  /** A level's calendar cannot answer (no holiday data for the year) or cannot defer. */
  | "OUTSIDE_HOURS";

/** An input the router cannot route. Its message never contains the alarm's reason text. */
export class RoutingError extends Error {
  static {
    // On the prototype, so that the stack trace captured by Error() already names the class.
    this.prototype.name = "RoutingError";
  }
  readonly code: RoutingErrorCode;

  constructor(code: RoutingErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export type RetryLaterCode =
  /**
   * Another invocation is opening this alarm's incident (dedupe table item "opening"), and this
   * input needs it: an OK to note, or a second delivery of the very state change being opened.
   */
  | "INCIDENT_OPENING"
  /** Conditional writes to the dedupe table kept losing to other invocations. */
  | "DEDUPE_CONFLICT";

/**
 * The input is fine but cannot be handled yet; thrown so that Lambda retries the invocation later
 * (and finally dead-letters it). Its message never contains the alarm's reason text.
 */
export class RetryLaterError extends Error {
  static {
    this.prototype.name = "RetryLaterError";
  }
  readonly code: RetryLaterCode;

  constructor(code: RetryLaterCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** A missing or malformed environment variable; every problem names its variable. */
export class RouterConfigError extends Error {
  static {
    this.prototype.name = "RouterConfigError";
  }
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.join("; "));
    this.problems = problems;
  }
}

/** A RoutingError MALFORMED_EVENT naming the path, what was expected and (shortly) what came. */
export function malformed(path: string, expected: string, got: unknown): RoutingError {
  return new RoutingError("MALFORMED_EVENT", `${path}: expected ${expected}, got ${show(got)}`);
}

/**
 * A non-array object. The keys read from inputs (level, event, detail, state, ...) are not
 * Object.prototype members, so plain property reads cannot pick up inherited values.
 */
export function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function recordOrEmpty(value: unknown): Readonly<Record<string, unknown>> {
  return isRecord(value) ? value : {};
}

/** A short rendering of a value for an error message: scalars verbatim, containers by kind. */
export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(truncate(value, 80));
  if (value === null || typeof value === "number" || typeof value === "boolean")
    return String(value);
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
