/**
 * Router input fuzzing (fast-check, fixed seeds): 10,000 generated inputs into the pure `decide`,
 * then 500 through the real handler module with aws-sdk-client-mock clients. Inputs are valid
 * state changes (every level and state, alarm names from one character to the ARN's limit, emoji,
 * CJK, right-to-left and bidi controls, NUL and other controls, reasons of 300-360 KB, every
 * timestamp form) or one of them with exactly one field broken (missing, wrong type, lone
 * surrogates, impossible dates, foreign ARNs…), or any value at all. An oracle written from the
 * documented contract, not from the code, says what each must give:
 * - broken at path P: a RoutingError MALFORMED_EVENT whose message starts with "P:" (UNKNOWN_LEVEL
 *   for a level not in ROUTING_TABLE), and nothing sent; never a TypeError or any other error;
 * - ALARM on a paging level: exactly one StartIncident, whose input satisfies the ssm-incidents
 *   API model and carries the state change's clientToken, and one conforming StartEngagement per
 *   contact of the level; OK / INSUFFICIENT_DATA / notify-only: nothing sent.
 *
 * What this spec does NOT prove:
 * - that AWS accepts the requests: the API model checks lengths, patterns, ranges and enums, not
 *   that the response plan and contacts exist, that the role may call them, or that AWS counts
 *   characters the way the model checker does (UTF-16 units);
 * - that EventBridge ever delivers such inputs (a 300 KB reason is larger than an EventBridge
 *   event may be) or wraps them as `{"level", "event"}` (the rule's input transformer);
 * - serialization, signing and retries: the mocks replace `send` (the fault specs cover those
 *   against a local HTTP endpoint).
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import {
  SSMContactsClient,
  StartEngagementCommand,
  type ServiceInputTypes as ContactsInput,
  type ServiceOutputTypes as ContactsOutput,
  type StartEngagementCommandInput,
  type StartEngagementCommandOutput,
} from "@aws-sdk/client-ssm-contacts";
import {
  SSMIncidentsClient,
  StartIncidentCommand,
  type StartIncidentCommandInput,
} from "@aws-sdk/client-ssm-incidents";
import { mockClient, type AwsCommand, type AwsStub } from "aws-sdk-client-mock";
import fc from "fast-check";
import { decide, type Decision } from "../../handlers/router/decide";
import { RoutingError, type RoutingErrorCode } from "../../handlers/router/errors";
import { checkOperationInput } from "../support/apiModel";
import { configOf, ENV, ROUTING_TABLE, sha256 } from "../handlers/fixtures/routerFixtures";
import {
  anyText,
  badTimestampArb,
  baseEvent,
  DELETE,
  hasLoneSurrogate,
  LONE_SURROGATES,
  notAnObjectArb,
  notAStringArb,
  REASON_MARK,
  reasonArb,
  setAt,
  timestampArb,
  wellFormedText,
  type Json,
  type Timestamp,
} from "./support/events";
import { captureLogs, coldStart } from "./support/lambda";
import { bump, recordResults } from "./support/results";

type HandlerModule = typeof import("../../handlers/router/handler");
const HANDLER_PATH = path.join(__dirname, "..", "..", "handlers", "router", "handler.ts");

const CONFIG = configOf(ENV);
const PURE_RUNS = 10_000;
const HANDLER_RUNS = 500;

type Level = keyof typeof ROUTING_TABLE;
type State = "ALARM" | "OK" | "INSUFFICIENT_DATA";
interface Route {
  readonly impact: number;
  readonly responsePlanArn?: string;
  readonly engage?: readonly string[];
}
const routeOf = (level: Level): Route => ROUTING_TABLE[level] as Route;

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

/** A valid state change and what it must produce. */
interface Valid {
  readonly level: Level;
  readonly state: State;
  readonly alarmName: string;
  readonly alarmArn: string;
  readonly region: string;
  readonly account: string;
  readonly timestamp: Timestamp;
  readonly reason: string | undefined;
}

/** One broken field and the error it must cause. */
interface Breakage {
  readonly label: string;
  readonly code: RoutingErrorCode;
  readonly path: string;
  /** Breaks `input` (a fresh copy) and returns the input to send. */
  readonly apply: (input: Json) => unknown;
}

