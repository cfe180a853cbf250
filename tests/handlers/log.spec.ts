/**
 * handlers/shared/log.ts jsonLogger and the three handlers' `logJson` bound to it: the exact line
 * each writes through console.log (service first, then the record's fields in order).
 *
 * What this spec does NOT prove:
 * - how Lambda's JSON log format wraps the line in CloudWatch Logs (no Lambda runtime runs here);
 * - that a record is free of personal data: the callers' specs (notifier, ack, engine) check the
 *   lines their handlers write.
 */
import { strict as assert } from "node:assert";
import { logJson as ackLog } from "../../handlers/ack/adapters";
import { logJson as engineLog } from "../../handlers/engine/adapters";
import { logJson as notifierLog } from "../../handlers/notifier/adapters";
import { jsonLogger } from "../../handlers/shared/log";

describe("jsonLogger (handlers/shared/log.ts)", () => {
  let lines: unknown[][];
  const realLog = console.log;

  beforeEach(() => {
    lines = [];
    console.log = (...args: unknown[]) => {
      lines.push(args);
    };
  });

  afterEach(() => {
    console.log = realLog;
  });

  it("writes one JSON string per record: service, then the record's fields in order", () => {
    jsonLogger("svc")({ level: "WARN", message: "retrying", attempt: 2, nested: { a: "b" } });
    assert.deepEqual(lines, [
      ['{"service":"svc","level":"WARN","message":"retrying","attempt":2,"nested":{"a":"b"}}'],
    ]);
  });

  it("each handler's logJson names its own service", () => {
    ackLog({ level: "INFO", message: "m" });
    engineLog({ level: "ERROR", message: "m" });
    notifierLog({ level: "INFO", message: "m" });
    assert.deepEqual(lines, [
      ['{"service":"incident-escalation-ack","level":"INFO","message":"m"}'],
      ['{"service":"incident-escalation-engine","level":"ERROR","message":"m"}'],
      ['{"service":"incident-escalation-notifier","level":"INFO","message":"m"}'],
    ]);
  });
});
