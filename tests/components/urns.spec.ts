/**
 * Every resource's URN, with its parent chain, for the example stacks (dev, prod, selfhosted) and
 * the IAM suite's full stack (tests/iam/fixtures/Pulumi.full.yaml), compared with a committed snapshot
 * (tests/components/fixtures/urns.<stack>.txt). A rename or re-parent replaces the live resource
 * (a deleted contact loses its activated channels, a deleted table its open incidents), so a
 * restructuring of the components must leave this list as it is, except for the differences
 * listed by name in EXPECTED_DIFFERENCES.
 *
 * Each line is the URN the Pulumi engine gives the resource,
 * `urn:pulumi:<stack>::<project>::<Qualified$Type$Name>::<name>`, whose qualified type is the type
 * of every ancestor then the resource's own, joined by `$`, the root stack excluded
 * (https://pkg.go.dev/github.com/pulumi/pulumi/sdk/v3/go/common/resource/urn, "Each resource URN
 * is of the form"), followed by the logical names of its ancestors, nearest first: two parents of
 * one type (two PersonalContacts) give a child the same URN, yet moving it between them is a
 * change this spec must see. The chain is rebuilt from each recorded resource's parent type and
 * name (tools/mockEngine.ts), since the mock engine's own URNs keep only the nearest parent type.
 *
 * Regenerate the snapshots (only for a change that means to rename or re-parent, and say so in
 * the commit) with UPDATE_URN_SNAPSHOTS=1 and this file alone.
 *
 * Not proven here: that the Pulumi engine would compute these URNs for a real deployment (the
 * format is computed here from the documented scheme, not by the engine), that aliases would
 * carry a renamed resource over, or anything about inputs: two resources with the same URN but
 * different inputs look the same here (the other component specs assert inputs).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import type { RecordedResource } from "../../tools/mockEngine";
import { runProgram } from "../support/program";

const PROJECT = "incident-escalation";
const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";
const FIXTURES = path.join(__dirname, "fixtures");

const STACKS: readonly { readonly stack: string; readonly file?: string }[] = [
  { stack: "dev" },
  { stack: "prod" },
  { stack: "full", file: path.join(__dirname, "..", "iam", "fixtures", "Pulumi.full.yaml") },
  // Backend step-functions (issue 11): no Incident Manager resource.
  { stack: "selfhosted" },
];

/**
 * Differences from the snapshots that a change means to make, each with its name and the exact
 * lines it removes and adds. Every entry must apply: a removed line must be in the snapshot, an
 * added one must not.
 */
