/**
 * Pure drill report: turns what Incident Manager recorded about a [DRILL] incident (engagements,
 * pages, page receipts), or what the step-functions engine recorded in its incident table
 * (handlers/drill/engine.ts engineDrillObservation maps that to the same observation), into a
 * short report: the pages in time order, then per person which channels paged them and whether
 * they acknowledged. English or Japanese (responders read it in Slack and on the timeline). No I/O
 * and no SDK imports: it is bundled into the drill Lambda (scheduled drills) and used by
 * `npm run drill`.
 *
 * Acknowledgement in Incident Manager is a page receipt of type READ (AcceptPage with AcceptType
 * READ: the responder entered the code or pressed 1), which also sets the page's ReadTime.
 *
 * Per person, the report also says whether their phone call connected and was acknowledged by
 * keypress (DrillCallReport), in the words of the message catalogue (handlers/shared/messages.ts).
 *
 * Privacy: pages and receipts carry no addresses, but a receipt's ReceiptInfo may (it is free
 * text from the delivery provider). It is only ever reduced to a short error kind, never copied.
 */
import { message, type MessageKey, type MessageParams } from "./messages";

export type ReceiptType = "SENT" | "DELIVERED" | "READ" | "ERROR" | "STOP";

export interface PageReceiptObservation {
  readonly type: ReceiptType;
  /** ISO-8601 time of the receipt. */
  readonly at: string;
  readonly channelArn?: string;
  /** Free text from the provider; may contain an address. Never rendered. */
  readonly info?: string;
}

export interface PageObservation {
  readonly contactArn: string;
  readonly engagementArn: string;
  readonly pageArn: string;
  readonly sentAt?: string;
  readonly deliveredAt?: string;
  readonly readAt?: string;
  readonly receipts: readonly PageReceiptObservation[];
}

export interface EngagementObservation {
  readonly contactArn: string;
  readonly engagementArn: string;
  readonly startedAt?: string;
  readonly stoppedAt?: string;
}

export interface DrillObservation {
  readonly incidentArn: string;
  readonly title: string;
  /** When the incident was started (ISO-8601); every offset in the report is from here. */
  readonly startedAt: string;
  /** When this observation was taken (ISO-8601). */
  readonly observedAt: string;
  readonly engagements: readonly EngagementObservation[];
  readonly pages: readonly PageObservation[];
  /**
   * Optional: contact channel ARN → channel type or name ("EMAIL", "SMS", "VOICE", or a name such
   * as "sato-email"), e.g. from ssm-contacts ListContactChannels. Channel ARNs themselves do not
   * say what kind of channel they are.
   */
  readonly channels?: Readonly<Record<string, string>>;
}

export type ChannelKind = "email" | "sms" | "voice";

export interface DrillPageReport {
  readonly contact: string;
  /** email | sms | voice (several joined with "+"), when the receipts name a known channel. */
  readonly channel?: string;
  /** Seconds from the incident start; absent when unknown. */
  readonly sentAfterSeconds?: number;
  readonly deliveredAfterSeconds?: number;
  readonly readAfterSeconds?: number;
  /** Short error kinds from ERROR receipts (never the provider's text). */
  readonly errors: string[];
}

export type DrillOutcome = "acknowledged" | "not-acknowledged" | "errors";

/**
 * One person's phone calls in the drill: their pages with a receipt over a voice channel. On the
 * step-functions backend those receipts come from the incident table's timeline
 * (handlers/drill/engine.ts engineDrillObservation): `paged` (SENT), `delivered` with channel
 * voice (DELIVERED: Amazon Connect reported the call connected), `delivery-failed` with channel
 * voice (ERROR: no answer, busy, …) and `acknowledged` with channel voice (READ: 1, then 1 again,
 * recorded by the contact flow's Lambda). On Incident Manager they are the page receipts of a
 * VOICE contact channel (DELIVERED, ERROR, READ: pressed 1).
 */
