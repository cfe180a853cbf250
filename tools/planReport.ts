/**
 * The offline plan's report: a JSON document and its text rendering, built from the resources the
 * program registered under the mock engine, the paging timeline and the policy results. Pure: no
 * I/O, no clock. Secrets are replaced by "[secret]" (values Pulumi marks secret, and every
 * address, URL and key of the config, wherever they would appear).
 */
import { z } from "zod";
import { SECRET, scrub } from "../config/sensitive";
import { parseCalendar } from "../config/calendars";
import {
  DAYS,
  fromLocal,
  holidayYears,
  isOpen,
  localTime,
  nextOpening,
  upcomingClosures,
  type Calendar,
} from "../handlers/shared/calendar";
import { nextFiring, parseCron } from "../handlers/shared/schedule";
import { heartbeatTiming } from "../config/heartbeat";
import { failSafeLevel } from "../components/responsePlans";
import type { RecordedResource } from "./mockEngine";
import {
  LevelTimeline,
  RotationNow,
  RotationOverride,
  Timeline,
  channelList,
  localParts,
} from "./timeline";

export const violationSchema = z.strictObject({
  policy: z.string(),
  enforcementLevel: z.enum(["mandatory", "advisory"]),
  resource: z.string().nullable(),
  message: z.string(),
});
export type PlanViolation = z.infer<typeof violationSchema>;

/** The `--json` document; tests validate the tool's output against it. */
export const planDocumentSchema = z.strictObject({
  stack: z.string(),
  plannedAt: z.string(),
  resources: z.array(
    z.strictObject({
      type: z.string(),
      name: z.string(),
      parent: z.string().nullable(),
      inputs: z.record(z.string(), z.unknown()),
    }),
  ),
  summary: z.strictObject({
    total: z.number().int(),
    byType: z.record(z.string(), z.number().int()),
  }),
  timeline: z.record(
    z.string(),
    z.strictObject({
      impact: z.number().int(),
      mode: z.enum(["incident", "engage", "notify"]),
      responsePlan: z.string().nullable(),
      alarms: z.array(
        z.strictObject({
          name: z.string(),
          metric: z.string(),
          condition: z.string(),
          threshold: z.number(),
          evaluation: z.string(),
        }),
      ),
      externalAlarms: z.array(z.string()),
      events: z.array(z.record(z.string(), z.unknown())),
      notifies: z.strictObject({
        slack: z.boolean(),
        teams: z.boolean(),
        webhooks: z.array(z.string()),
      }),
      endsAt: z.number(),
    }),
  ),
  onCall: z.array(
    z.strictObject({
      name: z.string(),
      timeZone: z.string(),
      now: z.array(z.string()),
      next: z.array(z.string()),
      nextHandoff: z.string(),
      /** The override in force at plannedAt (read with --overrides only). */
      override: z.strictObject({ members: z.array(z.string()), until: z.string() }).optional(),
    }),
  ),
  /** Rotation overrides: read from AWS with --overrides only; `upcoming` have not begun yet. */
  overrides: z.strictObject({
    read: z.boolean(),
    upcoming: z.array(
      z.strictObject({
        rotation: z.string(),
        members: z.array(z.string()),
        from: z.string(),
        to: z.string(),
      }),
    ),
  }),
  providers: z.array(
    z.strictObject({
      package: z.string(),
      provider: z.string(),
      region: z.string().nullable(),
      from: z.string(),
    }),
  ),
  violations: z.array(violationSchema),
  warnings: z.array(z.string()),
  /** Working-hours calendars and the levels with outsideHours (hoursFacts). */
  heartbeat: z
    .strictObject({
      everyMinutes: z.number(),
      pagesWithinMinutes: z.number(),
      failSafeLevel: z.string().nullable(),
    })
    .nullable(),
  hours: z.strictObject({
    calendars: z.array(
      z.strictObject({
        name: z.string(),
        timeZone: z.string(),
        hours: z.array(z.string()),
        holidays: z.array(z.string()),
        closed: z.array(z.string()),
        nextClosed: z.array(z.strictObject({ date: z.string(), ja: z.string(), en: z.string() })),
        openNow: z.boolean(),
        opens: z.string(),
        closes: z.string(),
        reopens: z.string(),
      }),
    ),
    levels: z.array(
      z.strictObject({
        level: z.string(),
        calendar: z.string(),
        then: z.enum(["notify", "defer", "level"]),
        asLevel: z.string().optional(),
        mode: z.enum(["incident", "engage", "notify"]),
        asMode: z.enum(["incident", "engage", "notify"]).optional(),
      }),
    ),
    maintenance: z.array(
      z.strictObject({
        alarms: z.array(z.string()),
        schedule: z.string(),
        timeZone: z.string(),
        minutes: z.number(),
        reason: z.string(),
        next: z.string().nullable(),
      }),
    ),
  }),
});
export type PlanDocument = z.infer<typeof planDocumentSchema>;

export interface BundleInfo {
  readonly path: string;
  readonly sha256: string;
}

