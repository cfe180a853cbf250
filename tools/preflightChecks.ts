/**
 * The decisions of `npm run preflight` (tools/preflight.ts): what each check's AWS answers mean,
 * what to tell the deployer and how to fix it, the exit code, the `--json` schema and the text
 * report. Pure: no I/O, no AWS calls. Inputs are plain data taken from the SDK responses.
 *
 * Statuses: "pass"; "warn" (does not stop `pulumi up`, but needs attention); "fail" (a problem
 * that makes `pulumi up` fail or half-apply, or leaves paging broken); "cannot-check" (the check
 * could not run: missing permission, throttling, network); "skipped" (does not apply to this
 * stack, or not run because the credentials check did not pass).
 *
 * Exit code (`exitCodeOf`): 1 if any check failed (a problem found is worth acting on even when
 * other checks could not run); else 2 if any check could not run; else 0. Warnings never change
 * the exit code.
 */
import { z } from "zod";
import { ROUTER_MAX_CONCURRENCY } from "../handlers/shared/limits";
import { maskAddress } from "./activate";
import { classifyAwsError, describeAwsError } from "./awsErrors";
import type { Backend } from "../config/backend";
import {
  CONNECT_COUNTRY_ALLOWLIST_DOC,
  CONNECT_LAMBDA_DOC,
  CONNECT_NUMBER_REQUEST_DOC,
  CONNECT_TOKYO_NUMBERS_DOC,
  SES_SANDBOX_DOC,
  SMS_SANDBOX_DOC,
} from "./planReport";

// ---------------------------------------------------------------------------------------------
// Constants (each with its source)
// ---------------------------------------------------------------------------------------------

/**
 * The unreserved Lambda concurrency the stack needs in its region: the router's concurrency cap,
 * the SQS event source mapping's maximum concurrency (handlers/shared/limits.ts, the constant the
 * component deploys), so the two cannot drift. The stack reserves no concurrency. GetAccountSettings
 * reports `AccountLimit.UnreservedConcurrentExecutions`
 * (https://docs.aws.amazon.com/lambda/latest/dg/API_GetAccountSettings.html).
 */
export const REQUIRED_UNRESERVED_CONCURRENCY = ROUTER_MAX_CONCURRENCY;

/**
 * CloudWatch's service-linked role for alarm actions that start Incident Manager incidents (the
 * stack's fail-safe alarm action). Its policy, AWSCloudWatchAlarms_ActionSSMIncidentsServiceRolePolicy,
 * grants only `ssm-incidents:StartIncident`
 * (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSCloudWatchAlarms_ActionSSMIncidentsServiceRolePolicy.html;
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-service-linked-roles.html).
 */
export const ALARM_ROLE_NAME = "AWSServiceRoleForCloudWatchAlarms_ActionSSMIncidents";

/**
 * The service principal the role is linked to: the `iam:AWSServiceName` value that
 * `iam:CreateServiceLinkedRole` must be allowed for (the AWS managed policy CloudWatchFullAccess
 * grants CreateServiceLinkedRole with this value,
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/CloudWatchFullAccess.html).
 */
export const ALARM_ROLE_SERVICE = "ssm-incidents.alarms.cloudwatch.amazonaws.com";

/**
 * Regions with an AWS Chatbot API endpoint. "AWS Chatbot APIs are currently available in the
 * following Regions: us-east-2, us-west-2, ap-southeast-1, eu-west-1 … Your configuration data
 * however, is stored in each of the relevant available Regions."
 * (https://docs.aws.amazon.com/chatbot/latest/APIReference/Welcome.html,
 * https://docs.aws.amazon.com/general/latest/gr/chatbot.html). Authorised workspaces are
 * account-wide, so any of these regions answers for the account.
 */
export const CHATBOT_API_REGIONS: readonly string[] = [
  "us-east-2",
  "us-west-2",
  "eu-west-1",
  "ap-southeast-1",
];

/** The Chatbot API region used for a stack: its own region if it has the API, else us-east-2. */
export function chatbotRegion(stackRegion: string): string {
  return CHATBOT_API_REGIONS.includes(stackRegion) ? stackRegion : "us-east-2";
}

/** Placeholder ids of the example stacks (Pulumi.prod.yaml), never a real workspace. */
const PLACEHOLDER_SLACK_TEAM = /^T0+$/;

// ---------------------------------------------------------------------------------------------
// Results and the --json document
// ---------------------------------------------------------------------------------------------

