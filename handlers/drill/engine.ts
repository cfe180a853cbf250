/**
 * Drills on the step-functions backend, as pure functions (plain data in, plain data out): the
 * drill execution's StartExecution input, the observation the report reads (the incident item of
 * handlers/shared/incidentStore.ts → DrillObservation), the resolution and the StopExecution
 * input. The Incident Manager drill is handlers/drill/core.ts; the report is shared
 * (handlers/shared/drillReport.ts).
 *
 * How the engine tells a drill: the execution input's `alarmName` is `[DRILL] <level> paging
 * drill` (handlers/shared/messages.ts marks every page whose alarm starts with "[DRILL]"), and
 * the input carries `drill: true` for any reader of the execution history. The alarm names of a
 * stack are `<prefix>-<level>-<alarm>` (tools/timeline.ts names.alarm), so no real alarm starts
 * with "[DRILL]".
 */
import type { StartExecutionCommandInput, StopExecutionCommandInput } from "@aws-sdk/client-sfn";
import type { UpdateItemCommandInput } from "@aws-sdk/client-dynamodb";
import { executionName } from "../shared/executionName";
import type { EngineInput } from "../engine/protocol";
import type { DrillRefusal } from "./core";
import type { DrillObservation, PageObservation } from "../shared/drillReport";
import { resolveRequest, type Incident } from "../shared/incidentStore";

/** What the alarm name of every drill execution starts with (the pages' DRILL marker reads it). */
export const DRILL_ALARM_MARK = "[DRILL]";

/** The drill's alarm name in the execution input: `[DRILL] <level> paging drill`. */
export function drillAlarmName(level: string): string {
  return `${DRILL_ALARM_MARK} ${level} paging drill`;
}

/**
 * The drill execution's name, which is also its incident id: executionName over
 * `DRILL-<level>` and the run time (`DRILL-critical-20260302T010000000Z`). Names are unique per
 * state machine for 90 days, so one run cannot start two executions, and a name starting with
 * "DRILL-" marks the incident as a drill in `npm run incidents` and in the table.
 */
export function drillExecutionName(level: string, runAt: Date): string {
  return executionName(`DRILL-${level}`, runAt.toISOString());
}

/** The execution input: EngineInput (handlers/engine/protocol.ts) plus `drill: true`. */
export type DrillEngineInput = EngineInput & { readonly drill: true };

/**
 * StartExecution of the engine's state machine (Step Functions API reference, StartExecution:
 * `stateMachineArn` required, `name` 1-80 characters, `input` a JSON string).
 */
export function startExecutionInput(d: {
  readonly stateMachineArn: string;
  readonly level: string;
  readonly runAt: Date;
}): StartExecutionCommandInput {
  const name = drillExecutionName(d.level, d.runAt);
  const input: DrillEngineInput = {
    incidentId: name,
    level: d.level,
    alarmName: drillAlarmName(d.level),
    firedAt: d.runAt.toISOString(),
    drill: true,
  };
  return { stateMachineArn: d.stateMachineArn, name, input: JSON.stringify(input) };
}

/**
 * The observation buildDrillReport reads, from the incident item: one page per `paged` entry
 * (contact alias, channel, time); `delivered` / `delivery-failed` entries become DELIVERED /
 * ERROR receipts of the latest earlier page of the same contact and channel; `acknowledged`
 * becomes a READ receipt of that contact's latest page of the acknowledgement's channel (email,
 * sms, voice: a keypress on the call is `acknowledged` with channel voice), else of their latest
 * page (a contact who acknowledged without a page, from the CLI, gets one unsent page carrying
 * it). Channel "ARNs" are the channel names (email, sms, voice, link, cli): channelKind reads
 * email/sms/voice from them, and a link or CLI acknowledgement is reported over the channel of
 * the page it acknowledged. Each person's first page is their
 * engagement. Contacts are aliases; `detail` is a
 * machine-made code (incidentStore.ts), reduced to an error kind by the report.
 */
