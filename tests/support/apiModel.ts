/**
 * API-model conformance checker for the Incident Manager APIs (ssm-contacts, ssm-incidents), and
 * for SDK request inputs of the other services whose model is in aws-models/ (lambda, dynamodb,
 * the step-functions backend's stepfunctions, sesv2, pinpoint-sms-voice-v2, sns, and the ack
 * endpoint's secretsmanager).
 *
 * It validates values against the botocore service models in `aws-models/` (constraints only:
 * types, required members, min/max, patterns, enums, unions) and maps Pulumi resource inputs to
 * the request the provider sends, so tests can assert that what the code builds is accepted by
 * the API's own input validation. It proves nothing about semantics the models do not encode
 * (an ARN that exists, a KMS key in the right region, cross-field rules).
 *
 * Violations are strings `"<path>: <reason>"`. Paths of model violations use the API member
 * names (`Plan.Stages[0].DurationInMinutes`); violations found while mapping Pulumi inputs use
 * the Pulumi input names (`recurrence.shiftCoverages[1].mapBlockKey`).
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** SERVICES, plus models checked for requests only (their Java patterns are not all checked here). */
export type Service =
  | "ssm-contacts"
  | "ssm-incidents"
  | "lambda"
  | "dynamodb"
  | "stepfunctions"
  | "sesv2"
  | "pinpoint-sms-voice-v2"
  | "sns"
  | "secretsmanager"
  /** The heartbeat's alarms, PutMetricData (components/heartbeat.ts). */
  | "cloudwatch"
  /** The heartbeat's schedule (components/heartbeat.ts). */
  | "scheduler";

/** The models every pattern of which compiles as JavaScript (tests/apiModel.spec.ts). */
export const SERVICES: readonly Service[] = [
  "ssm-contacts",
  "ssm-incidents",
  "lambda",
  "stepfunctions",
  "sesv2",
  "pinpoint-sms-voice-v2",
  "sns",
];

interface MemberRef {
  shape: string;
}

interface Shape {
  type: string;
  required?: string[];
  members?: Record<string, MemberRef>;
  member?: MemberRef;
  key?: MemberRef;
  value?: MemberRef;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  union?: boolean;
}

interface Model {
  operations: Record<string, { input?: MemberRef }>;
  shapes: Record<string, Shape>;
}

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return (
    typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date)
  );
}

// ---------------------------------------------------------------------------------------------
// Model loading
// ---------------------------------------------------------------------------------------------

const MODELS_DIR = path.join(__dirname, "..", "..", "aws-models");
const modelCache = new Map<Service, Model>();

function isModel(value: unknown): value is Model {
  return isObj(value) && isObj(value.operations) && isObj(value.shapes);
}

function loadModel(service: Service): Model {
  const cached = modelCache.get(service);
  if (cached) return cached;
  const file = path.join(MODELS_DIR, `${service}.json`);
  const parsed: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
  if (!isModel(parsed)) throw new Error(`${file} is not a botocore service model`);
  modelCache.set(service, parsed);
  return parsed;
}

// ---------------------------------------------------------------------------------------------
// Patterns
// ---------------------------------------------------------------------------------------------

const regexCache = new Map<string, RegExp>();

/**
 * Compiles a model pattern (written for Java's java.util.regex) as a JavaScript RegExp.
 *
 * The `u` flag makes `\p{L}`, `\p{Z}`, `\p{N}` mean what they mean in Java. Every pattern in both
 * model files compiles unchanged under `u` (the spec proves it). Remaining differences, which
 * make this check at most slightly more lenient than the service, never stricter:
 * - JS `\s` also matches Unicode spaces (U+00A0, U+2028, ...); Java's `\s` is `[ \t\n\x0B\f\r]`.
 * - Java's `.` also excludes U+0085.
 * Patterns are applied with search semantics (`RegExp.test`), as Smithy's `pattern` trait
 * specifies: a pattern is not implicitly anchored; anchored ones carry their own `^...$`.
 */
export function toJsRegExp(javaPattern: string): RegExp {
  let re = regexCache.get(javaPattern);
  if (!re) {
    re = new RegExp(javaPattern, "u");
    regexCache.set(javaPattern, re);
  }
  return re;
}

/** Every `pattern` in a model, with the shape that declares it (for the compile-all test). */
export function modelPatterns(service: Service): { shape: string; pattern: string }[] {
  const { shapes } = loadModel(service);
  return Object.entries(shapes)
    .filter(([, shape]) => typeof shape.pattern === "string")
    .map(([name, shape]) => ({ shape: name, pattern: shape.pattern ?? "" }));
}

// ---------------------------------------------------------------------------------------------
// Shape checking
// ---------------------------------------------------------------------------------------------

/**
 * Marks a value whose problem was already reported while mapping Pulumi inputs (an unknown value,
 * an unparsable "HH:MM", an auto-generated name we cannot know). The checker treats it as present
 * and skips it, so one mistake yields one violation.
 */
const REPORTED: unique symbol = Symbol("already reported");

function join(base: string, member: string): string {
  return base === "" ? member : `${base}.${member}`;
}

function show(value: unknown): string {
  if (typeof value === "string") {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}..."` : text;
  }
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return String(value);
  }
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a Date";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** Absent means undefined or null: the SDK v3 serializers and Pulumi both drop these. */
function isAbsent(value: unknown): boolean {
  return value === undefined || value === null;
}

/**
 * String length as Smithy's `length` trait defines it for strings: Unicode code points. (Counting
 * UTF-16 code units would differ only for characters outside the BMP, such as emoji.)
 */
