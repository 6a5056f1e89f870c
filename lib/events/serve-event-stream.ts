import type { IncomingMessage, ServerResponse } from "node:http";
import { memberProjectIds } from "../agents/can-access-agent";
import { authenticate } from "../auth/authenticate";
import { checkAccess } from "../auth/check-access";
import { IDENTITY_HEADER } from "../auth/identity-header";
import type { Principal } from "../auth/principal";
import { accessRecheck, findUserIdentity, userChangedSubject } from "../auth/watch-access";
import { ApiError } from "../http/api-error";
import type { HubRuntime } from "../runtime/hub-runtime";
import { canReadEvent, isValidPattern } from "./can-read-event";
import { subjectMatches, type EventDelivery, type HubEvent } from "./event-bus";

const HEARTBEAT_MS = 15_000;
const MAX_PATTERNS = 20;

/**
 * GET /api/v1/events?sub=<pattern> (repeatable) — Server-Sent Events. Each event the caller may
 * read arrives as `event: update` with `{subject, data}`; `event: resync` means events may have
 * been missed and the client should refetch. A comment every 15 s keeps proxies from closing the
 * stream.
 *
 * The caller is re-checked (a suspended person, a demoted admin, a revoked or superseded token is
 * cut off or sees less) the moment their account changes — `user.<id>.updated`, published on
 * every replica — after a resync, and with every heartbeat as a backstop. What events they may
 * read follows the fresh role at once. The re-check reads the person by id: in proxy mode the
 * signed identity header the stream was opened with expires after a minute, the stream does not.
 * The projects whose agents a person sees as a member or creator are read when the stream opens
 * and again with each re-check (a membership change announces `user.<id>.updated` too).
 */
export async function serveEventStream(runtime: HubRuntime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const opened = await readerOf(runtime, req);
  checkAccess(opened.principal, "any", opened.principal ? undefined : opened.reason);
  let principal = opened.principal!;
  let memberProjects = await memberProjectIds(runtime.prisma, principal);
  const url = new URL(req.url ?? "/", "http://hub");
  const patterns = url.searchParams.getAll("sub");
  if (patterns.length === 0) patterns.push(">");
  if (patterns.length > MAX_PATTERNS)
    throw new ApiError("validation_error", `At most ${MAX_PATTERNS} subscriptions per stream.`);
  const bad = patterns.find((p) => !isValidPattern(p));
  if (bad !== undefined)
    throw new ApiError("validation_error", "Invalid subscription pattern.", [
      { path: "sub", message: `not a subject pattern: ${bad.slice(0, 100)}` },
    ]);

  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  res.write(`retry: 3000\n: connected\n\n`);

  const recheck = accessRecheck(
    async () => {
      const fresh = await currentPrincipal(runtime, req, principal);
      if (!fresh) return false;
      principal = fresh;
      memberProjects = await memberProjectIds(runtime.prisma, fresh);
      return true;
    },
    () => res.end(),
    runtime.logger,
  );
  // The caller's own changes (a person's account; an agent's state, which a stop or delete ends)
  // ride on the stream's subscription, so a change is applied before any later event is filtered.
  const own = principal.kind === "user" ? userChangedSubject(principal.user.id) : `agent.${principal.agentId}.>`;
  const unsubscribe = runtime.events.subscribe([...patterns, own], (delivery: EventDelivery) => {
    if (delivery.kind === "resync") {
      recheck();
      return void res.write(`event: resync\ndata: ${JSON.stringify({ reason: delivery.reason })}\n\n`);
    }
    const { event } = delivery;
    if (subjectMatches(own, event.subject)) {
      if (principal.kind === "user") {
        const { role, status } = (event.data ?? {}) as { role?: unknown; status?: unknown };
        if (status === "suspended") return void res.end();
        if (role === "admin" || role === "member") principal = { ...principal, user: { ...principal.user, role } };
      }
      recheck();
      if (!patterns.some((p) => subjectMatches(p, event.subject))) return;
    }
    if (!canReadEvent(principal, event, memberProjects)) return;
    res.write(frameOf(event));
  });
  const heartbeat = setInterval(() => {
    res.write(": keep-alive\n\n");
    recheck();
  }, HEARTBEAT_MS);
  const stream = { close: () => res.end() };
  runtime.streams.add(stream);
  res.once("close", () => {
    clearInterval(heartbeat);
    unsubscribe();
    runtime.streams.delete(stream);
  });
}

/**
 * An event's SSE frame, made once however many streams send it: the bus hands every subscriber
 * the same event object, so the frame is kept with it until the event is gone.
 */
const frames = new WeakMap<object, string>();
function frameOf(event: HubEvent): string {
  let frame = frames.get(event);
  if (frame === undefined) frames.set(event, (frame = `event: update\ndata: ${JSON.stringify(event)}\n\n`));
  return frame;
}

function readerOf(runtime: HubRuntime, req: IncomingMessage) {
  const { authorization, cookie } = req.headers;
  return authenticate(runtime, { authorization, cookie, identity: req.headers[IDENTITY_HEADER] as string | undefined });
}

/**
 * The stream's caller as they stand now, or null when they may no longer read: an IAP person is
 * read again by id; a token or session is verified again (revoked, expired, superseded).
 */
async function currentPrincipal(runtime: HubRuntime, req: IncomingMessage, was: Principal): Promise<Principal | null> {
  let fresh: Principal | null;
  if (was.kind === "user" && was.via === "iap") {
    const user = await findUserIdentity(runtime.prisma, was.user.id);
    fresh = user && { ...was, user };
  } else {
    fresh = (await authenticate(runtime, { authorization: req.headers.authorization, cookie: req.headers.cookie }))
      .principal;
  }
  if (!fresh || fresh.kind !== was.kind) return null;
  if (fresh.kind === "user" && (was.kind !== "user" || fresh.user.id !== was.user.id || fresh.user.status !== "active"))
    return null;
  if (fresh.kind === "agent" && (was.kind !== "agent" || fresh.agentId !== was.agentId)) return null;
  return fresh;
}
