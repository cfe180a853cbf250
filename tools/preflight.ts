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
 * existing contact channels (ssm-contacts ListContacts, ListContactChannels). For the
 * step-functions backend, instead of the Incident Manager checks (BACKEND_CHECKS): SES
 * (sesv2 GetAccount: sandbox and sending; GetEmailIdentity of the sender address and of its
 * domain; GetConfigurationSet when one is configured) and End User Messaging SMS
 * (pinpoint-sms-voice-v2 DescribeAccountAttributes: sandbox; DescribeSpendLimits;
 * DescribeVerifiedDestinationNumbers for the phones of the contacts that page by SMS, by alias;
 * DescribePhoneNumbers / DescribePools / DescribeSenderIds for the origination identity), and,
 * when the stack calls someone (channels.voice), Amazon Connect (VOICE_CHECKS: connect
 * DescribeInstance and DescribeInstanceAttribute OUTBOUND_CALLS; ListPhoneNumbersV2 and
 * DescribePhoneNumber for the caller ID; ListLambdaFunctions; Japanese mobiles by alias). Nothing
 * is created or changed. Contacts' addresses and numbers are never printed (the instance ID and
 * the caller ID are the organisation's own, and are).
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
import {
  DescribeAccountAttributesCommand,
  DescribePhoneNumbersCommand,
  DescribePoolsCommand,
  DescribeSenderIdsCommand,
  DescribeSpendLimitsCommand,
  DescribeVerifiedDestinationNumbersCommand,
  PinpointSMSVoiceV2Client,
} from "@aws-sdk/client-pinpoint-sms-voice-v2";
import {
  GetAccountCommand,
  GetConfigurationSetCommand,
  GetEmailIdentityCommand,
  SESv2Client,
} from "@aws-sdk/client-sesv2";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import {
  ConnectClient,
  DescribeInstanceAttributeCommand,
  DescribeInstanceCommand,
  DescribePhoneNumberCommand,
  ListLambdaFunctionsCommand,
  ListPhoneNumbersV2Command,
} from "@aws-sdk/client-connect";
import { defaultPrefix } from "../components/builders";
import { originationIdentityKind, type VoiceChannelConfig } from "../config/backend";
import { type StackConfig, incidentManagerSettings } from "../config/schema";
import { MISSING_REGION, listStackChannels, resolveRegion } from "./activate";
import { AwsCallError, awsCall, classifyAwsError } from "./awsErrors";
import {
  checksFor,
  cannotCheck,
  chatbotRegion,
  decideConnectInstance,
  decideConnectLambda,
  decideConnectMobiles,
  decideConnectNumber,
  credentialsFailed,
  credentialsPassed,
  decideAlarmRole,
  decideChannels,
  decideChat,
  decideConcurrency,
  decideReplicationSet,
  decideSesAccount,
  decideSesSender,
  decideSmsAccount,
  decideSmsDestinations,
  decideSmsOrigination,
  exitCodeOf,
  senderDomain,
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
  type DestinationStatus,
  type PreflightDocument,
  type SesIdentityStatus,
  type SpendLimitInfo,
  type ReplicationSetInfo,
} from "./preflightChecks";
import { JAPANESE_MOBILE_RE, contactsPagingBy } from "./planReport";
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
  /** SES v2 in the stack's region (step-functions backend). */
  readonly ses: SESv2Client;
  /** End User Messaging SMS (pinpoint-sms-voice-v2) in the stack's region (step-functions backend). */
  readonly sms: PinpointSMSVoiceV2Client;
  /** Amazon Connect in the stack's region (step-functions backend with channels.voice). */
  readonly connect: ConnectClient;
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
    ses: new SESv2Client({ region }),
    sms: new PinpointSMSVoiceV2Client({ region }),
    connect: new ConnectClient({ region }),
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

// ---------------------------------------------------------------------------------------------
// The step-functions backend's checks (SES, End User Messaging SMS)
// ---------------------------------------------------------------------------------------------

function isNotFound(e: unknown): boolean {
  // sesv2 GetEmailIdentity / GetConfigurationSet answer NotFoundException for a name that does
  // not exist (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetEmailIdentity.html,
  // Errors); pinpoint-sms-voice-v2 Describe* ResourceNotFoundException for an unknown ID
  // (https://docs.aws.amazon.com/sms-voice/latest/APIReference/API_DescribePhoneNumbers.html).
  const name = e instanceof AwsCallError ? errorName(e.error) : "";
  return name === "NotFoundException" || name === "ResourceNotFoundException";
}