function stringLength(value: string): number {
  return Array.from(value).length;
}

function checkRange(value: number, shape: Shape, at: string, out: string[]): void {
  if (shape.min !== undefined && value < shape.min) {
    out.push(`${at}: ${value} is below the minimum ${shape.min}`);
  }
  if (shape.max !== undefined && value > shape.max) {
    out.push(`${at}: ${value} is above the maximum ${shape.max}`);
  }
}

function checkCount(count: number, noun: string, shape: Shape, at: string, out: string[]): void {
  if (shape.min !== undefined && count < shape.min) {
    out.push(`${at}: ${noun} ${count} is below the minimum ${shape.min}`);
  }
  if (shape.max !== undefined && count > shape.max) {
    out.push(`${at}: ${noun} ${count} is above the maximum ${shape.max}`);
  }
}

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

function checkValue(
  model: Model,
  service: Service,
  shapeName: string,
  value: unknown,
  pathSoFar: string,
  out: string[],
): void {
  if (value === REPORTED) return;
  const at = pathSoFar === "" ? shapeName : pathSoFar;
  const shape = model.shapes[shapeName];
  if (!shape) {
    out.push(`${at}: shape ${shapeName} is not in the ${service} model`);
    return;
  }
  switch (shape.type) {
    case "structure": {
      if (!isObj(value)) {
        out.push(`${at}: expected a structure (${shapeName}), got ${show(value)}`);
        return;
      }
      const members = shape.members ?? {};
      const set: string[] = [];
      for (const [name, memberValue] of Object.entries(value)) {
        if (isAbsent(memberValue)) continue;
        const ref = members[name];
        if (!ref) {
          out.push(`${join(pathSoFar, name)}: not a member of ${shapeName}`);
          continue;
        }
        set.push(name);
        checkValue(model, service, ref.shape, memberValue, join(pathSoFar, name), out);
      }
      for (const name of shape.required ?? []) {
        if (isAbsent(value[name])) out.push(`${join(pathSoFar, name)}: missing required member`);
      }
      if (shape.union && set.length !== 1) {
        const which = set.length === 0 ? "none is" : `${set.length} are (${set.join(", ")})`;
        out.push(`${at}: union ${shapeName} needs exactly one member set, ${which}`);
      }
      return;
    }
    case "list": {
      if (!Array.isArray(value)) {
        out.push(`${at}: expected a list, got ${show(value)}`);
        return;
      }
      checkCount(value.length, "item count", shape, at, out);
      const itemShape = shape.member?.shape ?? "";
      value.forEach((item, i) => checkValue(model, service, itemShape, item, `${at}[${i}]`, out));
      return;
    }
    case "map": {
      if (!isObj(value)) {
        out.push(`${at}: expected a map, got ${show(value)}`);
        return;
      }
      const entries = Object.entries(value).filter(([, v]) => v !== undefined);
      checkCount(entries.length, "entry count", shape, at, out);
      const keyShape = shape.key?.shape ?? "";
      const valueShape = shape.value?.shape ?? "";
      for (const [key, entryValue] of entries) {
        checkValue(model, service, keyShape, key, `${at} key ${JSON.stringify(key)}`, out);
        checkValue(model, service, valueShape, entryValue, `${at}[${JSON.stringify(key)}]`, out);
      }
      return;
    }
    case "string": {
      if (typeof value !== "string") {
        out.push(`${at}: expected a string, got ${show(value)}`);
        return;
      }
      if (shape.enum && !shape.enum.includes(value)) {
        out.push(`${at}: ${show(value)} is not one of ${shape.enum.join(", ")}`);
      }
      const length = stringLength(value);
      if (shape.min !== undefined && length < shape.min) {
        out.push(`${at}: length ${length} is below the minimum ${shape.min}`);
      }
      if (shape.max !== undefined && length > shape.max) {
        out.push(`${at}: length ${length} is above the maximum ${shape.max}`);
      }
      if (shape.pattern !== undefined && !toJsRegExp(shape.pattern).test(value)) {
        out.push(`${at}: ${show(value)} does not match ${shape.pattern}`);
      }
      return;
    }
    case "integer":
    case "long": {
      // integer is a signed 32-bit value; long is limited here to what a JS number holds exactly.
      const limit = shape.type === "integer" ? 2 ** 31 : Number.MAX_SAFE_INTEGER;
      if (typeof value !== "number" || !Number.isInteger(value) || Math.abs(value) > limit) {
        out.push(`${at}: expected an ${shape.type}, got ${show(value)}`);
        return;
      }
      checkRange(value, shape, at, out);
      return;
    }
    case "float":
    case "double": {
      if (typeof value !== "number" || !Number.isFinite(value)) {
        out.push(`${at}: expected a number, got ${show(value)}`);
        return;
      }
      checkRange(value, shape, at, out);
      return;
    }
    case "boolean": {
      if (typeof value !== "boolean") out.push(`${at}: expected a boolean, got ${show(value)}`);
      return;
    }
    case "timestamp": {
      const ok =
        (value instanceof Date && !Number.isNaN(value.getTime())) ||
        (typeof value === "number" && Number.isFinite(value)) ||
        (typeof value === "string" &&
          ISO_TIMESTAMP.test(value) &&
          !Number.isNaN(Date.parse(value)));
      if (!ok) {
        out.push(
          `${at}: expected a timestamp (Date, ISO-8601 string or epoch number), got ${show(value)}`,
        );
      }
      return;
    }
    default:
      out.push(`${at}: shape type ${shape.type} of ${shapeName} is not supported by this checker`);
  }
}

