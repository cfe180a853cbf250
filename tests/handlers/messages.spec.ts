/**
 * The one message catalogue (handlers/shared/messages.ts: e-mail, SMS, ack pages, Slack notes):
 * every key in Japanese and English, each text non-empty and different per language, the same
 * parameters used by both (a parameter left out changes the en text exactly when it changes the
 * ja text), and no parameter left unfilled when all are given.
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
  openedAt: "2026-12-02 00:50",
  at: "2026-12-02 01:02",
  silenceReason: "weekly patching",
  until: "2026-12-05T18:00:00.000Z",
  duration: "1:42",
  rotation: "primary",
};

/** The parameters whose absence changes the text of `key` in `lang`: the ones it uses. */
function used(key: MessageKey, lang: "ja" | "en"): string[] {
  const full = message(key, lang, PARAMS);
  return Object.keys(PARAMS)
    .filter((name) => {
      const without: Record<string, unknown> = { ...PARAMS };
      delete without[name];
      return message(key, lang, without as MessageParams) !== full;
    })
    .sort();
}

describe("message catalogue (ja, en)", () => {
  it("has exactly the languages ja and en for every key", () => {
    assert.deepEqual([...LANGUAGES].sort(), ["en", "ja"]);
    for (const [key, byLanguage] of Object.entries(MESSAGES)) {
      assert.deepEqual(Object.keys(byLanguage).sort(), ["en", "ja"], key);
    }
  });

  for (const key of Object.keys(MESSAGES) as MessageKey[]) {
    it(`${key}: non-empty in both languages, different from each other, the same parameters used in both, none left unfilled`, () => {
      const en = message(key, "en", PARAMS);
      const ja = message(key, "ja", PARAMS);
      assert.ok(en.trim().length > 0 && ja.trim().length > 0);
      assert.notEqual(en, ja);
      assert.deepEqual(used(key, "ja"), used(key, "en"), key);
      // An unfilled parameter renders as a lone "?" (messages.ts `v`).
      assert.ok(!/(^|[^a-z])\?([^a-z=]|$)/i.test(en.replace("Acknowledge this incident?", "")), en);
      assert.ok(!/(^|[^a-z])\?([^a-z=]|$)/i.test(ja), ja);
      // Every value long enough not to occur by chance (a digit does: "1 分") appears in both.
      for (const value of Object.values(PARAMS).filter((x) => String(x).length > 1)) {
        assert.equal(
          en.includes(String(value)),
          ja.includes(String(value)),
          `${key}: ${String(value)} only in one language`,
        );
      }
    });
  }

  it("holds the e-mail, SMS, Slack, ack-page and voice-call texts in one catalogue (no second module)", () => {
    const keys = Object.keys(MESSAGES);
    for (const prefix of ["email.", "sms.", "slack.", "page.", "voice."]) {
      assert.ok(
        keys.some((k) => k.startsWith(prefix)),
        `no ${prefix} key`,
      );
    }
    assert.ok(
      keys.every((k) => /^(email|sms|slack|page|voice)\.[A-Za-z.]+$/.test(k)),
      keys.join(","),
    );
  });

  it("the ack pages' and Slack's new texts, literally", () => {
    assert.equal(
      message("page.notEssential.body", "ja", PARAMS),
      'アラーム "ie-prod-critical-api-5xx"（レベル critical）の確認を記録しました。あなたへの呼び出しは必須ではないステージからのものなので、必須の担当者が確認するまでエスカレーションは続きます。',
    );
    assert.equal(
      message("slack.notEssential.text", "en", PARAMS),
      'Incident ie-prod-critical-api-5xx-20261201T100000000Z (alarm "ie-prod-critical-api-5xx", level critical): sato acknowledged via sms at 2026-12-02 01:02 UTC, but was paged by a stage that is not essential; the escalation goes on until an essential responder acknowledges.',
    );
    assert.equal(message("page.confirm.title", "ja"), "このインシデントを確認（受諾）しますか？");
  });

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
