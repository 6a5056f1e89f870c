import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { RawData, WebSocket, WebSocketServer } from "ws";
import { z } from "zod";
import { canAccessAgent } from "../agents/can-access-agent";
import { authenticate } from "../auth/authenticate";
import { checkAccess } from "../auth/check-access";
import { applyIapIdentity } from "../auth/iap/apply-iap-identity";
import { IDENTITY_HEADER } from "../auth/identity-header";
import type { HubBrokerConnection } from "../brokers/channel/broker-connection";
import { encodeStreamFrame, STREAM_CHUNK } from "../brokers/channel/protocol";
import { ApiError } from "../http/api-error";
import { parseId } from "../http/ids";
import type { HubRuntime } from "../runtime/hub-runtime";
import type { Principal } from "../auth/principal";
import { REPLICA_IDENTITY_HEADER, verifyReplicaIdentity } from "../auth/replica-identity";
import { accessRecheck, findUserIdentity, userChangedSubject } from "../auth/watch-access";
import { requireReachable } from "../dispatch/route-to-broker";
import { relayToReplica } from "./relay-to-replica";
import { keepAlive } from "../http/keep-alive";
import { refuseForeignOrigin } from "../http/hub-origin";

export const PTY_PATH = /^\/api\/v1\/agents\/([^/]+)\/pty$/;
/** Acknowledge output to the broker in batches of this many bytes written to the browser. */
const ACK_BATCH = 32 * 1024;
/** Browser input waiting on the control channel beyond this pauses reading from the browser. */
const INPUT_HIGH_WATER = 1024 * 1024;
const PING_MS = 30_000;
/** Backstop re-check of the person at the keyboard; account changes arrive as events at once. */
const RECHECK_MS = 15_000;

const size = z.object({
  cols: z.coerce.number().int().min(2).max(1000).default(80),
  rows: z.coerce.number().int().min(2).max(500).default(24),
});
const controlMessage = z.discriminatedUnion("type", [
  z
    .object({
      type: z.literal("resize"),
      cols: z.number().int().min(2).max(1000),
      rows: z.number().int().min(2).max(500),
    })
    .strict(),
  z.object({ type: z.literal("ping") }).strict(),
]);

/**
 * GET /api/v1/agents/{id}/pty (WebSocket). Everything is decided before the upgrade: a person
 * (session cookie, IAP identity or user API token; never an agent token, never anonymous) who
 * owns the agent or is an admin, a browser request from this hub's own origin, a running agent
 * whose broker is reachable: held here, or held by another replica, to which the socket is relayed
 * (vouching for the person with a signed header). Then a stream is opened on the broker's control channel,
 * where `tmux attach` runs under a PTY: binary frames carry bytes both ways, text frames carry
 * JSON control (`{"type":"resize","cols","rows"}`). Output is acknowledged to the broker only
 * once written to the browser's socket, so a flood is held back at its source.
 */
