import crypto from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../log/create-logger";

const QUIET_PATHS = [/^\/healthz$/, /^\/readyz$/, /^\/_next\/(static|webpack-hmr)/, /^\/favicon\.ico$/];

/**
 * Gives the request an id (a caller's x-request-id when it is well-formed, else a new UUID),
 * echoes it in the response, and logs method, path, status and duration when the response ends.
 * Probes and static assets log at debug so they do not drown the rest.
 */
export function trackRequest(req: IncomingMessage, res: ServerResponse, logger: Logger, pathname: string): string {
  const started = process.hrtime.bigint();
  const incoming = req.headers["x-request-id"];
  const id = typeof incoming === "string" && /^[\w.-]{1,64}$/.test(incoming) ? incoming : crypto.randomUUID();
  req.headers["x-request-id"] = id;
  res.setHeader("x-request-id", id);
  const level = QUIET_PATHS.some((p) => p.test(pathname)) ? "debug" : "info";
  const done = (aborted: boolean) => {
    const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
    logger[level](
      {
        requestId: id,
        method: req.method,
        path: pathname,
        status: res.statusCode,
        durationMs: Math.round(durationMs * 10) / 10,
        ...(aborted && { aborted }),
      },
      "request",
    );
  };
  res.once("finish", () => done(false));
  res.once("close", () => {
    if (!res.writableFinished) done(true);
  });
  return id;
}
