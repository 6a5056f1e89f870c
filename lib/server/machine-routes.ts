import type { IncomingMessage, ServerResponse } from "node:http";
import { ingestAgentStatus, isPureHeartbeat, recordHeartbeat } from "../agents/ingest-agent-status";
import { flushPendingMessages } from "../messages/deliver-message";
import { refreshAgentToken } from "../agents/refresh-agent-token";
import { agentStatusBody, type AgentStatusBody } from "../agents/schemas";
import { requireAgentScope, verifyAgentClaims, type AgentClaims, type AgentScope } from "../auth/agent-token";
import { authenticate } from "../auth/authenticate";
import { AGENT_TOKEN_PREFIX } from "../auth/signed-tokens";
import type { RouteAccess } from "../auth/check-access";
import { IDENTITY_HEADER } from "../auth/identity-header";
import { isAdmin, type Principal } from "../auth/principal";
import { digestsEqual, hashToken } from "../tokens/hash-token";
import { pendingMigrationNames } from "../db/migrate";
import { serveEventStream } from "../events/serve-event-stream";
import { joinBroker } from "../brokers/join-broker";
import { joinBrokerBody } from "../brokers/schemas";
import { ApiError } from "../http/api-error";
import { callerKey, rateLimited, STREAM_RETRY_AFTER_SECONDS } from "../http/rate-limit";
import { handleApiError } from "../http/handle-api-error";
import { parseId } from "../http/ids";
import type { HubRuntime } from "../runtime/hub-runtime";
import { readNodeJson } from "./read-node-json";

/**
 * Routes server.ts answers itself, before Next.js. Machines call these all the time and Next.js
 * costs over a millisecond of CPU per request before our code runs (docs/architecture.md, "Two
 * request paths"); people's routes stay in app/. The URLs are those of docs/api.md, so
 * clients cannot tell the difference. This table is the whole list. `access` says who may call
 * (as in lib/api-spec/routes.ts, which a test compares it with); each handler enforces its own.
 */
const ROUTES: RouteDef[] = [
  { method: "GET", path: "/healthz", access: "public", handler: healthz },
  { method: "GET", path: "/readyz", access: "public", handler: readyz },
  { method: "GET", path: "/metrics", access: "operator", handler: metrics },
  { method: "GET", path: "/api/v1/events", access: "any", handler: events },
  { method: "POST", path: "/api/v1/runtime-brokers/join", access: "public", handler: brokerJoin },
  { method: "POST", path: "/api/v1/agents/:id/status", access: "agent-self", handler: agentStatus },
  { method: "POST", path: "/api/v1/agents/:id/token/refresh", access: "agent-self", handler: agentTokenRefresh },
];

/** The machine routes without their handlers: method, path (`:id` params) and access. */
export const MACHINE_ROUTES: ReadonlyArray<Omit<RouteDef, "handler">> = ROUTES.map(({ method, path, access }) => ({
  method,
  path,
  access,
}));

export interface MachineContext {
  req: IncomingMessage;
  res: ServerResponse;
  runtime: HubRuntime | undefined;
  params: Record<string, string>;
}

type Handler = (ctx: MachineContext) => Promise<void> | void;
interface RouteDef {
  method: string;
  path: string;
  /** As RouteAccess; "agent-self": only the named agent's own token; "operator": an admin or the metrics scrape token. */
  access: RouteAccess | "agent-self" | "operator";
  handler: Handler;
}

const COMPILED = ROUTES.map((r) => ({
  ...r,
  keys: [...r.path.matchAll(/:(\w+)/g)].map((m) => m[1]!),
  pattern: new RegExp(`^${r.path.replace(/:(\w+)/g, "([^/]+)")}$`),
}));

/** The machine route for a request, bound to its path params, or undefined to hand it to Next.js. */
export function findMachineRoute(
  method: string | undefined,
  pathname: string,
): ((ctx: Omit<MachineContext, "params">) => Promise<void>) | undefined {
  const m = method === "HEAD" ? "GET" : (method ?? "GET");
  for (const route of COMPILED) {
    if (route.method !== m) continue;
    const match = route.pattern.exec(pathname);
    if (!match) continue;
    // server.ts refuses malformed escapes first; one that got here anyway names nothing (404).
    const params = Object.fromEntries(route.keys.map((k, i) => [k, safeDecode(match[i + 1]!)]));
    return async (ctx) => {
      try {
        await route.handler({ ...ctx, params });
      } catch (err) {
        const { status, body, headers } = handleApiError(err, ctx.runtime?.logger);
        if (!ctx.res.headersSent) sendJson(ctx.res, status, body, headers);
      }
    };
  }
  return undefined;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return "";
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json; charset=utf-8",
    "content-length": bytes.length,
    "cache-control": "no-store",
  });
  res.end(res.req.method === "HEAD" ? undefined : bytes);
}

