/**
 * `npm run ack -- --stack <name> --incident <id> [--as <name> | --contact <alias>] [--region <region>] [--help]`
 *
 * Acknowledges an incident of the step-functions backend from a terminal, as the link in a page
 * does: a conditional write to the stack's incident table (handlers/ack/adapters.ts acknowledge,
 * the endpoint's own code), after which the engine sends nothing more (it reads the status before
 * every send), and the same Slack note the endpoint posts (SNS Publish to the stack's alerts topic
 * `<prefix>-alerts`, found by name with ListTopics, never built by hand).
 * - `--as <name>` (default `operator`): a person at a terminal, recorded as `cli:<name>`; stops the
 *   escalation whoever was paged (acknowledgeRequest `by: "operator"`).
 * - `--contact <alias>`: acknowledges as that contact, by the same rule as the contact's link: an
 *   essential target stops the escalation, a target of a non-essential stage is recorded and the
 *   escalation goes on.
 * A second run, or a run after someone acknowledged by link, changes nothing and says who did; a
 * resolved incident is never acknowledged.
 *
 * Exit codes: 0 acknowledged or recorded (now or before), 1 resolved or no such incident (nothing
 * changed), 2 usage, config, credential or AWS errors. A lost Slack note is reported on stderr and
 * keeps exit 0 (the acknowledgement is written).
 */
import * as path from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ListTopicsCommand, PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { acknowledge } from "../handlers/ack/adapters";
import { acknowledgedNotification } from "../handlers/ack/core";
import type { Incident } from "../handlers/shared/incidentStore";
import { parseStrictArgs, runMain } from "../tools/cliArgs";
import { AwsCallError, awsCall, describeAwsError } from "../tools/awsErrors";
import { alarmLabel, INCIDENT_ID, stackTable, type CliIo } from "../tools/incidentTable";

export const ACK_USAGE = `Usage: npm run ack -- --stack <name> --incident <id> [--as <name> | --contact <alias>]
                    [--region <region>]

Acknowledges an incident of the step-functions backend: the pages still pending for it are not
sent, and Slack hears it. Does what the link in an e-mail or SMS page does; nothing changes if the
incident is already acknowledged or resolved.

  --stack <name>      stack whose Pulumi.<name>.yaml to read (required)
  --incident <id>     incident id, as \`npm run incidents\` lists it (required)
  --as <name>         who you are, recorded as cli:<name> (default: operator); stops the
                      escalation whoever was paged
  --contact <alias>   acknowledge as this contact instead: as its link does, only an essential
                      target stops the escalation; a non-essential one is recorded
  --region <region>   AWS region (default: aws:region of the stack, then the AWS SDK default)
  --help              this text

Needs: dynamodb:UpdateItem and dynamodb:GetItem on the table <prefix>-incidents; sns:ListTopics,
sns:Publish on the topic <prefix>-alerts and kms:GenerateDataKey, kms:Decrypt on its key.
Exit codes: 0 acknowledged or recorded (now or before), 1 resolved or no such incident, 2 usage,
config, credential or AWS errors.`;

/** The I/O of `npm run ack`: the incident CLIs' plus an SNS client for the Slack note. */
export interface AckIo extends CliIo {
  readonly sns: (region: string | undefined) => SNSClient;
}

export interface AckOptions {
  readonly stack: string;
  readonly incident: string;
  /** Recorded as the acknowledger: `cli:<name>` (operator) or the contact alias. */
  readonly acknowledger: string;
  /** operator: stops whoever was paged; contact: the contact's own rule (essential or not). */
  readonly by: "operator" | "contact";
  readonly region?: string;
}

export type ParsedAckArgs =
  | { readonly kind: "help" }
  | { readonly kind: "error"; readonly message: string }
  | { readonly kind: "run"; readonly options: AckOptions };

const ALIAS = /^[a-z0-9_-]{1,64}$/;

export function parseAckArgs(argv: readonly string[]): ParsedAckArgs {
  const parsed = parseStrictArgs(argv, {
    stack: { type: "string" },
    incident: { type: "string" },
    as: { type: "string" },
    contact: { type: "string" },
    region: { type: "string" },
    help: { type: "boolean", default: false },
  });
  if (!parsed.ok) return { kind: "error", message: parsed.message };
  const v = parsed.values;
  if (v.help) return { kind: "help" };
  if (!v.stack) return { kind: "error", message: "--stack <name> is required" };
  if (!v.incident) return { kind: "error", message: "--incident <id> is required" };
  if (!INCIDENT_ID.test(v.incident)) {
    return {
      kind: "error",
      message: `--incident ${JSON.stringify(v.incident)} is not an incident id ([A-Za-z0-9_-], 1-80 characters)`,
    };
  }
  if (v.as !== undefined && v.contact !== undefined) {
    return { kind: "error", message: "--as and --contact exclude each other: give one" };
  }
  const name = v.contact ?? v.as ?? "operator";
  if (!ALIAS.test(name)) {
    return {
      kind: "error",
      message: `${v.contact !== undefined ? "--contact" : "--as"} ${JSON.stringify(name)} is not a contact alias ([a-z0-9_-], 1-64 characters)`,
    };
  }
  return {
    kind: "run",
    options: {
      stack: v.stack,
      incident: v.incident,
      acknowledger: v.contact !== undefined ? name : `cli:${name}`,
      by: v.contact !== undefined ? "contact" : "operator",
      ...(v.region ? { region: v.region } : {}),
    },
  };
}

