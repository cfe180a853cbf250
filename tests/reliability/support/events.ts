/**
 * Generators (fast-check) for the CloudWatch "Alarm State Change" inputs both handlers receive,
 * `{"level": <level>, "event": <event>}`, built on the router fixtures' event (the shape of the
 * CloudWatch user guide's example), plus the text the fuzzing needs: emoji, CJK, right-to-left
 * text and bidi controls, NUL and other control characters, lone surrogates, and huge strings.
 */
import fc from "fast-check";
import { ACCOUNT, alarmEvent, REGION, sha256 } from "../../handlers/fixtures/routerFixtures";

/** Put into every generated reason, so specs can assert the reason never reaches a log line. */
export const REASON_MARK = "REASON#";

/** Pieces that break naive string handling. */
export const SPECIAL = [
  "🚨", // astral: a surrogate pair
  "👩‍💻", // ZWJ sequence
  "🇯🇵", // regional indicators
  "監視アラーム障害", // CJK
  "שלום", // Hebrew (RTL)
  "مرحبا", // Arabic (RTL)
  "\u202Egnp.exe\u202C", // RIGHT-TO-LEFT OVERRIDE … POP DIRECTIONAL FORMATTING
  "\u200F", // RIGHT-TO-LEFT MARK
  "\u0000", // NUL
  "\u0007\u001b[31m", // BEL, an ANSI escape
  "\n",
  "\r\n",
  "\t",
  "\u2028\u2029", // JSON-legal, JavaScript-illegal line separators
  "\u0085", // NEL (a C1 control)
  "\uFEFF", // BOM
  "e\u0301", // combining accent
  '"',
  "\\",
  "</script>",
  "${x}",
  "%00%2F",
] as const;

/** Lone surrogates: not well-formed Unicode. */
export const LONE_SURROGATES = ["\uD800", "\uDBFF", "\uDC00", "\uDFFF", "x\uD83D", "\uDEA8y"];

/** Well-formed text: code points of every plane mixed with the special pieces. */
export function wellFormedText(maxLength: number, minLength = 0): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ unit: "binary", minLength, maxLength }),
    fc.string({ unit: "grapheme", minLength, maxLength: Math.ceil(maxLength / 4) }),
    fc
      .array(fc.constantFrom(...SPECIAL), {
        minLength: Math.max(1, minLength),
        maxLength: Math.max(1, Math.floor(maxLength / 8)),
      })
      .map((parts) => parts.join(""))
      .filter((s) => s.length >= minLength && s.length <= maxLength),
  );
}

/** Any UTF-16 text, lone surrogates included. */
export function anyText(maxLength: number): fc.Arbitrary<string> {
  return fc.oneof(
    wellFormedText(maxLength),
    fc.string({
      unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
      maxLength,
    }),
    fc
      .tuple(wellFormedText(maxLength), fc.constantFrom(...LONE_SURROGATES))
      .map(([s, lone]) => `${s}${lone}`.slice(0, Math.max(maxLength, lone.length))),
  );
}

/** 300-360 KB of text (UTF-16 units), repeating a chunk of special pieces. */
export const hugeText: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom("x", "🚨 ", "監視", "שלום \u202E", '\u0000\n"\\', "r"),
    fc.integer({ min: 300_000, max: 360_000 }),
  )
  .map(([chunk, size]) => chunk.repeat(Math.ceil(size / chunk.length)));

/**
 * A reason: ordinary or hostile (weight 30), empty (5) or huge (`hugeWeight`); always marked
 * (except the empty one) so that specs can look for it where it must not be.
 */
export function reasonArb(hugeWeight: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 30, arbitrary: anyText(400).map((s) => `${REASON_MARK}${s}`) },
    { weight: 5, arbitrary: fc.constant("") },
    { weight: hugeWeight, arbitrary: hugeText.map((s) => `${REASON_MARK}${s}`) },
  );
}

/** A valid state timestamp in one of the forms CloudWatch or ISO 8601 allow, with its instant. */
export interface Timestamp {
  readonly text: string;
  /** The instant it denotes (millisecond precision). */
  readonly date: Date;
}

export const timestampArb: fc.Arbitrary<Timestamp> = fc
  .record({
    ms: fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(2099, 11, 30) }),
    digits: fc.constantFrom(3, 3, 3, 0, 1, 2, 6, 9),
    extra: fc.integer({ min: 0, max: 999_999 }),
    offset: fc.constantFrom(0, 0, 0, 540, -300, 330, 345, -720, 840, -59),
    zone: fc.constantFrom("+0000", "Z", "+00:00", "hhmm", "hh:mm"),
  })
  .map(({ ms, digits, extra, offset, zone }) => {
    const millis = ms % 1000;
    const kept =
      digits >= 3 ? millis : Math.floor(millis / 10 ** (3 - digits)) * 10 ** (3 - digits);
    const instant = ms - millis + kept;
    const minutes = zone === "hhmm" || zone === "hh:mm" ? offset : 0;
    const local = new Date(instant + minutes * 60_000).toISOString().slice(0, 19);
    const fraction =
      digits === 0
        ? ""
        : `.${String(kept).padStart(3, "0").slice(0, Math.min(digits, 3))}${String(extra)
            .padStart(6, "0")
            .slice(0, Math.max(0, digits - 3))}`;
    const sign = minutes < 0 ? "-" : "+";
    const hh = String(Math.floor(Math.abs(minutes) / 60)).padStart(2, "0");
    const mm = String(Math.abs(minutes) % 60).padStart(2, "0");
    const suffix =
      zone === "hhmm" ? `${sign}${hh}${mm}` : zone === "hh:mm" ? `${sign}${hh}:${mm}` : zone;
    return { text: `${local}${fraction}${suffix}`, date: new Date(instant) };
  });

