/**
 * The handlers' structured JSON logger: one home for the record shape and the line each Lambda
 * writes. Each handler's adapters.ts binds it to its service name and says what its records must
 * never hold (tokens, keys, addresses, numbers, links, alarm text).
 *
 * Under Lambda's JSON log format the Node.js runtime keeps the console.log line as the `message`
 * of its own JSON record (https://docs.aws.amazon.com/lambda/latest/dg/nodejs-logging.html#node-js-logging-advanced);
 * EMF lines go to stdout directly instead (handlers/shared/selfMetrics.ts).
 */

/** One structured log record; the caller keeps values free of personal data and secrets. */
export type LogRecord = {
  readonly level: "INFO" | "WARN" | "ERROR";
  readonly message: string;
} & Record<string, unknown>;

export type Logger = (record: LogRecord) => void;

/** A logger writing one JSON line per record, `service` first, then the record's fields. */
export function jsonLogger(service: string): Logger {
  return (record) => {
    console.log(JSON.stringify({ service, ...record }));
  };
}
