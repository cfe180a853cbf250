/**
 * What every CLI of this project (cli/*.ts) shares: the strict command-line parser (Node's
 * `util.parseArgs`: an unknown option is an error, no positionals, `--help` everywhere), one
 * result shape for parsed arguments, and one convention for help, usage errors and crashes:
 *
 * - `--help`: the usage text on stdout, exit 0;
 * - a usage error: `<name>: <message>`, a blank line and the usage text on stderr, exit 2;
 * - a crash (a bug, an unexpected throw): `<name>: <message>` on stderr, exit 2, no stack trace.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** The parsed option values for `O`, typed as `util.parseArgs` types them. */
export type StrictValues<O extends Options> = ReturnType<
  typeof parseArgs<{ options: O; strict: true; allowPositionals: false }>
>["values"];

/** Parses `argv` against `options`; an unknown option or a bad value is `{ ok: false, message }`. */
export function parseStrictArgs<O extends Options>(
  argv: readonly string[],
  options: O,
):
  | { readonly ok: true; readonly values: StrictValues<O> }
  | { readonly ok: false; readonly message: string } {
  try {
    return {
      ok: true,
      values: parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values,
    };
  } catch (err: unknown) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}

/** What parsing a command line gives: the arguments to run with, a request for help, or why not. */
export type CliArgs<A> =
  | { readonly kind: "run"; readonly args: A }
  | { readonly kind: "help"; readonly text: string }
  | { readonly kind: "error"; readonly message: string };

/** A usage error found after parsing (e.g. the stack config file named does not exist). */
export class UsageError extends Error {}

/** One CLI: its name (the prefix of its messages), its usage text and its argument parser. */
export interface Cli<A> {
  readonly name: string;
  readonly usage: string;
  readonly parse: (argv: readonly string[]) => CliArgs<A>;
}

/**
 * Parses `argv` strictly against `options` plus `--help`; `toArgs` turns the values into the
 * CLI's arguments (`{ kind: "run", args }`) or a usage error (`{ kind: "error", message }`).
 */
export function parseCliArgs<O extends Options, A>(
  argv: readonly string[],
  usage: string,
  options: O,
  toArgs: (values: StrictValues<O>) => CliArgs<A>,
): CliArgs<A> {
  const parsed = parseStrictArgs(argv, {
    ...options,
    help: { type: "boolean", default: false },
  });
  if (!parsed.ok) return { kind: "error", message: parsed.message };
  const { help, ...values } = parsed.values as { help?: boolean };
  if (help) return { kind: "help", text: usage };
  return toArgs(values as StrictValues<O>);
}

/** What a CLI prints, and its exit code. */
export interface CliOutcome {
  readonly exitCode: 0 | 2;
  readonly stdout: string;
  readonly stderr: string;
}

/** Help: the usage on stdout, exit 0. A usage error: name, message and usage on stderr, exit 2. */
export function usageOutcome(
  cli: Cli<unknown>,
  help:
    | { readonly kind: "help"; readonly text: string }
    | { readonly kind: "error"; readonly message: string },
): CliOutcome {
  return help.kind === "help"
    ? { exitCode: 0, stdout: `${help.text}\n`, stderr: "" }
    : { exitCode: 2, stdout: "", stderr: `${cli.name}: ${help.message}\n\n${cli.usage}\n` };
}

/**
 * Parses `argv` and runs `run` with the arguments; help and usage errors (from parsing, or a
 * `UsageError` thrown by `run`) become `onUsage(outcome)` instead.
 */
export function runCli<A, R>(
  cli: Cli<A>,
  argv: readonly string[],
  run: (args: A) => R,
  onUsage: (outcome: CliOutcome) => R,
): R {
  const parsed = cli.parse(argv);
  if (parsed.kind !== "run") return onUsage(usageOutcome(cli, parsed));
  try {
    return run(parsed.args);
  } catch (err: unknown) {
    if (err instanceof UsageError) return onUsage(usageOutcome(cli, toError(err)));
    throw err;
  }
}

/** `runCli` for an asynchronous `run`: a `UsageError` it rejects with is a usage error too. */
export async function runCliAsync<A, R>(
  cli: Cli<A>,
  argv: readonly string[],
  run: (args: A) => Promise<R>,
  onUsage: (outcome: CliOutcome) => R,
): Promise<R> {
  const parsed = cli.parse(argv);
  if (parsed.kind !== "run") return onUsage(usageOutcome(cli, parsed));
  try {
    return await run(parsed.args);
  } catch (err: unknown) {
    if (err instanceof UsageError) return onUsage(usageOutcome(cli, toError(err)));
    throw err;
  }
}

function toError(err: UsageError): { readonly kind: "error"; readonly message: string } {
  return { kind: "error", message: err.message };
}

/** Writes an outcome to the streams; its exit code. */
export function writeOutcome(
  outcome: CliOutcome,
  io: { readonly stdout: NodeJS.WritableStream; readonly stderr: NodeJS.WritableStream },
): 0 | 2 {
  if (outcome.stdout) io.stdout.write(outcome.stdout);
  if (outcome.stderr) io.stderr.write(outcome.stderr);
  return outcome.exitCode;
}

/**
 * The process side of every CLI: runs `main` with the command line, sets `process.exitCode` to
 * what it returns; a throw prints `<name>: <message>` on stderr (no stack trace) and exits 2.
 */
export function runMain(name: string, main: (argv: readonly string[]) => Promise<number>): void {
  Promise.resolve()
    .then(() => main(process.argv.slice(2)))
    .then((code) => {
      process.exitCode = code;
    })
    .catch((err: unknown) => {
      process.stderr.write(`${name}: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 2;
    });
}