/** Process up: answers as long as the event loop runs, even while starting or stopping. */
function healthz({ res }: MachineContext): void {
  sendJson(res, 200, { status: "ok" });
}

/**
 * Ready for traffic: started, not stopping, database reachable, every shipped migration applied,
 * event listener connected. Everyone sees the status and reason codes; error messages and
 * migration names are for admins and the metrics scraper (they describe the deployment).
 */
async function readyz({ req, res, runtime }: MachineContext): Promise<void> {
  if (!runtime)
    return sendJson(res, 503, {
      status: "starting",
      reasons: ["starting"],
      checks: { database: "unknown", migrations: "unknown", listener: "unknown" },
    });
  if (runtime.isShuttingDown) return sendJson(res, 503, { status: "stopping", reasons: ["stopping"], checks: {} });
  const checks = {
    database: "ok",
    migrations: "ok",
    listener: runtime.events.isListening === false ? "reconnecting" : "ok",
  };
  const details: { database?: string; pendingMigrations?: string[] } = {};
  try {
    const pending = await pendingMigrationNames(
      async (sql, params) => (await runtime.db.pool.query<{ migration_name: string }>(sql, params)).rows,
      runtime.migrations,
    );
    if (pending.length) {
      checks.migrations = "pending";
      details.pendingMigrations = pending;
    }
  } catch (err) {
    checks.database = "unreachable";
    checks.migrations = "unknown";
    details.database = (err as Error).message;
  }
  const reasons = [
    ...(checks.database !== "ok" ? ["database_unreachable"] : []),
    ...(checks.migrations === "pending" ? ["migrations_pending"] : []),
    ...(checks.listener !== "ok" ? ["listener_reconnecting"] : []),
  ];
  const ok = reasons.length === 0;
  const body = { status: ok ? "ready" : "not_ready", reasons, checks };
  sendJson(res, ok ? 200 : 503, (await mayOperate(req, runtime)) ? { ...body, details } : body);
}

/** The agent behind the request's token, which must be the agent named in the path and hold `scope`. */
async function requireOwnAgent(
  { req, runtime, params }: MachineContext,
  scope: AgentScope,
): Promise<{ runtime: HubRuntime; agentId: string; principal: Extract<Principal, { kind: "agent" }> }> {
  if (!runtime) throw new ApiError("unavailable", "The hub is starting.");
  const result = await authenticate(runtime, { authorization: req.headers.authorization });
  if (!result.principal)
    throw new ApiError(
      "unauthorized",
      result.reason === "invalid" ? "The credentials are invalid or expired." : "Send the agent's token.",
    );
  const principal = result.principal;
  const agentId = parseId(params.id, "agent");
  if (principal.kind !== "agent") throw new ApiError("forbidden", "Only the agent's own token may call this.");
  if (principal.agentId !== agentId) throw new ApiError("forbidden", "An agent token acts only on its own agent.");
  requireAgentScope(principal, scope);
  return { runtime, agentId, principal };
}

/**
 * The claims of a genuine agent token for the agent in the path that holds `scope`, checked
 * without the database (the token may still be superseded), or null when requireOwnAgent must
 * say what is wrong.
 */
async function ownAgentClaims(
  { req, runtime, params }: MachineContext,
  scope: AgentScope,
): Promise<{ runtime: HubRuntime; claims: AgentClaims } | null> {
  const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization?.trim() ?? "")?.[1];
  if (!runtime || !token?.startsWith(AGENT_TOKEN_PREFIX)) return null;
  const claims = await verifyAgentClaims(runtime.sessionSecret, token);
  return claims && claims.agentId === params.id?.toLowerCase() && claims.scopes.includes(scope)
    ? { runtime, claims }
    : null;
}

/**
 * POST /api/v1/agents/{id}/status - the agent's shim reports phase, activity, detail, heartbeat.
 * Agents report all the time, so a genuine token of the agent is not looked up before the report:
 * the statement that applies it checks on the agent's locked row that the token's version is
 * still the agent's, and refuses it (401, nothing written) if not. A heartbeat goes the shortest
 * way (recordHeartbeat), and what it declines goes through the rules like any report. Any other
 * token is authenticated against the database first. Errors come in the same order either way:
 * who you are (401, 403), then the body (400, 413, 415), then the report itself (409).
 */
