/**
 * The dedupe table's item (only when DEDUPE_TABLE is set): a DynamoDB table that maps each alarm
 * to the incident it opened, read and validated here.
 *
 * The item (partition key `alarmArn`; times ISO 8601 UTC strings):
 *   alarmArn     the CloudWatch alarm
 *   level        its level
 *   state        "opening" (an invocation claimed it and is starting the incident) | "open" |
 *                "recovered" (the alarm returned to OK; its incident was left open)
 *   incidentArn  the incident record (all but "opening")
 *   openedAt     when the claim was made
 *   updatedAt    when the claim last changed hands or was marked open (claim, take-over, marked
 *                open; a recovery and the firing after it set lastNotedAt instead)
 *   alarmAt      the state time of the ALARM that claimed it
 *   clientToken  StartIncident's clientToken of that ALARM (identifies the claimant's state change)
 *   lastNotedAt  (not "opening") when the incident's timeline last heard of this alarm: the
 *                incident's start, then each "fired again" or "recovered" timeline event
 *   firedAgain   (a number) repeat firings since lastNotedAt (or the claim), not yet on the timeline
 *   recoveredAt  the state time of the alarm's last OK that was noted (set from the first recovery
 *                on, kept when the alarm fires again: it orders late events)
 *
 * What a state change does with the item: decide.ts; the requests that read and write it:
 * writes.ts.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";

export type MappingState = "opening" | "open" | "recovered";

/** What every item that names its incident ("open", "recovered") carries. */
interface Noted {
  readonly incidentArn: string;
  /** Absent on items written before firings were coalesced: updatedAt stands in. */
  readonly lastNotedAt?: string;
  /** 0 when absent. */
  readonly firedAgain: number;
  /** The state time of the last recovery noted; absent until the alarm first recovered. */
  readonly recoveredAt?: string;
}

/**
 * One item of the dedupe table, validated: an "open" or "recovered" item always names its
 * incident; a "recovered" one always has its recovery's time and note.
 */
export type Mapping = {
  readonly alarmArn: string;
  readonly level: string;
  readonly openedAt: string;
  readonly updatedAt: string;
  readonly alarmAt: string;
  readonly clientToken: string;
} & (
  | { readonly state: "opening"; readonly incidentArn?: undefined }
  | ({ readonly state: "open" } & Noted)
  | ({
      readonly state: "recovered";
      readonly recoveredAt: string;
      readonly lastNotedAt: string;
    } & Noted)
);

/** An item that names its incident. */
export type MappedItem = Exclude<Mapping, { readonly state: "opening" }>;

/** An incident's status as GetIncidentRecord reports it; NOT_FOUND for ResourceNotFound. */
export type IncidentStatus = "OPEN" | "RESOLVED" | "NOT_FOUND";

// ---------------------------------------------------------------------------------------------
// Reading items
// ---------------------------------------------------------------------------------------------

/** An item the router cannot read (written by hand, or by another version). */
export class MalformedMappingError extends Error {
  static {
    this.prototype.name = "MalformedMappingError";
  }
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;
/** A DynamoDB number the counter can hold: a non-negative integer. */
const COUNT = /^\d{1,15}$/;

/** The item GetItem returned, validated; null when there is none. */
export function parseMapping(
  item: Readonly<Record<string, AttributeValue>> | undefined,
): Mapping | null {
  if (item === undefined) return null;
  const text = (name: string): string | undefined => {
    const value = item[name];
    return value !== undefined && typeof value.S === "string" ? value.S : undefined;
  };
  const problems: string[] = [];
  const required = (name: string, pattern?: RegExp): string => {
    const value = text(name);
    if (value === undefined || value === "" || (pattern !== undefined && !pattern.test(value))) {
      problems.push(name);
      return "";
    }
    return value;
  };
  const alarmArn = required("alarmArn");
  const level = required("level");
  const state = required("state", /^(opening|open|recovered)$/);
  const openedAt = required("openedAt", ISO_UTC);
  const updatedAt = required("updatedAt", ISO_UTC);
  const alarmAt = required("alarmAt", ISO_UTC);
  const clientToken = required("clientToken");
  const mapped = state === "open" || state === "recovered";
  const incidentArn = mapped ? required("incidentArn") : undefined;
  // Optional on "open": items written before firings were coalesced have neither; every
  // "recovered" item was written with both lastNotedAt and recoveredAt.
  const optional = (name: string): string | undefined => {
    if (item[name] === undefined && state !== "recovered") return undefined;
    const value = text(name) ?? "";
    if (!ISO_UTC.test(value)) problems.push(name);
    return value;
  };
  const lastNotedAt = optional("lastNotedAt");
  const recoveredAt = optional("recoveredAt");
  const firedAgain = item.firedAgain === undefined ? "0" : item.firedAgain.N;
  if (firedAgain === undefined || !COUNT.test(firedAgain)) problems.push("firedAgain");
  if (problems.length > 0) {
    throw new MalformedMappingError(`dedupe item: missing or malformed ${problems.join(", ")}`);
  }
  const common = { alarmArn, level, openedAt, updatedAt, alarmAt, clientToken };
  if (incidentArn === undefined) return { ...common, state: "opening" };
  const noted = { incidentArn, firedAgain: Number(firedAgain) };
  return state === "recovered" && lastNotedAt !== undefined && recoveredAt !== undefined
    ? { ...common, ...noted, state: "recovered", lastNotedAt, recoveredAt }
    : {
        ...common,
        ...noted,
        state: "open",
        ...(lastNotedAt !== undefined && { lastNotedAt }),
        ...(recoveredAt !== undefined && { recoveredAt }),
      };
}
