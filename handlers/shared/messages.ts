/**
 * The message catalogue of the step-functions backend: every text a responder reads (e-mail, SMS,
 * Slack notes), in Japanese and English, in one place. A page is written in its recipient's
 * language; a Slack note in the stack's. tests/handlers/messages.spec.ts proves every key exists
 * in both languages.
 *
 * What a message may carry: the alarm (untrusted text, quoted and defused by the caller through
 * handlers/shared/untrustedText.ts alarmText), the level, the incident id, stage and round numbers,
 * contact aliases (Slack), and the recipient's own acknowledgement link. Never an address, a phone
 * number or another person's name.
 */
import type { Language } from "../engine/protocol";

export interface MessageParams {
  /** The alarm, already quoted and defused (alarmText). */
  readonly alarm: string;
  readonly level: string;
  readonly incidentId: string;
  /** The recipient's acknowledgement link (pages only). */
  readonly link?: string;
  /** Expiry of the link, ISO-8601 (pages only). */
  readonly linkExpires?: string;
  /** A contact alias (Slack notes only). */
  readonly contact?: string;
  /** A channel name (Slack notes only). */
  readonly channel?: string;
  /** 1-based stage (Slack notes only). */
  readonly stage?: number;
  /** 1-based round and the number of rounds (Slack notes only). */
  readonly round?: number;
  readonly rounds?: number;
  /** A machine-made reason: an error name (Slack notes only). */
  readonly reason?: string;
  /** Why alarms are silenced, as the operator wrote it (silenced notes only). */
  readonly silenceReason?: string;
  /** When the silence ends, ISO-8601 (silenced notes only). */
  readonly until?: string;
}

type Render = (p: MessageParams) => string;

const v = (x: string | number | undefined): string => (x === undefined ? "?" : String(x));

