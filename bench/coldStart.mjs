// 1. Router cold start: a fresh `node` process that loads the router and performs its first
// invocation (ALARM on a paging level) against a local ssm-incidents stub, three variants
// interleaved: the esbuild bundle, an unbundled build of the same source, bare `node -e ""`.
import { buildSync } from "esbuild";
import { bundleOptions } from "../tools/bundle.mjs";
import { mkdirSync, statSync, readFileSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import { handlerSources, transpileHandlers } from "./handlerBuild.mjs";
import { ROOT, TMP, ms, ratio, roundOrder, summary, table, timedNode, verdict } from "./lib.mjs";

const BUNDLE = join(ROOT, "dist", "bundles", "router", "index.js");
/** The unbundled variant (handlerBuild.mjs), built into node_modules/.cache/…/unbundled/. */
const UNBUNDLED_DIR = join(TMP, "unbundled");
const TARGET = 0.5;

const ACCOUNT = "123456789012";
const REGION = "ap-northeast-1";
const PLAN = `arn:aws:ssm-incidents::${ACCOUNT}:response-plan/ie-bench-critical`;
/** The function's code folder (LAMBDA_TASK_ROOT) holds the routing table, routing.json. */
const CODE_DIR = join(TMP, "cold-start-code");
mkdirSync(CODE_DIR, { recursive: true });
writeFileSync(
  join(CODE_DIR, "routing.json"),
  JSON.stringify({ critical: { impact: 1, responsePlanArn: PLAN } }),
);
const ENV = {
  LAMBDA_TASK_ROOT: CODE_DIR,
  INCIDENT_SOURCE: "incident-escalation.bench",
  ENGAGEMENT_SENDER: "incident-escalation",
  NAME_PREFIX: "ie-bench",
  /** The router pages only for its own account's alarms (handlers/router env). */
  ACCOUNT_ID: ACCOUNT,
};

/**
 * Loads the handler, runs one invocation, prints the marker with its phases (ms since the
 * process started: script start, handler loaded, invocation done) and exits at once.
 */
const INVOKE = `
const t0 = performance.now();
const { handler } = require(process.argv[1]);
const t1 = performance.now();
handler(JSON.parse(process.argv[2])).then(
  (r) => {
    const t2 = performance.now();
    console.log("BENCH-DONE " + JSON.stringify({ boot: t0, load: t1 - t0, invoke: t2 - t1, files: Object.keys(require.cache).length, r }));
    process.exit(0);
  },
  (e) => { console.log("BENCH-FAILED " + e.name); process.exit(1); },
);`;

/** A CloudWatch "Alarm State Change" event for an ALARM at level critical, as EventBridge wraps it. */
function input() {
  const alarmName = "ie-bench-critical-api-5xx";
  return {
    level: "critical",
    event: {
      version: "0",
      id: "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92",
      "detail-type": "CloudWatch Alarm State Change",
      source: "aws.cloudwatch",
      account: ACCOUNT,
      time: "2026-01-05T01:00:00Z",
      region: REGION,
      resources: [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${alarmName}`],
      detail: {
        alarmName,
        state: {
          value: "ALARM",
          reason: "Threshold Crossed: 3 out of the last 3 datapoints were >= 50.0",
          timestamp: "2026-01-05T01:00:00.000+0000",
        },
        previousState: { value: "OK", timestamp: "2026-01-05T00:40:00.000+0000" },
      },
    },
  };
}

/** The stub: StartIncident answers 200 with an incident record ARN; anything else 400. */
function startStub() {
  let requests = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      requests++;
      const ok = req.method === "POST" && req.url === "/startIncident";
      res.writeHead(ok ? 200 : 400, { "content-type": "application/json" });
      res.end(
        JSON.stringify(
          ok
            ? { incidentRecordArn: `arn:aws:ssm-incidents::${ACCOUNT}:incident-record/x/1` }
            : { __type: "ValidationException", message: `unexpected ${req.method} ${req.url}` },
        ),
      );
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        requests: () => requests,
        close: () => new Promise((r) => server.close(r)),
      }),
    ),
  );
}

/**
 * What the bundle is made of: the router rebuilt in memory with tools/bundle.mjs's options plus
 * a metafile, output bytes summed by package (or by folder for the project's own code).
 */
function bundleComposition() {
  const result = buildSync({ ...bundleOptions("router"), metafile: true, logLevel: "silent" });
  const [output] = Object.values(result.metafile.outputs);
  const byPackage = {};
  for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? file.split("/")[0] + "/";
    byPackage[pkg] = (byPackage[pkg] ?? 0) + bytesInOutput;
  }
  const top = Object.entries(byPackage).sort(([, a], [, b]) => b - a);
  return { bytes: result.outputFiles[0].contents.length, top };
}

/** Why the bundle saves less than half, from the phases and the bundle's composition. */
function why(s, phase, composition, files) {
  const sum = (re) => composition.top.filter(([p]) => re.test(p)).reduce((t, [, b]) => t + b, 0);
  const clients = composition.top
    .map(([p]) => /^@aws-sdk\/client-(.+)$/.exec(p)?.[1])
    .filter((c) => c && !/^(sts|sso|sso-oidc)$/.test(c));
  const credentials = sum(
    /^@aws-sdk\/(client-sts|client-sso|client-sso-oidc|nested-clients|credential-provider)/,
  );
  const load = phase("bundled", "load");
  const above = s.bundled.median - s.bare.median;
  return [
    `- **Why**: bundling removes module resolution and file reads (the unbundled handler loads`,
    `  ${files.unbundled} modules, the bundled one ${files.bundled}), not the work itself:`,
    `  both variants compile and run the same SDK code when the handler is loaded (\`require\`:`,
    `  ${ms(load)} bundled vs ${ms(phase("unbundled", "load"))} unbundled), and that load is ${((load / above) * 100).toFixed(0)} % of the`,
    `  bundled cold start above bare Node. The handler creates ${clients.length} SDK clients at load`,
    `  (${clients.join(", ")}) and the bundle also carries ${(credentials / 1024).toFixed(0)} KiB of credential-provider`,
    `  clients (STS, SSO, SSO-OIDC) that are parsed but never used, while an ALARM needs two clients`,
    `  and environment credentials. On a`,
    `  loaded machine (slow file system calls) the unbundled variant suffers more and the ratio drops.`,
  ].join("\n");
}

export async function run({ rounds = 20, warmup = 2, log = console.log } = {}) {
  const newest = Math.max(...handlerSources().map((f) => statSync(f).mtimeMs));
  let bundleMtime = 0;
  try {
    bundleMtime = statSync(BUNDLE).mtimeMs;
  } catch {
    throw new Error(`${relative(ROOT, BUNDLE)} is missing: run \`npm run bundle\` first`);
  }
  const stale = bundleMtime < newest;
  const unbundled = transpileHandlers(UNBUNDLED_DIR);

  const stub = await startStub();
  const env = {
    ...ENV,
    PATH: process.env.PATH,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
    AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    AWS_ENDPOINT_URL_SSM_INCIDENTS: stub.url,
    AWS_ENDPOINT_URL_SSM_CONTACTS: stub.url,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: join(TMP, "no-aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(TMP, "no-aws-credentials"),
  };
  const payload = JSON.stringify(input());
  const variants = {
    bundled: ["-e", INVOKE, BUNDLE, payload],
    unbundled: ["-e", INVOKE, unbundled, payload],
    bare: ["-e", ""],
  };
  const names = Object.keys(variants);
  const times = Object.fromEntries(names.map((n) => [n, []]));
  /** In-child phases of the handler variants: node boot, require, first invocation. */
  const phases = { bundled: { load: [], invoke: [] }, unbundled: { load: [], invoke: [] } };
  /** Modules in require.cache after the invocation, by variant. */
  const files = {};
  const pairRatios = [];
  try {
    for (let round = 0; round < warmup + rounds; round++) {
      const got = {};
      for (const name of roundOrder(names, round)) {
        const r = await timedNode(variants[name], { env });
        if (r.code !== 0 || (name !== "bare" && !r.stdout.includes("BENCH-DONE"))) {
          throw new Error(`cold start ${name} failed (exit ${r.code}):\n${r.stderr}${r.stdout}`);
        }
        got[name] = r.ms;
        if (name !== "bare" && round >= warmup) {
          const p = JSON.parse(r.stdout.split("BENCH-DONE ")[1]);
          phases[name].load.push(p.load);
          phases[name].invoke.push(p.invoke);
          files[name] = p.files;
        }
      }
      if (round < warmup) continue;
      for (const name of names) times[name].push(got[name]);
      pairRatios.push(got.bundled / got.unbundled);
    }
  } finally {
    await stub.close();
  }

  const s = Object.fromEntries(names.map((n) => [n, summary(times[n])]));
  const ratioOfMedians = s.bundled.median / s.unbundled.median;
  const pair = summary(pairRatios);
  const phase = (n, k) => summary(phases[n][k]).median;
  const code = readFileSync(BUNDLE);
  const sizes = { bytes: code.length, gzip: gzipSync(code, { level: 9 }).length };
  const composition = bundleComposition();
  const kb = (b) => `${(b / 1024).toFixed(0)} KiB`;
  const result = {
    rounds,
    warmup,
    stale,
    stubRequests: stub.requests(),
    medians: Object.fromEntries(names.map((n) => [n, s[n].median])),
    ratio: ratioOfMedians,
    pairRatio: pair,
    phasesMs: Object.fromEntries(
      Object.keys(phases).map((n) => [n, { load: phase(n, "load"), invoke: phase(n, "invoke") }]),
    ),
    overheadMs: {
      bundled: s.bundled.median - s.bare.median,
      unbundled: s.unbundled.median - s.bare.median,
    },
    sizes,
    composition: composition.top.slice(0, 12),
    modulesLoaded: files,
    met: ratioOfMedians <= TARGET,
  };

  const fmt = (x) => x.toFixed(1);
  const md = [
    `## 1. Router cold start`,
    ``,
    `Fresh \`node\` process per run, from spawn to exit; the child loads the handler, performs one`,
    `invocation (ALARM at a paging level → StartIncident against a stub on 127.0.0.1) and exits`,
    `as soon as it resolves. ${rounds} interleaved rounds (order rotated each round) after`,
    `${warmup} warm-up rounds that are discarded.`,
    ``,
    `- **bundled**: \`dist/bundles/router/index.js\` (esbuild, minified, AWS SDK inside)` +
      (stale ? ` — **older than handlers/ sources: re-run \`npm run bundle\`**` : ``),
    `- **unbundled**: the same handlers/**.ts transpiled file by file with esbuild \`bundle: false\``,
    `  into \`node_modules/.cache/incident-escalation-bench/unbundled/\`; the AWS SDK and its`,
    `  dependencies load from \`node_modules\` (what tsc's \`dist/handlers/\` would do).`,
    `- **bare**: \`node -e ""\`.`,
    ``,
    table(
      ["variant", "median ms (IQR, n)", "min–max ms", "above bare node"],
      names.map((n) => [
        n,
        spread(s[n], fmt),
        `${fmt(s[n].min)}–${fmt(s[n].max)}`,
        n === "bare" ? "—" : ms(s[n].median - s.bare.median),
      ]),
    ),
    ``,
    `- Ratio bundled/unbundled (medians): **${ratio(ratioOfMedians)}** — target ≤ ${TARGET}: ${verdict(result.met)}` +
      (result.met
        ? ``
        : `: the bundled cold start would have to be ≤ ${ms(TARGET * s.unbundled.median, 0)}, it is ${ms(s.bundled.median, 0)} (${ms(s.bundled.median - TARGET * s.unbundled.median, 0)} too slow).`),
    `- Inside the child (medians): loading the handler (\`require\`) takes ${ms(phase("bundled", "load"))} bundled vs ${ms(phase("unbundled", "load"))} unbundled; the first invocation (client init, signing, one HTTP round trip) ${ms(phase("bundled", "invoke"))} vs ${ms(phase("unbundled", "invoke"))}. The rest is Node's own start and exit (bare: ${ms(s.bare.median)}).`,
    `- Per-round ratio bundled/unbundled: median ${pair.median.toFixed(2)}, IQR ${pair.p25.toFixed(2)}–${pair.p75.toFixed(2)}`,
    ...(result.met ? [] : [why(s, phase, composition, files)]),
    `- Bundle size: ${sizes.bytes.toLocaleString("en")} bytes, ${sizes.gzip.toLocaleString("en")} bytes gzip -9` +
      (composition.bytes === sizes.bytes
        ? ``
        : ` (a rebuild from the current sources would be ${composition.bytes.toLocaleString("en")} bytes)`),
    `- What the bundle is made of (minified bytes by package, largest first): ` +
      composition.top
        .slice(0, 10)
        .map(([p, b]) => `${p} ${kb(b)}`)
        .join(", ") +
      `, ${composition.top.length - 10} more.`,
    ``,
  ].join("\n");
  log(md);
  return { result, md };
}

function spread(s, fmt) {
  return `${fmt(s.median)} (${fmt(s.p25)}–${fmt(s.p75)}, ${s.n})`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await run({ rounds: Number(process.argv[2] ?? 20) });
}
