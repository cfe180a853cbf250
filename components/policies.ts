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
  /** Contacts Incident Manager engages on the router's behalf (escalation, on-call, personal). */
  readonly incidentContactArns: pulumi.Input<string>[];
  /** Contacts the router engages directly for non-paging levels. */
  readonly directEngageArns: pulumi.Input<string>[];
  readonly region: pulumi.Input<string>;
  readonly accountId: pulumi.Input<string>;
}

/**
 * The router's statements. StartIncident makes Incident Manager start engagements and create an
 * OpsItem with the caller's credentials, so the caller also needs those two actions, but only
 * when called via ssm-incidents.
 */
export function routerStatements(args: RouterPolicyArgs): Statement[] {
  const viaIncidents = {
    StringEquals: { "aws:CalledViaFirst": "ssm-incidents.amazonaws.com" },
  };
  const out: Statement[] = [];
  if (args.responsePlanArns.length > 0) {
    out.push(
      {
        Sid: "StartIncidentWithPagingPlans",
        Effect: "Allow",
        Action: ["ssm-incidents:StartIncident"],
        Resource: args.responsePlanArns,
      },
      {
        Sid: "EngageViaIncidentManager",
        Effect: "Allow",
        Action: ["ssm-contacts:StartEngagement"],
        Resource: args.incidentContactArns,
        Condition: viaIncidents,
      },
      {
        Sid: "CreateOpsItemViaIncidentManager",
        Effect: "Allow",
        Action: ["ssm:CreateOpsItem"],
        Resource: [pulumi.interpolate`arn:aws:ssm:${args.region}:${args.accountId}:opsitem/*`],
        Condition: viaIncidents,
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
  return out;
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
