/**
 * `npm run preflight -- --stack <name> [--region <region>] [--json]`: the command line and the
 * process's streams, clients and exit code; the checks are tools/preflight.ts and
 * tools/preflightChecks.ts.
 *
 * Exit codes: 0 every check passed (warnings allowed), 1 a check found a problem, 2 nothing or
 * not everything could be checked (usage, config, region, credentials, a missing permission,
 * throttling, network) and no check found a problem.
 */
import * as path from "node:path";
import {
  parseCliArgs,
  runCliAsync,
  runMain,
  writeOutcome,
  type Cli,
  type CliArgs,
} from "../tools/cliArgs";
import {
  defaultClients,
  preflight,
  type PreflightArgs,
  type PreflightOptions,
} from "../tools/preflight";

export const PREFLIGHT_USAGE = `Usage: npm run preflight -- --stack <name> [--region <region>] [--json]

Read-only checks of the AWS account before \`pulumi up\`: credentials and region; Incident Manager
onboarded with an ACTIVE replication set that includes the stack's region; Lambda concurrency;
the Slack workspace (or Teams team) authorised with AWS Chatbot; CloudWatch's Incident Manager
service-linked role; the activation status of the stack's existing contact channels. For
backend step-functions, instead of the Incident Manager checks: the SES and End User Messaging
SMS sandboxes, the SES sender identity (and configuration set), the monthly SMS spend limit, the
verified destination numbers of the contacts that page by SMS (by alias) and the SMS
origination identity; with channels.voice, the Amazon Connect instance (ACTIVE, outbound calls
on), its caller ID number claimed on it, the Lambda functions associated with it, and the
contacts called on a Japanese mobile (the country allowlist). Each problem comes with how to fix it. Nothing is created or changed.

  --stack <name>     stack whose Pulumi.<name>.yaml to read (required)
  --region <region>  region to check (default: the stack's aws:region, then AWS_REGION, then
                     AWS_DEFAULT_REGION)
  --json             one JSON document on stdout instead of the report (usage, config and
                     region errors stay plain text on stderr, exit 2)
  --help             this text

Needs (read-only): sts:GetCallerIdentity, ssm-incidents:ListReplicationSets,
ssm-incidents:GetReplicationSet, lambda:GetAccountSettings, chatbot:DescribeSlackWorkspaces or
chatbot:ListMicrosoftTeamsConfiguredTeams, iam:GetRole, ssm-contacts:ListContacts,
ssm-contacts:ListContactChannels; when CloudWatch's role is missing, iam:SimulatePrincipalPolicy
(and iam:GetRole on the caller's own role). Backend step-functions needs, instead of the
ssm-incidents, ssm-contacts and iam ones: ses:GetAccount, ses:GetEmailIdentity,
ses:GetConfigurationSet (with a configuration set), sms-voice:DescribeAccountAttributes,
sms-voice:DescribeSpendLimits, sms-voice:DescribeVerifiedDestinationNumbers and one of
sms-voice:DescribePhoneNumbers, sms-voice:DescribePools, sms-voice:DescribeSenderIds (by the
kind of origination identity); with channels.voice also connect:DescribeInstance,
connect:DescribeInstanceAttribute, connect:ListPhoneNumbersV2, connect:DescribePhoneNumber and
connect:ListLambdaFunctions. A missing permission is reported as "cannot check".

Exit codes: 0 every check passed (warnings allowed), 1 a check found a problem, 2 some check
could not run (usage, config, region, credentials, permission, throttling, network) and none
found a problem.`;

export function parsePreflightArgs(argv: readonly string[]): CliArgs<PreflightArgs> {
  return parseCliArgs(
    argv,
    PREFLIGHT_USAGE,
    {
      stack: { type: "string" },
      region: { type: "string" },
      json: { type: "boolean", default: false },
    },
    (values) =>
      values.stack
        ? { kind: "run", args: { stack: values.stack, region: values.region, json: values.json } }
        : { kind: "error", message: "--stack <name> is required" },
  );
}

export const PREFLIGHT_CLI: Cli<PreflightArgs> = {
  name: "preflight",
  usage: PREFLIGHT_USAGE,
  parse: parsePreflightArgs,
};

/** `npm run preflight` in process; returns the exit code. */
export function preflightCli(
  opts: PreflightOptions & { readonly argv: readonly string[] },
): Promise<0 | 1 | 2> {
  return runCliAsync(
    PREFLIGHT_CLI,
    opts.argv,
    (args) => preflight(args, opts),
    (outcome) => writeOutcome(outcome, opts),
  );
}

if (require.main === module) {
  runMain("preflight", (argv) =>
    preflightCli({
      argv,
      root: path.join(__dirname, ".."),
      env: process.env,
      stdout: process.stdout,
      stderr: process.stderr,
      makeClients: defaultClients,
    }),
  );
}
