/**
 * `npm run plan -- [--stack <name>] [--config-file <path>] [--policy-config <path>] [--json]
 * [--no-color] [--overrides]`: the command line and the printing; the plan itself is tools/plan.ts.
 *
 * Exit codes: 0 fine (advisory findings allowed), 1 mandatory policy violations, 2 config errors,
 * providers without a region or in different regions, a failed --overrides read, or bad usage.
 */
import * as path from "node:path";
import { parseCliArgs, runCliAsync, runMain, type Cli, type CliArgs } from "../tools/cliArgs";
import { plan, type PlanArgs, type PlanOptions, type PlanResult } from "../tools/plan";

export const PLAN_USAGE = `Usage: npm run plan -- [--stack <name>] [--config-file <path>] [--policy-config <path>] [--json] [--no-color] [--overrides]

Offline preview of a stack (no AWS account, no Pulumi CLI): what would be created, who gets paged
when and how for each level, and what the policy pack says.

  --stack <name>        stack whose Pulumi.<name>.yaml to use (default: dev)
  --config-file <path>  a stack config file of the same shape, instead of Pulumi.<stack>.yaml
  --policy-config <path>  policy pack configuration (JSON, as for pulumi --policy-pack-config),
                        merged over what the stack implies (e.g. which levels must be routed)
  --json                one JSON document instead of text
  --no-color            no ANSI colours (also when stdout is not a terminal, or NO_COLOR is set)
  --overrides           also read the rotations' active and upcoming overrides from AWS with your
                        credentials (the stack's aws:region; as npm run override -- --list does)
  --help                this text

Exit codes: 0 fine (advisory findings allowed), 1 mandatory policy violations, 2 config errors,
providers that would not deploy to one region, or a failed --overrides read.`;

export function parsePlanArgs(argv: readonly string[]): CliArgs<PlanArgs> {
  return parseCliArgs(
    argv,
    PLAN_USAGE,
    {
      stack: { type: "string" },
      "config-file": { type: "string" },
      "policy-config": { type: "string" },
      json: { type: "boolean", default: false },
      "no-color": { type: "boolean", default: false },
      overrides: { type: "boolean", default: false },
    },
    (args) => ({ kind: "run", args }),
  );
}

export const PLAN_CLI: Cli<PlanArgs> = { name: "plan", usage: PLAN_USAGE, parse: parsePlanArgs };

/** `npm run plan` in process: what to print and the exit code. */
export function planCli(
  opts: PlanOptions & { readonly argv: readonly string[] },
): Promise<PlanResult> {
  return runCliAsync(
    PLAN_CLI,
    opts.argv,
    (args) => plan(args, opts),
    (outcome) => outcome,
  );
}

if (require.main === module) {
  const colour =
    Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && process.env.TERM !== "dumb";
  runMain("plan", async (argv) => {
    const r = await planCli({ argv, root: path.join(__dirname, ".."), now: new Date(), colour });
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    return r.exitCode;
  });
}
