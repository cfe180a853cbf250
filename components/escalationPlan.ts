import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PlanStage } from "./builders";

/** A target of an escalation stage: a personal contact or an on-call schedule contact. */
export interface EscalationTargetArgs {
  /** ARN of the contact engaged. */
  readonly contactArn: pulumi.Input<string>;
  /** Whether this target's acknowledgement stops the escalation. */
  readonly isEssential: boolean;
}

export interface EscalationPlanArgs {
  /** Physical alias of the ESCALATION contact. */
  readonly alias: string;
  /** Name shown in Incident Manager. */
  readonly displayName: string;
  /** Stages, in order; each lasts `durationInMinutes` before the next starts. */
  readonly stages: readonly PlanStage<EscalationTargetArgs>[];
  /** Tags. */
  readonly tags?: Record<string, string>;
}

/**
 * The ESCALATION contact that response plans engage: its stages engage personal contacts and
 * on-call schedules in order until an essential target acknowledges. Runs once, no repeat.
 */
export class EscalationPlan extends pulumi.ComponentResource {
  public readonly contactArn: pulumi.Output<string>;

  constructor(name: string, args: EscalationPlanArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("incident-escalation:index:EscalationPlan", name, {}, opts);
    const childOpts = { parent: this, dependsOn: opts.dependsOn };

    const contact = new aws.ssmcontacts.Contact(
      name,
      { alias: args.alias, displayName: args.displayName, type: "ESCALATION", tags: args.tags },
      childOpts,
    );

    new aws.ssmcontacts.Plan(
      `${name}-plan`,
      {
        contactId: contact.arn,
        stages: args.stages.map((stage) => ({
          durationInMinutes: stage.durationInMinutes,
          targets: stage.targets.map((t) => ({
            contactTargetInfo: { contactId: t.contactArn, isEssential: t.isEssential },
          })),
        })),
      },
      childOpts,
    );

    this.contactArn = contact.arn;
    this.registerOutputs({ contactArn: this.contactArn });
  }
}
