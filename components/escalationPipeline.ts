import { createDeferral, outsideHoursEntry, routerDeferral } from "./deferral";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import {
  ChannelKind,
  StackConfig,
  StackConfigInput,
  incidentManagerSettings,
  parseStackConfig,
} from "../config/schema";
import { defaultPrefix, escalationStages, names, parseRef, rotationRecurrence } from "./builders";
import { AlertsTopic } from "./alertsTopic";
import { Silences, silencesVariable } from "./silences";
import { createDrills } from "./drillSchedules";
import { EscalationPlan } from "./escalationPlan";
import { HandlerFunction } from "./handlerFunction";
import { LevelRouting, RuleTargetArgs, TARGET_RETRY_POLICY } from "./levelRouting";
import {
  RouterPolicyArgs,
  Statement,
  conditionalAssumeRolePolicy,
  notifierStatements,
  policyJson,
  routerStatements,
  ruleTargetQueueStatements,
} from "./iamStatements";
import {
  ROUTER_MAX_CONCURRENCY,
  ROUTER_QUEUE_MAX_RECEIVES,
  ROUTER_QUEUE_VISIBILITY_TIMEOUT_SECONDS,
  ROUTER_TIMEOUT_SECONDS,
  ROUTING_TABLE_FILE,
} from "../handlers/shared/limits";
import { routerEnv } from "../handlers/router/env";
import { dlqDepthAlarmArgs } from "./selfMonitoring";
import { createHeartbeat } from "./heartbeat";
import {
  heartbeatAlarmName,
  heartbeatMissingAlarmName,
  heartbeatRouterEnv,
} from "../handlers/router/heartbeat";
import { OnCallSchedule } from "./onCallSchedule";
import { PersonalContact } from "./personalContact";
import { ReplicationSet } from "./replicationSet";
import { ResponsePlans, failSafeLevel } from "./responsePlans";
import { pipelineRegion } from "./awsNativeProvider";
import { AckEndpoint } from "./engine/ackEndpoint";
import { EscalationEngine } from "./engine/escalationEngine";
import {
  engineDirectory,
  enginePlan,
  sesIdentityArns,
  smsOriginationArn,
} from "./engine/enginePlan";
import { selfPageEventPattern, selfPageInputTemplate } from "./selfMonitoring";

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
  public readonly router?: HandlerFunction;
  /** The notifier Lambda (when webhooks are configured). */
  public readonly notifier?: HandlerFunction;
  /** Webhook signing keys by webhook name (secret), for the receivers. */
  public readonly webhookSigningKeys?: pulumi.Output<Record<string, string>>;
  /** Names of the alarms created, by level. */
  public readonly alarmNames: Record<string, string[]>;
  /** The escalation engine's state machine (backend step-functions). */
  public readonly stateMachineArn?: pulumi.Output<string>;
  /** The acknowledgement endpoint's function URL (backend step-functions). */
  public readonly ackUrl?: pulumi.Output<string>;

  constructor(
    name: string,
    args: EscalationPipelineArgs,
    opts: pulumi.ComponentResourceOptions = {},
    /**
     * The config already validated by parseStackConfig (the multi-language plugin passes one whose
     * secret leaves are Outputs, plugin/convert.ts); `args` are then used for `stack` only.
     */
    validated?: StackConfig,
  ) {
    super("incident-escalation:index:EscalationPipeline", name, {}, opts);
    const { stack, ...raw } = args;
    const cfg = validated ?? parseStackConfig(raw, `EscalationPipeline "${name}" args`);
    const prefix = cfg.prefix ?? defaultPrefix(stack);
    this.prefix = prefix;
    const scope: Scope = {
      name,
      prefix,
      stack,
      tags: { ...cfg.tags, "managed-by": "incident-escalation", "ie-stack": stack },
      parent: this,
    };
    const identity = aws.getCallerIdentityOutput({}, { parent: this });
    const region = aws.getRegionOutput({}, { parent: this });
    const where: Where = { accountId: identity.accountId, region: region.region };

    if (cfg.backend === "step-functions") {
      // No Incident Manager resource: the escalation engine pages (backend step-functions).
      const alerts = createAlertsTopic(scope, cfg, where.accountId);
      this.alertsTopicArn = alerts.topicArn;
      this.responsePlanArns = pulumi.output<Record<string, string>>({});
      this.contactArns = {};
      this.onCallArns = {};
      this.channelsToActivate = pulumi.output<ChannelToActivate[]>([]);
      const engine = createEngine(scope, cfg, where, alerts);
      this.stateMachineArn = engine.stateMachineArn;
      this.ackUrl = engine.ackUrl;
      const eventsDlq = createEventsDlq(scope);
      const silences = createSilences(scope, cfg);
      this.router = createRouter(scope, cfg, where, {
        planArns: {},
        arnOf: () => {
          throw new Error("backend step-functions has no Incident Manager contacts");
        },
        alertsTopicArn: alerts.topicArn,
        // Self-monitoring pages through the self-page rule (createSelfPageRule), not an action.
        pagePlanArn: undefined,
        dedupeTable: createDedupeTable(scope, cfg),
        engine,
        silences: silences && { table: silences, topic: alerts },
      });
      createDeferral(scope, cfg, where, this.router?.queue?.arn);
      if (this.router)
        createScheduledEngineDrills(scope, cfg, where, { engine, alerts, eventsDlq });
      const selfPage = createSelfPageRule(scope, cfg, where, {
        engine,
        eventsDlq,
        routed: this.router !== undefined,
        heartbeat: hasHeartbeat(cfg, this.router),
      });
      const tail = createRoutingTail(scope, cfg, where, {
        router: this.router,
        alerts,
        eventsDlq,
        // The alerts topic only: the self-page rule starts the fail-safe escalation on ALARM.
        pageActions: [alerts.topicArn],
        failSafeRuleArns: selfPage ? [selfPage] : [],
      });
      this.notifier = tail.notifier;
      this.webhookSigningKeys = tail.signingKeys;
      this.alarmNames = tail.alarmNames;
    } else {
      // Who gets engaged, in which order, for which level (Incident Manager), and the Slack topic.
      const im = checkRegionAndReplicate(scope, cfg, where.region);
      this.awsNativeProvider = im.provider;
      this.replicationSetArn = im.replicationSetArn;
      const people = createContacts(scope, cfg, im.childOpts);
      const escalation = createEscalationPlan(scope, cfg, people, im.childOpts);
      this.escalationPlanArn = escalation?.contactArn;
      const alerts = createAlertsTopic(scope, cfg, where.accountId);
      this.alertsTopicArn = alerts.topicArn;
      const planArns = createResponsePlans(scope, cfg, {
        chatTopicArn: alerts.topicArn,
        escalation,
        arnOf: people.arnOf,
        opts: im.childOpts,
      });
      this.responsePlanArns = pulumi.output(planArns);

      // Routing: alarms → rules → the router (paging) and the notifier (webhooks).
      const pageActions = selfMonitoringPageActions(cfg, alerts.topicArn, planArns);
      const eventsDlq = createEventsDlq(scope);
      const silences = createSilences(scope, cfg);
      this.router = createRouter(scope, cfg, where, {
        silences: silences && { table: silences, topic: alerts },
        planArns,
        arnOf: people.arnOf,
        alertsTopicArn: alerts.topicArn,
        pagePlanArn: pageActions.planArn,
        dedupeTable: createDedupeTable(scope, cfg),
      });
      createDeferral(scope, cfg, where, this.router?.queue?.arn);
      if (this.router) createScheduledDrills(scope, cfg, where, { planArns, alerts, eventsDlq });
      const tail = createRoutingTail(scope, cfg, where, {
        router: this.router,
        alerts,
        eventsDlq,
        pageActions: pageActions.actions,
        failSafeRuleArns: [],
      });
      this.notifier = tail.notifier;
      this.webhookSigningKeys = tail.signingKeys;
      this.alarmNames = tail.alarmNames;

      this.contactArns = Object.fromEntries(
        [...people.contacts].map(([a, c]) => [a, c.contactArn]),
      );
      this.onCallArns = Object.fromEntries([...people.onCall].map(([r, s]) => [r, s.contactArn]));
      this.channelsToActivate = channelsToActivate(people.contacts);
    }

    this.registerOutputs({
      responsePlanArns: this.responsePlanArns,
      escalationPlanArn: this.escalationPlanArn,
      contactArns: this.contactArns,
      onCallArns: this.onCallArns,
      channelsToActivate: this.channelsToActivate,
      replicationSetArn: this.replicationSetArn,
      alertsTopicArn: this.alertsTopicArn,
      webhookSigningKeys: this.webhookSigningKeys,
      ...(this.stateMachineArn
        ? { stateMachineArn: this.stateMachineArn, ackUrl: this.ackUrl }
        : {}),
    });
  }
}

