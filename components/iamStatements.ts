/**
 * Pure builders for IAM and resource policies. Every statement names its actions explicitly
 * (no wildcard actions) and is scoped to the resources it needs.
 */
import * as pulumi from "@pulumi/pulumi";

export interface Statement {
  readonly Sid: string;
  readonly Effect: "Allow";
  readonly Action: string[];
  readonly Resource: pulumi.Input<string>[] | pulumi.Input<string>;
  readonly Principal?: { Service: string } | { AWS: pulumi.Input<string> };
  readonly Condition?: Record<
    string,
    Record<string, pulumi.Input<string> | pulumi.Input<string>[]>
  >;
}

/** A policy document as a JSON string, once every referenced ARN is known. */
export function policyJson(statements: readonly Statement[]): pulumi.Output<string> {
  return pulumi
    .output({ Version: "2012-10-17", Statement: statements })
    .apply((doc) => JSON.stringify(doc));
}

/** Trust policy letting one AWS service assume a role. */
export function assumeRolePolicy(service: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
  });
}

/** A trust-policy condition block: operator → key → value. */
export type TrustCondition = Record<string, Record<string, pulumi.Input<string>>>;

/**
 * Trust policy letting one AWS service assume a role only under `condition` (confused-deputy
 * prevention with the global keys aws:SourceAccount / aws:SourceArn,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html).
 */
export function conditionalAssumeRolePolicy(
  service: string,
  condition: TrustCondition,
): pulumi.Output<string> {
  return pulumi
    .output({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: service },
          Action: "sts:AssumeRole",
          Condition: condition,
        },
      ],
    })
    .apply((doc) => JSON.stringify(doc));
}

/** What every handler needs: write to its own log group, dead-letter to its own queue. */
export function lambdaBaseStatements(
  logGroupArn: pulumi.Input<string>,
  dlqArn: pulumi.Input<string>,
): Statement[] {
  return [
    {
      Sid: "WriteOwnLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: [pulumi.interpolate`${logGroupArn}:*`],
    },
    {
      Sid: "DeadLetterOwnQueue",
      Effect: "Allow",
      Action: ["sqs:SendMessage"],
      Resource: [dlqArn],
    },
  ];
}

export interface RouterPolicyArgs {
  /** Response plans the router may start incidents with (paging levels only). */
  readonly responsePlanArns: pulumi.Input<string>[];
  /** Contacts the router engages directly for non-paging levels. */
  readonly directEngageArns: pulumi.Input<string>[];
  readonly region: pulumi.Input<string>;
  readonly accountId: pulumi.Input<string>;
  /** Physical names of the paging response plans (incident records live under them). */
  readonly responsePlanNames?: readonly string[];
  /**
   * Physical names of the response plans whose incident template carries `incidentTags` (see
   * `incidentTemplate`): StartIncident with them also needs ssm-incidents:TagResource.
   */
  readonly taggedResponsePlanNames?: readonly string[];
  /** The alarm → open incident table (dedupe and recovery). */
  readonly dedupeTableArn?: pulumi.Input<string>;
  /**
   * The step-functions backend: the engine's state machine the router starts (and, on recovery
   * with resolveOnRecovery, stops executions of), and the incident table it notes and resolves in.
   */
  readonly stepFunctions?: {
    readonly stateMachineArn: pulumi.Input<string>;
    /** The state machine's name (its executions' ARNs contain it). */
    readonly stateMachineName: string;
    readonly incidentTableArn: pulumi.Input<string>;
  };
  /** Silences (handlers/router/silence.ts): the table it queries, the topic and key of its notes. */
  readonly silences?: {
    readonly tableArn: pulumi.Input<string>;
    readonly topicArn: pulumi.Input<string>;
    readonly topicKeyArn: pulumi.Input<string>;
  };
}

/** The tag keys `incidentTemplate` puts on incident records (TagResource is limited to them). */
export const INCIDENT_TAG_KEYS = ["stack", "level"] as const;

