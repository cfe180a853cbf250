/**
 * Pure core of the acknowledgement endpoint: parses the Lambda function URL request, decides what
 * a verified (or refused) token leads to, and renders the page. No I/O.
 *
 * Request and response follow the function URL payload (format version 2.0: `rawPath`,
 * `rawQueryString`, `headers` with lower-case names, `body`, `isBase64Encoded`,
 * `requestContext.http.method`; the response `{statusCode, headers, body}`),
 * https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-payloads.
 *
 * - GET `/ack/<incident>?t=<token>` shows the confirmation page with a POST form and changes
 *   nothing: mail scanners and link previews open every link in a message. (A scanner that also
 *   submits forms could acknowledge; nothing server-side can tell it from a person. The page
 *   needs no script, so a scanner that only renders pages changes nothing.)
 * - POST `/ack/<incident>` with the form field `t` acknowledges (conditional write: only an open
 *   incident, only by an essential contact); a second POST finds it acknowledged and shows
 *   "already acknowledged". A contact paged only by a stage that is not essential is recorded on
 *   the timeline once ("notEssential" page) and the escalation goes on
 *   (handlers/shared/incidentStore.ts acknowledgementRoute).
 * - A token that is malformed (400), forged or for another incident (403), expired (410), for a
 *   resolved incident (409) or for no incident (404) gets a page saying so and changes nothing.
 * Pages carry no personal data (no name, address, number or alias) and never the token except in
 * the form's hidden field; every text is HTML-escaped.
 */
import { createHash } from "node:crypto";
import {
  ACK_PATH,
  ACK_TOKEN_PARAM,
  type AckClaims,
  type AckVerification,
} from "../shared/ackToken";
import { acknowledgementRoute, INCIDENT_ID_PATTERN, type Incident } from "../shared/incidentStore";
import { isLanguage, message, type Language, type MessageKey } from "../shared/messages";
import { alarmText } from "../shared/untrustedText";

export class AckError extends Error {
  constructor(
    readonly code: "INVALID_CONFIG" | "INVALID_REQUEST" | "SECRET_UNAVAILABLE" | "INTERNAL",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "AckError";
  }
}

export interface AckConfig {
  /** INCIDENT_TABLE: the incident table's name. */
  readonly tableName: string;
  /** ALERTS_TOPIC_ARN: where the Slack note goes. */
  readonly alertsTopicArn: string;
  /** ACK_KEY_SECRET_ARN: the Secrets Manager secret holding the HMAC key. */
  readonly keySecretArn: string;
  /** LANGUAGE: the stack's language (pages of unreadable tokens, Slack). */
  readonly language: Language;
  /** CONTACT_LANGUAGES: JSON {alias: ja|en} for contacts whose language differs from LANGUAGE. */
  readonly contactLanguages: Readonly<Record<string, Language>>;
}

const ARN = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]+:\d{12}:\S+$/;
const TABLE = /^[A-Za-z0-9_.-]{3,255}$/;
const ALIAS = /^[a-z0-9_-]{1,64}$/;

function required(env: NodeJS.ProcessEnv, name: string, pattern: RegExp, what: string): string {
  const v = env[name];
  if (v === undefined || v === "") throw new AckError("INVALID_CONFIG", `${name} is not set`);
  if (!pattern.test(v)) throw new AckError("INVALID_CONFIG", `${name} is not ${what}`);
  return v;
}

