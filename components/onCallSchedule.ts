import * as aws from "@pulumi/aws";
import * as awsnative from "@pulumi/aws-native";
import * as pulumi from "@pulumi/pulumi";
import type { RotationRecurrence } from "./builders";

export interface OnCallScheduleArgs {
  /** Physical alias of the ONCALL_SCHEDULE contact. */
  readonly alias: string;
  /** Name shown in Incident Manager. */
  readonly displayName: string;
  /** Physical rotation name. */
  readonly rotationName: string;
  /** Member contacts' ARNs, in rotation order. */
  readonly memberContactArns: readonly pulumi.Input<string>[];
  /** IANA time zone of the hand-off times. */
  readonly timeZone: string;
  /** Hand-off recurrence. */
  readonly recurrence: RotationRecurrence;
  /** ISO 8601 start of the first shift. */
  readonly startTime?: string;
  /** Tags. */
  readonly tags?: Record<string, string>;
}

/**
 * An on-call rotation (`aws.ssm.ContactsRotation`) and the ONCALL_SCHEDULE contact that
 * escalation plans target. The contact comes from `@pulumi/aws-native`, because `@pulumi/aws`
 * cannot attach rotations to an ONCALL_SCHEDULE contact (terraform-provider-aws #39758).
 *
 * Its aws-native resource uses the aws-native provider from `opts` or the parent. That provider
 * never reads `aws:region` (see awsNativeProvider.ts): used on its own, pass one in the aws
 * provider's region; EscalationPipeline does this itself.
 */
export class OnCallSchedule extends pulumi.ComponentResource {
  public readonly contactArn: pulumi.Output<string>;
  public readonly rotationArn: pulumi.Output<string>;

  constructor(name: string, args: OnCallScheduleArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("incident-escalation:index:OnCallSchedule", name, {}, opts);
    const childOpts = { parent: this, dependsOn: opts.dependsOn };

    const rotation = new aws.ssm.ContactsRotation(
      `${name}-rotation`,
      {
        name: args.rotationName,
        contactIds: [...args.memberContactArns],
        timeZoneId: args.timeZone,
        recurrence: args.recurrence,
        startTime: args.startTime,
        tags: args.tags,
      },
      childOpts,
    );

    const contact = new awsnative.ssmcontacts.Contact(
      name,
      {
        alias: args.alias,
        displayName: args.displayName,
        type: "ONCALL_SCHEDULE",
        plan: [{ rotationIds: [rotation.arn] }],
        tags: Object.entries(args.tags ?? {}).map(([key, value]) => ({ key, value })),
      },
      childOpts,
    );

    this.contactArn = contact.arn;
    this.rotationArn = rotation.arn;
    this.registerOutputs({ contactArn: this.contactArn, rotationArn: this.rotationArn });
  }
}