/**
 * The router's statements.
 *
 * No statement for what Incident Manager does after StartIncident: it engages the response plan's
 * contacts (ssm-contacts:StartEngagement) and creates OpsItems (ssm:CreateOpsItem) with its own
 * service-linked role AWSServiceRoleforIncidentManager, whose policy
 * AWSIncidentManagerServiceRolePolicy grants exactly those actions
 * (https://docs.aws.amazon.com/incident-manager/latest/userguide/using-service-linked-roles.html,
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSIncidentManagerServiceRolePolicy.html).
 * The router engages contacts itself only for non-paging levels (EngageDirectly).
 */
export function routerStatements(args: RouterPolicyArgs): Statement[] {
  const out: Statement[] = [];
  if (args.responsePlanArns.length > 0) {
    out.push({
      Sid: "StartIncidentWithPagingPlans",
      Effect: "Allow",
      Action: ["ssm-incidents:StartIncident"],
      Resource: args.responsePlanArns,
    });
  }
  const recordsOf = (plans: readonly string[]) =>
    plans.map(
      (plan) =>
        pulumi.interpolate`arn:aws:ssm-incidents::${args.accountId}:incident-record/${plan}/*`,
    );
  const taggedPlans = args.taggedResponsePlanNames ?? [];
  if (args.responsePlanArns.length > 0 && taggedPlans.length > 0) {
    // ssm-incidents API reference, IncidentTemplate.incidentTags: "When the StartIncident API
    // action is called, Incident Manager assigns the tags specified in the template to the
    // incident. To call this action, you must also have permission to call the TagResource API
    // action for the incident record resource." The service authorization reference lists
    // incident-record as a resource type of TagResource and aws:TagKeys as its condition key;
    // ForAllValues also holds when the request carries no tag keys at all.
    out.push({
      Sid: "TagIncidentsOfTaggedPlans",
      Effect: "Allow",
      Action: ["ssm-incidents:TagResource"],
      Resource: recordsOf(taggedPlans),
      Condition: { "ForAllValues:StringEquals": { "aws:TagKeys": [...INCIDENT_TAG_KEYS] } },
    });
  }
  // GetIncidentRecord, CreateTimelineEvent and UpdateIncidentRecord list two required resource
  // types in the service authorization reference, incident-record and response-plan; "If you
  // limit resource access with the Resource element in an IAM policy, you must include an ARN or
  // pattern for each required resource type"
  // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanagerincidentmanager.html).
  const followUpResources = [...recordsOf(args.responsePlanNames ?? []), ...args.responsePlanArns];
  if (args.dedupeTableArn) {
    out.push({
      Sid: "MapAlarmsToOpenIncidents",
      Effect: "Allow",
      Action: [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
      ],
      Resource: [args.dedupeTableArn],
    });
  }
  // Only with Incident Manager plans: a step-functions stack has none.
  if (args.dedupeTableArn && followUpResources.length > 0) {
    out.push({
      Sid: "FollowUpOpenIncidents",
      Effect: "Allow",
      Action: [
        "ssm-incidents:GetIncidentRecord",
        "ssm-incidents:CreateTimelineEvent",
        "ssm-incidents:UpdateIncidentRecord",
      ],
      Resource: followUpResources,
    });
  }
  if (args.silences) {
    out.push(
      {
        // One Query of the table's one partition (handlers/router/silence.ts silencesQueryInput).
        Sid: "ReadSilences",
        Effect: "Allow",
        Action: ["dynamodb:Query"],
        Resource: [args.silences.tableArn],
      },
      {
        Sid: "PostSilencedNotes",
        Effect: "Allow",
        Action: ["sns:Publish"],
        Resource: [args.silences.topicArn],
      },
      {
        // Publishing to a topic encrypted with a customer managed key needs GenerateDataKey and
        // Decrypt on it (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html).
        Sid: "EncryptSilencedNotes",
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: [args.silences.topicKeyArn],
      },
    );
  }
  if (args.directEngageArns.length > 0) {
    out.push({
      Sid: "EngageDirectly",
      Effect: "Allow",
      Action: ["ssm-contacts:StartEngagement"],
      Resource: args.directEngageArns,
    });
  }
  if (args.stepFunctions !== undefined) {
    const sf = args.stepFunctions;
    out.push(
      {
        // Service authorization reference for AWS Step Functions: StartExecution → stateMachine*.
        Sid: "StartEngineExecutions",
        Effect: "Allow",
        Action: ["states:StartExecution"],
        Resource: [sf.stateMachineArn],
      },
      {
        // StopExecution → execution* (arn:aws:states:<region>:<account>:execution:
        // <stateMachineName>:<executionId>): only this state machine's executions.
        Sid: "StopEngineExecutions",
        Effect: "Allow",
        Action: ["states:StopExecution"],
        Resource: [
          pulumi.interpolate`arn:aws:states:${args.region}:${args.accountId}:execution:${sf.stateMachineName}:*`,
        ],
      },
      {
        // What the router does to the incident table: read the status (GetItem), note and
        // resolve (UpdateItem). The engine opens incidents (PutItem), not the router.
        Sid: "NoteAndResolveIncidents",
        Effect: "Allow",
        Action: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
        Resource: [sf.incidentTableArn],
      },
    );
  }
  return out;
}

