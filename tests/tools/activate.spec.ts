/**
 * `npm run activate` (cli/activate.ts, tools/activate.ts) and `tools/awsErrors.ts`: the pure core
 * (argument parsing, region resolution, planActivation, masking, the table, exit codes,
 * error descriptions) table-driven; the whole tool against aws-sdk-client-mock with a stateful
 * fake of ssm-contacts (codes per channel, ACTIVATED after the right code) and injected
 * streams; `--help` as a child process. Every SDK input the tool sends is checked against the
 * ssm-contacts API model (tests/support/apiModel.ts) after each test, and every test asserts
 * that no full delivery address reaches stdout or stderr.
 *
 * What this spec does NOT prove:
 * - that AWS accepts the requests beyond the model's constraints, that the caller may make
 *   them, or what AWS really answers: the error names follow the API model's error shapes, but
 *   the message texts used here (a wrong code, an account without Incident Manager) are
 *   assumptions, not captured from AWS. In particular, whether an expired code and a wrong code
 *   are both a ValidationException, and whether sending a new code invalidates the previous
 *   one (the fake assumes it does).
 * - that codes arrive on devices, or how fast; that ListContacts' AliasPrefix is a prefix
 *   match (the tool also filters by the config's aliases, so a looser match is harmless).
 * - terminal behaviour: prompts are driven through a PassThrough stream, not a TTY (no echo,
 *   no line editing, no Ctrl-C); `interactive` is injected, not detected from process.stdin.
 * - serialization, signing, retries: aws-sdk-client-mock replaces `send` (of one client
 *   instance). Only the "Region is missing" error is produced by the real SDK client.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough, Writable } from "node:stream";
import {
  AccessDeniedException,
  ActivateContactChannelCommand,
  ListContactChannelsCommand,
  ListContactsCommand,
  SSMContactsClient,
  SendActivationCodeCommand,
  ThrottlingException,
  ValidationException,
  type ActivateContactChannelCommandInput,
  type ActivateContactChannelCommandOutput,
  type ListContactChannelsCommandInput,
  type ListContactChannelsCommandOutput,
  type ListContactsCommandInput,
  type ListContactsCommandOutput,
  type SendActivationCodeCommandInput,
  type SendActivationCodeCommandOutput,
  type ServiceInputTypes as ContactsInput,
  type ServiceOutputTypes as ContactsOutput,
} from "@aws-sdk/client-ssm-contacts";
import { mockClient, type AwsCommand, type AwsStub } from "aws-sdk-client-mock";
import { ACTIVATE_USAGE, activateCli, parseActivateArgs } from "../../cli/activate";
import {
  exitCodeFor,
  maskAddress,
  planActivation,
  renderTable,
  resolveRegion,
  scrubAddresses,
  type ChannelInfo,
} from "../../tools/activate";
import { classifyAwsError, describeAwsError, isSetupError } from "../../tools/awsErrors";
import { checkOperationInput } from "../support/apiModel";

/*
 * @aws-sdk/client-ssm-contacts 3.523 is declared against @smithy/types 2, aws-sdk-client-mock
 * against the current @smithy/types: the runtime objects are compatible, the declarations are
 * not (middleware-stack variance). These casts are the only bridge.
 */
type Ctor<I extends ContactsInput, O extends ContactsOutput> = new (input: I) => AwsCommand<I, O>;
const ListContacts = ListContactsCommand as unknown as Ctor<
  ListContactsCommandInput,
  ListContactsCommandOutput
>;
const ListContactChannels = ListContactChannelsCommand as unknown as Ctor<
  ListContactChannelsCommandInput,
  ListContactChannelsCommandOutput
>;
const SendActivationCode = SendActivationCodeCommand as unknown as Ctor<
  SendActivationCodeCommandInput,
  SendActivationCodeCommandOutput
>;
const ActivateContactChannel = ActivateContactChannelCommand as unknown as Ctor<
  ActivateContactChannelCommandInput,
  ActivateContactChannelCommandOutput
>;

const ROOT = path.join(__dirname, "..", "..");
const ACCOUNT = "123456789012";
const REGION = "ap-northeast-1";
const META = { httpStatusCode: 400, requestId: "req-1", attempts: 1, totalRetryDelay: 0 };
/** Constructor options of an ssm-contacts exception as the SDK's deserializer fills them. */
const errorOpts = (message: string, httpStatusCode = 400) => ({
  message,
  Message: message,
  $metadata: { ...META, httpStatusCode },
});

const contactArn = (alias: string) => `arn:aws:ssm-contacts:${REGION}:${ACCOUNT}:contact/${alias}`;
const channelArn = (alias: string, id: string) =>
  `arn:aws:ssm-contacts:${REGION}:${ACCOUNT}:contact-channel/${alias}/${id}`;

const SATO_EMAIL = "sato@example.com";
const SATO_PHONE = "+819000000001";
const SUZUKI_EMAIL = "suzuki@example.com";
const ADDRESSES = [SATO_EMAIL, SATO_PHONE, SUZUKI_EMAIL];

const ARN = {
  satoEmail: channelArn("ie-prod-sato", "0a1b2c3d-0000-4000-8000-000000000001"),
  satoSms: channelArn("ie-prod-sato", "0a1b2c3d-0000-4000-8000-000000000002"),
  suzukiEmail: channelArn("ie-prod-suzuki", "0a1b2c3d-0000-4000-8000-000000000003"),
};

