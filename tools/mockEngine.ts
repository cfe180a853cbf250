/**
 * Runs Pulumi programs under Pulumi's mock engine, offline, and records every resource: type,
 * logical name, parent, inputs, dependencies, protection flags and explicit provider. Region
 * invokes (aws and aws-native getRegion) answer as the providers resolve their region. Used by the tests and by the
 * offline `plan` tool. The mocks return realistic ids and ARNs for each resource type, so
 * references between resources (a target's DLQ ARN, a response plan's engagements) are visible
 * in the recorded inputs.
 *
 * What it does not prove: that AWS accepts the inputs (the API-model checks do part of that) or
 * that the provider would plan them the same way.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as runtimeDebuggable from "@pulumi/pulumi/runtime/debuggable";
import * as runtimeSettings from "@pulumi/pulumi/runtime/settings";

export const MOCK_ACCOUNT = "123456789012";

/** A resource as the program registered it. */
export interface RecordedResource {
  /** Pulumi type token, e.g. `aws:ssmcontacts/contact:Contact`. */
  readonly type: string;
  /** Logical name. */
  readonly name: string;
  readonly urn: string;
  /** Logical name of the parent resource, or null for the stack's top level. */
  readonly parent: string | null;
  /**
   * Type token of the parent resource (with `parent`, it names the parent: several resources can
   * share a logical name), or null for the top level. Always set by runWithMocks.
   */
  readonly parentType?: string | null;
  readonly custom: boolean;
  /** Inputs as the provider would receive them (custom resources only). */
  readonly inputs: Record<string, unknown>;
  /** Input property names whose values are secrets. */
  readonly secretPaths: readonly string[];
  /** Logical names of the resources it depends on (explicit dependsOn and input references). */
  readonly dependencies: readonly string[];
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  /** Mocked physical id. */
  readonly id: string;
  /** Logical name of the explicit provider it was registered with, or null for the default one. */
  readonly provider: string | null;
}

interface MonitorRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getDependenciesList(): string[];
  getProtect(): boolean;
  getRetainondelete(): boolean;
  getProvider(): string;
}

interface Monitor {
  registerResource(req: MonitorRequest, cb: (err: unknown, resp: unknown) => void): unknown;
}

/** Options of a mock run. */
export interface MockRunOptions {
  readonly project?: string;
  readonly stack: string;
  readonly region?: string;
  /** Pulumi config in its flat form: `"<namespace>:<key>": "<string or JSON>"`. */
  readonly config?: Record<string, string>;
  /** Config keys whose values are secrets. */
  readonly secretKeys?: readonly string[];
}

/**
 * Installs the mocks, runs `program` (which creates resources), waits until every registration
 * has been processed and returns what was recorded. Only one run at a time per process.
 */
