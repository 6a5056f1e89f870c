import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { RawData, WebSocket, WebSocketServer } from "ws";
import { z } from "zod";
import { canActOnAgent } from "../agents/can-access-agent";
import { authorizeAgent, findAgentById } from "../agents/get-agent-or-throw";
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
import type { Agent } from "../db/generated/client";
import { pauseWhileQueued } from "./backpressure";

export const PTY_PATH = /^\/api\/v1\/agents\/([^/]+)\/pty$/;
/** Acknowledge output to the broker in batches of this many bytes written to the browser. */
const ACK_BATCH = 32 * 1024;
/** Output acknowledged this long after the last write when less than ACK_BATCH is waiting. */
const ACK_IDLE_MS = 20;
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

type TerminalSize = z.output<typeof size>;
type Person = Extract<Principal, { kind: "user" }>;
type BrokerPeer = HubBrokerConnection["peer"];

/** Where an accepted terminal goes: the broker's channel held here, or the replica that holds it. */
type TerminalTarget =
  | { kind: "local"; connection: HubBrokerConnection; agentId: string; dims: TerminalSize; watcher: TerminalWatcher }
  | { kind: "relay"; ownerUrl: string; agentId: string; dims: TerminalSize; userId: string };

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
  const { connection, agentId, dims, watcher } = local;
  wss.handleUpgrade(req, socket, head, (ws) => void relay(runtime, connection, ws, agentId, dims, watcher));
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
async function replicaHolding(runtime: HubRuntime, brokerId: string): Promise<string> {
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

/** The browser's socket joined to a stream on the broker's control channel, until either side ends it. */
async function relay(
  runtime: HubRuntime,
  connection: HubBrokerConnection,
  ws: WebSocket,
  agentId: string,
  dims: TerminalSize,
  watcher: TerminalWatcher,
): Promise<void> {
  const { peer } = connection;
  const stream = connection.nextStream++;
  runtime.webSockets.add(ws);
  let ended = false;
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
    output: outputToBrowser(ws, peer, stream),
    ended: (reason, code) => end(code, reason),
  });

  const stopPinging = keepAlive(ws, PING_MS);
  const stopWatching = watchAccess(runtime, watcher, () =>
    end(4403, "access revoked: the account was suspended or lost access to this agent"),
  );
  const input = inputToBroker(ws, peer, stream, () => ended);
  ws.on("message", (data: RawData, isBinary) => {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (isBinary) input.forward(bytes);
    else answerControlFrame(ws, peer, stream, bytes);
  });
  ws.on("close", () => end(1000, "closed"));
  ws.on("error", () => end(1011, "socket error"));

  try {
    await peer.call("pty.open", { stream, agentId, ...dims }, 15_000);
    if (ended) return;
    input.attach();
    ws.resume();
    ws.send(JSON.stringify({ type: "attached", agentId, cols: dims.cols, rows: dims.rows }));
  } catch (err) {
    runtime.logger.warn({ agentId, err: (err as Error).message }, "opening a terminal on the broker failed");
    end(4409, `cannot attach: ${(err as Error).message}`);
  }
}

/**
 * The broker's output, written to the browser; acknowledged to the broker once written, so the
 * broker pauses a flood: at once for every ACK_BATCH bytes, and what is left ACK_IDLE_MS later
 * if the browser keeps up (nothing queued then; a browser that does not read gets acks only per
 * ACK_BATCH). Not per write: a keystroke's echo is a few bytes, and an ack frame for each (JSON
 * both ways, on both processes) was extra work on the path of the next keystroke.
 */
function outputToBrowser(ws: WebSocket, peer: BrokerPeer, stream: number): (payload: Buffer) => void {
  let unacked = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (unacked === 0) return;
    peer.emit("pty.ack", { stream, bytes: unacked });
    unacked = 0;
  };
  const ack = (bytes: number) => {
    unacked += bytes;
    if (unacked >= ACK_BATCH) flush();
    else
      timer ??= setTimeout(() => {
        timer = undefined;
        if (ws.bufferedAmount === 0) flush();
      }, ACK_IDLE_MS);
  };
  return (payload) => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(payload, { binary: true }, (err) => {
      if (!err) ack(payload.length);
    });
  };
}

/**
 * Keys from the browser, as stream frames on the channel. Keys typed before the broker has
 * attached wait for it (bounded: the socket pauses beyond it); a paste larger than the channel
 * can take pauses reading from the browser until it drains.
 */
function inputToBroker(ws: WebSocket, peer: BrokerPeer, stream: number, ended: () => boolean) {
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
    pauseWhileQueued(ws, () => peer.bufferedAmount, INPUT_HIGH_WATER, ended);
  };
  return {
    forward,
    /** The broker has attached: what waited goes first. */
    attach() {
      attached = true;
      for (const bytes of early.splice(0)) forward(bytes);
    },
  };
}

/** A text frame: resize goes to the broker, ping is answered; anything else gets an error frame. */
function answerControlFrame(ws: WebSocket, peer: BrokerPeer, stream: number, bytes: Buffer): void {
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
