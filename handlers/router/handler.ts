/**
 * Router Lambda: EventBridge invokes it asynchronously with
 * `{"level": "<level>", "event": <CloudWatch "Alarm State Change" event>}`.
 * parse env (once) → decide (pure) → start the incident and engagements → one JSON log line.
 * Every failure is re-thrown: Lambda retries the invocation and finally dead-letters it; the
 * idempotency tokens make the retries safe.
 */
import { SSMContactsClient } from "@aws-sdk/client-ssm-contacts";
import { SSMIncidentsClient } from "@aws-sdk/client-ssm-incidents";
import { startEngagement, startIncident } from "./adapters";
import { decide, logLabels, parseRouterEnv, RoutingError } from "./core";

// Cold start: a missing or malformed variable throws here, naming the variable.
const config = parseRouterEnv(process.env);
const retry = { maxAttempts: 5, retryMode: "standard" } as const;
const incidents = new SSMIncidentsClient(retry);
const contacts = new SSMContactsClient(retry);

export type RouterResult =
  | { readonly decision: "page"; readonly incidentArn: string | null; readonly engagements: number }
  | { readonly decision: "ignore"; readonly reason: string };

export async function handler(event: unknown): Promise<RouterResult> {
  try {
    const decision = decide(event, config);
    const { level, alarmName } = logLabels(event);
    if (decision.kind === "ignore") {
      log({ level, alarmName, decision: "ignore", reason: decision.reason });
      return { decision: "ignore", reason: decision.reason };
    }
    const [incidentArn, ...engagementArns] = await allSettledOrThrow<string | null>([
      decision.incident === null
        ? Promise.resolve(null)
        : startIncident(incidents, decision.incident),
      ...decision.engagements.map((input) => startEngagement(contacts, input)),
    ]);
    // Engagement ARNs name the contact; the count is enough for the log.
    const engagements = engagementArns.length;
    log({ level, alarmName, decision: "page", incidentArn, engagements });
    return { decision: "page", incidentArn, engagements };
  } catch (err: unknown) {
    log({ ...logLabels(event), decision: "error", ...errorFields(err) });
    throw err;
  }
}

/**
 * Like Promise.all, but lets every call finish before re-throwing the first failure, so one
 * failing contact does not keep the others from being engaged.
 */
async function allSettledOrThrow<T>(calls: readonly Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(calls);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed !== undefined) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/**
 * What an error may put in the log. A RoutingError's message is built to be safe; an SDK
 * error's message can quote the request (a validation error may echo the alarm reason), so
 * only its name, HTTP status and request id are logged.
 */
function errorFields(err: unknown): Record<string, string | number | undefined> {
  if (err instanceof RoutingError) return { error: err.name, code: err.code, message: err.message };
  if (!(err instanceof Error)) return { error: typeof err };
  const metadata: unknown = "$metadata" in err ? err.$metadata : undefined;
  const { httpStatusCode, requestId } =
    typeof metadata === "object" && metadata !== null
      ? (metadata as { httpStatusCode?: number; requestId?: string })
      : {};
  return { error: err.name, httpStatusCode, requestId };
}

function log(fields: Record<string, unknown>): void {
  console.log(JSON.stringify(fields));
}
