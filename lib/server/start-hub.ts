import crypto from "node:crypto";
import http from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import type { HubConfig } from "../config/schema";
import { createDatabase, type Database } from "../db/create-database";
import { defaultMigrationsDir, readMigrationFiles, type MigrationFile } from "../db/migrations";
import { PostgresEventBus } from "../events/postgres-event-bus";
import { createHubMetrics } from "../metrics/hub-metrics";
import type { Logger } from "../log/create-logger";
import { setHubRuntime, type HubRuntime } from "../runtime/hub-runtime";
import { prepareDevMode } from "../auth/dev-mode";
import { acceptBrokerChannel } from "../brokers/channel/accept-broker-channel";
import { CHANNEL_PATH, TUNNEL_PATH } from "../brokers/channel/protocol";
import { applyIapIdentity } from "../auth/iap/apply-iap-identity";
import { JwksCache } from "../auth/iap/jwks-cache";
import { IDENTITY_HEADER } from "../auth/identity-header";
import type { ApiError } from "../http/api-error";
import { CLIENT_ADDRESS_HEADER, clientAddressOf } from "../http/client-address";
import { RateLimiter } from "../http/rate-limit";
import { sealLegacyAgentEnv } from "../agents/seal-legacy-agent-env";
import { seedBuiltIns } from "../templates/seed-built-ins";
import { carriesBrowserCredential, refuseForeignOrigin } from "../http/hub-origin";
import { ensureDataDir } from "./ensure-data-dir";
import { refuseRequestTarget } from "./guard-request";
import { applySecurityHeaders } from "./security-headers";
import { signInDevPageRequest } from "./dev-sign-in";
import { listen, urlOf } from "./listen";
import { findMachineRoute, sendJson } from "./machine-routes";
import { prepareNext, type NextHandlers } from "./next-handler";
import { openDatabase, type OpenedDatabase } from "./open-database";
import { trackRequest } from "./request-log";
import { resolveSessionSecret } from "./resolve-session-secret";
import { shutdownHub } from "./shutdown-hub";
import { startLocalBroker } from "./start-local-broker";
import { acceptTerminal, PTY_PATH } from "../terminal/accept-terminal";
import { acceptTerminalTunnel } from "../terminal/terminal-tunnel";
import { rejectUpgrade } from "../http/reject-upgrade";
import { backgroundJobs } from "./background-jobs";
import { startScheduler } from "../runtime/scheduler";
import { registerReplica } from "../dispatch/replicas";
import { startDispatchExecutor } from "../dispatch/run-dispatches";

export interface StartHubOptions {
  config: HubConfig;
  logger: Logger;
  /** Serve pages and /api/v1 through Next.js. Tests of machine routes may leave it out. */
  next?: { dev: boolean; dir: string };
  /** Repository root holding prisma/migrations. */
  root?: string;
  /** Start the local broker when the configuration asks for one (server.ts does; most tests do not). */
  withLocalBroker?: boolean;
}

export interface Hub {
  url: string;
  runtime: HubRuntime;
  /** Graceful stop: refuse new work, finish in-flight requests, close sockets, database, Postgres. */
  close(): Promise<void>;
}

/** What the request and upgrade handlers see: set once the database and runtime are ready. */
interface HubState {
  runtime?: HubRuntime;
  next?: NextHandlers;
}

/** What the request pipeline needs, from the first request on (before the hub is ready too). */
interface Serving {
  config: HubConfig;
  logger: Logger;
  next: StartHubOptions["next"];
  state: HubState;
  wss: WebSocketServer;
}

/** What a failed start must undo, filled in as each piece starts. */
interface Started {
  opened?: OpenedDatabase;
  /** Created as soon as the database's URL is known. */
  db?: Database;
  events?: PostgresEventBus;
}

