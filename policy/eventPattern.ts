/**
 * The part of EventBridge's event-pattern matching that every-alarm-routed needs: whether a
 * rule's pattern routes the state changes of an alarm, for the matchers the pipeline's rules use.
 */
import { isRecord } from "./read";

/**
 * Whether one element of an EventBridge pattern's value array matches one event value. Supported:
 * exact strings, numbers, booleans and null, `{prefix}` and `{suffix}` on strings
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/content-filtering-with-event-patterns.html);
 * other matchers (anything-but, wildcard, numeric, exists, …) never match, so the policy under-
 * rather than over-reports routing.
 */
export function patternElementMatches(element: unknown, value: unknown): boolean {
  if (element === null || ["string", "number", "boolean"].includes(typeof element)) {
    return element === value;
  }
  if (isRecord(element) && typeof value === "string") {
    const keys = Object.keys(element);
    if (keys.length !== 1) return false;
    if (typeof element.prefix === "string") return value.startsWith(element.prefix);
    if (typeof element.suffix === "string") return value.endsWith(element.suffix);
  }
  return false;
}

/**
 * EventBridge's matching of `pattern` (a parsed event pattern) against `event`, for the matchers
 * patternElementMatches supports: every field the pattern names must be in the event; an object
 * in the pattern descends into the event's object; a value array matches when one of its
 * elements matches the event's value, or, when the event's value is an array, one of its values
 * (the intersection is non-empty:
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html).
 */
export function eventMatchesPattern(pattern: unknown, event: unknown): boolean {
  if (!isRecord(pattern) || !isRecord(event)) return false;
  return Object.entries(pattern).every(([key, want]) => {
    if (!Object.prototype.hasOwnProperty.call(event, key)) return false;
    const got = event[key];
    if (Array.isArray(want)) {
      const values = Array.isArray(got) ? got : [got];
      return want.some((e) => values.some((v) => patternElementMatches(e, v)));
    }
    return isRecord(want) && eventMatchesPattern(want, got);
  });
}

/** `arn:aws:cloudwatch:<region>:<account>:alarm:`: the account and region an alarm ARN names. */
const ALARM_ARN_HEAD = /^arn:aws:cloudwatch:([a-z0-9-]+):(\d{12}):alarm:/;

/**
 * Whether an EventBridge event pattern (JSON string or object) routes the state changes of the
 * alarm named `alarmName`: whether the alarm's "CloudWatch Alarm State Change" event
 * (`source`, `detail-type`, `account`, `region`, `resources: [<alarm ARN>]`, `detail.alarmName`:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html)
 * matches it, for some account and region. The policy pack does not know the stack's account, so
 * the candidates are those the pattern's own alarm ARNs (in `resources`) name, else those its
 * `account`/`region` fields list: a rule whose ARNs and `account` disagree matches nothing. An
 * unparseable pattern matches nothing.
 */
export function eventPatternMatchesAlarm(pattern: unknown, alarmName: string): boolean {
  let p = pattern;
  if (typeof p === "string") {
    try {
      p = JSON.parse(p) as unknown;
    } catch {
      return false;
    }
  }
  if (!isRecord(p)) return false;
  const first = (v: unknown) => (Array.isArray(v) && typeof v[0] === "string" ? v[0] : "x");
  const scopes: { region: string; account: string }[] = [];
  for (const e of Array.isArray(p.resources) ? p.resources : []) {
    const arn = typeof e === "string" ? e : isRecord(e) ? e.prefix : undefined;
    const m = typeof arn === "string" ? ALARM_ARN_HEAD.exec(arn) : null;
    if (m !== null) scopes.push({ region: m[1], account: m[2] });
  }
  if (scopes.length === 0) scopes.push({ region: first(p.region), account: first(p.account) });
  return scopes.some(({ region, account }) =>
    eventMatchesPattern(p, {
      source: "aws.cloudwatch",
      "detail-type": "CloudWatch Alarm State Change",
      account,
      region,
      resources: [`arn:aws:cloudwatch:${region}:${account}:alarm:${alarmName}`],
      detail: { alarmName },
    }),
  );
}