/** What every child needs: names derive from `name`, physical names from `prefix`. */
interface Scope {
  /** The pipeline's logical name; children are named `${name}-…`. */
  readonly name: string;
  /** Physical-name prefix. */
  readonly prefix: string;
  /** Stack name (incident source, response plan tags). */
  readonly stack: string;
  /** Tags of every taggable child. */
  readonly tags: Record<string, string>;
  /** The pipeline: the parent of every child. */
  readonly parent: pulumi.Resource;
}

/** The deploying account and the aws provider's region. */
interface Where {
  readonly accountId: pulumi.Output<string>;
  readonly region: pulumi.Output<string>;
}

/**
 * One region for both providers (aws-native never reads aws:region, see awsNativeProvider.ts) and
 * the replication set when this stack creates it; returns the options of every Incident Manager
 * child, which wait for the region check (and for a created replication set).
 */
function checkRegionAndReplicate(
  scope: Scope,
  cfg: StackConfig,
  region: pulumi.Output<string>,
): {
  provider?: pulumi.ProviderResource;
  replicationSetArn?: pulumi.Output<string>;
  childOpts: pulumi.ComponentResourceOptions;
} {
  const { name, tags, parent } = scope;
  const replicated = incidentManagerSettings(cfg).replicationSet;
  const checked = pipelineRegion(name, parent, region, {
    awsNative: cfg.onCall.length > 0 || replicated !== "existing",
    replicationSetRegions: replicated === "existing" ? undefined : replicated.regions,
  });
  const nativeOpts = { parent, providers: checked.providers };

  // Everything Incident Manager owns depends on the replication set when this stack creates it.
  const rs =
    replicated === "existing"
      ? undefined
      : new ReplicationSet(
          `${name}-replication-set`,
          {
            regions: replicated.regions,
            kmsKeyArn: replicated.kmsKeyArn,
            tags,
          },
          { ...nativeOpts, dependsOn: checked.region.apply(() => []) },
        );
  return {
    provider: checked.provider,
    replicationSetArn: rs?.arn,
    childOpts: {
      ...nativeOpts,
      dependsOn: checked.region.apply(() => (rs ? [rs.resource] : [])),
    },
  };
}