/**
 * Starts one hub replica, in order: data directory, listening socket (so a busy port fails before
 * anything else starts; requests get 503 until ready), database and migrations, runtime, Next.js,
 * background work, the local broker. Any failure undoes what was started and rejects with a
 * one-line StartupError.
 */
export async function startHub({
  config,
  logger,
  next,
  root = process.cwd(),
  withLocalBroker = false,
}: StartHubOptions): Promise<Hub> {
  ensureDataDir(config.dataDirPath);
  const sessionSecret = resolveSessionSecret({
    configured: config.sessionSecret,
    dataDir: config.dataDirPath,
    shared: Boolean(config.databaseUrl),
    logger,
  });
  const state: HubState = {};
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  const server = createHubServer({ config, logger, next, state, wss });
  const address = await listen(server, config.host, config.port);
  const url = urlOf(address);
  const started: Started = {};
  // Postgres is launched first; Next.js loads its build (the largest part of the start-up's CPU)
  // while Postgres, in its own process, comes up. The pages are served only once the runtime exists.
  const nextLoad: { ready?: Promise<NextHandlers> } = {};
  const loadNext = () => {
    if (!next || nextLoad.ready) return;
    nextLoad.ready = prepareNext({ ...next, hostname: config.host, port: address.port });
    nextLoad.ready.catch(() => undefined);
  };
  const onLaunched = (url: string) => {
    loadNext();
    // Prisma compiles its query compiler (WebAssembly, on the main thread) when it connects, which
    // opens no connection yet: done while Postgres comes up rather than after.
    started.db = createDatabase(url, config.database, logger);
    started.db.prisma.$connect().catch(() => undefined);
  };
  let runtime: HubRuntime;
  try {
    const { db, migrations } = await openHubDatabase(started, config, root, sessionSecret, logger, onLaunched);
    runtime = await buildRuntime(started, {
      config: { ...config, port: address.port },
      sessionSecret,
      logger,
      db,
      migrations,
    });
    await seedBuiltIns(runtime.prisma, logger);
    setHubRuntime(runtime);
    state.runtime = runtime;
    if (nextLoad.ready) state.next = await nextLoad.ready;
  } catch (err) {
    await undoStart(server, state, started);
    await (await nextLoad.ready?.catch(() => undefined))?.close().catch(() => undefined);
    throw err;
  }
  const embedded = started.opened!.embedded;
  await startBackgroundWork(runtime);
  const localBroker = config.localBroker && withLocalBroker ? await startLocalBroker(runtime, url, root) : undefined;
  logger.info(
    { url, hubId: runtime.hubId, authMode: config.authMode, embeddedDatabase: Boolean(embedded) },
    "hub started",
  );

  let closing: Promise<void> | undefined;
  return {
    url,
    runtime,
    close: () => (closing ??= shutdownHub({ server, wss, runtime, next: state.next, embedded, localBroker })),
  };
}

/**
 * How long an idle keep-alive connection stays open. The side that closes an idle connection
 * races a client reusing it at that instant, and the client's request dies (ECONNRESET, or a 502
 * from a load balancer). Clients must close first: Google Cloud's external Application Load
 * Balancer (in front of IAP) keeps idle connections to its backends for 600 s and asks backends to
 * wait longer; Node's default is 5 s, which a client pausing five seconds between two calls hits.
 */
export const KEEP_ALIVE_MS = 620_000;

/** The HTTP server: every request and WebSocket upgrade goes through the hub's pipeline. */
function createHubServer(serving: Serving): http.Server {
  const server = http.createServer((req, res) => void handleRequest(serving, req, res));
  server.on("upgrade", (req, socket, head) => void handleUpgrade(serving, req, socket, head));
  // Slow-loris protection; long-lived streams (SSE, WebSockets) are unaffected once headers are in.
  server.headersTimeout = 30_000;
  server.requestTimeout = 120_000;
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  return server;
}

