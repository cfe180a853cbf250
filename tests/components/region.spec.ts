/**
 * One region for the aws and aws-native resources of a pipeline, under Pulumi's mock engine:
 * the aws-native provider the pipeline creates from the aws provider's region (whatever
 * AWS_REGION says), a consumer's aws-native provider used as given when it is in the same
 * region and refused with an exact message when it is not, and the pure check itself.
 *
 * Not proven here: how the real providers resolve their region. The mock engine resolves it as
 * pulumi-aws-native's provider.go `Configure` and @pulumi/aws do (explicit `region` input, else
 * the config key, else AWS_REGION, else AWS_DEFAULT_REGION); that is read from their source, not
 * run. Nor that Pulumi stops `pulumi up` before creating anything: the error stops the program
 * (as an unhandled rejection a RunError is reported without a stack, @pulumi/pulumi
 * cmd/run/run.ts), which a preview does before any resource is changed, but resources already
 * registered in an update without preview may have been sent to the engine.
 */
import { strict as assert } from "node:assert";
import * as aws from "@pulumi/aws";
import * as awsnative from "@pulumi/aws-native";
import * as pulumi from "@pulumi/pulumi";
import { EscalationPipeline, EscalationPipelineArgs } from "../../components/escalationPipeline";
import { assertSameRegion, regionMismatchMessage } from "../../components/awsNativeProvider";
import { RecordedResource, runWithMocks } from "../../tools/mockEngine";
import { one } from "../support/program";

/** A created replication set and a rotation: both aws-native resource types of the pipeline. */
const args: EscalationPipelineArgs = {
  stack: "team",
  incidentManager: { replicationSet: { regions: ["ap-northeast-1"] } },
  contacts: [
    {
      alias: "kim",
      displayName: "Kim",
      email: "kim@example.com",
      engagement: [{ after: 0, via: ["email"] }],
    },
    {
      alias: "lee",
      displayName: "Lee",
      email: "lee@example.com",
      engagement: [{ after: 0, via: ["email"] }],
    },
  ],
  onCall: [
    {
      name: "primary",
      members: ["kim", "lee"],
      timeZone: "Asia/Tokyo",
      handoff: { every: "week", on: "MON", at: "09:00" },
    },
  ],
  escalation: [{ engage: ["oncall:primary"], minutes: 5 }],
  levels: { sev1: { impact: 1, page: true } },
};

const NATIVE_DEFAULTS = {
  skipCredentialsValidation: "true",
  skipGetEc2Platforms: "true",
  skipMetadataApiCheck: "true",
  skipRegionValidation: "true",
};

/** `type name → provider` of every aws-native resource. */
function nativeProviders(resources: readonly RecordedResource[]): string[] {
  return resources
    .filter((r) => r.type.startsWith("aws-native:"))
    .map((r) => `${r.type} ${r.name} → ${r.provider ?? "default provider"}`)
    .sort();
}

