/**
 * The stack's ad-hoc silences table, `<prefix>-silences` (written by `npm run silence`,
 * tools/silence.ts; read by the router, handlers/router/silence.ts). Key: `pk` (always
 * "silence") + `id`, so the router lists every silence with one Query. TTL on `expiresAt` (epoch
 * seconds) removes old silences eventually; readers compare the expiry themselves because TTL
 * deletes "typically within a few days"
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html).
 * PAY_PER_REQUEST (a few writes a week), point-in-time recovery, deletion protection.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { MaintenanceWindow } from "../handlers/router/silence";

export interface SilencesArgs {
  /** Physical name prefix (`<prefix>-silences`). */
  readonly prefix: string;
  /** Tags of the table. */
  readonly tags?: Record<string, string>;
}

export class Silences extends pulumi.ComponentResource {
  public readonly tableName: pulumi.Output<string>;
  public readonly tableArn: pulumi.Output<string>;

  constructor(name: string, args: SilencesArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("incident-escalation:index:Silences", name, {}, opts);
    const table = new aws.dynamodb.Table(
      `${name}-table`,
      {
        name: `${args.prefix}-silences`,
        billingMode: "PAY_PER_REQUEST",
        hashKey: "pk",
        rangeKey: "id",
        attributes: [
          { name: "pk", type: "S" },
          { name: "id", type: "S" },
        ],
        // TTL attribute: "a Number data type ... in Unix epoch time format in seconds"
        // (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-before-you-start.html).
        ttl: { attributeName: "expiresAt", enabled: true },
        pointInTimeRecovery: { enabled: true },
        serverSideEncryption: { enabled: true },
        deletionProtectionEnabled: true,
        tags: args.tags,
      },
      { parent: this },
    );
    this.tableName = table.name;
    this.tableArn = table.arn;
    this.registerOutputs({ tableName: this.tableName, tableArn: this.tableArn });
  }
}

/** The router's SILENCES variable (handlers/router/silence.ts parseSilenceConfig reads it). */
export function silencesVariable(args: {
  readonly prefix: string;
  readonly language: "ja" | "en";
  readonly table: pulumi.Input<string>;
  readonly windows: readonly MaintenanceWindow[];
}): pulumi.Output<string> {
  return pulumi.output(args.table).apply((table) =>
    JSON.stringify({
      prefix: args.prefix,
      language: args.language,
      table,
      windows: args.windows,
    }),
  );
}
