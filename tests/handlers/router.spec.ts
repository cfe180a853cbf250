/**
 * Router Lambda: the pure core (parseRouterEnv, decide) with exact outputs, the handler against
 * aws-sdk-client-mock, the SDK's retries against a local HTTP endpoint (the Incident Manager
 * client's adaptive mode and 8 attempts as sent on the wire; markUnclearAttempts over real
 * retries), and property-based inputs into `decide`. Every StartIncident / StartEngagement input
 * captured is checked against the API models (tests/support/apiModel.ts).
 *
 * What this spec does NOT prove:
 * - that AWS accepts the requests beyond the models' constraints (lengths, patterns, enums):
 *   not that the response plan or contacts exist, that the role may call them, or that the
 *   contacts' channels are activated. aws-sdk-client-mock replaces `send`, so the mocked tests
 *   prove nothing about serialization, signing or retries (the HTTP tests here and
 *   router.bundle.spec.ts cover those against a local stub, not AWS).
 * - that EventBridge delivers `{"level", "event"}` in this shape (the rule's input transformer,
 *   tested with its component), or that Lambda retries and dead-letters a rejected invocation
 *   (we only prove that every failure is re-thrown).
 * - how long Incident Manager honours clientToken / IdempotencyToken: only that a retried
 *   invocation sends the same tokens.
 * - how the adaptive rate limiter paces a real storm (the storm bench measures that against a
 *   throttling stub), nor the 8th attempt: its backoff would make the spec wait up to a minute.
 */
import { strict as assert } from "node:assert";
import type { IncomingHttpHeaders } from "node:http";
import {
  SSMContactsClient,
  StartEngagementCommand,
  type ServiceInputTypes as ContactsInput,
  type ServiceOutputTypes as ContactsOutput,
  type StartEngagementCommandInput,
  type StartEngagementCommandOutput,
} from "@aws-sdk/client-ssm-contacts";
import {
  AccessDeniedException,
  SSMIncidentsClient,
  StartIncidentCommand,
  ValidationException,
  type StartIncidentCommandInput,
} from "@aws-sdk/client-ssm-incidents";
import { mockClient, type AwsCommand, type AwsStub } from "aws-sdk-client-mock";
import * as fc from "fast-check";
import { markUnclearAttempts } from "../../handlers/router/adapters";
import { truncate } from "../../handlers/router/alarmEvent";
import { decide, type Decision } from "../../handlers/router/decide";
import { type RouterConfig } from "../../handlers/router/env";
import { RouterConfigError, RoutingError } from "../../handlers/router/errors";
import { claimAfterStartFailure } from "../../handlers/router/dedupe/decide";
import { checkOperationInput } from "../support/apiModel";
import {
  configOf,
  ACCOUNT,
  alarmArn,
  alarmEvent,
  alarmName,
  CONTACT_PRIMARY,
  CONTACT_SECONDARY,
  ENV,
  expectedEngagement,
  expectedIncident,
  PLAN_CRITICAL,
  PLAN_MAJOR,
  REGION,
  routerInput,
  sha256,
  startStub,
  STATE_TIMESTAMP,
  success,
  throttled,
  type Stub,
  type StubResponse,
  loadRouterHandler as loadHandler,
  applyEnv,
  createRouter,
} from "./fixtures/routerFixtures";
import type { RouterHandler } from "../../handlers/router/createHandler";

/*
 * @aws-sdk/client-ssm-contacts 3.523 is declared against @smithy/types 2, aws-sdk-client-mock
 * against the current @smithy/types: the runtime objects are compatible, the declarations are
 * not (middleware-stack variance). These two casts are the only bridge.
 */
const mockContactsClient = (): AwsStub<ContactsInput, ContactsOutput, unknown> =>
  mockClient(
    SSMContactsClient as unknown as Parameters<typeof mockClient>[0],
  ) as unknown as AwsStub<ContactsInput, ContactsOutput, unknown>;
const mockIncidentsClient = () => mockClient(SSMIncidentsClient);
const StartEngagement = StartEngagementCommand as unknown as new (
  input: StartEngagementCommandInput,
) => AwsCommand<StartEngagementCommandInput, StartEngagementCommandOutput>;

const OMITTED = "(omitted: event too large for rawData)";
const CONFIG: RouterConfig = configOf(ENV);

/** The input for `level` with `mutate` applied to its event. */
function inputWith(
  level: string,
  mutate: (event: Record<string, unknown> & { detail: Record<string, unknown> }) => void,
): Record<string, unknown> {
  const event = alarmEvent(level) as Record<string, unknown> & { detail: Record<string, unknown> };
  mutate(event);
  return { level, event };
}

function stateOf(event: { detail: Record<string, unknown> }): Record<string, unknown> {
  return event.detail.state as Record<string, unknown>;
}

function pageOf(decision: Decision): Extract<Decision, { kind: "page" }> {
  assert.equal(decision.kind, "page");
  return decision as Extract<Decision, { kind: "page" }>;
}

function incidentOf(decision: Decision): StartIncidentCommandInput {
  const { incident } = pageOf(decision);
  assert.ok(incident);
  return incident;
}

/** Asserts every input of a page decision satisfies the API models. */
function assertConforms(decision: Decision): void {
  if (decision.kind !== "page") return;
  if (decision.incident !== null) {
    assert.deepEqual(checkOperationInput("ssm-incidents", "StartIncident", decision.incident), []);
  }
  for (const engagement of decision.engagements) {
    assert.deepEqual(checkOperationInput("ssm-contacts", "StartEngagement", engagement), []);
  }
}

