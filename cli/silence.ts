/**
 * `npm run silence -- --stack <s> --alarm <name|prefix*> --for <duration> --reason "<text>"`,
 * `--list`, `--clear <id>` or `--clear --alarm <name|prefix*>`: ad-hoc silences in the stack's
 * `<prefix>-silences` table (tools/silence.ts). The router reads them (handlers/router/silence.ts).
 *
 * Exit codes: 0 done, 1 nothing to clear, 2 usage, config, credential or AWS errors.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { defaultPrefix } from "../components/builders";
import { describeAwsError } from "../tools/awsErrors";
import {
  UsageError,
  parseCliArgs,
  runCliAsync,
  runMain,
  writeOutcome,
  type Cli,
  type CliArgs,
} from "../tools/cliArgs";
import {
  SILENCE_ID,
  parseDuration,
  patternProblem,
  reasonProblem,
  runSilence,
  silencesTableName,
  type SilenceAction,
  type SilenceDeps,
} from "../tools/silence";
import { loadStackConfigFile } from "../tools/stackFile";

export const SILENCE_USAGE = `Usage: npm run silence -- --stack <name> --alarm <name|prefix*> --for <duration> --reason "<text>"
       npm run silence -- --stack <name> --list
       npm run silence -- --stack <name> --clear <id>
       npm run silence -- --stack <name> --clear --alarm <name|prefix*>

Ad-hoc maintenance silences, kept in the stack's table <prefix>-silences until they expire.
While one is active, an ALARM of a matching alarm goes to Slack marked as silenced with the
reason and pages nobody; an alarm still in ALARM when the silence ends is handled then as a
fresh ALARM. The pipeline's own alarms are never silenced. Scheduled windows belong in
maintenance[] of the stack config.

  --stack <name>            stack whose Pulumi.<name>.yaml names the alarms (required)
  --alarm <name|prefix*>    an alarm name of alarms[] (api-5xx), a prefix (api-*), or * (all)
  --for <duration>          how long, from now: 30m, 2h, 1h30m, 1d (1m to 7d)
  --reason "<text>"         why (shown in Slack; required, at most 120 characters)
  --list                    list the active silences, soonest end first
  --clear <id>              end one silence now (ids as --list prints them)
  --clear --alarm <pattern> end every active silence with exactly that pattern
  --region <region>         AWS region (default: aws:region of the stack, then the SDK default)
  --help                    this text

Needs: dynamodb:PutItem (add), dynamodb:Query (list, clear --alarm), dynamodb:DeleteItem (clear).
Exit codes: 0 done, 1 nothing to clear, 2 usage, config, credential or AWS errors.`;

export interface SilenceArgs {
  readonly stack: string;
  readonly region?: string;
  readonly action: SilenceAction;
}

/** `--clear` without a value (followed by `--alarm` or nothing) is the boolean `--clear-alarm`. */
function normalise(argv: readonly string[]): string[] {
  return argv.map((a, i) =>
    a === "--clear" && (i + 1 === argv.length || argv[i + 1].startsWith("--"))
      ? "--clear-alarm"
      : a,
  );
}