const EXPECTED_DIFFERENCES: readonly {
  readonly name: string;
  readonly stack: string;
  readonly removed: readonly string[];
  readonly added: readonly string[];
}[] = [
  {
    // Issue 13: prod's warning engages the on-call in office hours and defers outside them (the
    // warning rule gains its router target; the deferral resources are listed below), and prod sets
    // the heartbeat (components/heartbeat.ts: scheduler role and policy, schedule, canary alarm,
    // its rule and router target, the missing-heartbeat alarm).
    name: "prod: warning engages and defers; heartbeat",
    stack: "prod",
    removed: [],
    added: [
      "urn:pulumi:prod::incident-escalation::incident-escalation:index:EscalationPipeline$aws:cloudwatch/eventRule:EventRule::escalation-heartbeat < escalation",
      "urn:pulumi:prod::incident-escalation::incident-escalation:index:EscalationPipeline$aws:cloudwatch/eventTarget:EventTarget::escalation-heartbeat-router < escalation",
      "urn:pulumi:prod::incident-escalation::incident-escalation:index:EscalationPipeline$aws:cloudwatch/metricAlarm:MetricAlarm::escalation-heartbeat < escalation",
      "urn:pulumi:prod::incident-escalation::incident-escalation:index:EscalationPipeline$aws:cloudwatch/metricAlarm:MetricAlarm::escalation-heartbeat-missing < escalation",
      "urn:pulumi:prod::incident-escalation::incident-escalation:index:EscalationPipeline$aws:iam/role:Role::escalation-heartbeat-scheduler < escalation",
      "urn:pulumi:prod::incident-escalation::incident-escalation:index:EscalationPipeline$aws:iam/rolePolicy:RolePolicy::escalation-heartbeat-scheduler < escalation",
      "urn:pulumi:prod::incident-escalation::incident-escalation:index:EscalationPipeline$aws:scheduler/schedule:Schedule::escalation-heartbeat < escalation",
      "urn:pulumi:prod::incident-escalation::incident-escalation:index:EscalationPipeline$incident-escalation:index:LevelRouting$aws:cloudwatch/eventTarget:EventTarget::escalation-warning-router < escalation-warning < escalation",
    ],
  },
  {
    // Issue 13 on backend step-functions: selfhosted sets calendars, a deferring warning level,
    // maintenance and the heartbeat, which the step-functions pipeline now builds as the Incident
    // Manager one does (its missing-heartbeat alarm pages through the self-page rule).
    name: "selfhosted: time-aware paging on step-functions",
    stack: "selfhosted",
    removed: [],
    added: [
      "urn:pulumi:selfhosted::incident-escalation::incident-escalation:index:EscalationPipeline$aws:cloudwatch/eventRule:EventRule::escalation-heartbeat < escalation",
      "urn:pulumi:selfhosted::incident-escalation::incident-escalation:index:EscalationPipeline$aws:cloudwatch/eventTarget:EventTarget::escalation-heartbeat-router < escalation",
      "urn:pulumi:selfhosted::incident-escalation::incident-escalation:index:EscalationPipeline$aws:cloudwatch/metricAlarm:MetricAlarm::escalation-heartbeat < escalation",
      "urn:pulumi:selfhosted::incident-escalation::incident-escalation:index:EscalationPipeline$aws:cloudwatch/metricAlarm:MetricAlarm::escalation-heartbeat-missing < escalation",
      "urn:pulumi:selfhosted::incident-escalation::incident-escalation:index:EscalationPipeline$aws:iam/role:Role::escalation-deferral-role < escalation",
      "urn:pulumi:selfhosted::incident-escalation::incident-escalation:index:EscalationPipeline$aws:iam/role:Role::escalation-heartbeat-scheduler < escalation",
      "urn:pulumi:selfhosted::incident-escalation::incident-escalation:index:EscalationPipeline$aws:iam/rolePolicy:RolePolicy::escalation-deferral-policy < escalation",
      "urn:pulumi:selfhosted::incident-escalation::incident-escalation:index:EscalationPipeline$aws:iam/rolePolicy:RolePolicy::escalation-heartbeat-scheduler < escalation",
      "urn:pulumi:selfhosted::incident-escalation::incident-escalation:index:EscalationPipeline$aws:scheduler/schedule:Schedule::escalation-heartbeat < escalation",
      "urn:pulumi:selfhosted::incident-escalation::incident-escalation:index:EscalationPipeline$aws:scheduler/scheduleGroup:ScheduleGroup::escalation-deferrals < escalation",
      "urn:pulumi:selfhosted::incident-escalation::incident-escalation:index:EscalationPipeline$incident-escalation:index:LevelRouting$aws:cloudwatch/eventTarget:EventTarget::escalation-warning-router < escalation-warning < escalation",
      "urn:pulumi:selfhosted::incident-escalation::incident-escalation:index:EscalationPipeline$incident-escalation:index:Silences$aws:dynamodb/table:Table::escalation-silences-table < escalation-silences < escalation",
      "urn:pulumi:selfhosted::incident-escalation::incident-escalation:index:EscalationPipeline$incident-escalation:index:Silences::escalation-silences < escalation",
    ],
  },
  {
    // Issue 13 point 2: the ad-hoc silences table (components/silences.ts), in the stacks that
    // set `maintenance` (prod; not dev or full).
    name: "silences table",
    stack: "prod",
    removed: [],
    added: [
      "urn:pulumi:prod::incident-escalation::incident-escalation:index:EscalationPipeline$incident-escalation:index:Silences$aws:dynamodb/table:Table::escalation-silences-table < escalation-silences < escalation",
      "urn:pulumi:prod::incident-escalation::incident-escalation:index:EscalationPipeline$incident-escalation:index:Silences::escalation-silences < escalation",
    ],
  },
  {
    // Issue 10: drills get their own Lambda (HandlerFunction escalation-drill and its children)
    // and a Step Functions workflow (start → Wait → report) in DrillSchedules; the scheduler
    // role, the DrillSchedules component and the schedules keep their names and parents.
    name: "drill function and workflow",
    stack: "full",
    removed: [],
    added: [
      "urn:pulumi:full::incident-escalation::incident-escalation:index:EscalationPipeline$incident-escalation:index:DrillSchedules$aws:iam/role:Role::escalation-drills-workflow-role < escalation-drills < escalation",
      "urn:pulumi:full::incident-escalation::incident-escalation:index:EscalationPipeline$incident-escalation:index:DrillSchedules$aws:iam/rolePolicy:RolePolicy::escalation-drills-workflow-policy < escalation-drills < escalation",
      "urn:pulumi:full::incident-escalation::incident-escalation:index:EscalationPipeline$incident-escalation:index:DrillSchedules$aws:sfn/stateMachine:StateMachine::escalation-drills-workflow < escalation-drills < escalation",
      "urn:pulumi:full::incident-escalation::incident-escalation:index:EscalationPipeline$incident-escalation:index:HandlerFunction$aws:cloudwatch/logGroup:LogGroup::escalation-drill-logs < escalation-drill < escalation",
      "urn:pulumi:full::incident-escalation::incident-escalation:index:EscalationPipeline$incident-escalation:index:HandlerFunction$aws:cloudwatch/metricAlarm:MetricAlarm::escalation-drill-dlq-depth < escalation-drill < escalation",
      "urn:pulumi:full::incident-escalation::incident-escalation:index:EscalationPipeline$incident-escalation:index:HandlerFunction$aws:cloudwatch/metricAlarm:MetricAlarm::escalation-drill-errors < escalation-drill < escalation",
      "urn:pulumi:full::incident-escalation::incident-escalation:index:EscalationPipeline$incident-escalation:index:HandlerFunction$aws:iam/role:Role::escalation-drill-role < escalation-drill < escalation",
      "urn:pulumi:full::incident-escalation::incident-escalation:index:EscalationPipeline$incident-escalation:index:HandlerFunction$aws:iam/rolePolicy:RolePolicy::escalation-drill-policy < escalation-drill < escalation",
      "urn:pulumi:full::incident-escalation::incident-escalation:index:EscalationPipeline$incident-escalation:index:HandlerFunction$aws:lambda/function:Function::escalation-drill < escalation-drill < escalation",
      "urn:pulumi:full::incident-escalation::incident-escalation:index:EscalationPipeline$incident-escalation:index:HandlerFunction$aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig::escalation-drill-invoke < escalation-drill < escalation",
      "urn:pulumi:full::incident-escalation::incident-escalation:index:EscalationPipeline$incident-escalation:index:HandlerFunction$aws:sqs/queue:Queue::escalation-drill-dlq < escalation-drill < escalation",
      "urn:pulumi:full::incident-escalation::incident-escalation:index:EscalationPipeline$incident-escalation:index:HandlerFunction::escalation-drill < escalation",
    ],
  },
  {
    // Issue 13: prod's warning level defers outside the office calendar, so the stack gains the
    // deferral schedule group and the role (and its policy) Scheduler assumes to send deferred
    // alarms to the router's queue (components/deferral.ts). Nothing renamed or re-parented.
    name: "deferral group and role",
    stack: "prod",
    removed: [],
    added: [
      "urn:pulumi:prod::incident-escalation::incident-escalation:index:EscalationPipeline$aws:iam/role:Role::escalation-deferral-role < escalation",
      "urn:pulumi:prod::incident-escalation::incident-escalation:index:EscalationPipeline$aws:iam/rolePolicy:RolePolicy::escalation-deferral-policy < escalation",
      "urn:pulumi:prod::incident-escalation::incident-escalation:index:EscalationPipeline$aws:scheduler/scheduleGroup:ScheduleGroup::escalation-deferrals < escalation",
    ],
  },
];