// =============================================================================================
describe("router core: parseRouterEnv", () => {
  it("parses the example environment into an exact config", () => {
    assert.deepEqual(
      configOf({
        ROUTING_TABLE:
          '{"critical":{"impact":1,"responsePlanArn":"arn:aws:ssm-incidents::123456789012:response-plan/prod-critical"},' +
          '"warning":{"impact":3,"engage":["arn:aws:ssm-contacts:ap-northeast-1:123456789012:contact/prod-oncall-primary"]},' +
          '"info":{"impact":5}}',
        INCIDENT_SOURCE: "incident-escalation.prod",
        ENGAGEMENT_SENDER: "incident-escalation prod",
        ACCOUNT_ID: "123456789012",
        AWS_REGION: "ap-northeast-1",
        UNRELATED: "ignored",
      }),
      {
        routing: new Map([
          ["critical", { impact: 1, responsePlanArn: PLAN_CRITICAL, engage: [] }],
          ["warning", { impact: 3, engage: [CONTACT_PRIMARY] }],
          ["info", { impact: 5, engage: [] }],
        ]),
        account: "123456789012",
        region: "ap-northeast-1",
        incidentSource: "incident-escalation.prod",
        engagementSender: "incident-escalation prod",
      },
    );
  });

  it("keeps a level with both a response plan and contacts", () => {
    assert.deepEqual(CONFIG.routing.get("major"), {
      impact: 2,
      responsePlanArn: PLAN_MAJOR,
      engage: [CONTACT_PRIMARY],
    });
  });

  const table = (routes: unknown): string => JSON.stringify(routes);
  const cases: [string, Record<string, string | undefined>, string][] = [
    [
      "nothing set",
      { ROUTING_TABLE: undefined, INCIDENT_SOURCE: undefined, ENGAGEMENT_SENDER: undefined },
      "ROUTING_TABLE: routing.json is missing from the function's code; INCIDENT_SOURCE: is not set; ENGAGEMENT_SENDER: is not set",
    ],
    ["ROUTING_TABLE empty", { ROUTING_TABLE: "" }, "ROUTING_TABLE: routing.json is empty"],
    ["ROUTING_TABLE not JSON", { ROUTING_TABLE: "{critical:" }, "ROUTING_TABLE: is not valid JSON"],
    [
      "ROUTING_TABLE an array",
      { ROUTING_TABLE: "[]" },
      "ROUTING_TABLE: must be a JSON object of levels, got an array",
    ],
    [
      "ROUTING_TABLE a string",
      { ROUTING_TABLE: '"critical"' },
      'ROUTING_TABLE: must be a JSON object of levels, got "critical"',
    ],
    [
      "ROUTING_TABLE empty object",
      { ROUTING_TABLE: "{}" },
      "ROUTING_TABLE: must define at least one level",
    ],
    [
      "impact out of range",
      { ROUTING_TABLE: table({ critical: { impact: 7, responsePlanArn: PLAN_CRITICAL } }) },
      "ROUTING_TABLE.critical.impact: must be an integer 1-5, got 7",
    ],
    [
      "impact a string",
      { ROUTING_TABLE: table({ critical: { impact: "1" } }) },
      'ROUTING_TABLE.critical.impact: must be an integer 1-5, got "1"',
    ],
    [
      "impact fractional",
      { ROUTING_TABLE: table({ critical: { impact: 1.5 } }) },
      "ROUTING_TABLE.critical.impact: must be an integer 1-5, got 1.5",
    ],
    [
      "impact missing",
      { ROUTING_TABLE: table({ critical: { responsePlanArn: PLAN_CRITICAL } }) },
      "ROUTING_TABLE.critical.impact: must be an integer 1-5, got nothing",
    ],
    [
      "regional response plan ARN",
      {
        ROUTING_TABLE: table({
          critical: {
            impact: 1,
            responsePlanArn: "arn:aws:ssm-incidents:ap-northeast-1:123456789012:response-plan/x",
          },
        }),
      },
      "ROUTING_TABLE.critical.responsePlanArn: must be a response plan ARN arn:aws:ssm-incidents::<account>:response-plan/<name>, " +
        'got "arn:aws:ssm-incidents:ap-northeast-1:123456789012:response-plan/x"',
    ],
    [
      "misspelt key",
      { ROUTING_TABLE: table({ critical: { impact: 1, responsePlan: PLAN_CRITICAL } }) },
      "ROUTING_TABLE.critical.responsePlan: unknown key (expected impact, responsePlanArn, engage, resolveOnRecovery, outsideHours)",
    ],
    [
      "engage empty",
      { ROUTING_TABLE: table({ warning: { impact: 3, engage: [] } }) },
      "ROUTING_TABLE.warning.engage: must be a non-empty list of contact ARNs (omit it to engage nobody), got an array",
    ],
    [
      "engage a single string",
      { ROUTING_TABLE: table({ warning: { impact: 3, engage: CONTACT_PRIMARY } }) },
      "ROUTING_TABLE.warning.engage: must be a non-empty list of contact ARNs (omit it to engage nobody), " +
        `got "${CONTACT_PRIMARY}"`,
    ],
    [
      "engage a contact alias instead of an ARN, and a duplicate",
      {
        ROUTING_TABLE: table({
          warning: { impact: 3, engage: ["prod-oncall-primary", CONTACT_PRIMARY, CONTACT_PRIMARY] },
        }),
      },
      "ROUTING_TABLE.warning.engage[0]: must be a contact ARN arn:aws:ssm-contacts:<region>:<account>:contact/<alias>, " +
        'got "prod-oncall-primary"; ROUTING_TABLE.warning.engage[2]: duplicate of engage[1]',
    ],
    [
      "upper-case level name",
      { ROUTING_TABLE: table({ Critical: { impact: 1 } }) },
      "ROUTING_TABLE.Critical: level names must be 1-64 characters of a-z, 0-9, _ or -, not starting with _ or -",
    ],
    [
      "route not an object",
      { ROUTING_TABLE: table({ critical: 1 }) },
      "ROUTING_TABLE.critical: must be an object {impact, responsePlanArn?, engage?, resolveOnRecovery?}, got 1",
    ],
    [
      "INCIDENT_SOURCE in the aws. namespace",
      { INCIDENT_SOURCE: "aws.cloudwatch" },
      'INCIDENT_SOURCE: must not start with "aws.", got "aws.cloudwatch"',
    ],
    [
      "INCIDENT_SOURCE too long",
      { INCIDENT_SOURCE: "s".repeat(51) },
      "INCIDENT_SOURCE: must be at most 50 characters, got 51",
    ],
    [
      "ENGAGEMENT_SENDER with parentheses",
      { ENGAGEMENT_SENDER: "on-call (prod)" },
      'ENGAGEMENT_SENDER: may contain only letters, digits, whitespace and \\_@#%*+=:?./!-, got "on-call (prod)"',
    ],
    [
      "ENGAGEMENT_SENDER too long",
      { ENGAGEMENT_SENDER: "s".repeat(256) },
      "ENGAGEMENT_SENDER: must be at most 255 characters, got 256",
    ],
    [
      "resolveOnRecovery not a boolean",
      {
        ROUTING_TABLE: table({
          critical: { impact: 1, responsePlanArn: PLAN_CRITICAL, resolveOnRecovery: "yes" },
        }),
        DEDUPE_TABLE: "prod-incident-dedupe",
      },
      'ROUTING_TABLE.critical.resolveOnRecovery: must be true or false, got "yes"',
    ],
    [
      "resolveOnRecovery on a level without an incident",
      {
        ROUTING_TABLE: table({ warning: { impact: 3, resolveOnRecovery: true } }),
        DEDUPE_TABLE: "prod-incident-dedupe",
      },
      "ROUTING_TABLE.warning.resolveOnRecovery: needs responsePlanArn (only incidents are resolved)",
    ],
    [
      "resolveOnRecovery without DEDUPE_TABLE",
      {
        ROUTING_TABLE: table({
          critical: { impact: 1, responsePlanArn: PLAN_CRITICAL, resolveOnRecovery: true },
        }),
      },
      "ROUTING_TABLE.critical.resolveOnRecovery: needs DEDUPE_TABLE, through which the router finds the incident to resolve",
    ],
    [
      "DEDUPE_TABLE given as an ARN",
      { DEDUPE_TABLE: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/dedupe` },
      `DEDUPE_TABLE: must be a DynamoDB table name (3-255 characters of a-z, A-Z, 0-9, _ . -), got "arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/dedupe"`,
    ],
  ];
  for (const [name, overrides, message] of cases) {
    it(`rejects: ${name}`, () => {
      assert.throws(
        () => configOf({ ...ENV, ...overrides }),
        (err: unknown) => {
          assert.ok(err instanceof RouterConfigError);
          assert.equal(err.name, "RouterConfigError");
          assert.equal(err.message, message);
          assert.deepEqual(err.problems, message.split("; "));
          return true;
        },
      );
    });
  }

  // Drill variables (NAME_PREFIX, SCHEDULER_ROLE_ARN, ALERTS_TOPIC_ARN) left with drills: the
  // router ignores them; the drill function's own are tested in tests/handlers/drill.spec.ts.
  it("parses the optional variables: dedupe table, resolveOnRecovery; ignores the former drill variables", () => {
    const config = configOf({
      ...ENV,
      ROUTING_TABLE: JSON.stringify({
        critical: { impact: 1, responsePlanArn: PLAN_CRITICAL, resolveOnRecovery: true },
        major: { impact: 2, responsePlanArn: PLAN_MAJOR, resolveOnRecovery: false },
      }),
      DEDUPE_TABLE: "prod-incident-dedupe",
      NAME_PREFIX: "ie-prod",
      SCHEDULER_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/ie-prod-drill-scheduler`,
      ALERTS_TOPIC_ARN: `arn:aws:sns:${REGION}:${ACCOUNT}:ie-prod-alerts`,
    });
    assert.deepEqual(config, {
      routing: new Map([
        [
          "critical",
          { impact: 1, responsePlanArn: PLAN_CRITICAL, engage: [], resolveOnRecovery: true },
        ],
        ["major", { impact: 2, responsePlanArn: PLAN_MAJOR, engage: [], resolveOnRecovery: false }],
      ]),
      account: ACCOUNT,
      region: REGION,
      incidentSource: "incident-escalation.prod",
      engagementSender: "incident-escalation prod",
      dedupeTable: "prod-incident-dedupe",
    });
  });

  it("treats empty optional variables as unset", () => {
    assert.deepEqual(
      configOf({
        ...ENV,
        DEDUPE_TABLE: "",
        NAME_PREFIX: "",
        SCHEDULER_ROLE_ARN: "",
        ALERTS_TOPIC_ARN: "",
      }),
      CONFIG,
    );
  });

  it("accepts a sender with the model's special characters", () => {
    const sender = "ops\\team_1@example.com #oncall %*+=:?./!-\tx";
    assert.equal(configOf({ ...ENV, ENGAGEMENT_SENDER: sender }).engagementSender, sender);
  });
});