export async function acceptTerminal(
  runtime: HubRuntime,
  wss: WebSocketServer,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  rawAgentId: string,
): Promise<void> {
  let connection: HubBrokerConnection;
  let agentId: string;
  let dims: z.output<typeof size>;
  let watcher: TerminalWatcher;
  try {
    delete req.headers[IDENTITY_HEADER];
    let refused: ApiError | undefined;
    if (runtime.iap && !(await applyIapIdentity(runtime, req, (_status, err) => (refused = err))))
      throw refused ?? new ApiError("unauthorized", "IAP refused the request.");
    const header = (name: string) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    agentId = parseId(rawAgentId, "agent");
    // Another replica relaying a person's terminal vouches for them (it checked them already).
    const vouched = verifyReplicaIdentity(runtime.sessionSecret, header(REPLICA_IDENTITY_HEADER), agentId);
    let principal: Principal | null;
    if (vouched) {
      const user = await findUserIdentity(runtime.prisma, vouched);
      principal = user && user.status === "active" ? { kind: "user", user, via: "replica" } : null;
    } else {
      const result = await authenticate(runtime, {
        authorization: header("authorization"),
        cookie: header("cookie"),
        identity: header(IDENTITY_HEADER),
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
    const agent = await runtime.prisma.agent.findUnique({ where: { id: agentId } });
    if (!agent || !canAccessAgent(principal, agent)) throw new ApiError("not_found", "No such agent.");
    if (agent.phase !== "running")
      throw new ApiError("conflict", `The agent is ${agent.phase}; a terminal needs it running.`);
    if (!agent.brokerId) throw new ApiError("no_runtime_broker", "The agent is not placed on a runtime broker.");
    const parsed = size.safeParse(Object.fromEntries(new URL(req.url ?? "/", "http://x").searchParams));
    if (!parsed.success) throw new ApiError("validation_error", "cols must be 2-1000 and rows 2-500.");
    dims = parsed.data;
    const held = runtime.brokers.get(agent.brokerId);
    if (!held) {
      if (principal.via === "replica")
        throw new ApiError("broker_unavailable", "The agent's runtime broker is no longer connected to this replica.");
      const route = await requireReachable(runtime, agent.brokerId);
      if (route.kind === "forward") {
        const owner = await runtime.prisma.hubReplica.findUnique({
          where: { id: route.ownerHubId },
          select: { internalUrl: true },
        });
        if (!owner) throw new ApiError("broker_unavailable", "The replica holding the agent's runtime broker is gone.");
        const userId = principal.user.id;
        const size_ = dims;
        // The replica holding the broker watches this person and closes its end when access goes.
        wss.handleUpgrade(req, socket, head, (ws) =>
          relayToReplica(runtime, ws, owner.internalUrl, agentId, size_, userId),
        );
        return;
      }
      throw new ApiError("broker_unavailable", "The agent's runtime broker is not connected to this hub replica.");
    }
    connection = held;
    watcher = {
      userId: principal.user.id,
      stillAllowed: stillAllowedFor(runtime, principal, agentId, header("authorization")),
    };
  } catch (err) {
    const apiErr = err instanceof ApiError ? err : new ApiError("internal", "Internal error.");
    if (!(err instanceof ApiError)) runtime.logger.error({ err }, "terminal upgrade failed");
    const body = JSON.stringify({ error: { code: apiErr.code, message: apiErr.message } });
    socket.end(
      `HTTP/1.1 ${apiErr.status} ${apiErr.code}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => void relay(runtime, connection, ws, agentId, dims, watcher));
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
function stillAllowedFor(
  runtime: HubRuntime,
  principal: Extract<Principal, { kind: "user" }>,
  agentId: string,
  authorization: string | undefined,
) {
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
    return agent !== null && canAccessAgent({ ...principal, user }, agent);
  };
}

async function relay(
  runtime: HubRuntime,
  connection: HubBrokerConnection,
  ws: WebSocket,
  agentId: string,
  dims: { cols: number; rows: number },
  watcher: TerminalWatcher,
): Promise<void> {
  const { peer } = connection;
  const stream = connection.nextStream++;
  runtime.webSockets.add(ws);
  let ended = false;
  let unacked = 0;
  const ack = (bytes: number) => {
    unacked += bytes;
    if (unacked >= ACK_BATCH || ws.bufferedAmount === 0) {
      peer.emit("pty.ack", { stream, bytes: unacked });
      unacked = 0;
    }
  };
  const end = (code: number, reason: string) => {
    if (ended) return;
    ended = true;
    connection.terminals.delete(stream);
    stopPinging();
    stopWatching();
    peer.emit("pty.close", { stream });
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason.slice(0, 120));
  };
  connection.terminals.set(stream, {
    output(payload) {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(payload, { binary: true }, (err) => {
        if (!err) ack(payload.length);
      });
    },
    ended: (reason, code) => end(code, reason),
  });

  const stopPinging = keepAlive(ws, PING_MS);
  // A suspension (or a lost admin role) closes the terminal within a moment, on whichever replica
  // holds it: the account change arrives as an event; a timer re-checks in case one was missed.
  const revoked = () => end(4403, "access revoked: the account was suspended or lost access to this agent");
  const recheck = accessRecheck(watcher.stillAllowed, revoked, runtime.logger);
  const unsubscribe = runtime.events.subscribe([userChangedSubject(watcher.userId)], (delivery) => {
    if (delivery.kind === "event" && (delivery.event.data as { status?: unknown } | null)?.status === "suspended")
      revoked();
    else recheck();
  });
  const timer = setInterval(recheck, RECHECK_MS);
  function stopWatching() {
    clearInterval(timer);
    unsubscribe();
  }

  ws.on("message", (data: RawData, isBinary) => {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (isBinary) return forward(bytes);
    let message: z.output<typeof controlMessage>;
    try {
      message = controlMessage.parse(JSON.parse(bytes.toString("utf8")));
    } catch {
      ws.send(
        JSON.stringify({
          type: "error",
          message: 'control frames are {"type":"resize","cols":N,"rows":N} with cols 2-1000 and rows 2-500',
        }),
      );
      return;
    }
    if (message.type === "resize") peer.emit("pty.resize", { stream, cols: message.cols, rows: message.rows });
    else ws.send(JSON.stringify({ type: "pong" }));
  });
  // Keys typed before the broker has attached wait for it (bounded: the socket pauses beyond it).
  let attached = false;
  const early: Buffer[] = [];
  const forward = (bytes: Buffer) => {
    if (!attached) {
      early.push(bytes);
      if (early.reduce((n, b) => n + b.length, 0) > INPUT_HIGH_WATER) ws.pause();
      return;
    }
    for (let offset = 0; offset < bytes.length; offset += STREAM_CHUNK)
      peer.sendBinary(encodeStreamFrame(stream, bytes.subarray(offset, offset + STREAM_CHUNK)));
    if (peer.bufferedAmount > INPUT_HIGH_WATER) holdInput();
  };
  // A paste larger than the channel can take pauses reading from the browser until it drains.
  const holdInput = () => {
    ws.pause();
    const check = setInterval(() => {
      if (ended || peer.bufferedAmount < INPUT_HIGH_WATER / 2) {
        clearInterval(check);
        ws.resume();
      }
    }, 10);
  };
  ws.on("close", () => end(1000, "closed"));
  ws.on("error", () => end(1011, "socket error"));

  try {
    await peer.call("pty.open", { stream, agentId, ...dims }, 15_000);
    if (ended) return;
    attached = true;
    for (const bytes of early.splice(0)) forward(bytes);
    ws.resume();
    ws.send(JSON.stringify({ type: "attached", agentId, cols: dims.cols, rows: dims.rows }));
  } catch (err) {
    runtime.logger.warn({ agentId, err: (err as Error).message }, "opening a terminal on the broker failed");
    end(4409, `cannot attach: ${(err as Error).message}`);
  }
}
