import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const AGENT_IMAGE = process.env.SCION_TEST_AGENT_IMAGE ?? "localhost/scion-agent:bookworm-v3";
const ROOT = path.resolve(import.meta.dirname, "..");

export interface Podman {
  socketPath: string;
  image: string;
  stop(): Promise<void>;
}

/**
 * A real Docker-compatible engine for the docker runtime's tests: Podman's API service on a
 * socket of its own (RECIPES.md: runc, cgroupfs, no default ulimits), and the agent image,
 * built offline the first time (about a minute) and reused after.
 */
export async function startPodman(): Promise<Podman> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-podman-"));
  const conf = path.join(dir, "containers.conf");
  fs.writeFileSync(
    conf,
    '[containers]\ndefault_ulimits = []\n[engine]\ncgroup_manager = "cgroupfs"\nruntime = "runc"\n',
  );
  const env = { ...process.env, CONTAINERS_CONF: conf };
  if (spawnSync("podman", ["image", "exists", AGENT_IMAGE], { env }).status !== 0) {
    execFileSync(path.join(ROOT, "docker", "agent-image", "build-offline.sh"), [AGENT_IMAGE, "podman"], {
      env,
      stdio: "inherit",
    });
  }
  const socketPath = path.join(dir, "podman.sock");
  const service: ChildProcess = spawn("podman", ["system", "service", "--time=0", `unix://${socketPath}`], {
    env,
    stdio: "ignore",
  });
  const deadline = Date.now() + 15_000;
  while (!fs.existsSync(socketPath)) {
    if (Date.now() > deadline) throw new Error("podman's API service did not start");
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    socketPath,
    image: AGENT_IMAGE,
    async stop() {
      service.kill("SIGTERM");
      await new Promise((r) => service.once("exit", r));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