async function handleRequest(
  { config, logger, next, state }: Serving,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const pathname = (req.url ?? "/").split("?")[0]!;
  trackRequest(req, res, logger, pathname);
  // Only server.ts may assert an identity to the rest of the hub; never a client.
  delete req.headers[IDENTITY_HEADER];
  req.headers[CLIENT_ADDRESS_HEADER] = clientAddressOf(req, config.rateLimits.trustedProxyHops);
  applySecurityHeaders(req, res, pathname, config.publicUrl, state.next?.pagePolicy);
  const runtime = state.runtime;
  if (runtime?.isShuttingDown) res.setHeader("connection", "close");
  try {
    const misdirected = refuseRequestTarget(req, pathname, config);
    if (misdirected) return replyError(req, res, misdirected.status, misdirected, pathname);
    if (
      runtime?.iap &&
      !(await applyIapIdentity(runtime, req, (status, err) => replyError(req, res, status, err, pathname)))
    )
      return;
    // What a browser attaches by itself (cookie, IAP) only counts from the hub's own pages (CSRF).
    const foreign = carriesBrowserCredential(req.headers)
      ? refuseForeignOrigin(req.method, req.headers, config.publicUrl)
      : undefined;
    if (foreign) return replyError(req, res, foreign.status, foreign, pathname);
    const machine = findMachineRoute(req.method, pathname);
    if (machine) return await machine({ req, res, runtime });
    if (!runtime || !state.next) {
      if (!next && runtime) return sendJson(res, 404, { error: { code: "not_found", message: "Not found." } });
      return sendJson(res, 503, { error: { code: "unavailable", message: "The hub is starting." } });
    }
    if (runtime.devUser) await signInDevPageRequest(runtime, runtime.devUser, req, res, pathname);
    await state.next.handle(req, res);
  } catch (err) {
    logger.error({ err, path: pathname }, "request failed");
    if (!res.headersSent) sendJson(res, 500, { error: { code: "internal", message: "Internal error." } });
    else res.destroy();
  }
}

async function handleUpgrade(
  { config, logger, next, state, wss }: Serving,
  req: http.IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  const pathname = (req.url ?? "/").split("?")[0]!;
  // A client that resets while its upgrade is refused or pending must not crash the process
  // (a socket error without a listener is an uncaught exception).
  socket.on("error", (err) => logger.debug({ err: err.message, path: pathname }, "an upgrading socket failed"));
  if (state.runtime?.isShuttingDown) return rejectUpgrade(socket, 503, "Service Unavailable");
  const refused =
    refuseRequestTarget(req, pathname, config) ??
    (carriesBrowserCredential(req.headers)
      ? refuseForeignOrigin(req.method, req.headers, config.publicUrl, { upgrade: true })
      : undefined);
  if (refused) return refuseUpgrade(socket, refused);
  if (next?.dev && pathname.startsWith("/_next/") && state.next) return state.next.upgrade(req, socket, head);
  if (pathname === CHANNEL_PATH && state.runtime) return acceptBrokerChannel(state.runtime, wss, req, socket, head);
  if (pathname === TUNNEL_PATH && state.runtime) return acceptTerminalTunnel(state.runtime, req, socket, head);
  const pty = PTY_PATH.exec(pathname);
  if (pty && state.runtime) return acceptTerminal(state.runtime, wss, req, socket, head, pty[1]!);
  rejectUpgrade(socket, 404, "Not Found");
}

/**
 * The database (embedded or configured) with every migration applied, and the Prisma client on
 * it; agent environments stored before they were sealed are sealed now.
 */
async function openHubDatabase(
  started: Started,
  config: HubConfig,
  root: string,
  sessionSecret: string,
  logger: Logger,
  onLaunched: (url: string) => void,
): Promise<{ db: Database; migrations: MigrationFile[] }> {
  const migrations = readMigrationFiles(defaultMigrationsDir(root));
  started.opened = await openDatabase(config, migrations, logger, onLaunched);
  // onLaunched made it (and started Next.js) before the database answered.
  const db = started.db!;
  await sealLegacyAgentEnv(db.pool, sessionSecret, logger);
  return { db, migrations };
}

