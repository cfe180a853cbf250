/**
 * The dedupe table failing, through the REAL router handler and the REAL AWS SDK (the dedupe
 * client as the router configures it: 3 attempts, 1 s connection and 2 s request timeouts)
 * against a local HTTP stand-in on 127.0.0.1 (support/faultyAws.ts: DynamoDB backed by FakeTable,
 * StartIncident idempotent by clientToken). Every DynamoDB error the router can meet — throttling
 * (ProvisionedThroughputExceeded, ThrottlingException) after the SDK's retries, 500, 503,
 * AccessDenied, a reset connection, no answer at all (the real 2 s timeout) — at each step of the
 * table protocol (the read, the claim, marking the claim open) must not lose a page:
 * - the ALARM fails open: exactly one StartIncident per event, in the same invocation, and the
 *   log line says `"dedupe": "unavailable"` with the error's name (never its message);
 * - when the table is back, delivering every event again (EventBridge and Lambda deliver at least
 *   once) opens nothing new: the same clientToken, the same incident;
 * - a claim whose answer is lost after it was written delays the page to Lambda's retry (the
 *   router cannot tell its own lost write from a concurrent duplicate's claim) and opens it once.
 *
 * What this spec does NOT prove:
 * - DynamoDB's real error mix, latency or consistency under contention (FakeTable is strongly
 *   consistent and serial; concurrent invocations racing on one item are covered, for one
 *   interleaving, by tests/handlers/router.dedupe.spec.ts);
 * - IAM: AccessDenied is simulated, not evaluated from the router's policy;
 * - how long Incident Manager honours a clientToken (the stub: forever), so a redelivery long
 *   after a dedupe failure could open a second incident in AWS;
 * - Lambda's retry timing: the delayed page below waits ~1 minute in Lambda, not here.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { DEDUPE_ENV } from "../handlers/fixtures/routerFixtures";
import { stateChange, type StateChange } from "./support/events";
import { DYNAMODB_FAULTS, FaultyAws, type Fault, type Operation } from "./support/faultyAws";
import {
  applyEnv,
  captureLogs,
  coldStart,
  invokeAsync,
  localAwsEnv,
  withShortBackoff,
} from "./support/lambda";
import { bump, recordResults } from "./support/results";

type HandlerModule = typeof import("../../handlers/router/handler");
const HANDLER_PATH = path.join(__dirname, "..", "..", "handlers", "router", "handler.ts");

const SEED = 20261206;
const EVENTS_PER_CASE = 4;
const DYNAMODB_ATTEMPTS = 3;

/** The step of the table protocol that fails, and the requests that precede it. */
const STEPS = {
  read: { operation: "DynamoDB.GetItem", before: [] },
  claim: { operation: "DynamoDB.PutItem", before: ["DynamoDB.GetItem"] },
  "mark open": {
    operation: "DynamoDB.UpdateItem",
    before: ["DynamoDB.GetItem", "DynamoDB.PutItem", "StartIncident"],
  },
} as const satisfies Record<string, { operation: Operation; before: readonly string[] }>;

/** The error name the router logs for each fault (the SDK's name; never its message). */
const LOGGED: Record<keyof typeof DYNAMODB_FAULTS, string> = {
  throughput: "ProvisionedThroughputExceededException",
  throttling: "ThrottlingException",
  internal: "InternalServerError",
  unavailable: "ServiceUnavailableException",
  denied: "AccessDeniedException",
  reset: "TimeoutError",
  hang: "TimeoutError",
};

interface Case {
  readonly kind: keyof typeof DYNAMODB_FAULTS;
  readonly fault: Fault;
  readonly step: keyof typeof STEPS;
  readonly events: readonly StateChange[];
}