/** Every message, in every language. Keys: `<medium>.<what>`. */
export const MESSAGES = {
  "email.subject": {
    en: (p) => `[${p.level}] ${p.alarm}: please acknowledge`,
    ja: (p) => `【${p.level}】${p.alarm}：確認をお願いします`,
  },
  "email.body": {
    en: (p) =>
      [
        `CloudWatch alarm ${p.alarm} (level ${p.level}) is in ALARM.`,
        `Incident: ${p.incidentId}`,
        "",
        "You are being paged. Acknowledge to stop the escalation:",
        v(p.link),
        "",
        `The link opens a confirmation page; press the button there to acknowledge. It expires ${v(p.linkExpires)}.`,
        "If you cannot respond, do nothing: the next responder will be paged.",
      ].join("\n"),
    ja: (p) =>
      [
        `CloudWatch アラーム ${p.alarm}（レベル ${p.level}）が ALARM 状態です。`,
        `インシデント: ${p.incidentId}`,
        "",
        "あなたが呼び出されています。エスカレーションを止めるには確認（応答）してください：",
        v(p.link),
        "",
        `リンクを開くと確認ページが表示されます。ページのボタンを押すと確認になります。有効期限: ${v(p.linkExpires)}`,
        "対応できない場合は何もしないでください。次の担当者が呼び出されます。",
      ].join("\n"),
  },
  "sms.body": {
    en: (p) => `[${p.level}] ${p.alarm} ALARM. Acknowledge: ${v(p.link)}`,
    ja: (p) => `【${p.level}】${p.alarm} ALARM。確認はこちら: ${v(p.link)}`,
  },
  "slack.silenced.title": {
    en: (p) => `[${p.level}] ${p.alarm} is in ALARM (silenced: nobody paged)`,
    ja: (p) => `【${p.level}】${p.alarm} が ALARM です（サイレンス中：呼び出しなし）`,
  },
  "slack.silenced.text": {
    en: (p) =>
      `Silenced until ${v(p.until)}: ${v(p.silenceReason)}. If the alarm is still in ALARM then, it pages as a new ALARM.`,
    ja: (p) =>
      `${v(p.until)} までサイレンス中：${v(p.silenceReason)}。その時点でまだ ALARM なら、新しい ALARM として呼び出します。`,
  },
  "slack.started.title": {
    en: (p) => `[${p.level}] paging started for ${p.alarm}`,
    ja: (p) => `【${p.level}】${p.alarm} の呼び出しを開始しました`,
  },
  "slack.started.text": {
    en: (p) => `Incident ${p.incidentId}: the escalation stages run until someone acknowledges.`,
    ja: (p) => `インシデント ${p.incidentId}：誰かが確認するまでエスカレーションを続けます。`,
  },
  "slack.progress.title": {
    en: (p) => `[${p.level}] escalation of ${p.alarm}`,
    ja: (p) => `【${p.level}】${p.alarm} のエスカレーション`,
  },
  "slack.stage": {
    en: (p) =>
      `Incident ${p.incidentId}: stage ${v(p.stage)} (round ${v(p.round)}) engages ${v(p.contact)}`,
    ja: (p) =>
      `インシデント ${p.incidentId}：ステージ ${v(p.stage)}（${v(p.round)} 周目）で ${v(p.contact)} を呼び出します`,
  },
  "slack.paged": {
    en: (p) => `Incident ${p.incidentId}: paged ${v(p.contact)} by ${v(p.channel)}`,
    ja: (p) => `インシデント ${p.incidentId}：${v(p.contact)} に ${v(p.channel)} で連絡しました`,
  },
  "slack.pageFailed.title": {
    en: (p) => `[${p.level}] a page for ${p.alarm} FAILED`,
    ja: (p) => `【${p.level}】${p.alarm} の呼び出しに失敗しました`,
  },
  "slack.pageFailed.text": {
    en: (p) =>
      `Incident ${p.incidentId}: the ${v(p.channel)} page to ${v(p.contact)} failed after retries (${v(p.reason)}). The escalation goes on; make sure someone is reached.`,
    ja: (p) =>
      `インシデント ${p.incidentId}：${v(p.contact)} への ${v(p.channel)} 連絡が再試行後も失敗しました（${v(p.reason)}）。エスカレーションは続きます。誰かに連絡が届いたか確認してください。`,
  },
  "slack.exhausted.title": {
    en: (p) => `[${p.level}] nobody acknowledged ${p.alarm}`,
    ja: (p) => `【${p.level}】${p.alarm} を誰も確認していません`,
  },
  "slack.exhausted.text": {
    en: (p) =>
      (p.round ?? 0) < (p.rounds ?? 0)
        ? `Incident ${p.incidentId}: round ${v(p.round)} of ${v(p.rounds)} ended without an acknowledgement; all stages run again.`
        : `Incident ${p.incidentId}: round ${v(p.round)} of ${v(p.rounds)} ended without an acknowledgement; the escalation is over. Page someone by hand.`,
    ja: (p) =>
      (p.round ?? 0) < (p.rounds ?? 0)
        ? `インシデント ${p.incidentId}：${v(p.round)}/${v(p.rounds)} 周目が確認なしで終わりました。すべてのステージをもう一度実行します。`
        : `インシデント ${p.incidentId}：${v(p.round)}/${v(p.rounds)} 周目が確認なしで終わり、エスカレーションは終了しました。手動で担当者に連絡してください。`,
  },
  "slack.engineFailed.title": {
    en: (p) => `[${p.level}] the escalation engine FAILED for ${p.alarm}`,
    ja: (p) => `【${p.level}】${p.alarm} のエスカレーションエンジンが失敗しました`,
  },
  "slack.engineFailed.text": {
    en: (p) =>
      `Incident ${p.incidentId}: the escalation stopped (${v(p.reason)}); pages still pending will not be sent. Page the on-call by hand.`,
    ja: (p) =>
      `インシデント ${p.incidentId}：エスカレーションが停止しました（${v(p.reason)}）。残りの呼び出しは送信されません。手動で当番に連絡してください。`,
  },
} as const satisfies Record<string, Record<Language, Render>>;

export type MessageKey = keyof typeof MESSAGES;

/** The message `key` in `language`. */
export function message(key: MessageKey, language: Language, params: MessageParams): string {
  return MESSAGES[key][language](params);
}
