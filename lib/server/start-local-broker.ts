import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { provisionLocalBroker } from "../brokers/provision-local-broker";
import type { HubRuntime } from "../runtime/hub-runtime";

export interface LocalBroker {
  brokerId: string;
  /** SIGTERM, then SIGKILL after the timeout; resolves when the process is gone. */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Starts `broker/main.ts` as a child process dialing this hub over loopback, with the
 * credentials provisionLocalBroker wrote. Its output joins the hub's log; if it dies, it is
 * restarted after a pause, until the hub stops it.
 */
export async function startLocalBroker(runtime: HubRuntime, hubUrl: string, root: string): Promise<LocalBroker> {
  const { brokerId, dataDir } = await provisionLocalBroker(runtime);
  let child: ChildProcess | undefined;
  let stopping = false;
  let restartTimer: NodeJS.Timeout | undefined;

  const launch = () => {
    child = spawn(process.execPath, ["--import", "tsx", path.join(root, "broker", "main.ts")], {
      cwd: root,
      env: {
        ...brokerEnvironment(),
        SCION_HUB_URLS: hubUrl,
        SCION_DATA_DIR: dataDir,
        SCION_BROKER_NAME: "local",
        SCION_LOG_LEVEL: runtime.config.logLevel,
        SCION_JOIN_TOKEN: "",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.setEncoding("utf8").on("data", (text: string) => {
      for (const line of text.split("\n").filter(Boolean)) runtime.logger.debug({ component: "local-broker" }, line);
    });
    child.stderr!.setEncoding("utf8").on("data", (text: string) => {
      for (const line of text.split("\n").filter(Boolean)) runtime.logger.warn({ component: "local-broker" }, line);
    });
    const current = child;
    current.once("exit", (code, signal) => {
      if (stopping) return;
      runtime.logger.warn({ code, signal }, "the local broker exited; restarting it in 2 s");
      restartTimer = setTimeout(launch, 2000);
    });
    runtime.logger.info({ pid: child.pid, brokerId }, "started the local broker");
  };
  launch();

  return {
    brokerId,
    async stop(timeoutMs = 5000) {
      stopping = true;
      clearTimeout(restartTimer);
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => c.once("exit", () => resolve()));
      c.kill("SIGTERM");
      const timer = setTimeout(() => c.kill("SIGKILL"), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The hub's environment minus its secrets. The broker needs none of them (its own secret is in
 * its data directory), and agents never see the broker's environment either: defence in depth.
 */
export function brokerEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const kept: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(env)) {
    if (/SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL|PRIVATE_KEY|API_KEY|^DATABASE_URL$|^PG[A-Z]+$|^NEXTAUTH_/i.test(key))
      continue;
    kept[key] = value;
  }
  return kept as NodeJS.ProcessEnv;
}
