// Shared helpers of the benches: statistics, timed child processes, machine description.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import * as os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
/** Scratch space for generated builds and configs: ignored by git, prettier, eslint and tsc. */
export const TMP = join(ROOT, "node_modules", ".cache", "incident-escalation-bench");
mkdirSync(TMP, { recursive: true });

/** `node -r ts-node/register/transpile-only`, as the tests and tools run TypeScript. */
export const TS_NODE = ["-r", "ts-node/register/transpile-only"];

/** The q-quantile (0..1) of numbers, linear interpolation between closest ranks. */
export function quantile(values, q) {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** Median, quartiles, extremes and the interquartile range relative to the median. */
export function summary(values) {
  const median = quantile(values, 0.5);
  const p25 = quantile(values, 0.25);
  const p75 = quantile(values, 0.75);
  return {
    n: values.length,
    median,
    p25,
    p75,
    min: Math.min(...values),
    max: Math.max(...values),
    /** IQR as a fraction of the median: the spread to read every ratio against. */
    iqrRel: median === 0 ? 0 : (p75 - p25) / median,
  };
}

export const ms = (x, digits = 1) => `${x.toFixed(digits)} ms`;
export const pct = (x) => `${(x * 100).toFixed(0)} %`;
export const ratio = (x) => `${x.toFixed(2)}×`;
/** "median (p25–p75, n)" */
export const spread = (s, fmt = (x) => x.toFixed(1)) =>
  `${fmt(s.median)} (IQR ${fmt(s.p25)}–${fmt(s.p75)}, n=${s.n})`;

/** Rotates the variant order each round so no variant always runs first (or right after another). */
export function roundOrder(variants, round) {
  const k = round % variants.length;
  return [...variants.slice(k), ...variants.slice(0, k)];
}

/**
 * Spawns `node args...` and resolves with the milliseconds from spawn until a stdout line
 * containing `marker` (or until exit when no marker is given), plus the exit code and output.
 */
export function timedNode(args, { env = process.env, marker, cwd = ROOT, input } = {}) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env, cwd, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let markedAt;
    child.stdout.on("data", (chunk) => {
      stdout += chunk.toString("utf8");
      if (marker !== undefined && markedAt === undefined && stdout.includes(marker)) {
        markedAt = process.hrtime.bigint();
      }
    });
    child.stderr.on("data", (chunk) => (stderr += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => {
      const end = markedAt ?? process.hrtime.bigint();
      const exitMs = Number(process.hrtime.bigint() - start) / 1e6;
      if (marker !== undefined && markedAt === undefined) {
        reject(
          new Error(`node ${args.join(" ")}: no "${marker}" (exit ${code})\n${stderr}${stdout}`),
        );
        return;
      }
      resolve({ ms: Number(end - start) / 1e6, exitMs, code, stdout, stderr });
    });
    child.stdin.end(input ?? "");
  });
}

/** CPU model, cores, memory, Node, OS: the line every result is read against. */
export function machine() {
  const cpus = os.cpus();
  let model = cpus[0]?.model?.trim() ?? "unknown";
  try {
    // Some VMs report a bare vendor string; lscpu-style details live in /proc/cpuinfo.
    const info = readFileSync("/proc/cpuinfo", "utf8");
    const mhz = /cpu MHz\s*:\s*([\d.]+)/.exec(info)?.[1];
    if (mhz) model += ` @ ${Math.round(Number(mhz))} MHz`;
  } catch {
    // not Linux: the model string is all we have
  }
  let osName = `${os.type()} ${os.release()}`;
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync("/etc/os-release", "utf8"))?.[1];
    if (pretty) osName = `${pretty} (kernel ${os.release()})`;
  } catch {
    // no os-release: kernel name and release only
  }
  return {
    cpu: model,
    cores: cpus.length,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    os: `${osName}, ${os.arch()}`,
    loadavg: os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(" "),
  };
}

/** A Markdown table. */
export function table(header, rows) {
  const line = (cells) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** ✅ / ❌ with the target. */
export const verdict = (met) => (met ? "met" : "**MISSED**");
