// 2. Program scale under the mock engine: EscalationPipeline with 10 / 100 / 1,000 alarms × 2
// levels vs a baseline declaring the same raw resources directly. One fresh process per
// measurement (bench/scaleChild.ts under ts-node transpile-only; the mock engine is a
// singleton), variants interleaved A B B A so drift hits both alike.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TMP, TS_NODE, ratio, summary, table, timedNode, verdict } from "./lib.mjs";

const TARGET = 1.5;
/** Repetitions per variant and size: fewer at 1,000, where one process takes ~30-70 s. */
export const DEFAULT_REPS = { 10: 4, 100: 4, 1000: 2 };

const TYPES = join(TMP, "types.json");

async function child(variant, alarms, census, writeCensus = false) {
  const args = [...TS_NODE, "bench/scaleChild.ts", variant, String(alarms), census, TYPES];
  const r = await timedNode(writeCensus ? [...args, "--write-census"] : args, {
    marker: "BENCH-RESULT",
  });
  const line = r.stdout.split("\n").find((l) => l.startsWith("BENCH-RESULT "));
  if (r.code !== 0 || line === undefined) {
    throw new Error(`scaleChild ${variant} ${alarms} failed (exit ${r.code}):\n${r.stderr}`);
  }
  return { ...JSON.parse(line.slice("BENCH-RESULT ".length)), processMs: r.exitMs };
}

export async function run({ reps = DEFAULT_REPS, log = console.log } = {}) {
  const sizes = Object.keys(reps).map(Number);
  const rows = [];
  // Untimed: which resource classes a pipeline uses (the same at every size), so every measured
  // process can load their provider modules before its clock starts.
  writeFileSync(TYPES, "[]");
  const probe = join(TMP, "census-probe.json");
  await child("pipeline", 1, probe, true);
  const recorded = JSON.parse(readFileSync(probe, "utf8")).filter((r) => r.custom);
  writeFileSync(TYPES, JSON.stringify([...new Set(recorded.map((r) => r.type))]));
  for (const alarms of sizes) {
    const census = join(TMP, `census-${alarms}.json`);
    const runs = { pipeline: [], baseline: [] };
    // The first pipeline run writes the census the baseline declares; it is timed like the rest.
    const order = [];
    for (let i = 0; i < reps[alarms]; i++) {
      order.push(...(i % 2 === 0 ? ["pipeline", "baseline"] : ["baseline", "pipeline"]));
    }
    for (const [i, variant] of order.entries()) {
      const r = await child(variant, alarms, census, i === 0);
      runs[variant].push(r);
      log(
        `  scale ${alarms} alarms: ${variant.padEnd(8)} ${r.elapsedMs.toFixed(0).padStart(6)} ms` +
          ` (${r.customResources} resources, process ${(r.processMs / 1000).toFixed(1)} s)`,
      );
    }
    const p = summary(runs.pipeline.map((r) => r.elapsedMs));
    const b = summary(runs.baseline.map((r) => r.elapsedMs));
    const resources = runs.pipeline[0].customResources;
    const pairs = runs.pipeline.map((r, i) => r.elapsedMs / runs.baseline[i].elapsedMs);
    rows.push({
      alarms,
      reps: reps[alarms],
      registrations: runs.pipeline[0].resources,
      resources,
      baselineResources: runs.baseline[0].customResources,
      pipeline: p,
      baseline: b,
      perResource: { pipeline: p.median / resources, baseline: b.median / resources },
      ratio: p.median / b.median,
      pairRatio: summary(pairs),
      byType: runs.pipeline[0].byType,
    });
  }
  const first = rows[0];
  const last = rows[rows.length - 1];
  const growth = {
    pipeline: last.perResource.pipeline / first.perResource.pipeline,
    baseline: last.perResource.baseline / first.perResource.baseline,
  };
  const met = rows.every((r) => r.ratio <= TARGET);
  /** Marginal cost: the slope between the smallest and largest size, fixed costs cancelled. */
  const slope = (v) => (last[v].median - first[v].median) / (last.resources - first.resources);
  const f0 = (x) => x.toFixed(0);
  const md = [
    `## 2. Program scale under the mock engine`,
    ``,
    `Generated stack configs: one contact, one escalation stage, levels critical (page) and`,
    `warning (notify only), N alarms with both thresholds, Slack. **pipeline**: \`new`,
    `EscalationPipeline("escalation", config)\` inside \`tools/mockEngine.ts\` \`runWithMocks\`;`,
    `**baseline**: the same custom resources (types, counts, names, recorded inputs, registration`,
    `order, taken from a pipeline run) declared directly with the \`@pulumi/aws\` /`,
    `\`@pulumi/aws-native\` / \`@pulumi/random\` constructors — no components, no config`,
    `validation, no Outputs between resources. The clock covers \`runWithMocks\` (mocks installed,`,
    `program run, every registration processed); provider modules are loaded before it starts.`,
    `Each measurement is a fresh \`node -r ts-node/register/transpile-only bench/scaleChild.ts\``,
    `process, pipeline and baseline interleaved A B B A.`,
    ``,
    table(
      [
        "alarms",
        "resources (custom / all)",
        "pipeline ms: median (IQR, n)",
        "baseline ms: median (IQR, n)",
        "ratio p/b",
        "per-round ratios",
        "per resource: pipeline / baseline",
        "≤ 1.5×",
      ],
      rows.map((r) => [
        r.alarms.toLocaleString("en"),
        `${r.resources} / ${r.registrations}`,
        `${f0(r.pipeline.median)} (${f0(r.pipeline.p25)}–${f0(r.pipeline.p75)}, ${r.pipeline.n})`,
        `${f0(r.baseline.median)} (${f0(r.baseline.p25)}–${f0(r.baseline.p75)}, ${r.baseline.n})`,
        `**${ratio(r.ratio)}**`,
        `${r.pairRatio.min.toFixed(2)}–${r.pairRatio.max.toFixed(2)}`,
        `${r.perResource.pipeline.toFixed(2)} / ${r.perResource.baseline.toFixed(2)} ms`,
        verdict(r.ratio <= TARGET),
      ]),
    ),
    ``,
    `- Growth of the time per resource from ${first.alarms} to ${last.alarms.toLocaleString("en")} alarms: ` +
      `pipeline ${ratio(growth.pipeline)}, baseline ${ratio(growth.baseline)} (1.00× = flat).`,
    `- Marginal time per added resource (slope ${first.alarms} → ${last.alarms.toLocaleString("en")} alarms, fixed costs cancelled): ` +
      `pipeline ${slope("pipeline").toFixed(2)} ms, baseline ${slope("baseline").toFixed(2)} ms; ` +
      `the components, config validation and Outputs add ${(slope("pipeline") - slope("baseline")).toFixed(2)} ms per resource.`,
    `- Resources at ${last.alarms.toLocaleString("en")} alarms: ` +
      Object.entries(last.byType)
        .sort(([, a], [, b]) => b - a)
        .map(([t, c]) => `${t.split(":").pop()} ${c}`)
        .join(", "),
    `- Target pipeline/baseline ≤ ${TARGET}× at every size: ${verdict(met)}.`,
    ``,
  ].join("\n");
  log(md);
  return {
    result: {
      rows,
      growth,
      slope: { pipeline: slope("pipeline"), baseline: slope("baseline") },
      met,
    },
    md,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = process.argv.slice(2).map(Number);
  await run(n.length > 0 ? { reps: Object.fromEntries(n.map((a) => [a, 2])) } : {});
}
