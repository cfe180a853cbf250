/**
 * `npm run drill -- --stack <name> --level <level> [--dry-run] [--yes] [--timeout <minutes>]
 *                  [--interval <seconds>] [--region <region>] [--help]`
 *
 * A paging drill, on either backend (the stack's `backend`):
 * - incident-manager: starts a real, clearly marked [DRILL] incident through the level's response
 *   plan, watches the engagements, pages and page receipts until someone acknowledges (a READ
 *   receipt) or the timeout passes, prints a report, records it on the incident's timeline,
 *   resolves the incident and stops the engagements still running;
 * - step-functions: starts a drill execution of the engine's state machine (`<prefix>-escalation`,
 *   found by ListStateMachines), watches its incident item in `<prefix>-incidents` (GetItem) until
 *   someone acknowledges or the timeout passes, prints the report, resolves the incident (a
 *   conditional UpdateItem) and stops the execution (drillEngine below).
 * `--dry-run` prints the expected timeline offline (no AWS calls) for both.
 *
 * Exit codes: 0 acknowledged (or dry run / help), 1 nobody acknowledged before the timeout,
 * 2 usage, config, credential or AWS errors (including a drill that could not be resolved),
 * 130 interrupted with Ctrl-C (the report is still recorded and the incident resolved).
 *
 * Layout: pure CLI logic (level checks, dry run, progress lines) first, then
 * the I/O (`drill`), which receives its clients, clock and sleep. The drill itself (request
 * inputs, listings, observation, report, timeline event, resolution, stops) is the module the
 * scheduled drills' Lambda runs too: handlers/drill/core.ts and handlers/drill/aws.ts.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { ListContactChannelsCommand, SSMContactsClient } from "@aws-sdk/client-ssm-contacts";
import { ListResponsePlansCommand, SSMIncidentsClient } from "@aws-sdk/client-ssm-incidents";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ListStateMachinesCommand, type SFNClient } from "@aws-sdk/client-sfn";
import { ConfigError, ownValue, type StackConfig } from "../config/schema";
import {
  MAX_LIST_REQUESTS,
  all,
  createTimelineEvent,
  direct,
  listDrillPages,
  startIncident,
  stopEngagement,
  updateIncident,
  type Call,
} from "../handlers/drill/aws";
import {
  drillObservation,
  drillReport,
  reportTimelineEvent,
  resolveInput,
  startIncidentInput,
  stopInputs,
} from "../handlers/drill/core";
import {
  drillExecutionName,
  drillResolveRequest,
  engineDrillDone,
  engineDrillObservation,
  startExecutionInput,
  stopExecutionInput,
} from "../handlers/drill/engine";
import {
  readIncident,
  resolveIncident,
  startExecution,
  stopExecution,
} from "../handlers/drill/engineAws";
import { incidentTableName, type Incident } from "../handlers/shared/incidentStore";
import {
  buildDrillReport,
  channelKind,
  contactAlias,
  drillTitle,
  renderDrillReport,
  errorKind,
  formatDuration,
  isAcknowledged,
  type DrillObservation,
} from "../handlers/shared/drillReport";
import { AwsCallError, awsCall, classifyAwsError, describeAwsError } from "./awsErrors";
import { loadStackConfigFile } from "./stackFile";
import { timelineLines } from "./planReport";
import { buildTimeline, type LevelTimeline, type Timeline } from "./timeline";
import { describeOverrideError, readStackOverrides, type OverrideClients } from "./override";

export const DEFAULTS = { timeoutMinutes: 30, intervalSeconds: 20 } as const;

export type ExitCode = 0 | 1 | 2 | 130;

// ---------------------------------------------------------------------------------------------
// Pure core

export interface DrillOptions {
  readonly stack: string;
  readonly level: string;
  readonly dryRun: boolean;
  readonly yes: boolean;
  readonly timeoutMinutes: number;
  readonly intervalSeconds: number;
  readonly region?: string;
}

/** Why `level` cannot be drilled, or undefined when it pages through a response plan. */
export function levelProblem(
  cfg: StackConfig,
  timeline: readonly LevelTimeline[],
  stack: string,
  level: string,
): string | undefined {
  const known = Object.keys(cfg.levels);
  const t = timeline.find((l) => l.level === level);
  // Own properties only: `--level constructor` must not find Object.prototype.constructor.
  const l = ownValue(cfg.levels, level);
  if (l === undefined || t === undefined) {
    return `no level "${level}" in stack "${stack}"; levels: ${known.join(", ") || "(none)"}`;
  }
  if (t.mode === "incident") return undefined;
  const instead =
    t.mode === "engage"
      ? `it engages ${(l.engage ?? []).join(", ")} directly (ssm-contacts ` +
        `StartEngagement from the router), without an incident`
      : `it only notifies (${notifyTargets(t)}); nobody is paged`;
  const paging = timeline.filter((l) => l.mode === "incident").map((l) => l.level);
  return (
    `level "${level}" does not page (page: false), so it has no response plan to drill: ` +
    `${instead}. Paging levels you can drill: ${paging.join(", ") || "none"}.`
  );
}

