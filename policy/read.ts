/**
 * Reading plain resource data (after wire.ts decoded it) the way every rule does: known strings,
 * labels and ARNs, lists that may be unknown, a rule's own settings.
 */
import type { PolicyInput } from "./types";
import { isUnknown } from "./wire";

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A known string, or undefined. */
export function str(v: unknown): string | undefined {
  return typeof v === "string" && !isUnknown(v) ? v : undefined;
}

/** The resource's name as users see it in AWS (`name`/`alias` input), else its logical name. */
export function label(r: PolicyInput): string {
  return str(r.inputs.name) ?? str(r.inputs.alias) ?? r.name;
}

/** The resource's ARN: its id (contacts, channels) or its `arn` property (engine outputs). */
export function arnOf(r: PolicyInput): string | undefined {
  return str(r.id) ?? str(r.inputs.arn);
}

/** `true` if a non-empty list, `false` if missing or empty, `"unknown"` if it cannot be known. */
export function nonEmpty(v: unknown): boolean | "unknown" {
  if (isUnknown(v)) return "unknown";
  return Array.isArray(v) && v.length > 0;
}

/** The last path segment of a contact ARN (`…:contact/ie-prod-sato` → `ie-prod-sato`). */
export function contactAlias(arn: unknown): string | undefined {
  const s = str(arn);
  const m = s === undefined ? null : /:contact\/([^/]+)$/.exec(s);
  return m ? m[1] : undefined;
}

export function ofType(resources: readonly PolicyInput[], type: string): PolicyInput[] {
  return resources.filter((r) => r.type === type);
}

export function stringList(value: unknown, policy: string, key: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((x) => typeof x === "string")) {
    throw new Error(`policy ${policy}: config ${key} must be a list of level names`);
  }
  return value as string[];
}

export function bool(value: unknown, policy: string, key: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean")
    throw new Error(`policy ${policy}: config ${key} must be true or false`);
  return value;
}

/** A set string, or a value unknown during a preview (which might be one). */
export function isSet(v: unknown): boolean {
  return isUnknown(v) || (typeof v === "string" && v !== "");
}
