import type { IncomingMessage, ServerResponse } from "node:http";
import { authenticate } from "../auth/authenticate";
import { checkAccess } from "../auth/check-access";
import { IDENTITY_HEADER } from "../auth/identity-header";
import type { Principal } from "../auth/principal";
import { ApiError } from "../http/api-error";
import type { HubRuntime } from "../runtime/hub-runtime";
import { canReadEvent, isValidPattern } from "./can-read-event";
import type { EventDelivery } from "./event-bus";

const HEARTBEAT_MS = 15_000;
const MAX_PATTERNS = 20;

/**
 * GET /api/v1/events?sub=<pattern> (repeatable) — Server-Sent Events. Each event the caller may
 * read arrives as `event: update` with `{subject, data}`; `event: resync` means events may have
 * been missed and the client should refetch. A comment every 15 s keeps proxies from closing the
 * stream, and re-checks the caller, so a suspended user or retired token is cut off.
 */
export async function serveEventStream(runtime: HubRuntime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const principal = await requireReader(runtime, req);
  const url = new URL(req.url ?? "/", "http://hub");
  const patterns = url.searchParams.getAll("sub");
  if (patterns.length === 0) patterns.push(">");
  if (patterns.length > MAX_PATTERNS) throw new ApiError("validation_error", `At most ${MAX_PATTERNS} subscriptions per stream.`);
  const bad = patterns.find((p) => !isValidPattern(p));
  if (bad !== undefined) throw new ApiError("validation_error", "Invalid subscription pattern.", [{ path: "sub", message: `not a subject pattern: ${bad.slice(0, 100)}` }]);

  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform", connection: "keep-alive", "x-accel-buffering": "no" });
  res.write(`retry: 3000\n: connected\n\n`);

  const unsubscribe = runtime.events.subscribe(patterns, (delivery: EventDelivery) => {
    if (delivery.kind === "resync") return void res.write(`event: resync\ndata: ${JSON.stringify({ reason: delivery.reason })}\n\n`);
    if (!canReadEvent(principal, delivery.event)) return;
    res.write(`event: update\ndata: ${JSON.stringify(delivery.event)}\n\n`);
  });
  const heartbeat = setInterval(() => {
    void requireReader(runtime, req).then(
      () => res.write(": keep-alive\n\n"),
      () => res.end(),
    );
  }, HEARTBEAT_MS);
  const stream = { close: () => res.end() };
  runtime.streams.add(stream);
  res.once("close", () => {
    clearInterval(heartbeat);
    unsubscribe();
    runtime.streams.delete(stream);
  });
}

async function requireReader(runtime: HubRuntime, req: IncomingMessage): Promise<Principal> {
  const result = await authenticate(runtime, { authorization: req.headers.authorization, cookie: req.headers.cookie, identity: req.headers[IDENTITY_HEADER] as string | undefined });
  checkAccess(result.principal, "any", result.principal ? undefined : result.reason);
  return result.principal!;
}
