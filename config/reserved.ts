/**
 * Names a user may not give a key of the config: the members every JavaScript object has.
 */
import { type ConfigIssue, formatPath } from "./errors";

/**
 * Names every JavaScript object answers to without defining them (`constructor`, `toString`,
 * `hasOwnProperty`, … and `__proto__`). As a key of a user-named map (levels, thresholds,
 * dimensions, tags) they would be looked up on the prototype (`levels["constructor"]` is a
 * function) or silently dropped (`__proto__`), so they are refused wherever they appear.
 */
export const RESERVED_KEYS: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  "__proto__",
]);

/** `record[key]` only when `key` is the record's own property: never a prototype member. */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

/** Every reserved key anywhere in the raw config, with its path. */
export function reservedKeyIssues(raw: unknown, path: PropertyKey[] = []): ConfigIssue[] {
  if (Array.isArray(raw)) return raw.flatMap((v, i) => reservedKeyIssues(v, [...path, i]));
  if (typeof raw !== "object" || raw === null) return [];
  return Object.keys(raw).flatMap((key) =>
    RESERVED_KEYS.has(key)
      ? [
          {
            path: formatPath([...path, key]),
            message: `"${key}" is a reserved name (every JavaScript object has a property called that); choose another name`,
          },
        ]
      : reservedKeyIssues((raw as Record<string, unknown>)[key], [...path, key]),
  );
}
