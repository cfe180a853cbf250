import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ChannelKind, StackConfig, StackConfigInput, parseStackConfig } from "../config/schema";
import { defaultPrefix, escalationStages, names, parseRef, rotationRecurrence } from "./builders";
import { AlertsTopic } from "./alertsTopic";
import { createDrills } from "./drillSchedules";
import { EscalationPlan } from "./escalationPlan";
import { HandlerFunction } from "./handlerFunction";
import { LevelRouting, RuleTargetArgs } from "./levelRouting";
import {
  Statement,
  notifierStatements,
  policyJson,
  routerStatements,
  ruleTargetQueueStatements,
} from "./policies";
import {
  ROUTER_MAX_CONCURRENCY,
  ROUTER_QUEUE_MAX_RECEIVES,
  ROUTER_QUEUE_VISIBILITY_TIMEOUT_SECONDS,
  ROUTER_TIMEOUT_SECONDS,
  ROUTING_TABLE_FILE,
} from "../handlers/shared/limits";
import { dlqDepthAlarmArgs } from "./selfMonitoring";
import { OnCallSchedule } from "./onCallSchedule";
import { PersonalContact } from "./personalContact";
import { ReplicationSet } from "./replicationSet";
import { ResponsePlans, failSafeLevel } from "./responsePlans";
import { pipelineRegion } from "./awsNativeProvider";

/**
 * Arguments of the pipeline: the stack-config contract (see the README's config reference) plus
 * the stack name. Validated on construction; an invalid value throws a ConfigError listing every
 * problem with its path.
 */
export interface EscalationPipelineArgs extends StackConfigInput {
  /** Stack name, used in tags and the default prefix. */
  readonly stack: string;
}

/** A contact channel that cannot page anyone until it is activated with a code. */
export interface ChannelToActivate {
  /** Contact alias in the stack config. */
  readonly contact: string;
  /** email, sms or voice. */
  readonly channel: ChannelKind;
  /** Channel ARN (give it to `aws ssm-contacts send-activation-code --contact-channel-id`). */
  readonly arn: string;
  /** Current activation status reported by Incident Manager. */
  readonly activationStatus: string;
}

/**
 * The whole alert → incident → escalation pipeline for one stack. Composes the replication set
 * (when created), personal contacts, on-call schedules, the escalation plan and one response plan
 * per paging level.
 */
export class EscalationPipeline extends pulumi.ComponentResource {
  /** The validated config, defaults filled in. */
  public readonly config: StackConfig;
  /** Physical-name prefix. */
  public readonly prefix: string;
  /** Response plan ARN by paging level. */
  public readonly responsePlanArns: pulumi.Output<Record<string, string>>;
  /** ESCALATION contact ARN (undefined when no level pages). */
  public readonly escalationPlanArn?: pulumi.Output<string>;
  /** Contact ARN by config alias. */
  public readonly contactArns: Record<string, pulumi.Output<string>>;
  /** On-call schedule contact ARN by rotation name. */
  public readonly onCallArns: Record<string, pulumi.Output<string>>;
  /** Channels that are not yet activated and therefore page nobody. */
  public readonly channelsToActivate: pulumi.Output<ChannelToActivate[]>;
  /** Replication set ARN, when this stack creates it. */
  public readonly replicationSetArn?: pulumi.Output<string>;
  /** The aws-native provider in the aws provider's region (unless the consumer passed one). */
  public readonly awsNativeProvider?: pulumi.ProviderResource;
  /** The encrypted SNS topic relayed to Slack. */
  public readonly alertsTopicArn: pulumi.Output<string>;
  /** The router Lambda (when a level pages or engages). */
  public router?: HandlerFunction;
  /** The notifier Lambda (when webhooks are configured). */
  public notifier?: HandlerFunction;
  /** Webhook signing keys by webhook name (secret), for the receivers. */
  public webhookSigningKeys?: pulumi.Output<Record<string, string>>;
  /** Names of the alarms created, by level. */
  public readonly alarmNames: Record<string, string[]> = {};