/** Personal contacts and on-call schedules, and the contact ARN of a config reference. */
interface People {
  readonly contacts: Map<string, PersonalContact>;
  readonly onCall: Map<string, OnCallSchedule>;
  readonly arnOfTarget: (t: { kind: "contact" | "oncall"; name: string }) => pulumi.Output<string>;
  /** `sato` or `oncall:primary` → its contact ARN. */
  readonly arnOf: (ref: string) => pulumi.Output<string>;
}

function createContacts(
  scope: Scope,
  cfg: StackConfig,
  childOpts: pulumi.ComponentResourceOptions,
): People {
  const { name, prefix, tags } = scope;
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
  return { contacts, onCall, arnOfTarget, arnOf: (ref) => arnOfTarget(parseRef(ref)) };
}

/** The escalation plan (an ESCALATION contact), when the config has escalation stages. */
function createEscalationPlan(
  scope: Scope,
  cfg: StackConfig,
  people: People,
  childOpts: pulumi.ComponentResourceOptions,
): EscalationPlan | undefined {
  const { name, prefix, tags } = scope;
  if (cfg.escalation.length === 0) return undefined;
  return new EscalationPlan(
    `${name}-escalation`,
    {
      alias: names.escalationContact(prefix),
      displayName: `${prefix} escalation`,
      stages: escalationStages(cfg.escalation).map((stage) => ({
        durationInMinutes: stage.durationInMinutes,
        targets: stage.targets.map((t) => ({
          contactArn: people.arnOfTarget(t),
          isEssential: t.isEssential,
        })),
      })),
      tags,
    },
    childOpts,
  );
}

/** The encrypted SNS topic relayed to Slack (and Teams): alarms, reports, self-monitoring. */
function createAlertsTopic(
  scope: Scope,
  cfg: StackConfig,
  accountId: pulumi.Output<string>,
): AlertsTopic {
  const { name, prefix, tags, parent } = scope;
  return new AlertsTopic(
    `${name}-alerts`,
    {
      prefix,
      accountId,
      slack: cfg.notifications.slack,
      teams: cfg.notifications.teams,
      tags,
    },
    { parent },
  );
}

/** One response plan per paging level; returns their ARNs by level. */
function createResponsePlans(
  scope: Scope,
  cfg: StackConfig,
  refs: {
    readonly chatTopicArn: pulumi.Output<string>;
    readonly escalation: EscalationPlan | undefined;
    readonly arnOf: (ref: string) => pulumi.Output<string>;
    readonly opts: pulumi.ComponentResourceOptions;
  },
): Record<string, pulumi.Output<string>> {
  const { name, prefix, stack, tags } = scope;
  const pagingLevels = Object.entries(cfg.levels).filter(([, l]) => l.page);
  const plans = new ResponsePlans(
    `${name}-response`,
    {
      prefix,
      stack,
      chatTopicArn: refs.chatTopicArn,
      tags,
      levels: pagingLevels.map(([level, l]) => ({
        name: level,
        impact: l.impact,
        engagements: [refs.escalation!.contactArn, ...(l.engage ?? []).map(refs.arnOf)],
        alarmAction: level === failSafeLevel(cfg.levels),
      })),
    },
    refs.opts,
  );
  return plans.arns;
}

/**
 * Where self-monitoring sends an alarm when a page may be lost (a dead letter on the paging path,
 * a page the router gave up on): the alerts topic and the most severe paging level's plan (the
 * untagged fail-safe plan, responsePlans.ts), so a broken router still wakes someone. Everything
 * else goes to Slack only (selfMonitoring.ts).
 */
function selfMonitoringPageActions(
  cfg: StackConfig,
  alertsTopicArn: pulumi.Output<string>,
  planArns: Record<string, pulumi.Output<string>>,
): { planArn?: pulumi.Output<string>; actions: pulumi.Output<string>[] } {
  const mostSevere = failSafeLevel(cfg.levels);
  const planArn = mostSevere ? planArns[mostSevere] : undefined;
  return { planArn, actions: [alertsTopicArn, ...(planArn ? [planArn] : [])] };
}

/** Events EventBridge (or Scheduler) could not deliver after their retries. */
function createEventsDlq(scope: Scope): aws.sqs.Queue {
  const { name, prefix, tags, parent } = scope;
  return new aws.sqs.Queue(
    `${name}-events-dlq`,
    {
      name: `${prefix}-events-dlq`,
      sqsManagedSseEnabled: true,
      messageRetentionSeconds: 14 * 24 * 3600,
      tags,
    },
    { parent },
  );
}

/** Alarm → open incident: dedupe while an incident is open, follow-up on recovery. */
function createDedupeTable(scope: Scope, cfg: StackConfig): aws.dynamodb.Table | undefined {
  const { name, prefix, tags, parent } = scope;
  if (!Object.values(cfg.levels).some((l) => l.page)) return undefined;
  return new aws.dynamodb.Table(
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
    { parent },
  );
}

/**
 * Scheduled drills: their own Lambda, role and workflow (drillSchedules.ts createDrills), beside
 * the router, which knows nothing of them. Nothing when the config has no drills.
 */
