/**
 * The command-line parsing every CLI of this project shares: Node's `util.parseArgs`, strict
 * (an unknown option is an error), no positionals, and its error as a message instead of a throw.
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
