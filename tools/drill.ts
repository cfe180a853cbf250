/**
 * The paging drill behind `npm run drill` (cli/drill.ts parses the command line).
 *
 * A paging drill: starts a real, clearly marked [DRILL] incident through the level's response
 * plan, watches the engagements, pages and page receipts until someone acknowledges (a READ
 * receipt) or the timeout passes, prints a report, records it on the incident's timeline,
 * resolves the incident and stops the engagements still running. `--dry-run` prints the expected timeline offline (no AWS calls).
 *
 * Exit codes: 0 acknowledged (or dry run / help), 1 nobody acknowledged before the timeout,
 * 2 usage, config, credential or AWS errors (including a drill that could not be resolved),
 * 130 interrupted with Ctrl-C (the report is still recorded and the incident resolved).
 *
 * Layout: pure core (level checks, request inputs, progress lines, report
 * payload) first, then the I/O (`drill`), which receives its clients, clock and sleep.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import {
  ListContactChannelsCommand,
  ListEngagementsCommand,
  ListPageReceiptsCommand,
  ListPagesByEngagementCommand,
  SSMContactsClient,
  StopEngagementCommand,
  type StopEngagementCommandInput,
} from "@aws-sdk/client-ssm-contacts";
import {
  CreateTimelineEventCommand,
  ListResponsePlansCommand,
  SSMIncidentsClient,
  StartIncidentCommand,
  UpdateIncidentRecordCommand,
  type CreateTimelineEventCommandInput,
  type StartIncidentCommandInput,
  type UpdateIncidentRecordCommandInput,
} from "@aws-sdk/client-ssm-incidents";
import { ConfigError, ownValue, type StackConfig } from "../config/schema";
import {
  buildDrillReport,
  channelKind,
  contactAlias,
  drillTitle,
  errorKind,
  formatDuration,
  isAcknowledged,
  renderDrillReport,
  type DrillObservation,
  type DrillReport,
  type EngagementObservation,
  type PageObservation,
  type PageReceiptObservation,
} from "../handlers/shared/drillReport";
import { AwsCallError, awsCall, classifyAwsError, describeAwsError } from "./awsErrors";
import { loadStackConfigFile } from "./stackFile";
import { timelineLines } from "./planReport";
import { buildTimeline, type LevelTimeline } from "./timeline";

/** `triggerDetails.source` of drill incidents (≤ 50 chars, must not start with "aws."). */
export const DRILL_SOURCE = "incident-escalation.drill";
/** `eventType` of the timeline event holding the report. */
export const REPORT_EVENT_TYPE = "Custom Event";
/** Limit of CreateTimelineEvent `eventData`. */
export const MAX_EVENT_DATA = 12000;

export const DEFAULTS = { timeoutMinutes: 30, intervalSeconds: 20 } as const;

export type ExitCode = 0 | 1 | 2 | 130;

// ---------------------------------------------------------------------------------------------
// Pure core

/** The command line of `npm run drill` (cli/drill.ts). */
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

/** clientToken of the drill's StartIncident: the same for retries within a run, new per run. */
export function drillClientToken(prefix: string, level: string, startedAt: Date): string {
  return `drill-${prefix}-${level}`.slice(0, 100) + `-${startedAt.getTime()}`;
}

export function startIncidentInput(p: {
  readonly responsePlanArn: string;
  readonly title: string;
  readonly impact: number;
  readonly stack: string;
  readonly level: string;
  readonly startedAt: Date;
  readonly clientToken: string;
}): StartIncidentCommandInput {
  return {
    clientToken: p.clientToken,
    responsePlanArn: p.responsePlanArn,
    title: p.title,
    impact: p.impact,
    triggerDetails: {
      source: DRILL_SOURCE,
      timestamp: p.startedAt,
      rawData: JSON.stringify({ drill: true, stack: p.stack, level: p.level }),
    },
  };
}