/** Validates the environment; throws AckError naming the variable. */
export function parseEnv(env: NodeJS.ProcessEnv): AckConfig {
  const tableName = required(env, "INCIDENT_TABLE", TABLE, "a DynamoDB table name");
  const alertsTopicArn = required(env, "ALERTS_TOPIC_ARN", ARN, "an ARN");
  const keySecretArn = required(env, "ACK_KEY_SECRET_ARN", ARN, "an ARN");
  const language = env.LANGUAGE ?? "en";
  if (!isLanguage(language)) {
    throw new AckError("INVALID_CONFIG", `LANGUAGE: "${language}" is not ja or en`);
  }
  let parsed: unknown = {};
  if (env.CONTACT_LANGUAGES !== undefined && env.CONTACT_LANGUAGES !== "") {
    try {
      parsed = JSON.parse(env.CONTACT_LANGUAGES);
    } catch {
      throw new AckError("INVALID_CONFIG", "CONTACT_LANGUAGES is not JSON");
    }
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new AckError("INVALID_CONFIG", "CONTACT_LANGUAGES is not a JSON object");
  }
  const contactLanguages: Record<string, Language> = {};
  for (const [alias, lang] of Object.entries(parsed)) {
    if (!ALIAS.test(alias)) {
      throw new AckError(
        "INVALID_CONFIG",
        `CONTACT_LANGUAGES: key ${JSON.stringify(alias)} is not a contact alias`,
      );
    }
    if (!isLanguage(lang)) {
      throw new AckError("INVALID_CONFIG", `CONTACT_LANGUAGES.${alias} is not ja or en`);
    }
    contactLanguages[alias] = lang;
  }
  return { tableName, alertsTopicArn, keySecretArn, language, contactLanguages };
}

