/**
 * The offline plan behind `npm run plan` (cli/plan.ts parses the command line and prints).
 *
 * Offline preview of a stack: runs the real program under Pulumi's mock engine with the stack's
 * config, then prints what would be created, each level's paging timeline, the policy pack's
 * results and the warnings. No AWS account, no Pulumi CLI. The one exception is opt-in:
 * `--overrides` reads the rotations' overrides with the caller's credentials
 * (tools/override.ts readStackOverrides, as `npm run override -- --list` does).
 *
 * Exit codes: 0 fine (advisory findings allowed), 1 mandatory policy violations, 2 config errors,
 * providers without a region or in different regions, or bad usage.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { UsageError } from "./cliArgs";
import { createHash } from "node:crypto";
import { ConfigError, StackConfig, incidentManagerSettings } from "../config/schema";
import { scrub, sensitiveValues } from "../config/sensitive";
import { PackConfig, evaluatePolicies, packConfig } from "../policy/policies";
import { RecordedResource, runWithMocks } from "./mockEngine";
import {
  BundleInfo,
  COLOUR,
  PLAIN,
  PlanDocument,
  buildPlanDocument,
  hoursFacts,
  heartbeatFacts,
  providerRegionProblem,
  providerRegions,
  renderPlanText,
  stepFunctionsSandboxWarnings,
  voiceChannelWarnings,
} from "./planReport";
import { loadStackConfigFile } from "./stackFile";
import { buildTimeline, type RotationOverride } from "./timeline";
import { readOverridesFlag, type OverrideClients } from "./override";
import { engineWarnings } from "../components/engine/enginePlan";

/** The command line of `npm run plan` (cli/plan.ts), as `util.parseArgs` gives it. */
export interface PlanArgs {
  readonly stack?: string;
  readonly "config-file"?: string;
  readonly "policy-config"?: string;
  readonly json: boolean;
  readonly "no-color": boolean;
  /** Read the rotations' active and upcoming overrides from AWS (the caller's credentials). */
  readonly overrides?: boolean;
}

export interface PlanResult {
  readonly exitCode: 0 | 1 | 2;
  readonly stdout: string;
  readonly stderr: string;
  readonly document?: PlanDocument;
}

export interface PlanOptions {
  readonly root: string;
  readonly now: Date;
  readonly colour: boolean;
  /** Environment the providers would read AWS_REGION / AWS_DEFAULT_REGION from. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The clients `--overrides` reads with (default: the SDK's, with the caller's credentials). */
  readonly overrideClients?: OverrideClients;
}

/**
 * Runs the plan; returns what to print and the exit code (cli/plan.ts does the I/O). A stack
 * config file or policy configuration that cannot be read is a `UsageError`.
 */
