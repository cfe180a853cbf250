/**
 * PersonalContact for other Pulumi languages: one Incident Manager PERSONAL contact with its
 * e-mail/SMS/voice channels and its engagement plan (components/personalContact.ts), for teams that
 * want a contact of their own beside (or without) the whole pipeline. The arguments are a stack
 * config contact (config/fields.ts `contact`), validated by the same zod schema, so a problem reads
 * as in a stack config (`phone: "090-1234" is not E.164 …`). E-mail and phone may be secrets or
 * other resources' outputs: a valid stand-in takes their place at construction, and the resolved
 * value is validated before a channel receives it. Every property of this class becomes a schema
 * output, so it has no other fields.
 */
import * as pulumi from "@pulumi/pulumi";
import { PersonalContact as Contact } from "../components/personalContact";
import { contactCrossChecks } from "../config/crossChecks";
import { ConfigError, toConfigIssues } from "../config/errors";
import { contact as contactSchema } from "../config/fields";
import { Channel, EngagementStage } from "./args";

/** Arguments of a standalone contact: a stack config contact, with its physical alias. */
export interface PersonalContactArgs {
  /** Incident Manager alias of the contact ([a-z0-9_-], unique in the account). */
  readonly alias: string;
  /** Name shown in Incident Manager (letters, digits, spaces, "_", "." and "-"). */
  readonly displayName: string;
  /** E-mail address; kept a Pulumi secret. */
  readonly email?: pulumi.Input<string>;
  /** E.164 phone number for SMS and voice (+<country><number>); kept a Pulumi secret. */
  readonly phone?: pulumi.Input<string>;
  /** Minutes between retries of an unacknowledged channel within a stage (0-60, default 5). */
  readonly retryIntervalMinutes?: number;
  /** Engagement stages by offset from the moment the contact is engaged. */
  readonly engagement: EngagementStage[];
  /** Tags put on the contact. */
  readonly tags?: Record<string, string>;
}

/** A channel of the contact and whether it still has to be activated. */
export interface ContactChannel {
  /** Channel kind. */
  readonly channel: Channel;
  /** Channel ARN (aws ssm-contacts send-activation-code --contact-channel-id <arn>). */
  readonly arn: string;
  /** ACTIVATED or NOT_ACTIVATED (a channel created by IaC pages nobody until activated). */
  readonly activationStatus: string;
}

const CHANNELS: Readonly<Record<string, Channel>> = {
  email: Channel.Email,
  sms: Channel.Sms,
  voice: Channel.Voice,
};

/** Stand-ins that pass the contact schema while the real value is not known yet. */
const STAND_IN = { email: "deferred@example.com", phone: "+10000000000" } as const;

export class PersonalContact extends pulumi.ComponentResource {
  /** ARN of the contact. */
  public readonly contactArn: pulumi.Output<string>;
  /** Its channels, with their activation status (no addresses). */
  public readonly channels: pulumi.Output<ContactChannel[]>;

  constructor(name: string, args: PersonalContactArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("incident-escalation:index:PersonalContact", name, {}, opts);
    const source = `PersonalContact "${name}" args`;
    const { tags, ...fields } = args;
    const deferred: ("email" | "phone")[] = [];
    const structural: Record<string, unknown> = { ...fields };
    for (const key of ["email", "phone"] as const) {
      const v = args[key];
      if (pulumi.Output.isInstance(v) || v instanceof Promise) {
        deferred.push(key);
        structural[key] = STAND_IN[key];
      }
    }
    const parsed = contactSchema.safeParse(structural);
    const issues = [
      ...(parsed.success
        ? []
        : parsed.error.issues.flatMap((i) => toConfigIssues(i, [], contactSchema))),
      ...contactCrossChecks(structural),
    ];
    if (!parsed.success || issues.length > 0) throw new ConfigError(issues, source);
    // A deferred address is checked when it resolves; the channel receives the checked value.
    const checked = (key: "email" | "phone"): pulumi.Input<string> | undefined => {
      const v = args[key];
      if (!deferred.includes(key)) return v;
      return pulumi.output(v as pulumi.Input<string>).apply((resolved) => {
        const r = contactSchema.shape[key].safeParse(resolved);
        if (!r.success) {
          throw new ConfigError(
            r.error.issues.flatMap((i) => toConfigIssues(i, [key], contactSchema)),
            source,
          );
        }
        return resolved;
      });
    };
    const c = parsed.data;
    const contact = new Contact(
      name,
      {
        alias: c.alias,
        displayName: c.displayName,
        email: checked("email"),
        phone: checked("phone"),
        engagement: c.engagement,
        retryIntervalMinutes: c.retryIntervalMinutes,
        tags,
      },
      { parent: this },
    );
    this.contactArn = contact.contactArn;
    this.channels = pulumi.all(
      contact.channels.map((ch) =>
        pulumi.all([ch.arn, ch.activationStatus]).apply(([arn, activationStatus]) => ({
          channel: CHANNELS[ch.kind],
          arn,
          activationStatus,
        })),
      ),
    );
    this.registerOutputs({ contactArn: this.contactArn, channels: this.channels });
  }
}