// =============================================================================================
describe("router core: decide", () => {
  it("ALARM on an incident level: exactly one StartIncident input, no engagements", () => {
    const decision = decide(routerInput("critical"), CONFIG);
    assert.deepEqual(decision, {
      kind: "page",
      level: "critical",
      alarmName: alarmName("critical"),
      incident: expectedIncident("critical", PLAN_CRITICAL, 1),
      engagements: [],
      dedupe: null,
    });
    assert.equal(
      incidentOf(decision).clientToken,
      "4f28e1360998ccbaff274acf23287e0bff6a925abac779da75b3dda4c2615f07",
    );
    assertConforms(decision);
  });

  it("ALARM on an engage-only level: one StartEngagement input per contact, no incident", () => {
    const decision = decide(routerInput("warning"), CONFIG);
    assert.deepEqual(decision, {
      kind: "page",
      level: "warning",
      alarmName: alarmName("warning"),
      incident: null,
      engagements: [
        expectedEngagement("warning", CONTACT_PRIMARY),
        expectedEngagement("warning", CONTACT_SECONDARY),
      ],
      dedupe: null,
    });
    assertConforms(decision);
  });

  it("ALARM on a level with both: the incident and the engagement", () => {
    const decision = decide(routerInput("major"), CONFIG);
    assert.deepEqual(decision, {
      kind: "page",
      level: "major",
      alarmName: alarmName("major"),
      incident: expectedIncident("major", PLAN_MAJOR, 2),
      engagements: [expectedEngagement("major", CONTACT_PRIMARY)],
      dedupe: null,
    });
    assertConforms(decision);
  });

  const ignored: [string, "ALARM" | "OK" | "INSUFFICIENT_DATA", string][] = [
    ["critical", "OK", "state OK"],
    ["critical", "INSUFFICIENT_DATA", "state INSUFFICIENT_DATA"],
    ["warning", "OK", "state OK"],
    ["major", "INSUFFICIENT_DATA", "state INSUFFICIENT_DATA"],
    ["info", "ALARM", "level is notify-only"],
    ["info", "OK", "state OK"],
  ];
  // Another account's alarm (forwarded by a bus whose policy admits it) or another region's
  // (cross-Region bus target) keeps its own account/region in the event and in the ARN
  // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html).
  const foreign: [string, (e: Record<string, unknown>) => void, string][] = [
    [
      "another account",
      (e) => {
        e.account = "111122223333";
        e.resources = [
          "arn:aws:cloudwatch:ap-northeast-1:111122223333:alarm:prod-critical-api-5xx",
        ];
      },
      'event.account is "111122223333", not this stack\'s "123456789012": another account\'s or region\'s alarm pages nobody here',
    ],
    [
      "another region",
      (e) => {
        e.region = "us-east-1";
        e.resources = ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:prod-critical-api-5xx"];
      },
      'event.region is "us-east-1", not this stack\'s "ap-northeast-1": another account\'s or region\'s alarm pages nobody here',
    ],
    [
      "this account in the envelope, another's alarm ARN",
      (e) => {
        e.resources = [
          "arn:aws:cloudwatch:ap-northeast-1:111122223333:alarm:prod-critical-api-5xx",
        ];
      },
      'event.resources[0] account is "111122223333", not this stack\'s "123456789012": another account\'s or region\'s alarm pages nobody here',
    ],
    [
      "this region in the envelope, another region's alarm ARN",
      (e) => {
        e.resources = ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:prod-critical-api-5xx"];
      },
      'event.resources[0] region is "us-east-1", not this stack\'s "ap-northeast-1": another account\'s or region\'s alarm pages nobody here',
    ],
    [
      "no account in the envelope",
      (e) => {
        delete e.account;
      },
      "event.account is nothing, not this stack's \"123456789012\": another account's or region's alarm pages nobody here",
    ],
  ];
  for (const [title, mutate, reason] of foreign) {
    it(`ALARM on critical from ${title}: reject, pages nobody`, () => {
      const event = alarmEvent("critical");
      mutate(event);
      assert.deepEqual(decide({ level: "critical", event }, CONFIG), {
        kind: "reject",
        level: "critical",
        alarmName: alarmName("critical"),
        reason,
      });
    });
  }

  for (const [level, state, reason] of ignored) {
    it(`${state} on ${level}: ignore, "${reason}"`, () => {
      assert.deepEqual(decide(routerInput(level, state), CONFIG), {
        kind: "ignore",
        level,
        alarmName: alarmName(level),
        reason,
      });
    });
  }

  it("the same state change always yields the same tokens; another one yields new tokens", () => {
    const first = decide(routerInput("major"), CONFIG);
    assert.deepEqual(decide(routerInput("major"), CONFIG), first);
    const later = decide(
      inputWith("major", (e) => (stateOf(e).timestamp = "2019-10-02T18:00:00.000+0000")),
      CONFIG,
    );
    assert.notEqual(incidentOf(later).clientToken, incidentOf(first).clientToken);
    assert.notEqual(
      pageOf(later).engagements[0].IdempotencyToken,
      pageOf(first).engagements[0].IdempotencyToken,
    );
  });

  const timestamps: [string, string][] = [
    ["2019-10-02T17:04:40.989+0000", "2019-10-02T17:04:40.989Z"],
    ["2019-10-02T17:04:40.989Z", "2019-10-02T17:04:40.989Z"],
    ["2019-10-03T02:04:40.989+09:00", "2019-10-02T17:04:40.989Z"],
    ["2019-10-02T12:04:40-0500", "2019-10-02T17:04:40.000Z"],
    ["2019-10-02T17:04:40.98765Z", "2019-10-02T17:04:40.987Z"],
    ["2020-02-29T00:00:00.000+0000", "2020-02-29T00:00:00.000Z"],
  ];
  for (const [written, instant] of timestamps) {
    it(`reads the state timestamp ${written} as ${instant}`, () => {
      const decision = decide(
        inputWith("critical", (e) => (stateOf(e).timestamp = written)),
        CONFIG,
      );
      assert.deepEqual(incidentOf(decision).triggerDetails?.timestamp, new Date(instant));
      assert.equal(incidentOf(decision).clientToken, sha256(`${alarmArn("critical")}|${written}`));
    });
  }

  describe("title", () => {
    it('cuts a 300-character alarm name to 200 characters ending with …" inside its quotes', () => {
      const name = "n".repeat(300);
      const decision = decide(
        inputWith("critical", (e) => (e.detail.alarmName = name)),
        CONFIG,
      );
      // '[critical] CloudWatch alarm "' is 29 units; the name keeps 169, then '…"'.
      assert.equal(incidentOf(decision).title, `[critical] CloudWatch alarm "${"n".repeat(169)}…"`);
      assert.equal(incidentOf(decision).title?.length, 200);
      assertConforms(decision);
    });

    it("never splits a surrogate pair at the cut", () => {
      // '[critical] CloudWatch alarm "' is 29 units and '…"' 2: 169 units of name fit, and the
      // cut falls between the halves of the first emoji.
      const name = `${"a".repeat(168)}${"😀".repeat(10)}`;
      const decision = decide(
        inputWith("critical", (e) => (e.detail.alarmName = name)),
        CONFIG,
      );
      assert.equal(incidentOf(decision).title, `[critical] CloudWatch alarm "${"a".repeat(168)}…"`);
      assert.equal(incidentOf(decision).title?.length, 199);
    });

    const truncations: [string, number, string][] = [
      ["short", 10, "short"],
      ["exactly10!", 10, "exactly10!"],
      ["eleven char", 10, "eleven ch…"],
      ["abcdefgh😀z", 10, "abcdefgh…"],
      ["abcdefg😀zz", 10, "abcdefg😀…"],
      ["abcdefghi😀", 10, "abcdefghi…"],
      ["abcdefgh😀", 10, "abcdefgh😀"],
    ];
    for (const [text, max, expected] of truncations) {
      it(`truncate(${JSON.stringify(text)}, ${max}) = ${JSON.stringify(expected)}`, () => {
        assert.equal(truncate(text, max), expected);
      });
    }
  });

  describe("rawData", () => {
    it("replaces the bulky fields when the whole event is too long", () => {
      const input = inputWith("critical", (e) => {
        const configuration = e.detail.configuration as Record<string, unknown>;
        configuration.description = "d".repeat(20_000);
      });
      const rawData = incidentOf(decide(input, CONFIG)).triggerDetails?.rawData ?? "";
      const expected = alarmEvent("critical") as { detail: Record<string, unknown> };
      expected.detail.configuration = OMITTED;
      expected.detail.previousState = OMITTED;
      stateOf(expected).reasonData = OMITTED;
      assert.equal(rawData, JSON.stringify(expected));
      assert.ok(rawData.length <= 10_000);
    });

    it("falls back to a valid-JSON summary when the reason alone is too long", () => {
      const input = inputWith("critical", (e) => (stateOf(e).reason = "r".repeat(20_000)));
      const decision = decide(input, CONFIG);
      assert.equal(
        incidentOf(decision).triggerDetails?.rawData,
        JSON.stringify({
          summary: OMITTED,
          resources: [alarmArn("critical")],
          detail: {
            alarmName: alarmName("critical"),
            state: { value: "ALARM", timestamp: STATE_TIMESTAMP },
          },
        }),
      );
      assertConforms(decision);
    });

    it("keeps escaping intact: a reason full of quotes and backslashes still gives valid JSON", () => {
      const input = inputWith("critical", (e) => (stateOf(e).reason = '"\\'.repeat(4_000)));
      const rawData = incidentOf(decide(input, CONFIG)).triggerDetails?.rawData ?? "";
      assert.ok(rawData.length <= 10_000);
      assert.doesNotThrow(() => JSON.parse(rawData));
    });
  });

  describe("engagement texts", () => {
    it("cuts a long reason in Content and never puts it in the public texts", () => {
      const reason = `${"r".repeat(3_000)} secret-detail`;
      const decision = decide(
        inputWith("warning", (e) => (stateOf(e).reason = reason)),
        CONFIG,
      );
      const [engagement] = pageOf(decision).engagements;
      // 2000 units quoted: '"', 1997 r, '…"'.
      assert.ok(
        engagement.Content?.includes(
          `\nAlarm reason (quoted from CloudWatch): "${"r".repeat(1_997)}…"\n`,
        ),
      );
      assert.ok(!engagement.PublicSubject?.includes("r".repeat(10)));
      assert.ok(!engagement.PublicContent?.includes("r".repeat(10)));
      assertConforms(decision);
    });

    it("says so when the event has no reason", () => {
      const decision = decide(
        inputWith("warning", (e) => delete stateOf(e).reason),
        CONFIG,
      );
      assert.ok(
        pageOf(decision).engagements[0].Content?.includes(
          "\nAlarm reason (quoted from CloudWatch): (none given)\n",
        ),
      );
    });

    it("leaves the console link out when a long non-ASCII name makes it exceed 1000 characters", () => {
      const name = "警".repeat(120);
      const decision = decide(
        inputWith("major", (e) => {
          e.detail.alarmName = name;
          e.resources = [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`];
        }),
        CONFIG,
      );
      assert.deepEqual(incidentOf(decision).relatedItems, []);
      assert.ok(
        pageOf(decision).engagements[0].Content?.endsWith(
          "\nConsole: (alarm name too long for a link)",
        ),
      );
      assertConforms(decision);
    });

    it("encodes the alarm name in the console URL", () => {
      const name = "api 5xx/#?&";
      const decision = decide(
        inputWith("critical", (e) => (e.detail.alarmName = name)),
        CONFIG,
      );
      assert.deepEqual(incidentOf(decision).relatedItems?.[0].identifier?.value, {
        url: `https://${REGION}.console.aws.amazon.com/cloudwatch/home?region=${REGION}#alarmsV2:alarm/api%205xx%2F%23%3F%26`,
      });
    });
  });

  describe("errors", () => {
    const arnMessage =
      "event.resources[0]: expected a CloudWatch alarm ARN arn:aws:cloudwatch:<region>:<account>:alarm:<name> of at most 1000 characters, got";
    const timestampMessage =
      "event.detail.state.timestamp: expected an ISO 8601 timestamp like 2019-10-02T17:04:40.989+0000, got";
    const nameMessage =
      "event.detail.alarmName: expected a non-empty string of well-formed Unicode, got";
    const stateMessage =
      'event.detail.state.value: expected "ALARM", "OK" or "INSUFFICIENT_DATA", got';
    const known = "known levels: critical, major, warning, info";
    const event = alarmEvent("critical");

    const cases: [string, unknown, "UNKNOWN_LEVEL" | "MALFORMED_EVENT", string][] = [
      ["null", null, "MALFORMED_EVENT", "input: expected an object, got null"],
      ["a string", "critical", "MALFORMED_EVENT", 'input: expected an object, got "critical"'],
      ["an array", [], "MALFORMED_EVENT", "input: expected an object, got an array"],
      ["no level", { event }, "MALFORMED_EVENT", "level: expected a string, got nothing"],
      ["numeric level", { level: 1, event }, "MALFORMED_EVENT", "level: expected a string, got 1"],
      [
        "unknown level",
        { level: "debug", event },
        "UNKNOWN_LEVEL",
        `level "debug" is not in ROUTING_TABLE (${known})`,
      ],
      [
        "upper-case level",
        { level: "CRITICAL", event },
        "UNKNOWN_LEVEL",
        `level "CRITICAL" is not in ROUTING_TABLE (${known})`,
      ],
      [
        "prototype member as level",
        { level: "constructor", event },
        "UNKNOWN_LEVEL",
        `level "constructor" is not in ROUTING_TABLE (${known})`,
      ],
      [
        "unknown level, even for OK",
        routerInput("debug", "OK"),
        "UNKNOWN_LEVEL",
        `level "debug" is not in ROUTING_TABLE (${known})`,
      ],
      [
        "no event",
        { level: "critical" },
        "MALFORMED_EVENT",
        "event: expected an object, got nothing",
      ],
      [
        "event as a JSON string",
        { level: "critical", event: JSON.stringify(event) },
        "MALFORMED_EVENT",
        `event: expected an object, got ${JSON.stringify(`${JSON.stringify(event).slice(0, 79)}…`)}`,
      ],
      [
        "no detail",
        inputWith("critical", (e) => delete (e as Record<string, unknown>).detail),
        "MALFORMED_EVENT",
        "event.detail: expected an object, got nothing",
      ],
      [
        "no alarmName",
        inputWith("critical", (e) => delete e.detail.alarmName),
        "MALFORMED_EVENT",
        `${nameMessage} nothing`,
      ],
      [
        "empty alarmName",
        inputWith("critical", (e) => (e.detail.alarmName = "")),
        "MALFORMED_EVENT",
        `${nameMessage} ""`,
      ],
      [
        "alarmName with a lone surrogate",
        inputWith("critical", (e) => (e.detail.alarmName = "api\uD800")),
        "MALFORMED_EVENT",
        `${nameMessage} "api\\ud800"`,
      ],
      [
        "no state",
        inputWith("critical", (e) => delete e.detail.state),
        "MALFORMED_EVENT",
        "event.detail.state: expected an object, got nothing",
      ],
      [
        "no state value",
        inputWith("critical", (e) => delete stateOf(e).value),
        "MALFORMED_EVENT",
        `${stateMessage} nothing`,
      ],
      [
        "lower-case state value",
        inputWith("critical", (e) => (stateOf(e).value = "alarm")),
        "MALFORMED_EVENT",
        `${stateMessage} "alarm"`,
      ],
      [
        "no timestamp",
        inputWith("critical", (e) => delete stateOf(e).timestamp),
        "MALFORMED_EVENT",
        `${timestampMessage} nothing`,
      ],
      [
        "epoch-number timestamp",
        inputWith("critical", (e) => (stateOf(e).timestamp = 1570035880)),
        "MALFORMED_EVENT",
        `${timestampMessage} 1570035880`,
      ],
      [
        "unparsable timestamp",
        inputWith("critical", (e) => (stateOf(e).timestamp = "yesterday")),
        "MALFORMED_EVENT",
        `${timestampMessage} "yesterday"`,
      ],
      [
        "Feb 29 in a common year",
        inputWith("critical", (e) => (stateOf(e).timestamp = "2019-02-29T00:00:00.000+0000")),
        "MALFORMED_EVENT",
        `${timestampMessage} "2019-02-29T00:00:00.000+0000"`,
      ],
      [
        "hour 24",
        inputWith("critical", (e) => (stateOf(e).timestamp = "2019-10-02T24:00:00.000+0000")),
        "MALFORMED_EVENT",
        `${timestampMessage} "2019-10-02T24:00:00.000+0000"`,
      ],
      [
        "offset +25:00",
        inputWith("critical", (e) => (stateOf(e).timestamp = "2019-10-02T17:04:40.989+2500")),
        "MALFORMED_EVENT",
        `${timestampMessage} "2019-10-02T17:04:40.989+2500"`,
      ],
      [
        "no offset",
        inputWith("critical", (e) => (stateOf(e).timestamp = "2019-10-02T17:04:40.989")),
        "MALFORMED_EVENT",
        `${timestampMessage} "2019-10-02T17:04:40.989"`,
      ],
      [
        "no resources",
        inputWith("critical", (e) => delete e.resources),
        "MALFORMED_EVENT",
        `${arnMessage} nothing`,
      ],
      [
        "empty resources",
        inputWith("critical", (e) => (e.resources = [])),
        "MALFORMED_EVENT",
        `${arnMessage} nothing`,
      ],
      [
        "resources not a list",
        inputWith("critical", (e) => (e.resources = alarmArn("critical"))),
        "MALFORMED_EVENT",
        `${arnMessage} nothing`,
      ],
      [
        "an SNS topic ARN",
        inputWith("critical", (e) => (e.resources = [`arn:aws:sns:${REGION}:${ACCOUNT}:alerts`])),
        "MALFORMED_EVENT",
        `${arnMessage} "arn:aws:sns:${REGION}:${ACCOUNT}:alerts"`,
      ],
      [
        "an aws-cn alarm ARN",
        inputWith(
          "critical",
          (e) => (e.resources = [`arn:aws-cn:cloudwatch:cn-north-1:${ACCOUNT}:alarm:x`]),
        ),
        "MALFORMED_EVENT",
        `${arnMessage} "arn:aws-cn:cloudwatch:cn-north-1:${ACCOUNT}:alarm:x"`,
      ],
      [
        "an ARN over 1000 characters",
        inputWith(
          "critical",
          (e) => (e.resources = [`${alarmArn("critical")}${"x".repeat(1000)}`]),
        ),
        "MALFORMED_EVENT",
        `${arnMessage} "${alarmArn("critical")}${"x".repeat(80 - 1 - alarmArn("critical").length)}…"`,
      ],
    ];
    for (const [name, input, code, message] of cases) {
      it(`${code}: ${name}`, () => {
        assert.throws(
          () => decide(input, CONFIG),
          (err: unknown) => {
            assert.ok(err instanceof RoutingError, `not a RoutingError: ${String(err)}`);
            assert.equal(err.name, "RoutingError");
            assert.equal(err.code, code);
            assert.equal(err.message, message);
            return true;
          },
        );
      });
    }
  });

  describe("properties (fast-check)", () => {
    // Each field is mostly plausible, sometimes any value at all, sometimes absent, so the
    // generator reaches page, ignore and every error branch.
    const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
      fc.oneof(
        { weight: 40, arbitrary: arb },
        { weight: 1, arbitrary: fc.anything() },
        { weight: 1, arbitrary: fc.constant(undefined) },
      );
    const text = fc.oneof(
      fc.string(),
      fc.string({ unit: "binary" }),
      fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }),
      fc.nat({ max: 25_000 }).map((n) => "r".repeat(n)),
    );
    const date = fc.date({
      min: new Date("2000-01-01"),
      max: new Date("2100-01-01"),
      noInvalidDate: true,
    });
    const name = fc.oneof(fc.constant(alarmName("critical")), text);
    const state = fc.record({
      value: maybe(fc.constantFrom("ALARM", "ALARM", "ALARM", "OK", "INSUFFICIENT_DATA", "alarm")),
      timestamp: maybe(
        fc.oneof(
          fc.constant(STATE_TIMESTAMP),
          date.map((d) => d.toISOString()),
          date.map((d) => d.toISOString().replace("Z", "+0000")),
          text,
        ),
      ),
      reason: maybe(text),
      reasonData: maybe(text),
    });
    const detail = fc.record({
      alarmName: maybe(name),
      state: maybe(state),
      configuration: maybe(fc.anything()),
      previousState: maybe(fc.anything()),
    });
    const event = fc.record({
      detail: maybe(detail),
      resources: maybe(
        fc.oneof(
          fc.constant([alarmArn("critical")]),
          name.map((n) => [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${n}`]),
          fc.array(text),
        ),
      ),
      id: maybe(text),
      // Mostly this stack's account and region; sometimes another's, which pages nobody.
      account: maybe(
        fc.oneof({ weight: 12, arbitrary: fc.constant(ACCOUNT) }, fc.constant("111122223333")),
      ),
      region: maybe(
        fc.oneof({ weight: 12, arbitrary: fc.constant(REGION) }, fc.constant("us-east-1")),
      ),
    });
    const levels = ["critical", "major", "warning", "info", "debug", "constructor", "__proto__"];
    const nearValid = fc.record({ level: maybe(fc.constantFrom(...levels)), event: maybe(event) });

    /** Runs decide; any decision must satisfy the models; any error must be a RoutingError. */
    function check(input: unknown): "page" | "ignore" | "reject" | "error" {
      let decision: Decision;
      try {
        decision = decide(input, CONFIG);
      } catch (err: unknown) {
        assert.ok(err instanceof RoutingError, `not a RoutingError: ${String(err)}`);
        assert.ok(["UNKNOWN_LEVEL", "MALFORMED_EVENT"].includes(err.code));
        return "error";
      }
      // Without DEDUPE_TABLE and without a `drill` key, nothing else can come out.
      assert.ok(
        decision.kind === "page" || decision.kind === "ignore" || decision.kind === "reject",
        decision.kind,
      );
      if (decision.kind === "reject") {
        const e = (input as { event: { account?: unknown; region?: unknown } }).event;
        assert.ok(e.account !== ACCOUNT || e.region !== REGION, "rejected this stack's alarm");
        return "reject";
      }
      assertConforms(decision);
      if (decision.kind === "page" && decision.incident !== null) {
        const rawData = decision.incident.triggerDetails?.rawData ?? "";
        assert.ok(rawData.length <= 10_000);
        JSON.parse(rawData);
        assert.ok((decision.incident.title ?? "").length <= 200);
      }
      return decision.kind;
    }

    it("near-valid inputs (3,000 runs): a decision conforming to the models, or a RoutingError", () => {
      const seen = { page: 0, ignore: 0, reject: 0, error: 0 };
      fc.assert(
        fc.property(nearValid, (input) => {
          seen[check(input)]++;
        }),
        { numRuns: 3_000 },
      );
      // The generator must reach every outcome, or the property proves little.
      assert.ok(
        seen.page > 50 && seen.ignore > 50 && seen.reject > 50 && seen.error > 50,
        JSON.stringify(seen),
      );
    });

    it("arbitrary values (2,000 runs): never an error other than RoutingError", () => {
      fc.assert(
        fc.property(fc.anything(), (input) => {
          check(input);
        }),
        { numRuns: 2_000 },
      );
    });
  });
});

// =============================================================================================
describe("router handler (aws-sdk-client-mock)", () => {
  // Created in before(), not while mocha collects tests, so other specs never see the stubs.
  let incidents: ReturnType<typeof mockIncidentsClient>;
  let contacts: ReturnType<typeof mockContactsClient>;
  const INCIDENT_ARN = `arn:aws:ssm-incidents::${ACCOUNT}:incident-record/prod-critical/0a1b2c3d`;
  const ENGAGEMENT_ARN = `arn:aws:ssm-contacts:${REGION}:${ACCOUNT}:engagement/prod-oncall-primary/4e5f`;
  let router: RouterHandler;
  let logs: unknown[];

  before(() => {
    incidents = mockIncidentsClient();
    contacts = mockContactsClient();
    router = createRouter(ENV, { log: (line) => logs.push(line) });
  });
  after(() => {
    incidents.restore();
    contacts.restore();
  });
  beforeEach(() => {
    incidents.reset();
    contacts.reset();
    incidents.on(StartIncidentCommand).resolves({ incidentRecordArn: INCIDENT_ARN });
    contacts.on(StartEngagement).resolves({ EngagementArn: ENGAGEMENT_ARN });
    logs = [];
  });

  function sentIncidents(): StartIncidentCommandInput[] {
    const inputs = incidents.commandCalls(StartIncidentCommand).map((c) => c.args[0].input);
    for (const input of inputs) {
      assert.deepEqual(checkOperationInput("ssm-incidents", "StartIncident", input), []);
    }
    return inputs;
  }

  function sentEngagements(): StartEngagementCommandInput[] {
    const inputs = contacts.commandCalls(StartEngagement).map((c) => c.args[0].input);
    for (const input of inputs) {
      assert.deepEqual(checkOperationInput("ssm-contacts", "StartEngagement", input), []);
    }
    return inputs;
  }

  it("ALARM on critical: sends exactly the expected StartIncident and logs one line", async () => {
    const result = await router(routerInput("critical"));
    assert.deepEqual(result, { decision: "page", incidentArn: INCIDENT_ARN, engagements: 0 });
    assert.deepEqual(sentIncidents(), [expectedIncident("critical", PLAN_CRITICAL, 1)]);
    assert.deepEqual(sentEngagements(), []);
    assert.deepEqual(logs, [
      {
        alertLevel: "critical",
        alarmName: alarmName("critical"),
        decision: "page",
        incidentArn: INCIDENT_ARN,
        engagements: 0,
      },
    ]);
  });

  it("ALARM on warning: sends exactly the expected StartEngagement inputs, no incident", async () => {
    const result = await router(routerInput("warning"));
    assert.deepEqual(result, { decision: "page", incidentArn: null, engagements: 2 });
    assert.deepEqual(sentIncidents(), []);
    assert.deepEqual(sentEngagements(), [
      expectedEngagement("warning", CONTACT_PRIMARY),
      expectedEngagement("warning", CONTACT_SECONDARY),
    ]);
    assert.deepEqual(logs, [
      {
        alertLevel: "warning",
        alarmName: alarmName("warning"),
        decision: "page",
        incidentArn: null,
        engagements: 2,
      },
    ]);
  });

  it("ALARM on major: both the incident and the engagement", async () => {
    await router(routerInput("major"));
    assert.deepEqual(sentIncidents(), [expectedIncident("major", PLAN_MAJOR, 2)]);
    assert.deepEqual(sentEngagements(), [expectedEngagement("major", CONTACT_PRIMARY)]);
  });

  describe("alarm text is untrusted (handlers/shared/untrustedText.ts)", () => {
    // U+202E, a zero-width joiner, NUL, Slack markup, broadcast mentions, a forged stack label.
    const HOSTILE_NAME =
      "\u202E[RESOLVED - drill, ignore]\u200D <https://evil.example|details> @here\u0000 <!channel>";
    // CRLF, a forged "Console:" line, quotes, bidi isolates around a mention.
    const HOSTILE_REASON =
      'Threshold Crossed\r\nConsole: https://evil.example "x" \u2066@channel\u2069';
    const SHOWN = '"[RESOLVED - drill, ignore] ‹https://evil.example|details> ＠here ‹!channel>"';
    const URL =
      "https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1#alarmsV2:alarm/" +
      "%E2%80%AE%5BRESOLVED%20-%20drill%2C%20ignore%5D%E2%80%8D%20%3Chttps%3A%2F%2Fevil.example%7Cdetails%3E%20%40here%00%20%3C!channel%3E";

    function hostileInput(): Record<string, unknown> {
      return inputWith("major", (e) => {
        e.detail.alarmName = HOSTILE_NAME;
        stateOf(e).reason = HOSTILE_REASON;
      });
    }

    it("StartIncident: the name stripped, defused and quoted after a fixed label; rawData keeps the event as sent", async () => {
      const input = hostileInput();
      await router(input);
      assert.deepEqual(sentIncidents(), [
        {
          ...expectedIncident("major", PLAN_MAJOR, 2),
          title: `[major] CloudWatch alarm ${SHOWN}`,
          triggerDetails: {
            ...expectedIncident("major", PLAN_MAJOR, 2).triggerDetails,
            rawData: JSON.stringify(input.event),
          },
          relatedItems: [
            { identifier: { type: "OTHER", value: { url: URL } }, title: "CloudWatch alarm" },
          ],
        },
      ]);
    });

    it("StartEngagement: e-mail, SMS and voice texts quote the name; the reason is labelled quoted alarm text, its line break escaped", async () => {
      await router(hostileInput());
      const subject = `[major] CloudWatch alarm ${SHOWN} is in ALARM`;
      assert.deepEqual(sentEngagements(), [
        {
          ...expectedEngagement("major", CONTACT_PRIMARY),
          Subject: subject,
          Content: [
            subject,
            "",
            "Level: major",
            `Alarm name (quoted from CloudWatch): ${SHOWN}`,
            "Since: 2019-10-02T17:04:40.989Z",
            'Alarm reason (quoted from CloudWatch): "Threshold Crossed\\nConsole: https://evil.example \\"x\\" ＠channel"',
            `Account: ${ACCOUNT}`,
            `Region: ${REGION}`,
            `Console: ${URL}`,
          ].join("\n"),
          PublicSubject: subject,
          PublicContent: `CloudWatch alarm ${SHOWN} (level major) is in ALARM.`,
        },
      ]);
      const [sent] = sentEngagements();
      for (const text of [sent.Subject, sent.Content, sent.PublicSubject, sent.PublicContent]) {
        for (const bad of [
          "\u0000",
          "\u200D",
          "\u202E",
          "\u2066",
          "\u2069",
          "<",
          "@here",
          "@channel",
          "\r",
        ]) {
          assert.ok(!(text ?? "").includes(bad), `${JSON.stringify(bad)} in ${text}`);
        }
        assert.ok(!(text ?? "").includes("\nConsole: https://evil"), text);
      }
    });
  });

  const quiet: [string, "ALARM" | "OK" | "INSUFFICIENT_DATA", string][] = [
    ["critical", "OK", "state OK"],
    ["critical", "INSUFFICIENT_DATA", "state INSUFFICIENT_DATA"],
    ["major", "OK", "state OK"],
    ["warning", "INSUFFICIENT_DATA", "state INSUFFICIENT_DATA"],
    ["info", "ALARM", "level is notify-only"],
  ];
  for (const [level, state, reason] of quiet) {
    it(`${state} on ${level}: sends nothing`, async () => {
      assert.deepEqual(await router(routerInput(level, state)), {
        decision: "ignore",
        reason,
      });
      assert.equal(incidents.calls().length, 0);
      assert.equal(contacts.calls().length, 0);
      assert.deepEqual(logs, [
        { alertLevel: level, alarmName: alarmName(level), decision: "ignore", reason },
      ]);
    });
  }

  const elsewhere: [string, Record<string, unknown>][] = [
    [
      "another account",
      {
        account: "111122223333",
        resources: ["arn:aws:cloudwatch:ap-northeast-1:111122223333:alarm:prod-critical-api-5xx"],
      },
    ],
    [
      "another region",
      {
        region: "us-east-1",
        resources: ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:prod-critical-api-5xx"],
      },
    ],
  ];
  for (const [title, fields] of elsewhere) {
    for (const level of ["critical", "warning", "major"]) {
      it(`ALARM on ${level} from ${title}: no StartIncident, no StartEngagement, one log line, resolves (no retry)`, async () => {
        const event = { ...alarmEvent(level), ...fields };
        const result = await router({ level, event });
        assert.equal(incidents.calls().length, 0);
        assert.equal(contacts.calls().length, 0);
        assert.equal(result.decision, "reject");
        assert.deepEqual(logs, [{ alertLevel: level, alarmName: alarmName(level), ...result }]);
        assert.match(
          (result as { reason: string }).reason,
          /^event\.(account|region) is "(111122223333|us-east-1)", not this stack's "(123456789012|ap-northeast-1)": another account's or region's alarm pages nobody here$/,
        );
      });
    }
  }

  it("the same event twice (a retried invocation): the same clientToken and IdempotencyToken", async () => {
    await router(routerInput("major"));
    await router(routerInput("major"));
    const [first, second] = sentIncidents();
    assert.equal(second.clientToken, first.clientToken);
    assert.match(first.clientToken ?? "", /^[0-9a-f]{64}$/);
    const [a, b] = sentEngagements();
    assert.equal(b.IdempotencyToken, a.IdempotencyToken);
  });

  it("a huge event with a long reason: rawData of at most 10000 characters, valid JSON", async () => {
    const input = inputWith("critical", (e) => {
      stateOf(e).reason = `"${"long reason ".repeat(2_000)}\\`;
      e.detail.configuration = {
        metrics: Array.from({ length: 500 }, (_, i) => ({ id: `m${i}` })),
      };
    });
    await router(input);
    const [sent] = sentIncidents();
    const rawData = sent.triggerDetails?.rawData ?? "";
    assert.ok(rawData.length <= 10_000, `rawData is ${rawData.length} characters`);
    assert.deepEqual(JSON.parse(rawData), {
      summary: OMITTED,
      resources: [alarmArn("critical")],
      detail: {
        alarmName: alarmName("critical"),
        state: { value: "ALARM", timestamp: STATE_TIMESTAMP },
      },
    });
  });

  it("a 300-character alarm name: a title of at most 200 characters", async () => {
    await router(inputWith("critical", (e) => (e.detail.alarmName = "x".repeat(300))));
    const [sent] = sentIncidents();
    assert.equal(sent.title?.length, 200);
    assert.ok(sent.title?.endsWith('…"'));
  });

  const rejected: [string, unknown, string, string, Record<string, unknown>][] = [
    [
      "unknown level",
      routerInput("debug"),
      "UNKNOWN_LEVEL",
      'level "debug" is not in ROUTING_TABLE (known levels: critical, major, warning, info)',
      { alertLevel: "debug", alarmName: alarmName("debug") },
    ],
    [
      "missing state value",
      inputWith("critical", (e) => delete stateOf(e).value),
      "MALFORMED_EVENT",
      'event.detail.state.value: expected "ALARM", "OK" or "INSUFFICIENT_DATA", got nothing',
      { alertLevel: "critical", alarmName: alarmName("critical") },
    ],
    [
      "not an object",
      "hello",
      "MALFORMED_EVENT",
      'input: expected an object, got "hello"',
      { alertLevel: null, alarmName: null },
    ],
  ];
  for (const [name, input, code, message, labels] of rejected) {
    it(`${name}: rejects with RoutingError ${code}, logs it, sends nothing`, async () => {
      await assert.rejects(router(input), (err: unknown) => {
        assert.ok(err instanceof RoutingError);
        assert.equal(err.code, code);
        assert.equal(err.message, message);
        return true;
      });
      assert.equal(incidents.calls().length + contacts.calls().length, 0);
      assert.deepEqual(logs, [
        { ...labels, decision: "error", error: "RoutingError", code, message },
      ]);
    });
  }

  it("an SDK error propagates unchanged; the log has its name and status, not its message", async () => {
    const denied = new AccessDeniedException({
      message: "User is not authorized to perform ssm-incidents:StartIncident",
      $metadata: { httpStatusCode: 403, requestId: "req-1" },
    });
    incidents.on(StartIncidentCommand).rejects(denied);
    await assert.rejects(router(routerInput("critical")), (err: unknown) => err === denied);
    assert.deepEqual(logs, [
      {
        alertLevel: "critical",
        alarmName: alarmName("critical"),
        decision: "error",
        error: "AccessDeniedException",
        httpStatusCode: 403,
        requestId: "req-1",
      },
    ]);
  });

  it("one failing contact does not stop the others; the invocation still rejects", async () => {
    const failure = new Error("contact gone");
    contacts.on(StartEngagement, { ContactId: CONTACT_PRIMARY }).rejects(failure);
    await assert.rejects(router(routerInput("warning")), (err: unknown) => err === failure);
    assert.deepEqual(
      contacts.commandCalls(StartEngagement).map((c) => c.args[0].input.ContactId),
      [CONTACT_PRIMARY, CONTACT_SECONDARY],
    );
  });

  it("logs never carry the reason or contact details, even when an AWS error quotes the request", async () => {
    const reason = "db password rejected for user sato@example.com, call +819000000001";
    incidents.on(StartIncidentCommand).rejects(
      new ValidationException({
        message: `Value '${reason}' failed to satisfy constraint`,
        $metadata: {},
      }),
    );
    const input = inputWith("major", (e) => (stateOf(e).reason = reason));
    await assert.rejects(router(input));
    incidents.on(StartIncidentCommand).resolves({ incidentRecordArn: INCIDENT_ARN });
    await router(input);
    const text = JSON.stringify(logs);
    assert.equal(logs.length, 2);
    for (const secret of [reason, "sato@example.com", "+819000000001", "prod-oncall-primary"]) {
      assert.ok(!text.includes(secret), `log contains ${secret}`);
    }
  });
});

// =============================================================================================
describe("router handler: cold start with a bad environment", () => {
  const cases: [string, Record<string, string | undefined>, string][] = [
    [
      "ROUTING_TABLE missing",
      { ROUTING_TABLE: undefined },
      "ROUTING_TABLE: routing.json is missing from the function's code",
    ],
    [
      "ROUTING_TABLE garbled",
      { ROUTING_TABLE: '{"critical":' },
      "ROUTING_TABLE: is not valid JSON",
    ],
    [
      "impact out of range",
      { ROUTING_TABLE: '{"critical":{"impact":7}}' },
      "ROUTING_TABLE.critical.impact: must be an integer 1-5, got 7",
    ],
    ["INCIDENT_SOURCE missing", { INCIDENT_SOURCE: undefined }, "INCIDENT_SOURCE: is not set"],
    [
      "ENGAGEMENT_SENDER missing",
      { ENGAGEMENT_SENDER: undefined },
      "ENGAGEMENT_SENDER: is not set",
    ],
  ];
  for (const [name, overrides, message] of cases) {
    it(`${name}: loading the module fails naming the variable`, async () => {
      await assert.rejects(loadHandler({ ...ENV, ...overrides }), (err: unknown) => {
        assert.ok(err instanceof RouterConfigError);
        assert.equal(err.message, message);
        return true;
      });
    });
  }
});

// =============================================================================================
describe("router handler: SDK retries (local HTTP endpoint, real SDK)", () => {
  // aws-sdk-client-mock replaces `send`, which bypasses the SDK's retry middleware, so retries
  // are tested against a stub server on 127.0.0.1 instead.
  let stub: Stub;
  let router: RouterHandler;
  let saved: Record<string, string | undefined>;
  let respond: (operation: string, body: unknown, index: number) => "throttle" | "ok";
  let headers: IncomingHttpHeaders[];

  before(async () => {
    stub = await startStub((request, index, requestHeaders) => {
      headers.push(requestHeaders);
      return respond(request.operation, request.body, index) === "throttle"
        ? throttled(request)
        : success(request);
    });
    saved = applyEnv({
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
      AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      AWS_SESSION_TOKEN: undefined,
      AWS_PROFILE: undefined,
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_ENDPOINT_URL_SSM_INCIDENTS: stub.url,
      AWS_ENDPOINT_URL_SSM_CONTACTS: stub.url,
    });
    // The production clients (createClients), against the stub's endpoints.
    router = createRouter(ENV);
  });
  after(async () => {
    applyEnv(saved);
    await stub.close();
  });
  beforeEach(() => {
    stub.requests.length = 0;
    headers = [];
  });

  it("the Incident Manager client retries adaptively, up to 8 attempts; ssm-contacts keeps standard, 5", async () => {
    respond = () => "ok";
    await router(routerInput("major"));
    const sent = stub.requests.map((r, i) => ({
      operation: r.operation,
      // amz-sdk-request: the retry middleware's attempt and maximum; user-agent m/: the SDK's
      // feature metrics, F = RETRY_MODE_ADAPTIVE, E = RETRY_MODE_STANDARD.
      attempts: headers[i]["amz-sdk-request"],
      retryMode: /\bm\/([A-Za-z0-9,+-]+)/
        .exec(String(headers[i]["user-agent"]))?.[1]
        .split(",")
        .find((metric) => metric === "E" || metric === "F"),
    }));
    assert.deepEqual(
      sent.find((r) => r.operation === "StartIncident"),
      { operation: "StartIncident", attempts: "attempt=1; max=8", retryMode: "F" },
    );
    assert.equal(sent.find((r) => r.operation === "StartEngagement")?.attempts, "attempt=1; max=5");
  });

  it("StartIncident throttled once: the SDK retries with the same clientToken and succeeds", async () => {
    respond = (_operation, _body, index) => (index === 0 ? "throttle" : "ok");
    const result = await router(routerInput("critical"));
    assert.equal(result.decision, "page");
    assert.deepEqual(
      stub.requests.map((r) => r.operation),
      ["StartIncident", "StartIncident"],
    );
    const [first, second] = stub.requests.map((r) => r.body as { clientToken: string });
    assert.equal(second.clientToken, first.clientToken);
    assert.equal(first.clientToken, sha256(`${alarmArn("critical")}|${STATE_TIMESTAMP}`));
  });

  it("StartEngagement throttled once: the SDK retries that contact and succeeds", async () => {
    let throttledOnce = false;
    respond = (_operation, body) => {
      const contact = (body as { ContactId?: string }).ContactId;
      if (contact !== CONTACT_PRIMARY || throttledOnce) return "ok";
      throttledOnce = true;
      return "throttle";
    };
    const result = await router(routerInput("warning"));
    assert.deepEqual(result, { decision: "page", incidentArn: null, engagements: 2 });
    const contactsCalled = stub.requests.map((r) => (r.body as { ContactId: string }).ContactId);
    assert.deepEqual(
      contactsCalled.sort(),
      [CONTACT_SECONDARY, CONTACT_PRIMARY, CONTACT_PRIMARY].sort(),
    );
    assert.ok(stub.requests.every((r) => r.operation === "StartEngagement"));
  });
});

// =============================================================================================
describe("router adapters: markUnclearAttempts (real SDK retries, local HTTP endpoint)", () => {
  // The router's client makes 8 attempts with throttling backoff of up to 71 s in all; this
  // client makes 2 in standard mode, which is enough to show what the marking sees: every
  // attempt, not only the last.
  let stub: Stub;
  let answers: StubResponse[];
  before(async () => {
    stub = await startStub((request, index) => answers[index] ?? success(request));
  });
  after(async () => {
    await stub.close();
  });
  beforeEach(() => {
    stub.requests.length = 0;
  });

  const internal: StubResponse = {
    status: 500,
    headers: { "x-amzn-errortype": "InternalServerException" },
    body: { message: "internal error" },
  };
  const throttle = throttled({ operation: "StartIncident", body: undefined });
  const invalid: StubResponse = {
    status: 400,
    headers: { "x-amzn-errortype": "ValidationException" },
    body: { message: "bad" },
  };

  const rows: [string, StubResponse[], string, boolean, "release" | "keep"][] = [
    ["throttled twice", [throttle, throttle], "ThrottlingException", false, "release"],
    ["refused as invalid (not retried)", [invalid], "ValidationException", false, "release"],
    ["500, then throttled", [internal, throttle], "ThrottlingException", true, "keep"],
    ["throttled, then 500", [throttle, internal], "InternalServerException", true, "keep"],
  ];
  for (const [name, replies, error, marked, claim] of rows) {
    it(`StartIncident ${name}: ${error}${marked ? ", marked unclear" : ""} → ${claim}`, async () => {
      answers = replies;
      const client = new SSMIncidentsClient({
        region: REGION,
        endpoint: stub.url,
        credentials: {
          accessKeyId: "AKIAIOSFODNN7EXAMPLE",
          secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        },
        maxAttempts: 2,
        retryMode: "standard",
      });
      markUnclearAttempts(client);
      const err = await client
        .send(new StartIncidentCommand(expectedIncident("critical", PLAN_CRITICAL, 1)))
        .then(
          () => assert.fail("StartIncident succeeded"),
          (e: unknown) => e,
        );
      assert.equal(stub.requests.length, replies.length);
      assert.ok(err instanceof Error);
      assert.equal(err.name, error);
      assert.equal((err as { unclearAttempt?: boolean }).unclearAttempt === true, marked);
      assert.equal(claimAfterStartFailure(err), claim);
      client.destroy();
    });
  }
});