export interface DrillCallReport {
  /** A call connected (a DELIVERED receipt over voice). */
  readonly connected: boolean;
  /** A call was acknowledged by keypress (a READ receipt over voice). */
  readonly acknowledged: boolean;
  /** Short error kinds of the calls that did not connect (never the provider's text). */
  readonly failures: string[];
}

/** One person paged in the drill. */
export interface DrillPersonReport {
  readonly contact: string;
  /** Channels that paged them (email, sms, voice), in the order first paged; unknown ones left out. */
  readonly channels: string[];
  /** Whether they read (acknowledged) any of their pages. */
  readonly acknowledged: boolean;
  /** Their phone calls, when any page went over voice. */
  readonly call?: DrillCallReport;
}

export interface DrillReport {
  readonly incidentArn: string;
  readonly startedAt: string;
  /** First READ (by time); afterSeconds is from the incident start. */
  readonly acknowledged: { contact: string; channel?: string; afterSeconds: number } | null;
  /** Sorted by send time (unsent pages last), then contact. */
  readonly pages: DrillPageReport[];
  /** Everybody with a page, in the order of their first page. */
  readonly people: DrillPersonReport[];
  /** Contacts with an engagement or a page, sorted, de-duplicated. */
  readonly engagedContacts: string[];
  /**
   * Distinct whole minutes (from the incident start) at which engagements started. An escalation
   * plan's own engagement and its first stage start in the same minute, so a drill acknowledged
   * in stage 1 observes 1 stage; one that reached stage 2 observes 2.
   */
  readonly stagesObserved: number;
  /**
   * acknowledged: someone read a page. errors: nobody did and at least one delivery failed.
   * not-acknowledged: nobody did and nothing failed.
   */
  readonly outcome: DrillOutcome;
}

/** Maximum incident title length (ssm-incidents StartIncident). */
export const MAX_TITLE_LENGTH = 200;

/**
 * What every drill title of `level` starts with: `[DRILL] <level> paging drill `. A drill report
 * resolves only incidents whose title starts with it (router drill.ts); level names of up to 64
 * characters (the router's limit) are never shortened, so drillTitle always keeps it.
 */
export function drillTitlePrefix(level: string): string {
  return `[DRILL] ${level} paging drill `;
}

/** "[DRILL] <level> paging drill <when>", cut to 200 characters (the level is shortened first). */
export function drillTitle(level: string, when: string): string {
  const fixed = `[DRILL]  paging drill ${when}`;
  const room = MAX_TITLE_LENGTH - fixed.length;
  const shownLevel = level.length <= room ? level : room > 1 ? `${level.slice(0, room - 1)}…` : "";
  const title = `[DRILL] ${shownLevel} paging drill ${when}`;
  return title.length <= MAX_TITLE_LENGTH ? title : `${title.slice(0, MAX_TITLE_LENGTH - 1)}…`;
}

/** True when any page was read (READ receipt or ReadTime): acknowledged in Incident Manager. */
export function isAcknowledged(obs: Pick<DrillObservation, "pages">): boolean {
  return obs.pages.some((p) => p.readAt !== undefined || p.receipts.some((r) => r.type === "READ"));
}

/**
 * The contact's alias from its ARN's last path segment (`…:contact/ie-prod-sato` → `ie-prod-sato`),
 * without `<prefix>-` when a prefix is given (→ `sato`).
 */
export function contactAlias(contactArn: string, prefix?: string): string {
  const slash = contactArn.lastIndexOf("/");
  const alias = slash >= 0 ? contactArn.slice(slash + 1) : contactArn;
  if (prefix && alias.startsWith(`${prefix}-`) && alias.length > prefix.length + 1) {
    return alias.slice(prefix.length + 1);
  }
  return alias;
}

/** email | sms | voice from a channel type ("EMAIL") or name ("sato-email"); undefined otherwise. */
export function channelKind(typeOrName: string | undefined): ChannelKind | undefined {
  if (typeOrName === undefined) return undefined;
  const m = /(?:^|[-_/\s])(email|sms|voice)$/i.exec(typeOrName.trim());
  return m ? (m[1].toLowerCase() as ChannelKind) : undefined;
}

