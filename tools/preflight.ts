/**
 * The checks behind `npm run preflight` (cli/preflight.ts parses the command line).
 *
 * Read-only AWS checks that catch account problems before `pulumi up` half-applies: credentials
 * and region (sts:GetCallerIdentity); Incident Manager onboarded, its replication set ACTIVE and
 * covering the stack's region (ssm-incidents ListReplicationSets, GetReplicationSet); Lambda
 * concurrency (lambda:GetAccountSettings); the Slack workspace / Teams team authorised with AWS
 * Chatbot (chatbot DescribeSlackWorkspaces, ListMicrosoftTeamsConfiguredTeams); CloudWatch's
 * Incident Manager service-linked role (iam:GetRole; when it is missing, whether the caller may
 * create it: iam:SimulatePrincipalPolicy); the activation status of the stack's
 * existing contact channels (ssm-contacts ListContacts, ListContactChannels). Nothing is created
 * or changed. Addresses are never printed.
 *
 * Decisions, messages, the `--json` schema and the exit code live in tools/preflightChecks.ts;
 * this file reads the stack config, makes the calls (clients from an injectable factory) and
 * prints. Exit codes: 0 every check passed (warnings allowed), 1 a check found a problem,
 * 2 nothing or not everything could be checked (usage, config, region, credentials, a missing
 * permission, throttling, network) and no check found a problem.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import {
  ChatbotClient,
  DescribeSlackWorkspacesCommand,
  ListMicrosoftTeamsConfiguredTeamsCommand,
} from "@aws-sdk/client-chatbot";
import { GetRoleCommand, IAMClient, SimulatePrincipalPolicyCommand } from "@aws-sdk/client-iam";
import { GetAccountSettingsCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { SSMContactsClient } from "@aws-sdk/client-ssm-contacts";
import {
  GetReplicationSetCommand,
  ListReplicationSetsCommand,
  SSMIncidentsClient,
} from "@aws-sdk/client-ssm-incidents";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { defaultPrefix } from "../components/builders";
import { type StackConfig, incidentManagerSettings } from "../config/schema";
import { MISSING_REGION, listStackChannels, resolveRegion } from "./activate";
import { AwsCallError, awsCall, classifyAwsError } from "./awsErrors";
import {
  CHECK_IDS,
  cannotCheck,
  chatbotRegion,
  credentialsFailed,
  credentialsPassed,
  decideAlarmRole,
  decideChannels,
  decideChat,
  decideConcurrency,
  decideReplicationSet,
  exitCodeOf,
  renderReport,
  scrubAwsText,
  skippedForCredentials,
  ALARM_ROLE_NAME,
  ALARM_ROLE_SERVICE,
  alarmRoleArn,
  awsSaid,
  principalLabel,
  simulationSource,
  type CallerIdentity,
  type RoleCreation,
  type CheckId,
  type CheckResult,
  type PreflightDocument,
  type ReplicationSetInfo,
} from "./preflightChecks";
import { loadStackConfigFile } from "./stackFile";

// ---------------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------------

/** The command line of `npm run preflight` (cli/preflight.ts). */
export interface PreflightArgs {
  readonly stack: string;
  readonly region?: string;
  readonly json: boolean;
}

// ---------------------------------------------------------------------------------------------
// Clients
// ---------------------------------------------------------------------------------------------

/** The SDK clients, made once per run by the factory. */
export interface PreflightClients {
  readonly sts: STSClient;
  readonly incidents: SSMIncidentsClient;
  readonly contacts: SSMContactsClient;
  readonly lambda: LambdaClient;
  readonly iam: IAMClient;
  /** In `chatbotRegion(region)`: the Chatbot API exists in four regions only. */
  readonly chatbot: ChatbotClient;
}

/** The real clients: the SDK's default credential chain, in the stack's region. */
export function defaultClients(region: string): PreflightClients {
  return {
    sts: new STSClient({ region }),
    incidents: new SSMIncidentsClient({ region }),
    contacts: new SSMContactsClient({ region }),
    lambda: new LambdaClient({ region }),
    // IAM is a global service; the SDK resolves its one endpoint from any region.
    iam: new IAMClient({ region }),
    chatbot: new ChatbotClient({ region: chatbotRegion(region) }),
  };
}

// ---------------------------------------------------------------------------------------------
// Checks (each returns its result; an AWS error becomes "cannot check")
// ---------------------------------------------------------------------------------------------

async function guarded(id: CheckId, run: () => Promise<CheckResult>): Promise<CheckResult> {
  try {
    return await run();
  } catch (e: unknown) {
    if (e instanceof AwsCallError) return cannotCheck(id, e.action, e.error);
    throw e;
  }
}

function isNotOnboarded(e: AwsCallError): boolean {
  return classifyAwsError(e.error, e.action) === "not-onboarded";
}

