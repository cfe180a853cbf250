/**
 * `construct` of the multi-language EscalationPipeline, in-process under Pulumi's mock engine, with
 * inputs in the engine's wire form (a protobuf Struct with secret and output-value signatures and
 * input dependencies) turned into JavaScript by the SDK's own provider/server.js deserializeInputs,
 * as run-plugin's gRPC Construct does. For the prod example (Pulumi.prod.yaml) it registers the
 * same resources with the same inputs and secret paths as the TypeScript program (index.ts), keeps
 * phone numbers, e-mail addresses and the webhook URL secret, and rejects invalid input with its
 * config path.
 *
 * Not proven: what a real engine sends for a given consumer program (no Pulumi CLI here; the wire
 * forms are the SDK's documented signatures, runtime/rpc.js), nor that AWS accepts the resources.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { RecordedResource, runWithMocks } from "../../tools/mockEngine";
import { readStackFile } from "../../tools/stackFile";
import { REPO, archiveFiles, runProgram } from "../support/program";
import { pluginProvider } from "./support";

const TOKEN = "incident-escalation:index:EscalationPipeline";
const SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";
const OUTPUT = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
const LB_URN = "urn:pulumi:prod::consumer::aws:lb/loadBalancer:LoadBalancer::api";

const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
/* eslint-disable @typescript-eslint/no-require-imports -- SDK internals and generated stubs */
const { Struct } = require(
  require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [pulumiDir] }),
) as { Struct: { fromJavaScript(v: unknown): unknown } };
const provproto = require("@pulumi/pulumi/proto/provider_pb") as {
  ConstructRequest: new () => {
    setInputs(s: unknown): void;
    getInputs(): unknown;
    getInputdependenciesMap(): { set(k: string, v: unknown): void };
  };
  ConstructRequest_PropertyDependencies?: unknown;
};
const { deserializeInputs } = require("@pulumi/pulumi/provider/server") as {
  deserializeInputs(inputs: unknown, deps: unknown): Promise<Record<string, unknown>>;
};
const PropertyDependencies = (
  provproto.ConstructRequest as unknown as {
    PropertyDependencies: new () => { setUrnsList(urns: string[]): void };
  }
).PropertyDependencies;
/* eslint-enable @typescript-eslint/no-require-imports */

type Json = Record<string, unknown>;
const secret = (value: unknown) => ({ [SIG]: OUTPUT, value, secret: true, dependencies: [] });
const dependent = (value: unknown, urn: string) => ({
  [SIG]: OUTPUT,
  value,
  secret: false,
  dependencies: [urn],
});

/** Pulumi.prod.yaml's config as plugin arguments (the names are the config's own). */
function prodArgs(): Json {
  const { config } = readStackFile(path.join(REPO, "Pulumi.prod.yaml"));
  const out: Json = {};
  for (const [k, v] of Object.entries(config)) {
    if (!k.startsWith("incident-escalation:")) continue;
    out[k.slice("incident-escalation:".length)] = JSON.parse(v);
  }
  delete out.incidentManager; // replicationSet: existing is the default
  for (const a of out.alarms as Json[]) {
    const metric = a.metric as Json;
    if (String(metric.statistic).startsWith("p")) {
      metric.extendedStatistic = metric.statistic;
      delete metric.statistic;
    }
  }
  return out;
}

/** The prod arguments on the wire: addresses and the webhook URL secret, a dimension dependent. */
function prodWire(): { wire: Json; deps: Record<string, string[]> } {
  const wire = prodArgs();
  for (const c of wire.contacts as Json[]) {
    c.phone = secret(c.phone);
    c.email = secret(c.email);
  }
  const hooks = (wire.notifications as Json).webhooks as Json[];
  hooks[0].url = secret(hooks[0].url);
  const dims = ((wire.alarms as Json[])[0].metric as Json).dimensions as Json;
  dims.LoadBalancer = dependent(dims.LoadBalancer, LB_URN);
  return { wire, deps: { alarms: [LB_URN] } };
}

