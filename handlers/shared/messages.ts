/**
 * The one message catalogue of the step-functions backend: every text a responder reads (e-mail,
 * SMS, the acknowledgement pages, Slack notes), in Japanese and English, in one place and one
 * shape: `key → {ja, en} → (params) => text`. A page is written in its recipient's language; a
 * Slack note in the stack's. tests/handlers/messages.spec.ts proves every key exists in both
 * languages and that both use the same parameters.
 *
 * What a message may carry: the alarm (untrusted text, quoted and defused by the caller through
 * handlers/shared/untrustedText.ts alarmText), the level, the incident id, stage and round numbers,
 * times, contact aliases (Slack), and the recipient's own acknowledgement link. Never an address,
 * a phone number or another person's name. Texts are plain: the ack pages HTML-escape them
 * (handlers/ack/core.ts renderPage), Chatbot renders them as client-markdown.
 */
import { LANGUAGES, type Language } from "../engine/protocol";
import { ssmlEscape } from "./untrustedText";

export { LANGUAGES, type Language };

export interface MessageParams {
  /** The alarm, already quoted and defused (alarmText). */
  readonly alarm?: string;
  readonly level?: string;
  readonly incidentId?: string;
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
  /**
   * A machine-made reason: an error name (Slack notes); in a voice call, the alarm's state
   * reason when the caller has one (untrusted text, defused by the caller).
   */
  readonly reason?: string;
  /** When the incident opened, `YYYY-MM-DD HH:MM` UTC (ack pages). */
  readonly openedAt?: string;
  /** When it was acknowledged, `YYYY-MM-DD HH:MM` UTC (ack pages, Slack). */
  readonly at?: string;
  /** Why alarms are silenced, as the operator wrote it (silenced notes only). */
  readonly silenceReason?: string;
  /** When the silence ends, ISO-8601 (silenced notes only). */
  readonly until?: string;
  /** A duration `m:ss` (drill reports only). */
  readonly duration?: string;
  /** An on-call rotation's name (Slack notes about rotation overrides only). */
  readonly rotation?: string;
}

type Render = (p: MessageParams) => string;

const v = (x: string | number | undefined): string => (x === undefined ? "?" : String(x));

/**
 * Pages of a drill say so first. A drill execution's alarm is `[DRILL] <level> paging drill`
 * (handlers/drill/engine.ts drillAlarmName; `alarm` arrives quoted, hence the `"`); a stack's own
 * alarms are named `<prefix>-<level>-<alarm>`, so a real alarm never carries the mark.
 */
const isDrill = (p: MessageParams): boolean => (p.alarm ?? "").startsWith('"[DRILL]');
const DRILL_MARK = { en: "[DRILL] ", ja: "【訓練 DRILL】" } as const;
const DRILL_LINE = {
  en: "DRILL: this is a paging drill, not a real incident. Acknowledge as you would for a real one.",
  ja: "【訓練 DRILL】これは呼び出しの訓練です。実際の障害ではありません。本番と同じように確認してください。",
} as const;
const mark = (lang: Language, p: MessageParams): string => (isDrill(p) ? DRILL_MARK[lang] : "");
const drillLines = (lang: Language, p: MessageParams): string[] =>
  isDrill(p) ? [DRILL_LINE[lang], ""] : [];

