/**
 * Every text of the acknowledgement pages, in Japanese and English: the one place they are written.
 * `{name}` placeholders are filled by core.ts, which HTML-escapes every value (and the texts
 * themselves) before they reach a page. No text names a person, an address or a number.
 */

export const LANGUAGES = ["ja", "en"] as const;
export type Language = (typeof LANGUAGES)[number];

export const ACK_MESSAGES = {
  en: {
    /** Shown above every page. */
    product: "Incident escalation",
    confirmTitle: "Acknowledge this incident?",
    confirmBody:
      "Alarm {alarm} (level {level}) opened at {openedAt} UTC. Acknowledging stops every page still pending for this incident.",
    confirmButton: "Acknowledge",
    acknowledgedTitle: "Acknowledged",
    acknowledgedBody:
      "You acknowledged alarm {alarm} (level {level}) at {at} UTC. No further pages will be sent for this incident.",
    alreadyTitle: "Already acknowledged",
    alreadyBody: "This incident was already acknowledged at {at} UTC. Nothing was changed.",
    resolvedTitle: "Already resolved",
    resolvedBody: "This incident is already resolved. Nothing was changed.",
    expiredTitle: "Link expired",
    expiredBody:
      "This acknowledgement link has expired. Nothing was changed. Acknowledge from a terminal: npm run ack -- --stack <stack> --incident <id>.",
    invalidTitle: "Invalid link",
    invalidBody:
      "This acknowledgement link is not valid (altered, incomplete or not for this incident). Nothing was changed.",
    notFoundTitle: "Unknown incident",
    notFoundBody: "No incident matches this link. Nothing was changed.",
    methodTitle: "Not allowed",
    methodBody: "Open the link from your page; only its button acknowledges. Nothing was changed.",
    errorTitle: "Could not acknowledge",
    errorBody:
      "The acknowledgement could not be recorded because of an internal error. Try again in a minute; if it keeps failing, acknowledge from a terminal: npm run ack.",
    /** The Slack note on acknowledgement (placeholders: alarm, level, contact, channel, at). */
    slackAcknowledged:
      "Incident {incident} (alarm {alarm}, level {level}) acknowledged by {contact} via {channel} link at {at} UTC; pending pages stopped.",
  },
  ja: {
    product: "インシデントエスカレーション",
    confirmTitle: "このインシデントを確認（受諾）しますか？",
    confirmBody:
      "アラーム {alarm}（レベル {level}）が {openedAt} UTC に発生しました。確認すると、このインシデントで予定されている残りの呼び出しはすべて停止します。",
    confirmButton: "確認する",
    acknowledgedTitle: "確認しました",
    acknowledgedBody:
      "アラーム {alarm}（レベル {level}）を {at} UTC に確認しました。このインシデントでこれ以上の呼び出しは送信されません。",
    alreadyTitle: "確認済みです",
    alreadyBody: "このインシデントは {at} UTC に確認済みです。何も変更していません。",
    resolvedTitle: "解決済みです",
    resolvedBody: "このインシデントはすでに解決済みです。何も変更していません。",
    expiredTitle: "リンクの有効期限切れ",
    expiredBody:
      "この確認リンクは有効期限が切れています。何も変更していません。端末から確認してください: npm run ack -- --stack <stack> --incident <id>",
    invalidTitle: "無効なリンク",
    invalidBody:
      "この確認リンクは無効です（改変されている、不完全、またはこのインシデント用ではありません）。何も変更していません。",
    notFoundTitle: "不明なインシデント",
    notFoundBody: "このリンクに該当するインシデントはありません。何も変更していません。",
    methodTitle: "許可されていない操作",
    methodBody:
      "呼び出しに記載のリンクを開いてください。確認はそのページのボタンでのみ行えます。何も変更していません。",
    errorTitle: "確認できませんでした",
    errorBody:
      "内部エラーのため確認を記録できませんでした。1 分ほど待ってから再度お試しください。解決しない場合は端末から確認してください: npm run ack",
    slackAcknowledged:
      "インシデント {incident}（アラーム {alarm}、レベル {level}）を {contact} が {channel} のリンクで {at} UTC に確認しました。残りの呼び出しは停止しました。",
  },
} as const satisfies Record<Language, Record<string, string>>;

export type AckMessageKey = keyof (typeof ACK_MESSAGES)["en"];

/** The text of `key` in `lang` with `{name}` replaced by `values[name]` (not escaped here). */
export function ackMessage(
  lang: Language,
  key: AckMessageKey,
  values: Readonly<Record<string, string>> = {},
): string {
  return ACK_MESSAGES[lang][key].replace(/\{([a-zA-Z]+)\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(values, name) ? (values[name] as string) : whole,
  );
}

export function isLanguage(v: unknown): v is Language {
  return typeof v === "string" && (LANGUAGES as readonly string[]).includes(v);
}
