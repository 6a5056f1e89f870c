/**
 * GET /api/v1/version through the whole stack (server.ts → Next.js route handler → Prisma →
 * embedded Postgres) against a bare Node http server answering the same bytes, measured in the
 * same run on the same machine. Both servers run in their own processes; autocannon runs here.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { findFreePort } from "../lib/db/embedded-postgres";
import { spawnHub } from "../test/spawn-hub";
import { startBareServer } from "./lib/bare-server";
import { loadOptionsFromEnv, measure, printComparison, type Measurement } from "./lib/measure";

export async function run(): Promise<{ subject: Measurement; baseline: Measurement }> {
  const opts = loadOptionsFromEnv();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-bench-"));
  fs.chmodSync(dataDir, 0o755);
  const hub = spawnHub({ SCION_DATA_DIR: dataDir, PORT: String(await findFreePort()), SCION_LOG_LEVEL: "warn" });
  let bare: Awaited<ReturnType<typeof startBareServer>> | undefined;
  try {
    const hubUrl = await hub.ready;
    const routeUrl = `${hubUrl}/api/v1/version`;
    const bytes = await (await fetch(routeUrl)).text();

    bare = await startBareServer(bytes);

    console.log(`json-route: ${opts.connections} connections, ${opts.warmupSeconds} s warm-up, ${opts.durationSeconds} s measured each; body ${bytes.length} bytes`);
    const subject = await measure("hub /api/v1/version", routeUrl, opts);
    const baseline = await measure("bare node http", bare.url, opts);
    printComparison(subject, baseline);
    return { subject, baseline };
  } finally {
    bare?.stop();
    hub.child.kill("SIGTERM");
    await hub.exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
