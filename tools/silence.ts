/**
 * Ad-hoc silences (`npm run silence`, cli/silence.ts): the requests to the stack's
 * `<prefix>-silences` table and how they read back. Pure builders plus one `runSilence` that takes
 * the client, the clock and the id source, so specs pin all three.
 *
 * An item: `pk` = "silence" (one partition: the router lists every silence with one Query,
 * handlers/router/silence.ts), `id`, `pattern` (an alarm name of `alarms[]` or `<prefix>*`),
 * `reason`, `startsAt` and `expiresAt` in epoch seconds. `expiresAt` is also the table's TTL
 * attribute ("a Number data type ... in Unix epoch time format in seconds":
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-before-you-start.html);
 * TTL deletes within days, so readers compare the expiry themselves.
 */
import {
  DeleteItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
  type DeleteItemCommandInput,
  type DynamoDBClient,
  type PutItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import {
  SILENCE_PARTITION,
  matchesPattern,
  silenceFromItem,
  silencesQueryInput,
  type AdHocSilence,
} from "../handlers/router/silence";

/** The silences table of a stack's prefix (components/silences.ts names it the same). */
export function silencesTableName(prefix: string): string {
  return `${prefix}-silences`;
}

export const SILENCE_LIMITS = { minMinutes: 1, maxMinutes: 7 * 24 * 60, reasonMax: 120 } as const;

/**
 * `--for`: `<n>m`, `<n>h`, `<n>d` or combinations in that order (`1h30m`), 1 minute to 7 days.
 * Returns minutes, or why not (a sentence naming the value).
 */
export function parseDuration(text: string): number | string {
  const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/.exec(text);
  if (text === "" || m === null) {
    return `--for ${JSON.stringify(text)} is not a duration; use minutes, hours or days, e.g. 30m, 2h, 1h30m, 1d`;
  }
  const minutes = Number(m[1] ?? 0) * 1440 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  if (minutes < SILENCE_LIMITS.minMinutes)
    return `--for ${JSON.stringify(text)} is zero; silence for at least 1m`;
  if (minutes > SILENCE_LIMITS.maxMinutes) {
    return `--for ${JSON.stringify(text)} is longer than 7d; a longer silence belongs in maintenance[] of the stack config`;
  }
  return minutes;
}

/** `--alarm`: an alarm name of `alarms[]` or `<prefix>*` (`*` silences every configured alarm). */
export function patternProblem(pattern: string, alarmNames: readonly string[]): string | undefined {
  if (!/^(\*|[a-z0-9][a-z0-9_-]*\*?)$/.test(pattern)) {
    return `--alarm ${JSON.stringify(pattern)} is not an alarm name or <prefix>* (e.g. api-5xx, api-*)`;
  }
  if (!alarmNames.some((n) => matchesPattern(pattern, n))) {
    return `--alarm ${JSON.stringify(pattern)} matches no alarm of the stack's alarms[] (external alarms and the pipeline's own alarms are never silenced)`;
  }
  return undefined;
}

export function reasonProblem(reason: string | undefined): string | undefined {
  if (reason === undefined || reason.trim() === "") {
    return '--reason "<text>" is required (it is shown in Slack with every silenced alarm)';
  }
  if (reason.length > SILENCE_LIMITS.reasonMax) {
    return `--reason is longer than ${SILENCE_LIMITS.reasonMax} characters`;
  }
  if (/\p{Cc}/u.test(reason)) return "--reason contains control characters (line breaks, tabs)";
  return undefined;
}

const seconds = (d: Date): string => String(Math.floor(d.getTime() / 1000));

/** PutItem of a new silence; never overwrites one (ids are random, the condition makes sure). */
export function putSilenceInput(table: string, s: AdHocSilence): PutItemCommandInput {
  return {
    TableName: table,
    Item: {
      pk: { S: SILENCE_PARTITION },
      id: { S: s.id },
      pattern: { S: s.pattern },
      reason: { S: s.reason },
      startsAt: { N: seconds(s.startsAt) },
      expiresAt: { N: seconds(s.expiresAt) },
    },
    ConditionExpression: "attribute_not_exists(id)",
  };
}

/** DeleteItem of one silence, returning it (nothing returned: there was none). */
export function deleteSilenceInput(table: string, id: string): DeleteItemCommandInput {
  return {
    TableName: table,
    Key: { pk: { S: SILENCE_PARTITION }, id: { S: id } },
    ReturnValues: "ALL_OLD",
  };
}

/** `s-<yyyymmddThhmm>-<6 hex>`: sortable by creation, unique enough with the condition. */
export function silenceId(now: Date, random: () => string): string {
  const stamp = now.toISOString().slice(0, 16).replace(/[-:]/g, "");
  return `s-${stamp}-${random()}`;
}

export const SILENCE_ID = /^s-\d{8}T\d{4}-[0-9a-f]{6}$/;

export function silenceLine(s: AdHocSilence): string {
  return `${s.id}  ${s.pattern}  until ${s.expiresAt.toISOString()}  ${JSON.stringify(s.reason)}`;
}

export type SilenceAction =
  | {
      readonly kind: "add";
      readonly pattern: string;
      readonly minutes: number;
      readonly reason: string;
    }
  | { readonly kind: "list" }
  | { readonly kind: "clear-id"; readonly id: string }
  | { readonly kind: "clear-alarm"; readonly pattern: string };

export interface SilenceDeps {
  readonly client: Pick<DynamoDBClient, "send">;
  readonly now: () => Date;
  /** Six lower-case hex digits. */
  readonly random: () => string;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** Runs one action against `table`; the exit code (0 done, 1 nothing to clear). */
export async function runSilence(
  table: string,
  action: SilenceAction,
  deps: SilenceDeps,
): Promise<0 | 1> {
  const { client, now } = deps;
  switch (action.kind) {
    case "add": {
      const at = now();
      const s: AdHocSilence = {
        id: silenceId(at, deps.random),
        pattern: action.pattern,
        reason: action.reason.trim(),
        startsAt: new Date(Math.floor(at.getTime() / 1000) * 1000),
        expiresAt: new Date(Math.floor(at.getTime() / 1000) * 1000 + action.minutes * 60_000),
      };
      await client.send(new PutItemCommand(putSilenceInput(table, s)));
      deps.out(`silenced: ${silenceLine(s)}`);
      deps.out(
        "matching ALARMs go to Slack marked as silenced and page nobody; one still in ALARM at the end is handled then as a fresh ALARM",
      );
      return 0;
    }
    case "list": {
      const active = await activeSilences(client, table, now());
      if (active.length === 0) deps.out(`no active silences in ${table}`);
      for (const s of active) deps.out(silenceLine(s));
      return 0;
    }
    case "clear-id": {
      const out = await client.send(new DeleteItemCommand(deleteSilenceInput(table, action.id)));
      if (out.Attributes === undefined) {
        deps.err(`silence: no silence ${action.id} in ${table}; nothing changed`);
        return 1;
      }
      deps.out(`cleared ${action.id}`);
      return 0;
    }
    case "clear-alarm": {
      const matching = (await activeSilences(client, table, now())).filter(
        (s) => s.pattern === action.pattern,
      );
      if (matching.length === 0) {
        deps.err(
          `silence: no active silence for --alarm ${action.pattern} in ${table}; nothing changed`,
        );
        return 1;
      }
      for (const s of matching) {
        await client.send(new DeleteItemCommand(deleteSilenceInput(table, s.id)));
        deps.out(`cleared ${s.id}`);
      }
      return 0;
    }
  }
}

/** Every silence of the table not yet expired at `now` (TTL deletes late), soonest end first. */
async function activeSilences(
  client: Pick<DynamoDBClient, "send">,
  table: string,
  now: Date,
): Promise<AdHocSilence[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await client.send(
      new QueryCommand({
        ...silencesQueryInput(table),
        ...(start && { ExclusiveStartKey: start }),
      }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start !== undefined);
  return items
    .map((i) => silenceFromItem(i))
    .filter((s): s is AdHocSilence => s !== undefined && s.expiresAt.getTime() > now.getTime())
    .sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime());
}