type Case =
  | { readonly kind: "valid"; readonly valid: Valid; readonly input: Json }
  | { readonly kind: "broken"; readonly breakage: Breakage; readonly input: unknown }
  | { readonly kind: "any"; readonly input: unknown };

const NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./#:+ ()[]";
const nameArb: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.string({ unit: fc.constantFrom(...NAME_CHARS), minLength: 1, maxLength: 255 }),
  },
  { weight: 4, arbitrary: wellFormedText(120, 1) },
  {
    weight: 1,
    // Near the limits: CloudWatch's 255, the title's 200 and the engagement's 255 cut landing
    // inside a surrogate pair, and names longer than CloudWatch allows (up to the ARN's 1000).
    arbitrary: fc.constantFrom(
      "n".repeat(255),
      `${"n".repeat(254)}🚨`,
      `${"n".repeat(188)}${"🚨".repeat(10)}`,
      `${"n".repeat(253)}🚨🚨`,
      "監".repeat(255),
      "🚨".repeat(128),
      "n".repeat(900),
      "監視".repeat(450),
      `${"\u202E".repeat(100)}${"\u0000".repeat(100)}${"שלום".repeat(100)}`,
    ),
  },
);
const regionArb = fc.constantFrom(
  "ap-northeast-1",
  "us-east-1",
  "eu-west-2",
  "us-gov-west-1",
  "ap-southeast-4",
  "il-central-1",
);
const accountArb = fc
  .integer({ min: 0, max: 999_999_999_999 })
  .map((n) => String(n).padStart(12, "0"));

/** Control characters and line separators cannot appear in an ARN: CloudWatch's own names. */
const arnSafe = (name: string): string => name.replace(/[\p{Cc}\u2028\u2029]/gu, "_");

const validArb: fc.Arbitrary<{ valid: Valid; input: Json }> = fc
  .record({
    level: fc.constantFrom<Level>("critical", "major", "warning", "info"),
    state: fc.constantFrom<State>("ALARM", "ALARM", "ALARM", "OK", "INSUFFICIENT_DATA"),
    alarmName: nameArb,
    // Mostly the stack's own account and region (ENV); the rest another's, which pages nobody.
    region: fc.oneof({ weight: 3, arbitrary: fc.constant(ENV.AWS_REGION) }, regionArb),
    account: fc.oneof({ weight: 3, arbitrary: fc.constant(ENV.ACCOUNT_ID) }, accountArb),
    timestamp: timestampArb,
    reason: fc.option(reasonArb(5), { nil: undefined, freq: 8 }),
    reasonData: fc.constantFrom(0, 0, 0, 0, 12_000),
    extra: fc.option(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue(), { maxKeys: 3 }), {
      nil: undefined,
      freq: 5,
    }),
  })
  .map(({ level, state, alarmName, region, account, timestamp, reason, reasonData, extra }) => {
    const alarmArn = `arn:aws:cloudwatch:${region}:${account}:alarm:${arnSafe(alarmName)}`;
    let event = baseEvent({
      level,
      state,
      alarmName,
      alarmArn,
      region,
      account,
      timestamp: timestamp.text,
      reason,
    });
    const detail = event.detail as Json & { state: Json };
    if (reasonData > 0) detail.state.reasonData = "d".repeat(reasonData);
    // Unknown fields are ignored; spread (not assignment) so that "__proto__" stays a plain key.
    if (extra !== undefined) {
      const unknown = Object.fromEntries(Object.entries(extra).filter(([k]) => !(k in event)));
      event = { ...unknown, ...event };
    }
    return {
      valid: { level, state, alarmName, alarmArn, region, account, timestamp, reason },
      input: { level, event },
    };
  });

const malformed = (label: string, path: string, apply: (input: Json) => unknown): Breakage => ({
  label,
  code: "MALFORMED_EVENT",
  path,
  apply,
});

/** Sets (or deletes) the field at `at` below the input. */
const setField =
  (at: readonly string[], value: unknown) =>
  (input: Json): unknown => {
    setAt(input, at, value);
    return input;
  };