async function checkSesAccount(
  c: PreflightClients,
  cfg: StackConfig,
  stack: string,
  region: string,
): Promise<CheckResult> {
  const aliases = contactsPagingBy(cfg, "email");
  if (aliases.length === 0) return decideSesAccount({}, region, stack, aliases);
  const account = await awsCall("ses:GetAccount", () => c.ses.send(new GetAccountCommand({})));
  return decideSesAccount(
    {
      productionAccessEnabled: account.ProductionAccessEnabled,
      sendingEnabled: account.SendingEnabled,
    },
    region,
    stack,
    aliases,
  );
}

async function sesIdentity(c: PreflightClients, identity: string): Promise<SesIdentityStatus> {
  try {
    const got = await awsCall("ses:GetEmailIdentity", () =>
      c.ses.send(new GetEmailIdentityCommand({ EmailIdentity: identity })),
    );
    return { found: true, verifiedForSending: got.VerifiedForSendingStatus === true };
  } catch (e: unknown) {
    if (isNotFound(e)) return { found: false, verifiedForSending: false };
    throw e;
  }
}

async function checkSesSender(c: PreflightClients, cfg: StackConfig): Promise<CheckResult> {
  const email = cfg.channels?.email;
  if (!email) return decideSesSender(undefined, undefined, undefined);
  const [address, domain] = await Promise.all([
    sesIdentity(c, email.from),
    sesIdentity(c, senderDomain(email.from)),
  ]);
  let configurationSet: { name: string; found: boolean } | undefined;
  if (email.configurationSet) {
    const name = email.configurationSet;
    try {
      await awsCall("ses:GetConfigurationSet", () =>
        c.ses.send(new GetConfigurationSetCommand({ ConfigurationSetName: name })),
      );
      configurationSet = { name, found: true };
    } catch (e: unknown) {
      if (!isNotFound(e)) throw e;
      configurationSet = { name, found: false };
    }
  }
  return decideSesSender(email.from, address, domain, configurationSet);
}

/** ACCOUNT_TIER of DescribeAccountAttributes, every page read. */
async function smsAccountTier(c: PreflightClients): Promise<string | undefined> {
  let tier: string | undefined;
  let token: string | undefined;
  do {
    const page = await awsCall("sms-voice:DescribeAccountAttributes", () =>
      c.sms.send(new DescribeAccountAttributesCommand(token ? { NextToken: token } : {})),
    );
    for (const a of page.AccountAttributes ?? []) if (a.Name === "ACCOUNT_TIER") tier = a.Value;
    token = page.NextToken;
  } while (token);
  return tier;
}

async function smsSpendLimit(c: PreflightClients): Promise<SpendLimitInfo | undefined> {
  let found: SpendLimitInfo | undefined;
  let token: string | undefined;
  do {
    const page = await awsCall("sms-voice:DescribeSpendLimits", () =>
      c.sms.send(new DescribeSpendLimitsCommand(token ? { NextToken: token } : {})),
    );
    for (const l of page.SpendLimits ?? []) {
      if (l.Name === "TEXT_MESSAGE_MONTHLY_SPEND_LIMIT") {
        found = {
          enforced: l.EnforcedLimit ?? 0,
          max: l.MaxLimit ?? 0,
          overridden: l.Overridden ?? false,
        };
      }
    }
    token = page.NextToken;
  } while (token);
  return found;
}

async function checkSmsAccount(
  c: PreflightClients,
  cfg: StackConfig,
  stack: string,
  region: string,
  tier: () => Promise<string | undefined>,
): Promise<CheckResult> {
  const aliases = contactsPagingBy(cfg, "sms");
  if (aliases.length === 0) return decideSmsAccount(undefined, undefined, region, stack, aliases);
  const [t, spend] = await Promise.all([tier(), smsSpendLimit(c)]);
  return decideSmsAccount(t, spend, region, stack, aliases);
}

/** DescribeVerifiedDestinationNumbers takes at most 5 DestinationPhoneNumbers (the API model). */
const DESTINATIONS_PER_CALL = 5;

