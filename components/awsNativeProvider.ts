import * as awsnative from "@pulumi/aws-native";
import * as pulumi from "@pulumi/pulumi";

/**
 * One region for the aws and aws-native resources of a pipeline.
 *
 * `@pulumi/aws-native` never reads `aws:region`: its provider takes the region from
 * `aws-native:region`, else `AWS_REGION`, else `AWS_DEFAULT_REGION`, and stops with "missing
 * required configuration key aws-native:region" when none is set (pulumi-aws-native
 * provider/pkg/provider/provider.go, `Configure` → `varsOrEnv(vars, "aws-native:config:region",
 * "AWS_REGION", "AWS_DEFAULT_REGION")`). Left to its default provider, the on-call contact could
 * fail to deploy, or land in another region than its rotation and the contacts it rotates.
 *
 * So the pipeline either creates its own aws-native provider whose region is the aws provider's
 * region, or, when the consumer passes an aws-native provider (`providers` / `provider`, directly
 * or inherited from a parent), asks that provider for its region and stops with
 * {@link regionMismatchMessage} when it differs.
 */
export interface AwsNativeRegion {
  /** `providers` for children with aws-native resources (empty: the consumer's, or none needed). */
  readonly providers: Record<string, pulumi.ProviderResource>;
  /** The provider the pipeline created, when the consumer did not pass one. */
  readonly provider?: awsnative.Provider;
  /**
   * The one region, resolved only once both providers agree: rejects with
   * {@link regionMismatchMessage} otherwise. Gate aws-native resources on it (`dependsOn`).
   */
  readonly region: pulumi.Output<string>;
}

/**
 * The aws-native side of `parent`: its own provider built from `awsRegion` (the aws provider's
 * region, `aws.getRegionOutput(...).region`), or the consumer's provider checked against it.
 */
export function awsNativeRegion(
  name: string,
  parent: pulumi.Resource,
  awsRegion: pulumi.Output<string>,
): AwsNativeRegion {
  const consumer = parent.getProvider("aws-native:index:Provider");
  if (consumer) {
    const nativeRegion = awsnative.getRegionOutput({ parent, provider: consumer }).region;
    return {
      providers: {},
      region: pulumi.all([awsRegion, nativeRegion]).apply(([a, n]) => assertSameRegion(name, a, n)),
    };
  }
  const provider = new awsnative.Provider(
    `${name}-aws-native`,
    // The provider's Region type is the list of regions this SDK version knows; the value is
    // the aws provider's own region, so it is one AWS accepts.
    { region: awsRegion as pulumi.Output<awsnative.Region> },
    { parent },
  );
  return { providers: { "aws-native": provider }, provider, region: awsRegion };
}

/**
 * The region checks of a pipeline, in one place: an aws-native provider (own or the consumer's,
 * see {@link awsNativeRegion}) only when the stack has aws-native resources, and a created
 * replication set that includes the region ({@link assertInReplicationSet}). `region` resolves
 * once every check passed; gate the Incident Manager children on it.
 */
export function pipelineRegion(
  name: string,
  parent: pulumi.Resource,
  awsRegion: pulumi.Output<string>,
  needs: { readonly awsNative: boolean; readonly replicationSetRegions?: readonly string[] },
): AwsNativeRegion {
  const native = needs.awsNative
    ? awsNativeRegion(name, parent, awsRegion)
    : { providers: {}, region: awsRegion };
  const regions = needs.replicationSetRegions;
  return regions
    ? { ...native, region: native.region.apply((r) => assertInReplicationSet(name, r, regions)) }
    : native;
}

/** Returns the region when both providers agree; throws a RunError naming both otherwise. */
export function assertSameRegion(name: string, awsRegion: string, nativeRegion: string): string {
  if (awsRegion !== nativeRegion) {
    throw new pulumi.RunError(regionMismatchMessage(name, awsRegion, nativeRegion));
  }
  return awsRegion;
}

/** The error when the consumer's aws-native provider is in another region than the aws one. */
export function regionMismatchMessage(
  name: string,
  awsRegion: string,
  nativeRegion: string,
): string {
  return (
    `EscalationPipeline "${name}": the aws-native provider's region is ${nativeRegion} but the ` +
    `aws provider's region is ${awsRegion}. Incident Manager contacts, rotations and response ` +
    `plans must be in one region: give the aws-native provider region: "${awsRegion}", or pass ` +
    "no aws-native provider and the pipeline creates one in the aws provider's region."
  );
}

/**
 * Returns the region when a replication set the stack creates includes it; throws a RunError
 * otherwise. Incident Manager works only in the replication set's regions, and the provider's
 * region must be one of them (https://www.pulumi.com/guides/how-to/aws-ssmincidents-replicationset/:
 * "The AWS provider region must always be one of the regions in the replication set").
 */
export function assertInReplicationSet(
  name: string,
  region: string,
  regions: readonly string[],
): string {
  if (!regions.includes(region)) {
    throw new pulumi.RunError(
      `EscalationPipeline "${name}": incidentManager.replicationSet.regions is ` +
        `[${regions.join(", ")}] but the stack deploys to ${region}: Incident Manager works only ` +
        `in the replication set's regions. Add ${region} to the list.`,
    );
  }
  return region;
}
