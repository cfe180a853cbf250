/**
 * Rotation overrides (`npm run override`, cli/override.ts): someone else is on call for a while.
 *
 * - Incident Manager backend: ssm-contacts CreateRotationOverride and ListRotationOverrides. The
 *   rotation's ARN comes from ListRotations (paginated with NextToken; the name the component
 *   gives it, `<prefix>-<rotation>`, builders.ts names.rotation), the member's contact ARN from
 *   ListContacts (paginated; alias `<prefix>-<alias>`, names.contact): never built by hand.
 * - Step-functions backend: its own store, one item per rotation in the incident table
 *   `<prefix>-incidents`, `pk = "OVERRIDE#<rotation>"`, holding the list `overrides` of
 *   {member, from, to, createdAt}. The table's hash key is `pk` only (handlers/shared/
 *   incidentStore.ts), so one item per rotation, appended with list_append; the item has no
 *   `type` attribute, so it never appears in the incidents' `recent` index (a sparse GSI holds
 *   only items with its key attribute: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-indexes-general-sparse-indexes.html).
 *   A new table was not needed: one more resource, role statement and alarm for a few items.
 *   The key, the GetItem request and the parser are handlers/shared/overrides.ts, which the
 *   escalation engine reads the store with at each stage (handlers/engine/handler.ts).
 *   Overrides read from either store become RotationOverride values, which tools/timeline.ts
 *   rotationAt (the on-call resolver the plan, the guide and the engine use) honours.
 *
 * Request builders are pure (specs assert them literally against aws-models/); the runners take
 * the clients.
 */
import {
  CreateRotationOverrideCommand,
  ListContactsCommand,
  ListRotationOverridesCommand,
  ListRotationsCommand,
  SSMContactsClient,
  type CreateRotationOverrideCommandInput,
} from "@aws-sdk/client-ssm-contacts";
import {
  GetItemCommand,
  UpdateItemCommand,
  DynamoDBClient,
  type UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import { createHash } from "node:crypto";
import { defaultPrefix, names } from "../components/builders";
import { incidentTableName } from "../handlers/shared/incidentStore";
import { describeAwsError } from "./awsErrors";
import {
  getOverridesRequest,
  overrideKey,
  parseOverrides,
  type RotationOverride,
} from "../handlers/shared/overrides";

// The store's pure pieces live beside the engine that reads them (handlers/shared/overrides.ts).
export { getOverridesRequest, overrideKey, parseOverrides, type RotationOverride };

/** What the CLI asks for: `member` on call in `rotation` from `from` to `to`. */
export interface OverrideRequest {
  readonly prefix: string;
  readonly rotation: string;
  readonly member: string;
  readonly from: Date;
  readonly to: Date;
}

/** The checks every override passes before any request: a clear message naming the flag. */
export function overrideProblems(
  r: Pick<OverrideRequest, "from" | "to">,
  now: Date,
): string | undefined {
  if (Number.isNaN(r.from.getTime())) return "--from is not an ISO-8601 time";
  if (Number.isNaN(r.to.getTime())) return "--to is not an ISO-8601 time";
  if (r.to.getTime() <= r.from.getTime()) return "--to must be after --from";
  if (r.to.getTime() <= now.getTime()) return "--to is in the past: the override would never apply";
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Incident Manager
// ---------------------------------------------------------------------------------------------

/** Paginates a List* call whose result has NextToken. */
async function allPages<T>(
  page: (token: string | undefined) => Promise<{ items: T[]; next?: string }>,
): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  for (let n = 0; n < 1000; n++) {
    const { items, next } = await page(token);
    out.push(...items);
    if (next === undefined || next === "") return out;
    token = next;
  }
  throw new Error("more than 1000 pages; giving up");
}

/**
 * An AWS call of the override commands that failed: `action` is the IAM action it needed
 * (`<service>:<Operation>`), `cause` the SDK's error (tools/awsErrors.ts describeAwsError names
 * both).
 */
export class OverrideCallError extends Error {
  constructor(
    readonly action: string,
    override readonly cause: unknown,
  ) {
    super(`${action} failed`);
    this.name = "OverrideCallError";
  }
}

async function aws<T>(action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err: unknown) {
    throw new OverrideCallError(action, err);
  }
}

/** One line for a failed override command: the AWS call and what to do, or the error's message. */
export function describeOverrideError(err: unknown): string {
  if (err instanceof OverrideCallError) return describeAwsError(err.cause, err.action);
  return err instanceof Error ? err.message : String(err);
}

/** The rotation's ARN, from ListRotations (paginated); a clear error when it does not exist. */
export async function findRotationArn(
  client: SSMContactsClient,
  prefix: string,
  rotation: string,
): Promise<string> {
  const name = names.rotation(prefix, rotation);
  const rotations = await allPages(async (token) => {
    const out = await aws("ssm-contacts:ListRotations", () =>
      client.send(
        new ListRotationsCommand({
          RotationNamePrefix: name,
          ...(token ? { NextToken: token } : {}),
        }),
      ),
    );
    return { items: out.Rotations ?? [], next: out.NextToken };
  });
  const found = rotations.find((r) => r.Name === name);
  if (found?.RotationArn === undefined) {
    throw new Error(`no Incident Manager rotation named ${name} (rotation "${rotation}")`);
  }
  return found.RotationArn;
}

