import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DrillConfig } from "../config/schema";
import { HandlerFunction } from "./handlerFunction";
import {
  conditionalAssumeRolePolicy,
  drillStatements,
  engineDrillStatements,
  policyJson,
} from "./iamStatements";

export interface DrillSchedulesArgs {
  /** Physical-name prefix. */
  readonly prefix: string;
  /** The drills to schedule. */
  readonly drills: readonly DrillConfig[];
  /** The drill Lambda the workflow invokes to start a drill and to report it. */
  readonly functionArn: pulumi.Input<string>;
  /** Name of the role Scheduler assumes (see `schedulerRole`). */
  readonly roleName: pulumi.Input<string>;
  /** ARN of that role. */
  readonly roleArn: pulumi.Input<string>;
  /** Queue for schedule invocations that fail after Scheduler's retries. */
  readonly deadLetterArn: pulumi.Input<string>;
  /** The backend the drill function drives (default incident-manager). */
  readonly backend?: "incident-manager" | "step-functions";
  /** The stack's region and account (the workflow's ARN, its role's trust policy). */
  readonly region: pulumi.Input<string>;
  readonly accountId: pulumi.Input<string>;
  /** Tags. */
  readonly tags?: Record<string, string>;
}

/** Physical name of the drill workflow (a Step Functions state machine). */
export function drillWorkflowName(prefix: string): string {
  return `${prefix}-drill`;
}

/**
 * The workflow execution a drill schedule starts: Scheduler fills in the scheduled time
 * (context attribute `<aws.scheduler.scheduled-time>`, e.g. 2022-03-22T18:59:43Z:
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html).
 */
export function drillInput(d: Pick<DrillConfig, "level" | "reportAfterMinutes">): string {
  return JSON.stringify({
    level: d.level,
    scheduledTime: "<aws.scheduler.scheduled-time>",
    reportAfterSeconds: d.reportAfterMinutes * 60,
  });
}

/** Lambda errors worth retrying: Step Functions' "Handle transient Lambda service exceptions". */
const LAMBDA_TRANSIENT = [
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.TooManyRequestsException",
];

/**
 * The drill workflow (Amazon States Language, JSONPath): start the [DRILL] incident, Wait
 * `reportAfterSeconds`, report. Both steps are idempotent (the incident's clientToken comes from
 * the scheduled run, the report's tokens from the incident), so each is retried on any error
 * (`States.TaskFailed` is the function's own error). The Lambda task is the optimized integration
 * `arn:aws:states:::lambda:invoke`, whose result is `{Payload: <the function's result>}`
 * (https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html); the Wait state's
 * `SecondsPath` reads the wait from the input
 * (https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html). The execution times out
 * after 3 hours (drills report 5-120 minutes after the start).
 */
export function drillWorkflowDefinition(
  functionArn: string,
  backend: "incident-manager" | "step-functions" = "incident-manager",
): Record<string, unknown> {
  // Backend step-functions: the drill function starts an execution of the engine's state machine
  // and answers `{executionArn, startedAt}`; the report reads the incident named like it.
  const started = backend === "step-functions" ? "executionArn" : "incidentArn";
  const retry = [
    { ErrorEquals: LAMBDA_TRANSIENT, IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2 },
    { ErrorEquals: ["States.TaskFailed"], IntervalSeconds: 30, MaxAttempts: 3, BackoffRate: 2 },
  ];
  return {
    Comment:
      backend === "step-functions"
        ? "Paging drill: start a [DRILL] escalation execution, wait, report and resolve it"
        : "Paging drill: start a [DRILL] incident, wait, report and resolve it",
    StartAt: "StartDrill",
    TimeoutSeconds: 3 * 3600,
    States: {
      StartDrill: {
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke",
        Parameters: {
          FunctionName: functionArn,
          Payload: { drill: { "level.$": "$.level", "scheduledTime.$": "$.scheduledTime" } },
        },
        ResultSelector: {
          [`${started}.$`]: `$.Payload.${started}`,
          "startedAt.$": "$.Payload.startedAt",
        },
        ResultPath: "$.started",
        Retry: retry,
        Next: "WaitForPages",
      },
      WaitForPages: { Type: "Wait", SecondsPath: "$.reportAfterSeconds", Next: "Report" },
      Report: {
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke",
        Parameters: {
          FunctionName: functionArn,
          Payload: {
            drillReport: {
              "level.$": "$.level",
              [`${started}.$`]: `$.started.${started}`,
              "startedAt.$": "$.started.startedAt",
            },
          },
        },
        Retry: retry,
        End: true,
      },
    },
  };
}

/**
 * The schedule group every drill schedule is in: DrillSchedules sets no group name, so the
 * schedules are in the group named `default` (API_CreateSchedule,
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
 * The role EventBridge Scheduler assumes for drills; its permissions are attached by
 * DrillSchedules.
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
 * Trust policy of the workflow's role: Step Functions may assume it only for this state machine
 * (confused-deputy prevention with aws:SourceAccount and aws:SourceArn,
 * https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html).
 */