export function engineDrillObservation(
  incident: Incident | undefined,
  d: { readonly incidentId: string; readonly title: string; readonly startedAt: Date },
  now: Date,
): DrillObservation {
  const base = {
    incidentArn: d.incidentId,
    title: d.title,
    startedAt: d.startedAt.toISOString(),
    observedAt: now.toISOString(),
    engagements: [],
  };
  if (incident === undefined) return { ...base, pages: [] };
  type Mutable = { -readonly [K in keyof PageObservation]: PageObservation[K] } & {
    receipts: PageObservation["receipts"][number][];
    channel?: string;
  };
  const pages: Mutable[] = [];
  const latest = (contact: string, channel?: string): Mutable | undefined =>
    [...pages]
      .reverse()
      .find((p) => p.contactArn === contact && (channel === undefined || p.channel === channel));
  incident.timeline.forEach((e, i) => {
    if (e.contact === undefined) return;
    if (e.kind === "paged" && e.channel !== undefined) {
      pages.push({
        contactArn: e.contact,
        engagementArn: incident.id,
        pageArn: `${incident.id}#${i}`,
        sentAt: e.at,
        channel: e.channel,
        receipts: [{ type: "SENT", at: e.at, channelArn: e.channel }],
      });
    } else if (e.kind === "delivered" || e.kind === "delivery-failed") {
      const page = latest(e.contact, e.channel);
      if (page === undefined) return;
      const ok = e.kind === "delivered";
      page.receipts.push({
        type: ok ? "DELIVERED" : "ERROR",
        at: e.at,
        ...(e.channel !== undefined && { channelArn: e.channel }),
        ...(!ok && e.detail !== undefined && { info: e.detail }),
      });
      if (ok && page.deliveredAt === undefined) page.deliveredAt = e.at;
    } else if (e.kind === "acknowledged") {
      // A keypress is recorded with channel voice, a link with the channel its page came by
      // (fixed interface 3/4 of this round): the page of that channel, else the latest one.
      let page = (isPageChannel(e.channel) && latest(e.contact, e.channel)) || latest(e.contact);
      if (page === undefined) {
        page = {
          contactArn: e.contact,
          engagementArn: incident.id,
          pageArn: `${incident.id}#${i}`,
          receipts: [],
        };
        pages.push(page);
      }
      page.readAt = e.at;
      const via = isPageChannel(e.channel) ? e.channel : page.channel;
      page.receipts.push({ type: "READ", at: e.at, ...(via && { channelArn: via }) });
    }
  });
  // One engagement per person, when first paged: the report counts the distinct minutes at
  // which engagements started as the stages observed, as it does for Incident Manager.
  const engagements = pages.flatMap((p, i) =>
    p.sentAt !== undefined && pages.findIndex((q) => q.contactArn === p.contactArn) === i
      ? [{ contactArn: p.contactArn, engagementArn: incident.id, startedAt: p.sentAt }]
      : [],
  );
  return {
    ...base,
    engagements,
    pages: pages.map(({ channel: _channel, ...p }) => p),
  };
}

/** The channels a page goes out by (a timeline entry's channel may also be link or cli). */
const PAGE_CHANNELS: readonly string[] = ["email", "sms", "voice"];

function isPageChannel(channel: string | undefined): channel is string {
  return channel !== undefined && PAGE_CHANNELS.includes(channel);
}

/** True once the incident is no longer open (acknowledged, or resolved by someone else). */
export function engineDrillDone(incident: Incident | undefined): boolean {
  return incident !== undefined && incident.status !== "open";
}

/** Resolves the drill incident (conditional: only while open or acknowledged). */
export function drillResolveRequest(
  table: string,
  incidentId: string,
  now: Date,
): UpdateItemCommandInput {
  return resolveRequest(table, incidentId, { at: now, detail: "drill" });
}

/**
 * Stops the drill's execution, so nothing still pending pages after the report. Only
 * `executionArn`: "A caller can stop an execution without using any KMS permissions in the
 * execution role if the caller provides a null value for both error and cause fields" (Step
 * Functions API reference, StopExecution;
 * https://docs.aws.amazon.com/cli/latest/reference/stepfunctions/stop-execution.html), so the
 * drill needs no KMS permission whatever key the state machine encrypts with. The outcome is in
 * the report and on the incident's timeline (the resolve entry) instead.
 */
export function stopExecutionInput(executionArn: string): StopExecutionCommandInput {
  return { executionArn };
}

/**
 * The incident id of a drill execution: its name, the last segment of
 * `arn:aws:states:<region>:<account>:execution:<stateMachineName>:<executionName>` (service
 * authorization reference, AWS Step Functions resource types: execution).
 */
export function executionNameOf(executionArn: string): string {
  return executionArn.slice(executionArn.lastIndexOf(":") + 1);
}

/**
 * Checked before any call: whoever may invoke the drill function could name any execution, so a
 * report touches only executions of this stack's engine state machine
 * (`…:stateMachine:<name>` → `…:execution:<name>:<execution>`) whose name is a drill's
 * (drillExecutionName: `DRILL-…`; no alarm's execution starts so, as alarm names start with the
 * stack's prefix).
 */
export function engineExecutionRefusal(
  executionArn: string,
  stateMachineArn: string,
): DrillRefusal | undefined {
  const executions = `${stateMachineArn.replace(":stateMachine:", ":execution:")}:`;
  if (!executionArn.startsWith(executions) || executionArn.slice(executions.length).includes(":"))
    return "NOT_THIS_STACKS_ENGINE";
  return executionNameOf(executionArn).startsWith("DRILL-") ? undefined : "NOT_A_DRILL_EXECUTION";
}

/** Checked on the incident item: it must exist and carry this level's drill alarm name. */
export function engineIncidentRefusal(
  incident: Incident | undefined,
  level: string,
): DrillRefusal | undefined {
  if (incident === undefined) return "NO_INCIDENT_ITEM";
  return incident.alarmName === drillAlarmName(level) ? undefined : "NOT_A_DRILL_INCIDENT";
}
