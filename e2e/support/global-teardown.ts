import { spawnSync } from "node:child_process";
import path from "node:path";

/** Agents outlive their broker by design; the journeys' agents must not outlive the run. */
export default function globalTeardown(): void {
  const dir = process.env.E2E_DATA_DIR;
  if (dir) spawnSync("tmux", ["-S", path.join(dir, "broker", "tmux.sock"), "kill-server"], { stdio: "ignore" });
}
