/**
 * How a config message describes a value it rejects: its kind, or a short quoted form, never the
 * whole value and, for personal data, not the value at all. Used by the field schemas (fields.ts).
 */

export function typeError(input: unknown, expected: string): string {
  if (input === undefined) return "is required";
  return `must be ${expected}, got ${describeType(input)}`;
}

/** The kind of a value, without the value itself (for personal data). */
export function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  return typeof v === "number"
    ? "a number"
    : typeof v === "boolean"
      ? "a boolean"
      : `a ${typeof v}`;
}

function describeType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  return `${typeof v} ${quote(v)}`;
}

export function quote(v: unknown): string {
  const s = typeof v === "string" ? v : safeString(v);
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);
}

/** String(v), except for an object whose own toString/valueOf is not a function (`{toString: 0}`). */
export function safeString(v: unknown): string {
  try {
    return String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}
