/**
 * `incident-escalation:heartbeat: { everyMinutes: 15 }`: a heartbeat of the pipeline itself
 * (components/heartbeat.ts builds it, the README states the bound). One home for the figures
 * derived from `everyMinutes`, shared by the component, the specs and the README's bound.
 */
import { z } from "zod";
import { typeError } from "./messages";

/** Shortest and longest heartbeat interval, minutes. */
export const HEARTBEAT_MIN_MINUTES = 2;
export const HEARTBEAT_MAX_MINUTES = 60;

/**
 * Minutes of slack the missing-heartbeat alarm allows past one interval before it pages: the
 * schedule's start within its minute (flexible time window OFF), the canary alarm's one-minute
 * period and evaluation, EventBridge and SQS delivery, the router's run and the EMF extraction.
 */
export const HEARTBEAT_SLACK_MINUTES = 5;

/**
 * Minutes CloudWatch may take past the last breaching period to evaluate the alarm and act
 * (alarms are evaluated once per period; period 60 s).
 */
export const HEARTBEAT_EVALUATION_DELAY_MINUTES = 1;

export const heartbeatConfig = z.strictObject(
  {
    /** The pipeline proves itself at least this often (minutes). */
    everyMinutes: z
      .number({ error: (i) => typeError(i.input, "a whole number of minutes") })
      .int({ error: "must be a whole number of minutes" })
      .min(HEARTBEAT_MIN_MINUTES, {
        error: `must be at least ${HEARTBEAT_MIN_MINUTES} (the canary alarm needs a minute to return to OK)`,
      })
      .max(HEARTBEAT_MAX_MINUTES, { error: `must be at most ${HEARTBEAT_MAX_MINUTES}` }),
  },
  { error: (i) => typeError(i.input, "an object { everyMinutes: <minutes> }") },
);

export type HeartbeatConfig = z.output<typeof heartbeatConfig>;

/** What the heartbeat's resources are built from (all derived from everyMinutes). */
export interface HeartbeatTiming {
  /** The canary schedule, `rate(<everyMinutes> minutes)`. */
  readonly scheduleExpression: string;
  /** Evaluation periods (1 minute each) of the missing-heartbeat alarm. */
  readonly missingWindowMinutes: number;
  /** The README's bound: a broken path pages within this many minutes. */
  readonly pagesWithinMinutes: number;
}

/** The timing of a heartbeat every `everyMinutes`. Pure. */
export function heartbeatTiming(everyMinutes: number): HeartbeatTiming {
  const missingWindowMinutes = everyMinutes + HEARTBEAT_SLACK_MINUTES;
  return {
    scheduleExpression: `rate(${everyMinutes} minutes)`,
    missingWindowMinutes,
    pagesWithinMinutes: missingWindowMinutes + HEARTBEAT_EVALUATION_DELAY_MINUTES,
  };
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Cross-check: the heartbeat proves the router's path, so some level must be handled by the router
 * (it pages or engages contacts). Reads the partially-valid config defensively, like
 * crossChecks.ts (it runs even when other fields are malformed).
 */
export function heartbeatCrossCheck(value: unknown, ctx: z.RefinementCtx): void {
  if (!isObj(value) || value.heartbeat === undefined || !isObj(value.levels)) return;
  const routed = Object.values(value.levels).some(
    (l) => isObj(l) && (l.page === true || (Array.isArray(l.engage) && l.engage.length > 0)),
  );
  if (routed) return;
  ctx.addIssue({
    code: "custom",
    path: ["heartbeat"],
    message:
      "no level pages or engages anyone, so there is no router whose path a heartbeat could prove; remove heartbeat or let a level page",
  });
}
