/**
 * How config problems reach a user: zod's issues turned into `path: reason` lines, personal data
 * masked, and the ConfigError that lists them all.
 */
import type { z } from "zod";

/** One problem in a stack config. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * Hides anything shaped like personal data or a secret in a config message: URLs, e-mail
 * addresses and runs of 7 or more digits (phone numbers with or without "+", separators allowed).
 * A value put where it does not belong (an e-mail as a display name, a URL as a webhook name, a
 * number as a signing key) is then not echoed either.
 */
export function maskPersonalData(text: string): string {
  // The messages' own examples of a valid value stay readable.
  const kept = MESSAGE_EXAMPLES.filter((e) => text.includes(e));
  let out = text;
  kept.forEach((e, i) => (out = out.split(e).join(`\u0000${i}\u0000`)));
  out = out
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'`]+/gi, "<URL hidden>")
    .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, "<e-mail address hidden>")
    .replace(/\+?\d(?:[\s().-]?\d){6,}/g, "<number hidden>");
  kept.forEach((e, i) => (out = out.split(`\u0000${i}\u0000`).join(e)));
  return out;
}

/** Examples the schema's messages give of a valid phone number or e-mail address. */
const MESSAGE_EXAMPLES: readonly string[] = ["+819012345678", "name@domain.tld"];

/** Thrown when a stack config is invalid; lists every problem found. */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  constructor(raw: readonly ConfigIssue[], source = "stack config") {
    const issues = raw.map((i) => ({ path: i.path, message: maskPersonalData(i.message) }));
    super(
      `${source} has ${issues.length} problem${issues.length === 1 ? "" : "s"}:\n` +
        issues.map((i) => `  - ${i.path}: ${i.message}`).join("\n"),
    );
    this.name = "ConfigError";
    this.issues = issues;
  }
}

/** `contacts[1].phone` style path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else if (typeof p === "string" && /^[A-Za-z_$][\w$]*$/.test(p)) out += out ? `.${p}` : p;
    else out += `[${JSON.stringify(String(p))}]`;
  }
  return out || "(root)";
}

/**
 * One zod issue as config issues, against the schema `root` (whose keys an "unknown key" message
 * lists).
 */
export function toConfigIssues(
  issue: z.core.$ZodIssue,
  base: PropertyKey[],
  root: z.core.$ZodType,
): ConfigIssue[] {
  const path = [...base, ...issue.path];
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys.map((k) => `"${k}"`).join(", ");
    const known = knownKeysAt(root, path);
    return [
      {
        path: formatPath(path),
        message:
          `unknown key${issue.keys.length > 1 ? "s" : ""} ${keys}` +
          (known.length > 0 ? `; known keys: ${known.join(", ")}` : ""),
      },
    ];
  }
  if (issue.code === "invalid_key" && issue.issues.length > 0) {
    return [{ path: formatPath(path), message: issue.issues[0].message }];
  }
  if (issue.code === "invalid_union") {
    // The input had the shape of one branch (its problems are inside it): report those.
    const inside = issue.errors.find(
      (branch) => branch.length > 0 && branch.every((i) => i.path.length > 0),
    );
    if (inside) return inside.flatMap((i) => toConfigIssues(i, path, root));
    return [{ path: formatPath(path), message: issue.message }];
  }
  if (issue.code === "invalid_type" && issue.message.startsWith("Invalid input")) {
    const received = /received (\w+)$/.exec(issue.message)?.[1];
    if (received === undefined || received === "undefined") {
      return [{ path: formatPath(path), message: "is required" }];
    }
    return [
      {
        path: formatPath(path),
        message: `must be ${article(issue.expected)}, got ${article(received)}`,
      },
    ];
  }
  return [{ path: formatPath(path), message: issue.message }];
}

function article(kind: string): string {
  if (kind === "array") return "a list";
  if (kind === "object") return "an object";
  if (kind === "null") return "null";
  return /^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`;
}

/** Keys the schema allows at a config path (for "unknown key" messages). */
function knownKeysAt(root: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  let node: z.core.$ZodType | undefined = root;
  const unwrap = (t: z.core.$ZodType | undefined): z.core.$ZodType | undefined => {
    let cur = t;
    for (let n = 0; cur && n < 10; n++) {
      const def = cur._zod.def as unknown as Record<string, unknown>;
      if (def.innerType) cur = def.innerType as z.core.$ZodType;
      else if (def.type === "pipe") cur = def.in as z.core.$ZodType;
      else if (def.type === "union") {
        const options = def.options as z.core.$ZodType[];
        cur = options.find(
          (o) => (o._zod.def as unknown as Record<string, unknown>).type === "object",
        );
      } else break;
    }
    return cur;
  };
  for (const key of [...path, null]) {
    node = unwrap(node);
    if (!node) return [];
    const def = node._zod.def as unknown as Record<string, unknown>;
    if (key === null) {
      return def.type === "object" ? Object.keys(def.shape as Record<string, unknown>) : [];
    }
    if (def.type === "object") node = (def.shape as Record<string, z.core.$ZodType>)[String(key)];
    else if (def.type === "array") node = def.element as z.core.$ZodType;
    else if (def.type === "record") node = def.valueType as z.core.$ZodType;
    else return [];
  }
  return [];
}