/** `urn … < parent < grandparent` for every resource, sorted; throws on an unknown parent. */
function urnLines(stack: string, resources: readonly RecordedResource[]): string[] {
  const key = (type: string, name: string) => `${type}::${name}`;
  const byKey = new Map<string, RecordedResource>();
  for (const r of resources) {
    const k = key(r.type, r.name);
    assert.ok(!byKey.has(k), `${stack}: two resources ${k}`);
    byKey.set(k, r);
  }
  const ancestors = (r: RecordedResource): RecordedResource[] => {
    const out: RecordedResource[] = [];
    let cur = r;
    while (cur.parent !== null) {
      assert.ok(cur.parentType, `${stack}: ${key(cur.type, cur.name)} has no parent type`);
      const parent = byKey.get(key(cur.parentType, cur.parent));
      assert.ok(parent, `${stack}: parent ${key(cur.parentType, cur.parent)} was not recorded`);
      if (parent.type === ROOT_STACK_TYPE) break;
      out.push(parent);
      cur = parent;
    }
    return out;
  };
  return resources
    .filter((r) => r.type !== ROOT_STACK_TYPE)
    .map((r) => {
      const chain = ancestors(r);
      // The qualified type runs from the outermost ancestor in; the names from the nearest out.
      const qualified = [...[...chain].reverse().map((a) => a.type), r.type].join("$");
      const urn = `urn:pulumi:${stack}::${PROJECT}::${qualified}::${r.name}`;
      return chain.length === 0 ? urn : `${urn} < ${chain.map((a) => a.name).join(" < ")}`;
    })
    .sort();
}