/**
 * Checks `value` against the named shape of a service model. Returns the violations, each
 * `"<path>: <reason>"`; `path` prefixes every path (default: member paths start at the root, and
 * a problem with the root value itself is reported under the shape name).
 */
export function checkShape(
  service: Service,
  shapeName: string,
  value: unknown,
  path = "",
): string[] {
  const model = loadModel(service);
  const out: string[] = [];
  checkValue(model, service, shapeName, value, path, out);
  return out;
}

/**
 * Checks an AWS SDK v3 command input (e.g. the object given to `new StartIncidentCommand(...)`)
 * against the operation's input shape. SDK v3 inputs use the model's member names verbatim
 * (PascalCase for ssm-contacts, camelCase for ssm-incidents).
 */
export function checkOperationInput(
  service: Service,
  operationName: string,
  input: unknown,
): string[] {
  const model = loadModel(service);
  const operation = model.operations[operationName];
  if (!operation) return [`${operationName}: no such operation in the ${service} model`];
  const inputShape = operation.input?.shape;
  if (!inputShape) {
    return isObj(input) && Object.keys(input).length > 0
      ? [`${operationName}: the operation takes no input`]
      : [];
  }
  // The SDK sends `{}` when the command is given no input.
  return checkShape(service, inputShape, input ?? {});
}

// ---------------------------------------------------------------------------------------------
// Pulumi resource inputs -> API requests
// ---------------------------------------------------------------------------------------------

/** The signature key and value Pulumi uses to wrap secrets in (mock) resource inputs. */
const PULUMI_SIG_KEY = "4dabf18193072939515e22adb298388d";
const PULUMI_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** What an unknown value (preview) looks like in mock inputs. */
const PULUMI_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/**
 * Unwraps secrets and drops undefined members. Values the checker cannot see (an unknown preview
 * value, a Promise or Output passed directly rather than through mocks) are reported and replaced
 * by REPORTED.
 */
function resolveInputs(value: unknown, at: string, out: string[]): unknown {
  if (value === PULUMI_UNKNOWN) {
    out.push(`${at}: value is unknown (run the mocks with preview off to check it)`);
    return REPORTED;
  }
  if (Array.isArray(value)) return value.map((item, i) => resolveInputs(item, `${at}[${i}]`, out));
  if (!isObj(value)) return value;
  if (value[PULUMI_SIG_KEY] === PULUMI_SECRET_SIG) return resolveInputs(value.value, at, out);
  if (value instanceof Promise || value.__pulumiOutput === true) {
    out.push(`${at}: is a Promise/Output; pass the resolved inputs recorded by the mocks`);
    return REPORTED;
  }
  const result: Obj = {};
  for (const [key, member] of Object.entries(value)) {
    if (member !== undefined) result[key] = resolveInputs(member, join(at, key), out);
  }
  return result;
}

/** Collects mapping violations and knows the type being mapped (for messages). */
interface MapContext {
  type: string;
  resourceName: string | undefined;
  out: string[];
}

/**
 * If `value` is an object, reports members that are not Pulumi inputs of this block, then maps
 * it with `fn`. Anything else is returned unchanged, so the model check reports its type.
 */
function mapStruct(
  ctx: MapContext,
  value: unknown,
  at: string,
  inputs: readonly string[],
  fn: (o: Obj) => unknown,
): unknown {
  if (!isObj(value)) return value;
  for (const key of Object.keys(value)) {
    if (!inputs.includes(key)) ctx.out.push(`${join(at, key)}: not an input of ${ctx.type}`);
  }
  return fn(value);
}

/** Reports top-level inputs that the resource type does not have. */
function rejectUnknownInputs(ctx: MapContext, inputs: Obj, names: readonly string[]): void {
  mapStruct(ctx, inputs, "", names, () => undefined);
}

function mapList(value: unknown, at: string, fn: (item: unknown, at: string) => unknown): unknown {
  return Array.isArray(value) ? value.map((item, i) => fn(item, `${at}[${i}]`)) : value;
}

/**
 * Maps a Pulumi list of objects to an API map: each item's `keyName` member is the key and
 * `valueOf(item)` the value. Non-object items, non-string keys and duplicate keys are violations.
 */
function listToMap(
  ctx: MapContext,
  value: unknown,
  at: string,
  keyName: string,
  valueOf: (item: Obj, at: string) => unknown,
): unknown {
  if (!Array.isArray(value)) return value;
  const result: Obj = {};
  value.forEach((item, i) => {
    const itemAt = `${at}[${i}]`;
    if (item === REPORTED) return;
    if (!isObj(item)) {
      ctx.out.push(`${itemAt}: expected an object, got ${show(item)}`);
      return;
    }
    const mapped = valueOf(item, itemAt);
    const key = item[keyName];
    if (key === REPORTED) return;
    if (typeof key !== "string") {
      ctx.out.push(`${join(itemAt, keyName)}: expected a string, got ${show(key)}`);
      return;
    }
    if (Object.prototype.hasOwnProperty.call(result, key)) {
      ctx.out.push(`${join(itemAt, keyName)}: duplicate ${show(key)} (the request is a map)`);
      return;
    }
    result[key] = mapped;
  });
  return result;
}

