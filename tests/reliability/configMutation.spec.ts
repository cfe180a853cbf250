/**
 * Config mutation fuzzing: the example stacks (dev, prod and selfhosted, backend step-functions), mutated at random paths (values replaced, removed,
 * duplicated, retyped, keys renamed), are either valid — and then the whole pipeline builds under
 * the mock engine — or rejected with a ConfigError whose every issue names a path and a reason.
 * No exception may escape from inside zod or Pulumi.
 *
 * Not proven: that every accepted config deploys on AWS (the API-model checks cover the
 * Incident Manager inputs of the examples, not of every mutant).
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import fc from "fast-check";
import { EscalationPipeline } from "../../components/escalationPipeline";
import { rawConfigFrom } from "../../config/load";
import { ConfigError, parseStackConfig } from "../../config/schema";
import { runWithMocks } from "../../tools/mockEngine";
import { readStackFile } from "../../tools/stackFile";

const REPO = path.join(__dirname, "..", "..");
const examples = ["dev", "prod", "selfhosted"].map(
  (s) => rawConfigFrom(readStackFile(path.join(REPO, `Pulumi.${s}.yaml`)).config).raw,
);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path (list of keys/indexes) into a JSON value. */
function paths(v: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])));
  else if (v !== null && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
  }
  return out;
}

type Mutation =
  | { kind: "replace"; value: Json }
  | { kind: "delete" }
  | { kind: "duplicate" }
  | { kind: "rename"; key: string };

function mutate(root: Json, at: (string | number)[], m: Mutation): Json {
  const copy = structuredClone(root);
  if (at.length === 0) return m.kind === "replace" ? m.value : copy;
  const parent = at
    .slice(0, -1)
    .reduce<Json>((node, k) => (node as Record<string, Json>)[k as string], copy);
  const key = at[at.length - 1];
  const container = parent as Record<string | number, Json>;
  switch (m.kind) {
    case "replace":
      container[key] = m.value;
      break;
    case "delete":
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete container[key];
      break;
    case "duplicate":
      if (Array.isArray(parent)) parent.push(structuredClone(parent[Number(key)]));
      else container[`${String(key)}_copy`] = structuredClone(container[key]);
      break;
    case "rename":
      if (!Array.isArray(parent)) {
        container[m.key] = container[key];
        delete container[key];
      }
      break;
  }
  return copy;
}

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.jsonValue().map((value) => ({ kind: "replace" as const, value: value as Json })),
  },
  {
    weight: 3,
    arbitrary: fc
      .constantFrom<Json>(
        0,
        -1,
        31,
        1.5,
        "",
        "X",
        "+81 90",
        "ALARM",
        [],
        {},
        null,
        true,
        "oncall:none",
        "critical",
      )
      .map((value) => ({ kind: "replace" as const, value })),
  },
  { weight: 2, arbitrary: fc.constant({ kind: "delete" as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: "duplicate" as const }) },
  {
    weight: 1,
    arbitrary: fc.string({ maxLength: 12 }).map((key) => ({ kind: "rename" as const, key })),
  },
);

function caseArb(): fc.Arbitrary<{ example: number; at: (string | number)[]; m: Mutation }> {
  return fc.integer({ min: 0, max: examples.length - 1 }).chain((example) => {
    const all = paths(examples[example] as Json);
    return fc.record({
      example: fc.constant(example),
      at: fc.constantFrom(...all),
      m: mutationArb,
    });
  });
}

export const MUTATION_RUNS = 3000;

describe("config mutation fuzzing", () => {
  it(`${MUTATION_RUNS} mutated example configs: valid, or a ConfigError naming a path — never another exception`, () => {
    let valid = 0;
    let rejected = 0;
    fc.assert(
      fc.property(caseArb(), ({ example, at, m }) => {
        const raw = mutate(examples[example] as Json, at, m);
        try {
          parseStackConfig(raw);
          valid++;
        } catch (err: unknown) {
          assert.ok(err instanceof ConfigError, `not a ConfigError: ${String(err)}`);
          assert.ok(err.issues.length > 0);
          for (const issue of err.issues) {
            assert.ok(issue.path.length > 0 && issue.message.length > 0, JSON.stringify(issue));
            assert.doesNotMatch(issue.message, /^Invalid input$/, JSON.stringify(issue));
          }
          rejected++;
        }
      }),
      { numRuns: MUTATION_RUNS, seed: 20261124 },
    );
    // Both outcomes occur, or the fuzzing is not exploring anything.
    assert.ok(valid > 100 && rejected > 100, `valid ${valid}, rejected ${rejected}`);
  });

  it("accepted mutants build the whole pipeline under the mock engine without an exception", async () => {
    const accepted: Json[] = [];
    fc.assert(
      fc.property(caseArb(), ({ example, at, m }) => {
        const raw = mutate(examples[example] as Json, at, m);
        try {
          parseStackConfig(raw);
          accepted.push(raw);
        } catch {
          // rejected mutants are covered above
        }
      }),
      { numRuns: 400, seed: 1124 },
    );
    assert.ok(accepted.length >= 25, `only ${accepted.length} accepted`);
    for (const raw of accepted.slice(0, 25)) {
      const { resources } = await runWithMocks(
        { stack: "fuzz" },
        () =>
          new EscalationPipeline("f", {
            ...(raw as object),
            stack: "fuzz",
          } as ConstructorParameters<typeof EscalationPipeline>[1]),
      );
      assert.ok(resources.some((r) => r.type === "incident-escalation:index:EscalationPipeline"));
    }
    // 25 whole-program runs under the mock engine: about 10 s on an idle 2-core machine, over the
    // default 20 s when the machine is busy.
  }).timeout(120_000);
});
