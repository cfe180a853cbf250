/**
 * The multi-language package's schema, from @pulumi/pulumi's own Analyzer
 * (ComponentProvider.getSchema over plugin/): tokens, inputs with types and descriptions, outputs,
 * asserted as literals. The Analyzer throws on the first type outside its subset, so these specs
 * also fail when a refused type slips into an exported component's args or outputs.
 *
 * Not proven here: that the Pulumi CLI generates a working SDK from this schema for each language
 * (no CLI on these machines), nor what the engine does with the non-standard `optional`/`plain`
 * keys the SDK writes into property definitions.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { PLUGIN_DIR, PackageSchema, pluginSchema } from "./support";

const T = (name: string) => `#/types/incident-escalation:index:${name}`;

describe("plugin schema (SDK Analyzer over plugin/)", function () {
  this.timeout(600_000);
  let schema: PackageSchema;
  before(async () => {
    schema = await pluginSchema();
  });

  it("is package incident-escalation at the root package's version, with exactly the exported components", () => {
    const root = JSON.parse(readFileSync(path.join(PLUGIN_DIR, "..", "package.json"), "utf8")) as {
      version: string;
    };
    assert.equal(schema.name, "incident-escalation");
    assert.equal(schema.version, root.version);
    assert.deepEqual(Object.keys(schema.resources), [
      "incident-escalation:index:EscalationPipeline",
      "incident-escalation:index:PersonalContact",
    ]);
    assert.equal(schema.resources["incident-escalation:index:PersonalContact"].isComponent, true);
    assert.equal(
      schema.resources["incident-escalation:index:EscalationPipeline"].isComponent,
      true,
    );
  });

  it("EscalationPipeline inputs: names, required ones, types and one-line descriptions", () => {
    const r = schema.resources["incident-escalation:index:EscalationPipeline"];
    assert.deepEqual(Object.keys(r.inputProperties), [
      "stack",
      "prefix",
      "backend",
      "incidentManager",
      "channels",
      "language",
      "contacts",
      "onCall",
      "escalation",
      "levels",
      "alarms",
      "externalAlarms",
      "notifications",
      "drills",
      "tags",
    ]);
    assert.deepEqual(r.requiredInputs, ["contacts", "levels"]);
    assert.deepEqual(r.inputProperties.contacts, {
      type: "array",
      items: { $ref: T("Contact"), plain: true },
      plain: true,
      description: "The people who can be paged.",
    });
    assert.deepEqual(r.inputProperties.levels, {
      type: "object",
      additionalProperties: { $ref: T("Level"), plain: true },
      plain: true,
      description: "Levels by name (lower-case, 1-20 characters).",
    });
    for (const [name, p] of Object.entries(r.inputProperties)) {
      assert.ok(p.description && !p.description.includes("\n"), `${name}: one-line description`);
    }
  });

  it("secrets and outputs of other resources are Inputs (not plain); structure is plain", () => {
    const contact = schema.types["incident-escalation:index:Contact"];
    assert.deepEqual(contact.properties?.phone, {
      type: "string",
      optional: true,
      description:
        "E.164 phone number for SMS and voice (+<country><number>); kept a Pulumi secret.",
    });
    assert.deepEqual(contact.properties?.email, {
      type: "string",
      optional: true,
      description: "E-mail address; kept a Pulumi secret.",
    });
    assert.deepEqual(contact.properties?.alias, {
      type: "string",
      plain: true,
      description:
        "Lower-case alias ([a-z0-9_-]) used to reference the contact; the physical alias is <prefix>-<alias>.",
    });
    assert.deepEqual(contact.required, ["alias", "displayName", "engagement"]);
    const webhook = schema.types["incident-escalation:index:Webhook"];
    assert.equal(webhook.properties?.url.plain, undefined);
    assert.equal(webhook.properties?.signingKey.plain, undefined);
    assert.deepEqual(schema.types["incident-escalation:index:Metric"].properties?.dimensions, {
      type: "object",
      additionalProperties: { type: "string" },
      optional: true,
      plain: true,
      description:
        "Metric dimensions; values may be other resources' outputs (e.g. a load balancer's arnSuffix).",
    });
    // Every other input property in every type is plain: it decides which resources exist (the
    // dimensions map is plain too; its values are Inputs).
    const inputs = new Set([
      "Contact.phone",
      "Contact.email",
      "Webhook.url",
      "Webhook.signingKey",
      "Webhook.previousSigningKey",
    ]);
    for (const [token, t] of Object.entries(schema.types)) {
      const type = token.slice("incident-escalation:index:".length);
      if (type === "ChannelToActivate" || type === "ContactChannel") continue; // outputs
      for (const [name, p] of Object.entries(t.properties ?? {})) {
        assert.equal(p.plain === true, !inputs.has(`${type}.${name}`), `${token}.${name}`);
      }
    }
  });

  it("enums: channels, statistics, comparison operators, hand-off periods, missing data", () => {
    const values = (name: string) =>
      schema.types[`incident-escalation:index:${name}`].enum?.map((e) => e.value);
    assert.deepEqual(schema.types["incident-escalation:index:Channel"], {
      type: "string",
      enum: [
        { name: "Email", value: "email", description: "E-mail to the contact's address." },
        { name: "Sms", value: "sms", description: "SMS to the contact's phone." },
        { name: "Voice", value: "voice", description: "Voice call to the contact's phone." },
      ],
    });
    assert.deepEqual(values("Statistic"), ["SampleCount", "Average", "Sum", "Minimum", "Maximum"]);
    assert.deepEqual(values("ComparisonOperator"), [
      "GreaterThanOrEqualToThreshold",
      "GreaterThanThreshold",
      "LessThanThreshold",
      "LessThanOrEqualToThreshold",
    ]);
    assert.deepEqual(values("HandoffPeriod"), ["day", "week", "month"]);
    assert.deepEqual(values("TreatMissingData"), [
      "missing",
      "notBreaching",
      "breaching",
      "ignore",
    ]);
    assert.deepEqual(schema.types["incident-escalation:index:EngagementStage"].properties?.via, {
      type: "array",
      items: { $ref: T("Channel"), plain: true },
      plain: true,
      description: "Channels engaged in this stage.",
    });
  });

  it("outputs: the consumer-facing ARNs and lists, nothing private", () => {
    const r = schema.resources["incident-escalation:index:EscalationPipeline"];
    assert.deepEqual(Object.keys(r.properties).sort(), [
      "alarmNames",
      "alertsTopicArn",
      "channelsToActivate",
      "contactArns",
      "escalationPlanArn",
      "notifierArn",
      "onCallArns",
      "prefix",
      "replicationSetArn",
      "responsePlanArns",
      "routerArn",
      "webhookSigningKeys",
    ]);
    assert.deepEqual(r.required, [
      "alarmNames",
      "alertsTopicArn",
      "channelsToActivate",
      "contactArns",
      "onCallArns",
      "prefix",
      "responsePlanArns",
    ]);
    assert.deepEqual(r.properties.responsePlanArns, {
      type: "object",
      additionalProperties: { type: "string" },
      description: "Response plan ARN by paging level.",
    });
    assert.deepEqual(r.properties.channelsToActivate, {
      type: "array",
      items: { $ref: T("ChannelToActivate") },
      description: "Contact channels not yet activated, which page nobody (no addresses).",
    });
    assert.deepEqual(
      Object.keys(schema.types["incident-escalation:index:ChannelToActivate"].properties ?? {}),
      ["contact", "channel", "arn", "activationStatus"],
    );
  });

  it("PersonalContact: a stack config contact's inputs (addresses are Inputs), ARN and channels out", () => {
    const r = schema.resources["incident-escalation:index:PersonalContact"];
    assert.deepEqual(Object.keys(r.inputProperties), [
      "alias",
      "displayName",
      "email",
      "phone",
      "retryIntervalMinutes",
      "engagement",
      "tags",
    ]);
    assert.deepEqual(r.requiredInputs, ["alias", "displayName", "engagement"]);
    assert.equal(r.inputProperties.phone.plain, undefined);
    assert.equal(r.inputProperties.email.plain, undefined);
    assert.equal(r.inputProperties.alias.plain, true);
    assert.deepEqual(r.inputProperties.engagement, {
      type: "array",
      items: { $ref: T("EngagementStage"), plain: true },
      plain: true,
      description: "Engagement stages by offset from the moment the contact is engaged.",
    });
    assert.deepEqual(Object.keys(r.properties).sort(), ["channels", "contactArn"]);
    assert.deepEqual(r.required, ["channels", "contactArn"]);
    assert.deepEqual(
      Object.keys(schema.types["incident-escalation:index:ContactChannel"].properties ?? {}),
      ["channel", "arn", "activationStatus"],
    );
  });

  it("step-functions backend settings: Backend and Language enums, Channels with e-mail and SMS senders", () => {
    const values = (name: string) =>
      schema.types[`incident-escalation:index:${name}`].enum?.map((e) => e.value);
    assert.deepEqual(values("Backend"), ["incident-manager", "step-functions"]);
    assert.deepEqual(values("Language"), ["ja", "en"]);
    assert.deepEqual(
      Object.keys(schema.types["incident-escalation:index:Channels"].properties ?? {}),
      ["email", "sms"],
    );
    assert.deepEqual(schema.types["incident-escalation:index:SmsChannel"].required, [
      "originationIdentity",
    ]);
    assert.deepEqual(schema.types["incident-escalation:index:EscalationStage"].properties?.repeat, {
      type: "number",
      optional: true,
      plain: true,
      description:
        "Last stage only, step-functions backend: times all stages run again unacknowledged (0-5).",
    });
  });
});
