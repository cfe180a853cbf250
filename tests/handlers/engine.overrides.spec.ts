/**
 * Rotation overrides in the step-functions engine: the pure core resolving a stage's targets with
 * overrides (one in force, one ended at `to` exclusive, one not yet begun, the last given wins),
 * the stage note's lines in both languages, the GetItem request against aws-models/dynamodb.json,
 * and the real handler run by the real state machine definition (tests/handlers/fixtures/
 * engineFixtures.ts: aws-local-stepfunctions + dynalite) where an item written by
 * `npm run override`'s own request (tools/override.ts putOverrideRequest) makes the stage page the
 * override member, and where a failed or malformed read pages the scheduled member and says so.
 *
 * What this spec does NOT prove: that DynamoDB answers exactly as dynalite (the request is
 * checked against the botocore model; IAM for the read is tests/iam/engine.spec.ts's part); the
 * SDK's own retries before a read counts as failed (the failure is injected after them); that
 * Slack renders the note (AWS Chatbot's part).
 */
import { strict as assert } from "node:assert";
import { GetItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import {
  stageNoteLines,
  stageRotations,
  stageTargets,
  startStage,
  startRun,
} from "../../handlers/engine/core";
import { getOverridesRequest, type RotationOverride } from "../../handlers/shared/overrides";
import { putOverrideRequest } from "../../tools/override";
import { checkOperationInput } from "../support/apiModel";
import {
  EngineWorld,
  T0,
  engineInput,
  levelPlan,
  plan,
  type Sent,
} from "./fixtures/engineFixtures";

const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const o = (members: string[], from: number, to: number): RotationOverride => ({
  rotation: "primary",
  members,
  from: at(from).toISOString(),
  to: at(to).toISOString(),
});

describe("engine core: stage targets with rotation overrides (handlers/engine/core.ts)", () => {
  // The fixture rotation: suzuki on call at T0 (Monday 08:50 Tokyo), sato after 09:00 (T+10).
  const p = levelPlan({
    stages: [
      { engage: ["oncall:primary", "tanaka"], minutes: 15, essential: true },
      { engage: ["oncall:primary"], minutes: 15, essential: true },
    ],
  });
  const table: [string, RotationOverride[], Date, string[]][] = [
    ["no override: the schedule's member", [], T0, ["suzuki", "tanaka"]],
    ["an override in force (from ≤ t < to)", [o(["sato"], -60, 5)], T0, ["sato", "tanaka"]],
    [
      "an override that begins at t exactly is in force",
      [o(["sato"], 0, 5)],
      T0,
      ["sato", "tanaka"],
    ],
    [
      "an override that ended at t (to is exclusive)",
      [o(["sato"], -60, 0)],
      T0,
      ["suzuki", "tanaka"],
    ],
    ["an override not yet begun", [o(["sato"], 1, 60)], T0, ["suzuki", "tanaka"]],
    [
      "two overlapping overrides: the last given wins",
      [o(["sato"], -60, 60), o(["tanaka"], -10, 10)],
      T0,
      ["tanaka"],
    ],
    [
      "an override of another rotation changes nothing",
      [{ ...o(["sato"], -60, 60), rotation: "secondary" }],
      T0,
      ["suzuki", "tanaka"],
    ],
  ];
  for (const [title, overrides, when, expected] of table) {
    it(`${title}: ${expected.join(", ")}`, () => {
      assert.deepEqual(stageTargets(p, 0, when, overrides), expected);
    });
  }

  it("startStage pages the override member and says who is on call by override, until when", () => {
    const { contacts, byOverride, run } = startStage(p, startRun(T0), 0, T0, [o(["sato"], -60, 5)]);
    assert.deepEqual(contacts, ["sato", "tanaka"]);
    assert.deepEqual(byOverride, [
      { rotation: "primary", members: ["sato"], until: "2026-11-29T23:55:00.000Z" },
    ]);
    assert.deepEqual(
      run.pending.map((x) => `${x.at} ${x.contact} ${x.channel}`),
      [
        "2026-11-29T23:50:00.000Z sato email",
        "2026-11-29T23:50:00.000Z tanaka email",
        "2026-11-30T00:00:00.000Z sato sms",
        "2026-11-30T00:00:00.000Z tanaka sms",
      ],
    );
    assert.deepEqual(startStage(p, startRun(T0), 0, T0).byOverride, []);
  });

  it("an override naming nobody the plan can page (a contact since removed) is ignored: the schedule's member is paged and the rotation is reported", () => {
    const r = startStage(p, startRun(T0), 0, T0, [o(["yamada"], -60, 60)]);
    assert.deepEqual(r.contacts, ["suzuki", "tanaka"]);
    assert.deepEqual(r.byOverride, []);
    assert.deepEqual(r.ignored, ["primary"]);
    assert.deepEqual(startStage(p, startRun(T0), 0, T0, [o(["sato"], -60, 60)]).ignored, []);
  });

  it("stageRotations: the rotations a stage engages that the plan has, once each", () => {
    const q = levelPlan({
      stages: [
        {
          engage: ["oncall:primary", "tanaka", "oncall:primary", "oncall:unknown"],
          minutes: 5,
          essential: true,
        },
        { engage: ["tanaka"], minutes: 5, essential: true },
      ],
    });
    assert.deepEqual(stageRotations(q, 0), ["primary"]);
    assert.deepEqual(stageRotations(q, 1), []);
  });

  it("the stage note's lines, literally, in English and Japanese", () => {
    const stage = {
      byOverride: [{ rotation: "primary", members: ["sato"], until: "2026-11-30T00:05:00.000Z" }],
      unreadable: [{ rotation: "secondary", reason: "ProvisionedThroughputExceededException" }],
    };
    assert.deepEqual(stageNoteLines("en", stage), [
      "sato on call in primary by override until 2026-11-30T00:05:00.000Z",
      "Overrides of secondary could not be read (ProvisionedThroughputExceededException): its scheduled on-call is paged",
    ]);
    assert.deepEqual(stageNoteLines("ja", stage), [
      "sato が 2026-11-30T00:05:00.000Z までオーバーライドで primary の当番です",
      "secondary のオーバーライドを読めませんでした（ProvisionedThroughputExceededException）。予定どおりの当番を呼び出します",
    ]);
    assert.deepEqual(stageNoteLines("en", { byOverride: [], unreadable: [] }), []);
  });

  it("the GetItem request is strongly consistent on OVERRIDE#<rotation> and matches the botocore model", () => {
    const get = getOverridesRequest("ie-test-incidents", "primary");
    assert.deepEqual(get, {
      TableName: "ie-test-incidents",
      Key: { pk: { S: "OVERRIDE#primary" } },
      ConsistentRead: true,
    });
    assert.deepEqual(checkOperationInput("dynamodb", "GetItem", get), []);
  });
});

const pages = (sent: readonly Sent[]) =>
  sent.filter((s) => s.kind !== "note").map((s) => `T+${s.t} ${s.kind} ${s.to}`);
const stageNotes = (sent: readonly Sent[]) =>
  sent
    .filter((s) => s.kind === "note")
    .map(
      (s) =>
        `T+${s.t} ${(JSON.parse(String(s.input.Message)) as { content: { description: string } }).content.description}`,
    )
    .filter((d) => d.includes(": stage "));

describe("engine handler with overrides, executed (the real definition + handler + dynalite)", function () {
  this.timeout(60_000);
  const world = new EngineWorld();
  let n = 0;
  const table = () => `overrides-${++n}`;
  before(() => world.start());
  after(() => world.stop());
  const id = engineInput().incidentId;
  // Both stages engage the rotation: suzuki is scheduled at T+0, sato at T+15.
  const twoStages = () =>
    plan({
      stages: [
        { engage: ["oncall:primary"], minutes: 15, essential: true },
        { engage: ["oncall:primary"], minutes: 15, essential: true },
      ],
    });

  it("an override stored by npm run override's request (tanaka until T+15) pages tanaka in stage 1, the scheduled sato in stage 2 (to is exclusive); the notes say so", async () => {
    const t = table();
    await world.table(t);
    const put = putOverrideRequest(
      t,
      { rotation: "primary", member: "tanaka", from: at(-60), to: at(15) },
      at(-120),
    );
    await world.db.send(new UpdateItemCommand(put));
    const reads: Record<string, unknown>[] = [];
    world.db.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "GetItemCommand") {
          const input = args.input as Record<string, unknown>;
          if (JSON.stringify(input.Key).includes("OVERRIDE#")) reads.push(input);
        }
        return next(args);
      },
      { step: "initialize", name: "recordOverrideReads" },
    );
    try {
      const { error, world: w } = await world.run({ plan: twoStages(), table: t });
      assert.equal(error, undefined);
      assert.deepEqual(pages(w.sent), [
        "T+0 email tanaka@example.com",
        "T+10 sms +819000000003",
        "T+15 email sato@example.com",
        "T+25 sms +819000000001",
      ]);
      assert.deepEqual(stageNotes(w.sent), [
        `T+0 Incident ${id}: stage 1 (round 1) engages tanaka\ntanaka on call in primary by override until 2026-11-30T00:05:00.000Z`,
        `T+15 Incident ${id}: stage 2 (round 1) engages sato`,
      ]);
      const stageLogs = w.logs.filter((l) => l.message === "engine.stage");
      assert.deepEqual(
        stageLogs.map((l) => [l.contacts, l.byOverride]),
        [
          [["tanaka"], ["primary"]],
          [["sato"], undefined],
        ],
      );
      // One strongly consistent read per stage, each a valid GetItem.
      assert.deepEqual(reads, [
        { TableName: t, Key: { pk: { S: "OVERRIDE#primary" } }, ConsistentRead: true },
        { TableName: t, Key: { pk: { S: "OVERRIDE#primary" } }, ConsistentRead: true },
      ]);
      for (const r of reads) assert.deepEqual(checkOperationInput("dynamodb", "GetItem", r), []);
    } finally {
      world.db.middlewareStack.remove("recordOverrideReads");
    }
  });

  it("GetItem of the override item fails (after the SDK's retries): the scheduled suzuki and sato are paged, a WARN without PII is logged, and each stage's note says overrides could not be read", async () => {
    const t = table();
    await world.table(t);
    await world.db.send(
      new UpdateItemCommand(
        putOverrideRequest(
          t,
          { rotation: "primary", member: "tanaka", from: at(-60), to: at(60) },
          at(-120),
        ),
      ),
    );
    world.db.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as Record<string, unknown>;
        if (
          context.commandName === "GetItemCommand" &&
          JSON.stringify(input.Key).includes("OVERRIDE#")
        ) {
          throw Object.assign(new Error("Throughput exceeds the current capacity of your table."), {
            name: "ProvisionedThroughputExceededException",
            $metadata: { httpStatusCode: 400 },
          });
        }
        return next(args);
      },
      { step: "initialize", name: "failOverrideReads" },
    );
    try {
      const { error, world: w } = await world.run({ plan: twoStages(), table: t });
      assert.equal(error, undefined);
      assert.deepEqual(pages(w.sent), [
        "T+0 email suzuki@example.com",
        "T+10 sms +819000000002",
        "T+15 email sato@example.com",
        "T+25 sms +819000000001",
      ]);
      assert.deepEqual(stageNotes(w.sent), [
        `T+0 Incident ${id}: stage 1 (round 1) engages suzuki\nOverrides of primary could not be read (ProvisionedThroughputExceededException): its scheduled on-call is paged`,
        `T+15 Incident ${id}: stage 2 (round 1) engages sato\nOverrides of primary could not be read (ProvisionedThroughputExceededException): its scheduled on-call is paged`,
      ]);
      const warns = w.logs.filter((l) => l.message === "engine.overrides_unreadable");
      assert.deepEqual(warns, [
        {
          level: "WARN",
          message: "engine.overrides_unreadable",
          incidentId: id,
          stage: 1,
          rotation: "primary",
          error: "ProvisionedThroughputExceededException",
        },
        {
          level: "WARN",
          message: "engine.overrides_unreadable",
          incidentId: id,
          stage: 2,
          rotation: "primary",
          error: "ProvisionedThroughputExceededException",
        },
      ]);
    } finally {
      world.db.middlewareStack.remove("failOverrideReads");
    }
  });

  it("an override of someone the plan does not page (a contact since removed from the stack) pages the scheduled member; the note says so", async () => {
    const t = table();
    await world.table(t);
    await world.db.send(
      new UpdateItemCommand(
        putOverrideRequest(
          t,
          { rotation: "primary", member: "yamada", from: at(-60), to: at(60) },
          at(-120),
        ),
      ),
    );
    const { error, world: w } = await world.run({ plan: plan(), table: t });
    assert.equal(error, undefined);
    assert.deepEqual(pages(w.sent).slice(0, 1), ["T+0 email suzuki@example.com"]);
    assert.deepEqual(stageNotes(w.sent).slice(0, 1), [
      `T+0 Incident ${id}: stage 1 (round 1) engages suzuki\nOverrides of primary could not be read (UnknownOverrideMember): its scheduled on-call is paged`,
    ]);
  });

  it("a malformed override item (an entry without `to`) is not a reason to page nobody: the scheduled member is paged and the note names OverrideStoreError", async () => {
    const t = table();
    await world.table(t);
    await world.db.send(
      new UpdateItemCommand({
        TableName: t,
        Key: { pk: { S: "OVERRIDE#primary" } },
        UpdateExpression: "SET #o = :o",
        ExpressionAttributeNames: { "#o": "overrides" },
        ExpressionAttributeValues: {
          ":o": { L: [{ M: { member: { S: "tanaka" }, from: { S: at(-60).toISOString() } } }] },
        },
      }),
    );
    const { error, world: w } = await world.run({ plan: plan(), table: t });
    assert.equal(error, undefined);
    assert.deepEqual(pages(w.sent).slice(0, 1), ["T+0 email suzuki@example.com"]);
    assert.deepEqual(stageNotes(w.sent).slice(0, 1), [
      `T+0 Incident ${id}: stage 1 (round 1) engages suzuki\nOverrides of primary could not be read (OverrideStoreError): its scheduled on-call is paged`,
    ]);
    // Stage 2 engages tanaka directly: no rotation, no read, no line.
    assert.deepEqual(stageNotes(w.sent).slice(1), [
      `T+15 Incident ${id}: stage 2 (round 1) engages tanaka`,
    ]);
    assert.equal(
      (await world.db.send(new GetItemCommand(getOverridesRequest(t, "primary")))).Item?.pk?.S,
      "OVERRIDE#primary",
    );
  });
});
