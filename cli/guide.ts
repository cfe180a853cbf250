/**
 * `npm run guide -- --stack <name> [--config-file <path>] [--out <file>] [--lang ja|en]
 * [--overrides] [--help]`: the command
 * line and the printing; the guide itself is tools/guide.ts.
 *
 * Exit codes: 0 written, 1 the output file could not be written, 2 config errors, bad usage or a
 * failed --overrides read.
 */
import * as path from "node:path";
import { parseCliArgs, runCliAsync, runMain, type Cli, type CliArgs } from "../tools/cliArgs";
import { guide, type GuideArgs, type GuideCliOptions, type GuideResult } from "../tools/guide";

export const GUIDE_USAGE = `Usage: npm run guide -- --stack <name> [--config-file <path>] [--out <file>] [--lang ja|en] [--overrides]

Writes the responder guide of a stack (Markdown): what a page looks like on each channel, how to
acknowledge, who is paged when for each level, who is on call, drills, and how to activate a
channel. Offline (no AWS account); never prints a phone number or an e-mail address.

  --stack <name>        stack whose Pulumi.<name>.yaml to read
  --config-file <path>  a stack config file of the same shape, instead of Pulumi.<stack>.yaml
  --out <file>          write the guide to this file instead of stdout
  --lang ja|en          language of a step-functions stack's guide (default: the stack's
                        incident-escalation:language, else en)
  --overrides           also read the rotations' active and upcoming overrides from AWS with your
                        credentials (the stack's aws:region; as npm run override -- --list does)
  --help                this text

Exit codes: 0 written, 1 the output file could not be written, 2 config errors, bad usage or a
failed --overrides read.`;

export function parseGuideArgs(argv: readonly string[]): CliArgs<GuideArgs> {
  return parseCliArgs(
    argv,
    GUIDE_USAGE,
    {
      stack: { type: "string" },
      "config-file": { type: "string" },
      out: { type: "string" },
      lang: { type: "string" },
      overrides: { type: "boolean", default: false },
    },
    (args) =>
      !args.stack && !args["config-file"]
        ? { kind: "error", message: "--stack <name> is required" }
        : { kind: "run", args },
  );
}

export const GUIDE_CLI: Cli<GuideArgs> = {
  name: "guide",
  usage: GUIDE_USAGE,
  parse: parseGuideArgs,
};

/** `npm run guide` in process: what to print and the exit code. */
export function guideCli(
  opts: GuideCliOptions & { readonly argv: readonly string[] },
): Promise<GuideResult> {
  return runCliAsync(
    GUIDE_CLI,
    opts.argv,
    (args) => guide(args, opts),
    (outcome) => outcome,
  );
}

if (require.main === module) {
  runMain("guide", async (argv) => {
    const r = await guideCli({ argv, root: path.join(__dirname, ".."), now: new Date() });
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    return r.exitCode;
  });
}