function createScheduledDrills(
  scope: Scope,
  cfg: StackConfig,
  where: Where,
  refs: {
    readonly planArns: Record<string, pulumi.Output<string>>;
    readonly alerts: AlertsTopic;
    readonly eventsDlq: aws.sqs.Queue;
  },
): void {
  const { name, prefix, tags, parent } = scope;
  const mostSevere = failSafeLevel(cfg.levels);
  createDrills(
    name,
    {
      prefix,
      drills: cfg.drills,
      levels: Object.entries(cfg.levels)
        .filter(([, l]) => l.page)
        .map(([level, l]) => ({
          level,
          impact: l.impact,
          responsePlanArn: refs.planArns[level],
          responsePlanName: names.responsePlan(prefix, level),
          tagged: level !== mostSevere,
        })),
      region: where.region,
      accountId: where.accountId,
      alertsTopicArn: refs.alerts.topicArn,
      alertsKeyArn: refs.alerts.keyArn,
      deadLetterArn: refs.eventsDlq.arn,
      tags,
    },
    parent,
  );
}

/**
 * Backend step-functions' scheduled drills: the same Lambda, workflow and schedules as
 * createScheduledDrills, driving the engine (StartExecution of its state machine, the incident
 * table) instead of response plans. Nothing when the config has no drills.
 */
function createScheduledEngineDrills(
  scope: Scope,
  cfg: StackConfig,
  where: Where,
  refs: {
    readonly engine: Engine;
    readonly alerts: AlertsTopic;
    readonly eventsDlq: aws.sqs.Queue;
  },
): void {
  const { name, prefix, tags, parent } = scope;
  createDrills(
    name,
    {
      prefix,
      drills: cfg.drills,
      levels: [],
      engine: {
        levels: Object.entries(cfg.levels)
          .filter(([, l]) => l.page)
          .map(([level]) => level),
        stateMachineArn: refs.engine.stateMachineArn,
        stateMachineName: refs.engine.stateMachineName,
        incidentTableName: refs.engine.incidentTableName,
        incidentTableArn: refs.engine.incidentTableArn,
        language: cfg.language,
      },
      region: where.region,
      accountId: where.accountId,
      alertsTopicArn: refs.alerts.topicArn,
      alertsKeyArn: refs.alerts.keyArn,
      deadLetterArn: refs.eventsDlq.arn,
      tags,
    },
    parent,
  );
}

/** Levels the router handles: those that page, and those that engage contacts directly. */
function routedLevels(cfg: StackConfig): string[] {
  return Object.entries(cfg.levels)
    .filter(([, l]) => l.page || (l.engage ?? []).length > 0)
    .map(([level]) => level);
}

/**
 * The router Lambda, behind its SQS queue, when a level pages or engages: its routing table, IAM
 * statements and environment. Undefined when no level needs it. With Incident Manager it starts
 * response plans and engagements; with the escalation engine (backend step-functions) it starts
 * the engine's executions. Both apply outsideHours, silences and the heartbeat the same way.
 */
