// Bundles each Lambda handler in handlers/<fn>/handler.ts into dist/bundles/<fn>/index.js with
// esbuild: minified, AWS SDK included, deterministic (no timestamps, no absolute paths), so the
// same source always yields the same bytes and the same Lambda code hash.
import { buildSync } from "esbuild";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const handlersDir = join(root, "handlers");
const outRoot = join(root, "dist", "bundles");

const fns = readdirSync(handlersDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(handlersDir, d.name, "handler.ts")))
  .map((d) => d.name)
  .sort();

/** The esbuild options of a handler's bundle (the bench builds with the same ones). */
export function bundleOptions(fn) {
  return {
    absWorkingDir: root,
    entryPoints: [join("handlers", fn, "handler.ts")],
    bundle: true,
    minify: true,
    platform: "node",
    // The Lambda runtime is nodejs24.x (components/handlerFunction.ts LAMBDA_RUNTIME).
    target: "node24",
    format: "cjs",
    // ES-module builds of the SDK tree-shake; the CommonJS ones do not.
    mainFields: ["module", "main"],
    // Lambda supplies credentials in the environment: skip the default chain (SSO, STS, ...).
    alias: { "@aws-sdk/credential-provider-node": "./tools/lambdaCredentials.mjs" },
    // Test-only switches (handlers/notifier/core.ts ALLOW_INSECURE_LOCALHOST) do not exist in a
    // deployed bundle: esbuild removes the code they guard.
    define: { __NOTIFIER_TEST_SWITCHES__: "false" },
    legalComments: "none",
    sourcemap: false,
    write: false,
    logLevel: "warning",
  };
}

const isMain =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
/**
 * The installed npm packages whose files esbuild put into a bundle (from its metafile), as their
 * paths in package-lock.json (`node_modules/a`, `node_modules/a/node_modules/b`), sorted.
 */
export function bundledPackages(metafile) {
  const paths = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const m = /^(?:.*\/)?((?:node_modules\/(?:@[^/]+\/)?[^/]+\/)+)/.exec(input);
    if (m) paths.add(m[1].replace(/\/$/, ""));
  }
  return [...paths].sort();
}

for (const fn of isMain ? fns : []) {
  const result = buildSync({ ...bundleOptions(fn), metafile: true });
  const code = result.outputFiles[0].contents;
  const outDir = join(outRoot, fn);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "index.js"), code);
  // What the deployed code contains, for the supply-chain spec (tests/supplyChain.spec.ts): every
  // one of these must be a production dependency, so `npm audit --omit=dev` covers it.
  writeFileSync(
    join(outDir, "packages.json"),
    `${JSON.stringify(bundledPackages(result.metafile), null, 2)}\n`,
  );
  const sha = createHash("sha256").update(code).digest("hex");
  console.log(
    `bundled handlers/${fn} -> dist/bundles/${fn}/index.js (${code.length} bytes, sha256 ${sha.slice(0, 12)})`,
  );
}
