/**
 * The README's Python and YAML examples use only names the generated schema has: YAML property
 * names (walked through the schema's types), Python `XArgs` classes (the SDK generator's name for
 * input type X), keyword arguments (snake_case of a schema property) and enum members
 * (SCREAMING_SNAKE of an enum member's name).
 *
 * Not proven: that the examples run (no Pulumi CLI or Python SDK here), nor Python's naming beyond
 * the generator's snake_case and `Args` conventions assumed above.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { PackageSchema, SchemaProperty, pluginSchema } from "./support";

const README = readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
const section = README.slice(README.indexOf("## Using it from Python, Go, C#, Java and YAML"));
const block = (lang: string): string => {
  const m = new RegExp("```" + lang + "\\n([\\s\\S]*?)```").exec(section);
  assert.ok(m, `a ${lang} example`);
  return m[1];
};
const TOKEN = "incident-escalation:index:EscalationPipeline";
const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const screaming = (s: string) => snake(s).replace(/^_/, "").toUpperCase();

describe("README multi-language examples against the generated schema", function () {
  this.timeout(600_000);
  let schema: PackageSchema;
  before(async () => {
    schema = await pluginSchema();
  });
  const typeOf = (ref: string) => schema.types[ref.replace("#/types/", "")];

  /** Every key of `value` is a property of `props`; recurses through object types. */
  function check(value: unknown, p: SchemaProperty | undefined, where: string): void {
    assert.ok(p, `${where} is not in the schema`);
    if (typeof value === "string" && value.startsWith("${")) return;
    if (p.type === "array") {
      assert.ok(Array.isArray(value), `${where} is a list`);
      value.forEach((v, i) => check(v, p.items, `${where}[${i}]`));
    } else if (p.type === "object" && p.additionalProperties) {
      for (const [k, v] of Object.entries(value as object)) {
        check(v, p.additionalProperties, `${where}.${k}`);
      }
    } else if (p.$ref) {
      const t = typeOf(p.$ref);
      assert.ok(t, `${where}: ${p.$ref} exists`);
      if (t.enum) {
        assert.ok(
          t.enum.some((e) => e.value === value),
          `${where}: ${String(value)} is a member`,
        );
        return;
      }
      for (const [k, v] of Object.entries(value as object)) {
        check(v, t.properties?.[k], `${where}.${k}`);
      }
      for (const r of t.required ?? []) {
        assert.ok(r in (value as object), `${where}.${r} is required`);
      }
    }
  }

  it("YAML: the resource type and every property path are in the schema", () => {
    const doc = parse(block("yaml")) as {
      resources: Record<string, { type: string; properties: Record<string, unknown> }>;
      outputs: Record<string, string>;
    };
    const res = doc.resources.pipeline;
    assert.equal(res.type.replace(/^incident-escalation:/, "incident-escalation:index:"), TOKEN);
    const r = schema.resources[TOKEN];
    for (const [k, v] of Object.entries(res.properties)) check(v, r.inputProperties[k], k);
    for (const req of r.requiredInputs) assert.ok(req in res.properties, req);
    for (const out of Object.values(doc.outputs)) {
      const name = /^\$\{pipeline\.(\w+)\}$/.exec(out)?.[1];
      assert.ok(name && name in r.properties, out);
    }
  });

  it("Python: classes, keyword arguments, enum members and outputs are the schema's", () => {
    const py = block("python");
    const r = schema.resources[TOKEN];
    const typeNames = Object.keys(schema.types).map((t) => t.split(":")[2]);
    for (const [, name] of py.matchAll(/\bie\.(\w+)Args\(/g)) {
      assert.ok(typeNames.includes(name), `${name}Args: type ${name}`);
    }
    const props = new Set([
      ...Object.keys(r.inputProperties),
      ...Object.values(schema.types).flatMap((t) => Object.keys(t.properties ?? {})),
    ]);
    const snakeProps = new Set([...props].map(snake));
    for (const [, kw] of py.matchAll(/\b([a-z_]+)=/g)) {
      assert.ok(snakeProps.has(kw), `keyword ${kw}`);
    }
    for (const [, e, member] of py.matchAll(/\bie\.([A-Z]\w+)\.([A-Z_]+)\b/g)) {
      const t = schema.types[`incident-escalation:index:${e}`];
      assert.ok(
        t?.enum?.some((m) => screaming(m.name) === member),
        `${e}.${member}`,
      );
    }
    for (const [, out] of py.matchAll(/pipeline\.(\w+)/g)) {
      assert.ok(Object.keys(r.properties).map(snake).includes(out), `output ${out}`);
    }
    assert.match(py, /ie\.EscalationPipeline\(/);
  });
});
