/**
 * The name of the escalation engine's execution (and incident) for one alarm state change. Pure,
 * no Pulumi and no SDK: the router (handlers/router/stepFunctions.ts) names its StartExecution
 * with it, and components/engine/stateMachine.ts re-exports it for the component and the specs.
 */
import { createHash } from "node:crypto";

/**
 * StartExecution `name` (Step Functions API reference, StartExecution, Request Parameters,
 * `name`: "Length Constraints: Minimum length of 1. Maximum length of 80."; it "must not contain
 * whitespace, brackets < > { } [ ], wildcard characters ? *, special characters " # % \ ^ | ~ ` $
 * & , ; : /, control characters"; "To enable logging with CloudWatch Logs, the name should only
 * contain 0-9, A-Z, a-z, - and _"). Names are unique per state machine for 90 days, and a second
 * StartExecution with the same name and input while the first runs returns the same execution
 * ("StartExecution is idempotent for STANDARD workflows"): the name is the idempotency key.
 */
export const EXECUTION_NAME_MAX = 80;
export const EXECUTION_NAME_PATTERN = /^[A-Za-z0-9_-]{1,80}$/;

/**
 * The execution (and incident) name of one alarm state change: `<alarm>-<yyyymmddThhmmssmmmZ>`,
 * the alarm reduced to [A-Za-z0-9_-] (every other run of characters becomes one "-"). When that
 * is longer than 80, the alarm part is cut and an 8-hex SHA-256 of the whole alarm name is put
 * before the time, so two long names that share a prefix still differ. Same alarm and time →
 * same name: a retried event cannot start a second execution.
 */
export function executionName(alarmName: string, stateChangeTime: string): string {
  const t = new Date(stateChangeTime);
  if (alarmName.length === 0) throw new Error("executionName: the alarm name is empty");
  if (Number.isNaN(t.getTime())) {
    throw new Error(
      `executionName: state-change time ${JSON.stringify(stateChangeTime)} is not an ISO-8601 time`,
    );
  }
  const time = t.toISOString().replace(/[-:]/g, "").replace(".", "");
  const slug = alarmName.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "") || "alarm";
  const whole = `${slug}-${time}`;
  if (whole.length <= EXECUTION_NAME_MAX && slug === alarmName) return whole;
  const hash = createHash("sha256").update(alarmName, "utf8").digest("hex").slice(0, 8);
  const room = EXECUTION_NAME_MAX - time.length - hash.length - 2;
  return `${slug.slice(0, room).replace(/-+$/, "")}-${hash}-${time}`;
}