const withLoneSurrogate = fc
  .tuple(wellFormedText(20), fc.constantFrom(...LONE_SURROGATES), wellFormedText(20))
  .map(([a, lone, b]) => `${a}${lone}${b}`);

/** Timestamps the router rejects as impossible, on top of the ones no handler accepts. */
const impossibleDates = fc.constantFrom(
  "2019-02-30T17:04:40.989+0000",
  "2019-02-29T00:00:00Z",
  "2019-04-31T10:00:00Z",
  "2019-10-02T24:00:00.000+0000",
);

/** Breakages of the field at `at` (a path below the input) that must be reported at `path`. */
function fieldBreakages(
  at: readonly string[],
  path: string,
  wrong: readonly fc.Arbitrary<unknown>[],
): fc.Arbitrary<Breakage> {
  return fc.oneof(
    fc.constant(malformed(`${path} missing`, path, setField(at, DELETE))),
    ...wrong.map((arb) =>
      arb.map((value) => malformed(`${path} = ${showValue(value)}`, path, setField(at, value))),
    ),
  );
}

const STATE_VALUES = ["ALARM", "OK", "INSUFFICIENT_DATA"];
const badArns = (region: string, account: string): string[] => [
  `arn:aws:sns:${region}:${account}:alarm:x`,
  `arn:aws-cn:cloudwatch:cn-north-1:${account}:alarm:x`,
  `arn:aws:cloudwatch:${region}:12345:alarm:x`,
  `arn:aws:cloudwatch:${region}:${account}:alarm:`,
  `arn:aws:cloudwatch:${region}:${account}:metric:x`,
  `arn:aws:cloudwatch:AP-NORTHEAST-1:${account}:alarm:x`,
  `arn:aws:cloudwatch:${region}:${account}:alarm:a\u0000b`,
  `arn:aws:cloudwatch:${region}:${account}:alarm:a\nb`,
  `arn:aws:cloudwatch:${region}:${account}:alarm:a\u2028b`,
  `arn:aws:cloudwatch:${region}:${account}:alarm:a\u0085b`,
  `arn:aws:cloudwatch:${region}:${account}:alarm:a\uD800b`,
  `arn:aws:cloudwatch:${region}:${account}:alarm:${"n".repeat(1000)}`,
  ` arn:aws:cloudwatch:${region}:${account}:alarm:x`,
];

const breakageArb: fc.Arbitrary<Breakage> = fc.oneof(
  notAnObjectArb.map((value) => malformed(`input = ${showValue(value)}`, "input", () => value)),
  fieldBreakages(["level"], "level", [notAStringArb]),
  fc
    .oneof(
      anyText(30),
      fc.constantFrom(
        "constructor",
        "__proto__",
        "toString",
        "hasOwnProperty",
        "CRITICAL",
        "critical ",
        "crit\u0000ical",
        "critica",
        "",
      ),
    )
    .filter((level) => !Object.hasOwn(ROUTING_TABLE, level))
    .map((level): Breakage => ({
      label: `level ${JSON.stringify(level)} not in ROUTING_TABLE`,
      code: "UNKNOWN_LEVEL",
      path: "level",
      apply: setField(["level"], level),
    })),
  fieldBreakages(["event"], "event", [notAnObjectArb]),
  fieldBreakages(["event", "detail"], "event.detail", [notAnObjectArb]),
  fieldBreakages(["event", "detail", "alarmName"], "event.detail.alarmName", [
    notAStringArb,
    fc.constant(""),
    withLoneSurrogate,
  ]),
  fieldBreakages(["event", "detail", "state"], "event.detail.state", [notAnObjectArb]),
  fieldBreakages(["event", "detail", "state", "value"], "event.detail.state.value", [
    notAStringArb,
    fc.constantFrom("alarm", "Alarm", "ALARM ", "OK\u0000", "", "INSUFFICIENT-DATA"),
    anyText(20).filter((s) => !STATE_VALUES.includes(s)),
  ]),
  fieldBreakages(["event", "detail", "state", "timestamp"], "event.detail.state.timestamp", [
    notAStringArb,
    badTimestampArb,
    impossibleDates,
  ]),
  fieldBreakages(["event", "resources"], "event.resources[0]", [
    notAnObjectArb,
    fc.constant([]),
    fc.array(notAStringArb, { minLength: 1, maxLength: 2 }),
    fc.tuple(regionArb, accountArb, fc.nat()).map(([region, account, i]) => {
      const arns = badArns(region, account);
      return [arns[i % arns.length]];
    }),
  ]),
);