export interface DrillPolicyArgs {
  /** The paging levels' response plans: the only plans a drill starts incidents with. */
  readonly responsePlanArns: pulumi.Input<string>[];
  /** Physical names of those plans (incident records live under them). */
  readonly responsePlanNames: readonly string[];
  /** Those of them whose incident template carries tags (StartIncident needs TagResource). */
  readonly taggedResponsePlanNames: readonly string[];
  readonly region: pulumi.Input<string>;
  readonly accountId: pulumi.Input<string>;
  /** Prefix of the stack's contact aliases (engagement and page ARNs start with it). */
  readonly contactPrefix: string;
  /** The alerts topic reports are posted to, and its KMS key. */
  readonly topicArn: pulumi.Input<string>;
  readonly topicKeyArn: pulumi.Input<string>;
}

/**
 * The drill function's statements (handlers/drill/): start [DRILL] incidents through the paging
 * plans, read their pages, note the report, resolve, stop what still pages, post to Slack. The
 * router holds none of these.
 */
export function drillStatements(args: DrillPolicyArgs): Statement[] {
  const recordsOf = (plans: readonly string[]) =>
    plans.map(
      (plan) =>
        pulumi.interpolate`arn:aws:ssm-incidents::${args.accountId}:incident-record/${plan}/*`,
    );
  const engagements = pulumi.interpolate`arn:aws:ssm-contacts:${args.region}:${args.accountId}:engagement/${args.contactPrefix}*`;
  return [
    {
      Sid: "StartDrillIncidents",
      Effect: "Allow",
      Action: ["ssm-incidents:StartIncident"],
      Resource: args.responsePlanArns,
    },
    // As for the router (routerStatements, TagIncidentsOfTaggedPlans): IncidentTemplate.incidentTags
    // makes StartIncident need TagResource on the incident record.
    ...(args.taggedResponsePlanNames.length > 0
      ? [
          {
            Sid: "TagDrillIncidents",
            Effect: "Allow" as const,
            Action: ["ssm-incidents:TagResource"],
            Resource: recordsOf(args.taggedResponsePlanNames),
            Condition: { "ForAllValues:StringEquals": { "aws:TagKeys": [...INCIDENT_TAG_KEYS] } },
          },
        ]
      : []),
    {
      // incident-record and response-plan are both required resource types of these actions
      // (service authorization reference; see routerStatements).
      Sid: "RecordAndResolveDrills",
      Effect: "Allow",
      Action: [
        "ssm-incidents:GetIncidentRecord",
        "ssm-incidents:CreateTimelineEvent",
        "ssm-incidents:UpdateIncidentRecord",
      ],
      Resource: [...recordsOf(args.responsePlanNames), ...args.responsePlanArns],
    },
    {
      // ListEngagements has no resource-level permissions (service authorization reference).
      Sid: "ListDrillEngagements",
      Effect: "Allow",
      Action: ["ssm-contacts:ListEngagements"],
      Resource: "*",
    },
    {
      // Service authorization reference: ListPagesByEngagement and StopEngagement → engagement*,
      // ListPageReceipts → page*.
      Sid: "ReadAndStopDrillEngagements",
      Effect: "Allow",
      Action: ["ssm-contacts:ListPagesByEngagement", "ssm-contacts:StopEngagement"],
      Resource: [engagements],
    },
    {
      Sid: "ReadDrillPageReceipts",
      Effect: "Allow",
      Action: ["ssm-contacts:ListPageReceipts"],
      Resource: [
        pulumi.interpolate`arn:aws:ssm-contacts:${args.region}:${args.accountId}:page/${args.contactPrefix}*`,
      ],
    },
    {
      Sid: "PostDrillReports",
      Effect: "Allow",
      Action: ["sns:Publish"],
      Resource: [args.topicArn],
    },
    {
      Sid: "EncryptDrillReports",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: [args.topicKeyArn],
    },
  ];
}