export function parseSilenceArgs(argv: readonly string[]): CliArgs<SilenceArgs> {
  return parseCliArgs(
    normalise(argv),
    SILENCE_USAGE,
    {
      stack: { type: "string" },
      alarm: { type: "string" },
      for: { type: "string" },
      reason: { type: "string" },
      list: { type: "boolean", default: false },
      clear: { type: "string" },
      "clear-alarm": { type: "boolean", default: false },
      region: { type: "string" },
    },
    (v): CliArgs<SilenceArgs> => {
      const error = (message: string) => ({ kind: "error" as const, message });
      if (!v.stack) return error("--stack <name> is required");
      const base = { stack: v.stack, ...(v.region ? { region: v.region } : {}) };
      const actions = [v.list, v.clear !== undefined, v["clear-alarm"], v.for !== undefined];
      if (actions.filter(Boolean).length > 1) {
        return error("use one of --for (add), --list, --clear at a time");
      }
      if (v.list) {
        if (v.alarm !== undefined || v.reason !== undefined)
          return error("--list takes no --alarm or --reason");
        return { kind: "run", args: { ...base, action: { kind: "list" } } };
      }
      if (v.clear !== undefined) {
        if (!SILENCE_ID.test(v.clear)) {
          return error(
            `--clear ${JSON.stringify(v.clear)} is not a silence id (s-<yyyymmdd>T<hhmm>-<6 hex>, as --list prints)`,
          );
        }
        return { kind: "run", args: { ...base, action: { kind: "clear-id", id: v.clear } } };
      }
      if (v.alarm === undefined) return error("--alarm <name|prefix*> is required");
      if (v["clear-alarm"]) {
        return {
          kind: "run",
          args: { ...base, action: { kind: "clear-alarm", pattern: v.alarm } },
        };
      }
      if (v.for === undefined) return error("--for <duration> is required (e.g. 2h)");
      const minutes = parseDuration(v.for);
      if (typeof minutes === "string") return error(minutes);
      const reason = reasonProblem(v.reason);
      if (reason !== undefined) return error(reason);
      return {
        kind: "run",
        args: {
          ...base,
          action: { kind: "add", pattern: v.alarm, minutes, reason: v.reason ?? "" },
        },
      };
    },
  );
}

export const SILENCE_CLI: Cli<SilenceArgs> = {
  name: "silence",
  usage: SILENCE_USAGE,
  parse: parseSilenceArgs,
};

export interface SilenceCliOptions extends Omit<SilenceDeps, "client"> {
  readonly argv: readonly string[];
  /** Where Pulumi.<stack>.yaml lives. */
  readonly root: string;
  readonly dynamodb: (region: string | undefined) => SilenceDeps["client"];
  readonly io: { readonly stdout: NodeJS.WritableStream; readonly stderr: NodeJS.WritableStream };
}

const ACTION_OF = {
  add: "dynamodb:PutItem",
  list: "dynamodb:Query",
  "clear-id": "dynamodb:DeleteItem",
  "clear-alarm": "dynamodb:Query",
} as const;

/** `npm run silence` in process; returns the exit code. */
export function silenceCli(opts: SilenceCliOptions): Promise<0 | 1 | 2> {
  return runCliAsync(
    SILENCE_CLI,
    opts.argv,
    async (args): Promise<0 | 1 | 2> => {
      const file = path.join(opts.root, `Pulumi.${args.stack}.yaml`);
      if (!existsSync(file)) {
        throw new UsageError(
          `${path.basename(file)}: no such stack config file (stack "${args.stack}")`,
        );
      }
      const { stackFile, config } = loadStackConfigFile(file, args.stack);
      const action = args.action;
      if (action.kind === "add" || action.kind === "clear-alarm") {
        const problem = patternProblem(
          action.pattern,
          config.alarms.map((a) => a.name),
        );
        if (problem !== undefined) throw new UsageError(problem);
      }
      const table = silencesTableName(config.prefix ?? defaultPrefix(args.stack));
      const client = opts.dynamodb(args.region ?? stackFile.config["aws:region"]);
      try {
        return await runSilence(table, action, { ...opts, client });
      } catch (err: unknown) {
        opts.err(`silence: table ${table}: ${describeAwsError(err, ACTION_OF[action.kind])}`);
        return 2;
      }
    },
    (outcome) => writeOutcome(outcome, opts.io),
  );
}

if (require.main === module) {
  runMain("silence", (argv) =>
    silenceCli({
      argv,
      root: path.join(__dirname, ".."),
      now: () => new Date(),
      random: () => randomBytes(3).toString("hex"),
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
      dynamodb: (region) => new DynamoDBClient(region ? { region } : {}),
      io: { stdout: process.stdout, stderr: process.stderr },
    }),
  );
}