const caseArb: fc.Arbitrary<Case> = fc.oneof(
  {
    weight: 11,
    arbitrary: validArb.map(({ valid, input }) => ({ kind: "valid" as const, valid, input })),
  },
  {
    weight: 8,
    arbitrary: fc.tuple(validArb, breakageArb).map(([{ input }, breakage]) => ({
      kind: "broken" as const,
      breakage,
      input: breakage.apply(input),
    })),
  },
  {
    weight: 1,
    // Any value at all, except objects with the drill keys (a different, tested input kind).
    arbitrary: fc
      .anything()
      .filter((v) => !(typeof v === "object" && v !== null && ("drill" in v || "drillReport" in v)))
      .map((input) => ({ kind: "any" as const, input })),
  },
);

function showValue(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "string") return JSON.stringify(value.slice(0, 30));
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" && value !== null ? "an object" : String(value);
}

// ---------------------------------------------------------------------------------------------
// The oracle
// ---------------------------------------------------------------------------------------------

/**
 * Alarm text as the contract says responders see it (README "Alarm text is untrusted"): control
 * characters (C0 but LF, DEL, C1) and format characters (Cf) removed, tab as a space, a line
 * break (CRLF, CR, NEL, U+2028, U+2029, LF) as LF where newlines are kept and as a space
 * otherwise, a lone surrogate as U+FFFD, `<` as ‹, `@here`/`@channel`/`@everyone` with a
 * full-width ＠. Written per code
 * point, not with the production module's expressions.
 */
function displayOf(text: string, newlines: boolean): string {
  const lineBreak = newlines ? "\n" : " ";
  let out = "";
  const chars = [...text];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    const cp = c.codePointAt(0) ?? 0;
    if (c === "\r" && chars[i + 1] === "\n") continue; // CRLF: the LF that follows counts
    if (c === "\n" || c === "\r" || cp === 0x85 || cp === 0x2028 || cp === 0x2029) {
      out += lineBreak;
    } else if (c === "\t") out += " ";
    else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || /^\p{Cf}$/u.test(c)) continue;
    else if (c === "<") out += "\u2039";
    else if (cp >= 0xd800 && cp <= 0xdfff)
      out += "\uFFFD"; // a lone half: [...] keeps pairs whole
    else out += c;
  }
  return out.replace(/@(here|channel|everyone)\b/gi, "\uFF20$1");
}

/**
 * `got` is `text` as a JSON string literal, or, when that is longer than `max`, a literal of at
 * most `max` units ending `…"` whose content is a prefix of `text` that splits no pair.
 */
function assertQuoted(text: string, got: string, max: number, what: string): void {
  const whole = JSON.stringify(text);
  if (whole.length <= max) {
    assert.equal(got, whole, what);
    return;
  }
  assert.ok(got.length <= max && got.endsWith('…"'), `${what}: length ${got.length}`);
  const prefix = JSON.parse(`${got.slice(0, -2)}"`) as string;
  assert.ok(text.startsWith(prefix), `${what}: not a prefix`);
  assert.ok(!hasLoneSurrogate(prefix), `${what}: splits a surrogate pair`);
}

const consoleUrlOf = (region: string, name: string): string =>
  `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}` +
  `#alarmsV2:alarm/${encodeURIComponent(name)}`;

