/**
 * Scion Hub process entry, the same in development (`npm run dev`) and production (`npm start`):
 * configuration, then the hub (HTTP + WebSocket server, database, migrations, Next.js), then
 * signal handling. Every reason not to start is one line on stderr and a non-zero exit.
 */
import { loadConfig } from "./lib/config/load-config";
import { createLogger } from "./lib/log/create-logger";
import { StartupError } from "./lib/runtime/startup-error";
import { startHub, type Hub } from "./lib/server/start-hub";

const SHUTDOWN_LIMIT_MS = 14_000;

async function main(): Promise<void> {
  process.env.NEXT_TELEMETRY_DISABLED ??= "1";
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel });
  const dev = process.env.NODE_ENV !== "production";
  const hub = await startHub({ config, logger, next: { dev, dir: process.cwd() }, withLocalBroker: true });
  process.stdout.write(`Scion Hub ready at ${hub.url}\n`);
  handleSignals(hub);
}

function handleSignals(hub: Hub): void {
  const stop = (signal: NodeJS.Signals) => {
    hub.runtime.logger.info({ signal }, "signal received");
    const force = setTimeout(() => {
      hub.runtime.logger.error("shutdown exceeded its time limit; exiting");
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS);
    force.unref();
    hub.close().then(
      () => process.exit(0),
      (err: unknown) => {
        hub.runtime.logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((err: unknown) => {
  if (err instanceof StartupError) process.stderr.write(`scion-hub: ${err.message}\n`);
  else process.stderr.write(`scion-hub: failed to start: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
