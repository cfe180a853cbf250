/**
 * A consumer's view: the package entry (`main`/`types` → the built dist/) resolves by its name,
 * as another team's stack would import it, and its EscalationPipeline builds under the mocks.
 *
 * Not proven: installation from a registry tarball (`files` in package.json is checked only by
 * listing it here).
 */
import { strict as assert } from "node:assert";
import { runWithMocks } from "../tools/mockEngine";

describe("package entry", () => {
  it("resolves 'incident-escalation' to the built library, not to source", () => {
    const resolved = require.resolve("incident-escalation");
    assert.match(resolved, /[/\\]dist[/\\]lib[/\\]index\.js$/);
  });

  it("exports EscalationPipeline, the schema and the components", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const lib = require("incident-escalation") as typeof import("../lib/index");
    assert.equal(typeof lib.EscalationPipeline, "function");
    assert.equal(typeof lib.parseStackConfig, "function");
    assert.equal(typeof lib.ConfigError, "function");
    for (const c of [
      "PersonalContact",
      "OnCallSchedule",
      "EscalationPlan",
      "ReplicationSet",
      "ResponsePlans",
    ]) {
      assert.equal(typeof (lib as unknown as Record<string, unknown>)[c], "function", c);
    }
    const { resources } = await runWithMocks(
      { stack: "consumer" },
      () =>
        new lib.EscalationPipeline("team-a", {
          stack: "consumer",
          incidentManager: { replicationSet: "existing" },
          contacts: [
            {
              alias: "ops",
              displayName: "Ops",
              email: "ops@example.com",
              engagement: [{ after: 0, via: ["email"] }],
            },
          ],
          escalation: [{ engage: ["ops"], minutes: 5 }],
          levels: { p1: { impact: 1, page: true } },
        }),
    );
    assert.ok(
      resources.some(
        (r) =>
          r.type === "aws:ssmincidents/responsePlan:ResponsePlan" &&
          r.name === "team-a-response-p1",
      ),
    );
  });
});
