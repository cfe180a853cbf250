/**
 * A local stand-in for the AWS endpoints the router calls, listening on 127.0.0.1 only, that
 * behaves like the real APIs where the reliability claims depend on it and injects faults:
 *
 * - ssm-incidents StartIncident (REST-JSON, POST /startIncident) is idempotent by clientToken, as
 *   the API documents: a retried request with the same token returns the same incident and opens
 *   no second one. Requests reusing a token with a different body are counted (`tokenReuse`).
 * - ssm-contacts StartEngagement (JSON 1.1) is idempotent by IdempotencyToken.
 * - DynamoDB (JSON 1.0) GetItem / PutItem / UpdateItem / DeleteItem run against FakeTable
 *   (tests/handlers/fixtures), which has DynamoDB's conditional-write semantics.
 *
 * Before an operation runs, `faultFor` may turn it into a fault: an error answer (throttling,
 * 5xx, access denied), a connection dropped without an answer (before or after the operation took
 * effect: a response lost in transit), or no answer at all (the client's own timeout must end it).
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { ACCOUNT, FakeTable, REGION } from "../../handlers/fixtures/routerFixtures";

export type Operation =
  | "StartIncident"
  | "StartEngagement"
  | "DynamoDB.GetItem"
  | "DynamoDB.PutItem"
  | "DynamoDB.UpdateItem"
  | "DynamoDB.DeleteItem";

/** One fault, as the client sees it. */
export type Fault =
  /** An error answer; `commit` runs the operation first (the error comes after it took effect). */
  | {
      readonly kind: "reply";
      readonly name: string;
      readonly status: number;
      readonly headers?: Readonly<Record<string, string>>;
      readonly body: string;
    }
  /** The connection is closed without an answer after `afterMs`; `commit`: after the operation. */
  | {
      readonly kind: "drop";
      readonly name: string;
      readonly afterMs: number;
      readonly commit: boolean;
    }
  /** No answer, ever: only the client's own request timeout ends the attempt. */
  | { readonly kind: "hang"; readonly name: string };

export interface StubRequest {
  readonly operation: Operation | string;
  /** clientToken, IdempotencyToken or the item's alarmArn: what identifies one request's retries. */
  readonly key: string;
  /** How many requests with the same operation and key came before this one. */
  readonly attempt: number;
  readonly body: string;
  /** The SDK's attempt budget for this call, from its `amz-sdk-request: attempt=N; max=M`. */
  readonly sdkMaxAttempts: number | null;
  readonly fault: Fault | null;
}

export interface Incident {
  readonly arn: string;
  readonly clientToken: string;
  readonly triggerArn: string;
  readonly title: string;
  readonly body: string;
}

export type FaultPolicy = (request: Omit<StubRequest, "fault">) => Fault | null;

const PLAN = /:response-plan\/([a-zA-Z0-9_-]+)$/;

/** The fake AWS. `faultFor` can be changed between runs; `reset()` forgets all state. */
export class FaultyAws {
  readonly requests: StubRequest[] = [];
  /** clientToken → the one incident it opened. */
  readonly incidents = new Map<string, Incident>();
  /** IdempotencyToken → engagement ARN. */
  readonly engagements = new Map<string, string>();
  /** Requests that reused a token with a different body (the real API would refuse them). */
  tokenReuse = 0;
  /** Requests for operations this stub does not implement. */
  readonly unexpected: string[] = [];
  table = this.newTable();
  faultFor: FaultPolicy = () => null;

  private readonly attempts = new Map<string, number>();
  private readonly server = http.createServer((req, res) => this.onRequest(req, res));
  private readonly timers = new Set<NodeJS.Timeout>();

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  reset(): void {
    this.requests.length = 0;
    this.incidents.clear();
    this.engagements.clear();
    this.attempts.clear();
    this.unexpected.length = 0;
    this.tokenReuse = 0;
    this.table = this.newTable();
    this.faultFor = () => null;
  }

