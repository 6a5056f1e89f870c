import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { WebSocketServer } from "ws";
import { z } from "zod";
import { canActOnAgent } from "../agents/can-access-agent";
import { authorizeAgent, findAgentById } from "../agents/get-agent-or-throw";
import { authenticate } from "../auth/authenticate";
import { checkAccess } from "../auth/check-access";
import { applyIapIdentity } from "../auth/iap/apply-iap-identity";
import { IDENTITY_HEADER } from "../auth/identity-header";
import type { HubBrokerConnection } from "../brokers/channel/broker-connection";
import { TUNNEL_SWITCHED } from "../brokers/channel/protocol";
import { callBroker } from "../brokers/channel/call-broker";
import { ApiError } from "../http/api-error";
import { parseId } from "../http/ids";
import type { HubRuntime } from "../runtime/hub-runtime";
import type { Principal } from "../auth/principal";
import { REPLICA_IDENTITY_HEADER, verifyReplicaIdentity } from "../auth/replica-identity";
import { accessRecheck, findUserIdentity, userChangedSubject } from "../auth/watch-access";
import { requireReachable } from "../dispatch/route-to-broker";
import { relayToReplica } from "./relay-to-replica";
import { joinSockets } from "../net/join-sockets";
import { refuseForeignOrigin } from "../http/hub-origin";
import type { Agent } from "../db/generated/client";

export const PTY_PATH = /^\/api\/v1\/agents\/([^/]+)\/pty$/;
/** Backstop re-check of the person at the keyboard; account changes arrive as events at once. */
const RECHECK_MS = 15_000;
const size = z.object({
  cols: z.coerce.number().int().min(2).max(1000).default(80),
  rows: z.coerce.number().int().min(2).max(500).default(24),
});
type TerminalSize = z.output<typeof size>;
type Person = Extract<Principal, { kind: "user" }>;

/** Where an accepted terminal goes: the broker's channel held here, or the replica that holds it. */
type TerminalTarget =
  | { kind: "local"; connection: HubBrokerConnection; agentId: string; dims: TerminalSize; watcher: TerminalWatcher }
  | { kind: "relay"; ownerUrl: string; agentId: string; dims: TerminalSize; userId: string };

/**
 * GET /api/v1/agents/{id}/pty (WebSocket). Everything is decided before the upgrade: a person
 * (session cookie, IAP identity or user API token; never an agent token, never anonymous) who
 * owns the agent or is an admin, a browser request from this hub's own origin, a running agent
 * whose broker is reachable: held here, or held by another replica, to which the socket is relayed
 * (vouching for the person with a signed header). Then the broker dials a tunnel for the
 * terminal and the browser's socket is joined to it (joinThroughBroker): the WebSocket ends at
 * the broker, where `tmux attach` runs under a PTY; binary frames carry bytes both ways, text
 * frames carry JSON control (`{"type":"resize","cols","rows"}`).
 */
export async function acceptTerminal(
  runtime: HubRuntime,
  wss: WebSocketServer,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  rawAgentId: string,
): Promise<void> {
  let local: Extract<TerminalTarget, { kind: "local" }>;
  try {
    const target = await decideTerminal(runtime, req, rawAgentId);
    if (target.kind === "relay") {
      const { ownerUrl, agentId, dims, userId } = target;
      // The replica holding the broker watches this person and closes its end when access goes.
      wss.handleUpgrade(req, socket, head, (ws) => relayToReplica(runtime, ws, ownerUrl, agentId, dims, userId));
      return;
    }
    local = target;
  } catch (err) {
    refuseTerminal(runtime, socket, err);
    return;
  }
  joinThroughBroker(runtime, local.connection, req, socket, head, local);
}

