/**
 * The message catalogue (handlers/shared/messages.ts): every key in Japanese and English, each
 * text non-empty and different per language, the parameters it is given present in both, and no
 * template left unfilled.
 *
 * What this spec does NOT prove: that the translations read well (a person does), or how a mail
 * client or a phone renders them (UTF-8 and SMS encoding are the channel's).
 */
import { strict as assert } from "node:assert";
import {
  MESSAGES,
  message,
  type MessageKey,
  type MessageParams,
} from "../../handlers/shared/messages";
import { LANGUAGES } from "../../handlers/engine/protocol";

const PARAMS: MessageParams = {
  alarm: '"ie-prod-critical-api-5xx"',
  level: "critical",
  incidentId: "ie-prod-critical-api-5xx-20261201T100000000Z",
  link: "https://ack.example.com/ack?t=a1.x.y",
  linkExpires: "2026-12-02T10:00:00.000Z",
  contact: "sato",
  channel: "sms",
  stage: 2,
  round: 1,
  rounds: 2,
  reason: "EnginePermanentError",
  silenceReason: "weekly patching",
  until: "2026-12-05T18:00:00.000Z",
};

describe("message catalogue (ja, en)", () => {
  it("has exactly the languages ja and en for every key", () => {
    assert.deepEqual([...LANGUAGES].sort(), ["en", "ja"]);
    for (const [key, byLanguage] of Object.entries(MESSAGES)) {
      assert.deepEqual(Object.keys(byLanguage).sort(), ["en", "ja"], key);
    }
  });

  for (const key of Object.keys(MESSAGES) as MessageKey[]) {
    it(`${key}: non-empty in both languages, different from each other, no "?" placeholder left, the same parameters used in both`, () => {
      const en = message(key, "en", PARAMS);
      const ja = message(key, "ja", PARAMS);
      assert.ok(en.length > 0 && ja.length > 0);
      assert.notEqual(en, ja);
      assert.ok(!en.includes("?") || en.includes("ack?t="), en);
      assert.ok(!ja.includes("?") || ja.includes("ack?t="), ja);
      for (const value of Object.values(PARAMS)) {
        assert.equal(
          en.includes(String(value)),
          ja.includes(String(value)),
          `${key}: ${String(value)} only in one language`,
        );
      }
    });
  }

  it("the e-mail in Japanese, literally", () => {
    assert.equal(
      message("email.subject", "ja", PARAMS),
      '【critical】"ie-prod-critical-api-5xx"：確認をお願いします',
    );
    assert.equal(
      message("sms.body", "en", PARAMS),
      '[critical] "ie-prod-critical-api-5xx" ALARM. Acknowledge: https://ack.example.com/ack?t=a1.x.y',
    );
  });
});
