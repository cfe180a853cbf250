/**
 * The Incident Manager side of the pipeline under Pulumi's mock engine, for both example stacks:
 * exact resources, engagement and escalation stages, rotations, response plans, secrets; no
 * replication set in either example (both use the account's existing one); and, for a stack that
 * creates one, the replication set itself and the ordering on it.
 *
 * Not proven here: that AWS accepts these inputs (tests/components/apiConformance.spec.ts checks
 * them against the API models, which is still not a deploy) or that the provider plans them the
 * same way as the mocks record them.
 */
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { EscalationPipeline } from "../../components/escalationPipeline";
import { RecordedResource, runWithMocks, valueOf } from "../../tools/mockEngine";
import { ProgramRun, one, ofType, runProgram } from "../support/program";

const ACCT = "123456789012";
const REGION = "ap-northeast-1";
const contactArn = (alias: string) => `arn:aws:ssm-contacts:${REGION}:${ACCT}:contact/${alias}`;

const IM_TYPES = new Set([
  "incident-escalation:index:EscalationPipeline",
  "incident-escalation:index:PersonalContact",
  "incident-escalation:index:OnCallSchedule",
  "incident-escalation:index:EscalationPlan",
  "incident-escalation:index:ReplicationSet",
  "incident-escalation:index:ResponsePlans",
  "aws:ssmcontacts/contact:Contact",
  "aws:ssmcontacts/contactChannel:ContactChannel",
  "aws:ssmcontacts/plan:Plan",
  "aws:ssm/contactsRotation:ContactsRotation",
  "aws-native:ssmcontacts:Contact",
  "aws-native:ssmincidents:ReplicationSet",
  "aws:ssmincidents/responsePlan:ResponsePlan",
]);

/** `type name (parent)` lines of the Incident Manager resources, sorted. */
function imInventory(resources: readonly RecordedResource[]): string[] {
  return resources
    .filter((r) => IM_TYPES.has(r.type))
    .map((r) => `${r.type} ${r.name} (${r.parent ?? "-"})`)
    .sort();
}