  constructor(
    name: string,
    args: EscalationPipelineArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super("incident-escalation:index:EscalationPipeline", name, {}, opts);
    const { stack, ...raw } = args;
    const cfg = parseStackConfig(raw, `EscalationPipeline "${name}" args`);
    this.config = cfg;
    const prefix = cfg.prefix ?? defaultPrefix(stack);
    this.prefix = prefix;
    const tags = { ...cfg.tags, "managed-by": "incident-escalation", "ie-stack": stack };

    // One region for both providers: aws-native never reads aws:region (see awsNativeProvider.ts).
    const identity = aws.getCallerIdentityOutput({}, { parent: this });
    const region = aws.getRegionOutput({}, { parent: this });
    const replicated = cfg.incidentManager.replicationSet;
    const checked = pipelineRegion(name, this, region.region, {
      awsNative: cfg.onCall.length > 0 || replicated !== "existing",
      replicationSetRegions: replicated === "existing" ? undefined : replicated.regions,
    });
    this.awsNativeProvider = checked.provider;
    const nativeOpts = { parent: this, providers: checked.providers };

    // Everything Incident Manager owns depends on the replication set when this stack creates it.
    const rs =
      cfg.incidentManager.replicationSet === "existing"
        ? undefined
        : new ReplicationSet(
            `${name}-replication-set`,
            {
              regions: cfg.incidentManager.replicationSet.regions,
              kmsKeyArn: cfg.incidentManager.replicationSet.kmsKeyArn,
              tags,
            },
            { ...nativeOpts, dependsOn: checked.region.apply(() => []) },
          );
    this.replicationSetArn = rs?.arn;
    // Incident Manager children wait for the region check (and for a created replication set).
    const childOpts: pulumi.ComponentResourceOptions = {
      ...nativeOpts,
      dependsOn: checked.region.apply(() => (rs ? [rs.resource] : [])),
    };

    const contacts = new Map<string, PersonalContact>();
    for (const c of cfg.contacts) {
      contacts.set(
        c.alias,
        new PersonalContact(
          `${name}-${c.alias}`,
          {
            alias: names.contact(prefix, c.alias),
            displayName: c.displayName,
            email: c.email,
            phone: c.phone,
            engagement: c.engagement,
            retryIntervalMinutes: c.retryIntervalMinutes,
            tags,
          },
          childOpts,
        ),
      );
    }

    const onCall = new Map<string, OnCallSchedule>();
    for (const r of cfg.onCall) {
      onCall.set(
        r.name,
        new OnCallSchedule(
          `${name}-oncall-${r.name}`,
          {
            alias: names.onCallContact(prefix, r.name),
            displayName: `${prefix} on-call ${r.name}`,
            rotationName: names.rotation(prefix, r.name),
            memberContactArns: r.members.map((m) => contacts.get(m)!.contactArn),
            timeZone: r.timeZone,
            recurrence: rotationRecurrence(r),
            startTime: r.startTime,
            tags,
          },
          childOpts,
        ),
      );
    }

    const arnOfTarget = (t: { kind: "contact" | "oncall"; name: string }): pulumi.Output<string> =>
      t.kind === "oncall" ? onCall.get(t.name)!.contactArn : contacts.get(t.name)!.contactArn;
    const arnOf = (ref: string): pulumi.Output<string> => arnOfTarget(parseRef(ref));

    const escalation =
      cfg.escalation.length > 0
        ? new EscalationPlan(
            `${name}-escalation`,
            {
              alias: names.escalationContact(prefix),
              displayName: `${prefix} escalation`,
              stages: escalationStages(cfg.escalation).map((stage) => ({
                durationInMinutes: stage.durationInMinutes,
                targets: stage.targets.map((t) => ({
                  contactArn: arnOfTarget(t),
                  isEssential: t.isEssential,
                })),
              })),
              tags,
            },
            childOpts,
          )
        : undefined;
    this.escalationPlanArn = escalation?.contactArn;

    const alerts = new AlertsTopic(
      `${name}-alerts`,
      {
        prefix,
        accountId: identity.accountId,
        slack: cfg.notifications.slack,
        teams: cfg.notifications.teams,
        tags,
      },
      { parent: this },
    );
    this.alertsTopicArn = alerts.topicArn;
    const chatTopicArn = alerts.topicArn;

    const pagingLevels = Object.entries(cfg.levels).filter(([, l]) => l.page);
    const plans = new ResponsePlans(
      `${name}-response`,
      {
        prefix,
        stack,
        chatTopicArn,
        tags,
        levels: pagingLevels.map(([level, l]) => ({
          name: level,
          impact: l.impact,
          engagements: [escalation!.contactArn, ...(l.engage ?? []).map(arnOf)],
          alarmAction: level === failSafeLevel(cfg.levels),
        })),
      },
      childOpts,
    );
    this.responsePlanArns = pulumi.output(plans.arns);

    this.wireRouting(name, cfg, prefix, stack, tags, {
      alertsTopicArn: alerts.topicArn,
      alertsKeyArn: alerts.keyArn,
      planArns: plans.arns,
      arnOf,
      accountId: identity.accountId,
      region: region.region,
    });

    this.contactArns = Object.fromEntries([...contacts].map(([a, c]) => [a, c.contactArn]));
    this.onCallArns = Object.fromEntries([...onCall].map(([r, s]) => [r, s.contactArn]));
    this.channelsToActivate = pulumi
      .all(
        [...contacts].flatMap(([alias, c]) =>
          c.channels.map((ch) =>
            pulumi.all([ch.arn, ch.activationStatus]).apply(([arn, status]) => ({
              contact: alias,
              channel: ch.kind,
              arn,
              activationStatus: status ?? "NOT_ACTIVATED",
            })),
          ),
        ),
      )
      .apply((list) => list.filter((c) => c.activationStatus !== "ACTIVATED"));

    this.registerOutputs({
      responsePlanArns: this.responsePlanArns,
      escalationPlanArn: this.escalationPlanArn,
      contactArns: this.contactArns,
      onCallArns: this.onCallArns,
      channelsToActivate: this.channelsToActivate,
      replicationSetArn: this.replicationSetArn,
      alertsTopicArn: this.alertsTopicArn,
      webhookSigningKeys: this.webhookSigningKeys,
    });
  }

