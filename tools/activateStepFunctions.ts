/**
 * `npm run activate` for `backend: step-functions` stacks (tools/activate.ts dispatches here).
 *
 * There are no Incident Manager channels to activate; the sandboxes decide who can be paged:
 * - End User Messaging SMS: in the sandbox "You can send SMS and MMS messages only to verified
 *   destination phone numbers"
 *   (https://docs.aws.amazon.com/sms-voice/latest/userguide/verify-destination-phone-number.html).
 *   For each contact that pages by SMS: DescribeVerifiedDestinationNumbers (DestinationPhoneNumbers
 *   filter), CreateVerifiedDestinationNumber when absent, SendDestinationNumberVerificationCode
 *   (VerificationChannel TEXT, OriginationIdentity from channels.sms: both members of
 *   SendDestinationNumberVerificationCodeRequest in aws-models/pinpoint-sms-voice-v2.json), then
 *   VerifyDestinationNumber with the code the person received. VERIFIED numbers are skipped.
 * - SES: in the sandbox "You can only send mail to verified email addresses and domains"
 *   (https://docs.aws.amazon.com/ses/latest/dg/request-production-access.html; GetAccount
 *   ProductionAccessEnabled). CreateEmailIdentity for each address that pages by e-mail unless
 *   GetEmailIdentity finds it; the person clicks the link SES mails.
 *
 * Output names contacts by alias only. Codes are keyed `<prefix>-<alias>-sms` (as listed).
 * Exit codes: 0 every recipient is verified (or no sandbox), 1 some is not (or unreadable
 * `secure:` phone), 2 the account state could not be read.
 */
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
import type { StackConfig } from "../config/schema";
import { describeAwsError } from "./awsErrors";

export interface StepFunctionsClients {
  readonly ses: SESv2Client;
  readonly sms: PinpointSMSVoiceV2Client;
}

export interface StepFunctionsSession {
  readonly clients: StepFunctionsClients;
  readonly cfg: StackConfig;
  readonly prefix: string;
  /** `contacts[<i>].phone` paths whose value is `secure:` (unreadable offline). */
  readonly securePaths: readonly string[];
  readonly codes: ReadonlyMap<string, string>;
  readonly interactive: boolean;
  readonly yes: boolean;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly ask: (prompt: string) => Promise<string | undefined>;
}

/** Aliases of the contacts whose engagement pages via `channel` ("sms", "email"). */
function pagingBy(cfg: StackConfig, channel: string): Set<string> {
  return new Set(
    cfg.contacts
      .filter((c) => c.engagement.some((s) => (s.via as readonly string[]).includes(channel)))
      .map((c) => c.alias),
  );
}

/** Is the SMS account in the sandbox (ACCOUNT_TIER other than PRODUCTION, as preflight reads it). */
async function smsSandbox(sms: PinpointSMSVoiceV2Client): Promise<boolean> {
  let tier: string | undefined;
  let token: string | undefined;
  do {
    const page = await sms.send(
      new DescribeAccountAttributesCommand(token ? { NextToken: token } : {}),
    );
    for (const a of page.AccountAttributes ?? []) if (a.Name === "ACCOUNT_TIER") tier = a.Value;
    token = page.NextToken;
  } while (token);
  return tier !== "PRODUCTION";
}

/** At most this many pages of DescribeVerifiedDestinationNumbers for one number. */
const MAX_PAGES = 10;

async function findDestination(
  sms: PinpointSMSVoiceV2Client,
  phone: string,
): Promise<{ id: string; status: string } | undefined> {
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await sms.send(
      new DescribeVerifiedDestinationNumbersCommand({
        DestinationPhoneNumbers: [phone],
        ...(token ? { NextToken: token } : {}),
      }),
    );
    for (const v of page.VerifiedDestinationNumbers ?? []) {
      if (v.DestinationPhoneNumber === phone && v.VerifiedDestinationNumberId) {
        return { id: v.VerifiedDestinationNumberId, status: v.Status ?? "" };
      }
    }
    token = page.NextToken;
    pages += 1;
  } while (token && pages < MAX_PAGES);
  return undefined;
}

/** VerificationCode in the API model: `[A-Za-z0-9]+`, 1-20 characters. */
const VERIFICATION_CODE = /^[A-Za-z0-9]{1,20}$/;