describe("Incident Manager components (prod example)", () => {
  let run: ProgramRun;
  before(async () => {
    run = await runProgram("prod");
  });

  it("creates exactly the expected Incident Manager resources", () => {
    const contact = (a: string) => [
      `aws:ssmcontacts/contact:Contact escalation-${a} (escalation-${a})`,
      `aws:ssmcontacts/contactChannel:ContactChannel escalation-${a}-email (escalation-${a})`,
      `aws:ssmcontacts/contactChannel:ContactChannel escalation-${a}-sms (escalation-${a})`,
      `aws:ssmcontacts/contactChannel:ContactChannel escalation-${a}-voice (escalation-${a})`,
      `aws:ssmcontacts/plan:Plan escalation-${a}-plan (escalation-${a})`,
      `incident-escalation:index:PersonalContact escalation-${a} (escalation)`,
    ];
    assert.deepEqual(
      imInventory(run.resources),
      [
        ...contact("sato"),
        ...contact("suzuki"),
        ...contact("tanaka"),
        "aws:ssmcontacts/contact:Contact escalation-escalation (escalation-escalation)",
        "aws:ssmcontacts/plan:Plan escalation-escalation-plan (escalation-escalation)",
        "aws:ssm/contactsRotation:ContactsRotation escalation-oncall-primary-rotation (escalation-oncall-primary)",
        "aws-native:ssmcontacts:Contact escalation-oncall-primary (escalation-oncall-primary)",
        "aws:ssmincidents/responsePlan:ResponsePlan escalation-response-critical (escalation-response)",
        "incident-escalation:index:EscalationPipeline escalation (-)",
        "incident-escalation:index:EscalationPlan escalation-escalation (escalation)",
        "incident-escalation:index:OnCallSchedule escalation-oncall-primary (escalation)",
        "incident-escalation:index:ResponsePlans escalation-response (escalation)",
      ].sort(),
    );
  });

  it("creates no replication set for replicationSet: existing", () => {
    assert.equal(ofType(run.resources, "aws-native:ssmincidents:ReplicationSet").length, 0);
  });

  it("creates PERSONAL contacts with prefixed aliases and tags", () => {
    const sato = one(run.resources, "aws:ssmcontacts/contact:Contact", "escalation-sato");
    assert.deepEqual(sato.inputs, {
      alias: "ie-prod-sato",
      displayName: "Sato Hanako",
      type: "PERSONAL",
      tags: { "ie-stack": "prod", "managed-by": "incident-escalation" },
    });
  });

  it("creates EMAIL/SMS/VOICE channels whose addresses are secrets", () => {
    const channels = ofType(run.resources, "aws:ssmcontacts/contactChannel:ContactChannel");
    assert.equal(channels.length, 9);
    for (const ch of channels) assert.deepEqual(ch.secretPaths, ["deliveryAddress"], ch.name);
    const sms = one(
      run.resources,
      "aws:ssmcontacts/contactChannel:ContactChannel",
      "escalation-sato-sms",
    );
    assert.deepEqual(sms.inputs, {
      contactId: contactArn("ie-prod-sato"),
      name: "ie-prod-sato-sms",
      type: "SMS",
      deliveryAddress: { simpleAddress: "+819000000001" },
    });
    const email = one(
      run.resources,
      "aws:ssmcontacts/contactChannel:ContactChannel",
      "escalation-sato-email",
    );
    assert.equal(email.inputs.type, "EMAIL");
  });

  it("derives engagement stages from offsets: email for 10 minutes, then SMS and voice", () => {
    const channelArn = (name: string) =>
      one(run.resources, "aws:ssmcontacts/contactChannel:ContactChannel", name).id;
    const plan = one(run.resources, "aws:ssmcontacts/plan:Plan", "escalation-sato-plan");
    assert.deepEqual(plan.inputs, {
      contactId: contactArn("ie-prod-sato"),
      stages: [
        {
          durationInMinutes: 10,
          targets: [
            {
              channelTargetInfo: {
                contactChannelId: channelArn("escalation-sato-email"),
                retryIntervalInMinutes: 5,
              },
            },
          ],
        },
        {
          durationInMinutes: 0,
          targets: [
            {
              channelTargetInfo: {
                contactChannelId: channelArn("escalation-sato-sms"),
                retryIntervalInMinutes: 5,
              },
            },
            {
              channelTargetInfo: {
                contactChannelId: channelArn("escalation-sato-voice"),
                retryIntervalInMinutes: 5,
              },
            },
          ],
        },
      ],
    });
  });

  it("creates a weekly rotation in Asia/Tokyo and an ONCALL_SCHEDULE contact through aws-native", () => {
    const rotation = one(
      run.resources,
      "aws:ssm/contactsRotation:ContactsRotation",
      "escalation-oncall-primary-rotation",
    );
    assert.deepEqual(rotation.inputs, {
      name: "ie-prod-primary",
      contactIds: [contactArn("ie-prod-sato"), contactArn("ie-prod-suzuki")],
      timeZoneId: "Asia/Tokyo",
      startTime: "2026-01-05T09:00:00+09:00",
      recurrence: {
        numberOfOnCalls: 1,
        recurrenceMultiplier: 1,
        weeklySettings: [{ dayOfWeek: "MON", handOffTime: { hourOfDay: 9, minuteOfHour: 0 } }],
      },
      tags: { "ie-stack": "prod", "managed-by": "incident-escalation" },
    });
    const oncall = one(
      run.resources,
      "aws-native:ssmcontacts:Contact",
      "escalation-oncall-primary",
    );
    assert.deepEqual(oncall.inputs, {
      alias: "ie-prod-oncall-primary",
      displayName: "ie-prod on-call primary",
      type: "ONCALL_SCHEDULE",
      plan: [{ rotationIds: [rotation.id] }],
      tags: [
        { key: "managed-by", value: "incident-escalation" },
        { key: "ie-stack", value: "prod" },
      ],
    });
  });

  it("builds the escalation plan: on-call for 15 minutes, then tanaka, both essential", () => {
    const esc = one(run.resources, "aws:ssmcontacts/contact:Contact", "escalation-escalation");
    assert.equal(esc.inputs.type, "ESCALATION");
    assert.equal(esc.inputs.alias, "ie-prod-escalation");
    const plan = one(run.resources, "aws:ssmcontacts/plan:Plan", "escalation-escalation-plan");
    assert.deepEqual(plan.inputs, {
      contactId: contactArn("ie-prod-escalation"),
      stages: [
        {
          durationInMinutes: 15,
          targets: [
            {
              contactTargetInfo: {
                contactId: contactArn("ie-prod-oncall-primary"),
                isEssential: true,
              },
            },
          ],
        },
        {
          durationInMinutes: 15,
          targets: [
            { contactTargetInfo: { contactId: contactArn("ie-prod-tanaka"), isEssential: true } },
          ],
        },
      ],
    });
  });

  it("creates one response plan, for the paging level only, engaging the escalation plan, chatting on the alerts topic", () => {
    const plans = ofType(run.resources, "aws:ssmincidents/responsePlan:ResponsePlan");
    assert.deepEqual(
      plans.map((p) => p.name),
      ["escalation-response-critical"],
    );
    const { chatChannels, incidentTemplate, ...rest } = plans[0].inputs as Record<string, unknown>;
    assert.deepEqual(rest, {
      name: "ie-prod-critical",
      displayName: "ie-prod critical",
      engagements: [contactArn("ie-prod-escalation")],
      tags: { "ie-stack": "prod", "managed-by": "incident-escalation" },
    });
    // No incidentTags: the self-monitoring alarms page through this plan, and CloudWatch's
    // service-linked role cannot tag (AWSCloudWatchAlarms_ActionSSMIncidentsServiceRolePolicy:
    // StartIncident only).
    assert.deepEqual(incidentTemplate, {
      title: "[critical] ie-prod alarm",
      impact: 1,
      summary:
        "Opened by incident-escalation (stack prod) because a critical alarm fired. " +
        "The related items link to the alarm; the timeline shows the engagements.",
    });
    // The alerts topic is the chat channel, and not also a notification target: both send the
    // incident's updates to the topic, so Slack would get each twice (API_ChatChannel,
    // API_NotificationTargetItem; see responsePlans.ts).
    assert.deepEqual(chatChannels, [`arn:aws:sns:${REGION}:${ACCT}:ie-prod-alerts`]);
  });

  it("exports response plan ARNs by level and every channel as needing activation", () => {
    assert.deepEqual(run.outputs.responsePlanArns, {
      critical: `arn:aws:ssm-incidents::${ACCT}:response-plan/ie-prod-critical`,
    });
    const toActivate = run.outputs.channelsToActivate as {
      contact: string;
      channel: string;
      arn: string;
      activationStatus: string;
    }[];
    assert.deepEqual(
      toActivate.map((c) => `${c.contact}/${c.channel}/${c.activationStatus}`),
      ["sato", "suzuki", "tanaka"].flatMap((a) =>
        ["email", "sms", "voice"].map((k) => `${a}/${k}/NOT_ACTIVATED`),
      ),
    );
    for (const c of toActivate)
      assert.match(c.arn, /^arn:aws:ssm-contacts:ap-northeast-1:123456789012:contact-channel\//);
    assert.equal(
      run.outputs.activationWarning,
      "9 contact channel(s) are NOT ACTIVATED and will page nobody until activated: see channelsToActivate and the README section 'Activate contact channels'.",
    );
    // No address in any output.
    const text = JSON.stringify(run.outputs);
    assert.ok(!text.includes("@example.com") && !text.includes("+8190"), text);
  });
});

describe("Incident Manager components (dev example)", () => {
  let run: ProgramRun;
  before(async () => {
    run = await runProgram("dev");
  });

  it("sends e-mail only: one EMAIL channel per contact, one stage", () => {
    const channels = ofType(run.resources, "aws:ssmcontacts/contactChannel:ContactChannel");
    assert.deepEqual(channels.map((c) => `${c.name}:${String(c.inputs.type)}`).sort(), [
      "escalation-sato-email:EMAIL",
      "escalation-suzuki-email:EMAIL",
    ]);
    const plan = one(run.resources, "aws:ssmcontacts/plan:Plan", "escalation-sato-plan");
    assert.deepEqual(plan.inputs.stages, [
      {
        durationInMinutes: 0,
        targets: [
          {
            channelTargetInfo: {
              contactChannelId: channels.find((c) => c.name === "escalation-sato-email")!.id,
              retryIntervalInMinutes: 5,
            },
          },
        ],
      },
    ]);
  });

  it("creates no replication set: an onboarded account already has its one (replicationSet: existing)", () => {
    assert.deepEqual(
      run.resources.filter((r) => r.type.includes("ReplicationSet")).map((r) => r.name),
      [],
    );
  });
});

describe("Incident Manager components (dev example, but creating the replication set)", () => {
  let run: ProgramRun;
  before(async () => {
    run = await runProgram("dev", undefined, {
      "incident-escalation:incidentManager": JSON.stringify({
        replicationSet: { regions: ["ap-northeast-1"] },
      }),
    });
  });

  it("creates the replication set with deletion protection, protected and retained", () => {
    const rs = one(
      run.resources,
      "aws-native:ssmincidents:ReplicationSet",
      "escalation-replication-set",
    );
    assert.deepEqual(rs.inputs, {
      regions: [{ regionName: "ap-northeast-1" }],
      deletionProtected: true,
      tags: [
        { key: "managed-by", value: "incident-escalation" },
        { key: "ie-stack", value: "dev" },
      ],
    });
    assert.equal(rs.protect, true);
    assert.equal(rs.retainOnDelete, true);
    assert.equal(rs.parent, "escalation-replication-set");
    assert.equal(rs.provider, "escalation-aws-native");
  });

  it("makes every Incident Manager resource depend on the created replication set", () => {
    const dependents = run.resources.filter(
      (r) =>
        r.custom && IM_TYPES.has(r.type) && r.type !== "aws-native:ssmincidents:ReplicationSet",
    );
    // 2 contacts, 2 channels, 2 engagement plans, the escalation contact and plan, 1 response plan
    assert.equal(dependents.length, 9);
    for (const r of dependents) {
      assert.ok(
        r.dependencies.includes("escalation-replication-set"),
        `${r.type} ${r.name}: ${r.dependencies.join(",")}`,
      );
    }
  });
});

/**
 * A component's own public fields with Outputs and resources replaced by a marker: what a consumer
 * can read from it without an apply. Pulumi's bookkeeping fields (`__…`, `urn`) are left out.
 */
function plainFields(r: pulumi.Resource): Record<string, unknown> {
  const walk = (v: unknown): unknown => {
    if (pulumi.Output.isInstance(v) || pulumi.Resource.isInstance(v)) return "<opaque>";
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === "object" && v !== null) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return Object.fromEntries(
    Object.entries(r)
      .filter(([k]) => !k.startsWith("__") && k !== "urn")
      .map(([k, v]) => [k, walk(v)]),
  );
}

describe("EscalationPipeline as a library component", () => {
  it("wraps phone and email as secrets even when given plain strings, keeps them on no public field, and validates its args", async () => {
    const { resources, result } = await runWithMocks({ stack: "lib" }, () => {
      const p = new EscalationPipeline("team", {
        stack: "lib",
        incidentManager: { replicationSet: "existing" },
        contacts: [
          {
            alias: "kim",
            displayName: "Kim",
            email: "kim@example.com",
            phone: "+819000000009",
            engagement: [{ after: 0, via: ["email", "voice"] }],
          },
        ],
        escalation: [{ engage: ["kim"], minutes: 5 }],
        levels: { sev1: { impact: 1, page: true } },
      });
      return p;
    });
    const channels = ofType(resources, "aws:ssmcontacts/contactChannel:ContactChannel");
    assert.deepEqual(
      channels.map((c) => c.secretPaths),
      [["deliveryAddress"], ["deliveryAddress"]],
    );
    const p = result as EscalationPipeline;
    assert.equal(p.prefix, "ie-lib");
    assert.deepEqual(await valueOf(p.responsePlanArns), {
      sev1: `arn:aws:ssm-incidents::${ACCT}:response-plan/ie-lib-sev1`,
    });
    assert.equal(await pulumi.isSecret(pulumi.output(p.contactArns.kim)), false);
    // Nor does it keep them in plain text on a public field (it used to keep the whole validated
    // config on `config`): every plain value reachable from its fields, Outputs and child
    // resources left opaque, is free of them.
    const plain = JSON.stringify(plainFields(p));
    assert.doesNotMatch(plain, /kim@example\.com|819000000009/);
    assert.match(plain, /"prefix":"ie-lib"/, "the walk reaches the plain fields");
  });

  it("rejects invalid args with every problem and its path", async () => {
    await assert.rejects(
      runWithMocks(
        { stack: "lib" },
        () =>
          new EscalationPipeline("bad", {
            stack: "lib",
            incidentManager: { replicationSet: "existing" },
            contacts: [
              { alias: "Kim", displayName: "Kim", engagement: [{ after: 0, via: ["email"] }] },
            ],
            levels: { sev1: { impact: 9, page: true } },
          }),
      ),
      (err: Error) => {
        assert.equal(
          err.message,
          'EscalationPipeline "bad" args has 4 problems:\n' +
            '  - contacts[0].alias: "Kim" is not a valid contact name (lower-case letters, digits, "_" and "-", starting with a letter or digit)\n' +
            "  - levels.sev1.impact: 9 is above the maximum 5\n" +
            "  - contacts[0].engagement[0].via: uses email but the contact has no email address\n" +
            "  - escalation: is empty but a level pages (page: true); define at least one escalation stage",
        );
        return true;
      },
    );
  });
});