export interface PlanInputs {
  readonly stack: string;
  readonly resources: readonly RecordedResource[];
  readonly timeline: Timeline;
  readonly violations: readonly PlanViolation[];
  /** Lambda bundles by base64 SHA-256, to show code as path + hash. */
  readonly bundles: readonly BundleInfo[];
  /** Values that must never be printed (addresses, URLs, keys from the config). */
  readonly sensitive: readonly string[];
  /** Config paths that were `secure:` in the stack file. */
  readonly securePaths: readonly string[];
  /** Incident Manager's replication set; undefined for backend step-functions (none). */
  readonly replicationSet?: "existing" | "created";
  /** Warnings of the step-functions backend (components/engine/enginePlan.ts engineWarnings). */
  readonly backendWarnings?: readonly string[];
  /** Where each provider would deploy (see {@link providerRegions}). */
  readonly providers: readonly ProviderRegion[];
  /** Working hours (hoursFacts); none when absent. */
  readonly hours?: HoursFacts;
  /** The pipeline's heartbeat (heartbeatFacts); none when not configured. */
  readonly heartbeat?: HeartbeatFacts;
  /**
   * The stack's active and upcoming rotation overrides, when read (`--overrides`); the timeline
   * already resolved the rotations with them. Absent: not read (offline).
   */
  readonly overrides?: readonly RotationOverride[];
}

/** The region a provider of the stack's resources would deploy to, and where it comes from. */
export interface ProviderRegion {
  /** Package: aws, aws-native. */
  readonly package: string;
  /** Logical name of an explicit provider, or "default". */
  readonly provider: string;
  /** null when the provider would find no region and stop. */
  readonly region: string | null;
  /** The config key, variable or input the region comes from. */
  readonly from: string;
}

/** The config key each package's default provider reads its region from. */
const REGION_KEYS: Record<string, string> = {
  aws: "aws:region",
  "aws-native": "aws-native:region",
};

/**
 * Every explicit provider the program creates and every default provider its resources use, with
 * its region. An explicit provider: its `region` input. A default one: its own config key, else
 * AWS_REGION, else AWS_DEFAULT_REGION; aws-native never reads aws:region (pulumi-aws-native
 * provider/pkg/provider/provider.go, `Configure`). Packages without a region (random) are left
 * out.
 */
export function providerRegions(
  resources: readonly RecordedResource[],
  config: Readonly<Record<string, string>>,
  env: Readonly<Record<string, string | undefined>>,
): ProviderRegion[] {
  const explicit = new Map(
    resources.filter((r) => r.type.startsWith("pulumi:providers:")).map((r) => [r.name, r]),
  );
  const seen = new Map<string, ProviderRegion>();
  for (const p of explicit.values()) {
    const pkg = p.type.slice("pulumi:providers:".length);
    if (REGION_KEYS[pkg] === undefined) continue;
    const region = typeof p.inputs.region === "string" ? p.inputs.region : null;
    seen.set(`${pkg}/${p.name}`, {
      package: pkg,
      provider: p.name,
      region,
      from: "its region input",
    });
  }
  for (const r of resources) {
    if (!r.custom || r.type.startsWith("pulumi:providers:") || r.provider) continue;
    const pkg = r.type.split(":")[0] ?? r.type;
    const key = REGION_KEYS[pkg];
    if (key === undefined || seen.has(`${pkg}/default`)) continue;
    const [from, region] = [
      [key, config[key]],
      ["AWS_REGION", env.AWS_REGION],
      ["AWS_DEFAULT_REGION", env.AWS_DEFAULT_REGION],
    ].find(([, v]) => v !== undefined) ?? [
      `none of ${key}, AWS_REGION, AWS_DEFAULT_REGION is set`,
      null,
    ];
    seen.set(`${pkg}/default`, {
      package: pkg,
      provider: "default",
      region: region ?? null,
      from: from ?? key,
    });
  }
  return [...seen.values()].sort(
    (a, b) => a.package.localeCompare(b.package) || a.provider.localeCompare(b.provider),
  );
}

function regionText(p: ProviderRegion): string {
  return p.region === null ? `has no region (${p.from})` : `in ${p.region} (from ${p.from})`;
}

/** Why these providers cannot deploy as one stack (no region, or more than one), or undefined. */
export function providerRegionProblem(providers: readonly ProviderRegion[]): string | undefined {
  const describe = (p: ProviderRegion) =>
    `${p.package} (${p.provider === "default" ? "default provider" : p.provider}) ${regionText(p)}`;
  const missing = providers.filter((p) => p.region === null);
  if (missing.length > 0) {
    return `${missing.map(describe).join("; ")}: the provider would stop with "missing required configuration key". The program gives aws-native resources a provider in the aws provider's region; a resource outside it needs one too.`;
  }
  const regions = new Set(providers.map((p) => p.region));
  if (regions.size > 1) {
    return `the providers would deploy to ${regions.size} regions: ${providers.map(describe).join("; ")}. Incident Manager contacts, rotations and response plans must be in one region.`;
  }
  return undefined;
}