async function checkSmsDestinations(
  c: PreflightClients,
  cfg: StackConfig,
  stack: string,
  securePaths: readonly string[],
  tier: () => Promise<string | undefined>,
): Promise<CheckResult> {
  const smsAliases = new Set(contactsPagingBy(cfg, "sms"));
  const paging = cfg.contacts
    .map((contact, i) => ({ contact, secret: securePaths.includes(`contacts[${i}].phone`) }))
    .filter(({ contact }) => smsAliases.has(contact.alias));
  if (paging.length === 0) return decideSmsDestinations(undefined, [], stack);
  const sandbox = (await tier()) !== "PRODUCTION";
  if (!sandbox) return decideSmsDestinations(false, [], stack);
  const numbers = [
    ...new Set(
      paging.filter((p) => !p.secret && p.contact.phone).map((p) => p.contact.phone ?? ""),
    ),
  ];
  const status = new Map<string, string>();
  for (let i = 0; i < numbers.length; i += DESTINATIONS_PER_CALL) {
    const chunk = numbers.slice(i, i + DESTINATIONS_PER_CALL);
    let token: string | undefined;
    do {
      const page = await awsCall("sms-voice:DescribeVerifiedDestinationNumbers", () =>
        c.sms.send(
          new DescribeVerifiedDestinationNumbersCommand({
            DestinationPhoneNumbers: chunk,
            ...(token ? { NextToken: token } : {}),
          }),
        ),
      );
      for (const v of page.VerifiedDestinationNumbers ?? []) {
        if (v.DestinationPhoneNumber) status.set(v.DestinationPhoneNumber, v.Status ?? "?");
      }
      token = page.NextToken;
    } while (token);
  }
  const destinations: DestinationStatus[] = paging.map(({ contact, secret }) => ({
    alias: contact.alias,
    status: secret ? "secret" : (status.get(contact.phone ?? "") ?? "absent"),
  }));
  return decideSmsDestinations(true, destinations, stack);
}

async function checkSmsOrigination(
  c: PreflightClients,
  cfg: StackConfig,
  region: string,
): Promise<CheckResult> {
  const identity = cfg.channels?.sms?.originationIdentity;
  const kind = identity === undefined ? undefined : originationIdentityKind(identity);
  if (identity === undefined || kind === undefined) {
    return decideSmsOrigination(undefined, undefined, region);
  }
  try {
    return decideSmsOrigination(kind, await findOrigination(c, identity, kind), region);
  } catch (e: unknown) {
    if (isNotFound(e)) return decideSmsOrigination(kind, { exists: false }, region);
    throw e;
  }
}

