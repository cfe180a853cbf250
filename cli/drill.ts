/**
 * `npm run drill -- --stack <name> --level <level> [--dry-run] [--yes] [--timeout <minutes>]
 *                  [--interval <seconds>] [--region <region>] [--help]`: the command line, the
 * terminal (confirmation, Ctrl-C), the SDK clients of both backends and the exit code; the drill
 * is tools/drill.ts.
 *
 * Exit codes: 0 acknowledged (or dry run / help), 1 nobody acknowledged before the timeout,
 * 2 usage, config, credential or AWS errors (including a drill that could not be resolved),
 * 130 interrupted with Ctrl-C (the report is still recorded and the incident resolved).
 */
import * as path from "node:path";
import * as readline from "node:readline";
import { SSMContactsClient } from "@aws-sdk/client-ssm-contacts";
import { SSMIncidentsClient } from "@aws-sdk/client-ssm-incidents";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";
import {
  parseCliArgs,
  runCliAsync,
  runMain,
  type Cli,
  type CliArgs,
  type CliOutcome,
} from "../tools/cliArgs";
import {
  DEFAULTS,
  abortableSleep,
  drill,
  type DrillClients,
  type DrillIO,
  type EngineDrillClients,
  type DrillOptions,
  type ExitCode,
} from "../tools/drill";
import { SDK_OVERRIDE_CLIENTS } from "../tools/override";

export const DRILL_USAGE = `Usage: npm run drill -- --stack <name> --level <level> [--dry-run] [--yes]
                      [--timeout <minutes>] [--interval <seconds>] [--region <region>]

Paging drill through the stack's backend, so the real people are paged over their real channels:
- incident-manager: starts a real incident titled "[DRILL] <level> paging drill <time>" through the
  level's response plan; acknowledge by entering the code from the email/SMS, or pressing 1 on the
  call. The report is recorded on the incident's timeline, the incident resolved and any
  engagement still paging stopped.
- step-functions: starts an execution "DRILL-<level>-<time>" of the engine's state machine
  <prefix>-escalation with the alarm "[DRILL] <level> paging drill" (every page says DRILL);
  acknowledge with the link in the e-mail or SMS. The drill watches the incident in
  <prefix>-incidents, then resolves it and stops the execution.
Before a real run starts, prints who each rotation the level engages has on call now, with the
rotations' overrides (npm run override) applied. Waits until someone acknowledges or the timeout
passes, then prints a report.

  --stack <name>        stack whose Pulumi.<name>.yaml to read (required)
  --level <level>       paging level (page: true) to drill (required)
  --dry-run             print the expected paging timeline only: no AWS calls, no credentials
  --yes                 do not ask for confirmation (for scripts)
  --timeout <minutes>   stop waiting for an acknowledgement after this long (default 30)
  --interval <seconds>  poll Incident Manager / the incident table this often (default 20, at least 5)
  --region <region>     AWS region (default: aws:region of the stack, then the AWS SDK default)
  --help                this text

Ctrl-C stops waiting, records the report and resolves the incident; Ctrl-C again quits at once.
Needs (incident-manager): ssm-incidents:ListResponsePlans, StartIncident, CreateTimelineEvent,
UpdateIncidentRecord; ssm-contacts:ListEngagements, ListPagesByEngagement, ListPageReceipts,
ListContactChannels, StopEngagement, ListRotations, ListRotationOverrides (the overrides).
Needs (step-functions): states:ListStateMachines, StartExecution (the state machine),
StopExecution (its executions); dynamodb:GetItem, UpdateItem (the incident table, also its
override items).
See docs/drills.md.
Exit codes: 0 acknowledged, 1 nobody acknowledged before the timeout, 2 usage, config, credential
or AWS errors, 130 interrupted.`;

export function parseDrillArgs(argv: readonly string[]): CliArgs<DrillOptions> {
  return parseCliArgs(
    argv,
    DRILL_USAGE,
    {
      stack: { type: "string" },
      level: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      yes: { type: "boolean", default: false },
      timeout: { type: "string" },
      interval: { type: "string" },
      region: { type: "string" },
    },
    drillOptions,
  );
}

