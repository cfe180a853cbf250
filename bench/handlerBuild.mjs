// The handlers as an unbundled build: every handlers/**.ts transpiled one-to-one by esbuild
// (bundle: false, cjs, the bundles' Node target from tools/bundle.mjs, not minified), so `require`
// resolves @aws-sdk/* from the repository's node_modules, as tsc's dist/handlers/ output would.
// The one loader of the benches that run the router from source: the unbundled variant of the
// cold start (coldStart.mjs) and the in-process router of the alarm storm (storm.ts).
import { buildSync } from "esbuild";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { bundleOptions } from "../tools/bundle.mjs";
import { ROOT } from "./lib.mjs";

/** Every .ts file under handlers/. */
export function handlerSources(dir = join(ROOT, "handlers")) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory()
      ? handlerSources(join(dir, d.name))
      : d.name.endsWith(".ts")
        ? [join(dir, d.name)]
        : [],
  );
}

/** Transpiles handlers/**.ts into `outdir` (same relative paths); returns the router's handler.js. */
export function transpileHandlers(outdir) {
  buildSync({
    absWorkingDir: ROOT,
    entryPoints: handlerSources(),
    outbase: ROOT,
    outdir,
    bundle: false,
    platform: "node",
    target: bundleOptions("router").target,
    format: "cjs",
    logLevel: "warning",
  });
  return join(outdir, "handlers", "router", "handler.js");
}