/** A short, address-free kind for an ERROR receipt's provider text. */
export function errorKind(info: string | undefined): string {
  const text = info ?? "";
  if (/throttl|rate.?(limit|exceeded)|too many/i.test(text)) return "throttled";
  if (/not.?activated|not.?active|inactive|activation/i.test(text)) return "channel not activated";
  if (/opt(?:ed)?.?out|unsubscribe|blocked|blacklist|suppress/i.test(text)) return "opted out";
  if (/bounce/i.test(text)) return "bounced";
  if (/no.?answer|busy|unanswered|voicemail/i.test(text)) return "not answered";
  if (/invalid|malformed|unreachable|not.?valid/i.test(text)) return "invalid destination";
  return "delivery error";
}

function toMillis(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
}

function secondsFrom(startMs: number | undefined, iso: string | undefined): number | undefined {
  const ms = toMillis(iso);
  if (startMs === undefined || ms === undefined) return undefined;
  return Math.max(0, Math.round((ms - startMs) / 1000));
}

function minOf(values: (number | undefined)[]): number | undefined {
  let best: number | undefined;
  for (const v of values) if (v !== undefined && (best === undefined || v < best)) best = v;
  return best;
}

function kindOfChannel(
  obs: DrillObservation,
  channelArn: string | undefined,
): ChannelKind | undefined {
  if (channelArn === undefined) return undefined;
  const known = obs.channels?.[channelArn];
  return channelKind(known) ?? channelKind(channelArn);
}

export function buildDrillReport(
  obs: DrillObservation,
  contactNames: Readonly<Record<string, string>> = {},
  prefix?: string,
): DrillReport {
  const startMs = toMillis(obs.startedAt);
  const nameOf = (arn: string): string => contactNames[arn] ?? contactAlias(arn, prefix);

  let acknowledged: DrillReport["acknowledged"] = null;
  let hasErrors = false;
  const calls = new Map<
    string,
    { connected: boolean; acknowledged: boolean; failures: string[] }
  >();
  const pages = obs.pages.map((page): DrillPageReport => {
    const contact = nameOf(page.contactArn);
    const overVoice = page.receipts.filter((r) => kindOfChannel(obs, r.channelArn) === "voice");
    if (overVoice.length > 0) {
      const call = calls.get(contact) ?? { connected: false, acknowledged: false, failures: [] };
      calls.set(contact, call);
      if (overVoice.some((r) => r.type === "DELIVERED")) call.connected = true;
      if (overVoice.some((r) => r.type === "READ")) call.acknowledged = true;
      for (const r of overVoice.filter((x) => x.type === "ERROR")) {
        call.failures.push(errorKind(r.info));
      }
    }
    const kinds: ChannelKind[] = [];
    for (const r of page.receipts) {
      const k = kindOfChannel(obs, r.channelArn);
      if (k && !kinds.includes(k)) kinds.push(k);
    }
    const channel = kinds.length > 0 ? kinds.join("+") : undefined;
    const at = (type: ReceiptType): (string | undefined)[] =>
      page.receipts.filter((r) => r.type === type).map((r) => r.at);
    const earliest = (own: string | undefined, type: ReceiptType): number | undefined =>
      minOf([own, ...at(type)].map((t) => secondsFrom(startMs, t)));

    const errors = page.receipts.filter((r) => r.type === "ERROR").map((r) => errorKind(r.info));
    if (errors.length > 0) hasErrors = true;

    const readAfterSeconds = earliest(page.readAt, "READ");
    const read = isAcknowledged({ pages: [page] });
    if (read) {
      const afterSeconds = readAfterSeconds ?? 0;
      if (acknowledged === null || afterSeconds < acknowledged.afterSeconds) {
        const readReceipt = page.receipts.find((r) => r.type === "READ");
        const readChannel = kindOfChannel(obs, readReceipt?.channelArn) ?? channel;
        acknowledged = {
          contact,
          ...(readChannel !== undefined ? { channel: readChannel } : {}),
          afterSeconds,
        };
      }
    }
    const sentAfterSeconds = earliest(page.sentAt, "SENT");
    const deliveredAfterSeconds = earliest(page.deliveredAt, "DELIVERED");
    return {
      contact,
      ...(channel !== undefined ? { channel } : {}),
      ...(sentAfterSeconds !== undefined ? { sentAfterSeconds } : {}),
      ...(deliveredAfterSeconds !== undefined ? { deliveredAfterSeconds } : {}),
      ...(readAfterSeconds !== undefined ? { readAfterSeconds } : {}),
      errors,
    };
  });

  pages.sort((a, b) => {
    const sa = a.sentAfterSeconds ?? Number.POSITIVE_INFINITY;
    const sb = b.sentAfterSeconds ?? Number.POSITIVE_INFINITY;
    if (sa !== sb) return sa < sb ? -1 : 1;
    return a.contact < b.contact ? -1 : a.contact > b.contact ? 1 : 0;
  });

  const people = new Map<string, { channels: string[]; acknowledged: boolean }>();
  for (const p of pages) {
    const person = people.get(p.contact) ?? { channels: [], acknowledged: false };
    people.set(p.contact, person);
    for (const k of (p.channel ?? "").split("+")) {
      if (k !== "" && !person.channels.includes(k)) person.channels.push(k);
    }
    if (p.readAfterSeconds !== undefined) person.acknowledged = true;
  }

  const engaged = new Set<string>();
  for (const e of obs.engagements) engaged.add(nameOf(e.contactArn));
  for (const p of obs.pages) engaged.add(nameOf(p.contactArn));

  const minutes = new Set<number>();
  for (const e of obs.engagements) {
    const s = secondsFrom(startMs, e.startedAt);
    if (s !== undefined) minutes.add(Math.floor(s / 60));
  }

  const outcome: DrillOutcome =
    acknowledged !== null ? "acknowledged" : hasErrors ? "errors" : "not-acknowledged";
  return {
    incidentArn: obs.incidentArn,
    startedAt: obs.startedAt,
    acknowledged,
    pages,
    people: [...people].map(([contact, p]) => {
      const call = calls.get(contact);
      return { contact, ...p, ...(call !== undefined && { call }) };
    }),
    engagedContacts: [...engaged].sort(),
    stagesObserved: minutes.size,
    outcome,
  };
}

