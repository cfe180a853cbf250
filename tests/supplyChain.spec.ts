/**
 * Supply chain: the code Lambda runs is covered by `npm audit --omit=dev`.
 *
 * The bundler (tools/bundle.mjs) writes, beside each bundle, the installed packages esbuild put
 * into it (dist/bundles/<fn>/packages.json, from esbuild's metafile). Every one must be a
 * production package in package-lock.json (not `"dev": true`), so that an audit of production
 * dependencies sees everything deployed. Build first (`npm test` does).
 *
 * What this spec does NOT prove: that the audit finds nothing (it needs the registry's advisory
 * database; the README says how to run it), nor anything about the Pulumi plugins the CLI
 * downloads for users.
 */
import { strict as assert } from "node:assert";
import { readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..");
const lock = JSON.parse(readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as {
  packages: Record<string, { version?: string; dev?: boolean; devOptional?: boolean }>;
};
const bundlesDir = path.join(ROOT, "dist", "bundles");

function bundled(fn: string): string[] {
  return JSON.parse(readFileSync(path.join(bundlesDir, fn, "packages.json"), "utf8")) as string[];
}

describe("supply chain: what the Lambda bundles contain is a production dependency", () => {
  const fns = readdirSync(bundlesDir).sort();

  it("every handler is bundled, each with its package list", () => {
    assert.deepEqual(fns, [
      "ack",
      "deliveryEvents",
      "drill",
      "engine",
      "notifier",
      "router",
      "voice",
    ]);
    assert.ok(bundled("deliveryEvents").includes("node_modules/@aws-sdk/client-dynamodb"));
    assert.ok(bundled("ack").includes("node_modules/@aws-sdk/client-dynamodb"));
    assert.ok(bundled("drill").includes("node_modules/@aws-sdk/client-sns"));
    assert.ok(bundled("router").includes("node_modules/@aws-sdk/client-ssm-incidents"));
    assert.ok(bundled("notifier").includes("node_modules/@aws-sdk/client-secrets-manager"));
    assert.ok(bundled("engine").includes("node_modules/@aws-sdk/client-sesv2"));
    assert.ok(bundled("engine").includes("node_modules/@aws-sdk/client-connect"));
    assert.ok(bundled("voice").includes("node_modules/@aws-sdk/client-dynamodb"));
  });

  for (const fn of ["ack", "deliveryEvents", "drill", "engine", "notifier", "router", "voice"]) {
    it(`every package in the ${fn} bundle is in package-lock.json and not dev-only`, () => {
      const problems = bundled(fn).flatMap((p) => {
        const entry = lock.packages[p];
        if (entry === undefined) return [`${p}: not in package-lock.json`];
        if (entry.dev === true || entry.devOptional === true) {
          return [`${p}@${entry.version}: dev-only, so npm audit --omit=dev skips it`];
        }
        return [];
      });
      assert.deepEqual(problems, []);
    });
  }

  it("the SDK clients the handlers import are declared in dependencies, pinned", () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    const direct = [
      ...new Set([
        ...bundled("router"),
        ...bundled("notifier"),
        ...bundled("ack"),
        ...bundled("engine"),
        ...bundled("drill"),
        ...bundled("voice"),
      ]),
    ]
      .filter((p) => /^node_modules\/@aws-sdk\/client-[^/]+$/.test(p))
      .map((p) => p.slice("node_modules/".length))
      .sort();
    assert.deepEqual(direct, [
      "@aws-sdk/client-cloudwatch",
      "@aws-sdk/client-connect",
      "@aws-sdk/client-dynamodb",
      "@aws-sdk/client-pinpoint-sms-voice-v2",
      "@aws-sdk/client-scheduler",
      "@aws-sdk/client-secrets-manager",
      "@aws-sdk/client-sesv2",
      "@aws-sdk/client-sfn",
      "@aws-sdk/client-sns",
      "@aws-sdk/client-ssm-contacts",
      "@aws-sdk/client-ssm-incidents",
    ]);
    for (const name of direct) {
      assert.match(pkg.dependencies[name] ?? "", /^\d+\.\d+\.\d+$/, name);
    }
  });
});