export const CHECK_IDS = [
  "credentials",
  "incident-manager",
  "lambda-concurrency",
  "chat-workspace",
  "alarm-role",
  "contact-channels",
  "ses-account",
  "ses-sender",
  "sms-account",
  "sms-destinations",
  "sms-origination",
  "connect-instance",
  "connect-number",
  "connect-lambda",
  "connect-mobiles",
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

/**
 * The checks each backend runs, in report order. Incident Manager's (replication set, CloudWatch's
 * service-linked role for response-plan alarm actions, contact channel activation) do not apply
 * to the step-functions backend, nor its SES and SMS checks to Incident Manager: a check that
 * does not apply is not run and not listed.
 */
export const BACKEND_CHECKS: Record<Backend, readonly CheckId[]> = {
  "incident-manager": [
    "credentials",
    "incident-manager",
    "lambda-concurrency",
    "chat-workspace",
    "alarm-role",
    "contact-channels",
  ],
  "step-functions": [
    "credentials",
    "lambda-concurrency",
    "chat-workspace",
    "ses-account",
    "ses-sender",
    "sms-account",
    "sms-destinations",
    "sms-origination",
  ],
};

/**
 * The voice channel's checks, run after the backend's when the stack calls someone (backend
 * step-functions, channels.voice and a contact with a voice stage); not listed otherwise.
 */
export const VOICE_CHECKS: readonly CheckId[] = [
  "connect-instance",
  "connect-number",
  "connect-lambda",
  "connect-mobiles",
];

/** The checks a stack runs, in report order. */
export function checksFor(backend: Backend, callsByVoice: boolean): readonly CheckId[] {
  return backend === "step-functions" && callsByVoice
    ? [...BACKEND_CHECKS[backend], ...VOICE_CHECKS]
    : BACKEND_CHECKS[backend];
}

export const CHECK_TITLES: Record<CheckId, string> = {
  credentials: "AWS credentials",
  "incident-manager": "Incident Manager replication set",
  "lambda-concurrency": "Lambda concurrency",
  "chat-workspace": "AWS Chatbot workspace",
  "alarm-role": "CloudWatch's Incident Manager service-linked role",
  "contact-channels": "contact channel activation",
  "ses-account": "SES account (sandbox, sending)",
  "ses-sender": "SES sender identity",
  "sms-account": "End User Messaging SMS account (sandbox, spend limit)",
  "sms-destinations": "SMS verified destination numbers",
  "sms-origination": "SMS origination identity",
  "connect-instance": "Amazon Connect instance (outbound calls)",
  "connect-number": "Amazon Connect caller ID number",
  "connect-lambda": "Amazon Connect Lambda functions",
  "connect-mobiles": "Amazon Connect calls to Japanese mobiles",
};

export const checkResultSchema = z.strictObject({
  id: z.enum(CHECK_IDS),
  title: z.string().min(1),
  status: z.enum(["pass", "warn", "fail", "cannot-check", "skipped"]),
  /** One sentence: what was found. */
  summary: z.string().min(1),
  /** How to fix it; present for warn, fail and cannot-check. */
  fix: z.string().min(1).optional(),
  /** The IAM action that was denied (cannot-check only). */
  missingPermission: z.string().optional(),
  /** Supporting facts, one per line (never an address). */
  details: z.array(z.string()),
});
export type CheckResult = z.infer<typeof checkResultSchema>;
export type CheckStatus = CheckResult["status"];

/** The `--json` document; the spec validates the tool's output against it. */
export const preflightDocumentSchema = z.strictObject({
  stack: z.string().min(1),
  region: z.string().min(1),
  regionSource: z.string().min(1),
  /** The account the credentials belong to; null when they could not be used. */
  account: z
    .string()
    .regex(/^[0-9]{12}$/)
    .nullable(),
  exitCode: z.union([z.literal(0), z.literal(1), z.literal(2)]),
  /** The checks of the stack ({@link checksFor}), in that order. */
  checks: z.array(checkResultSchema).min(1),
});
export type PreflightDocument = z.infer<typeof preflightDocumentSchema>;

/** 1 if a check failed; else 2 if a check could not run; else 0. */
export function exitCodeOf(results: readonly CheckResult[]): 0 | 1 | 2 {
  if (results.some((r) => r.status === "fail")) return 1;
  if (results.some((r) => r.status === "cannot-check")) return 2;
  return 0;
}

function result(
  id: CheckId,
  status: CheckStatus,
  summary: string,
  fix?: string,
  details: string[] = [],
): CheckResult {
  return { id, title: CHECK_TITLES[id], status, summary, ...(fix ? { fix } : {}), details };
}

// ---------------------------------------------------------------------------------------------
// Failed calls
// ---------------------------------------------------------------------------------------------

const EMAIL = /[^\s@"'<>(),;:]+@[^\s@"'<>(),;:]+\.[^\s@"'<>(),;:]+/g;

/**
 * Removes what AWS error messages can carry about a person: the session name of an assumed role
 * (SSO sessions are named after the user, often an e-mail address; AccessDenied messages quote
 * the caller's ARN) and any e-mail address.
 */
export function scrubAwsText(text: string): string {
  return text
    .replace(/(assumed-role\/[^/\s"]+)\/[^\s"]+/g, "$1/…")
    .replace(/(federated-user\/)[^\s"]+/g, "$1…")
    .replace(EMAIL, (m) => maskAddress(m));
}

/** The AWS error itself, for the details: `AWS said: <name>: <message>`, scrubbed. */
export function awsSaid(err: unknown): string {
  const rec = typeof err === "object" && err !== null ? (err as Record<string, unknown>) : {};
  const name = typeof rec.name === "string" ? rec.name : "";
  const message = typeof rec.message === "string" ? rec.message : String(err);
  return scrubAwsText(`AWS said: ${name ? `${name}: ` : ""}${message}`);
}

/**
 * The result of a check whose AWS call failed: "cannot-check", naming the missing permission for
 * AccessDenied. `action` is the IAM action of the call (`"lambda:GetAccountSettings"`).
 */
export function cannotCheck(id: CheckId, action: string, err: unknown): CheckResult {
  const kind = classifyAwsError(err, action);
  const what = CHECK_TITLES[id];
  const original = awsSaid(err);
  switch (kind) {
    case "access-denied":
      return {
        ...result(
          id,
          "cannot-check",
          `cannot check ${what}: missing permission ${action}`,
          `Allow "${action}" for the identity that runs preflight and \`pulumi up\` (and check ` +
            `that no SCP or permissions boundary denies it), then run preflight again.`,
          [original],
        ),
        missingPermission: action,
      };
    case "throttled":
      return result(
        id,
        "cannot-check",
        `cannot check ${what}: AWS throttled ${action} (after the SDK's own retries)`,
        "Wait a minute and run preflight again.",
        [original],
      );
    case "network":
      return result(
        id,
        "cannot-check",
        `cannot check ${what}: could not reach AWS for ${action}`,
        "Check the network connection, proxy settings (HTTPS_PROXY) and the region name, then " +
          "run preflight again.",
        [original],
      );
    case "credentials":
      return result(
        id,
        "cannot-check",
        `cannot check ${what}: the credentials were rejected for ${action}`,
        "Refresh the credentials (`aws sso login`, or new access keys) and run preflight again.",
        [original],
      );
    default:
      return result(
        id,
        "cannot-check",
        `cannot check ${what}: ${action} failed`,
        "Read the AWS error below; if it persists, check the account and region.",
        [scrubAwsText(describeAwsError(err, action))],
      );
  }
}

/** Every check after the credentials check, when the credentials could not be used. */
export function skippedForCredentials(id: CheckId): CheckResult {
  return result(id, "skipped", "not run: the credentials check did not pass");
}

// ---------------------------------------------------------------------------------------------
// Credentials (sts:GetCallerIdentity)
// ---------------------------------------------------------------------------------------------

/**
 * Who the caller is, without personal data: an assumed role by its role name (never the session
 * name, which SSO sets to the user's name or e-mail), other principals by their kind only.
 * ARN formats: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
 */
export function principalLabel(arn: string): string {
  const resource = arn.split(":").slice(5).join(":");
  if (resource.startsWith("assumed-role/")) {
    return `assumed role ${resource.split("/")[1] ?? "?"}`;
  }
  if (resource === "root") return "the account's root user";
  if (resource.startsWith("user/")) return "an IAM user";
  if (resource.startsWith("federated-user/")) return "a federated user";
  return "an AWS principal";
}

export interface CallerIdentity {
  readonly account: string;
  readonly arn: string;
}

export function credentialsPassed(identity: CallerIdentity, region: string): CheckResult {
  return result(
    "credentials",
    "pass",
    `account ${identity.account}, ${principalLabel(identity.arn)}, region ${region}`,
  );
}

/** GetCallerIdentity failed: no credentials, rejected credentials, or no network. */
export function credentialsFailed(err: unknown): CheckResult {
  const action = "sts:GetCallerIdentity";
  const kind = classifyAwsError(err, action);
  if (kind === "credentials") {
    return result(
      "credentials",
      "cannot-check",
      "no usable AWS credentials: nothing can be checked",
      "Set AWS_PROFILE (and run `aws sso login` if it is an SSO profile), or " +
        "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, then check with `aws sts get-caller-identity` " +
        "and run preflight again.",
      [awsSaid(err)],
    );
  }
  return cannotCheck("credentials", action, err);
}

// ---------------------------------------------------------------------------------------------
// Incident Manager replication set (ssm-incidents ListReplicationSets / GetReplicationSet)
// ---------------------------------------------------------------------------------------------

/** What the stack config says about the replication set. */
export type ReplicationSetConfig = "existing" | { readonly regions: readonly string[] };

/** The parts of GetReplicationSet's `replicationSet` the check reads. */
export interface ReplicationSetInfo {
  /** ACTIVE | CREATING | UPDATING | DELETING | FAILED (ReplicationSetStatus). */
  readonly status: string;
  /** regionMap: region name → RegionInfo.status (ACTIVE | CREATING | DELETING | FAILED). */
  readonly regions: Readonly<Record<string, string>>;
}

const CLOSED =
  "Incident Manager has been closed to new customers since 2025-11-07: an account that is not " +
  "onboarded (has no replication set) cannot onboard any more; onboarded accounts keep it.";

/**
 * Decides the Incident Manager check. `arns` is ListReplicationSets' `replicationSetArns`; `set`
 * is GetReplicationSet of the first one (undefined when `arns` is empty): its `status` ("If the
 * replication set is still pending, you can't use Incident Manager functionality",
 * https://docs.aws.amazon.com/incident-manager/latest/APIReference/API_ReplicationSet.html) and
 * `regionMap` (region → RegionInfo.status). Sources for the messages: the closure banner and the
 * 3-region limit on
 * https://docs.aws.amazon.com/incident-manager/latest/APIReference/API_CreateReplicationSet.html;
 * regions are added in the console's Settings page
 * (https://docs.aws.amazon.com/incident-manager/latest/userguide/general-settings.html); an
 * account has one replication set, and deleting it deletes all Incident Manager data (the
 * Pulumi registry page of aws.ssmincidents.ReplicationSet; the project's DESIGN.md).
 */
export function decideReplicationSet(
  config: ReplicationSetConfig,
  region: string,
  arns: readonly string[],
  set: ReplicationSetInfo | undefined,
): CheckResult {
  const id = "incident-manager";
  if (config !== "existing") {
    const wanted = config.regions.join(", ");
    if (arns.length > 0) {
      return result(
        id,
        "fail",
        `the stack config creates a replication set (incidentManager.replicationSet.regions: ` +
          `${wanted}), but this account already has one, and an account can have only one: ` +
          `\`pulumi up\` would fail, and every Incident Manager resource depends on it.`,
        'Set incident-escalation:incidentManager.replicationSet to "existing" in the stack ' +
          "config (the existing replication set must include the stack's region).",
        set ? replicationDetails(set) : [],
      );
    }
    return result(
      id,
      "fail",
      `the stack config creates a replication set (incidentManager.replicationSet.regions: ` +
        `${wanted}), but ${CLOSED}`,
      "Deploy to an account that is already onboarded to Incident Manager (check the account " +
        'id in the credentials check), with incidentManager.replicationSet set to "existing".',
    );
  }
  if (arns.length === 0 || !set) {
    return result(
      id,
      "fail",
      `no Incident Manager replication set is visible from ${region}: this account is not ` +
        `onboarded to Incident Manager (or its replication set does not answer in this region). ` +
        CLOSED,
      "Check that the credentials are for the onboarded account and that the stack's region " +
        "(aws:region, or --region) is one of its replication set's regions; an account that " +
        "was never onboarded cannot deploy this stack.",
    );
  }
  const details = replicationDetails(set);
  if (set.status !== "ACTIVE") {
    return result(
      id,
      "fail",
      `the replication set is ${set.status}, not ACTIVE: Incident Manager resources cannot be ` +
        `created until it is.`,
      set.status === "CREATING" || set.status === "UPDATING"
        ? "Wait until the replication set is ACTIVE (Incident Manager console → Settings), " +
            "then run preflight again."
        : "Open Incident Manager → Settings in the console and repair the replication set, " +
            "or ask AWS Support.",
      details,
    );
  }
  const regionStatus = set.regions[region];
  if (regionStatus === undefined) {
    return result(
      id,
      "fail",
      `the replication set does not include ${region} (it has ` +
        `${Object.keys(set.regions).sort().join(", ") || "no regions"}): Incident Manager ` +
        `resources of this stack cannot be created in ${region}.`,
      `Add ${region} to the replication set (Incident Manager console → Settings → Add Region, ` +
        `or ssm-incidents UpdateReplicationSet with an addRegionAction), or deploy the stack ` +
        `to one of its regions (aws:region).`,
      details,
    );
  }
  if (regionStatus !== "ACTIVE") {
    return result(
      id,
      "fail",
      `${region} is in the replication set but ${regionStatus}, not ACTIVE.`,
      regionStatus === "CREATING"
        ? `Wait until ${region} is ACTIVE in the replication set, then run preflight again.`
        : `Repair ${region} in the replication set (Incident Manager console → Settings), or ` +
            `deploy to an ACTIVE region.`,
      details,
    );
  }
  return result(
    id,
    "pass",
    `the account is onboarded; its replication set is ACTIVE and includes ${region}`,
    undefined,
    details,
  );
}

function replicationDetails(set: ReplicationSetInfo): string[] {
  const regions = Object.entries(set.regions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([r, s]) => `${r} ${s}`);
  return [`replication set ${set.status}; regions: ${regions.join(", ") || "none"}`];
}

// ---------------------------------------------------------------------------------------------
// Lambda concurrency (lambda:GetAccountSettings)
// ---------------------------------------------------------------------------------------------

/** GetAccountSettings' AccountLimit fields the check reads. */
export interface ConcurrencyLimits {
  readonly concurrentExecutions?: number;
  readonly unreservedConcurrentExecutions?: number;
}

/**
 * The router needs REQUIRED_UNRESERVED_CONCURRENCY unreserved concurrent executions in the
 * region. New accounts get reduced concurrency quotas
 * (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html); the quota is
 * "Concurrent executions" in Service Quotas (quota code L-B99A9384).
 */
export function decideConcurrency(
  limits: ConcurrencyLimits,
  region: string,
  required = REQUIRED_UNRESERVED_CONCURRENCY,
): CheckResult {
  const id = "lambda-concurrency";
  const total = limits.concurrentExecutions;
  const unreserved = limits.unreservedConcurrentExecutions;
  const details = [
    `account concurrency quota ${total ?? "unknown"}, unreserved ${unreserved ?? "unknown"}, ` +
      `the stack needs ${required} unreserved`,
  ];
  if (unreserved === undefined) {
    return result(
      id,
      "cannot-check",
      "cannot check Lambda concurrency: GetAccountSettings returned no UnreservedConcurrentExecutions",
      "Check the quota by hand: Service Quotas → AWS Lambda → Concurrent executions.",
      details,
    );
  }
  if (unreserved < required) {
    return result(
      id,
      "fail",
      `only ${unreserved} unreserved concurrent executions in ${region}; the router needs ` +
        `${required}: pages would queue behind other functions or be throttled.`,
      `Request an increase of "Concurrent executions" for AWS Lambda in ${region} (Service ` +
        `Quotas, quota code L-B99A9384) so that at least ${required} stay unreserved, or ` +
        `lower the reserved concurrency of other functions in the account.`,
      details,
    );
  }
  return result(
    id,
    "pass",
    `${unreserved} unreserved concurrent executions in ${region} (the stack needs ${required})`,
    undefined,
    details,
  );
}

// ---------------------------------------------------------------------------------------------
// AWS Chatbot (chatbot:DescribeSlackWorkspaces / ListMicrosoftTeamsConfiguredTeams)
// ---------------------------------------------------------------------------------------------

export interface ChatConfig {
  readonly slack?: { readonly teamId: string };
  readonly teams?: { readonly tenantId: string; readonly teamId: string };
}

/**
 * What the stack needs authorised, or undefined when it configures no chat channel. Slack
 * workspaces and Teams teams are authorised once per account, in the console only
 * (https://docs.aws.amazon.com/chatbot/latest/adminguide/slack-setup.html,
 * https://docs.aws.amazon.com/chatbot/latest/adminguide/teams-setup.html).
 */
export function decideChat(
  config: ChatConfig,
  slackTeamIds: readonly string[] | undefined,
  teams: readonly { readonly tenantId: string; readonly teamId: string }[] | undefined,
): CheckResult {
  const id = "chat-workspace";
  if (!config.slack && !config.teams) {
    return result(id, "skipped", "the stack configures no Slack or Microsoft Teams channel");
  }
  const problems: string[] = [];
  const fixes: string[] = [];
  const ok: string[] = [];
  if (config.slack && slackTeamIds) {
    const teamId = config.slack.teamId;
    if (slackTeamIds.includes(teamId)) {
      ok.push(`Slack workspace ${teamId} is authorised`);
    } else {
      const placeholder = PLACEHOLDER_SLACK_TEAM.test(teamId)
        ? ` (${teamId} is the example stack's placeholder, not a real workspace)`
        : "";
      problems.push(
        `Slack workspace ${teamId} is not authorised with AWS Chatbot in this account${placeholder}` +
          ` (authorised: ${slackTeamIds.join(", ") || "none"})`,
      );
      fixes.push(
        "In the AWS Chatbot console (Amazon Q Developer in chat applications), configure a new " +
          "Slack client and allow the workspace, then set notifications.slack.teamId to the " +
          "workspace ID it shows (and channelId to the channel's ID).",
      );
    }
  }
  if (config.teams && teams) {
    const want = config.teams;
    if (teams.some((t) => t.teamId === want.teamId && t.tenantId === want.tenantId)) {
      ok.push(`Microsoft Teams team ${want.teamId} is authorised`);
    } else {
      problems.push(
        `Microsoft Teams team ${want.teamId} (tenant ${want.tenantId}) is not authorised with ` +
          `AWS Chatbot in this account`,
      );
      fixes.push(
        "In the AWS Chatbot console, configure a new Microsoft Teams client for the team, " +
          "then set notifications.teams.tenantId and teamId to the ids it shows.",
      );
    }
  }
  if (problems.length > 0) {
    return result(
      id,
      "fail",
      `${problems.join("; ")}: \`pulumi up\` would fail to create the chat channel configuration.`,
      fixes.join(" "),
      ok,
    );
  }
  return result(id, "pass", ok.join("; "));
}

// ---------------------------------------------------------------------------------------------
// CloudWatch's Incident Manager service-linked role (iam:GetRole)
// ---------------------------------------------------------------------------------------------

/** The IAM policy statement the deployer needs when the role does not exist yet. */
export function createRoleStatement(account: string): string {
  return JSON.stringify({
    Effect: "Allow",
    Action: "iam:CreateServiceLinkedRole",
    Resource: alarmRoleArn(account),
    Condition: { StringEquals: { "iam:AWSServiceName": ALARM_ROLE_SERVICE } },
  });
}

/** The ARN of the service-linked role once it exists (its path names the service principal). */
export function alarmRoleArn(account: string): string {
  return `arn:aws:iam::${account}:role/aws-service-role/${ALARM_ROLE_SERVICE}/${ALARM_ROLE_NAME}`;
}

/**
 * Whom to simulate for the caller (iam:SimulatePrincipalPolicy takes "the ARN of a user, group,
 * or role", https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html):
 * an IAM user's ARN as STS reports it; for an assumed role, the role, whose ARN (with its path)
 * GetRole tells; the root user needs no simulation; anything else cannot be simulated.
 */
export type SimulationSource =
  | { readonly kind: "arn"; readonly arn: string }
  | { readonly kind: "role"; readonly roleName: string }
  | { readonly kind: "root" }
  | { readonly kind: "none" };

export function simulationSource(callerArn: string): SimulationSource {
  const resource = callerArn.split(":").slice(5).join(":");
  if (resource.startsWith("assumed-role/")) {
    const roleName = resource.split("/")[1];
    return roleName ? { kind: "role", roleName } : { kind: "none" };
  }
  if (resource === "root") return { kind: "root" };
  if (resource.startsWith("user/")) return { kind: "arn", arn: callerArn };
  return { kind: "none" };
}

/**
 * Whether the caller may create the role, when it does not exist. `decision` is the simulation's
 * EvalDecision (allowed | explicitDeny | implicitDeny; SCPs and permissions boundaries are part
 * of the evaluation,
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_EvaluationResult.html).
 */
export type RoleCreation =
  | { readonly kind: "root" }
  | { readonly kind: "simulated"; readonly decision: string; readonly principal: string }
  | { readonly kind: "unknown"; readonly why: string };

/**
 * `exists`: GetRole found the role. Without it, the first alarm with an Incident Manager action
 * makes CloudWatch create it with the deployer's permissions, so `pulumi up` needs
 * `iam:CreateServiceLinkedRole`: pass when the simulation allows it for the caller (the identity
 * that runs preflight; `pulumi up` run by another identity needs it too), fail when it denies it,
 * warn when it could not be simulated.
 */
export function decideAlarmRole(
  pages: boolean,
  exists: boolean,
  account: string,
  creation: RoleCreation = { kind: "unknown", why: "not simulated" },
): CheckResult {
  const id = "alarm-role";
  if (!pages) {
    return result(
      id,
      "skipped",
      "no level pages (page: true): the stack has no alarm action that starts an incident",
    );
  }
  if (exists) return result(id, "pass", `${ALARM_ROLE_NAME} exists`);
  const absent =
    `${ALARM_ROLE_NAME} does not exist yet: CloudWatch creates it when \`pulumi up\` creates ` +
    `the first alarm that starts an incident, with the deployer's permissions`;
  const fix =
    `Allow the deployer iam:CreateServiceLinkedRole for ${ALARM_ROLE_SERVICE}: ` +
    `${createRoleStatement(account)} (or create the role once: aws iam ` +
    `create-service-linked-role --aws-service-name ${ALARM_ROLE_SERVICE}).`;
  switch (creation.kind) {
    case "root":
      return result(id, "pass", `${absent}; the root user may create it.`);
    case "simulated":
      if (creation.decision === "allowed") {
        return result(
          id,
          "pass",
          `${absent}; ${creation.principal} may create it (iam:CreateServiceLinkedRole ` +
            `allowed in an IAM policy simulation).`,
          undefined,
          ["if `pulumi up` runs as another identity, that identity needs the same permission"],
        );
      }
      return result(
        id,
        "fail",
        `${absent}, and ${creation.principal} may not create it (IAM policy simulation of ` +
          `iam:CreateServiceLinkedRole: ${creation.decision}): that alarm would fail and the ` +
          `fail-safe would not be deployed.`,
        fix,
      );
    case "unknown":
      return result(
        id,
        "warn",
        `${absent}; without iam:CreateServiceLinkedRole that alarm fails and the fail-safe is ` +
          `not deployed.`,
        fix,
        [`whether the caller may create it is unknown: ${creation.why}`],
      );
  }
}

// ---------------------------------------------------------------------------------------------
// Contact channels (ssm-contacts ListContacts / ListContactChannels)
// ---------------------------------------------------------------------------------------------

/** One channel as the check sees it: never its address. */
export interface ChannelStatus {
  readonly name: string;
  readonly type: string;
  readonly status: string;
}

/**
 * Channels created by Pulumi start NOT_ACTIVATED and page nobody until a code sent to the device
 * is entered (the provider sets DeferActivation; CreateContactChannel,
 * https://docs.aws.amazon.com/incident-manager/latest/APIReference/API_CreateContactChannel.html).
 * That does not stop `pulumi up`, so it is a warning here; `npm run activate` fixes it (and exits
 * 1 while any channel is inactive).
 */
export function decideChannels(
  stack: string,
  channels: readonly ChannelStatus[],
  configContacts: number,
  missingContacts: readonly string[],
): CheckResult {
  const id = "contact-channels";
  const deployed = configContacts - missingContacts.length;
  const details = channels.map((c) => `${c.name} ${c.type || "?"} ${c.status || "?"}`);
  if (missingContacts.length > 0) {
    details.push(`not deployed yet (created by pulumi up): ${missingContacts.join(", ")}`);
  }
  if (deployed === 0) {
    return result(
      id,
      "pass",
      "no contact of this stack exists yet (first deployment): `pulumi up` creates the " +
        "channels NOT_ACTIVATED; activate them afterwards with " +
        `\`npm run activate -- --stack ${stack}\``,
      undefined,
      details,
    );
  }
  const inactive = channels.filter((c) => c.status !== "ACTIVATED");
  if (inactive.length > 0) {
    return result(
      id,
      "warn",
      `${inactive.length} of ${channels.length} contact channel(s) are not ACTIVATED and page ` +
        `nobody: ${inactive.map((c) => c.name).join(", ")}`,
      `Run \`npm run activate -- --stack ${stack}\` and enter the codes sent to the devices.`,
      details,
    );
  }
  return result(
    id,
    "pass",
    `all ${channels.length} existing contact channel(s) are ACTIVATED`,
    undefined,
    details,
  );
}

// ---------------------------------------------------------------------------------------------
// The step-functions backend: SES (sesv2 GetAccount, GetEmailIdentity, GetConfigurationSet) and
// End User Messaging SMS (pinpoint-sms-voice-v2 DescribeAccountAttributes, DescribeSpendLimits,
// DescribeVerifiedDestinationNumbers, DescribePhoneNumbers / DescribePools / DescribeSenderIds)
// ---------------------------------------------------------------------------------------------

export { SES_SANDBOX_DOC, SMS_SANDBOX_DOC };

/** GetAccount's answer (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetAccount.html). */
export interface SesAccountInfo {
  /** `ProductionAccessEnabled`: false while the account is in the sandbox in this region. */
  readonly productionAccessEnabled?: boolean;
  /** `SendingEnabled`: false when sending is paused for the account in this region. */
  readonly sendingEnabled?: boolean;
}

/**
 * SES in the stack's region. In the sandbox "You can only send mail to verified email addresses
 * and domains", and "The sandbox status for your account is unique per each AWS Region"
 * (SES_SANDBOX_DOC): a warning, because `npm run activate` can verify the few recipients; paused
 * sending is a failure, because no e-mail page goes out. `emailAliases`: the contacts that page
 * by e-mail.
 */
export function decideSesAccount(
  info: SesAccountInfo,
  region: string,
  stack: string,
  emailAliases: readonly string[],
): CheckResult {
  const id = "ses-account";
  if (emailAliases.length === 0) return result(id, "skipped", "no contact pages by e-mail");
  const details = [
    `ProductionAccessEnabled ${String(info.productionAccessEnabled ?? "absent")}, SendingEnabled ${String(info.sendingEnabled ?? "absent")}`,
  ];
  if (info.sendingEnabled !== true) {
    return result(
      id,
      "fail",
      `e-mail sending is not enabled for this account in ${region}: no page goes out by e-mail`,
      `Read the reason in the SES console (${region}, Account dashboard); once it is resolved, ` +
        "re-enable sending (sesv2 PutAccountSendingAttributes, SendingEnabled true) and run preflight again.",
      details,
    );
  }
  if (info.productionAccessEnabled !== true) {
    return result(
      id,
      "warn",
      `the account is in the SES sandbox in ${region}: it mails only verified addresses and ` +
        `domains, so the ${emailAliases.length} contact(s) paging by e-mail ` +
        `(${emailAliases.join(", ")}) get nothing unless their addresses are verified identities`,
      `Run \`npm run activate -- --stack ${stack}\` (each person opens the link SES mails them), ` +
        `or request production access for ${region} (${SES_SANDBOX_DOC}).`,
      details,
    );
  }
  return result(id, "pass", `production access in ${region}, sending enabled`, undefined, details);
}

/** One SES identity as GetEmailIdentity answers it; `found` false for NotFoundException. */
export interface SesIdentityStatus {
  readonly found: boolean;
  /** `VerifiedForSendingStatus`. */
  readonly verifiedForSending: boolean;
}

/** The domain of a sender address (`oncall@alerts.example.com` → `alerts.example.com`). */
export function senderDomain(from: string): string {
  return from.slice(from.lastIndexOf("@") + 1);
}

/**
 * The sender of every page: SES sends only from a verified identity, the address itself or its
 * domain ("you still have to verify all identities that you use as \"From\"", SES_SANDBOX_DOC;
 * GetEmailIdentity `VerifiedForSendingStatus`,
 * https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetEmailIdentity.html). A
 * configured configuration set must exist, or SendEmail fails. The address is shown masked.
 */
export function decideSesSender(
  from: string | undefined,
  address: SesIdentityStatus | undefined,
  domain: SesIdentityStatus | undefined,
  configurationSet?: { readonly name: string; readonly found: boolean },
): CheckResult {
  const id = "ses-sender";
  if (from === undefined || !address || !domain) {
    return result(id, "skipped", "no e-mail channel (channels.email) in the stack config");
  }
  const dom = senderDomain(from);
  const state = (s: SesIdentityStatus) =>
    !s.found ? "not an identity" : s.verifiedForSending ? "verified for sending" : "not verified";
  const details = [
    `address ${maskAddress(from)}: ${state(address)}`,
    `domain ${dom}: ${state(domain)}`,
  ];
  if (configurationSet) {
    details.push(
      `configuration set ${configurationSet.name}: ${configurationSet.found ? "exists" : "does not exist"}`,
    );
  }
  const problems: string[] = [];
  const fixes: string[] = [];
  if (!address.verifiedForSending && !domain.verifiedForSending) {
    problems.push(`neither the sender address nor its domain ${dom} is a verified SES identity`);
    fixes.push(
      `Verify the domain ${dom} (DKIM records) or the address in the SES console of this region`,
    );
  }
  if (configurationSet && !configurationSet.found) {
    problems.push(`the configuration set ${configurationSet.name} does not exist`);
    fixes.push(
      `create the configuration set ${configurationSet.name} in this region, or remove channels.email.configurationSet`,
    );
  }
  if (problems.length > 0) {
    return result(
      id,
      "fail",
      `${problems.join("; ")}: SES refuses every page`,
      `${fixes.join("; ")}; then run preflight again.`,
      details,
    );
  }
  return result(
    id,
    "pass",
    address.verifiedForSending
      ? "the sender address is verified for sending"
      : `the sender's domain ${dom} is verified for sending`,
    undefined,
    details,
  );
}

/** DescribeSpendLimits' TEXT_MESSAGE_MONTHLY_SPEND_LIMIT (US dollars). */
export interface SpendLimitInfo {
  readonly enforced: number;
  readonly max: number;
  readonly overridden: boolean;
}

/**
 * End User Messaging SMS account tier (DescribeAccountAttributes ACCOUNT_TIER, "whether your
 * account is in the sandbox or production environment",
 * https://docs.aws.amazon.com/sms-voice/latest/APIReference/API_DescribeAccountAttributes.html;
 * the API reference names no values: anything but PRODUCTION is taken as the sandbox) and the
 * monthly text spend limit (DescribeSpendLimits, EnforcedLimit in US dollars,
 * https://docs.aws.amazon.com/sms-voice/latest/APIReference/API_SpendLimit.html). In the sandbox
 * "You can send SMS and MMS messages only to verified destination phone numbers" and "You have a
 * monthly SMS spending limit of $1.00 (USD)" (SMS_SANDBOX_DOC): a warning (activate verifies
 * the numbers). A limit of 0 sends nothing: a failure.
 */
export function decideSmsAccount(
  tier: string | undefined,
  spend: SpendLimitInfo | undefined,
  region: string,
  stack: string,
  smsAliases: readonly string[],
): CheckResult {
  const id = "sms-account";
  if (smsAliases.length === 0) return result(id, "skipped", "no contact pages by SMS");
  const details = [
    `ACCOUNT_TIER ${tier ?? "absent"}`,
    spend
      ? `monthly text spend limit ${spend.enforced} USD (maximum ${spend.max} USD${spend.overridden ? ", overridden" : ""})`
      : "no TEXT_MESSAGE_MONTHLY_SPEND_LIMIT reported",
  ];
  if (spend && spend.enforced <= 0) {
    return result(
      id,
      "fail",
      `the monthly text spend limit in ${region} is ${spend.enforced} USD: no page goes out by SMS`,
      "Raise the limit (End User Messaging SMS console, Account settings, Spend limits; in the " +
        `sandbox, with a production access request: ${SMS_SANDBOX_DOC}).`,
      details,
    );
  }
  if (tier !== "PRODUCTION") {
    return result(
      id,
      "warn",
      `the account is in the End User Messaging SMS sandbox in ${region}: it texts only ` +
        `verified destination numbers (at most 10), within the sandbox's monthly spend limit, so ` +
        `the ${smsAliases.length} contact(s) paging by SMS (${smsAliases.join(", ")}) get texts ` +
        "only once their numbers are verified",
      `Run \`npm run activate -- --stack ${stack}\` (each person reads back the code texted to ` +
        `them), and request production access to text without limits (${SMS_SANDBOX_DOC}).`,
      details,
    );
  }
  return result(id, "pass", `production account in ${region}`, undefined, details);
}

/**
 * One contact that pages by SMS: its destination number's verification status
 * (DescribeVerifiedDestinationNumbers `Status`: PENDING, VERIFIED, UNSUPPORTED), "absent" when
 * the number was never added, "secret" when its phone is a `secure:` value the offline tool
 * cannot read. Never the number.
 */
export interface DestinationStatus {
  readonly alias: string;
  readonly status: string;
}

/**
 * The destination numbers of the contacts that page by SMS, needed only in the sandbox ("You can
 * send SMS and MMS messages only to verified destination phone numbers", SMS_SANDBOX_DOC;
 * https://docs.aws.amazon.com/sms-voice/latest/userguide/verify-destination-phone-number.html).
 * `sandbox` undefined: no SMS page (skipped). Aliases only.
 */
export function decideSmsDestinations(
  sandbox: boolean | undefined,
  destinations: readonly DestinationStatus[],
  stack: string,
): CheckResult {
  const id = "sms-destinations";
  if (sandbox === undefined) return result(id, "skipped", "no contact pages by SMS");
  if (!sandbox) {
    return result(
      id,
      "pass",
      "not needed: the account is out of the SMS sandbox and texts any number",
    );
  }
  const details = destinations.map(
    (d) =>
      `${d.alias}: ${d.status === "absent" ? "not added" : d.status === "secret" ? "phone is a secret, not checked offline" : d.status}`,
  );
  const unverified = destinations.filter((d) => d.status !== "VERIFIED" && d.status !== "secret");
  const secret = destinations.filter((d) => d.status === "secret");
  if (unverified.length > 0) {
    return result(
      id,
      "fail",
      `${unverified.length} of ${destinations.length} contact(s) paging by SMS have no verified ` +
        `destination number and get no texts while the account is in the sandbox: ` +
        unverified.map((d) => d.alias).join(", "),
      `Run \`npm run activate -- --stack ${stack}\`: it adds each number, texts it a code and ` +
        "verifies the code the person reads back.",
      details,
    );
  }
  if (secret.length > 0) {
    return result(
      id,
      "warn",
      `${secret.length} contact(s) paging by SMS have a secret phone the offline check cannot ` +
        `read: ${secret.map((d) => d.alias).join(", ")}`,
      "Check their numbers in the End User Messaging SMS console (Verified destination numbers).",
      details,
    );
  }
  return result(
    id,
    "pass",
    `all ${destinations.length} contact(s) paging by SMS have a verified destination number`,
    undefined,
    details,
  );
}

/**
 * The identity texts are sent from (channels.sms.originationIdentity), looked up by its kind
 * (config/backend.ts originationIdentityKind): DescribePhoneNumbers, DescribePools or
 * DescribeSenderIds. `found` undefined: no SMS channel (skipped). `status`: the phone number's or
 * pool's Status (ACTIVE when usable: NumberStatus / PoolStatus in the API model); sender IDs have
 * none. The identity itself is not printed, only its kind.
 */
export function decideSmsOrigination(
  kind: string | undefined,
  found: { readonly exists: boolean; readonly status?: string } | undefined,
  region: string,
): CheckResult {
  const id = "sms-origination";
  if (kind === undefined || found === undefined) {
    return result(id, "skipped", "no SMS channel (channels.sms) in the stack config");
  }
  if (!found.exists) {
    return result(
      id,
      "fail",
      `the configured origination identity (${kind}) does not exist in ${region}: no page goes out by SMS`,
      `Give channels.sms.originationIdentity a phone number, pool or sender ID of this account in ${region} ` +
        "(End User Messaging SMS console), then run preflight again.",
    );
  }
  if (found.status !== undefined && found.status !== "ACTIVE") {
    return result(
      id,
      "fail",
      `the configured origination identity (${kind}) is ${found.status}, not ACTIVE: no page goes out by SMS`,
      "Wait for it to become ACTIVE (a new number can take days to be registered), or configure another one.",
      [`status ${found.status}`],
    );
  }
  return result(
    id,
    "pass",
    `the configured origination identity (${kind}) exists${found.status ? " and is ACTIVE" : ""}`,
  );
}

// ---------------------------------------------------------------------------------------------
// The voice channel (Amazon Connect)
// ---------------------------------------------------------------------------------------------

const NO_VOICE = "no contact is paged by voice (channels.voice and a voice stage)";

/** Turning on outbound calls: the instance's telephony settings. */
export const CONNECT_TELEPHONY_DOC =
  "https://docs.aws.amazon.com/connect/latest/adminguide/update-instance-settings.html";

/** What DescribeInstance and DescribeInstanceAttribute(OUTBOUND_CALLS) said; undefined: no voice. */
export interface ConnectInstanceInfo {
  readonly exists: boolean;
  /** Instance.InstanceStatus: CREATION_IN_PROGRESS | ACTIVE | CREATION_FAILED (connect model). */
  readonly status?: string;
  /** Instance.OutboundCallsEnabled. */
  readonly outboundCallsEnabled?: boolean;
  /** DescribeInstanceAttribute OUTBOUND_CALLS Attribute.Value ("true" / "false"). */
  readonly outboundCallsAttribute?: string;
}

/**
 * The instance exists in the region, is ACTIVE, and may place outbound calls: StartOutboundVoiceContact
 * needs outbound calling on the instance (DescribeInstance's OutboundCallsEnabled, the
 * OUTBOUND_CALLS instance attribute; https://docs.aws.amazon.com/connect/latest/APIReference/API_DescribeInstance.html,
 * https://docs.aws.amazon.com/connect/latest/APIReference/API_DescribeInstanceAttribute.html).
 */
export function decideConnectInstance(
  instanceId: string | undefined,
  info: ConnectInstanceInfo | undefined,
  region: string,
): CheckResult {
  const id = "connect-instance";
  if (instanceId === undefined || info === undefined) return result(id, "skipped", NO_VOICE);
  if (!info.exists) {
    return result(
      id,
      "fail",
      `Amazon Connect instance ${instanceId} does not exist in ${region}: no call can be placed`,
      `Give channels.voice.connectInstanceId the ID of an instance in ${region} (Amazon Connect console, the instance ARN's last part), or create one, then run preflight again.`,
    );
  }
  if (info.status !== undefined && info.status !== "ACTIVE") {
    return result(
      id,
      "fail",
      `Amazon Connect instance ${instanceId} is ${info.status}, not ACTIVE: no call can be placed`,
      "Wait until the instance is ACTIVE, or use another instance.",
      [`status ${info.status}`],
    );
  }
  const outbound = info.outboundCallsAttribute === "true" || info.outboundCallsEnabled === true;
  if (!outbound) {
    return result(
      id,
      "fail",
      `Amazon Connect instance ${instanceId} has outbound calls turned off: StartOutboundVoiceContact is refused and no call goes out`,
      `Turn on "Enable outbound calls" in the instance's telephony settings (${CONNECT_TELEPHONY_DOC}), then run preflight again.`,
      [
        `OutboundCallsEnabled ${String(info.outboundCallsEnabled)}`,
        `OUTBOUND_CALLS ${info.outboundCallsAttribute ?? "unknown"}`,
      ],
    );
  }
  return result(
    id,
    "pass",
    `Amazon Connect instance ${instanceId} is ACTIVE with outbound calls on`,
  );
}

/** The caller ID in ListPhoneNumbersV2 of the instance, and DescribePhoneNumber's status. */
export interface ConnectNumberInfo {
  readonly claimed: boolean;
  /** ClaimedPhoneNumberSummary.PhoneNumberStatus.Status: CLAIMED | IN_PROGRESS | FAILED. */
  readonly status?: string;
  readonly type?: string;
}

/**
 * The source number is claimed on the instance (ListPhoneNumbersV2 with its InstanceId,
 * https://docs.aws.amazon.com/connect/latest/APIReference/API_ListPhoneNumbersV2.html) and its
 * claim is complete (DescribePhoneNumber PhoneNumberStatus CLAIMED,
 * https://docs.aws.amazon.com/connect/latest/APIReference/API_DescribePhoneNumber.html). A
 * Japanese number that is missing gets the Japan fix: a support case, documents, weeks.
 */
export function decideConnectNumber(
  sourcePhoneNumber: string | undefined,
  info: ConnectNumberInfo | undefined,
): CheckResult {
  const id = "connect-number";
  if (sourcePhoneNumber === undefined || info === undefined) return result(id, "skipped", NO_VOICE);
  const japan = sourcePhoneNumber.startsWith("+81");
  if (!info.claimed) {
    return result(
      id,
      "fail",
      `caller ID ${sourcePhoneNumber} is not claimed on the instance: calls from it are refused`,
      japan
        ? `Claim it on the instance first. A Japanese number (DID 050 or 03, toll-free 0120 or 0800) is given to a business in Japan through an AWS Support case with three documents (${CONNECT_TOKYO_NUMBERS_DOC}); it usually takes 2-6 weeks, up to 60 days (${CONNECT_NUMBER_REQUEST_DOC}).`
        : `Claim the number on the instance (Amazon Connect console, Channels, Phone numbers), or set channels.voice.sourcePhoneNumber to one that is (${CONNECT_NUMBER_REQUEST_DOC}).`,
    );
  }
  if (info.status !== undefined && info.status !== "CLAIMED") {
    return result(
      id,
      "fail",
      `caller ID ${sourcePhoneNumber} is ${info.status}, not CLAIMED: calls from it are refused`,
      info.status === "IN_PROGRESS"
        ? "Wait until the claim completes, then run preflight again."
        : "Release it and claim a number again, or open an AWS Support case.",
      [`status ${info.status}`],
    );
  }
  return result(
    id,
    "pass",
    `caller ID ${sourcePhoneNumber} is claimed on the instance${info.type ? ` (${info.type})` : ""}`,
  );
}

/**
 * The flow's InvokeLambdaFunction needs its function associated with the instance
 * (CONNECT_LAMBDA_DOC; ListLambdaFunctions lists the associated ARNs,
 * https://docs.aws.amazon.com/connect/latest/APIReference/API_ListLambdaFunctions.html). The stack
 * associates its own flow Lambda on deploy (aws.connect.LambdaFunctionAssociation); this reports
 * whether that already happened, and that the caller may read the list.
 */
export function decideConnectLambda(
  associated: readonly string[] | undefined,
  stackFunctionPrefix: string,
): CheckResult {
  const id = "connect-lambda";
  if (associated === undefined) return result(id, "skipped", NO_VOICE);
  const ours = associated.filter((arn) =>
    (arn.split(":function:")[1] ?? "").startsWith(stackFunctionPrefix),
  );
  if (ours.length > 0) {
    return result(
      id,
      "pass",
      `the instance may invoke ${ours.length} of this stack's Lambda function(s) (${associated.length} associated in all)`,
      undefined,
      ours,
    );
  }
  return result(
    id,
    "pass",
    `none of this stack's functions is associated with the instance yet (${associated.length} associated in all); \`pulumi up\` associates the flow's Lambda (${CONNECT_LAMBDA_DOC})`,
  );
}

/**
 * Calls to Japanese mobiles (+81 70/80/90) "may not be allowed by default"
 * (CONNECT_COUNTRY_ALLOWLIST_DOC): no API tells, so a warning by alias whenever one is called.
 */
export function decideConnectMobiles(
  voiceAliases: readonly string[] | undefined,
  japaneseMobileAliases: readonly string[],
): CheckResult {
  const id = "connect-mobiles";
  if (voiceAliases === undefined || voiceAliases.length === 0) {
    return result(id, "skipped", NO_VOICE);
  }
  if (japaneseMobileAliases.length === 0) {
    return result(id, "pass", "no contact called by voice has a Japanese mobile number");
  }
  return result(
    id,
    "warn",
    `${japaneseMobileAliases.length} contact(s) called by voice (${japaneseMobileAliases.join(", ")}) have a Japanese mobile number (+81 70/80/90), which Amazon Connect may not call by default`,
    `Open an AWS Support case (Connect (Number Management), Country Allowlisting for Outbound Calls) for Japanese mobiles, and place a test call (npm run drill) before relying on it (${CONNECT_COUNTRY_ALLOWLIST_DOC}).`,
  );
}

// ---------------------------------------------------------------------------------------------
// Text report
// ---------------------------------------------------------------------------------------------

const LABEL: Record<CheckStatus, string> = {
  pass: "PASS",
  warn: "WARN",
  fail: "FAIL",
  "cannot-check": "CANNOT CHECK",
  skipped: "SKIPPED",
};

/** The readable report. */
export function renderReport(doc: PreflightDocument): string {
  const lines: string[] = [
    `Preflight for stack ${doc.stack} in ${doc.region} (${doc.regionSource})` +
      (doc.account ? `, account ${doc.account}` : ""),
    "",
  ];
  for (const c of doc.checks) {
    lines.push(`${LABEL[c.status].padEnd(12)}  ${c.title}: ${c.summary}`);
    for (const d of c.details) lines.push(`${" ".repeat(14)}${d}`);
    if (c.fix) lines.push(`${" ".repeat(14)}fix: ${c.fix}`);
  }
  const count = (s: CheckStatus) => doc.checks.filter((c) => c.status === s).length;
  lines.push("");
  const verdict =
    doc.exitCode === 0
      ? "No problems found."
      : doc.exitCode === 1
        ? "Problems found: fix them before `pulumi up`."
        : "Some checks could not run: fix that and run preflight again.";
  lines.push(
    `${verdict} ${count("pass")} passed, ${count("warn")} warning(s), ${count("fail")} ` +
      `failed, ${count("cannot-check")} could not run, ${count("skipped")} skipped ` +
      `(exit ${doc.exitCode}).`,
  );
  return `${lines.join("\n")}\n`;
}
