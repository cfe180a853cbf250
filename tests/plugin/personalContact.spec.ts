/**
 * `construct` of the multi-language PersonalContact, in-process under Pulumi's mock engine, with
 * inputs in the engine's wire form decoded by the SDK's own deserializeInputs (as in
 * construct.spec.ts): the contact, its channels and its engagement plan, the addresses secret, and
 * invalid input rejected with its path (at construction, or when a secret resolves).
 *
 * Not proven: what a real engine sends for a given consumer program, nor that Incident Manager
 * accepts the resources (the component specs check the inputs against the API models).
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { RecordedResource, runWithMocks } from "../../tools/mockEngine";
import { pluginProvider } from "./support";

const TOKEN = "incident-escalation:index:PersonalContact";
const SIG = "4dabf18193072939515e22adb298388d";
const OUTPUT = "d0e6a833031e9bbcd3f4e8bde6ca49a4";

const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
/* eslint-disable @typescript-eslint/no-require-imports -- SDK internals and generated stubs */
const { Struct } = require(
  require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [pulumiDir] }),
) as { Struct: { fromJavaScript(v: unknown): unknown } };
const provproto = require("@pulumi/pulumi/proto/provider_pb") as {
  ConstructRequest: new () => {
    setInputs(s: unknown): void;
    getInputs(): unknown;
    getInputdependenciesMap(): unknown;
  };
};
const { deserializeInputs } = require("@pulumi/pulumi/provider/server") as {
  deserializeInputs(inputs: unknown, deps: unknown): Promise<Record<string, unknown>>;
};
/* eslint-enable @typescript-eslint/no-require-imports */

type Json = Record<string, unknown>;
const secret = (value: unknown) => ({ [SIG]: OUTPUT, value, secret: true, dependencies: [] });

function wire(overrides: Json = {}): Json {
  return {
    alias: "ie-sato",
    displayName: "Sato Hanako",
    email: secret("sato@example.com"),
    phone: secret("+819000000001"),
    engagement: [
      { after: 0, via: ["email"] },
      { after: 10, via: ["sms", "voice"] },
    ],
    ...overrides,
  };
}

async function construct(args: Json): Promise<{ resources: RecordedResource[]; state: Json }> {
  const { resources, result } = await runWithMocks({ stack: "prod" }, async () => {
    const req = new provproto.ConstructRequest();
    req.setInputs(Struct.fromJavaScript(args));
    const inputs = await deserializeInputs(req.getInputs(), req.getInputdependenciesMap());
    return (await pluginProvider().construct("sato", TOKEN, inputs, {})).state;
  });
  return { resources, state: result as Json };
}

const valueOf = <T>(o: unknown): Promise<T> =>
  new Promise((resolve) => pulumi.output(o as pulumi.Output<T>).apply((v) => resolve(v as T)));

describe("plugin PersonalContact construct (engine wire form → ComponentProvider)", function () {
  this.timeout(600_000);

  it("one contact, its three channels and its plan, addresses secret; channels without addresses as outputs", async () => {
    const { resources, state } = await construct(wire());
    assert.deepEqual(
      resources.map((r) => `${r.type}::${r.name}::${r.parent ?? "-"}`),
      [
        `${TOKEN}::sato::-`,
        "incident-escalation:index:PersonalContact::sato::sato",
        "aws:ssmcontacts/contact:Contact::sato::sato",
        "aws:ssmcontacts/contactChannel:ContactChannel::sato-email::sato",
        "aws:ssmcontacts/contactChannel:ContactChannel::sato-sms::sato",
        "aws:ssmcontacts/contactChannel:ContactChannel::sato-voice::sato",
        "aws:ssmcontacts/plan:Plan::sato-plan::sato",
      ],
    );
    const contact = resources.find((r) => r.type === "aws:ssmcontacts/contact:Contact");
    assert.deepEqual(contact?.inputs, {
      alias: "ie-sato",
      displayName: "Sato Hanako",
      type: "PERSONAL",
    });
    const sms = resources.find((r) => r.name === "sato-sms");
    assert.deepEqual(sms?.inputs.deliveryAddress, { simpleAddress: "+819000000001" });
    assert.deepEqual(sms?.secretPaths, ["deliveryAddress"]);
    const mail = resources.find((r) => r.name === "sato-email");
    assert.deepEqual(mail?.secretPaths, ["deliveryAddress"]);
    const plan = resources.find((r) => r.type === "aws:ssmcontacts/plan:Plan");
    assert.deepEqual(
      (plan?.inputs.stages as { durationInMinutes: number }[]).map((s) => s.durationInMinutes),
      [10, 0],
    );
    const channels = await valueOf<{ channel: string; activationStatus: string }[]>(state.channels);
    assert.deepEqual(
      channels.map((c) => c.channel),
      ["email", "sms", "voice"],
    );
    assert.doesNotMatch(JSON.stringify(channels), /example\.com|\+8190/);
  });

  it("an invalid plain value is rejected at construction with its path, the value not shown", async () => {
    await assert.rejects(construct(wire({ phone: "090-1234" })), (err: Error) => {
      assert.equal(
        err.message,
        'PersonalContact "sato" args has 1 problem:\n' +
          "  - phone: is not E.164 (+<country><number>, digits only, e.g. +819012345678); the value is not shown because it is personal data",
      );
      return true;
    });
  });

  it("an invalid secret is rejected when it resolves, with its path, the value not shown", async () => {
    await assert.rejects(construct(wire({ phone: secret("090-1234") })), (err: Error) => {
      assert.match(err.message, /\n {2}- phone: is not E\.164/);
      assert.doesNotMatch(err.message, /090-1234/);
      return true;
    });
  });

  it("an engagement channel without its address is refused with the contact schema's message", async () => {
    const noPhone = wire();
    delete noPhone.phone;
    await assert.rejects(construct(noPhone), (err: Error) => {
      assert.match(err.message, /^PersonalContact "sato" args has 2 problems:\n/);
      assert.match(
        err.message,
        /\n {2}- engagement\[1\]\.via: uses sms but the contact has no phone number\n/,
      );
      assert.match(
        err.message,
        /\n {2}- engagement\[1\]\.via: uses voice but the contact has no phone number$/,
      );
      return true;
    });
  });
});