async function agentStatus(ctx: MachineContext): Promise<void> {
  const own = await ownAgentClaims(ctx, "agent:status");
  const verified = own ? undefined : await requireOwnAgent(ctx, "agent:status");
  let body: AgentStatusBody;
  try {
    body = await readNodeJson(ctx.req, agentStatusBody);
  } catch (err) {
    if (own) await requireOwnAgent(ctx, "agent:status");
    throw err;
  }
  if (own && isPureHeartbeat(body)) {
    const touched = await recordHeartbeat(own.runtime, own.claims.agentId, own.claims.tokenVersion);
    if (touched) return sendJson(ctx.res, 200, touched);
  }
  const { runtime, agentId } = own ? { runtime: own.runtime, agentId: own.claims.agentId } : verified!;
  const agent = await ingestAgentStatus(runtime, agentId, body, own?.claims.tokenVersion);
  sendJson(ctx.res, 200, agent);
  // Messages sent while the agent was not running go in as soon as it runs.
  if (body.phase === "running" && agent.phase === "running") void flushPendingMessages(runtime, agentId);
}

/** POST /api/v1/agents/{id}/token/refresh - a fresh token before the current one expires. */
async function agentTokenRefresh(ctx: MachineContext): Promise<void> {
  const { runtime, principal } = await requireOwnAgent(ctx, "agent:token");
  sendJson(ctx.res, 200, await refreshAgentToken(runtime.prisma, runtime.sessionSecret, principal));
}

/** GET /api/v1/events - the live event stream (SSE), filtered by what the caller may read. */
async function events({ req, res, runtime }: MachineContext): Promise<void> {
  if (!runtime) throw new ApiError("unavailable", "The hub is starting.");
  await holdStreamSlot(runtime, req, res);
  await serveEventStream(runtime, req, res);
}

/**
 * Counts the stream against its caller's limit of open streams until the response closes (also
 * when it ends as an error); over the limit, 429. A caller that is not identified is left to the
 * stream's own 401.
 */
async function holdStreamSlot(runtime: HubRuntime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let closed = false;
  let release = () => {};
  res.once("close", () => {
    closed = true;
    release();
  });
  const { principal } = await authenticate(runtime, {
    authorization: req.headers.authorization,
    cookie: req.headers.cookie,
    identity: req.headers[IDENTITY_HEADER] as string | undefined,
  });
  if (!principal) return;
  const slot = runtime.rateLimiter.openStream(callerKey(principal));
  if (!slot)
    throw rateLimited(
      "Too many open event streams; close one (another tab or client) first.",
      STREAM_RETRY_AFTER_SECONDS,
    );
  if (closed) slot();
  else release = slot;
}

/** POST /api/v1/runtime-brokers/join - a broker redeems its one-time join token for its secret. */
async function brokerJoin({ req, res, runtime }: MachineContext): Promise<void> {
  if (!runtime) throw new ApiError("unavailable", "The hub is starting.");
  const body = await readNodeJson(req, joinBrokerBody);
  sendJson(res, 200, await joinBroker(runtime.prisma, runtime.sessionSecret, body));
}

/** GET /metrics - Prometheus text; for admins, or whoever holds the configured scrape token. */
async function metrics({ req, res, runtime }: MachineContext): Promise<void> {
  if (!runtime) throw new ApiError("unavailable", "The hub is starting.");
  if (!(await mayOperate(req, runtime, true)))
    throw new ApiError("forbidden", "Metrics are for admins and the configured scraper.");
  const body = await runtime.metrics.registry.metrics();
  res.writeHead(200, { "content-type": runtime.metrics.registry.contentType, "cache-control": "no-store" });
  res.end(body);
}

/**
 * An operator: whoever holds the configured metrics scrape token, or an admin (token, cookie or
 * IAP). With `required`, a caller without credentials is told to send some (401).
 */
async function mayOperate(req: IncomingMessage, runtime: HubRuntime, required = false): Promise<boolean> {
  const auth = req.headers.authorization?.trim() ?? "";
  const bearer = /^Bearer\s+(\S+)$/i.exec(auth)?.[1];
  const scrape = runtime.config.metricsToken;
  // Compared as digests: constant time whatever the lengths.
  if (scrape && bearer && digestsEqual(hashToken(bearer), hashToken(scrape))) return true;
  const result = await authenticate(runtime, {
    authorization: req.headers.authorization,
    cookie: req.headers.cookie,
    identity: req.headers[IDENTITY_HEADER] as string | undefined,
  });
  if (!result.principal && required)
    throw new ApiError("unauthorized", "Send an admin's credentials or the metrics scrape token.");
  return isAdmin(result.principal);
}
