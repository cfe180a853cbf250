/**
 * What the schema Analyzer of the installed @pulumi/pulumi (3.276.0) accepts in a component's
 * args, measured on a one-component fixture per type: a refused type fails the whole package, so
 * plugin/args.ts keeps to the accepted subset (and schema.spec.ts fails if it does not). Pins the
 * SDK's behaviour: an SDK upgrade that changes it fails here first.
 *
 * Not proven: what the generated SDKs of each language make of the accepted types.
 */
import { strict as assert } from "node:assert";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";

/* eslint-disable-next-line @typescript-eslint/no-require-imports -- not in the SDK's typings */
const { Analyzer } = require("@pulumi/pulumi/provider/experimental/analyzer") as {
  Analyzer: new (
    dir: string,
    name: string,
    packageJSON: Record<string, unknown>,
    components: Set<string>,
  ) => { analyze(): { components: Record<string, { inputs: Record<string, unknown> }> } };
};

const FIXTURES = path.join(__dirname, "..", "..", ".build", "analyzer-fixtures");

/** Analyzes `export interface FxArgs { p: <type> }` (with `decls` beside it). */
function analyze(type: string, decls = ""): unknown {
  const dir = path.join(FIXTURES, String(Math.abs(hash(type + decls))));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        target: "ES2022",
        lib: ["ES2022"],
        module: "commonjs",
        skipLibCheck: true,
      },
      include: ["index.ts"],
    }),
  );
  writeFileSync(
    path.join(dir, "index.ts"),
    [
      'import * as pulumi from "@pulumi/pulumi";',
      "export interface Inner { x: string }",
      decls,
      type.startsWith("type ") ? type : `export interface FxArgs { p: ${type} }`,
      "export class Fx extends pulumi.ComponentResource {",
      "  constructor(name: string, args: FxArgs) { super('fx:index:Fx', name, {}); }",
      "}",
    ].join("\n"),
  );
  try {
    const result = new Analyzer(dir, "fx", { name: "fx" }, new Set(["Fx"])).analyze();
    return result.components.Fx.inputs.p ?? result.components.Fx.inputs;
  } catch (err: unknown) {
    return { refused: (err as Error).message.split("\n")[0] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function hash(s: string): number {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) | 0;
  return h;
}

describe("schema Analyzer subset (@pulumi/pulumi 3.276.0, measured)", function () {
  this.timeout(600_000);
  const cases: [string, string, string, unknown][] = [
    ["string", "", "accepted", { type: "string", plain: true }],
    ["pulumi.Input<string>", "", "accepted", { type: "string" }],
    [
      "Inner[]",
      "",
      "accepted",
      { type: "array", items: { $ref: "#/types/fx:index:Inner", plain: true }, plain: true },
    ],
    [
      "Record<string, number>",
      "",
      "accepted",
      { type: "object", additionalProperties: { type: "number", plain: true }, plain: true },
    ],
    [
      "E",
      'export enum E { A = "a" }',
      "accepted (a one-member enum)",
      { $ref: "#/types/fx:index:E", plain: true },
    ],
    [
      "K",
      'export const K = { A: "a", B: "b" } as const; export type K = (typeof K)[keyof typeof K];',
      "accepted (an as-const object)",
      { $ref: "#/types/fx:index:K", plain: true },
    ],
    [
      "type FxArgs = Inner",
      "",
      "accepted (args as an alias of an interface)",
      { x: { type: "string", plain: true } },
    ],
    [
      "Date",
      "",
      "accepted as an empty object type (Date has no properties)",
      { $ref: "#/types/fx:index:Date", plain: true },
    ],
    [
      "readonly string[]",
      "",
      "refused",
      {
        refused:
          "Unsupported type for component 'Fx' property 'FxArgs.p': type 'readonly string[]'",
      },
    ],
    [
      '"a" | "b"',
      "",
      "refused",
      {
        refused:
          "Union types are not supported for component 'Fx' property 'FxArgs.p': type '\"a\" | \"b\"'",
      },
    ],
    [
      "string | null",
      "",
      "refused",
      {
        refused:
          "Union types are not supported for component 'Fx' property 'FxArgs.p': type 'string | null'",
      },
    ],
    [
      "{ x: string }",
      "",
      "refused",
      { refused: "Unsupported type for component 'Fx' property 'FxArgs.p': type '{ x: string; }'" },
    ],
    [
      "[string, number]",
      "",
      "refused",
      {
        refused: "Unsupported type for component 'Fx' property 'FxArgs.p': type '[string, number]'",
      },
    ],
    [
      "unknown",
      "",
      "refused",
      { refused: "Unsupported type for component 'Fx' property 'FxArgs.p': type 'unknown'" },
    ],
    [
      "() => void",
      "",
      "refused",
      { refused: "Unsupported type for component 'Fx' property 'FxArgs.p': type '() => void'" },
    ],
    [
      "type FxArgs = { p: string }",
      "",
      "refused (args as an alias of an object literal)",
      { refused: "Component 'Fx' constructor 'args' parameter must be an interface" },
    ],
  ];
  for (const [type, decls, verdict, expected] of cases) {
    it(`${type}: ${verdict}`, () => {
      assert.deepEqual(analyze(type, decls), expected);
    });
  }
});
