/**
 * `npm start`'s script (scripts/start.mjs): the server bundle it builds and runs, and SIGTERM at
 * the two moments a supervisor sends it: the instant the ready line appears, and while the hub is
 * still starting. Either way the hub stops gracefully (exit 0) and leaves no process behind (its
 * embedded Postgres included). And `npm start` itself: a SIGTERM to npm alone, as `docker stop`
 * or a process manager sends it, stops the hub too.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findFreePort } from "../../lib/db/embedded-postgres";
import { SERVER_BUNDLE } from "../../scripts/build-server.mjs";
import { liveProcessesInGroup } from "../support/process-group";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-start-"));
fs.chmodSync(dataDir, 0o755);

afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

/** A minimal environment for a hub on `port` with this file's data directory and no local broker. */
function hubEnv(port: number): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/",
    NODE_ENV: "production",
    SCION_DATA_DIR: dataDir,
    PORT: String(port),
    SCION_LOCAL_BROKER: "false",
    SCION_LOG_LEVEL: "info",
  };
}

/** `node scripts/start.mjs`; resolves with its output and exit once it exits. */
async function start(onOutput: (out: string, child: ReturnType<typeof spawn>) => void) {
  const port = await findFreePort();
  const child = spawn(process.execPath, ["scripts/start.mjs"], {
    cwd: ROOT,
    env: hubEnv(port),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const add = (d: Buffer) => {
    out += d.toString();
    onOutput(out, child);
  };
  child.stdout!.on("data", add);
  child.stderr!.on("data", add);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once("exit", (c, s) => resolve([c, s])),
  );
  return { out, code, signal, port };
}

/** Processes whose command line names the data directory (Postgres's -D), besides this one. */
function processesUsing(dir: string): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
      if (cmd.includes(dir) && Number(pid) !== process.pid) found.push(`${pid}: ${cmd}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

describe("npm start (scripts/start.mjs)", () => {
  it("runs the server bundle; SIGTERM the instant it is ready stops it gracefully, leaving nothing running", async () => {
    let answered = 0;
    const run = await start((out, child) => {
      const m = /Scion Hub ready at (\S+)/.exec(out);
      if (m && !child.killed) {
        child.kill("SIGTERM");
        void fetch(`${m[1]}/healthz`).then(
          (r) => (answered = r.status),
          () => undefined,
        );
      }
    });
    expect(run.signal).toBeNull();
    expect(run.code).toBe(0);
    expect(run.out).toContain('"msg":"hub stopped"');
    expect(answered === 0 || answered === 200 || answered === 503).toBe(true);
    expect(fs.existsSync(path.join(ROOT, SERVER_BUNDLE))).toBe(true);
    expect(processesUsing(dataDir)).toEqual([]);
  }, 120_000);

  it("SIGTERM while the hub is still starting: it finishes starting, then stops gracefully", async () => {
    const run = await start((out, child) => {
      // Postgres is up, the hub is not ready yet.
      if (out.includes("embedded Postgres started") && !child.killed) child.kill("SIGTERM");
    });
    expect(run.signal).toBeNull();
    expect(run.code).toBe(0);
    expect(run.out).toContain('"signal":"SIGTERM"');
    expect(run.out).not.toContain("Scion Hub ready at");
    expect(run.out).toContain('"msg":"hub stopped"');
    expect(processesUsing(dataDir)).toEqual([]);
  }, 120_000);

  it("`npm start`: SIGTERM to npm alone (which does not pass it on) stops the hub too, leaving nothing running", async () => {
    const port = await findFreePort();
    const npm = spawn("npm", ["start"], {
      cwd: ROOT,
      env: hubEnv(port),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let out = "";
    npm.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    npm.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 90_000;
    while (!out.includes("Scion Hub ready at") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(out).toContain("Scion Hub ready at");
    expect(processesUsing(dataDir).length).toBeGreaterThan(0);
    npm.kill("SIGTERM");
    const gone = Date.now() + 15_000;
    // Postgres stops before the hub writes its last line, so wait for both.
    while ((processesUsing(dataDir).length > 0 || !out.includes('"msg":"hub stopped"')) && Date.now() < gone)
      await new Promise((r) => setTimeout(r, 100));
    expect(processesUsing(dataDir)).toEqual([]);
    expect(out).toContain('"msg":"hub stopped"');
    // npm itself has exited, and nothing of the tree still runs in its process group.
    if (npm.exitCode === null && npm.signalCode === null) await new Promise((r) => npm.once("exit", r));
    await new Promise((r) => setTimeout(r, 200));
    expect(liveProcessesInGroup(npm.pid!)).toEqual([]);
  }, 120_000);
});
