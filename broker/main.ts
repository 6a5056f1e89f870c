/**
 * `npm run broker`: a runtime broker on this machine. Configuration from the environment, then
 * credentials (joining with SCION_JOIN_TOKEN on first start), then the control channel to the
 * hub, then signal handling. Prints "Scion broker connected to <url>" on every connect.
 */
import fs from "node:fs";
import os from "node:os";
import { createLogger, type Logger } from "../lib/log/create-logger";
import { untraversableParent } from "../lib/runtime/reachable-state-dir";
import { StartupError } from "../lib/runtime/startup-error";
import { loadBrokerConfig, type BrokerConfig } from "./config";
import { createAgentOperations } from "./agent-operations";
import { ControlChannelClient } from "./control-channel-client";
import { PortPool } from "./port-pool";
import { PtyRelay } from "./pty-relay";
import { LocalRuntime } from "./runtimes/local-runtime";
import Docker from "dockerode";
import { HARNESS_DESCRIPTORS, HARNESS_IDS } from "../lib/harnesses/registry";
import { HarnessInstaller } from "./harness-install";
import { installAgentShim, type ShimInstall } from "./agent-shim";
import { DockerRuntime } from "./runtimes/docker-runtime";
import type { AgentRuntime } from "./runtimes/agent-runtime";
import { joinHub, readCredentials, writeCredentials } from "./credentials";
import { AgentUsers } from "./agent-users";