/** Timestamps neither handler may accept (impossible calendar dates: see the notifier spec). */
export const badTimestampArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "",
    "not a date",
    "2019-10-02",
    "2019-10-02T17:04:40.989",
    "2019-10-02 17:04:40.989+0000",
    "2019-10-02T17:04:40.9899999999+0000",
    "2019-13-02T17:04:40.989+0000",
    "2019-00-02T17:04:40.989+0000",
    "2019-10-00T17:04:40.989+0000",
    "2019-10-32T17:04:40.989+0000",
    "2019-10-02T17:60:40.989+0000",
    "2019-10-02T17:04:60.989+0000",
    "2019-10-02T17:04:40.989+2400",
    "2019-10-02T17:04:40.989+0960",
    "2019-10-02T17:04:40+09",
    "1570035880",
    "２０１９-１０-０２T17:04:40Z",
    "2019-10-02T17:04:40.989+0000\u0000",
    " 2019-10-02T17:04:40.989+0000",
    "2019-10-02T17:04:40.989+0000\n",
  ),
  anyText(40).filter((s) => !/^\d{4}-/.test(s)),
);

/** Non-objects: what a field that must be an object may be instead. */
export const notAnObjectArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.boolean(),
  fc.double(),
  fc.string({ maxLength: 20 }),
  fc.array(fc.jsonValue(), { maxLength: 3 }),
);

/** Non-strings. */
export const notAStringArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.boolean(),
  fc.double(),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue(), { maxKeys: 3 }),
);

export type Json = Record<string, unknown>;

/**
 * Sets `value` at `path` in `root` (deletes the key when `value` is the DELETE marker). The
 * parents must exist.
 */
export const DELETE = Symbol("delete");
export function setAt(root: Json, path: readonly string[], value: unknown): void {
  let node = root;
  for (const key of path.slice(0, -1)) node = node[key] as Json;
  const last = path[path.length - 1];
  if (value === DELETE) delete node[last];
  else node[last] = value;
}

/** The fixture event with its alarm, state and timestamp replaced. */
export function baseEvent(fields: {
  readonly level: string;
  readonly state: "ALARM" | "OK" | "INSUFFICIENT_DATA";
  readonly previousState?: "ALARM" | "OK" | "INSUFFICIENT_DATA";
  readonly alarmName: string;
  readonly alarmArn: string;
  readonly region: string;
  readonly account: string;
  readonly timestamp: string;
  readonly reason: string | undefined;
}): Json {
  const event = alarmEvent(fields.level, fields.state) as Json & {
    detail: Json & { state: Json; previousState: Json };
  };
  event.region = fields.region;
  event.account = fields.account;
  event.resources = [fields.alarmArn];
  event.detail.alarmName = fields.alarmName;
  event.detail.state.timestamp = fields.timestamp;
  if (fields.reason === undefined) delete event.detail.state.reason;
  else event.detail.state.reason = fields.reason;
  if (fields.previousState !== undefined) event.detail.previousState.value = fields.previousState;
  return event;
}

/** `text` with every lone surrogate replaced by U+FFFD (String.prototype.toWellFormed). */
export function toWellFormed(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += text[i] + text[i + 1];
        i++;
      } else out += "\uFFFD";
    } else if (c >= 0xdc00 && c <= 0xdfff) out += "\uFFFD";
    else out += text[i];
  }
  return out;
}

/** True when `text` contains a lone surrogate. */
export function hasLoneSurrogate(text: string): boolean {
  return toWellFormed(text) !== text;
}

/** One state change of its own alarm `prod-<level>-<tag>-<i>`, at its own instant (second i). */
export interface StateChange {
  readonly input: Json;
  readonly alarmName: string;
  readonly alarmArn: string;
  /** sha256(alarm ARN | state timestamp): the StartIncident clientToken the router must send. */
  readonly token: string;
}

export function stateChange(level: string, tag: string, i: number): StateChange {
  const alarmName = `prod-${level}-${tag}-${i}`;
  const alarmArn = `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${alarmName}`;
  const timestamp = new Date(Date.UTC(2026, 11, 1, 9, 0, 0) + i * 1000)
    .toISOString()
    .replace("Z", "+0000");
  const event = alarmEvent(level) as Json & {
    detail: { alarmName: string; state: { timestamp: string } };
  };
  event.resources = [alarmArn];
  event.detail.alarmName = alarmName;
  event.detail.state.timestamp = timestamp;
  return {
    input: { level, event },
    alarmName,
    alarmArn,
    token: sha256(`${alarmArn}|${timestamp}`),
  };
}
