import crypto from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { WebSocket, WebSocketServer } from "ws";
import { z } from "zod";
import { ApiError } from "../../http/api-error";
import type { HubRuntime } from "../../runtime/hub-runtime";
import { authenticateBrokerRequest } from "../authenticate-broker-request";
import { claimBroker, releaseBroker, touchBroker } from "../claim-broker";
import { ChannelPeer } from "./channel-peer";
import type { HubBrokerConnection } from "./broker-connection";
import { changeAgent } from "../../agents/change-agent";
import { keepAlive } from "../../http/keep-alive";
import { rejectUpgrade } from "../../http/reject-upgrade";

const PING_MS = 15_000;

/**
 * GET /api/v1/runtime-brokers/connect: the broker's signed upgrade becomes its control channel.
 * The signature (and a fresh nonce) is checked before the upgrade. This replica then holds the
 * connection, claims the broker, replaces any older connection it held, keeps the socket alive
 * with pings and records heartbeats. On close it releases the broker, only once its own claim is
 * written and only if this session is still current. A heartbeat on a channel the database no
 * longer names (a claim of an older connection, on another replica, that landed after this one's;
 * or the stale-broker sweep during a long pause) claims the broker again for that channel.
 */
export async function acceptBrokerChannel(
  runtime: HubRuntime,
  wss: WebSocketServer,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  let brokerId: string;
  try {
    brokerId = await authenticateBrokerRequest(runtime.prisma, runtime.sessionSecret, req);
  } catch (err) {
    const status = err instanceof ApiError ? err.status : 500;
    runtime.logger.warn({ status, remote: req.socket.remoteAddress }, "refused a broker control-channel upgrade");
    rejectUpgrade(socket, status, status === 401 ? "Unauthorized" : "Error");
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => attach(runtime, brokerId, crypto.randomUUID(), ws));
}

function attach(runtime: HubRuntime, brokerId: string, sessionId: string, ws: WebSocket): void {
  const { logger } = runtime;
  let resolveReleased!: () => void;
  const released = new Promise<void>((r) => (resolveReleased = r));
  const peer = new ChannelPeer(ws, {
    onRequest: async (op) => {
      throw new ApiError("not_found", `the hub serves no ${op} requests`);
    },
    onEvent: (name, data) => {
      if (name === "heartbeat") {
        const done = runtime.metrics.brokerHeartbeats.startTimer();
        // Touched after this session's own claim, so "no row touched" means another claim since.
        void claimed
          .then(() => touchBroker(runtime.db.pool, brokerId, sessionId))
          .then(async (touched) => {
            done();
            if (!touched) await reclaim();
          })
          .catch((err: unknown) => logger.warn({ err, brokerId }, "recording a broker heartbeat failed"));
      } else if (name === "agent.phase")
        void recordBrokerPhase(runtime, brokerId, data).catch((err: unknown) =>
          logger.warn({ err, brokerId }, "recording an agent phase from a broker failed"),
        );
      else if (name === "agent.detail")
        void recordBrokerDetail(runtime, brokerId, data).catch((err: unknown) =>
          logger.warn({ err, brokerId }, "recording an agent detail from a broker failed"),
        );
      else if (name === "broker.harnesses")
        void recordHarnessStatus(runtime, brokerId, data).catch((err: unknown) =>
          logger.warn({ err, brokerId }, "recording a broker's harnesses failed"),
        );
    },
    onProtocolError: (err) => logger.warn({ brokerId, err: err.message }, "broker sent a malformed frame"),
  });
  const connection: HubBrokerConnection = {
    brokerId,
    sessionId,
    peer,
    ws,
    released,
    terminals: new Map(),
    nextStream: 1,
  };
  runtime.webSockets.add(ws);
  const stopPinging = keepAlive(ws, PING_MS);

  /**
   * The broker heartbeats on the connection it uses, yet the database names another session:
   * an older upgrade's claim (here or on another replica) landed after this one's. Claim the
   * broker again for this connection, unless it is closing or no longer this replica's.
   */
  const reclaim = async () => {
    if (ws.readyState !== ws.OPEN || runtime.brokers.get(brokerId) !== connection || runtime.isShuttingDown) return;
    if (!(await claimBroker(runtime.db.pool, brokerId, runtime.hubId, sessionId))) return;
    logger.warn(
      { brokerId, sessionId },
      "a broker's record named another session; claimed it again for its live channel",
    );
    await announce();
  };
  const announce = async () => {
    await publishBrokerStatus(runtime, brokerId, "online");
    // Whatever other replicas wrote for this broker while it was away runs now: dispatch listens
    // (lib/dispatch/run-dispatches.ts), so the channel never imports dispatch.
    for (const listener of runtime.brokerClaimed) listener(brokerId);
  };

  // Held here before the claim is written: from the moment the database names this replica as
  // the owner, this replica must route the broker's calls locally (never "owner is me, but I
  // have no socket").
  const previous = runtime.brokers.get(brokerId);
  runtime.brokers.set(brokerId, connection);
  const claimed = claimBroker(runtime.db.pool, brokerId, runtime.hubId, sessionId);

  ws.once("close", () => {
    stopPinging();
    for (const terminal of [...connection.terminals.values()]) terminal.ended("the runtime broker disconnected", 1011);
    runtime.webSockets.delete(ws);
    if (runtime.brokers.get(brokerId) === connection) runtime.brokers.delete(brokerId);
    // After this session's own claim: a release that ran first would match nothing, and the claim
    // landing after it would leave the broker online, owned here, with no channel.
    void claimed
      .catch(() => false)
      .then(() => releaseBroker(runtime.db.pool, brokerId, sessionId))
      .then(async (didRelease) => {
        logger.info({ brokerId, sessionId, didRelease }, "broker control channel closed");
        if (didRelease) await publishBrokerStatus(runtime, brokerId, "offline");
      })
      .catch((err: unknown) => logger.warn({ err, brokerId }, "releasing a broker failed"))
      .finally(resolveReleased);
  });

  void claimed.then(
    (found) => {
      if (!found) {
        // Deleted since it authenticated.
        logger.warn({ brokerId }, "a broker's record is gone; closing its channel");
        return void ws.close(4001, "unknown broker");
      }
      if (previous && previous !== connection) previous.ws.close(4000, "replaced by a newer connection");
      logger.info({ brokerId, sessionId }, "broker control channel open");
      void announce();
    },
    (err: unknown) => {
      logger.warn({ err, brokerId }, "claiming a broker failed; closing its channel");
      if (runtime.brokers.get(brokerId) === connection) {
        if (previous && previous.ws.readyState === previous.ws.OPEN) runtime.brokers.set(brokerId, previous);
        else runtime.brokers.delete(brokerId);
      }
      ws.close(1011, "claim failed");
    },
  );
}