/**
 * The alerts topic's ARN: the topic named `<prefix>-alerts` (components/alertsTopic.ts) among the
 * account's topics in the region. ListTopics returns "a limited list of topics, up to 100" per call
 * and a NextToken while there are more (SNS API reference, ListTopics); a topic ARN ends with the
 * topic name (arn:aws:sns:<region>:<account>:<name>).
 */
export async function findAlertsTopic(client: SNSClient, prefix: string): Promise<string> {
  const name = `${prefix}-alerts`;
  let next: string | undefined;
  for (let page = 0; page < 100; page += 1) {
    const out = await awsCall("sns:ListTopics", () =>
      client.send(new ListTopicsCommand(next === undefined ? {} : { NextToken: next })),
    );
    const arn = (out.Topics ?? [])
      .map((t) => t.TopicArn)
      .find((a): a is string => a !== undefined && a.split(":")[5] === name);
    if (arn !== undefined) return arn;
    next = out.NextToken;
    if (next === undefined) break;
  }
  throw new Error(`no SNS topic named ${name} in this account and region`);
}

/** The message for an incident whose acknowledgement changed nothing. */
export function unchangedMessage(
  id: string,
  old: Incident | undefined,
  table: string,
): { code: 0 | 1; text: string } {
  if (old === undefined)
    return { code: 1, text: `ack: no incident ${id} in table ${table}; nothing changed` };
  if (old.status === "resolved") {
    return {
      code: 1,
      text: `ack: incident ${id} is resolved (${old.resolvedAt ?? "?"}); nothing changed`,
    };
  }
  if (old.status === "open") {
    return {
      code: 0,
      text: `incident ${id}: the acknowledgement of this contact was already recorded (paged by a stage that is not essential); nothing changed, the escalation goes on`,
    };
  }
  return {
    code: 0,
    text: `incident ${id} was already acknowledged at ${old.acknowledgedAt ?? "?"} by ${old.acknowledgedBy ?? "?"} via ${old.acknowledgedVia ?? "?"}; nothing changed`,
  };
}

export async function ack(io: AckIo): Promise<0 | 1 | 2> {
  const parsed = parseAckArgs(io.argv);
  if (parsed.kind === "help") {
    io.out(ACK_USAGE);
    return 0;
  }
  if (parsed.kind === "error") {
    io.err(`ack: ${parsed.message}\n\n${ACK_USAGE}`);
    return 2;
  }
  const opts = parsed.options;
  let stack: ReturnType<typeof stackTable>;
  try {
    stack = stackTable(io.root, opts.stack, opts.region);
  } catch (err: unknown) {
    io.err(`ack: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  const { table, region } = stack;
  const at = io.now();
  let incident: Incident;
  let essential: boolean;
  try {
    const outcome = await acknowledge(io.dynamodb(region), table, {
      id: opts.incident,
      at,
      contact: opts.acknowledger,
      channel: "cli",
      by: opts.by,
    });
    if (!outcome.written) {
      const { code, text } = unchangedMessage(opts.incident, outcome.old, table);
      (code === 0 ? io.out : io.err)(text);
      return code;
    }
    ({ incident, essential } = outcome);
  } catch (err: unknown) {
    io.err(
      `ack: table ${table}: ${err instanceof AwsCallError ? err.message : describeAwsError(err, "dynamodb:UpdateItem")}`,
    );
    return 2;
  }
  io.out(
    essential
      ? `acknowledged incident ${incident.id} (alarm ${alarmLabel(incident)}, level ${incident.alertLevel}) at ${incident.acknowledgedAt ?? "?"} as ${opts.acknowledger}: pending pages will not be sent`
      : `recorded the acknowledgement of incident ${incident.id} (alarm ${alarmLabel(incident)}, level ${incident.alertLevel}) by ${opts.acknowledger}, paged by a stage that is not essential: the escalation goes on until an essential target acknowledges`,
  );
  try {
    const sns = io.sns(region);
    const topicArn = await findAlertsTopic(sns, stack.prefix);
    const message = acknowledgedNotification(
      stack.language,
      incident,
      { contact: opts.acknowledger, channel: "cli", essential },
      at.toISOString(),
    );
    await awsCall("sns:Publish", () =>
      sns.send(new PublishCommand({ TopicArn: topicArn, Message: message })),
    );
  } catch (err: unknown) {
    io.err(
      `ack: the acknowledgement is recorded, but the Slack note was not posted: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return 0;
}

if (require.main === module) {
  runMain("ack", (argv) =>
    ack({
      argv,
      root: path.join(__dirname, ".."),
      now: () => new Date(),
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
      dynamodb: (region) => new DynamoDBClient(region ? { region } : {}),
      sns: (region) => new SNSClient(region ? { region } : {}),
    }),
  );
}
