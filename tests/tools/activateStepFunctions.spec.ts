/**
 * `npm run activate` on a `backend: step-functions` stack (tools/activateStepFunctions.ts), with
 * the SES and End User Messaging SMS clients mocked (aws-sdk-client-mock) on a copy of
 * Pulumi.selfhosted.yaml (plain example phones). Each request is a literal, checked against
 * aws-models (checkOperationInput).
 *
 * Does NOT prove: that AWS texts or mails anything, that a real code verifies, the SDK's
 * pagination against AWS, or the IAM permissions of the person running it.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough, Writable } from "node:stream";
import {
  CreateVerifiedDestinationNumberCommand,
  DescribeAccountAttributesCommand,
  DescribeVerifiedDestinationNumbersCommand,
  PinpointSMSVoiceV2Client,
  SendDestinationNumberVerificationCodeCommand,
  VerifyDestinationNumberCommand,
} from "@aws-sdk/client-pinpoint-sms-voice-v2";
import {
  CreateEmailIdentityCommand,
  GetAccountCommand,
  GetEmailIdentityCommand,
  SESv2Client,
} from "@aws-sdk/client-sesv2";
import { mockClient, type AwsStub } from "aws-sdk-client-mock";
import { activateCli } from "../../cli/activate";
import { SSMContactsClient } from "@aws-sdk/client-ssm-contacts";
import { checkOperationInput, type Service } from "../support/apiModel";

class Sink extends Writable {
  text = "";
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/* eslint-disable @typescript-eslint/no-explicit-any */
type Stub = AwsStub<any, any, any>;

function requests(stub: Stub, service: Service): { op: string; input: unknown }[] {
  return stub.calls().map((c) => {
    const cmd = c.args[0] as { constructor: { name: string }; input: unknown };
    const op = cmd.constructor.name.replace(/Command$/, "");
    assert.deepEqual(checkOperationInput(service, op, cmd.input), [], op);
    return { op, input: cmd.input };
  });
}