function notifyTargets(t: LevelTimeline): string {
  const out = [
    ...(t.notifies.slack ? ["Slack"] : []),
    ...(t.notifies.teams ? ["Teams"] : []),
    ...(t.notifies.webhooks.length > 0 ? [`webhooks ${t.notifies.webhooks.join(", ")}`] : []),
  ];
  return out.join(", ") || "nowhere";
}

/** The expected paging timeline of a level: the same T+<minutes> lines as `npm run plan`. */
export function renderExpectedTimeline(t: LevelTimeline): string[] {
  return timelineLines({ ...t, mode: "incident" }).map((line) => `  ${line}`);
}

/**
 * Before a real drill: who each rotation the level engages has on call now, and whether by an
 * override (read from the backend's store; Incident Manager and the engine apply the same ones
 * when they page), in the order the level engages them.
 */
export function renderOnCall(t: Timeline, level: LevelTimeline): string[] {
  const engaged = [
    ...new Set(
      level.events.flatMap((e) =>
        e.kind === "stage"
          ? e.targets.filter((x) => x.ref.startsWith("oncall:")).map((x) => x.ref.slice(7))
          : [],
      ),
    ),
  ];
  const rotations = engaged.flatMap((name) => t.rotations.filter((r) => r.name === name));
  if (rotations.length === 0) return [];
  return [
    "On call now, with the rotations' overrides:",
    ...rotations.map(
      (r) =>
        `  oncall:${r.name}: ${r.now.join(", ") || "nobody (not started)"}` +
        (r.override ? ` (override until ${r.override.until})` : ""),
    ),
  ];
}

/** Dry-run text: what a real drill of this level would do. */
export function renderDryRun(stack: string, t: LevelTimeline, title: string): string {
  return [
    `[DRILL] dry run — stack ${stack}, level ${t.level} (impact ${t.impact}); nothing is started`,
    `A real run starts an incident "${title}"`,
    `with response plan ${t.responsePlan}, which pages (stops when an essential target acknowledges):`,
    ...renderExpectedTimeline(t),
    "Acknowledge by entering the code from the email or SMS, or pressing 1 on the voice call.",
    "No AWS calls were made.",
  ].join("\n");
}

/** Minute-precision UTC time for the incident title: `2026-03-02T01:00Z`. */
export function titleTime(d: Date): string {
  return `${d.toISOString().slice(0, 16)}Z`;
}

/** One thing seen while polling, keyed so it is printed once. */
export interface ProgressEvent {
  readonly key: string;
  /** Seconds from the incident start. */
  readonly at: number;
  readonly text: string;
}

/** Pages sent, delivered, read and failed so far, in time order; never receipt text. */
export function progressEvents(obs: DrillObservation, prefix: string): ProgressEvent[] {
  const start = Date.parse(obs.startedAt);
  const secs = (iso: string | undefined): number => {
    const t = iso === undefined ? Number.NaN : Date.parse(iso);
    return Number.isFinite(t) && Number.isFinite(start) ? Math.max(0, (t - start) / 1000) : 0;
  };
  const kindOf = (arn: string | undefined): string | undefined =>
    arn === undefined ? undefined : channelKind(obs.channels?.[arn] ?? arn);
  const out: ProgressEvent[] = [];
  for (const page of obs.pages) {
    const who = contactAlias(page.contactArn, prefix);
    const sentReceipt = page.receipts.find((r) => r.type === "SENT");
    const sentKind = kindOf(sentReceipt?.channelArn ?? page.receipts[0]?.channelArn);
    const via = (k: string | undefined) => (k ? ` (${k})` : "");
    out.push({
      key: `${page.pageArn} page`,
      at: secs(page.sentAt ?? sentReceipt?.at ?? obs.observedAt),
      text: `page sent to ${who}${via(sentKind)}`,
    });
    for (const r of page.receipts) {
      const k = via(kindOf(r.channelArn));
      const text =
        r.type === "DELIVERED"
          ? `delivered to ${who}${k}`
          : r.type === "READ"
            ? `${who} acknowledged${k}`
            : r.type === "ERROR"
              ? `delivery to ${who}${k} failed: ${errorKind(r.info)}`
              : undefined;
      if (text) out.push({ key: `${page.pageArn} ${r.type} ${r.at}`, at: secs(r.at), text });
    }
  }
  return out
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.at - b.e.at || a.i - b.i)
    .map(({ e }) => e);
}