function snapshotFile(stack: string): string {
  return path.join(FIXTURES, `urns.${stack}.txt`);
}

function readSnapshot(stack: string): string[] {
  return fs
    .readFileSync(snapshotFile(stack), "utf8")
    .split("\n")
    .filter((l) => l !== "");
}

/** The message of a mismatch: every added and removed line. */
function urnDiff(expected: readonly string[], actual: readonly string[]): string {
  const want = new Set(expected);
  const got = new Set(actual);
  const added = actual.filter((l) => !want.has(l));
  const removed = expected.filter((l) => !got.has(l));
  return [
    `${added.length} URN(s) added, ${removed.length} removed:`,
    ...added.map((l) => `  + ${l}`),
    ...removed.map((l) => `  - ${l}`),
  ].join("\n");
}

describe("resource URNs and parents stay as they were (snapshots in tests/components/fixtures)", () => {
  it("the mismatch message lists added and removed URNs", () => {
    assert.equal(
      urnDiff(["urn:a", "urn:b"], ["urn:b", "urn:c"]),
      "1 URN(s) added, 1 removed:\n  + urn:c\n  - urn:a",
    );
  });

  for (const { stack, file } of STACKS) {
    it(`${stack}: every resource's URN and parent chain equals the snapshot, but for the listed differences`, async () => {
      const { resources } = await runProgram(stack, file);
      const actual = urnLines(stack, resources);
      assert.equal(new Set(actual).size, actual.length, `${stack}: duplicate URN lines`);
      if (process.env.UPDATE_URN_SNAPSHOTS === "1") {
        fs.mkdirSync(FIXTURES, { recursive: true });
        fs.writeFileSync(snapshotFile(stack), `${actual.join("\n")}\n`);
      }
      const snapshot = readSnapshot(stack);
      const expected = new Set(snapshot);
      for (const d of EXPECTED_DIFFERENCES.filter((x) => x.stack === stack)) {
        for (const l of d.removed) {
          assert.ok(expected.delete(l), `${d.name}: removes ${l}, which is not in the snapshot`);
        }
        for (const l of d.added) {
          assert.ok(!expected.has(l), `${d.name}: adds ${l}, which is in the snapshot`);
          expected.add(l);
        }
      }
      const want = [...expected].sort();
      if (want.length !== actual.length || want.some((l, i) => l !== actual[i])) {
        assert.fail(`${stack}: ${urnDiff(want, actual)}`);
      }
    });
  }

  it("every listed difference names a stack this spec runs", () => {
    const known = new Set(STACKS.map((s) => s.stack));
    assert.deepEqual(
      EXPECTED_DIFFERENCES.filter((d) => !known.has(d.stack)).map((d) => d.name),
      [],
    );
  });
});