/** Looks the origination identity up by its kind; IDs and ARNs directly, a number by listing. */
async function findOrigination(
  c: PreflightClients,
  identity: string,
  kind: NonNullable<ReturnType<typeof originationIdentityKind>>,
): Promise<{ exists: boolean; status?: string }> {
  switch (kind) {
    case "phone-number-id":
    case "phone-number-arn": {
      const got = await awsCall("sms-voice:DescribePhoneNumbers", () =>
        c.sms.send(new DescribePhoneNumbersCommand({ PhoneNumberIds: [identity] })),
      );
      const n = got.PhoneNumbers?.[0];
      return n ? { exists: true, status: n.Status } : { exists: false };
    }
    case "phone-number": {
      // PhoneNumberIds takes IDs and ARNs, and no filter takes the number itself (the model's
      // PhoneNumberFilterName): list the account's numbers and compare.
      let token: string | undefined;
      do {
        const page = await awsCall("sms-voice:DescribePhoneNumbers", () =>
          c.sms.send(new DescribePhoneNumbersCommand(token ? { NextToken: token } : {})),
        );
        const n = (page.PhoneNumbers ?? []).find((p) => p.PhoneNumber === identity);
        if (n) return { exists: true, status: n.Status };
        token = page.NextToken;
      } while (token);
      return { exists: false };
    }
    case "pool-id":
    case "pool-arn": {
      const got = await awsCall("sms-voice:DescribePools", () =>
        c.sms.send(new DescribePoolsCommand({ PoolIds: [identity] })),
      );
      const p = got.Pools?.[0];
      return p ? { exists: true, status: p.Status } : { exists: false };
    }
    case "sender-id": {
      // SenderIds needs each ID's IsoCountryCode, which the config does not have; the
      // "sender-id" filter takes the ID alone (SenderIdFilterName in the model).
      const got = await awsCall("sms-voice:DescribeSenderIds", () =>
        c.sms.send(
          new DescribeSenderIdsCommand({ Filters: [{ Name: "sender-id", Values: [identity] }] }),
        ),
      );
      return { exists: (got.SenderIds ?? []).length > 0 };
    }
    case "sender-id-arn": {
      // An ARN is compared with each listed SenderIdArn: no assumption about its layout.
      let token: string | undefined;
      do {
        const page = await awsCall("sms-voice:DescribeSenderIds", () =>
          c.sms.send(new DescribeSenderIdsCommand(token ? { NextToken: token } : {})),
        );
        if ((page.SenderIds ?? []).some((x) => x.SenderIdArn === identity)) return { exists: true };
        token = page.NextToken;
      } while (token);
      return { exists: false };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The voice channel's checks (Amazon Connect)
// ---------------------------------------------------------------------------------------------

/** channels.voice when some contact is paged by voice; else undefined (the checks skip). */
function voiceInUse(cfg: StackConfig): VoiceChannelConfig | undefined {
  const voice = cfg.channels?.voice;
  return voice !== undefined && contactsPagingBy(cfg, "voice").length > 0 ? voice : undefined;
}

async function checkConnectInstance(
  c: PreflightClients,
  cfg: StackConfig,
  region: string,
): Promise<CheckResult> {
  const voice = voiceInUse(cfg);
  if (voice === undefined) return decideConnectInstance(undefined, undefined, region);
  const InstanceId = voice.connectInstanceId;
  try {
    // Connect answers ResourceNotFoundException for an unknown instance
    // (https://docs.aws.amazon.com/connect/latest/APIReference/API_DescribeInstance.html, Errors).
    const got = await awsCall("connect:DescribeInstance", () =>
      c.connect.send(new DescribeInstanceCommand({ InstanceId })),
    );
    const attribute = await awsCall("connect:DescribeInstanceAttribute", () =>
      c.connect.send(
        new DescribeInstanceAttributeCommand({ InstanceId, AttributeType: "OUTBOUND_CALLS" }),
      ),
    );
    return decideConnectInstance(
      InstanceId,
      {
        exists: true,
        status: got.Instance?.InstanceStatus,
        outboundCallsEnabled: got.Instance?.OutboundCallsEnabled,
        outboundCallsAttribute: attribute.Attribute?.Value,
      },
      region,
    );
  } catch (e: unknown) {
    if (isNotFound(e)) return decideConnectInstance(InstanceId, { exists: false }, region);
    throw e;
  }
}

async function checkConnectNumber(c: PreflightClients, cfg: StackConfig): Promise<CheckResult> {
  const voice = voiceInUse(cfg);
  if (voice === undefined) return decideConnectNumber(undefined, undefined);
  const number = voice.sourcePhoneNumber;
  // PhoneNumberPrefix takes at most 11 digits (the model's `\+?[0-9]{1,11}`): list by the
  // number's first 11 digits on this instance, then compare the whole number.
  const prefix = number.slice(0, 12);
  let token: string | undefined;
  try {
    do {
      const page = await awsCall("connect:ListPhoneNumbersV2", () =>
        c.connect.send(
          new ListPhoneNumbersV2Command({
            InstanceId: voice.connectInstanceId,
            PhoneNumberPrefix: prefix,
            ...(token ? { NextToken: token } : {}),
          }),
        ),
      );
      const found = (page.ListPhoneNumbersSummaryList ?? []).find((n) => n.PhoneNumber === number);
      if (found?.PhoneNumberId) {
        const PhoneNumberId = found.PhoneNumberId;
        const described = await awsCall("connect:DescribePhoneNumber", () =>
          c.connect.send(new DescribePhoneNumberCommand({ PhoneNumberId })),
        );
        const summary = described.ClaimedPhoneNumberSummary;
        return decideConnectNumber(number, {
          claimed: true,
          status: summary?.PhoneNumberStatus?.Status,
          type: summary?.PhoneNumberType ?? found.PhoneNumberType,
        });
      }
      token = page.NextToken;
    } while (token);
  } catch (e: unknown) {
    // An unknown instance is the instance check's failure; here the number is simply not on it.
    if (!isNotFound(e)) throw e;
  }
  return decideConnectNumber(number, { claimed: false });
}

async function checkConnectLambda(
  c: PreflightClients,
  cfg: StackConfig,
  stack: string,
): Promise<CheckResult> {
  const voice = voiceInUse(cfg);
  const prefix = `${cfg.prefix ?? defaultPrefix(stack)}-`;
  if (voice === undefined) return decideConnectLambda(undefined, prefix);
  const arns: string[] = [];
  let token: string | undefined;
  do {
    const page = await awsCall("connect:ListLambdaFunctions", () =>
      c.connect.send(
        new ListLambdaFunctionsCommand({
          InstanceId: voice.connectInstanceId,
          ...(token ? { NextToken: token } : {}),
        }),
      ),
    );
    arns.push(...(page.LambdaFunctions ?? []));
    token = page.NextToken;
  } while (token);
  return decideConnectLambda(arns, prefix);
}

/** No AWS call: which contacts called by voice have a Japanese mobile (a secret phone is not read). */
function checkConnectMobiles(
  cfg: StackConfig,
  securePaths: readonly string[],
): Promise<CheckResult> {
  if (voiceInUse(cfg) === undefined) return Promise.resolve(decideConnectMobiles(undefined, []));
  const voiceAliases = contactsPagingBy(cfg, "voice");
  const mobiles = cfg.contacts
    .map((contact, i) => ({ contact, i }))
    .filter(
      ({ contact, i }) =>
        voiceAliases.includes(contact.alias) &&
        !securePaths.includes(`contacts[${i}].phone`) &&
        contact.phone !== undefined &&
        JAPANESE_MOBILE_RE.test(contact.phone),
    )
    .map(({ contact }) => contact.alias);
  return Promise.resolve(decideConnectMobiles(voiceAliases, mobiles));
}

/** Runs the checks of the stack's backend against `clients`; the credentials check gates the others. */
export async function runChecks(
  clients: PreflightClients,
  cfg: StackConfig,
  stack: string,
  region: string,
  securePaths: readonly string[] = [],
): Promise<{ account: string | null; checks: CheckResult[] }> {
  const ids = checksFor(cfg.backend, voiceInUse(cfg) !== undefined);
  let identity: CallerIdentity;
  try {
    const who = await clients.sts.send(new GetCallerIdentityCommand({}));
    identity = { account: who.Account ?? "", arn: who.Arn ?? "" };
  } catch (e: unknown) {
    const creds = credentialsFailed(e);
    return {
      account: null,
      checks: [creds, ...ids.slice(1).map((id) => skippedForCredentials(id))],
    };
  }
  // One DescribeAccountAttributes for both SMS checks that need the tier.
  let tierCall: Promise<string | undefined> | undefined;
  const tier = () => (tierCall ??= smsAccountTier(clients));
  const run: Record<Exclude<CheckId, "credentials">, () => Promise<CheckResult>> = {
    "incident-manager": () => checkIncidentManager(clients, cfg, region),
    "lambda-concurrency": () => checkConcurrency(clients, region),
    "chat-workspace": () => checkChat(clients, cfg),
    "alarm-role": () => checkAlarmRole(clients, cfg, identity),
    "contact-channels": () => checkChannels(clients, cfg, stack),
    "ses-account": () => checkSesAccount(clients, cfg, stack, region),
    "ses-sender": () => checkSesSender(clients, cfg),
    "sms-account": () => checkSmsAccount(clients, cfg, stack, region, tier),
    "sms-destinations": () => checkSmsDestinations(clients, cfg, stack, securePaths, tier),
    "sms-origination": () => checkSmsOrigination(clients, cfg, region),
    "connect-instance": () => checkConnectInstance(clients, cfg, region),
    "connect-number": () => checkConnectNumber(clients, cfg),
    "connect-lambda": () => checkConnectLambda(clients, cfg, stack),
    "connect-mobiles": () => checkConnectMobiles(cfg, securePaths),
  };
  // Independent read-only calls: run them together.
  const checks = await Promise.all(
    ids
      .filter((id): id is Exclude<CheckId, "credentials"> => id !== "credentials")
      .map((id) => guarded(id, run[id])),
  );
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
  let securePaths: readonly string[] = [];
  try {
    const loaded = loadStackConfigFile(file, stack);
    cfg = loaded.config;
    stackRegion = loaded.stackFile.config["aws:region"] || undefined;
    securePaths = loaded.stackFile.securePaths;
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
    outcome = await runChecks(
      opts.makeClients(region.region),
      cfg,
      stack,
      region.region,
      securePaths,
    );
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