/** The personal contact's ARN, from ListContacts (paginated); a clear error when missing. */
export async function findContactArn(
  client: SSMContactsClient,
  prefix: string,
  alias: string,
): Promise<string> {
  const wanted = names.contact(prefix, alias);
  const contacts = await allPages(async (token) => {
    const out = await aws("ssm-contacts:ListContacts", () =>
      client.send(
        new ListContactsCommand({
          AliasPrefix: wanted,
          Type: "PERSONAL",
          ...(token ? { NextToken: token } : {}),
        }),
      ),
    );
    return { items: out.Contacts ?? [], next: out.NextToken };
  });
  const found = contacts.find((c) => c.Alias === wanted);
  if (found?.ContactArn === undefined) {
    throw new Error(`no Incident Manager contact with alias ${wanted} (member "${alias}")`);
  }
  return found.ContactArn;
}

/**
 * The CreateRotationOverride request. IdempotencyToken derives from what is asked, so running the
 * same command twice creates one override ("A token that ensures that the operation is called
 * only once", API_CreateRotationOverride).
 */
export function createOverrideRequest(
  rotationArn: string,
  contactArn: string,
  from: Date,
  to: Date,
): CreateRotationOverrideCommandInput {
  const token = createHash("sha256")
    .update([rotationArn, contactArn, from.toISOString(), to.toISOString()].join("\n"))
    .digest("hex");
  return {
    RotationId: rotationArn,
    NewContactIds: [contactArn],
    StartTime: from,
    EndTime: to,
    IdempotencyToken: token,
  };
}

/** Creates the override in Incident Manager; returns its id. */
export async function createImOverride(
  client: SSMContactsClient,
  r: OverrideRequest,
): Promise<string> {
  const rotationArn = await findRotationArn(client, r.prefix, r.rotation);
  const contactArn = await findContactArn(client, r.prefix, r.member);
  const out = await aws("ssm-contacts:CreateRotationOverride", () =>
    client.send(
      new CreateRotationOverrideCommand(
        createOverrideRequest(rotationArn, contactArn, r.from, r.to),
      ),
    ),
  );
  return out.RotationOverrideId ?? "?";
}

/**
 * The overrides of a rotation between `from` and `to` (ListRotationOverrides, paginated), with
 * each member's contact ARN mapped back to its alias (ARNs of unknown contacts stay as they are).
 */
export async function listImOverrides(
  client: SSMContactsClient,
  prefix: string,
  rotation: string,
  from: Date,
  to: Date,
): Promise<RotationOverride[]> {
  const rotationArn = await findRotationArn(client, prefix, rotation);
  const items = await allPages(async (token) => {
    const out = await aws("ssm-contacts:ListRotationOverrides", () =>
      client.send(
        new ListRotationOverridesCommand({
          RotationId: rotationArn,
          StartTime: from,
          EndTime: to,
          ...(token ? { NextToken: token } : {}),
        }),
      ),
    );
    return { items: out.RotationOverrides ?? [], next: out.NextToken };
  });
  const aliasOf = (arn: string) => {
    const m = /:contact\/(.+)$/.exec(arn);
    return m && m[1].startsWith(`${prefix}-`) ? m[1].slice(prefix.length + 1) : arn;
  };
  return items.map((o) => ({
    rotation,
    members: (o.NewContactIds ?? []).map(aliasOf),
    from: (o.StartTime ?? new Date(0)).toISOString(),
    to: (o.EndTime ?? new Date(0)).toISOString(),
  }));
}

// ---------------------------------------------------------------------------------------------
// Step-functions backend: the incident table
// ---------------------------------------------------------------------------------------------

/** Appends one override to the rotation's item (created on the first). */
export function putOverrideRequest(
  table: string,
  r: Pick<OverrideRequest, "rotation" | "member" | "from" | "to">,
  now: Date,
): UpdateItemCommandInput {
  return {
    TableName: table,
    Key: overrideKey(r.rotation),
    UpdateExpression: "SET #overrides = list_append(if_not_exists(#overrides, :empty), :entry)",
    ExpressionAttributeNames: { "#overrides": "overrides" },
    ExpressionAttributeValues: {
      ":empty": { L: [] },
      ":entry": {
        L: [
          {
            M: {
              member: { S: r.member },
              from: { S: r.from.toISOString() },
              to: { S: r.to.toISOString() },
              createdAt: { S: now.toISOString() },
            },
          },
        ],
      },
    },
  };
}

export async function putSfOverride(
  client: DynamoDBClient,
  table: string,
  r: OverrideRequest,
  now: Date,
): Promise<void> {
  await aws("dynamodb:UpdateItem", () =>
    client.send(new UpdateItemCommand(putOverrideRequest(table, r, now))),
  );
}

export async function listSfOverrides(
  client: DynamoDBClient,
  table: string,
  rotation: string,
): Promise<RotationOverride[]> {
  const out = await aws("dynamodb:GetItem", () =>
    client.send(new GetItemCommand(getOverridesRequest(table, rotation))),
  );
  return parseOverrides(rotation, out.Item);
}