/** Pulumi `{[key]: value}` tags -> ssm-contacts `Tags` list; empty -> not sent. */
function tagMapToList(value: unknown): unknown {
  if (!isObj(value)) return value;
  const entries = Object.entries(value);
  return entries.length === 0 ? undefined : entries.map(([Key, Value]) => ({ Key, Value }));
}

/** Empty maps are not sent (the providers only set tag maps that have entries). */
function nonEmptyMap(value: unknown): unknown {
  return isObj(value) && Object.keys(value).length === 0 ? undefined : value;
}

/** aws-native `[{key, value}]` tags -> ssm-contacts `Tags` list. */
function nativeTagList(ctx: MapContext, value: unknown, at: string): unknown {
  return mapList(value, at, (tag, tagAt) =>
    mapStruct(ctx, tag, tagAt, ["key", "value"], (t) => ({ Key: t.key, Value: t.value })),
  );
}

/** aws-native `[{key, value}]` tags -> ssm-incidents `TagMap`. */
function nativeTagMap(ctx: MapContext, value: unknown, at: string): unknown {
  return nonEmptyMap(
    listToMap(ctx, value, at, "key", (tag, tagAt) =>
      mapStruct(ctx, tag, tagAt, ["key", "value"], (t) => t.value),
    ),
  );
}

/**
 * The name the provider sends. When `name` is absent the provider auto-names the resource
 * (`<resource name>-<7 hex chars>`); with `resourceName` we check that generated name, without
 * it the name is unknown and that is reported rather than silently skipped.
 */
function autoName(ctx: MapContext, name: unknown, at: string): unknown {
  if (name !== undefined) return name;
  if (ctx.resourceName !== undefined) return `${ctx.resourceName}-a1b2c3d`;
  ctx.out.push(
    `${at}: absent, so the provider auto-names it from the resource name; pass { resourceName } to check it`,
  );
  return REPORTED;
}

// --- ssm-contacts -----------------------------------------------------------------------------

/** aws classic PlanStage -> Stage (terraform-provider-aws expandStages: absent targets -> []). */
function classicStage(ctx: MapContext, stage: unknown, at: string): unknown {
  return mapStruct(ctx, stage, at, ["durationInMinutes", "targets"], (s) => ({
    DurationInMinutes: s.durationInMinutes,
    Targets: mapList(s.targets ?? [], join(at, "targets"), (target, targetAt) =>
      mapStruct(ctx, target, targetAt, ["channelTargetInfo", "contactTargetInfo"], (t) => ({
        ChannelTargetInfo: mapStruct(
          ctx,
          t.channelTargetInfo,
          join(targetAt, "channelTargetInfo"),
          ["contactChannelId", "retryIntervalInMinutes"],
          (c) => ({
            ContactChannelId: c.contactChannelId === "" ? undefined : c.contactChannelId,
            RetryIntervalInMinutes: c.retryIntervalInMinutes,
          }),
        ),
        ContactTargetInfo: mapStruct(
          ctx,
          t.contactTargetInfo,
          join(targetAt, "contactTargetInfo"),
          ["contactId", "isEssential"],
          (c) => ({
            ContactId: c.contactId === "" ? undefined : c.contactId,
            IsEssential: c.isEssential,
          }),
        ),
      })),
    ),
  }));
}

/** aws-native stage targets (`channelId`, not `contactChannelId`) -> Targets. */
function nativeTargets(ctx: MapContext, targets: unknown, at: string): unknown {
  return mapList(targets, at, (target, targetAt) =>
    mapStruct(ctx, target, targetAt, ["channelTargetInfo", "contactTargetInfo"], (t) => ({
      ChannelTargetInfo: mapStruct(
        ctx,
        t.channelTargetInfo,
        join(targetAt, "channelTargetInfo"),
        ["channelId", "retryIntervalInMinutes"],
        (c) => ({
          ContactChannelId: c.channelId,
          RetryIntervalInMinutes: c.retryIntervalInMinutes,
        }),
      ),
      ContactTargetInfo: mapStruct(
        ctx,
        t.contactTargetInfo,
        join(targetAt, "contactTargetInfo"),
        ["contactId", "isEssential"],
        (c) => ({ ContactId: c.contactId, IsEssential: c.isEssential }),
      ),
    })),
  );
}

/** aws classic hand-off time `{hourOfDay, minuteOfHour}` -> HandOffTime. */
function classicHandOff(ctx: MapContext, value: unknown, at: string): unknown {
  return mapStruct(ctx, value, at, ["hourOfDay", "minuteOfHour"], (h) => ({
    HourOfDay: h.hourOfDay,
    MinuteOfHour: h.minuteOfHour,
  }));
}

/** aws-native hand-off time `"HH:MM"` -> HandOffTime; a string not in that form is a violation. */
function nativeHandOff(ctx: MapContext, value: unknown, at: string): unknown {
  if (typeof value !== "string") return value;
  const match = /^(\d{2}):(\d{2})$/.exec(value);
  if (!match) {
    ctx.out.push(`${at}: ${show(value)} is not a time in HH:MM form`);
    return REPORTED;
  }
  return { HourOfDay: Number(match[1]), MinuteOfHour: Number(match[2]) };
}

function mapContact(ctx: MapContext, inputs: Obj): [Service, string, unknown] {
  rejectUnknownInputs(ctx, inputs, ["alias", "displayName", "type", "tags", "region"]);
  return [
    "ssm-contacts",
    "CreateContactRequest",
    {
      Alias: inputs.alias,
      DisplayName: inputs.displayName,
      Type: inputs.type,
      // The plan is set by the separate Plan resource; the contact is created with an empty one.
      Plan: { Stages: [] },
      Tags: tagMapToList(inputs.tags),
    },
  ];
}

