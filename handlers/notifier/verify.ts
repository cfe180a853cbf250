// Verifies an incident-escalation webhook request (docs/webhooks.md). Pass the raw request body
// exactly as received (bytes, before any JSON parsing) and the two X-Escalation-* headers.
import { createHmac, timingSafeEqual } from "node:crypto";

export const MAX_SIGNATURE_AGE_SECONDS = 5 * 60;

export function verifyEscalationSignature(
  signingKey: string,
  rawBody: Buffer,
  timestampHeader: string | string[] | undefined,
  signatureHeader: string | string[] | undefined,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): boolean {
  if (typeof timestampHeader !== "string" || typeof signatureHeader !== "string") return false;
  if (!/^\d{1,12}$/.test(timestampHeader)) return false;
  // Reject old (replayed) requests, and ones from a clock too far ahead.
  const age = nowSeconds - Number(timestampHeader);
  if (age > MAX_SIGNATURE_AGE_SECONDS || age < -MAX_SIGNATURE_AGE_SECONDS) return false;
  // HMAC-SHA256 over `${timestamp}.${rawBody}`, in lower-case hex, prefixed with "v1=".
  const hmac = createHmac("sha256", signingKey).update(`${timestampHeader}.`).update(rawBody);
  const expected = Buffer.from(`v1=${hmac.digest("hex")}`);
  const received = Buffer.from(signatureHeader);
  return received.length === expected.length && timingSafeEqual(received, expected);
}
