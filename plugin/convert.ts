/**
 * The one conversion from the plugin's arguments (plugin/args.ts, what other languages send) to the
 * TypeScript StackConfig, validated by the same zod schema (config/schema.ts parseStackConfig), so
 * a Python or YAML user gets the same path-and-reason errors as a stack config
 * (`contacts[1].phone: is not E.164 …`).
 *
 * Inputs arrive as Outputs when they are secrets or depend on other resources (the engine sends
 * them as output values, @pulumi/pulumi provider/server.js deserializeInputs). Only leaves that
 * never decide which resources exist may be Outputs: e-mail addresses, phone numbers, webhook URLs
 * and keys, alarm dimension values. Each is validated when it resolves (the value the resource
 * receives is the validated one, so an invalid value fails the resource that would use it, with
 * its path); until then a valid stand-in takes its place in the structural validation. An Output
 * anywhere else is an error naming its path.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  ConfigError,
  ConfigIssue,
  StackConfig,
  formatPath,
  parseStackConfig,
} from "../config/schema";

type Path = readonly (string | number)[];

/** Config paths whose value may be an Output, and the valid stand-in used until it resolves. */
const DEFERRABLE: readonly { readonly matches: (p: Path) => boolean; readonly standIn: string }[] =
  [
    { matches: (p) => is(p, ["contacts", 0, "email"]), standIn: "deferred@example.com" },
    { matches: (p) => is(p, ["contacts", 0, "phone"]), standIn: "+10000000000" },
    {
      matches: (p) => is(p, ["notifications", "webhooks", 0, "url"]),
      standIn: "https://deferred.example.com/",
    },
    {
      matches: (p) =>
        is(p, ["notifications", "webhooks", 0, "signingKey"]) ||
        is(p, ["notifications", "webhooks", 0, "previousSigningKey"]),
      standIn: "deferred-signing-key-of-32-characters",
    },
    {
      matches: (p) => p.length === 5 && is(p.slice(0, 4), ["alarms", 0, "metric", "dimensions"]),
      standIn: "deferred",
    },
  ];

/** Same shape: strings equal, numbers stand for any array index. */
function is(p: Path, pattern: Path): boolean {
  return (
    p.length === pattern.length &&
    pattern.every((x, i) => (typeof x === "number" ? typeof p[i] === "number" : p[i] === x))
  );
}

interface Deferred {
  readonly path: Path;
  readonly value: pulumi.Output<unknown>;
}

/** The raw stack config of plugin arguments, with Outputs replaced by stand-ins. */
export interface RawConversion {
  readonly raw: Record<string, unknown>;
  readonly deferred: readonly Deferred[];
  readonly issues: readonly ConfigIssue[];
  /** Config paths reported under another argument name (`metric.statistic` ← `extendedStatistic`). */
  readonly renamed: ReadonlyMap<string, string>;
}

/**
 * Plugin arguments → raw stack config. Names are the config's own except where the accepted
 * subset has no union: `incidentManager.replicationSet` absent means "existing"; a metric's
 * `statistic` or `extendedStatistic`; a hand-off's `on` as text ("MON", "1").
 */
