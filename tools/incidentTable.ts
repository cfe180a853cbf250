/**
 * A library of the incident CLIs (cli/ack.ts, cli/incidents.ts): what they share: the stack's incident table and region from
 * its `Pulumi.<stack>.yaml` (offline), the I/O they receive, and the text of an incident for a
 * terminal. The table is the step-functions backend's (handlers/shared/incidentStore.ts), named
 * from the stack's prefix as components/engine/ackEndpoint.ts names it.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { defaultPrefix } from "../components/builders";
import { incidentTableName, type Incident } from "../handlers/shared/incidentStore";
import { alarmText } from "../handlers/shared/untrustedText";
import { loadStackConfigFile } from "./stackFile";

export interface CliIo {
  readonly argv: readonly string[];
  /** Folder holding the Pulumi.<stack>.yaml files. */
  readonly root: string;
  readonly now: () => Date;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** The DynamoDB client for a region (undefined: the SDK's default). */
  readonly dynamodb: (region: string | undefined) => DynamoDBClient;
}

export interface StackTable {
  readonly table: string;
  readonly region: string | undefined;
  /** The stack's resource name prefix (incidentTableName, the alerts topic `<prefix>-alerts`). */
  readonly prefix: string;
  /** The stack's language (Slack notes are written in it). */
  readonly language: "ja" | "en";
}

/**
 * The stack's incident table and region (`--region`, else the stack's aws:region). Throws an
 * Error whose message names the file and the problem.
 */
export function stackTable(root: string, stack: string, region: string | undefined): StackTable {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  if (!existsSync(file)) {
    throw new Error(`${path.basename(file)}: no such stack config file (stack "${stack}")`);
  }
  const { stackFile, config } = loadStackConfigFile(file, stack);
  const prefix = config.prefix ?? defaultPrefix(stack);
  return {
    table: incidentTableName(prefix),
    region: region ?? stackFile.config["aws:region"],
    prefix,
    language: config.language,
  };
}

/** Incident ids as the table holds them. */
export const INCIDENT_ID = /^[A-Za-z0-9_-]{1,80}$/;

/** The alarm name as a responder sees it: untrusted text, quoted. */
export function alarmLabel(incident: Incident): string {
  return alarmText(incident.alarmName, 120);
}

/** One line per incident: `<opened>  <status>  <id>  <level>  <alarm>`. */
export function incidentLine(incident: Incident): string {
  return [
    incident.openedAt,
    incident.status.padEnd(12),
    incident.id,
    incident.alertLevel,
    alarmLabel(incident),
  ].join("  ");
}

/** The incident's header and timeline, one entry a line. */
export function timelineText(incident: Incident): string {
  const head = [
    `incident ${incident.id}: ${incident.status}`,
    `  alarm ${alarmLabel(incident)}, level ${incident.alertLevel}, opened ${incident.openedAt}`,
    ...(incident.acknowledgedAt !== undefined
      ? [
          `  acknowledged ${incident.acknowledgedAt} by ${incident.acknowledgedBy ?? "?"} via ${incident.acknowledgedVia ?? "?"}`,
        ]
      : []),
    ...(incident.resolvedAt !== undefined ? [`  resolved ${incident.resolvedAt}`] : []),
    ...(incident.executionArn !== undefined ? [`  execution ${incident.executionArn}`] : []),
    "timeline:",
  ];
  const lines = incident.timeline.map((e) =>
    [
      `  ${e.at}`,
      e.kind,
      ...(e.contact !== undefined ? [e.contact] : []),
      ...(e.channel !== undefined ? [`via ${e.channel}`] : []),
      ...(e.detail !== undefined ? [`(${alarmText(e.detail, 200).slice(1, -1)})`] : []),
    ].join("  "),
  );
  return [...head, ...lines].join("\n");
}