async function checkIncidentManager(
  c: PreflightClients,
  cfg: StackConfig,
  region: string,
): Promise<CheckResult> {
  const replication = incidentManagerSettings(cfg).replicationSet;
  const config = replication === "existing" ? "existing" : { regions: replication.regions };
  let arns: string[];
  try {
    arns = [];
    let token: string | undefined;
    do {
      const page = await awsCall("ssm-incidents:ListReplicationSets", () =>
        c.incidents.send(new ListReplicationSetsCommand(token ? { nextToken: token } : {})),
      );
      arns.push(...(page.replicationSetArns ?? []));
      token = page.nextToken;
    } while (token);
  } catch (e: unknown) {
    // An account without Incident Manager may answer with an error naming the replication set.
    if (e instanceof AwsCallError && isNotOnboarded(e)) {
      return decideReplicationSet(config, region, [], undefined);
    }
    throw e;
  }
  if (arns.length === 0) return decideReplicationSet(config, region, [], undefined);
  const got = await awsCall("ssm-incidents:GetReplicationSet", () =>
    c.incidents.send(new GetReplicationSetCommand({ arn: arns[0] })),
  );
  const set: ReplicationSetInfo | undefined = got.replicationSet
    ? {
        status: got.replicationSet.status ?? "",
        regions: Object.fromEntries(
          Object.entries(got.replicationSet.regionMap ?? {}).map(([r, info]) => [
            r,
            info.status ?? "",
          ]),
        ),
      }
    : undefined;
  return decideReplicationSet(config, region, arns, set);
}

async function checkConcurrency(c: PreflightClients, region: string): Promise<CheckResult> {
  const settings = await awsCall("lambda:GetAccountSettings", () =>
    c.lambda.send(new GetAccountSettingsCommand({})),
  );
  return decideConcurrency(
    {
      concurrentExecutions: settings.AccountLimit?.ConcurrentExecutions,
      unreservedConcurrentExecutions: settings.AccountLimit?.UnreservedConcurrentExecutions,
    },
    region,
  );
}

async function checkChat(c: PreflightClients, cfg: StackConfig): Promise<CheckResult> {
  const { slack, teams } = cfg.notifications;
  let slackIds: string[] | undefined;
  let teamList: { tenantId: string; teamId: string }[] | undefined;
  if (slack) {
    slackIds = [];
    let token: string | undefined;
    do {
      const page = await awsCall("chatbot:DescribeSlackWorkspaces", () =>
        c.chatbot.send(new DescribeSlackWorkspacesCommand(token ? { NextToken: token } : {})),
      );
      for (const w of page.SlackWorkspaces ?? []) if (w.SlackTeamId) slackIds.push(w.SlackTeamId);
      token = page.NextToken;
    } while (token);
  }
  if (teams) {
    teamList = [];
    let token: string | undefined;
    do {
      const page = await awsCall("chatbot:ListMicrosoftTeamsConfiguredTeams", () =>
        c.chatbot.send(
          new ListMicrosoftTeamsConfiguredTeamsCommand(token ? { NextToken: token } : {}),
        ),
      );
      for (const t of page.ConfiguredTeams ?? []) {
        if (t.TeamId && t.TenantId) teamList.push({ teamId: t.TeamId, tenantId: t.TenantId });
      }
      token = page.NextToken;
    } while (token);
  }
  return decideChat({ slack, teams }, slackIds, teamList);
}

async function checkAlarmRole(
  c: PreflightClients,
  cfg: StackConfig,
  identity: CallerIdentity,
): Promise<CheckResult> {
  const pages = Object.values(cfg.levels).some((l) => l.page);
  if (!pages) return decideAlarmRole(false, false, identity.account);
  try {
    await awsCall("iam:GetRole", () =>
      c.iam.send(new GetRoleCommand({ RoleName: ALARM_ROLE_NAME })),
    );
    return decideAlarmRole(true, true, identity.account);
  } catch (e: unknown) {
    // GetRole answers NoSuchEntity (HTTP 404) for a role that does not exist
    // (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRole.html, Errors).
    const name = e instanceof AwsCallError ? errorName(e.error) : "";
    if (name === "NoSuchEntityException" || name === "NoSuchEntity") {
      return decideAlarmRole(true, false, identity.account, await roleCreation(c, identity));
    }
    throw e;
  }
}

/** Whether the caller may create the service-linked role: an IAM policy simulation. */
async function roleCreation(c: PreflightClients, identity: CallerIdentity): Promise<RoleCreation> {
  const source = simulationSource(identity.arn);
  if (source.kind === "root") return { kind: "root" };
  if (source.kind === "none") {
    return { kind: "unknown", why: `${principalLabel(identity.arn)} cannot be simulated` };
  }
  try {
    let policySourceArn: string;
    if (source.kind === "role") {
      const role = await awsCall("iam:GetRole", () =>
        c.iam.send(new GetRoleCommand({ RoleName: source.roleName })),
      );
      policySourceArn = role.Role?.Arn ?? "";
    } else {
      policySourceArn = source.arn;
    }
    const sim = await awsCall("iam:SimulatePrincipalPolicy", () =>
      c.iam.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: policySourceArn,
          ActionNames: ["iam:CreateServiceLinkedRole"],
          ResourceArns: [alarmRoleArn(identity.account)],
          ContextEntries: [
            {
              ContextKeyName: "iam:AWSServiceName",
              ContextKeyType: "string",
              ContextKeyValues: [ALARM_ROLE_SERVICE],
            },
          ],
        }),
      ),
    );
    const decision = sim.EvaluationResults?.[0]?.EvalDecision;
    if (!decision) return { kind: "unknown", why: "the simulation returned no decision" };
    return { kind: "simulated", decision, principal: principalLabel(identity.arn) };
  } catch (e: unknown) {
    if (!(e instanceof AwsCallError)) throw e;
    const denied = classifyAwsError(e.error, e.action) === "access-denied";
    return {
      kind: "unknown",
      why: denied
        ? `could not simulate: missing permission ${e.action}`
        : `could not simulate: ${awsSaid(e.error)}`,
    };
  }
}

