/**
 * Scion Hub process entry, the same in development (`npm run dev`) and production (`npm start`):
 * signal handling, configuration, then the hub (HTTP + WebSocket server, database, migrations,
 * Next.js). Every reason not to start is one line on stderr and a non-zero exit.
 * With the argument `migrate` it only applies pending migrations to DATABASE_URL and exits.
 */
import { loadConfig } from "./lib/config/load-config";
import { defaultMigrationsDir, readMigrationFiles } from "./lib/db/migrations";
import { createLogger } from "./lib/log/create-logger";
import { StartupError } from "./lib/runtime/startup-error";
import { applyMigrations } from "./lib/server/open-database";
import { startHub, type Hub } from "./lib/server/start-hub";

const SHUTDOWN_LIMIT_MS = 14_000;

async function main(): Promise<void> {
  process.env.NEXT_TELEMETRY_DISABLED ??= "1";
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel });
  const dev = process.env.NODE_ENV !== "production";
  // The handlers go in before anything starts: a signal with no listener kills the process at once,
  // which would leave Postgres and the local broker running (a supervisor may signal as soon as it
  // reads the ready line, or while the hub is still starting, which then finishes and stops).
  let hub: Hub | undefined;
  let signalled = false;
  const stop = (signal: NodeJS.Signals) => {
    if (signalled) return;
    signalled = true;
    logger.info({ signal }, "signal received");
    const force = setTimeout(() => {
      logger.error("shutdown exceeded its time limit; exiting");
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS);
    force.unref();
    if (hub) shutDown(hub);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  hub = await startHub({ config, logger, next: { dev, dir: process.cwd() }, withLocalBroker: true });
  if (signalled) return shutDown(hub);
  process.stdout.write(`Scion Hub ready at ${hub.url}\n`);
}

function shutDown(hub: Hub): void {
  hub.close().then(
    () => process.exit(0),
    (err: unknown) => {
      hub.runtime.logger.error({ err }, "shutdown failed");
      process.exit(1);
    },
  );
}

async function migrateOnly(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel });
  const { applied, alreadyApplied } = await applyMigrations(
    config,
    readMigrationFiles(defaultMigrationsDir(process.cwd())),
    logger,
  );
  logger.info({ applied, alreadyApplied }, "migrations applied");
  process.stdout.write(
    `Applied ${applied.length} migration${applied.length === 1 ? "" : "s"} (${alreadyApplied} already applied); the schema is current.\n`,
  );
}

function entry(args: string[]): Promise<void> {
  if (args.length === 0) return main();
  if (args.length === 1 && args[0] === "migrate") return migrateOnly().then(() => process.exit(0));
  return Promise.reject(
    new StartupError(`unknown arguments ${JSON.stringify(args.join(" ").slice(0, 80))} (usage: server [migrate])`),
  );
}

entry(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof StartupError) process.stderr.write(`scion-hub: ${err.message}\n`);
  else process.stderr.write(`scion-hub: failed to start: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
