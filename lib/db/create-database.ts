import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import type { HubConfig } from "../config/schema";
import type { Logger } from "../log/create-logger";
import { PrismaClient } from "./generated/client";

export type { PrismaClient };

export interface Database {
  prisma: PrismaClient;
  /** The pool under Prisma, for raw health checks; ended by close(). */
  pool: pg.Pool;
  close(): Promise<void>;
}

/** One pg pool sized by configuration, shared by Prisma through the pg adapter. */
export function createDatabase(connectionString: string, settings: HubConfig["database"], logger: Logger): Database {
  const pool = new pg.Pool({
    connectionString,
    max: settings.poolMax,
    idleTimeoutMillis: settings.idleTimeoutMs,
    maxLifetimeSeconds: settings.maxLifetimeSeconds,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    application_name: "scion-hub",
  });
  // An idle client losing its server (restart, failover) must not crash the process.
  pool.on("error", (err) => logger.warn({ err: err.message }, "idle database connection failed"));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    pool,
    async close() {
      await prisma.$disconnect().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}

/** Connects once to prove the server is reachable; throws a one-line reason otherwise. */
export async function checkDatabaseReachable(connectionString: string, timeoutMs: number): Promise<void> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** host:port/db of a connection string, without credentials, for messages and logs. */
export function describeDatabaseUrl(connectionString: string): string {
  try {
    const u = new URL(connectionString);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return "(unparseable URL)";
  }
}