export function buildPlanDocument(p: PlanInputs): PlanDocument {
  const custom = p.resources.filter((r) => r.custom);
  const byType: Record<string, number> = {};
  for (const r of custom) byType[r.type] = (byType[r.type] ?? 0) + 1;
  const channels = custom.filter((r) => r.type === "aws:ssmcontacts/contactChannel:ContactChannel");

  const warnings: string[] = [];
  if (channels.length > 0) {
    warnings.push(
      `${channels.length} contact channel(s) will be created NOT_ACTIVATED and page nobody until each is activated with a code sent to the device (README: "Activate contact channels"): ` +
        channels.map((c) => String(c.inputs.name)).join(", "),
    );
  }
  if (p.replicationSet !== undefined) {
    warnings.push(
      "Incident Manager is closed to new customers since 2025-11-07: deploy only to an account already onboarded.",
    );
    warnings.push(
      p.replicationSet === "existing"
        ? "Uses the account's existing replication set (replicationSet: existing)."
        : "Creates the account's replication set, with deletion protection, protected from `pulumi destroy` and retained if removed. There is one per account.",
    );
  }
  warnings.push(...(p.backendWarnings ?? []));
  if (p.securePaths.length > 0) {
    warnings.push(
      `${p.securePaths.length} secure config value(s) cannot be decrypted offline and are shown as [secret] (placeholders were used): ${p.securePaths.join(", ")}`,
    );
  }

  const doc: PlanDocument = {
    stack: p.stack,
    plannedAt: p.timeline.plannedAt,
    resources: p.resources.map((r) => ({
      type: r.type,
      name: r.name,
      parent: r.parent,
      inputs: showInputs(r, p.bundles),
    })),
    summary: { total: custom.length, byType: sortKeys(byType) },
    timeline: plain(
      Object.fromEntries(
        p.timeline.levels.map((l) => {
          const { level, ...rest } = l;
          return [level, rest];
        }),
      ),
    ),
    onCall: plain(p.timeline.rotations),
    overrides: {
      read: p.overrides !== undefined,
      upcoming: (p.overrides ?? [])
        .filter((o) => Date.parse(o.from) > Date.parse(p.timeline.plannedAt))
        .map((o) => ({ ...o, members: [...o.members] })),
    },
    providers: p.providers.map((x) => ({ ...x })),
    violations: [...p.violations],
    warnings,
    heartbeat: p.heartbeat ? { ...p.heartbeat } : null,
    hours: plain(p.hours ?? { calendars: [], levels: [], maintenance: [] }),
  };
  return scrub(doc, p.sensitive);
}

/** Inputs for display: secret values replaced, Lambda code shown as bundle path and hash. */
function showInputs(r: RecordedResource, bundles: readonly BundleInfo[]): Record<string, unknown> {
  let inputs = r.inputs;
  for (const path of r.secretPaths)
    inputs = setPath(inputs, path, SECRET) as Record<string, unknown>;
  if (r.type === "aws:lambda/function:Function") {
    const bundle = bundles.find((b) => b.sha256 === inputs.sourceCodeHash);
    inputs = {
      ...inputs,
      code: bundle ? { bundle: bundle.path, sha256: bundle.sha256 } : { bundle: "unknown" },
    };
  }
  return inputs;
}

function setPath(obj: unknown, path: string, value: unknown): unknown {
  const keys = path.match(/[^.[\]]+/g) ?? [];
  if (keys.length === 0 || path === "(root)") return value;
  const [head, ...rest] = keys;
  if (head === undefined) return value;
  const restPath = rest.join(".");
  if (Array.isArray(obj)) {
    const i = Number(head);
    return obj.map((x, j) => (j === i ? setPath(x, restPath || "(root)", value) : x));
  }
  if (typeof obj === "object" && obj !== null) {
    const o = obj as Record<string, unknown>;
    return { ...o, [head]: rest.length ? setPath(o[head], restPath, value) : value };
  }
  return obj;
}

/** A JSON-shaped copy (drops readonly-ness and undefined members). */
function plain<T>(v: unknown): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function sortKeys(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

// ---------------------------------------------------------------------------------------------
// Text rendering

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
}

export const PLAIN: Style = { bold: id, dim: id, red: id, yellow: id, green: id };
export const COLOUR: Style = {
  bold: (s) => `\x1b[1m${s}\x1b[22m`,
  dim: (s) => `\x1b[2m${s}\x1b[22m`,
  red: (s) => `\x1b[31m${s}\x1b[39m`,
  yellow: (s) => `\x1b[33m${s}\x1b[39m`,
  green: (s) => `\x1b[32m${s}\x1b[39m`,
};

function id(s: string): string {
  return s;
}

