// 4. Plan tool: wall time of the offline plan of the prod stack, with bare `node -e ""` as the
// side-by-side reference, interleaved.
import { TS_NODE, ms, ratio, roundOrder, summary, table, timedNode } from "./lib.mjs";

export async function run({ rounds = 7, warmup = 1, log = console.log } = {}) {
  const variants = {
    // What `npm run plan -- --stack prod` runs, without npm's own start-up.
    plan: [...TS_NODE, "cli/plan.ts", "--stack", "prod", "--no-color"],
    bare: ["-e", ""],
  };
  const names = Object.keys(variants);
  const times = { plan: [], bare: [] };
  const codes = new Set();
  for (let round = 0; round < warmup + rounds; round++) {
    for (const name of roundOrder(names, round)) {
      const r = await timedNode(variants[name]);
      if (name === "plan") {
        codes.add(r.code);
        if (r.code !== 0 && r.code !== 1) {
          throw new Error(`plan exited ${r.code}:\n${r.stderr}${r.stdout.slice(0, 2000)}`);
        }
      }
      if (round >= warmup) times[name].push(r.ms);
    }
  }
  const s = { plan: summary(times.plan), bare: summary(times.bare) };
  const f = (x) => x.toFixed(0);
  const md = [
    `## 4. Plan tool`,
    ``,
    `\`node -r ts-node/register/transpile-only cli/plan.ts --stack prod --no-color\` (what`,
    `\`npm run plan -- --stack prod\` runs, minus npm's own start-up of a few hundred ms), spawn`,
    `to exit, output discarded; ${rounds} interleaved rounds after ${warmup} discarded warm-up.`,
    `Exit code(s): ${[...codes].join(", ")}.`,
    ``,
    table(
      ["variant", "median ms (IQR, n)", "min–max ms"],
      names.map((n) => [
        n,
        `${f(s[n].median)} (${f(s[n].p25)}–${f(s[n].p75)}, ${s[n].n})`,
        `${f(s[n].min)}–${f(s[n].max)}`,
      ]),
    ),
    ``,
    `- plan / bare node: **${ratio(s.plan.median / s.bare.median)}**; the plan costs ${ms(s.plan.median - s.bare.median, 0)} above starting Node.`,
    ``,
  ].join("\n");
  log(md);
  return {
    result: {
      medians: { plan: s.plan.median, bare: s.bare.median },
      ratio: s.plan.median / s.bare.median,
      iqr: { plan: [s.plan.p25, s.plan.p75] },
      codes: [...codes],
    },
    md,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await run({ rounds: Number(process.argv[2] ?? 7) });
}