describe("activate, backend step-functions (SES and End User Messaging SMS sandboxes)", () => {
  let dir: string;
  let sms: Stub;
  let ses: Stub;

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "activate-sf-"));
    writeFileSync(
      path.join(dir, "Pulumi.selfhosted.yaml"),
      readFileSync(path.join(__dirname, "../../Pulumi.selfhosted.yaml"), "utf8"),
    );
    sms = mockClient(PinpointSMSVoiceV2Client);
    ses = mockClient(SESv2Client);
  });
  after(() => {
    sms.restore();
    ses.restore();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    sms.reset();
    ses.reset();
  });

  async function run(argv: string[], input: string, interactive: boolean) {
    const stdout = new Sink();
    const stderr = new Sink();
    const stdin = new PassThrough();
    stdin.end(input);
    const code = await activateCli({
      argv,
      root: dir,
      env: {},
      io: { input: stdin, stdout, stderr, interactive },
      makeClient: (region) => new SSMContactsClient({ region }),
      makeStepFunctionsClients: (region) => ({
        ses: new SESv2Client({ region }),
        sms: new PinpointSMSVoiceV2Client({ region }),
      }),
    });
    const all = stdout.text + stderr.text;
    for (const secret of ["+81900000000", "819000000", "@example.com"]) {
      assert.ok(!all.includes(secret), `output shows ${secret}: ${all}`);
    }
    return { code, stdout: stdout.text, stderr: stderr.text };
  }

  function sandboxes(): void {
    sms.on(DescribeAccountAttributesCommand).resolves({
      AccountAttributes: [{ Name: "ACCOUNT_TIER", Value: "BASIC" }],
    });
    ses.on(GetAccountCommand).resolves({ ProductionAccessEnabled: false });
    ses
      .on(GetEmailIdentityCommand)
      .rejects(Object.assign(new Error("not found"), { name: "NotFoundException" }));
    ses.on(CreateEmailIdentityCommand).resolves({});
  }

  it("interactive: adds sato's number, texts a code, verifies it; suzuki VERIFIED is skipped; a wrong code for tanaka is reported, exit 1", async () => {
    sandboxes();
    sms
      .on(DescribeVerifiedDestinationNumbersCommand, { DestinationPhoneNumbers: ["+819000000001"] })
      .resolves({ VerifiedDestinationNumbers: [] })
      .on(DescribeVerifiedDestinationNumbersCommand, { DestinationPhoneNumbers: ["+819000000002"] })
      .resolves({
        VerifiedDestinationNumbers: [
          {
            VerifiedDestinationNumberArn: "arn:x",
            VerifiedDestinationNumberId: "vdn-2",
            DestinationPhoneNumber: "+819000000002",
            Status: "VERIFIED",
            CreatedTimestamp: new Date(0),
          },
        ],
      })
      .on(DescribeVerifiedDestinationNumbersCommand, { DestinationPhoneNumbers: ["+819000000003"] })
      .resolves({
        VerifiedDestinationNumbers: [
          {
            VerifiedDestinationNumberArn: "arn:y",
            VerifiedDestinationNumberId: "vdn-3",
            DestinationPhoneNumber: "+819000000003",
            Status: "PENDING",
            CreatedTimestamp: new Date(0),
          },
        ],
      });
    sms
      .on(CreateVerifiedDestinationNumberCommand)
      .resolves({ VerifiedDestinationNumberId: "vdn-1", Status: "PENDING" });
    sms.on(SendDestinationNumberVerificationCodeCommand).resolves({ MessageId: "m" });
    sms
      .on(VerifyDestinationNumberCommand, { VerifiedDestinationNumberId: "vdn-1" })
      .resolves({ VerifiedDestinationNumberId: "vdn-1", Status: "VERIFIED" })
      .on(VerifyDestinationNumberCommand, { VerifiedDestinationNumberId: "vdn-3" })
      .rejects(Object.assign(new Error("bad code"), { name: "ValidationException" }));

    const r = await run(["--stack", "selfhosted"], "123456\n999999\n", true);
    assert.equal(r.code, 1);
    assert.deepEqual(
      requests(sms, "pinpoint-sms-voice-v2").filter((c) => c.op !== "DescribeAccountAttributes"),
      [
        {
          op: "DescribeVerifiedDestinationNumbers",
          input: { DestinationPhoneNumbers: ["+819000000001"] },
        },
        {
          op: "CreateVerifiedDestinationNumber",
          input: { DestinationPhoneNumber: "+819000000001" },
        },
        {
          op: "SendDestinationNumberVerificationCode",
          input: {
            VerifiedDestinationNumberId: "vdn-1",
            VerificationChannel: "TEXT",
            OriginationIdentity: "pool-0123456789abcdef0123456789abcdef",
          },
        },
        {
          op: "VerifyDestinationNumber",
          input: { VerifiedDestinationNumberId: "vdn-1", VerificationCode: "123456" },
        },
        {
          op: "DescribeVerifiedDestinationNumbers",
          input: { DestinationPhoneNumbers: ["+819000000002"] },
        },
        {
          op: "DescribeVerifiedDestinationNumbers",
          input: { DestinationPhoneNumbers: ["+819000000003"] },
        },
        {
          op: "SendDestinationNumberVerificationCode",
          input: {
            VerifiedDestinationNumberId: "vdn-3",
            VerificationChannel: "TEXT",
            OriginationIdentity: "pool-0123456789abcdef0123456789abcdef",
          },
        },
        {
          op: "VerifyDestinationNumber",
          input: { VerifiedDestinationNumberId: "vdn-3", VerificationCode: "999999" },
        },
      ],
    );
    assert.deepEqual(
      requests(ses, "sesv2").map((c) => c.op),
      [
        "GetAccount",
        "GetEmailIdentity",
        "CreateEmailIdentity",
        "GetEmailIdentity",
        "CreateEmailIdentity",
        "GetEmailIdentity",
        "CreateEmailIdentity",
      ],
    );
    assert.deepEqual(requests(ses, "sesv2")[2].input, { EmailIdentity: "sato@example.com" });
    assert.match(r.stdout, /sato: SMS destination VERIFIED\.\n/);
    assert.match(r.stdout, /suzuki: SMS destination VERIFIED\.\n/);
    assert.match(r.stderr, /tanaka: .*bad code/);
    assert.match(r.stdout, /sato: e-mail identity created; SES mailed a verification link/);
  });

  it("--codes-from -: verifies with the given code, sends nothing", async () => {
    sandboxes();
    sms
      .on(DescribeVerifiedDestinationNumbersCommand)
      .callsFake((input: { DestinationPhoneNumbers: string[] }) => ({
        VerifiedDestinationNumbers: [
          {
            VerifiedDestinationNumberArn: "arn:z",
            VerifiedDestinationNumberId: `vdn-${input.DestinationPhoneNumbers[0].slice(-1)}`,
            DestinationPhoneNumber: input.DestinationPhoneNumbers[0],
            Status: input.DestinationPhoneNumbers[0].endsWith("1") ? "PENDING" : "VERIFIED",
            CreatedTimestamp: new Date(0),
          },
        ],
      }));
    sms.on(VerifyDestinationNumberCommand).resolves({ Status: "VERIFIED" });
    const r = await run(
      ["--stack", "selfhosted", "--codes-from", "-"],
      "ie-selfhosted-sato-sms=654321\n",
      true,
    );
    const calls = requests(sms, "pinpoint-sms-voice-v2");
    assert.equal(calls.filter((c) => c.op === "SendDestinationNumberVerificationCode").length, 0);
    assert.deepEqual(
      calls.filter((c) => c.op === "VerifyDestinationNumber"),
      [
        {
          op: "VerifyDestinationNumber",
          input: { VerifiedDestinationNumberId: "vdn-1", VerificationCode: "654321" },
        },
      ],
      r.stdout + r.stderr,
    );
  });

  it("a code for a name that is no SMS recipient: exit 2, nothing called", async () => {
    const r = await run(
      ["--stack", "selfhosted", "--codes-from", "-"],
      "ie-selfhosted-nobody-sms=123456\n",
      false,
    );
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      "activate: a code names no SMS recipient of this stack: ie-selfhosted-nobody-sms. " +
        "Recipients: ie-selfhosted-sato-sms, ie-selfhosted-suzuki-sms, ie-selfhosted-tanaka-sms\n",
    );
    assert.equal(sms.calls().length + ses.calls().length, 0);
  });

  it("out of both sandboxes: nothing is sent, exit 0", async () => {
    sms.on(DescribeAccountAttributesCommand).resolves({
      AccountAttributes: [{ Name: "ACCOUNT_TIER", Value: "PRODUCTION" }],
    });
    ses.on(GetAccountCommand).resolves({ ProductionAccessEnabled: true });
    const r = await run(["--stack", "selfhosted"], "", true);
    assert.equal(r.code, 0);
    assert.deepEqual(
      requests(sms, "pinpoint-sms-voice-v2").map((c) => c.op),
      ["DescribeAccountAttributes"],
    );
    assert.deepEqual(
      requests(ses, "sesv2").map((c) => c.op),
      ["GetAccount"],
    );
    assert.match(r.stdout, /out of the End User Messaging SMS sandbox: nothing to do/);
    assert.match(r.stdout, /out of the SES sandbox: nothing to do/);
  });
});
