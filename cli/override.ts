/**
 * `npm run override -- --stack <s> --rotation <name> --member <alias> --from <time> --to <time>`
 * `npm run override -- --stack <s> --rotation <name> --list`
 *
 * Rotation overrides: `member` is on call in `rotation` instead of the scheduled member from
 * `--from` to `--to` (ISO-8601 with an offset, e.g. 2026-12-24T18:00:00+09:00). Incident Manager
 * stacks: CreateRotationOverride / ListRotationOverrides; step-functions stacks: the incident
 * table's override item (tools/override.ts), which the same on-call resolver reads
 * (tools/timeline.ts rotationAt).
 *
 * Exit codes: 0 done, 2 usage, config, credential or AWS errors.
 */
import * as path from "node:path";
import { defaultPrefix } from "../components/builders";
import { incidentTableName } from "../handlers/shared/incidentStore";
import { describeAwsError } from "../tools/awsErrors";
import { parseCliArgs, runMain, type CliArgs } from "../tools/cliArgs";
import {
  activeAndUpcoming,
  createImOverride,
  describeOverrideError,
  LIST_WINDOW_MS,
  listImOverrides,
  listSfOverrides,
  overrideLine,
  OverrideCallError,
  overrideProblems,
  overrideRegion,
  putSfOverride,
  SDK_OVERRIDE_CLIENTS,
  type OverrideClients,
} from "../tools/override";
import { loadStackConfigFile } from "../tools/stackFile";

export const OVERRIDE_USAGE = `Usage: npm run override -- --stack <name> --rotation <name> --member <alias> --from <time> --to <time>
       npm run override -- --stack <name> --rotation <name> --list

Rotation overrides: <alias> is on call in the rotation instead of its scheduled member.
  --stack <name>      stack whose Pulumi.<name>.yaml to read (required)
  --rotation <name>   the rotation (onCall[].name in the stack config; required)
  --member <alias>    the contact on call during the override (contacts[].alias)
  --from <time>       start, ISO-8601 with an offset, e.g. 2026-12-24T18:00:00+09:00
  --to <time>         end (exclusive), after --from and in the future
  --list              list the rotation's active and upcoming overrides
  --region <region>   AWS region (default: aws:region of the stack, then the AWS SDK default)
  --help              this text

Incident Manager stacks: ssm-contacts:ListRotations, ListContacts, CreateRotationOverride,
ListRotationOverrides. Step-functions stacks: dynamodb:UpdateItem / GetItem on <prefix>-incidents.
Exit codes: 0 done, 2 usage, config, credential or AWS errors.`;

export interface OverrideArgs {
  readonly stack: string;
  readonly rotation: string;
  readonly region?: string;
  readonly action:
    | { readonly kind: "list" }
    | { readonly kind: "create"; readonly member: string; readonly from: Date; readonly to: Date };
}

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

export function parseOverrideArgs(argv: readonly string[]): CliArgs<OverrideArgs> {
  return parseCliArgs(
    argv,
    OVERRIDE_USAGE,
    {
      stack: { type: "string" },
      rotation: { type: "string" },
      member: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      list: { type: "boolean", default: false },
      region: { type: "string" },
    },
    (v): CliArgs<OverrideArgs> => {
      const error = (message: string) => ({ kind: "error" as const, message });
      if (!v.stack) return error("--stack <name> is required");
      if (!v.rotation) return error("--rotation <name> is required");
      const base = {
        stack: v.stack,
        rotation: v.rotation,
        ...(v.region ? { region: v.region } : {}),
      };
      if (v.list) {
        if (v.member !== undefined || v.from !== undefined || v.to !== undefined) {
          return error("--list takes no --member, --from or --to");
        }
        return { kind: "run", args: { ...base, action: { kind: "list" } } };
      }
      if (!v.member) return error("--member <alias> is required (or --list)");
      for (const [flag, value] of [
        ["--from", v.from],
        ["--to", v.to],
      ] as const) {
        if (value === undefined) return error(`${flag} <time> is required`);
        if (!TIME.test(value) || Number.isNaN(Date.parse(value))) {
          return error(
            `${flag} ${JSON.stringify(value)} is not an ISO-8601 time with an offset (e.g. 2026-12-24T18:00:00+09:00)`,
          );
        }
      }
      return {
        kind: "run",
        args: {
          ...base,
          action: {
            kind: "create",
            member: v.member,
            from: new Date(v.from as string),
            to: new Date(v.to as string),
          },
        },
      };
    },
  );
}