/** The part of a function URL request the endpoint reads. */
export interface AckRequest {
  readonly method: string;
  /** The incident id in the path, undefined when the path is not `/ack/<id>`. */
  readonly pathIncident: string | undefined;
  /** The token (GET: query `t`; POST: form field `t`), undefined when absent. */
  readonly token: string | undefined;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const MAX_BODY = 4096;
const PATH = new RegExp(`^${ACK_PATH}/([^/]+)/?$`);

/** Parses a function URL event; throws AckError("INVALID_REQUEST") when it is not one. */
export function parseRequest(event: unknown): AckRequest {
  if (!isObj(event) || !isObj(event.requestContext) || !isObj(event.requestContext.http)) {
    throw new AckError(
      "INVALID_REQUEST",
      "event is not a function URL request (no requestContext.http)",
    );
  }
  const method = event.requestContext.http.method;
  const rawPath = event.rawPath;
  if (typeof method !== "string" || typeof rawPath !== "string") {
    throw new AckError("INVALID_REQUEST", "event has no method or rawPath");
  }
  const m = PATH.exec(rawPath);
  const id = m?.[1];
  const pathIncident = id !== undefined && INCIDENT_ID_PATTERN.test(id) ? id : undefined;
  let token: string | undefined;
  if (method === "GET") {
    const q = typeof event.rawQueryString === "string" ? event.rawQueryString : "";
    token = new URLSearchParams(q).get(ACK_TOKEN_PARAM) ?? undefined;
  } else if (method === "POST") {
    const body = typeof event.body === "string" ? event.body : "";
    const text =
      event.isBase64Encoded === true ? Buffer.from(body, "base64").toString("utf8") : body;
    token =
      text.length > MAX_BODY
        ? undefined
        : (new URLSearchParams(text).get(ACK_TOKEN_PARAM) ?? undefined);
  }
  return { method, pathIncident, token };
}

/** Every page the endpoint can show. */
export type PageKind =
  | "confirm"
  | "confirmNotEssential"
  | "acknowledged"
  | "notEssential"
  | "already"
  | "resolved"
  | "expired"
  | "invalid"
  | "malformed"
  | "notFound"
  | "method"
  | "error";

export const PAGE_STATUS: Readonly<Record<PageKind, number>> = {
  confirm: 200,
  confirmNotEssential: 200,
  acknowledged: 200,
  notEssential: 200,
  already: 200,
  resolved: 409,
  expired: 410,
  invalid: 403,
  malformed: 400,
  notFound: 404,
  method: 405,
  error: 500,
};

/** What the handler does next for a request. */
export type Step =
  | { readonly kind: "page"; readonly page: PageKind; readonly claims?: AckClaims }
  | { readonly kind: "show"; readonly claims: AckClaims }
  | { readonly kind: "acknowledge"; readonly claims: AckClaims };

/**
 * The step for a request whose token was verified as `verification` (undefined: no token). A
 * token for another incident than the path's is refused like a forged one.
 */
export function decide(request: AckRequest, verification: AckVerification | undefined): Step {
  if (request.method !== "GET" && request.method !== "POST")
    return { kind: "page", page: "method" };
  if (request.pathIncident === undefined) return { kind: "page", page: "notFound" };
  if (verification === undefined) return { kind: "page", page: "malformed" };
  if (!verification.ok) {
    if (verification.reason === "expired") {
      if (verification.claims.incidentId !== request.pathIncident) {
        return { kind: "page", page: "invalid" };
      }
      return { kind: "page", page: "expired", claims: verification.claims };
    }
    return { kind: "page", page: verification.reason === "forged" ? "invalid" : "malformed" };
  }
  const { claims } = verification;
  if (claims.incidentId !== request.pathIncident) return { kind: "page", page: "invalid" };
  return request.method === "GET" ? { kind: "show", claims } : { kind: "acknowledge", claims };
}

/** The page a GET by `contact` shows for the incident as read (undefined: no such item). */
export function showPage(incident: Incident | undefined, contact: string): PageKind {
  const route = acknowledgementRoute(incident, contact);
  switch (route) {
    case "missing":
      return "notFound";
    case "resolved":
      return "resolved";
    case "acknowledged":
      return "already";
    case "acknowledge":
      return "confirm";
    case "note":
      return "confirmNotEssential";
    case "noted":
      return "notEssential";
  }
}

/** What the acknowledgement did (handlers/ack/adapters.ts acknowledge). */
export type AcknowledgeOutcome =
  /** Written: `essential` stopped the escalation, otherwise it was noted on the timeline. */
  | { readonly written: true; readonly essential: boolean; readonly incident: Incident }
  /** Nothing written; the item as it was (undefined: no such incident). */
  | { readonly written: false; readonly old: Incident | undefined };

/** The page after the acknowledgement. */
export function acknowledgePage(outcome: AcknowledgeOutcome): PageKind {
  if (outcome.written) return outcome.essential ? "acknowledged" : "notEssential";
  const old = outcome.old;
  if (old === undefined) return "notFound";
  if (old.status === "resolved") return "resolved";
  // Open and unchanged: a non-essential contact whose acknowledgement was already recorded.
  return old.status === "open" ? "notEssential" : "already";
}

/** The contact's language, else the stack's. */
export function pageLanguage(config: AckConfig, claims: AckClaims | undefined): Language {
  return (claims && config.contactLanguages[claims.contactAlias]) || config.language;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes the five characters that matter in HTML text and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** The one stylesheet; the CSP allows exactly this text by its hash, nothing inline else. */
export const PAGE_STYLE =
  "body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;line-height:1.5}" +
  "button{font-size:1.25rem;padding:.75rem 1.5rem}p.product{color:#555}";
const STYLE_HASH = createHash("sha256").update(PAGE_STYLE).digest("base64");

/**
 * Response headers of every page: a CSP allowing nothing but the page's own stylesheet and a form
 * posting to the same origin, not framable (`frame-ancestors 'none'`, and X-Frame-Options DENY
 * for older browsers), never cached (`no-store`: the page reflects the incident's state), no
 * Referer leaving the page (the URL carries the token), no MIME sniffing. No CORS header: no other
 * origin may read a response.
 */
export function pageHeaders(lang: Language): Record<string, string> {
  return {
    "content-type": "text/html; charset=utf-8",
    "content-language": lang,
    "content-security-policy": `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
  };
}

export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const TITLE: Readonly<Record<PageKind, MessageKey>> = {
  confirm: "page.confirm.title",
  confirmNotEssential: "page.confirm.title",
  acknowledged: "page.acknowledged.title",
  notEssential: "page.notEssential.title",
  already: "page.already.title",
  resolved: "page.resolved.title",
  expired: "page.expired.title",
  invalid: "page.invalid.title",
  malformed: "page.invalid.title",
  notFound: "page.notFound.title",
  method: "page.method.title",
  error: "page.error.title",
};
const BODY: Readonly<Record<PageKind, MessageKey>> = {
  confirm: "page.confirm.body",
  confirmNotEssential: "page.confirmNotEssential.body",
  acknowledged: "page.acknowledged.body",
  notEssential: "page.notEssential.body",
  already: "page.already.body",
  resolved: "page.resolved.body",
  expired: "page.expired.body",
  invalid: "page.invalid.body",
  malformed: "page.invalid.body",
  notFound: "page.notFound.body",
  method: "page.method.body",
  error: "page.error.body",
};

/** Alarm names shown on a page are cut to this many characters (inside their quotes). */
export const PAGE_ALARM_MAX = 120;

/** What a page may show of the incident: nothing personal. */
export interface PageFacts {
  readonly alarmName?: string;
  readonly alertLevel?: string;
  readonly openedAt?: string;
  /** When it was acknowledged (the "already" page) or now (the "acknowledged" page). */
  readonly at?: string;
}

function utc(iso: string | undefined): string {
  if (iso === undefined) return "?";
  // 2026-12-02T01:02:03.000Z → 2026-12-02 01:02
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(iso) ? iso.slice(0, 16).replace("T", " ") : "?";
}

/**
 * Renders a page. `form` (confirm pages only) is the incident id and token of the POST form: the
 * token goes back in a hidden field, never into a link, a log or another page.
 */
export function renderPage(
  page: PageKind,
  lang: Language,
  facts: PageFacts = {},
  form?: { readonly incidentId: string; readonly token: string },
): HttpResponse {
  const values = {
    alarm: alarmText(facts.alarmName ?? "?", PAGE_ALARM_MAX),
    level: facts.alertLevel ?? "?",
    openedAt: utc(facts.openedAt),
    at: utc(facts.at),
  };
  const title = escapeHtml(message(TITLE[page], lang));
  const body = escapeHtml(message(BODY[page], lang, values));
  const formHtml =
    (page === "confirm" || page === "confirmNotEssential") && form !== undefined
      ? `<form method="post" action="${escapeHtml(`${ACK_PATH}/${form.incidentId}`)}">` +
        `<input type="hidden" name="${ACK_TOKEN_PARAM}" value="${escapeHtml(form.token)}">` +
        `<button type="submit">${escapeHtml(message("page.confirm.button", lang))}</button></form>`
      : "";
  const html =
    `<!DOCTYPE html><html lang="${lang}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="robots" content="noindex, nofollow">` +
    `<title>${title}</title><style>${PAGE_STYLE}</style></head><body>` +
    `<p class="product">${escapeHtml(message("page.product", lang))}</p>` +
    `<h1 id="title" data-page="${page}">${title}</h1><p id="message">${body}</p>${formHtml}</body></html>`;
  const headers = pageHeaders(lang);
  return {
    statusCode: PAGE_STATUS[page],
    headers: page === "method" ? { ...headers, allow: "GET, POST" } : headers,
    body: html,
  };
}

/** The facts of an incident a page may show. */
export function pageFacts(incident: Incident | undefined, at?: string): PageFacts {
  if (incident === undefined) return {};
  return {
    alarmName: incident.alarmName,
    alertLevel: incident.alertLevel,
    openedAt: incident.openedAt,
    ...(at !== undefined
      ? { at }
      : incident.acknowledgedAt !== undefined
        ? { at: incident.acknowledgedAt }
        : {}),
  };
}

/** Chatbot's limits are generous; a long alarm name stays well within them. */
const SLACK_ALARM_MAX = 200;

/**
 * The Slack note that an incident was acknowledged (`essential`: the escalation stopped) or that a
 * non-essential target acknowledged (it goes on): an AWS Chatbot custom notification in the same
 * format handlers/router/drill.ts sends (version 1.0, source custom, client-markdown). The alarm
 * name is untrusted text: quoted, markup defused. `channel` "cli" is `npm run ack` (cli/ack.ts).
 */
export function acknowledgedNotification(
  lang: Language,
  incident: Incident,
  ack: { readonly contact: string; readonly channel: string; readonly essential: boolean },
  at: string,
): string {
  const params = {
    incidentId: incident.id,
    alarm: alarmText(incident.alarmName, SLACK_ALARM_MAX),
    level: incident.alertLevel,
    contact: ack.contact,
    channel: ack.channel,
    at: utc(at),
  };
  const text: MessageKey = !ack.essential
    ? "slack.notEssential.text"
    : ack.channel === "cli"
      ? "slack.acknowledgedByCli.text"
      : "slack.acknowledged.text";
  return JSON.stringify({
    version: "1.0",
    source: "custom",
    content: {
      textType: "client-markdown",
      title: message(
        ack.essential ? "slack.acknowledged.title" : "slack.notEssential.title",
        lang,
        params,
      ),
      description: message(text, lang, params),
    },
  });
}
