/**
 * Scheduled drills (`drills`) and the backend (config/crossChecks.ts checkDrills): both backends
 * accept `drills` of a paging level (the drill Lambda starts an Incident Manager incident, or on
 * backend step-functions an execution of the engine's state machine: handlers/drill/handler.ts),
 * and both refuse a drill of a level that does not page or does not exist, with the path.
 *
 * What this spec does NOT prove: that the drill Lambda works on either backend (its own specs,
 * tests/handlers/drill*.spec.ts, do); only what the config accepts and the messages with paths.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { rawConfigFrom } from "../../config/load";
import { ConfigError, parseStackConfig, type ConfigIssue } from "../../config/schema";
import { readStackFile } from "../../tools/stackFile";

const ROOT = join(__dirname, "..", "..");
type Raw = Record<string, unknown>;

function raw(stack: string): Raw {
  const file = readStackFile(join(ROOT, `Pulumi.${stack}.yaml`));
  return structuredClone(rawConfigFrom(file.config).raw) as Raw;
}

function issuesOf(config: unknown): readonly ConfigIssue[] {
  try {
    parseStackConfig(config);
  } catch (err: unknown) {
    assert.ok(err instanceof ConfigError, `threw ${String(err)} instead of a ConfigError`);
    return err.issues;
  }
  assert.fail("the invalid config was accepted");
}

describe("config: scheduled drills and the backend", () => {
  it("backend step-functions with a drill of its paging level is accepted (the refusal of earlier rounds is gone)", () => {
    const config = raw("selfhosted");
    config.drills = [{ level: "critical", schedule: "cron(0 1 ? * MON *)" }];
    const parsed = parseStackConfig(config);
    assert.equal(parsed.backend, "step-functions");
    assert.deepEqual(
      parsed.drills.map((d) => d.level),
      ["critical"],
    );
  });

  it("backend step-functions with a drill of a level that does not page, and of no level: an issue at each level path", () => {
    const config = raw("selfhosted");
    config.drills = [
      { level: "warning", schedule: "cron(0 1 ? * MON *)" },
      { level: "nope", schedule: "cron(0 1 ? * MON *)" },
    ];
    assert.deepEqual(issuesOf(config), [
      {
        path: "drills[0].level",
        message:
          '"warning" does not page (page: false), so it has no response plan to drill; drill a paging level',
      },
      { path: "drills[1].level", message: '"nope" is not a level; define it under levels' },
    ]);
  });

  it("backend step-functions without drills (Pulumi.selfhosted.yaml) is accepted", () => {
    assert.doesNotThrow(() => parseStackConfig(raw("selfhosted")));
  });

  it("backend incident-manager keeps its drills (Pulumi.prod.yaml plus a weekly drill)", () => {
    const config = raw("prod");
    config.drills = [{ level: "critical", schedule: "cron(0 1 ? * MON *)" }];
    assert.equal(parseStackConfig(config).drills.length, 1);
  });
});
