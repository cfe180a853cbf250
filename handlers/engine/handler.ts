// Escalation engine Lambda: the Task states of the step-functions backend's state machine
// (components/engine/stateMachine.ts) invoke it synchronously with {"action": ..., ...}; it
// answers with the next piece of the execution's document, or throws EngineTransientError
// (Step Functions retries with backoff) / EnginePermanentError (caught: a failed page is
// recorded and reported; any other failure ends the execution as failed, which is alarmed on).
// Thin: parse (core) → decide (core) → table, channels, Slack (adapters) → answer.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { ConnectClient } from "@aws-sdk/client-connect";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { PinpointSMSVoiceV2Client } from "@aws-sdk/client-pinpoint-sms-voice-v2";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { SNSClient } from "@aws-sdk/client-sns";
import { ackLink, type AckChannel } from "../shared/ackToken";
import { pageKey } from "../shared/incidentStore";
import { pageGivenUpMetric } from "../shared/selfMetrics";
import {
  PermanentError,
  TransientError,
  UNKNOWN_OVERRIDE_MEMBER,
  baseParams,
  emailContent,
  endRound,
  failureReason,
  isEngineChannel,
  nextStep,
  parseDirectory,
  parseEnv,
  parsePlan,
  parseTask,
  planFor,
  slackNote,
  smsContent,
  startRun,
  stageNoteLines,
  stageRotations,
  startStage,
  voiceAttributes,
  voiceClientToken,
  type EngineConfig,
  type TaskRequest,
} from "./core";
import {
  errorName,
  getIncident,
  getOverrides,
  indexMessage,
  logJson,
  openIncident,
  publishNote,
  readSecret,
  recordDelivery,
  recordNote,
  recordPage,
  sendEmail,
  sendEmailInput,
  sendText,
  sendTextInput,
  startVoiceContact,
  startVoiceContactInput,
  writeMetric,
  type Logger,
} from "./adapters";
import { ENGINE_PLAN_FILE, type Directory, type EnginePlan, type Language } from "./protocol";
import type { RotationOverride } from "../shared/overrides";

export { PermanentError, TransientError } from "./core";

/** The link-signing function of handlers/shared/ackToken.ts (a parameter, so tests can pin it). */
export type AckLinkFn = typeof ackLink;

export interface HandlerDeps {
  readonly config: EngineConfig;
  readonly plan: EnginePlan;
  readonly db: DynamoDBClient;
  readonly ses: SESv2Client;
  readonly sms: PinpointSMSVoiceV2Client;
  /** Amazon Connect (voice calls); only used when the environment configures voice. */
  readonly connect: ConnectClient;
  readonly sns: SNSClient;
  readonly secrets: SecretsManagerClient;
  readonly now: () => Date;
  readonly log: Logger;
  readonly ackLink: AckLinkFn;
  readonly metric: (line: Record<string, unknown>) => void;
}

/** How long the directory and the ack key are used before they are read again. */
export const SECRET_TTL_MS = 5 * 60_000;

export type TaskResult = Record<string, unknown>;