async function verifySms(s: StepFunctionsSession, alias: string, phone: string): Promise<boolean> {
  const { sms } = s.clients;
  const name = `${s.prefix}-${alias}-sms`;
  let dest = await findDestination(sms, phone);
  if (dest?.status === "VERIFIED") {
    s.out(`${alias}: SMS destination VERIFIED.\n`);
    return true;
  }
  const given = s.codes.get(name);
  if (!dest) {
    const created = await sms.send(
      new CreateVerifiedDestinationNumberCommand({ DestinationPhoneNumber: phone }),
    );
    dest = { id: created.VerifiedDestinationNumberId ?? "", status: created.Status ?? "PENDING" };
    s.out(`${alias}: SMS destination added (${dest.status}).\n`);
  }
  if (given === undefined) {
    if (!s.interactive && !s.yes) {
      s.err(`${alias}: skipped — no terminal to ask for the code, and no code for ${name}.\n`);
      return false;
    }
    const origination = s.cfg.channels?.sms?.originationIdentity;
    await sms.send(
      new SendDestinationNumberVerificationCodeCommand({
        VerifiedDestinationNumberId: dest.id,
        VerificationChannel: "TEXT",
        ...(origination ? { OriginationIdentity: origination } : {}),
      }),
    );
    s.out(`${alias}: verification code sent by SMS.\n`);
    if (!s.interactive) {
      s.out(`${alias}: when it arrives, pass it with --codes-from (a line ${name}=<code>).\n`);
      return false;
    }
  }
  const code = given ?? (await s.ask(`Code for ${name} (Enter to skip): `))?.replace(/\s+/g, "");
  if (!code) {
    s.out(`${alias}: skipped; SMS destination not verified.\n`);
    return false;
  }
  if (!VERIFICATION_CODE.test(code)) {
    s.err(`${alias}: that is not a verification code (1-20 letters or digits).\n`);
    return false;
  }
  try {
    const r = await sms.send(
      new VerifyDestinationNumberCommand({
        VerifiedDestinationNumberId: dest.id,
        VerificationCode: code,
      }),
    );
    s.out(`${alias}: SMS destination ${r.Status ?? "VERIFIED"}.\n`);
    return r.Status === undefined || r.Status === "VERIFIED";
  } catch (e: unknown) {
    s.err(`${alias}: ${describeAwsError(e, "sms-voice:VerifyDestinationNumber")}\n`);
    return false;
  }
}

async function verifyEmail(
  s: StepFunctionsSession,
  alias: string,
  email: string,
): Promise<boolean> {
  const { ses } = s.clients;
  try {
    const got = await ses.send(new GetEmailIdentityCommand({ EmailIdentity: email }));
    const ok = got.VerifiedForSendingStatus === true;
    s.out(
      `${alias}: e-mail identity ${ok ? "verified" : "not verified yet (click the link SES sent)"}.\n`,
    );
    return ok;
  } catch (e: unknown) {
    if ((e as { name?: string }).name !== "NotFoundException") throw e;
  }
  await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: email }));
  s.out(`${alias}: e-mail identity created; SES mailed a verification link to click.\n`);
  return false;
}

/** Runs the step-functions activation; the exit code. AWS errors outside a step are exit 2. */
export async function activateStepFunctions(s: StepFunctionsSession): Promise<0 | 1 | 2> {
  let pending = 0;
  const smsAliases = pagingBy(s.cfg, "sms");
  const known = new Set([...smsAliases].map((a) => `${s.prefix}-${a}-sms`));
  const unknown = [...s.codes.keys()].filter((n) => !known.has(n));
  if (unknown.length > 0) {
    s.err(
      `activate: a code names no SMS recipient of this stack: ${unknown.join(", ")}. ` +
        `Recipients: ${[...known].join(", ") || "(none)"}\n`,
    );
    return 2;
  }
  try {
    if (smsAliases.size > 0) {
      if (!(await smsSandbox(s.clients.sms))) {
        s.out("SMS: the account is out of the End User Messaging SMS sandbox: nothing to do.\n");
      } else {
        for (const [i, c] of s.cfg.contacts.entries()) {
          if (!smsAliases.has(c.alias)) continue;
          if (s.securePaths.includes(`contacts[${i}].phone`)) {
            s.err(`${c.alias}: phone is a secret, not readable offline; skipped.\n`);
            pending += 1;
            continue;
          }
          if (!c.phone) continue;
          if (!(await verifySms(s, c.alias, c.phone))) pending += 1;
        }
      }
    }
    const emailAliases = pagingBy(s.cfg, "email");
    if (emailAliases.size > 0) {
      const account = await s.clients.ses.send(new GetAccountCommand({}));
      if (account.ProductionAccessEnabled !== false) {
        s.out("E-mail: the account is out of the SES sandbox: nothing to do.\n");
      } else {
        for (const c of s.cfg.contacts) {
          if (!emailAliases.has(c.alias) || !c.email) continue;
          if (!(await verifyEmail(s, c.alias, c.email))) pending += 1;
        }
      }
    }
  } catch (e: unknown) {
    s.err(`activate: ${describeAwsError(e, "activate")}\n`);
    return 2;
  }
  if (pending > 0) {
    s.out(`\n${pending} recipient(s) are not verified yet. See docs/activation.md.\n`);
    return 1;
  }
  s.out("\nEvery recipient can be paged.\n");
  return 0;
}
