/**
 * `npm run broker`: a runtime broker on this machine. Configuration from the environment, then
 * credentials (joining with SCION_JOIN_TOKEN on first start), then the control channel to the
 * hub, then signal handling. Prints "Scion broker connected to <url>" on every connect.
 */
import os from "node:os";
import { createLogger } from "../lib/log/create-logger";
import { StartupError } from "../lib/runtime/startup-error";
import { loadBrokerConfig } from "./config";
import { ControlChannelClient } from "./control-channel-client";
import { joinHub, readCredentials, writeCredentials } from "./credentials";

async function main(): Promise<void> {
  const config = loadBrokerConfig();
  const logger = createLogger({ level: config.logLevel });
  let credentials = readCredentials(config.dataDirPath);
  if (!credentials) {
    if (!config.joinToken) throw new StartupError("SCION_JOIN_TOKEN: required on the first start (ask an admin to register this broker)");
    credentials = await joinHub(config.hubUrls, config.joinToken);
    writeCredentials(config.dataDirPath, credentials);
    logger.info({ brokerId: credentials.brokerId }, "joined the hub");
  }
  const startedAt = new Date().toISOString();
  const client = new ControlChannelClient({
    hubUrls: config.hubUrls,
    brokerId: credentials.brokerId,
    secret: credentials.secret,
    logger,
    heartbeat: () => ({ agents: [], hostname: os.hostname(), startedAt }),
    onRequest: async (op) => {
      if (op === "ping") return { pong: true, hostname: os.hostname(), startedAt };
      throw new Error(`this broker does not handle ${op} yet`);
    },
    onConnected: (url) => process.stdout.write(`Scion broker connected to ${url}\n`),
  });
  client.start();
  const stop = (signal: NodeJS.Signals) => {
    logger.info({ signal }, "stopping");
    void client.stop().then(() => process.exit(0));
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((err: unknown) => {
  process.stderr.write(err instanceof StartupError ? `scion-broker: ${err.message}\n` : `scion-broker: failed to start: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