/** Builds the handler around its dependencies. */
export function createHandler(deps: HandlerDeps): (event: unknown) => Promise<TaskResult> {
  const { config, plan, log } = deps;
  let secrets: { directory: Directory; ackKey: string; readAt: number } | undefined;

  async function loadSecrets(): Promise<{ directory: Directory; ackKey: string }> {
    const now = deps.now().getTime();
    if (secrets === undefined || now - secrets.readAt >= SECRET_TTL_MS) {
      secrets = undefined;
      const [directoryText, ackKey] = await Promise.all([
        readSecret(deps.secrets, config.directorySecretArn, "DIRECTORY_SECRET_ARN"),
        readSecret(deps.secrets, config.ackKeySecretArn, "ACK_KEY_SECRET_ARN"),
      ]);
      secrets = { directory: parseDirectory(directoryText), ackKey, readAt: now };
    }
    return secrets;
  }

  const languageOf = (alias: string): Language =>
    plan.contacts.find((c) => c.alias === alias)?.language ?? plan.language;

  /** A Slack note is a report, not a page: a failed one is logged and never retried (a retry would resend the page). */
  async function noteQuietly(message: string, context: Record<string, unknown>): Promise<boolean> {
    try {
      await publishNote(deps.sns, config.alertsTopicArn, message);
      return true;
    } catch (err: unknown) {
      log({ level: "WARN", message: "engine.note_failed", ...context, error: errorName(err) });
      return false;
    }
  }

  /**
   * The overrides of the rotations a stage engages (handlers/shared/overrides.ts). A read that
   * fails after the SDK's own retries, or an item that does not parse, never stops the stage: the
   * rotation's scheduled members are paged (never nobody because the store failed), a WARN is
   * logged (the rotation and the error's name only) and the stage's note says so.
   */
  async function readOverrides(
    rotations: readonly string[],
    context: Record<string, unknown>,
  ): Promise<{
    overrides: RotationOverride[];
    unreadable: { rotation: string; reason: string }[];
  }> {
    type Read =
      | { readonly rotation: string; readonly overrides: RotationOverride[] }
      | { readonly rotation: string; readonly reason: string };
    const reads = await Promise.all(
      rotations.map(async (rotation): Promise<Read> => {
        try {
          return { rotation, overrides: await getOverrides(deps.db, config.tableName, rotation) };
        } catch (err: unknown) {
          const reason = errorName(err);
          log({
            level: "WARN",
            message: "engine.overrides_unreadable",
            ...context,
            rotation,
            error: reason,
          });
          return { rotation, reason };
        }
      }),
    );
    return {
      overrides: reads.flatMap((r) => ("overrides" in r ? r.overrides : [])),
      unreadable: reads.flatMap((r) =>
        "reason" in r ? [{ rotation: r.rotation, reason: r.reason }] : [],
      ),
    };
  }

  async function run(task: TaskRequest): Promise<TaskResult> {
    const { input } = task;
    const params = baseParams(input);
    const now = deps.now();
    // The input's level picks the escalation (EnginePlan.levels); an unknown one fails the task
    // (PermanentError), so Start opens nothing for it and ReportFailure says so.
    const levelPlan = () => planFor(plan, input.level);
    switch (task.action) {
      case "start": {
        levelPlan();
        const opened = await openIncident(deps.db, config.tableName, {
          id: input.incidentId,
          alarmName: input.alarmName,
          alertLevel: input.level,
          openedAt: new Date(input.firedAt),
          executionArn: task.executionArn,
        });
        // Opening is idempotent (the store's condition), so the note is part of the step and a
        // failed one is retried with it (a retry may post it twice; it pages nobody).
        await publishNote(
          deps.sns,
          config.alertsTopicArn,
          slackNote(plan.language, "slack.started.title", "slack.started.text", params),
        );
        log({ level: "INFO", message: "engine.started", incidentId: input.incidentId, opened });
        return { input, run: startRun(now) };
      }
      case "next": {
        const { run, step } = nextStep(levelPlan(), task.run, now);
        return { input, run, step };
      }
      case "check": {
        const incident = await getIncident(deps.db, config.tableName, input.incidentId);
        const status = incident?.status ?? "missing";
        return { open: status === "open", status };
      }
      case "stage": {
        if (task.step.kind !== "stage")
          throw new PermanentError("task input (stage): step is not a stage");
        const { overrides, unreadable } = await readOverrides(
          stageRotations(levelPlan(), task.step.stage),
          { incidentId: input.incidentId, stage: task.step.stage + 1 },
        );
        const { run, contacts, byOverride, ignored } = startStage(
          levelPlan(),
          task.run,
          task.step.stage,
          new Date(task.step.at),
          overrides,
        );
        await noteQuietly(
          slackNote(
            plan.language,
            "slack.progress.title",
            "slack.stage",
            {
              ...params,
              stage: task.step.stage + 1,
              round: run.round + 1,
              contact: contacts.length > 0 ? contacts.join(", ") : "-",
            },
            stageNoteLines(plan.language, {
              byOverride,
              unreadable: [
                ...unreadable,
                ...ignored.map((rotation) => ({ rotation, reason: UNKNOWN_OVERRIDE_MEMBER })),
              ],
            }),
          ),
          { incidentId: input.incidentId, stage: task.step.stage + 1 },
        );
        log({
          level: "INFO",
          message: "engine.stage",
          incidentId: input.incidentId,
          stage: task.step.stage + 1,
          round: run.round + 1,
          contacts,
          ...(byOverride.length > 0 ? { byOverride: byOverride.map((o) => o.rotation) } : {}),
          ...(ignored.length > 0 ? { overrideIgnored: ignored } : {}),
        });
        return run as unknown as TaskResult;
      }
      case "send":
        return send(task);
      case "pageFailed": {
        if (task.step.kind !== "page")
          throw new PermanentError("task input (pageFailed): step is not a page");
        const { page } = task.step;
        const reason = failureReason(task.failure);
        await recordDelivery(deps.db, config.tableName, input.incidentId, {
          at: now,
          contact: page.contact,
          channel: page.channel,
          ok: false,
          detail: reason,
        });
        await publishNote(
          deps.sns,
          config.alertsTopicArn,
          slackNote(plan.language, "slack.pageFailed.title", "slack.pageFailed.text", {
            ...params,
            contact: page.contact,
            channel: page.channel,
            reason,
          }),
        );
        deps.metric(
          pageGivenUpMetric(config.functionName, now, {
            incidentId: input.incidentId,
            contact: page.contact,
            channel: page.channel,
            reason,
          }),
        );
        log({
          level: "ERROR",
          message: "engine.page_failed",
          incidentId: input.incidentId,
          contact: page.contact,
          channel: page.channel,
          reason,
        });
        return { ...task.run, failedPages: task.run.failedPages + 1 };
      }
      case "exhausted": {
        const round = task.run.round + 1;
        const rounds = levelPlan().repeat + 1;
        await recordNote(deps.db, config.tableName, input.incidentId, {
          at: now,
          kind: "exhausted",
          detail: `round ${round} of ${rounds}`,
        });
        await publishNote(
          deps.sns,
          config.alertsTopicArn,
          slackNote(plan.language, "slack.exhausted.title", "slack.exhausted.text", {
            ...params,
            round,
            rounds,
          }),
        );
        log({
          level: "WARN",
          message: "engine.exhausted",
          incidentId: input.incidentId,
          round,
          rounds,
        });
        return endRound(levelPlan(), task.run, now) as unknown as TaskResult;
      }
      case "failed": {
        const reason = failureReason(task.failure);
        await publishNote(
          deps.sns,
          config.alertsTopicArn,
          slackNote(plan.language, "slack.engineFailed.title", "slack.engineFailed.text", {
            ...params,
            reason,
          }),
        );
        log({
          level: "ERROR",
          message: "engine.execution_failed",
          incidentId: input.incidentId,
          reason,
        });
        return { reported: true };
      }
    }
  }

  async function send(task: Extract<TaskRequest, { action: "send" }>): Promise<TaskResult> {
    const { input, step } = task;
    if (step.kind !== "page" || step.channel !== task.channel)
      throw new PermanentError(
        `task input (send ${task.channel}): step is not a ${task.channel} page`,
      );
    const { page } = step;
    const context = {
      incidentId: input.incidentId,
      contact: page.contact,
      channel: page.channel,
      stage: page.stage,
      round: page.round + 1,
    };
    if (!isEngineChannel(page.channel))
      throw new PermanentError(`channel ${page.channel} has no sender in this engine`);
    const { directory, ackKey } = await loadSecrets();
    const address =
      page.channel === "email" ? directory[page.contact]?.email : directory[page.contact]?.phone;
    if (address === undefined)
      throw new PermanentError(
        `contact ${page.contact} has no ${page.channel} address in the directory secret`,
      );
    if (page.channel === "sms" && config.sms === undefined)
      throw new PermanentError("SMS_ORIGINATION_IDENTITY: is not set, so no SMS can be sent");
    const language = languageOf(page.contact);
    const contactFlowId = config.voice?.contactFlows[language];
    if (page.channel === "voice" && (config.voice === undefined || contactFlowId === undefined))
      throw new PermanentError(
        config.voice === undefined
          ? "VOICE_INSTANCE_ID: is not set, so no call can be placed"
          : `VOICE_CONTACT_FLOWS: has no contact flow for language ${language}`,
      );
    // The page is written before it is sent, and only while the incident is open: an
    // acknowledgement that landed after the state machine's check still stops it.
    const now = deps.now();
    if (
      !(await recordPage(deps.db, config.tableName, input.incidentId, {
        at: now,
        contact: page.contact,
        channel: page.channel,
        essential: page.essential,
        key: pageKey(page),
      }))
    ) {
      log({ level: "INFO", message: "engine.page_skipped", ...context, reason: "not open" });
      return { sent: false };
    }
    let messageId: string | undefined;
    if (page.channel === "voice") {
      // No link in a call: the flow's keypress acknowledges (handlers/voice). The ClientToken is
      // the page's, so a retry of this Task never places a second call for a call still up.
      messageId = await startVoiceContact(
        deps.connect,
        startVoiceContactInput(
          config.voice!,
          contactFlowId!,
          address,
          voiceClientToken(input.incidentId, page),
          voiceAttributes(input, page.contact, language, baseParams(input)),
        ),
      );
      return paged(input, page, context, messageId, now);
    }
    const expiresAt = Math.floor(now.getTime() / 1000) + plan.ackLinkHours * 3600;
    const link = deps.ackLink(
      input.incidentId,
      page.contact,
      page.channel as AckChannel,
      expiresAt,
      ackKey,
      config.ackBaseUrl,
    );
    const params = {
      ...baseParams(input),
      link,
      linkExpires: new Date(expiresAt * 1000).toISOString(),
    };
    if (page.channel === "email") {
      messageId = await sendEmail(
        deps.ses,
        sendEmailInput(
          config.email.from,
          address,
          emailContent(language, params),
          config.email.configurationSet,
        ),
      );
    } else {
      const sms = config.sms!;
      messageId = await sendText(
        deps.sms,
        sendTextInput(
          sms.originationIdentity,
          address,
          smsContent(language, params),
          sms.configurationSet,
        ),
      );
    }
    return paged(input, page, context, messageId, now);
  }

  /** After a page went out: the log line, the Slack note, the Task's answer. */
  async function paged(
    input: TaskRequest["input"],
    page: { readonly contact: string; readonly channel: string },
    context: Record<string, unknown>,
    messageId: string | undefined,
    sentAt: Date,
  ): Promise<TaskResult> {
    if (messageId !== undefined)
      await indexMessage(
        deps.db,
        config.tableName,
        messageId,
        { incidentId: input.incidentId, contact: page.contact, channel: page.channel, sentAt },
        log,
      );
    log({ level: "INFO", message: "engine.paged", ...context });
    await noteQuietly(
      slackNote(plan.language, "slack.progress.title", "slack.paged", {
        ...baseParams(input),
        contact: page.contact,
        channel: page.channel,
      }),
      context,
    );
    return { sent: true, ...(messageId === undefined ? {} : { messageId }) };
  }

  return async (event: unknown): Promise<TaskResult> => {
    let context: Record<string, unknown> = {};
    try {
      const task = parseTask(event);
      context = { action: task.action, incidentId: task.input.incidentId };
      return await run(task);
    } catch (err: unknown) {
      const error =
        err instanceof TransientError || err instanceof PermanentError
          ? err
          : new PermanentError(`unexpected ${errorName(err)}`, { cause: err });
      log({
        level: "ERROR",
        message: "engine.task_failed",
        ...context,
        code: error.name,
        error: error.message,
      });
      throw error;
    }
  };
}