async function deserialize(wire: Json, deps: Record<string, string[]> = {}): Promise<Json> {
  const req = new provproto.ConstructRequest();
  req.setInputs(Struct.fromJavaScript(wire));
  const map = req.getInputdependenciesMap();
  for (const [k, urns] of Object.entries(deps)) {
    const d = new PropertyDependencies();
    d.setUrnsList(urns);
    map.set(k, d);
  }
  return deserializeInputs(req.getInputs(), map);
}

async function construct(
  wire: Json,
  deps: Record<string, string[]> = {},
): Promise<{ resources: RecordedResource[]; state: Json }> {
  const { resources, result } = await runWithMocks({ stack: "prod" }, async () => {
    const inputs = await deserialize(wire, deps);
    return (await pluginProvider().construct("escalation", TOKEN, inputs, {})).state;
  });
  return { resources, state: result as Json };
}

/** type::name → inputs (assets as their recorded fields) and secret paths, custom resources only. */
function byKey(resources: readonly RecordedResource[]): Map<string, string> {
  return new Map(
    resources
      .filter((r) => r.custom)
      .map((r) => [
        `${r.type}::${r.name}`,
        JSON.stringify({ inputs: r.inputs, secretPaths: r.secretPaths }),
      ]),
  );
}

const valueOf = <T>(o: unknown): Promise<T> =>
  new Promise((resolve) => pulumi.output(o as pulumi.Output<T>).apply((v) => resolve(v as T)));

