/**
 * `npm run preflight` (cli/preflight.ts, tools/preflight.ts, tools/preflightChecks.ts): the whole
 * tool against aws-sdk-client-mock (one mocked instance per client, reset per test) with a stack file in a temp directory; every
 * check passing; each check failing with its exact message and fix; AccessDenied, throttling,
 * network and missing credentials; `--json` validated against the schema; the CLI spawned for
 * real without credentials (`npm run preflight -- --stack prod`) and with `--help`; the pure
 * decisions table-driven. After each test every SDK input is checked against the API model in
 * aws-models/ (ssm-incidents, ssm-contacts, lambda, sesv2, pinpoint-sms-voice-v2, connect) or, for services without a model in the
 * repository (sts, iam, chatbot), asserted equal to a literal input. Every run asserts that no
 * address, phone number or SSO session name (an e-mail) reaches stdout or stderr.
 *
 * What this spec does NOT prove:
 * - what AWS really answers. The answers are hand-written from the API references (field names
 *   and enums from the models); the error messages (AccessDenied naming the caller's ARN, an
 *   account without Incident Manager) are assumptions, not captured from AWS. In particular:
 *   whether ListReplicationSets answers an empty list or an error in a region outside the
 *   replication set, and whether an account with no replication set answers an error at all.
 * - the request inputs of sts:GetCallerIdentity, iam:GetRole, chatbot:DescribeSlackWorkspaces
 *   and chatbot:ListMicrosoftTeamsConfiguredTeams against an API model: no sts, iam or chatbot
 *   model is in aws-models/ (nor in the shared models); they are asserted as literals only.
 * - that the deployer may call iam:CreateServiceLinkedRole when the role is missing (the tool
 *   only warns), that CloudWatch creates the role at PutMetricAlarm, or that the Chatbot API in
 *   us-east-2 lists the workspaces of an account whose stack is in ap-northeast-1 (the API
 *   reference says configuration data is stored in each Chatbot region).
 * - for backend step-functions: that ACCOUNT_TIER reads "PRODUCTION" out of the sandbox (the API
 *   reference names no values; the tool takes anything else as the sandbox), that GetEmailIdentity
 *   and GetConfigurationSet answer NotFoundException and DescribePools ResourceNotFoundException
 *   for a missing name (from the API references' Errors, not captured), or that a verified
 *   destination number is delivered to (DescribeVerifiedDestinationNumbers only reports it).
 * - serialization, signing, retries and endpoints: aws-sdk-client-mock replaces `send`. Only the
 *   spawned run uses the real SDK (its credential chain, with no credentials to find).
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Writable } from "node:stream";
import {
  ChatbotClient,
  DescribeSlackWorkspacesCommand,
  ListMicrosoftTeamsConfiguredTeamsCommand,
  type DescribeSlackWorkspacesCommandInput,
  type DescribeSlackWorkspacesCommandOutput,
  type ListMicrosoftTeamsConfiguredTeamsCommandInput,
  type ListMicrosoftTeamsConfiguredTeamsCommandOutput,
  type ServiceInputTypes as ChatbotInput,
  type ServiceOutputTypes as ChatbotOutput,
} from "@aws-sdk/client-chatbot";
import {
  GetRoleCommand,
  IAMClient,
  NoSuchEntityException,
  SimulatePrincipalPolicyCommand,
} from "@aws-sdk/client-iam";
import { GetAccountSettingsCommand, LambdaClient } from "@aws-sdk/client-lambda";
import {
  ListContactChannelsCommand,
  ListContactsCommand,
  SSMContactsClient,
  ThrottlingException,
  type ListContactChannelsCommandInput,
  type ListContactChannelsCommandOutput,
  type ListContactsCommandInput,
  type ListContactsCommandOutput,
  type ServiceInputTypes as ContactsInput,
  type ServiceOutputTypes as ContactsOutput,
} from "@aws-sdk/client-ssm-contacts";
import {
  GetReplicationSetCommand,
  ListReplicationSetsCommand,
  SSMIncidentsClient,
  type GetReplicationSetCommandOutput,
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
import { mockClient, type AwsCommand, type AwsStub } from "aws-sdk-client-mock";
import { PREFLIGHT_USAGE, preflightCli } from "../../cli/preflight";
import type { PreflightClients } from "../../tools/preflight";
import {
  REQUIRED_UNRESERVED_CONCURRENCY,
  chatbotRegion,
  exitCodeOf,
  preflightDocumentSchema,
  principalLabel,
  scrubAwsText,
  simulationSource,
  type CheckResult,
  type CheckStatus,
} from "../../tools/preflightChecks";
import { checkOperationInput, type Service } from "../support/apiModel";

/*
 * @aws-sdk/client-ssm-contacts 3.523 and @aws-sdk/client-chatbot 3.670 (the only version on the
 * registry) are declared against older @smithy/types than aws-sdk-client-mock: the runtime
 * objects are compatible, the declarations are not. These casts are the only bridge.
 */
type ContactsCtor<I extends ContactsInput, O extends ContactsOutput> = new (
  input: I,
) => AwsCommand<I, O>;
const ListContacts = ListContactsCommand as unknown as ContactsCtor<
  ListContactsCommandInput,
  ListContactsCommandOutput
>;
const ListContactChannels = ListContactChannelsCommand as unknown as ContactsCtor<
  ListContactChannelsCommandInput,
  ListContactChannelsCommandOutput
>;
type ChatbotCtor<I extends ChatbotInput, O extends ChatbotOutput> = new (
  input: I,
) => AwsCommand<I, O>;
const DescribeSlackWorkspaces = DescribeSlackWorkspacesCommand as unknown as ChatbotCtor<
  DescribeSlackWorkspacesCommandInput,
  DescribeSlackWorkspacesCommandOutput
>;
const ListTeams = ListMicrosoftTeamsConfiguredTeamsCommand as unknown as ChatbotCtor<
  ListMicrosoftTeamsConfiguredTeamsCommandInput,
  ListMicrosoftTeamsConfiguredTeamsCommandOutput
>;

const ROOT = path.join(__dirname, "..", "..");
const ACCOUNT = "123456789012";
const REGION = "ap-northeast-1";
const SESSION = "sato@example.com";
const CALLER = `arn:aws:sts::${ACCOUNT}:assumed-role/AWSReservedSSO_Deployer_0123456789abcdef/${SESSION}`;
const CALLER_ROLE = "AWSReservedSSO_Deployer_0123456789abcdef";
const CALLER_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/${CALLER_ROLE}`;
const SLR_ARN = `arn:aws:iam::${ACCOUNT}:role/aws-service-role/ssm-incidents.alarms.cloudwatch.amazonaws.com/AWSServiceRoleForCloudWatchAlarms_ActionSSMIncidents`;
/** The one simulation the tool may ask for (literal: no IAM model in aws-models/). */
const SIMULATION_INPUT = {
  PolicySourceArn: CALLER_ROLE_ARN,
  ActionNames: ["iam:CreateServiceLinkedRole"],
  ResourceArns: [SLR_ARN],
  ContextEntries: [
    {
      ContextKeyName: "iam:AWSServiceName",
      ContextKeyType: "string",
      ContextKeyValues: ["ssm-incidents.alarms.cloudwatch.amazonaws.com"],
    },
  ],
};
const RS_ARN = `arn:aws:ssm-incidents::${ACCOUNT}:replication-set/40bd98f0-4110-2dee-b35e-b87006f9e172`;
const SLACK_TEAM = "T0123ABCD";
const TEAMS = {
  tenantId: "11111111-2222-4333-8444-555555555555",
  teamId: "66666666-7777-4888-9999-000000000000",
};
const contactArn = (alias: string) => `arn:aws:ssm-contacts:${REGION}:${ACCOUNT}:contact/${alias}`;
const channelArn = (alias: string, n: number) =>
  `arn:aws:ssm-contacts:${REGION}:${ACCOUNT}:contact-channel/${alias}/0a1b2c3d-0000-4000-8000-00000000000${n}`;

const SATO_EMAIL = "sato@example.com";
const SATO_PHONE = "+819000000001";
const SUZUKI_EMAIL = "suzuki@example.com";
/** Strings that must never appear in any output. */
const NEVER_PRINTED = [SATO_EMAIL, SATO_PHONE, SATO_PHONE.slice(1), SUZUKI_EMAIL, SESSION];

const STACK_PROD = `config:
  aws:region: ${REGION}
  incident-escalation:incidentManager:
    replicationSet: existing
  incident-escalation:contacts:
    - alias: sato
      displayName: Sato Hanako
      email: ${SATO_EMAIL}
      phone: "${SATO_PHONE}"
      engagement:
        - { after: 0, via: [email] }
        - { after: 10, via: [sms] }
    - alias: suzuki
      displayName: Suzuki Ichiro
      email: ${SUZUKI_EMAIL}
      engagement:
        - { after: 0, via: [email] }
  incident-escalation:escalation:
    - { engage: [sato, suzuki], minutes: 15 }
  incident-escalation:levels:
    critical: { impact: 1, page: true }
  incident-escalation:notifications:
    slack: { teamId: ${SLACK_TEAM}, channelId: C0123ABCD }
