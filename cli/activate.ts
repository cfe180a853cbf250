/**
 * `npm run activate -- --stack <name> [--region <r>] [--codes-from <file>|-] [--yes]`: the
 * command line and the process's streams, client and exit code; the activation is
 * tools/activate.ts.
 *
 * Exit codes: 0 every channel of the stack is ACTIVATED; 1 some channel is still NOT_ACTIVATED
 * (skipped, wrong code, a per-channel AWS error) or a contact of the config was not found;
 * 2 the tool could not check the channels (usage, config, region, credentials, Incident Manager
 * not set up, listing failed).
 */
import * as path from "node:path";
import { SSMContactsClient } from "@aws-sdk/client-ssm-contacts";
import { PinpointSMSVoiceV2Client } from "@aws-sdk/client-pinpoint-sms-voice-v2";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import {
  parseCliArgs,
  runCliAsync,
  runMain,
  writeOutcome,
  type Cli,
  type CliArgs,
} from "../tools/cliArgs";
import { activate, addCode, type ActivateArgs, type ActivateOptions } from "../tools/activate";

export const ACTIVATE_USAGE = `Usage: npm run activate -- --stack <name> [--region <region>] [--codes-from <file>|-] [--yes]

Activates the stack's Incident Manager contact channels. Channels created by Pulumi start
NOT_ACTIVATED and page nobody until the code Incident Manager sends to the device is entered.

  --stack <name>            stack whose Pulumi.<name>.yaml names the contacts (required)
  --region <region>         region of the contacts (default: the stack's aws:region, then
                            AWS_REGION, then AWS_DEFAULT_REGION)
  --codes-from <file>|-     activate channels with codes already received, read as lines
                            <channel>=<code> (name as listed, e.g. ie-prod-sato-sms) from <file>,
                            or from standard input with "-" (type them, then Ctrl-D); no new code
                            is sent to those channels. Blank lines and "#" comments are ignored.
  --code <channel>=<code>   the same for one channel on the command line (repeatable); avoid it:
                            the code lands in shell history, the process list and npm's logs
  --yes                     send codes without asking: at a terminal, no "send a code?" question;
                            without a terminal, send codes to the channels that have no --code
                            (then run again with --code once the codes have arrived)
  --help                    this text

At a terminal: for each NOT_ACTIVATED channel, asks whether to send a code, sends it, and asks
for it (one retry; type "resend" for a new code, or press Enter to skip the channel).
Without a terminal (CI, pipes), or with --codes-from -: never prompts; channels without a code
are skipped, and get a code only with --yes.

Exit codes: 0 every channel is ACTIVATED, 1 some channel is still NOT_ACTIVATED,
2 usage, config, region, credentials or Incident Manager setup errors.

Needs: ssm-contacts:ListContacts, ListContactChannels, SendActivationCode, ActivateContactChannel.

backend: step-functions stacks have no channels to activate. While the End User Messaging SMS
account is in the sandbox, each contact paging by SMS gets its number added as a verified
destination, a code texted to it (code name <prefix>-<alias>-sms), and the code verified; while
SES is in the sandbox, each contact paging by e-mail gets an e-mail identity (click the link SES
mails). Output names contacts by alias only. Exit 0 every recipient is verified or no sandbox,
1 some is not, 2 the account state could not be read.
Needs: sms-voice:DescribeAccountAttributes, DescribeVerifiedDestinationNumbers,
CreateVerifiedDestinationNumber, SendDestinationNumberVerificationCode, VerifyDestinationNumber;
ses:GetAccount, GetEmailIdentity, CreateEmailIdentity.`;

/** Parses the command line; `--code` values are checked for shape and duplicates. */
export function parseActivateArgs(argv: readonly string[]): CliArgs<ActivateArgs> {
  return parseCliArgs(
    argv,
    ACTIVATE_USAGE,
    {
      stack: { type: "string" },
      region: { type: "string" },
      code: { type: "string", multiple: true },
      "codes-from": { type: "string" },
      yes: { type: "boolean", default: false },
    },
    (values) => {
      if (!values.stack) return { kind: "error", message: "--stack <name> is required" };
      const codes = new Map<string, string>();
      for (const spec of values.code ?? []) {
        const problem = addCode(codes, spec, "--code");
        if (problem) return { kind: "error", message: problem };
      }
      const codesFrom = values["codes-from"];
      if (codesFrom === "")
        return { kind: "error", message: "--codes-from needs a file path or -" };
      return {
        kind: "run",
        args: {
          stack: values.stack,
          region: values.region,
          codes,
          ...(codesFrom !== undefined ? { codesFrom } : {}),
          yes: values.yes,
        },
      };
    },
  );
}

export const ACTIVATE_CLI: Cli<ActivateArgs> = {
  name: "activate",
  usage: ACTIVATE_USAGE,
  parse: parseActivateArgs,
};

/** `npm run activate` in process; returns the exit code. */
export function activateCli(
  opts: ActivateOptions & { readonly argv: readonly string[] },
): Promise<0 | 1 | 2> {
  return runCliAsync(
    ACTIVATE_CLI,
    opts.argv,
    (args) => activate(args, opts),
    (outcome) => writeOutcome(outcome, opts.io),
  );
}

if (require.main === module) {
  runMain("activate", (argv) =>
    activateCli({
      argv,
      root: path.join(__dirname, ".."),
      env: process.env,
      io: {
        input: process.stdin,
        stdout: process.stdout,
        stderr: process.stderr,
        interactive: Boolean(process.stdin.isTTY),
      },
      makeClient: (region) => new SSMContactsClient({ region }),
      makeStepFunctionsClients: (region) => ({
        ses: new SESv2Client({ region }),
        sms: new PinpointSMSVoiceV2Client({ region }),
      }),
    }),
  );
}