function mapContactChannel(ctx: MapContext, inputs: Obj): [Service, string, unknown] {
  rejectUnknownInputs(ctx, inputs, ["contactId", "deliveryAddress", "name", "type", "region"]);
  return [
    "ssm-contacts",
    "CreateContactChannelRequest",
    {
      ContactId: inputs.contactId,
      // terraform-provider-aws always creates channels with deferred activation.
      DeferActivation: true,
      DeliveryAddress: mapStruct(
        ctx,
        inputs.deliveryAddress,
        "deliveryAddress",
        ["simpleAddress"],
        (d) => ({
          SimpleAddress: d.simpleAddress,
        }),
      ),
      Name: autoName(ctx, inputs.name, "name"),
      Type: inputs.type,
    },
  ];
}

function mapPlan(ctx: MapContext, inputs: Obj): [Service, string, unknown] {
  rejectUnknownInputs(ctx, inputs, ["contactId", "stages", "region"]);
  // The provider creates a plan with UpdateContact(ContactId, Plan).
  return [
    "ssm-contacts",
    "UpdateContactRequest",
    {
      ContactId: inputs.contactId,
      Plan: {
        Stages: mapList(inputs.stages, "stages", (stage, at) => classicStage(ctx, stage, at)),
      },
    },
  ];
}

/**
 * A rotation's recurrence -> RecurrenceSettings. The two providers differ only in how a hand-off
 * time is written and in the names of the shift-coverage fields (a list keyed by `coverage.key`
 * in Pulumi, a map keyed by day in the API).
 */
function mapRecurrence(
  ctx: MapContext,
  value: unknown,
  handOff: (ctx: MapContext, value: unknown, at: string) => unknown,
  coverage: { key: string; start: string; end: string },
): unknown {
  const inputs = [
    "dailySettings",
    "monthlySettings",
    "numberOfOnCalls",
    "recurrenceMultiplier",
    "shiftCoverages",
    "weeklySettings",
  ];
  return mapStruct(ctx, value, "recurrence", inputs, (r) => ({
    NumberOfOnCalls: r.numberOfOnCalls,
    RecurrenceMultiplier: r.recurrenceMultiplier,
    DailySettings: mapList(r.dailySettings, "recurrence.dailySettings", (h, at) =>
      handOff(ctx, h, at),
    ),
    WeeklySettings: mapList(r.weeklySettings, "recurrence.weeklySettings", (w, at) =>
      mapStruct(ctx, w, at, ["dayOfWeek", "handOffTime"], (x) => ({
        DayOfWeek: x.dayOfWeek,
        HandOffTime: handOff(ctx, x.handOffTime, join(at, "handOffTime")),
      })),
    ),
    MonthlySettings: mapList(r.monthlySettings, "recurrence.monthlySettings", (m, at) =>
      mapStruct(ctx, m, at, ["dayOfMonth", "handOffTime"], (x) => ({
        DayOfMonth: x.dayOfMonth,
        HandOffTime: handOff(ctx, x.handOffTime, join(at, "handOffTime")),
      })),
    ),
    ShiftCoverages: listToMap(
      ctx,
      r.shiftCoverages,
      "recurrence.shiftCoverages",
      coverage.key,
      (c, at) =>
        mapStruct(ctx, c, at, [coverage.key, "coverageTimes"], (x) =>
          mapList(x.coverageTimes, join(at, "coverageTimes"), (t, tAt) =>
            mapStruct(ctx, t, tAt, [coverage.start, coverage.end], (ct) => ({
              Start: handOff(ctx, ct[coverage.start], join(tAt, coverage.start)),
              End: handOff(ctx, ct[coverage.end], join(tAt, coverage.end)),
            })),
          ),
        ),
    ),
  }));
}

function mapContactsRotation(ctx: MapContext, inputs: Obj): [Service, string, unknown] {
  rejectUnknownInputs(ctx, inputs, [
    "contactIds",
    "name",
    "recurrence",
    "region",
    "startTime",
    "tags",
    "timeZoneId",
  ]);
  const recurrence = mapRecurrence(ctx, inputs.recurrence, classicHandOff, {
    key: "mapBlockKey",
    start: "start",
    end: "end",
  });
  return [
    "ssm-contacts",
    "CreateRotationRequest",
    {
      ContactIds: inputs.contactIds,
      Name: autoName(ctx, inputs.name, "name"),
      Recurrence: recurrence,
      StartTime: inputs.startTime,
      TimeZoneId: inputs.timeZoneId,
      Tags: tagMapToList(inputs.tags),
    },
  ];
}

