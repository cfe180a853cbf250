/**
 * `npm run drill` prints, before it starts, who each rotation the level engages has on call now
 * with the rotations' overrides applied (tools/drill.ts renderOnCall), on stacks built in the spec
 * (tests/support/overrideStacks.ts): Incident Manager (overrides from a mocked ssm-contacts
 * client; the confirmation's timeline names the override member too), step-functions (the
 * incident table's override item on dynalite), and a failed read (said, and the drill goes on).
 * Every run here stops before anything is started (not confirmed, or no target deployed).
 *
 * What this spec does NOT prove: that the backends page the override member (Incident Manager's
 * resolver; the engine's is tests/handlers/engine.overrides.spec.ts); the drill report marking a
 * person on call by override (not done: the report's data does not say so, see the README).
 */
import { strict as assert } from "node:assert";
import { UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { ListStateMachinesCommand, SFNClient } from "@aws-sdk/client-sfn";
import {
  ListRotationOverridesCommand,
  ListRotationsCommand,
  SSMContactsClient,
} from "@aws-sdk/client-ssm-contacts";
import { ListResponsePlansCommand, SSMIncidentsClient } from "@aws-sdk/client-ssm-incidents";
import { mockClient } from "aws-sdk-client-mock";
import { drillCli } from "../../cli/drill";
import { putOverrideRequest } from "../../tools/override";
import { dynamoClient, freshTable, startDynalite, type Dynalite } from "../support/incidentTable";
import { overrideStacks } from "../support/overrideStacks";

// Sunday 2026-12-20 09:00 Tokyo: suzuki's week (the rotation hands off to sato Monday 09:00).
const NOW = new Date("2026-12-20T00:00:00.000Z");
const ROT_ARN = "arn:aws:ssm-contacts:ap-northeast-1:123456789012:rotation/ie-imo-primary";
const PLAN_ARN = "arn:aws:ssm-incidents::123456789012:response-plan/ie-imo-critical";

describe("npm run drill: who is on call, with the rotations' overrides, before it starts", function () {
  this.timeout(30_000);
  const stacks = overrideStacks();
  const contacts = new SSMContactsClient({ region: "ap-northeast-1" });
  const incidents = new SSMIncidentsClient({ region: "ap-northeast-1" });
  const sfn = new SFNClient({ region: "ap-northeast-1" });
  // Class mocks (the ones tests/tools/drill.spec.ts stubs too), made in before() and restored in
  // after(); DynamoDB is dynalite, never mocked. The client packages and aws-sdk-client-mock pin
  // different @smithy/types: hence the casts.
  let contactsMock: ReturnType<typeof mockClient>;
  let incidentsMock: ReturnType<typeof mockClient>;
  let sfnMock: ReturnType<typeof mockClient>;
  let db: Dynalite;
  before(async () => {
    contactsMock = mockClient(SSMContactsClient as unknown as Parameters<typeof mockClient>[0]);
    incidentsMock = mockClient(SSMIncidentsClient as unknown as Parameters<typeof mockClient>[0]);
    sfnMock = mockClient(SFNClient as unknown as Parameters<typeof mockClient>[0]);
    db = await startDynalite();
  });
  after(async () => {
    contactsMock.restore();
    incidentsMock.restore();
    sfnMock.restore();
    await db.close();
  });
  beforeEach(() => {
    contactsMock.reset();
    incidentsMock.reset();
    sfnMock.reset();
  });

  const run = async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const questions: string[] = [];
    const code = await drillCli({
      argv,
      root: stacks.root,
      now: () => NOW,
      sleep: async () => undefined,
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      confirm: async (q) => {
        questions.push(q);
        return false;
      },
      clients: () => ({ incidents, contacts }),
      engineClients: () => ({ sfn, db: dynamoClient(db.url) }),
      overrideClients: { contacts: () => contacts, dynamodb: () => dynamoClient(db.url) },
      signal: new AbortController().signal,
    });
    return { code, out, err, questions };
  };

  it("Incident Manager: tanaka on call by override until Monday 09:00 UTC; the confirmation's timeline pages tanaka; nothing started when not confirmed", async () => {
    contactsMock
      .on(ListRotationsCommand as never)
      .resolves({ Rotations: [{ Name: "ie-imo-primary", RotationArn: ROT_ARN }] } as never);
    contactsMock.on(ListRotationOverridesCommand as never).resolves({
      RotationOverrides: [
        {
          NewContactIds: ["arn:aws:ssm-contacts:ap-northeast-1:123456789012:contact/ie-imo-tanaka"],
          StartTime: new Date("2026-12-19T00:00:00.000Z"),
          EndTime: new Date("2026-12-21T09:00:00.000Z"),
        },
      ],
    } as never);
    incidentsMock
      .on(ListResponsePlansCommand)
      .resolves({ responsePlanSummaries: [{ name: "ie-imo-critical", arn: PLAN_ARN }] });
    const r = await run(["--stack", "imo", "--level", "critical"]);
    assert.equal(r.code, 2);
    assert.deepEqual(r.out, [
      "On call now, with the rotations' overrides:",
      "  oncall:primary: tanaka (override until 2026-12-21T09:00:00.000Z)",
    ]);
    assert.equal(r.questions.length, 1);
    assert.ok(
      r.questions[0].includes("  T+0   stage 1 (15 min) → oncall:primary [on call now: tanaka]\n"),
      r.questions[0],
    );
    assert.deepEqual(r.err, ["drill: not confirmed; nothing was started."]);
    assert.deepEqual(
      contactsMock
        .calls()
        .map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name),
      ["ListRotationsCommand", "ListRotationOverridesCommand"],
    );
  });

  it("step-functions: the override item of the incident table (sato until 12:00 Tokyo) is printed before the state machine is looked up", async () => {
    await freshTable(db.admin, "ie-sfo-incidents");
    await db.admin.send(
      new UpdateItemCommand(
        putOverrideRequest(
          "ie-sfo-incidents",
          {
            rotation: "primary",
            member: "sato",
            from: new Date("2026-12-19T00:00:00.000Z"),
            to: new Date("2026-12-20T03:00:00.000Z"),
          },
          new Date("2026-12-18T00:00:00.000Z"),
        ),
      ),
    );
    sfnMock.on(ListStateMachinesCommand).resolves({ stateMachines: [] });
    const r = await run(["--stack", "sfo", "--level", "critical", "--yes"]);
    assert.equal(r.code, 2);
    assert.deepEqual(r.out, [
      "On call now, with the rotations' overrides:",
      "  oncall:primary: sato (override until 2026-12-20T03:00:00.000Z)",
    ]);
    assert.deepEqual(r.err, [
      'drill: no state machine named "ie-sfo-escalation" in ap-northeast-1. Deploy the stack (pulumi up --stack sfo) or pass the right --region.',
    ]);
  });

  it("a failed read is said (naming the call) and the drill goes on with the schedule's names", async () => {
    contactsMock.on(ListRotationsCommand as never).rejects(
      Object.assign(new Error("Rate exceeded"), {
        name: "ThrottlingException",
        $metadata: { httpStatusCode: 400 },
      }),
    );
    incidentsMock.on(ListResponsePlansCommand).resolves({ responsePlanSummaries: [] });
    const r = await run(["--stack", "imo", "--level", "critical"]);
    assert.equal(r.code, 2);
    assert.deepEqual(r.out, [
      "On call now, with the rotations' overrides:",
      "  oncall:primary: suzuki",
    ]);
    assert.deepEqual(r.err, [
      "drill: the rotations' overrides could not be read (ssm-contacts:ListRotations failed: AWS is throttling requests (the SDK already retried with backoff). Wait a minute and run the command again. (ThrottlingException: Rate exceeded)); who is on call below is the rotations' schedule, and the drill still pages whoever the backend has on call.",
      'drill: no response plan named "ie-imo-critical" in ap-northeast-1. Deploy the stack (pulumi up --stack imo) or pass the right --region.',
    ]);
  });

  it("--dry-run reads nothing (it stays offline)", async () => {
    const r = await run(["--stack", "imo", "--level", "critical", "--dry-run"]);
    assert.equal(r.code, 0);
    assert.equal(contactsMock.calls().length, 0);
    assert.ok(!r.out.join("\n").includes("with the rotations' overrides"));
  });
});
