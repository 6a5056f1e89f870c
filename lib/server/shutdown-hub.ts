import type http from "node:http";
import type { WebSocketServer } from "ws";
import type { EmbeddedPostgres } from "../db/embedded-postgres";
import { setHubRuntime, type HubRuntime } from "../runtime/hub-runtime";
import type { NextHandlers } from "./next-handler";
import type { LocalBroker } from "./start-local-broker";

export interface ShutdownParts {
  server: http.Server;
  wss: WebSocketServer;
  runtime: HubRuntime;
  next?: NextHandlers;
  embedded?: EmbeddedPostgres;
  localBroker?: LocalBroker;
  /** How long in-flight requests may take before their connections are cut. */
  drainMs?: number;
}

/**
 * Stops accepting, lets in-flight requests finish (up to drainMs), closes WebSockets with 1001,
 * then Next.js, the database pool, the event bus and the embedded Postgres. Bounded: the whole
 * sequence fits in the 15 s that API.md promises.
 */
export async function shutdownHub({
  server,
  wss,
  runtime,
  next,
  embedded,
  localBroker,
  drainMs = 8000,
}: ShutdownParts): Promise<void> {
  const { logger } = runtime;
  const started = Date.now();
  runtime.isShuttingDown = true;
  const brokerConnections = [...runtime.brokers.values()];
  logger.info("shutting down");
  // Terminals end at the brokers (their WebSockets end there): each is asked to close with 1001.
  for (const connection of brokerConnections)
    for (const terminal of [...connection.terminals.values()]) terminal.ended("hub shutting down", 1001);

  // The local broker goes first, while the hub can still record it going offline.
  await localBroker?.stop(3000).catch((err: unknown) => logger.warn({ err }, "stopping the local broker failed"));
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const stream of runtime.streams) stream.close();
  for (const ws of runtime.webSockets) ws.close(1001, "hub shutting down");
  // Keep-alive sockets idle between requests would hold close() open; cut them as they go idle.
  const sweeper = setInterval(() => server.closeIdleConnections(), 100);
  server.closeIdleConnections();
  const drained = await Promise.race([closed.then(() => true), delay(drainMs).then(() => false)]);
  clearInterval(sweeper);
  if (!drained) {
    logger.warn({ drainMs }, "requests still running at the drain deadline; closing their connections");
    server.closeAllConnections();
    await closed;
  }
  for (const ws of runtime.webSockets) ws.terminate();
  wss.close();
  // Brokers go offline in the database before the pool closes (a reconnect elsewhere is unharmed).
  await Promise.race([Promise.all(brokerConnections.map((c) => c.released)), delay(3000)]);

  await runtime.scheduler?.stop();
  for (const stop of runtime.stoppers.splice(0).reverse())
    await Promise.resolve(stop()).catch((err: unknown) => logger.warn({ err }, "stopping background work failed"));
  await next?.close().catch((err: unknown) => logger.warn({ err }, "closing Next.js failed"));
  await runtime.events.close();
  await runtime.db.close();
  await embedded?.stop(4000);
  setHubRuntime(undefined);
  logger.info({ ms: Date.now() - started }, "hub stopped");
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
