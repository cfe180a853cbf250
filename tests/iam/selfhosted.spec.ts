/**
 * The roles of the selfhosted stack (backend step-functions, Pulumi.selfhosted.yaml) as the real
 * program builds them, evaluated by the IAM policy simulator (@cloud-copilot/iam-simulate): the
 * self-page rule's role starts executions of this state machine only and EventBridge may assume
 * it for the self-page rule of this account only; the engine function sends e-mail from the configured address only (under the address or the
 * domain identity) and SMS from the configured pool only; the ack function reads and updates the
 * incident table only.
 *
 * What this spec does NOT prove: that IAM evaluates exactly as the simulator does; which SES
 * identity SES authorizes a send against (both are allowed, the From address is pinned); the
 * context EventBridge sends when it assumes the target role; every router statement (its
 * step-functions calls: tests/iam/router.stepFunctions.spec.ts; the time-aware ones are asked
 * here as single requests, not recorded from a handler run); the commands of a real execution (the
 * engine's own IAM spec, tests/iam/engine.spec.ts, runs one against the component).
 */
import { strict as assert } from "node:assert";
import { decide } from "../support/iamPolicies";
import { ACCOUNT, OTHER_ACCOUNT, REGION, judged, ofType } from "./stacks";

const SM = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:ie-selfhosted-escalation`;
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const SES = (identity: string) => `arn:aws:ses:${REGION}:${ACCOUNT}:identity/${identity}`;
const POOL = `arn:aws:sms-voice:${REGION}:${ACCOUNT}:pool/pool-0123456789abcdef0123456789abcdef`;
const TABLE = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/ie-selfhosted-incidents`;