export async function runWithMocks(
  options: MockRunOptions,
  program: () => unknown,
): Promise<{ resources: RecordedResource[]; result: unknown }> {
  const config: Record<string, string> = {
    "aws:region": options.region ?? "ap-northeast-1",
    ...(options.config ?? {}),
  };
  const region = config["aws:region"];
  pulumi.runtime.setAllConfig(config, [...(options.secretKeys ?? [])]);

  const inputsByUrn = new Map<string, { inputs: Record<string, unknown>; id: string }>();
  const meta: Omit<RecordedResource, "inputs" | "id" | "secretPaths">[] = [];
  const namer = new PhysicalNames(region);
  /**
   * The region a provider works in, as the real ones resolve it: an explicit provider's `region`
   * input, else the stack config key, else AWS_REGION, else AWS_DEFAULT_REGION (pulumi-aws-native
   * provider/pkg/provider/provider.go `Configure`; @pulumi/aws reads aws:region, then the same
   * variables). Without any, the aws-native provider stops with this message.
   */
  const providerRegion = (ref: string | undefined, key: string): string => {
    const explicit = ref ? inputsByUrn.get(providerKey(ref))?.inputs.region : undefined;
    const found =
      (typeof explicit === "string" ? explicit : undefined) ??
      config[key] ??
      process.env.AWS_REGION ??
      process.env.AWS_DEFAULT_REGION;
    if (found === undefined) {
      throw new Error(
        `missing required configuration key "${key}": set it with \`pulumi config set ${key} <value>\`, or set AWS_REGION or AWS_DEFAULT_REGION`,
      );
    }
    return found;
  };

  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        const inputs = (args.inputs ?? {}) as Record<string, unknown>;
        const { id, state } = namer.mock(args.type, args.name, inputs);
        inputsByUrn.set(`${args.type}::${args.name}`, { inputs, id });
        return { id, state: { ...inputs, ...state } };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        if (args.token === "aws:index/getCallerIdentity:getCallerIdentity") {
          return {
            accountId: MOCK_ACCOUNT,
            arn: `arn:aws:iam::${MOCK_ACCOUNT}:root`,
            userId: "mock",
          };
        }
        if (args.token === "aws:index/getRegion:getRegion") {
          const r = providerRegion(args.provider, "aws:region");
          return { name: r, region: r };
        }
        if (args.token === "aws-native:index:getRegion") {
          return { region: providerRegion(args.provider, "aws-native:region") };
        }
        if (args.token === "aws:index/getPartition:getPartition") {
          return { partition: "aws", dnsSuffix: "amazonaws.com" };
        }
        throw new Error(`mock not implemented: invoke ${args.token}`);
      },
    },
    options.project ?? "incident-escalation",
    options.stack,
    false,
  );

  // Wrap the mock monitor to see what `newResource` does not: parent, dependencies, protection.
  // waitForRPCs is internal to the SDK (not in its typings); it drains pending registrations.
  const settings = runtimeSettings as unknown as {
    getMonitor(): Monitor | undefined;
    waitForRPCs(): Promise<void>;
  };
  const debuggable = runtimeDebuggable as unknown as { leakedPromises(): unknown };
  const monitor = settings.getMonitor();
  if (!monitor) throw new Error("mock monitor not installed");
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    meta.push({
      type: req.getType(),
      name: req.getName(),
      urn: "",
      parent: req.getParent() ? urnName(req.getParent()) : null,
      parentType: req.getParent() ? urnType(req.getParent()) : null,
      custom: req.getCustom(),
      dependencies: req.getDependenciesList().map(urnName),
      protect: req.getProtect(),
      retainOnDelete: req.getRetainondelete(),
      provider: req.getProvider() ? urnName(providerKey(req.getProvider())) : null,
    });
    return original(req, cb);
  };

  // An error thrown in an apply (e.g. a check on resolved values) reaches Pulumi as an unhandled
  // rejection; the language host fails the run with it and prints only the message of a RunError
  // (@pulumi/pulumi cmd/run/run.ts, `process.on("unhandledRejection", ...)`). The mock run does
  // the same: it rejects with the first such error instead of waiting for registrations that
  // will never finish, and drops the runtime's record of them (its exit-time leak check would
  // otherwise fail the process).
  const previous = process.listeners("unhandledRejection");
  let onUnhandled: (reason: unknown) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => {
    onUnhandled = reject;
  });
  process.removeAllListeners("unhandledRejection");
  process.on("unhandledRejection", onUnhandled);
  let result: unknown;
  try {
    await Promise.race([
      (async () => {
        result = await program();
        await settings.waitForRPCs();
        await new Promise((resolve) => setImmediate(resolve));
      })(),
      failed,
    ]);
  } catch (err: unknown) {
    debuggable.leakedPromises();
    throw err;
  } finally {
    monitor.registerResource = original;
    process.removeListener("unhandledRejection", onUnhandled);
    for (const l of previous) process.on("unhandledRejection", l);
  }

  const resources = meta.map((m) => {
    const recorded = inputsByUrn.get(`${m.type}::${m.name}`);
    const inputs = recorded?.inputs ?? {};
    return {
      ...m,
      urn: `urn:pulumi:${options.stack}::${options.project ?? "incident-escalation"}::${m.type}::${m.name}`,
      inputs: unwrapSecrets(inputs) as Record<string, unknown>,
      secretPaths: secretPaths(inputs),
      id: recorded?.id ?? "",
    };
  });
  return { resources, result };
}

/** Resolves an Output (or plain value) to its value, for assertions. */
export function valueOf<T>(o: pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(o).apply((v) => resolve(v as T)));
}

const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

function isSecretWrapper(v: unknown): v is { value: unknown } {
  return (
    typeof v === "object" &&
    v !== null &&
    (v as Record<string, unknown>)["4dabf18193072939515e22adb298388d"] === SECRET_SIG
  );
}

/** Not a type guard: both classes are structurally empty, so narrowing would leave `never`. */
function isAssetOrArchive(v: unknown): boolean {
  return pulumi.asset.Asset.isInstance(v) || pulumi.asset.Archive.isInstance(v);
}

function unwrapSecrets(v: unknown): unknown {
  if (isSecretWrapper(v)) return unwrapSecrets(v.value);
  // Assets and archives hold their contents in promises: kept as they are, for specs to read.
  if (isAssetOrArchive(v)) return v;
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
  }
  return v;
}

