import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ChannelKind } from "../config/schema";
import { type EngagementStageArgs, channelType, channelsUsed, engagementStages } from "./builders";

export type { EngagementStageArgs } from "./builders";

export interface PersonalContactArgs {
  /** Physical Incident Manager alias (unique in the account). */
  readonly alias: string;
  /** Name shown in Incident Manager. */
  readonly displayName: string;
  /** E-mail address; stored as a Pulumi secret. */
  readonly email?: pulumi.Input<string>;
  /** E.164 phone number for SMS and voice; stored as a Pulumi secret. */
  readonly phone?: pulumi.Input<string>;
  /** Engagement stages by offset; durations are derived from the offsets. */
  readonly engagement: readonly EngagementStageArgs[];
  /** Minutes between retries of an unacknowledged channel within a stage. */
  readonly retryIntervalMinutes: number;
  /** Tags for the contact. */
  readonly tags?: Record<string, string>;
}

/** A contact channel and what is needed to activate it. */
export interface ContactChannelInfo {
  readonly kind: ChannelKind;
  readonly name: string;
  readonly arn: pulumi.Output<string>;
  readonly activationStatus: pulumi.Output<string>;
  /** The channel resource (for dependsOn). */
  readonly resource: aws.ssmcontacts.ContactChannel;
}

/**
 * A PERSONAL contact with its EMAIL/SMS/VOICE channels and its engagement plan. Addresses are
 * wrapped as secrets here, whatever the caller passed. Channels created this way start
 * NOT_ACTIVATED and page nobody until activated with a code sent to the device.
 */
export class PersonalContact extends pulumi.ComponentResource {
  public readonly contactArn: pulumi.Output<string>;
  public readonly channels: ContactChannelInfo[];

  constructor(name: string, args: PersonalContactArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("incident-escalation:index:PersonalContact", name, {}, opts);
    const childOpts = { parent: this, dependsOn: opts.dependsOn };

    const contact = new aws.ssmcontacts.Contact(
      name,
      { alias: args.alias, displayName: args.displayName, type: "PERSONAL", tags: args.tags },
      childOpts,
    );

    const addressOf = (kind: ChannelKind): pulumi.Input<string> => {
      const address = kind === "email" ? args.email : args.phone;
      if (address === undefined) {
        throw new Error(`contact ${args.alias}: engagement uses ${kind} but no address was given`);
      }
      return pulumi.secret(address);
    };

    const channelResources = new Map<ChannelKind, aws.ssmcontacts.ContactChannel>();
    this.channels = channelsUsed(args).map((kind) => {
      const channelName = `${args.alias}-${kind}`;
      const channel = new aws.ssmcontacts.ContactChannel(
        `${name}-${kind}`,
        {
          contactId: contact.arn,
          name: channelName,
          type: channelType(kind),
          deliveryAddress: { simpleAddress: addressOf(kind) },
        },
        childOpts,
      );
      channelResources.set(kind, channel);
      return {
        kind,
        name: channelName,
        arn: channel.arn,
        activationStatus: channel.activationStatus,
        resource: channel,
      };
    });

    new aws.ssmcontacts.Plan(
      `${name}-plan`,
      {
        contactId: contact.arn,
        stages: engagementStages(args.engagement).map((stage) => ({
          durationInMinutes: stage.durationInMinutes,
          targets: stage.targets.map((kind) => ({
            channelTargetInfo: {
              contactChannelId: channelResources.get(kind)!.arn,
              retryIntervalInMinutes: args.retryIntervalMinutes,
            },
          })),
        })),
      },
      childOpts,
    );

    this.contactArn = contact.arn;
    this.registerOutputs({ contactArn: this.contactArn });
  }
}
