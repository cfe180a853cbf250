/**
 * The stacks the IAM specs judge: both example stacks, and tests/iam/fixtures/Pulumi.full.yaml
 * (two paging levels so that one template is tagged, a directly engaging level, drills), each
 * run once through the real program under the mock engine, with the facts the call table needs.
 */
import * as path from "node:path";
import { MOCK_ACCOUNT, type RecordedResource } from "../../tools/mockEngine";
import type { StackFacts } from "../support/awsCalls";
import { stackPolicies, type StackPolicies } from "../support/iamPolicies";
import { runProgram } from "../support/program";

/** The mock engine's account and region (realistic: a 12-digit account, a real region). */
export const ACCOUNT = MOCK_ACCOUNT;
export const REGION = "ap-northeast-1";
/** An account that is not the stack's. */
export const OTHER_ACCOUNT = "210987654321";

export interface JudgedStack {
  readonly name: string;
  readonly resources: readonly RecordedResource[];
  readonly policies: StackPolicies;
  readonly facts: StackFacts;
}

export const STACKS: readonly { name: string; file?: string }[] = [
  { name: "prod" },
  { name: "dev" },
  { name: "full", file: path.join(__dirname, "fixtures", "Pulumi.full.yaml") },
];

/**
 * Stacks of backend step-functions (Pulumi.selfhosted.yaml, and tests/iam/fixtures/
 * Pulumi.selfdrills.yaml: the same plus a scheduled drill): judged by tests/iam/selfhosted.spec.ts
 * (the engine, ack and self-page roles) and, for the drill function, by simulate.spec.ts from its
 * handler scenario; the other functions' scenarios there are Incident Manager's (no engine or
 * step-functions router scenario runs against a program's stack yet).
 */
export const ENGINE_BACKEND_STACKS: readonly { name: string; file?: string }[] = [
  { name: "selfhosted" },
  { name: "selfdrills", file: path.join(__dirname, "fixtures", "Pulumi.selfdrills.yaml") },
];

const cache = new Map<string, Promise<JudgedStack>>();

/** One program run per stack per mocha process. */
export function judged(name: string): Promise<JudgedStack> {
  let run = cache.get(name);
  if (!run) {
    const stack = [...STACKS, ...ENGINE_BACKEND_STACKS].find((s) => s.name === name);
    if (!stack) throw new Error(`unknown stack ${name}`);
    run = runProgram(stack.name, stack.file).then(({ resources }) => ({
      name,
      resources,
      policies: stackPolicies(resources, ACCOUNT, REGION),
      facts: factsOf(resources),
    }));
    cache.set(name, run);
  }
  return run;
}

function factsOf(resources: readonly RecordedResource[]): StackFacts {
  const templateTagKeys = new Map<string, string[]>();
  for (const r of resources.filter(
    (x) => x.type === "aws:ssmincidents/responsePlan:ResponsePlan",
  )) {
    const tags = (r.inputs.incidentTemplate as { incidentTags?: Record<string, string> })
      .incidentTags;
    if (tags && Object.keys(tags).length > 0) templateTagKeys.set(r.id, Object.keys(tags));
  }
  const topicKeys = new Map<string, string>();
  for (const t of resources.filter((x) => x.type === "aws:sns/topic:Topic")) {
    if (typeof t.inputs.kmsMasterKeyId === "string") {
      topicKeys.set(t.id, t.inputs.kmsMasterKeyId);
    }
  }
  return { account: ACCOUNT, region: REGION, templateTagKeys, topicKeys };
}

export function ofType(s: JudgedStack, type: string): RecordedResource[] {
  return s.resources.filter((r) => r.type === type);
}