function errorName(err: unknown): string {
  return typeof err === "object" && err !== null && "name" in err && typeof err.name === "string"
    ? err.name
    : "";
}

async function checkChannels(
  c: PreflightClients,
  cfg: StackConfig,
  stack: string,
): Promise<CheckResult> {
  const prefix = cfg.prefix ?? defaultPrefix(stack);
  const aliases = cfg.contacts.map((contact) => contact.alias);
  const listed = await listStackChannels(c.contacts, prefix, aliases);
  return decideChannels(
    stack,
    listed.channels.map((ch) => ({ name: ch.name, type: ch.type, status: ch.status })),
    aliases.length,
    listed.missingContacts,
  );
}

/** Runs every check against `clients`; the credentials check gates the others. */
export async function runChecks(
  clients: PreflightClients,
  cfg: StackConfig,
  stack: string,
  region: string,
): Promise<{ account: string | null; checks: CheckResult[] }> {
  let identity: CallerIdentity;
  try {
    const who = await clients.sts.send(new GetCallerIdentityCommand({}));
    identity = { account: who.Account ?? "", arn: who.Arn ?? "" };
  } catch (e: unknown) {
    const creds = credentialsFailed(e);
    return {
      account: null,
      checks: [creds, ...CHECK_IDS.slice(1).map((id) => skippedForCredentials(id))],
    };
  }
  // Independent read-only calls: run them together.
  const checks = await Promise.all([
    guarded("incident-manager", () => checkIncidentManager(clients, cfg, region)),
    guarded("lambda-concurrency", () => checkConcurrency(clients, region)),
    guarded("chat-workspace", () => checkChat(clients, cfg)),
    guarded("alarm-role", () => checkAlarmRole(clients, cfg, identity)),
    guarded("contact-channels", () => checkChannels(clients, cfg, stack)),
  ]);
  return {
    account: /^[0-9]{12}$/.test(identity.account) ? identity.account : null,
    checks: [credentialsPassed(identity, region), ...checks],
  };
}

// ---------------------------------------------------------------------------------------------
// I/O
// ---------------------------------------------------------------------------------------------

export interface PreflightOptions {
  /** Directory holding Pulumi.<stack>.yaml. */
  readonly root: string;
  /** Environment (AWS_REGION, AWS_DEFAULT_REGION). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** Creates the SDK clients, once, for the resolved region. */
  readonly makeClients: (region: string) => PreflightClients;
}

/** Runs the tool; returns the exit code. All output goes through `opts.stdout`/`stderr`. */
export async function preflight(args: PreflightArgs, opts: PreflightOptions): Promise<0 | 1 | 2> {
  const { stack, json } = args;

  const file = path.join(opts.root, `Pulumi.${stack}.yaml`);
  if (!existsSync(file)) {
    opts.stderr.write(`preflight: ${file}: no such stack config file (is --stack right?)\n`);
    return 2;
  }
  let cfg: StackConfig;
  let stackRegion: string | undefined;
  try {
    const loaded = loadStackConfigFile(file, stack);
    cfg = loaded.config;
    stackRegion = loaded.stackFile.config["aws:region"] || undefined;
  } catch (err: unknown) {
    opts.stderr.write(`preflight: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }

  const region = resolveRegion(args.region, opts.env, stackRegion);
  if (!region) {
    opts.stderr.write(`preflight: ${MISSING_REGION}\n`);
    return 2;
  }
  if (region.note) opts.stderr.write(`${region.note}\n`);

  let outcome: { account: string | null; checks: CheckResult[] };
  try {
    outcome = await runChecks(opts.makeClients(region.region), cfg, stack, region.region);
  } catch (err: unknown) {
    // Not an AWS answer (a bug, or an SDK failure outside a call): still no stack trace.
    const message = err instanceof Error ? err.message : String(err);
    opts.stderr.write(`preflight: could not run the checks: ${scrubAwsText(message)}\n`);
    return 2;
  }
  const doc: PreflightDocument = {
    stack,
    region: region.region,
    regionSource: region.source,
    account: outcome.account,
    exitCode: exitCodeOf(outcome.checks),
    checks: outcome.checks,
  };
  opts.stdout.write(json ? `${JSON.stringify(doc, null, 2)}\n` : renderReport(doc));
  return doc.exitCode;
}