export function renderPlanText(
  doc: PlanDocument,
  resources: readonly RecordedResource[],
  st: Style = PLAIN,
): string {
  const out: string[] = [];
  out.push(st.bold(`incident-escalation plan — stack ${doc.stack}`));
  out.push(st.dim("offline: Pulumi mock engine, nothing is deployed; ids and ARNs are mocked"));
  out.push("");
  out.push(st.bold(`Resources: ${doc.summary.total} to create`));
  for (const line of groupedResources(resources)) out.push(`  ${line}`);
  out.push("");
  const regions = [...new Set(doc.providers.map((p) => p.region ?? "no region"))];
  out.push(
    st.bold(
      `Providers (${regions.length === 1 ? "one region" : "regions"}: ${regions.join(", ")})`,
    ),
  );
  for (const p of doc.providers) {
    const which = p.provider === "default" ? "default provider" : `provider ${p.provider}`;
    out.push(`  ${p.package} (${which}) ${regionText(p)}`);
  }
  out.push("");
  out.push(st.bold("Levels (who gets woken up, when, and how)"));
  for (const [level, t] of Object.entries(doc.timeline)) {
    out.push(...renderLevel(level, t as unknown as LevelTimeline, st));
  }
  const hours = renderHoursLines(doc.hours, st);
  if (hours.length > 0) out.push("", ...hours);
  if (doc.heartbeat) out.push("", ...renderHeartbeatLines(doc.heartbeat, st));
  if (doc.onCall.length > 0) {
    out.push("");
    out.push(st.bold("On call"));
    for (const r of doc.onCall) out.push(`  ${renderRotation(r)}`, ...renderOverrides(doc, r));
    if (!doc.overrides.read)
      out.push(
        `  overrides: not read offline; add --overrides to read them from AWS with your credentials, or run npm run override -- --stack ${doc.stack} --rotation <r> --list`,
      );
  }
  out.push("");
  out.push(st.bold("Policies"));
  if (doc.violations.length === 0) out.push(`  ${st.green("no violations")}`);
  for (const v of doc.violations) {
    const tag =
      v.enforcementLevel === "mandatory" ? st.red("[mandatory]") : st.yellow("[advisory] ");
    out.push(`  ${tag} ${v.policy}  ${v.resource ?? "(stack)"}: ${v.message}`);
  }
  out.push("");
  out.push(st.bold("Warnings"));
  for (const w of doc.warnings) out.push(`  ${st.yellow("!")} ${w}`);
  const mandatory = doc.violations.filter((v) => v.enforcementLevel === "mandatory").length;
  const advisory = doc.violations.length - mandatory;
  out.push("");
  out.push(
    mandatory > 0
      ? st.red(
          `${mandatory} mandatory violation(s), ${advisory} advisory: this stack would be blocked.`,
        )
      : st.green(`OK: ${advisory} advisory finding(s), no mandatory violation.`),
  );
  return out.join("\n") + "\n";
}

function renderLevel(level: string, t: LevelTimeline, st: Style): string[] {
  const out: string[] = [];
  const what =
    t.mode === "incident"
      ? t.engine
        ? `opens an incident (an execution of state machine ${t.engine.stateMachine})`
        : `opens an incident (response plan ${t.responsePlan})`
      : t.mode === "engage"
        ? "engages directly, no incident"
        : "notifies only, pages nobody";
  out.push(`  ${st.bold(level)}  impact ${t.impact} · ${what}`);
  if (t.alarms.length + t.externalAlarms.length === 0) out.push(`    alarms: none routed`);
  for (const a of t.alarms) {
    out.push(`    alarm ${a.name}: ${a.metric} ${a.condition} ${a.threshold} (${a.evaluation})`);
  }
  for (const e of t.externalAlarms) out.push(`    alarm ${e} (existing alarm)`);
  if (t.events.length > 0) {
    out.push(
      `    paging timeline${t.mode === "incident" ? " (stops when an essential target acknowledges)" : ""}:`,
    );
    for (const line of timelineLines(t, st)) out.push(`      ${line}`);
  }
  const dest = [
    ...(t.notifies.slack ? ["Slack (ALARM and OK)"] : []),
    ...(t.notifies.teams ? ["Teams (ALARM and OK)"] : []),
    ...(t.notifies.webhooks.length > 0
      ? [`webhooks: ${t.notifies.webhooks.join(", ")} (ALARM and OK)`]
      : []),
  ];
  out.push(
    `    ${t.mode === "notify" ? "goes to" : "also"}: ${dest.join("; ") || "nowhere (no Slack, Teams or webhook)"}`,
  );
  return out;
}

/**
 * The paging timeline of a level as `T+<minutes>` lines (stages, pages, and for incidents the
 * end of the escalation plan); shared by the plan, the drill dry-run and the guide's wording.
 */
export function timelineLines(t: LevelTimeline, st: Style = PLAIN): string[] {
  const out = t.events.map((e) => {
    const at = `T+${e.at}`.padEnd(5);
    if (e.kind === "page") return `${at} ${channelList(e.channels).padEnd(11)} ${e.contact}`;
    const targets = e.targets
      .map((x) => {
        const onCall = x.onCallNow
          ? ` [on call now: ${x.onCallNow.join(", ") || "nobody, the rotation has not started"}]`
          : "";
        return `${x.ref}${onCall}${x.essential ? "" : " (not essential)"}`;
      })
      .join(", ");
    return `${at} ${st.dim(`stage ${e.stage} (${e.minutes} min) →`)} ${targets}`;
  });
  if (t.mode === "incident") {
    out.push(`${`T+${t.endsAt}`.padEnd(5)} ${st.dim(escalationEnd(t))}`);
  }
  return out;
}

/** The last timeline line: what happens when nobody acknowledged. */
export function escalationEnd(t: LevelTimeline): string {
  if (!t.engine) return "escalation plan ends; it does not repeat";
  const r = t.engine.repeat;
  return r === 0
    ? "escalation ends unacknowledged: Slack says so; it does not repeat"
    : `round ends unacknowledged: Slack says so and all stages run again (${r} more round${r === 1 ? "" : "s"} at most)`;
}

function renderRotation(r: RotationNow): string {
  const when = rotationStamp(r.nextHandoff, r.timeZone);
  const now = r.override
    ? `${r.override.members.join(", ")} by override until ${rotationStamp(r.override.until, r.timeZone)}`
    : r.now.join(", ") || "nobody (not started)";
  return `oncall:${r.name} (${r.timeZone}): now ${now}; next ${r.next.join(", ")} from ${when}`;
}

