/**
 * What a call speaks (handlers/shared/messages.ts voiceMessage over `voice.body`), as the engine
 * builds it (handlers/engine/core.ts baseParams: the alarm quoted and defused), in Japanese and
 * English: the level, the alarm and the reason, with SSML's reserved characters escaped (Amazon
 * Polly developer guide, "Reserved characters in SSML": `"` &quot;, `&` &amp;, `'` &apos;,
 * `<` &lt;, `>` &gt;), so an alarm name carrying `<break/>`, `&` or quotes is spoken as text.
 *
 * What this spec does NOT prove: how Polly pronounces the text, or that the contact flow wraps it
 * in `<speak><prosody>` (tests/components/contactFlow.spec.ts).
 */
import { strict as assert } from "node:assert";
import { baseParams } from "../../handlers/engine/core";
import { voiceMessage } from "../../handlers/shared/messages";

const input = {
  incidentId: "ie-prod-critical-x-20261202T010000000Z",
  level: "critical",
  alarmName: `db <break time="10s"/> & 'primary'`,
  firedAt: "2026-12-02T01:00:00.000Z",
};

describe("voiceMessage: the spoken text of a call, SSML-escaped (ja, en)", () => {
  // The alarm's `<` before a letter is defused to ‹ first (handlers/shared/untrustedText.ts
  // defuseMarkup, as every channel shows it); a reason is escaped as given.
  it("en: an alarm name with <break/>, & and quotes, and a reason with markup, are spoken as text", () => {
    assert.equal(
      voiceMessage("en", {
        ...baseParams(input),
        reason: "<prosody rate='x-fast'>p99 > 2s</prosody>",
      }),
      "Incident escalation. Level critical. CloudWatch alarm &quot;db ‹break time=\\&quot;10s\\&quot;/&gt; &amp; &apos;primary&apos;&quot; is in ALARM. Reason: &lt;prosody rate=&apos;x-fast&apos;&gt;p99 &gt; 2s&lt;/prosody&gt;.",
    );
  });

  it("ja: the same, in Japanese; no reason → no reason sentence", () => {
    assert.equal(
      voiceMessage("ja", baseParams(input)),
      "インシデントの呼び出しです。レベル critical。CloudWatch アラーム &quot;db ‹break time=\\&quot;10s\\&quot;/&gt; &amp; &apos;primary&apos;&quot; が ALARM 状態です。",
    );
  });

  it("the text holds no SSML tag and no bare & (every < > & \" ' escaped)", () => {
    for (const language of ["ja", "en"] as const) {
      const text = voiceMessage(language, { ...baseParams(input), reason: `<a>&"'` });
      assert.doesNotMatch(text, /[<>"']/);
      assert.doesNotMatch(text, /&(?!(quot|amp|apos|lt|gt);)/);
    }
  });

  it("a drill says so first", () => {
    assert.ok(
      voiceMessage(
        "en",
        baseParams({ ...input, alarmName: "[DRILL] critical paging drill" }),
      ).startsWith("This is a paging drill, not a real incident."),
    );
  });
});
