import { Writable } from "node:stream";
import { createLogger, type Logger } from "../lib/log/create-logger";

export interface CapturedLogger {
  logger: Logger;
  /** Every log line written so far, parsed. */
  lines(): Array<Record<string, unknown>>;
}

/** A real pino logger whose JSON lines are kept in memory for assertions instead of printed. */
export function captureLogger(level = "debug"): CapturedLogger {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const logger = createLogger({ level, pretty: false, destination });
  return {
    logger,
    lines: () =>
      chunks
        .join("")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