/** `YYYY-MM-DD HH:MM` in the rotation's time zone. */
function rotationStamp(iso: string, timeZone: string): string {
  const p = localParts(new Date(iso), timeZone);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}`;
}

/** With --overrides: a rotation's upcoming overrides (not begun at plannedAt), in start order. */
function renderOverrides(doc: PlanDocument, r: RotationNow): string[] {
  if (!doc.overrides.read) return [];
  const upcoming = doc.overrides.upcoming.filter((o) => o.rotation === r.name);
  if (upcoming.length === 0) return ["    upcoming overrides: none"];
  return [
    "    upcoming overrides:",
    ...upcoming.map(
      (o) =>
        `      ${o.members.join(", ")} on call ${rotationStamp(o.from, r.timeZone)} → ${rotationStamp(o.to, r.timeZone)}`,
    ),
  ];
}

/** `ComponentType name: count × type` lines, grouped by the pipeline's child components. */
export function groupedResources(resources: readonly RecordedResource[]): string[] {
  const components = new Map(resources.filter((r) => !r.custom).map((r) => [r.name, r]));
  const root = resources.find((r) => !r.custom && r.parent === null);
  const groupOf = (r: RecordedResource): string => {
    let cur: RecordedResource = r;
    for (let n = 0; n < 20; n++) {
      const parent = cur.parent ? components.get(cur.parent) : undefined;
      if (!parent || parent === root)
        return cur === r ? (root ? shortType(root.type) : "(stack)") : shortType(cur.type);
      cur = parent;
    }
    return shortType(cur.type);
  };
  const groups = new Map<string, { members: Set<string>; types: Map<string, number> }>();
  for (const r of resources.filter((x) => x.custom)) {
    const g = groupOf(r);
    const entry = groups.get(g) ?? { members: new Set<string>(), types: new Map<string, number>() };
    entry.types.set(r.type, (entry.types.get(r.type) ?? 0) + 1);
    groups.set(g, entry);
  }
  for (const c of resources.filter((x) => !x.custom && x.parent === root?.name)) {
    groups.get(shortType(c.type))?.members.add(c.name);
  }
  const lines: string[] = [];
  for (const [g, { members, types }] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const count = [...types.values()].reduce((a, b) => a + b, 0);
    const who = members.size > 1 ? ` ×${members.size}` : "";
    lines.push(`${g}${who}: ${count}`);
    for (const [type, n] of [...types].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`  + ${String(n).padStart(2)} ${type}`);
    }
  }
  return lines;
}

function shortType(type: string): string {
  return type.split(":").pop() ?? type;
}

// ---------------------------------------------------------------------------------------------
// Sandbox warnings of the step-functions backend
// ---------------------------------------------------------------------------------------------

/** SES: "We place all new accounts in the Amazon SES sandbox" (per region). */
export const SES_SANDBOX_DOC =
  "https://docs.aws.amazon.com/ses/latest/dg/request-production-access.html";
/** End User Messaging SMS: "New AWS End User Messaging SMS accounts are placed into an SMS/MMS or voice sandbox". */
export const SMS_SANDBOX_DOC =
  "https://docs.aws.amazon.com/sms-voice/latest/userguide/sandbox.html";

/** What the sandbox warnings read from the stack config. */
export interface SandboxWarningInput {
  readonly backend: string;
  readonly contacts: readonly {
    readonly alias: string;
    readonly engagement: readonly { readonly via: readonly string[] }[];
  }[];
}

/** Aliases of the contacts that page over `channel` at some stage of their engagement plan. */
export function contactsPagingBy(input: SandboxWarningInput, channel: string): string[] {
  return input.contacts
    .filter((c) => c.engagement.some((s) => s.via.includes(channel)))
    .map((c) => c.alias);
}

/**
 * The plan's warnings that only the step-functions backend has: a new account's SES and End User
 * Messaging SMS sandboxes page nobody outside their verified recipients. SES: while in the
 * sandbox "You can only send mail to verified email addresses and domains", per region
 * (SES_SANDBOX_DOC; GetAccount's ProductionAccessEnabled tells). SMS: "You can send SMS and MMS
 * messages only to verified destination phone numbers. You can add up to 10", with a monthly
 * SMS spending limit of $1.00 in the sandbox (SMS_SANDBOX_DOC); recipients who reply STOP are
 * opted out and get no further texts
 * (https://docs.aws.amazon.com/sms-voice/latest/userguide/opt-out-list.html). Aliases only, never
 * an address or number. Empty for other backends.
 */
export function stepFunctionsSandboxWarnings(input: SandboxWarningInput): string[] {
  if (input.backend !== "step-functions") return [];
  const warnings: string[] = [];
  const email = contactsPagingBy(input, "email");
  if (email.length > 0) {
    warnings.push(
      `SES sandbox: a new account (per region) mails only verified addresses and domains, so ${email.length} contact(s) paging by e-mail (${email.join(", ")}) get nothing until their addresses are verified identities or the account has production access (GetAccount ProductionAccessEnabled); \`npm run preflight\` checks, \`npm run activate\` verifies the addresses (${SES_SANDBOX_DOC}).`,
    );
  }
  const sms = contactsPagingBy(input, "sms");
  if (sms.length > 0) {
    warnings.push(
      `End User Messaging SMS sandbox: a new account texts only verified destination numbers (at most 10), so ${sms.length} contact(s) paging by SMS (${sms.join(", ")}) get nothing until \`npm run activate\` verifies their numbers or the account moves to production; texts also stop at the monthly spend limit, and a person who replies STOP gets no more texts (${SMS_SANDBOX_DOC}).`,
    );
  }
  return warnings;
}

