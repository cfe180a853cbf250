/**
 * Incident-table requests (handlers/shared/incidentStore.ts) as the specs expect them, written
 * out literally once for the specs that send the same request from different handlers: the
 * conditional resolve (router recovery, drill Lambda report, npm run drill) and the delivery
 * report's append (the delivery-events handler, mocked and bundled). Built from literals only,
 * never from incidentStore.ts's builders, so a spec comparing a sent request with these judges
 * the builder; each spec still checks what it sent against the DynamoDB API model.
 *
 * DynamoDB behaviour these requests rely on is cited where incidentStore.ts builds them
 * (ConditionExpression, list_append with if_not_exists, ReturnValues and
 * ReturnValuesOnConditionCheckFailure: API reference UpdateItem).
 *
 * What this does NOT prove: anything by itself (no request is sent here), nor that DynamoDB
 * applies the expressions as intended (the dynalite specs do that part).
 */

/**
 * resolveRequest: resolve while open or acknowledged, a `resolved` entry at `at` with `detail`
 * (how: recovery, drill), the new item back, the old one on a failed condition.
 */
export function expectedResolveRequest(
  table: string,
  id: string,
  at: string,
  detail: string,
): Record<string, unknown> {
  return {
    TableName: table,
    Key: { pk: { S: `INCIDENT#${id}` } },
    UpdateExpression:
      "SET #status = :resolved, resolvedAt = :at, timeline = list_append(if_not_exists(timeline, :empty), :entry)",
    ConditionExpression: "#status IN (:open, :acknowledged)",
    ExpressionAttributeNames: { "#status": "status" },
    ExpressionAttributeValues: {
      ":resolved": { S: "resolved" },
      ":open": { S: "open" },
      ":acknowledged": { S: "acknowledged" },
      ":at": { S: at },
      ":entry": {
        L: [{ M: { at: { S: at }, kind: { S: "resolved" }, detail: { S: detail } } }],
      },
      ":empty": { L: [] },
    },
    ReturnValues: "ALL_NEW",
    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  };
}

/**
 * recordDeliveryRequest as the delivery-events handler sends it: one `delivered` or
 * `delivery-failed` entry appended to an existing incident, the new item back (ALL_NEW).
 */
export function expectedDeliveryRequest(
  table: string,
  id: string,
  entry: {
    readonly at: string;
    readonly kind: "delivered" | "delivery-failed";
    readonly contact: string;
    readonly channel: string;
    readonly detail: string;
  },
): Record<string, unknown> {
  return {
    TableName: table,
    Key: { pk: { S: `INCIDENT#${id}` } },
    UpdateExpression: "SET timeline = list_append(if_not_exists(timeline, :empty), :entry)",
    ConditionExpression: "attribute_exists(pk)",
    ExpressionAttributeValues: {
      ":entry": {
        L: [
          {
            M: {
              at: { S: entry.at },
              kind: { S: entry.kind },
              contact: { S: entry.contact },
              channel: { S: entry.channel },
              detail: { S: entry.detail },
            },
          },
        ],
      },
      ":empty": { L: [] },
    },
    ReturnValues: "ALL_NEW",
  };
}