function mapNativeContact(ctx: MapContext, inputs: Obj): [Service, string, unknown] {
  rejectUnknownInputs(ctx, inputs, ["alias", "displayName", "plan", "tags", "type"]);
  const stages: unknown[] = Array.isArray(inputs.plan) ? inputs.plan : [];
  const onCall = inputs.type === "ONCALL_SCHEDULE";
  let plan: unknown;
  if (!Array.isArray(inputs.plan) && inputs.plan !== undefined) {
    if (inputs.plan !== REPORTED) {
      ctx.out.push(`plan: expected a list of stages, got ${show(inputs.plan)}`);
    }
    plan = REPORTED;
  } else if (onCall) {
    // An on-call schedule's plan is its rotations: the stages' rotationIds become Plan.RotationIds.
    const rotationIds: unknown[] = [];
    stages.forEach((stage, i) => {
      const at = `plan[${i}]`;
      mapStruct(ctx, stage, at, ["durationInMinutes", "targets", "rotationIds"], (s) => {
        for (const key of ["durationInMinutes", "targets"]) {
          if (s[key] !== undefined) {
            ctx.out.push(`${join(at, key)}: not sent for an ONCALL_SCHEDULE contact`);
          }
        }
        if (Array.isArray(s.rotationIds)) rotationIds.push(...s.rotationIds);
        else if (s.rotationIds !== undefined) {
          ctx.out.push(`${join(at, "rotationIds")}: expected a list, got ${show(s.rotationIds)}`);
        }
        return undefined;
      });
    });
    plan = { RotationIds: rotationIds };
  } else {
    plan = {
      Stages: stages.map((stage, i) => {
        const at = `plan[${i}]`;
        return mapStruct(ctx, stage, at, ["durationInMinutes", "targets", "rotationIds"], (s) => {
          if (s.rotationIds !== undefined) {
            ctx.out.push(
              `${join(at, "rotationIds")}: only sent for an ONCALL_SCHEDULE contact, this is ${show(inputs.type)}`,
            );
          }
          return {
            DurationInMinutes: s.durationInMinutes,
            Targets: nativeTargets(ctx, s.targets, join(at, "targets")),
          };
        });
      }),
    };
  }
  return [
    "ssm-contacts",
    "CreateContactRequest",
    {
      Alias: inputs.alias,
      DisplayName: inputs.displayName,
      Type: inputs.type,
      Plan: plan,
      Tags: nativeTagList(ctx, inputs.tags, "tags"),
    },
  ];
}

function mapNativePlan(ctx: MapContext, inputs: Obj): [Service, string, unknown] {
  rejectUnknownInputs(ctx, inputs, ["contactId", "rotationIds", "stages"]);
  return [
    "ssm-contacts",
    "UpdateContactRequest",
    {
      ContactId: inputs.contactId,
      Plan: {
        RotationIds: inputs.rotationIds,
        Stages: mapList(inputs.stages, "stages", (stage, at) =>
          mapStruct(ctx, stage, at, ["durationInMinutes", "targets"], (s) => ({
            DurationInMinutes: s.durationInMinutes,
            Targets: nativeTargets(ctx, s.targets, join(at, "targets")),
          })),
        ),
      },
    },
  ];
}

function mapNativeContactChannel(ctx: MapContext, inputs: Obj): [Service, string, unknown] {
  rejectUnknownInputs(ctx, inputs, [
    "channelAddress",
    "channelName",
    "channelType",
    "contactId",
    "deferActivation",
  ]);
  return [
    "ssm-contacts",
    "CreateContactChannelRequest",
    {
      ContactId: inputs.contactId,
      Name: inputs.channelName,
      Type: inputs.channelType,
      DeliveryAddress:
        inputs.channelAddress === undefined ? undefined : { SimpleAddress: inputs.channelAddress },
      DeferActivation: inputs.deferActivation,
    },
  ];
}

function mapNativeRotation(ctx: MapContext, inputs: Obj): [Service, string, unknown] {
  rejectUnknownInputs(ctx, inputs, [
    "contactIds",
    "name",
    "recurrence",
    "startTime",
    "tags",
    "timeZoneId",
  ]);
  const recurrence = mapRecurrence(ctx, inputs.recurrence, nativeHandOff, {
    key: "dayOfWeek",
    start: "startTime",
    end: "endTime",
  });
  return [
    "ssm-contacts",
    "CreateRotationRequest",
    {
      ContactIds: inputs.contactIds,
      Name: autoName(ctx, inputs.name, "name"),
      Recurrence: recurrence,
      StartTime: inputs.startTime,
      TimeZoneId: inputs.timeZoneId,
      Tags: nativeTagList(ctx, inputs.tags, "tags"),
    },
  ];
}

// --- ssm-incidents ----------------------------------------------------------------------------

/**
 * SNS topics -> the ChatChannel union. No topics is sent as `{empty: {}}` (what
 * terraform-provider-aws's expandChatChannel sends), not as an absent chatChannel.
 */
function chatChannelOf(topics: unknown): unknown {
  const none = topics === undefined || (Array.isArray(topics) && topics.length === 0);
  return none ? { empty: {} } : { chatbotSns: topics };
}

/** Sets (terraform TypeSet) drop duplicates before the request is built. */
function dedupe(value: unknown): unknown {
  return Array.isArray(value) ? [...new Set(value)] : value;
}