/** The report as timeline-event data: JSON, ≤ 12000 characters (pages dropped if needed). */
export function reportEventData(level: string, r: DrillReport): string {
  const short = {
    drill: true,
    level,
    outcome: r.outcome,
    acknowledged: r.acknowledged,
    stagesObserved: r.stagesObserved,
    engagedContacts: r.engagedContacts,
  };
  const full = JSON.stringify({ ...short, pages: r.pages });
  if (full.length <= MAX_EVENT_DATA) return full;
  const trimmed = JSON.stringify({ ...short, engagedContacts: [], pages: r.pages.length });
  return trimmed.length <= MAX_EVENT_DATA
    ? trimmed
    : JSON.stringify({ drill: true, outcome: r.outcome });
}

export function timelineEventInput(
  incidentArn: string,
  level: string,
  r: DrillReport,
  at: Date,
  clientToken: string,
): CreateTimelineEventCommandInput {
  return {
    clientToken: `${clientToken}-report`,
    incidentRecordArn: incidentArn,
    eventTime: at,
    eventType: REPORT_EVENT_TYPE,
    eventData: reportEventData(level, r),
  };
}

export function resolveInput(
  incidentArn: string,
  clientToken: string,
): UpdateIncidentRecordCommandInput {
  return { arn: incidentArn, status: "RESOLVED", clientToken: `${clientToken}-resolve` };
}

/**
 * StopEngagement inputs for the engagements still running when the drill ends, so an
 * interrupted or shortened drill does not go on paging (escalation plan first, so no further
 * stage starts).
 */
export function stopInputs(obs: DrillObservation, reason: string): StopEngagementCommandInput[] {
  const escalationFirst = (arn: string) => (/-escalation$/.test(contactAlias(arn)) ? 0 : 1);
  return obs.engagements
    .filter((e) => e.stoppedAt === undefined)
    .map((e, i) => ({ e, i }))
    .sort((a, b) => escalationFirst(a.e.contactArn) - escalationFirst(b.e.contactArn) || a.i - b.i)
    .map(({ e }) => ({ EngagementId: e.engagementArn, Reason: reason.slice(0, 255) }));
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
  /** Creates the SDK clients, once, only for a real run. */
  readonly clients: (region: string | undefined) => DrillClients;
  /** Aborted on Ctrl-C. */
  readonly signal: AbortSignal;
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

async function paginate<T>(
  fetch: (token: string | undefined) => Promise<{ items: T[]; next?: string }>,
): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const { items, next } = await fetch(token);
    all.push(...items);
    token = next;
  } while (token);
  return all;
}

const iso = (d: Date | undefined): string | undefined => d?.toISOString();

/** channel ARN → type, per contact; filled lazily, failures warned about once and retried. */
export interface ChannelCache {
  readonly byContact: Map<string, Record<string, string>>;
  readonly warned: Set<string>;
}

