/**
 * Local stand-ins for the alarm-storm bench (bench/storm.ts), on 127.0.0.1 only:
 *
 * - Incident Manager (ssm-incidents, REST-JSON): StartIncident (idempotent per clientToken, as
 *   AWS documents), GetIncidentRecord, CreateTimelineEvent (idempotent per clientToken),
 *   UpdateIncidentRecord. One token bucket for all operations: 5 requests/s, burst 5; a request
 *   over it gets 400 `{"__type":"ThrottlingException","message":"Rate exceeded"}` and does not
 *   consume a token.
 * - DynamoDB (JSON 1.0): GetItem, PutItem, UpdateItem, DeleteItem on in-memory tables,
 *   honouring the condition forms the router writes (attribute_exists / attribute_not_exists,
 *   `=` / `<>`, AND) and `SET a = :v, ...` / `ADD n :number` updates (a missing number counts as
 *   0); anything else is a ValidationException, so a new expression form fails the bench loudly
 *   instead of being accepted silently.
 *
 * What they do not prove: that AWS throttles this way (real quotas are per account, region and
 * operation), or evaluates every expression form as DynamoDB does. No SigV4 check.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

type Json = Record<string, unknown>;
type Attr = Record<string, unknown>;
type Item = Record<string, Attr>;

interface Reply {
  readonly status: number;
  readonly body?: Json;
}

export interface Server {
  readonly url: string;
  /** Requests the stub could not handle (unsupported expression, bad body): should stay empty. */
  readonly errors: string[];
  close(): Promise<void>;
}