/** Dotted paths (`deliveryAddress.simpleAddress`, `stages[0]`) of secret values in the inputs. */
export function secretPaths(v: unknown, path = ""): string[] {
  if (isSecretWrapper(v)) return [path || "(root)"];
  if (Array.isArray(v)) return v.flatMap((x, i) => secretPaths(x, `${path}[${i}]`));
  if (typeof v === "object" && v !== null) {
    return Object.entries(v).flatMap(([k, x]) => secretPaths(x, path ? `${path}.${k}` : k));
  }
  return [];
}

/** `urn::id` of a provider reference → the `type::name` key its inputs were recorded under. */
function providerKey(ref: string): string {
  const parts = ref.split("::");
  const qualifiedType = parts[2] ?? "";
  return `${qualifiedType.split("$").pop() ?? qualifiedType}::${parts[3] ?? ""}`;
}

function urnName(urn: string): string {
  return urn.split("::").pop() ?? urn;
}

/** The resource's own type in a URN: the last of its qualified type's `$`-separated parts. */
function urnType(urn: string): string {
  const qualifiedType = urn.split("::")[2] ?? "";
  return qualifiedType.split("$").pop() ?? qualifiedType;
}

/** Mock ids, ARNs and computed attributes per resource type. */
class PhysicalNames {
  constructor(private readonly region: string) {}