export interface EngineDrillPolicyArgs {
  /** The engine's state machine (drills start its executions) and its name. */
  readonly stateMachineArn: pulumi.Input<string>;
  readonly stateMachineName: string;
  /** The incident table the drill reads and resolves its incident in. */
  readonly incidentTableArn: pulumi.Input<string>;
  readonly region: pulumi.Input<string>;
  readonly accountId: pulumi.Input<string>;
  /** The alerts topic reports are posted to, and its KMS key. */
  readonly topicArn: pulumi.Input<string>;
  readonly topicKeyArn: pulumi.Input<string>;
}

/**
 * The drill function's statements on backend step-functions (handlers/drill/, DRILL_BACKEND
 * step-functions): start drill executions of this stack's engine state machine, read and resolve
 * their incidents, stop drill executions only, post to Slack. Service authorization reference
 * (AWS Step Functions): StartExecution → stateMachine*, StopExecution → execution*
 * (`arn:aws:states:<region>:<account>:execution:<stateMachineName>:<executionId>`), so the stop is
 * scoped to the executions named `DRILL-…` (handlers/drill/engine.ts drillExecutionName); Amazon
 * DynamoDB: GetItem and UpdateItem → table*. The state machine has no customer managed key, so
 * StartExecution needs no KMS permission; StopExecution without error and cause needs none either
 * (handlers/drill/engine.ts stopExecutionInput).
 */
export function engineDrillStatements(args: EngineDrillPolicyArgs): Statement[] {
  return [
    {
      Sid: "StartDrillExecutions",
      Effect: "Allow",
      Action: ["states:StartExecution"],
      Resource: [args.stateMachineArn],
    },
    {
      Sid: "StopDrillExecutions",
      Effect: "Allow",
      Action: ["states:StopExecution"],
      Resource: [
        pulumi.interpolate`arn:aws:states:${args.region}:${args.accountId}:execution:${args.stateMachineName}:DRILL-*`,
      ],
    },
    {
      Sid: "ReadAndResolveDrillIncidents",
      Effect: "Allow",
      Action: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
      Resource: [args.incidentTableArn],
    },
    {
      Sid: "PostDrillReports",
      Effect: "Allow",
      Action: ["sns:Publish"],
      Resource: [args.topicArn],
    },
    {
      Sid: "EncryptDrillReports",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: [args.topicKeyArn],
    },
  ];
}

/** The notifier reads its own secret and nothing else. */
export function notifierStatements(secretArn: pulumi.Input<string>): Statement[] {
  return [
    {
      Sid: "ReadWebhookSecret",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue"],
      Resource: [secretArn],
    },
  ];
}

/** Every IAM action in a set of statements that contains a wildcard. */
export function wildcardActions(statements: readonly { Action: string | string[] }[]): string[] {
  return statements
    .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))
    .filter((a) => a.includes("*"));
}

