/**
 * `npm run incidents -- --stack <name> [--limit <n>] [--show <id>] [--resolve <id>] [--as <alias>]
 *                      [--region <region>] [--help]`
 *
 * The incidents of the step-functions backend, from a terminal: the most recent ones (default),
 * one incident's timeline (`--show`), or resolve one (`--resolve`: status open or acknowledged →
 * resolved, conditional, so resolving twice changes nothing). Reads and writes only the stack's
 * incident table.
 *
 * Exit codes: 0 done, 1 no such incident or already resolved (nothing changed), 2 usage, config,
 * credential or AWS errors.
 */
import * as path from "node:path";
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { parseStrictArgs, runMain } from "../tools/cliArgs";
import { describeAwsError } from "../tools/awsErrors";
import {
  getIncidentRequest,
  listRecentRequest,
  parseIncident,
  resolveRequest,
} from "../handlers/shared/incidentStore";
import {
  INCIDENT_ID,
  incidentLine,
  stackTable,
  timelineText,
  type CliIo,
} from "../tools/incidentTable";

export const INCIDENTS_USAGE = `Usage: npm run incidents -- --stack <name> [--limit <n>] [--show <id>] [--resolve <id>]
                          [--as <alias>] [--region <region>]

Incidents of the step-functions backend (the table <prefix>-incidents):
  (no action)         list the most recently opened incidents, newest first
  --show <id>         print one incident and its timeline (who was paged when, over which
                      channel, deliveries, who acknowledged)
  --resolve <id>      resolve an open or acknowledged incident (its escalation stops)

  --stack <name>      stack whose Pulumi.<name>.yaml to read (required)
  --limit <n>         how many to list (1-100, default 20)
  --as <alias>        with --resolve: contact alias recorded as the one who resolved (default: cli)
  --region <region>   AWS region (default: aws:region of the stack, then the AWS SDK default)
  --help              this text

Needs: dynamodb:Query on the table's index "recent" (list), dynamodb:GetItem (show),
dynamodb:UpdateItem (resolve).
Exit codes: 0 done, 1 no such incident or already resolved, 2 usage, config, credential or AWS
errors.`;

export type IncidentsAction =
  | { readonly kind: "list"; readonly limit: number }
  | { readonly kind: "show"; readonly id: string }
  | { readonly kind: "resolve"; readonly id: string; readonly as: string };

export type ParsedIncidentsArgs =
  | { readonly kind: "help" }
  | { readonly kind: "error"; readonly message: string }
  | {
      readonly kind: "run";
      readonly stack: string;
      readonly region?: string;
      readonly action: IncidentsAction;
    };

const ALIAS = /^[a-z0-9_-]{1,64}$/;

function idError(flag: string, id: string): string | undefined {
  return INCIDENT_ID.test(id)
    ? undefined
    : `${flag} ${JSON.stringify(id)} is not an incident id ([A-Za-z0-9_-], 1-80 characters)`;
}

export function parseIncidentsArgs(argv: readonly string[]): ParsedIncidentsArgs {
  const parsed = parseStrictArgs(argv, {
    stack: { type: "string" },
    limit: { type: "string" },
    show: { type: "string" },
    resolve: { type: "string" },
    as: { type: "string" },
    region: { type: "string" },
    help: { type: "boolean", default: false },
  });
  if (!parsed.ok) return { kind: "error", message: parsed.message };
  const v = parsed.values;
  if (v.help) return { kind: "help" };
  if (!v.stack) return { kind: "error", message: "--stack <name> is required" };
  if (v.show !== undefined && v.resolve !== undefined) {
    return { kind: "error", message: "--show and --resolve cannot be used together" };
  }
  if (v.as !== undefined && v.resolve === undefined) {
    return { kind: "error", message: "--as is only used with --resolve" };
  }
  if (v.limit !== undefined && (v.show !== undefined || v.resolve !== undefined)) {
    return { kind: "error", message: "--limit is only used when listing" };
  }
  const base = { kind: "run" as const, stack: v.stack, ...(v.region ? { region: v.region } : {}) };
  if (v.show !== undefined) {
    const e = idError("--show", v.show);
    return e ? { kind: "error", message: e } : { ...base, action: { kind: "show", id: v.show } };
  }
  if (v.resolve !== undefined) {
    const e = idError("--resolve", v.resolve);
    if (e) return { kind: "error", message: e };
    const as = v.as ?? "cli";
    if (!ALIAS.test(as)) {
      return {
        kind: "error",
        message: `--as ${JSON.stringify(as)} is not a contact alias ([a-z0-9_-])`,
      };
    }
    return { ...base, action: { kind: "resolve", id: v.resolve, as } };
  }
  const limit = v.limit === undefined ? 20 : Number(v.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    return {
      kind: "error",
      message: `--limit ${JSON.stringify(v.limit)} is not a whole number from 1 to 100`,
    };
  }
  return { ...base, action: { kind: "list", limit } };
}

const ACTION_OF = {
  list: "dynamodb:Query",
  show: "dynamodb:GetItem",
  resolve: "dynamodb:UpdateItem",
} as const;

export async function incidents(io: CliIo): Promise<0 | 1 | 2> {
  const parsed = parseIncidentsArgs(io.argv);
  if (parsed.kind === "help") {
    io.out(INCIDENTS_USAGE);
    return 0;
  }
  if (parsed.kind === "error") {
    io.err(`incidents: ${parsed.message}\n\n${INCIDENTS_USAGE}`);
    return 2;
  }
  let table: string;
  let region: string | undefined;
  try {
    ({ table, region } = stackTable(io.root, parsed.stack, parsed.region));
  } catch (err: unknown) {
    io.err(`incidents: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  const client = io.dynamodb(region);
  const action = parsed.action;
  try {
    if (action.kind === "list") {
      const out = await client.send(new QueryCommand(listRecentRequest(table, action.limit)));
      const items = (out.Items ?? []).map(parseIncident);
      if (items.length === 0) io.out(`no incidents in ${table}`);
      for (const inc of items) io.out(incidentLine(inc));
      return 0;
    }
    if (action.kind === "show") {
      const out = await client.send(new GetItemCommand(getIncidentRequest(table, action.id)));
      if (out.Item === undefined) {
        io.err(`incidents: no incident ${action.id} in table ${table}`);
        return 1;
      }
      io.out(timelineText(parseIncident(out.Item)));
      return 0;
    }
    try {
      const out = await client.send(
        new UpdateItemCommand(
          resolveRequest(table, action.id, { at: io.now(), detail: "cli", contact: action.as }),
        ),
      );
      const inc = parseIncident(out.Attributes ?? {});
      io.out(`resolved incident ${inc.id} at ${inc.resolvedAt ?? "?"}: its escalation stops`);
      return 0;
    } catch (err: unknown) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const got =
        err.Item ??
        (await client.send(new GetItemCommand(getIncidentRequest(table, action.id)))).Item;
      io.err(
        got === undefined
          ? `incidents: no incident ${action.id} in table ${table}; nothing changed`
          : `incidents: incident ${action.id} is already resolved (${parseIncident(got).resolvedAt ?? "?"}); nothing changed`,
      );
      return 1;
    }
  } catch (err: unknown) {
    io.err(`incidents: table ${table}: ${describeAwsError(err, ACTION_OF[action.kind])}`);
    return 2;
  }
}

if (require.main === module) {
  runMain("incidents", (argv) =>
    incidents({
      argv,
      root: path.join(__dirname, ".."),
      now: () => new Date(),
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
      dynamodb: (region) => new DynamoDBClient(region ? { region } : {}),
    }),
  );
}