/** One poll: engagements of the incident, their pages, the pages' receipts, channel types. */
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
  const engagementList = await paginate(async (token) => {
    const res = await awsCall("ssm-contacts:ListEngagements", () =>
      contacts.send(
        new ListEngagementsCommand({
          IncidentId: p.incidentArn,
          ...(token ? { NextToken: token } : {}),
        }),
      ),
    );
    return { items: res.Engagements ?? [], next: res.NextToken };
  });
  const engagements: EngagementObservation[] = engagementList
    .filter((e) => e.EngagementArn && e.ContactArn)
    .map((e) => ({
      contactArn: e.ContactArn as string,
      engagementArn: e.EngagementArn as string,
      ...(e.StartTime ? { startedAt: e.StartTime.toISOString() } : {}),
      ...(e.StopTime ? { stoppedAt: e.StopTime.toISOString() } : {}),
    }));

  const pages: PageObservation[] = [];
  for (const e of engagements) {
    const pageList = await paginate(async (token) => {
      const res = await awsCall("ssm-contacts:ListPagesByEngagement", () =>
        contacts.send(
          new ListPagesByEngagementCommand({
            EngagementId: e.engagementArn,
            ...(token ? { NextToken: token } : {}),
          }),
        ),
      );
      return { items: res.Pages ?? [], next: res.NextToken };
    });
    for (const page of pageList) {
      if (!page.PageArn) continue;
      const receiptList = await paginate(async (token) => {
        const res = await awsCall("ssm-contacts:ListPageReceipts", () =>
          contacts.send(
            new ListPageReceiptsCommand({
              PageId: page.PageArn,
              ...(token ? { NextToken: token } : {}),
            }),
          ),
        );
        return { items: res.Receipts ?? [], next: res.NextToken };
      });
      const receipts: PageReceiptObservation[] = receiptList
        .filter((r) => r.ReceiptType && r.ReceiptTime)
        .map((r) => ({
          type: r.ReceiptType as PageReceiptObservation["type"],
          at: (r.ReceiptTime as Date).toISOString(),
          ...(r.ContactChannelArn ? { channelArn: r.ContactChannelArn } : {}),
          ...(r.ReceiptInfo ? { info: r.ReceiptInfo } : {}),
        }));
      pages.push({
        contactArn: page.ContactArn ?? e.contactArn,
        engagementArn: page.EngagementArn ?? e.engagementArn,
        pageArn: page.PageArn,
        ...(page.SentTime ? { sentAt: iso(page.SentTime) } : {}),
        ...(page.DeliveryTime ? { deliveredAt: iso(page.DeliveryTime) } : {}),
        ...(page.ReadTime ? { readAt: iso(page.ReadTime) } : {}),
        receipts,
      });
    }
  }

  const channels: Record<string, string> = {};
  for (const contactArn of new Set(pages.map((pg) => pg.contactArn))) {
    let known = p.cache.byContact.get(contactArn);
    if (!known) {
      try {
        const list = await paginate(async (token) => {
          const res = await contacts.send(
            new ListContactChannelsCommand({
              ContactId: contactArn,
              ...(token ? { NextToken: token } : {}),
            }),
          );
          return { items: res.ContactChannels ?? [], next: res.NextToken };
        });
        // Only the ARN and type are kept: the channel's delivery address never leaves here.
        known = Object.fromEntries(
          list.flatMap((c) =>
            c.ContactChannelArn && c.Type ? [[c.ContactChannelArn, c.Type]] : [],
          ),
        );
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

  return {
    incidentArn: p.incidentArn,
    title: p.title,
    startedAt: p.startedAt.toISOString(),
    observedAt: p.now().toISOString(),
    engagements,
    pages,
    channels,
  };
}

/** Runs the drill; returns the exit code. All output goes through `io.out` / `io.err`. */
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
  const timeline = buildTimeline(cfg, opts.stack, started);
  const problem = levelProblem(cfg, timeline.levels, opts.stack, opts.level);
  if (problem) {
    io.err(`drill: ${problem}`);
    return 2;
  }
  const level = timeline.levels.find((l) => l.level === opts.level) as LevelTimeline;
  const prefix = timeline.prefix;
  const planName = level.responsePlan as string;
  const title = drillTitle(opts.level, titleTime(started));

  if (opts.dryRun) {
    io.out(renderDryRun(opts.stack, level, title));
    return 0;
  }

  // 2. Real run: find the response plan, confirm, start.
  const region = opts.region ?? stackRegion;
  const clients = io.clients(region);
  let planArn: string | undefined;
  try {
    planArn = await findResponsePlanArn(clients.incidents, planName);
  } catch (err: unknown) {
    io.err(`drill: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  if (!planArn) {
    io.err(
      `drill: no response plan named "${planName}" in ${region ?? "the default region"}. ` +
        `Deploy the stack (pulumi up --stack ${opts.stack}) or pass the right --region.`,
    );
    return 2;
  }
  if (io.signal.aborted) {
    io.err("drill: interrupted before the drill started; nothing was created.");
    return 130;
  }
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
  const token = drillClientToken(prefix, opts.level, startedAt);
  let incidentArn: string;
  try {
    const res = await awsCall("ssm-incidents:StartIncident", () =>
      clients.incidents.send(
        new StartIncidentCommand(
          startIncidentInput({
            responsePlanArn: planArn as string,
            title,
            impact: level.impact,
            stack: opts.stack,
            level: opts.level,
            startedAt,
            clientToken: token,
          }),
        ),
      ),
    );
    if (!res.incidentRecordArn) throw new Error("StartIncident returned no incidentRecordArn");
    incidentArn = res.incidentRecordArn;
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

  // 3. Poll until acknowledged, timed out, interrupted or a non-retryable error.
  const deadline = startedAt.getTime() + opts.timeoutMinutes * 60_000;
  const cache: ChannelCache = { byContact: new Map(), warned: new Set() };
  const seen = new Set<string>();
  let last: DrillObservation = {
    incidentArn,
    title,
    startedAt: startedAt.toISOString(),
    observedAt: startedAt.toISOString(),
    engagements: [],
    pages: [],
  };
  let stopped: "acknowledged" | "timeout" | "interrupted" | "error" = "timeout";
  for (;;) {
    if (io.signal.aborted) {
      stopped = "interrupted";
      break;
    }
    try {
      last = await observe(clients, {
        incidentArn,
        title,
        startedAt,
        now: io.now,
        prefix,
        cache,
        warn: io.err,
      });
      for (const e of progressEvents(last, prefix)) {
        if (seen.has(e.key)) continue;
        seen.add(e.key);
        io.out(progressLine(e));
      }
    } catch (err: unknown) {
      const action = err instanceof AwsCallError ? err.action : "ssm-contacts:ListEngagements";
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
    const remaining = deadline - io.now().getTime();
    if (remaining <= 0) break;
    await io.sleep(Math.min(opts.intervalSeconds * 1000, remaining), io.signal);
  }
  if (stopped === "interrupted") {
    io.err("drill: interrupted; recording the report and resolving the drill incident.");
  } else if (stopped === "error") {
    io.err("drill: recording what was seen so far and resolving the drill incident.");
  } else if (stopped === "timeout") {
    io.out(`Nobody acknowledged within ${opts.timeoutMinutes} min.`);
  }

  // 4. Report, record, resolve (always, whatever stopped the polling).
  const report = buildDrillReport(last, {}, prefix);
  io.out("");
  io.out(renderDrillReport(report));
  io.out("");
  let awsFailure = stopped === "error";
  try {
    await awsCall("ssm-incidents:CreateTimelineEvent", () =>
      clients.incidents.send(
        new CreateTimelineEventCommand(
          timelineEventInput(incidentArn, opts.level, report, io.now(), token),
        ),
      ),
    );
    io.out("Report recorded on the incident timeline.");
  } catch (err: unknown) {
    awsFailure = true;
    io.err(`drill: the report was not recorded: ${(err as Error).message}`);
  }
  try {
    await awsCall("ssm-incidents:UpdateIncidentRecord", () =>
      clients.incidents.send(new UpdateIncidentRecordCommand(resolveInput(incidentArn, token))),
    );
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
      await awsCall("ssm-contacts:StopEngagement", () =>
        clients.contacts.send(new StopEngagementCommand(input)),
      );
      stoppedContacts.push(contactAlias(contactOf.get(input.EngagementId ?? "") ?? "", prefix));
    } catch (err: unknown) {
      io.err(`drill: warning: engagement not stopped: ${(err as Error).message}`);
    }
  }
  if (stoppedContacts.length > 0) {
    io.out(`Stopped engagements still running: ${stoppedContacts.join(", ")}.`);
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