function createRouter(
  scope: Scope,
  cfg: StackConfig,
  where: Where,
  refs: {
    readonly planArns: Record<string, pulumi.Output<string>>;
    readonly arnOf: (ref: string) => pulumi.Output<string>;
    readonly alertsTopicArn: pulumi.Output<string>;
    readonly pagePlanArn: pulumi.Output<string> | undefined;
    readonly dedupeTable: aws.dynamodb.Table | undefined;
    /** The escalation engine (backend step-functions): the router starts its executions. */
    readonly engine?: Engine;
    /** Ad-hoc silences and maintenance windows (`maintenance` configured). */
    readonly silences?: { readonly table: Silences; readonly topic: AlertsTopic };
  },
): HandlerFunction | undefined {
  const { name, prefix, stack, tags, parent } = scope;
  if (routedLevels(cfg).length === 0) return undefined;
  const backend = refs.engine
    ? engineRouterBackend(cfg, refs.engine)
    : incidentManagerRouterBackend(cfg, prefix, refs);
  const deferral = routerDeferral(cfg, prefix, where);
  const statements: Statement[] = routerStatements({
    ...backend.policy,
    region: where.region,
    accountId: where.accountId,
    dedupeTableArn: refs.dedupeTable?.arn,
    ...(refs.silences && {
      silences: {
        tableArn: refs.silences.table.tableArn,
        topicArn: refs.silences.topic.topicArn,
        topicKeyArn: refs.silences.topic.keyArn,
      },
    }),
  }).concat(deferral.statements);
  return new HandlerFunction(
    `${name}-router`,
    {
      functionName: `${prefix}-router`,
      handler: "router",
      description: backend.description,
      // The routing table grows with levels and contacts: it travels in the function's code,
      // where no 4 KB environment limit applies (handlers/shared/limits.ts, ROUTING_TABLE_FILE).
      files: { [ROUTING_TABLE_FILE]: backend.routingTable.apply((t) => JSON.stringify(t)) },
      // The variables parseRouterEnv reads, named in one place (handlers/router/env.ts).
      environment: {
        ...routerEnv<pulumi.Input<string>>({
          incidentSource: incidentSource(stack),
          engagementSender: "incident-escalation",
          // Alarms of other accounts and regions page nobody (handlers/router/alarmEvent.ts).
          accountId: where.accountId,
          dedupeTable: refs.dedupeTable?.name,
          ...(refs.engine && {
            stepFunctions: {
              stateMachineArn: refs.engine.stateMachineArn,
              incidentTable: refs.engine.incidentTableName,
            },
          }),
          ...(refs.silences && {
            silences: {
              config: silencesVariable({
                prefix,
                language: cfg.language,
                table: refs.silences.table.tableName,
                windows: cfg.maintenance ?? [],
              }),
              alertsTopicArn: refs.silences.topic.topicArn,
            },
          }),
        }),
        ...deferral.environment,
        // The heartbeat's canary, which the router counts and never pages for (heartbeat.ts).
        ...heartbeatRouterEnv(cfg.heartbeat ? heartbeatAlarmName(prefix) : undefined),
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
      // Its alarms go to Slack; with Incident Manager they also page (pagePlanArn); with the
      // engine the self-page rule (createSelfPageRule) pages for those that may mean a lost page.
      alertsTopicArn: refs.alertsTopicArn,
      pagePlanArn: refs.pagePlanArn,
      reportsPagesGivenUp: true,
      tags,
    },
    { parent },
  );
}

/** What differs between the backends' routers: routing table, backend statements, description. */
interface RouterBackend {
  readonly description: string;
  readonly routingTable: pulumi.Output<Record<string, unknown>>;
  readonly policy: Pick<
    RouterPolicyArgs,
    | "responsePlanArns"
    | "directEngageArns"
    | "responsePlanNames"
    | "taggedResponsePlanNames"
    | "stepFunctions"
  >;
}

/** Incident Manager: a paging level starts its response plan, an engaging one its contacts. */
function incidentManagerRouterBackend(
  cfg: StackConfig,
  prefix: string,
  refs: {
    readonly planArns: Record<string, pulumi.Output<string>>;
    readonly arnOf: (ref: string) => pulumi.Output<string>;
  },
): RouterBackend {
  const levels = Object.entries(cfg.levels);
  const paging = levels.filter(([, l]) => l.page);
  const mostSevere = failSafeLevel(cfg.levels);
  return {
    description: "Starts the level's Incident Manager response plan or engagement for an alarm",
    routingTable: pulumi.output(
      Object.fromEntries(
        levels.map(([level, l]) => [
          level,
          {
            ...outsideHoursEntry(cfg, l),
            ...(l.page
              ? {
                  impact: l.impact,
                  responsePlanArn: refs.planArns[level],
                  ...(l.resolveOnRecovery ? { resolveOnRecovery: true } : {}),
                }
              : (l.engage ?? []).length > 0
                ? { impact: l.impact, engage: (l.engage ?? []).map(refs.arnOf) }
                : { impact: l.impact }),
          },
        ]),
      ),
    ),
    policy: {
      responsePlanArns: paging.map(([level]) => refs.planArns[level]),
      directEngageArns: levels
        .filter(([, l]) => !l.page)
        .flatMap(([, l]) => (l.engage ?? []).map(refs.arnOf)),
      responsePlanNames: paging.map(([level]) => names.responsePlan(prefix, level)),
      taggedResponsePlanNames: paging
        .filter(([level]) => level !== mostSevere)
        .map(([level]) => names.responsePlan(prefix, level)),
    },
  };
}

/**
 * The escalation engine (backend step-functions): every level the router handles starts an
 * execution (engineRoutingTable, with each level's outsideHours); StartExecution of this state
 * machine, StopExecution of its executions, the incident table.
 */
function engineRouterBackend(cfg: StackConfig, engine: Engine): RouterBackend {
  const table = engineRoutingTable(cfg.levels);
  return {
    description: "Starts the level's escalation execution (Step Functions) for an alarm",
    routingTable: pulumi.output(
      Object.fromEntries(
        Object.entries(table).map(([level, route]) => [
          level,
          { ...outsideHoursEntry(cfg, cfg.levels[level]), ...route },
        ]),
      ),
    ),
    policy: {
      responsePlanArns: [],
      directEngageArns: [],
      stepFunctions: {
        stateMachineArn: engine.stateMachineArn,
        stateMachineName: engine.stateMachineName,
        incidentTableArn: engine.incidentTableArn,
      },
    },
  };
}

/** What the router and self-monitoring need of the escalation engine (backend step-functions). */
interface Engine {
  readonly stateMachineArn: pulumi.Output<string>;
  readonly stateMachineName: string;
  readonly incidentTableName: pulumi.Output<string>;
  readonly incidentTableArn: pulumi.Output<string>;
  readonly ackUrl: pulumi.Output<string>;
}

/**
 * Backend step-functions: the acknowledgement endpoint (incident table, key secret, function URL)
 * and the escalation engine (state machine, engine function, directory secret of the contacts'
 * addresses). The engine sends from the configured SES identity and SMS origination identity.
 */
function createEngine(scope: Scope, cfg: StackConfig, where: Where, alerts: AlertsTopic): Engine {
  const { name, prefix, tags, parent } = scope;
  const email = cfg.channels?.email;
  if (!email) {
    throw new Error(
      `EscalationPipeline "${name}": channels.email is required with backend step-functions`,
    );
  }
  const sms = cfg.channels?.sms;
  const contactLanguages = Object.fromEntries(
    cfg.contacts
      .filter((c) => c.language !== undefined && c.language !== cfg.language)
      .map((c) => [c.alias, c.language!]),
  );
  const ack = new AckEndpoint(
    `${name}-ack`,
    {
      prefix,
      alertsTopicArn: alerts.topicArn,
      language: cfg.language,
      contactLanguages,
      logRetentionDays: 90,
      tags,
    },
    { parent },
  );
  const at = pulumi.all([where.region, where.accountId]);
  const identities = at.apply(([region, account]) => sesIdentityArns(email.from, region, account));
  const engine = new EscalationEngine(
    `${name}-engine`,
    {
      prefix,
      accountId: where.accountId,
      region: where.region,
      plan: enginePlan(cfg),
      directory: engineDirectory(cfg.contacts),
      incidentTable: { name: ack.tableName, arn: ack.tableArn },
      alertsTopic: { arn: alerts.topicArn, keyArn: alerts.keyArn },
      email: {
        from: email.from,
        identityArns: [identities.apply((i) => i[0]), identities.apply((i) => i[1])],
        configurationSetName: email.configurationSet,
      },
      sms: sms && {
        originationIdentity: sms.originationIdentity,
        originationIdentityArn: at.apply(
          ([region, account]) => smsOriginationArn(sms.originationIdentity, region, account).arn,
        ),
        configurationSetName: sms.configurationSet,
      },
      // channels.voice (config/backend.ts VoiceChannelConfig): Connect calls, flows, flow Lambda.
      voice: cfg.channels?.voice,
      ack: { keySecretArn: ack.keySecretArn, baseUrl: ack.url },
      logRetentionDays: 90,
      tags,
    },
    { parent },
  );
  return {
    stateMachineArn: engine.stateMachineArn,
    stateMachineName: engine.stateMachineName,
    incidentTableName: ack.tableName,
    incidentTableArn: ack.tableArn,
    ackUrl: ack.url,
  };
}

/**
 * The router's routing table under backend step-functions (routing.json): a level the router
 * handles (it pages or engages) starts an execution, `{impact, execution: true}` plus
 * `resolveOnRecovery` when set; any other level only `{impact}`.
 */
export function engineRoutingTable(
  levels: StackConfig["levels"],
): Record<string, { impact: number; execution?: true; resolveOnRecovery?: true }> {
  return Object.fromEntries(
    Object.entries(levels).map(([level, l]) => [
      level,
      l.page || (l.engage ?? []).length > 0
        ? {
            impact: l.impact,
            execution: true as const,
            ...(l.resolveOnRecovery ? { resolveOnRecovery: true as const } : {}),
          }
        : { impact: l.impact },
    ]),
  );
}

/**
 * Backend step-functions' fail-safe (what the untagged response plan's alarm action does with
 * Incident Manager, selfMonitoringPageActions): an EventBridge rule on the self-monitoring alarms
 * that mean a page may be lost (the events DLQ's depth; the router's DLQ depth and pages given
 * up; the heartbeat's missing-data alarm, so a broken alarm → router path pages without it) entering ALARM, whose target is the state machine itself, so a broken router still pages
 * the fail-safe level. The target's role may start executions of this state machine only. Returns
 * the rule's ARN (the events DLQ's policy admits it), undefined when no level pages.
 */
function createSelfPageRule(
  scope: Scope,
  cfg: StackConfig,
  where: Where,
  refs: {
    readonly engine: Engine;
    readonly eventsDlq: aws.sqs.Queue;
    readonly routed: boolean;
    /** The heartbeat's missing-data alarm exists (createPipelineHeartbeat): it pages here too. */
    readonly heartbeat: boolean;
  },
): pulumi.Output<string> | undefined {
  const { name, prefix, tags, parent } = scope;
  const level = failSafeLevel(cfg.levels);
  if (!level) return undefined;
  const alarms = [
    `${prefix}-events-dlq-depth`,
    ...(refs.routed ? [`${prefix}-router-dlq-depth`, `${prefix}-router-pages-given-up`] : []),
    ...(refs.heartbeat ? [heartbeatMissingAlarmName(prefix)] : []),
  ];
  const rule = new aws.cloudwatch.EventRule(
    `${name}-self-page`,
    {
      name: `${prefix}-self-page`,
      description: `Self-monitoring alarms that may mean a lost page: start a ${level} escalation`,
      eventPattern: pulumi
        .all([where.accountId, where.region])
        .apply(([account, region]) => selfPageEventPattern(alarms, { account, region })),
      tags,
    },
    { parent },
  );
  // EventBridge assumes the target's role to call StartExecution: a Step Functions state machine
  // target needs a role that allows states:StartExecution on it (EventBridge user guide, "Amazon
  // EventBridge targets", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-targets.html;
  // AWS CDK's SfnStateMachine target builds the same role). EventBridge may assume it only for
  // this rule of this account (selfPageTrustPolicy).
  const role = new aws.iam.Role(
    `${name}-self-page-role`,
    {
      name: `${prefix}-self-page`,
      assumeRolePolicy: selfPageTrustPolicy(rule.arn, where.accountId),
      tags,
    },
    { parent },
  );
  const policy = new aws.iam.RolePolicy(
    `${name}-self-page-policy`,
    {
      role: role.name,
      name: `${prefix}-self-page-policy`,
      policy: policyJson(selfPageStatements(refs.engine.stateMachineArn)),
    },
    { parent },
  );
  new aws.cloudwatch.EventTarget(
    `${name}-self-page`,
    {
      rule: rule.name,
      targetId: "escalation",
      arn: refs.engine.stateMachineArn,
      roleArn: role.arn,
      inputTransformer: {
        inputPaths: { alarmName: "$.detail.alarmName", firedAt: "$.time" },
        inputTemplate: selfPageInputTemplate(level),
      },
      retryPolicy: TARGET_RETRY_POLICY,
      deadLetterConfig: { arn: refs.eventsDlq.arn },
    },
    { parent, dependsOn: [policy] },
  );
  return rule.arn;
}

/**
 * Trust policy of the self-page rule's role: EventBridge may assume it only when delivering for
 * this rule of this account. EventBridge's confused-deputy guidance: "For EventBridge event bus
 * rule targets, the value of aws:SourceArn must be the rule ARN", with aws:SourceAccount beside it
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/cross-service-confused-deputy-prevention.html;
 * the keys' values, the rule that sends the event and its account:
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-conditions.html).
 */
export function selfPageTrustPolicy(
  ruleArn: pulumi.Input<string>,
  accountId: pulumi.Input<string>,
): pulumi.Output<string> {
  return conditionalAssumeRolePolicy("events.amazonaws.com", {
    StringEquals: { "aws:SourceAccount": accountId, "aws:SourceArn": ruleArn },
  });
}

/** The self-page rule's role: start executions of this state machine, nothing else. */
export function selfPageStatements(stateMachineArn: pulumi.Input<string>): Statement[] {
  return [
    {
      Sid: "StartFailSafeEscalation",
      Effect: "Allow",
      Action: ["states:StartExecution"],
      Resource: [stateMachineArn],
    },
  ];
}

/**
 * Webhooks, when configured: a signing key per webhook (generated unless given), the secret that
 * holds URLs and keys, and the notifier Lambda that reads it.
 */
function createNotifier(
  scope: Scope,
  cfg: StackConfig,
  where: Where,
  alertsTopicArn: pulumi.Output<string>,
): { notifier: HandlerFunction; signingKeys: pulumi.Output<Record<string, string>> } | undefined {
  const { name, prefix, tags, parent } = scope;
  const webhooks = cfg.notifications.webhooks;
  if (webhooks.length === 0) return undefined;
  const keys: Record<string, pulumi.Output<string>> = {};
  for (const w of webhooks) {
    keys[w.name] = w.signingKey
      ? pulumi.secret(w.signingKey)
      : new random.RandomPassword(
          `${name}-webhook-${w.name}-key`,
          { length: 48, special: false },
          { parent },
        ).result;
  }
  const signingKeys = pulumi.secret(pulumi.output(keys));
  const secret = new aws.secretsmanager.Secret(
    `${name}-webhooks`,
    {
      name: `${prefix}/webhooks`,
      description: "Webhook URLs and signing keys of the incident-escalation notifier",
      recoveryWindowInDays: 7,
      tags,
    },
    { parent },
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
    { parent },
  );
  const notifier = new HandlerFunction(
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
        ACCOUNT_ID: where.accountId,
      },
      statements: notifierStatements(secret.arn),
      timeoutSeconds: 60,
      memoryMb: 256,
      logRetentionDays: 90,
      maximumRetryAttempts: 2,
      // Webhook receivers down lose no page: Slack only.
      alertsTopicArn,
      tags,
    },
    { parent },
  );
  return { notifier, signingKeys };
}