/** Who asks, for which agent, at what size, and where its broker is; an ApiError refuses the upgrade. */
async function decideTerminal(runtime: HubRuntime, req: IncomingMessage, rawAgentId: string): Promise<TerminalTarget> {
  delete req.headers[IDENTITY_HEADER];
  let refused: ApiError | undefined;
  if (runtime.iap && !(await applyIapIdentity(runtime, req, (_status, err) => (refused = err))))
    throw refused ?? new ApiError("unauthorized", "IAP refused the request.");
  const agentId = parseId(rawAgentId, "agent");
  const person = await identifyPerson(runtime, req, agentId);
  const agent = await runningAgent(runtime, person, agentId);
  const dims = terminalSize(req);
  const held = runtime.brokers.get(agent.brokerId);
  if (held) {
    const watcher = {
      userId: person.user.id,
      stillAllowed: stillAllowedFor(runtime, person, agentId, header(req, "authorization")),
    };
    return { kind: "local", connection: held, agentId, dims, watcher };
  }
  if (person.via === "replica")
    throw new ApiError("broker_unavailable", "The agent's runtime broker is no longer connected to this replica.");
  const ownerUrl = await replicaHolding(runtime, agent.brokerId);
  return { kind: "relay", ownerUrl, agentId, dims, userId: person.user.id };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The person at the keyboard: vouched for by another replica relaying their terminal (it checked
 * them already), or by their own credentials. Active, never an agent, and a browser's cookies
 * only from this hub's own pages.
 */
async function identifyPerson(runtime: HubRuntime, req: IncomingMessage, agentId: string): Promise<Person> {
  const vouched = verifyReplicaIdentity(runtime.sessionSecret, header(req, REPLICA_IDENTITY_HEADER), agentId);
  let principal: Principal | null;
  if (vouched) {
    const user = await findUserIdentity(runtime.prisma, vouched);
    principal = user && user.status === "active" ? { kind: "user", user, via: "replica" } : null;
  } else {
    const result = await authenticate(runtime, {
      authorization: header(req, "authorization"),
      cookie: header(req, "cookie"),
      identity: header(req, IDENTITY_HEADER),
    });
    principal = result.principal;
    if (result.principal === null && result.reason === "invalid")
      throw new ApiError("unauthorized", "The credentials are invalid or expired.");
  }
  if (!principal) throw new ApiError("unauthorized", "Sign in to open a terminal.");
  if (principal.kind !== "user") throw new ApiError("forbidden", "Agents may not open terminals.");
  // A suspended person is refused here as on every route (the API's one access check).
  checkAccess(principal, "user");
  // A browser carries cookies to any site's WebSocket; only our own pages may use them here.
  if (principal.via === "session" || principal.via === "iap") {
    const foreign = refuseForeignOrigin(req.method, req.headers, runtime.config.publicUrl, { upgrade: true });
    if (foreign) throw foreign;
  }
  return principal;
}

/** The agent, if the person may use it, running and placed on a broker. */
async function runningAgent(
  runtime: HubRuntime,
  person: Person,
  agentId: string,
): Promise<Agent & { brokerId: string }> {
  const agent = await findAgentById(runtime.db, agentId);
  if (!agent) throw new ApiError("not_found", "No such agent.");
  // A project member sees the agent but may not type into it (403); anyone else is told it does not exist.
  await authorizeAgent(runtime.db, person, agent, "act");
  if (agent.phase !== "running")
    throw new ApiError("conflict", `The agent is ${agent.phase}; a terminal needs it running.`);
  if (!agent.brokerId) throw new ApiError("no_runtime_broker", "The agent is not placed on a runtime broker.");
  return { ...agent, brokerId: agent.brokerId };
}

function terminalSize(req: IncomingMessage): TerminalSize {
  const parsed = size.safeParse(Object.fromEntries(new URL(req.url ?? "/", "http://x").searchParams));
  if (!parsed.success) throw new ApiError("validation_error", "cols must be 2-1000 and rows 2-500.");
  return parsed.data;
}

/** The internal URL of the live replica that holds a broker this replica does not. */
export async function replicaHolding(runtime: HubRuntime, brokerId: string): Promise<string> {
  const route = await requireReachable(runtime, brokerId);
  if (route.kind !== "forward")
    throw new ApiError("broker_unavailable", "The agent's runtime broker is not connected to this hub replica.");
  const owner = await runtime.prisma.hubReplica.findUnique({
    where: { id: route.ownerHubId },
    select: { internalUrl: true },
  });
  if (!owner) throw new ApiError("broker_unavailable", "The replica holding the agent's runtime broker is gone.");
  return owner.internalUrl;
}

/** A refused upgrade answers with the API's error envelope; an unexpected error is logged and answers 500. */
function refuseTerminal(runtime: HubRuntime, socket: Duplex, err: unknown): void {
  const apiErr = err instanceof ApiError ? err : new ApiError("internal", "Internal error.");
  if (!(err instanceof ApiError)) runtime.logger.error({ err }, "terminal upgrade failed");
  const body = JSON.stringify({ error: { code: apiErr.code, message: apiErr.message } });
  socket.end(
    `HTTP/1.1 ${apiErr.status} ${apiErr.code}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

interface TerminalWatcher {
  userId: string;
  stillAllowed: () => Promise<boolean>;
}

/**
 * Whether the person at an open terminal may still use it: active, still the owner or an admin,
 * and, for an API token, the token still valid. Read by id, never from the upgrade's headers
 * (an IAP identity header or a replica's vouching expires long before a terminal session does).
 */
function stillAllowedFor(runtime: HubRuntime, principal: Person, agentId: string, authorization: string | undefined) {
  return async (): Promise<boolean> => {
    let user = await findUserIdentity(runtime.prisma, principal.user.id);
    if (principal.via === "token") {
      const again = (await authenticate(runtime, { authorization })).principal;
      user = again?.kind === "user" && again.user.id === principal.user.id ? again.user : null;
    }
    if (!user || user.status !== "active") return false;
    const agent = await runtime.prisma.agent.findUnique({
      where: { id: agentId },
      select: { id: true, ownerId: true },
    });
    return agent !== null && canActOnAgent({ ...principal, user }, agent);
  };
}

/**
 * The browser's socket joined to a tunnel that the broker dials for it (lib/brokers/channel/protocol.ts,
 * TUNNEL_PATH): the hub asks with `pty.open`, the broker dials, and from then on bytes pass both
 * ways unread. The browser's WebSocket handshake goes through too, without its credentials, so
 * the WebSocket ends at the broker: parsing frames is the broker's work, done once, and flow
 * control is TCP's, end to end (a browser that stops reading stops tmux). Until the tunnel is
 * joined nothing has been answered, so a refusal (the session gone, the broker away) is still an
 * HTTP error. Access revoked, the broker is told to close the socket with 4403; the sockets are
 * cut if it has not within a moment.
 */
function joinThroughBroker(
  runtime: HubRuntime,
  connection: HubBrokerConnection,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  target: { agentId: string; dims: TerminalSize; watcher: TerminalWatcher },
): void {
  const { peer, brokerId } = connection;
  const stream = connection.nextStream++;
  let tunnel: Duplex | undefined;
  let ended = false;
  let cutTimer: NodeJS.Timeout | undefined;
  /** The terminal is over; the browser's socket is cut unless it is being answered with a refusal. */
  const finish = (refused = false) => {
    if (ended) return;
    ended = true;
    clearTimeout(cutTimer);
    connection.terminals.delete(stream);
    stopWatching();
    if (!refused) socket.destroy();
    tunnel?.destroy();
  };
  /** Closed by the broker, which holds the browser's WebSocket; cut here if it cannot or does not. */
  const close = (code: number, reason: string) => {
    if (ended) return;
    if (!tunnel) {
      peer.emit("pty.close", { stream });
      refuseTerminal(runtime, socket, new ApiError(code === 4403 ? "forbidden" : "broker_unavailable", reason));
      return finish(true);
    }
    if (peer.isOpen) peer.emit("pty.close", { stream, code, reason: reason.slice(0, 120) });
    cutTimer ??= setTimeout(() => finish(), CUT_AFTER_MS);
  };
  connection.terminals.set(stream, {
    socket,
    join(brokerSocket, brokerHead) {
      if (tunnel || ended) return void brokerSocket.destroy();
      tunnel = brokerSocket;
      brokerSocket.write(TUNNEL_SWITCHED);
      brokerSocket.write(browserHandshake(req, stream));
      if (head.length > 0) brokerSocket.write(head);
      if (brokerHead.length > 0) socket.write(brokerHead);
      joinSockets(socket, brokerSocket, () => finish());
    },
    ended: (reason, code) => close(code, reason),
  });
  socket.on("close", () => {
    if (!tunnel && !ended) peer.emit("pty.close", { stream });
    finish();
  });
  const stopWatching = watchAccess(runtime, target.watcher, () =>
    close(4403, "access revoked: the account was suspended or lost access to this agent"),
  );
  callBroker(runtime, brokerId, "pty.open", { stream, agentId: target.agentId, ...target.dims }, 15_000).catch(
    (err: unknown) => {
      if (ended) return;
      if (tunnel) {
        // The broker closed the browser's WebSocket with 4409 and the reason.
        runtime.logger.warn({ agentId: target.agentId, err: (err as Error).message }, "attaching a terminal failed");
        return;
      }
      refuseTerminal(runtime, socket, err);
      finish(true);
    },
  );
}

/** How long the broker has to close a terminal's WebSocket itself before the hub cuts the sockets. */
const CUT_AFTER_MS = 2000;

/** Headers of the browser's handshake that the broker needs to answer it; never its credentials. */
const HANDSHAKE_HEADERS = new Set([
  "host",
  "upgrade",
  "connection",
  "sec-websocket-key",
  "sec-websocket-version",
  "sec-websocket-protocol",
]);

/** The browser's upgrade request as the broker gets it through the tunnel. */
function browserHandshake(req: IncomingMessage, stream: number): string {
  let text = `GET /pty?stream=${stream} HTTP/1.1\r\n`;
  for (let i = 0; i < req.rawHeaders.length; i += 2)
    if (HANDSHAKE_HEADERS.has(req.rawHeaders[i]!.toLowerCase()))
      text += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
  return `${text}\r\n`;
}

/**
 * A suspension (or a lost admin role) closes the terminal within a moment, on whichever replica
 * holds it: the account change arrives as an event; a timer re-checks in case one was missed.
 * Returns the function that stops watching.
 */
function watchAccess(runtime: HubRuntime, watcher: TerminalWatcher, revoked: () => void): () => void {
  const recheck = accessRecheck(watcher.stillAllowed, revoked, runtime.logger);
  const unsubscribe = runtime.events.subscribe([userChangedSubject(watcher.userId)], (delivery) => {
    if (delivery.kind === "event" && (delivery.event.data as { status?: unknown } | null)?.status === "suspended")
      revoked();
    else recheck();
  });
  const timer = setInterval(recheck, RECHECK_MS);
  return () => {
    clearInterval(timer);
    unsubscribe();
  };
}