describe("reliability: dedupe table failing (real handler, real SDK, local stub)", () => {
  const aws = new FaultyAws();
  let saved: Record<string, string | undefined>;
  const results: Record<string, number | Record<string, number>> = {};

  before(async () => {
    const url = await aws.start();
    saved = applyEnv(localAwsEnv(url));
  });
  after(async () => {
    applyEnv(saved);
    await aws.close();
    recordResults("dedupeFaults", results);
  });
  beforeEach(() => aws.reset());

  it(`every DynamoDB fault at every step (${EVENTS_PER_CASE} events each): fails open, StartIncident exactly once, logged as dedupe unavailable; a redelivery opens nothing new`, async () => {
    const cases: Case[] = [];
    let n = 0;
    for (const [kind, fault] of Object.entries(DYNAMODB_FAULTS)) {
      for (const step of Object.keys(STEPS) as (keyof typeof STEPS)[]) {
        const events = Array.from({ length: EVENTS_PER_CASE }, () =>
          stateChange("critical", "dedupe", n++),
        );
        cases.push({ kind: kind as Case["kind"], fault, step, events });
      }
    }
    const caseOf = new Map(cases.flatMap((c) => c.events.map((e) => [e.alarmArn, c] as const)));
    let failing = true;
    aws.faultFor = (request) => {
      const c = caseOf.get(request.key);
      return failing && c !== undefined && request.operation === STEPS[c.step].operation
        ? c.fault
        : null;
    };

    // Each case in its own execution environment (its own retry quota), all at once.
    const started = Date.now();
    const { value: runs, lines } = await captureLogs(() =>
      withShortBackoff(SEED, 0.01, () =>
        Promise.all(
          cases.map((c) => {
            const router = coldStart<HandlerModule>(HANDLER_PATH, DEDUPE_ENV);
            return Promise.all(c.events.map((e) => invokeAsync(router.handler, e.input, 0)));
          }),
        ),
      ),
    );
    const seconds = (Date.now() - started) / 1000;
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);

    const faults: Record<string, number> = {};
    for (const [i, c] of cases.entries()) {
      const attempts = c.kind === "denied" ? 1 : DYNAMODB_ATTEMPTS; // AccessDenied: not retried
      for (const [j, e] of c.events.entries()) {
        const label = `${c.kind} at ${c.step}, event ${j}`;
        const run = runs[i][j];
        assert.ok(run.ok, `${label}: the page was lost`);
        const incident = aws.incidents.get(e.token);
        assert.ok(incident, `${label}: no incident`);
        assert.deepEqual(run.result, {
          decision: "page",
          incidentArn: incident.arn,
          engagements: 0,
          dedupe: "unavailable",
        });
        const sent = aws.requests.filter((r) => r.key === e.alarmArn || r.key === e.token);
        assert.deepEqual(
          sent.map((r) => r.operation),
          [
            ...STEPS[c.step].before,
            ...Array<string>(attempts).fill(STEPS[c.step].operation),
            ...(c.step === "mark open" ? [] : ["StartIncident"]),
          ],
          label,
        );
        assert.equal(sent.filter((r) => r.fault !== null).length, attempts, label);
        bump(faults, c.fault.name, attempts);
        const line = logged.filter((l) => l.alarmName === e.alarmName);
        assert.deepEqual(
          line,
          [
            {
              alertLevel: "critical",
              alarmName: e.alarmName,
              decision: "page",
              incidentArn: incident.arn,
              engagements: 0,
              dedupe: "unavailable",
              ...(c.step === "mark open" && { claim: "new" }),
              dedupeError: {
                error: LOGGED[c.kind],
                ...(c.fault.kind === "reply" && { httpStatusCode: c.fault.status }),
              },
            },
          ],
          label,
        );
      }
    }
    const events = cases.flatMap((c) => c.events);
    assert.equal(aws.incidents.size, events.length);
    assert.equal(aws.of("StartIncident").length, events.length);
    // A hang costs 3 × 2 s: paging waits seconds, not the function's 30 s timeout.
    assert.ok(seconds < 12, `took ${seconds} s`);

    // The table is back; every event is delivered again: the same incident, nothing new.
    failing = false;
    const { value: again } = await captureLogs(() => {
      const router = coldStart<HandlerModule>(HANDLER_PATH, DEDUPE_ENV);
      return Promise.all(events.map((e) => invokeAsync(router.handler, e.input, 0)));
    });
    for (const [k, e] of events.entries()) {
      const run = again[k];
      assert.ok(run.ok);
      assert.deepEqual(run.result, {
        decision: "page",
        incidentArn: aws.incidents.get(e.token)?.arn,
        engagements: 0,
        dedupe: "opened", // a claim (new, or our own resumed) and the same clientToken
      });
    }
    assert.equal(aws.incidents.size, events.length, "a redelivery opened a second incident");
    assert.equal(aws.tokenReuse, 0);
    assert.deepEqual(aws.unexpected, []);

    Object.assign(results, {
      events: events.length,
      deliveries: 2 * events.length,
      faultKinds: Object.keys(DYNAMODB_FAULTS).length,
      steps: Object.keys(STEPS).length,
      dynamodbFaultsInjected: Object.values(faults).reduce((a, b) => a + b, 0),
      faultsByKind: faults,
      incidents: aws.incidents.size,
      duplicates: aws.incidents.size - events.length,
      lost: 0,
      failOpenSeconds: Math.round(seconds * 10) / 10,
    });
  });

  it("a claim written but its answer lost: the invocation retries later (INCIDENT_OPENING), Lambda's retry pages, exactly once", async () => {
    const e = stateChange("critical", "lost-claim", 0);
    aws.faultFor = (request) =>
      request.operation === "DynamoDB.PutItem" && request.attempt === 0
        ? { kind: "drop", name: "claim written, answer lost", afterMs: 5, commit: true }
        : null;
    const router = coldStart<HandlerModule>(HANDLER_PATH, DEDUPE_ENV);
    const { value: run, lines } = await captureLogs(() =>
      withShortBackoff(SEED, 0.01, () => invokeAsync(router.handler, e.input)),
    );
    assert.ok(run.ok);
    assert.equal(run.invocations, 2);
    assert.deepEqual(
      run.errors.map((err) => [(err as Error).name, (err as { code?: string }).code]),
      [["RetryLaterError", "INCIDENT_OPENING"]],
    );
    const incident = aws.incidents.get(e.token);
    assert.ok(incident);
    assert.deepEqual(run.result, {
      decision: "page",
      incidentArn: incident.arn,
      engagements: 0,
      dedupe: "opened",
    });
    assert.deepEqual(
      aws.requests.map((r) => r.operation),
      [
        // 1st invocation: read, claim (written; answer lost), the SDK's retry of the claim
        // (condition fails: the item exists), re-read (our own claim, after a lost race).
        "DynamoDB.GetItem",
        "DynamoDB.PutItem",
        "DynamoDB.PutItem",
        "DynamoDB.GetItem",
        // 2nd invocation: read (our claim, no race): resume with the same clientToken.
        "DynamoDB.GetItem",
        "StartIncident",
        "DynamoDB.UpdateItem",
      ],
    );
    assert.deepEqual(
      lines.map((line) => (JSON.parse(line) as { decision: string }).decision),
      ["error", "page"],
    );
    assert.equal(aws.incidents.size, 1);
    results.lostClaimAnswerInvocations = run.invocations;
    results.lostClaimAnswerFaults = aws.requests.filter((r) => r.fault !== null).length;
  });
});
