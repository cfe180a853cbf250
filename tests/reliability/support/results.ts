/**
 * Each reliability spec records what it did (events fuzzed, faults injected, incidents,
 * duplicates, lost…) as JSON under the OS temp folder — never in the work tree — and prints one
 * summary line, so RELIABILITY.md can be filled from a real run.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const RESULTS_DIR = path.join(os.tmpdir(), "incident-escalation-reliability");

export type Counts = Readonly<Record<string, number | string | Readonly<Record<string, number>>>>;

/** Writes `<RESULTS_DIR>/<spec>.json` and prints `[reliability] <spec>: k=v …` on one line. */
export function recordResults(spec: string, counts: Counts): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${spec}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ spec, recordedAt: new Date().toISOString(), ...counts }, null, 2)}\n`,
  );
  const summary = Object.entries(counts)
    .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(" ");
  process.stdout.write(`      [reliability] ${spec}: ${summary} (${file})\n`);
  return file;
}

/** Adds `n` to `tally[key]`. */
export function bump(tally: Record<string, number>, key: string, n = 1): void {
  tally[key] = (tally[key] ?? 0) + n;
}
