// The offline plan tool (cli/plan.ts, tools/plan.ts, tools/planReport.ts), called in-process
// with a fixed clock: specific lines of the text report and fields of the JSON document for the example
// stacks (dev, prod; selfhosted, backend step-functions: no Incident Manager resource, the timeline) (the document validated against planDocumentSchema); exit codes and messages for bad
// usage, a missing file, invalid YAML and an invalid config (every path reported, no stack
// trace); policy violations and the exit code per enforcement level (an orphan alarm, voice in
// the first stage); secrets never printed in either format; colour only when asked for and never
// in JSON; the providers and their one region (and, on recorded resources, config and environment,
// the problems that would stop a deploy: no region, two regions); and once, the real CLI as a
// child process, as `npm run plan` runs it. Working hours: prod's office calendar (hours, Japanese
// holidays by name, company-closed days, next opening) at fixed instants, and what levels with
// outsideHours do in and out of hours (pure hoursFacts on a hand-made config).
//
// What this does NOT prove: that `pulumi preview`/`up` would create exactly these resources (the
// program runs under Pulumi's mock engine; ids and ARNs are the mocks'); that AWS accepts them
// (the API-model specs check part of that); that the policy engine reports the same violations
// (tests/policy does); that the rotation arithmetic matches Incident Manager's
// (tests/tools/timeline.spec.ts pins the model, not AWS); that a value the tool does not know
// to be sensitive (one not in the contacts or webhooks) is kept out of the output; that the real
// providers resolve their region as providerRegions models them (read from their source, not
// run); or that the report reads well to a human beyond the lines pinned here. The sandbox
// warnings of the step-functions backend are pinned as literals from the SES and End User
// Messaging SMS sandbox pages; they do not prove an account is in a sandbox (preflight asks AWS).
// The working-hours lines do not prove the router defers as they say (tests/handlers/router
// specs pin that) nor that the holiday library's table matches the Cabinet Office's list.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { planCli } from "../../cli/plan";
import type { PlanResult } from "../../tools/plan";
import type { RecordedResource } from "../../tools/mockEngine";
import {
  PlanDocument,
  hoursFacts,
  outsideHoursText,
  planDocumentSchema,
  providerRegionProblem,
  providerRegions,
  stepFunctionsSandboxWarnings,
  voiceChannelWarnings,
} from "../../tools/planReport";
import { PROD_CRITICAL_EVENTS } from "./fixtures/prodTimeline";

const ROOT = join(__dirname, "..", "..");
const FIXTURES = join(__dirname, "fixtures");
const fixture = (name: string) => join(FIXTURES, name);
/** Tuesday 2026-11-24 10:00 in Tokyo, in week 47 (sato's) of the prod rotation. */
const NOW = new Date("2026-11-24T01:00:00Z");
const ESC = "\x1b[";

function run(argv: string[], colour = false): Promise<PlanResult> {
  return planCli({ argv, root: ROOT, now: NOW, colour });
}

function lines(out: string): string[] {
  return out.split("\n");
}

/** Asserts that `out` has exactly this line. */
function hasLine(out: string, line: string): void {
  assert.ok(lines(out).includes(line), `missing line:\n${line}\n--- in ---\n${out}`);
}

/** Asserts that `out` has these lines, consecutively, in this order. */
function hasBlock(out: string, block: readonly string[]): void {
  const all = lines(out);
  const i = all.indexOf(block[0] ?? "");
  assert.ok(i >= 0, `missing line:\n${block[0]}\n--- in ---\n${out}`);
  assert.deepEqual(all.slice(i, i + block.length), block);
}

type Resource = PlanDocument["resources"][number];

function resource(doc: PlanDocument, type: string, name: string): Resource {
  const r = doc.resources.find((x) => x.type === type && x.name === name);
  assert.ok(r, `no ${type} ${name}`);
  return r;
}

const TYPES = {
  pipeline: "incident-escalation:index:EscalationPipeline",
  channel: "aws:ssmcontacts/contactChannel:ContactChannel",
  fn: "aws:lambda/function:Function",
  target: "aws:cloudwatch/eventTarget:EventTarget",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  queue: "aws:sqs/queue:Queue",
  responsePlan: "aws:ssmincidents/responsePlan:ResponsePlan",
} as const;

const TWO_CHANNEL_TYPES = (alias: string) =>
  `  [advisory]  two-channel-types  escalation-${alias}: contact ie-dev-${alias} has contact channels of one type only (EMAIL): add SMS or VOICE so that one undelivered channel does not leave them unreachable`;
const IM_AVAILABILITY =
  "  ! Incident Manager is closed to new customers since 2025-11-07: deploy only to an account already onboarded.";