function mapResponsePlan(ctx: MapContext, inputs: Obj): [Service, string, unknown] {
  rejectUnknownInputs(ctx, inputs, [
    "action",
    "chatChannels",
    "displayName",
    "engagements",
    "incidentTemplate",
    "integration",
    "name",
    "region",
    "tags",
  ]);
  const chatChannels = dedupe(inputs.chatChannels);
  const template = mapStruct(
    ctx,
    inputs.incidentTemplate,
    "incidentTemplate",
    ["dedupeString", "impact", "incidentTags", "notificationTargets", "summary", "title"],
    (t) => ({
      // terraform-provider-aws leaves out an empty title, which the API then misses.
      title: t.title === "" ? undefined : t.title,
      impact: t.impact,
      summary: t.summary,
      dedupeString: t.dedupeString,
      incidentTags: nonEmptyMap(t.incidentTags),
      notificationTargets: mapList(
        t.notificationTargets,
        "incidentTemplate.notificationTargets",
        (n, at) => mapStruct(ctx, n, at, ["snsTopicArn"], (o) => ({ snsTopicArn: o.snsTopicArn })),
      ),
    }),
  );
  const actions = mapStruct(ctx, inputs.action, "action", ["ssmAutomations"], (a) =>
    mapList(a.ssmAutomations ?? [], "action.ssmAutomations", (s, at) => ({
      ssmAutomation: mapStruct(
        ctx,
        s,
        at,
        [
          "documentName",
          "documentVersion",
          "dynamicParameters",
          "parameters",
          "roleArn",
          "targetAccount",
        ],
        (o) => ({
          documentName: o.documentName,
          documentVersion: o.documentVersion,
          roleArn: o.roleArn,
          targetAccount: o.targetAccount,
          // [{name, values}] -> {name: values}
          parameters: listToMap(ctx, o.parameters, join(at, "parameters"), "name", (p, pAt) =>
            mapStruct(ctx, p, pAt, ["name", "values"], (v) => dedupe(v.values)),
          ),
          // {key: "INCIDENT_RECORD_ARN"} -> {key: {variable: "INCIDENT_RECORD_ARN"}}
          dynamicParameters: isObj(o.dynamicParameters)
            ? Object.fromEntries(
                Object.entries(o.dynamicParameters).map(([k, v]) => [k, { variable: v }]),
              )
            : o.dynamicParameters,
        }),
      ),
    })),
  );
  const integrations = mapStruct(ctx, inputs.integration, "integration", ["pagerduties"], (i) =>
    mapList(i.pagerduties ?? [], "integration.pagerduties", (p, at) => ({
      pagerDutyConfiguration: mapStruct(ctx, p, at, ["name", "secretId", "serviceId"], (o) => ({
        name: o.name,
        secretId: o.secretId,
        pagerDutyIncidentConfiguration: { serviceId: o.serviceId },
      })),
    })),
  );
  return [
    "ssm-incidents",
    "CreateResponsePlanInput",
    {
      name: autoName(ctx, inputs.name, "name"),
      displayName: inputs.displayName,
      chatChannel: chatChannelOf(chatChannels),
      engagements: dedupe(inputs.engagements),
      incidentTemplate: template,
      actions,
      integrations,
      tags: nonEmptyMap(inputs.tags),
    },
  ];
}

function mapNativeResponsePlan(ctx: MapContext, inputs: Obj): [Service, string, unknown] {
  rejectUnknownInputs(ctx, inputs, [
    "actions",
    "chatChannel",
    "displayName",
    "engagements",
    "incidentTemplate",
    "integrations",
    "name",
    "tags",
  ]);
  const template = mapStruct(
    ctx,
    inputs.incidentTemplate,
    "incidentTemplate",
    ["dedupeString", "impact", "incidentTags", "notificationTargets", "summary", "title"],
    (t) => ({
      title: t.title,
      impact: t.impact,
      summary: t.summary,
      dedupeString: t.dedupeString,
      incidentTags: nativeTagMap(ctx, t.incidentTags, "incidentTemplate.incidentTags"),
      notificationTargets: mapList(
        t.notificationTargets,
        "incidentTemplate.notificationTargets",
        (n, at) => mapStruct(ctx, n, at, ["snsTopicArn"], (o) => ({ snsTopicArn: o.snsTopicArn })),
      ),
    }),
  );
  const actions = mapList(inputs.actions, "actions", (a, at) =>
    mapStruct(ctx, a, at, ["ssmAutomation"], (o) => ({
      ssmAutomation: mapStruct(
        ctx,
        o.ssmAutomation,
        join(at, "ssmAutomation"),
        [
          "documentName",
          "documentVersion",
          "dynamicParameters",
          "parameters",
          "roleArn",
          "targetAccount",
        ],
        (s) => {
          const sAt = join(at, "ssmAutomation");
          return {
            documentName: s.documentName,
            documentVersion: s.documentVersion,
            roleArn: s.roleArn,
            targetAccount: s.targetAccount,
            parameters: listToMap(ctx, s.parameters, join(sAt, "parameters"), "key", (p, pAt) =>
              mapStruct(ctx, p, pAt, ["key", "values"], (v) => v.values),
            ),
            dynamicParameters: listToMap(
              ctx,
              s.dynamicParameters,
              join(sAt, "dynamicParameters"),
              "key",
              (p, pAt) =>
                mapStruct(ctx, p, pAt, ["key", "value"], (v) =>
                  mapStruct(ctx, v.value, join(pAt, "value"), ["variable"], (w) => ({
                    variable: w.variable,
                  })),
                ),
            ),
          };
        },
      ),
    })),
  );
  const integrations = mapList(inputs.integrations, "integrations", (i, at) =>
    mapStruct(ctx, i, at, ["pagerDutyConfiguration"], (o) => ({
      pagerDutyConfiguration: mapStruct(
        ctx,
        o.pagerDutyConfiguration,
        join(at, "pagerDutyConfiguration"),
        ["name", "pagerDutyIncidentConfiguration", "secretId"],
        (p) => ({
          name: p.name,
          secretId: p.secretId,
          pagerDutyIncidentConfiguration: mapStruct(
            ctx,
            p.pagerDutyIncidentConfiguration,
            join(at, "pagerDutyConfiguration.pagerDutyIncidentConfiguration"),
            ["serviceId"],
            (c) => ({ serviceId: c.serviceId }),
          ),
        }),
      ),
    })),
  );
  const chatChannel = mapStruct(ctx, inputs.chatChannel, "chatChannel", ["chatbotSns"], (c) =>
    chatChannelOf(c.chatbotSns),
  );
  return [
    "ssm-incidents",
    "CreateResponsePlanInput",
    {
      name: autoName(ctx, inputs.name, "name"),
      displayName: inputs.displayName,
      chatChannel,
      engagements: inputs.engagements,
      incidentTemplate: template,
      actions,
      integrations,
      tags: nativeTagMap(ctx, inputs.tags, "tags"),
    },
  ];
}