/** Active (in force at `now`) and upcoming overrides, in start order; past ones are dropped. */
export function activeAndUpcoming(
  overrides: readonly RotationOverride[],
  now: Date,
): { readonly state: "active" | "upcoming"; readonly override: RotationOverride }[] {
  const t = now.getTime();
  return [...overrides]
    .filter((o) => Date.parse(o.to) > t)
    .sort((a, b) => Date.parse(a.from) - Date.parse(b.from))
    .map((o) => ({ state: Date.parse(o.from) <= t ? "active" : "upcoming", override: o }));
}

/** One line per override for a terminal. */
export function overrideLine(e: ReturnType<typeof activeAndUpcoming>[number]): string {
  const o = e.override;
  return `${e.state.padEnd(8)}  ${o.rotation}  ${o.members.join(", ")}  ${o.from} → ${o.to}`;
}

// ---------------------------------------------------------------------------------------------
// Reading a stack's overrides (npm run override --list, plan and guide with --overrides, drill)
// ---------------------------------------------------------------------------------------------

/** The SDK clients the override commands take, by region (specs pass mocks or dynalite). */
export interface OverrideClients {
  readonly contacts: (region: string | undefined) => SSMContactsClient;
  readonly dynamodb: (region: string | undefined) => DynamoDBClient;
}

/** Clients with the caller's credentials (the SDK's default chain) in `region`. */
export const SDK_OVERRIDE_CLIENTS: OverrideClients = {
  contacts: (region) => new SSMContactsClient(region ? { region } : {}),
  dynamodb: (region) => new DynamoDBClient(region ? { region } : {}),
};

/** ListRotationOverrides needs a window: from now to a year ahead. */
export const LIST_WINDOW_MS = 366 * 86_400_000;

/** The region the override commands use: `--region`, else the stack's aws:region, else the SDK's. */
export function overrideRegion(
  stackConfig: Readonly<Record<string, string | undefined>>,
  flag?: string,
): string | undefined {
  return flag ?? stackConfig["aws:region"];
}

/** What a reader needs to know about the stack. */
export interface OverrideStack {
  readonly backend: "incident-manager" | "step-functions";
  readonly prefix: string;
  readonly rotations: readonly string[];
  readonly region: string | undefined;
}

/**
 * The active and upcoming overrides of every rotation of a stack (ended ones dropped), in start
 * order, read from its backend's store with the caller's credentials: Incident Manager
 * ListRotations + ListRotationOverrides (now to a year ahead: StartTime/EndTime are "the
 * beginning/end of a time range for listing overrides", the answer "A list of rotation overrides
 * in the specified time range",
 * https://docs.aws.amazon.com/incident-manager/latest/APIReference/API_SSMContacts_ListRotationOverrides.html;
 * the reference does not say whether an override that began before StartTime and is still in
 * force is in the range: this reads it as overlapping the range, as cli/override.ts --list does),
 * or the incident table's override items (GetItem). A failed call is an OverrideCallError naming
 * it.
 */
export async function readStackOverrides(
  stack: OverrideStack,
  clients: OverrideClients,
  now: Date,
): Promise<RotationOverride[]> {
  const all: RotationOverride[] = [];
  if (stack.rotations.length === 0) return all;
  if (stack.backend === "step-functions") {
    const client = clients.dynamodb(stack.region);
    const table = incidentTableName(stack.prefix);
    for (const r of stack.rotations) all.push(...(await listSfOverrides(client, table, r)));
  } else {
    const client = clients.contacts(stack.region);
    const until = new Date(now.getTime() + LIST_WINDOW_MS);
    for (const r of stack.rotations)
      all.push(...(await listImOverrides(client, stack.prefix, r, now, until)));
  }
  return activeAndUpcoming(all, now).map((e) => e.override);
}

/**
 * `--overrides` of `npm run plan` and `npm run guide`: the stack's overrides read with the caller's
 * credentials (readStackOverrides, region as `npm run override` resolves it), or the one-line
 * error (`<command>: --overrides: <the call that failed>`) the caller prints before exit 2.
 */
export async function readOverridesFlag(
  command: string,
  stack: {
    readonly name: string;
    readonly backend: OverrideStack["backend"];
    readonly prefix?: string;
    readonly rotations: readonly string[];
    readonly stackConfig: Readonly<Record<string, string | undefined>>;
  },
  clients: OverrideClients | undefined,
  now: Date,
): Promise<{ readonly overrides: RotationOverride[] } | { readonly error: string }> {
  try {
    return {
      overrides: await readStackOverrides(
        {
          backend: stack.backend,
          prefix: stack.prefix ?? defaultPrefix(stack.name),
          rotations: [...stack.rotations],
          region: overrideRegion(stack.stackConfig),
        },
        clients ?? SDK_OVERRIDE_CLIENTS,
        now,
      ),
    };
  } catch (err: unknown) {
    return { error: `${command}: --overrides: ${describeOverrideError(err)}` };
  }
}
