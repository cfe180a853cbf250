/**
 * Locates the esbuild bundles of the Lambda handlers (`npm run bundle`, run by `npm ci` through
 * the `prepare` script) from source (ts-node) and from the built library alike.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

/** The package root: the nearest folder above this file whose package.json is ours. */
export function packageRoot(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    const pkg = path.join(dir, "package.json");
    if (existsSync(pkg)) {
      const name: unknown = (JSON.parse(readFileSync(pkg, "utf8")) as { name?: unknown }).name;
      if (name === "incident-escalation") return dir;
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`incident-escalation: package root not found above ${from}`);
    dir = up;
  }
}

export interface HandlerBundle {
  /** Absolute path of the bundle file. */
  readonly file: string;
  /** Path relative to the package root, for display. */
  readonly relative: string;
  /** Base64 SHA-256 of the bundle, as Lambda reports `sourceCodeHash`. */
  readonly sha256: string;
}

export function handlerBundle(fn: string): HandlerBundle {
  const root = packageRoot();
  const relative = path.join("dist", "bundles", fn, "index.js");
  const file = path.join(root, relative);
  if (!existsSync(file)) {
    throw new Error(
      `Lambda bundle ${relative} is missing: run \`npm run bundle\` (npm ci runs it through "prepare")`,
    );
  }
  const sha256 = createHash("sha256").update(readFileSync(file)).digest("base64");
  return { file, relative, sha256 };
}

/**
 * The function's code archive: the bundle as index.js, plus `files` (name → text) beside it,
 * e.g. the router's routing.json. A changed file changes the archive's content hash, which is
 * what Pulumi compares to decide that the function's code must be updated.
 */
export function codeArchive(
  bundle: HandlerBundle,
  files: Readonly<Record<string, string>> = {},
): pulumi.asset.AssetArchive {
  const clash = Object.keys(files).find((f) => f === "index.js" || !/^[\w.-]+$/.test(f));
  if (clash !== undefined) {
    throw new Error(`code archive of ${bundle.relative}: file name "${clash}" is not allowed`);
  }
  return new pulumi.asset.AssetArchive({
    "index.js": new pulumi.asset.FileAsset(bundle.file),
    ...Object.fromEntries(
      Object.entries(files).map(([name, text]) => [name, new pulumi.asset.StringAsset(text)]),
    ),
  });
}
