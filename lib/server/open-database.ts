import { checkDatabaseReachable, describeDatabaseUrl } from "../db/create-database";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../db/embedded-postgres";
import { migrate } from "../db/migrate";
import type { MigrationFile } from "../db/migrations";
import type { HubConfig } from "../config/schema";
import type { Logger } from "../log/create-logger";
import { StartupError } from "../runtime/startup-error";

export interface OpenedDatabase {
  url: string;
  embedded?: EmbeddedPostgres;
}

/**
 * The configured server (DATABASE_URL, checked reachable) or the embedded one in the data
 * directory; then every pending migration, under the advisory lock.
 */
export async function openDatabase(
  config: HubConfig,
  migrations: MigrationFile[],
  logger: Logger,
): Promise<OpenedDatabase> {
  let embedded: EmbeddedPostgres | undefined;
  let url = config.databaseUrl;
  if (url) {
    try {
      await checkDatabaseReachable(url, config.database.connectTimeoutMs);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new StartupError(`DATABASE_URL: cannot connect to ${describeDatabaseUrl(url)} (${e.code ?? e.message})`);
    }
  } else {
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDirPath, logger });
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
