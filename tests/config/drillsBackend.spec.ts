/**
 * Scheduled drills (`drills`) and the backend (config/crossChecks.ts checkDrills): backend
 * step-functions refuses `drills` at plan time with the path and the reason, because the drill
 * Lambda (handlers/drill/handler.ts) starts Incident Manager incidents only; `npm run drill` works
 * on both backends (tests/tools/drill.spec.ts).
 *
 * What this spec does NOT prove: that `pulumi up` would fail without the check (the drill Lambda's
 * role and workflow are built from response plans a step-functions stack does not have); only
 * the message and its path.
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
  it("backend step-functions with drills: one issue at drills naming the backend and npm run drill", () => {
    const config = raw("selfhosted");
    config.drills = [{ level: "critical", schedule: "cron(0 1 ? * MON *)" }];
    assert.deepEqual(issuesOf(config), [
      {
        path: "drills",
        message:
          "scheduled drills are not available with backend step-functions yet (the drill Lambda starts Incident Manager incidents); remove drills and run npm run drill -- --stack <stack> --level <level> by hand, or set backend: incident-manager",
      },
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