  /** Alarms, EventBridge rules, the router and notifier Lambdas and their failure paths. */
  private wireRouting(
    name: string,
    cfg: StackConfig,
    prefix: string,
    stack: string,
    tags: Record<string, string>,
    refs: {
      alertsTopicArn: pulumi.Output<string>;
      alertsKeyArn: pulumi.Output<string>;
      planArns: Record<string, pulumi.Output<string>>;
      arnOf: (ref: string) => pulumi.Output<string>;
      accountId: pulumi.Output<string>;
      region: pulumi.Output<string>;
    },
  ): void {
    const levels = Object.entries(cfg.levels);
    // When a page may be lost (a dead letter on the paging path, a page the router gave up on),
    // self-monitoring pages a human directly through the most severe paging level's plan (the
    // untagged fail-safe plan, responsePlans.ts), so a broken router still wakes someone.
    // Everything else goes to Slack only (selfMonitoring.ts).
    const mostSevere = failSafeLevel(cfg.levels);
    const pagePlanArn = mostSevere ? refs.planArns[mostSevere] : undefined;
    const pageActions = [refs.alertsTopicArn, ...(pagePlanArn ? [pagePlanArn] : [])];

    // Events EventBridge (or Scheduler) could not deliver after their retries.
    const eventsDlq = new aws.sqs.Queue(
      `${name}-events-dlq`,
      {
        name: `${prefix}-events-dlq`,
        sqsManagedSseEnabled: true,
        messageRetentionSeconds: 14 * 24 * 3600,
        tags,
      },
      { parent: this },
    );

    const paging = levels.filter(([, l]) => l.page);
    const routed = levels.filter(([, l]) => l.page || (l.engage ?? []).length > 0);
    // Alarm → open incident: dedupe while an incident is open, follow-up on recovery.
    const dedupeTable =
      paging.length > 0
        ? new aws.dynamodb.Table(
            `${name}-open-incidents`,
            {
              name: `${prefix}-open-incidents`,
              billingMode: "PAY_PER_REQUEST",
              hashKey: "alarmArn",
              attributes: [{ name: "alarmArn", type: "S" }],
              pointInTimeRecovery: { enabled: true },
              serverSideEncryption: { enabled: true },
              deletionProtectionEnabled: true,
              tags,
            },
            { parent: this },
          )
        : undefined;
    if (routed.length > 0) {
      const routingTable = pulumi.output(
        Object.fromEntries(
          levels.map(([level, l]) => [
            level,
            l.page
              ? {
                  impact: l.impact,
                  responsePlanArn: refs.planArns[level],
                  ...(l.resolveOnRecovery ? { resolveOnRecovery: true } : {}),
                }
              : (l.engage ?? []).length > 0
                ? { impact: l.impact, engage: (l.engage ?? []).map(refs.arnOf) }
                : { impact: l.impact },
          ]),
        ),
      );
      const statements: Statement[] = routerStatements({
        responsePlanArns: levels.filter(([, l]) => l.page).map(([level]) => refs.planArns[level]),
        directEngageArns: levels
          .filter(([, l]) => !l.page)
          .flatMap(([, l]) => (l.engage ?? []).map(refs.arnOf)),
        region: refs.region,
        accountId: refs.accountId,
        responsePlanNames: paging.map(([level]) => names.responsePlan(prefix, level)),
        taggedResponsePlanNames: paging
          .filter(([level]) => level !== mostSevere)
          .map(([level]) => names.responsePlan(prefix, level)),
        dedupeTableArn: dedupeTable?.arn,
      });
      this.router = new HandlerFunction(
        `${name}-router`,
        {
          functionName: `${prefix}-router`,
          handler: "router",
          description:
            "Starts the level's Incident Manager response plan or engagement for an alarm",
          // The routing table grows with levels and contacts: it travels in the function's code,
          // where no 4 KB environment limit applies (handlers/shared/limits.ts, ROUTING_TABLE_FILE).
          files: { [ROUTING_TABLE_FILE]: routingTable.apply((t) => JSON.stringify(t)) },
          environment: {
            INCIDENT_SOURCE: incidentSource(stack),
            ENGAGEMENT_SENDER: "incident-escalation",
            // Alarms of other accounts and regions page nobody (handlers/router/core.ts foreignAlarm).
            ACCOUNT_ID: refs.accountId,
            ...(dedupeTable ? { DEDUPE_TABLE: dedupeTable.name } : {}),
          },
          statements,
          // Adaptive Incident Manager retries within the timeout, which stays below the dedupe
          // claim timeout (handlers/shared/limits.ts; tests/components/limits.spec.ts).
          timeoutSeconds: ROUTER_TIMEOUT_SECONDS,
          memoryMb: 256,
          // Rules deliver to the router's queue: bursts wait there instead of failing against the
          // 5 req/s API limit, and the mapping's maximum concurrency caps the router without
          // reserving concurrency (which accounts with a low quota refuse).
          queue: {
            maximumConcurrency: ROUTER_MAX_CONCURRENCY,
            visibilityTimeoutSeconds: ROUTER_QUEUE_VISIBILITY_TIMEOUT_SECONDS,
            maxReceiveCount: ROUTER_QUEUE_MAX_RECEIVES,
          },
          logRetentionDays: 90,
          // Direct (asynchronous) invocations, if any: alarm events arrive through the queue.
          maximumRetryAttempts: 2,
          alertsTopicArn: refs.alertsTopicArn,
          pagePlanArn,
          reportsPagesGivenUp: true,
          tags,
        },
        { parent: this },
      );
      // Scheduled drills: their own Lambda, role and workflow (drillSchedules.ts).
      createDrills(
        name,
        {
          prefix,
          drills: cfg.drills,
          levels: paging.map(([level, l]) => ({
            level,
            impact: l.impact,
            responsePlanArn: refs.planArns[level],
            responsePlanName: names.responsePlan(prefix, level),
            tagged: level !== mostSevere,
          })),
          region: refs.region,
          accountId: refs.accountId,
          alertsTopicArn: refs.alertsTopicArn,
          alertsKeyArn: refs.alertsKeyArn,
          deadLetterArn: eventsDlq.arn,
          tags,
        },
        this,
      );
    }

    const webhooks = cfg.notifications.webhooks;
    if (webhooks.length > 0) {
      const keys: Record<string, pulumi.Output<string>> = {};
      for (const w of webhooks) {
        keys[w.name] = w.signingKey
          ? pulumi.secret(w.signingKey)
          : new random.RandomPassword(
              `${name}-webhook-${w.name}-key`,
              { length: 48, special: false },
              { parent: this },
            ).result;
      }
      this.webhookSigningKeys = pulumi.secret(pulumi.output(keys));
      const secret = new aws.secretsmanager.Secret(
        `${name}-webhooks`,
        {
          name: `${prefix}/webhooks`,
          description: "Webhook URLs and signing keys of the incident-escalation notifier",
          recoveryWindowInDays: 7,
          tags,
        },
        { parent: this },
      );
      new aws.secretsmanager.SecretVersion(
        `${name}-webhooks`,
        {
          secretId: secret.id,
          secretString: pulumi.secret(
            pulumi
              .output(
                Object.fromEntries(
                  webhooks.map((w) => [
                    w.name,
                    // The notifier's secret format (handlers/notifier/core.ts parseWebhookSecret).
                    w.previousSigningKey === undefined
                      ? { url: w.url, signingKey: keys[w.name] }
                      : {
                          url: w.url,
                          signingKey: keys[w.name],
                          previousSigningKey: pulumi.secret(w.previousSigningKey),
                        },
                  ]),
                ),
              )
              .apply((v) => JSON.stringify(v)),
          ),
        },
        { parent: this },
      );
      this.notifier = new HandlerFunction(
        `${name}-notifier`,
        {
          functionName: `${prefix}-notifier`,
          handler: "notifier",
          description: "Sends signed webhooks for alarm state changes",
          environment: {
            WEBHOOKS: JSON.stringify(
              webhooks.map((w) => ({
                name: w.name,
                levels: w.levels,
                ...(w.allowPrivateNetwork === true ? { allowPrivateNetwork: true } : {}),
              })),
            ),
            WEBHOOK_SECRET_ARN: secret.arn,
            // Alarms of other accounts and regions reach no webhook (handlers/notifier/core.ts).
            ACCOUNT_ID: refs.accountId,
          },
          statements: notifierStatements(secret.arn),
          timeoutSeconds: 60,
          memoryMb: 256,
          logRetentionDays: 90,
          maximumRetryAttempts: 2,
          // Webhook receivers down lose no page: Slack only.
          alertsTopicArn: refs.alertsTopicArn,
          tags,
        },
        { parent: this },
      );
    }

    const ruleArns: pulumi.Output<string>[] = [];
    const routerRuleArns: pulumi.Output<string>[] = [];
    for (const [level] of levels) {
      const targets: RuleTargetArgs[] = [];
      if (this.router?.queue && routed.some(([l]) => l === level)) {
        targets.push({ id: "router", arn: this.router.queue.arn });
      }
      if (this.notifier && webhooks.some((w) => w.levels.includes(level))) {
        targets.push({
          id: "notifier",
          arn: this.notifier.arn,
          functionName: this.notifier.functionName,
        });
      }
      const routing = new LevelRouting(
        `${name}-${level}`,
        {
          prefix,
          level,
          alarms: cfg.alarms.filter((a) => a.thresholds[level] !== undefined),
          externalAlarms: cfg.externalAlarms.filter((e) => e.level === level).map((e) => e.name),
          account: refs.accountId,
          region: refs.region,
          alertsTopicArn: refs.alertsTopicArn,
          targets,
          deadLetterArn: eventsDlq.arn,
          tags,
        },
        { parent: this },
      );
      this.alarmNames[level] = routing.alarmNames;
      if (routing.ruleArn) ruleArns.push(routing.ruleArn);
      if (routing.ruleArn && targets.some((t) => t.id === "router")) {
        routerRuleArns.push(routing.ruleArn);
      }
    }
    const routerQueue = this.router?.queue;
    if (routerQueue && routerRuleArns.length > 0) {
      new aws.sqs.QueuePolicy(
        `${name}-router-queue`,
        {
          queueUrl: routerQueue.url,
          policy: policyJson(
            ruleTargetQueueStatements("EventBridgeRulesToRouter", routerQueue.arn, routerRuleArns),
          ),
        },
        { parent: this },
      );
    }
    if (ruleArns.length > 0) {
      new aws.sqs.QueuePolicy(
        `${name}-events-dlq`,
        {
          queueUrl: eventsDlq.url,
          policy: policyJson(
            ruleTargetQueueStatements("EventBridgeDeadLetters", eventsDlq.arn, ruleArns),
          ),
        },
        { parent: this },
      );
    }
    new aws.cloudwatch.MetricAlarm(
      `${name}-events-dlq-depth`,
      dlqDepthAlarmArgs(
        `${prefix}-events-dlq-depth`,
        "Alarm events EventBridge could not deliver to the router or notifier",
        eventsDlq.name,
        pageActions,
        tags,
      ),
      { parent: this },
    );
  }
}

/** `triggerDetails.source` of incidents: ≤ 50 characters, not starting with "aws.". */
export function incidentSource(stack: string): string {
  return `incident-escalation.${stack}`.slice(0, 50);
}
