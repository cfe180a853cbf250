/**
 * Pulumi's wire format as policies receive it: the sentinels that stand for values unknown during
 * a preview, serialized secrets, and the policy engine's unknown-checking proxy, all decoded into
 * plain data (`plainData`) before a rule reads it.
 */

/**
 * Pulumi's sentinels for values unknown during a preview (string, boolean, number, array, asset,
 * archive, object). The engine sends them in place of the value; the mock engine uses the string
 * one.
 */
const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set([
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
  "030794c1-ac77-496b-92df-f27374a8bd58",
  "e48ece36-62e2-4504-bad9-02848725956a",
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
]);

/** The value `plainData` puts where a value is unknown. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Whether a value is unknown (during a preview). */
export function isUnknown(v: unknown): boolean {
  return typeof v === "string" && UNKNOWN_SENTINELS.has(v);
}

const SECRET_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/**
 * Copies resource properties into plain data: unwraps serialized secrets (a secret without a
 * readable value becomes UNKNOWN) and reads through the policy engine's unknown-checking proxy,
 * turning a property whose access throws (the engine's "can't be known during preview") into
 * UNKNOWN. Class instances (assets, archives) are kept as they are.
 */
export function plainData(v: unknown): unknown {
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) out.push(plainData(read(v, i)));
    return out;
  }
  if (typeof v !== "object" || v === null) return v;
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return v;
  const obj = v as Record<string, unknown>;
  if (read(obj, SECRET_KEY) === SECRET_SIG) {
    return Object.keys(obj).includes("value") ? plainData(read(obj, "value")) : UNKNOWN;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj)) out[key] = plainData(read(obj, key));
  return out;
}

function read(container: object, key: string | number): unknown {
  try {
    return (container as Record<string | number, unknown>)[key];
  } catch {
    // The policy engine's proxy throws UnknownValueError for a value unknown during preview.
    return UNKNOWN;
  }
}
