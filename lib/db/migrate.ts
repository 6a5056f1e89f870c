import pg from "pg";
import type { Logger } from "../log/create-logger";
import { StartupError } from "../runtime/startup-error";
import type { MigrationFile } from "./migrations";

/** Prisma's own advisory-lock key, so the hub and `prisma migrate` exclude each other too. */
export const MIGRATION_LOCK_KEY = 72707369;

const CREATE_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum"            VARCHAR(64) NOT NULL,
  "finished_at"         TIMESTAMPTZ,
  "migration_name"      VARCHAR(255) NOT NULL,
  "logs"                TEXT,
  "rolled_back_at"      TIMESTAMPTZ,
  "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrateOptions {
  connectionString: string;
  migrations: MigrationFile[];
  logger: Logger;
  /** How long to wait for another replica that holds the migration lock. */
  lockTimeoutMs?: number;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/**
 * Applies pending migrations in name order. Holds a session advisory lock for the whole run, so
 * replicas starting together queue up and each migration runs exactly once; each migration and
 * its `_prisma_migrations` row commit in one transaction, so a failure leaves nothing behind.
 * Blocks until the lock is free (at most lockTimeoutMs).
 */
export async function migrate({
  connectionString,
  migrations,
  logger,
  lockTimeoutMs = 300_000,
}: MigrateOptions): Promise<MigrateResult> {
  const client = new pg.Client({ connectionString });
  client.on("error", (err) => logger.warn({ err }, "migration connection error"));
  await client.connect();
  try {
    await client.query(`SET lock_timeout = ${Math.max(1, Math.floor(lockTimeoutMs))}`);
    try {
      await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    } catch (err) {
      throw new StartupError(
        `database migrations: another hub held the migration lock for over ${lockTimeoutMs} ms (${(err as Error).message})`,
      );
    }
    await client.query("SET lock_timeout = 0");
    try {
      return await applyPending(client, migrations, logger);
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function applyPending(client: pg.Client, migrations: MigrationFile[], logger: Logger): Promise<MigrateResult> {
  await client.query(CREATE_TABLE);
  const { rows } = await client.query<AppliedRow>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at`,
  );
  const failed = rows.find((r) => r.finished_at === null && r.rolled_back_at === null);
  if (failed) {
    throw new StartupError(
      `database migrations: "${failed.migration_name}" failed earlier and is recorded as unfinished; fix the database, then mark it rolled back (prisma migrate resolve --rolled-back ${failed.migration_name})`,
    );
  }
  const done = new Map(rows.filter((r) => r.finished_at !== null).map((r) => [r.migration_name, r.checksum]));
  const known = new Set(migrations.map((m) => m.name));
  const unknown = [...done.keys()].filter((name) => !known.has(name));
  if (unknown.length)
    logger.warn({ migrations: unknown }, "the database has migrations this hub does not know (a newer hub ran them)");

  const pending: MigrationFile[] = [];
  for (const m of migrations) {
    const checksum = done.get(m.name);
    if (checksum === undefined) pending.push(m);
    else if (checksum !== m.checksum)
      logger.warn({ migration: m.name }, "migration.sql changed after it was applied; the change is not re-run");
  }

  for (const [i, m] of pending.entries()) {
    const started = Date.now();
    logger.info(
      { migration: m.name, step: i + 1, of: pending.length },
      `applying migration ${i + 1}/${pending.length}: ${m.name}`,
    );
    await client.query("BEGIN");
    try {
      const { rows: inserted } = await client.query<{ id: string }>(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES (gen_random_uuid(), $1, $2, now()) RETURNING id`,
        [m.checksum, m.name],
      );
      await client.query(m.sql);
      await client.query(`UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`, [
        inserted[0]!.id,
      ]);
      await client.query("COMMIT");
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw new StartupError(`database migrations: "${m.name}" failed and was rolled back: ${(err as Error).message}`);
    }
    logger.info({ migration: m.name, ms: Date.now() - started }, "migration applied");
  }
  return { applied: pending.map((m) => m.name), alreadyApplied: migrations.length - pending.length };
}

/** Names of shipped migrations the database has not finished; empty means the schema is current. */
export async function pendingMigrationNames(
  query: (sql: string, params: unknown[]) => Promise<Array<{ migration_name: string }>>,
  migrations: MigrationFile[],
): Promise<string[]> {
  const rows = await query(
    `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL AND migration_name = ANY($1::text[])`,
    [migrations.map((m) => m.name)],
  );
  const done = new Set(rows.map((r) => r.migration_name));
  return migrations.filter((m) => !done.has(m.name)).map((m) => m.name);
}