/** Every message, in every language. Keys: `<medium>.<what>`. */
export const MESSAGES = {
  "email.subject": {
    en: (p) => `${mark("en", p)}[${v(p.level)}] ${v(p.alarm)}: please acknowledge`,
    ja: (p) => `${mark("ja", p)}【${v(p.level)}】${v(p.alarm)}：確認をお願いします`,
  },
  "email.body": {
    en: (p) =>
      [
        ...drillLines("en", p),
        `CloudWatch alarm ${v(p.alarm)} (level ${v(p.level)}) is in ALARM.`,
        `Incident: ${v(p.incidentId)}`,
        "",
        "You are being paged. Acknowledge to stop the escalation:",
        v(p.link),
        "",
        `The link opens a confirmation page; press the button there to acknowledge. It expires ${v(p.linkExpires)}.`,
        "If you cannot respond, do nothing: the next responder will be paged.",
      ].join("\n"),
    ja: (p) =>
      [
        ...drillLines("ja", p),
        `CloudWatch アラーム ${v(p.alarm)}（レベル ${v(p.level)}）が ALARM 状態です。`,
        `インシデント: ${v(p.incidentId)}`,
        "",
        "あなたが呼び出されています。エスカレーションを止めるには確認（応答）してください：",
        v(p.link),
        "",
        `リンクを開くと確認ページが表示されます。ページのボタンを押すと確認になります。有効期限: ${v(p.linkExpires)}`,
        "対応できない場合は何もしないでください。次の担当者が呼び出されます。",
      ].join("\n"),
  },
  "sms.body": {
    en: (p) => `${mark("en", p)}[${v(p.level)}] ${v(p.alarm)} ALARM. Acknowledge: ${v(p.link)}`,
    ja: (p) => `${mark("ja", p)}【${v(p.level)}】${v(p.alarm)} ALARM。確認はこちら: ${v(p.link)}`,
  },
  // Spoken by the Amazon Connect contact flow (components/engine/contactFlow.ts) inside its own
  // <speak><prosody>; voiceMessage SSML-escapes the whole text. No link, no number: the call
  // itself is the channel, and "press 1 then 1" is the flow's own prompt.
  "voice.body": {
    en: (p) =>
      [
        isDrill(p) ? "This is a paging drill, not a real incident." : "",
        `Incident escalation. Level ${v(p.level)}.`,
        `CloudWatch alarm ${v(p.alarm)} is in ALARM.`,
        p.reason === undefined ? "" : `Reason: ${p.reason}.`,
      ]
        .filter((line) => line !== "")
        .join(" "),
    ja: (p) =>
      [
        isDrill(p) ? "これは呼び出しの訓練です。実際の障害ではありません。" : "",
        `インシデントの呼び出しです。レベル ${v(p.level)}。`,
        `CloudWatch アラーム ${v(p.alarm)} が ALARM 状態です。`,
        p.reason === undefined ? "" : `理由：${p.reason}。`,
      ]
        .filter((line) => line !== "")
        .join(""),
  },
  "slack.silenced.title": {
    en: (p) => `[${v(p.level)}] ${v(p.alarm)} is in ALARM (silenced: nobody paged)`,
    ja: (p) => `【${v(p.level)}】${v(p.alarm)} が ALARM です（サイレンス中：呼び出しなし）`,
  },
  "slack.silenced.text": {
    en: (p) =>
      `Silenced until ${v(p.until)}: ${v(p.silenceReason)}. If the alarm is still in ALARM then, it pages as a new ALARM.`,
    ja: (p) =>
      `${v(p.until)} までサイレンス中：${v(p.silenceReason)}。その時点でまだ ALARM なら、新しい ALARM として呼び出します。`,
  },
  "slack.started.title": {
    en: (p) => `[${v(p.level)}] paging started for ${v(p.alarm)}`,
    ja: (p) => `【${v(p.level)}】${v(p.alarm)} の呼び出しを開始しました`,
  },
  "slack.started.text": {
    en: (p) => `Incident ${v(p.incidentId)}: the escalation stages run until someone acknowledges.`,
    ja: (p) => `インシデント ${v(p.incidentId)}：誰かが確認するまでエスカレーションを続けます。`,
  },
  "slack.progress.title": {
    en: (p) => `[${v(p.level)}] escalation of ${v(p.alarm)}`,
    ja: (p) => `【${v(p.level)}】${v(p.alarm)} のエスカレーション`,
  },
  "slack.stage": {
    en: (p) =>
      `Incident ${v(p.incidentId)}: stage ${v(p.stage)} (round ${v(p.round)}) engages ${v(p.contact)}`,
    ja: (p) =>
      `インシデント ${v(p.incidentId)}：ステージ ${v(p.stage)}（${v(p.round)} 周目）で ${v(p.contact)} を呼び出します`,
  },
  "slack.paged": {
    en: (p) => `Incident ${v(p.incidentId)}: paged ${v(p.contact)} by ${v(p.channel)}`,
    ja: (p) => `インシデント ${v(p.incidentId)}：${v(p.contact)} に ${v(p.channel)} で連絡しました`,
  },
  "slack.pageFailed.title": {
    en: (p) => `[${v(p.level)}] a page for ${v(p.alarm)} FAILED`,
    ja: (p) => `【${v(p.level)}】${v(p.alarm)} の呼び出しに失敗しました`,
  },
  "slack.pageFailed.text": {
    en: (p) =>
      `Incident ${v(p.incidentId)}: the ${v(p.channel)} page to ${v(p.contact)} failed after retries (${v(p.reason)}). The escalation goes on; make sure someone is reached.`,
    ja: (p) =>
      `インシデント ${v(p.incidentId)}：${v(p.contact)} への ${v(p.channel)} 連絡が再試行後も失敗しました（${v(p.reason)}）。エスカレーションは続きます。誰かに連絡が届いたか確認してください。`,
  },
  "slack.exhausted.title": {
    en: (p) => `[${v(p.level)}] nobody acknowledged ${v(p.alarm)}`,
    ja: (p) => `【${v(p.level)}】${v(p.alarm)} を誰も確認していません`,
  },
  "slack.exhausted.text": {
    en: (p) =>
      (p.round ?? 0) < (p.rounds ?? 0)
        ? `Incident ${v(p.incidentId)}: round ${v(p.round)} of ${v(p.rounds)} ended without an acknowledgement; all stages run again.`
        : `Incident ${v(p.incidentId)}: round ${v(p.round)} of ${v(p.rounds)} ended without an acknowledgement; the escalation is over. Page someone by hand.`,
    ja: (p) =>
      (p.round ?? 0) < (p.rounds ?? 0)
        ? `インシデント ${v(p.incidentId)}：${v(p.round)}/${v(p.rounds)} 周目が確認なしで終わりました。すべてのステージをもう一度実行します。`
        : `インシデント ${v(p.incidentId)}：${v(p.round)}/${v(p.rounds)} 周目が確認なしで終わり、エスカレーションは終了しました。手動で担当者に連絡してください。`,
  },
  "slack.engineFailed.title": {
    en: (p) => `[${v(p.level)}] the escalation engine FAILED for ${v(p.alarm)}`,
    ja: (p) => `【${v(p.level)}】${v(p.alarm)} のエスカレーションエンジンが失敗しました`,
  },
  "slack.engineFailed.text": {
    en: (p) =>
      `Incident ${v(p.incidentId)}: the escalation stopped (${v(p.reason)}); pages still pending will not be sent. Page the on-call by hand.`,
    ja: (p) =>
      `インシデント ${v(p.incidentId)}：エスカレーションが停止しました（${v(p.reason)}）。残りの呼び出しは送信されません。手動で当番に連絡してください。`,
  },
  "slack.acknowledged.title": {
    en: (p) => `Acknowledged: ${v(p.incidentId)}`,
    ja: (p) => `確認しました: ${v(p.incidentId)}`,
  },
  "slack.acknowledged.text": {
    en: (p) =>
      `Incident ${v(p.incidentId)} (alarm ${v(p.alarm)}, level ${v(p.level)}) acknowledged by ${v(p.contact)} via ${v(p.channel)} link at ${v(p.at)} UTC; pending pages stopped.`,
    ja: (p) =>
      `インシデント ${v(p.incidentId)}（アラーム ${v(p.alarm)}、レベル ${v(p.level)}）を ${v(p.contact)} が ${v(p.channel)} のリンクで ${v(p.at)} UTC に確認しました。残りの呼び出しは停止しました。`,
  },
  "slack.acknowledgedByCli.text": {
    en: (p) =>
      `Incident ${v(p.incidentId)} (alarm ${v(p.alarm)}, level ${v(p.level)}) acknowledged by ${v(p.contact)} from a terminal (npm run ack) at ${v(p.at)} UTC; pending pages stopped.`,
    ja: (p) =>
      `インシデント ${v(p.incidentId)}（アラーム ${v(p.alarm)}、レベル ${v(p.level)}）を ${v(p.contact)} が端末（npm run ack）から ${v(p.at)} UTC に確認しました。残りの呼び出しは停止しました。`,
  },
  "slack.notEssential.title": {
    en: (p) => `Acknowledged, escalation continues: ${v(p.incidentId)}`,
    ja: (p) => `確認あり・エスカレーション継続: ${v(p.incidentId)}`,
  },
  "slack.notEssential.text": {
    en: (p) =>
      `Incident ${v(p.incidentId)} (alarm ${v(p.alarm)}, level ${v(p.level)}): ${v(p.contact)} acknowledged via ${v(p.channel)} at ${v(p.at)} UTC, but was paged by a stage that is not essential; the escalation goes on until an essential responder acknowledges.`,
    ja: (p) =>
      `インシデント ${v(p.incidentId)}（アラーム ${v(p.alarm)}、レベル ${v(p.level)}）：${v(p.contact)} が ${v(p.channel)} で ${v(p.at)} UTC に確認しましたが、必須ではないステージからの呼び出しのため、必須の担当者が確認するまでエスカレーションを続けます。`,
  },
  "slack.delivered": {
    en: (p) =>
      `Incident ${v(p.incidentId)}: the ${v(p.channel)} page to ${v(p.contact)} was delivered (${v(p.reason)}).`,
    ja: (p) =>
      `インシデント ${v(p.incidentId)}：${v(p.contact)} への ${v(p.channel)} 連絡が届きました（${v(p.reason)}）。`,
  },
  "slack.deliveryDelayed": {
    en: (p) =>
      `Incident ${v(p.incidentId)}: the ${v(p.channel)} page to ${v(p.contact)} is delayed (${v(p.reason)}); it has NOT reached them yet and is retried by the provider.`,
    ja: (p) =>
      `インシデント ${v(p.incidentId)}：${v(p.contact)} への ${v(p.channel)} 連絡が遅延しています（${v(p.reason)}）。まだ届いていません。配信は再試行されます。`,
  },
  "slack.deliveryFailed.title": {
    en: (p) => `[${v(p.level)}] a page for ${v(p.alarm)} did NOT reach its responder`,
    ja: (p) => `【${v(p.level)}】${v(p.alarm)} の呼び出しが担当者に届きませんでした`,
  },
  "slack.deliveryFailed.text": {
    en: (p) =>
      `Incident ${v(p.incidentId)}: the ${v(p.channel)} page to ${v(p.contact)} was NOT delivered (${v(p.reason)}); ${v(p.contact)} was not reached this way. The escalation goes on; make sure someone is reached.`,
    ja: (p) =>
      `インシデント ${v(p.incidentId)}：${v(p.contact)} への ${v(p.channel)} 連絡は届きませんでした（${v(p.reason)}）。この方法では ${v(p.contact)} に連絡できていません。エスカレーションは続きます。誰かに連絡が届いたか確認してください。`,
  },
  "page.product": {
    en: () => "Incident escalation",
    ja: () => "インシデントエスカレーション",
  },
  "page.confirm.title": {
    en: () => "Acknowledge this incident?",
    ja: () => "このインシデントを確認（受諾）しますか？",
  },
  "page.confirm.body": {
    en: (p) =>
      `Alarm ${v(p.alarm)} (level ${v(p.level)}) opened at ${v(p.openedAt)} UTC. Acknowledging stops every page still pending for this incident.`,
    ja: (p) =>
      `アラーム ${v(p.alarm)}（レベル ${v(p.level)}）が ${v(p.openedAt)} UTC に発生しました。確認すると、このインシデントで予定されている残りの呼び出しはすべて停止します。`,
  },
  "page.confirmNotEssential.body": {
    en: (p) =>
      `Alarm ${v(p.alarm)} (level ${v(p.level)}) opened at ${v(p.openedAt)} UTC. You were paged by a stage that is not essential: acknowledging records that you are on it, and the escalation goes on until an essential responder acknowledges.`,
    ja: (p) =>
      `アラーム ${v(p.alarm)}（レベル ${v(p.level)}）が ${v(p.openedAt)} UTC に発生しました。あなたへの呼び出しは必須ではないステージからのものです。確認すると対応中であることが記録されますが、必須の担当者が確認するまでエスカレーションは続きます。`,
  },
  "page.confirm.button": {
    en: () => "Acknowledge",
    ja: () => "確認する",
  },
  "page.acknowledged.title": {
    en: () => "Acknowledged",
    ja: () => "確認しました",
  },
  "page.acknowledged.body": {
    en: (p) =>
      `You acknowledged alarm ${v(p.alarm)} (level ${v(p.level)}) at ${v(p.at)} UTC. No further pages will be sent for this incident.`,
    ja: (p) =>
      `アラーム ${v(p.alarm)}（レベル ${v(p.level)}）を ${v(p.at)} UTC に確認しました。このインシデントでこれ以上の呼び出しは送信されません。`,
  },
  "page.notEssential.title": {
    en: () => "Acknowledgement recorded",
    ja: () => "確認を記録しました",
  },
  "page.notEssential.body": {
    en: (p) =>
      `Your acknowledgement of alarm ${v(p.alarm)} (level ${v(p.level)}) is recorded. You were paged by a stage that is not essential, so the escalation goes on until an essential responder acknowledges.`,
    ja: (p) =>
      `アラーム ${v(p.alarm)}（レベル ${v(p.level)}）の確認を記録しました。あなたへの呼び出しは必須ではないステージからのものなので、必須の担当者が確認するまでエスカレーションは続きます。`,
  },
  "page.already.title": {
    en: () => "Already acknowledged",
    ja: () => "確認済みです",
  },
  "page.already.body": {
    en: (p) => `This incident was already acknowledged at ${v(p.at)} UTC. Nothing was changed.`,
    ja: (p) => `このインシデントは ${v(p.at)} UTC に確認済みです。何も変更していません。`,
  },
  "page.resolved.title": {
    en: () => "Already resolved",
    ja: () => "解決済みです",
  },
  "page.resolved.body": {
    en: () => "This incident is already resolved. Nothing was changed.",
    ja: () => "このインシデントはすでに解決済みです。何も変更していません。",
  },
  "page.expired.title": {
    en: () => "Link expired",
    ja: () => "リンクの有効期限切れ",
  },
  "page.expired.body": {
    en: () =>
      "This acknowledgement link has expired. Nothing was changed. Acknowledge from a terminal: npm run ack -- --stack <stack> --incident <id>.",
    ja: () =>
      "この確認リンクは有効期限が切れています。何も変更していません。端末から確認してください: npm run ack -- --stack <stack> --incident <id>",
  },
  "page.invalid.title": {
    en: () => "Invalid link",
    ja: () => "無効なリンク",
  },
  "page.invalid.body": {
    en: () =>
      "This acknowledgement link is not valid (altered, incomplete or not for this incident). Nothing was changed.",
    ja: () =>
      "この確認リンクは無効です（改変されている、不完全、またはこのインシデント用ではありません）。何も変更していません。",
  },
  "page.notFound.title": {
    en: () => "Unknown incident",
    ja: () => "不明なインシデント",
  },
  "page.notFound.body": {
    en: () => "No incident matches this link. Nothing was changed.",
    ja: () => "このリンクに該当するインシデントはありません。何も変更していません。",
  },
  "page.method.title": {
    en: () => "Not allowed",
    ja: () => "許可されていない操作",
  },
  "page.method.body": {
    en: () => "Open the link from your page; only its button acknowledges. Nothing was changed.",
    ja: () =>
      "呼び出しに記載のリンクを開いてください。確認はそのページのボタンでのみ行えます。何も変更していません。",
  },
  "page.error.title": {
    en: () => "Could not acknowledge",
    ja: () => "確認できませんでした",
  },
  "page.error.body": {
    en: () =>
      "The acknowledgement could not be recorded because of an internal error. Try again in a minute; if it keeps failing, acknowledge from a terminal: npm run ack.",
    ja: () =>
      "内部エラーのため確認を記録できませんでした。1 分ほど待ってから再度お試しください。解決しない場合は端末から確認してください: npm run ack",
  },
  // The voice call's fixed prompts (components/engine/contactFlow.ts speaks them through Polly, as
  // SSML text: plain words, no markup; the builder escapes them). The alarm itself is the engine's
  // spoken message, not one of these.
  "voice.flow.again": {
    en: () => "Once again.",
    ja: () => "もう一度お伝えします。",
  },
  "voice.flow.pressOne": {
    en: () => "To acknowledge this call, press 1.",
    ja: () => "この呼び出しを確認する場合は、1 を押してください。",
  },
  "voice.flow.confirm": {
    en: () => "To confirm, press 1 again.",
    ja: () => "確認のため、もう一度 1 を押してください。",
  },
  "voice.flow.acknowledged": {
    en: () => "Thank you. Your acknowledgement is recorded. Goodbye.",
    ja: () => "ありがとうございます。確認を記録しました。失礼します。",
  },
  "voice.flow.notAcknowledged": {
    en: () =>
      "This call was not acknowledged. The escalation continues. You can still acknowledge with the link in your e-mail or SMS. Goodbye.",
    ja: () =>
      "この電話では確認されませんでした。エスカレーションは続きます。メールまたは SMS のリンクからも確認できます。失礼します。",
  },
  // The drill report's phone calls (handlers/shared/drillReport.ts renderDrillReport: Slack, the
  // incident timeline, `npm run drill`): per person, whether the call connected and whether it was
  // acknowledged by keypress (1, then 1 again).
  "slack.drillCalls.title": {
    en: () => "Phone calls:",
    ja: () => "電話呼び出し:",
  },
  "slack.drillCall.acknowledged": {
    en: (p) => `${v(p.contact)}: the call connected and was acknowledged by keypress`,
    ja: (p) => `${v(p.contact)}: 電話がつながり、キー操作で確認されました`,
  },
  "slack.drillCall.connected": {
    en: (p) => `${v(p.contact)}: the call connected but was NOT acknowledged`,
    ja: (p) => `${v(p.contact)}: 電話はつながりましたが、確認されませんでした`,
  },
  "slack.drillCall.notConnected": {
    en: (p) => `${v(p.contact)}: the call did NOT connect (${v(p.reason)}); not acknowledged`,
    ja: (p) => `${v(p.contact)}: 電話がつながりませんでした（${v(p.reason)}）。確認なし`,
  },
  "slack.drillCall.noReport": {
    en: (p) =>
      `${v(p.contact)}: called; no connection reported by the end of the drill; not acknowledged`,
    ja: (p) => `${v(p.contact)}: 発信しましたが、訓練の終了までに接続の報告はなく、確認なし`,
  },
  // The Slack title of a drill report on backend step-functions (handlers/drill/core.ts
  // drillNotification with the stack's language).
  "slack.drillReport.acknowledged": {
    en: (p) => `[DRILL] ${v(p.level)} paging drill: acknowledged`,
    ja: (p) => `【訓練 DRILL】${v(p.level)} 呼び出し訓練: 確認されました`,
  },
  "slack.drillReport.notAcknowledged": {
    en: (p) => `[DRILL] ${v(p.level)} paging drill: NOT acknowledged`,
    ja: (p) => `【訓練 DRILL】${v(p.level)} 呼び出し訓練: 確認されませんでした`,
  },
  "slack.drillReport.errors": {
    en: (p) => `[DRILL] ${v(p.level)} paging drill: NOT acknowledged, delivery errors`,
    ja: (p) => `【訓練 DRILL】${v(p.level)} 呼び出し訓練: 確認なし、配信エラーあり`,
  },
  // The drill report's lines (handlers/shared/drillReport.ts renderDrillReport: Slack, the
  // incident timeline, `npm run drill`). `contact` may be a list of aliases or "alias (channel)".
  "slack.drillText.delivered": {
    en: (p) => `delivered after ${v(p.duration)}`,
    ja: (p) => `${v(p.duration)} 後に配信`,
  },
  "slack.drillText.read": {
    en: (p) => `read after ${v(p.duration)}`,
    ja: (p) => `${v(p.duration)} 後に既読`,
  },
  "slack.drillText.readAcknowledged": {
    en: (p) => `read after ${v(p.duration)} (acknowledged)`,
    ja: (p) => `${v(p.duration)} 後に既読（確認）`,
  },
  "slack.drillText.error": {
    en: (p) => `error: ${v(p.reason)}`,
    ja: (p) => `エラー: ${v(p.reason)}`,
  },
  "slack.drillText.notRead": { en: () => "not read", ja: () => "未読" },
  "slack.drillText.sent": {
    en: (p) => `page sent to ${v(p.contact)}`,
    ja: (p) => `${v(p.contact)} を呼び出し`,
  },
  "slack.drillText.notSent": {
    en: (p) => `page (not sent yet) to ${v(p.contact)}`,
    ja: (p) => `${v(p.contact)} の呼び出し（未送信）`,
  },
  "slack.drillText.title": {
    en: (p) => `[DRILL] report for ${v(p.incidentId)}`,
    ja: (p) => `[DRILL] 訓練レポート ${v(p.incidentId)}`,
  },
  "slack.drillText.started": {
    en: (p) => `Started: ${v(p.at)}`,
    ja: (p) => `開始: ${v(p.at)}`,
  },
  "slack.drillText.acknowledged": {
    en: (p) => `Outcome: acknowledged by ${v(p.contact)} at T+${v(p.duration)}`,
    ja: (p) => `結果: ${v(p.contact)} が T+${v(p.duration)} に確認`,
  },
  "slack.drillText.failed": {
    en: () => "Outcome: NOT acknowledged; some pages failed to deliver",
    ja: () => "結果: 確認なし。届かなかった呼び出しがあります",
  },
  "slack.drillText.notAcknowledged": {
    en: () => "Outcome: NOT acknowledged",
    ja: () => "結果: 確認なし",
  },
  "slack.drillText.engaged": {
    en: (p) => `Engaged: ${v(p.contact)}; stages observed: ${v(p.stage)}`,
    ja: (p) => `呼び出し対象: ${v(p.contact)}、観測したステージ数: ${v(p.stage)}`,
  },
  "slack.drillText.nobody": { en: () => "nobody", ja: () => "なし" },
  "slack.drillText.noPages": {
    en: () => "No pages were sent.",
    ja: () => "呼び出しは送信されませんでした。",
  },
  "slack.drillText.perPerson": { en: () => "Per person:", ja: () => "担当者別:" },
  "slack.drillText.personAcknowledged": {
    en: (p) => `  ${v(p.contact)}: paged by ${v(p.channel)} — acknowledged`,
    ja: (p) => `  ${v(p.contact)}: ${v(p.channel)} で呼び出し — 確認済み`,
  },
  "slack.drillText.personNotAcknowledged": {
    en: (p) => `  ${v(p.contact)}: paged by ${v(p.channel)} — did NOT acknowledge`,
    ja: (p) => `  ${v(p.contact)}: ${v(p.channel)} で呼び出し — 未確認`,
  },
  "slack.drillText.unknownChannel": { en: () => "unknown channel", ja: () => "チャネル不明" },
  "slack.stage.override": {
    en: (p) => `${v(p.contact)} on call in ${v(p.rotation)} by override until ${v(p.until)}`,
    ja: (p) => `${v(p.contact)} が ${v(p.until)} までオーバーライドで ${v(p.rotation)} の当番です`,
  },
  "slack.stage.overridesUnread": {
    en: (p) =>
      `Overrides of ${v(p.rotation)} could not be read (${v(p.reason)}): its scheduled on-call is paged`,
    ja: (p) =>
      `${v(p.rotation)} のオーバーライドを読めませんでした（${v(p.reason)}）。予定どおりの当番を呼び出します`,
  },
} as const satisfies Record<string, Record<Language, Render>>;

export type MessageKey = keyof typeof MESSAGES;

/** The message `key` in `language` (parameters it does not use are ignored). */
export function message(key: MessageKey, language: Language, params: MessageParams = {}): string {
  return MESSAGES[key][language](params);
}

/**
 * The text a voice call speaks (`voice.body`), SSML-escaped as a whole: the contact flow puts it
 * inside its own `<speak><prosody>` (components/engine/contactFlow.ts), so an alarm name or a
 * reason carrying `<break/>`, `&` or quotes is spoken as text and never read as markup (Amazon
 * Polly developer guide, "Reserved characters in SSML": `"` `&` `'` `<` `>` must be escaped).
 */
export function voiceMessage(language: Language, params: MessageParams): string {
  return ssmlEscape(message("voice.body", language, params));
}

export function isLanguage(x: unknown): x is Language {
  return typeof x === "string" && (LANGUAGES as readonly string[]).includes(x);
}
