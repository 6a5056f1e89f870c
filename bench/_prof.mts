import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { measure } from "./lib/measure";
const dataDir = fs.mkdtempSync("/tmp/scion-prof-"); fs.chmodSync(dataDir, 0o755);
const port = 18555;
const child = spawn(process.execPath, ["--cpu-prof", "--cpu-prof-dir=/tmp/prof", "--import", "tsx", "server.ts"], {
  env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", SCION_DATA_DIR: dataDir, PORT: String(port), SCION_LOG_LEVEL: "warn", SCION_LOCAL_BROKER: "false", SCION_RATE_LIMIT_AGENT_CREATIONS_PER_MINUTE: "0", NODE_ENV: "production" },
  stdio: "inherit",
});
const url0 = `http://127.0.0.1:${port}`;
for (;;) { try { if ((await fetch(`${url0}/readyz`)).ok) break; } catch {} await new Promise((r) => setTimeout(r, 300)); }
const token = fs.readFileSync(path.join(dataDir, "dev-token"), "utf8").trim();
const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
const p = (await (await fetch(`${url0}/api/v1/projects`, { method: "POST", headers, body: JSON.stringify({ name: "b" }) })).json()) as { id: string };
for (let i = 0; i < 300; i++) await fetch(`${url0}/api/v1/agents`, { method: "POST", headers, body: JSON.stringify({ projectId: p.id, name: `a-${i}` }) });
const url = `${url0}/api/v1/agents?limit=50&projectId=${p.id}&sort=name&order=asc`;
const m = await measure("list", url, { connections: 50, durationSeconds: 10, warmupSeconds: 2 }, { authorization: headers.authorization });
console.log(m);
child.kill("SIGTERM");
await new Promise((r) => child.on("exit", r));
