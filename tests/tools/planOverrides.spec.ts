/**
 * `npm run plan -- --overrides` (tools/plan.ts, tools/planReport.ts): on stacks built in the spec
 * (tests/support/overrideStacks.ts), the on-call line says who is on call now by override and
 * until when, the level's stage resolves to them, and each rotation lists its upcoming overrides;
 * read through Incident Manager (mocked ssm-contacts client) or the step-functions store
 * (dynalite); without the flag one line says overrides are not read offline; a failed read is
 * exit 2 naming the call.
 *
 * What this spec does NOT prove: the caller's credentials or IAM (the SDK's chain is not run);
 * that Incident Manager lists what it would page (its own resolver); the requests' shapes
 * (tests/cli/override.spec.ts checks them against the botocore models).
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import {
  ListRotationOverridesCommand,
  ListRotationsCommand,
  SSMContactsClient,
} from "@aws-sdk/client-ssm-contacts";
import { mockClient } from "aws-sdk-client-mock";
import { planCli } from "../../cli/plan";
import { putOverrideRequest } from "../../tools/override";
import { dynamoClient, freshTable, startDynalite, type Dynalite } from "../support/incidentTable";
import { overrideStacks } from "../support/overrideStacks";

const ROOT = path.join(__dirname, "..", "..");
// Sunday 2026-12-20 09:00 Tokyo: suzuki's week (the rotation hands off to sato Monday 09:00).
const NOW = new Date("2026-12-20T00:00:00.000Z");
const ROT_ARN = "arn:aws:ssm-contacts:ap-northeast-1:123456789012:rotation/ie-imo-primary";
const contactArn = (alias: string) =>
  `arn:aws:ssm-contacts:ap-northeast-1:123456789012:contact/ie-imo-${alias}`;

const onCallBlock = (stdout: string) => {
  const lines = stdout.split("\n");
  const start = lines.indexOf("On call");
  const end = lines.indexOf("Policies");
  return lines.slice(start, end);
};

describe("npm run plan -- --overrides (rotation overrides from AWS)", function () {
  this.timeout(120_000);
  const stacks = overrideStacks();
  const client = new SSMContactsClient({ region: "ap-northeast-1" });
  // A class mock (the one the other specs of the run re-stub too), made in before() and restored
  // in after(). The client packages and aws-sdk-client-mock pin different @smithy/types: hence
  // the casts.
  let mock: ReturnType<typeof mockClient>;
  let db: Dynalite;
  before(async () => {
    mock = mockClient(SSMContactsClient as unknown as Parameters<typeof mockClient>[0]);
    db = await startDynalite();
  });
  after(async () => {
    mock.restore();
    await db.close();
  });
  beforeEach(() => mock.reset());
  const plan = (stack: "imo" | "sfo", extra: string[]) => {
    const regions: (string | undefined)[] = [];
    const r = planCli({
      argv: ["--stack", stack, "--config-file", stacks.file(stack), "--no-color", ...extra],
      root: ROOT,
      now: NOW,
      colour: false,
      overrideClients: {
        contacts: (region) => {
          regions.push(region);
          return client;
        },
        dynamodb: (region) => {
          regions.push(region);
          return dynamoClient(db.url);
        },
      },
    });
    return { r, regions };
  };

  it("without --overrides: nothing is read, and one line says how to see them", async () => {
    const { r, regions } = plan("imo", []);
    const out = await r;
    assert.equal(out.exitCode, 0, out.stderr);
    assert.deepEqual(regions, []);
    assert.equal(mock.calls().length, 0);
    assert.deepEqual(onCallBlock(out.stdout), [
      "On call",
      "  oncall:primary (Asia/Tokyo): now suzuki; next sato from 2026-12-21 09:00",
      "  overrides: not read offline; add --overrides to read them from AWS with your credentials, or run npm run override -- --stack imo --rotation <r> --list",
      "",
    ]);
    assert.deepEqual(out.document?.overrides, { read: false, upcoming: [] });
  });

  it("Incident Manager: tanaka on call now by override until Monday 18:00 Tokyo, stage 1 engages tanaka, suzuki's override on 31 December listed as upcoming", async () => {
    mock
      .on(ListRotationsCommand as never)
      .resolves({ Rotations: [{ Name: "ie-imo-primary", RotationArn: ROT_ARN }] } as never);
    mock.on(ListRotationOverridesCommand as never).resolves({
      RotationOverrides: [
        {
          NewContactIds: [contactArn("tanaka")],
          StartTime: new Date("2026-12-19T00:00:00.000Z"),
          EndTime: new Date("2026-12-21T09:00:00.000Z"),
        },
        {
          NewContactIds: [contactArn("suzuki")],
          StartTime: new Date("2026-12-31T00:00:00.000Z"),
          EndTime: new Date("2027-01-01T00:00:00.000Z"),
        },
      ],
    } as never);
    const { r, regions } = plan("imo", ["--overrides"]);
    const out = await r;
    assert.equal(out.exitCode, 0, out.stderr);
    assert.deepEqual(regions, ["ap-northeast-1"]);
    assert.deepEqual(onCallBlock(out.stdout), [
      "On call",
      "  oncall:primary (Asia/Tokyo): now tanaka by override until 2026-12-21 18:00; next sato from 2026-12-21 09:00",
      "    upcoming overrides:",
      "      suzuki on call 2026-12-31 09:00 → 2027-01-01 09:00",
      "",
    ]);
    assert.ok(
      out.stdout.includes("      T+0   stage 1 (15 min) → oncall:primary [on call now: tanaka]\n"),
      out.stdout,
    );
    assert.deepEqual(out.document?.onCall[0].override, {
      members: ["tanaka"],
      until: "2026-12-21T09:00:00.000Z",
    });
    assert.deepEqual(out.document?.overrides, {
      read: true,
      upcoming: [
        {
          rotation: "primary",
          members: ["suzuki"],
          from: "2026-12-31T00:00:00.000Z",
          to: "2027-01-01T00:00:00.000Z",
        },
      ],
    });
  });

  it("step-functions: the override items of the incident table (as npm run override writes them); no upcoming one is said so", async () => {
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
    const { r } = plan("sfo", ["--overrides"]);
    const out = await r;
    assert.equal(out.exitCode, 0, out.stderr);
    assert.deepEqual(onCallBlock(out.stdout), [
      "On call",
      "  oncall:primary (Asia/Tokyo): now sato by override until 2026-12-20 12:00; next sato from 2026-12-21 09:00",
      "    upcoming overrides: none",
      "",
    ]);
  });

  it("a failed read is exit 2 naming the call, and nothing is planned", async () => {
    mock.on(ListRotationsCommand as never).rejects(
      Object.assign(new Error("The security token included in the request is expired"), {
        name: "ExpiredTokenException",
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const out = await plan("imo", ["--overrides"]).r;
    assert.equal(out.exitCode, 2);
    assert.equal(out.stdout, "");
    assert.equal(
      out.stderr,
      "plan: --overrides: ssm-contacts:ListRotations failed: no usable AWS credentials. Set AWS_PROFILE (and run `aws sso login` if it is an SSO profile), or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, then check with `aws sts get-caller-identity`. (ExpiredTokenException: The security token included in the request is expired)\n",
    );
  });
});