async function serve(
  contentType: string,
  handle: (method: string, url: URL, headers: http.IncomingHttpHeaders, body: Json) => Reply,
): Promise<Server> {
  const errors: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let reply: Reply;
      try {
        const body = text === "" ? {} : (JSON.parse(text) as Json);
        reply = handle(req.method ?? "", new URL(req.url ?? "/", "http://x"), req.headers, body);
      } catch (err: unknown) {
        const message = err instanceof Error ? err.message : String(err);
        errors.push(message);
        reply = message.startsWith("ValidationException")
          ? error(400, "ValidationException", message)
          : error(500, "InternalServerException", message);
      }
      res.writeHead(reply.status, { "content-type": contentType });
      res.end(reply.body === undefined ? "" : JSON.stringify(reply.body));
    });
  });
  server.keepAliveTimeout = 60_000;
  // A deep accept queue: hundreds of SDK clients may connect at once.
  await new Promise<void>((resolve) =>
    server.listen({ port: 0, host: "127.0.0.1", backlog: 4096 }, resolve),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    errors,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function error(status: number, type: string, message: string): Reply {
  return { status, body: { __type: type, message } };
}

// ---------------------------------------------------------------------------------------------
// Incident Manager
// ---------------------------------------------------------------------------------------------

export interface Incident {
  readonly arn: string;
  readonly triggerArn: string;
  readonly title: string;
  status: "OPEN" | "RESOLVED";
  readonly createdAtMs: number;
}

export interface IncidentsStub extends Server {
  readonly incidents: Incident[];
  /** Timeline events actually added (a repeated clientToken adds none). */
  readonly timelineEvents: { incidentArn: string; eventData: string }[];
  /** Requests by operation, and throttled ones by operation. */
  readonly requests: Record<string, number>;
  readonly throttled: Record<string, number>;
}

const OPERATIONS: Record<string, string> = {
  "POST /startIncident": "StartIncident",
  "GET /getIncidentRecord": "GetIncidentRecord",
  "POST /createTimelineEvent": "CreateTimelineEvent",
  "POST /updateIncidentRecord": "UpdateIncidentRecord",
};

export async function startIncidentsStub(ratePerSecond = 5, burst = 5): Promise<IncidentsStub> {
  const incidents: Incident[] = [];
  const byToken = new Map<string, Incident>();
  const byArn = new Map<string, Incident>();
  const timelineEvents: { incidentArn: string; eventData: string }[] = [];
  const timelineTokens = new Set<string>();
  const requests: Record<string, number> = {};
  const throttled: Record<string, number> = {};
  let tokens = burst;
  let refilledAt = performance.now();

  const admit = (): boolean => {
    const t = performance.now();
    tokens = Math.min(burst, tokens + ((t - refilledAt) / 1000) * ratePerSecond);
    refilledAt = t;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };

  const server = await serve("application/json", (method, url, _headers, body) => {
    const op = OPERATIONS[`${method} ${url.pathname}`];
    if (op === undefined) return error(404, "UnknownOperationException", url.pathname);
    requests[op] = (requests[op] ?? 0) + 1;
    if (!admit()) {
      throttled[op] = (throttled[op] ?? 0) + 1;
      return error(400, "ThrottlingException", "Rate exceeded");
    }
    switch (op) {
      case "StartIncident": {
        const token = String(body.clientToken);
        let incident = byToken.get(token);
        if (incident === undefined) {
          const trigger = (body.triggerDetails ?? {}) as Json;
          incident = {
            arn: `arn:aws:ssm-incidents::123456789012:incident-record/bench-critical/${incidents.length.toString(16).padStart(8, "0")}`,
            triggerArn: String(trigger.triggerArn),
            title: String(body.title),
            status: "OPEN",
            createdAtMs: Date.now(),
          };
          incidents.push(incident);
          byToken.set(token, incident);
          byArn.set(incident.arn, incident);
        }
        return { status: 200, body: { incidentRecordArn: incident.arn } };
      }
      case "GetIncidentRecord": {
        const incident = byArn.get(url.searchParams.get("arn") ?? "");
        if (incident === undefined) return error(404, "ResourceNotFoundException", "no incident");
        return {
          status: 200,
          body: {
            incidentRecord: {
              arn: incident.arn,
              title: incident.title,
              status: incident.status,
              impact: 1,
              creationTime: incident.createdAtMs / 1000,
              lastModifiedTime: incident.createdAtMs / 1000,
              lastModifiedBy: "bench",
              dedupeString: "bench",
              incidentRecordSource: { createdBy: "bench", source: "incident-escalation.bench" },
            },
          },
        };
      }
      case "CreateTimelineEvent": {
        const incidentArn = String(body.incidentRecordArn);
        if (!byArn.has(incidentArn)) return error(404, "ResourceNotFoundException", "no incident");
        const token = String(body.clientToken);
        if (!timelineTokens.has(token)) {
          timelineTokens.add(token);
          timelineEvents.push({ incidentArn, eventData: String(body.eventData) });
        }
        return {
          status: 201,
          body: { incidentRecordArn: incidentArn, eventId: token.slice(0, 36) },
        };
      }
      default: {
        const incident = byArn.get(String(body.arn));
        if (incident === undefined) return error(404, "ResourceNotFoundException", "no incident");
        if (body.status === "RESOLVED") incident.status = "RESOLVED";
        return { status: 204 };
      }
    }
  });
  return { ...server, incidents, timelineEvents, requests, throttled };
}

// ---------------------------------------------------------------------------------------------
// DynamoDB
// ---------------------------------------------------------------------------------------------

export interface DynamoStub extends Server {
  /** Items by table name, then by key (JSON of the key attributes). */
  readonly tables: Map<string, Map<string, Item>>;
  readonly requests: Record<string, number>;
  /** ConditionalCheckFailedException answers. */
  conditionFailures: number;
}

const PREFIX = "DynamoDB_20120810.";

export async function startDynamoStub(): Promise<DynamoStub> {
  const tables = new Map<string, Map<string, Item>>();
  const requests: Record<string, number> = {};
  const stub = { conditionFailures: 0 };

  const tableOf = (name: unknown): Map<string, Item> => {
    const key = String(name);
    if (!tables.has(key)) tables.set(key, new Map());
    return tables.get(key) as Map<string, Item>;
  };
  const keyOf = (key: unknown): string => JSON.stringify(key);
  const failed = (): Reply => {
    stub.conditionFailures++;
    return error(
      400,
      "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
      "The conditional request failed",
    );
  };

  const server = await serve("application/x-amz-json-1.0", (method, _url, headers, body) => {
    const target = String(headers["x-amz-target"] ?? "");
    const op = target.startsWith(PREFIX) ? target.slice(PREFIX.length) : "";
    requests[op] = (requests[op] ?? 0) + 1;
    if (method !== "POST") return error(400, "ValidationException", "POST only");
    const table = tableOf(body.TableName);
    const names = (body.ExpressionAttributeNames ?? {}) as Record<string, string>;
    const values = (body.ExpressionAttributeValues ?? {}) as Record<string, Attr>;
    const holds = (item: Item | undefined): boolean =>
      body.ConditionExpression === undefined
        ? true
        : condition(String(body.ConditionExpression), item, names, values);
    switch (op) {
      case "GetItem": {
        const item = table.get(keyOf(body.Key));
        return { status: 200, body: item === undefined ? {} : { Item: item } };
      }
      case "PutItem": {
        const item = body.Item as Item;
        const key = keyOf({ alarmArn: item.alarmArn });
        if (!holds(table.get(key))) return failed();
        table.set(key, item);
        return { status: 200, body: {} };
      }
      case "UpdateItem": {
        const key = keyOf(body.Key);
        const current = table.get(key);
        if (!holds(current)) return failed();
        const next: Item = { ...(current ?? (body.Key as Item)) };
        const update = String(body.UpdateExpression);
        for (const [name, value] of assignments(update, names, values, current)) {
          next[name] = value;
        }
        table.set(key, next);
        return { status: 200, body: {} };
      }
      case "DeleteItem": {
        const key = keyOf(body.Key);
        if (!holds(table.get(key))) return failed();
        table.delete(key);
        return { status: 200, body: {} };
      }
      default:
        return error(400, "UnknownOperationException", target);
    }
  });
  return Object.assign(stub, { ...server, tables, requests });
}

/** Only the dedupe table's key schema is needed: partition key `alarmArn`. */
function resolveName(token: string, names: Record<string, string>): string {
  if (!token.startsWith("#")) return token;
  const name = names[token];
  if (name === undefined) throw new Error(`ValidationException: undefined name ${token}`);
  return name;
}

function resolveValue(token: string, values: Record<string, Attr>): Attr {
  const value = values[token];
  if (value === undefined) throw new Error(`ValidationException: undefined value ${token}`);
  return value;
}

/** `term AND term ...`, each `attribute_(not_)exists(path)` or `path (=|<>) :value`. */
function condition(
  expression: string,
  item: Item | undefined,
  names: Record<string, string>,
  values: Record<string, Attr>,
): boolean {
  return expression.split(/\s+AND\s+/).every((term) => {
    const fn = /^\s*(attribute_exists|attribute_not_exists)\(\s*([#\w]+)\s*\)\s*$/.exec(term);
    if (fn) {
      const present = item?.[resolveName(fn[2], names)] !== undefined;
      return fn[1] === "attribute_exists" ? present : !present;
    }
    const cmp = /^\s*([#\w]+)\s*(=|<>)\s*(:\w+)\s*$/.exec(term);
    if (!cmp) throw new Error(`ValidationException: unsupported condition "${term}"`);
    const actual = item?.[resolveName(cmp[1], names)];
    const equal = actual !== undefined && sameAttr(actual, resolveValue(cmp[3], values));
    return cmp[2] === "=" ? equal : !equal;
  });
}

/**
 * `SET a = :v, #b = :w ADD n :x` → the updated attributes: [[a, value], [b, value], [n, n + x]].
 * `current` is the item before the update (ADD adds to its number; a missing one counts as 0).
 */
function assignments(
  expression: string,
  names: Record<string, string>,
  values: Record<string, Attr>,
  current: Item | undefined,
): [string, Attr][] {
  const clauses = /^\s*(?:SET\s+(.+?))?\s*(?:ADD\s+(.+?))?\s*$/s.exec(expression);
  if (!clauses || (clauses[1] === undefined && clauses[2] === undefined)) {
    throw new Error(`ValidationException: unsupported update "${expression}"`);
  }
  const [, set = "", add = ""] = clauses;
  const sets = set === "" ? [] : set.split(",");
  const adds = add === "" ? [] : add.split(",");
  return [
    ...sets.map((part): [string, Attr] => {
      const m = /^\s*([#\w]+)\s*=\s*(:\w+)\s*$/.exec(part);
      if (!m) throw new Error(`ValidationException: unsupported assignment "${part}"`);
      return [resolveName(m[1], names), resolveValue(m[2], values)];
    }),
    ...adds.map((part): [string, Attr] => {
      const m = /^\s*([#\w]+)\s+(:\w+)\s*$/.exec(part);
      if (!m) throw new Error(`ValidationException: unsupported ADD "${part}"`);
      const name = resolveName(m[1], names);
      const sum = Number(current?.[name]?.N ?? "0") + Number(resolveValue(m[2], values).N);
      if (!Number.isFinite(sum)) throw new Error(`ValidationException: ADD ${name} needs numbers`);
      return [name, { N: String(sum) }];
    }),
  ];
}

function sameAttr(a: Attr, b: Attr): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