export function progressLine(e: ProgressEvent): string {
  return `${`T+${formatDuration(e.at)}`.padEnd(7)} ${e.text}`;
}

// ---------------------------------------------------------------------------------------------
// I/O

export interface DrillClients {
  readonly incidents: SSMIncidentsClient;
  readonly contacts: SSMContactsClient;
}

export interface EngineDrillClients {
  readonly sfn: SFNClient;
  readonly db: DynamoDBClient;
}

export interface DrillIO {
  /** Repository root (where Pulumi.<stack>.yaml lives). */
  readonly root: string;
  readonly now: () => Date;
  /** Waits `ms`, or less when `signal` aborts. */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Writes text (a line without its newline) to stdout / stderr. */
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Asks a yes/no question; false when the answer is not yes or nobody can answer. */
  readonly confirm: (question: string) => Promise<boolean>;
  /** Creates the SDK clients, once, only for a real run (backend incident-manager). */
  readonly clients: (region: string | undefined) => DrillClients;
  /** Creates the SDK clients, once, only for a real run (backend step-functions). */
  readonly engineClients?: (region: string | undefined) => EngineDrillClients;
  /** Aborted on Ctrl-C. */
  readonly signal: AbortSignal;
  /**
   * The clients a real run reads the rotations' overrides with before it starts (cli/drill.ts
   * gives the SDK's); absent: not read and not printed.
   */
  readonly overrideClients?: OverrideClients;
}

/** The response plan's ARN by name, from ListResponsePlans (paginated); never hand-built. */
export async function findResponsePlanArn(
  incidents: SSMIncidentsClient,
  name: string,
): Promise<string | undefined> {
  let nextToken: string | undefined;
  do {
    const res = await awsCall("ssm-incidents:ListResponsePlans", () =>
      incidents.send(
        new ListResponsePlansCommand({ maxResults: 100, ...(nextToken ? { nextToken } : {}) }),
      ),
    );
    const hit = (res.responsePlanSummaries ?? []).find((p) => p.name === name);
    if (hit) return hit.arn;
    nextToken = res.nextToken;
  } while (nextToken);
  return undefined;
}

/**
 * The state machine's ARN by name, from ListStateMachines (paginated: `maxResults` ≤ 1000,
 * `nextToken`; Step Functions API reference, ListStateMachines), at most MAX_LIST_REQUESTS
 * requests; never hand-built.
 */
export async function findStateMachineArn(
  client: SFNClient,
  name: string,
  call: Call = direct,
): Promise<string | undefined> {
  let next: { nextToken?: string } = {};
  for (let request = 0; request < MAX_LIST_REQUESTS; request++) {
    const out = await call("states:ListStateMachines", () =>
      client.send(new ListStateMachinesCommand({ maxResults: 100, ...next })),
    );
    const hit = (out.stateMachines ?? []).find((m) => m.name === name);
    if (hit?.stateMachineArn) return hit.stateMachineArn;
    if (out.nextToken === undefined || out.nextToken === "") return undefined;
    next = { nextToken: out.nextToken };
  }
  throw new Error(`ListStateMachines returned more than ${MAX_LIST_REQUESTS} pages of results`);
}

/**
 * Channel ARN → type (EMAIL, SMS, VOICE) of one contact (the CLI's progress lines name the
 * channel; the drill Lambda does not list channels). Only the ARN and type are kept: the
 * channel's delivery address never leaves this function.
 */
