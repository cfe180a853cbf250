// Responder guide (tools/guide.ts; its command line cli/guide.ts): for both example stacks, the
// Markdown that `buildGuide` builds at a fixed moment holds the exact escalation lines of each level (from buildTimeline), the
// on-call line with the hand-off in the rotation's time zone, the call rules (press 1, never 9,
// US or withheld number, contact card, Do Not Disturb), how to acknowledge by SMS code and e-mail,
// and the activation steps; the e-mail-only dev stack does not present SMS or calls as its
// channels but says how to add them and still states the rule about 9; no phone number or e-mail
// address of the config appears. Drill schedules are rendered in words (table of expressions),
// with and without `drills` in the config. The CLI is run as a child process: --help, --stack,
// an invalid config file (exit 2 with config paths), --out.
//
// What this does NOT prove: the real wording of AWS's e-mails, SMS and calls (what the guide says
// about them comes from the AWS documentation and the project's design notes, not from a
// received page); that pressing 9 has exactly the effect described, or that the console path to
// the contact card is still "Download contact card"; that Incident Manager resolves a rotation as
// tools/timeline.ts does (its own spec and `list-preview-rotation-shifts` are the reference);
// that the Markdown renders as intended on any particular viewer; that EventBridge Scheduler
// accepts the drill expressions (only their rendering is checked; the schema validates them).
// Office hours (ja and en) at fixed instants: prod's calendar, its next days off by name and
// next opening, what prod's warning and a deferring critical level do outside hours; that the
// router really defers so is pinned by the router's specs, not here.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as prettier from "prettier";
import { parse, stringify } from "yaml";
import { rawConfigFrom, validateRawConfig } from "../../config/load";
import { StackConfig, parseStackConfig } from "../../config/schema";
import { guideCli } from "../../cli/guide";
import { buildGuide, describeSchedule, drillsOf } from "../../tools/guide";
import { readStackFile } from "../../tools/stackFile";
import { message } from "../../handlers/shared/messages";

const ROOT = join(__dirname, "..", "..");
/** A Wednesday; the prod rotation (weekly, Monday 09:00 Asia/Tokyo from 2026-01-05) has sato. */
const NOW = new Date("2026-03-04T00:00:00Z");

function rawOf(stack: string): Record<string, unknown> {
  const { raw, issues } = rawConfigFrom(readStackFile(join(ROOT, `Pulumi.${stack}.yaml`)).config);
  assert.deepEqual(issues, []);
  return raw;
}
function configOf(stack: string): StackConfig {
  return validateRawConfig(rawOf(stack), [], stack);
}
/** The prod config with `drills` added (cast: the schema may not declare the key yet). */
function withDrills(drills: unknown): StackConfig {
  return { ...configOf("prod"), drills } as unknown as StackConfig;
}
function lines(md: string): string[] {
  return md.split("\n");
}
/** The text of a `## heading` section, up to the next `## `. */
function section(md: string, heading: string): string {
  const start = md.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `no section "${heading}"`);
  const end = md.indexOf("\n## ", start + 1);
  return md.slice(start, end < 0 ? undefined : end);
}

const PROD = configOf("prod");
const DEV = configOf("dev");
const prodGuide = buildGuide(PROD, "prod", NOW);
const devGuide = buildGuide(DEV, "dev", NOW);

const PROD_CRITICAL = [
  "### critical: impact 1, opens an incident",
  "",
  "Alarms: `ie-prod-critical-api-5xx`, `ie-prod-critical-api-latency-p99`.",
  "",
  "- `T+0` **stage 1** (15 min): on-call rotation `primary`, on call now: Sato Hanako (`sato`)",
  "- `T+0` Sato Hanako (`sato`): email",
  "- `T+10` Sato Hanako (`sato`): SMS, voice",
  "- `T+15` **stage 2** (15 min): Tanaka Jiro (`tanaka`)",
  "- `T+15` Tanaka Jiro (`tanaka`): email",
  "- `T+25` Tanaka Jiro (`tanaka`): SMS, voice",
  "- `T+30` the escalation plan ends; it does not repeat",
  "",
  "Stops as soon as an essential target acknowledges. Also goes to Slack and webhooks (`ticketing`), on ALARM and when the alarm recovers (OK).",
].join("\n");

const PROD_WARNING = [
  "### warning: impact 3, engages people directly, no incident",
  "",
  "Alarms: `ie-prod-warning-api-5xx`, `ie-prod-warning-api-latency-p99`.",
  "",
  "- `T+0` Sato Hanako (`sato`): email",
  "- `T+10` Sato Hanako (`sato`): SMS, voice",
  "",
  "Nobody else is engaged: there is no escalation beyond these people. Also goes to Slack and webhooks (`ticketing`), on ALARM and when the alarm recovers (OK).",
].join("\n");

const DEV_CRITICAL = [
  "### critical: impact 2, opens an incident",
  "",
  "Alarms: `ie-dev-critical-api-5xx`.",
  "",
  "- `T+0` **stage 1** (10 min): Sato Hanako (`sato`)",
  "- `T+0` Sato Hanako (`sato`): email",
  "- `T+10` **stage 2** (10 min): Suzuki Ichiro (`suzuki`)",
  "- `T+10` Suzuki Ichiro (`suzuki`): email",
  "- `T+20` the escalation plan ends; it does not repeat",
  "",
  "Stops as soon as an essential target acknowledges. Also goes to Slack, on ALARM and when the alarm recovers (OK).",
].join("\n");

