/**
 * Package entry: `import { EscalationPipeline } from "incident-escalation"`.
 */
export { EscalationPipeline } from "../components/escalationPipeline";
export type { EscalationPipelineArgs, ChannelToActivate } from "../components/escalationPipeline";
export { PersonalContact } from "../components/personalContact";
export type { PersonalContactArgs, EngagementStageArgs } from "../components/personalContact";
export { OnCallSchedule } from "../components/onCallSchedule";
export type { OnCallScheduleArgs } from "../components/onCallSchedule";
export { EscalationPlan } from "../components/escalationPlan";
export type { EscalationPlanArgs, EscalationTargetArgs } from "../components/escalationPlan";
export { ReplicationSet } from "../components/replicationSet";
export type { ReplicationSetArgs } from "../components/replicationSet";
export { ResponsePlans, incidentTemplate } from "../components/responsePlans";
export type { ResponsePlansArgs, PagingLevelArgs } from "../components/responsePlans";
export { AlertsTopic } from "../components/alertsTopic";
export type { AlertsTopicArgs } from "../components/alertsTopic";
export { HandlerFunction, LAMBDA_RUNTIME } from "../components/handlerFunction";
export type { HandlerFunctionArgs, HandlerQueueArgs } from "../components/handlerFunction";
export {
  LevelRouting,
  inputTemplate,
  levelEventPattern,
  type AlarmScope,
} from "../components/levelRouting";
export type { LevelRoutingArgs, RuleTargetArgs } from "../components/levelRouting";
export { DrillSchedules } from "../components/drillSchedules";
export type { DrillSchedulesArgs } from "../components/drillSchedules";
export * as builders from "../components/builders";
export { ConfigError, parseStackConfig, stackConfigSchema, LIMITS } from "../config/schema";
export type {
  StackConfig,
  StackConfigInput,
  ConfigIssue,
  ContactConfig,
  RotationConfig,
  EscalationStageConfig,
  LevelConfig,
  AlarmConfig,
  WebhookConfig,
  DrillConfig,
} from "../config/schema";