export async function plan(args: PlanArgs, opts: PlanOptions): Promise<PlanResult> {
  const file = args["config-file"]
    ? path.resolve(args["config-file"])
    : path.join(opts.root, `Pulumi.${args.stack ?? "dev"}.yaml`);
  const stack = args.stack ?? stackFromFile(file) ?? "dev";
  if (!existsSync(file)) {
    throw new UsageError(
      `${path.relative(process.cwd(), file) || file}: no such stack config file`,
    );
  }

  // 1. Config: every problem, with its path; exit 2.
  let stackFile;
  let cfg: StackConfig;
  try {
    ({ stackFile, config: cfg } = loadStackConfigFile(file, stack));
  } catch (err: unknown) {
    const message = err instanceof ConfigError || err instanceof Error ? err.message : String(err);
    return { exitCode: 2, stdout: "", stderr: `${message}\n` };
  }

  // 1b. --overrides: the only step that talks to AWS; a failed read is exit 2 naming the call.
  let overrides: RotationOverride[] | undefined;
  if (args.overrides) {
    const read = await readOverridesFlag(
      "plan",
      {
        name: stack,
        backend: cfg.backend,
        prefix: cfg.prefix,
        rotations: cfg.onCall.map((r) => r.name),
        stackConfig: stackFile.config,
      },
      opts.overrideClients,
      opts.now,
    );
    if ("error" in read) return { exitCode: 2, stdout: "", stderr: `${read.error}\n` };
    overrides = read.overrides;
  }

  let orgPolicyConfig: unknown = {};
  if (args["policy-config"]) {
    try {
      orgPolicyConfig = JSON.parse(readFileSync(args["policy-config"], "utf8")) as unknown;
      if (
        typeof orgPolicyConfig !== "object" ||
        orgPolicyConfig === null ||
        Array.isArray(orgPolicyConfig)
      ) {
        throw new Error("must be a JSON object of policy name → enforcement level or settings");
      }
    } catch (err: unknown) {
      throw new UsageError(
        `--policy-config ${args["policy-config"]}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  // 2. The real program under the mock engine.
  const entry = require.resolve(path.join(opts.root, "index.ts"));
  const { resources } = await runWithMocks(
    { stack, config: stackFile.config, secretKeys: stackFile.secretKeys },
    () => {
      delete require.cache[entry];
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require(entry) as unknown;
    },
  );

  // 3. One region for every provider, as `pulumi up` would resolve them; exit 2 otherwise.
  const providers = providerRegions(resources, stackFile.config, opts.env ?? process.env);
  const regionProblem = providerRegionProblem(providers);
  if (regionProblem) return { exitCode: 2, stdout: "", stderr: `plan: ${regionProblem}\n` };

  // 4. Timeline, policies, report.
  const timeline = buildTimeline(cfg, stack, opts.now, overrides);
  const violations = evaluatePolicies(
    resources
      .filter((r) => r.custom)
      .map((r) => ({ type: r.type, name: r.name, inputs: r.inputs, id: r.id })),
    mergePolicyConfig(policyConfig(cfg), orgPolicyConfig as Record<string, unknown>),
  );
  const sensitive = sensitiveValues(cfg);
  const document = buildPlanDocument({
    stack,
    resources,
    timeline,
    violations,
    bundles: bundles(opts.root),
    sensitive,
    securePaths: stackFile.securePaths,
    // Backend step-functions creates no Incident Manager resource: no replication set to report.
    replicationSet:
      cfg.backend === "step-functions"
        ? undefined
        : incidentManagerSettings(cfg).replicationSet === "existing"
          ? "existing"
          : "created",
    backendWarnings: engineWarnings(cfg),
    providers,
    heartbeat: heartbeatFacts(cfg),
    ...(overrides === undefined ? {} : { overrides }),
    hours: hoursFacts(
      cfg,
      Object.fromEntries(timeline.levels.map((l) => [l.level, l.mode])),
      opts.now,
    ),
  });
  document.warnings.push(...stepFunctionsSandboxWarnings(cfg), ...voiceChannelWarnings(cfg));
  const exitCode = violations.some((v) => v.enforcementLevel === "mandatory") ? 1 : 0;
  const colour = opts.colour && !args["no-color"] && !args.json;
  const stdout = args.json
    ? `${JSON.stringify(document, null, 2)}\n`
    : scrub(
        renderPlanText(document, redactedResources(resources), colour ? COLOUR : PLAIN),
        sensitive,
      );
  return { exitCode, stdout, stderr: "", document };
}

/** Policy configuration implied by the stack: which levels page, which route to people. */
export function policyConfig(cfg: StackConfig): PackConfig {
  const levels = Object.entries(cfg.levels);
  const paging = levels.filter(([, l]) => l.page).map(([n]) => n);
  const routedToPeople = levels
    .filter(([, l]) => l.page || (l.engage ?? []).length > 0)
    .map(([n]) => n);
  return {
    ...packConfig({ pagingLevels: paging }),
    "every-alarm-routed": { pagingLevels: routedToPeople },
    // Backend step-functions pages through the escalation engine: no response plan to expect.
    ...(cfg.backend === "step-functions" ? { "paging-level-has-plan": { pagingLevels: [] } } : {}),
  };
}

/**
 * The organisation's policy configuration over the stack's: a bare enforcement level keeps the
 * settings the stack implies; an object's settings override them key by key.
 */
export function mergePolicyConfig(implied: PackConfig, org: Record<string, unknown>): PackConfig {
  const out: Record<string, unknown> = { ...implied };
  for (const [policy, value] of Object.entries(org)) {
    const base = implied[policy];
    const baseObj =
      typeof base === "object" && base !== null
        ? base
        : typeof base === "string"
          ? { enforcementLevel: base }
          : {};
    out[policy] =
      typeof value === "string"
        ? { ...baseObj, enforcementLevel: value }
        : typeof value === "object" && value !== null
          ? { ...baseObj, ...(value as Record<string, unknown>) }
          : value;
  }
  return out as PackConfig;
}

function redactedResources(resources: readonly RecordedResource[]): RecordedResource[] {
  return resources.map((r) => ({ ...r, inputs: {} }));
}

function bundles(root: string): BundleInfo[] {
  const dir = path.join(root, "dist", "bundles");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((fn) => existsSync(path.join(dir, fn, "index.js")))
    .map((fn) => {
      const rel = path.join("dist", "bundles", fn, "index.js");
      const sha256 = createHash("sha256")
        .update(readFileSync(path.join(root, rel)))
        .digest("base64");
      return { path: rel, sha256 };
    });
}

function stackFromFile(file: string): string | undefined {
  return /^Pulumi\.(.+)\.ya?ml$/.exec(path.basename(file))?.[1];
}