async function listChannelTypes(
  client: SSMContactsClient,
  contactArn: string,
  call: Call = direct,
): Promise<Record<string, string>> {
  const channels = await all(async (next) => {
    const out = await call("ssm-contacts:ListContactChannels", () =>
      client.send(new ListContactChannelsCommand({ ContactId: contactArn, ...next })),
    );
    return [out.ContactChannels ?? [], out.NextToken];
  });
  return Object.fromEntries(
    channels.flatMap((c) => (c.ContactChannelArn && c.Type ? [[c.ContactChannelArn, c.Type]] : [])),
  );
}

/** channel ARN → type, per contact; filled lazily, failures warned about once and retried. */
export interface ChannelCache {
  readonly byContact: Map<string, Record<string, string>>;
  readonly warned: Set<string>;
}

/**
 * One poll: engagements of the incident, their pages, the pages' receipts (handlers/drill/aws.ts,
 * bounded pagination, as the drill Lambda lists them) and the channel types of those paged.
 */
export async function observe(
  clients: DrillClients,
  p: {
    readonly incidentArn: string;
    readonly title: string;
    readonly startedAt: Date;
    readonly now: () => Date;
    readonly prefix: string;
    readonly cache: ChannelCache;
    readonly warn: (line: string) => void;
  },
): Promise<DrillObservation> {
  const { contacts } = clients;
  const listed = await listDrillPages(contacts, p.incidentArn, awsCall);
  const paged = new Set(
    listed.flatMap((l) =>
      l.pages.flatMap(({ page }) => page.ContactArn ?? l.engagement.ContactArn ?? []),
    ),
  );
  const channels: Record<string, string> = {};
  for (const contactArn of paged) {
    let known = p.cache.byContact.get(contactArn);
    if (!known) {
      try {
        known = await listChannelTypes(contacts, contactArn);
        p.cache.byContact.set(contactArn, known);
      } catch (err: unknown) {
        if (!p.cache.warned.has(contactArn)) {
          p.cache.warned.add(contactArn);
          p.warn(
            `warning: channel types of ${contactAlias(contactArn, p.prefix)} unknown for now: ` +
              describeAwsError(err, "ssm-contacts:ListContactChannels"),
          );
        }
        continue;
      }
    }
    Object.assign(channels, known);
  }
  return drillObservation(
    { incidentArn: p.incidentArn, title: p.title, startedAt: p.startedAt },
    listed,
    p.now(),
    channels,
  );
}

/** Runs the CLI; returns the exit code. All output goes through `io.out` / `io.err`. */
export async function drill(opts: DrillOptions, io: DrillIO): Promise<ExitCode> {
  // 1. Config, offline.
  const file = path.join(io.root, `Pulumi.${opts.stack}.yaml`);
  if (!existsSync(file)) {
    io.err(`drill: ${path.basename(file)}: no such stack config file (stack "${opts.stack}")`);
    return 2;
  }
  let cfg: StackConfig;
  let stackRegion: string | undefined;
  try {
    const loaded = loadStackConfigFile(file, opts.stack);
    const stackFile = loaded.stackFile;
    cfg = loaded.config;
    stackRegion = stackFile.config["aws:region"];
  } catch (err: unknown) {
    io.err(err instanceof ConfigError || err instanceof Error ? err.message : String(err));
    return 2;
  }
  const started = io.now();
  let timeline = buildTimeline(cfg, opts.stack, started);
  const problem = levelProblem(cfg, timeline.levels, opts.stack, opts.level);
  if (problem) {
    io.err(`drill: ${problem}`);
    return 2;
  }
  if (!opts.dryRun && io.overrideClients !== undefined && cfg.onCall.length > 0) {
    // Informational: the backends resolve overrides themselves when they page, so a failed
    // read is said and the drill goes on with the schedule's names.
    try {
      const overrides = await readStackOverrides(
        {
          backend: cfg.backend,
          prefix: timeline.prefix,
          rotations: cfg.onCall.map((r) => r.name),
          region: opts.region ?? stackRegion,
        },
        io.overrideClients,
        started,
      );
      timeline = buildTimeline(cfg, opts.stack, started, overrides);
    } catch (err: unknown) {
      io.err(
        `drill: the rotations' overrides could not be read (${describeOverrideError(err)}); who is on call below is the rotations' schedule, and the drill still pages whoever the backend has on call.`,
      );
    }
    for (const line of renderOnCall(
      timeline,
      timeline.levels.find((l) => l.level === opts.level)!,
    ))
      io.out(line);
  }
  const level = timeline.levels.find((l) => l.level === opts.level) as LevelTimeline;
  const prefix = timeline.prefix;
  const planName = level.responsePlan as string;
  const title = drillTitle(opts.level, titleTime(started));

  if (cfg.backend === "step-functions") {
    return drillEngine(opts, io, { cfg, level, prefix, title, started, stackRegion });
  }
  if (opts.dryRun) {
    io.out(renderDryRun(opts.stack, level, title));
    return 0;
  }

  const run = await startDrill(opts, io, { level, prefix, planName, title, stackRegion });
  if (typeof run === "number") return run;
  const { last, stopped } = await pollDrill(opts, io, run);
  const { awsFailure, acknowledged } = await finishDrill(io, run, last, stopped);
  if (awsFailure) return 2;
  if (stopped === "interrupted") return acknowledged ? 0 : 130;
  return acknowledged ? 0 : 1;
}