export function toRawConfig(args: Readonly<Record<string, unknown>>): RawConversion {
  const deferred: Deferred[] = [];
  const issues: ConfigIssue[] = [];
  const renamed = new Map<string, string>();
  const plain = (v: unknown, path: Path): unknown => {
    if (pulumi.Output.isInstance(v) || v instanceof Promise) {
      const rule = DEFERRABLE.find((d) => d.matches(path));
      if (rule) {
        deferred.push({ path, value: pulumi.output(v) });
        return rule.standIn;
      }
      issues.push({
        path: formatPath(path),
        message:
          "is not known when the pipeline is created (a secret, or another resource's output); it decides which resources exist, so pass it as a plain value (only e-mail addresses, phone numbers, webhook URLs and keys and alarm dimension values may be secrets or outputs)",
      });
      return undefined;
    }
    if (v === null) return undefined;
    if (Array.isArray(v)) return v.map((x, i) => plain(x, [...path, i]));
    if (typeof v === "object") {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>)
          .map(([k, x]) => [k, plain(x, [...path, k])] as const)
          .filter(([, x]) => x !== undefined),
      );
    }
    return v;
  };
  // `stack` is not part of the stack config (the TypeScript component takes it beside it).
  const rest = Object.fromEntries(Object.entries(args).filter(([k]) => k !== "stack"));
  const raw = plain(rest, []) as Record<string, unknown>;

  // Incident Manager stacks without settings use the account's replication set; a step-functions
  // stack has no Incident Manager settings (config/crossChecks.ts refuses them there).
  if (raw.backend !== "step-functions") {
    const im = isObj(raw.incidentManager) ? raw.incidentManager : {};
    raw.incidentManager = { ...im, replicationSet: im.replicationSet ?? "existing" };
  }

  arr(raw.alarms).forEach((a, i) => {
    if (!isObj(a) || !isObj(a.metric)) return;
    const { extendedStatistic, ...metric } = a.metric;
    if (extendedStatistic !== undefined) {
      if (metric.statistic !== undefined) {
        issues.push({
          path: formatPath(["alarms", i, "metric", "extendedStatistic"]),
          message: "is given together with statistic; give one of them",
        });
      } else {
        metric.statistic = extendedStatistic;
        renamed.set(
          formatPath(["alarms", i, "metric", "statistic"]),
          formatPath(["alarms", i, "metric", "extendedStatistic"]),
        );
      }
    }
    a.metric = metric;
  });
  arr(raw.onCall).forEach((r) => {
    if (isObj(r) && isObj(r.handoff) && typeof r.handoff.on === "string") {
      if (/^[0-9]{1,2}$/.test(r.handoff.on)) r.handoff.on = Number(r.handoff.on);
    }
  });
  return { raw, deferred, issues, renamed };
}

/**
 * Plugin arguments → the validated StackConfig. Throws a ConfigError listing every problem found
 * at construction; the deferred leaves are put back as Outputs that fail, with their path, if the
 * resolved value is invalid.
 */
export function toStackConfig(
  args: Readonly<Record<string, unknown>>,
  source: string,
): StackConfig {
  const conversion = toRawConfig(args);
  const { raw, deferred, issues } = conversion;
  const reported = new Set(issues.map((i) => i.path));
  let cfg: StackConfig | undefined;
  let schemaIssues: readonly ConfigIssue[] = [];
  try {
    cfg = parseStackConfig(raw, source);
  } catch (err: unknown) {
    if (!(err instanceof ConfigError)) throw err;
    schemaIssues = err.issues
      // An Output at a structural path is already reported; "is required" there only repeats it.
      .filter((i) => !reported.has(i.path))
      .map((i) => ({ path: conversion.renamed.get(i.path) ?? i.path, message: i.message }));
  }
  if (issues.length > 0 || schemaIssues.length > 0 || cfg === undefined) {
    throw new ConfigError([...issues, ...schemaIssues], source);
  }
  for (const d of deferred) {
    const checked = d.value.apply((v) => {
      checkResolved(raw, d.path, v, source);
      return v;
    });
    setAt(cfg as unknown as Record<string, unknown>, d.path, checked);
  }
  return cfg;
}

/** Validates one resolved leaf in the structure it belongs to; throws ConfigError at its path. */
function checkResolved(raw: Record<string, unknown>, path: Path, value: unknown, source: string) {
  const at = formatPath(path);
  if (value === undefined || value === null) {
    throw new ConfigError([{ path: at, message: "resolved to no value" }], source);
  }
  const copy = structuredClone(raw);
  setAt(copy, path, value);
  try {
    parseStackConfig(copy, source);
  } catch (err: unknown) {
    if (!(err instanceof ConfigError)) throw err;
    const mine = err.issues.filter((i) => i.path === at || i.path.startsWith(`${at}.`));
    if (mine.length > 0) throw new ConfigError(mine, source);
  }
}

function setAt(root: Record<string, unknown>, path: Path, value: unknown): void {
  let node: unknown = root;
  for (const key of path.slice(0, -1)) node = (node as Record<string | number, unknown>)[key];
  (node as Record<string | number, unknown>)[path[path.length - 1]] = value;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
