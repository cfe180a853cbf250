/**
 * The pieces of the Lambda runtime the reliability specs model: loading a handler module afresh
 * (a new execution environment, with its own SDK clients and retry quota), asynchronous
 * invocation with Lambda's retries (up to 2 re-invocations with the same event), and seeded
 * randomness so every run injects the same faults.
 */
import { createHash } from "node:crypto";
// The SDK clients' retry module (every current client resolves this one copy).
import { DefaultRateLimiter } from "@smithy/core/retry";
import { codeFolder } from "../../handlers/fixtures/routerFixtures";

/** Sets (or, for undefined, deletes) variables; returns their previous values. */
export function applyEnv(
  env: Record<string, string | undefined>,
): Record<string, string | undefined> {
  const saved: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(env)) {
    saved[name] = process.env[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  return saved;
}

/**
 * Requires `modulePath` afresh with `env` applied while its module scope runs (cold start), as a
 * new Lambda execution environment would: new SDK clients, new retry quota, new caches.
 */
export function coldStart<T>(modulePath: string, env: Record<string, string | undefined>): T {
  // The router's routing table travels in its code: a ROUTING_TABLE here becomes routing.json in
  // LAMBDA_TASK_ROOT (tests/handlers/fixtures/routerFixtures.ts, configOf).
  const { ROUTING_TABLE: table, ...variables } = env;
  const saved = applyEnv(
    "ROUTING_TABLE" in env
      ? { ...variables, LAMBDA_TASK_ROOT: codeFolderOnce(table), ROUTING_TABLE: undefined }
      : variables,
  );
  try {
    delete require.cache[modulePath];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(modulePath) as T;
  } finally {
    applyEnv(saved);
  }
}

const folders = new Map<string | undefined, string>();
/** One code folder per routing table, reused across the many cold starts of a spec. */
function codeFolderOnce(table: string | undefined): string {
  let dir = folders.get(table);
  if (dir === undefined) folders.set(table, (dir = codeFolder(table)));
  return dir;
}

/** Fake credentials and endpoints: every SDK request goes to `stubUrl` on 127.0.0.1. */
export function localAwsEnv(stubUrl: string): Record<string, string | undefined> {
  return {
    AWS_REGION: "ap-northeast-1",
    AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
    AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_ENDPOINT_URL_SSM_INCIDENTS: stubUrl,
    AWS_ENDPOINT_URL_SSM_CONTACTS: stubUrl,
    AWS_ENDPOINT_URL_DYNAMODB: stubUrl,
    AWS_ENDPOINT_URL_SCHEDULER: stubUrl,
    AWS_ENDPOINT_URL_SNS: stubUrl,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: stubUrl,
  };
}

/** Lambda's asynchronous invocation retries (MaximumRetryAttempts of both functions). */
export const LAMBDA_RETRIES = 2;

export type Invocation<R> =
  | {
      readonly ok: true;
      readonly invocations: number;
      readonly result: R;
      readonly errors: unknown[];
    }
  | { readonly ok: false; readonly invocations: number; readonly errors: unknown[] };

/**
 * Invokes `handler` with `event` as Lambda does for an asynchronous invocation: when it rejects,
 * again with the same event, at most `retries` more times (without Lambda's 1 and 2 minute
 * waits). `ok: false` means the event goes to the on-failure destination (the DLQ).
 */
export async function invokeAsync<R>(
  handler: (event: unknown) => Promise<R>,
  event: unknown,
  retries = LAMBDA_RETRIES,
): Promise<Invocation<R>> {
  const errors: unknown[] = [];
  for (let invocation = 1; invocation <= retries + 1; invocation++) {
    try {
      // Lambda hands each invocation its own copy of the JSON payload.
      const result = await handler(structuredClone(event));
      return { ok: true, invocations: invocation, result, errors };
    } catch (err: unknown) {
      errors.push(err);
    }
  }
  return { ok: false, invocations: retries + 1, errors };
}

/** A number in [0, 1) determined by `seed` and `keys`: the same on every run. */
export function chance(seed: number, ...keys: readonly (string | number)[]): number {
  const digest = createHash("sha256")
    .update(`${seed}|${keys.join("|")}`)
    .digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

/** mulberry32: a small seeded PRNG returning numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Runs `fn` with the SDK's retry waits shortened, keeping every retry and its order:
 * - Math.random, from which the SDK draws its backoff jitter (delay = random × base × 2^attempt),
 *   is replaced by a seeded generator scaled by `scale`;
 * - the adaptive retry mode's client-side rate limiter, which after a throttle sends at 0.5
 *   request/s or more, waits `scale` of each wait it computes while its clock is advanced by the
 *   whole wait (a virtual clock), so it refills as if the time had passed. It only ever delays a
 *   request, never drops one, so counts are unchanged.
 * So specs with hundreds of retries run in seconds. Nothing else they assert depends on these.
 */
export async function withShortBackoff<T>(
  seed: number,
  scale: number,
  fn: () => Promise<T>,
): Promise<T> {
  const limiter = DefaultRateLimiter as unknown as {
    setTimeoutFn: (resolve: () => void, delay: number) => void;
    prototype: { getCurrentTimeInSeconds: () => number };
  };
  const real = {
    random: Math.random,
    setTimeoutFn: limiter.setTimeoutFn,
    now: limiter.prototype.getCurrentTimeInSeconds,
  };
  const random = seededRandom(seed);
  let skippedMs = 0;
  Math.random = () => random() * scale;
  limiter.setTimeoutFn = (resolve, delay) => {
    skippedMs += delay * (1 - scale);
    setTimeout(resolve, delay * scale);
  };
  limiter.prototype.getCurrentTimeInSeconds = () => (Date.now() + skippedMs) / 1000;
  try {
    return await fn();
  } finally {
    Math.random = real.random;
    limiter.setTimeoutFn = real.setTimeoutFn;
    limiter.prototype.getCurrentTimeInSeconds = real.now;
  }
}

/** Runs `tasks` with at most `limit` in flight at once; results in task order. */
export async function pool<T>(limit: number, tasks: readonly (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/** Captures console.log lines (the handlers' JSON log lines) while `fn` runs. */
export async function captureLogs<T>(fn: () => Promise<T>): Promise<{ value: T; lines: string[] }> {
  const real = console.log;
  const lines: string[] = [];
  console.log = (...args: unknown[]) => {
    lines.push(args.map(String).join(" "));
  };
  try {
    return { value: await fn(), lines };
  } finally {
    console.log = real;
  }
}