// ---------------------------------------------------------------------------------------------
// What the voice channel needs of the account (Amazon Connect)
// ---------------------------------------------------------------------------------------------

/** "In most countries it takes 2-6 weeks ... In some cases it can take up to 60 days." */
export const CONNECT_NUMBER_REQUEST_DOC =
  "https://docs.aws.amazon.com/connect/latest/adminguide/number-request.html";
/** Tokyo: a support case with three documents; DID 050 and 03, toll-free 0120 and 0800. */
export const CONNECT_TOKYO_NUMBERS_DOC =
  "https://docs.aws.amazon.com/connect/latest/adminguide/connect-tokyo-region.html";
/** "Japan mobile numbers with the following prefixes may not be allowed by default: +8170, 8180, and 8190". */
export const CONNECT_COUNTRY_ALLOWLIST_DOC =
  "https://docs.aws.amazon.com/connect/latest/adminguide/country-code-allow-list.html";
/** Adding a Lambda function to the instance (the flow can invoke only associated functions). */
export const CONNECT_LAMBDA_DOC =
  "https://docs.aws.amazon.com/connect/latest/adminguide/connect-lambda-functions.html";

/** Japanese mobile numbers in E.164: +81 70, +81 80, +81 90 (CONNECT_COUNTRY_ALLOWLIST_DOC). */
export const JAPANESE_MOBILE_RE = /^\+81[789]0/;

/** What the voice warnings read from the stack config. */
export interface VoiceWarningInput {
  readonly backend: string;
  readonly channels?: {
    readonly voice?: { readonly connectInstanceId: string; readonly sourcePhoneNumber: string };
  };
  readonly contacts: readonly {
    readonly alias: string;
    readonly phone?: string;
    readonly engagement: readonly { readonly via: readonly string[] }[];
  }[];
}

/**
 * What the account needs before the first call, said in the plan: an existing Connect instance
 * with outbound calling, the caller ID number claimed on it, the flow Lambda associated with it
 * (the stack does that), and, for Japan, that a Japanese number takes documents and weeks and that
 * Japanese mobiles may need the country allowlist raised. Aliases and counts only, never a
 * contact's number; the instance ID and the caller ID are the organisation's own and are printed.
 * Empty when no contact pages by voice.
 */
export function voiceChannelWarnings(input: VoiceWarningInput): string[] {
  const voice = input.channels?.voice;
  if (input.backend !== "step-functions" || voice === undefined) return [];
  const callees = input.contacts.filter((c) => c.engagement.some((s) => s.via.includes("voice")));
  if (callees.length === 0) return [];
  const warnings = [
    `Amazon Connect: ${callees.length} contact(s) paged by voice (${callees.map((c) => c.alias).join(", ")}) are called from instance ${voice.connectInstanceId} with caller ID ${voice.sourcePhoneNumber}. The instance must exist in this region with outbound calling enabled (DescribeInstance OutboundCallsEnabled) and the number must be claimed on it; the stack associates the flow's Lambda with the instance (${CONNECT_LAMBDA_DOC}). \`npm run preflight\` checks all three.`,
  ];
  if (voice.sourcePhoneNumber.startsWith("+81")) {
    warnings.push(
      `Japanese caller ID ${voice.sourcePhoneNumber}: Amazon Connect gives Japanese numbers (DID 050 or Tokyo 03, toll-free 0120 or 0800) only to a business located in Japan, through an AWS Support case with three identification documents (${CONNECT_TOKYO_NUMBERS_DOC}); such requests usually take 2-6 weeks, up to 60 days (${CONNECT_NUMBER_REQUEST_DOC}). Claim the number before you rely on calls.`,
    );
  }
  const mobiles = callees.filter((c) => c.phone !== undefined && JAPANESE_MOBILE_RE.test(c.phone));
  if (mobiles.length > 0) {
    warnings.push(
      `Japanese mobiles: ${mobiles.length} contact(s) called by voice (${mobiles.map((c) => c.alias).join(", ")}) have a Japanese mobile number (+81 70/80/90), which Amazon Connect may not call by default; open an AWS Support case (Connect (Number Management), Country Allowlisting for Outbound Calls) and test a call before relying on it (${CONNECT_COUNTRY_ALLOWLIST_DOC}).`,
    );
  }
  return warnings;
}

// ---------------------------------------------------------------------------------------------
// Working hours (issue 13): each calendar and what each level with `outsideHours` does
// ---------------------------------------------------------------------------------------------

/** How many upcoming holidays and company-closed days the plan and the guide list. */
export const UPCOMING_CLOSURES = 5;

/** One calendar as the plan and the guide show it; instants as ISO strings. */
export interface CalendarFacts {
  readonly name: string;
  readonly timeZone: string;
  /** Weekly hours, e.g. `mon-fri 09:00-18:00`; days not listed are closed. */
  readonly hours: readonly string[];
  readonly holidays: readonly string[];
  readonly closed: readonly string[];
  /** The next holidays and company-closed dates from the plan's day on (local dates). */
  readonly nextClosed: readonly {
    readonly date: string;
    readonly ja: string;
    readonly en: string;
  }[];
  /** Whether the calendar is open at the plan's instant. */
  readonly openNow: boolean;
  /** The next opening at or after the plan's instant. */
  readonly opens: string;
  /** When that opening period closes, and the opening after it. */
  readonly closes: string;
  readonly reopens: string;
}

