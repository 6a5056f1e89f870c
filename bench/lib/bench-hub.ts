import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { findFreePort } from "../../lib/db/embedded-postgres";
import { spawnHub } from "../../test/spawn-hub";
import { reapAgentsUnder } from "../../test/reap-agents";

/**
 * The connection URL of a bench hub's embedded database (its data dir keeps the credentials, and
 * Postgres's pid file the port), for checks a benchmark makes behind the API's back.
 */
export function embeddedDatabaseUrl(dataDir: string): string {
  const { user, password } = JSON.parse(fs.readFileSync(path.join(dataDir, "postgres-credentials.json"), "utf8")) as {
    user: string;
    password: string;
  };
  const port = fs
    .readFileSync(path.join(dataDir, "postgres", "postmaster.pid"), "utf8")
    .split("\n")[3]!
    .trim();
  return `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/scion`;
}

/**
 * Brings the database to the state a live hub's is in after seeding, as autovacuum does within a
 * minute: statistics up to date (plans made for an empty table otherwise), the new rows' pages
 * vacuumed (their hint bits and visibility map set, so the first readers do not write them), and a
 * checkpoint taken, so that the measured phase does not share the machine with the background
 * writes that thousands of fresh rows cause. Without this a benchmark's figure depended on whether
 * autovacuum and the checkpointer happened to pass during its subject or its baseline.
 */
export async function analyzeDatabase(dataDir: string): Promise<void> {
  const client = new pg.Client({ connectionString: embeddedDatabaseUrl(dataDir) });
  await client.connect();
  try {
    await client.query("VACUUM (ANALYZE)");
    await client.query("CHECKPOINT");
  } finally {
    await client.end();
  }
}

/** BENCH_CPU_PROF=<dir>: the hub writes a V8 CPU profile there when it stops (node --cpu-prof). */
function cpuProfileArgs(): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(dir)}`] : [];
}

/** A production hub in its own process on a scratch embedded database, for one benchmark. */
export async function startBenchHub(
  opts: { localBroker?: boolean; env?: Record<string, string> } = {},
): Promise<{ url: string; dataDir: string; stop: () => Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-bench-"));
  fs.chmodSync(dataDir, 0o755);
  // Benchmarks seed thousands of agents as fast as the hub takes them: no creation rate limit.
  const hub = spawnHub(
    {
      SCION_DATA_DIR: dataDir,
      PORT: String(await findFreePort()),
      SCION_LOG_LEVEL: "warn",
      SCION_LOCAL_BROKER: String(opts.localBroker === true),
      SCION_RATE_LIMIT_AGENT_CREATIONS_PER_MINUTE: "0",
      SCION_MAX_AGENTS_PER_USER: "1000000",
      ...opts.env,
    },
    cpuProfileArgs(),
  );
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
