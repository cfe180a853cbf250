/**
 * Alarm text is untrusted: whoever may create an alarm `<prefix>-*` or set its state chooses its
 * name and its state reason, and both reach responders (incident titles, e-mail, SMS and voice
 * pages, webhooks). This module turns such text into something that cannot pass for the stack's
 * own words. Pure string functions; no imports, so every handler bundle can use it.
 *
 * - `stripUnsafe`: removes C0/C1 control characters (a newline survives only where allowed) and
 *   every Unicode format character (general category Cf: the bidi controls U+202A-U+202E,
 *   U+2066-U+2069, U+200E/U+200F, U+061C, zero-width space/joiners, soft hyphen, BOM, tag
 *   characters), so a U+202E cannot reverse what follows it and nothing hides between letters.
 *   Side effect, accepted: an emoji ZWJ sequence (👨‍👩‍👧) shows as its separate emoji.
 * - `defuseMarkup`: for text shown by renderers we do not control (Incident Manager's console,
 *   its e-mail/SMS/voice pages, and the incident notifications AWS Chatbot posts to Slack when a
 *   response plan has the alerts topic as its chat channel, components/responsePlans.ts):
 *   `<` becomes the look-alike ‹ and `@here`/`@channel`/`@everyone` get a full-width ＠, so
 *   neither a Slack control sequence (`<https://evil.example|details>`, `<!channel>`: each starts
 *   with `<`) nor a broadcast mention can form, and the text reads the same whether the renderer
 *   decodes HTML entities or not (Slack's entity escaping would show as a literal `&lt;`
 *   everywhere else). `>` stays: CloudWatch's own reasons say `OK -> ALARM`, and without a `<`
 *   it starts nothing (a `>` quote needs a line start, which quoted() never gives alarm text).
 * - `slackEscape`: for mrkdwn the stack posts itself: Slack's escaping ("Slack uses &, <, and >
 *   as control characters for special parsing in text objects, so they must be converted to HTML
 *   entities if they're not going to be used for their parsing purpose",
 *   https://api.slack.com/reference/surfaces/formatting#escaping), plus defused mentions. Nothing
 *   the stack posts to Slack today carries alarm text (drill reports name levels and contacts).
 * - `ssmlEscape`: the five characters SSML reserves, as Amazon Polly lists them (`"` &quot;,
 *   `&` &amp;, `'` &apos;, `<` &lt;, `>` &gt;;
 *   https://docs.aws.amazon.com/polly/latest/dg/escapees.html), for a voice backend that speaks
 *   SSML. Incident Manager's own voice pages read PublicContent, which the router writes as plain
 *   text; nothing here sends SSML yet.
 * - `quoted`: the text as a JSON string literal, cut to a length inside its quotes: a name such as
 *   `x" [RESOLVED - drill, ignore] "` shows as `"x\" [RESOLVED - drill, ignore] \""`, and a
 *   newline in a reason as `\n`, so alarm text can neither close its quotes nor start a line.
 *
 * Slack's alarm messages themselves are rendered by AWS Chatbot from the CloudWatch alarm
 * notification on the alerts topic; the stack does not write that text and cannot sanitise it
 * (README, "Alarm text is untrusted").
 */

/** The labels a responder reads around alarm text; the one place they are written. */
export const ALARM_TEXT_LABELS = {
  /** Before the quoted alarm name in titles, subjects and SMS/voice texts. */
  alarm: "CloudWatch alarm",
  /** Before the quoted alarm name in the e-mail body. */
  name: "Alarm name (quoted from CloudWatch)",
  /** Before the quoted state reason in the e-mail body. */
  reason: "Alarm reason (quoted from CloudWatch)",
  /** When the event carries no reason. */
  noReason: "(none given)",
} as const;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** CR LF, CR, NEL (U+0085), LINE SEPARATOR, PARAGRAPH SEPARATOR: each one line break. */
const LINE_BREAK = /\r\n|[\r\u0085\u2028\u2029]/g;
/** C0 controls but LF, DEL, C1 controls, and every format character (Cf). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\p{Cf}]/gu;
const MENTION = /@(here|channel|everyone)\b/gi;

/**
 * `text` without control and format characters. Tabs become spaces; line breaks become `\n`
 * when `newlines` is true, else a space; lone surrogates become U+FFFD.
 */
export function stripUnsafe(text: string, newlines = false): string {
  return text
    .replace(LONE_SURROGATE, "\uFFFD")
    .replace(LINE_BREAK, "\n")
    .replace(/\t/g, " ")
    .replace(/\n/g, newlines ? "\n" : " ")
    .replace(UNSAFE, "");
}

/** `<` as ‹, and `@here`/`@channel`/`@everyone` with a full-width ＠ (see the header). */
export function defuseMarkup(text: string): string {
  return defuseMentions(text.replace(/</g, "\u2039"));
}

/** Slack mrkdwn escaping (&amp; &lt; &gt;) plus defused broadcast mentions. */
export function slackEscape(text: string): string {
  return defuseMentions(text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"));
}

function defuseMentions(text: string): string {
  return text.replace(MENTION, "\uFF20$1");
}

const SSML_ENTITIES: Readonly<Record<string, string>> = {
  '"': "&quot;",
  "&": "&amp;",
  "'": "&apos;",
  "<": "&lt;",
  ">": "&gt;",
};

/** The text with SSML's five reserved characters escaped (Amazon Polly's list). */
export function ssmlEscape(text: string): string {
  return text.replace(/["&'<>]/g, (c) => SSML_ENTITIES[c]);
}

/**
 * `text` as a JSON string literal of at most `max` UTF-16 units (`max` ≥ 3). A longer one is cut
 * before its closing quote and ends `…"`; the cut never splits a surrogate pair or an escape.
 */
export function quoted(text: string, max: number): string {
  const whole = JSON.stringify(text);
  if (whole.length <= max) return whole;
  let out = '"';
  for (const char of text) {
    const piece = JSON.stringify(char).slice(1, -1);
    if (out.length + piece.length > max - 2) break;
    out += piece;
  }
  return `${out}…"`;
}

/**
 * Alarm text as a responder sees it: stripped, markup defused, quoted within `max` units. One
 * line unless `newlines` (and even then a newline shows as `\n` inside the quotes).
 */
export function alarmText(text: string, max: number, newlines = false): string {
  return quoted(defuseMarkup(stripUnsafe(text, newlines)), max);
}

/** Cuts `text` to at most `max` UTF-16 units, ending with "…", never splitting a surrogate pair. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}