/** Runs `program` with AWS_REGION / AWS_DEFAULT_REGION set as given, restoring them after. */
async function withEnv<T>(env: Record<string, string | undefined>, fn: () => Promise<T>) {
  const saved = {
    AWS_REGION: process.env.AWS_REGION,
    AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION,
  };
  const set = (vars: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(vars)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  set({ AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, ...env });
  try {
    return await fn();
  } finally {
    set(saved);
  }
}

/**
 * The check's message, as the runtime reports it. Since @pulumi/pulumi 3.2xx a rejected input is
 * reported through the inputs that carried it: `error serializing property "x": …` before the
 * RunError's own message (Pulumi prints both). Only that prefix may stand before it.
 */
function checkMessage(err: Error): string {
  return err.message.replace(/^(error serializing property "[^"]+": )+/, "");
}

describe("one region for aws and aws-native", function () {
  this.timeout(60_000);

  describe("no aws-native provider from the consumer", () => {
    let resources: RecordedResource[];
    before(async () => {
      // AWS_REGION set elsewhere must not move the Incident Manager resources: aws:region wins.
      ({ resources } = await withEnv({ AWS_REGION: "us-east-1" }, () =>
        runWithMocks(
          { stack: "team", config: { "aws:region": "ap-northeast-1" } },
          () => new EscalationPipeline("team", args),
        ),
      ));
    });

    it("creates team-aws-native, a child of the pipeline, in aws:region ap-northeast-1 although AWS_REGION is us-east-1", () => {
      const p = one(resources, "pulumi:providers:aws-native", "team-aws-native");
      assert.equal(p.parent, "team");
      assert.deepEqual(p.inputs, { region: "ap-northeast-1", ...NATIVE_DEFAULTS });
    });

    it("registers every aws-native resource with that provider, none with the default one", () => {
      assert.deepEqual(nativeProviders(resources), [
        "aws-native:ssmcontacts:Contact team-oncall-primary → team-aws-native",
        "aws-native:ssmincidents:ReplicationSet team-replication-set → team-aws-native",
      ]);
    });

    it("exposes the provider as awsNativeProvider", async () => {
      const { result } = await runWithMocks(
        { stack: "team" },
        () => new EscalationPipeline("team", args),
      );
      const pipeline = result as EscalationPipeline;
      assert.ok(pipeline.awsNativeProvider instanceof awsnative.Provider);
    });
  });

  describe("the consumer's aws provider in us-west-2 and no aws-native provider", () => {
    it("puts the pipeline's aws-native provider in us-west-2 too", async () => {
      const { resources } = await runWithMocks({ stack: "team" }, () => {
        const awsProvider = new aws.Provider("theirs", { region: "us-west-2" });
        return new EscalationPipeline(
          "team",
          { ...args, incidentManager: { replicationSet: { regions: ["us-west-2"] } } },
          { providers: [awsProvider] },
        );
      });
      const p = one(resources, "pulumi:providers:aws-native", "team-aws-native");
      assert.equal(p.inputs.region, "us-west-2");
      assert.deepEqual(nativeProviders(resources), [
        "aws-native:ssmcontacts:Contact team-oncall-primary → team-aws-native",
        "aws-native:ssmincidents:ReplicationSet team-replication-set → team-aws-native",
      ]);
    });
  });

  describe("the consumer's aws-native provider in the same region", () => {
    const cases: {
      title: string;
      build: (p: awsnative.Provider) => pulumi.ComponentResource;
    }[] = [
      {
        title: "opts.providers",
        build: (p) => new EscalationPipeline("team", args, { providers: [p] }),
      },
      {
        title: "opts.provider",
        build: (p) => new EscalationPipeline("team", args, { provider: p }),
      },
      {
        title: "inherited from the consumer's own component",
        build: (p) => {
          const outer = new pulumi.ComponentResource(
            "consumer:index:Stack",
            "outer",
            {},
            {
              providers: { "aws-native": p },
            },
          );
          return new EscalationPipeline("team", args, { parent: outer });
        },
      },
    ];
    for (const c of cases) {
      it(`${c.title}: every aws-native resource uses it and the pipeline creates none`, async () => {
        const { resources } = await runWithMocks({ stack: "team" }, () =>
          c.build(new awsnative.Provider("mine", { region: "ap-northeast-1" })),
        );
        assert.deepEqual(
          resources.filter((r) => r.type === "pulumi:providers:aws-native").map((r) => r.name),
          ["mine"],
        );
        assert.deepEqual(nativeProviders(resources), [
          "aws-native:ssmcontacts:Contact team-oncall-primary → mine",
          "aws-native:ssmincidents:ReplicationSet team-replication-set → mine",
        ]);
      });
    }
  });

  describe("the consumer's aws-native provider in another region", () => {
    const expected =
      'EscalationPipeline "team": the aws-native provider\'s region is us-east-1 but the aws ' +
      "provider's region is ap-northeast-1. Incident Manager contacts, rotations and response " +
      'plans must be in one region: give the aws-native provider region: "ap-northeast-1", or ' +
      "pass no aws-native provider and the pipeline creates one in the aws provider's region.";

    it("stops the program with a RunError naming both regions and the fix", async () => {
      await assert.rejects(
        runWithMocks({ stack: "team" }, () => {
          const mine = new awsnative.Provider("mine", { region: "us-east-1" });
          return new EscalationPipeline("team", args, { providers: [mine] });
        }),
        (err: Error) => {
          assert.ok(pulumi.RunError.isInstance(err));
          assert.equal(checkMessage(err), expected);
          return true;
        },
      );
    });

    it("a consumer's aws-native provider left to AWS_REGION=us-east-1 is refused the same way", async () => {
      await withEnv({ AWS_REGION: "us-east-1" }, () =>
        assert.rejects(
          runWithMocks({ stack: "team", config: { "aws:region": "ap-northeast-1" } }, () => {
            // The SDK requires `region`; a consumer passing the environment's is the usual way.
            const mine = new awsnative.Provider("mine", {
              region: process.env.AWS_REGION as awsnative.Region,
            });
            return new EscalationPipeline("team", args, { providers: [mine] });
          }),
          (err: Error) => checkMessage(err) === expected,
        ),
      );
    });
  });

  describe("a stack without aws-native resources (no rotation, replicationSet: existing)", () => {
    it("creates no aws-native provider and asks no aws-native provider anything", async () => {
      const { resources, result } = await runWithMocks({ stack: "team" }, () => {
        // A consumer's aws-native provider in another region does not matter: nothing uses it.
        const mine = new awsnative.Provider("mine", { region: "us-east-1" });
        return new EscalationPipeline(
          "team",
          {
            ...args,
            incidentManager: { replicationSet: "existing" },
            onCall: [],
            escalation: [{ engage: ["kim"], minutes: 5 }],
          },
          { providers: [mine] },
        );
      });
      assert.deepEqual(
        resources.filter((r) => r.type.startsWith("pulumi:providers:")).map((r) => r.name),
        ["mine"],
      );
      assert.deepEqual(nativeProviders(resources), []);
      assert.equal((result as EscalationPipeline).awsNativeProvider, undefined);
    });
  });

  describe("a replication set the stack creates", () => {
    it("not including the stack's region: stops with a RunError naming the list and the region", async () => {
      await assert.rejects(
        runWithMocks(
          { stack: "team", config: { "aws:region": "ap-northeast-1" } },
          () =>
            new EscalationPipeline("team", {
              ...args,
              incidentManager: { replicationSet: { regions: ["ap-northeast-3", "us-east-1"] } },
            }),
        ),
        (err: Error) => {
          assert.ok(pulumi.RunError.isInstance(err));
          assert.equal(
            checkMessage(err),
            'EscalationPipeline "team": incidentManager.replicationSet.regions is [ap-northeast-3, us-east-1] but the stack deploys to ap-northeast-1: Incident Manager works only in the replication set\'s regions. Add ap-northeast-1 to the list.',
          );
          return true;
        },
      );
    });
  });

  describe("assertSameRegion (pure)", () => {
    it("returns the region when both agree", () => {
      assert.equal(assertSameRegion("x", "eu-west-1", "eu-west-1"), "eu-west-1");
    });
    it("throws a RunError with regionMismatchMessage otherwise", () => {
      assert.throws(
        () => assertSameRegion("x", "eu-west-1", "eu-central-1"),
        (err: Error) =>
          pulumi.RunError.isInstance(err) &&
          err.message === regionMismatchMessage("x", "eu-west-1", "eu-central-1") &&
          err.message.startsWith(
            "EscalationPipeline \"x\": the aws-native provider's region is eu-central-1 but the aws provider's region is eu-west-1.",
          ),
      );
    });
  });
});