  /** Requests of `operation` (all of them, faulted or not). */
  of(operation: Operation): StubRequest[] {
    return this.requests.filter((r) => r.operation === operation);
  }

  /** Faults injected so far, by name. */
  faultsByName(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.requests) if (r.fault) out[r.fault.name] = (out[r.fault.name] ?? 0) + 1;
    return out;
  }

  private newTable(): FakeTable {
    return new FakeTable(() => new ConditionFailed());
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const target = String(req.headers["x-amz-target"]);
      const dynamodb = /^DynamoDB_20120810\.(\w+)$/.exec(target);
      const operation =
        req.method === "POST" && req.url === "/startIncident"
          ? "StartIncident"
          : req.method === "POST" && target === "SSMContacts.StartEngagement"
            ? "StartEngagement"
            : req.method === "POST" && dynamodb !== null
              ? `DynamoDB.${dynamodb[1]}`
              : `${req.method} ${req.url} ${target}`;
      const json = parse(body);
      const key =
        operation === "StartIncident"
          ? String(json.clientToken)
          : operation === "StartEngagement"
            ? String(json.IdempotencyToken)
            : operation.startsWith("DynamoDB.")
              ? alarmArnOf(json)
              : "";
      const counter = `${operation} ${key}`;
      const attempt = this.attempts.get(counter) ?? 0;
      this.attempts.set(counter, attempt + 1);
      const max = /max=(\d+)/.exec(String(req.headers["amz-sdk-request"]));
      const partial = {
        operation,
        key,
        attempt,
        body,
        sdkMaxAttempts: max === null ? null : Number(max[1]),
      };
      const fault = this.faultFor(partial);
      this.requests.push({ ...partial, fault });

      if (fault?.kind === "hang") return; // the client's timeout ends it (close() frees it)
      if (fault?.kind === "drop") {
        if (fault.commit) this.run(operation, json, body);
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          req.socket.destroy();
        }, fault.afterMs);
        this.timers.add(timer);
        return;
      }
      if (fault?.kind === "reply") {
        res.writeHead(fault.status, { "content-type": "application/json", ...fault.headers });
        res.end(fault.body);
        return;
      }
      const { status, answer } = this.run(operation, json, body);
      res.writeHead(status, { "content-type": "application/x-amz-json-1.0" });
      res.end(JSON.stringify(answer));
    });
  }

  /** Runs one operation against the stub's state. */
  private run(
    operation: string,
    json: Record<string, unknown>,
    body: string,
  ): { status: number; answer: unknown } {
    switch (operation) {
      case "StartIncident": {
        const token = String(json.clientToken);
        const known = this.incidents.get(token);
        if (known !== undefined) {
          if (known.body !== body) this.tokenReuse++;
          return { status: 200, answer: { incidentRecordArn: known.arn } };
        }
        const plan = PLAN.exec(String(json.responsePlanArn))?.[1] ?? "unknown";
        const id = (this.incidents.size + 1).toString(16).padStart(8, "0");
        const incident: Incident = {
          arn: `arn:aws:ssm-incidents::${ACCOUNT}:incident-record/${plan}/${id}`,
          clientToken: token,
          triggerArn: String((json.triggerDetails as { triggerArn?: unknown })?.triggerArn),
          title: String(json.title),
          body,
        };
        this.incidents.set(token, incident);
        return { status: 200, answer: { incidentRecordArn: incident.arn } };
      }
      case "StartEngagement": {
        const token = String(json.IdempotencyToken);
        let arn = this.engagements.get(token);
        if (arn === undefined) {
          arn = `arn:aws:ssm-contacts:${REGION}:${ACCOUNT}:engagement/e/${this.engagements.size + 1}`;
          this.engagements.set(token, arn);
        }
        return { status: 200, answer: { EngagementArn: arn } };
      }
      case "DynamoDB.GetItem":
      case "DynamoDB.PutItem":
      case "DynamoDB.UpdateItem":
      case "DynamoDB.DeleteItem":
        try {
          const input = json as never;
          const answer =
            operation === "DynamoDB.GetItem"
              ? this.table.get(input)
              : operation === "DynamoDB.PutItem"
                ? this.table.put(input)
                : operation === "DynamoDB.UpdateItem"
                  ? this.table.update(input)
                  : this.table.delete(input);
          return { status: 200, answer };
        } catch (err: unknown) {
          if (!(err instanceof ConditionFailed)) throw err;
          return {
            status: 400,
            answer: {
              __type: "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
              message: "The conditional request failed",
            },
          };
        }
      default:
        this.unexpected.push(operation);
        return { status: 501, answer: { message: `stub: ${operation} is not implemented` } };
    }
  }
}

