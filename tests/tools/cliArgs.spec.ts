/**
 * tools/cliArgs.ts, the argument parsing and usage convention every CLI in cli/ shares: the
 * result shape of `parseCliArgs` (run, help, error with `util.parseArgs`'s own message), the
 * exact help and usage-error outcome, and that a `UsageError` thrown (or rejected with) after
 * parsing becomes that same usage error while any other error propagates. Literal expectations,
 * on a tiny made-up CLI.
 *
 * What this does NOT prove: that each real CLI uses it with its own messages and exit codes (the
 * specs of plan, guide, activate, drill and preflight assert those, in process and as child
 * processes); `runMain`'s handling of process.exitCode and crashes (it touches the process; only
 * the child-process specs run it).
 */
import assert from "node:assert/strict";
import {
  UsageError,
  parseCliArgs,
  runCli,
  runCliAsync,
  usageOutcome,
  type Cli,
  type CliArgs,
  type CliOutcome,
} from "../../tools/cliArgs";

const USAGE = "Usage: demo --name <n> [--loud]";

function parseDemo(argv: readonly string[]): CliArgs<{ name: string; loud: boolean }> {
  return parseCliArgs(
    argv,
    USAGE,
    { name: { type: "string" }, loud: { type: "boolean", default: false } },
    (v) =>
      v.name
        ? { kind: "run", args: { name: v.name, loud: v.loud } }
        : { kind: "error", message: "--name <n> is required" },
  );
}

const DEMO: Cli<{ name: string; loud: boolean }> = { name: "demo", usage: USAGE, parse: parseDemo };
const ran = (o: CliOutcome) => o;

describe("tools/cliArgs: one parser and one usage convention for every CLI", () => {
  it("parseCliArgs: run, help (before any check), and errors with util.parseArgs' message", () => {
    const table: [string[], CliArgs<{ name: string; loud: boolean }>][] = [
      [["--name", "x"], { kind: "run", args: { name: "x", loud: false } }],
      [["--name", "x", "--loud"], { kind: "run", args: { name: "x", loud: true } }],
      [["--help"], { kind: "help", text: USAGE }],
      [["--help", "--bogus"], { kind: "error", message: "Unknown option '--bogus'" }],
      [[], { kind: "error", message: "--name <n> is required" }],
      [["--name"], { kind: "error", message: "Option '--name <value>' argument missing" }],
      [
        ["x"],
        {
          kind: "error",
          message: "Unexpected argument 'x'. This command does not take positional arguments",
        },
      ],
    ];
    for (const [argv, expected] of table) {
      assert.deepEqual(parseDemo(argv), expected, argv.join(" "));
    }
  });

  it("usageOutcome: help on stdout with exit 0; an error, a blank line and the usage on stderr with exit 2", () => {
    assert.deepEqual(usageOutcome(DEMO, { kind: "help", text: USAGE }), {
      exitCode: 0,
      stdout: "Usage: demo --name <n> [--loud]\n",
      stderr: "",
    });
    assert.deepEqual(usageOutcome(DEMO, { kind: "error", message: "bad" }), {
      exitCode: 2,
      stdout: "",
      stderr: "demo: bad\n\nUsage: demo --name <n> [--loud]\n",
    });
  });

  it("runCli: runs with the parsed arguments; a UsageError from the run is a usage error", () => {
    assert.equal(
      runCli(
        DEMO,
        ["--name", "a"],
        (args) => `ran ${args.name}`,
        () => "usage",
      ),
      "ran a",
    );
    assert.deepEqual(
      runCli(DEMO, ["--help"], () => "ran", JSON.stringify),
      JSON.stringify({
        exitCode: 0,
        stdout: `${USAGE}\n`,
        stderr: "",
      }),
    );
    const thrown = runCli<{ name: string; loud: boolean }, CliOutcome>(
      DEMO,
      ["--name", "a"],
      () => {
        throw new UsageError("a: no such stack config file");
      },
      ran,
    );
    assert.deepEqual(thrown, {
      exitCode: 2,
      stdout: "",
      stderr: `demo: a: no such stack config file\n\n${USAGE}\n`,
    });
    assert.throws(
      () =>
        runCli(
          DEMO,
          ["--name", "a"],
          () => {
            throw new Error("a bug");
          },
          ran,
        ),
      /^Error: a bug$/,
    );
  });

  it("runCliAsync: a rejected UsageError is a usage error; any other rejection propagates", async () => {
    const r = await runCliAsync<{ name: string; loud: boolean }, CliOutcome>(
      DEMO,
      ["--name", "a"],
      async () => {
        throw new UsageError("--policy-config p: bad JSON");
      },
      ran,
    );
    assert.deepEqual(r, {
      exitCode: 2,
      stdout: "",
      stderr: `demo: --policy-config p: bad JSON\n\n${USAGE}\n`,
    });
    const e = await runCliAsync<{ name: string; loud: boolean }, CliOutcome | string>(
      DEMO,
      ["--bogus"],
      async () => "ran",
      ran,
    );
    assert.deepEqual(e, {
      exitCode: 2,
      stdout: "",
      stderr: `demo: Unknown option '--bogus'\n\n${USAGE}\n`,
    });
    await assert.rejects(
      runCliAsync(
        DEMO,
        ["--name", "a"],
        async () => {
          throw new Error("a bug");
        },
        ran,
      ),
      /^Error: a bug$/,
    );
  });
});
