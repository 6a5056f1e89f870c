import type { WebSocket } from "ws";
import type { JwksCache } from "../auth/iap/jwks-cache";
import type { HubBrokerConnection } from "../brokers/channel/broker-connection";
import type { UserIdentity } from "../auth/principal";
import type { HubConfig } from "../config/schema";
import type { Database, PrismaClient } from "../db/create-database";
import type { MigrationFile } from "../db/migrations";
import type { EventBus } from "../events/event-bus";
import type { Logger } from "../log/create-logger";
import type { Scheduler } from "./scheduler";
import type { HubMetrics } from "../metrics/hub-metrics";
import type { RateLimiter } from "../http/rate-limit";

/**
 * Everything process-wide. Next.js compiles route handlers apart from server.ts, so a module
 * imported by both exists twice; state therefore lives in this one object, created by server.ts
 * (or a test) and stored on globalThis under a registered symbol that both copies share.
 */
export interface HubRuntime {
  /** This replica's id, unique per process start. */
  hubId: string;
  startedAt: Date;
  config: HubConfig;
  /** SESSION_SECRET, or the one generated for this single node; the root of every signing key. */
  sessionSecret: string;
  logger: Logger;
  db: Database;
  prisma: PrismaClient;
  events: EventBus;
  /** Migrations shipped with this build; /readyz checks the database has them all. */
  migrations: MigrationFile[];
  /** Open event streams (SSE) of this replica, ended when shutdown begins. */
  streams: Set<{ close(): void }>;
  /** Control channels of the brokers this replica holds, by broker id. */
  brokers: Map<string, HubBrokerConnection>;
  /**
   * Called on this replica each time it has claimed a broker's control channel (after the claim is
   * written). The dispatch executor listens, to run what was left pending for the broker. Listeners
   * must not throw.
   */
  brokerClaimed: Set<(brokerId: string) => void>;
  /** Open WebSockets of this replica, closed on shutdown. */
  webSockets: Set<WebSocket>;
  /** Proxy mode only: IAP's keys and the per-email provisioning cache (60 s). */
  iap?: { jwks: JwksCache; provisioned: Map<string, { userId: string; at: number }> };
  /** Dev mode only: the local developer that pages sign in automatically. */
  devUser?: UserIdentity;
  /** Maintenance runs on this replica that were asked to abort (the database flag reaches the others). */
  abortedRuns: Set<string>;
  /** Prometheus metrics of this replica (GET /metrics). */
  metrics: HubMetrics;
  /** Stoppers of per-replica background work (replica row, dispatch executor), run at shutdown. */
  stoppers: Array<() => Promise<void> | void>;
  /** Background jobs (singletons across replicas); absent until the hub has started. */
  scheduler?: Scheduler;
  /** Rate-limit buckets and open-stream counts of this replica (lib/http/rate-limit.ts says why per replica). */
  rateLimiter: RateLimiter;
  /** Set once shutdown begins: readiness fails and new upgrades are refused. */
  isShuttingDown: boolean;
}

const RUNTIME_KEY = Symbol.for("scion-hub.runtime");
type RuntimeGlobal = typeof globalThis & { [RUNTIME_KEY]?: HubRuntime };

/** The process's runtime. Throws when called before server.ts (or a test) installed one. */
export function getHubRuntime(): HubRuntime {
  const runtime = (globalThis as RuntimeGlobal)[RUNTIME_KEY];
  if (!runtime)
    throw new Error("HubRuntime is not initialised: start the hub through server.ts (or install one in the test)");
  return runtime;
}

/** Installs (or with undefined, removes) the process's runtime. Called by server.ts and tests. */
export function setHubRuntime(runtime: HubRuntime | undefined): void {
  const g = globalThis as RuntimeGlobal;
  if (runtime && g[RUNTIME_KEY] && g[RUNTIME_KEY] !== runtime)
    throw new Error("a HubRuntime is already installed in this process");
  if (runtime) g[RUNTIME_KEY] = runtime;
  else delete g[RUNTIME_KEY];
}
