/**
 * One measurement of bench 2 (program scale), in its own process because the mock engine is a
 * singleton: `node -r ts-node/register/transpile-only bench/scaleChild.ts <variant> <alarms>
 * <census.json> <types.json> [--write-census]`, printing one line `BENCH-RESULT {...}`.
 *
 * - pipeline: `new EscalationPipeline("escalation", <generated config>)` under runWithMocks.
 * - baseline: the same custom resources (types, names, recorded inputs, in registration order),
 *   read from the census a pipeline run wrote, declared directly with the @pulumi/aws,
 *   @pulumi/aws-native and @pulumi/random constructors: no components, no Outputs between them.
 *
 * Both variants first touch every resource class listed in types.json (written by the runner from
 * an untimed pipeline run), so the lazy loading of provider modules is not timed; the clock covers runWithMocks only: set the mocks, run the program,
 * wait until every registration is processed.
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as awsNative from "@pulumi/aws-native";
import * as random from "@pulumi/random";
import { EscalationPipeline } from "../components/escalationPipeline";
import type { StackConfigInput } from "../config/schema";
import { RecordedResource, runWithMocks } from "../tools/mockEngine";

type Variant = "pipeline" | "baseline";
type Census = Pick<RecordedResource, "type" | "name" | "custom" | "inputs">[];
type Ctor = new (name: string, args: Record<string, unknown>) => pulumi.CustomResource;

/** One contact, an escalation, critical (page) + warning (notify), `n` alarms with both thresholds. */
export function benchConfig(n: number): StackConfigInput {
  return {
    incidentManager: { replicationSet: "existing" },
    contacts: [
      {
        alias: "oncall",
        displayName: "Bench On-call",
        email: "oncall@example.com",
        engagement: [{ after: 0, via: ["email"] }],
      },
    ],
    escalation: [{ engage: ["oncall"], minutes: 15 }],
    levels: { critical: { impact: 1, page: true }, warning: { impact: 3, page: false } },
    alarms: Array.from({ length: n }, (_, i) => ({
      name: `svc-${String(i).padStart(4, "0")}-5xx`,
      description: `5xx responses of service ${i}`,
      metric: {
        namespace: "AWS/ApplicationELB",
        name: "HTTPCode_Target_5XX_Count",
        dimensions: { LoadBalancer: `app/svc-${i}/0123456789abcdef` },
        statistic: "Sum",
        period: 60,
      },
      comparison: "GreaterThanOrEqualToThreshold",
      evaluationPeriods: 3,
      thresholds: { warning: 10, critical: 50 },
    })),
    notifications: { slack: { teamId: "T0000000000", channelId: "C0000000000" } },
  };
}

/** `aws:cloudwatch/metricAlarm:MetricAlarm` → aws.cloudwatch.MetricAlarm, and so on. */
function ctorOf(type: string): Ctor {
  const [pkg, mod, cls] = type.split(":");
  const roots: Record<string, unknown> = { aws, "aws-native": awsNative, random };
  const path = mod === "index" || mod.startsWith("index/") ? [] : [mod.split("/")[0]];
  let at: unknown = roots[pkg];
  for (const key of [...path, cls]) at = (at as Record<string, unknown> | undefined)?.[key];
  if (typeof at !== "function") throw new Error(`no constructor for ${type}`);
  return at as Ctor;
}

async function main(): Promise<void> {
  const [variant, alarmsArg, censusFile, typesFile, flag] = process.argv.slice(2) as [
    Variant,
    string,
    string,
    string,
    string | undefined,
  ];
  const n = Number(alarmsArg);
  const writeCensus = flag === "--write-census";
  const census: Census = writeCensus
    ? []
    : (JSON.parse(readFileSync(censusFile, "utf8")) as Census);
  const custom = census.filter((r) => r.custom);
  // Load every provider module the run will use before the clock starts.
  const types = JSON.parse(readFileSync(typesFile, "utf8")) as string[];
  for (const type of new Set([...types, ...custom.map((r) => r.type)])) ctorOf(type);

  const config = benchConfig(n);
  const program =
    variant === "pipeline"
      ? () => new EscalationPipeline("escalation", { ...config, stack: "bench" })
      : () => {
          const seen = new Set<string>();
          for (const r of custom) {
            // Same type and name may repeat under different parents; URNs must stay unique here.
            let name = r.name;
            while (seen.has(`${r.type}::${name}`)) name = `${name}-x`;
            seen.add(`${r.type}::${name}`);
            new (ctorOf(r.type))(name, r.inputs);
          }
        };

  const start = performance.now();
  const { resources } = await runWithMocks({ stack: "bench" }, program);
  const elapsedMs = performance.now() - start;

  if (writeCensus) {
    const out: Census = resources.map(({ type, name, custom, inputs }) => ({
      type,
      name,
      custom,
      inputs,
    }));
    writeFileSync(censusFile, JSON.stringify(out));
  }
  const byType: Record<string, number> = {};
  for (const r of resources.filter((x) => x.custom)) byType[r.type] = (byType[r.type] ?? 0) + 1;
  const result = {
    variant,
    alarms: n,
    elapsedMs,
    resources: resources.length,
    customResources: resources.filter((r) => r.custom).length,
    byType,
    heapMb: process.memoryUsage().heapUsed / 2 ** 20,
  };
  console.log(`BENCH-RESULT ${JSON.stringify(result)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