function mapReplicationSet(ctx: MapContext, inputs: Obj): [Service, string, unknown] {
  rejectUnknownInputs(ctx, inputs, ["region", "regions", "tags"]);
  // `region` here is the deprecated spelling of `regions` (a list), not the provider region.
  let regionsAt = "regions";
  let regionList = inputs.regions;
  if (inputs.regions !== undefined && inputs.region !== undefined) {
    ctx.out.push("region: set together with regions (region is the deprecated name of regions)");
  } else if (inputs.regions === undefined) {
    regionsAt = "region";
    regionList = inputs.region;
  }
  if (typeof inputs.region === "string") {
    ctx.out.push(
      "region: on ReplicationSet this is the deprecated list of regions, not the provider region",
    );
    regionList = REPORTED;
  }
  const regions = listToMap(ctx, regionList, regionsAt, "name", (r, at) =>
    mapStruct(ctx, r, at, ["name", "kmsKeyArn", "status", "statusMessage"], (o) => {
      for (const computed of ["status", "statusMessage"]) {
        if (o[computed] !== undefined) {
          ctx.out.push(`${join(at, computed)}: computed by the provider, cannot be set`);
        }
      }
      // "DefaultKey" (the provider's default) means an AWS-owned key: no sseKmsKeyId is sent.
      const key = o.kmsKeyArn;
      return { sseKmsKeyId: key === undefined || key === "DefaultKey" ? undefined : key };
    }),
  );
  return [
    "ssm-incidents",
    "CreateReplicationSetInput",
    { regions, tags: nonEmptyMap(inputs.tags) },
  ];
}

function mapNativeReplicationSet(ctx: MapContext, inputs: Obj): [Service, string, unknown] {
  rejectUnknownInputs(ctx, inputs, ["deletionProtected", "regions", "tags"]);
  // deletionProtected is applied by a separate UpdateDeletionProtection call; check its type.
  if (inputs.deletionProtected !== undefined) {
    ctx.out.push(
      ...checkShape("ssm-incidents", "Boolean", inputs.deletionProtected, "deletionProtected"),
    );
  }
  const regions = listToMap(ctx, inputs.regions, "regions", "regionName", (r, at) =>
    mapStruct(ctx, r, at, ["regionName", "regionConfiguration"], (o) => ({
      sseKmsKeyId: mapStruct(
        ctx,
        o.regionConfiguration,
        join(at, "regionConfiguration"),
        ["sseKmsKeyId"],
        (c) => c.sseKmsKeyId,
      ),
    })),
  );
  return [
    "ssm-incidents",
    "CreateReplicationSetInput",
    { regions, tags: nativeTagMap(ctx, inputs.tags, "tags") },
  ];
}

type Mapper = (ctx: MapContext, inputs: Obj) => [Service, string, unknown];

const MAPPERS: Record<string, Mapper> = {
  "aws:ssmcontacts/contact:Contact": mapContact,
  "aws:ssmcontacts/contactChannel:ContactChannel": mapContactChannel,
  "aws:ssmcontacts/plan:Plan": mapPlan,
  "aws:ssm/contactsRotation:ContactsRotation": mapContactsRotation,
  "aws:ssmincidents/responsePlan:ResponsePlan": mapResponsePlan,
  "aws:ssmincidents/replicationSet:ReplicationSet": mapReplicationSet,
  "aws-native:ssmincidents:ReplicationSet": mapNativeReplicationSet,
  "aws-native:ssmincidents:ResponsePlan": mapNativeResponsePlan,
  "aws-native:ssmcontacts:Contact": mapNativeContact,
  "aws-native:ssmcontacts:ContactChannel": mapNativeContactChannel,
  "aws-native:ssmcontacts:Plan": mapNativePlan,
  "aws-native:ssmcontacts:Rotation": mapNativeRotation,
};

/** The Pulumi type tokens checkResource can map to an API request. */
export const MODELLED_TYPES: readonly string[] = Object.keys(MAPPERS);

export interface CheckResourceOptions {
  /**
   * The resource's logical name (`args.name` in the mocks). Needed for resources whose `name`
   * input the provider auto-generates when absent; without it an absent name is a violation.
   */
  resourceName?: string;
}

/**
 * Maps the inputs of a Pulumi resource (as recorded by `pulumi.runtime.setMocks` in
 * `newResource(args)`: `args.type`, `args.inputs`) to the API request the provider sends to
 * create it, and checks that request against the model. Unknown type tokens are a violation.
 */
export function checkResource(
  type: string,
  inputs: Record<string, unknown>,
  options: CheckResourceOptions = {},
): string[] {
  const mapper = MAPPERS[type];
  if (!mapper) return [`${type}: no API-model mapping`];
  const out: string[] = [];
  const resolved = resolveInputs(inputs, "", out);
  const ctx: MapContext = { type, resourceName: options.resourceName, out };
  const [service, shapeName, request] = mapper(ctx, isObj(resolved) ? resolved : {});
  return [...out, ...checkShape(service, shapeName, request)];
}
