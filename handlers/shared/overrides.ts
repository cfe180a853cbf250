/**
 * Rotation overrides of the step-functions backend, the pieces both sides need: `npm run override`
 * (tools/override.ts writes and lists them) and the escalation engine (handlers/engine reads the
 * overrides of the rotations a stage engages, then resolves who is on call with them). Pure:
 * the item's key, the GetItem request, the item's parser, and which override is in force.
 *
 * The store: one item per rotation in the incident table `<prefix>-incidents`,
 * `pk = "OVERRIDE#<rotation>"`, holding the list `overrides` of {member, from, to, createdAt}
 * (appended in the order given: tools/override.ts putOverrideRequest). The item has no `type`
 * attribute, so it never appears in the incidents' `recent` index (a sparse GSI holds only items
 * with its key attribute:
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-indexes-general-sparse-indexes.html).
 * Reads are strongly consistent (GetItem: "If your application requires a strongly consistent
 * read, set ConsistentRead to true. Although a strongly consistent read might take more time than
 * an eventually consistent read, it always returns the last updated value",
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_GetItem.html), so an
 * override made a moment ago is honoured by the next stage.
 *
 * No SDK client here (types only): the module is bundled into the engine Lambda.
 */
import type { AttributeValue, GetItemCommandInput } from "@aws-sdk/client-dynamodb";

/**
 * A rotation override: `members` are on call instead of the rotation's from `from` (inclusive) to
 * `to` (exclusive), both ISO-8601. Incident Manager's CreateRotationOverride, or the
 * step-functions backend's store (this module).
 */
export interface RotationOverride {
  readonly rotation: string;
  readonly members: readonly string[];
  readonly from: string;
  readonly to: string;
}

/** A stored override item that is not what tools/override.ts writes. */
export class OverrideStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OverrideStoreError";
  }
}

/** The override of `rotation` in force at `at` (the last one given wins), if any. Pure. */
export function overrideAt(
  rotation: string,
  at: Date,
  overrides: readonly RotationOverride[],
): RotationOverride | undefined {
  const t = at.getTime();
  return overrides
    .filter((o) => o.rotation === rotation && Date.parse(o.from) <= t && t < Date.parse(o.to))
    .at(-1);
}

/** The store's key of a rotation's overrides. */
export function overrideKey(rotation: string): Record<string, AttributeValue> {
  return { pk: { S: `OVERRIDE#${rotation}` } };
}

/** Reads a rotation's overrides (strongly consistent: a just-made override is honoured). */
export function getOverridesRequest(table: string, rotation: string): GetItemCommandInput {
  return { TableName: table, Key: overrideKey(rotation), ConsistentRead: true };
}

/** The stored item → overrides, in the order given; a malformed entry is an error naming it. */
export function parseOverrides(
  rotation: string,
  item: Record<string, AttributeValue> | undefined,
): RotationOverride[] {
  if (item === undefined) return [];
  const list = item.overrides?.L ?? [];
  return list.map((entry, i) => {
    const m = entry.M;
    const member = m?.member?.S;
    const from = m?.from?.S;
    const to = m?.to?.S;
    if (member === undefined || from === undefined || to === undefined) {
      throw new OverrideStoreError(
        `OVERRIDE#${rotation}.overrides[${i}]: needs member, from and to (strings)`,
      );
    }
    if (Number.isNaN(Date.parse(from)) || Number.isNaN(Date.parse(to))) {
      throw new OverrideStoreError(
        `OVERRIDE#${rotation}.overrides[${i}]: from and to must be ISO-8601 times`,
      );
    }
    return { rotation, members: [member], from, to };
  });
}