`;

/** Collects everything written to it. */
class Sink extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const META = { httpStatusCode: 400, requestId: "req-1", attempts: 3, totalRetryDelay: 900 };

/** An AWS error as the SDK's deserializer shapes it (name, message, $metadata). */
function awsError(name: string, message: string, httpStatusCode = 400): Error {
  const err = new Error(message) as Error & { $metadata: object; $fault: string };
  err.name = name;
  err.$metadata = { ...META, httpStatusCode };
  err.$fault = "client";
  return err;
}

function replicationSet(
  status: string,
  regions: Record<string, string>,
): GetReplicationSetCommandOutput {
  const when = new Date("2024-04-01T00:00:00Z");
  return {
    $metadata: {},
    replicationSet: {
      arn: RS_ARN,
      createdBy: `arn:aws:iam::${ACCOUNT}:role/Admin`,
      createdTime: when,
      deletionProtected: true,
      lastModifiedBy: `arn:aws:iam::${ACCOUNT}:role/Admin`,
      lastModifiedTime: when,
      status: status as "ACTIVE",
      regionMap: Object.fromEntries(
        Object.entries(regions).map(([r, s]) => [
          r,
          { status: s as "ACTIVE", statusUpdateDateTime: when },
        ]),
      ),
    },
  };
}

let stackDir = "";

describe("npm run preflight (cli/preflight.ts, tools/preflight.ts)", () => {
  const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };
  const clients: PreflightClients = {
    sts: new STSClient({ region: REGION, credentials }),
    incidents: new SSMIncidentsClient({ region: REGION, credentials }),
    contacts: new SSMContactsClient({ region: REGION, credentials }),
    lambda: new LambdaClient({ region: REGION, credentials }),
    iam: new IAMClient({ region: REGION, credentials }),
    chatbot: new ChatbotClient({ region: "us-east-2", credentials }),
    ses: new SESv2Client({ region: REGION, credentials }),
    sms: new PinpointSMSVoiceV2Client({ region: REGION, credentials }),
    connect: new ConnectClient({ region: REGION, credentials }),
  };
  /*
   * One mock per client instance (not per prototype), created when this suite starts (not when
   * the file loads): drill.spec.ts mocks the ssm-contacts and ssm-incidents prototypes for the
   * whole run, and an instance mock made before its tests would find their stub underneath.
   */
  const mockAll = () => ({
    sts: mockClient(clients.sts),
    incidents: mockClient(clients.incidents),
    lambda: mockClient(clients.lambda),
    iam: mockClient(clients.iam),
    contacts: mockClient(
      clients.contacts as unknown as Parameters<typeof mockClient>[0],
    ) as unknown as AwsStub<ContactsInput, ContactsOutput, unknown>,
    chatbot: mockClient(
      clients.chatbot as unknown as Parameters<typeof mockClient>[0],
    ) as unknown as AwsStub<ChatbotInput, ChatbotOutput, unknown>,
    ses: mockClient(clients.ses),
    sms: mockClient(clients.sms),
    connect: mockClient(clients.connect),
  });
  let sts: ReturnType<typeof mockAll>["sts"];
  let incidents: ReturnType<typeof mockAll>["incidents"];
  let lambda: ReturnType<typeof mockAll>["lambda"];
  let iam: ReturnType<typeof mockAll>["iam"];
  let contacts: ReturnType<typeof mockAll>["contacts"];
  let chatbot: ReturnType<typeof mockAll>["chatbot"];
  let ses: ReturnType<typeof mockAll>["ses"];
  let sms: ReturnType<typeof mockAll>["sms"];
  let connect: ReturnType<typeof mockAll>["connect"];
  interface AnyStub {
    reset(): unknown;
    restore(): void;
    calls(): { args: unknown[] }[];
  }
  const stubs = (): [Service | "sts" | "iam" | "chatbot", AnyStub][] => [
    ["sts", sts],
    ["ssm-incidents", incidents],
    ["lambda", lambda],
    ["iam", iam],
    ["ssm-contacts", contacts],
    ["chatbot", chatbot],
    ["sesv2", ses],
    ["pinpoint-sms-voice-v2", sms],
    ["connect", connect],
  ];

  /** Every call made, as "service:Operation" and its input, in service order. */
  function calls(): { op: string; input: object }[] {
    return stubs().flatMap(([service, stub]) =>
      stub.calls().map((c) => {
        const command = c.args[0] as { constructor: { name: string }; input: object };
        return {
          op: `${service}:${command.constructor.name.replace(/Command$/, "")}`,
          input: command.input,
        };
      }),
    );
  }

  /** Inputs of the services without a model in aws-models/: the only ones the tool may send. */
  const LITERAL_INPUTS: Record<string, object[]> = {
    "sts:GetCallerIdentity": [{}],
    "iam:GetRole": [
      { RoleName: "AWSServiceRoleForCloudWatchAlarms_ActionSSMIncidents" },
      { RoleName: CALLER_ROLE },
    ],
    "iam:SimulatePrincipalPolicy": [SIMULATION_INPUT],
    "chatbot:DescribeSlackWorkspaces": [{}, { NextToken: "page-2" }],
    "chatbot:ListMicrosoftTeamsConfiguredTeams": [{}],
  };

  interface Run {
    code: number;
    stdout: string;
    stderr: string;
    regions: string[];
  }

  async function run(
    argv: readonly string[],
    env: Record<string, string | undefined> = {},
  ): Promise<Run> {
    const stdout = new Sink();
    const stderr = new Sink();
    const regions: string[] = [];
    const code = await preflightCli({
      argv,
      root: stackDir,
      env,
      stdout,
      stderr,
      makeClients: (region) => {
        regions.push(region);
        return clients;
      },
    });
    for (const [stream, text] of [
      ["stdout", stdout.text],
      ["stderr", stderr.text],
    ]) {
      for (const s of NEVER_PRINTED) assert.ok(!text.includes(s), `${stream} leaks ${s}:\n${text}`);
    }
    return { code, stdout: stdout.text, stderr: stderr.text, regions };
  }

  /** Runs with --json, validates the document, returns it. */
  async function runJson(argv: readonly string[] = ["--stack", "prod"]) {
    const r = await run([...argv, "--json"]);
    assert.equal(r.stderr, "");
    const doc = preflightDocumentSchema.parse(JSON.parse(r.stdout));
    assert.equal(doc.exitCode, r.code);
    return doc;
  }

  const byId = (checks: readonly CheckResult[], id: string): CheckResult => {
    const found = checks.find((c) => c.id === id);
    assert.ok(found, `no check ${id}`);
    return found;
  };
  /** A check's status, summary and fix. */
  const verdictOf = (doc: { checks: readonly CheckResult[] }, id: string) => {
    const c = byId(doc.checks, id);
    return [c.status, c.summary, c.fix];
  };
  /** A check's status, summary and the permission it names as missing. */
  const deniedOf = (doc: { checks: readonly CheckResult[] }, id: string) => {
    const c = byId(doc.checks, id);
    return [c.status, c.summary, c.missingPermission];
  };
  /** AccessDenied as IAM words it for this spec's caller on `action` (HTTP 403). */
  const accessDenied = (action: string, name = "AccessDeniedException") =>
    awsError(name, `User: ${CALLER} is not authorized to perform: ${action}`, 403);

  before(() => {
    ({ sts, incidents, lambda, iam, contacts, chatbot, ses, sms, connect } = mockAll());
    stackDir = mkdtempSync(path.join(os.tmpdir(), "preflight-spec-"));
    writeFileSync(path.join(stackDir, "Pulumi.prod.yaml"), STACK_PROD);
    writeFileSync(
      path.join(stackDir, "Pulumi.dev.yaml"),
      STACK_PROD.replace(
        "    replicationSet: existing\n",
        `    replicationSet:\n      regions: [${REGION}]\n`,
      ),
    );
    writeFileSync(
      path.join(stackDir, "Pulumi.teams.yaml"),
      STACK_PROD.replace(
        `    slack: { teamId: ${SLACK_TEAM}, channelId: C0123ABCD }\n`,
        `    teams: { tenantId: ${TEAMS.tenantId}, teamId: ${TEAMS.teamId}, channelId: "19:abc@thread.tacv2" }\n`,
      ),
    );
    writeFileSync(
      path.join(stackDir, "Pulumi.quiet.yaml"),
      STACK_PROD.replace("critical: { impact: 1, page: true }", "info: { impact: 5, page: false }")
        .replace(`  incident-escalation:notifications:\n`, "")
        .replace(`    slack: { teamId: ${SLACK_TEAM}, channelId: C0123ABCD }\n`, ""),
    );
    writeFileSync(
      path.join(stackDir, "Pulumi.noregion.yaml"),
      STACK_PROD.replace(`  aws:region: ${REGION}\n`, ""),
    );
    writeFileSync(
      path.join(stackDir, "Pulumi.placeholder.yaml"),
      STACK_PROD.replace(SLACK_TEAM, "T0000000000"),
    );
  });

  after(() => {
    for (const [, stub] of stubs()) stub.restore();
    rmSync(stackDir, { recursive: true, force: true });
  });

  /** The happy account: onboarded, room for the router, workspace authorised, role, channels. */
  beforeEach(() => {
    for (const [, stub] of stubs()) stub.reset();
    sts.on(GetCallerIdentityCommand).resolves({
      Account: ACCOUNT,
      Arn: CALLER,
      UserId: `AROAEXAMPLE:${SESSION}`,
    });
    incidents.on(ListReplicationSetsCommand).resolves({ replicationSetArns: [RS_ARN] });
    incidents
      .on(GetReplicationSetCommand)
      .resolves(replicationSet("ACTIVE", { [REGION]: "ACTIVE", "ap-northeast-3": "ACTIVE" }));
    lambda.on(GetAccountSettingsCommand).resolves({
      AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 990 },
    });
    iam.on(GetRoleCommand).resolves({
      Role: {
        Path: "/aws-service-role/ssm-incidents.alarms.cloudwatch.amazonaws.com/",
        RoleName: "AWSServiceRoleForCloudWatchAlarms_ActionSSMIncidents",
        RoleId: "AROAEXAMPLE2",
        Arn: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/ssm-incidents.alarms.cloudwatch.amazonaws.com/AWSServiceRoleForCloudWatchAlarms_ActionSSMIncidents`,
        CreateDate: new Date("2024-04-01T00:00:00Z"),
      },
    });
    chatbot
      .on(DescribeSlackWorkspaces)
      .resolves({ SlackWorkspaces: [{ SlackTeamId: SLACK_TEAM, SlackTeamName: "Example" }] });
    chatbot.on(ListTeams).resolves({
      $metadata: {},
      ConfiguredTeams: [{ TenantId: TEAMS.tenantId, TeamId: TEAMS.teamId }],
    });
    contacts.on(ListContacts).resolves({
      $metadata: {},
      Contacts: ["ie-prod-sato", "ie-prod-suzuki"].map((alias) => ({
        Alias: alias,
        ContactArn: contactArn(alias),
        Type: "PERSONAL" as const,
      })),
    });
    const channel = (alias: string, n: number, kind: "email" | "sms", address: string) => ({
      ContactArn: contactArn(alias),
      ContactChannelArn: channelArn(alias, n),
      Name: `${alias}-${kind}`,
      Type: kind === "email" ? ("EMAIL" as const) : ("SMS" as const),
      DeliveryAddress: { SimpleAddress: address },
      ActivationStatus: "ACTIVATED" as const,
    });
    contacts
      .on(ListContactChannels, { ContactId: contactArn("ie-prod-sato") })
      .resolves({
        $metadata: {},
        ContactChannels: [
          channel("ie-prod-sato", 1, "email", SATO_EMAIL),
          channel("ie-prod-sato", 2, "sms", SATO_PHONE),
        ],
      })
      .on(ListContactChannels, { ContactId: contactArn("ie-prod-suzuki") })
      .resolves({
        $metadata: {},
        ContactChannels: [channel("ie-prod-suzuki", 3, "email", SUZUKI_EMAIL)],
      });
  });

  afterEach(() => {
    for (const c of calls()) {
      const [service, op] = c.op.split(":");
      if (service === "sts" || service === "iam" || service === "chatbot") {
        assert.ok(
          (LITERAL_INPUTS[c.op] ?? []).some((allowed) => {
            try {
              assert.deepEqual(c.input, allowed);
              return true;
            } catch {
              return false;
            }
          }),
          `${c.op} sent ${JSON.stringify(c.input)}`,
        );
      } else {
        assert.deepEqual(checkOperationInput(service as Service, op, c.input), [], c.op);
      }
    }
  });

  const HAPPY_CALLS = [
    { op: "sts:GetCallerIdentity", input: {} },
    { op: "ssm-incidents:ListReplicationSets", input: {} },
    { op: "ssm-incidents:GetReplicationSet", input: { arn: RS_ARN } },
    { op: "lambda:GetAccountSettings", input: {} },
    {
      op: "iam:GetRole",
      input: { RoleName: "AWSServiceRoleForCloudWatchAlarms_ActionSSMIncidents" },
    },
    { op: "ssm-contacts:ListContacts", input: { AliasPrefix: "ie-prod-", Type: "PERSONAL" } },
    { op: "ssm-contacts:ListContactChannels", input: { ContactId: contactArn("ie-prod-sato") } },
    { op: "ssm-contacts:ListContactChannels", input: { ContactId: contactArn("ie-prod-suzuki") } },
    { op: "chatbot:DescribeSlackWorkspaces", input: {} },
  ];

  describe("every check passing", () => {
    it("prints the report, exits 0, and makes only the read-only calls listed", async () => {
      const r = await run(["--stack", "prod"]);
      assert.equal(r.code, 0);
      assert.equal(r.stderr, "");
      assert.deepEqual(r.regions, [REGION]);
      assert.deepEqual(calls(), HAPPY_CALLS);
      assert.equal(
        r.stdout,
        "Preflight for stack prod in ap-northeast-1 (the stack's aws:region), account 123456789012\n" +
          "\n" +
          "PASS          AWS credentials: account 123456789012, assumed role AWSReservedSSO_Deployer_0123456789abcdef, region ap-northeast-1\n" +
          "PASS          Incident Manager replication set: the account is onboarded; its replication set is ACTIVE and includes ap-northeast-1\n" +
          "              replication set ACTIVE; regions: ap-northeast-1 ACTIVE, ap-northeast-3 ACTIVE\n" +
          "PASS          Lambda concurrency: 990 unreserved concurrent executions in ap-northeast-1 (the stack needs 10)\n" +
          "              account concurrency quota 1000, unreserved 990, the stack needs 10 unreserved\n" +
          "PASS          AWS Chatbot workspace: Slack workspace T0123ABCD is authorised\n" +
          "PASS          CloudWatch's Incident Manager service-linked role: AWSServiceRoleForCloudWatchAlarms_ActionSSMIncidents exists\n" +
          "PASS          contact channel activation: all 3 existing contact channel(s) are ACTIVATED\n" +
          "              ie-prod-sato-email EMAIL ACTIVATED\n" +
          "              ie-prod-sato-sms SMS ACTIVATED\n" +
          "              ie-prod-suzuki-email EMAIL ACTIVATED\n" +
          "\n" +
          "No problems found. 6 passed, 0 warning(s), 0 failed, 0 could not run, 0 skipped (exit 0).\n",
      );
    });

    it("--json: one document that the schema accepts, with every check and the exit code", async () => {
      const doc = await runJson();
      assert.deepEqual(
        { ...doc, checks: doc.checks.map((c) => [c.id, c.status]) },
        {
          stack: "prod",
          region: REGION,
          regionSource: "the stack's aws:region",
          account: ACCOUNT,
          exitCode: 0,
          checks: [
            ["credentials", "pass"],
            ["incident-manager", "pass"],
            ["lambda-concurrency", "pass"],
            ["chat-workspace", "pass"],
            ["alarm-role", "pass"],
            ["contact-channels", "pass"],
          ],
        },
      );
      assert.deepEqual(byId(doc.checks, "lambda-concurrency"), {
        id: "lambda-concurrency",
        title: "Lambda concurrency",
        status: "pass",
        summary: "990 unreserved concurrent executions in ap-northeast-1 (the stack needs 10)",
        details: ["account concurrency quota 1000, unreserved 990, the stack needs 10 unreserved"],
      });
    });

    it("a Teams stack checks ListMicrosoftTeamsConfiguredTeams (tenant and team must both match)", async () => {
      const doc = await runJson(["--stack", "teams"]);
      assert.deepEqual(byId(doc.checks, "chat-workspace"), {
        id: "chat-workspace",
        title: "AWS Chatbot workspace",
        status: "pass",
        summary: "Microsoft Teams team 66666666-7777-4888-9999-000000000000 is authorised",
        details: [],
      });
      assert.deepEqual(
        calls().filter((c) => c.op.startsWith("chatbot:")),
        [{ op: "chatbot:ListMicrosoftTeamsConfiguredTeams", input: {} }],
      );
    });

    it("a stack without chat and without paging levels skips those two checks (no Chatbot or IAM call)", async () => {
      const doc = await runJson(["--stack", "quiet"]);
      assert.equal(doc.exitCode, 0);
      assert.deepEqual(byId(doc.checks, "chat-workspace").status, "skipped");
      assert.deepEqual(
        byId(doc.checks, "alarm-role").summary,
        "no level pages (page: true): the stack has no alarm action that starts an incident",
      );
      assert.ok(!calls().some((c) => c.op.startsWith("chatbot:") || c.op.startsWith("iam:")));
    });

    it("--region overrides aws:region; AWS_REGION is used only when the stack has no aws:region", async () => {
      const flag = await run(["--stack", "prod", "--region", "ap-northeast-3"], {
        AWS_REGION: "us-west-2",
      });
      assert.deepEqual(flag.regions, ["ap-northeast-3"]);
      assert.ok(flag.stdout.startsWith("Preflight for stack prod in ap-northeast-3 (--region)"));
      const env = await run(["--stack", "noregion"], { AWS_REGION: "us-west-2" });
      assert.deepEqual(env.regions, ["us-west-2"]);
      assert.ok(env.stdout.startsWith("Preflight for stack noregion in us-west-2 (AWS_REGION)"));
      const stack = await run(["--stack", "prod"], { AWS_REGION: "us-west-2" });
      assert.deepEqual(stack.regions, [REGION]);
      assert.equal(
        stack.stderr,
        "note: AWS_REGION=us-west-2 is ignored: the stack deploys to aws:region ap-northeast-1; " +
          "pass --region to override\n",
      );
    });

    it("follows NextToken: the workspace on the second DescribeSlackWorkspaces page counts", async () => {
      chatbot
        .on(DescribeSlackWorkspaces)
        .resolves({
          SlackWorkspaces: [{ SlackTeamId: "TOTHER01", SlackTeamName: "Other" }],
          NextToken: "page-2",
        })
        .on(DescribeSlackWorkspaces, { NextToken: "page-2" })
        .resolves({ SlackWorkspaces: [{ SlackTeamId: SLACK_TEAM, SlackTeamName: "Example" }] });
      const doc = await runJson();
      assert.equal(byId(doc.checks, "chat-workspace").status, "pass");
      assert.deepEqual(
        calls().filter((c) => c.op === "chatbot:DescribeSlackWorkspaces"),
        [
          { op: "chatbot:DescribeSlackWorkspaces", input: {} },
          { op: "chatbot:DescribeSlackWorkspaces", input: { NextToken: "page-2" } },
        ],
      );
    });
  });

  describe("each check failing: exact message and fix", () => {
    async function failing(argv: readonly string[], id: string): Promise<CheckResult> {
      const doc = await runJson(argv);
      const check = byId(doc.checks, id);
      assert.equal(doc.exitCode, check.status === "fail" ? 1 : doc.exitCode);
      return check;
    }

    it("replication set: none visible (existing) — not onboarded, cannot onboard since 2025-11-07", async () => {
      incidents.on(ListReplicationSetsCommand).resolves({ replicationSetArns: [] });
      const c = await failing(["--stack", "prod"], "incident-manager");
      assert.deepEqual(c, {
        id: "incident-manager",
        title: "Incident Manager replication set",
        status: "fail",
        summary:
          "no Incident Manager replication set is visible from ap-northeast-1: this account is not " +
          "onboarded to Incident Manager (or its replication set does not answer in this region). " +
          "Incident Manager has been closed to new customers since 2025-11-07: an account that is " +
          "not onboarded (has no replication set) cannot onboard any more; onboarded accounts keep it.",
        fix:
          "Check that the credentials are for the onboarded account and that the stack's region " +
          "(aws:region, or --region) is one of its replication set's regions; an account that was " +
          "never onboarded cannot deploy this stack.",
        details: [],
      });
      assert.ok(!calls().some((x) => x.op === "ssm-incidents:GetReplicationSet"));
    });

    it("replication set: an error naming the replication set counts as not onboarded", async () => {
      incidents
        .on(ListReplicationSetsCommand)
        .rejects(awsError("ValidationException", "No replication set found for this account"));
      const c = await failing(["--stack", "prod"], "incident-manager");
      assert.equal(c.status, "fail");
      assert.ok(c.summary.startsWith("no Incident Manager replication set is visible"));
    });

    it("replication set: does not include the stack's region", async () => {
      incidents
        .on(GetReplicationSetCommand)
        .resolves(replicationSet("ACTIVE", { "us-east-1": "ACTIVE", "us-west-2": "ACTIVE" }));
      const c = await failing(["--stack", "prod"], "incident-manager");
      assert.deepEqual(c, {
        id: "incident-manager",
        title: "Incident Manager replication set",
        status: "fail",
        summary:
          "the replication set does not include ap-northeast-1 (it has us-east-1, us-west-2): " +
          "Incident Manager resources of this stack cannot be created in ap-northeast-1.",
        fix:
          "Add ap-northeast-1 to the replication set (Incident Manager console → Settings → Add " +
          "Region, or ssm-incidents UpdateReplicationSet with an addRegionAction), or deploy the " +
          "stack to one of its regions (aws:region).",
        details: ["replication set ACTIVE; regions: us-east-1 ACTIVE, us-west-2 ACTIVE"],
      });
    });

    it("replication set: not ACTIVE (UPDATING), and the region not ACTIVE (CREATING)", async () => {
      incidents
        .on(GetReplicationSetCommand)
        .resolves(replicationSet("UPDATING", { [REGION]: "ACTIVE" }));
      const set = await failing(["--stack", "prod"], "incident-manager");
      assert.equal(
        set.summary,
        "the replication set is UPDATING, not ACTIVE: Incident Manager resources cannot be created until it is.",
      );
      assert.equal(
        set.fix,
        "Wait until the replication set is ACTIVE (Incident Manager console → Settings), then run preflight again.",
      );
      incidents
        .on(GetReplicationSetCommand)
        .resolves(replicationSet("ACTIVE", { [REGION]: "CREATING", "us-east-1": "ACTIVE" }));
      const region = await failing(["--stack", "prod"], "incident-manager");
      assert.equal(
        region.summary,
        "ap-northeast-1 is in the replication set but CREATING, not ACTIVE.",
      );
      assert.equal(
        region.fix,
        "Wait until ap-northeast-1 is ACTIVE in the replication set, then run preflight again.",
      );
    });

    it("replication set: the config creates one but the account already has one", async () => {
      const c = await failing(["--stack", "dev"], "incident-manager");
      assert.deepEqual(c, {
        id: "incident-manager",
        title: "Incident Manager replication set",
        status: "fail",
        summary:
          "the stack config creates a replication set (incidentManager.replicationSet.regions: " +
          "ap-northeast-1), but this account already has one, and an account can have only one: " +
          "`pulumi up` would fail, and every Incident Manager resource depends on it.",
        fix:
          'Set incident-escalation:incidentManager.replicationSet to "existing" in the stack config ' +
          "(the existing replication set must include the stack's region).",
        details: ["replication set ACTIVE; regions: ap-northeast-1 ACTIVE, ap-northeast-3 ACTIVE"],
      });
    });

    it("replication set: the config creates one in an account without one — it cannot onboard", async () => {
      incidents.on(ListReplicationSetsCommand).resolves({ replicationSetArns: [] });
      const c = await failing(["--stack", "dev"], "incident-manager");
      assert.deepEqual(c, {
        id: "incident-manager",
        title: "Incident Manager replication set",
        status: "fail",
        summary:
          "the stack config creates a replication set (incidentManager.replicationSet.regions: " +
          "ap-northeast-1), but Incident Manager has been closed to new customers since 2025-11-07: " +
          "an account that is not onboarded (has no replication set) cannot onboard any more; " +
          "onboarded accounts keep it.",
        fix:
          "Deploy to an account that is already onboarded to Incident Manager (check the account id " +
          'in the credentials check), with incidentManager.replicationSet set to "existing".',
        details: [],
      });
    });

    it("Lambda: fewer unreserved concurrent executions than the router needs (a new account's 10, 5 reserved)", async () => {
      lambda.on(GetAccountSettingsCommand).resolves({
        AccountLimit: { ConcurrentExecutions: 10, UnreservedConcurrentExecutions: 5 },
      });
      const c = await failing(["--stack", "prod"], "lambda-concurrency");
      assert.deepEqual(c, {
        id: "lambda-concurrency",
        title: "Lambda concurrency",
        status: "fail",
        summary:
          "only 5 unreserved concurrent executions in ap-northeast-1; the router needs 10: pages " +
          "would queue behind other functions or be throttled.",
        fix:
          'Request an increase of "Concurrent executions" for AWS Lambda in ap-northeast-1 ' +
          "(Service Quotas, quota code L-B99A9384) so that at least 10 stay unreserved, or lower " +
          "the reserved concurrency of other functions in the account.",
        details: ["account concurrency quota 10, unreserved 5, the stack needs 10 unreserved"],
      });
      assert.equal(REQUIRED_UNRESERVED_CONCURRENCY, 10);
    });

    it("Chatbot: the Slack workspace is not authorised (and the example's placeholder is named)", async () => {
      chatbot.on(DescribeSlackWorkspaces).resolves({ SlackWorkspaces: [] });
      const c = await failing(["--stack", "placeholder"], "chat-workspace");
      assert.deepEqual(c, {
        id: "chat-workspace",
        title: "AWS Chatbot workspace",
        status: "fail",
        summary:
          "Slack workspace T0000000000 is not authorised with AWS Chatbot in this account " +
          "(T0000000000 is the example stack's placeholder, not a real workspace) (authorised: " +
          "none): `pulumi up` would fail to create the chat channel configuration.",
        fix:
          "In the AWS Chatbot console (Amazon Q Developer in chat applications), configure a new " +
          "Slack client and allow the workspace, then set notifications.slack.teamId to the " +
          "workspace ID it shows (and channelId to the channel's ID).",
        details: [],
      });
    });

    it("Chatbot: the Teams team is authorised in another tenant only", async () => {
      chatbot.on(ListTeams).resolves({
        ConfiguredTeams: [
          { TenantId: "aaaaaaaa-2222-4333-8444-555555555555", TeamId: TEAMS.teamId },
        ],
      });
      const c = await failing(["--stack", "teams"], "chat-workspace");
      assert.equal(
        c.summary,
        "Microsoft Teams team 66666666-7777-4888-9999-000000000000 (tenant " +
          "11111111-2222-4333-8444-555555555555) is not authorised with AWS Chatbot in this " +
          "account: `pulumi up` would fail to create the chat channel configuration.",
      );
      assert.equal(
        c.fix,
        "In the AWS Chatbot console, configure a new Microsoft Teams client for the team, then " +
          "set notifications.teams.tenantId and teamId to the ids it shows.",
      );
    });

    /** CloudWatch's role is missing; the caller's own role resolves; the simulation answers. */
    function roleMissing(simulation: "allowed" | "implicitDeny" | Error): void {
      iam
        .on(GetRoleCommand, { RoleName: "AWSServiceRoleForCloudWatchAlarms_ActionSSMIncidents" })
        .rejects(
          new NoSuchEntityException({
            message:
              "The role with name AWSServiceRoleForCloudWatchAlarms_ActionSSMIncidents cannot be found.",
            $metadata: { httpStatusCode: 404 },
          }),
        )
        .on(GetRoleCommand, { RoleName: CALLER_ROLE })
        .resolves({
          Role: {
            Path: "/aws-reserved/sso.amazonaws.com/",
            RoleName: CALLER_ROLE,
            RoleId: "AROAEXAMPLE3",
            Arn: CALLER_ROLE_ARN,
            CreateDate: new Date("2024-04-01T00:00:00Z"),
          },
        });
      const sim = iam.on(SimulatePrincipalPolicyCommand);
      if (simulation instanceof Error) sim.rejects(simulation);
      else {
        sim.resolves({
          EvaluationResults: [
            {
              EvalActionName: "iam:CreateServiceLinkedRole",
              EvalResourceName: SLR_ARN,
              EvalDecision: simulation,
            },
          ],
          IsTruncated: false,
        });
      }
    }

    const SLR_FIX =
      "Allow the deployer iam:CreateServiceLinkedRole for " +
      "ssm-incidents.alarms.cloudwatch.amazonaws.com: " +
      '{"Effect":"Allow","Action":"iam:CreateServiceLinkedRole","Resource":' +
      '"arn:aws:iam::123456789012:role/aws-service-role/ssm-incidents.alarms.cloudwatch.amazonaws.com/AWSServiceRoleForCloudWatchAlarms_ActionSSMIncidents",' +
      '"Condition":{"StringEquals":{"iam:AWSServiceName":"ssm-incidents.alarms.cloudwatch.amazonaws.com"}}} ' +
      "(or create the role once: aws iam create-service-linked-role --aws-service-name " +
      "ssm-incidents.alarms.cloudwatch.amazonaws.com).";
    const ABSENT =
      "AWSServiceRoleForCloudWatchAlarms_ActionSSMIncidents does not exist yet: CloudWatch " +
      "creates it when `pulumi up` creates the first alarm that starts an incident, with the " +
      "deployer's permissions";

    it("service-linked role missing, caller may create it (simulated for the caller's role, with its path): pass", async () => {
      roleMissing("allowed");
      const doc = await runJson();
      assert.equal(doc.exitCode, 0);
      assert.deepEqual(byId(doc.checks, "alarm-role"), {
        id: "alarm-role",
        title: "CloudWatch's Incident Manager service-linked role",
        status: "pass",
        summary:
          `${ABSENT}; assumed role AWSReservedSSO_Deployer_0123456789abcdef may create it ` +
          "(iam:CreateServiceLinkedRole allowed in an IAM policy simulation).",
        details: [
          "if `pulumi up` runs as another identity, that identity needs the same permission",
        ],
      });
      assert.deepEqual(
        calls().filter((c) => c.op.startsWith("iam:")),
        [
          {
            op: "iam:GetRole",
            input: { RoleName: "AWSServiceRoleForCloudWatchAlarms_ActionSSMIncidents" },
          },
          { op: "iam:GetRole", input: { RoleName: CALLER_ROLE } },
          { op: "iam:SimulatePrincipalPolicy", input: SIMULATION_INPUT },
        ],
      );
    });

    it("service-linked role missing and the caller may not create it (implicitDeny): fail with the statement to grant", async () => {
      roleMissing("implicitDeny");
      const doc = await runJson();
      assert.equal(doc.exitCode, 1);
      assert.deepEqual(byId(doc.checks, "alarm-role"), {
        id: "alarm-role",
        title: "CloudWatch's Incident Manager service-linked role",
        status: "fail",
        summary:
          `${ABSENT}, and assumed role AWSReservedSSO_Deployer_0123456789abcdef may not create ` +
          "it (IAM policy simulation of iam:CreateServiceLinkedRole: implicitDeny): that alarm " +
          "would fail and the fail-safe would not be deployed.",
        fix: SLR_FIX,
        details: [],
      });
    });

    it("service-linked role missing and the simulation is not allowed: a warning (exit 0) naming the missing permission", async () => {
      roleMissing(accessDenied("iam:SimulatePrincipalPolicy", "AccessDenied"));
      const doc = await runJson();
      assert.equal(doc.exitCode, 0);
      assert.deepEqual(byId(doc.checks, "alarm-role"), {
        id: "alarm-role",
        title: "CloudWatch's Incident Manager service-linked role",
        status: "warn",
        summary:
          `${ABSENT}; without iam:CreateServiceLinkedRole that alarm fails and the fail-safe is ` +
          "not deployed.",
        fix: SLR_FIX,
        details: [
          "whether the caller may create it is unknown: could not simulate: missing permission " +
            "iam:SimulatePrincipalPolicy",
        ],
      });
    });

    it("channels NOT_ACTIVATED: a warning naming them (never their addresses), fixed by npm run activate", async () => {
      contacts.on(ListContactChannels, { ContactId: contactArn("ie-prod-sato") }).resolves({
        $metadata: {},
        ContactChannels: [
          {
            ContactArn: contactArn("ie-prod-sato"),
            ContactChannelArn: channelArn("ie-prod-sato", 2),
            Name: "ie-prod-sato-sms",
            Type: "SMS",
            DeliveryAddress: { SimpleAddress: SATO_PHONE },
            ActivationStatus: "NOT_ACTIVATED",
          },
        ],
      });
      const r = await run(["--stack", "prod"]);
      assert.equal(r.code, 0);
      assert.ok(
        r.stdout.includes(
          "WARN          contact channel activation: 1 of 2 contact channel(s) are not ACTIVATED and page nobody: ie-prod-sato-sms\n" +
            "              ie-prod-sato-sms SMS NOT_ACTIVATED\n" +
            "              ie-prod-suzuki-email EMAIL ACTIVATED\n" +
            "              fix: Run `npm run activate -- --stack prod` and enter the codes sent to the devices.\n",
        ),
        r.stdout,
      );
    });

    it("no contact deployed yet (first deployment): passes, saying channels will need activation", async () => {
      contacts.on(ListContacts).resolves({ $metadata: {}, Contacts: [] });
      const doc = await runJson();
      assert.deepEqual(byId(doc.checks, "contact-channels"), {
        id: "contact-channels",
        title: "contact channel activation",
        status: "pass",
        summary:
          "no contact of this stack exists yet (first deployment): `pulumi up` creates the " +
          "channels NOT_ACTIVATED; activate them afterwards with `npm run activate -- --stack prod`",
        details: ["not deployed yet (created by pulumi up): ie-prod-sato, ie-prod-suzuki"],
      });
    });
  });

  describe("checks that cannot run", () => {
    it("AccessDenied: 'cannot check X: missing permission Y', exit 2, the caller's session name scrubbed", async () => {
      lambda
        .on(GetAccountSettingsCommand)
        .rejects(
          awsError(
            "AccessDeniedException",
            `User: ${CALLER} is not authorized to perform: lambda:GetAccountSettings on resource: * because no identity-based policy allows the lambda:GetAccountSettings action`,
            403,
          ),
        );
      const doc = await runJson();
      assert.equal(doc.exitCode, 2);
      assert.deepEqual(byId(doc.checks, "lambda-concurrency"), {
        id: "lambda-concurrency",
        title: "Lambda concurrency",
        status: "cannot-check",
        summary: "cannot check Lambda concurrency: missing permission lambda:GetAccountSettings",
        fix:
          'Allow "lambda:GetAccountSettings" for the identity that runs preflight and `pulumi up` ' +
          "(and check that no SCP or permissions boundary denies it), then run preflight again.",
        missingPermission: "lambda:GetAccountSettings",
        details: [
          "AWS said: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/" +
            "AWSReservedSSO_Deployer_0123456789abcdef/… is not authorized to perform: " +
            "lambda:GetAccountSettings on resource: * because no identity-based policy allows " +
            "the lambda:GetAccountSettings action",
        ],
      });
      // Every other check still ran and passed.
      assert.deepEqual(
        doc.checks.filter((c) => c.status !== "pass").map((c) => c.id),
        ["lambda-concurrency"],
      );
    });

    it("AccessDenied on one check and a problem found by another: exit 1 (the problem wins)", async () => {
      iam
        .on(GetRoleCommand)
        .rejects(awsError("AccessDenied", "User is not authorized to perform: iam:GetRole", 403));
      chatbot.on(DescribeSlackWorkspaces).resolves({ SlackWorkspaces: [] });
      const doc = await runJson();
      assert.equal(doc.exitCode, 1);
      assert.equal(
        byId(doc.checks, "alarm-role").summary,
        "cannot check CloudWatch's Incident Manager service-linked role: missing permission iam:GetRole",
      );
      assert.equal(byId(doc.checks, "chat-workspace").status, "fail");
    });

    it("throttling (after the SDK's retries): cannot check, wait and retry; exit 2", async () => {
      contacts.on(ListContacts).rejects(
        new ThrottlingException({
          message: "Rate exceeded",
          Message: "Rate exceeded",
          $metadata: { ...META, httpStatusCode: 400 },
        } as ConstructorParameters<typeof ThrottlingException>[0]),
      );
      const r = await run(["--stack", "prod"]);
      assert.equal(r.code, 2);
      assert.ok(
        r.stdout.includes(
          "CANNOT CHECK  contact channel activation: cannot check contact channel activation: " +
            "AWS throttled ssm-contacts:ListContacts (after the SDK's own retries)\n" +
            "              AWS said: ThrottlingException: Rate exceeded\n" +
            "              fix: Wait a minute and run preflight again.\n",
        ),
        r.stdout,
      );
      assert.ok(
        r.stdout.endsWith(
          "Some checks could not run: fix that and run preflight again. 5 passed, 0 warning(s), " +
            "0 failed, 1 could not run, 0 skipped (exit 2).\n",
        ),
      );
    });

    it("network error on one call: cannot check, exit 2, no stack trace", async () => {
      const err = awsError("Error", "getaddrinfo ENOTFOUND lambda.ap-northeast-1.amazonaws.com");
      (err as Error & { code: string }).code = "ENOTFOUND";
      lambda.on(GetAccountSettingsCommand).rejects(err);
      const r = await run(["--stack", "prod"]);
      assert.equal(r.code, 2);
      assert.ok(
        r.stdout.includes(
          "CANNOT CHECK  Lambda concurrency: cannot check Lambda concurrency: could not reach AWS for lambda:GetAccountSettings\n",
        ),
      );
      assert.ok(!/\n\s+at /.test(r.stdout + r.stderr));
    });

    it("no credentials: exit 2, one clear message, every other check skipped and no other call", async () => {
      sts
        .on(GetCallerIdentityCommand)
        .rejects(
          awsError("CredentialsProviderError", "Could not load credentials from any providers"),
        );
      const r = await run(["--stack", "prod"]);
      assert.equal(r.code, 2);
      assert.deepEqual(calls(), [{ op: "sts:GetCallerIdentity", input: {} }]);
      assert.equal(
        r.stdout,
        "Preflight for stack prod in ap-northeast-1 (the stack's aws:region)\n" +
          "\n" +
          "CANNOT CHECK  AWS credentials: no usable AWS credentials: nothing can be checked\n" +
          "              AWS said: CredentialsProviderError: Could not load credentials from any providers\n" +
          "              fix: Set AWS_PROFILE (and run `aws sso login` if it is an SSO profile), or " +
          "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, then check with `aws sts get-caller-identity` " +
          "and run preflight again.\n" +
          "SKIPPED       Incident Manager replication set: not run: the credentials check did not pass\n" +
          "SKIPPED       Lambda concurrency: not run: the credentials check did not pass\n" +
          "SKIPPED       AWS Chatbot workspace: not run: the credentials check did not pass\n" +
          "SKIPPED       CloudWatch's Incident Manager service-linked role: not run: the credentials check did not pass\n" +
          "SKIPPED       contact channel activation: not run: the credentials check did not pass\n" +
          "\n" +
          "Some checks could not run: fix that and run preflight again. 0 passed, 0 warning(s), " +
          "0 failed, 1 could not run, 5 skipped (exit 2).\n",
      );
      const doc = await runJson();
      assert.equal(doc.account, null);
      assert.equal(doc.exitCode, 2);
    });

    it("STS unreachable (e.g. a mistyped region): exit 2, 'could not reach AWS', the rest not run", async () => {
      const err = awsError("Error", "getaddrinfo ENOTFOUND sts.ap-northeast-9.amazonaws.com");
      (err as Error & { code: string }).code = "ENOTFOUND";
      sts.on(GetCallerIdentityCommand).rejects(err);
      const doc = await runJson(["--stack", "prod", "--region", "ap-northeast-9"]);
      assert.equal(doc.exitCode, 2);
      assert.deepEqual(byId(doc.checks, "credentials"), {
        id: "credentials",
        title: "AWS credentials",
        status: "cannot-check",
        summary: "cannot check AWS credentials: could not reach AWS for sts:GetCallerIdentity",
        fix:
          "Check the network connection, proxy settings (HTTPS_PROXY) and the region name, then " +
          "run preflight again.",
        details: ["AWS said: Error: getaddrinfo ENOTFOUND sts.ap-northeast-9.amazonaws.com"],
      });
      assert.deepEqual(
        doc.checks.slice(1).map((c) => [c.status, c.summary]),
        Array(5).fill(["skipped", "not run: the credentials check did not pass"]),
      );
    });

    it("usage, config and region errors: exit 2 before any call", async () => {
      const noStack = await run([]);
      assert.equal(noStack.code, 2);
      assert.ok(noStack.stderr.startsWith("preflight: --stack <name> is required\n\nUsage:"));
      const unknown = await run(["--stack", "nope"]);
      assert.equal(unknown.code, 2);
      assert.equal(
        unknown.stderr,
        `preflight: ${path.join(stackDir, "Pulumi.nope.yaml")}: no such stack config file (is --stack right?)\n`,
      );
      const noRegion = await run(["--stack", "noregion"]);
      assert.equal(noRegion.code, 2);
      assert.equal(
        noRegion.stderr,
        "preflight: no AWS region: pass --region <region>, set aws:region in the stack config, or " +
          "set AWS_REGION (or AWS_DEFAULT_REGION).\n",
      );
      const help = await run(["--help"]);
      assert.equal(help.code, 0);
      assert.equal(help.stdout, `${PREFLIGHT_USAGE}\n`);
      assert.deepEqual(calls(), []);
    });
  });

  describe("backend step-functions: SES and End User Messaging SMS instead of Incident Manager", () => {
    const POOL = "pool-0123456789abcdef0123456789abcdef";
    const TANAKA_PHONE = "+819000000003";
    const STACK_SF = `config:
  aws:region: ${REGION}
  incident-escalation:backend: step-functions
  incident-escalation:channels:
    email: { from: oncall@alerts.example.com, configurationSet: ie-events }
    sms: { originationIdentity: ${POOL} }
  incident-escalation:contacts:
    - alias: sato
      displayName: Sato Hanako
      email: ${SATO_EMAIL}
      phone: "${SATO_PHONE}"
      engagement:
        - { after: 0, via: [email] }
        - { after: 10, via: [sms] }
    - alias: suzuki
      displayName: Suzuki Ichiro
      email: ${SUZUKI_EMAIL}
      engagement:
        - { after: 0, via: [email] }
    - alias: tanaka
      displayName: Tanaka Jiro
      phone: "${TANAKA_PHONE}"
      engagement:
        - { after: 0, via: [sms] }
    - alias: kato
      displayName: Kato Saburo
      phone: { secure: AAABAKxyz0123456789 }
      engagement:
        - { after: 0, via: [sms] }
  incident-escalation:escalation:
    - { engage: [sato, suzuki, tanaka, kato], minutes: 15 }
  incident-escalation:levels:
    critical: { impact: 1, page: true }
  incident-escalation:notifications:
    slack: { teamId: ${SLACK_TEAM}, channelId: C0123ABCD }
`;
    const notFound = (name: string) => awsError(name, "Resource not found", 404);

    before(() => writeFileSync(path.join(stackDir, "Pulumi.selfhosted.yaml"), STACK_SF));

    /** A production account: SES out of the sandbox, SMS PRODUCTION, identities in place. */
    beforeEach(() => {
      ses.on(GetAccountCommand).resolves({ ProductionAccessEnabled: true, SendingEnabled: true });
      ses
        .on(GetEmailIdentityCommand)
        .rejects(notFound("NotFoundException"))
        .on(GetEmailIdentityCommand, { EmailIdentity: "alerts.example.com" })
        .resolves({ IdentityType: "DOMAIN", VerifiedForSendingStatus: true });
      ses.on(GetConfigurationSetCommand).resolves({ ConfigurationSetName: "ie-events" });
      sms.on(DescribeAccountAttributesCommand).resolves({
        AccountAttributes: [{ Name: "ACCOUNT_TIER", Value: "PRODUCTION" }],
      });
      sms.on(DescribeSpendLimitsCommand).resolves({
        SpendLimits: [
          {
            Name: "TEXT_MESSAGE_MONTHLY_SPEND_LIMIT",
            EnforcedLimit: 100,
            MaxLimit: 100,
            Overridden: false,
          },
          {
            Name: "VOICE_MESSAGE_MONTHLY_SPEND_LIMIT",
            EnforcedLimit: 1,
            MaxLimit: 1,
            Overridden: false,
          },
        ],
      });
      sms.on(DescribePoolsCommand).resolves({
        Pools: [
          {
            PoolArn: `arn:aws:sms-voice:${REGION}:${ACCOUNT}:pool/${POOL}`,
            PoolId: POOL,
            Status: "ACTIVE",
            MessageType: "TRANSACTIONAL",
            TwoWayEnabled: false,
            SelfManagedOptOutsEnabled: false,
            OptOutListName: "Default",
            SharedRoutesEnabled: false,
            DeletionProtectionEnabled: false,
            CreatedTimestamp: new Date("2026-01-01T00:00:00Z"),
          },
        ],
      });
    });

    const HEADER =
      "Preflight for stack selfhosted in ap-northeast-1 (the stack's aws:region), account 123456789012\n\n" +
      "PASS          AWS credentials: account 123456789012, assumed role AWSReservedSSO_Deployer_0123456789abcdef, region ap-northeast-1\n" +
      "PASS          Lambda concurrency: 990 unreserved concurrent executions in ap-northeast-1 (the stack needs 10)\n" +
      "              account concurrency quota 1000, unreserved 990, the stack needs 10 unreserved\n" +
      "PASS          AWS Chatbot workspace: Slack workspace T0123ABCD is authorised\n";
    const SENDER_PASS =
      "PASS          SES sender identity: the sender's domain alerts.example.com is verified for sending\n" +
      "              address o•••••@alerts.example.com: not an identity\n" +
      "              domain alerts.example.com: verified for sending\n" +
      "              configuration set ie-events: exists\n";
    const POOL_PASS =
      "PASS          SMS origination identity: the configured origination identity (pool-id) exists and is ACTIVE\n";

    async function runSf(): Promise<Run> {
      const r = await run(["--stack", "selfhosted"]);
      assert.ok(!r.stdout.includes(TANAKA_PHONE) && !r.stdout.includes("oncall@"), r.stdout);
      return r;
    }

    it("a production account: the SES and SMS checks pass, no Incident Manager check runs, the exact requests (GetAccount, GetEmailIdentity of the address and of its domain, GetConfigurationSet, DescribeAccountAttributes, DescribeSpendLimits, DescribePools)", async () => {
      const r = await runSf();
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(
        r.stdout,
        HEADER +
          "PASS          SES account (sandbox, sending): production access in ap-northeast-1, sending enabled\n" +
          "              ProductionAccessEnabled true, SendingEnabled true\n" +
          SENDER_PASS +
          "PASS          End User Messaging SMS account (sandbox, spend limit): production account in ap-northeast-1\n" +
          "              ACCOUNT_TIER PRODUCTION\n" +
          "              monthly text spend limit 100 USD (maximum 100 USD)\n" +
          "PASS          SMS verified destination numbers: not needed: the account is out of the SMS sandbox and texts any number\n" +
          POOL_PASS +
          "\nNo problems found. 8 passed, 0 warning(s), 0 failed, 0 could not run, 0 skipped (exit 0).\n",
      );
      assert.deepEqual(calls(), [
        { op: "sts:GetCallerIdentity", input: {} },
        { op: "lambda:GetAccountSettings", input: {} },
        { op: "chatbot:DescribeSlackWorkspaces", input: {} },
        { op: "sesv2:GetAccount", input: {} },
        { op: "sesv2:GetEmailIdentity", input: { EmailIdentity: "oncall@alerts.example.com" } },
        { op: "sesv2:GetEmailIdentity", input: { EmailIdentity: "alerts.example.com" } },
        { op: "sesv2:GetConfigurationSet", input: { ConfigurationSetName: "ie-events" } },
        { op: "pinpoint-sms-voice-v2:DescribeAccountAttributes", input: {} },
        { op: "pinpoint-sms-voice-v2:DescribeSpendLimits", input: {} },
        { op: "pinpoint-sms-voice-v2:DescribePools", input: { PoolIds: [POOL] } },
      ]);
    });

    it("the sandboxes (https://docs.aws.amazon.com/ses/latest/dg/request-production-access.html, https://docs.aws.amazon.com/sms-voice/latest/userguide/sandbox.html): SES warns, an unverified destination fails by alias, a secret phone is not checked; DescribeVerifiedDestinationNumbers asks for the plain numbers only", async () => {
      ses.on(GetAccountCommand).resolves({ ProductionAccessEnabled: false, SendingEnabled: true });
      sms.on(DescribeAccountAttributesCommand).resolves({
        AccountAttributes: [{ Name: "ACCOUNT_TIER", Value: "SANDBOX" }],
      });
      sms.on(DescribeSpendLimitsCommand).resolves({
        SpendLimits: [
          {
            Name: "TEXT_MESSAGE_MONTHLY_SPEND_LIMIT",
            EnforcedLimit: 1,
            MaxLimit: 1,
            Overridden: false,
          },
        ],
      });
      const verified = (phone: string, status: "VERIFIED" | "PENDING", n: number) => ({
        VerifiedDestinationNumberArn: `arn:aws:sms-voice:${REGION}:${ACCOUNT}:verified-destination-number/v-${n}`,
        VerifiedDestinationNumberId: `v-${n}`,
        DestinationPhoneNumber: phone,
        Status: status,
        CreatedTimestamp: new Date("2026-01-01T00:00:00Z"),
      });
      sms.on(DescribeVerifiedDestinationNumbersCommand).resolves({
        VerifiedDestinationNumbers: [
          verified(SATO_PHONE, "VERIFIED", 1),
          verified(TANAKA_PHONE, "PENDING", 2),
        ],
      });
      const r = await runSf();
      assert.equal(r.code, 1);
      assert.equal(
        r.stdout,
        HEADER +
          "WARN          SES account (sandbox, sending): the account is in the SES sandbox in ap-northeast-1: it mails only verified addresses and domains, so the 2 contact(s) paging by e-mail (sato, suzuki) get nothing unless their addresses are verified identities\n" +
          "              ProductionAccessEnabled false, SendingEnabled true\n" +
          "              fix: Run `npm run activate -- --stack selfhosted` (each person opens the link SES mails them), or request production access for ap-northeast-1 (https://docs.aws.amazon.com/ses/latest/dg/request-production-access.html).\n" +
          SENDER_PASS +
          "WARN          End User Messaging SMS account (sandbox, spend limit): the account is in the End User Messaging SMS sandbox in ap-northeast-1: it texts only verified destination numbers (at most 10), within the sandbox's monthly spend limit, so the 3 contact(s) paging by SMS (sato, tanaka, kato) get texts only once their numbers are verified\n" +
          "              ACCOUNT_TIER SANDBOX\n" +
          "              monthly text spend limit 1 USD (maximum 1 USD)\n" +
          "              fix: Run `npm run activate -- --stack selfhosted` (each person reads back the code texted to them), and request production access to text without limits (https://docs.aws.amazon.com/sms-voice/latest/userguide/sandbox.html).\n" +
          "FAIL          SMS verified destination numbers: 1 of 3 contact(s) paging by SMS have no verified destination number and get no texts while the account is in the sandbox: tanaka\n" +
          "              sato: VERIFIED\n" +
          "              tanaka: PENDING\n" +
          "              kato: phone is a secret, not checked offline\n" +
          "              fix: Run `npm run activate -- --stack selfhosted`: it adds each number, texts it a code and verifies the code the person reads back.\n" +
          POOL_PASS +
          "\nProblems found: fix them before `pulumi up`. 5 passed, 2 warning(s), 1 failed, 0 could not run, 0 skipped (exit 1).\n",
      );
      assert.deepEqual(
        calls().filter((c) => c.op === "pinpoint-sms-voice-v2:DescribeVerifiedDestinationNumbers"),
        [
          {
            op: "pinpoint-sms-voice-v2:DescribeVerifiedDestinationNumbers",
            input: { DestinationPhoneNumbers: [SATO_PHONE, TANAKA_PHONE] },
          },
        ],
      );
    });

    it("an unverified sender, a missing configuration set, paused sending and a missing pool fail with their fixes", async () => {
      ses.on(GetAccountCommand).resolves({ ProductionAccessEnabled: true, SendingEnabled: false });
      ses.on(GetEmailIdentityCommand, { EmailIdentity: "alerts.example.com" }).resolves({
        IdentityType: "DOMAIN",
        VerifiedForSendingStatus: false,
      });
      ses.on(GetConfigurationSetCommand).rejects(notFound("NotFoundException"));
      sms.on(DescribePoolsCommand).rejects(notFound("ResourceNotFoundException"));
      const doc = await runJson(["--stack", "selfhosted"]);
      assert.equal(doc.exitCode, 1);
      assert.deepEqual(
        doc.checks.filter((c) => c.status === "fail").map((c) => [c.id, c.summary, c.fix]),
        [
          [
            "ses-account",
            "e-mail sending is not enabled for this account in ap-northeast-1: no page goes out by e-mail",
            "Read the reason in the SES console (ap-northeast-1, Account dashboard); once it is resolved, re-enable sending (sesv2 PutAccountSendingAttributes, SendingEnabled true) and run preflight again.",
          ],
          [
            "ses-sender",
            "neither the sender address nor its domain alerts.example.com is a verified SES identity; the configuration set ie-events does not exist: SES refuses every page",
            "Verify the domain alerts.example.com (DKIM records) or the address in the SES console of this region; create the configuration set ie-events in this region, or remove channels.email.configurationSet; then run preflight again.",
          ],
          [
            "sms-origination",
            "the configured origination identity (pool-id) does not exist in ap-northeast-1: no page goes out by SMS",
            "Give channels.sms.originationIdentity a phone number, pool or sender ID of this account in ap-northeast-1 (End User Messaging SMS console), then run preflight again.",
          ],
        ],
      );
    });

    it("--json lists exactly the step-functions checks, and no Incident Manager, IAM or ssm-contacts call is made", async () => {
      const doc = await runJson(["--stack", "selfhosted"]);
      assert.deepEqual(
        doc.checks.map((c) => c.id),
        [
          "credentials",
          "lambda-concurrency",
          "chat-workspace",
          "ses-account",
          "ses-sender",
          "sms-account",
          "sms-destinations",
          "sms-origination",
        ],
      );
      assert.deepEqual(
        calls().filter((c) => /^(ssm-incidents|ssm-contacts|iam):/.test(c.op)),
        [],
      );
    });

    it("AccessDenied on ses:GetAccount: cannot check, naming the permission; the other checks still run", async () => {
      ses.on(GetAccountCommand).rejects(accessDenied("ses:GetAccount"));
      const doc = await runJson(["--stack", "selfhosted"]);
      assert.deepEqual(deniedOf(doc, "ses-account"), [
        "cannot-check",
        "cannot check SES account (sandbox, sending): missing permission ses:GetAccount",
        "ses:GetAccount",
      ]);
      assert.equal(byId(doc.checks, "ses-sender").status, "pass");
      assert.equal(doc.exitCode, 2);
    });

    it("the origination identity by its kind: a phone number by listing (DescribePhoneNumbers pages), a sender ID by the sender-id filter", async () => {
      const sfWith = (identity: string) =>
        STACK_SF.replace(`originationIdentity: ${POOL}`, `originationIdentity: "${identity}"`);
      writeFileSync(path.join(stackDir, "Pulumi.sfnumber.yaml"), sfWith("+81500000000"));
      writeFileSync(path.join(stackDir, "Pulumi.sfsender.yaml"), sfWith("ONCALL"));
      sms
        .on(DescribePhoneNumbersCommand, {})
        .resolves({ PhoneNumbers: [], NextToken: "page-2" })
        .on(DescribePhoneNumbersCommand, { NextToken: "page-2" })
        .resolves({
          PhoneNumbers: [
            {
              PhoneNumberArn: `arn:aws:sms-voice:${REGION}:${ACCOUNT}:phone-number/phone-1`,
              PhoneNumberId: "phone-1",
              PhoneNumber: "+81500000000",
              Status: "PENDING",
              IsoCountryCode: "JP",
              MessageType: "TRANSACTIONAL",
              NumberCapabilities: ["SMS"],
              NumberType: "LONG_CODE",
              MonthlyLeasingPrice: "1.00",
              TwoWayEnabled: false,
              SelfManagedOptOutsEnabled: false,
              OptOutListName: "Default",
              DeletionProtectionEnabled: false,
              CreatedTimestamp: new Date("2026-01-01T00:00:00Z"),
            },
          ],
        });
      sms.on(DescribeSenderIdsCommand).resolves({
        SenderIds: [
          {
            SenderIdArn: `arn:aws:sms-voice:${REGION}:${ACCOUNT}:sender-id/ONCALL/JP`,
            SenderId: "ONCALL",
            IsoCountryCode: "JP",
            MessageTypes: ["TRANSACTIONAL"],
            MonthlyLeasingPrice: "0.00",
            DeletionProtectionEnabled: false,
            Registered: false,
          },
        ],
      });
      const number = byId((await runJson(["--stack", "sfnumber"])).checks, "sms-origination");
      assert.deepEqual(
        [number.status, number.summary],
        [
          "fail",
          "the configured origination identity (phone-number) is PENDING, not ACTIVE: no page goes out by SMS",
        ],
      );
      const sender = byId((await runJson(["--stack", "sfsender"])).checks, "sms-origination");
      assert.deepEqual(
        [sender.status, sender.summary],
        ["pass", "the configured origination identity (sender-id) exists"],
      );
      assert.deepEqual(
        calls()
          .filter((c) => /DescribePhoneNumbers|DescribeSenderIds/.test(c.op))
          .map((c) => c.input),
        [{}, { NextToken: "page-2" }, { Filters: [{ Name: "sender-id", Values: ["ONCALL"] }] }],
      );
    });

    describe("the voice channel (Amazon Connect), when the stack calls someone", () => {
      const INSTANCE = "11111111-2222-4333-8444-555555555555";
      const CALLER_ID = "+815000000000";
      const NUMBER_ID = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
      const FLOW_FN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:ie-sfvoice-voice-flow`;
      const STACK_VOICE = STACK_SF.replace(
        `    sms: { originationIdentity: ${POOL} }\n`,
        `    sms: { originationIdentity: ${POOL} }\n` +
          `    voice: { connectInstanceId: ${INSTANCE}, sourcePhoneNumber: "${CALLER_ID}" }\n`,
      )
        .replace(
          "        - { after: 10, via: [sms] }\n",
          "        - { after: 10, via: [sms, voice] }\n",
        )
        .replaceAll(
          "        - { after: 0, via: [sms] }\n",
          "        - { after: 0, via: [sms, voice] }\n",
        );

      before(() => writeFileSync(path.join(stackDir, "Pulumi.sfvoice.yaml"), STACK_VOICE));
      /** Preflight (--json) of the voice stack. */
      const runVoice = () => runJson(["--stack", "sfvoice"]);

      /** An instance ready to call, the number claimed on it, the flow Lambda associated. */
      beforeEach(() => {
        connect.on(DescribeInstanceCommand).resolves({
          Instance: {
            Id: INSTANCE,
            Arn: `arn:aws:connect:${REGION}:${ACCOUNT}:instance/${INSTANCE}`,
            InstanceStatus: "ACTIVE",
            InboundCallsEnabled: true,
            OutboundCallsEnabled: true,
          },
        });
        connect.on(DescribeInstanceAttributeCommand).resolves({
          Attribute: { AttributeType: "OUTBOUND_CALLS", Value: "true" },
        });
        connect
          .on(ListPhoneNumbersV2Command)
          .resolves({
            ListPhoneNumbersSummaryList: [
              { PhoneNumberId: "other", PhoneNumber: "+815000000001", PhoneNumberType: "DID" },
            ],
            NextToken: "page-2",
          })
          .on(ListPhoneNumbersV2Command, { NextToken: "page-2" })
          .resolves({
            ListPhoneNumbersSummaryList: [
              { PhoneNumberId: NUMBER_ID, PhoneNumber: CALLER_ID, PhoneNumberType: "DID" },
            ],
          });
        connect.on(DescribePhoneNumberCommand).resolves({
          ClaimedPhoneNumberSummary: {
            PhoneNumberId: NUMBER_ID,
            PhoneNumber: CALLER_ID,
            PhoneNumberType: "DID",
            PhoneNumberStatus: { Status: "CLAIMED" },
          },
        });
        connect.on(ListLambdaFunctionsCommand).resolves({ LambdaFunctions: [FLOW_FN] });
      });

      const CONNECT_CALLS = [
        { op: "connect:DescribeInstance", input: { InstanceId: INSTANCE } },
        {
          op: "connect:DescribeInstanceAttribute",
          input: { InstanceId: INSTANCE, AttributeType: "OUTBOUND_CALLS" },
        },
        {
          op: "connect:ListPhoneNumbersV2",
          input: { InstanceId: INSTANCE, PhoneNumberPrefix: "+81500000000" },
        },
        {
          op: "connect:ListPhoneNumbersV2",
          input: { InstanceId: INSTANCE, PhoneNumberPrefix: "+81500000000", NextToken: "page-2" },
        },
        { op: "connect:DescribePhoneNumber", input: { PhoneNumberId: NUMBER_ID } },
        { op: "connect:ListLambdaFunctions", input: { InstanceId: INSTANCE } },
      ];

      it("ready: the instance, the claimed caller ID, the flow Lambda pass; Japanese mobiles warn by alias (a secret phone is not read); the exact Connect requests", async () => {
        const doc = await runVoice();
        const connectChecks = doc.checks.filter((c) => c.id.startsWith("connect-"));
        assert.deepEqual(connectChecks, [
          {
            id: "connect-instance",
            title: "Amazon Connect instance (outbound calls)",
            status: "pass",
            summary: `Amazon Connect instance ${INSTANCE} is ACTIVE with outbound calls on`,
            details: [],
          },
          {
            id: "connect-number",
            title: "Amazon Connect caller ID number",
            status: "pass",
            summary: `caller ID ${CALLER_ID} is claimed on the instance (DID)`,
            details: [],
          },
          {
            id: "connect-lambda",
            title: "Amazon Connect Lambda functions",
            status: "pass",
            summary:
              "the instance may invoke 1 of this stack's Lambda function(s) (1 associated in all)",
            details: [FLOW_FN],
          },
          {
            id: "connect-mobiles",
            title: "Amazon Connect calls to Japanese mobiles",
            status: "warn",
            summary:
              "2 contact(s) called by voice (sato, tanaka) have a Japanese mobile number (+81 70/80/90), which Amazon Connect may not call by default",
            fix: "Open an AWS Support case (Connect (Number Management), Country Allowlisting for Outbound Calls) for Japanese mobiles, and place a test call (npm run drill) before relying on it (https://docs.aws.amazon.com/connect/latest/adminguide/country-code-allow-list.html).",
            details: [],
          },
        ]);
        assert.equal(doc.exitCode, 0);
        // The checks run concurrently: the calls in a stable order.
        const key = (c: { op: string; input: object }) => JSON.stringify(c);
        assert.deepEqual(
          calls()
            .filter((c) => c.op.startsWith("connect:"))
            .map(key)
            .sort(),
          CONNECT_CALLS.map(key).sort(),
        );
      });

      it("an unknown instance (ResourceNotFoundException): fail, and the number is not on it", async () => {
        connect.on(DescribeInstanceCommand).rejects(notFound("ResourceNotFoundException"));
        connect.on(ListPhoneNumbersV2Command).rejects(notFound("ResourceNotFoundException"));
        connect.on(ListLambdaFunctionsCommand).rejects(notFound("ResourceNotFoundException"));
        const doc = await runVoice();
        assert.deepEqual(verdictOf(doc, "connect-instance"), [
          "fail",
          `Amazon Connect instance ${INSTANCE} does not exist in ap-northeast-1: no call can be placed`,
          "Give channels.voice.connectInstanceId the ID of an instance in ap-northeast-1 (Amazon Connect console, the instance ARN's last part), or create one, then run preflight again.",
        ]);
        assert.deepEqual(verdictOf(doc, "connect-number"), [
          "fail",
          `caller ID ${CALLER_ID} is not claimed on the instance: calls from it are refused`,
          "Claim it on the instance first. A Japanese number (DID 050 or 03, toll-free 0120 or 0800) is given to a business in Japan through an AWS Support case with three documents (https://docs.aws.amazon.com/connect/latest/adminguide/connect-tokyo-region.html); it usually takes 2-6 weeks, up to 60 days (https://docs.aws.amazon.com/connect/latest/adminguide/number-request.html).",
        ]);
        assert.equal(byId(doc.checks, "connect-lambda").status, "cannot-check");
        assert.equal(doc.exitCode, 1);
      });

      it("outbound calls off (DescribeInstanceAttribute OUTBOUND_CALLS false): fail with the setting to turn on", async () => {
        connect.on(DescribeInstanceCommand).resolves({
          Instance: { Id: INSTANCE, InstanceStatus: "ACTIVE", OutboundCallsEnabled: false },
        });
        connect.on(DescribeInstanceAttributeCommand).resolves({
          Attribute: { AttributeType: "OUTBOUND_CALLS", Value: "false" },
        });
        const c = byId((await runVoice()).checks, "connect-instance");
        assert.deepEqual(c, {
          id: "connect-instance",
          title: "Amazon Connect instance (outbound calls)",
          status: "fail",
          summary: `Amazon Connect instance ${INSTANCE} has outbound calls turned off: StartOutboundVoiceContact is refused and no call goes out`,
          fix: 'Turn on "Enable outbound calls" in the instance\'s telephony settings (https://docs.aws.amazon.com/connect/latest/adminguide/update-instance-settings.html), then run preflight again.',
          details: ["OutboundCallsEnabled false", "OUTBOUND_CALLS false"],
        });
      });

      it("a claim IN_PROGRESS fails; the flow Lambda not associated yet passes (the deploy associates it)", async () => {
        connect.on(DescribePhoneNumberCommand).resolves({
          ClaimedPhoneNumberSummary: { PhoneNumberStatus: { Status: "IN_PROGRESS" } },
        });
        connect.on(ListLambdaFunctionsCommand).resolves({
          LambdaFunctions: [`arn:aws:lambda:${REGION}:${ACCOUNT}:function:ie-other-voice-flow`],
        });
        const doc = await runVoice();
        assert.deepEqual(verdictOf(doc, "connect-number"), [
          "fail",
          `caller ID ${CALLER_ID} is IN_PROGRESS, not CLAIMED: calls from it are refused`,
          "Wait until the claim completes, then run preflight again.",
        ]);
        const fn = byId(doc.checks, "connect-lambda");
        assert.deepEqual(
          [fn.status, fn.summary],
          [
            "pass",
            "none of this stack's functions is associated with the instance yet (1 associated in all); `pulumi up` associates the flow's Lambda (https://docs.aws.amazon.com/connect/latest/adminguide/connect-lambda-functions.html)",
          ],
        );
      });

      it("AccessDenied on connect:DescribeInstance: cannot check, naming the permission", async () => {
        connect.on(DescribeInstanceCommand).rejects(accessDenied("connect:DescribeInstance"));
        const doc = await runVoice();
        assert.deepEqual(deniedOf(doc, "connect-instance"), [
          "cannot-check",
          "cannot check Amazon Connect instance (outbound calls): missing permission connect:DescribeInstance",
          "connect:DescribeInstance",
        ]);
        assert.equal(byId(doc.checks, "connect-number").status, "pass");
      });

      it("a stack that calls nobody lists no Connect check and makes no Connect call", async () => {
        const doc = await runJson(["--stack", "selfhosted"]);
        assert.deepEqual(
          doc.checks.filter((c) => c.id.startsWith("connect-")),
          [],
        );
        assert.deepEqual(
          calls().filter((c) => c.op.startsWith("connect:")),
          [],
        );
      });
    });
  });

  describe("the CLI, spawned", () => {
    /** The environment without any AWS_* variable and with an empty HOME (no ~/.aws). */
    function bareEnv(home: string): NodeJS.ProcessEnv {
      const env: NodeJS.ProcessEnv = {};
      for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("AWS_")) env[k] = v;
      env.HOME = home;
      env.USERPROFILE = home;
      // So that a machine with an EC2 instance role cannot hand out credentials either.
      env.AWS_EC2_METADATA_DISABLED = "true";
      return env;
    }

    it("`npm run preflight -- --stack prod` without credentials exits 2 with a clear message, no stack trace", function () {
      this.timeout(120000);
      const home = mkdtempSync(path.join(os.tmpdir(), "preflight-home-"));
      try {
        const r = spawnSync("npm", ["run", "--silent", "preflight", "--", "--stack", "prod"], {
          cwd: ROOT,
          encoding: "utf8",
          env: bareEnv(home),
          timeout: 110000,
        });
        assert.equal(r.status, 2, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
        assert.ok(
          r.stdout.startsWith(
            "Preflight for stack prod in ap-northeast-1 (the stack's aws:region)\n\n" +
              "CANNOT CHECK  AWS credentials: no usable AWS credentials: nothing can be checked\n",
          ),
          r.stdout,
        );
        assert.ok(r.stdout.endsWith("(exit 2).\n"));
        assert.ok(!/\n\s+at /.test(r.stdout + r.stderr), r.stderr);
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    });

    it("`npm run preflight -- --help` prints the usage and exits 0", function () {
      this.timeout(120000);
      const r = spawnSync("npm", ["run", "--silent", "preflight", "--", "--help"], {
        cwd: ROOT,
        encoding: "utf8",
        timeout: 110000,
      });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `${PREFLIGHT_USAGE}\n`);
    });
  });
});

describe("tools/preflightChecks: pure decisions", () => {
  const CALLER_FOR_PURE = "arn:aws:sts::123456789012:assumed-role/Deployer/sato@example.com";

  it("exit code: a failure wins over 'cannot check'; warnings and skips never change it", () => {
    const c = (status: CheckStatus): CheckResult => ({
      id: "credentials",
      title: "t",
      status,
      summary: "s",
      details: [],
    });
    const table: [CheckStatus[], 0 | 1 | 2][] = [
      [["pass", "pass"], 0],
      [["pass", "warn", "skipped"], 0],
      [["pass", "cannot-check"], 2],
      [["cannot-check", "fail"], 1],
      [["fail", "warn"], 1],
    ];
    for (const [statuses, code] of table) {
      assert.equal(exitCodeOf(statuses.map(c)), code, statuses.join(","));
    }
  });

  it("principal labels never include an assumed role's session name or a user's name", () => {
    const table: [string, string][] = [
      [CALLER_FOR_PURE, "assumed role Deployer"],
      ["arn:aws:iam::123456789012:user/ops/sato", "an IAM user"],
      ["arn:aws:iam::123456789012:root", "the account's root user"],
      ["arn:aws:sts::123456789012:federated-user/sato", "a federated user"],
      ["arn:aws-cn:sts::123456789012:assumed-role/Deployer/s", "assumed role Deployer"],
    ];
    for (const [arn, label] of table) assert.equal(principalLabel(arn), label, arn);
  });

  it("simulation source: an IAM user as is, an assumed role by name (GetRole gives its path), root needs none", () => {
    assert.deepEqual(simulationSource("arn:aws:iam::123456789012:user/ops/deployer"), {
      kind: "arn",
      arn: "arn:aws:iam::123456789012:user/ops/deployer",
    });
    assert.deepEqual(simulationSource(CALLER_FOR_PURE), { kind: "role", roleName: "Deployer" });
    assert.deepEqual(simulationSource("arn:aws:iam::123456789012:root"), { kind: "root" });
    assert.deepEqual(simulationSource("arn:aws:sts::123456789012:federated-user/x"), {
      kind: "none",
    });
  });

  it("scrubAwsText masks session names and e-mail addresses in AWS messages", () => {
    assert.equal(
      scrubAwsText(`User: ${CALLER_FOR_PURE} is not authorized; contact ops.lead@example.co.jp`),
      "User: arn:aws:sts::123456789012:assumed-role/Deployer/… is not authorized; contact " +
        "o•••••••@example.co.jp",
    );
  });

  it("Chatbot API region: the stack's own if it has the API (four regions), else us-east-2", () => {
    assert.equal(chatbotRegion("ap-northeast-1"), "us-east-2");
    assert.equal(chatbotRegion("eu-west-1"), "eu-west-1");
    assert.equal(chatbotRegion("ap-southeast-1"), "ap-southeast-1");
    assert.equal(chatbotRegion("us-east-1"), "us-east-2");
  });
});