/** Codes the fake "sends": the n-th SendActivationCode to a channel makes codes[n-1] valid. */
const CODES: Record<string, readonly string[]> = {
  "ie-prod-sato-email": ["111111", "111112"],
  "ie-prod-sato-sms": ["222221", "222222"],
  "ie-prod-suzuki-email": ["333331", "333332", "333333"],
};

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
`;

interface FakeChannel {
  contactAlias: string;
  name: string;
  arn: string;
  type: "EMAIL" | "SMS" | "VOICE";
  address: string;
  status: "ACTIVATED" | "NOT_ACTIVATED";
}

/** A stateful stand-in for the ssm-contacts side of one account/region. */
class FakeContacts {
  channels: FakeChannel[] = [
    {
      contactAlias: "ie-prod-sato",
      name: "ie-prod-sato-email",
      arn: ARN.satoEmail,
      type: "EMAIL",
      address: SATO_EMAIL,
      status: "NOT_ACTIVATED",
    },
    {
      contactAlias: "ie-prod-sato",
      name: "ie-prod-sato-sms",
      arn: ARN.satoSms,
      type: "SMS",
      address: SATO_PHONE,
      status: "NOT_ACTIVATED",
    },
    {
      contactAlias: "ie-prod-suzuki",
      name: "ie-prod-suzuki-email",
      arn: ARN.suzukiEmail,
      type: "EMAIL",
      address: SUZUKI_EMAIL,
      status: "NOT_ACTIVATED",
    },
  ];
  /** Extra contacts ListContacts returns (e.g. another stack's). */
  others: { alias: string; arn: string }[] = [];
  /** Page size of ListContacts / ListContactChannels (NextToken = next index). */
  pageSize = 100;
  /** SendActivationCode count per channel ARN (codes sent by earlier runs count too). */
  sent = new Map<string, number>();
  /** Errors to throw: key "<Operation>" or "<Operation>:<channel name>". */
  failures = new Map<string, Error>();

  private fail(op: string, name?: string): void {
    const err = (name && this.failures.get(`${op}:${name}`)) ?? this.failures.get(op);
    if (err) throw err;
  }

  private byArn(arn: string | undefined): FakeChannel {
    const ch = this.channels.find((c) => c.arn === arn);
    if (!ch) throw new Error(`fake: no channel ${arn}`);
    return ch;
  }

  listContacts(input: ListContactsCommandInput): ListContactsCommandOutput {
    this.fail("ListContacts");
    const aliases = [...new Set(this.channels.map((c) => c.contactAlias))];
    const all = [...aliases.map((a) => ({ alias: a, arn: contactArn(a) })), ...this.others]
      .filter((c) => c.alias.startsWith(input.AliasPrefix ?? ""))
      .map((c) => ({
        Alias: c.alias,
        ContactArn: c.arn,
        DisplayName: c.alias,
        Type: "PERSONAL" as const,
      }));
    const start = Number(input.NextToken ?? "0");
    const end = start + this.pageSize;
    return {
      $metadata: {},
      Contacts: all.slice(start, end),
      NextToken: end < all.length ? String(end) : undefined,
    };
  }

  listContactChannels(input: ListContactChannelsCommandInput): ListContactChannelsCommandOutput {
    this.fail("ListContactChannels");
    const all = this.channels
      .filter((c) => contactArn(c.contactAlias) === input.ContactId)
      .map((c) => ({
        ContactChannelArn: c.arn,
        ContactArn: contactArn(c.contactAlias),
        Name: c.name,
        Type: c.type,
        DeliveryAddress: { SimpleAddress: c.address },
        ActivationStatus: c.status,
      }));
    const start = Number(input.NextToken ?? "0");
    const end = start + this.pageSize;
    return {
      $metadata: {},
      ContactChannels: all.slice(start, end),
      NextToken: end < all.length ? String(end) : undefined,
    };
  }

  sendActivationCode(input: SendActivationCodeCommandInput): SendActivationCodeCommandOutput {
    const ch = this.byArn(input.ContactChannelId);
    this.fail("SendActivationCode", ch.name);
    this.sent.set(ch.arn, (this.sent.get(ch.arn) ?? 0) + 1);
    return { $metadata: {} };
  }

  activateContactChannel(
    input: ActivateContactChannelCommandInput,
  ): ActivateContactChannelCommandOutput {
    const ch = this.byArn(input.ContactChannelId);
    this.fail("ActivateContactChannel", ch.name);
    const n = this.sent.get(ch.arn) ?? 0;
    if (n === 0 || CODES[ch.name][n - 1] !== input.ActivationCode) {
      throw new ValidationException(errorOpts("Invalid activation code"));
    }
    ch.status = "ACTIVATED";
    return { $metadata: {} };
  }
}

/** Collects everything written to it. */
class Sink extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Regions the client factory was called with. */
  regions: string[];
}

interface RunOptions {
  interactive?: boolean;
  answers?: readonly string[];
  env?: Record<string, string | undefined>;
  root?: string;
}

/** The stack files used by the AWS tests (a temp directory, independent of the repo's). */
let stackDir = "";

describe("npm run activate (cli/activate.ts, tools/activate.ts)", () => {
  /*
   * One client instance, mocked as an instance (not SSMContactsClient.prototype), so this spec
   * never disturbs another spec's prototype mock; the tool gets it from its client factory.
   */
  let client: SSMContactsClient;
  let contacts: AwsStub<ContactsInput, ContactsOutput, unknown>;
  let fake: FakeContacts;

  async function run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const input = new PassThrough();
    input.end(
      options.answers && options.answers.length > 0 ? `${options.answers.join("\n")}\n` : "",
    );
    const stdout = new Sink();
    const stderr = new Sink();
    const regions: string[] = [];
    const code = await activateCli({
      argv,
      root: options.root ?? stackDir,
      env: options.env ?? {},
      io: { input, stdout, stderr, interactive: options.interactive ?? false },
      makeClient: (region) => {
        regions.push(region);
        return client;
      },
    });
    // No output ever holds a full delivery address (nor a phone number without its "+").
    for (const [stream, text] of [
      ["stdout", stdout.text],
      ["stderr", stderr.text],
    ]) {
      for (const a of [...ADDRESSES, SATO_PHONE.slice(1)]) {
        assert.ok(!text.includes(a), `${stream} leaks ${a}:\n${text}`);
      }
    }
    return { code, stdout: stdout.text, stderr: stderr.text, regions };
  }

  /** Every call the client made, in order: operation name and input. */
  function calls(): { op: string; input: object }[] {
    return contacts.calls().map((c) => ({
      op: c.args[0].constructor.name.replace(/Command$/, ""),
      input: c.args[0].input,
    }));
  }

  const opsOf = (op: string) =>
    calls()
      .filter((c) => c.op === op)
      .map((c) => c.input);

  before(() => {
    stackDir = mkdtempSync(path.join(os.tmpdir(), "activate-spec-"));
    writeFileSync(path.join(stackDir, "Pulumi.prod.yaml"), STACK_PROD);
    writeFileSync(
      path.join(stackDir, "Pulumi.noregion.yaml"),
      STACK_PROD.replace(`  aws:region: ${REGION}\n`, "").replace(
        "config:\n",
        "config:\n  incident-escalation:prefix: ie-prod\n",
      ),
    );
    writeFileSync(
      path.join(stackDir, "Pulumi.broken.yaml"),
      STACK_PROD.replace('phone: "+819000000001"', 'phone: "090-1234"'),
    );
    client = new SSMContactsClient({
      region: REGION,
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    });
    contacts = mockClient(
      client as unknown as Parameters<typeof mockClient>[0],
    ) as unknown as AwsStub<ContactsInput, ContactsOutput, unknown>;
  });

  after(() => {
    contacts.restore();
    rmSync(stackDir, { recursive: true, force: true });
  });

  beforeEach(() => {
    contacts.reset();
    fake = new FakeContacts();
    contacts
      .on(ListContacts)
      .callsFake((i: ListContactsCommandInput) =>
        Promise.resolve().then(() => fake.listContacts(i)),
      );
    contacts
      .on(ListContactChannels)
      .callsFake((i: ListContactChannelsCommandInput) =>
        Promise.resolve().then(() => fake.listContactChannels(i)),
      );
    contacts
      .on(SendActivationCode)
      .callsFake((i: SendActivationCodeCommandInput) =>
        Promise.resolve().then(() => fake.sendActivationCode(i)),
      );
    contacts
      .on(ActivateContactChannel)
      .callsFake((i: ActivateContactChannelCommandInput) =>
        Promise.resolve().then(() => fake.activateContactChannel(i)),
      );
  });

  afterEach(() => {
    // Every input sent is one the API model accepts.
    for (const c of calls()) {
      assert.deepEqual(checkOperationInput("ssm-contacts", c.op, c.input), [], c.op);
    }
  });

  const LIST_ALL = [
    { op: "ListContacts", input: { AliasPrefix: "ie-prod-", Type: "PERSONAL" } },
    { op: "ListContactChannels", input: { ContactId: contactArn("ie-prod-sato") } },
    { op: "ListContactChannels", input: { ContactId: contactArn("ie-prod-suzuki") } },
  ];

  const TABLE_BEFORE =
    "CONTACT         CHANNEL               TYPE   ADDRESS             STATUS\n" +
    "ie-prod-sato    ie-prod-sato-email    EMAIL  s•••@example.com    NOT_ACTIVATED\n" +
    "ie-prod-sato    ie-prod-sato-sms      SMS    +81••••••••01       NOT_ACTIVATED\n" +
    "ie-prod-suzuki  ie-prod-suzuki-email  EMAIL  s•••••@example.com  NOT_ACTIVATED\n";
  const TABLE_ALL_ACTIVE =
    "CONTACT         CHANNEL               TYPE   ADDRESS             STATUS\n" +
    "ie-prod-sato    ie-prod-sato-email    EMAIL  s•••@example.com    ACTIVATED\n" +
    "ie-prod-sato    ie-prod-sato-sms      SMS    +81••••••••01       ACTIVATED\n" +
    "ie-prod-suzuki  ie-prod-suzuki-email  EMAIL  s•••••@example.com  ACTIVATED\n";
  const HEADER =
    "Stack prod: contacts ie-prod-<alias> in ap-northeast-1 (the stack's aws:region)\n";

  describe("interactive", () => {
    it("happy path: asks, sends each code, activates with what was typed, shows the final table", async () => {
      const r = await run(["--stack", "prod"], {
        interactive: true,
        answers: ["y", "111111", "", "222221", "Y", "333331"],
      });
      assert.equal(r.code, 0);
      assert.deepEqual(r.regions, [REGION]);
      assert.deepEqual(calls(), [
        ...LIST_ALL,
        { op: "SendActivationCode", input: { ContactChannelId: ARN.satoEmail } },
        {
          op: "ActivateContactChannel",
          input: { ContactChannelId: ARN.satoEmail, ActivationCode: "111111" },
        },
        { op: "SendActivationCode", input: { ContactChannelId: ARN.satoSms } },
        {
          op: "ActivateContactChannel",
          input: { ContactChannelId: ARN.satoSms, ActivationCode: "222221" },
        },
        { op: "SendActivationCode", input: { ContactChannelId: ARN.suzukiEmail } },
        {
          op: "ActivateContactChannel",
          input: { ContactChannelId: ARN.suzukiEmail, ActivationCode: "333331" },
        },
        ...LIST_ALL,
      ]);
      assert.equal(
        r.stdout,
        HEADER +
          "\n" +
          TABLE_BEFORE +
          "\n" +
          "Send an activation code to ie-prod-sato-email (an email to s•••@example.com)? [Y/n/q] " +
          "ie-prod-sato-email: code sent (an email to s•••@example.com).\n" +
          "Code for ie-prod-sato-email (sent as an email to s•••@example.com; Enter to skip): " +
          "ie-prod-sato-email: ACTIVATED.\n" +
          "Send an activation code to ie-prod-sato-sms (an SMS to +81••••••••01)? [Y/n/q] " +
          "ie-prod-sato-sms: code sent (an SMS to +81••••••••01).\n" +
          "Code for ie-prod-sato-sms (sent as an SMS to +81••••••••01; Enter to skip): " +
          "ie-prod-sato-sms: ACTIVATED.\n" +
          "Send an activation code to ie-prod-suzuki-email (an email to s•••••@example.com)? [Y/n/q] " +
          "ie-prod-suzuki-email: code sent (an email to s•••••@example.com).\n" +
          "Code for ie-prod-suzuki-email (sent as an email to s•••••@example.com; Enter to skip): " +
          "ie-prod-suzuki-email: ACTIVATED.\n" +
          "\nNow:\n" +
          TABLE_ALL_ACTIVE +
          "\nAll 3 contact channel(s) are ACTIVATED.\n",
      );
      assert.equal(r.stderr, "");
    });

    it("--yes sends without asking; n skips a channel (nothing sent) and q stops", async () => {
      const yes = await run(["--stack", "prod", "--yes"], {
        interactive: true,
        answers: ["111111", "222221", "333331"],
      });
      assert.equal(yes.code, 0);
      assert.equal(opsOf("SendActivationCode").length, 3);
      assert.ok(!yes.stdout.includes("[Y/n/q]"));

      contacts.resetHistory();
      fake = new FakeContacts();
      const r = await run(["--stack", "prod"], { interactive: true, answers: ["n", "q"] });
      assert.equal(r.code, 1);
      assert.deepEqual(opsOf("SendActivationCode"), []);
      assert.deepEqual(opsOf("ActivateContactChannel"), []);
      assert.ok(r.stdout.includes("ie-prod-sato-email: skipped.\n"));
      assert.ok(r.stdout.includes("Stopped: the remaining channels are skipped.\n"));
      assert.ok(
        r.stdout.endsWith(
          "\n3 contact channel(s) are still NOT_ACTIVATED and page nobody. See docs/activation.md.\n",
        ),
      );
    });

    it("wrong code, then the right one at the single retry prompt", async () => {
      fake.channels[1].status = "ACTIVATED";
      fake.channels[2].status = "ACTIVATED";
      const r = await run(["--stack", "prod"], {
        interactive: true,
        answers: ["y", "999999", "111111"],
      });
      assert.deepEqual(opsOf("ActivateContactChannel"), [
        { ContactChannelId: ARN.satoEmail, ActivationCode: "999999" },
        { ContactChannelId: ARN.satoEmail, ActivationCode: "111111" },
      ]);
      assert.equal(
        r.stderr,
        "ie-prod-sato-email: ssm-contacts:ActivateContactChannel failed: the activation code was not accepted — it is wrong or has expired. " +
          "Check the latest code sent to the device (older codes stop working once a new one is sent) or send a new code and try again. " +
          "(ValidationException: Invalid activation code)\n",
      );
      assert.ok(
        r.stdout.includes(
          'Code for ie-prod-sato-email again ("resend" for a new code to an email to s•••@example.com, Enter to skip): ' +
            "ie-prod-sato-email: ACTIVATED.\n",
        ),
      );
      assert.equal(r.code, 0);
    });

    it("two wrong codes: gives up on the channel after one retry", async () => {
      fake.channels = [fake.channels[0], fake.channels[2]];
      const r = await run(["--stack", "prod", "--yes"], {
        interactive: true,
        answers: ["999999", "12ab", "333331"],
      });
      assert.deepEqual(opsOf("ActivateContactChannel"), [
        { ContactChannelId: ARN.satoEmail, ActivationCode: "999999" },
        { ContactChannelId: ARN.suzukiEmail, ActivationCode: "333331" },
      ]);
      assert.ok(
        r.stderr.includes('ie-prod-sato-email: "12ab" is not an activation code (6-10 digits).\n'),
      );
      assert.ok(
        r.stderr.includes(
          "ie-prod-sato-email: not activated; run the tool again for a new code.\n",
        ),
      );
      assert.equal(r.code, 1);
    });

    it("expired code: 'resend' sends a new code, the new one activates", async () => {
      fake.channels[0].status = "ACTIVATED";
      fake.channels[1].status = "ACTIVATED";
      fake.sent.set(ARN.suzukiEmail, 1); // an earlier run sent 333331
      // This run sends 333332; Suzuki types the code from the older email, then asks for a new one.
      const r = await run(["--stack", "prod", "--yes"], {
        interactive: true,
        answers: ["333331", "resend", "333333"],
      });
      assert.equal(r.code, 0);
      assert.deepEqual(opsOf("SendActivationCode"), [
        { ContactChannelId: ARN.suzukiEmail },
        { ContactChannelId: ARN.suzukiEmail },
      ]);
      assert.deepEqual(opsOf("ActivateContactChannel"), [
        { ContactChannelId: ARN.suzukiEmail, ActivationCode: "333331" },
        { ContactChannelId: ARN.suzukiEmail, ActivationCode: "333333" },
      ]);
      assert.ok(
        r.stdout.includes(
          "ie-prod-suzuki-email: new code sent (an email to s•••••@example.com).\n" +
            "Code for ie-prod-suzuki-email (the new one; Enter to skip): " +
            "ie-prod-suzuki-email: ACTIVATED.\n",
        ),
      );
      assert.equal(
        r.stderr,
        "ie-prod-suzuki-email: ssm-contacts:ActivateContactChannel failed: the activation code was not accepted — it is wrong or has expired. " +
          "Check the latest code sent to the device (older codes stop working once a new one is sent) or send a new code and try again. " +
          "(ValidationException: Invalid activation code)\n",
      );
    });

    it("end of input at a prompt skips the channel", async () => {
      const r = await run(["--stack", "prod", "--yes"], { interactive: true, answers: [] });
      assert.equal(r.code, 1);
      assert.equal(opsOf("SendActivationCode").length, 3);
      assert.deepEqual(opsOf("ActivateContactChannel"), []);
      assert.ok(r.stdout.includes("ie-prod-sato-email: skipped; still NOT_ACTIVATED.\n"));
    });
  });

  describe("without a terminal", () => {
    it("--code for one of two channels: activates it without sending a code; skips the other", async () => {
      fake.channels[2].status = "ACTIVATED";
      fake.sent.set(ARN.satoSms, 1); // sent by an earlier run (--yes, console or CLI)
      const r = await run(["--stack", "prod", "--code", "ie-prod-sato-sms=222221"]);
      assert.deepEqual(opsOf("SendActivationCode"), []);
      assert.deepEqual(opsOf("ActivateContactChannel"), [
        { ContactChannelId: ARN.satoSms, ActivationCode: "222221" },
      ]);
      assert.equal(
        r.stderr,
        "note: --code puts activation codes in shell history, the process list and npm's logs; prefer the prompt (run at a terminal) or --codes-from - (codes on standard input)\n" +
          "ie-prod-sato-email: skipped — no terminal to ask for the code, and no code for it (--codes-from). No code was sent.\n" +
          "\n1 channel(s) skipped. Either run this at a terminal, or send the codes without prompting:\n" +
          "  npm run activate -- --stack prod --yes\n" +
          "and, once they have arrived, pass them:\n" +
          "  npm run activate -- --stack prod --codes-from -\n" +
          "  then type ie-prod-sato-email=<code> (one per line) and press Ctrl-D\n",
      );
      assert.ok(
        r.stdout.endsWith(
          "ie-prod-sato-sms: ACTIVATED.\n" +
            "\nNow:\n" +
            "CONTACT         CHANNEL               TYPE   ADDRESS             STATUS\n" +
            "ie-prod-sato    ie-prod-sato-email    EMAIL  s•••@example.com    NOT_ACTIVATED\n" +
            "ie-prod-sato    ie-prod-sato-sms      SMS    +81••••••••01       ACTIVATED\n" +
            "ie-prod-suzuki  ie-prod-suzuki-email  EMAIL  s•••••@example.com  ACTIVATED\n" +
            "\n1 contact channel(s) are still NOT_ACTIVATED and page nobody. See docs/activation.md.\n",
        ),
        r.stdout,
      );
      assert.equal(r.code, 1);
    });

    it("no code: sends nothing, activates nothing, says how to pass codes on standard input, exit 1", async () => {
      const r = await run(["--stack", "prod"]);
      assert.equal(r.code, 1);
      assert.deepEqual(calls(), LIST_ALL);
      assert.equal(
        r.stdout,
        `${HEADER}\n${TABLE_BEFORE}\n\n3 contact channel(s) are still NOT_ACTIVATED and page nobody. See docs/activation.md.\n`,
      );
      assert.equal(
        r.stderr,
        "ie-prod-sato-email: skipped — no terminal to ask for the code, and no code for it (--codes-from). No code was sent.\n" +
          "ie-prod-sato-sms: skipped — no terminal to ask for the code, and no code for it (--codes-from). No code was sent.\n" +
          "ie-prod-suzuki-email: skipped — no terminal to ask for the code, and no code for it (--codes-from). No code was sent.\n" +
          "\n3 channel(s) skipped. Either run this at a terminal, or send the codes without prompting:\n" +
          "  npm run activate -- --stack prod --yes\n" +
          "and, once they have arrived, pass them:\n" +
          "  npm run activate -- --stack prod --codes-from -\n" +
          "  then type ie-prod-sato-email=<code>, ie-prod-sato-sms=<code>, ie-prod-suzuki-email=<code> (one per line) and press Ctrl-D\n",
      );
    });

    it("--yes: sends codes to the channels without --code and prints the command to finish", async () => {
      const r = await run(["--stack", "prod", "--yes"]);
      assert.equal(r.code, 1);
      assert.deepEqual(opsOf("SendActivationCode"), [
        { ContactChannelId: ARN.satoEmail },
        { ContactChannelId: ARN.satoSms },
        { ContactChannelId: ARN.suzukiEmail },
      ]);
      assert.deepEqual(opsOf("ActivateContactChannel"), []);
      assert.ok(
        r.stdout.includes(
          "ie-prod-sato-sms: code sent (an SMS to +81••••••••01). When it arrives, run:\n" +
            "  npm run activate -- --stack prod --codes-from -\n" +
            "  then type ie-prod-sato-sms=<code> (one per line) and press Ctrl-D\n",
        ),
      );
      assert.equal(r.stderr, "");

      // ...and the second run, with the codes on standard input, activates everything.
      contacts.resetHistory();
      const done = await run(["--stack", "prod", "--codes-from", "-"], {
        answers: [
          "# codes received",
          "ie-prod-sato-email=111111",
          "",
          "ie-prod-sato-sms=222221",
          "ie-prod-suzuki-email=333331",
        ],
      });
      assert.equal(done.code, 0);
      assert.equal(done.stderr, "");
      assert.deepEqual(opsOf("ActivateContactChannel"), [
        { ContactChannelId: ARN.satoEmail, ActivationCode: "111111" },
        { ContactChannelId: ARN.satoSms, ActivationCode: "222221" },
        { ContactChannelId: ARN.suzukiEmail, ActivationCode: "333331" },
      ]);
      assert.deepEqual(opsOf("SendActivationCode"), []);
      assert.ok(
        done.stdout.endsWith(
          `\nNow:\n${TABLE_ALL_ACTIVE}\nAll 3 contact channel(s) are ACTIVATED.\n`,
        ),
      );
    });

    it("expired --code: clear message, no retry, exit 1", async () => {
      fake.sent.set(ARN.satoEmail, 2); // a newer code was sent since
      const r = await run(["--stack", "prod", "--code", "ie-prod-sato-email=111111"]);
      assert.equal(r.code, 1);
      assert.deepEqual(opsOf("ActivateContactChannel"), [
        { ContactChannelId: ARN.satoEmail, ActivationCode: "111111" },
      ]);
      assert.ok(
        r.stderr.startsWith(
          "note: --code puts activation codes in shell history, the process list and npm's logs; prefer the prompt (run at a terminal) or --codes-from - (codes on standard input)\n" +
            "ie-prod-sato-email: ssm-contacts:ActivateContactChannel failed: the activation code was not accepted — it is wrong or has expired.",
        ),
      );
      assert.ok(
        r.stderr.includes(
          "ie-prod-sato-email: not activated. Send a new code (run this at a terminal, or with --yes) and pass it with --codes-from (a line ie-prod-sato-email=<code>).\n",
        ),
      );
    });

    it("a --code naming no channel of the stack is a usage error before anything is sent", async () => {
      const r = await run(["--stack", "prod", "--yes", "--code", "ie-prod-sato-fax=123456"]);
      assert.equal(r.code, 2);
      assert.deepEqual(calls(), LIST_ALL);
      assert.equal(
        r.stderr,
        "note: --code puts activation codes in shell history, the process list and npm's logs; prefer the prompt (run at a terminal) or --codes-from - (codes on standard input)\n" +
          "activate: a code names no channel of this stack: ie-prod-sato-fax. Channels: ie-prod-sato-email, ie-prod-sato-sms, ie-prod-suzuki-email\n",
      );
    });

    it("a --code for an ACTIVATED channel is not used", async () => {
      for (const c of fake.channels) c.status = "ACTIVATED";
      const r = await run(["--stack", "prod", "--code", "ie-prod-sato-sms=222221"]);
      assert.equal(r.code, 0);
      assert.deepEqual(calls(), LIST_ALL);
      assert.ok(r.stdout.includes("ie-prod-sato-sms: already ACTIVATED; its code is not used.\n"));
    });
  });

  describe("codes from --codes-from (never on the command line)", () => {
    it("- reads <channel>=<code> lines from standard input and prompts for nothing, even at a terminal", async () => {
      fake.channels[2].status = "ACTIVATED";
      fake.sent.set(ARN.satoSms, 1); // sent by an earlier run
      const r = await run(["--stack", "prod", "--codes-from", "-"], {
        interactive: true,
        answers: ["ie-prod-sato-sms=222221"],
      });
      assert.deepEqual(opsOf("SendActivationCode"), []);
      assert.deepEqual(opsOf("ActivateContactChannel"), [
        { ContactChannelId: ARN.satoSms, ActivationCode: "222221" },
      ]);
      assert.ok(!r.stdout.includes("Code for"), r.stdout);
      assert.ok(r.stdout.includes("ie-prod-sato-sms: ACTIVATED.\n"), r.stdout);
      assert.ok(!r.stdout.includes("222221") && !r.stderr.includes("222221"));
      assert.equal(r.code, 1); // sato's e-mail is still NOT_ACTIVATED
    });

    it("a file path is read relative to where npm run was typed (INIT_CWD)", async () => {
      fake.channels[2].status = "ACTIVATED";
      fake.sent.set(ARN.satoEmail, 1);
      fake.sent.set(ARN.satoSms, 1);
      const dir = mkdtempSync(path.join(os.tmpdir(), "activate-codes-"));
      try {
        writeFileSync(
          path.join(dir, "codes.txt"),
          "ie-prod-sato-email=111111\r\nie-prod-sato-sms=222221\n",
        );
        const r = await run(["--stack", "prod", "--codes-from", "codes.txt"], {
          env: { INIT_CWD: dir },
        });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stderr, "");
        assert.deepEqual(opsOf("ActivateContactChannel"), [
          { ContactChannelId: ARN.satoEmail, ActivationCode: "111111" },
          { ContactChannelId: ARN.satoSms, ActivationCode: "222221" },
        ]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("a malformed line, a short code, a duplicate or an unreadable file: exit 2 before any AWS call, the code never echoed", async () => {
      const cases: [readonly string[], readonly string[], string][] = [
        [
          ["--codes-from", "-"],
          ["ie-prod-sato-sms 222221"],
          "--codes-from standard input line 1: expected <channel-name>=<code>",
        ],
        [
          ["--codes-from", "-"],
          ["", "ie-prod-sato-sms=22"],
          "--codes-from standard input line 2: ie-prod-sato-sms=…: an activation code is 6-10 digits",
        ],
        [
          ["--code", "ie-prod-sato-sms=222221", "--codes-from", "-"],
          ["ie-prod-sato-sms=222229"],
          "--codes-from standard input line 1: a code for ie-prod-sato-sms is given twice",
        ],
      ];
      for (const [flags, lines, message] of cases) {
        contacts.resetHistory();
        const r = await run(["--stack", "prod", ...flags], { answers: lines });
        assert.equal(r.code, 2, message);
        assert.deepEqual(calls(), [], message);
        assert.ok(r.stderr.includes(`activate: ${message}\n\n${ACTIVATE_USAGE}\n`), r.stderr);
        assert.ok(!r.stderr.includes("222229") && !r.stderr.includes("=22\n"), r.stderr);
      }
      const missing = await run(["--stack", "prod", "--codes-from", "/nonexistent/codes.txt"]);
      assert.equal(missing.code, 2);
      assert.deepEqual(calls(), []);
      assert.match(
        missing.stderr,
        /^activate: --codes-from \/nonexistent\/codes\.txt: cannot read it \(ENOENT: no such file or directory, open '\/nonexistent\/codes\.txt'\)\n$/,
      );
    });

    it("--code still works but warns that the code lands in shell history and ps", async () => {
      for (const c of fake.channels) c.status = "ACTIVATED";
      const r = await run(["--stack", "prod", "--code", "ie-prod-sato-sms=222221"]);
      assert.equal(
        r.stderr,
        "note: --code puts activation codes in shell history, the process list and npm's logs; prefer the prompt (run at a terminal) or --codes-from - (codes on standard input)\n",
      );
    });
  });

  describe("listing", () => {
    it("follows NextToken through ListContacts and ListContactChannels; ignores other stacks' contacts", async () => {
      fake.pageSize = 1;
      fake.others = [{ alias: "ie-prod-eu-kato", arn: contactArn("ie-prod-eu-kato") }];
      for (const c of fake.channels) c.status = "ACTIVATED";
      const r = await run(["--stack", "prod"]);
      assert.equal(r.code, 0);
      assert.deepEqual(calls(), [
        { op: "ListContacts", input: { AliasPrefix: "ie-prod-", Type: "PERSONAL" } },
        {
          op: "ListContacts",
          input: { AliasPrefix: "ie-prod-", Type: "PERSONAL", NextToken: "1" },
        },
        {
          op: "ListContacts",
          input: { AliasPrefix: "ie-prod-", Type: "PERSONAL", NextToken: "2" },
        },
        { op: "ListContactChannels", input: { ContactId: contactArn("ie-prod-sato") } },
        {
          op: "ListContactChannels",
          input: { ContactId: contactArn("ie-prod-sato"), NextToken: "1" },
        },
        { op: "ListContactChannels", input: { ContactId: contactArn("ie-prod-suzuki") } },
      ]);
      assert.equal(
        r.stdout,
        `${HEADER}\n${TABLE_ALL_ACTIVE}\nAll 3 contact channel(s) are ACTIVATED.\n`,
      );
      assert.equal(
        r.stderr,
        "note: ignoring contacts that are not in this stack's config: ie-prod-eu-kato\n",
      );
    });

    it("nothing deployed: exit 1 and says so", async () => {
      fake.channels = [];
      const r = await run(["--stack", "prod"]);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        "not found in ap-northeast-1: ie-prod-sato, ie-prod-suzuki. Has the stack been deployed (pulumi up --stack prod) to this account and region?\n",
      );
      assert.equal(r.stdout, `${HEADER}\n(no contact channels)\n`);
    });
  });

  describe("AWS errors", () => {
    it("throttling on one channel: message, the others go on, exit 1", async () => {
      fake.failures.set(
        "SendActivationCode:ie-prod-sato-sms",
        new ThrottlingException(errorOpts("Rate exceeded")),
      );
      const r = await run(["--stack", "prod", "--yes"], {
        interactive: true,
        answers: ["111111", "333331"],
      });
      assert.equal(r.code, 1);
      assert.deepEqual(opsOf("ActivateContactChannel"), [
        { ContactChannelId: ARN.satoEmail, ActivationCode: "111111" },
        { ContactChannelId: ARN.suzukiEmail, ActivationCode: "333331" },
      ]);
      assert.equal(
        r.stderr,
        "ie-prod-sato-sms: ssm-contacts:SendActivationCode failed: AWS is throttling requests (the SDK already retried with backoff). " +
          "Wait a minute and run the command again. (ThrottlingException: Rate exceeded)\n",
      );
    });

    it("missing credentials: exit 2 before anything is sent", async () => {
      const err = Object.assign(new Error("Could not load credentials from any providers"), {
        name: "CredentialsProviderError",
      });
      fake.failures.set("ListContacts", err);
      const r = await run(["--stack", "prod", "--yes"]);
      assert.equal(r.code, 2);
      assert.equal(calls().length, 1);
      assert.equal(
        r.stderr,
        "activate: ssm-contacts:ListContacts failed: no usable AWS credentials. Set AWS_PROFILE (and run `aws sso login` if it is an SSO profile), " +
          "or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, then check with `aws sts get-caller-identity`. " +
          "(CredentialsProviderError: Could not load credentials from any providers)\n",
      );
    });

    it("credentials expiring mid-run abort with exit 2", async () => {
      fake.failures.set(
        "ActivateContactChannel:ie-prod-sato-email",
        Object.assign(new Error("The security token included in the request is expired"), {
          name: "ExpiredTokenException",
        }),
      );
      const r = await run(["--stack", "prod", "--yes"], { interactive: true, answers: ["111111"] });
      assert.equal(r.code, 2);
      assert.equal(opsOf("SendActivationCode").length, 1);
      assert.ok(
        r.stderr.startsWith(
          "activate: ssm-contacts:ActivateContactChannel failed: no usable AWS credentials.",
        ),
      );
    });

    it("missing region: exit 2, no client is created", async () => {
      const r = await run(["--stack", "noregion"]);
      assert.equal(r.code, 2);
      assert.deepEqual(r.regions, []);
      assert.deepEqual(calls(), []);
      assert.equal(
        r.stderr,
        "activate: no AWS region: pass --region <region>, set aws:region in the stack config, or set AWS_REGION (or AWS_DEFAULT_REGION).\n",
      );
      assert.equal(r.stdout, "");
    });

    it("region from --region, else the stack, else AWS_REGION / AWS_DEFAULT_REGION", async () => {
      for (const c of fake.channels) c.status = "ACTIVATED";
      const env = await run(["--stack", "noregion"], { env: { AWS_DEFAULT_REGION: "us-west-2" } });
      assert.deepEqual(env.regions, ["us-west-2"]);
      assert.ok(
        env.stdout.startsWith(
          "Stack noregion: contacts ie-prod-<alias> in us-west-2 (AWS_DEFAULT_REGION)\n",
        ),
      );
      const flag = await run(["--stack", "prod", "--region", "eu-west-1"], {
        env: { AWS_REGION: "us-east-1" },
      });
      assert.deepEqual(flag.regions, ["eu-west-1"]);
      const stack = await run(["--stack", "prod"], { env: { AWS_REGION: "us-east-1" } });
      assert.deepEqual(stack.regions, [REGION]);
      assert.equal(
        stack.stderr,
        "note: AWS_REGION=us-east-1 is ignored: the stack deploys to aws:region ap-northeast-1; pass --region to override\n",
      );
    });

    it("account without Incident Manager: exit 2, says so", async () => {
      fake.failures.set(
        "ListContacts",
        new ValidationException(errorOpts("Replication set is not found for this account")),
      );
      const r = await run(["--stack", "prod"]);
      assert.equal(r.code, 2);
      assert.equal(
        r.stderr,
        "activate: ssm-contacts:ListContacts failed: Incident Manager is not set up in this account/region (no replication set). " +
          "Incident Manager has been closed to new customers since 2025-11-07; accounts already onboarded keep using it. " +
          "Check that this is the account and region the stack was deployed to. " +
          "(ValidationException: Replication set is not found for this account)\n",
      );
    });

    it("access denied names the missing permission", async () => {
      fake.failures.set(
        "ListContacts",
        new AccessDeniedException(
          errorOpts(
            `User: arn:aws:iam::${ACCOUNT}:user/ci is not authorized to perform: ssm-contacts:ListContacts`,
            403,
          ),
        ),
      );
      const r = await run(["--stack", "prod"]);
      assert.equal(r.code, 2);
      assert.ok(
        r.stderr.startsWith(
          'activate: ssm-contacts:ListContacts failed: access denied. The caller\'s IAM policy must allow "ssm-contacts:ListContacts" on the resource',
        ),
      );

      fake.failures.clear();
      fake.failures.set("SendActivationCode", new AccessDeniedException(errorOpts("denied")));
      const send = await run(["--stack", "prod", "--yes"]);
      assert.equal(send.code, 1);
      assert.ok(
        send.stderr.includes(
          'ie-prod-sato-email: ssm-contacts:SendActivationCode failed: access denied. The caller\'s IAM policy must allow "ssm-contacts:SendActivationCode"',
        ),
      );
    });

    it("an AWS message quoting an address is printed masked", async () => {
      fake.failures.set(
        "SendActivationCode:ie-prod-sato-sms",
        new ValidationException(errorOpts(`Cannot send to ${SATO_PHONE} or 819000000001`)),
      );
      const r = await run(["--stack", "prod", "--yes"]);
      assert.ok(r.stderr.includes("Cannot send to +81••••••••01 or +81••••••••01"), r.stderr);
    });

    it("the real SDK's missing-region error is described as such", async () => {
      const keys = ["AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_CONFIG_FILE"] as const;
      const saved = keys.map((k) => [k, process.env[k]] as const);
      try {
        delete process.env.AWS_REGION;
        delete process.env.AWS_DEFAULT_REGION;
        delete process.env.AWS_PROFILE;
        process.env.AWS_CONFIG_FILE = path.join(stackDir, "no-such-config");
        const real = new SSMContactsClient({
          credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
        });
        const err = await real.send(new ListContactsCommand({})).then(
          () => assert.fail("expected a rejection"),
          (e: unknown) => e,
        );
        assert.equal(classifyAwsError(err, "ssm-contacts:ListContacts"), "region");
        assert.equal(
          describeAwsError(err, "ssm-contacts:ListContacts"),
          "ssm-contacts:ListContacts failed: no AWS region. Pass --region <region>, or set AWS_REGION (or AWS_DEFAULT_REGION), or set aws:region in the stack config. (Error: Region is missing)",
        );
      } finally {
        for (const [k, v] of saved) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      }
    });
  });

  describe("usage and config", () => {
    it("usage errors exit 2 with the usage text", async () => {
      for (const [argv, message] of [
        [[], "--stack <name> is required"],
        [["--stack", "prod", "--bogus"], "Unknown option '--bogus'"],
        [
          ["--stack", "prod", "--code", "ie-prod-sato-sms"],
          "--code: expected <channel-name>=<code>",
        ],
        [
          ["--stack", "prod", "--code", "ie-prod-sato-sms=12"],
          "--code: ie-prod-sato-sms=…: an activation code is 6-10 digits",
        ],
        [
          ["--stack", "prod", "--code", "a=123456", "--code", "a=654321"],
          "--code: a code for a is given twice",
        ],
        [["--stack", "prod", "--codes-from", ""], "--codes-from needs a file path or -"],
      ] as const) {
        const r = await run(argv);
        assert.equal(r.code, 2, argv.join(" "));
        assert.ok(r.stderr.startsWith(`activate: ${message}`), r.stderr);
        assert.ok(r.stderr.endsWith(`${ACTIVATE_USAGE}\n`));
      }
      assert.deepEqual(calls(), []);
    });

    it("an unknown stack and an invalid config exit 2 before any AWS call", async () => {
      const missing = await run(["--stack", "nope"]);
      assert.equal(missing.code, 2);
      assert.equal(
        missing.stderr,
        `activate: ${path.join(stackDir, "Pulumi.nope.yaml")}: no such stack config file (is --stack right?)\n`,
      );
      const broken = await run(["--stack", "broken"]);
      assert.equal(broken.code, 2);
      assert.ok(broken.stderr.includes("contacts[0].phone: is not E.164"), broken.stderr);
      assert.deepEqual(calls(), []);
    });

    it("--help as a child process: exit 0 and the usage text", () => {
      const r = spawnSync(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", "cli/activate.ts", "--help"],
        { cwd: ROOT, encoding: "utf8", timeout: 60000 },
      );
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `${ACTIVATE_USAGE}\n`);
      assert.ok(r.stdout.startsWith("Usage: npm run activate -- --stack <name>"));
    });
  });
});

describe("tools/activate: pure core", () => {
  const ch = (name: string, status: string, type = "EMAIL", address = "a@b.c"): ChannelInfo => ({
    contactAlias: name.replace(/-(email|sms|voice)$/, ""),
    name,
    arn: `arn:aws:ssm-contacts:${REGION}:${ACCOUNT}:contact-channel/x/${name}`,
    type,
    address,
    status,
  });

  it("maskAddress never returns the address", () => {
    const cases: [string, string][] = [
      ["+819000000001", "+81••••••••01"],
      ["+15555550123", "+15•••••••23"],
      ["+1234567", "+•••••••"],
      ["sato@example.com", "s•••@example.com"],
      ["ab@example.com", "•••@example.com"],
      ["x@example.com", "•••@example.com"],
      ["something-else", "s••••••••••••e"],
      ["abc", "•••"],
      ["", ""],
    ];
    for (const [input, want] of cases) {
      assert.equal(maskAddress(input), want, input);
      if (input) assert.ok(!maskAddress(input).includes(input));
    }
  });

  it("scrubAddresses replaces addresses (and phone digits without +) in free text", () => {
    assert.equal(
      scrubAddresses("to +819000000001, 819000000001 and sato@example.com.", [
        "+819000000001",
        "sato@example.com",
      ]),
      "to +81••••••••01, +81••••••••01 and s•••@example.com.",
    );
  });

  it("planActivation: what happens to each channel", () => {
    const channels = [
      ch("p-a-email", "ACTIVATED"),
      ch("p-a-sms", "NOT_ACTIVATED", "SMS"),
      ch("p-b-email", "NOT_ACTIVATED"),
    ];
    const codes = new Map([
      ["p-a-email", "111111"],
      ["p-b-email", "222222"],
      ["p-zz", "333333"],
    ]);
    const kinds = (interactive: boolean, yes: boolean, c = codes) =>
      planActivation(channels, c, interactive, yes).steps.map((s) =>
        s.kind === "send-and-ask" ? `${s.kind}${s.confirm ? "?" : ""}` : s.kind,
      );
    assert.deepEqual(kinds(true, false), ["active", "send-and-ask?", "use-code"]);
    assert.deepEqual(kinds(true, true), ["active", "send-and-ask", "use-code"]);
    assert.deepEqual(kinds(false, false), ["active", "skip", "use-code"]);
    assert.deepEqual(kinds(false, true), ["active", "send-only", "use-code"]);
    assert.deepEqual(kinds(false, false, new Map()), ["active", "skip", "skip"]);
    const plan = planActivation(channels, codes, false);
    assert.deepEqual(plan.unknownCodes, ["p-zz"]);
    assert.deepEqual(plan.steps[0], { kind: "active", channel: channels[0], ignoredCode: true });
    assert.deepEqual(plan.steps[2], { kind: "use-code", channel: channels[2], code: "222222" });
  });

  it("renderTable masks and aligns", () => {
    assert.equal(
      renderTable([
        ch("p-a-sms", "NOT_ACTIVATED", "SMS", "+819000000001"),
        ch("p-a-email", "ACTIVATED", "", ""),
      ]),
      "CONTACT  CHANNEL    TYPE  ADDRESS        STATUS\n" +
        "p-a      p-a-sms    SMS   +81••••••••01  NOT_ACTIVATED\n" +
        "p-a      p-a-email  -     -              ACTIVATED\n",
    );
    assert.equal(renderTable([]), "(no contact channels)\n");
  });

  it("resolveRegion: --region, stack, AWS_REGION, AWS_DEFAULT_REGION", () => {
    assert.deepEqual(resolveRegion("eu-west-1", { AWS_REGION: "us-east-1" }, REGION), {
      region: "eu-west-1",
      source: "--region",
    });
    assert.deepEqual(resolveRegion(undefined, {}, REGION), {
      region: REGION,
      source: "the stack's aws:region",
      note: undefined,
    });
    assert.equal(resolveRegion(undefined, { AWS_REGION: REGION }, REGION)?.note, undefined);
    assert.deepEqual(
      resolveRegion(
        undefined,
        { AWS_REGION: "us-east-1", AWS_DEFAULT_REGION: "us-west-2" },
        undefined,
      ),
      { region: "us-east-1", source: "AWS_REGION" },
    );
    assert.deepEqual(resolveRegion(undefined, { AWS_DEFAULT_REGION: "us-west-2" }, undefined), {
      region: "us-west-2",
      source: "AWS_DEFAULT_REGION",
    });
    assert.equal(resolveRegion(undefined, {}, undefined), undefined);
  });

  it("parseActivateArgs", () => {
    assert.deepEqual(parseActivateArgs(["--help"]), { kind: "help", text: ACTIVATE_USAGE });
    assert.deepEqual(
      parseActivateArgs(["--stack", "prod", "--code", "a-b=0123456789", "--yes", "--region", "r"]),
      {
        kind: "run",
        args: { stack: "prod", region: "r", codes: new Map([["a-b", "0123456789"]]), yes: true },
      },
    );
  });

  it("exitCodeFor", () => {
    assert.equal(exitCodeFor([ch("a", "ACTIVATED")], []), 0);
    assert.equal(exitCodeFor([ch("a", "ACTIVATED"), ch("b", "NOT_ACTIVATED")], []), 1);
    assert.equal(exitCodeFor([ch("a", "ACTIVATED")], ["p-missing"]), 1);
    assert.equal(exitCodeFor([], []), 1);
  });
});

describe("tools/awsErrors", () => {
  const err = (name: string, message: string, status?: number) =>
    Object.assign(new Error(message), {
      name,
      ...(status ? { $metadata: { httpStatusCode: status } } : {}),
    });
  const ACT = "ssm-contacts:ActivateContactChannel";
  const LIST = "ssm-contacts:ListContacts";

  it("classifyAwsError", () => {
    const cases: [unknown, string, string][] = [
      [new ValidationException(errorOpts("Invalid code")), ACT, "wrong-code"],
      [new ValidationException(errorOpts("bad")), LIST, "rejected"],
      [new ThrottlingException(errorOpts("Rate exceeded")), LIST, "throttled"],
      [err("SomethingElse", "slow down", 429), LIST, "throttled"],
      [
        err("CredentialsProviderError", "Could not load credentials from any providers"),
        LIST,
        "credentials",
      ],
      [new Error("Could not load credentials from any providers"), LIST, "credentials"],
      [
        err(
          "UnrecognizedClientException",
          "The security token included in the request is invalid",
          400,
        ),
        LIST,
        "credentials",
      ],
      [new Error("Region is missing"), LIST, "region"],
      [new AccessDeniedException(errorOpts("not authorized")), LIST, "access-denied"],
      [
        err("AccessDeniedException", "Incident Manager is not onboarded for this account"),
        LIST,
        "not-onboarded",
      ],
      [err("ResourceNotFoundException", "Replication set not found"), ACT, "not-onboarded"],
      [new ValidationException(errorOpts("No replication-set exists")), ACT, "not-onboarded"],
      [err("ResourceNotFoundException", "contact not found"), ACT, "not-found"],
      [
        Object.assign(new Error("getaddrinfo ENOTFOUND ssm-contacts.xx.amazonaws.com"), {
          code: "ENOTFOUND",
        }),
        LIST,
        "network",
      ],
      [err("TimeoutError", "socket timed out"), LIST, "network"],
      ["a string", LIST, "unknown"],
      [undefined, LIST, "unknown"],
    ];
    for (const [e, action, want] of cases) {
      assert.equal(classifyAwsError(e, action), want, `${String(e)} ${action}`);
    }
    assert.deepEqual(
      (
        [
          "credentials",
          "region",
          "not-onboarded",
          "access-denied",
          "throttled",
          "wrong-code",
        ] as const
      ).map(isSetupError),
      [true, true, true, false, false, false],
    );
  });

  it("describeAwsError: exact messages", () => {
    assert.equal(
      describeAwsError(
        new AccessDeniedException(errorOpts("no")),
        "ssm-contacts:SendActivationCode",
      ),
      'ssm-contacts:SendActivationCode failed: access denied. The caller\'s IAM policy must allow "ssm-contacts:SendActivationCode" on the resource (and no SCP or permissions boundary may deny it). (AccessDeniedException: no)',
    );
    assert.equal(
      describeAwsError(err("ENOTFOUND", "getaddrinfo ENOTFOUND x"), LIST),
      "ssm-contacts:ListContacts failed: could not reach AWS (network error). Check the connection, proxy settings (HTTPS_PROXY) and that the region name is correct. (ENOTFOUND: getaddrinfo ENOTFOUND x)",
    );
    assert.equal(
      describeAwsError(err("ResourceNotFoundException", "Contact not found"), ACT),
      "ssm-contacts:ActivateContactChannel failed: not found. Check that the stack has been deployed (pulumi up) to this account and region. (ResourceNotFoundException: Contact not found)",
    );
    assert.equal(
      describeAwsError(new ValidationException(errorOpts("")), LIST),
      "ssm-contacts:ListContacts failed: AWS rejected the request. (ValidationException: ) An account or region where Incident Manager is not set up (no replication set) can also answer this way.",
    );
    assert.equal(describeAwsError("boom", "x:Y"), "x:Y failed: (boom)");
  });
});