/** The replica's process-wide state: metrics, the event bus, the runtime object, and what its auth mode needs. */
async function buildRuntime(
  started: Started,
  parts: Pick<HubRuntime, "config" | "sessionSecret" | "logger" | "db" | "migrations">,
): Promise<HubRuntime> {
  const { config, logger, db } = parts;
  const hubId = crypto.randomUUID();
  const streams: HubRuntime["streams"] = new Set();
  const brokers: HubRuntime["brokers"] = new Map();
  const metrics = createHubMetrics({
    pool: db.pool,
    sseClients: () => streams.size,
    brokerConnections: () => brokers.size,
    terminals: () => [...brokers.values()].reduce((n, c) => n + c.terminals.size, 0),
    pendingMessages: () => db.prisma.message.count({ where: { dispatchState: "pending" } }),
    stuckMessages: () =>
      db.prisma.message.count({
        where: { dispatchState: "pending", createdAt: { lt: new Date(Date.now() - 10 * 60_000) } },
      }),
  });
  const events = (started.events = new PostgresEventBus({
    connectionString: started.opened!.url,
    pool: db.pool,
    hubId,
    logger,
    onReconnect: () => metrics.listenerReconnects.inc(),
  }));
  if (!(await events.ready())) logger.warn("the event listener has not connected yet; it keeps trying");
  const runtime: HubRuntime = {
    ...parts,
    hubId,
    startedAt: new Date(),
    prisma: db.prisma,
    events,
    streams,
    brokers,
    brokerClaimed: new Set(),
    metrics,
    webSockets: new Set(),
    abortedRuns: new Set(),
    rateLimiter: new RateLimiter(config.rateLimits),
    stoppers: [],
    isShuttingDown: false,
  };
  if (config.authMode === "dev") runtime.devUser = await prepareDevMode(runtime);
  // next-auth builds its callback URLs from NEXTAUTH_URL; it is process-wide by design.
  if (config.authMode === "oauth") process.env.NEXTAUTH_URL = config.publicUrl;
  if (config.authMode === "proxy")
    runtime.iap = { jwks: new JwksCache({ url: config.iap.jwksUrl, logger }), provisioned: new Map() };
  return runtime;
}

/** The scheduler's periodic jobs, this replica's row in hub_replicas and the executor of dispatches sent to it. */
async function startBackgroundWork(runtime: HubRuntime): Promise<void> {
  runtime.scheduler = startScheduler(runtime.db.pool, runtime.logger, backgroundJobs(runtime));
  runtime.stoppers.push(await registerReplica(runtime), startDispatchExecutor(runtime));
}

/** A start that failed: the socket closes, then the event bus, the database's pool and the embedded Postgres. */
async function undoStart(server: http.Server, state: HubState, started: Started): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await started.events?.close();
  if (state.runtime) setHubRuntime(undefined);
  await started.db?.close();
  await started.opened?.embedded?.stop();
}

/** An error for a person's browser is a short page; for the API and machines, the envelope. */
function replyError(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  err: ApiError,
  pathname: string,
): void {
  const wantsHtml = !pathname.startsWith("/api/") && (req.headers.accept ?? "").includes("text/html");
  if (!wantsHtml) return sendJson(res, status, { error: { code: err.code, message: err.message } });
  const text = err.message.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const title = status === 400 ? "Bad address" : "Access refused";
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Scion Hub</title></head><body style="font-family:system-ui;max-width:40rem;margin:6rem auto;padding:0 1rem"><h1>${title}</h1><p>${text}</p></body></html>`,
  );
}

function refuseUpgrade(socket: Duplex, err: ApiError): void {
  const body = JSON.stringify({ error: { code: err.code, message: err.message } });
  socket.end(
    `HTTP/1.1 ${err.status} ${err.code}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
