// Verifies an incident-escalation webhook request (docs/webhooks.md). Pass your signing key (or,
// while a key is being rotated, the new and the old key), the raw request body exactly as
// received (bytes, before any JSON parsing) and the request headers (node:http's req.headers).
import { createHmac, timingSafeEqual } from "node:crypto";

export const MAX_SIGNATURE_AGE_SECONDS = 5 * 60;

/** Header names in lower case, as node:http (and Express) give them. */
export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

export interface VerifyOptions {
  /** Unix seconds; the current time by default. */
  readonly nowSeconds?: number;
  /**
   * Also accept a request that carries no X-Escalation-Signature-V2 header at all, on its v1
   * signature (timestamp and body only: the delivery id is NOT covered). Only for a receiver
   * that must still accept a notifier older than v2; removed with v1 in the next release.
   */
  readonly acceptV1?: boolean;
}

const TIMESTAMP = /^\d{1,12}$/;
const DELIVERY_ID = /^[0-9a-f]{32}$/;
const V2_LIST = /^v2=[0-9a-f]{64}(, ?v2=[0-9a-f]{64}){0,3}$/;

function hmacHex(key: string, prefix: string, rawBody: Buffer): Buffer {
  return Buffer.from(createHmac("sha256", key).update(prefix).update(rawBody).digest("hex"));
}

function anyEqual(candidates: readonly Buffer[], expected: Buffer): boolean {
  let found = false;
  for (const c of candidates) {
    // timingSafeEqual needs equal lengths; every candidate here is 64 hex characters.
    if (c.length === expected.length && timingSafeEqual(c, expected)) found = true;
  }
  return found;
}

/** True if the request is authentic (one of `signingKeys`) and its timestamp is fresh. */
export function verifyEscalationRequest(
  signingKeys: string | readonly string[],
  rawBody: Buffer,
  headers: RequestHeaders,
  options: VerifyOptions = {},
): boolean {
  const keys = typeof signingKeys === "string" ? [signingKeys] : signingKeys;
  const timestamp = headers["x-escalation-timestamp"];
  const delivery = headers["x-escalation-delivery"];
  const v2 = headers["x-escalation-signature-v2"];
  const v1 = headers["x-escalation-signature"];
  if (typeof timestamp !== "string" || !TIMESTAMP.test(timestamp)) return false;
  // Reject old (replayed) requests, and ones from a clock too far ahead.
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const age = now - Number(timestamp);
  if (age > MAX_SIGNATURE_AGE_SECONDS || age < -MAX_SIGNATURE_AGE_SECONDS) return false;
  if (v2 !== undefined) {
    // v2: HMAC-SHA256 over `v2.<timestamp>.<delivery id>.<raw body>`, lower-case hex; the header
    // lists one "v2=<hex>" per key the notifier signs with, separated by ", ".
    if (typeof v2 !== "string" || !V2_LIST.test(v2)) return false;
    if (typeof delivery !== "string" || !DELIVERY_ID.test(delivery)) return false;
    const received = v2.split(",").map((entry) => Buffer.from(entry.trim().slice(3)));
    const prefix = `v2.${timestamp}.${delivery}.`;
    return keys.some((key) => anyEqual(received, hmacHex(key, prefix, rawBody)));
  }
  // v1 (deprecated): HMAC-SHA256 over `<timestamp>.<raw body>`, header "v1=<hex>".
  if (options.acceptV1 !== true || typeof v1 !== "string" || !/^v1=[0-9a-f]{64}$/.test(v1)) {
    return false;
  }
  const received = [Buffer.from(v1.slice(3))];
  return keys.some((key) => anyEqual(received, hmacHex(key, `${timestamp}.`, rawBody)));
}
