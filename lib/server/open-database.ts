import path from "node:path";
import { checkDatabaseReachable, describeDatabaseUrl } from "../db/create-database";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../db/embedded-postgres";
import { migrate, type MigrateResult } from "../db/migrate";
import type { MigrationFile } from "../db/migrations";
import type { HubConfig } from "../config/schema";
import type { Logger } from "../log/create-logger";
import { reachableStateDir } from "../runtime/reachable-state-dir";
import { StartupError } from "../runtime/startup-error";

export interface OpenedDatabase {
  url: string;
  embedded?: EmbeddedPostgres;
}

/**
 * The configured server (DATABASE_URL, checked reachable) or the embedded one in the data
 * directory; then every pending migration, under the advisory lock. `onLaunched` gets the URL
 * once what follows is waiting on the database: the embedded server's process has been spawned,
 * or the configured one is being reached.
 */
export async function openDatabase(
  config: HubConfig,
  migrations: MigrationFile[],
  logger: Logger,
  onLaunched: (url: string) => void,
): Promise<OpenedDatabase> {
  let embedded: EmbeddedPostgres | undefined;
  let url = config.databaseUrl;
  if (url) {
    onLaunched(url);
    await requireReachable(url, config);
  } else {
    const stateDir = reachableStateDir(config.dataDirPath);
    if (stateDir !== config.dataDirPath)
      logger.info(
        { dataDir: config.dataDirPath, stateDir },
        "the data directory is closed to other users: the embedded database and local agents live in the state directory",
      );
    const clusterDir = path.join(stateDir, "postgres");
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDirPath, clusterDir, logger, onLaunched });
    url = embedded.url;
  }
  try {
    const result = await migrate({ connectionString: url, migrations, logger });
    logger.info(
      { applied: result.applied.length, alreadyApplied: result.alreadyApplied },
      "database schema is current",
    );
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
  return { url, embedded };
}

/**
 * `server.mjs migrate` (`scion server migrate --apply`, the Kubernetes migration Job): what a
 * replica does before it becomes ready, alone: every pending migration applied to DATABASE_URL
 * under the advisory lock, then exit. The embedded database needs no such step (its hub migrates
 * it at start).
 */
export async function applyMigrations(
  config: HubConfig,
  migrations: MigrationFile[],
  logger: Logger,
): Promise<MigrateResult> {
  const url = config.databaseUrl;
  if (!url)
    throw new StartupError(
      "DATABASE_URL is not set: migrate applies the schema to a shared Postgres (a hub on the embedded database migrates it when it starts)",
    );
  await requireReachable(url, config);
  return migrate({ connectionString: url, migrations, logger });
}

async function requireReachable(url: string, config: HubConfig): Promise<void> {
  try {
    await checkDatabaseReachable(url, config.database.connectTimeoutMs);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new StartupError(`DATABASE_URL: cannot connect to ${describeDatabaseUrl(url)} (${e.code ?? e.message})`);
  }
}