/** 102 → "1:42", 3725 → "62:05". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** Languages the report is written in. */
export type ReportLanguage = "en" | "ja";

/** Every text of the report, from the message catalogue (handlers/shared/messages.ts). */
function textsOf(lang: ReportLanguage) {
  const m = (key: MessageKey, params: MessageParams = {}) => message(key, lang, params);
  return {
    delivered: (d: string) => m("slack.drillText.delivered", { duration: d }),
    read: (d: string, acked: boolean) =>
      m(acked ? "slack.drillText.readAcknowledged" : "slack.drillText.read", { duration: d }),
    error: (e: string) => m("slack.drillText.error", { reason: e }),
    notRead: m("slack.drillText.notRead"),
    sent: (who: string) => m("slack.drillText.sent", { contact: who }),
    notSent: (who: string) => m("slack.drillText.notSent", { contact: who }),
    title: (arn: string) => m("slack.drillText.title", { incidentId: arn }),
    started: (at: string) => m("slack.drillText.started", { at }),
    acked: (who: string, t: string) =>
      m("slack.drillText.acknowledged", { contact: who, duration: t }),
    failed: m("slack.drillText.failed"),
    notAcked: m("slack.drillText.notAcknowledged"),
    engaged: (who: string, n: number) => m("slack.drillText.engaged", { contact: who, stage: n }),
    nobody: m("slack.drillText.nobody"),
    noPages: m("slack.drillText.noPages"),
    perPerson: m("slack.drillText.perPerson"),
    person: (who: string, via: string, acked: boolean) =>
      m(acked ? "slack.drillText.personAcknowledged" : "slack.drillText.personNotAcknowledged", {
        contact: who,
        channel: via,
      }),
    unknownChannel: m("slack.drillText.unknownChannel"),
  };
}

