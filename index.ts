/**
 * Composition root: load this stack's config → build the pipeline → export stack outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { EscalationPipeline } from "./components/escalationPipeline";
import { loadStackConfig } from "./config/load";
import { ConfigError } from "./config/schema";

function load(): ReturnType<typeof loadStackConfig> {
  try {
    return loadStackConfig();
  } catch (err: unknown) {
    // A clean, complete list of problems instead of a stack trace.
    if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
}

const { stack, config } = load();
const pipeline = new EscalationPipeline("escalation", { ...config, stack });

/** Response plan ARN by paging level. */
export const responsePlanArns = pipeline.responsePlanArns;
/** The escalation plan (ESCALATION contact) ARN. */
export const escalationPlanArn = pipeline.escalationPlanArn;
/**
 * Contact channels that page nobody until activated. Activate each in the Incident Manager console
 * (Contacts → contact → Activate) or with
 *   aws ssm-contacts send-activation-code --contact-channel-id <arn>
 *   aws ssm-contacts activate-contact-channel --contact-channel-id <arn> --activation-code <code>
 */
export const channelsToActivate = pipeline.channelsToActivate;
export const activationWarning = pipeline.channelsToActivate.apply((list) =>
  list.length === 0
    ? "All contact channels are activated."
    : `${list.length} contact channel(s) are NOT ACTIVATED and will page nobody until activated: ` +
      "see channelsToActivate and the README section 'Activate contact channels'.",
);