class ConditionFailed extends Error {}

/** The dedupe item's key (alarmArn) of a DynamoDB request, from Key or Item. */
function alarmArnOf(json: Record<string, unknown>): string {
  const item = (json.Key ?? json.Item) as { alarmArn?: { S?: unknown } } | undefined;
  return String(item?.alarmArn?.S);
}

function parse(text: string): Record<string, unknown> {
  if (text === "") return {};
  const value: unknown = JSON.parse(text);
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

// ---------------------------------------------------------------------------------------------
// Faults as each service reports them
// ---------------------------------------------------------------------------------------------

/** Faults of ssm-incidents (REST-JSON: the error type travels in a header). */
export const INCIDENT_FAULTS = {
  throttle: {
    kind: "reply",
    name: "throttle (429 ThrottlingException)",
    status: 429,
    headers: { "x-amzn-errortype": "ThrottlingException" },
    body: JSON.stringify({ message: "Rate exceeded" }),
  },
  internal: {
    kind: "reply",
    name: "5xx (500 InternalServerException)",
    status: 500,
    headers: { "x-amzn-errortype": "InternalServerException" },
    body: JSON.stringify({ message: "Internal server error" }),
  },
  gateway: {
    kind: "reply",
    name: "5xx (503 from a load balancer, HTML body)",
    status: 503,
    headers: { "content-type": "text/html" },
    body: "<html><body><h1>503 Service Unavailable</h1></body></html>",
  },
  dropped: {
    kind: "drop",
    name: "timeout (connection closed, no answer; not started)",
    afterMs: 20,
    commit: false,
  },
  lost: {
    kind: "drop",
    name: "timeout (connection closed after the incident started: answer lost)",
    afterMs: 20,
    commit: true,
  },
} as const satisfies Record<string, Fault>;

/** Faults of DynamoDB (JSON 1.0: the error type travels in `__type`). */
export const DYNAMODB_FAULTS = {
  throughput: dynamoError(
    "throttle (ProvisionedThroughputExceededException)",
    400,
    "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
  ),
  throttling: dynamoError(
    "throttle (ThrottlingException)",
    400,
    "com.amazon.coral.availability#ThrottlingException",
  ),
  internal: dynamoError(
    "5xx (500 InternalServerError)",
    500,
    "com.amazonaws.dynamodb.v20120810#InternalServerError",
  ),
  unavailable: dynamoError(
    "5xx (503 ServiceUnavailable)",
    503,
    "com.amazon.coral.availability#ServiceUnavailableException",
  ),
  denied: dynamoError(
    "AccessDeniedException",
    400,
    "com.amazon.coral.service#AccessDeniedException",
  ),
  reset: {
    kind: "drop",
    name: "connection reset (no answer)",
    afterMs: 5,
    commit: false,
  },
  hang: { kind: "hang", name: "timeout (no answer: the client's 2 s request timeout)" },
} as const satisfies Record<string, Fault>;

function dynamoError(name: string, status: number, type: string): Fault {
  return {
    kind: "reply",
    name,
    status,
    headers: { "content-type": "application/x-amz-json-1.0" },
    body: JSON.stringify({ __type: type, message: name }),
  };
}