function drillOptions(values: {
  readonly stack?: string;
  readonly level?: string;
  readonly "dry-run"?: boolean;
  readonly yes?: boolean;
  readonly timeout?: string;
  readonly interval?: string;
  readonly region?: string;
}): CliArgs<DrillOptions> {
  if (!values.stack) return { kind: "error", message: "--stack <name> is required" };
  if (!values.level) return { kind: "error", message: "--level <level> is required" };
  const timeout = numberOption("--timeout", values.timeout, DEFAULTS.timeoutMinutes, 1, 24 * 60);
  if (typeof timeout === "string") return { kind: "error", message: timeout };
  const interval = numberOption(
    "--interval",
    values.interval,
    DEFAULTS.intervalSeconds,
    5,
    10 * 60,
  );
  if (typeof interval === "string") return { kind: "error", message: interval };
  if (values.region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(values.region)) {
    return { kind: "error", message: `--region ${values.region}: not an AWS region name` };
  }
  return {
    kind: "run",
    args: {
      stack: values.stack,
      level: values.level,
      dryRun: values["dry-run"] ?? false,
      yes: values.yes ?? false,
      timeoutMinutes: timeout,
      intervalSeconds: interval,
      ...(values.region !== undefined ? { region: values.region } : {}),
    },
  };
}

function numberOption(
  flag: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number | string {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) {
    return `${flag} ${raw}: expected a number from ${min} to ${max}`;
  }
  return n;
}

export const DRILL_CLI: Cli<DrillOptions> = {
  name: "drill",
  usage: DRILL_USAGE,
  parse: parseDrillArgs,
};

/** What `npm run drill` in process gets: the drill's I/O and the command line. */
export type DrillCliIO = DrillIO & { readonly argv: readonly string[] };

/** `npm run drill` in process; returns the exit code. */
export function drillCli(io: DrillCliIO): Promise<ExitCode> {
  return runCliAsync(
    DRILL_CLI,
    io.argv,
    (opts) => drill(opts, io),
    (outcome) => lines(outcome, io),
  );
}

/** Help or a usage error through the drill's line writers (which add the newline). */
function lines(outcome: CliOutcome, io: DrillIO): ExitCode {
  if (outcome.stdout) io.out(outcome.stdout.replace(/\n$/, ""));
  if (outcome.stderr) io.err(outcome.stderr.replace(/\n$/, ""));
  return outcome.exitCode;
}

function terminalConfirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    process.stderr.write("drill: stdin is not a terminal; pass --yes to start the drill.\n");
    return Promise.resolve(false);
  }
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  return new Promise((resolve) => {
    rl.on("SIGINT", () => {
      rl.close();
      resolve(false);
    });
    rl.question(question, (answer) => {
      rl.close();
      resolve(/^y(es)?$/i.test(answer.trim()));
    });
  });
}

function engineSdkClients(region: string | undefined): EngineDrillClients {
  const config = region ? { region } : {};
  return { sfn: new SFNClient(config), db: new DynamoDBClient(config) };
}

function sdkClients(region: string | undefined): DrillClients {
  const config = region ? { region } : {};
  return { incidents: new SSMIncidentsClient(config), contacts: new SSMContactsClient(config) };
}

if (require.main === module) {
  const controller = new AbortController();
  process.once("SIGINT", () => {
    process.stderr.write(
      "\nInterrupted (Ctrl-C again quits at once, leaving the incident open).\n",
    );
    controller.abort();
  });
  runMain("drill", (argv) =>
    drillCli({
      argv,
      root: path.join(__dirname, ".."),
      now: () => new Date(),
      sleep: abortableSleep,
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
      confirm: terminalConfirm,
      clients: sdkClients,
      engineClients: engineSdkClients,
      overrideClients: SDK_OVERRIDE_CLIENTS,
      signal: controller.signal,
    }),
  );
}