/**
 * Ad-hoc silences and maintenance windows, when the stack configures `maintenance` (even `[]`):
 * the silences table (components/silences.ts); none otherwise.
 */
function createSilences(scope: Scope, cfg: StackConfig): Silences | undefined {
  if (cfg.maintenance === undefined) return undefined;
  return new Silences(
    `${scope.name}-silences`,
    { prefix: scope.prefix, tags: scope.tags },
    { parent: scope.parent },
  );
}

/** Whether the stack gets the pipeline's heartbeat: configured, and a router to prove. */
function hasHeartbeat(cfg: StackConfig, router: HandlerFunction | undefined): boolean {
  return cfg.heartbeat !== undefined && router?.queue !== undefined;
}

/**
 * What both backends build after the router: the notifier (webhooks), the level rules, the
 * heartbeat, the queue policies and the events DLQ's alarm. `pageActions` are the self-monitoring
 * alarm actions (Incident Manager: the alerts topic and the fail-safe response plan; step-functions:
 * the alerts topic, the self-page rule `failSafeRuleArns` pages); the events DLQ admits the
 * fail-safe rules' dead letters too.
 */
function createRoutingTail(
  scope: Scope,
  cfg: StackConfig,
  where: Where,
  refs: {
    readonly router: HandlerFunction | undefined;
    readonly alerts: AlertsTopic;
    readonly eventsDlq: aws.sqs.Queue;
    readonly pageActions: pulumi.Output<string>[];
    readonly failSafeRuleArns: pulumi.Output<string>[];
  },
): {
  notifier?: HandlerFunction;
  signingKeys?: pulumi.Output<Record<string, string>>;
  alarmNames: Record<string, string[]>;
} {
  const webhooks = createNotifier(scope, cfg, where, refs.alerts.topicArn);
  const rules = createLevelRouting(scope, cfg, where, {
    router: refs.router,
    notifier: webhooks?.notifier,
    alertsTopicArn: refs.alerts.topicArn,
    eventsDlq: refs.eventsDlq,
  });
  const heartbeatRuleArns = createPipelineHeartbeat(scope, cfg, where, {
    router: refs.router,
    eventsDlq: refs.eventsDlq,
    pageActions: refs.pageActions,
  });
  createQueuePolicies(scope, {
    router: refs.router,
    eventsDlq: refs.eventsDlq,
    ruleArns: [...rules.ruleArns, ...heartbeatRuleArns, ...refs.failSafeRuleArns],
    routerRuleArns: [...rules.routerRuleArns, ...heartbeatRuleArns],
  });
  createEventsDlqAlarm(scope, refs.eventsDlq, refs.pageActions);
  return {
    notifier: webhooks?.notifier,
    signingKeys: webhooks?.signingKeys,
    alarmNames: rules.alarmNames,
  };
}