/** A level with `outsideHours`: its action in hours and outside them. */
export interface LevelHoursFacts {
  readonly level: string;
  readonly calendar: string;
  /** notify | defer | level */
  readonly then: "notify" | "defer" | "level";
  /** The level it is handled as outside hours (then: level). */
  readonly asLevel?: string;
  /** The level's own mode (what happens in hours). */
  readonly mode: LevelTimeline["mode"];
  /** The mode of the level it is handled as (then: level). */
  readonly asMode?: LevelTimeline["mode"];
}

/** A scheduled maintenance window and its next start (null: none within a year). */
export interface MaintenanceFacts {
  readonly alarms: readonly string[];
  readonly schedule: string;
  readonly timeZone: string;
  readonly minutes: number;
  readonly reason: string;
  readonly next: string | null;
}

export interface HoursFacts {
  readonly calendars: readonly CalendarFacts[];
  readonly levels: readonly LevelHoursFacts[];
  readonly maintenance: readonly MaintenanceFacts[];
}

/** What hoursFacts reads from the stack config (StackConfig fits). */
export interface HoursInput {
  readonly calendars?: Readonly<Record<string, unknown>>;
  readonly levels: Readonly<
    Record<string, { readonly outsideHours?: { readonly calendar: string; readonly then: string } }>
  >;
  readonly maintenance?: readonly Omit<MaintenanceFacts, "next">[];
}

function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

/** The weekly hours of a calendar, consecutive days with the same ranges as one `mon-fri`. */
export function weeklyHours(calendar: Calendar): string[] {
  const key = (d: number) =>
    calendar.week[d]!.map((r) => `${hhmm(r.start)}-${hhmm(r.end)}`).join(", ");
  const out: string[] = [];
  for (let d = 0; d < 7;) {
    let e = d;
    while (e + 1 < 7 && key(e + 1) === key(d)) e++;
    if (key(d) !== "") out.push(`${DAYS[d]}${e > d ? `-${DAYS[e]}` : ""} ${key(d)}`);
    d = e + 1;
  }
  return out;
}

/**
 * The calendars of the stack and the levels that use them, at the plan's instant `now`: every
 * date and instant comes from handlers/shared/calendar.ts (the router's own code), holidays from
 * its library. Calendars that do not parse are left out (the config check reports them).
 */
export function hoursFacts(
  cfg: HoursInput,
  modes: Readonly<Record<string, LevelTimeline["mode"]>>,
  now: Date,
): HoursFacts {
  const calendars: CalendarFacts[] = [];
  for (const [name, raw] of Object.entries(cfg.calendars ?? {})) {
    const { calendar } = parseCalendar(raw, now);
    if (calendar === undefined) continue;
    const opens = nextOpening(calendar, now);
    const local = localTime(opens, calendar.timeZone);
    const range = calendar.week[local.day]!.find(
      (r) => local.minutes >= r.start && local.minutes < r.end,
    )!;
    const closes = fromLocal(local.date, range.end, calendar.timeZone);
    calendars.push({
      name,
      timeZone: calendar.timeZone,
      hours: weeklyHours(calendar),
      holidays: calendar.holidays.map((h) => {
        const { first, last } = holidayYears();
        return h === "jp"
          ? `jp (Japanese national and substitute holidays, @holiday-jp/holiday_jp ${first}-${last})`
          : h;
      }),
      closed: [...calendar.closed],
      nextClosed: upcomingClosures(calendar, now, UPCOMING_CLOSURES).map((c) => ({ ...c })),
      openNow: isOpen(calendar, now),
      opens: opens.toISOString(),
      closes: closes.toISOString(),
      reopens: nextOpening(calendar, closes).toISOString(),
    });
  }
  const levels: LevelHoursFacts[] = [];
  for (const [level, l] of Object.entries(cfg.levels)) {
    const o = l.outsideHours;
    if (o === undefined) continue;
    const mode = modes[level] ?? "notify";
    levels.push(
      o.then === "notify" || o.then === "defer"
        ? { level, calendar: o.calendar, then: o.then, mode }
        : {
            level,
            calendar: o.calendar,
            then: "level",
            asLevel: o.then,
            mode,
            asMode: modes[o.then] ?? "notify",
          },
    );
  }
  // The next start of each window, by the router's own cron evaluator (schedule.ts nextFiring).
  const maintenance: MaintenanceFacts[] = (cfg.maintenance ?? []).map((w) => {
    const cron = parseCron(w.schedule);
    const next = typeof cron === "string" ? undefined : nextFiring(cron, w.timeZone, now);
    return {
      alarms: [...w.alarms],
      schedule: w.schedule,
      timeZone: w.timeZone,
      minutes: w.minutes,
      reason: w.reason,
      next: next?.toISOString() ?? null,
    };
  });
  return { calendars, levels, maintenance };
}

/** `2026-12-28 (Mon) 09:00` in the time zone. */
export function localStamp(iso: string, timeZone: string): string {
  const t = localTime(new Date(iso), timeZone);
  return `${t.date} (${WEEKDAYS_EN[t.day]}) ${hhmm(t.minutes)}`;
}

