/**
 * The router Lambda's entry: configuration (once, at cold start), the production clients, clock
 * and log, and the handler createHandler.ts builds around them. What the router does is
 * createHandler.ts; what it decides, decide.ts, dedupe/ and drill.ts.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { ROUTING_TABLE_FILE } from "../shared/limits";
import { createClients, createHandler } from "./createHandler";
import { parseRouterEnv } from "./env";
import { RouterConfigError } from "./errors";
import { parseHeartbeatEnv } from "./heartbeat";

export type { DedupeOutcome, RecoveryOutcome, RouterContext, RouterResult } from "./createHandler";

/**
 * The routing table's text, from routing.json beside the bundle in the function's code
 * (LAMBDA_TASK_ROOT: "The path to your Lambda function code", defined runtime environment
 * variables, https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
 * Undefined when the file is missing; parseRouterEnv names the problem.
 */
function readRoutingTable(env: NodeJS.ProcessEnv): string | undefined {
  const root = env.LAMBDA_TASK_ROOT;
  if (root === undefined || root === "") {
    throw new RouterConfigError([
      `LAMBDA_TASK_ROOT: is not set (Lambda sets it to the folder of the function's code, where ${ROUTING_TABLE_FILE} is)`,
    ]);
  }
  try {
    return readFileSync(path.join(root, ROUTING_TABLE_FILE), "utf8");
  } catch (err: unknown) {
    if ((err as { code?: unknown }).code === "ENOENT") return undefined;
    throw err;
  }
}

/**
 * One EMF line on stdout, bypassing `console` (which Lambda's JSON log format wraps in its own
 * record, hiding the metric from CloudWatch: handlers/shared/selfMetrics.ts).
 */
function emitMetric(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

// Cold start: a missing or malformed variable (or routing table) throws here, naming it.
export const handler = createHandler({
  config: parseRouterEnv(process.env, readRoutingTable(process.env)),
  clients: createClients(),
  // Date.now, not `new Date()` alone: bench/storm.ts shifts Date.now for the router and the SDK.
  now: () => new Date(Date.now()),
  log: (fields) => console.log(JSON.stringify(fields)),
  emitMetric,
  // A Lambda defined runtime variable: the PagesGivenUp metric's dimension.
  functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
  heartbeat: parseHeartbeatEnv(process.env),
});
