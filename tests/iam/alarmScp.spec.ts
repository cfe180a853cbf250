/**
 * The README's "Who can page" SCP, read from README.md and evaluated with an IAM policy simulator
 * (@cloud-copilot/iam-simulate and its maintained action data): only the deployer role may create
 * (PutMetricAlarm, PutCompositeAlarm) or set the state of (SetAlarmState) alarms named
 * `ie-prod-*`; other alarms and other roles are untouched by it.
 *
 * What this spec does NOT prove: that AWS Organizations attaches the SCP as the simulator assumes
 * (one OU level with FullAWSAccess beside it), that the simulator's data matches IAM today, or
 * that no other path (another account's bus, a principal outside the organization) can send an
 * alarm event: the rules' `account` and the handlers' checks cover that (tests/components,
 * tests/handlers).
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { runSimulation } from "@cloud-copilot/iam-simulate";

const README = readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
const ACCOUNT = "123456789012";
const DEPLOYER = `arn:aws:iam::${ACCOUNT}:role/incident-escalation-deployer`;
const OTHER = `arn:aws:iam::${ACCOUNT}:role/developer`;

/** The JSON block of the README's "Who can page" section. */
function readmeScp(): unknown {
  const section = README.slice(README.indexOf("### Who can page"));
  const m = /```json\n([\s\S]*?)```/.exec(section);
  assert.ok(m, 'README "Who can page" has no json block');
  return JSON.parse(m[1]) as unknown;
}

async function decision(principal: string, action: string, alarm: string): Promise<string> {
  const result = await runSimulation(
    {
      request: {
        principal,
        action,
        resource: {
          resource: `arn:aws:cloudwatch:ap-northeast-1:${ACCOUNT}:alarm:${alarm}`,
          accountId: ACCOUNT,
        },
        // The request context IAM sets for a role session's call (the simulator takes it as given).
        contextVariables: { "aws:PrincipalArn": principal, "aws:PrincipalAccount": ACCOUNT },
      },
      identityPolicies: [
        {
          name: "cloudwatch-writer",
          policy: {
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Action: [
                  "cloudwatch:PutMetricAlarm",
                  "cloudwatch:PutCompositeAlarm",
                  "cloudwatch:SetAlarmState",
                ],
                Resource: "*",
              },
            ],
          },
        },
      ],
      serviceControlPolicies: [
        {
          orgIdentifier: "ou-root-example",
          policies: [
            {
              name: "FullAWSAccess",
              policy: {
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
              },
            },
            { name: "readme-who-can-page", policy: readmeScp() },
          ],
        },
      ],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType === "error") throw new Error(JSON.stringify(result.errors));
  return String(result.overallResult);
}

describe("README: the SCP reserving <prefix>-* alarms for the deployer (IAM simulator)", () => {
  const table: [string, string, string, string][] = [
    [DEPLOYER, "cloudwatch:PutMetricAlarm", "ie-prod-critical-api-5xx", "Allowed"],
    [DEPLOYER, "cloudwatch:SetAlarmState", "ie-prod-critical-api-5xx", "Allowed"],
    [OTHER, "cloudwatch:PutMetricAlarm", "ie-prod-critical-api-5xx", "ExplicitlyDenied"],
    [OTHER, "cloudwatch:PutCompositeAlarm", "ie-prod-critical-fake", "ExplicitlyDenied"],
    [OTHER, "cloudwatch:SetAlarmState", "ie-prod-critical-api-5xx", "ExplicitlyDenied"],
    [OTHER, "cloudwatch:PutMetricAlarm", "team-b-cpu", "Allowed"],
    // another stack's default prefix (ie-prod_critical) is outside ie-prod-*
    [OTHER, "cloudwatch:SetAlarmState", "ie-prod_critical-warning-x", "Allowed"],
  ];
  for (const [principal, action, alarm, expected] of table) {
    it(`${principal.split("/")[1]} ${action} on alarm ${alarm}: ${expected}`, async () => {
      assert.equal(await decision(principal, action, alarm), expected);
    });
  }
});