async function publishBrokerStatus(runtime: HubRuntime, brokerId: string, status: "online" | "offline"): Promise<void> {
  await runtime.events
    .publish({ subject: `broker.${brokerId}.status`, data: { id: brokerId, status } })
    .catch(() => undefined);
}

const brokerPhase = z.object({ agentId: z.uuid(), phase: z.literal("cloning") }).strict();

/**
 * A broker reports progress the shim cannot (it clones before the shim exists): `cloning`, only
 * for an agent placed on this broker and still provisioning.
 */
async function recordBrokerPhase(runtime: HubRuntime, brokerId: string, data: unknown): Promise<void> {
  const parsed = brokerPhase.safeParse(data);
  if (!parsed.success) return void runtime.logger.warn({ brokerId }, "broker sent a malformed agent.phase event");
  const { agentId, phase } = parsed.data;
  await changeAgent(runtime.prisma, runtime.events, agentId, `broker:${brokerId}`, (a) =>
    a.brokerId === brokerId && a.phase === "provisioning" ? { phase } : null,
  ).catch((err: unknown) => {
    if (!(err instanceof ApiError)) throw err;
  });
}

const brokerDetail = z.object({ agentId: z.uuid(), detail: z.string().min(1).max(200) }).strict();

/** What the broker is doing for a start the shim cannot say yet ("installing Claude Code 2.1.332"), while provisioning there. */
async function recordBrokerDetail(runtime: HubRuntime, brokerId: string, data: unknown): Promise<void> {
  const parsed = brokerDetail.safeParse(data);
  if (!parsed.success) return void runtime.logger.warn({ brokerId }, "broker sent a malformed agent.detail event");
  const { agentId, detail } = parsed.data;
  await changeAgent(runtime.prisma, runtime.events, agentId, `broker:${brokerId}`, (a) =>
    a.brokerId === brokerId && a.phase === "provisioning" && a.detail !== detail ? { detail } : null,
  ).catch((err: unknown) => {
    if (!(err instanceof ApiError)) throw err;
  });
}

const harnessStatus = z
  .object({
    harnesses: z
      .array(
        z
          .object({
            id: z.string().regex(/^[a-z0-9-]{1,32}$/),
            available: z.boolean(),
            version: z.string().max(64).nullable(),
            installed: z.boolean(),
          })
          .strict(),
      )
      .max(64),
  })
  .strict();

/**
 * Which harnesses the broker can run, and which versions (sent on every connect and after an
 * install): stored as `capabilities.harnessStatus`, the rest of its capabilities kept.
 */
async function recordHarnessStatus(runtime: HubRuntime, brokerId: string, data: unknown): Promise<void> {
  const parsed = harnessStatus.safeParse(data);
  if (!parsed.success) return void runtime.logger.warn({ brokerId }, "broker sent a malformed broker.harnesses event");
  const status = Object.fromEntries(parsed.data.harnesses.map(({ id, ...rest }) => [id, rest]));
  await runtime.db.pool.query(
    `UPDATE runtime_brokers SET capabilities = jsonb_set(CASE WHEN jsonb_typeof(capabilities) = 'object' THEN capabilities ELSE '{}'::jsonb END, '{harnessStatus}', $2::jsonb), "updatedAt" = now() WHERE id = $1`,
    [brokerId, JSON.stringify(status)],
  );
}
