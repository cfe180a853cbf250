/**
 * The stack config's personal data and secrets, and how every tool keeps them out of what it
 * prints (plan text and --json, the responder guide). One home for the list: a value added to the
 * config contract that must not be printed is added here once.
 */
import type { StackConfig } from "./schema";

/** What a removed value is replaced with. */
export const SECRET = "[secret]";

/**
 * Every e-mail address, phone number, webhook URL and signing key in the config. A phone number
 * is listed with and without its "+", since a value can be written either way (a tag key, a
 * dimension, a free-text description).
 */
export function sensitiveValues(cfg: StackConfig): string[] {
  return [
    ...cfg.contacts.flatMap((c) => [c.email, c.phone, c.phone?.replace(/^\+/, "")]),
    ...cfg.notifications.webhooks.flatMap((w) => [w.url, w.signingKey, w.previousSigningKey]),
  ].filter((v): v is string => typeof v === "string");
}

/**
 * Replaces every occurrence of a sensitive value anywhere in `v`: in strings, and in the keys of
 * objects (a phone number used as a tag key, an e-mail as a dimension name). Values shorter than
 * 4 characters are ignored (they would match everywhere and protect nothing).
 */
export function scrub<T>(v: T, sensitive: readonly string[]): T {
  const values = [...new Set(sensitive.filter((s) => s.length >= 4))].sort(
    (a, b) => b.length - a.length,
  );
  if (values.length === 0) return v;
  const text = (s: string): string => {
    let out = s;
    for (const secret of values) out = out.split(secret).join(SECRET);
    return out;
  };
  const clean = (x: unknown): unknown => {
    if (typeof x === "string") return text(x);
    if (Array.isArray(x)) return x.map(clean);
    if (typeof x === "object" && x !== null) {
      return Object.fromEntries(Object.entries(x).map(([k, y]) => [text(k), clean(y)]));
    }
    return x;
  };
  return clean(v) as T;
}