describe("plugin construct (engine wire form → SDK deserializeInputs → ComponentProvider)", function () {
  this.timeout(600_000);
  let program: RecordedResource[];
  let plugin: { resources: RecordedResource[]; state: Json };
  before(async () => {
    program = (await runProgram("prod")).resources;
    const { wire, deps } = prodWire();
    plugin = await construct(wire, deps);
  });

  it("prod example: the same custom resources, inputs and secret paths as the TypeScript program", () => {
    const mine = byKey(plugin.resources);
    const theirs = byKey(program);
    assert.deepEqual([...mine.keys()].sort(), [...theirs.keys()].sort());
    for (const [key, recorded] of theirs) assert.equal(mine.get(key), recorded, key);
    assert.equal(mine.size, 79);
  });

  it("the same component tree, inside one EscalationPipeline the engine asked for", () => {
    const components = (rs: readonly RecordedResource[]) =>
      rs.filter((r) => !r.custom).map((r) => `${r.type}::${r.name}::${r.parent ?? "-"}`);
    const outer = plugin.resources.filter((r) => !r.custom && r.parent === null);
    assert.deepEqual(
      outer.map((r) => `${r.type}::${r.name}`),
      [`${TOKEN}::escalation`],
    );
    // The TypeScript pipeline is the outer one's only child; below it the trees are the same.
    const inner = components(plugin.resources)
      .filter((c) => c !== `${TOKEN}::escalation::-`)
      .map((c) => (c === `${TOKEN}::escalation::escalation` ? `${TOKEN}::escalation::-` : c));
    assert.deepEqual(inner.sort(), components(program).sort());
  });

  it("phones, e-mail addresses and the webhook URL stay secret; the dimension keeps its dependency", async () => {
    const phone = plugin.resources.find(
      (r) =>
        r.type === "aws:ssmcontacts/contactChannel:ContactChannel" &&
        r.name === "escalation-sato-sms",
    );
    assert.deepEqual(phone?.secretPaths, ["deliveryAddress"]);
    assert.deepEqual(phone?.inputs.deliveryAddress, { simpleAddress: "+819000000001" });
    const mail = plugin.resources.find((r) => r.name === "escalation-sato-email" && r.custom);
    assert.deepEqual(mail?.secretPaths, ["deliveryAddress"]);
    const hook = plugin.resources.find(
      (r) => r.type === "aws:secretsmanager/secretVersion:SecretVersion",
    );
    assert.deepEqual(hook?.secretPaths, ["secretString"]);
    const alarm = plugin.resources.find((r) => r.name === "escalation-critical-api-5xx");
    assert.deepEqual(alarm?.inputs.dimensions, { LoadBalancer: "app/prod-api/0123456789abcdef" });
    assert.deepEqual(alarm?.secretPaths, []);
    assert.ok(alarm?.dependencies.includes("api"), "alarm depends on the load balancer");
  });

  it("declared outputs: ARNs by level, channels to activate without addresses, signing keys secret", async () => {
    const s = plugin.state;
    assert.deepEqual(await valueOf(s.responsePlanArns), {
      critical: "arn:aws:ssm-incidents::123456789012:response-plan/ie-prod-critical",
    });
    const channels = await valueOf<{ contact: string; channel: string }[]>(s.channelsToActivate);
    assert.deepEqual(
      channels.map((c) => `${c.contact}/${c.channel}`),
      [
        "sato/email",
        "sato/sms",
        "sato/voice",
        "suzuki/email",
        "suzuki/sms",
        "suzuki/voice",
        "tanaka/email",
        "tanaka/sms",
        "tanaka/voice",
      ],
    );
    assert.doesNotMatch(JSON.stringify(channels), /example\.com|\+8190/);
    assert.equal(await pulumi.isSecret(s.webhookSigningKeys as pulumi.Output<unknown>), true);
    assert.equal(await valueOf(s.prefix), "ie-prod");
    assert.match(String(await valueOf(s.routerArn)), /:function:ie-prod-router$/);
    assert.deepEqual(Object.keys(await valueOf<Json>(s.contactArns)), ["sato", "suzuki", "tanaka"]);
    const router = plugin.resources.find(
      (r) => r.type === "aws:lambda/function:Function" && r.name === "escalation-router",
    );
    const files = await archiveFiles(router?.inputs.code);
    assert.ok(files["routing.json"]?.includes("ie-prod-critical"));
  });

  it("an invalid plain value is rejected at construction with its path, the value not shown", async () => {
    const { wire } = prodWire();
    (wire.contacts as Json[])[1].phone = "090-1234";
    await assert.rejects(construct(wire), (err: Error) => {
      assert.equal(
        err.message,
        'EscalationPipeline "escalation" args has 1 problem:\n' +
          "  - contacts[1].phone: is not E.164 (+<country><number>, digits only, e.g. +819012345678); the value is not shown because it is personal data",
      );
      return true;
    });
  });

  it("an invalid secret is rejected when it resolves, with its path, the value not shown", async () => {
    const { wire } = prodWire();
    (wire.contacts as Json[])[1].phone = secret("090-1234");
    await assert.rejects(construct(wire), (err: Error) => {
      assert.match(err.message, /contacts\[1\]\.phone: is not E\.164/);
      assert.doesNotMatch(err.message, /090-1234/);
      return true;
    });
  });

  it("a secret in the older wire form (no output value) makes its whole top-level key secret: refused, naming the key", async () => {
    // runtime/rpc.js deserializeProperty lifts a nested secret signature to the top-level key, so
    // `contacts` arrives as one secret Output whose structure is unknown at construction.
    const { wire } = prodWire();
    (wire.contacts as Json[])[0].phone = { [SIG]: SECRET, value: "+819000000001" };
    await assert.rejects(construct(wire), (err: Error) => {
      assert.match(err.message, /\n {2}- contacts: is not known when the pipeline is created/);
      return true;
    });
  });

  it("an output where the structure is decided (a contact alias) is refused with its path", async () => {
    const { wire } = prodWire();
    (wire.contacts as Json[])[0].alias = secret("sato");
    await assert.rejects(construct(wire), (err: Error) => {
      assert.equal(
        err.message,
        'EscalationPipeline "escalation" args has 2 problems:\n' +
          "  - contacts[0].alias: is not known when the pipeline is created (a secret, or another resource's output); it decides which resources exist, so pass it as a plain value (only e-mail addresses, phone numbers, webhook URLs and keys and alarm dimension values may be secrets or outputs)\n" +
          '  - onCall[0].members[0]: "sato" is not a contact alias; define it under contacts',
      );
      return true;
    });
  });
});
