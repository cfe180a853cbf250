/**
 * DeliveryEvents (components/engine/deliveryEvents.ts) under the mock engine: exactly which
 * resources it creates for each configuration (own SES configuration set or the configured one;
 * SMS or not; a Connect instance or not), their inputs literally, and the requests the provider
 * sends for them (CreateConfigurationSet, CreateConfigurationSetEventDestination, PutRule,
 * PutTargets, AddPermission) checked against the API models in aws-models/.
 *
 * What this spec does NOT prove: that AWS delivers the events (tests/handlers/deliveryEvents.spec.ts
 * matches the patterns against documented sample events); IAM evaluation
 * (tests/iam/deliveryEvents.spec.ts); the provider's exact translation of inputs into requests
 * (the mapping below is written from the resources' documented arguments, member by member).
 */
import { strict as assert } from "node:assert";
import { handlerBundle } from "../../components/bundles";
import { DeliveryEvents, type DeliveryEventsArgs } from "../../components/engine/deliveryEvents";
import { runWithMocks, type RecordedResource } from "../../tools/mockEngine";
import { checkOperationInput } from "../support/apiModel";

const ACCOUNT = "123456789012";
const REGION = "ap-northeast-1";
const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:ie-ev-alerts`;
const INSTANCE = `arn:aws:connect:${REGION}:${ACCOUNT}:instance/00000000-0000-0000-0000-000000000000`;
const FN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:ie-ev-delivery-events`;
const RULE = (c: string) => `arn:aws:events:${REGION}:${ACCOUNT}:rule/ie-ev-delivery-${c}`;
const TARGET_DLQ = `arn:aws:sqs:${REGION}:${ACCOUNT}:ie-ev-delivery-events-target-dlq`;

async function build(
  extra: Partial<DeliveryEventsArgs>,
): Promise<{ resources: RecordedResource[]; setName: string }> {
  let setName = "";
  const { resources } = await runWithMocks({ stack: "ev", region: REGION }, () => {
    const events = new DeliveryEvents("events", {
      prefix: "ie-ev",
      accountId: ACCOUNT,
      region: REGION,
      language: "ja",
      incidentTable: {
        name: "ie-ev-incidents",
        arn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/ie-ev-incidents`,
      },
      alertsTopic: { arn: TOPIC, keyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/k` },
      sms: false,
      logRetentionDays: 30,
      ...extra,
    });
    setName = events.emailConfigurationSetName;
  });
  return { resources, setName };
}

const names = (resources: readonly RecordedResource[]) =>
  resources.map((r) => `${r.type} ${r.name}`).sort();
const one = (resources: readonly RecordedResource[], name: string, type?: string) => {
  const found = resources.filter((r) => r.name === name && (type === undefined || r.type === type));
  assert.equal(found.length, 1, name);
  return found[0].inputs;
};

