/**
 * Reads a `Pulumi.<stack>.yaml` file into Pulumi's flat config form (`"<ns>:<key>": "<value>"`,
 * objects as JSON), as the Pulumi CLI would hand it to the program. `secure:` values cannot be
 * decrypted offline: they are replaced by a placeholder of the right shape and listed as secret.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parse } from "yaml";
import { rawConfigFrom, validateRawConfig } from "../config/load";
import type { StackConfig } from "../config/schema";

/** Placeholders for `secure:` values, chosen to pass validation where the shape is known. */
export const SECRET_PLACEHOLDERS = {
  phone: "+10000000000",
  email: "secret@example.invalid",
  url: "https://secret.example.invalid/",
  other: "[secret]-placeholder-value-32-characters",
} as const;

export interface StackFile {
  /** Flat Pulumi config. */
  readonly config: Record<string, string>;
  /** Keys holding at least one `secure:` value. */
  readonly secretKeys: string[];
  /** Config paths (`contacts[0].phone`) of `secure:` values. */
  readonly securePaths: string[];
}

export function readStackFile(path: string): StackFile {
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, "utf8"));
  } catch (err: unknown) {
    const reason = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new Error(`${path}: not valid YAML (${reason})`);
  }
  const cfg = isObj(doc) && isObj(doc.config) ? doc.config : undefined;
  if (!cfg) throw new Error(`${path}: no "config:" section`);
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const securePaths: string[] = [];
  for (const [key, value] of Object.entries(cfg)) {
    const before = securePaths.length;
    const plain = replaceSecure(value, key.split(":").pop() ?? key, securePaths);
    if (securePaths.length > before) secretKeys.push(key);
    config[key] = typeof plain === "string" ? plain : JSON.stringify(plain);
  }
  return { config, secretKeys, securePaths };
}

function replaceSecure(v: unknown, path: string, found: string[]): unknown {
  if (isObj(v) && typeof v.secure === "string" && Object.keys(v).length === 1) {
    found.push(path);
    const leaf = path.split(/[.[]/).pop() ?? "";
    if (leaf === "phone") return SECRET_PLACEHOLDERS.phone;
    if (leaf === "email") return SECRET_PLACEHOLDERS.email;
    if (leaf === "url") return SECRET_PLACEHOLDERS.url;
    return SECRET_PLACEHOLDERS.other;
  }
  if (Array.isArray(v)) return v.map((x, i) => replaceSecure(x, `${path}[${i}]`, found));
  if (isObj(v)) {
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k, replaceSecure(x, `${path}.${k}`, found)]),
    );
  }
  return v;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Reads and validates a stack file: the flat config, the secure paths and the validated stack
 * config. Throws ConfigError listing every problem (or an Error for unreadable YAML).
 */
export function loadStackConfigFile(
  file: string,
  stack: string,
): { stackFile: StackFile; config: StackConfig } {
  const stackFile = readStackFile(file);
  const { raw, issues } = rawConfigFrom(stackFile.config);
  const config = validateRawConfig(raw, issues, `${basename(file)} (stack "${stack}")`);
  return { stackFile, config };
}
