import { spawnSync } from "node:child_process";
import path from "node:path";

/** The proxy-mode hub's agents must not outlive the run either (see global-teardown.ts). */
export default function iapTeardown(): void {
  const dir = process.env.E2E_IAP_DATA_DIR;
  if (dir) spawnSync("tmux", ["-S", path.join(dir, "broker", "tmux.sock"), "kill-server"], { stdio: "ignore" });
}
