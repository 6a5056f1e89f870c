/**
 * GET /api/v1/version through the whole stack (server.ts → Next.js route handler → Prisma →
 * embedded Postgres) against a bare Node http server answering the same bytes, measured in the
 * same run on the same machine. Both servers run in their own processes; autocannon runs here.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { findFreePort } from "../lib/db/embedded-postgres";
import { spawnHub } from "../test/spawn-hub";
import { loadOptionsFromEnv, measure, printComparison, type Measurement } from "./lib/measure";

export async function run(): Promise<{ subject: Measurement; baseline: Measurement }> {
  const opts = loadOptionsFromEnv();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-bench-"));
  fs.chmodSync(dataDir, 0o755);
  const hub = spawnHub({ SCION_DATA_DIR: dataDir, PORT: String(await findFreePort()), SCION_LOG_LEVEL: "warn" });
  let bare: ReturnType<typeof spawn> | undefined;
  try {
    const hubUrl = await hub.ready;
    const routeUrl = `${hubUrl}/api/v1/version`;
    const bytes = await (await fetch(routeUrl)).text();

    const barePort = await findFreePort();
    const script = `require("node:http").createServer((q, s) => { s.writeHead(200, {"content-type": "application/json"}); s.end(${JSON.stringify(bytes)}); }).listen(${barePort}, "127.0.0.1", () => console.log("up"));`;
    bare = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise((resolve) => bare!.stdout!.once("data", resolve));

    console.log(`json-route: ${opts.connections} connections, ${opts.warmupSeconds} s warm-up, ${opts.durationSeconds} s measured each; body ${bytes.length} bytes`);
    const subject = await measure("hub /api/v1/version", routeUrl, opts);
    const baseline = await measure("bare node http", `http://127.0.0.1:${barePort}/`, opts);
    printComparison(subject, baseline);
    return { subject, baseline };
  } finally {
    bare?.kill("SIGTERM");
    hub.child.kill("SIGTERM");
    await hub.exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