/** Checks one StartIncident input against the model and the state change it comes from. */
function assertIncident(incident: StartIncidentCommandInput, v: Valid, event: unknown): void {
  const route = routeOf(v.level);
  assert.deepEqual(checkOperationInput("ssm-incidents", "StartIncident", incident), []);
  assert.equal(incident.clientToken, sha256(`${v.alarmArn}|${v.timestamp.text}`));
  assert.equal(incident.responsePlanArn, route.responsePlanArn);
  assert.equal(incident.impact, route.impact);
  const titlePrefix = `[${v.level}] CloudWatch alarm `;
  const title = incident.title ?? "";
  assert.ok(title.startsWith(titlePrefix), title);
  assertQuoted(
    displayOf(v.alarmName, false),
    title.slice(titlePrefix.length),
    200 - titlePrefix.length,
    "title",
  );
  const trigger = incident.triggerDetails;
  assert.ok(trigger);
  assert.equal(trigger.source, ENV.INCIDENT_SOURCE);
  assert.equal(trigger.triggerArn, v.alarmArn);
  assert.equal(trigger.timestamp?.getTime(), v.timestamp.date.getTime());
  const rawData = trigger.rawData ?? "";
  assert.ok(rawData.length <= 10_000, `rawData ${rawData.length}`);
  const whole = JSON.stringify(event);
  if (whole.length <= 10_000) assert.equal(rawData, whole);
  const parsed = JSON.parse(rawData) as {
    resources: string[];
    detail: { state: { timestamp: string } };
  };
  assert.equal(parsed.resources[0], v.alarmArn);
  assert.equal(parsed.detail.state.timestamp, v.timestamp.text);
  const url = consoleUrlOf(v.region, v.alarmName);
  assert.deepEqual(
    incident.relatedItems,
    url.length <= 1000
      ? [{ identifier: { type: "OTHER", value: { url } }, title: "CloudWatch alarm" }]
      : [],
  );
  assert.ok(!(incident.title ?? "").includes(REASON_MARK));
}

/** Checks one StartEngagement input against the model and the state change. */
function assertEngagement(e: StartEngagementCommandInput, v: Valid, contact: string): void {
  assert.deepEqual(checkOperationInput("ssm-contacts", "StartEngagement", e), []);
  assert.equal(e.ContactId, contact);
  assert.equal(e.Sender, ENV.ENGAGEMENT_SENDER);
  assert.equal(e.IdempotencyToken, sha256(`${v.alarmArn}|${v.timestamp.text}|${contact}`));
  const publicContent = e.PublicContent ?? "";
  const prefix = "CloudWatch alarm ";
  const suffix = ` (level ${v.level}) is in ALARM.`;
  assert.ok(publicContent.startsWith(prefix) && publicContent.endsWith(suffix), publicContent);
  const name = publicContent.slice(prefix.length, -suffix.length);
  assertQuoted(displayOf(v.alarmName, false), name, 257, "name");
  assert.equal(e.Subject, `[${v.level}] CloudWatch alarm ${name} is in ALARM`);
  // SMS and voice are not private: never the reason.
  for (const text of [e.Subject, e.PublicSubject, e.PublicContent]) {
    assert.ok(!(text ?? "").includes(REASON_MARK));
  }
  const content = e.Content ?? "";
  assert.ok(content.includes(`\nAlarm name (quoted from CloudWatch): ${name}\n`), "name line");
  const label = "\nAlarm reason (quoted from CloudWatch): ";
  const start = content.indexOf(label) + label.length;
  const reasonLine = content.slice(start, content.indexOf("\nAccount: ", start));
  if (v.reason === undefined) assert.equal(reasonLine, "(none given)");
  else assertQuoted(displayOf(v.reason, true), reasonLine, 2000, "reason");
}

type Outcome = "page" | "ignore" | "reject" | "error";

/** What the oracle expects of a valid state change. */
function expected(
  v: Valid,
): { kind: "page" } | { kind: "ignore"; reason: string } | { kind: "reject"; reason: string } {
  const elsewhere = ": another account's or region's alarm pages nobody here";
  if (v.account !== ENV.ACCOUNT_ID) {
    return {
      kind: "reject",
      reason: `event.account is "${v.account}", not this stack's "${ENV.ACCOUNT_ID}"${elsewhere}`,
    };
  }
  if (v.region !== ENV.AWS_REGION) {
    return {
      kind: "reject",
      reason: `event.region is "${v.region}", not this stack's "${ENV.AWS_REGION}"${elsewhere}`,
    };
  }
  const route = routeOf(v.level);
  if (v.state !== "ALARM") return { kind: "ignore", reason: `state ${v.state}` };
  if (route.responsePlanArn === undefined && (route.engage ?? []).length === 0) {
    return { kind: "ignore", reason: "level is notify-only" };
  }
  return { kind: "page" };
}