/**
 * Per level: its alarms and its EventBridge rule, whose targets are the router's queue (levels
 * the router handles) and the notifier (levels with webhooks). Returns the alarm names by level
 * and the rule ARNs the queue policies admit.
 */
function createLevelRouting(
  scope: Scope,
  cfg: StackConfig,
  where: Where,
  refs: {
    readonly router: HandlerFunction | undefined;
    readonly notifier: HandlerFunction | undefined;
    readonly alertsTopicArn: pulumi.Output<string>;
    readonly eventsDlq: aws.sqs.Queue;
  },
): {
  alarmNames: Record<string, string[]>;
  ruleArns: pulumi.Output<string>[];
  routerRuleArns: pulumi.Output<string>[];
} {
  const { name, prefix, tags, parent } = scope;
  const routed = routedLevels(cfg);
  const webhooks = cfg.notifications.webhooks;
  const alarmNames: Record<string, string[]> = {};
  const ruleArns: pulumi.Output<string>[] = [];
  const routerRuleArns: pulumi.Output<string>[] = [];
  for (const level of Object.keys(cfg.levels)) {
    const targets: RuleTargetArgs[] = [];
    if (refs.router?.queue && routed.includes(level)) {
      targets.push({ id: "router", arn: refs.router.queue.arn });
    }
    if (refs.notifier && webhooks.some((w) => w.levels.includes(level))) {
      targets.push({
        id: "notifier",
        arn: refs.notifier.arn,
        functionName: refs.notifier.functionName,
      });
    }
    const routing = new LevelRouting(
      `${name}-${level}`,
      {
        prefix,
        level,
        alarms: cfg.alarms.filter((a) => a.thresholds[level] !== undefined),
        externalAlarms: cfg.externalAlarms.filter((e) => e.level === level).map((e) => e.name),
        account: where.accountId,
        region: where.region,
        alertsTopicArn: refs.alertsTopicArn,
        targets,
        deadLetterArn: refs.eventsDlq.arn,
        tags,
      },
      { parent },
    );
    alarmNames[level] = routing.alarmNames;
    if (routing.ruleArn) ruleArns.push(routing.ruleArn);
    if (routing.ruleArn && targets.some((t) => t.id === "router")) {
      routerRuleArns.push(routing.ruleArn);
    }
  }
  return { alarmNames, ruleArns, routerRuleArns };
}