  mock(
    type: string,
    name: string,
    inputs: Record<string, unknown>,
  ): { id: string; state: Record<string, unknown> } {
    const r = this.region;
    const a = MOCK_ACCOUNT;
    const str = (k: string) => (typeof inputs[k] === "string" ? (inputs[k] as string) : undefined);
    const physical = str("name") ?? str("alias") ?? `${name}-${short(name)}`;
    if (type.startsWith("pulumi:providers:")) return { id: uuid(name), state: {} };
    switch (type) {
      case "aws:ssmcontacts/contact:Contact":
      case "aws-native:ssmcontacts:Contact": {
        const arn = `arn:aws:ssm-contacts:${r}:${a}:contact/${physical}`;
        return { id: arn, state: { arn } };
      }
      case "aws:ssmcontacts/contactChannel:ContactChannel": {
        const contact = (str("contactId") ?? "").split("/").pop() ?? "contact";
        const arn = `arn:aws:ssm-contacts:${r}:${a}:contact-channel/${contact}/${uuid(name)}`;
        return { id: arn, state: { arn, activationStatus: "NOT_ACTIVATED" } };
      }
      case "aws:ssmcontacts/plan:Plan":
        return { id: str("contactId") ?? name, state: {} };
      case "aws:ssm/contactsRotation:ContactsRotation": {
        const arn = `arn:aws:ssm-contacts:${r}:${a}:rotation/${uuid(name)}`;
        return { id: arn, state: { arn } };
      }
      case "aws:ssmincidents/responsePlan:ResponsePlan": {
        const arn = `arn:aws:ssm-incidents::${a}:response-plan/${physical}`;
        return { id: arn, state: { arn } };
      }
      case "aws-native:ssmincidents:ReplicationSet":
      case "aws:ssmincidents/replicationSet:ReplicationSet": {
        const arn = `arn:aws:ssm-incidents::${a}:replication-set/${uuid(name)}`;
        return { id: arn, state: { arn } };
      }
      case "aws:sns/topic:Topic": {
        const arn = `arn:aws:sns:${r}:${a}:${physical}`;
        return { id: arn, state: { arn, name: physical } };
      }
      case "aws:sqs/queue:Queue": {
        const url = `https://sqs.${r}.amazonaws.com/${a}/${physical}`;
        return {
          id: url,
          state: { arn: `arn:aws:sqs:${r}:${a}:${physical}`, url, name: physical },
        };
      }
      case "aws:lambda/function:Function": {
        const arn = `arn:aws:lambda:${r}:${a}:function:${physical}`;
        return {
          id: physical,
          state: { arn, name: physical, invokeArn: arn, qualifiedArn: `${arn}:$LATEST` },
        };
      }
      case "aws:iam/role:Role":
        return {
          id: physical,
          state: {
            arn: `arn:aws:iam::${a}:role/${physical}`,
            name: physical,
            uniqueId: `AROA${short(name).toUpperCase()}`,
          },
        };
      case "aws:iam/policy:Policy":
        return {
          id: `arn:aws:iam::${a}:policy/${physical}`,
          state: { arn: `arn:aws:iam::${a}:policy/${physical}` },
        };
      case "aws:cloudwatch/eventRule:EventRule": {
        const arn = `arn:aws:events:${r}:${a}:rule/${physical}`;
        return { id: physical, state: { arn, name: physical } };
      }
      case "aws:cloudwatch/metricAlarm:MetricAlarm": {
        const arn = `arn:aws:cloudwatch:${r}:${a}:alarm:${physical}`;
        return { id: physical, state: { arn, name: physical } };
      }
      case "aws:cloudwatch/logGroup:LogGroup": {
        const arn = `arn:aws:logs:${r}:${a}:log-group:${physical}`;
        return { id: physical, state: { arn, name: physical } };
      }
      case "aws:secretsmanager/secret:Secret": {
        const arn = `arn:aws:secretsmanager:${r}:${a}:secret:${physical}-${short(name).slice(0, 6)}`;
        return { id: arn, state: { arn, name: physical } };
      }
      case "aws:kms/key:Key": {
        const id = uuid(name);
        return { id, state: { arn: `arn:aws:kms:${r}:${a}:key/${id}`, keyId: id } };
      }
      case "aws:kms/alias:Alias":
        return { id: physical, state: { arn: `arn:aws:kms:${r}:${a}:${physical}` } };
      case "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration":
      case "aws:chatbot/teamsChannelConfiguration:TeamsChannelConfiguration": {
        const arn = `arn:aws:chatbot::${a}:chat-configuration/${type.includes("slack") ? "slack" : "teams"}-channel/${str("configurationName") ?? physical}`;
        return { id: arn, state: { chatConfigurationArn: arn } };
      }
      case "aws:dynamodb/table:Table": {
        const arn = `arn:aws:dynamodb:${r}:${a}:table/${physical}`;
        return { id: physical, state: { arn, name: physical } };
      }
      case "aws:scheduler/schedule:Schedule": {
        const arn = `arn:aws:scheduler:${r}:${a}:schedule/default/${physical}`;
        return { id: physical, state: { arn, name: physical } };
      }
      case "aws:scheduler/scheduleGroup:ScheduleGroup": {
        // arn:aws:scheduler:<region>:<account>:schedule-group/<name> (service authorization
        // reference, Amazon EventBridge Scheduler, resource type schedule-group).
        const arn = `arn:aws:scheduler:${r}:${a}:schedule-group/${physical}`;
        return { id: physical, state: { arn, name: physical } };
      }
      case "aws:sfn/stateMachine:StateMachine": {
        // arn:aws:states:<region>:<account>:stateMachine:<name> (service authorization reference).
        const arn = `arn:aws:states:${r}:${a}:stateMachine:${physical}`;
        return { id: arn, state: { arn, name: physical } };
      }
      case "aws:lambda/functionUrl:FunctionUrl": {
        // https://<url-id>.lambda-url.<region>.on.aws/ (Lambda developer guide, "Creating and
        // managing Lambda function URLs": the URL format), `functionUrl` and `urlId` outputs.
        const urlId = createHash("sha256").update(name).digest("hex").slice(0, 32);
        const fn = str("functionName") ?? name;
        return {
          id: fn,
          state: {
            functionArn: `arn:aws:lambda:${r}:${a}:function:${fn}`,
            functionUrl: `https://${urlId}.lambda-url.${r}.on.aws/`,
            urlId,
          },
        };
      }
      case "aws:connect/contactFlow:ContactFlow": {
        // id `<instanceId>:<contactFlowId>`, ARN `arn:aws:connect:<region>:<account>:instance/
        // <instanceId>/contact-flow/<contactFlowId>` (the provider's import id; service
        // authorization reference, Amazon Connect resource type contact-flow).
        const instanceId = str("instanceId") ?? "instance";
        const contactFlowId = uuid(name);
        return {
          id: `${instanceId}:${contactFlowId}`,
          state: {
            arn: `arn:aws:connect:${r}:${a}:instance/${instanceId}/contact-flow/${contactFlowId}`,
            contactFlowId,
          },
        };
      }
      case "random:index/randomPassword:RandomPassword": {
        const length = typeof inputs.length === "number" ? inputs.length : 16;
        const material = createHash("sha512").update(name).digest("hex");
        return { id: "none", state: { result: material.slice(0, length) } };
      }
      default: {
        const service = type.split(":")[1]?.split("/")[0] ?? "mock";
        const arn = `arn:aws:${service}:${r}:${a}:${physical}`;
        return { id: `${physical}-id`, state: { arn } };
      }
    }
  }
}

function short(s: string): string {
  return createHash("sha256").update(s).digest("hex").slice(0, 8);
}

function uuid(s: string): string {
  const h = createHash("sha256").update(s).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