/** Checks `decide`'s answer (or error) for one case. */
function assertDecision(c: Case, run: () => Decision): Outcome {
  let decision: Decision;
  try {
    decision = run();
  } catch (err: unknown) {
    assert.ok(err instanceof RoutingError, `not a RoutingError: ${String(err)}`);
    assert.ok(!err.message.includes(REASON_MARK), "the reason is in the error message");
    if (c.kind === "valid") assert.fail(`valid input rejected: ${err.message}`);
    if (c.kind === "broken") {
      assert.equal(err.code, c.breakage.code, `${c.breakage.label}: ${err.message}`);
      assert.ok(
        err.message.startsWith(
          c.breakage.code === "UNKNOWN_LEVEL" ? "level " : `${c.breakage.path}: `,
        ),
        `${c.breakage.label}: ${err.message}`,
      );
    } else {
      assert.ok(["MALFORMED_EVENT", "UNKNOWN_LEVEL"].includes(err.code), err.code);
    }
    return "error";
  }
  assert.equal(c.kind, "valid", `accepted: ${c.kind === "broken" ? c.breakage.label : "any"}`);
  if (c.kind !== "valid") return decision.kind === "page" ? "page" : "ignore";
  const v = c.valid;
  const want = expected(v);
  if (want.kind === "reject") {
    assert.deepEqual(decision, {
      kind: "reject",
      level: v.level,
      alarmName: v.alarmName,
      reason: want.reason,
    });
    return "reject";
  }
  if (want.kind === "ignore") {
    assert.deepEqual(decision, {
      kind: "ignore",
      level: v.level,
      alarmName: v.alarmName,
      reason: want.reason,
    });
    return "ignore";
  }
  assert.equal(decision.kind, "page");
  if (decision.kind !== "page") return "error";
  const route = routeOf(v.level);
  const event = c.input.event;
  if (route.responsePlanArn === undefined) assert.equal(decision.incident, null);
  else {
    assert.ok(decision.incident);
    assertIncident(decision.incident, v, event);
  }
  const contacts = route.engage ?? [];
  assert.equal(decision.engagements.length, contacts.length);
  decision.engagements.forEach((e, i) => assertEngagement(e, v, contacts[i]));
  assert.equal(decision.dedupe, null);
  return "page";
}

// ---------------------------------------------------------------------------------------------

/*
 * @aws-sdk/client-ssm-contacts 3.523 is declared against @smithy/types 2, aws-sdk-client-mock
 * against the current one: the runtime objects are compatible, the declarations are not.
 */
const mockContacts = (): AwsStub<ContactsInput, ContactsOutput, unknown> =>
  mockClient(
    SSMContactsClient as unknown as Parameters<typeof mockClient>[0],
  ) as unknown as AwsStub<ContactsInput, ContactsOutput, unknown>;
const mockIncidents = () => mockClient(SSMIncidentsClient);
const StartEngagement = StartEngagementCommand as unknown as new (
  input: StartEngagementCommandInput,
) => AwsCommand<StartEngagementCommandInput, StartEngagementCommandOutput>;