const PROD_ONCALL =
  "- On-call rotation `primary`: on call now **Sato Hanako (`sato`)**; next Suzuki Ichiro (`suzuki`) from Mon 2026-03-09 09:00 Asia/Tokyo";

describe("responder guide (tools/guide.ts)", () => {
  describe("level timelines and on call", () => {
    it("prod: the exact escalation lines of each level, most severe first", () => {
      assert.ok(prodGuide.includes(PROD_CRITICAL), prodGuide);
      assert.ok(prodGuide.includes(PROD_WARNING));
      assert.ok(prodGuide.indexOf(PROD_CRITICAL) < prodGuide.indexOf(PROD_WARNING));
    });

    it("dev: the exact escalation lines of each level", () => {
      assert.ok(devGuide.includes(DEV_CRITICAL), devGuide);
      assert.ok(devGuide.includes("### warning: impact 4, pages nobody"));
      assert.ok(
        devGuide.includes(
          "Pages nobody. Goes to Slack, on ALARM and when the alarm recovers (OK).",
        ),
      );
    });

    it("prod: who is on call now and next, with the hand-off in the rotation's time zone", () => {
      const oncall = section(prodGuide, "Who is on call");
      assert.ok(lines(oncall).includes(PROD_ONCALL), oncall);
      assert.ok(oncall.includes("Resolved for 2026-03-04T00:00:00.000Z"));
      assert.ok(oncall.includes("aws ssm-contacts list-preview-rotation-shifts"));
      assert.ok(lines(section(prodGuide, "At a glance")).includes(PROD_ONCALL));
    });

    it("prod: after the Monday hand-off the rotation and the stage-1 pages move to suzuki", () => {
      const later = buildGuide(PROD, "prod", new Date("2026-03-09T00:00:01Z")); // 09:00:01 JST
      assert.ok(
        lines(later).includes(
          "- On-call rotation `primary`: on call now **Suzuki Ichiro (`suzuki`)**; next Sato Hanako (`sato`) from Mon 2026-03-16 09:00 Asia/Tokyo",
        ),
      );
      const ls = lines(later);
      assert.ok(
        ls.includes(
          "- `T+0` **stage 1** (15 min): on-call rotation `primary`, on call now: Suzuki Ichiro (`suzuki`)",
        ),
      );
      assert.ok(ls.includes("- `T+10` Suzuki Ichiro (`suzuki`): SMS, voice"));
      assert.ok(!ls.includes("- `T+10` Sato Hanako (`sato`): SMS, voice"));
    });

    it("dev: says there is no rotation", () => {
      assert.ok(
        section(devGuide, "Who is on call").includes(
          "This stack has no on-call rotation: every stage pages named people.",
        ),
      );
    });

    it("says the timeline is the plan and Incident Manager is the source of truth", () => {
      for (const g of [prodGuide, devGuide]) {
        const s = section(g, "Who is paged when, by level");
        assert.ok(s.includes("**This timeline is the plan**"));
        assert.ok(s.includes("**Incident Manager is the source of truth**"));
      }
    });

    it("renders direct engagement, non-essential stages and resolve-on-recovery", () => {
      const raw = structuredClone(rawOf("prod")) as {
        levels: Record<string, Record<string, unknown>>;
        escalation: Record<string, unknown>[];
      };
      raw.levels.warning = { impact: 3, page: false, engage: ["oncall:primary"] };
      raw.levels.critical.resolveOnRecovery = true;
      raw.escalation[1].essential = false;
      const g = buildGuide(parseStackConfig(raw), "prod", NOW);
      const ls = lines(g);
      assert.ok(ls.includes("### critical: impact 1, opens an incident, resolved on recovery"));
      assert.ok(
        ls.includes("- `T+15` **stage 2** (15 min): Tanaka Jiro (`tanaka`) (not essential)"),
      );
      assert.ok(ls.includes("### warning: impact 3, engages people directly, no incident"));
      // The warning level's block: up to the next section (Office hours, then Drills).
      const warning = g.slice(
        g.indexOf("### warning"),
        g.indexOf("\n## ", g.indexOf("### warning")),
      );
      assert.deepEqual(
        lines(warning).filter((l) => l.startsWith("- ")),
        ["- `T+0` Sato Hanako (`sato`): email", "- `T+10` Sato Hanako (`sato`): SMS, voice"],
      );
      assert.ok(
        warning.includes("Nobody else is engaged: there is no escalation beyond these people."),
      );
      assert.ok(g.includes("stages marked _not essential_ below do not"));
      assert.ok(g.includes("resolved by the stack when the alarm returns to OK"));
      assert.ok(
        g.includes('send the subject `[<level>] CloudWatch alarm "<alarm name>" is in ALARM`'),
      );
    });
  });

  describe("channels, calls and acknowledging", () => {
    for (const [stack, g] of [
      ["prod", prodGuide],
      ["dev", devGuide],
    ] as const) {
      it(`${stack}: the call rules: press 1, never 9, US or withheld number, contact card`, () => {
        const calls = section(g, "Voice calls");
        assert.ok(calls.includes("> **Press 1 to acknowledge.**"));
        assert.ok(
          calls.includes("> **Never press 9. Pressing 9 removes you from the engagement list:**"),
        );
        assert.ok(calls.includes("**in English, spoken fast**"));
        assert.ok(calls.includes("**US number or a withheld number**"));
        assert.ok(calls.includes('**Contacts → your contact → "Download contact card"**'));
        assert.ok(calls.includes("contact card from the activation e-mail/SMS"));
        assert.ok(calls.includes("**silent mode and Do Not Disturb / Focus**"));
        // The rule is also the first line of the guide's summary.
        const glance = lines(section(g, "At a glance")).filter((l) => l.startsWith("- "));
        assert.match(glance[0], /press 1 to acknowledge.*never press 9\W.*9 removes you/i);
        assert.ok(section(g, "Acknowledging").includes("- **Voice call:** press 1 (never 9)."));
      });

      it(`${stack}: how to acknowledge and what acknowledging does`, () => {
        const ack = section(g, "Acknowledging");
        assert.ok(ack.includes("reply with the acknowledgement code given in the message"));
        assert.ok(ack.includes("open the acknowledgement link in the e-mail"));
        assert.ok(ack.includes("Every escalation stage of this stack is **essential**"));
        assert.ok(ack.includes("stops the escalation"));
        assert.ok(ack.includes("Acknowledging does not resolve the incident."));
      });

      it(`${stack}: activation: NOT_ACTIVATED pages nobody; npm run activate, console, CLI`, () => {
        const act = section(g, "Activate your channels");
        assert.ok(act.includes("starts `NOT_ACTIVATED` and pages nobody"));
        assert.ok(act.includes(`\`npm run activate -- --stack ${stack}\``));
        assert.ok(act.includes("**Contacts → your contact → the channel → Activate**"));
        assert.ok(act.includes("aws ssm-contacts send-activation-code --contact-channel-id <arn>"));
        assert.ok(
          act.includes(
            "aws ssm-contacts activate-contact-channel --contact-channel-id <arn> --activation-code <code>",
          ),
        );
        assert.ok(
          lines(act).includes(
            stack === "prod"
              ? "- Sato Hanako (`sato`): contact `ie-prod-sato`, channels `ie-prod-sato-email`, `ie-prod-sato-sms`, `ie-prod-sato-voice`"
              : "- Sato Hanako (`sato`): contact `ie-dev-sato`, channels `ie-dev-sato-email`",
          ),
        );
      });

      it(`${stack}: no phone number or e-mail address from the config appears`, () => {
        const cfg = stack === "prod" ? PROD : DEV;
        const values = cfg.contacts.flatMap((c) => [c.email, c.phone]);
        assert.ok(values.filter(Boolean).length >= (stack === "prod" ? 6 : 2));
        for (const v of values) if (v) assert.ok(!g.includes(v), `${v} printed`);
        for (const w of cfg.notifications.webhooks) assert.ok(!g.includes(w.url));
        assert.doesNotMatch(g, /\+\d{7,}/, "something shaped like a phone number");
        assert.doesNotMatch(g, /[\w.+-]+@[\w-]+\.[\w.]+/, "something shaped like an address");
      });
    }

    it("prod: describes e-mail, SMS and voice pages as its channels", () => {
      const ch = section(prodGuide, "Channels this stack pages on");
      assert.ok(ch.includes("This stack pages by: **e-mail, SMS, voice call**."));
      assert.ok(
        ch.includes(
          [
            "| person        | alias    | channels          |",
            "| ------------- | -------- | ----------------- |",
            "| Sato Hanako   | `sato`   | email, SMS, voice |",
            "| Suzuki Ichiro | `suzuki` | email, SMS, voice |",
            "| Tanaka Jiro   | `tanaka` | email, SMS, voice |",
          ].join("\n"),
        ),
      );
      assert.ok(ch.includes("### E-mail"));
      assert.ok(ch.includes('`[critical] CloudWatch alarm "ie-prod-critical-api-5xx"`'));
      assert.ok(ch.includes("so a quoted `[RESOLVED]` resolves nothing."));
      assert.ok(ch.includes("### SMS"));
      assert.ok(ch.includes("reply with the acknowledgement code given in the message"));
      assert.ok(ch.includes("### Voice call"));
      assert.ok(!ch.includes("Not used by this stack"));
      assert.ok(!section(prodGuide, "Voice calls").includes("does not call anyone"));
    });

    it("dev (e-mail only): no SMS or call pages as its channels; says how to add them; keeps the 9 rule", () => {
      const ch = section(devGuide, "Channels this stack pages on");
      assert.ok(ch.includes("This stack pages by: **e-mail**."));
      assert.ok(ch.includes("It does not page by SMS or voice call."));
      assert.ok(ch.includes("### E-mail"));
      assert.ok(!ch.includes("### SMS\n"));
      assert.ok(!ch.includes("### Voice call\n"));
      assert.ok(ch.includes("### Not used by this stack: SMS, voice call"));
      assert.ok(ch.includes("pulumi config set --secret --path 'contacts[<n>].phone'"));
      assert.ok(ch.includes("`- { after: 10, via: [sms, voice] }`"));
      const glance = section(devGuide, "At a glance");
      assert.ok(!glance.includes("SMS: reply"));
      assert.ok(
        glance.includes("This stack does not call anyone, but if Incident Manager ever calls you"),
      );
      assert.ok(
        section(devGuide, "Voice calls").includes("_This stack does not call anyone today."),
      );
    });
  });

  describe("Markdown", () => {
    it("is already as Prettier writes it (regenerating docs/responder-guide.md is stable), also with wide characters", async () => {
      const options = await prettier.resolveConfig(join(ROOT, "docs", "responder-guide.md"));
      const raw = structuredClone(rawOf("prod")) as { contacts: Record<string, unknown>[] };
      raw.contacts[0].displayName = "佐藤 花子";
      const wide = buildGuide(parseStackConfig(raw), "prod", NOW);
      assert.ok(wide.includes("| 佐藤 花子     | `sato`   | email, SMS, voice |"), wide);
      for (const g of [prodGuide, devGuide, wide]) {
        assert.equal(await prettier.format(g, { ...options, parser: "markdown" }), g);
      }
    });

    it("headings the guide links to exist", () => {
      for (const g of [prodGuide, devGuide]) {
        const anchors = new Set(
          lines(g)
            .filter((l) => l.startsWith("#"))
            .map((l) =>
              l
                .replace(/^#+ /, "")
                .toLowerCase()
                .replace(/[^\p{L}\p{N} -]/gu, "")
                .replace(/ /g, "-"),
            ),
        );
        for (const [, target] of g.matchAll(/\]\(#([^)]+)\)/g)) {
          assert.ok(anchors.has(target), `#${target}`);
        }
      }
    });
  });

  describe("drills", () => {
    it("without drills: says none are scheduled and how to run one", () => {
      assert.deepEqual(drillsOf(PROD), []);
      assert.ok(
        section(prodGuide, "Drills").includes(
          "No drills are scheduled; run `npm run drill -- --stack prod --level critical`",
        ),
      );
      assert.ok(
        section(devGuide, "Drills").includes(
          "No drills are scheduled; run `npm run drill -- --stack dev --level critical`",
        ),
      );
    });

    it("drills from a stack config (schema defaults: UTC, report after 30 minutes)", () => {
      const raw = structuredClone(rawOf("prod"));
      raw.drills = [
        { level: "critical", schedule: "cron(0 10 ? * MON#1 *)", timeZone: "Asia/Tokyo" },
        { level: "critical", schedule: "cron(0 15 ? * WED *)", reportAfterMinutes: 45 },
      ];
      const drills = section(buildGuide(parseStackConfig(raw), "prod", NOW), "Drills");
      assert.deepEqual(
        lines(drills).filter((l) => l.startsWith("- ")),
        [
          "- **critical**: first Monday of the month at 10:00 Asia/Tokyo (`cron(0 10 ? * MON#1 *)`); report 30 minutes after the start.",
          "- **critical**: every Wednesday at 15:00 UTC (`cron(0 15 ? * WED *)`); report 45 minutes after the start.",
        ],
      );
      assert.ok(drills.includes("a real incident titled `[DRILL] <level> paging drill <time>`"));
      assert.ok(drills.includes("**Acknowledge it as you would a real page**"));
      assert.ok(drills.includes("it is posted to Slack and the drill incident is resolved"));
      assert.ok(
        drills.includes("Run one by hand: `npm run drill -- --stack prod --level critical`."),
      );
    });

    it("with drills: each in words with its expression, level and report delay", () => {
      const cfg = withDrills([
        {
          level: "critical",
          schedule: "cron(0 10 ? * MON#1 *)",
          timeZone: "Asia/Tokyo",
          reportAfterMinutes: 30,
        },
        {
          level: "warning",
          schedule: "cron(30 9 ? * MON-FRI *)",
          timeZone: "UTC",
          reportAfterMinutes: 15,
        },
        {
          level: "critical",
          schedule: "cron(0/5 * * * ? *)",
          timeZone: "Europe/Berlin",
          reportAfterMinutes: 20,
        },
        { level: "nosuch", schedule: "rate(7 days)", timeZone: "UTC", reportAfterMinutes: 5 },
      ]);
      const drills = section(buildGuide(cfg, "prod", NOW), "Drills");
      assert.deepEqual(
        lines(drills).filter((l) => l.startsWith("- ")),
        [
          "- **critical**: first Monday of the month at 10:00 Asia/Tokyo (`cron(0 10 ? * MON#1 *)`); report 30 minutes after the start.",
          "- **warning** (this level opens no incident, so it cannot be drilled): Monday to Friday at 09:30 UTC (`cron(30 9 ? * MON-FRI *)`); report 15 minutes after the start.",
          "- **critical**: `cron(0/5 * * * ? *)` (Europe/Berlin); report 20 minutes after the start.",
          "- **nosuch** (this level is not defined in the stack): every 7 days (`rate(7 days)`); report 5 minutes after the start.",
        ],
      );
      assert.ok(
        drills.includes("Run one by hand: `npm run drill -- --stack prod --level critical`."),
      );
      assert.ok(!drills.includes("No drills are scheduled"));
    });

    it("an empty or malformed drills value counts as none", () => {
      for (const drills of [[], "monthly", [{ level: 1 }], [null]]) {
        const g = buildGuide(withDrills(drills), "prod", NOW);
        assert.ok(section(g, "Drills").includes("No drills are scheduled"), JSON.stringify(drills));
      }
    });

    const table: [string, string | undefined][] = [
      ["cron(0 10 ? * MON#1 *)", "first Monday of the month at 10:00 Asia/Tokyo"],
      ["cron(0 10 ? * 2#3 *)", "third Monday of the month at 10:00 Asia/Tokyo"],
      ["cron(5 9 ? * FRIL *)", "last Friday of the month at 09:05 Asia/Tokyo"],
      ["cron(0 9 ? * MON *)", "every Monday at 09:00 Asia/Tokyo"],
      ["cron(0 9 ? * 1 *)", "every Sunday at 09:00 Asia/Tokyo"],
      ["cron(0 9 ? * MON,WED,FRI *)", "every Monday, Wednesday and Friday at 09:00 Asia/Tokyo"],
      ["cron(0 9 ? * MON-FRI *)", "Monday to Friday at 09:00 Asia/Tokyo"],
      ["cron(0 18 * * ? *)", "every day at 18:00 Asia/Tokyo"],
      ["cron(0 18 ? * * *)", "every day at 18:00 Asia/Tokyo"],
      ["cron(0 8 1 * ? *)", "day 1 of the month at 08:00 Asia/Tokyo"],
      ["cron(0 8 L * ? *)", "last day of the month at 08:00 Asia/Tokyo"],
      ["rate(1 day)", "every day"],
      ["rate(12 hours)", "every 12 hours"],
      ["at(2026-12-01T10:00:00)", "once, on 2026-12-01 at 10:00 Asia/Tokyo"],
      ["cron(0/5 * * * ? *)", undefined],
      ["cron(0 9 ? 1 MON *)", undefined],
      ["cron(0 9 ? * MON 2027)", undefined],
      ["cron(0 9 ? * XYZ#1 *)", undefined],
      ["cron(0 25 * * ? *)", undefined],
      ["cron(0 9 15W * ? *)", undefined],
      ["0 9 * * *", undefined],
    ];
    for (const [expr, words] of table) {
      it(`describeSchedule ${expr} → ${words ?? "(shown as is)"}`, () => {
        assert.equal(describeSchedule(expr, "Asia/Tokyo"), words);
      });
    }
  });

  describe("CLI (child process)", () => {
    const run = (args: string[]) =>
      spawnSync(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", "cli/guide.ts", ...args],
        { cwd: ROOT, encoding: "utf8" },
      );
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), "guide-spec-"));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("--help: usage on stdout, exit 0", () => {
      const r = run(["--help"]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^Usage: npm run guide -- --stack <name>/);
      assert.equal(r.stderr, "");
    });

    it("--stack prod: the Markdown guide on stdout, exit 0", () => {
      const r = run(["--stack", "prod"]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^# Responder guide: stack `prod`\n/);
      assert.ok(
        r.stdout.includes(
          "_Generated by `npm run guide -- --stack prod` from `Pulumi.prod.yaml` at ",
        ),
      );
      assert.ok(r.stdout.includes("- `T+25` Tanaka Jiro (`tanaka`): SMS, voice"));
      assert.ok(!r.stdout.includes("+819000000001"));
      assert.equal(r.stderr, "");
    });

    it("an invalid config file: every problem with its path on stderr, exit 2, no value echoed", () => {
      const doc = parse(readFileSync(join(ROOT, "Pulumi.prod.yaml"), "utf8")) as {
        config: Record<string, unknown>;
      };
      const contacts = doc.config["incident-escalation:contacts"] as Record<string, unknown>[];
      contacts[0].phone = "090-1234";
      const escalation = doc.config["incident-escalation:escalation"] as Record<string, unknown>[];
      escalation[0].minutes = 45;
      const file = join(dir, "Pulumi.broken.yaml");
      writeFileSync(file, stringify(doc));
      const r = run(["--config-file", file]);
      assert.equal(r.status, 2);
      assert.equal(r.stdout, "");
      assert.match(r.stderr, /^Pulumi\.broken\.yaml \(stack "broken"\) has 2 problems:/);
      assert.ok(r.stderr.includes("  - contacts[0].phone: is not E.164"), r.stderr);
      assert.ok(
        r.stderr.includes("  - escalation[0].minutes: 45 min is above the maximum 30 min"),
        r.stderr,
      );
      assert.ok(!r.stderr.includes("090-1234"));
      assert.ok(!r.stderr.includes("    at "), "no stack trace");
    });

    it("--out: writes the guide to the file, nothing on stdout", () => {
      const out = join(dir, "guide.md");
      const r = run(["--stack", "dev", "--out", out]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, "");
      assert.equal(r.stderr, `guide: wrote ${out}\n`);
      const md = readFileSync(out, "utf8");
      assert.match(md, /^# Responder guide: stack `dev`\n/);
      assert.ok(md.includes(`\`npm run guide -- --stack dev --out ${out}\``));
    });
  });

  describe("CLI arguments (in process)", () => {
    const call = (argv: string[]) => guideCli({ argv, root: ROOT, now: NOW });

    it("no --stack and no --config-file: usage error, exit 2", async () => {
      const r = await call([]);
      assert.equal(r.exitCode, 2);
      assert.match(r.stderr, /^guide: --stack <name> is required\n\nUsage:/);
    });

    it("an unknown option or a missing stack file: exit 2", async () => {
      assert.equal((await call(["--stack", "prod", "--json"])).exitCode, 2);
      const r = await call(["--stack", "nosuch"]);
      assert.equal(r.exitCode, 2);
      assert.match(r.stderr, /Pulumi\.nosuch\.yaml: no such stack config file/);
    });

    it("an unwritable --out: exit 1 with the reason", async () => {
      const r = await call([
        "--stack",
        "prod",
        "--out",
        join(ROOT, "no-such-dir", "x", "guide.md"),
      ]);
      assert.equal(r.exitCode, 1);
      assert.match(r.stderr, /^guide: cannot write .*guide\.md: ENOENT/);
    });

    it("--out through a symbolic link is refused and the link's target left untouched", async () => {
      const dir = mkdtempSync(join(tmpdir(), "guide-link-"));
      try {
        const target = join(dir, "target.txt");
        writeFileSync(target, "keep me\n");
        const link = join(dir, "guide.md");
        symlinkSync(target, link);
        const r = await call(["--stack", "prod", "--out", link]);
        assert.equal(r.exitCode, 1);
        assert.equal(r.stdout, "");
        assert.equal(
          r.stderr,
          `guide: cannot write ${link}: it is a symbolic link; refusing to write through it (give the real path)\n`,
        );
        assert.equal(readFileSync(target, "utf8"), "keep me\n");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("the in-process result equals buildGuide with the same clock", async () => {
      const r = await call(["--stack", "prod"]);
      assert.equal(r.exitCode, 0);
      assert.equal(
        r.stdout,
        buildGuide(PROD, "prod", NOW, {
          command: "npm run guide -- --stack prod",
          source: "Pulumi.prod.yaml",
        }),
      );
    });
  });
});

// Backend step-functions (Pulumi.selfhosted.yaml): the sections in Japanese (the stack's
// `language: ja`) and, with --lang en, in English, as literal lines. Does NOT prove what the
// engine's e-mails, texts and acknowledgement page really say (handlers/engine and handlers/ack
// own them), nor the link lifetime (passed in; the engine's plan sets it).
describe("responder guide of the step-functions backend (Pulumi.selfhosted.yaml)", () => {
  const SF = configOf("selfhosted");
  const ja = buildGuide(SF, "selfhosted", NOW);
  const en = buildGuide(SF, "selfhosted", NOW, { lang: "en", ackLinkHours: 24 });

  it("defaults to the stack's language (ja): acknowledging by link, the button, what it stops, ack and incidents", () => {
    for (const line of [
      "## 概要",
      "- 応答の方法: メールまたは SMS のリンクを開き、表示されたページのボタンを押します。ターミナルからは `npm run ack` でも応答できます。",
      "このスタックの呼び出し手段: **メール、SMS、電話(音声通話)**。各人のエンゲージメント計画に従い、通常はまずメール、応答がなければ数分後に SMS や電話が届きます(時刻は下の表を参照)。",
      "リンクを開くと確認ページが表示されます。**ページを開いただけでは応答になりません**(メールのスキャナーがリンクを開くことがあるため)。ページの「応答する」ボタンを押すと応答になります。リンクには有効期限があります(期限はデプロイ時に決まります)。期限切れのリンクでは何も変わらないので、`npm run ack -- --stack selfhosted --incident <id>` を使ってください。",
      "応答すると、そのインシデントでまだ送られていない呼び出し(応答後の SMS、次の段階の人への呼び出し)はすべて止まります。二度押しても何も起きません。",
      "インシデントの一覧とタイムライン(誰にいつどの手段で送ったか、誰が応答したか): `npm run incidents -- --stack selfhosted`、1 件の詳細は `--show <id>`、解決は `--resolve <id>`。",
      "`critical`: アラームが OK に戻ってもタイムラインに記録されるだけで、**誰かが応答するまでエスカレーションは続きます**。回復に気づいたら応答してください。",
      "## 呼び出しの順番(レベル別)",
    ]) {
      assert.ok(lines(ja).includes(line), `missing line:\n${line}\n--- in ---\n${ja}`);
    }
  });

  it("--lang en with a link lifetime: the same sections in English", () => {
    for (const line of [
      "## How a page arrives",
      "Opening the link shows a confirmation page. **Opening it does not acknowledge** (mail scanners open links); pressing the button on the page does. A link expires 24 hours after the page was sent. An expired link changes nothing: use `npm run ack -- --stack selfhosted --incident <id>` instead.",
      "Acknowledging stops everything still pending for the incident: no SMS after the acknowledged e-mail, no next stage. Pressing twice changes nothing.",
      "A short text from AWS End User Messaging SMS with the acknowledgement link. Do not reply STOP: a number that replies STOP gets no more texts from this account, pages included.",
      "`critical`: an OK only adds a note to the timeline; **the escalation continues until someone acknowledges**. Acknowledge even when it has recovered.",
    ]) {
      assert.ok(lines(en).includes(line), `missing line:\n${line}\n--- in ---\n${en}`);
    }
  });

  it("resolveOnRecovery: the incident resolves and the escalation stops", () => {
    const cfg = {
      ...SF,
      levels: { ...SF.levels, critical: { ...SF.levels.critical, resolveOnRecovery: true } },
    } as StackConfig;
    const g = buildGuide(cfg, "selfhosted", NOW, { lang: "en" });
    assert.ok(
      lines(g).includes(
        "`critical`: when the alarm returns to OK, the incident resolves and the escalation stops.",
      ),
      g,
    );
    assert.ok(
      lines(buildGuide(cfg, "selfhosted", NOW)).includes(
        "`critical`: アラームが OK に戻るとインシデントは解決済みになり、エスカレーションは止まります。",
      ),
    );
  });

  it("says nothing about Incident Manager's codes or calls, and prints no address or number", () => {
    for (const g of [ja, en]) {
      for (const text of ["acknowledgement code", "source of truth", "@example.com", "+8190"]) {
        assert.ok(!g.includes(text), `${text} in:\n${g}`);
      }
    }
  });

  it("the Japanese guide explains the voice call (Amazon Connect, the caller ID to save, 1 then 1 again, a missed call) and shows it in the timeline", () => {
    for (const line of [
      "- 電話の場合: 案内を聞いて **1 を押し、続けてもう一度 1 を押す** と応答になります。",
      "### 電話(音声通話)",
      "Amazon Connect から **+815000000000** で電話がかかってきます。**この番号を「インシデント呼び出し」などの名前で電話帳に登録し**、おやすみモードや着信拒否の対象から外してください。",
      "- 電話に出ると、レベル、アラーム名、理由をゆっくり読み上げ、もう一度繰り返します(通話の言語は、あなたの連絡先に設定された言語です)。",
      "- 続いて「確認する場合は、1 を押してください」と案内されます。**1 を押し、「もう一度 1 を押してください」の案内で再び 1 を押す** と応答になり、「確認を記録しました」と伝えて電話が切れます。メールのリンクで応答したのと同じ扱いです。",
      "- ほかのキーを押した場合や、何も押さなかった場合は応答になりません。「エスカレーションは続きます」と伝えて電話が切れます。どのキーを押しても、当番や呼び出しの対象から外れることはありません。",
      "- 電話に出られなかった場合(不在、留守番電話、途中で切れた場合)も応答にはなりません。エスカレーションはそのまま次の段階へ進みます。対応できるなら、メールや SMS のリンク、または `npm run ack` で応答してください。この番号に折り返しても応答にはなりません。",
      "- `T+0` Sato Hanako (`sato`): email",
      "- `T+10` Sato Hanako (`sato`): SMS, voice",
      "- `T+25` Tanaka Jiro (`tanaka`): SMS, voice",
    ]) {
      assert.ok(lines(ja).includes(line), `missing line:\n${line}\n--- in ---\n${ja}`);
    }
    // The prompts the guide quotes are the flow's own (handlers/shared/messages.ts).
    assert.ok(ja.includes("確認する場合は、1 を押してください"));
    assert.equal(
      message("voice.flow.pressOne", "ja"),
      "この呼び出しを確認する場合は、1 を押してください。",
    );
    assert.equal(message("voice.flow.confirm", "ja"), "確認のため、もう一度 1 を押してください。");
  });

  it("--lang en: the voice call in English, quoting the flow's prompts", () => {
    for (const line of [
      "### Voice call",
      'Amazon Connect calls you from **+815000000000**. **Save this number in your contacts** (for example as "Incident paging") and let it through do-not-disturb and call blocking.',
      '- It then says "To acknowledge this call, press 1." **Press 1, and when it says "To confirm, press 1 again", press 1 again**: that acknowledges, exactly like the e-mail link, and the call ends after "Your acknowledgement is recorded".',
    ]) {
      assert.ok(lines(en).includes(line), `missing line:\n${line}\n--- in ---\n${en}`);
    }
    assert.ok(en.includes(message("voice.flow.pressOne", "en")));
    assert.ok(en.includes(message("voice.flow.confirm", "en").replace(/\.$/, "")));
  });

  it("a stack that calls nobody has no voice section", () => {
    const noVoice = {
      ...SF,
      contacts: SF.contacts.map((c) => ({
        ...c,
        engagement: c.engagement.map((e) => ({ ...e, via: e.via.filter((v) => v !== "voice") })),
      })),
    } as StackConfig;
    const g = buildGuide(noVoice, "selfhosted", NOW);
    assert.ok(!g.includes("### 電話(音声通話)") && !g.includes("+815000000000"), g);
  });

  it("--lang: ja and en accepted, anything else is a usage error (exit 2)", async () => {
    const call = (argv: string[]) => guideCli({ argv, root: ROOT, now: NOW });
    const r = await call(["--stack", "selfhosted", "--lang", "en"]);
    assert.equal(r.exitCode, 0);
    assert.ok(r.stdout.includes("\n## How a page arrives\n"));
    const bad = await call(["--stack", "selfhosted", "--lang", "fr"]);
    assert.equal(bad.exitCode, 2);
    assert.match(bad.stderr, /--lang fr: use ja or en/);
  });
});

describe("responder guide: office hours (workingHoursSection), ja and en", () => {
  /** Friday 2026-12-25 19:00 in Tokyo: after hours, before the year-end closed days. */
  const XMAS = new Date("2026-12-25T10:00:00Z");
  /**
   * prod, with critical deferring outside office hours too, and warning made notify-only (prod's
   * own warning engages the on-call): a deferring level that pages nobody has nothing to page later.
   */
  function deferringProd(): StackConfig {
    const raw = structuredClone(rawOf("prod")) as {
      levels: Record<string, Record<string, unknown>>;
    };
    raw.levels.critical!.outsideHours = { calendar: "office", then: "defer" };
    delete raw.levels.warning!.engage;
    return parseStackConfig(raw);
  }
  function section(g: string, heading: string): string[] {
    const all = lines(g);
    const i = all.indexOf(heading);
    assert.ok(i >= 0, `no ${heading} in\n${g}`);
    const end = all.findIndex((l, j) => j > i && l.startsWith("## "));
    return all.slice(i, end < 0 ? undefined : end);
  }

  it("en: the calendar, the next days off (2027-01-11 成人の日 is not a working day), the waits", () => {
    const g = buildGuide(deferringProd(), "prod", XMAS, { lang: "en" });
    assert.deepEqual(section(g, "## Office hours"), [
      "## Office hours",
      "",
      "- Calendar `office` (Asia/Tokyo): mon-fri 09:00-18:00. Other days, Japanese national and substitute holidays and the company-closed days (2026-12-29, 2026-12-30, 2026-12-31) are outside office hours.",
      "- The next days off (not working days): 2026-12-29 company closed (会社休業日), 2026-12-30 company closed (会社休業日), 2026-12-31 company closed (会社休業日), 2027-01-01 New Year's Day (元日), 2027-01-11 Coming of Age Day (成人の日)",
      "- At 2026-12-25 (Fri) 19:00: closed; it next opens 2026-12-28 (Mon) 09:00.",
      "",
      "What each level does outside office hours:",
      "",
      "- `critical`: outside office hours it goes to Slack at once and the page waits until the next working day's opening (2026-12-28 (Mon) 09:00); if the alarm is still in ALARM then, it pages as usual.",
      "- `warning`: this level pages nobody; outside office hours it also goes to Slack and webhooks only, and nothing is paged later.",
      "",
    ]);
  });

  /**
   * The selfhosted stack (step-functions: its guide is written in `--lang`) with prod's calendar
   * and levels, critical deferring outside office hours.
   */
  function deferringSelfhosted(): StackConfig {
    const prod = structuredClone(rawOf("prod")) as {
      levels: Record<string, Record<string, unknown>>;
      calendars: unknown;
    };
    const raw = structuredClone(rawOf("selfhosted")) as Record<string, unknown>;
    prod.levels.critical!.outsideHours = { calendar: "office", then: "defer" };
    // warning notify-only: a deferring level that pages nobody has nothing to page later.
    delete prod.levels.warning!.engage;
    raw.levels = prod.levels;
    raw.calendars = prod.calendars;
    return parseStackConfig(raw);
  }

  it("ja: the same facts in Japanese (a step-functions stack's guide, which --lang ja writes in Japanese)", () => {
    const g = buildGuide(deferringSelfhosted(), "selfhosted", XMAS, { lang: "ja" });
    assert.deepEqual(section(g, "## 営業時間"), [
      "## 営業時間",
      "",
      "- カレンダー `office`(Asia/Tokyo): 月〜金 09:00-18:00。それ以外の曜日、日本の祝日・振替休日、会社休業日(2026-12-29、2026-12-30、2026-12-31)は営業時間外です。",
      "- 次の休日(営業日ではありません): 2026-12-29 会社休業日、2026-12-30 会社休業日、2026-12-31 会社休業日、2027-01-01 元日、2027-01-11 成人の日",
      "- 2026-12-25(金)19:00 時点: 営業時間外です。次の営業開始は 2026-12-28(月)09:00 です。",
      "",
      "営業時間外の各レベルの動作:",
      "",
      "- `critical`: 営業時間外はすぐに Slack に通知され、呼び出しは次の営業日の営業開始(2026-12-28(月)09:00)まで待ちます。その時点でまだ ALARM なら、通常どおり呼び出します。",
      "- `warning`: 誰も呼び出さないレベルです。営業時間外も Slack と Webhook への通知のみで、後から呼び出されることもありません。",
      "",
    ]);
  });

  it("the Incident Manager guide is English, so --lang ja leaves its office hours in English too (the rest of it is English)", () => {
    const g = buildGuide(deferringProd(), "prod", XMAS, { lang: "ja" });
    assert.ok(!lines(g).includes("## 営業時間"), g);
    assert.deepEqual(
      section(g, "## Office hours"),
      section(buildGuide(deferringProd(), "prod", XMAS, { lang: "en" }), "## Office hours"),
    );
    assert.deepEqual(section(g, "## Office hours").slice(0, 5), [
      "## Office hours",
      "",
      "- Calendar `office` (Asia/Tokyo): mon-fri 09:00-18:00. Other days, Japanese national and substitute holidays and the company-closed days (2026-12-29, 2026-12-30, 2026-12-31) are outside office hours.",
      "- The next days off (not working days): 2026-12-29 company closed (会社休業日), 2026-12-30 company closed (会社休業日), 2026-12-31 company closed (会社休業日), 2027-01-01 New Year's Day (元日), 2027-01-11 Coming of Age Day (成人の日)",
      "- At 2026-12-25 (Fri) 19:00: closed; it next opens 2026-12-28 (Mon) 09:00.",
    ]);
  });

  it("prod as it is, in hours (Wednesday 09:00 Tokyo): open until 18:00; warning's page outside hours waits for Thursday 09:00 (the opening after today's closing, not now)", () => {
    assert.deepEqual(section(prodGuide, "## Office hours").slice(4), [
      "- At 2026-03-04 (Wed) 09:00: open until 2026-03-04 (Wed) 18:00; it next opens 2026-03-05 (Thu) 09:00.",
      "",
      "What each level does outside office hours:",
      "",
      "- `warning`: outside office hours it goes to Slack at once and the page waits until the next working day's opening (2026-03-05 (Thu) 09:00); if the alarm is still in ALARM then, it pages as usual.",
      "",
    ]);
  });

  it("dev (no calendars): no office-hours section", () => {
    assert.doesNotMatch(devGuide, /## Office hours/);
  });

  it("is as Prettier writes it, in both languages", async () => {
    const options = await prettier.resolveConfig(join(ROOT, "docs", "responder-guide.md"));
    for (const lang of ["en", "ja"] as const) {
      const g = buildGuide(deferringProd(), "prod", XMAS, { lang });
      assert.equal(await prettier.format(g, { ...options, parser: "markdown" }), g);
    }
  });
});
