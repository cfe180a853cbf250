/**
 * `npm run ack -- --stack <name> --incident <id> [--as <alias>] [--region <region>] [--help]`
 *
 * Acknowledges an incident of the step-functions backend from a terminal, as the link in a page
 * does: one conditional write to the stack's incident table (status open → acknowledged), after
 * which the engine sends nothing more (it reads the status before every send). A second run, or
 * a run after someone acknowledged by link, changes nothing and says who did; a resolved incident
 * is never acknowledged.
 *
 * Exit codes: 0 acknowledged (now or before), 1 resolved or no such incident (nothing changed),
 * 2 usage, config, credential or AWS errors.
 */
import * as path from "node:path";
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { parseStrictArgs } from "../tools/cliArgs";
import { AwsCallError, awsCall, describeAwsError } from "../tools/awsErrors";
import {
  acknowledgeRequest,
  getIncidentRequest,
  parseIncident,
  type Incident,
} from "../handlers/shared/incidentStore";
import { alarmLabel, INCIDENT_ID, stackTable, type CliIo } from "./incidentTable";

export const ACK_USAGE = `Usage: npm run ack -- --stack <name> --incident <id> [--as <alias>] [--region <region>]

Acknowledges an incident of the step-functions backend: the pages still pending for it are not
sent. Does what the link in an e-mail or SMS page does; nothing changes if the incident is
already acknowledged or resolved.

  --stack <name>      stack whose Pulumi.<name>.yaml to read (required)
  --incident <id>     incident id, as \`npm run incidents\` lists it (required)
  --as <alias>        contact alias recorded as the one who acknowledged (default: cli)
  --region <region>   AWS region (default: aws:region of the stack, then the AWS SDK default)
  --help              this text

Needs: dynamodb:UpdateItem and dynamodb:GetItem on the table <prefix>-incidents.
Exit codes: 0 acknowledged (now or before), 1 resolved or no such incident, 2 usage, config,
credential or AWS errors.`;

export interface AckOptions {
  readonly stack: string;
  readonly incident: string;
  readonly as: string;
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
  const as = v.as ?? "cli";
  if (!ALIAS.test(as)) {
    return {
      kind: "error",
      message: `--as ${JSON.stringify(as)} is not a contact alias ([a-z0-9_-])`,
    };
  }
  return {
    kind: "run",
    options: {
      stack: v.stack,
      incident: v.incident,
      as,
      ...(v.region ? { region: v.region } : {}),
    },
  };
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
  return {
    code: 0,
    text: `incident ${id} was already acknowledged at ${old.acknowledgedAt ?? "?"} by ${old.acknowledgedBy ?? "?"} via ${old.acknowledgedVia ?? "?"}; nothing changed`,
  };
}

export async function ack(io: CliIo): Promise<0 | 1 | 2> {
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
  let table: string;
  let region: string | undefined;
  try {
    ({ table, region } = stackTable(io.root, opts.stack, opts.region));
  } catch (err: unknown) {
    io.err(`ack: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  const client = io.dynamodb(region);
  const request = acknowledgeRequest(table, opts.incident, {
    at: io.now(),
    contact: opts.as,
    channel: "cli",
  });
  try {
    try {
      const out = await client.send(new UpdateItemCommand(request));
      const inc = parseIncident(out.Attributes ?? {});
      io.out(
        `acknowledged incident ${inc.id} (alarm ${alarmLabel(inc)}, level ${inc.alertLevel}) at ${inc.acknowledgedAt ?? "?"} as ${opts.as}: pending pages will not be sent`,
      );
      return 0;
    } catch (err: unknown) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const old =
        err.Item !== undefined
          ? parseIncident(err.Item)
          : await awsCall("dynamodb:GetItem", async () => {
              const got = await client.send(
                new GetItemCommand(getIncidentRequest(table, opts.incident)),
              );
              return got.Item === undefined ? undefined : parseIncident(got.Item);
            });
      const { code, text } = unchangedMessage(opts.incident, old, table);
      (code === 0 ? io.out : io.err)(text);
      return code;
    }
  } catch (err: unknown) {
    io.err(
      `ack: table ${table}: ${err instanceof AwsCallError ? err.message : describeAwsError(err, "dynamodb:UpdateItem")}`,
    );
    return 2;
  }
}

if (require.main === module) {
  ack({
    argv: process.argv.slice(2),
    root: path.join(__dirname, ".."),
    now: () => new Date(),
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    dynamodb: (region) => new DynamoDBClient(region ? { region } : {}),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`ack: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