describe("npm run plan (cli/plan.ts, tools/plan.ts)", function () {
  // Each run boots the program under the mock engine.
  this.timeout(60_000);

  describe("dev example stack, text", () => {
    let r: PlanResult;
    before(async () => {
      r = await run(["--stack", "dev", "--no-color"]);
    });

    it("exits 0 with the report on stdout and nothing on stderr", () => {
      assert.equal(r.exitCode, 0);
      assert.equal(r.stderr, "");
      assert.ok(r.document);
      assert.equal(lines(r.stdout)[0], "incident-escalation plan — stack dev");
      hasLine(r.stdout, `Resources: ${r.document.summary.total} to create`);
    });

    it("shows the critical level's paging timeline", () => {
      hasBlock(r.stdout, [
        "  critical  impact 2 · opens an incident (response plan ie-dev-critical)",
        "    alarm ie-dev-critical-api-5xx: AWS/ApplicationELB HTTPCode_Target_5XX_Count Sum >= 100 (3 of 3 × 60s)",
        "    paging timeline (stops when an essential target acknowledges):",
        "      T+0   stage 1 (10 min) → sato",
        "      T+0   email       sato",
        "      T+10  stage 2 (10 min) → suzuki",
        "      T+10  email       suzuki",
        "      T+20  escalation plan ends; it does not repeat",
        "    also: Slack (ALARM and OK)",
        "  warning  impact 4 · notifies only, pages nobody",
        "    alarm ie-dev-warning-api-5xx: AWS/ApplicationELB HTTPCode_Target_5XX_Count Sum >= 20 (3 of 3 × 60s)",
        "    goes to: Slack (ALARM and OK)",
      ]);
    });

    it("lists the two advisory findings and says the stack passes", () => {
      hasBlock(r.stdout, ["Policies", TWO_CHANNEL_TYPES("sato"), TWO_CHANNEL_TYPES("suzuki")]);
      hasLine(r.stdout, "OK: 2 advisory finding(s), no mandatory violation.");
      assert.equal(lines(r.stdout).at(-2), "OK: 2 advisory finding(s), no mandatory violation.");
    });

    it("warns about NOT_ACTIVATED channels, Incident Manager's availability and uses the existing replication set", () => {
      hasBlock(r.stdout, [
        "Warnings",
        '  ! 2 contact channel(s) will be created NOT_ACTIVATED and page nobody until each is activated with a code sent to the device (README: "Activate contact channels"): ie-dev-sato-email, ie-dev-suzuki-email',
        IM_AVAILABILITY,
        "  ! Uses the account's existing replication set (replicationSet: existing).",
      ]);
    });

    it("creates no replication set and shows one region for every provider (no aws-native: no rotation)", () => {
      assert.ok(r.document);
      assert.deepEqual(
        r.document.resources.filter((x) => x.type.includes("ReplicationSet")),
        [],
      );
      assert.ok(!r.stdout.includes("ReplicationSet"), r.stdout);
      hasBlock(r.stdout, [
        "Providers (one region: ap-northeast-1)",
        "  aws (default provider) in ap-northeast-1 (from aws:region)",
        "",
      ]);
      assert.deepEqual(r.document.providers, [
        { package: "aws", provider: "default", region: "ap-northeast-1", from: "aws:region" },
      ]);
    });

    it("has no on-call section (the dev stack has no rotation)", () => {
      assert.ok(!lines(r.stdout).includes("On call"));
    });
  });

  describe("prod example stack, text", () => {
    let r: PlanResult;
    before(async () => {
      r = await run(["--stack", "prod", "--no-color"]);
    });

    it("exits 0 with no policy violation", () => {
      assert.equal(r.exitCode, 0);
      assert.equal(r.stderr, "");
      hasBlock(r.stdout, ["Policies", "  no violations"]);
      hasLine(r.stdout, "OK: 0 advisory finding(s), no mandatory violation.");
    });

    it("shows who is paged when and how at the critical level", () => {
      hasBlock(r.stdout, [
        "  critical  impact 1 · opens an incident (response plan ie-prod-critical)",
        "    alarm ie-prod-critical-api-5xx: AWS/ApplicationELB HTTPCode_Target_5XX_Count Sum >= 50 (2 of 3 × 60s)",
        "    alarm ie-prod-critical-api-latency-p99: AWS/ApplicationELB TargetResponseTime p99 > 3 (3 of 5 × 60s)",
        "    paging timeline (stops when an essential target acknowledges):",
        "      T+0   stage 1 (15 min) → oncall:primary [on call now: sato]",
        "      T+0   email       sato",
        "      T+10  SMS, voice  sato",
        "      T+15  stage 2 (15 min) → tanaka",
        "      T+15  email       tanaka",
        "      T+25  SMS, voice  tanaka",
        "      T+30  escalation plan ends; it does not repeat",
        "    also: Slack (ALARM and OK); webhooks: ticketing (ALARM and OK)",
      ]);
    });

    it("shows the warning level engaging the on-call directly (no incident), with its destinations", () => {
      hasBlock(r.stdout, [
        "  warning  impact 3 · engages directly, no incident",
        "    alarm ie-prod-warning-api-5xx: AWS/ApplicationELB HTTPCode_Target_5XX_Count Sum >= 10 (2 of 3 × 60s)",
        "    alarm ie-prod-warning-api-latency-p99: AWS/ApplicationELB TargetResponseTime p99 > 1.5 (3 of 5 × 60s)",
        "    paging timeline:",
        "      T+0   email       sato",
        "      T+10  SMS, voice  sato",
        "    also: Slack (ALARM and OK); webhooks: ticketing (ALARM and OK)",
      ]);
    });

    it("shows who is on call now and the next hand-off in the rotation's time zone", () => {
      // 2026-01-05 (Mon, start, sato) → 2026-11-23 (Mon) is 322 days = 46 hand-offs: 46 is even,
      // so sato's shift; the next hand-off is Monday 2026-11-30 09:00 Tokyo (00:00 UTC).
      hasBlock(r.stdout, [
        "On call",
        "  oncall:primary (Asia/Tokyo): now sato; next suzuki from 2026-11-30 09:00",
      ]);
    });

    it("a week later, the other member is on call", async () => {
      const later = await planCli({
        argv: ["--stack", "prod", "--no-color"],
        root: ROOT,
        now: new Date("2026-11-30T00:00:00Z"),
        colour: false,
      });
      hasLine(later.stdout, "      T+0   stage 1 (15 min) → oncall:primary [on call now: suzuki]");
      hasLine(later.stdout, "      T+10  SMS, voice  suzuki");
      hasLine(
        later.stdout,
        "  oncall:primary (Asia/Tokyo): now suzuki; next sato from 2026-12-07 09:00",
      );
    });

    it("working hours: the office calendar and the warning level's outsideHours, at Christmas 19:00 Tokyo", async () => {
      // 2026-12-25T10:00Z is Friday 19:00 in Tokyo: closed. Mon 28 opens; 29-31 are the stack's
      // company-closed days, 2027-01-01 元日 and 2027-01-11 成人の日 come from @holiday-jp/holiday_jp.
      const xmas = await planCli({
        argv: ["--stack", "prod", "--no-color"],
        root: ROOT,
        now: new Date("2026-12-25T10:00:00Z"),
        colour: false,
      });
      hasBlock(xmas.stdout, [
        "Working hours (outsideHours) and maintenance",
        "  calendar office (Asia/Tokyo): mon-fri 09:00-18:00; other days closed",
        "    holidays: jp (Japanese national and substitute holidays, @holiday-jp/holiday_jp 1970-2050)",
        "    company closed: 2026-12-29, 2026-12-30, 2026-12-31",
        "    next closed days: 2026-12-29 会社休業日 (company closed), 2026-12-30 会社休業日 (company closed), 2026-12-31 会社休業日 (company closed), 2027-01-01 元日 (New Year's Day), 2027-01-11 成人の日 (Coming of Age Day)",
        "    now: closed; opens 2026-12-28 (Mon) 09:00; after 2026-12-28 (Mon) 18:00 next opens 2027-01-04 (Mon) 09:00",
        "  warning  calendar office",
        "    in hours: engages directly",
        "    outside hours: defer: Slack now; paged at the next opening if still in ALARM",
        "    e.g. an ALARM now is handled at 2026-12-28 (Mon) 09:00",
        // Sunday 2026-12-27 02:00 Tokyo: the next firing of cron(0 2 ? * SUN *) after Friday 19:00.
        "  maintenance api-* (weekly patching): cron(0 2 ? * SUN *) Asia/Tokyo, 60 min; next 2026-12-27 (Sun) 02:00-03:00; ALARMs go to Slack as silenced, one still in ALARM at the end is handled then",
        "",
        "Heartbeat of the pipeline",
        "  every 15 min a canary alarm's state change must reach the router (EventBridge → input transformer → queue → router)",
        '  a broken path pages level critical within 21 min of the last heartbeat routed, by a path without the router (README, "Heartbeat of the pipeline")',
        "",
        "On call",
      ]);
    });

    it("working hours: in hours (Tuesday 10:00 Tokyo) and on Friday 18:00 Tokyo", async () => {
      hasLine(
        r.stdout,
        "    now: open until 2026-11-24 (Tue) 18:00; then opens 2026-11-25 (Wed) 09:00",
      );
      hasLine(
        r.stdout,
        "    e.g. an ALARM at 2026-11-24 (Tue) 18:01 is handled at 2026-11-25 (Wed) 09:00",
      );
      const friday = await planCli({
        argv: ["--stack", "prod", "--no-color"],
        root: ROOT,
        now: new Date("2026-12-04T09:00:00Z"),
        colour: false,
      });
      hasLine(
        friday.stdout,
        "    now: closed; opens 2026-12-07 (Mon) 09:00; after 2026-12-07 (Mon) 18:00 next opens 2026-12-08 (Tue) 09:00",
      );
      // Friday 18:00 Tokyo is closed (ranges end exclusive): an ALARM now waits for Monday 09:00.
      hasLine(friday.stdout, "    e.g. an ALARM now is handled at 2026-12-07 (Mon) 09:00");
    });

    it("warns about the nine NOT_ACTIVATED channels and uses the existing replication set", () => {
      hasBlock(r.stdout, [
        "Warnings",
        '  ! 9 contact channel(s) will be created NOT_ACTIVATED and page nobody until each is activated with a code sent to the device (README: "Activate contact channels"): ie-prod-sato-email, ie-prod-sato-sms, ie-prod-sato-voice, ie-prod-suzuki-email, ie-prod-suzuki-sms, ie-prod-suzuki-voice, ie-prod-tanaka-email, ie-prod-tanaka-sms, ie-prod-tanaka-voice',
        IM_AVAILABILITY,
        "  ! Uses the account's existing replication set (replicationSet: existing).",
      ]);
    });

    it("never prints a phone number or an e-mail address", () => {
      assert.doesNotMatch(r.stdout, /\+8190000000\d\d|@example\.com/);
    });

    it("shows one region for every provider", () => {
      hasBlock(r.stdout, [
        "Providers (one region: ap-northeast-1)",
        "  aws (default provider) in ap-northeast-1 (from aws:region)",
        "  aws-native (provider escalation-aws-native) in ap-northeast-1 (from its region input)",
        "",
      ]);
    });
  });

  describe("prod example stack, --json", () => {
    let r: PlanResult;
    let doc: PlanDocument;
    before(async () => {
      r = await run(["--stack", "prod", "--json"]);
      doc = planDocumentSchema.parse(JSON.parse(r.stdout));
    });

    it("prints one JSON document, valid against its (strict) schema, equal to the returned one", () => {
      assert.equal(r.exitCode, 0);
      assert.equal(r.stderr, "");
      assert.ok(r.stdout.endsWith("}\n"));
      assert.deepEqual(doc, JSON.parse(JSON.stringify(r.document)));
      assert.equal(doc.stack, "prod");
      assert.equal(doc.plannedAt, "2026-11-24T01:00:00.000Z");
    });

    it("counts every resource that would be created, by type", () => {
      const byType = Object.values(doc.summary.byType).reduce((a, b) => a + b, 0);
      assert.equal(byType, doc.summary.total);
      const custom = doc.resources.filter((x) => !x.type.startsWith("incident-escalation:index:"));
      assert.equal(custom.length, doc.summary.total);
      for (const [type, n] of Object.entries(doc.summary.byType)) {
        assert.equal(custom.filter((x) => x.type === type).length, n, type);
      }
      assert.equal(doc.summary.byType[TYPES.channel], 9);
      assert.equal(doc.summary.byType[TYPES.fn], 2);
      assert.equal(doc.summary.byType[TYPES.responsePlan], 1);
    });

    it("shows contact channels' addresses as [secret]", () => {
      const sms = resource(doc, TYPES.channel, "escalation-sato-sms");
      assert.equal(sms.inputs.deliveryAddress, "[secret]");
      assert.equal(sms.inputs.type, "SMS");
      assert.equal(sms.inputs.name, "ie-prod-sato-sms");
      for (const ch of doc.resources.filter((x) => x.type === TYPES.channel)) {
        assert.equal(ch.inputs.deliveryAddress, "[secret]", ch.name);
      }
    });

    it("shows Lambda code as the bundle's path and SHA-256, not the code", () => {
      const bundle = "dist/bundles/router/index.js";
      const sha256 = createHash("sha256")
        .update(readFileSync(join(ROOT, bundle)))
        .digest("base64");
      const router = resource(doc, TYPES.fn, "escalation-router");
      assert.deepEqual(router.inputs.code, { bundle, sha256 });
      assert.equal(router.inputs.sourceCodeHash, sha256);
      assert.equal(router.inputs.runtime, "nodejs24.x");
    });

    it("shows references between resources as the mocked ARNs", () => {
      const dlq = resource(doc, TYPES.queue, "escalation-events-dlq");
      assert.equal(dlq.inputs.name, "ie-prod-events-dlq");
      const target = resource(doc, TYPES.target, "escalation-critical-router");
      assert.deepEqual(target.inputs.deadLetterConfig, {
        arn: "arn:aws:sqs:ap-northeast-1:123456789012:ie-prod-events-dlq",
      });
      const planArn = "arn:aws:ssm-incidents::123456789012:response-plan/ie-prod-critical";
      for (const name of ["escalation-router-pages-given-up", "escalation-events-dlq-depth"]) {
        const alarm = resource(doc, TYPES.alarm, name);
        assert.ok(
          (alarm.inputs.alarmActions as unknown[]).includes(planArn),
          `${name}: ${JSON.stringify(alarm.inputs.alarmActions)}`,
        );
      }
      // Raw Lambda errors include retries that may still succeed: Slack only, never a page.
      const errors = resource(doc, TYPES.alarm, "escalation-router-errors");
      assert.ok(!(errors.inputs.alarmActions as unknown[]).includes(planArn));
    });

    it("gives each resource its parent", () => {
      assert.equal(resource(doc, TYPES.pipeline, "escalation").parent, null);
      assert.equal(resource(doc, TYPES.channel, "escalation-sato-email").parent, "escalation-sato");
      assert.equal(resource(doc, TYPES.fn, "escalation-router").parent, "escalation-router");
      assert.equal(resource(doc, TYPES.queue, "escalation-events-dlq").parent, "escalation");
      const names = new Set(doc.resources.map((x) => x.name));
      for (const x of doc.resources) {
        if (x.parent !== null) assert.ok(names.has(x.parent), `${x.name}: parent ${x.parent}`);
      }
    });

    it("lists each provider with its region: the default aws one and the pipeline's aws-native one", () => {
      assert.deepEqual(doc.providers, [
        { package: "aws", provider: "default", region: "ap-northeast-1", from: "aws:region" },
        {
          package: "aws-native",
          provider: "escalation-aws-native",
          region: "ap-northeast-1",
          from: "its region input",
        },
      ]);
      const p = resource(doc, "pulumi:providers:aws-native", "escalation-aws-native");
      assert.equal(p.parent, "escalation");
      assert.equal(p.inputs.region, "ap-northeast-1");
    });

    it("has the critical timeline's exact events, the rotation and no violations", () => {
      assert.deepEqual(doc.timeline.critical?.events, PROD_CRITICAL_EVENTS);
      assert.equal(doc.timeline.critical?.endsAt, 30);
      assert.equal(doc.timeline.critical?.mode, "incident");
      assert.equal(doc.timeline.warning?.mode, "engage");
      assert.deepEqual(doc.timeline.warning?.events, [
        {
          at: 0,
          kind: "page",
          contact: "sato",
          channels: ["email"],
          via: "direct engagement → oncall:primary",
        },
        {
          at: 10,
          kind: "page",
          contact: "sato",
          channels: ["sms", "voice"],
          via: "direct engagement → oncall:primary",
        },
      ]);
      assert.deepEqual(doc.onCall, [
        {
          name: "primary",
          timeZone: "Asia/Tokyo",
          now: ["sato"],
          next: ["suzuki"],
          nextHandoff: "2026-11-30T00:00:00.000Z",
        },
      ]);
      assert.deepEqual(doc.violations, []);
      assert.equal(doc.warnings.length, 3);
    });

    it("never contains a phone number, an e-mail address or the webhook URL", () => {
      assert.doesNotMatch(r.stdout, /\+8190000000\d\d|@example\.com|tickets\.example\.com/);
    });
  });

  describe("selfhosted example stack (backend step-functions), text and --json", () => {
    let r: PlanResult;
    let doc: PlanDocument;
    before(async () => {
      r = await run(["--stack", "selfhosted", "--no-color"]);
      doc = (await run(["--stack", "selfhosted", "--json"])).document!;
    });

    it("exits 0 with no policy violation (no response plan is expected of this backend)", () => {
      assert.equal(r.exitCode, 0);
      assert.equal(r.stderr, "");
      hasBlock(r.stdout, ["Policies", "  no violations"]);
      hasLine(r.stdout, "OK: 0 advisory finding(s), no mandatory violation.");
    });

    it("would create no Incident Manager resource and no aws-native provider", () => {
      assert.deepEqual(
        doc.resources
          .map((x) => x.type)
          .filter((t) =>
            /^aws:ssm(contacts|incidents)\/|^aws-native:|^pulumi:providers:aws-native/.test(t),
          ),
        [],
      );
      assert.doesNotMatch(r.stdout, /ssmcontacts|ssmincidents|aws-native/);
      hasBlock(r.stdout, [
        "Providers (one region: ap-northeast-1)",
        "  aws (default provider) in ap-northeast-1 (from aws:region)",
        "",
      ]);
    });

    it("would create the engine, the ack endpoint, the self-page rule and the delivery-events rules (e-mail, SMS, voice)", () => {
      assert.deepEqual(
        doc.resources
          .filter((x) =>
            [
              "aws:sfn/stateMachine:StateMachine",
              "aws:lambda/functionUrl:FunctionUrl",
              "aws:cloudwatch/eventRule:EventRule",
            ].includes(x.type),
          )
          .map((x) => `${x.type} ${x.name}`)
          .sort(),
        [
          "aws:cloudwatch/eventRule:EventRule escalation-critical",
          "aws:cloudwatch/eventRule:EventRule escalation-engine-delivery-events-email",
          "aws:cloudwatch/eventRule:EventRule escalation-engine-delivery-events-sms",
          "aws:cloudwatch/eventRule:EventRule escalation-engine-delivery-events-voice",
          "aws:cloudwatch/eventRule:EventRule escalation-heartbeat",
          "aws:cloudwatch/eventRule:EventRule escalation-self-page",
          "aws:cloudwatch/eventRule:EventRule escalation-warning",
          "aws:lambda/functionUrl:FunctionUrl escalation-ack-url",
          "aws:sfn/stateMachine:StateMachine escalation-engine-state-machine",
        ],
      );
    });

    it("shows the critical level's paging timeline in prod's format", () => {
      hasBlock(r.stdout, [
        "    alarm ie-selfhosted-critical-api-5xx: AWS/ApplicationELB HTTPCode_Target_5XX_Count Sum >= 50 (2 of 3 × 60s)",
        "    alarm ie-selfhosted-critical-api-latency-p99: AWS/ApplicationELB TargetResponseTime p99 > 3 (3 of 5 × 60s)",
        "    paging timeline (stops when an essential target acknowledges):",
        "      T+0   stage 1 (15 min) → oncall:primary [on call now: sato]",
        "      T+0   email       sato",
        "      T+10  SMS, voice  sato",
        "      T+15  stage 2 (15 min) → tanaka",
        "      T+15  email       tanaka",
        "      T+25  SMS, voice  tanaka",
        "      T+30  round ends unacknowledged: Slack says so and all stages run again (2 more rounds at most)",
      ]);
      assert.ok(
        r.stdout.includes(
          "  critical  impact 1 · opens an incident (an execution of state machine ie-selfhosted-escalation)\n",
        ),
      );
      assert.doesNotMatch(r.stdout, /response plan|does not repeat/);
      hasBlock(r.stdout, [
        "On call",
        "  oncall:primary (Asia/Tokyo): now sato; next suzuki from 2026-11-30 09:00",
      ]);
    });

    it("has no Incident Manager warning (availability, replication set, channels to activate)", () => {
      assert.ok(!lines(r.stdout).includes(IM_AVAILABILITY));
      assert.doesNotMatch(r.stdout, /replication set|NOT_ACTIVATED/);
    });

    it("never prints a phone number or an e-mail address but the sender's", () => {
      assert.doesNotMatch(r.stdout, /\+8190000000\d\d|(sato|suzuki|tanaka)@example\.com/);
      assert.doesNotMatch(
        JSON.stringify(doc),
        /\+8190000000\d\d|(sato|suzuki|tanaka)@example\.com/,
      );
    });

    it("an SMS origination identity given as a phone number: the IAM scope warning", async () => {
      const dir = mkdtempSync(join(tmpdir(), "plan-selfhosted-"));
      try {
        const file = join(dir, "Pulumi.selfhosted.yaml");
        writeFileSync(
          file,
          readFileSync(join(ROOT, "Pulumi.selfhosted.yaml"), "utf8").replace(
            "originationIdentity: pool-0123456789abcdef0123456789abcdef",
            'originationIdentity: "+81500000000"',
          ),
        );
        const phone = await run(["--config-file", file, "--no-color"]);
        assert.equal(phone.exitCode, 0, phone.stderr);
        hasLine(
          phone.stdout,
          "  ! channels.sms.originationIdentity is a phone number: the engine may send SMS from any phone number of this account and region (its IAM ARN needs the phone number ID). Give the phone number ID (phone-...) or ARN to allow only that number.",
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("provider regions (pure: recorded resources, config, environment)", () => {
    const rec = (
      type: string,
      name: string,
      provider: string | null = null,
      inputs: Record<string, unknown> = {},
    ): RecordedResource => ({
      type,
      name,
      urn: `urn:pulumi:s::p::${type}::${name}`,
      parent: null,
      custom: true,
      inputs,
      secretPaths: [],
      dependencies: [],
      protect: false,
      retainOnDelete: false,
      id: `${name}-id`,
      provider,
    });
    const topic = rec("aws:sns/topic:Topic", "t");
    const key = rec("random:index/randomPassword:RandomPassword", "k");
    const mine = rec("pulumi:providers:aws-native", "mine", null, { region: "ap-northeast-1" });
    const viaMine = rec("aws-native:ssmcontacts:Contact", "oncall", "mine");
    const viaDefault = rec("aws-native:ssmcontacts:Contact", "oncall");
    const TOKYO = { "aws:region": "ap-northeast-1" };

    it("an explicit aws-native provider: its region input; random has no region and is left out", () => {
      const p = providerRegions([topic, key, mine, viaMine], TOKYO, { AWS_REGION: "us-east-1" });
      assert.deepEqual(p, [
        { package: "aws", provider: "default", region: "ap-northeast-1", from: "aws:region" },
        {
          package: "aws-native",
          provider: "mine",
          region: "ap-northeast-1",
          from: "its region input",
        },
      ]);
      assert.equal(providerRegionProblem(p), undefined);
    });

    it("the default aws-native provider never reads aws:region: no region, and the plan says so", () => {
      const p = providerRegions([topic, viaDefault], TOKYO, {});
      assert.deepEqual(p[1], {
        package: "aws-native",
        provider: "default",
        region: null,
        from: "none of aws-native:region, AWS_REGION, AWS_DEFAULT_REGION is set",
      });
      assert.equal(
        providerRegionProblem(p),
        'aws-native (default provider) has no region (none of aws-native:region, AWS_REGION, AWS_DEFAULT_REGION is set): the provider would stop with "missing required configuration key". The program gives aws-native resources a provider in the aws provider\'s region; a resource outside it needs one too.',
      );
    });

    it("the default aws-native provider with AWS_REGION elsewhere: two regions, named", () => {
      const p = providerRegions([topic, viaDefault], TOKYO, {
        AWS_REGION: "us-east-1",
        AWS_DEFAULT_REGION: "eu-west-1",
      });
      assert.equal(
        providerRegionProblem(p),
        "the providers would deploy to 2 regions: aws (default provider) in ap-northeast-1 (from aws:region); aws-native (default provider) in us-east-1 (from AWS_REGION). Incident Manager contacts, rotations and response plans must be in one region.",
      );
    });

    it("the default aws-native provider with aws-native:region set to the same region: fine", () => {
      const p = providerRegions(
        [topic, viaDefault],
        { ...TOKYO, "aws-native:region": "ap-northeast-1" },
        { AWS_DEFAULT_REGION: "eu-west-1" },
      );
      assert.deepEqual(p[1], {
        package: "aws-native",
        provider: "default",
        region: "ap-northeast-1",
        from: "aws-native:region",
      });
      assert.equal(providerRegionProblem(p), undefined);
    });
  });

  describe("config errors and usage", () => {
    it("an invalid config: exit 2, every problem with its path on stderr, no stack trace", async () => {
      const r = await run(["--config-file", fixture("invalid.yaml")]);
      assert.equal(r.exitCode, 2);
      assert.equal(r.stdout, "");
      assert.equal(r.document, undefined);
      const err = lines(r.stderr);
      const header = /^invalid\.yaml \(stack "dev"\) has (\d+) problems:$/.exec(err[0] ?? "");
      assert.ok(header, r.stderr);
      const problems = err.filter((l) => l.startsWith("  - "));
      assert.equal(problems.length, Number(header[1]));
      for (const line of [
        '  - incidentManager.replicationSet: must be "existing" (the account already has a replication set) or { regions: [<region>, ...] } to create one',
        '  - contacts[0].alias: "Sato" is not a valid contact name (lower-case letters, digits, "_" and "-", starting with a letter or digit)',
        "  - contacts[0].phone: is not E.164 (+<country><number>, digits only, e.g. +819012345678); the value is not shown because it is personal data",
        '  - contacts[0].engagement[0].via[0]: "pigeon" is not a channel; use one of: email, sms, voice',
        "  - escalation[0].minutes: 45 min is above the maximum 30 min",
        '  - escalation[0].engage[0]: "nobody" is not a contact alias (or oncall:<rotation>); define it under contacts',
        "  - levels.critical.impact: 9 is above the maximum 5",
        "  - alarms[0].metric.period: 45 s is not a CloudWatch period; use 10, 30 or a multiple of 60",
      ]) {
        hasLine(r.stderr, line);
      }
      // The list of known keys grows with the contract; the line starts the same.
      assert.ok(
        err.some((l) =>
          l.startsWith(
            '  - contactz: unknown key "incident-escalation:contactz"; known keys: prefix, incidentManager, contacts,',
          ),
        ),
        r.stderr,
      );
      const paths = new Set(problems.map((l) => l.slice(4).split(": ")[0]));
      assert.ok(paths.size >= 8, [...paths].join(", "));
      assert.ok(!r.stderr.includes("    at "), r.stderr);
      assert.ok(!r.stderr.includes("090-1234"), "the invalid phone number is personal data");
    });

    it("a file that is not YAML: exit 2, one line naming the file", async () => {
      // Written at run time: a broken YAML file in the repository would break `prettier --check .`.
      const dir = mkdtempSync(join(tmpdir(), "plan-spec-"));
      const broken = join(dir, "broken.yaml");
      writeFileSync(broken, "config:\n  incident-escalation:levels: { critical: [\n");
      const r = await run(["--config-file", broken]);
      rmSync(dir, { recursive: true, force: true });
      assert.equal(r.exitCode, 2);
      assert.equal(r.stdout, "");
      assert.match(r.stderr, /^\S*broken\.yaml: not valid YAML \(.+\)\n$/);
    });

    it("--help: exit 0, usage on stdout", async () => {
      const r = await run(["--help"]);
      assert.equal(r.exitCode, 0);
      assert.equal(r.stderr, "");
      assert.match(r.stdout, /^Usage: npm run plan -- \[--stack <name>\]/);
      assert.match(r.stdout, /Exit codes: 0 fine \(advisory findings allowed\), 1 mandatory/);
    });

    const usageErrors: { name: string; argv: string[]; message: RegExp }[] = [
      {
        name: "an unknown flag",
        argv: ["--stakc", "prod"],
        message: /^plan: Unknown option '--stakc'/,
      },
      { name: "a positional argument", argv: ["prod"], message: /^plan: .*prod/ },
      {
        name: "--stack without a value",
        argv: ["--stack"],
        message: /^plan: Option '--stack <value>'/,
      },
      {
        name: "a stack with no file",
        argv: ["--stack", "nope"],
        message: /^plan: \S*Pulumi\.nope\.yaml: no such stack config file\n/,
      },
      {
        name: "a missing --config-file",
        argv: ["--config-file", fixture("missing.yaml")],
        message: /^plan: \S*missing\.yaml: no such stack config file\n/,
      },
      {
        name: "a missing --policy-config",
        argv: ["--stack", "dev", "--policy-config", fixture("missing.json")],
        message: /^plan: --policy-config \S*missing\.json: ENOENT/,
      },
    ];
    for (const c of usageErrors) {
      it(`${c.name}: exit 2 with the usage on stderr`, async () => {
        const r = await run(c.argv);
        assert.equal(r.exitCode, 2);
        assert.equal(r.stdout, "");
        assert.match(r.stderr, c.message);
        assert.match(r.stderr, /\n\nUsage: npm run plan -- /);
        assert.ok(!r.stderr.includes("    at "), r.stderr);
      });
    }
  });

  describe("policy violations and exit codes", () => {
    const ORPHAN_LINE = (tag: string) =>
      `  ${tag} every-alarm-routed  escalation-info-queue-age: alarm ie-dev-info-queue-age at level info has no rule: it can never page`;
    const ORPHAN_VIOLATION = {
      policy: "every-alarm-routed",
      resource: "escalation-info-queue-age",
      message: "alarm ie-dev-info-queue-age at level info has no rule: it can never page",
    };

    it("an alarm at a level with no rule, which the pack config says must page: mandatory, exit 1", async () => {
      const argv = [
        "--config-file",
        fixture("orphan.yaml"),
        "--policy-config",
        fixture("orphan-policy.json"),
      ];
      const text = await run([...argv, "--no-color"]);
      assert.equal(text.exitCode, 1);
      hasLine(text.stdout, ORPHAN_LINE("[mandatory]"));
      hasLine(text.stdout, "  info  impact 5 · notifies only, pages nobody");
      hasLine(text.stdout, "1 mandatory violation(s), 0 advisory: this stack would be blocked.");
      const json = await run([...argv, "--json"]);
      assert.equal(json.exitCode, 1);
      const doc = planDocumentSchema.parse(JSON.parse(json.stdout));
      assert.deepEqual(doc.violations, [{ ...ORPHAN_VIOLATION, enforcementLevel: "mandatory" }]);
    });

    it("the same alarm with the policy set to advisory: listed, exit 0", async () => {
      const r = await run([
        "--config-file",
        fixture("orphan.yaml"),
        "--policy-config",
        fixture("orphan-policy-advisory.json"),
        "--json",
      ]);
      assert.equal(r.exitCode, 0);
      assert.deepEqual(r.document?.violations, [
        { ...ORPHAN_VIOLATION, enforcementLevel: "advisory" },
      ]);
    });

    it("the same alarm without the pack config: a notify-only level need not page, exit 0", async () => {
      const r = await run(["--config-file", fixture("orphan.yaml"), "--json"]);
      assert.equal(r.exitCode, 0);
      assert.deepEqual(r.document?.violations, []);
    });

    const VOICE = {
      policy: "no-voice-first",
      resource: "escalation-sato-plan",
      message:
        "contact ie-dev-sato is phoned in stage 1 of its engagement plan (channel ie-dev-sato-voice): start with e-mail or SMS and call in a later stage, or set allowVoiceInFirstStage",
    };

    it("voice in a contact's first stage: advisory, listed, exit 0", async () => {
      const r = await run(["--config-file", fixture("voice-first.yaml"), "--no-color"]);
      assert.equal(r.exitCode, 0);
      hasBlock(r.stdout, [
        "Policies",
        `  [advisory]  ${VOICE.policy}  ${VOICE.resource}: ${VOICE.message}`,
      ]);
      hasLine(r.stdout, "      T+0   voice       sato");
      hasLine(r.stdout, "      T+5   email, SMS  sato");
      hasLine(r.stdout, "OK: 1 advisory finding(s), no mandatory violation.");
      assert.deepEqual(r.document?.violations, [{ ...VOICE, enforcementLevel: "advisory" }]);
    });

    it("voice in a contact's first stage with the policy made mandatory: exit 1", async () => {
      const r = await run([
        "--config-file",
        fixture("voice-first.yaml"),
        "--policy-config",
        fixture("voice-first-mandatory.json"),
        "--no-color",
      ]);
      assert.equal(r.exitCode, 1);
      hasLine(r.stdout, `  [mandatory] ${VOICE.policy}  ${VOICE.resource}: ${VOICE.message}`);
      assert.deepEqual(r.document?.violations, [{ ...VOICE, enforcementLevel: "mandatory" }]);
    });
  });

  describe("secrets", () => {
    // Every address, URL and key in tests/tools/fixtures/secrets.yaml, the `secure:` ciphertexts
    // and the placeholders that stand in for them offline.
    const NEVER = [
      "+819011112222",
      "819011112222",
      "unique.person@corp.example",
      "unique.person",
      "https://hooks.corp.example/very/secret/path",
      "hooks.corp.example",
      "very/secret/path",
      "sk-4f9a1c7e2b8d6035a1f4c9e7b2d8a6f0",
      "4f9a1c7e2b8d6035",
      "v1:",
      "c2VjdXJl",
      "secret@example.invalid",
      "+10000000000",
      "secret.example.invalid",
      "placeholder-value",
    ];
    const SECURE_WARNING =
      "4 secure config value(s) cannot be decrypted offline and are shown as [secret] (placeholders were used): contacts[1].email, contacts[1].phone, notifications.webhooks[1].url, notifications.webhooks[1].signingKey";

    for (const format of ["text", "json"] as const) {
      it(`are never printed (${format})`, async () => {
        const r = await run([
          "--config-file",
          fixture("secrets.yaml"),
          ...(format === "json" ? ["--json"] : ["--no-color"]),
        ]);
        assert.equal(r.exitCode, 0, r.stderr);
        for (const s of NEVER) {
          assert.ok(!r.stdout.includes(s), `${format} output contains ${s}`);
          assert.ok(!r.stderr.includes(s), `stderr contains ${s}`);
        }
        assert.ok(r.stdout.includes("[secret]"));
        if (format === "text") {
          hasLine(r.stdout, `  ! ${SECURE_WARNING}`);
          hasLine(
            r.stdout,
            "    also: Slack (ALARM and OK); webhooks: ticketing, pager-bridge (ALARM and OK)",
          );
        } else {
          const doc = planDocumentSchema.parse(JSON.parse(r.stdout));
          assert.ok(doc.warnings.includes(SECURE_WARNING), doc.warnings.join("\n"));
          const channels = doc.resources.filter((x) => x.type === TYPES.channel);
          assert.equal(channels.length, 5);
          for (const ch of channels) assert.equal(ch.inputs.deliveryAddress, "[secret]", ch.name);
        }
      });
    }
  });

  describe("colour", () => {
    it("only when the caller asks for it and --no-color is not given; never in JSON", async () => {
      const coloured = await run(["--stack", "dev"], true);
      assert.ok(coloured.stdout.includes(`${ESC}1mincident-escalation plan — stack dev${ESC}22m`));
      assert.ok(coloured.stdout.includes(`${ESC}32mOK: 2 advisory finding(s)`));
      for (const [argv, colour] of [
        [["--stack", "dev"], false],
        [["--stack", "dev", "--no-color"], true],
        [["--stack", "dev", "--json"], true],
        [["--stack", "prod", "--json"], true],
      ] as const) {
        const r = await run([...argv], colour);
        assert.ok(!r.stdout.includes(ESC), `${argv.join(" ")} colour=${colour}`);
        assert.ok(!r.stderr.includes(ESC), `${argv.join(" ")} colour=${colour}`);
      }
    });
  });

  describe("the CLI", () => {
    it("runs end to end as `npm run plan -- --stack dev`: exit 0, no colour when not a terminal", () => {
      const env: NodeJS.ProcessEnv = { ...process.env, TERM: "xterm-256color" };
      delete env.NO_COLOR;
      delete env.FORCE_COLOR;
      const r = spawnSync(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", "cli/plan.ts", "--stack", "dev"],
        { cwd: ROOT, env, encoding: "utf8", timeout: 60_000, stdio: ["ignore", "pipe", "pipe"] },
      );
      assert.equal(r.error, undefined);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, "");
      assert.equal(lines(r.stdout)[0], "incident-escalation plan — stack dev");
      hasLine(r.stdout, "      T+0   email       sato");
      hasLine(r.stdout, "OK: 2 advisory finding(s), no mandatory violation.");
      assert.ok(!r.stdout.includes(ESC), "colour in non-TTY output");
    });
  });
});

describe("plan warnings of the step-functions backend (stepFunctionsSandboxWarnings)", () => {
  const contacts = [
    { alias: "sato", engagement: [{ via: ["email"] }, { via: ["sms"] }] },
    { alias: "suzuki", engagement: [{ via: ["email"] }] },
    { alias: "tanaka", engagement: [{ via: ["email", "sms"] }] },
  ];

  it("step-functions: the SES sandbox (https://docs.aws.amazon.com/ses/latest/dg/request-production-access.html) and the SMS sandbox (https://docs.aws.amazon.com/sms-voice/latest/userguide/sandbox.html), by alias", () => {
    assert.deepEqual(stepFunctionsSandboxWarnings({ backend: "step-functions", contacts }), [
      "SES sandbox: a new account (per region) mails only verified addresses and domains, so 3 contact(s) paging by e-mail (sato, suzuki, tanaka) get nothing until their addresses are verified identities or the account has production access (GetAccount ProductionAccessEnabled); `npm run preflight` checks, `npm run activate` verifies the addresses (https://docs.aws.amazon.com/ses/latest/dg/request-production-access.html).",
      "End User Messaging SMS sandbox: a new account texts only verified destination numbers (at most 10), so 2 contact(s) paging by SMS (sato, tanaka) get nothing until `npm run activate` verifies their numbers or the account moves to production; texts also stop at the monthly spend limit, and a person who replies STOP gets no more texts (https://docs.aws.amazon.com/sms-voice/latest/userguide/sandbox.html).",
    ]);
  });

  it("no contact pages by SMS: only the SES warning", () => {
    const w = stepFunctionsSandboxWarnings({
      backend: "step-functions",
      contacts: [{ alias: "suzuki", engagement: [{ via: ["email"] }] }],
    });
    assert.equal(w.length, 1);
    assert.ok(
      w[0]?.startsWith(
        "SES sandbox: a new account (per region) mails only verified addresses and domains, so 1 contact(s) paging by e-mail (suzuki) get nothing",
      ),
    );
  });

  it("incident-manager: none (its channels are activated, not sandboxed)", () => {
    assert.deepEqual(stepFunctionsSandboxWarnings({ backend: "incident-manager", contacts }), []);
  });
});

describe("plan warnings of the voice channel (voiceChannelWarnings)", () => {
  const voice = {
    connectInstanceId: "00000000-0000-0000-0000-000000000000",
    sourcePhoneNumber: "+815000000000",
  };
  const contacts = [
    { alias: "sato", phone: "+819000000001", engagement: [{ via: ["email"] }, { via: ["voice"] }] },
    { alias: "suzuki", phone: "+81312345678", engagement: [{ via: ["sms", "voice"] }] },
    { alias: "tanaka", phone: "+14155550100", engagement: [{ via: ["voice"] }] },
    { alias: "kato", phone: "+818000000004", engagement: [{ via: ["sms"] }] },
  ];

  it("a Japanese caller ID and a Japanese mobile: the instance, the number (https://docs.aws.amazon.com/connect/latest/adminguide/connect-tokyo-region.html, .../number-request.html) and the allowlist (https://docs.aws.amazon.com/connect/latest/adminguide/country-code-allow-list.html), by alias", () => {
    assert.deepEqual(
      voiceChannelWarnings({ backend: "step-functions", channels: { voice }, contacts }),
      [
        "Amazon Connect: 3 contact(s) paged by voice (sato, suzuki, tanaka) are called from instance 00000000-0000-0000-0000-000000000000 with caller ID +815000000000. The instance must exist in this region with outbound calling enabled (DescribeInstance OutboundCallsEnabled) and the number must be claimed on it; the stack associates the flow's Lambda with the instance (https://docs.aws.amazon.com/connect/latest/adminguide/connect-lambda-functions.html). `npm run preflight` checks all three.",
        "Japanese caller ID +815000000000: Amazon Connect gives Japanese numbers (DID 050 or Tokyo 03, toll-free 0120 or 0800) only to a business located in Japan, through an AWS Support case with three identification documents (https://docs.aws.amazon.com/connect/latest/adminguide/connect-tokyo-region.html); such requests usually take 2-6 weeks, up to 60 days (https://docs.aws.amazon.com/connect/latest/adminguide/number-request.html). Claim the number before you rely on calls.",
        "Japanese mobiles: 1 contact(s) called by voice (sato) have a Japanese mobile number (+81 70/80/90), which Amazon Connect may not call by default; open an AWS Support case (Connect (Number Management), Country Allowlisting for Outbound Calls) and test a call before relying on it (https://docs.aws.amazon.com/connect/latest/adminguide/country-code-allow-list.html).",
      ],
    );
  });

  it("a US caller ID and no Japanese mobile called: only the instance warning", () => {
    const w = voiceChannelWarnings({
      backend: "step-functions",
      channels: { voice: { ...voice, sourcePhoneNumber: "+14155550199" } },
      contacts: contacts.filter((c) => c.alias !== "sato"),
    });
    assert.equal(w.length, 1);
    assert.ok(w[0]?.startsWith("Amazon Connect: 2 contact(s) paged by voice (suzuki, tanaka)"));
  });

  it("no warning without voice: no channels.voice, nobody paged by voice, or incident-manager", () => {
    assert.deepEqual(voiceChannelWarnings({ backend: "step-functions", contacts }), []);
    assert.deepEqual(
      voiceChannelWarnings({
        backend: "step-functions",
        channels: { voice },
        contacts: [contacts[3]],
      }),
      [],
    );
    assert.deepEqual(
      voiceChannelWarnings({ backend: "incident-manager", channels: { voice }, contacts }),
      [],
    );
  });

  it("never prints a contact's number", () => {
    const text = voiceChannelWarnings({
      backend: "step-functions",
      channels: { voice },
      contacts,
    }).join("\n");
    for (const c of contacts) {
      assert.ok(!text.includes(c.phone) && !text.includes(c.phone.slice(1)), c.alias);
    }
  });
});

describe("working hours in the plan (hoursFacts, outsideHoursText; pure)", () => {
  const office = {
    timeZone: "Asia/Tokyo",
    hours: { "mon-fri": "09:00-18:00", sat: "10:00-12:00" },
    holidays: ["jp"],
    closed: ["2027-01-04"],
  };
  const facts = hoursFacts(
    {
      calendars: { office },
      levels: {
        critical: { outsideHours: { calendar: "office", then: "page" } },
        major: { outsideHours: { calendar: "office", then: "defer" } },
        minor: { outsideHours: { calendar: "office", then: "notify" } },
        page: {},
      },
    },
    { critical: "incident", major: "engage", minor: "engage", page: "incident" },
    new Date("2026-12-31T09:00:00Z"),
  );

  it("a paging level that defers is paged at the next opening; notify and as-level say so", () => {
    assert.deepEqual(
      facts.levels.map((l) => `${l.level}: ${outsideHoursText(l)}`),
      [
        "critical: as level page (opens an incident)",
        "major: defer: Slack now; paged at the next opening if still in ALARM",
        "minor: notify: Slack and webhooks only, pages nobody",
      ],
    );
  });

  it("the calendar's weekly hours, closed days and next opening (Thursday 18:00 Tokyo, New Year)", () => {
    const c = facts.calendars[0]!;
    assert.deepEqual(c.hours, ["mon-fri 09:00-18:00", "sat 10:00-12:00"]);
    // 2027-01-01 元日 (Fri), Sat 2 10:00 opens; Mon 4 is company-closed; Mon 11 成人の日.
    assert.deepEqual(
      c.nextClosed.map((d) => `${d.date} ${d.ja}`),
      [
        "2027-01-01 元日",
        "2027-01-04 会社休業日",
        "2027-01-11 成人の日",
        "2027-02-11 建国記念の日",
        "2027-02-23 天皇誕生日",
      ],
    );
    assert.equal(c.openNow, false);
    assert.equal(c.opens, "2027-01-02T01:00:00.000Z");
    assert.equal(c.closes, "2027-01-02T03:00:00.000Z");
    assert.equal(c.reopens, "2027-01-05T00:00:00.000Z");
  });
});