describe("reliability: router input fuzzing", () => {
  const tally = {
    pure: {} as Record<string, number>,
    handler: {} as Record<string, number>,
    brokenAt: {} as Record<string, number>,
  };
  let huge = 0;
  /** The runs each property completed without a counterexample (0: it failed). */
  const passed = { pure: 0, handler: 0 };

  after(() => {
    recordResults("routerFuzz", {
      // Counted only when a property held to its last run (a failure stops fast-check at once).
      eventsFuzzed: passed.pure + passed.handler,
      pureDecide: passed.pure,
      realHandler: passed.handler,
      reasonsOver300KB: huge,
      pureOutcomes: tally.pure,
      handlerOutcomes: tally.handler,
      brokenFieldAt: tally.brokenAt,
    });
  });

  it(`${PURE_RUNS.toLocaleString("en")} generated inputs into decide: the oracle's decision, or RoutingError with the broken field's code and path`, () => {
    let runs = 0;
    fc.assert(
      fc.property(caseArb, (c) => {
        runs++;
        if (c.kind === "valid" && (c.valid.reason?.length ?? 0) >= 300_000) huge++;
        if (c.kind === "broken") bump(tally.brokenAt, `${c.breakage.code} ${c.breakage.path}`);
        bump(tally.pure, `${c.kind}:${assertDecision(c, () => decide(c.input, CONFIG))}`);
      }),
      { numRuns: PURE_RUNS, seed: 20261201 },
    );
    assert.equal(runs, PURE_RUNS);
    // The generator must reach every outcome, every broken field and huge reasons.
    for (const key of ["valid:page", "valid:ignore", "valid:reject", "broken:error", "any:error"]) {
      assert.ok((tally.pure[key] ?? 0) >= 100, `${key}: ${JSON.stringify(tally.pure)}`);
    }
    assert.equal(Object.keys(tally.pure).length, 5, JSON.stringify(tally.pure));
    assert.equal(Object.keys(tally.brokenAt).length, 10, JSON.stringify(tally.brokenAt));
    assert.ok(huge >= 100, `only ${huge} reasons over 300 KB`);
    passed.pure = runs;
  });

  describe(`${HANDLER_RUNS} through the real handler (aws-sdk-client-mock)`, () => {
    let incidents: ReturnType<typeof mockIncidents>;
    let contacts: ReturnType<typeof mockContacts>;
    let router: HandlerModule;
    const incidentArn = "arn:aws:ssm-incidents::123456789012:incident-record/prod-critical/fuzz";
    const engagementArn =
      "arn:aws:ssm-contacts:ap-northeast-1:123456789012:engagement/prod-oncall-primary/fuzz";

    before(() => {
      incidents = mockIncidents();
      contacts = mockContacts();
      incidents.on(StartIncidentCommand).resolves({ incidentRecordArn: incidentArn });
      contacts.on(StartEngagement).resolves({ EngagementArn: engagementArn });
      router = coldStart<HandlerModule>(HANDLER_PATH, { ...ENV, DEDUPE_TABLE: undefined });
    });
    after(() => {
      incidents.restore();
      contacts.restore();
    });

    it("sends exactly what the oracle expects, once; rejects broken inputs with the RoutingError and sends nothing", async () => {
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(caseArb, async (c) => {
          runs++;
          incidents.resetHistory();
          contacts.resetHistory();
          const { value: settled, lines } = await captureLogs(() =>
            router.handler(structuredClone(c.input)).then(
              (result) => ({ result }),
              (error: unknown) => ({ error }),
            ),
          );
          const starts = incidents
            .commandCalls(StartIncidentCommand)
            .map((call) => call.args[0].input);
          const engagements = contacts
            .commandCalls(StartEngagement)
            .map((call) => call.args[0].input);
          // The decision the handler acted on, checked by the same oracle as decide's.
          const outcome = assertDecision(c, () => {
            if ("error" in settled) throw settled.error;
            const decision = decide(c.input, CONFIG);
            if (decision.kind === "page") {
              assert.deepEqual(starts, decision.incident === null ? [] : [decision.incident]);
              assert.deepEqual(engagements, decision.engagements);
              assert.deepEqual(settled.result, {
                decision: "page",
                incidentArn: decision.incident === null ? null : incidentArn,
                engagements: decision.engagements.length,
              });
            }
            return decision;
          });
          if (outcome !== "page") {
            assert.equal(starts.length + engagements.length, 0, "sent something");
          }
          // One structured log line per invocation, never the reason.
          assert.equal(lines.length, 1, lines.join("\n"));
          const line = JSON.parse(lines[0]) as Record<string, unknown>;
          assert.equal(line.decision, outcome === "error" ? "error" : outcome);
          assert.ok(!lines[0].includes(REASON_MARK), "the reason is in the log line");
          bump(tally.handler, `${c.kind}:${outcome}`);
        }),
        { numRuns: HANDLER_RUNS, seed: 20261202 },
      );
      assert.equal(runs, HANDLER_RUNS);
      for (const key of ["valid:page", "valid:ignore", "valid:reject", "broken:error"]) {
        assert.ok((tally.handler[key] ?? 0) >= 20, `${key}: ${JSON.stringify(tally.handler)}`);
      }
      passed.handler = runs;
    });
  });
});
