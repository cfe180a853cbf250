import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DrillConfig } from "../config/schema";
import { conditionalAssumeRolePolicy, policyJson } from "./iamStatements";

export interface DrillSchedulesArgs {
  /** Physical-name prefix. */
  readonly prefix: string;
  /** The drills to schedule. */
  readonly drills: readonly DrillConfig[];
  /** The router Lambda that starts drills and posts their reports. */
  readonly routerArn: pulumi.Input<string>;
  /** Name of the role Scheduler assumes (see `schedulerRole`). */
  readonly roleName: pulumi.Input<string>;
  /** ARN of that role. */
  readonly roleArn: pulumi.Input<string>;
  /** Queue for schedule invocations that fail after Scheduler's retries. */
  readonly deadLetterArn: pulumi.Input<string>;
  /** Tags. */
  readonly tags?: Record<string, string>;
}

/** Prefix of the one-time report schedules the router creates after a drill starts. */
export function drillReportSchedulePrefix(prefix: string): string {
  return `${prefix}-drill-`;
}

/** The router event a drill schedule sends; Scheduler fills in the scheduled time. */
export function drillInput(d: Pick<DrillConfig, "level" | "reportAfterMinutes">): string {
  return JSON.stringify({
    drill: {
      level: d.level,
      scheduledTime: "<aws.scheduler.scheduled-time>",
      reportAfterMinutes: d.reportAfterMinutes,
    },
  });
}

/**
 * The schedule group every drill schedule and report schedule is in: neither DrillSchedules nor
 * the router's CreateSchedule sets GroupName, so both use the group named `default` (API_CreateSchedule,
 * GroupName: "If you omit this, the default schedule group is used").
 */
export function defaultScheduleGroupArn(
  region: pulumi.Input<string>,
  accountId: pulumi.Input<string>,
): pulumi.Output<string> {
  return pulumi.interpolate`arn:aws:scheduler:${region}:${accountId}:schedule-group/default`;
}

/**
 * Trust policy of the drill role: Scheduler may assume it only for schedules of this account's
 * default schedule group. The Scheduler user guide recommends aws:SourceAccount and aws:SourceArn
 * in the execution role's trust policy, with aws:SourceArn the schedule GROUP's ARN ("Do not scope
 * the aws:SourceArn statement to a specific schedule or a schedule name prefix";
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html,
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role).
 */
export function schedulerTrustPolicy(
  region: pulumi.Input<string>,
  accountId: pulumi.Input<string>,
): pulumi.Output<string> {
  return conditionalAssumeRolePolicy("scheduler.amazonaws.com", {
    StringEquals: {
      "aws:SourceAccount": accountId,
      "aws:SourceArn": defaultScheduleGroupArn(region, accountId),
    },
  });
}

/**
 * The role EventBridge Scheduler assumes for drills. Created before the router (which passes it
 * to the report schedules it creates); its permissions are attached by DrillSchedules.
 */
export function schedulerRole(
  name: string,
  prefix: string,
  where: { readonly region: pulumi.Input<string>; readonly accountId: pulumi.Input<string> },
  tags: Record<string, string> | undefined,
  opts: pulumi.CustomResourceOptions,
): aws.iam.Role {
  return new aws.iam.Role(
    name,
    {
      name: `${prefix}-drill-scheduler`,
      assumeRolePolicy: schedulerTrustPolicy(where.region, where.accountId),
      tags,
    },
    opts,
  );
}

/**
 * Scheduled paging drills: an EventBridge Scheduler schedule per drill invokes the router with a
 * drill event; the router starts a `[DRILL]` incident through the level's real response plan and
 * schedules a one-time report (posted to Slack) that resolves it. The role Scheduler assumes may
 * invoke the router and dead-letter, nothing else.
 */
export class DrillSchedules extends pulumi.ComponentResource {
  constructor(name: string, args: DrillSchedulesArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("incident-escalation:index:DrillSchedules", name, {}, opts);
    const childOpts = { parent: this, dependsOn: opts.dependsOn };

    const policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: args.roleName,
        name: `${args.prefix}-drill-scheduler`,
        policy: policyJson([
          {
            Sid: "InvokeRouter",
            Effect: "Allow",
            Action: ["lambda:InvokeFunction"],
            Resource: [args.routerArn],
          },
          {
            Sid: "DeadLetter",
            Effect: "Allow",
            Action: ["sqs:SendMessage"],
            Resource: [args.deadLetterArn],
          },
        ]),
      },
      childOpts,
    );

    args.drills.forEach((d, i) => {
      new aws.scheduler.Schedule(
        `${name}-${d.level}-${i}`,
        {
          name: `${args.prefix}-drill-${d.level}-${i}`,
          description: `Paging drill of level ${d.level} through its real response plan`,
          scheduleExpression: d.schedule,
          scheduleExpressionTimezone: d.timeZone,
          flexibleTimeWindow: { mode: "OFF" },
          target: {
            arn: args.routerArn,
            roleArn: args.roleArn,
            input: drillInput(d),
            retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
            deadLetterConfig: { arn: args.deadLetterArn },
          },
        },
        { ...childOpts, dependsOn: [policy] },
      );
    });

    this.registerOutputs({});
  }
}
