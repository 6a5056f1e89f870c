import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { findFreePort } from "../../lib/db/embedded-postgres";
import { spawnHub } from "../../test/spawn-hub";
import { reapAgentsUnder } from "../../test/reap-agents";

/** A production hub in its own process on a scratch embedded database, for one benchmark. */
export async function startBenchHub(
  opts: { localBroker?: boolean; env?: Record<string, string> } = {},
): Promise<{ url: string; dataDir: string; stop: () => Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-bench-"));
  fs.chmodSync(dataDir, 0o755);
  // Benchmarks seed thousands of agents as fast as the hub takes them: no creation rate limit.
  const hub = spawnHub({
    SCION_DATA_DIR: dataDir,
    PORT: String(await findFreePort()),
    SCION_LOG_LEVEL: "warn",
    SCION_LOCAL_BROKER: String(opts.localBroker === true),
    SCION_RATE_LIMIT_AGENT_CREATIONS_PER_MINUTE: "0",
    SCION_MAX_AGENTS_PER_USER: "1000000",
    ...opts.env,
  });
  const stop = async () => {
    hub.child.kill("SIGTERM");
    await hub.exited;
    // The local broker's agents outlive it by design; a benchmark's must not.
    if (opts.localBroker) reapAgentsUnder(dataDir);
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    return { url: await hub.ready, dataDir, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