export interface OverrideIo {
  readonly argv: readonly string[];
  /** Folder holding the Pulumi.<stack>.yaml files. */
  readonly root: string;
  readonly now: () => Date;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly contacts: OverrideClients["contacts"];
  readonly dynamodb: OverrideClients["dynamodb"];
}

export async function override(io: OverrideIo): Promise<0 | 2> {
  const parsed = parseOverrideArgs(io.argv);
  if (parsed.kind === "help") {
    io.out(parsed.text);
    return 0;
  }
  if (parsed.kind === "error") {
    io.err(`override: ${parsed.message}\n\n${OVERRIDE_USAGE}`);
    return 2;
  }
  const a = parsed.args;
  let loaded: ReturnType<typeof loadStackConfigFile>;
  try {
    loaded = loadStackConfigFile(path.join(io.root, `Pulumi.${a.stack}.yaml`), a.stack);
  } catch (err: unknown) {
    io.err(`override: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  const { config: cfg, stackFile } = loaded;
  const region = overrideRegion(stackFile.config, a.region);
  const prefix = cfg.prefix ?? defaultPrefix(a.stack);
  const rotation = cfg.onCall.find((r) => r.name === a.rotation);
  if (rotation === undefined) {
    const known = cfg.onCall.map((r) => r.name).join(", ") || "none";
    io.err(
      `override: --rotation "${a.rotation}" is not a rotation of stack ${a.stack} (known: ${known})`,
    );
    return 2;
  }
  const now = io.now();
  if (a.action.kind === "create") {
    const { member, from, to } = a.action;
    if (!cfg.contacts.some((c) => c.alias === member)) {
      io.err(`override: --member "${member}" is not a contact alias of stack ${a.stack}`);
      return 2;
    }
    const problem = overrideProblems({ from, to }, now);
    if (problem !== undefined) {
      io.err(`override: ${problem}`);
      return 2;
    }
  }
  const table = incidentTableName(prefix);
  try {
    if (cfg.backend === "step-functions") {
      const client = io.dynamodb(region);
      if (a.action.kind === "create") {
        await putSfOverride(client, table, { prefix, rotation: a.rotation, ...a.action }, now);
        io.out(
          `override stored in ${table}: ${a.action.member} on call in ${a.rotation} from ${a.action.from.toISOString()} to ${a.action.to.toISOString()}`,
        );
        return 0;
      }
      printList(io, activeAndUpcoming(await listSfOverrides(client, table, a.rotation), now));
      return 0;
    }
    const client = io.contacts(region);
    if (a.action.kind === "create") {
      const id = await createImOverride(client, { prefix, rotation: a.rotation, ...a.action });
      io.out(
        `rotation override ${id}: ${a.action.member} on call in ${a.rotation} from ${a.action.from.toISOString()} to ${a.action.to.toISOString()}`,
      );
      return 0;
    }
    // ListRotationOverrides needs a window: from now to a year ahead.
    const until = new Date(now.getTime() + LIST_WINDOW_MS);
    printList(
      io,
      activeAndUpcoming(await listImOverrides(client, prefix, a.rotation, now, until), now),
    );
    return 0;
  } catch (err: unknown) {
    const action =
      cfg.backend === "step-functions"
        ? a.action.kind === "create"
          ? "dynamodb:UpdateItem"
          : "dynamodb:GetItem"
        : a.action.kind === "create"
          ? "ssm-contacts:CreateRotationOverride"
          : "ssm-contacts:ListRotationOverrides";
    io.err(
      `override: ${err instanceof OverrideCallError ? describeOverrideError(err) : describeAwsError(err, action)}`,
    );
    return 2;
  }
}

function printList(io: OverrideIo, list: ReturnType<typeof activeAndUpcoming>): void {
  if (list.length === 0) io.out("no active or upcoming overrides");
  for (const e of list) io.out(overrideLine(e));
}

if (require.main === module) {
  runMain("override", (argv) =>
    override({
      argv,
      root: path.join(__dirname, ".."),
      now: () => new Date(),
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
      ...SDK_OVERRIDE_CLIENTS,
    }),
  );
}
