// `node bench/run.mjs [cold] [scale] [storm] [plan]` — runs the benches (all by default), prints
// every figure as it comes, and, after a full run, writes bench/results.md. See bench/README.md.
import { execFileSync } from "node:child_process";
import { readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, machine, table, verdict } from "./lib.mjs";
import * as cold from "./coldStart.mjs";
import * as plan from "./plan.mjs";
import * as scale from "./scale.mjs";
import * as storm from "./storm.mjs";

const PARTS = { cold, scale, storm, plan };
const BUDGET_MS = 10 * 60_000;

const asked = process.argv.slice(2);
const unknown = asked.filter((p) => !(p in PARTS));
if (unknown.length > 0) {
  console.error(
    `unknown part(s) ${unknown.join(", ")}; choose from ${Object.keys(PARTS).join(", ")}`,
  );
  process.exit(2);
}
const parts =
  asked.length > 0 ? Object.keys(PARTS).filter((p) => asked.includes(p)) : Object.keys(PARTS);
const full = parts.length === Object.keys(PARTS).length;

/** The newest .ts under handlers/ against the bundle: rebuild a stale or missing bundle first. */
function ensureFreshBundles() {
  const newest = (dir) =>
    Math.max(
      ...readdirSync(dir, { withFileTypes: true }).map((d) =>
        d.isDirectory() ? newest(join(dir, d.name)) : statSync(join(dir, d.name)).mtimeMs,
      ),
    );
  let bundled = 0;
  try {
    bundled = statSync(join(ROOT, "dist", "bundles", "router", "index.js")).mtimeMs;
  } catch {
    // missing: built below
  }
  if (bundled < newest(join(ROOT, "handlers"))) {
    console.log("dist/bundles is missing or older than handlers/: running `node tools/bundle.mjs`");
    execFileSync(process.execPath, ["tools/bundle.mjs"], { cwd: ROOT, stdio: "inherit" });
  }
}

function git() {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT })
      .toString()
      .trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], {
      cwd: ROOT,
    })
      .toString()
      .trim();
    return `${head}${dirty ? " + uncommitted changes" : ""}`;
  } catch {
    return "unknown (not a git checkout)";
  }
}

const started = performance.now();
const m = machine();
const date = new Date().toISOString();
console.log(`incident-escalation benches — ${date}`);
console.log(
  `${m.cpu}, ${m.cores} cores, ${m.memory}, Node ${m.node}, ${m.os}, load ${m.loadavg}\n`,
);
ensureFreshBundles();

const results = {};
const sections = [];
const timings = {};
for (const part of parts) {
  const t = performance.now();
  console.log(`--- ${part} ---`);
  const { result, md } = await PARTS[part].run();
  results[part] = result;
  sections.push(md);
  timings[part] = (performance.now() - t) / 1000;
  console.log(`(${part}: ${timings[part].toFixed(0)} s)\n`);
}
const totalMs = performance.now() - started;
const total = `${Math.floor(totalMs / 60_000)} min ${((totalMs % 60_000) / 1000).toFixed(0)} s`;

/** One line per target, for the top of results.md and the end of the console output. */
function summaryRows() {
  const rows = [];
  const { cold: c, scale: s, storm: st, plan: p } = results;
  if (c) {
    rows.push([
      "Router cold start, bundled / unbundled",
      `${c.ratio.toFixed(2)}× (${c.medians.bundled.toFixed(0)} vs ${c.medians.unbundled.toFixed(0)} ms; bare node ${c.medians.bare.toFixed(0)} ms)`,
      "≤ 0.50×",
      verdict(c.met) + (c.met ? "" : ` by ${(c.ratio - 0.5).toFixed(2)}`),
    ]);
  }
  if (s) {
    for (const r of s.rows) {
      rows.push([
        `Program scale, pipeline / baseline, ${r.alarms.toLocaleString("en")} alarms (${r.resources} resources)`,
        `${r.ratio.toFixed(2)}× (${r.pipeline.median.toFixed(0)} vs ${r.baseline.median.toFixed(0)} ms)`,
        "≤ 1.5×",
        verdict(r.ratio <= 1.5),
      ]);
    }
    rows.push([
      "Program scale, per-resource time growth 10 → 1,000 alarms",
      `pipeline ${s.growth.pipeline.toFixed(2)}×, baseline ${s.growth.baseline.toFixed(2)}×`,
      "flat (≈ 1×)",
      "see section 2",
    ]);
  }
  if (st) {
    const r = st.runs[0];
    rows.push([
      "Alarm storm: incidents opened",
      String(r.incidentsOpened),
      `${r.alarms}`,
      verdict(st.met.incidents),
    ]);
    rows.push([
      "Alarm storm: duplicate incidents",
      String(r.duplicates),
      "0",
      verdict(st.met.duplicates),
    ]);
    rows.push([
      "Alarm storm: events lost (dead-lettered)",
      String(r.deadLettered),
      "0",
      verdict(st.met.lost),
    ]);
  }
  if (p) {
    rows.push([
      "Plan tool (prod), plan / bare node",
      `${p.ratio.toFixed(1)}× (${p.medians.plan.toFixed(0)} vs ${p.medians.bare.toFixed(0)} ms)`,
      "no target",
      "—",
    ]);
  }
  rows.push(["Total wall time of this run", total, "< 10 min", verdict(totalMs < BUDGET_MS)]);
  return rows;
}

const summary = table(["measure", "result", "target", "met?"], summaryRows());
console.log(summary);
console.log(
  `\nTotal wall time: ${total} (${Object.entries(timings)
    .map(([k, v]) => `${k} ${v.toFixed(0)} s`)
    .join(", ")})`,
);

if (full) {
  const md = [
    `# Benchmark results`,
    ``,
    `Generated by \`node bench/run.mjs\` — do not edit by hand; see \`bench/README.md\` for what each`,
    `figure means and how to read it.`,
    ``,
    `- Date: ${date}`,
    `- Commit: ${git()}`,
    `- Machine: ${m.cpu}, ${m.cores} cores, ${m.memory} RAM; ${m.os}; Node ${m.node}`,
    `- Load average at start: ${m.loadavg} (other work on the machine makes absolute times noisy;`,
    `  every target is a ratio of variants measured side by side, interleaved, in this run)`,
    `- Total wall time: ${total} (${Object.entries(timings)
      .map(([k, v]) => `${k} ${v.toFixed(0)} s`)
      .join(", ")})`,
    ``,
    `## Summary`,
    ``,
    summary,
    ``,
    ...sections,
  ].join("\n");
  writeFileSync(join(ROOT, "bench", "results.md"), md);
  console.log("wrote bench/results.md");
} else {
  console.log("(partial run: bench/results.md is only written by a full run)");
}