export function workflowTrustPolicy(
  stateMachineArn: pulumi.Input<string>,
  accountId: pulumi.Input<string>,
): pulumi.Output<string> {
  return conditionalAssumeRolePolicy("states.amazonaws.com", {
    StringEquals: { "aws:SourceAccount": accountId },
    ArnLike: { "aws:SourceArn": stateMachineArn },
  });
}

/**
 * Scheduled paging drills: an EventBridge Scheduler schedule per drill starts an execution of the
 * drill workflow (Step Functions), which invokes the drill Lambda to start a `[DRILL]` incident
 * through the level's real response plan (backend step-functions: a drill execution of the
 * engine's state machine), waits `reportAfterMinutes`, and invokes it again to report (Slack),
 * resolve and stop the engagements (the execution). The role Scheduler assumes may start the
 * workflow and dead-letter; the workflow's role may invoke the drill function; nothing else.
 */
export class DrillSchedules extends pulumi.ComponentResource {
  /** The drill workflow's state machine ARN. */
  public readonly workflowArn: pulumi.Output<string>;

  constructor(name: string, args: DrillSchedulesArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("incident-escalation:index:DrillSchedules", name, {}, opts);
    const childOpts = { parent: this, dependsOn: opts.dependsOn };
    const workflowName = drillWorkflowName(args.prefix);
    const workflowArn = pulumi.interpolate`arn:aws:states:${args.region}:${args.accountId}:stateMachine:${workflowName}`;

    const workflowRole = new aws.iam.Role(
      `${name}-workflow-role`,
      {
        name: `${args.prefix}-drill-workflow`,
        assumeRolePolicy: workflowTrustPolicy(workflowArn, args.accountId),
        tags: args.tags,
      },
      childOpts,
    );
    const workflowPolicy = new aws.iam.RolePolicy(
      `${name}-workflow-policy`,
      {
        role: workflowRole.name,
        name: `${args.prefix}-drill-workflow`,
        policy: policyJson([
          {
            Sid: "InvokeDrillFunction",
            Effect: "Allow",
            Action: ["lambda:InvokeFunction"],
            Resource: [args.functionArn],
          },
        ]),
      },
      childOpts,
    );
    const workflow = new aws.sfn.StateMachine(
      `${name}-workflow`,
      {
        name: workflowName,
        type: "STANDARD",
        roleArn: workflowRole.arn,
        definition: pulumi
          .output(args.functionArn)
          .apply((arn) => JSON.stringify(drillWorkflowDefinition(arn, args.backend))),
        tags: args.tags,
      },
      { ...childOpts, dependsOn: [workflowPolicy] },
    );
    this.workflowArn = workflow.arn;

    const policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: args.roleName,
        name: `${args.prefix}-drill-scheduler`,
        policy: policyJson([
          {
            Sid: "StartDrillWorkflow",
            Effect: "Allow",
            Action: ["states:StartExecution"],
            Resource: [workflowArn],
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
          description:
            args.backend === "step-functions"
              ? `Paging drill of level ${d.level} through the escalation engine`
              : `Paging drill of level ${d.level} through its real response plan`,
          scheduleExpression: d.schedule,
          scheduleExpressionTimezone: d.timeZone,
          flexibleTimeWindow: { mode: "OFF" },
          target: {
            arn: workflow.arn,
            roleArn: args.roleArn,
            input: drillInput(d),
            retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
            deadLetterConfig: { arn: args.deadLetterArn },
          },
        },
        { ...childOpts, dependsOn: [policy] },
      );
    });

    this.registerOutputs({ workflowArn: this.workflowArn });
  }
}

/** What drills drive on backend step-functions: the engine and its incident table. */
export interface EngineDrillTarget {
  /** The paging levels (drills start executions for them). */
  readonly levels: readonly string[];
  readonly stateMachineArn: pulumi.Input<string>;
  readonly stateMachineName: string;
  readonly incidentTableName: pulumi.Input<string>;
  readonly incidentTableArn: pulumi.Input<string>;
  /** The report's language (the stack's `language`). */
  readonly language: "ja" | "en";
}