async function main(): Promise<void> {
  const config = loadBrokerConfig();
  const logger = createLogger({ level: config.logLevel });
  let credentials = readCredentials(config.dataDirPath);
  if (!credentials) {
    if (!config.joinToken)
      throw new StartupError("SCION_JOIN_TOKEN: required on the first start (ask an admin to register this broker)");
    credentials = await joinHub(config.hubUrls, config.joinToken, {
      runtimes: [config.runtime],
      harnesses: [...HARNESS_IDS],
    });
    writeCredentials(config.dataDirPath, credentials);
    logger.info({ brokerId: credentials.brokerId }, "joined the hub");
  }
  let ports: PortPool;
  try {
    ports = new PortPool({ range: config.portRange, portsPerAgent: config.portsPerAgent, hostUrl: config.hostUrl });
  } catch (err) {
    throw new StartupError(`SCION_PORT_RANGE/SCION_PORTS_PER_AGENT/SCION_HOST_URL: ${(err as Error).message}`);
  }
  const shim = await installAgentShim(config.dataDirPath);
  const runtime: AgentRuntime =
    config.runtime === "docker" ? await dockerRuntime(config, shim) : await localRuntime(config, shim, logger);
  // The channel is created below; these closures reach it once it exists.
  const link: { client?: ControlChannelClient } = {};
  const installer = new HarnessInstaller({
    dir: config.harnessDirPath,
    binOverrides: config.harnessBins,
    onInstalled: (h, { version, ms }) => {
      logger.info({ harness: h.id, version, ms }, `installed ${h.name} ${version} in ${(ms / 1000).toFixed(1)} s`);
      announceHarnesses();
    },
  });
  await installer.probeOverrides(HARNESS_DESCRIPTORS);
  // What the hub lists per broker: on every connect, and after each install.
  const announceHarnesses = () =>
    link.client?.emit("broker.harnesses", {
      harnesses: HARNESS_DESCRIPTORS.map((h) =>
        runtime.installsHarnesses
          ? installer.status(h)
          : { id: h.id, available: true, version: h.install?.version ?? null, installed: h.install !== undefined },
      ),
    });
  const pty = new PtyRelay(
    runtime,
    {
      dialTunnel: (stream) =>
        link.client ? link.client.dialTunnel(stream) : Promise.reject(new Error("not connected to a hub")),
    },
    logger,
  );
  const operations = createAgentOperations({
    runtime,
    ports,
    dataDir: config.dataDirPath,
    logger,
    hubUrl: () => link.client?.connectedUrl,
    hubUrls: config.hubUrls,
    emit: (name, data) => link.client?.emit(name, data),
    pty,
    installer,
  });
  await operations.restore();
  const startedAt = new Date().toISOString();
  const client = new ControlChannelClient({
    hubUrls: config.hubUrls,
    brokerId: credentials.brokerId,
    secret: credentials.secret,
    logger,
    heartbeat: async () => ({
      ...(await operations.heartbeat()),
      hostname: os.hostname(),
      startedAt,
      terminals: pty.openCount,
    }),
    onRequest: operations.handle,
    onEvent: (name, data) => void pty.onEvent(name, data),
    onDisconnected: () => pty.closeAll(),
    onConnected: (url) => {
      announceHarnesses();
      process.stdout.write(`Scion broker connected to ${url}\n`);
    },
  });
  link.client = client;
  client.start();
  const stop = (signal: NodeJS.Signals) => {
    logger.info({ signal }, "stopping");
    void client.stop().then(() => process.exit(0));
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

/**
 * The local runtime. As root, every agent runs as a user of its own; agents must then be able to
 * pass through the directories above the data directory to reach their own (its files stay
 * 0600/0700 and root's). Not root: agents run as this broker's user, which the broker says.
 */
async function localRuntime(config: BrokerConfig, shim: ShimInstall, logger: Logger): Promise<AgentRuntime> {
  if (process.pid === 1)
    logger.warn(
      "the broker is PID 1 of its container: the tmux servers of ended agents are re-parented to it and never reaped (and their users cannot be deleted); run the container with an init (docker run --init, compose init: true, Kubernetes shareProcessNamespace: true)",
    );
  const users = new AgentUsers(logger);
  if (!users.isolated) {
    logger.warn(
      "agents run as this broker's own user (it is not root and cannot switch users): each agent can read what this user can, including the broker's data directory and other agents' workspaces; run the broker as root, or use SCION_RUNTIME=docker, to isolate agents",
    );
  } else {
    requireTraversable("SCION_DATA_DIR", config.dataDirPath);
    fs.chmodSync(config.dataDirPath, 0o711);
    // Agents run the harness CLIs installed there.
    requireTraversable("SCION_HARNESS_DIR", config.harnessDirPath);
    await users.reapOrphans();
  }
  return new LocalRuntime(config.dataDirPath, shim, { users, logger, nice: config.agentNice });
}

/** Agents (other users) must pass through every existing parent of `target`. */
function requireTraversable(name: string, target: string): void {
  const dir = untraversableParent(target);
  if (dir === undefined) return;
  const mode = fs.statSync(dir).mode;
  throw new StartupError(
    `${name}: agents run as users of their own and cannot pass through ${dir} (mode ${(mode & 0o777).toString(8)}); choose a directory whose parents others may traverse (e.g. under /var/lib) or chmod o+x ${dir}`,
  );
}

/** The docker runtime on the configured engine, checked before the broker says it is ready. */
async function dockerRuntime(config: BrokerConfig, shim: ShimInstall): Promise<AgentRuntime> {
  const host = config.dockerHost ?? "/var/run/docker.sock";
  const docker =
    host.startsWith("tcp://") || host.startsWith("http")
      ? new Docker({
          host: new URL(host.replace(/^tcp:/, "http:")).hostname,
          port: Number(new URL(host.replace(/^tcp:/, "http:")).port || 2375),
        })
      : new Docker({ socketPath: host.replace(/^unix:\/\//, "") });
  try {
    await docker.ping();
  } catch (err) {
    throw new StartupError(
      `SCION_DOCKER_HOST: cannot reach the container engine at ${host}: ${(err as Error).message}`,
    );
  }
  try {
    await docker.getImage(config.dockerImage).inspect();
  } catch {
    throw new StartupError(
      `SCION_DOCKER_IMAGE: the engine has no image ${config.dockerImage} (build one with docker/agent-image/build-offline.sh or its Dockerfile)`,
    );
  }
  return new DockerRuntime({
    dataDir: config.dataDirPath,
    shim,
    docker,
    image: config.dockerImage,
    allowedImages: config.dockerAllowedImages,
    hubUrl: config.dockerHubUrl,
    network: config.dockerNetwork,
    allowHostNetwork: config.dockerAllowHostNetwork,
    limits: { memoryBytes: config.dockerMemory, cpus: config.dockerCpus, pids: config.dockerPids },
  });
}

main().catch((err: unknown) => {
  process.stderr.write(
    err instanceof StartupError
      ? `scion-broker: ${err.message}\n`
      : `scion-broker: failed to start: ${(err as Error)?.stack ?? String(err)}\n`,
  );
  process.exit(1);
});
