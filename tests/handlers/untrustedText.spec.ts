/**
 * handlers/shared/untrustedText.ts, table-driven with literal inputs and outputs: control, bidi
 * and zero-width characters stripped, Slack markup and broadcast mentions defused, Slack and SSML
 * escaping, quoting that alarm text cannot break out of, and cuts at the length limits that never
 * split a surrogate pair or an escape.
 *
 * What this spec does NOT prove:
 * - how Incident Manager's console, its e-mail/SMS/voice pages, AWS Chatbot or Slack actually
 *   render these strings (no such renderer runs here); the look-alikes ‹ and ＠ are chosen so that
 *   they form no Slack control sequence or mention whatever the renderer does;
 * - that Amazon Polly or any SSML engine accepts `ssmlEscape`'s output: only that the five
 *   characters Polly's reserved-character page lists are escaped as it lists them;
 * - anything about the Slack alarm messages AWS Chatbot renders from CloudWatch's notification:
 *   the stack does not write that text.
 */
import { strict as assert } from "node:assert";
import {
  ALARM_TEXT_LABELS,
  alarmText,
  defuseMarkup,
  quoted,
  slackEscape,
  ssmlEscape,
  stripUnsafe,
  truncateText,
} from "../../handlers/shared/untrustedText";

describe("untrustedText", () => {
  describe("stripUnsafe", () => {
    // [title, input, one line, with newlines]
    const cases: [string, string, string, string][] = [
      ["plain text", "prod-critical-api-5xx", "prod-critical-api-5xx", "prod-critical-api-5xx"],
      ["U+202E RIGHT-TO-LEFT OVERRIDE", "api\u202Etxt.exe", "apitxt.exe", "apitxt.exe"],
      [
        "every bidi control: U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C",
        "a\u202Ab\u202Bc\u202Cd\u202De\u202Ef\u2066g\u2067h\u2068i\u2069j\u200Ek\u200Fl\u061Cm",
        "abcdefghijklm",
        "abcdefghijklm",
      ],
      ["NUL", "a\u0000b", "ab", "ab"],
      ["ESC (terminal colours)", "\u001B[31mred", "[31mred", "[31mred"],
      ["DEL and C1 (CSI U+009B)", "a\u007Fb\u009Bc", "abc", "abc"],
      ["zero-width joiner", "a\u200Db", "ab", "ab"],
      [
        "zero-width space, word joiner, BOM, soft hyphen",
        "a\u200Bb\u2060c\uFEFFd\u00ADe",
        "abcde",
        "abcde",
      ],
      [
        "an emoji ZWJ sequence falls apart into its emoji",
        "👨\u200D👩\u200D👧",
        "👨👩👧",
        "👨👩👧",
      ],
      ["LF", "line1\nline2", "line1 line2", "line1\nline2"],
      ["CRLF counts as one line break", "a\r\nb", "a b", "a\nb"],
      ["CR, NEL, U+2028, U+2029", "a\rb\u0085c\u2028d\u2029e", "a b c d e", "a\nb\nc\nd\ne"],
      ["tab", "a\tb", "a b", "a b"],
      ["lone surrogates become U+FFFD", "x\uD800y\uDC00", "x\uFFFDy\uFFFD", "x\uFFFDy\uFFFD"],
      [
        "emoji, CJK and Arabic letters stay",
        "🚨 本番 API خطأ",
        "🚨 本番 API خطأ",
        "🚨 本番 API خطأ",
      ],
      [
        "Slack markup is not this function's business",
        "<!channel> @here",
        "<!channel> @here",
        "<!channel> @here",
      ],
    ];
    for (const [title, input, oneLine, multiLine] of cases) {
      it(title, () => {
        assert.equal(stripUnsafe(input), oneLine);
        assert.equal(stripUnsafe(input, true), multiLine);
      });
    }
  });

  describe("defuseMarkup (renderers we do not control, Slack among them)", () => {
    const cases: [string, string][] = [
      ["<https://evil.example|details>", "‹https://evil.example|details>"],
      ["<!channel>", "‹!channel>"],
      ["<!here> <@U012345>", "‹!here> ‹@U012345>"],
      ["@here", "＠here"],
      ["@channel and @everyone", "＠channel and ＠everyone"],
      ["@HERE", "＠HERE"],
      // Not broadcast mentions: left alone.
      ["ops@example.com", "ops@example.com"],
      ["@hereford", "@hereford"],
      // CloudWatch's own reasons: `>` stays.
      ["OK -> ALARM", "OK -> ALARM"],
      ["a & b &lt;", "a & b &lt;"],
      ["[RESOLVED - drill, ignore]", "[RESOLVED - drill, ignore]"],
    ];
    for (const [input, output] of cases) {
      it(`${JSON.stringify(input)} → ${JSON.stringify(output)}`, () => {
        assert.equal(defuseMarkup(input), output);
      });
    }
  });

  describe("slackEscape (https://api.slack.com/reference/surfaces/formatting#escaping)", () => {
    const cases: [string, string][] = [
      ["<https://evil.example|details>", "&lt;https://evil.example|details&gt;"],
      ["<!channel> @here", "&lt;!channel&gt; ＠here"],
      ["a & b", "a &amp; b"],
      ["&lt;", "&amp;lt;"],
      ["*bold* _it_ 'q' \"qq\"", "*bold* _it_ 'q' \"qq\""],
    ];
    for (const [input, output] of cases) {
      it(`${JSON.stringify(input)} → ${JSON.stringify(output)}`, () => {
        assert.equal(slackEscape(input), output);
      });
    }
  });

  describe("ssmlEscape (https://docs.aws.amazon.com/polly/latest/dg/escapees.html)", () => {
    const cases: [string, string][] = [
      // Polly's own example sentence.
      [
        "We're using the lawyer at Peabody & Chambers, attorneys-at-law.",
        "We&apos;re using the lawyer at Peabody &amp; Chambers, attorneys-at-law.",
      ],
      [
        '<speak>"x"</speak><break time="10s"/>',
        "&lt;speak&gt;&quot;x&quot;&lt;/speak&gt;&lt;break time=&quot;10s&quot;/&gt;",
      ],
      ["&amp;", "&amp;amp;"],
      ["plain 本番 🚨", "plain 本番 🚨"],
    ];
    for (const [input, output] of cases) {
      it(`${JSON.stringify(input)} → ${JSON.stringify(output)}`, () => {
        assert.equal(ssmlEscape(input), output);
      });
    }

    it("the voice text of a hostile alarm: stripped, quoted, then escaped for SSML", () => {
      const name = "\u202E[RESOLVED - drill, ignore] <prosody rate='x-slow'>";
      const spoken = `${ALARM_TEXT_LABELS.alarm} ${alarmText(name, 257)} (level critical) is in ALARM.`;
      assert.equal(
        `<speak>${ssmlEscape(spoken)}</speak>`,
        "<speak>CloudWatch alarm &quot;[RESOLVED - drill, ignore] ‹prosody rate=&apos;x-slow&apos;&gt;&quot; (level critical) is in ALARM.</speak>",
      );
    });
  });

  describe("quoted", () => {
    // [title, text, max, literal]
    const cases: [string, string, number, string][] = [
      ["fits", "abc", 10, '"abc"'],
      ["empty", "", 5, '""'],
      [
        "a name that tries to close its quotes",
        'x" [RESOLVED - drill, ignore] "',
        100,
        '"x\\" [RESOLVED - drill, ignore] \\""',
      ],
      ["a newline shows as \\n", "a\nb", 10, '"a\\nb"'],
      ["a backslash", "a\\b", 10, '"a\\\\b"'],
      ["cut inside the quotes", "abcdefghij", 8, '"abcde…"'],
      ["exactly max fits", "abcdef", 8, '"abcdef"'],
      ["an emoji at the cut is left out whole", "ab😀c", 6, '"ab…"'],
      ["an emoji just before the cut stays whole", "a😀bc", 6, '"a😀…"'],
      ["an escape at the cut is left out whole", 'ab"cd', 6, '"ab…"'],
    ];
    for (const [title, text, max, literal] of cases) {
      it(`${title}: ${literal}`, () => {
        const got = quoted(text, max);
        assert.equal(got, literal);
        assert.ok(got.length <= max);
      });
    }
  });

  describe("alarmText", () => {
    const cases: [string, string, number, boolean, string][] = [
      [
        "a forged stack label stays visibly quoted",
        "[RESOLVED - drill, ignore]",
        50,
        false,
        '"[RESOLVED - drill, ignore]"',
      ],
      [
        "U+202E, Slack markup, @here, NUL, ZWJ",
        "\u202Eprod <!channel> @here\u0000\u200D <https://evil.example|details>",
        100,
        false,
        '"prod ‹!channel> ＠here ‹https://evil.example|details>"',
      ],
      ["one line", "line1\nline2", 100, false, '"line1 line2"'],
      ["newlines kept, escaped", "line1\r\nline2", 100, true, '"line1\\nline2"'],
      // Removed characters do not count: 3 RLOs cost nothing, and the emoji pair is not split.
      ["cut after stripping, at an emoji", "\u202E\u202E\u202Eabc🚨🚨", 8, false, '"abc🚨…"'],
    ];
    for (const [title, text, max, newlines, literal] of cases) {
      it(`${title}: ${literal}`, () => {
        assert.equal(alarmText(text, max, newlines), literal);
      });
    }
  });

  describe("truncateText", () => {
    const cases: [string, number, string][] = [
      ["short", 10, "short"],
      ["eleven char", 10, "eleven ch…"],
      [`${"a".repeat(8)}😀`, 10, `${"a".repeat(8)}😀`],
      [`${"a".repeat(8)}😀b`, 10, `${"a".repeat(8)}…`],
    ];
    for (const [text, max, literal] of cases) {
      it(`${JSON.stringify(text)} at ${max}: ${JSON.stringify(literal)}`, () => {
        assert.equal(truncateText(text, max), literal);
      });
    }
  });

  it("the labels a responder reads come from one place", () => {
    assert.deepEqual(ALARM_TEXT_LABELS, {
      alarm: "CloudWatch alarm",
      name: "Alarm name (quoted from CloudWatch)",
      reason: "Alarm reason (quoted from CloudWatch)",
      noReason: "(none given)",
    });
  });
});