export interface DrillsArgs {
  /** Physical-name prefix. */
  readonly prefix: string;
  /** The drills to schedule (none: nothing is created). */
  readonly drills: readonly DrillConfig[];
  /** Backend step-functions: the engine drills drive (then `levels` is empty). */
  readonly engine?: EngineDrillTarget;
  /** The paging levels: impact, response plan ARN and physical name (backend incident-manager). */
  readonly levels: readonly {
    readonly level: string;
    readonly impact: number;
    readonly responsePlanArn: pulumi.Input<string>;
    readonly responsePlanName: string;
    /** The plan's incident template has tags (StartIncident needs TagResource). */
    readonly tagged: boolean;
  }[];
  readonly region: pulumi.Input<string>;
  readonly accountId: pulumi.Input<string>;
  /** The alerts topic (Slack) reports go to, and its KMS key. */
  readonly alertsTopicArn: pulumi.Input<string>;
  readonly alertsKeyArn: pulumi.Input<string>;
  /** Scheduler's dead-letter queue. */
  readonly deadLetterArn: pulumi.Input<string>;
  /** Tags. */
  readonly tags?: Record<string, string>;
}

/**
 * Everything scheduled drills need, beside the pipeline (parent): the Scheduler role
 * (`<name>-drill-scheduler`), the drill Lambda with its own least-privilege role
 * (`<name>-drill`, handlers/drill/: drillStatements, or engineDrillStatements with `engine`) and
 * the schedules with their workflow (`<name>-drills`). Undefined when no drill is configured.
 */
export function createDrills(
  name: string,
  args: DrillsArgs,
  parent: pulumi.Resource,
): { readonly fn: HandlerFunction; readonly schedules: DrillSchedules } | undefined {
  if (args.drills.length === 0) return undefined;
  const role = schedulerRole(
    `${name}-drill-scheduler`,
    args.prefix,
    { region: args.region, accountId: args.accountId },
    args.tags,
    { parent },
  );
  const engine = args.engine;
  const fn = new HandlerFunction(
    `${name}-drill`,
    {
      functionName: `${args.prefix}-drill`,
      handler: "drill",
      description: engine
        ? "Starts scheduled [DRILL] escalation executions, then reports, resolves and stops them"
        : "Starts scheduled [DRILL] incidents, then reports, resolves and stops them",
      environment: engine
        ? engineDrillEnvironment(args, engine)
        : {
            DRILL_LEVELS: pulumi
              .output(
                args.levels.map((l) => ({
                  level: l.level,
                  impact: l.impact,
                  responsePlanArn: l.responsePlanArn,
                })),
              )
              .apply((ls) =>
                JSON.stringify(
                  Object.fromEntries(
                    ls.map((l) => [
                      l.level,
                      { impact: l.impact, responsePlanArn: l.responsePlanArn },
                    ]),
                  ),
                ),
              ),
            NAME_PREFIX: args.prefix,
            ALERTS_TOPIC_ARN: args.alertsTopicArn,
          },
      statements: engine
        ? engineDrillStatements({
            stateMachineArn: engine.stateMachineArn,
            stateMachineName: engine.stateMachineName,
            incidentTableArn: engine.incidentTableArn,
            region: args.region,
            accountId: args.accountId,
            topicArn: args.alertsTopicArn,
            topicKeyArn: args.alertsKeyArn,
          })
        : drillStatements({
            responsePlanArns: args.levels.map((l) => l.responsePlanArn),
            responsePlanNames: args.levels.map((l) => l.responsePlanName),
            taggedResponsePlanNames: args.levels
              .filter((l) => l.tagged)
              .map((l) => l.responsePlanName),
            region: args.region,
            accountId: args.accountId,
            contactPrefix: `${args.prefix}-`,
            topicArn: args.alertsTopicArn,
            topicKeyArn: args.alertsKeyArn,
          }),
      // Listing a drill's pages and posting take seconds; the SDK retries within this.
      timeoutSeconds: 120,
      memoryMb: 256,
      logRetentionDays: 90,
      // The workflow invokes synchronously and retries itself (drillWorkflowDefinition).
      maximumRetryAttempts: 0,
      alertsTopicArn: args.alertsTopicArn,
      tags: args.tags,
    },
    { parent },
  );
  const schedules = new DrillSchedules(
    `${name}-drills`,
    {
      prefix: args.prefix,
      drills: args.drills,
      functionArn: fn.arn,
      roleName: role.name,
      roleArn: role.arn,
      deadLetterArn: args.deadLetterArn,
      backend: engine ? "step-functions" : "incident-manager",
      region: args.region,
      accountId: args.accountId,
      tags: args.tags,
    },
    { parent },
  );
  return { fn, schedules };
}

/** The drill function's environment on backend step-functions (handlers/drill/events.ts). */
function engineDrillEnvironment(
  args: DrillsArgs,
  engine: EngineDrillTarget,
): Record<string, pulumi.Input<string>> {
  return {
    DRILL_BACKEND: "step-functions",
    DRILL_LEVELS: JSON.stringify(engine.levels),
    STATE_MACHINE_ARN: engine.stateMachineArn,
    INCIDENT_TABLE: engine.incidentTableName,
    REPORT_LANGUAGE: engine.language,
    NAME_PREFIX: args.prefix,
    ALERTS_TOPIC_ARN: args.alertsTopicArn,
  };
}