/** What a started drill carries into polling and the report. */
interface StartedDrill {
  readonly clients: DrillClients;
  readonly incidentArn: string;
  readonly startedAt: Date;
  readonly prefix: string;
  readonly title: string;
}

/**
 * What a real run drills (the response plan, or the engine's state machine): its ARN, or the exit
 * code when the lookup failed (2), found nothing (2) or the run was interrupted (130).
 */
async function findDrillTarget(
  find: () => Promise<string | undefined>,
  what: string,
  opts: DrillOptions,
  io: DrillIO,
  region: string | undefined,
): Promise<string | ExitCode> {
  let arn: string | undefined;
  try {
    arn = await find();
  } catch (err: unknown) {
    io.err(`drill: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  if (!arn) {
    io.err(
      `drill: no ${what} in ${region ?? "the default region"}. ` +
        `Deploy the stack (pulumi up --stack ${opts.stack}) or pass the right --region.`,
    );
    return 2;
  }
  if (io.signal.aborted) {
    io.err("drill: interrupted before the drill started; nothing was created.");
    return 130;
  }
  return arn;
}

/** 2. Real run: find the response plan, confirm, start; an exit code when it does not start. */
async function startDrill(
  opts: DrillOptions,
  io: DrillIO,
  ctx: {
    readonly level: LevelTimeline;
    readonly prefix: string;
    readonly planName: string;
    readonly title: string;
    readonly stackRegion: string | undefined;
  },
): Promise<StartedDrill | ExitCode> {
  const { level, prefix, planName, title, stackRegion } = ctx;
  const region = opts.region ?? stackRegion;
  const clients = io.clients(region);
  const planArn = await findDrillTarget(
    () => findResponsePlanArn(clients.incidents, planName),
    `response plan named "${planName}"`,
    opts,
    io,
    region,
  );
  if (typeof planArn === "number") return planArn;
  if (!opts.yes) {
    const question = [
      `This starts a REAL incident "${title}" (impact ${level.impact})`,
      `through ${planArn}${region ? ` in ${region}` : ""}. Real people are paged:`,
      ...renderExpectedTimeline(level),
      "Start the drill? [y/N] ",
    ].join("\n");
    if (!(await io.confirm(question))) {
      io.err("drill: not confirmed; nothing was started.");
      return 2;
    }
  }

  const startedAt = io.now();
  let incidentArn: string;
  try {
    incidentArn = await startIncident(
      clients.incidents,
      startIncidentInput({
        prefix,
        level: opts.level,
        impact: level.impact,
        responsePlanArn: planArn,
        title,
        runAt: startedAt,
      }),
      awsCall,
    );
  } catch (err: unknown) {
    io.err(`drill: ${err instanceof Error ? err.message : String(err)}`);
    io.err("drill: no incident was started.");
    return 2;
  }
  io.out(`[DRILL] started ${incidentArn}`);
  io.out(
    `Waiting up to ${opts.timeoutMinutes} min for an acknowledgement, polling every ` +
      `${opts.intervalSeconds}s. Ctrl-C stops waiting, records the report and resolves the incident.`,
  );
  return { clients, incidentArn, startedAt, prefix, title };
}

/**
 * Why polling stopped: someone acknowledged, the timeout passed, Ctrl-C, an AWS error that is not
 * worth retrying, or (step-functions) the incident was closed by someone else.
 */
type DrillStop = "acknowledged" | "timeout" | "interrupted" | "error" | "closed";

/** One backend's poll: the observation, and whether the drill is over without an acknowledgement. */
interface Observed {
  readonly observation: DrillObservation;
  readonly closed: boolean;
}

/**
 * The poll loop of both backends: `observe()` until acknowledged, closed, timed out, interrupted
 * or a non-retryable error (throttling and network errors are retried at the next poll); prints
 * each progress line once. `action` names the call an error without an AwsCallError came from.
 */
async function pollUntilDone(
  opts: DrillOptions,
  io: DrillIO,
  p: {
    readonly startedAt: Date;
    readonly prefix: string;
    readonly initial: DrillObservation;
    readonly action: string;
    readonly observe: () => Promise<Observed>;
  },
): Promise<{ readonly last: DrillObservation; readonly stopped: DrillStop }> {
  const deadline = p.startedAt.getTime() + opts.timeoutMinutes * 60_000;
  const seen = new Set<string>();
  let last = p.initial;
  let stopped: DrillStop = "timeout";
  for (;;) {
    if (io.signal.aborted) {
      stopped = "interrupted";
      break;
    }
    let closed = false;
    try {
      const observed = await p.observe();
      last = observed.observation;
      closed = observed.closed;
      for (const e of progressEvents(last, p.prefix)) {
        if (seen.has(e.key)) continue;
        seen.add(e.key);
        io.out(progressLine(e));
      }
    } catch (err: unknown) {
      const action = err instanceof AwsCallError ? err.action : p.action;
      const cause = err instanceof AwsCallError ? err.error : err;
      const kind = classifyAwsError(cause, action);
      if (kind === "throttled" || kind === "network") {
        io.err(`${describeAwsError(cause, action)}\nRetrying at the next poll.`);
      } else {
        io.err(`drill: polling stopped: ${describeAwsError(cause, action)}`);
        stopped = "error";
        break;
      }
    }
    if (isAcknowledged(last)) {
      stopped = "acknowledged";
      break;
    }
    if (closed) {
      stopped = "closed";
      break;
    }
    const remaining = deadline - io.now().getTime();
    if (remaining <= 0) break;
    await io.sleep(Math.min(opts.intervalSeconds * 1000, remaining), io.signal);
  }
  return { last, stopped };
}

/** 3. Poll until acknowledged, timed out, interrupted or a non-retryable error. */
async function pollDrill(
  opts: DrillOptions,
  io: DrillIO,
  run: StartedDrill,
): Promise<{ readonly last: DrillObservation; readonly stopped: DrillStop }> {
  const { clients, incidentArn, startedAt, prefix, title } = run;
  const cache: ChannelCache = { byContact: new Map(), warned: new Set() };
  const { last, stopped } = await pollUntilDone(opts, io, {
    startedAt,
    prefix,
    initial: {
      incidentArn,
      title,
      startedAt: startedAt.toISOString(),
      observedAt: startedAt.toISOString(),
      engagements: [],
      pages: [],
    },
    action: "ssm-contacts:ListEngagements",
    observe: async () => ({
      observation: await observe(clients, {
        incidentArn,
        title,
        startedAt,
        now: io.now,
        prefix,
        cache,
        warn: io.err,
      }),
      // Incident Manager: only an acknowledgement or the timeout ends a drill.
      closed: false,
    }),
  });
  if (stopped === "interrupted") {
    io.err("drill: interrupted; recording the report and resolving the drill incident.");
  } else if (stopped === "error") {
    io.err("drill: recording what was seen so far and resolving the drill incident.");
  } else if (stopped === "timeout") {
    io.out(`Nobody acknowledged within ${opts.timeoutMinutes} min.`);
  }
  return { last, stopped };
}

/**
 * 4. Report, record, resolve (always, whatever stopped the polling); 5. stop what is still paging.
 * Returns whether an AWS call failed, and the report's outcome.
 */
async function finishDrill(
  io: DrillIO,
  run: StartedDrill,
  last: DrillObservation,
  stopped: DrillStop,
): Promise<{ readonly awsFailure: boolean; readonly acknowledged: boolean }> {
  const { clients, incidentArn, prefix } = run;
  // 4. Report, record, resolve (always, whatever stopped the polling).
  const { report, text } = drillReport(last, prefix);
  io.out("");
  io.out(text);
  io.out("");
  let awsFailure = stopped === "error";
  try {
    await createTimelineEvent(
      clients.incidents,
      reportTimelineEvent(incidentArn, text, io.now()),
      awsCall,
    );
    io.out("Report recorded on the incident timeline.");
  } catch (err: unknown) {
    awsFailure = true;
    io.err(`drill: the report was not recorded: ${(err as Error).message}`);
  }
  try {
    await updateIncident(clients.incidents, resolveInput(incidentArn), awsCall);
    io.out("Drill incident resolved.");
  } catch (err: unknown) {
    awsFailure = true;
    io.err(
      `drill: the drill incident is still OPEN: ${(err as Error).message}\n` +
        `Resolve it in the Incident Manager console, or: aws ssm-incidents ` +
        `update-incident-record --arn ${incidentArn} --status RESOLVED`,
    );
  }

  // 5. Stop what is still paging (best effort: engagements also end with their plans).
  const contactOf = new Map(last.engagements.map((e) => [e.engagementArn, e.contactArn]));
  const stoppedContacts: string[] = [];
  for (const input of stopInputs(last, `[DRILL] finished (${report.outcome})`)) {
    try {
      await stopEngagement(clients.contacts, input, awsCall);
      stoppedContacts.push(contactAlias(contactOf.get(input.EngagementId ?? "") ?? "", prefix));
    } catch (err: unknown) {
      io.err(`drill: warning: engagement not stopped: ${(err as Error).message}`);
    }
  }
  if (stoppedContacts.length > 0) {
    io.out(`Stopped engagements still running: ${stoppedContacts.join(", ")}.`);
  }
  return { awsFailure, acknowledged: report.outcome === "acknowledged" };
}

// ---------------------------------------------------------------------------------------------
// Backend step-functions

/** Rounds after the first (the last stage's `repeat`, 0 when absent). */
function repeatOf(cfg: StackConfig): number {
  return cfg.escalation[cfg.escalation.length - 1]?.repeat ?? 0;
}

/** The expected timeline on the step-functions backend: the plan's lines, then what `repeat` does. */
export function renderEngineTimeline(t: LevelTimeline, repeat: number): string[] {
  const end = `T+${t.endsAt}`.padEnd(5);
  const last =
    repeat > 0
      ? `${end} nobody acknowledged: all stages run again (${repeat} more round${repeat === 1 ? "" : "s"} at most)`
      : `${end} nobody acknowledged: Slack is told, the escalation ends`;
  return [...timelineLines({ ...t, mode: "engage" }), last].map((line) => `  ${line}`);
}

/** Dry-run text on the step-functions backend. */
export function renderEngineDryRun(
  stack: string,
  t: LevelTimeline,
  p: { readonly stateMachine: string; readonly execution: string; readonly table: string },
  repeat: number,
): string {
  return [
    `[DRILL] dry run — stack ${stack}, level ${t.level} (backend step-functions); nothing is started`,
    `A real run starts execution ${p.execution} of state machine ${p.stateMachine}`,
    `(alarm "[DRILL] ${t.level} paging drill"; every page says DRILL), which pages (stops when an essential target acknowledges):`,
    ...renderEngineTimeline(t, repeat),
    "Acknowledge with the link in the e-mail or SMS.",
    `The drill watches incident ${p.execution} in ${p.table},`,
    "then reports, resolves the incident and stops the execution.",
    "No AWS calls were made.",
  ].join("\n");
}

/** A drill on the step-functions backend (dry run or real); returns the exit code. */
export async function drillEngine(
  opts: DrillOptions,
  io: DrillIO,
  c: {
    readonly cfg: StackConfig;
    readonly level: LevelTimeline;
    readonly prefix: string;
    readonly title: string;
    readonly started: Date;
    readonly stackRegion: string | undefined;
  },
): Promise<ExitCode> {
  // The component module loads @pulumi/aws; only this path needs its one name.
  const { engineNames } = await import("../components/engine/escalationEngine");
  const smName = engineNames.stateMachine(c.prefix);
  const table = incidentTableName(c.prefix);
  const repeat = repeatOf(c.cfg);
  const language = c.cfg.language;
  if (opts.dryRun) {
    const execution = drillExecutionName(opts.level, c.started);
    io.out(
      renderEngineDryRun(opts.stack, c.level, { stateMachine: smName, execution, table }, repeat),
    );
    return 0;
  }

  const region = opts.region ?? c.stackRegion;
  if (io.engineClients === undefined) {
    io.err("drill: no Step Functions / DynamoDB clients for backend step-functions");
    return 2;
  }
  const clients = io.engineClients(region);
  const smArn = await findDrillTarget(
    () => findStateMachineArn(clients.sfn, smName, awsCall),
    `state machine named "${smName}"`,
    opts,
    io,
    region,
  );
  if (typeof smArn === "number") return smArn;
  if (!opts.yes) {
    const question = [
      `This starts a REAL escalation "[DRILL] ${opts.level} paging drill"`,
      `through ${smArn}${region ? ` in ${region}` : ""}. Real people are paged:`,
      ...renderEngineTimeline(c.level, repeat),
      "Start the drill? [y/N] ",
    ].join("\n");
    if (!(await io.confirm(question))) {
      io.err("drill: not confirmed; nothing was started.");
      return 2;
    }
  }

  const startedAt = io.now();
  const start = startExecutionInput({
    stateMachineArn: smArn,
    level: opts.level,
    runAt: startedAt,
  });
  const id = start.name as string;
  let executionArn: string;
  try {
    executionArn = await startExecution(clients.sfn, start, awsCall);
  } catch (err: unknown) {
    io.err(`drill: ${err instanceof Error ? err.message : String(err)}`);
    io.err("drill: no execution was started.");
    return 2;
  }
  io.out(`[DRILL] started ${executionArn}`);
  io.out(
    `Waiting up to ${opts.timeoutMinutes} min for an acknowledgement, polling ${table} every ` +
      `${opts.intervalSeconds}s. Ctrl-C stops waiting, reports, resolves the incident and stops the execution.`,
  );

  const obsOf = (incident: Incident | undefined) =>
    engineDrillObservation(incident, { incidentId: id, title: c.title, startedAt }, io.now());
  const { last, stopped } = await pollUntilDone(opts, io, {
    startedAt,
    prefix: c.prefix,
    initial: obsOf(undefined),
    action: "dynamodb:GetItem",
    observe: async () => {
      const incident = await readIncident(clients.db, table, id, awsCall);
      return { observation: obsOf(incident), closed: engineDrillDone(incident) };
    },
  });
  if (stopped === "interrupted") {
    io.err(
      "drill: interrupted; reporting, resolving the drill incident and stopping the execution.",
    );
  } else if (stopped === "error") {
    io.err(
      "drill: reporting what was seen so far, resolving the drill incident and stopping the execution.",
    );
  } else if (stopped === "timeout") {
    io.out(`Nobody acknowledged within ${opts.timeoutMinutes} min.`);
  } else if (stopped === "closed") {
    io.out("The drill incident was resolved by someone else before anyone acknowledged.");
  }

  const report = buildDrillReport(last, {}, c.prefix);
  const text = renderDrillReport(report, language);
  io.out("");
  io.out(text);
  io.out("");
  let awsFailure = stopped === "error";
  try {
    const resolved = await resolveIncident(
      clients.db,
      drillResolveRequest(table, id, io.now()),
      awsCall,
    );
    io.out(
      resolved === "resolved"
        ? "Drill incident resolved."
        : "Drill incident not resolved: it was already resolved, or the engine never opened it.",
    );
  } catch (err: unknown) {
    awsFailure = true;
    io.err(
      `drill: the drill incident is still OPEN: ${(err as Error).message}\n` +
        `Resolve it with: npm run incidents -- --stack ${opts.stack} --resolve ${id}`,
    );
  }
  // Stop what is still pending (the engine also checks the incident's status before every page).
  try {
    await stopExecution(clients.sfn, stopExecutionInput(executionArn), awsCall);
    io.out("Drill execution stopped.");
  } catch (err: unknown) {
    io.err(`drill: warning: execution not stopped: ${(err as Error).message}`);
  }

  if (awsFailure) return 2;
  if (stopped === "interrupted") return report.outcome === "acknowledged" ? 0 : 130;
  return report.outcome === "acknowledged" ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// CLI wrapper

/** Waits `ms`, or until `signal` aborts. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
