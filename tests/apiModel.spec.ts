/**
 * Proves that tests/support/apiModel.ts catches violations of the Incident Manager API models
 * (aws-models/ssm-contacts.json, ssm-incidents.json) and accepts valid input: SDK v3 command
 * inputs, bare shapes, and Pulumi resource inputs mapped to the request the provider sends.
 *
 * What it does NOT prove: the models are input constraints only (types, required members,
 * lengths, ranges, patterns, enums, unions). Passing them does not mean AWS accepts the request:
 * that a contact, channel or rotation ARN exists, that a KMS key is usable in that region, that an
 * SNS topic is subscribed to Chatbot, or cross-field rules (one of daily/weekly/monthly settings,
 * stage targets on an escalation plan) are checked only by the service. The resource mappings
 * mirror what terraform-provider-aws / the CloudFormation handlers send as far as we read them;
 * they are not exercised against the real providers here.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  checkOperationInput,
  checkResource,
  checkShape,
  MODELLED_TYPES,
  modelPatterns,
  SERVICES,
  toJsRegExp,
  type Service,
} from "./support/apiModel";
import {
  reportTimelineEvent,
  resolveInput,
  startIncidentInput as drillStartIncidentInput,
  stopInputs as drillStopInputs,
} from "../handlers/drill/core";
import { drillTitle } from "../handlers/shared/drillReport";

const ACCOUNT = "123456789012";
const CONTACT_ARN = `arn:aws:ssm-contacts:eu-west-1:${ACCOUNT}:contact/oncall-primary`;
const ESCALATION_ARN = `arn:aws:ssm-contacts:eu-west-1:${ACCOUNT}:contact/escalation`;
const CHANNEL_ARN = `arn:aws:ssm-contacts:eu-west-1:${ACCOUNT}:contact-channel/oncall-primary/0d8e2f3a-5b6c-4d7e-8f90-a1b2c3d4e5f6`;
const ROTATION_ARN = `arn:aws:ssm-contacts:eu-west-1:${ACCOUNT}:rotation/weekday`;
const RESPONSE_PLAN_ARN = `arn:aws:ssm-incidents::${ACCOUNT}:response-plan/critical`;
const TOPIC_ARN = `arn:aws:sns:eu-west-1:${ACCOUNT}:incident-notify`;
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/incident-automation`;
const KMS_ARN = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

const ALIAS_PATTERN = "^[a-z0-9_\\-]*$";
const NAME_PATTERN = "^[\\p{L}\\p{Z}\\p{N}_.\\-]*$";
const CONTACTS_ARN_PATTERN =
  "arn:(aws|aws-cn|aws-us-gov):ssm-contacts:[-\\w+=\\/,.@]*:[0-9]+:([\\w+=\\/,.@:-]+)*";

interface Case {
  name: string;
  run: () => string[];
  expected: string[];
}

function runCases(cases: Case[]): void {
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(c.run(), c.expected));
  }
}

function contactRequest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Alias: "oncall-primary",
    DisplayName: "On-call primary",
    Type: "ESCALATION",
    Plan: {
      Stages: [
        {
          DurationInMinutes: 5,
          Targets: [
            { ContactTargetInfo: { ContactId: CONTACT_ARN, IsEssential: false } },
            { ChannelTargetInfo: { ContactChannelId: CHANNEL_ARN, RetryIntervalInMinutes: 5 } },
          ],
        },
      ],
    },
    Tags: [{ Key: "team", Value: "platform" }],
    ...overrides,
  };
}

function stage(duration: unknown): Record<string, unknown> {
  return { DurationInMinutes: duration, Targets: [] };
}

function startIncident(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    responsePlanArn: RESPONSE_PLAN_ARN,
    title: "CPU alarm on api",
    impact: 2,
    clientToken: "3f2b8a0e-alarm-1700000000",
    triggerDetails: {
      source: "incident-escalation.alarm",
      timestamp: new Date("2025-01-01T00:00:00Z"),
      triggerArn: `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:api-cpu`,
      rawData: JSON.stringify({ alarm: "api-cpu" }),
    },
    ...overrides,
  };
}

function triggerDetails(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    source: "incident-escalation.alarm",
    timestamp: "2025-01-01T00:00:00Z",
    ...overrides,
  };
}

function responsePlanInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "critical",
    incidentTemplate: { title: "Critical incident", impact: 1 },
    ...overrides,
  };
}

const engagementArns = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `${CONTACT_ARN}-${i}`);

describe("apiModel: checkShape / checkOperationInput", () => {
  runCases([
    {
      name: "accepts a valid CreateContactRequest",
      run: () => checkOperationInput("ssm-contacts", "CreateContact", contactRequest()),
      expected: [],
    },
    {
      name: "rejects an alias with capitals",
      run: () =>
        checkOperationInput("ssm-contacts", "CreateContact", contactRequest({ Alias: "Sato" })),
      expected: [`Alias: "Sato" does not match ${ALIAS_PATTERN}`],
    },
    {
      name: "rejects an empty alias (string below min)",
      run: () =>
        checkOperationInput("ssm-contacts", "CreateContact", contactRequest({ Alias: "" })),
      expected: ["Alias: length 0 is below the minimum 1"],
    },
    {
      name: "rejects a display name with !",
      run: () =>
        checkOperationInput(
          "ssm-contacts",
          "CreateContact",
          contactRequest({ DisplayName: "On call!" }),
        ),
      expected: [`DisplayName: "On call!" does not match ${NAME_PATTERN}`],
    },
    {
      name: "rejects a stage duration of 31",
      run: () =>
        checkOperationInput(
          "ssm-contacts",
          "CreateContact",
          contactRequest({ Plan: { Stages: [stage(31)] } }),
        ),
      expected: ["Plan.Stages[0].DurationInMinutes: 31 is above the maximum 30"],
    },
    {
      name: "rejects a negative stage duration",
      run: () =>
        checkOperationInput(
          "ssm-contacts",
          "CreateContact",
          contactRequest({ Plan: { Stages: [stage(0), stage(-1)] } }),
        ),
      expected: ["Plan.Stages[1].DurationInMinutes: -1 is below the minimum 0"],
    },
    {
      name: "rejects a stage without its required Targets",
      run: () =>
        checkOperationInput(
          "ssm-contacts",
          "CreateContact",
          contactRequest({ Plan: { Stages: [{ DurationInMinutes: 5 }] } }),
        ),
      expected: ["Plan.Stages[0].Targets: missing required member"],
    },
    {
      name: "rejects a missing required top-level member (Plan)",
      run: () =>
        checkOperationInput("ssm-contacts", "CreateContact", contactRequest({ Plan: undefined })),
      expected: ["Plan: missing required member"],
    },
    {
      name: "rejects an unknown member",
      run: () =>
        checkOperationInput("ssm-contacts", "CreateContact", contactRequest({ Alais: "typo" })),
      expected: ["Alais: not a member of CreateContactRequest"],
    },
    {
      name: "rejects a value outside the enum",
      run: () =>
        checkOperationInput("ssm-contacts", "CreateContact", contactRequest({ Type: "FOO" })),
      expected: ['Type: "FOO" is not one of PERSONAL, ESCALATION, ONCALL_SCHEDULE'],
    },
    {
      name: "rejects wrong types",
      run: () =>
        checkOperationInput(
          "ssm-contacts",
          "CreateContact",
          contactRequest({
            Plan: { Stages: [{ DurationInMinutes: "5", Targets: {} }] },
            Tags: { team: "platform" },
          }),
        ),
      expected: [
        'Plan.Stages[0].DurationInMinutes: expected an integer, got "5"',
        "Plan.Stages[0].Targets: expected a list, got an object",
        "Tags: expected a list, got an object",
      ],
    },
    {
      name: "rejects a non-integer number",
      run: () => checkShape("ssm-contacts", "Stage", { DurationInMinutes: 1.5, Targets: [] }),
      expected: ["DurationInMinutes: expected an integer, got 1.5"],
    },
    {
      name: "treats undefined and null members as absent",
      run: () =>
        checkOperationInput(
          "ssm-contacts",
          "CreateContact",
          contactRequest({ DisplayName: undefined, Tags: null }),
        ),
      expected: [],
    },
    {
      name: "rejects a union with two members set",
      run: () =>
        checkOperationInput(
          "ssm-incidents",
          "CreateResponsePlan",
          responsePlanInput({ chatChannel: { chatbotSns: [TOPIC_ARN], empty: {} } }),
        ),
      expected: [
        "chatChannel: union ChatChannel needs exactly one member set, 2 are (chatbotSns, empty)",
      ],
    },
    {
      name: "rejects a union with no member set",
      run: () =>
        checkOperationInput(
          "ssm-incidents",
          "CreateResponsePlan",
          responsePlanInput({ chatChannel: {} }),
        ),
      expected: ["chatChannel: union ChatChannel needs exactly one member set, none is"],
    },
    {
      name: "rejects a list above its max (6 engagements on a response plan)",
      run: () =>
        checkOperationInput(
          "ssm-incidents",
          "CreateResponsePlan",
          responsePlanInput({ engagements: engagementArns(6) }),
        ),
      expected: ["engagements: item count 6 is above the maximum 5"],
    },
    {
      name: "rejects a list below its min (rotation without contacts)",
      run: () =>
        checkOperationInput("ssm-contacts", "CreateRotation", {
          Name: "weekday",
          ContactIds: [],
          TimeZoneId: "Europe/Paris",
          Recurrence: { NumberOfOnCalls: 1, RecurrenceMultiplier: 1 },
        }),
      expected: ["ContactIds: item count 0 is below the minimum 1"],
    },
    {
      name: "rejects a string too long (title of 201 characters)",
      run: () =>
        checkOperationInput(
          "ssm-incidents",
          "CreateResponsePlan",
          responsePlanInput({ incidentTemplate: { title: "t".repeat(201), impact: 1 } }),
        ),
      expected: ["incidentTemplate.title: length 201 is above the maximum 200"],
    },
    {
      name: "counts string length in code points (200 emoji fit a 200-character title)",
      run: () =>
        checkOperationInput(
          "ssm-incidents",
          "CreateResponsePlan",
          responsePlanInput({ incidentTemplate: { title: "🔥".repeat(200), impact: 1 } }),
        ),
      expected: [],
    },
    {
      name: "rejects map keys that break the key pattern",
      run: () =>
        checkOperationInput(
          "ssm-incidents",
          "CreateResponsePlan",
          responsePlanInput({ tags: { "aws:owner": "x", team: "platform" } }),
        ),
      expected: [
        'tags key "aws:owner": "aws:owner" does not match ^(?!aws:)[A-Za-z0-9 _=@:.+-/]+$',
      ],
    },
    {
      name: "rejects an empty map where min is 1",
      run: () =>
        checkOperationInput("ssm-incidents", "CreateResponsePlan", responsePlanInput({ tags: {} })),
      expected: ["tags: entry count 0 is below the minimum 1"],
    },
    {
      name: "accepts a valid StartIncident input",
      run: () => checkOperationInput("ssm-incidents", "StartIncident", startIncident()),
      expected: [],
    },
    {
      name: "rejects a StartIncident triggerDetails.source of 51 characters",
      run: () =>
        checkOperationInput(
          "ssm-incidents",
          "StartIncident",
          startIncident({ triggerDetails: triggerDetails({ source: "s".repeat(51) }) }),
        ),
      expected: ["triggerDetails.source: length 51 is above the maximum 50"],
    },
    {
      name: "rejects a StartIncident rawData of 10001 characters",
      run: () =>
        checkOperationInput(
          "ssm-incidents",
          "StartIncident",
          startIncident({ triggerDetails: triggerDetails({ rawData: "r".repeat(10001) }) }),
        ),
      expected: ["triggerDetails.rawData: length 10001 is above the maximum 10000"],
    },
    {
      name: "rejects a StartIncident clientToken of 129 characters",
      run: () =>
        checkOperationInput(
          "ssm-incidents",
          "StartIncident",
          startIncident({ clientToken: "c".repeat(129) }),
        ),
      expected: ["clientToken: length 129 is above the maximum 128"],
    },
    {
      name: "rejects a StartIncident impact of 0",
      run: () =>
        checkOperationInput("ssm-incidents", "StartIncident", startIncident({ impact: 0 })),
      expected: ["impact: 0 is below the minimum 1"],
    },
    {
      name: "rejects a StartIncident impact of 6",
      run: () =>
        checkOperationInput("ssm-incidents", "StartIncident", startIncident({ impact: 6 })),
      expected: ["impact: 6 is above the maximum 5"],
    },
    {
      name: "rejects a StartIncident without responsePlanArn and with a bad timestamp",
      run: () =>
        checkOperationInput("ssm-incidents", "StartIncident", {
          triggerDetails: { source: "x", timestamp: "yesterday" },
        }),
      expected: [
        'triggerDetails.timestamp: expected a timestamp (Date, ISO-8601 string or epoch number), got "yesterday"',
        "responsePlanArn: missing required member",
      ],
    },
    {
      name: "accepts timestamps as Date, ISO string and number",
      run: () => [
        ...checkShape("ssm-incidents", "Timestamp", new Date()),
        ...checkShape("ssm-incidents", "Timestamp", "2025-01-01T09:00:00+01:00"),
        ...checkShape("ssm-incidents", "Timestamp", 1735689600),
      ],
      expected: [],
    },
    {
      name: "accepts a valid StartEngagement input",
      run: () =>
        checkOperationInput("ssm-contacts", "StartEngagement", {
          ContactId: ESCALATION_ARN,
          Sender: "incident-escalation",
          Subject: "CPU alarm on api",
          Content: "api-cpu is in ALARM\nsee the runbook",
          PublicSubject: "Incident",
          PublicContent: "An incident is open",
          IncidentId: RESPONSE_PLAN_ARN,
        }),
      expected: [],
    },
    {
      name: "rejects a StartEngagement with a non-ARN contact and a missing Content",
      run: () =>
        checkOperationInput("ssm-contacts", "StartEngagement", {
          ContactId: "escalation",
          Sender: "incident-escalation",
          Subject: "CPU alarm on api",
        }),
      expected: [
        `ContactId: "escalation" does not match ${CONTACTS_ARN_PATTERN}`,
        "Content: missing required member",
      ],
    },
    {
      name: "prefixes paths with the given path",
      run: () => checkShape("ssm-contacts", "Plan", { Stages: [stage(31)] }, "Plan"),
      expected: ["Plan.Stages[0].DurationInMinutes: 31 is above the maximum 30"],
    },
    {
      name: "reports a wrong root value under the shape name",
      run: () => checkShape("ssm-contacts", "Plan", "nope"),
      expected: ['Plan: expected a structure (Plan), got "nope"'],
    },
    {
      name: "reports an unknown operation",
      run: () => checkOperationInput("ssm-contacts", "CreatContact", {}),
      expected: ["CreatContact: no such operation in the ssm-contacts model"],
    },
    {
      name: "reports an unknown shape",
      run: () => checkShape("ssm-incidents", "NoSuchShape", {}),
      expected: ["NoSuchShape: shape NoSuchShape is not in the ssm-incidents model"],
    },
  ]);
});

describe("apiModel: patterns", () => {
  for (const service of SERVICES) {
    it(`compiles every pattern in ${service}.json as a JavaScript RegExp (u flag)`, () => {
      const patterns = modelPatterns(service);
      assert.ok(patterns.length > 0);
      const failures = patterns.flatMap(({ shape, pattern }) => {
        try {
          toJsRegExp(pattern);
          return [];
        } catch (err) {
          return [`${shape}: ${String(err)}`];
        }
      });
      assert.deepEqual(failures, []);
    });
  }

  it("gives \\p{L} its Unicode meaning and uses search semantics", () => {
    assert.equal(toJsRegExp(NAME_PATTERN).test("Zoë Ōta"), true);
    assert.equal(toJsRegExp(NAME_PATTERN).test("Zoë!"), false);
    // `.*\S.*` is unanchored: any string with a non-space character matches.
    assert.equal(toJsRegExp(".*\\S.*").test("  x  "), true);
    assert.equal(toJsRegExp(".*\\S.*").test("   "), false);
  });
});

const classicRotation = (recurrence: Record<string, unknown>): Record<string, unknown> => ({
  name: "weekday",
  contactIds: [CONTACT_ARN],
  timeZoneId: "Europe/Paris",
  startTime: "2025-01-06T09:00:00+01:00",
  recurrence: { numberOfOnCalls: 1, recurrenceMultiplier: 1, ...recurrence },
});

const nativeRotation = (recurrence: Record<string, unknown>): Record<string, unknown> => ({
  name: "weekday",
  contactIds: [CONTACT_ARN],
  timeZoneId: "Europe/Paris",
  startTime: "2025-01-06T09:00:00",
  recurrence: { numberOfOnCalls: 1, recurrenceMultiplier: 1, ...recurrence },
});

const classicResponsePlan = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: "critical",
  displayName: "Critical incident",
  chatChannels: [TOPIC_ARN],
  engagements: [ESCALATION_ARN],
  incidentTemplate: {
    title: "Critical incident",
    impact: 1,
    summary: "Raised by a CloudWatch alarm",
    dedupeString: "alarm",
    incidentTags: { source: "cloudwatch" },
    notificationTargets: [{ snsTopicArn: TOPIC_ARN }],
  },
  action: {
    ssmAutomations: [
      {
        documentName: "AWSIncidents-CriticalIncidentRunbookTemplate",
        roleArn: ROLE_ARN,
        targetAccount: "RESPONSE_PLAN_OWNER_ACCOUNT",
        parameters: [{ name: "Environment", values: ["prod"] }],
        dynamicParameters: { IncidentArn: "INCIDENT_RECORD_ARN" },
      },
    ],
  },
  tags: { team: "platform" },
  ...overrides,
});

describe("apiModel: checkResource", () => {
  it("covers the resource types the project deploys", () => {
    for (const type of [
      "aws:ssmcontacts/contact:Contact",
      "aws:ssmcontacts/contactChannel:ContactChannel",
      "aws:ssmcontacts/plan:Plan",
      "aws:ssm/contactsRotation:ContactsRotation",
      "aws:ssmincidents/responsePlan:ResponsePlan",
      "aws:ssmincidents/replicationSet:ReplicationSet",
      "aws-native:ssmincidents:ReplicationSet",
      "aws-native:ssmcontacts:Contact",
      "aws-native:ssmcontacts:Plan",
    ]) {
      assert.ok(MODELLED_TYPES.includes(type), type);
    }
  });

  runCases([
    {
      name: "reports an unknown type token",
      run: () => checkResource("aws:sns/topic:Topic", { name: "x" }),
      expected: ["aws:sns/topic:Topic: no API-model mapping"],
    },
    // aws:ssmcontacts/contact:Contact
    {
      name: "Contact (aws): valid",
      run: () =>
        checkResource("aws:ssmcontacts/contact:Contact", {
          alias: "oncall-primary",
          displayName: "On-call primary",
          type: "PERSONAL",
          tags: { team: "platform" },
        }),
      expected: [],
    },
    {
      name: "Contact (aws): capital alias, empty tag value, unknown input",
      run: () =>
        checkResource("aws:ssmcontacts/contact:Contact", {
          alias: "Oncall-Primary",
          type: "PERSONAL",
          tags: { team: "" },
          plan: [],
        }),
      expected: [
        "plan: not an input of aws:ssmcontacts/contact:Contact",
        `Alias: "Oncall-Primary" does not match ${ALIAS_PATTERN}`,
        "Tags[0].Value: length 0 is below the minimum 1",
      ],
    },
    // aws:ssmcontacts/contactChannel:ContactChannel
    {
      name: "ContactChannel (aws): valid",
      run: () =>
        checkResource("aws:ssmcontacts/contactChannel:ContactChannel", {
          contactId: CONTACT_ARN,
          name: "Primary email",
          type: "EMAIL",
          deliveryAddress: { simpleAddress: "oncall@example.com" },
        }),
      expected: [],
    },
    {
      name: "ContactChannel (aws): bad type, address too long",
      run: () =>
        checkResource("aws:ssmcontacts/contactChannel:ContactChannel", {
          contactId: CONTACT_ARN,
          name: "Primary slack",
          type: "SLACK",
          deliveryAddress: { simpleAddress: "a".repeat(321) },
        }),
      expected: [
        "DeliveryAddress.SimpleAddress: length 321 is above the maximum 320",
        'Type: "SLACK" is not one of SMS, VOICE, EMAIL',
      ],
    },
    {
      name: "ContactChannel (aws): an absent name is auto-named from the resource name",
      run: () =>
        checkResource(
          "aws:ssmcontacts/contactChannel:ContactChannel",
          {
            contactId: CONTACT_ARN,
            type: "EMAIL",
            deliveryAddress: { simpleAddress: "oncall@example.com" },
          },
          { resourceName: "primary-email" },
        ),
      expected: [],
    },
    {
      name: "ContactChannel (aws): an absent name without resourceName is reported, not skipped",
      run: () =>
        checkResource("aws:ssmcontacts/contactChannel:ContactChannel", {
          contactId: CONTACT_ARN,
          type: "EMAIL",
          deliveryAddress: { simpleAddress: "oncall@example.com" },
        }),
      expected: [
        "name: absent, so the provider auto-names it from the resource name; pass { resourceName } to check it",
      ],
    },
    // aws:ssmcontacts/plan:Plan
    {
      name: "Plan (aws): valid",
      run: () =>
        checkResource("aws:ssmcontacts/plan:Plan", {
          contactId: ESCALATION_ARN,
          stages: [
            {
              durationInMinutes: 0,
              targets: [{ contactTargetInfo: { contactId: CONTACT_ARN, isEssential: false } }],
            },
            {
              durationInMinutes: 15,
              targets: [
                {
                  channelTargetInfo: { contactChannelId: CHANNEL_ARN, retryIntervalInMinutes: 5 },
                },
              ],
            },
            // No targets: the provider sends Targets: [].
            { durationInMinutes: 30 },
          ],
        }),
      expected: [],
    },
    {
      name: "Plan (aws): contactId not an ARN, duration 31, retry 61",
      run: () =>
        checkResource("aws:ssmcontacts/plan:Plan", {
          contactId: "escalation",
          stages: [
            {
              durationInMinutes: 31,
              targets: [
                {
                  channelTargetInfo: { contactChannelId: CHANNEL_ARN, retryIntervalInMinutes: 61 },
                },
              ],
            },
          ],
        }),
      expected: [
        `ContactId: "escalation" does not match ${CONTACTS_ARN_PATTERN}`,
        "Plan.Stages[0].DurationInMinutes: 31 is above the maximum 30",
        "Plan.Stages[0].Targets[0].ChannelTargetInfo.RetryIntervalInMinutes: 61 is above the maximum 60",
      ],
    },
    // aws:ssm/contactsRotation:ContactsRotation (hand-off times are {hourOfDay, minuteOfHour})
    {
      name: "ContactsRotation (aws): hand-off 09:00 is valid",
      run: () =>
        checkResource(
          "aws:ssm/contactsRotation:ContactsRotation",
          classicRotation({
            weeklySettings: [{ dayOfWeek: "MON", handOffTime: { hourOfDay: 9, minuteOfHour: 0 } }],
            shiftCoverages: [
              {
                mapBlockKey: "MON",
                coverageTimes: [
                  {
                    start: { hourOfDay: 9, minuteOfHour: 0 },
                    end: { hourOfDay: 17, minuteOfHour: 30 },
                  },
                ],
              },
            ],
          }),
        ),
      expected: [],
    },
    {
      name: "ContactsRotation (aws): hand-off 25:00 is rejected",
      run: () =>
        checkResource(
          "aws:ssm/contactsRotation:ContactsRotation",
          classicRotation({
            dailySettings: [{ hourOfDay: 25, minuteOfHour: 0 }],
            monthlySettings: [{ dayOfMonth: 32, handOffTime: { hourOfDay: 9, minuteOfHour: 60 } }],
          }),
        ),
      expected: [
        "Recurrence.DailySettings[0].HourOfDay: 25 is above the maximum 23",
        "Recurrence.MonthlySettings[0].DayOfMonth: 32 is above the maximum 31",
        "Recurrence.MonthlySettings[0].HandOffTime.MinuteOfHour: 60 is above the maximum 59",
      ],
    },
    {
      name: 'ContactsRotation (aws): a "09:00" string is not the aws provider\'s shape',
      run: () =>
        checkResource(
          "aws:ssm/contactsRotation:ContactsRotation",
          classicRotation({ weeklySettings: [{ dayOfWeek: "MON", handOffTime: "09:00" }] }),
        ),
      expected: [
        'Recurrence.WeeklySettings[0].HandOffTime: expected a structure (HandOffTime), got "09:00"',
      ],
    },
    {
      name: "ContactsRotation (aws): duplicate shift-coverage day, bad day, missing monthly hand-off",
      run: () =>
        checkResource(
          "aws:ssm/contactsRotation:ContactsRotation",
          classicRotation({
            monthlySettings: [{ dayOfMonth: 1 }],
            shiftCoverages: [
              { mapBlockKey: "MON", coverageTimes: [] },
              { mapBlockKey: "MON", coverageTimes: [] },
              { mapBlockKey: "MONDAY", coverageTimes: [] },
            ],
          }),
        ),
      expected: [
        'recurrence.shiftCoverages[1].mapBlockKey: duplicate "MON" (the request is a map)',
        "Recurrence.MonthlySettings[0].HandOffTime: missing required member",
        'Recurrence.ShiftCoverages key "MONDAY": "MONDAY" is not one of MON, TUE, WED, THU, FRI, SAT, SUN',
      ],
    },
    // aws:ssmincidents/responsePlan:ResponsePlan
    {
      name: "ResponsePlan (aws): valid",
      run: () => checkResource("aws:ssmincidents/responsePlan:ResponsePlan", classicResponsePlan()),
      expected: [],
    },
    {
      name: "ResponsePlan (aws): without chat channels (sent as {empty: {}})",
      run: () =>
        checkResource(
          "aws:ssmincidents/responsePlan:ResponsePlan",
          classicResponsePlan({ chatChannels: undefined, action: undefined }),
        ),
      expected: [],
    },
    {
      name: "ResponsePlan (aws): 6 engagements, 6 chat channels, 2 automations, bad name",
      run: () =>
        checkResource(
          "aws:ssmincidents/responsePlan:ResponsePlan",
          classicResponsePlan({
            name: "critical plan",
            engagements: engagementArns(6),
            chatChannels: Array.from({ length: 6 }, (_, i) => `${TOPIC_ARN}-${i}`),
            action: {
              ssmAutomations: [
                { documentName: "Doc-one", roleArn: ROLE_ARN },
                { documentName: "Doc-two", roleArn: ROLE_ARN },
              ],
            },
          }),
        ),
      expected: [
        `name: "critical plan" does not match ^[a-zA-Z0-9-_]*$`,
        "chatChannel.chatbotSns: item count 6 is above the maximum 5",
        "engagements: item count 6 is above the maximum 5",
        "actions: item count 2 is above the maximum 1",
      ],
    },
    {
      name: "ResponsePlan (aws): empty title is dropped by the provider, impact 0, bad variable",
      run: () =>
        checkResource(
          "aws:ssmincidents/responsePlan:ResponsePlan",
          classicResponsePlan({
            incidentTemplate: { title: "", impact: 0 },
            action: {
              ssmAutomations: [
                {
                  documentName: "Doc-one",
                  roleArn: ROLE_ARN,
                  dynamicParameters: { IncidentArn: "INCIDENT_ARN" },
                },
              ],
            },
          }),
        ),
      expected: [
        "incidentTemplate.impact: 0 is below the minimum 1",
        "incidentTemplate.title: missing required member",
        'actions[0].ssmAutomation.dynamicParameters["IncidentArn"].variable: "INCIDENT_ARN" is not one of INCIDENT_RECORD_ARN, INVOLVED_RESOURCES',
      ],
    },
    // aws:ssmincidents/replicationSet:ReplicationSet
    {
      name: "ReplicationSet (aws): valid",
      run: () =>
        checkResource("aws:ssmincidents/replicationSet:ReplicationSet", {
          regions: [{ name: "eu-west-1", kmsKeyArn: KMS_ARN }, { name: "eu-central-1" }],
          tags: { team: "platform" },
        }),
      expected: [],
    },
    {
      name: "ReplicationSet (aws): the deprecated region list is still mapped",
      run: () =>
        checkResource("aws:ssmincidents/replicationSet:ReplicationSet", {
          region: [{ name: "eu-west-1", kmsKeyArn: "DefaultKey" }],
        }),
      expected: [],
    },
    {
      name: "ReplicationSet (aws): 4 regions, a duplicate, a computed input",
      run: () =>
        checkResource("aws:ssmincidents/replicationSet:ReplicationSet", {
          regions: [
            { name: "eu-west-1" },
            { name: "eu-west-1" },
            { name: "eu-central-1", status: "ACTIVE" },
            { name: "us-east-1" },
            { name: "us-west-2" },
          ],
        }),
      expected: [
        'regions[1].name: duplicate "eu-west-1" (the request is a map)',
        "regions[2].status: computed by the provider, cannot be set",
        "regions: entry count 4 is above the maximum 3",
      ],
    },
    {
      name: "ReplicationSet (aws): region given as the provider region string",
      run: () =>
        checkResource("aws:ssmincidents/replicationSet:ReplicationSet", { region: "eu-west-1" }),
      expected: [
        "region: on ReplicationSet this is the deprecated list of regions, not the provider region",
      ],
    },
    // aws-native:ssmincidents:ReplicationSet
    {
      name: "ReplicationSet (aws-native): valid, deletionProtected allowed",
      run: () =>
        checkResource("aws-native:ssmincidents:ReplicationSet", {
          regions: [
            { regionName: "eu-west-1", regionConfiguration: { sseKmsKeyId: KMS_ARN } },
            { regionName: "eu-central-1" },
          ],
          deletionProtected: true,
          tags: [{ key: "team", value: "platform" }],
        }),
      expected: [],
    },
    {
      name: "ReplicationSet (aws-native): non-boolean deletionProtected, region name too long, no regions key",
      run: () =>
        checkResource("aws-native:ssmincidents:ReplicationSet", {
          regions: [{ regionName: "eu-west-1-but-much-too-long" }, { name: "eu-west-2" }],
          deletionProtected: "yes",
        }),
      expected: [
        'deletionProtected: expected a boolean, got "yes"',
        "regions[1].name: not an input of aws-native:ssmincidents:ReplicationSet",
        "regions[1].regionName: expected a string, got undefined",
        'regions key "eu-west-1-but-much-too-long": length 27 is above the maximum 20',
      ],
    },
    // aws-native:ssmcontacts:Contact
    {
      name: "Contact (aws-native): valid escalation plan",
      run: () =>
        checkResource("aws-native:ssmcontacts:Contact", {
          alias: "escalation",
          displayName: "Escalation",
          type: "ESCALATION",
          plan: [
            {
              durationInMinutes: 5,
              targets: [{ contactTargetInfo: { contactId: CONTACT_ARN, isEssential: true } }],
            },
            {
              durationInMinutes: 10,
              targets: [
                { channelTargetInfo: { channelId: CHANNEL_ARN, retryIntervalInMinutes: 1 } },
              ],
            },
          ],
          tags: [{ key: "team", value: "platform" }],
        }),
      expected: [],
    },
    {
      name: "Contact (aws-native): valid on-call schedule (rotation ids go to Plan.RotationIds)",
      run: () =>
        checkResource("aws-native:ssmcontacts:Contact", {
          alias: "oncall-schedule",
          displayName: "On-call schedule",
          type: "ONCALL_SCHEDULE",
          plan: [{ rotationIds: [ROTATION_ARN] }],
        }),
      expected: [],
    },
    {
      name: "Contact (aws-native): on-call schedule with targets, bad rotation id, bad tag key",
      run: () =>
        checkResource("aws-native:ssmcontacts:Contact", {
          alias: "oncall-schedule",
          displayName: "On-call schedule",
          type: "ONCALL_SCHEDULE",
          plan: [
            {
              rotationIds: ["weekday"],
              targets: [{ contactTargetInfo: { contactId: CONTACT_ARN, isEssential: true } }],
            },
          ],
          tags: [{ key: "team name", value: "platform" }],
        }),
      expected: [
        "plan[0].targets: not sent for an ONCALL_SCHEDULE contact",
        `Plan.RotationIds[0]: "weekday" does not match ${CONTACTS_ARN_PATTERN}`,
        'Tags[0].Key: "team name" does not match ^[\\\\\\/a-zA-Z0-9_+=\\-]*$',
      ],
    },
    {
      name: "Contact (aws-native): escalation stage with rotationIds and a missing isEssential",
      run: () =>
        checkResource("aws-native:ssmcontacts:Contact", {
          alias: "escalation",
          displayName: "Escalation",
          type: "ESCALATION",
          plan: [
            {
              durationInMinutes: 5,
              rotationIds: [ROTATION_ARN],
              targets: [{ contactTargetInfo: { contactId: CONTACT_ARN } }],
            },
          ],
        }),
      expected: [
        'plan[0].rotationIds: only sent for an ONCALL_SCHEDULE contact, this is "ESCALATION"',
        "Plan.Stages[0].Targets[0].ContactTargetInfo.IsEssential: missing required member",
      ],
    },
    // aws-native:ssmcontacts:Plan
    {
      name: "Plan (aws-native): valid",
      run: () =>
        checkResource("aws-native:ssmcontacts:Plan", {
          contactId: ESCALATION_ARN,
          stages: [
            {
              durationInMinutes: 5,
              targets: [
                { channelTargetInfo: { channelId: CHANNEL_ARN, retryIntervalInMinutes: 5 } },
              ],
            },
          ],
        }),
      expected: [],
    },
    {
      name: "Plan (aws-native): no contactId, contactChannelId instead of channelId, 26 rotations",
      run: () =>
        checkResource("aws-native:ssmcontacts:Plan", {
          rotationIds: Array.from({ length: 26 }, (_, i) => `${ROTATION_ARN}-${i}`),
          stages: [
            {
              durationInMinutes: 5,
              targets: [
                { channelTargetInfo: { contactChannelId: CHANNEL_ARN, retryIntervalInMinutes: 5 } },
              ],
            },
          ],
        }),
      expected: [
        "stages[0].targets[0].channelTargetInfo.contactChannelId: not an input of aws-native:ssmcontacts:Plan",
        "Plan.RotationIds: item count 26 is above the maximum 25",
        "Plan.Stages[0].Targets[0].ChannelTargetInfo.ContactChannelId: missing required member",
        "ContactId: missing required member",
      ],
    },
    // aws-native:ssmcontacts:ContactChannel
    {
      name: "ContactChannel (aws-native): valid",
      run: () =>
        checkResource("aws-native:ssmcontacts:ContactChannel", {
          contactId: CONTACT_ARN,
          channelName: "Primary SMS",
          channelType: "SMS",
          channelAddress: "+33600000000",
          deferActivation: true,
        }),
      expected: [],
    },
    {
      name: "ContactChannel (aws-native): all-optional Pulumi inputs still required by the API",
      run: () =>
        checkResource("aws-native:ssmcontacts:ContactChannel", {
          contactId: CONTACT_ARN,
          channelType: "CHATBOT",
        }),
      expected: [
        'Type: "CHATBOT" is not one of SMS, VOICE, EMAIL',
        "Name: missing required member",
        "DeliveryAddress: missing required member",
      ],
    },
    // aws-native:ssmcontacts:Rotation (hand-off times are "HH:MM" strings)
    {
      name: 'Rotation (aws-native): hand-off "09:00" is valid',
      run: () =>
        checkResource(
          "aws-native:ssmcontacts:Rotation",
          nativeRotation({
            weeklySettings: [{ dayOfWeek: "MON", handOffTime: "09:00" }],
            shiftCoverages: [
              { dayOfWeek: "MON", coverageTimes: [{ startTime: "09:00", endTime: "17:30" }] },
            ],
          }),
        ),
      expected: [],
    },
    {
      name: 'Rotation (aws-native): hand-off "25:00" is rejected by the model',
      run: () =>
        checkResource(
          "aws-native:ssmcontacts:Rotation",
          nativeRotation({ weeklySettings: [{ dayOfWeek: "MON", handOffTime: "25:00" }] }),
        ),
      expected: ["Recurrence.WeeklySettings[0].HandOffTime.HourOfDay: 25 is above the maximum 23"],
    },
    {
      name: "Rotation (aws-native): an unparsable hand-off is itself a violation",
      run: () =>
        checkResource(
          "aws-native:ssmcontacts:Rotation",
          nativeRotation({ dailySettings: ["9am", "09:00"], numberOfOnCalls: 0 }),
        ),
      expected: [
        'recurrence.dailySettings[0]: "9am" is not a time in HH:MM form',
        "Recurrence.NumberOfOnCalls: 0 is below the minimum 1",
      ],
    },
    // aws-native:ssmincidents:ResponsePlan
    {
      name: "ResponsePlan (aws-native): valid",
      run: () =>
        checkResource("aws-native:ssmincidents:ResponsePlan", {
          name: "critical",
          chatChannel: { chatbotSns: [TOPIC_ARN] },
          engagements: [ESCALATION_ARN],
          incidentTemplate: {
            title: "Critical incident",
            impact: 1,
            incidentTags: [{ key: "source", value: "cloudwatch" }],
            notificationTargets: [{ snsTopicArn: TOPIC_ARN }],
          },
          actions: [
            {
              ssmAutomation: {
                documentName: "AWSIncidents-CriticalIncidentRunbookTemplate",
                roleArn: ROLE_ARN,
                parameters: [{ key: "Environment", values: ["prod"] }],
                dynamicParameters: [
                  { key: "IncidentArn", value: { variable: "INCIDENT_RECORD_ARN" } },
                ],
              },
            },
          ],
          integrations: [
            {
              pagerDutyConfiguration: {
                name: "pagerduty",
                secretId: "pagerduty-secret",
                pagerDutyIncidentConfiguration: { serviceId: "PSERVICE" },
              },
            },
          ],
          tags: [{ key: "team", value: "platform" }],
        }),
      expected: [],
    },
    {
      name: "ResponsePlan (aws-native): engagement not a contact ARN, role not an IAM role",
      run: () =>
        checkResource("aws-native:ssmincidents:ResponsePlan", {
          name: "critical",
          engagements: [ROTATION_ARN],
          incidentTemplate: { title: "Critical incident", impact: 1 },
          actions: [{ ssmAutomation: { documentName: "Doc-one", roleArn: TOPIC_ARN } }],
        }),
      expected: [
        `engagements[0]: "${ROTATION_ARN}" does not match ^arn:aws(-cn|-us-gov)?:ssm-contacts:[a-z0-9-]*:([0-9]{12}):contact/[a-z0-9_-]+$`,
        `actions[0].ssmAutomation.roleArn: "${TOPIC_ARN}" does not match ^arn:aws(-cn|-us-gov)?:iam::([0-9]{12})?:role/.+$`,
      ],
    },
    // Pulumi mock input handling
    {
      name: "unwraps Pulumi secrets in mock inputs",
      run: () =>
        checkResource("aws:ssmcontacts/contactChannel:ContactChannel", {
          contactId: CONTACT_ARN,
          name: "Primary SMS",
          type: "SMS",
          deliveryAddress: {
            "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
            value: { simpleAddress: "+33600000000" },
          },
        }),
      expected: [],
    },
    {
      name: "reports a value still unknown (preview mocks) once",
      run: () =>
        checkResource("aws:ssmcontacts/contactChannel:ContactChannel", {
          contactId: "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
          name: "Primary SMS",
          type: "SMS",
          deliveryAddress: { simpleAddress: "+33600000000" },
        }),
      expected: ["contactId: value is unknown (run the mocks with preview off to check it)"],
    },
  ]);
});

// The drill module's SDK requests (handlers/drill/core.ts), shared by the drill Lambda and
// `npm run drill`, at their limits: the longest level name, a report far over 12000 characters,
// a stop reason over 255 characters.
describe("apiModel: the drill module's requests", () => {
  const plan = "arn:aws:ssm-incidents::123456789012:response-plan/ie-prod-critical";
  const incident = "arn:aws:ssm-incidents::123456789012:incident-record/ie-prod-critical/0a1b2c3d";
  const level = "l".repeat(64);
  const cases: [string, Service, string, () => object][] = [
    [
      "StartIncident with the longest level (title cut to 200, source and rawData within limits)",
      "ssm-incidents",
      "StartIncident",
      () =>
        drillStartIncidentInput({
          prefix: "p".repeat(64),
          level,
          impact: 1,
          responsePlanArn: plan,
          title: drillTitle(level, "2026-12-07T01:00:00Z"),
          runAt: new Date("2026-12-07T01:00:00Z"),
        }),
    ],
    [
      "CreateTimelineEvent with a 20000-character report (cut to 12000)",
      "ssm-incidents",
      "CreateTimelineEvent",
      () => reportTimelineEvent(incident, "x".repeat(20_000), new Date("2026-12-07T01:30:00Z")),
    ],
    [
      "UpdateIncidentRecord (resolve)",
      "ssm-incidents",
      "UpdateIncidentRecord",
      () => resolveInput(incident),
    ],
  ];
  for (const [name, service, operation, build] of cases) {
    it(`${service} ${operation}: ${name}`, () => {
      assert.deepEqual(checkOperationInput(service, operation, build()), []);
    });
  }

  it("ssm-contacts StopEngagement with a 300-character reason (cut to 255)", () => {
    const inputs = drillStopInputs(
      {
        incidentArn: incident,
        title: "t",
        startedAt: "2026-12-07T01:00:00.000Z",
        observedAt: "2026-12-07T01:30:00.000Z",
        engagements: [
          {
            contactArn: "arn:aws:ssm-contacts:ap-northeast-1:123456789012:contact/ie-prod-sato",
            engagementArn:
              "arn:aws:ssm-contacts:ap-northeast-1:123456789012:engagement/ie-prod-sato/e1",
          },
        ],
        pages: [],
      },
      "r".repeat(300),
    );
    assert.equal(inputs.length, 1);
    assert.equal(inputs[0].Reason?.length, 255);
    assert.deepEqual(checkOperationInput("ssm-contacts", "StopEngagement", inputs[0]), []);
  });
});

describe("apiModel: the connect model (voice channel)", () => {
  it("reads connect.json's doubled backslashes as one: E.164 numbers pass PhoneNumber, others do not", () => {
    const raw = JSON.parse(
      readFileSync(join(__dirname, "..", "aws-models", "connect.json"), "utf8"),
    ) as { shapes: Record<string, { pattern?: string }> };
    // In the file, the pattern starts with two backslashes (a literal backslash in Java regex).
    assert.equal(raw.shapes.PhoneNumber.pattern, "\\\\+[1-9]\\\\d{1,14}$");
    assert.deepEqual(checkShape("connect", "PhoneNumber", "+815000000000"), []);
    assert.deepEqual(checkShape("connect", "PhoneNumber", "815000000000"), [
      'PhoneNumber: "815000000000" does not match \\+[1-9]\\d{1,14}$',
    ]);
    assert.deepEqual(checkShape("connect", "PhoneNumberPrefix", "+81500000000"), []);
  });

  it("the two connect patterns JavaScript cannot compile are view shapes this project never sends", () => {
    const raw = JSON.parse(
      readFileSync(join(__dirname, "..", "aws-models", "connect.json"), "utf8"),
    ) as { shapes: Record<string, { pattern?: string }> };
    const failing = Object.entries(raw.shapes)
      .filter(([, s]) => typeof s.pattern === "string")
      .filter(([, s]) => {
        try {
          new RegExp((s.pattern ?? "").replace(/\\\\/g, "\\"), "u");
          return false;
        } catch {
          return true;
        }
      })
      .map(([name]) => name);
    assert.deepEqual(failing, ["ViewId", "ViewsInstanceId"]);
  });
});