describe("DeliveryEvents component (mock engine)", function () {
  this.timeout(60_000);

  it("SMS and a Connect instance, no configured set: exactly these resources, all children of the component", async () => {
    const { resources, setName } = await build({ sms: true, connectInstanceArn: INSTANCE });
    assert.equal(setName, "ie-ev-engine");
    assert.deepEqual(names(resources), [
      "aws:cloudwatch/eventRule:EventRule events-email",
      "aws:cloudwatch/eventRule:EventRule events-sms",
      "aws:cloudwatch/eventRule:EventRule events-voice",
      "aws:cloudwatch/eventTarget:EventTarget events-email-target",
      "aws:cloudwatch/eventTarget:EventTarget events-sms-target",
      "aws:cloudwatch/eventTarget:EventTarget events-voice-target",
      "aws:cloudwatch/logGroup:LogGroup events-function-logs",
      "aws:cloudwatch/metricAlarm:MetricAlarm events-function-dlq-depth",
      "aws:cloudwatch/metricAlarm:MetricAlarm events-function-errors",
      "aws:cloudwatch/metricAlarm:MetricAlarm events-target-dlq-depth",
      "aws:iam/role:Role events-function-role",
      "aws:iam/rolePolicy:RolePolicy events-function-policy",
      "aws:lambda/function:Function events-function",
      "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig events-function-invoke",
      "aws:lambda/permission:Permission events-email-invoke",
      "aws:lambda/permission:Permission events-sms-invoke",
      "aws:lambda/permission:Permission events-voice-invoke",
      "aws:sesv2/configurationSet:ConfigurationSet events-configuration-set",
      "aws:sesv2/configurationSetEventDestination:ConfigurationSetEventDestination events-ses-destination",
      "aws:sqs/queue:Queue events-function-dlq",
      "aws:sqs/queue:Queue events-target-dlq",
      "aws:sqs/queuePolicy:QueuePolicy events-target-dlq",
      "incident-escalation:index:DeliveryEvents events",
      "incident-escalation:index:HandlerFunction events-function",
    ]);
    for (const r of resources.filter((x) => x.name !== "events")) {
      assert.ok(["events", "events-function"].includes(String(r.parent)), r.name);
    }
  });

  it("the stack's own configuration set gets an EventBridge destination on the default bus for the published event types (SES API v2 EventBridgeDestination: only the default bus)", async () => {
    const { resources } = await build({ sms: true, connectInstanceArn: INSTANCE });
    const set = one(resources, "events-configuration-set");
    const destination = one(resources, "events-ses-destination");
    assert.deepEqual(set, { configurationSetName: "ie-ev-engine" });
    assert.deepEqual(destination, {
      configurationSetName: "ie-ev-engine",
      eventDestinationName: "ie-ev-delivery-events",
      eventDestination: {
        enabled: true,
        eventBridgeDestination: {
          eventBusArn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default`,
        },
        matchingEventTypes: [
          "DELIVERY",
          "BOUNCE",
          "COMPLAINT",
          "REJECT",
          "RENDERING_FAILURE",
          "DELIVERY_DELAY",
        ],
      },
    });
    assert.deepEqual(
      checkOperationInput("sesv2", "CreateConfigurationSet", {
        ConfigurationSetName: "ie-ev-engine",
      }),
      [],
    );
    assert.deepEqual(
      checkOperationInput("sesv2", "CreateConfigurationSetEventDestination", {
        ConfigurationSetName: "ie-ev-engine",
        EventDestinationName: "ie-ev-delivery-events",
        EventDestination: {
          Enabled: true,
          MatchingEventTypes: [
            "DELIVERY",
            "BOUNCE",
            "COMPLAINT",
            "REJECT",
            "RENDERING_FAILURE",
            "DELIVERY_DELAY",
          ],
          EventBridgeDestination: {
            EventBusArn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default`,
          },
        },
      }),
      [],
    );
  });

  it("a configured set: no set is created; the destination is added to it by name; no SMS or voice rule without those channels", async () => {
    const { resources, setName } = await build({ emailConfigurationSetName: "team-pages" });
    assert.equal(setName, "team-pages");
    assert.deepEqual(
      names(resources).filter((n) => /sesv2|eventRule|permission|eventTarget/.test(n)),
      [
        "aws:cloudwatch/eventRule:EventRule events-email",
        "aws:cloudwatch/eventTarget:EventTarget events-email-target",
        "aws:lambda/permission:Permission events-email-invoke",
        "aws:sesv2/configurationSetEventDestination:ConfigurationSetEventDestination events-ses-destination",
      ],
    );
    assert.equal(one(resources, "events-ses-destination").configurationSetName, "team-pages");
  });

  it("each rule: its exact pattern on the default bus, one target (the function) with EventBridge's retry policy and the target dead-letter queue, and an invoke permission scoped to that rule (aws:SourceArn); requests pass the events and lambda models", async () => {
    const { resources } = await build({ sms: true, connectInstanceArn: INSTANCE });
    assert.deepEqual(one(resources, "events-voice"), {
      name: "ie-ev-delivery-voice",
      description: "ie-ev: voice delivery events to ie-ev-delivery-events",
      eventPattern: JSON.stringify({
        source: ["aws.connect"],
        "detail-type": ["Amazon Connect Contact Event"],
        detail: {
          eventType: ["CONNECTED_TO_SYSTEM", "DISCONNECTED"],
          channel: ["VOICE"],
          instanceArn: [INSTANCE],
        },
      }),
    });
    for (const c of ["email", "sms", "voice"]) {
      const rule = one(resources, `events-${c}`);
      assert.equal(rule.name, `ie-ev-delivery-${c}`);
      const target = one(resources, `events-${c}-target`);
      assert.deepEqual(target, {
        rule: `ie-ev-delivery-${c}`,
        targetId: "delivery-events",
        arn: FN,
        retryPolicy: { maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185 },
        deadLetterConfig: { arn: TARGET_DLQ },
      });
      assert.deepEqual(one(resources, `events-${c}-invoke`), {
        action: "lambda:InvokeFunction",
        function: "ie-ev-delivery-events",
        principal: "events.amazonaws.com",
        sourceArn: RULE(c),
      });
      assert.deepEqual(
        checkOperationInput("events", "PutRule", {
          Name: rule.name,
          Description: rule.description,
          EventPattern: rule.eventPattern,
        }),
        [],
      );
      assert.deepEqual(
        checkOperationInput("events", "PutTargets", {
          Rule: target.rule,
          Targets: [
            {
              Id: "delivery-events",
              Arn: FN,
              RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
              DeadLetterConfig: { Arn: TARGET_DLQ },
            },
          ],
        }),
        [],
      );
      assert.deepEqual(
        checkOperationInput("lambda", "AddPermission", {
          FunctionName: "ie-ev-delivery-events",
          StatementId: `events-${c}-invoke`,
          Action: "lambda:InvokeFunction",
          Principal: "events.amazonaws.com",
          SourceArn: RULE(c),
        }),
        [],
      );
    }
  });

  it("the target dead-letter queue takes messages only from these rules, and its depth alarms Slack", async () => {
    const { resources } = await build({ sms: true, connectInstanceArn: INSTANCE });
    const policy = JSON.parse(
      String(one(resources, "events-target-dlq", "aws:sqs/queuePolicy:QueuePolicy").policy),
    ) as unknown;
    assert.deepEqual(policy, {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "EventBridgeDeadLetters",
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: ["sqs:SendMessage"],
          Resource: [TARGET_DLQ],
          Condition: {
            ArnEquals: { "aws:SourceArn": [RULE("email"), RULE("sms"), RULE("voice")] },
          },
        },
      ],
    });
    const alarm = one(resources, "events-target-dlq-depth");
    assert.equal(alarm.name, "ie-ev-delivery-events-target-dlq-depth");
    assert.deepEqual(alarm.dimensions, { QueueName: "ie-ev-delivery-events-target-dlq" });
    assert.deepEqual(alarm.alarmActions, [TOPIC]);
  });

  it("the function: its bundle, no personal data in the environment, two async retries then its own dead-letter queue, and a role that may only read and append to the table and post to Slack", async () => {
    const { resources } = await build({ sms: true, connectInstanceArn: INSTANCE });
    const fn = one(resources, "events-function", "aws:lambda/function:Function");
    assert.deepEqual((fn.environment as { variables: unknown }).variables, {
      INCIDENT_TABLE: "ie-ev-incidents",
      ALERTS_TOPIC_ARN: TOPIC,
      LANGUAGE: "ja",
    });
    assert.equal(fn.timeout, 30);
    assert.equal(fn.sourceCodeHash, handlerBundle("deliveryEvents").sha256);
    assert.deepEqual(one(resources, "events-function-invoke"), {
      functionName: "ie-ev-delivery-events",
      maximumRetryAttempts: 2,
      maximumEventAgeInSeconds: 21600,
      destinationConfig: {
        onFailure: { destination: `arn:aws:sqs:${REGION}:${ACCOUNT}:ie-ev-delivery-events-dlq` },
      },
    });
    const policy = JSON.parse(String(one(resources, "events-function-policy").policy)) as {
      Statement: unknown[];
    };
    assert.deepEqual(policy.Statement.slice(2), [
      {
        Sid: "RecordDeliveries",
        Effect: "Allow",
        Action: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
        Resource: [`arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/ie-ev-incidents`],
      },
      { Sid: "PostSlackNotes", Effect: "Allow", Action: ["sns:Publish"], Resource: [TOPIC] },
      {
        Sid: "EncryptSlackNotes",
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: [`arn:aws:kms:${REGION}:${ACCOUNT}:key/k`],
      },
    ]);
  });
});
