/**
 * Every Incident Manager resource input the program builds for the example stacks, checked
 * against the AWS API models in aws-models/ (lengths, ranges, patterns, enums, required members).
 *
 * Not proven: semantics the models do not encode (that a referenced ARN exists, that a channel is
 * activated), nor the provider's own translation beyond what tests/support/apiModel.ts mirrors.
 */
import { strict as assert } from "node:assert";
import { MODELLED_TYPES, checkResource } from "../support/apiModel";
import { runProgram } from "../support/program";

const IM_TYPE = /^aws(-native)?:ssm(contacts|incidents|\/contactsRotation)/;

for (const stack of ["prod", "dev"]) {
  describe(`API-model conformance (${stack} example)`, () => {
    it("every ssm-contacts / ssm-incidents input satisfies the API model", async () => {
      const { resources } = await runProgram(stack);
      const im = resources.filter((r) => r.custom && IM_TYPE.test(r.type));
      assert.ok(im.length >= (stack === "prod" ? 20 : 8), `only ${im.length} resources`);
      for (const r of im) {
        assert.ok(MODELLED_TYPES.includes(r.type), `${r.type} has no API-model mapping`);
        assert.deepEqual(
          checkResource(r.type, r.inputs, { resourceName: r.name }),
          [],
          `${r.type} ${r.name}`,
        );
      }
    });
  });
}

describe("API-model conformance checker", () => {
  it("catches a violating input the program could build", () => {
    assert.deepEqual(
      checkResource("aws:ssmcontacts/plan:Plan", {
        contactId: "arn:aws:ssm-contacts:ap-northeast-1:123456789012:contact/x",
        stages: [
          {
            durationInMinutes: 45,
            targets: [
              {
                contactTargetInfo: {
                  contactId: "arn:aws:ssm-contacts:ap-northeast-1:123456789012:contact/y",
                  isEssential: true,
                },
              },
            ],
          },
        ],
      }),
      ["Plan.Stages[0].DurationInMinutes: 45 is above the maximum 30"],
    );
  });
});
