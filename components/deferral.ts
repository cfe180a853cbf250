/**
 * Deferral resources (issue 13, `levels.<l>.outsideHours.then: defer`): the stack's own
 * EventBridge Scheduler schedule group, into which the router puts one-time `at()` schedules
 * (handlers/router/defer.ts), and the role those schedules assume to send the deferred message
 * to the router's queue. Created only when the router may defer (`defers`).
 *
 * Names are fixed by the prefix, so the router's environment and IAM statements can name them
 * before the resources exist (the router's queue is created by the router's HandlerFunction):
 * queue `<prefix>-router-queue`, role `<prefix>-deferral`, group `<prefix>-deferrals`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { LevelConfig, StackConfig } from "../config/schema";
import { parseCalendar } from "../config/calendars";
import { deferralGroupName, deferralNamePrefix } from "../handlers/router/defer";
import type { DeferEnvironment, OutsideHoursJson } from "../handlers/router/hours";
import { conditionalAssumeRolePolicy, policyJson, deferralRoleStatements } from "./iamStatements";
import type { Statement } from "./iamStatements";
import { deferralRouterStatements } from "./iamStatements";

interface Where {
  readonly region: pulumi.Input<string>;
  readonly accountId: pulumi.Input<string>;
}

/**
 * Whether the router may defer: a level defers outside hours, or
 * the stack silences (`maintenance` set, even `[]`: a silenced ALARM schedules its "silence-ended"
 * re-check, handlers/router/silence.ts). A stack with neither has no deferral resources or
 * statements, and no silences.
 */
export function defers(cfg: StackConfig): boolean {
  return (
    Object.values(cfg.levels).some((l) => l.outsideHours?.then === "defer") ||
    cfg.maintenance !== undefined
  );
}

/** The routing-table member of a level with outsideHours (the calendar resolved). */
export function outsideHoursEntry(
  cfg: StackConfig,
  level: LevelConfig,
): { outsideHours?: OutsideHoursJson } {
  const o = level.outsideHours;
  if (o === undefined) return {};
  const raw = (cfg.calendars ?? {})[o.calendar];
  const { calendar, problems } = parseCalendar(raw, new Date());
  if (calendar === undefined) {
    // The config schema already refused it; reaching here is a bug.
    throw new Error(`calendars.${o.calendar}: ${problems.map((p) => p.message).join("; ")}`);
  }
  return { outsideHours: { name: o.calendar, calendar, then: o.then } };
}

const roleName = (prefix: string) => `${prefix}-deferral`;
const queueName = (prefix: string) => `${prefix}-router-queue`;

/** What the router needs to defer: its variables and its statements (empty when none defers). */
export function routerDeferral(
  cfg: StackConfig,
  prefix: string,
  where: Where,
): {
  readonly environment: Partial<DeferEnvironment<pulumi.Input<string>>>;
  readonly statements: Statement[];
} {
  if (!defers(cfg)) return { environment: {}, statements: [] };
  const roleArn = pulumi.interpolate`arn:aws:iam::${where.accountId}:role/${roleName(prefix)}`;
  return {
    environment: {
      DEFER_QUEUE_ARN: pulumi.interpolate`arn:aws:sqs:${where.region}:${where.accountId}:${queueName(prefix)}`,
      DEFER_ROLE_ARN: roleArn,
      DEFER_PREFIX: prefix,
    },
    statements: deferralRouterStatements({
      region: where.region,
      accountId: where.accountId,
      groupName: deferralGroupName(prefix),
      namePrefix: deferralNamePrefix(prefix),
      roleArn,
    }),
  };
}

/**
 * The schedule group and the role, when a level defers. The role's trust policy admits
 * Scheduler for this account's deferral group only (aws:SourceAccount, aws:SourceArn = the
 * group's ARN: https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html).
 */
export function createDeferral(
  scope: {
    readonly name: string;
    readonly prefix: string;
    readonly tags?: Record<string, string>;
    readonly parent: pulumi.Resource;
  },
  cfg: StackConfig,
  where: Where,
  routerQueueArn: pulumi.Input<string> | undefined,
): void {
  if (!defers(cfg) || routerQueueArn === undefined) return;
  const { name, prefix, tags, parent } = scope;
  const group = new aws.scheduler.ScheduleGroup(
    `${name}-deferrals`,
    { name: deferralGroupName(prefix), tags },
    { parent },
  );
  const role = new aws.iam.Role(
    `${name}-deferral-role`,
    {
      name: roleName(prefix),
      assumeRolePolicy: conditionalAssumeRolePolicy("scheduler.amazonaws.com", {
        StringEquals: { "aws:SourceAccount": where.accountId, "aws:SourceArn": group.arn },
      }),
      tags,
    },
    { parent },
  );
  new aws.iam.RolePolicy(
    `${name}-deferral-policy`,
    { role: role.name, policy: policyJson(deferralRoleStatements(routerQueueArn)) },
    { parent },
  );
}
