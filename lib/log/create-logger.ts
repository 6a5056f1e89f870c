import pino, { type Logger } from "pino";
import pretty from "pino-pretty";

export type { Logger };

export interface CreateLoggerOptions {
  level: string;
  /** Human-readable output; defaults to whether stdout is a terminal. */
  pretty?: boolean;
  destination?: NodeJS.WritableStream;
}

/**
 * Structured JSON logs (one object per line) for machines; colourised lines when a person is
 * watching a terminal. Secrets are redacted wherever a known field carries one.
 */
export function createLogger({
  level,
  pretty: isPretty = Boolean(process.stdout.isTTY),
  destination,
}: CreateLoggerOptions): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { pid: process.pid },
    redact: {
      paths: [
        "password",
        "secret",
        "token",
        "sessionSecret",
        "databaseUrl",
        "smtpUrl",
        "*.smtpUrl",
        "*.password",
        "*.secret",
        "*.token",
        // Broker call arguments and env maps carry agent tokens and people's API keys.
        "args",
        "*.args",
        "env",
        "*.env",
        "req.headers.authorization",
        "req.headers.cookie",
      ],
      censor: "[redacted]",
    },
  };
  if (isPretty) {
    return pino(options, pretty({ colorize: true, sync: true, ignore: "pid,hostname", destination: destination ?? 1 }));
  }
  return pino(options, destination ?? pino.destination({ sync: false }));
}
