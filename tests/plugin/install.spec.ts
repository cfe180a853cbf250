/**
 * The install path `pulumi package add <repo>.git/plugin@<tag>` relies on, checked statically: the
 * nodejs language host runs `npm install` in the plugin directory (InstallDependencies), locates
 * `@pulumi/pulumi/cmd/run-plugin` from that directory (Node resolution walks up to the root's
 * node_modules) and runs it with the directory (pulumi/pulumi
 * sdk/nodejs/cmd/pulumi-language-nodejs/main.go `RunPlugin`); run-plugin takes the package name
 * and version from plugin/package.json (cmd/run-plugin/run.js) and the Analyzer reads
 * plugin/tsconfig.json and plugin/index.ts (provider/experimental/analyzer.js).
 *
 * Not proven: a real `npm install` in a fresh clone (it would download every dependency); the
 * lead's CI runs `npm ci` at the root, which is what plugin/'s postinstall runs.
 */
import { strict as assert } from "node:assert";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { PLUGIN_DIR } from "./support";

const ROOT = path.join(PLUGIN_DIR, "..");
const json = (p: string) => JSON.parse(readFileSync(p, "utf8")) as Record<string, unknown>;

describe("plugin install path", () => {
  const plugin = json(path.join(PLUGIN_DIR, "package.json"));
  const root = json(path.join(ROOT, "package.json"));

  it("PulumiPlugin.yaml declares the nodejs runtime", () => {
    assert.deepEqual(parse(readFileSync(path.join(PLUGIN_DIR, "PulumiPlugin.yaml"), "utf8")), {
      runtime: "nodejs",
    });
  });

  it("plugin/package.json: the root's name and version, entry index.ts, no dependencies of its own", () => {
    assert.equal(plugin.name, "incident-escalation");
    assert.equal(plugin.version, root.version);
    assert.equal(plugin.main, "index.ts");
    // One copy of @pulumi/pulumi (the root's): two would be two runtimes in one process.
    assert.equal(plugin.dependencies, undefined);
    assert.equal(plugin.devDependencies, undefined);
  });

  it("npm install in plugin/ installs the root, whose prepare bundles the Lambda handlers", () => {
    assert.deepEqual(plugin.scripts, { postinstall: "npm --prefix .. ci --no-audit --no-fund" });
    const scripts = root.scripts as Record<string, string>;
    assert.equal(scripts.prepare, "npm run bundle");
    assert.equal(scripts.bundle, "node tools/bundle.mjs");
    assert.ok(existsSync(path.join(ROOT, "package-lock.json")), "npm ci needs the lock file");
    const deps = root.devDependencies as Record<string, string>;
    assert.ok(deps.esbuild && deps.typescript && deps["ts-node"] && deps["@types/node"]);
  });

  it("the Analyzer and ts-node find plugin/tsconfig.json, which includes only the entry's folder", () => {
    const tsconfig = json(path.join(PLUGIN_DIR, "tsconfig.json"));
    assert.equal(tsconfig.extends, "../tsconfig.json");
    assert.deepEqual(tsconfig.include, ["*.ts"]);
  });
});