function pageLine(p: DrillPageReport, ackedThisPage: boolean, lang: ReportLanguage): string {
  const t = textsOf(lang);
  const at = p.sentAfterSeconds !== undefined ? `T+${formatDuration(p.sentAfterSeconds)}` : "T+?";
  const via = p.channel !== undefined ? ` (${p.channel})` : "";
  const sent = p.sentAfterSeconds ?? 0;
  const notes: string[] = [];
  if (p.deliveredAfterSeconds !== undefined) {
    notes.push(t.delivered(formatDuration(p.deliveredAfterSeconds - sent)));
  }
  if (p.readAfterSeconds !== undefined) {
    notes.push(t.read(formatDuration(p.readAfterSeconds - sent), ackedThisPage));
  }
  for (const e of p.errors) notes.push(t.error(e));
  if (p.readAfterSeconds === undefined && p.errors.length === 0) notes.push(t.notRead);
  const who = `${p.contact}${via}`;
  const verb = p.sentAfterSeconds !== undefined ? t.sent(who) : t.notSent(who);
  return `${at.padEnd(7)} ${verb} — ${notes.join(lang === "ja" ? "、" : ", ")}`;
}

/**
 * Plain-text/Markdown lines; contains aliases, channel kinds and times, never addresses. English
 * unless `language` is "ja" (the stack's `language`, which the step-functions backend reads).
 */
export function renderDrillReport(r: DrillReport, language: ReportLanguage = "en"): string {
  const t = textsOf(language);
  const lines: string[] = [];
  lines.push(t.title(r.incidentArn));
  lines.push(t.started(r.startedAt));
  if (r.acknowledged !== null) {
    const via = r.acknowledged.channel !== undefined ? ` (${r.acknowledged.channel})` : "";
    lines.push(
      t.acked(`${r.acknowledged.contact}${via}`, formatDuration(r.acknowledged.afterSeconds)),
    );
  } else if (r.outcome === "errors") {
    lines.push(t.failed);
  } else {
    lines.push(t.notAcked);
  }
  lines.push(
    t.engaged(
      r.engagedContacts.length > 0 ? r.engagedContacts.join(", ") : t.nobody,
      r.stagesObserved,
    ),
  );
  if (r.pages.length === 0) {
    lines.push(t.noPages);
  } else {
    let ackMarked = false;
    for (const p of r.pages) {
      const isAckPage =
        !ackMarked &&
        r.acknowledged !== null &&
        p.contact === r.acknowledged.contact &&
        p.readAfterSeconds === r.acknowledged.afterSeconds;
      if (isAckPage) ackMarked = true;
      lines.push(pageLine(p, isAckPage, language));
    }
    lines.push(t.perPerson);
    for (const person of r.people) {
      const via = person.channels.length > 0 ? person.channels.join(", ") : t.unknownChannel;
      lines.push(t.person(person.contact, via, person.acknowledged));
    }
    const called = r.people.filter((p) => p.call !== undefined);
    if (called.length > 0) {
      lines.push(message("slack.drillCalls.title", language));
      for (const person of called) lines.push(`  ${callLine(person, language)}`);
    }
  }
  return lines.join("\n");
}

/**
 * Whether the person's phone call connected and was acknowledged, from the message catalogue
 * (handlers/shared/messages.ts). A keypress proves the call connected even when Connect's
 * connection event has not reached the timeline yet.
 */
function callLine(person: DrillPersonReport, language: ReportLanguage): string {
  const call = person.call as DrillCallReport;
  const contact = person.contact;
  if (call.acknowledged) return message("slack.drillCall.acknowledged", language, { contact });
  if (call.connected) return message("slack.drillCall.connected", language, { contact });
  if (call.failures.length > 0) {
    const reason = [...new Set(call.failures)].join(", ");
    return message("slack.drillCall.notConnected", language, { contact, reason });
  }
  return message("slack.drillCall.noReport", language, { contact });
}