describe("IAM simulator: the selfhosted stack's engine, ack and self-page roles", function () {
  this.timeout(120_000);

  it("has the engine, ack, delivery-events, router, notifier and voice-acknowledgement functions", async () => {
    const stack = await judged("selfhosted");
    assert.deepEqual(
      ofType(stack, "aws:lambda/function:Function")
        .map((f) => f.id)
        .sort(),
      [
        "ie-selfhosted-ack",
        "ie-selfhosted-delivery-events",
        "ie-selfhosted-engine",
        "ie-selfhosted-notifier",
        "ie-selfhosted-router",
        "ie-selfhosted-voice-ack",
      ],
    );
  });

  it("time-aware paging on step-functions (issue 13): the router defers into its own schedule group only, passes the deferral role to Scheduler only, re-checks alarms, reads the silences and posts their notes; the deferral role sends to the router's queue only; the heartbeat's Scheduler role writes IncidentEscalation metrics only", async () => {
    const stack = await judged("selfhosted");
    const router = role("ie-selfhosted-router-role");
    const ask = (
      principal: string,
      action: string,
      resource: string,
      context?: Record<string, string>,
    ) => decide(stack.policies, { principal, action, resource, context });
    const deferral = role("ie-selfhosted-deferral");
    const group = `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule`;
    const queue = (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
    assert.deepEqual(
      [
        await ask(
          router,
          "scheduler:CreateSchedule",
          `${group}/ie-selfhosted-deferrals/ie-selfhosted-defer-0a1b`,
        ),
        await ask(router, "scheduler:CreateSchedule", `${group}/default/ie-selfhosted-defer-0a1b`),
        await ask(router, "iam:PassRole", deferral, {
          "iam:PassedToService": "scheduler.amazonaws.com",
        }),
        await ask(router, "iam:PassRole", deferral, {
          "iam:PassedToService": "lambda.amazonaws.com",
        }),
        await ask(
          router,
          "cloudwatch:DescribeAlarms",
          `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:ie-selfhosted-warning-api-5xx`,
        ),
        await ask(
          router,
          "dynamodb:Query",
          `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/ie-selfhosted-silences`,
        ),
        await ask(
          router,
          "dynamodb:PutItem",
          `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/ie-selfhosted-silences`,
        ),
        await ask(router, "sns:Publish", `arn:aws:sns:${REGION}:${ACCOUNT}:ie-selfhosted-alerts`),
        await ask(deferral, "sqs:SendMessage", queue("ie-selfhosted-router-queue")),
        await ask(deferral, "sqs:SendMessage", queue("another-team-queue")),
        await ask(role("ie-selfhosted-heartbeat-scheduler"), "cloudwatch:PutMetricData", "*", {
          "cloudwatch:namespace": "IncidentEscalation",
        }),
        await ask(role("ie-selfhosted-heartbeat-scheduler"), "cloudwatch:PutMetricData", "*", {
          "cloudwatch:namespace": "AWS/EC2",
        }),
      ],
      [
        "Allowed",
        "ImplicitlyDenied",
        "Allowed",
        "ImplicitlyDenied",
        "Allowed",
        "Allowed",
        "ImplicitlyDenied",
        "Allowed",
        "Allowed",
        "ImplicitlyDenied",
        "Allowed",
        "ImplicitlyDenied",
      ],
    );
  });

  it("the self-page role starts executions of this state machine only (EventBridge targets: the role needs states:StartExecution)", async () => {
    const stack = await judged("selfhosted");
    const principal = role("ie-selfhosted-self-page");
    const start = (resource: string) =>
      decide(stack.policies, { principal, action: "states:StartExecution", resource });
    assert.deepEqual(
      [
        await start(SM),
        await start(`${SM}-other`),
        await decide(stack.policies, {
          principal,
          action: "states:StopExecution",
          resource: `arn:aws:states:${REGION}:${ACCOUNT}:execution:ie-selfhosted-escalation:x`,
        }),
      ],
      ["Allowed", "ImplicitlyDenied", "ImplicitlyDenied"],
    );
  });

  it("EventBridge may assume the self-page role for the self-page rule of this account only (EventBridge user guide, confused deputy prevention: aws:SourceArn = the rule, aws:SourceAccount)", async () => {
    const stack = await judged("selfhosted");
    const rule = (account: string, name: string) =>
      `arn:aws:events:${REGION}:${account}:rule/${name}`;
    const cases: [string, Record<string, string> | undefined][] = [
      [
        "the self-page rule",
        { "aws:SourceAccount": ACCOUNT, "aws:SourceArn": rule(ACCOUNT, "ie-selfhosted-self-page") },
      ],
      ["no source keys", undefined],
      [
        "another rule of this account",
        { "aws:SourceAccount": ACCOUNT, "aws:SourceArn": rule(ACCOUNT, "ie-selfhosted-critical") },
      ],
      [
        "the same rule name in another account",
        {
          "aws:SourceAccount": OTHER_ACCOUNT,
          "aws:SourceArn": rule(OTHER_ACCOUNT, "ie-selfhosted-self-page"),
        },
      ],
    ];
    const decisions = [];
    for (const [label, context] of cases) {
      decisions.push([
        label,
        await decide(stack.policies, {
          principal: "events.amazonaws.com",
          action: "sts:AssumeRole",
          resource: role("ie-selfhosted-self-page"),
          context,
        }),
      ]);
    }
    assert.deepEqual(decisions, [
      ["the self-page rule", "Allowed"],
      ["no source keys", "ImplicitlyDenied"],
      ["another rule of this account", "ImplicitlyDenied"],
      ["the same rule name in another account", "ImplicitlyDenied"],
    ]);
  });

  it("the engine sends e-mail from oncall@alerts.example.com under the address or the domain identity, and from no other address or identity (SES v2 SendEmail: identity*, ses:FromAddress)", async () => {
    const stack = await judged("selfhosted");
    const send = (resource: string, from: string) =>
      decide(stack.policies, {
        principal: role("ie-selfhosted-engine-role"),
        action: "ses:SendEmail",
        resource,
        context: { "ses:FromAddress": from },
      });
    assert.deepEqual(
      [
        await send(SES("oncall@alerts.example.com"), "oncall@alerts.example.com"),
        await send(SES("alerts.example.com"), "oncall@alerts.example.com"),
        await send(SES("alerts.example.com"), "ceo@alerts.example.com"),
        await send(SES("other.example.com"), "oncall@alerts.example.com"),
      ],
      ["Allowed", "Allowed", "ImplicitlyDenied", "ImplicitlyDenied"],
    );
  });

  it("the engine sends SMS from the configured pool only (sms-voice SendTextMessage: pool)", async () => {
    const stack = await judged("selfhosted");
    const text = (resource: string) =>
      decide(stack.policies, {
        principal: role("ie-selfhosted-engine-role"),
        action: "sms-voice:SendTextMessage",
        resource,
      });
    assert.deepEqual(
      [await text(POOL), await text(`arn:aws:sms-voice:${REGION}:${ACCOUNT}:pool/pool-other`)],
      ["Allowed", "ImplicitlyDenied"],
    );
  });

  it("the ack function reads and updates the incident table, and cannot delete or scan it", async () => {
    const stack = await judged("selfhosted");
    const ack = (action: string) =>
      decide(stack.policies, {
        principal: role("ie-selfhosted-ack-role"),
        action,
        resource: TABLE,
      });
    assert.deepEqual(
      [
        await ack("dynamodb:GetItem"),
        await ack("dynamodb:UpdateItem"),
        await ack("dynamodb:DeleteItem"),
        await ack("dynamodb:Scan"),
      ],
      ["Allowed", "Allowed", "ImplicitlyDenied", "ImplicitlyDenied"],
    );
  });

  it("voice: the engine may place calls (connect:StartOutboundVoiceContact, on * as the service authorization reference has no resource types); the voice-ack function reads and acknowledges the incident and nothing else; only Connect from the configured instance invokes it", async () => {
    const stack = await judged("selfhosted");
    const as = (
      principal: string,
      action: string,
      resource: string,
      context?: Record<string, string>,
    ) => decide(stack.policies, { principal, action, resource, context });
    const voiceRole = role("ie-selfhosted-voice-ack-role");
    const fn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:ie-selfhosted-voice-ack`;
    const instance = `arn:aws:connect:${REGION}:${ACCOUNT}:instance/00000000-0000-0000-0000-000000000000`;
    assert.deepEqual(
      [
        await as(role("ie-selfhosted-engine-role"), "connect:StartOutboundVoiceContact", "*"),
        await as(voiceRole, "dynamodb:UpdateItem", TABLE),
        await as(voiceRole, "dynamodb:GetItem", TABLE),
        await as(voiceRole, "dynamodb:DeleteItem", TABLE),
        await as(voiceRole, "connect:StartOutboundVoiceContact", "*"),
        await as("connect.amazonaws.com", "lambda:InvokeFunction", fn, {
          "aws:SourceArn": instance,
          "aws:SourceAccount": ACCOUNT,
        }),
        await as("connect.amazonaws.com", "lambda:InvokeFunction", fn, {
          "aws:SourceArn": instance.replace("instance/0", "instance/1"),
          "aws:SourceAccount": ACCOUNT,
        }),
      ],
      [
        "Allowed",
        "Allowed",
        "Allowed",
        "ImplicitlyDenied",
        "ImplicitlyDenied",
        "Allowed",
        "ImplicitlyDenied",
      ],
    );
  });
});
