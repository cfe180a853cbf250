import * as awsnative from "@pulumi/aws-native";
import * as pulumi from "@pulumi/pulumi";

export interface ReplicationSetArgs {
  /** Regions to replicate Incident Manager data to (1-3; the first is the primary). */
  readonly regions: readonly string[];
  /** Customer-managed KMS key for the data, if any. */
  readonly kmsKeyArn?: string;
  /** Tags. */
  readonly tags?: Record<string, string>;
}

/**
 * The account's Incident Manager replication set. There is one per account, and deleting it
 * deletes all Incident Manager data, so it is created with deletion protection, protected from
 * `pulumi destroy`, and retained if ever removed from the program. `@pulumi/aws` exposes
 * deletion protection only as an output, hence `@pulumi/aws-native`.
 *
 * Its aws-native resource uses the aws-native provider from `opts` or the parent. That provider
 * never reads `aws:region` (see awsNativeProvider.ts): used on its own, pass one in the aws
 * provider's region; EscalationPipeline does this itself.
 */
export class ReplicationSet extends pulumi.ComponentResource {
  public readonly arn: pulumi.Output<string>;
  /** The replication set resource, for `dependsOn`. */
  public readonly resource: awsnative.ssmincidents.ReplicationSet;

  constructor(name: string, args: ReplicationSetArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("incident-escalation:index:ReplicationSet", name, {}, opts);

    this.resource = new awsnative.ssmincidents.ReplicationSet(
      name,
      {
        regions: args.regions.map((regionName) => ({
          regionName,
          regionConfiguration: args.kmsKeyArn ? { sseKmsKeyId: args.kmsKeyArn } : undefined,
        })),
        deletionProtected: true,
        tags: Object.entries(args.tags ?? {}).map(([key, value]) => ({ key, value })),
      },
      { parent: this, protect: true, retainOnDelete: true },
    );

    this.arn = this.resource.arn;
    this.registerOutputs({ arn: this.arn });
  }
}