/**
 * What Lambda's event source mapping needs on the function's role to poll its queue:
 * sqs:ReceiveMessage, sqs:DeleteMessage and sqs:GetQueueAttributes ("Execution role
 * permissions", https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html; the
 * AWSLambdaSQSQueueExecutionRole managed policy grants the same three). The queue uses SSE-SQS,
 * so no KMS permission is needed.
 */
export function queueConsumerStatements(queueArn: pulumi.Input<string>): Statement[] {
  return [
    {
      Sid: "ConsumeOwnQueue",
      Effect: "Allow",
      Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
      Resource: [queueArn],
    },
  ];
}

/**
 * The queue policy letting EventBridge rules deliver to an SQS target: events.amazonaws.com may
 * sqs:SendMessage, only on behalf of these rules (aws:SourceArn; EventBridge user guide, "Amazon
 * SQS permissions", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sqs-permissions).
 */
export function ruleTargetQueueStatements(
  sid: string,
  queueArn: pulumi.Input<string>,
  ruleArns: pulumi.Input<string>[],
): Statement[] {
  return [
    {
      Sid: sid,
      Effect: "Allow",
      Principal: { Service: "events.amazonaws.com" },
      Action: ["sqs:SendMessage"],
      Resource: [queueArn],
      Condition: { ArnEquals: { "aws:SourceArn": ruleArns } },
    },
  ];
}

export interface DeferralPolicyArgs {
  readonly region: pulumi.Input<string>;
  readonly accountId: pulumi.Input<string>;
  /** The stack's schedule group for deferrals and the name prefix of its schedules. */
  readonly groupName: string;
  readonly namePrefix: string;
  /** The role the deferral schedules assume (iam:PassRole on it only). */
  readonly roleArn: pulumi.Input<string>;
}

/**
 * The router's statements for `outsideHours: defer` (handlers/router/defer.ts), only when a level
 * defers:
 * - CreateSchedule on the stack's own group and name prefix: the schedule ARN is
 *   `arn:aws:scheduler:<region>:<account>:schedule/<group>/<name>` (resource type "schedule",
 *   https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridgescheduler.html);
 * - iam:PassRole on the deferral role only, to Scheduler only: CreateSchedule needs PassRole on
 *   the target's RoleArn (https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html),
 *   and iam:PassedToService limits it to scheduler.amazonaws.com
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#ck_PassedToService);
 * - cloudwatch:DescribeAlarms for the re-check of a deferred alarm, on this account's and
 *   region's alarms (resource type "alarm",
 *   https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html).
 */
export function deferralRouterStatements(args: DeferralPolicyArgs): Statement[] {
  return [
    {
      Sid: "DeferToOwnScheduleGroup",
      Effect: "Allow",
      Action: ["scheduler:CreateSchedule"],
      Resource: [
        pulumi.interpolate`arn:aws:scheduler:${args.region}:${args.accountId}:schedule/${args.groupName}/${args.namePrefix}*`,
      ],
    },
    {
      Sid: "PassDeferralRoleToScheduler",
      Effect: "Allow",
      Action: ["iam:PassRole"],
      Resource: [args.roleArn],
      Condition: { StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" } },
    },
    {
      Sid: "RecheckDeferredAlarms",
      Effect: "Allow",
      Action: ["cloudwatch:DescribeAlarms"],
      Resource: [pulumi.interpolate`arn:aws:cloudwatch:${args.region}:${args.accountId}:alarm:*`],
    },
  ];
}

/**
 * The deferral role's one statement: Scheduler may send to the router's queue and nothing else
 * (SQS target permissions: sqs:SendMessage,
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role).
 * The queue uses SQS-managed encryption, so no KMS permission is needed.
 */
export function deferralRoleStatements(queueArn: pulumi.Input<string>): Statement[] {
  return [
    {
      Sid: "SendDeferredToRouterQueue",
      Effect: "Allow",
      Action: ["sqs:SendMessage"],
      Resource: [queueArn],
    },
  ];
}
