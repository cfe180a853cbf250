/**
 * Runs the real program (index.ts) under the mock engine with an example stack's config.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { RecordedResource, runWithMocks } from "../../tools/mockEngine";
import { readStackFile } from "../../tools/stackFile";

export const REPO = path.join(__dirname, "..", "..");

export interface ProgramRun {
  readonly resources: RecordedResource[];
  readonly outputs: Record<string, unknown>;
}

/**
 * Runs index.ts for `Pulumi.<stack>.yaml` (or a given file) and resolves its exports; `override`
 * replaces whole config keys (flat form, e.g. `"incident-escalation:incidentManager": "{...}"`).
 */
export async function runProgram(
  stack: string,
  file?: string,
  override: Record<string, string> = {},
): Promise<ProgramRun> {
  const stackFile = readStackFile(file ?? path.join(REPO, `Pulumi.${stack}.yaml`));
  const entry = require.resolve(path.join(REPO, "index.ts"));
  const { resources, result } = await runWithMocks(
    { stack, config: { ...stackFile.config, ...override }, secretKeys: stackFile.secretKeys },
    () => {
      // A fresh load per run: the program registers its resources when the module executes.
      delete require.cache[entry];
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require(entry) as Record<string, unknown>;
    },
  );
  const outputs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(result as Record<string, unknown>)) {
    outputs[k] = await resolve(v);
  }
  return { resources, outputs };
}

async function resolve(v: unknown): Promise<unknown> {
  const pulumi = await import("@pulumi/pulumi");
  if (pulumi.Output.isInstance(v)) {
    return new Promise((res) => (v as { apply(f: (x: unknown) => void): void }).apply(res));
  }
  return v;
}

/** Resources of a type. */
export function ofType(resources: readonly RecordedResource[], type: string): RecordedResource[] {
  return resources.filter((r) => r.type === type);
}

/** The one resource with this logical name and type. */
export function one(
  resources: readonly RecordedResource[],
  type: string,
  name: string,
): RecordedResource {
  const found = resources.filter((r) => r.type === type && r.name === name);
  if (found.length !== 1)
    throw new Error(`expected one ${type} named ${name}, got ${found.length}`);
  return found[0];
}

/** `{type: count}` of all resources. */
export function countByType(resources: readonly RecordedResource[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of resources) out[r.type] = (out[r.type] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** File name → text (StringAsset) or path (FileAsset) of a recorded Lambda code archive. */
export async function archiveFiles(code: unknown): Promise<Record<string, string>> {
  assert.ok(pulumi.asset.AssetArchive.isInstance(code), "code is an AssetArchive");
  const assets = await (code as pulumi.asset.AssetArchive).assets;
  const out: Record<string, string> = {};
  for (const [name, a] of Object.entries(assets)) {
    if (a instanceof pulumi.asset.StringAsset) out[name] = await a.text;
    else if (a instanceof pulumi.asset.FileAsset) out[name] = await a.path;
    else assert.fail(`${name}: unexpected asset`);
  }
  return out;
}