const WEEKDAYS_EN = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

function modeText(mode: LevelTimeline["mode"]): string {
  return mode === "incident"
    ? "opens an incident"
    : mode === "engage"
      ? "engages directly"
      : "notifies only, pages nobody";
}

/** What a level with outsideHours does outside hours, in words (the plan's line). */
export function outsideHoursText(l: LevelHoursFacts): string {
  if (l.then === "notify") return "notify: Slack and webhooks only, pages nobody";
  if (l.then === "level") return `as level ${l.asLevel} (${modeText(l.asMode ?? "notify")})`;
  return l.mode === "notify"
    ? "defer: nothing to page later (the level pages nobody); Slack and webhooks only"
    : "defer: Slack now; paged at the next opening if still in ALARM";
}

/** The plan's text section on working hours; empty without calendars. */
export function renderHoursLines(h: HoursFacts, st: Style = PLAIN): string[] {
  const maint: string[] = [];
  for (const m of h.maintenance) {
    const next =
      m.next === null
        ? "no start within a year"
        : `next ${localStamp(m.next, m.timeZone)}-${localStamp(new Date(Date.parse(m.next) + m.minutes * 60_000).toISOString(), m.timeZone).slice(-5)}`;
    maint.push(
      `  maintenance ${m.alarms.join(", ")} (${m.reason}): ${m.schedule} ${m.timeZone}, ${m.minutes} min; ${next}; ALARMs go to Slack as silenced, one still in ALARM at the end is handled then`,
    );
  }
  if (h.calendars.length === 0 && h.levels.length === 0 && maint.length === 0) return [];
  const out: string[] = [st.bold("Working hours (outsideHours) and maintenance")];
  for (const c of h.calendars) {
    const tz = c.timeZone;
    out.push(`  calendar ${c.name} (${tz}): ${c.hours.join("; ")}; other days closed`);
    out.push(`    holidays: ${c.holidays.join(", ") || "none"}`);
    out.push(`    company closed: ${c.closed.join(", ") || "none"}`);
    out.push(
      `    next closed days: ${c.nextClosed.map((d) => `${d.date} ${d.ja} (${d.en})`).join(", ") || "none"}`,
    );
    out.push(
      c.openNow
        ? `    now: open until ${localStamp(c.closes, tz)}; then opens ${localStamp(c.reopens, tz)}`
        : `    now: closed; opens ${localStamp(c.opens, tz)}; after ${localStamp(c.closes, tz)} next opens ${localStamp(c.reopens, tz)}`,
    );
  }
  for (const l of h.levels) {
    out.push(`  ${st.bold(l.level)}  calendar ${l.calendar}`);
    out.push(`    in hours: ${modeText(l.mode)}`);
    out.push(`    outside hours: ${outsideHoursText(l)}`);
    const c = h.calendars.find((x) => x.name === l.calendar);
    if (l.then === "defer" && l.mode !== "notify" && c !== undefined) {
      // Closed now: an ALARM now waits for the next opening. Open now: one a minute after the
      // coming closing waits for the opening after it (calendar.ts nextOpening, both).
      const tz = c.timeZone;
      out.push(
        c.openNow
          ? `    e.g. an ALARM at ${localStamp(new Date(Date.parse(c.closes) + 60_000).toISOString(), tz)} is handled at ${localStamp(c.reopens, tz)}`
          : `    e.g. an ALARM now is handled at ${localStamp(c.opens, tz)}`,
      );
    }
  }
  out.push(...maint);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The pipeline's heartbeat (issue 13): how often it proves the path, and the bound of a page
// ---------------------------------------------------------------------------------------------

export interface HeartbeatFacts {
  readonly everyMinutes: number;
  /** A broken path pages within this many minutes of the last heartbeat (heartbeatTiming). */
  readonly pagesWithinMinutes: number;
  /** The level it pages (the most severe paging level); null when none pages. */
  readonly failSafeLevel: string | null;
}

/** The heartbeat's facts from the stack config (undefined without `heartbeat`). */
export function heartbeatFacts(cfg: {
  readonly heartbeat?: { readonly everyMinutes: number };
  readonly levels: Readonly<Record<string, { readonly impact: number; readonly page: boolean }>>;
}): HeartbeatFacts | undefined {
  if (cfg.heartbeat === undefined) return undefined;
  const { everyMinutes } = cfg.heartbeat;
  return {
    everyMinutes,
    pagesWithinMinutes: heartbeatTiming(everyMinutes).pagesWithinMinutes,
    failSafeLevel: failSafeLevel(cfg.levels) ?? null,
  };
}

/** The plan's text section on the heartbeat. */
export function renderHeartbeatLines(h: HeartbeatFacts, st: Style = PLAIN): string[] {
  return [
    st.bold("Heartbeat of the pipeline"),
    `  every ${h.everyMinutes} min a canary alarm's state change must reach the router (EventBridge → input transformer → queue → router)`,
    h.failSafeLevel === null
      ? `  a broken path is told in Slack within ${h.pagesWithinMinutes} min of the last heartbeat routed (no level pages)`
      : `  a broken path pages level ${h.failSafeLevel} within ${h.pagesWithinMinutes} min of the last heartbeat routed, by a path without the router (README, "Heartbeat of the pipeline")`,
  ];
}