/** The plan file beside the bundle (LAMBDA_TASK_ROOT). */
export function readPlan(env: NodeJS.ProcessEnv): EnginePlan {
  const root = env.LAMBDA_TASK_ROOT;
  if (!root)
    throw new PermanentError(`LAMBDA_TASK_ROOT: is not set (the folder of ${ENGINE_PLAN_FILE})`);
  return parsePlan(readFileSync(path.join(root, ENGINE_PLAN_FILE), "utf8"));
}

/** Parses the environment and the plan; on failure logs one line and rethrows, failing the cold start. */
export function loadConfig(
  env: NodeJS.ProcessEnv,
  log: Logger = logJson,
): { config: EngineConfig; plan: EnginePlan } {
  try {
    return { config: parseEnv(env), plan: readPlan(env) };
  } catch (err: unknown) {
    log({
      level: "ERROR",
      message: "engine.init_failed",
      error: err instanceof PermanentError ? err.message : errorName(err),
    });
    throw err;
  }
}

const isLambda =
  process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined && process.env.LAMBDA_TASK_ROOT !== undefined;

/** The deployed entry point (undefined when the module is loaded outside Lambda, e.g. by specs). */
export const handler = isLambda
  ? (() => {
      const { config, plan } = loadConfig(process.env);
      return createHandler({
        config,
        plan,
        db: new DynamoDBClient({}),
        ses: new SESv2Client({}),
        sms: new PinpointSMSVoiceV2Client({}),
        connect: new ConnectClient({}),
        sns: new SNSClient({}),
        secrets: new SecretsManagerClient({}),
        now: () => new Date(),
        log: logJson,
        ackLink,
        metric: writeMetric,
      });
    })()
  : undefined;
