/**
 * Pure builders of what the step-functions backend needs from the stack config: the plan the
 * escalation engine follows (no personal data), the directory of contacts' addresses (secret),
 * and the ARNs its IAM statements name (the SES identities of the From address, the End User
 * Messaging origination identity). No Pulumi resource is created here.
 */
import { contactLanguage, escalationRepeats, originationIdentityKind } from "../../config/backend";
import type { StackConfig } from "../../config/schema";
import type { EnginePlan } from "../../handlers/engine/protocol";

/** Hours an acknowledgement link stays valid (handlers/shared/ackToken.ts expiry). */
export const ACK_LINK_HOURS = 24;

/**
 * The engine's plan for a validated step-functions stack config. Per routed level:
 * - a paging level: the escalation stages in order (a level's own `engage` targets join the first
 *   stage, engaged at T+0 as Incident Manager's response plan engages them beside the escalation
 *   plan, tools/timeline.ts "response plan engagement"), and `repeat` of the last stage
 *   (config/backend.ts escalationRepeats);
 * - a level that only engages: one stage with its engage targets, 0 minutes (the round ends when
 *   the targets' engagement plans have run), essential, repeat 0.
 * Levels that notify only are not in the plan (the router starts no execution for them).
 */
export function enginePlan(cfg: StackConfig): EnginePlan {
  const repeat = escalationRepeats(cfg.escalation);
  const levels: Record<
    string,
    { stages: { engage: string[]; minutes: number; essential: boolean }[]; repeat: number }
  > = {};
  for (const [level, l] of Object.entries(cfg.levels)) {
    const own = l.engage ?? [];
    if (l.page) {
      levels[level] = {
        stages: cfg.escalation.map((s, i) => ({
          engage: i === 0 ? unique([...own, ...s.engage]) : [...s.engage],
          minutes: s.minutes,
          essential: s.essential,
        })),
        repeat,
      };
    } else if (own.length > 0) {
      levels[level] = {
        stages: [{ engage: unique(own), minutes: 0, essential: true }],
        repeat: 0,
      };
    }
  }
  // The fixed interface of this round (handlers/engine/protocol.ts EnginePlan with `levels`,
  // helper "seam"); until that lands this object is cast.
  const plan = {
    language: cfg.language,
    levels,
    contacts: cfg.contacts.map((c) => ({
      alias: c.alias,
      language: contactLanguage(cfg, c),
      engagement: c.engagement.map((s) => ({ after: s.after, via: [...s.via] })),
    })),
    rotations: cfg.onCall,
    ackLinkHours: ACK_LINK_HOURS,
  };
  return plan as unknown as EnginePlan;
}

/** Contacts' addresses by alias (the directory secret's JSON, handlers/engine/protocol.ts). */
export function engineDirectory<T>(
  contacts: readonly { readonly alias: string; readonly email?: T; readonly phone?: T }[],
): Record<string, { email?: T; phone?: T }> {
  return Object.fromEntries(
    contacts.map((c) => [
      c.alias,
      {
        ...(c.email === undefined ? {} : { email: c.email }),
        ...(c.phone === undefined ? {} : { phone: c.phone }),
      },
    ]),
  );
}

/**
 * The SES identities `ses:SendEmail` may use for `from`: the address identity and its domain
 * identity. SES authorizes a send against the identity the From address is verified under ("an
 * identity: an email address or domain", Amazon SES developer guide, sending authorization
 * overview, https://docs.aws.amazon.com/ses/latest/dg/sending-authorization-overview.html; SES v2
 * SendEmail FromEmailAddressIdentityArn names a domain identity for an address of that domain,
 * https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html), and which of the two
 * is verified is known only in the account, so both are named; the `ses:FromAddress` condition
 * (enginePolicies.ts) keeps either to this one address. ARN form
 * `arn:aws:ses:<region>:<account>:identity/<identity>` (service authorization reference, Amazon
 * SES v2, resource type identity).
 */
export function sesIdentityArns(from: string, region: string, account: string): string[] {
  const domain = from.slice(from.lastIndexOf("@") + 1);
  return [
    `arn:aws:ses:${region}:${account}:identity/${from}`,
    `arn:aws:ses:${region}:${account}:identity/${domain}`,
  ];
}

/**
 * The ARN `sms-voice:SendTextMessage` is authorized on for an origination identity (service
 * authorization reference, AWS End User Messaging SMS and Voice V2,
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsendusermessagingsmsandvoicev2.html:
 * resource types phone-number `phone-number/${PhoneNumberId}`, pool `pool/${PoolId}`, sender-id
 * `sender-id/${SenderId}/${IsoCountryCode}`). An ARN is used as given; an ID gives its ARN in this
 * account and region. Two forms cannot give the exact resource:
 * - an E.164 number: the ARN ends in the phone number's ID, which only the account knows
 *   (DescribePhoneNumbers). Chosen: scope to this account and region's phone numbers,
 *   `phone-number/*`, with a plan warning, rather than refuse the form the issue's config shows;
 * - a sender ID: its ARN also names the country, `sender-id/<id>/*`.
 */
export function smsOriginationArn(
  identity: string,
  region: string,
  account: string,
): { arn: string; warning?: string } {
  const base = `arn:aws:sms-voice:${region}:${account}`;
  switch (originationIdentityKind(identity)) {
    case "phone-number-arn":
    case "pool-arn":
    case "sender-id-arn":
      return { arn: identity };
    case "phone-number-id":
      return { arn: `${base}:phone-number/${identity}` };
    case "pool-id":
      return { arn: `${base}:pool/${identity}` };
    case "sender-id":
      return { arn: `${base}:sender-id/${identity}/*` };
    case "phone-number":
      return { arn: `${base}:phone-number/*`, warning: SMS_PHONE_NUMBER_WARNING };
    default:
      throw new Error(
        "channels.sms.originationIdentity: is not an End User Messaging origination identity",
      );
  }
}

/** The plan's warning when the SMS origination identity is a phone number (no ID, no ARN). */
export const SMS_PHONE_NUMBER_WARNING =
  "channels.sms.originationIdentity is a phone number: the engine may send SMS from any phone number of this account and region (its IAM ARN needs the phone number ID). Give the phone number ID (phone-...) or ARN to allow only that number.";

/** Warnings of the step-functions backend for the plan report (none for incident-manager). */
export function engineWarnings(cfg: StackConfig): string[] {
  const sms = cfg.channels?.sms;
  if (cfg.backend !== "step-functions" || !sms) return [];
  const { warning } = smsOriginationArn(sms.originationIdentity, "region", "000000000000");
  return warning ? [warning] : [];
}

function unique(refs: readonly string[]): string[] {
  return [...new Set(refs)];
}