/**
 * The heartbeat of the pipeline (components/heartbeat.ts), when configured: its canary's rule
 * uses the input transformer of the most severe level the router handles. Returns the rule ARNs
 * the queue policies admit (none without a heartbeat).
 */
function createPipelineHeartbeat(
  scope: Scope,
  cfg: StackConfig,
  where: Where,
  refs: {
    readonly router: HandlerFunction | undefined;
    readonly eventsDlq: aws.sqs.Queue;
    readonly pageActions: pulumi.Output<string>[];
  },
): pulumi.Output<string>[] {
  const { name, prefix, tags, parent } = scope;
  const queue = refs.router?.queue;
  if (cfg.heartbeat === undefined || refs.router === undefined || queue === undefined) return [];
  const { ruleArn } = createHeartbeat(
    name,
    {
      prefix,
      everyMinutes: cfg.heartbeat.everyMinutes,
      level: failSafeLevel(cfg.levels) ?? routedLevels(cfg)[0],
      routerQueueArn: queue.arn,
      routerFunctionName: refs.router.functionName,
      deadLetterArn: refs.eventsDlq.arn,
      pageActions: refs.pageActions,
      account: where.accountId,
      region: where.region,
      tags,
    },
    parent,
  );
  return [ruleArn];
}

/** The router's queue and the events DLQ admit messages from this stack's rules only. */
function createQueuePolicies(
  scope: Scope,
  refs: {
    readonly router: HandlerFunction | undefined;
    readonly eventsDlq: aws.sqs.Queue;
    readonly ruleArns: pulumi.Output<string>[];
    readonly routerRuleArns: pulumi.Output<string>[];
  },
): void {
  const { name, parent } = scope;
  const routerQueue = refs.router?.queue;
  if (routerQueue && refs.routerRuleArns.length > 0) {
    new aws.sqs.QueuePolicy(
      `${name}-router-queue`,
      {
        queueUrl: routerQueue.url,
        policy: policyJson(
          ruleTargetQueueStatements(
            "EventBridgeRulesToRouter",
            routerQueue.arn,
            refs.routerRuleArns,
          ),
        ),
      },
      { parent },
    );
  }
  if (refs.ruleArns.length > 0) {
    new aws.sqs.QueuePolicy(
      `${name}-events-dlq`,
      {
        queueUrl: refs.eventsDlq.url,
        policy: policyJson(
          ruleTargetQueueStatements("EventBridgeDeadLetters", refs.eventsDlq.arn, refs.ruleArns),
        ),
      },
      { parent },
    );
  }
}

/** An undeliverable alarm event may be a lost page: its alarm pages (selfMonitoringPageActions). */
function createEventsDlqAlarm(
  scope: Scope,
  eventsDlq: aws.sqs.Queue,
  pageActions: pulumi.Output<string>[],
): aws.cloudwatch.MetricAlarm {
  const { name, prefix, tags, parent } = scope;
  return new aws.cloudwatch.MetricAlarm(
    `${name}-events-dlq-depth`,
    dlqDepthAlarmArgs(
      `${prefix}-events-dlq-depth`,
      "Alarm events EventBridge could not deliver to the router or notifier",
      eventsDlq.name,
      pageActions,
      tags,
    ),
    { parent },
  );
}

/** Every contact channel not yet activated (it pages nobody until it is). */
function channelsToActivate(
  contacts: ReadonlyMap<string, PersonalContact>,
): pulumi.Output<ChannelToActivate[]> {
  return pulumi
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
}

/** `triggerDetails.source` of incidents: ≤ 50 characters, not starting with "aws.". */
export function incidentSource(stack: string): string {
  return `incident-escalation.${stack}`.slice(0, 50);
}
