import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { findFreePort } from "../lib/db/embedded-postgres";
import { jsonLines, spawnHub } from "./spawn-hub";

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-proc-"));
  fs.chmodSync(dir, 0o755);
  return dir;
}

/** Every file under dir with its SHA-256, to prove a failed start changed nothing. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, file)] = crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
  }
  return out;
}

async function failedStart(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const hub = spawnHub(env);
  const { code } = await hub.exited;
  return { code, stderr: hub.stderr() };
}

describe("server.ts startup failures", () => {
  it("a bad setting ends startup with one line naming it", async () => {
    const { code, stderr } = await failedStart({ PORT: "eighty", SCION_DATA_DIR: tempDir() });
    expect(code).toBe(1);
    expect(stderr).toBe('scion-hub: PORT: must be a whole number (got "eighty")\n');
  });

  it("an unreachable DATABASE_URL ends startup naming the server, not the password", async () => {
    const port = await findFreePort();
    const { code, stderr } = await failedStart({
      DATABASE_URL: `postgresql://scion:hunter2@127.0.0.1:${port}/scion`,
      PORT: "0",
      SCION_DATA_DIR: tempDir(),
    });
    expect(code).toBe(1);
    expect(stderr).toBe(`scion-hub: DATABASE_URL: cannot connect to 127.0.0.1:${port}/scion (ECONNREFUSED)\n`);
  });

  it("a data directory that cannot be written ends startup naming it", async () => {
    const file = path.join(tempDir(), "not-a-dir");
    fs.writeFileSync(file, "");
    const { code, stderr } = await failedStart({ SCION_DATA_DIR: path.join(file, "data"), PORT: "0" });
    expect(code).toBe(1);
    expect(stderr).toBe(
      `scion-hub: SCION_DATA_DIR: ${path.join(file, "data")} is not a writable directory (ENOTDIR)\n`,
    );
  });
});

describe("server.ts on an embedded database", () => {
  it("starts, serves, stops within 15 s, refuses a busy port without harm, and restarts on the same data", async () => {
    expect(
      fs.existsSync(path.join(import.meta.dirname, "..", ".next", "BUILD_ID")),
      "run `npm run build` first (npm test does)",
    ).toBe(true);
    const dataDir = tempDir();
    const port = String(await findFreePort());

    // First start: initialises the cluster, migrates, serves the dashboard.
    const first = spawnHub({ SCION_DATA_DIR: dataDir, PORT: port });
    const url = await first.ready;
    expect(url).toBe(`http://127.0.0.1:${port}`);
    const home = await fetch(url);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain("Scion Hub");
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    // Single-node default: a local broker joins by itself and shows online within seconds.
    const devToken = fs.readFileSync(path.join(dataDir, "dev-token"), "utf8").trim();
    const localBroker = async () => {
      const page = (await (
        await fetch(`${url}/api/v1/runtime-brokers`, { headers: { authorization: `Bearer ${devToken}` } })
      ).json()) as { items: Array<{ slug: string; status: string }> };
      return page.items.find((b) => b.slug === "local");
    };
    const seenAt = Date.now();
    while ((await localBroker())?.status !== "online") {
      expect(Date.now() - seenAt, "the local broker should be online within 10 s").toBeLessThan(10_000);
      await new Promise((r) => setTimeout(r, 100));
    }

    // Leave a row behind to find after the restart.
    const pgPort = jsonLines(first.stdout()).find((l) => l.msg === "embedded Postgres started")!.port as number;
    const creds = JSON.parse(fs.readFileSync(path.join(dataDir, "postgres-credentials.json"), "utf8")) as {
      user: string;
      password: string;
    };
    expect(fs.statSync(path.join(dataDir, "postgres-credentials.json")).mode & 0o777).toBe(0o600);
    const db = new pg.Client({
      host: "127.0.0.1",
      port: pgPort,
      user: creds.user,
      password: creds.password,
      database: "scion",
    });
    await db.connect();
    await db.query(
      `INSERT INTO projects (id, slug, name, "updatedAt") VALUES (gen_random_uuid(), 'kept', 'Kept', now())`,
    );
    await db.end();

    const postgresPid = Number(
      fs.readFileSync(path.join(dataDir, "postgres", "postmaster.pid"), "utf8").split("\n")[0],
    );
    const stopStarted = Date.now();
    first.child.kill("SIGTERM");
    const stopped = await first.exited;
    expect(stopped.code).toBe(0);
    expect(Date.now() - stopStarted).toBeLessThan(15_000);
    expect(() => process.kill(postgresPid, 0)).toThrow();
    expect(fs.existsSync(path.join(dataDir, "postgres", "postmaster.pid"))).toBe(false);

    // A busy port: one line, non-zero exit, and the data directory exactly as it was.
    const before = snapshot(dataDir);
    const blocker = net.createServer().listen(Number(port), "127.0.0.1");
    await new Promise((resolve) => blocker.once("listening", resolve));
    const busy = spawnHub({ SCION_DATA_DIR: dataDir, PORT: port });
    expect((await busy.exited).code).toBe(1);
    expect(busy.stderr()).toBe(`scion-hub: PORT: 127.0.0.1:${port} is already in use\n`);
    await new Promise((resolve) => blocker.close(resolve));
    expect(snapshot(dataDir)).toEqual(before);

    // Second start reuses the cluster: no initdb, no migration, the row is still there.
    const second = spawnHub({ SCION_DATA_DIR: dataDir, PORT: port });
    await second.ready;
    const logs = jsonLines(second.stdout());
    expect(logs.some((l) => l.msg === "initialised embedded Postgres cluster")).toBe(false);
    expect(logs.find((l) => l.msg === "database schema is current")).toMatchObject({ applied: 0 });
    const pgPort2 = logs.find((l) => l.msg === "embedded Postgres started")!.port as number;
    const db2 = new pg.Client({
      host: "127.0.0.1",
      port: pgPort2,
      user: creds.user,
      password: creds.password,
      database: "scion",
    });
    await db2.connect();
    expect((await db2.query("SELECT slug FROM projects")).rows).toEqual([{ slug: "kept" }]);
    // The local broker kept its identity across the restart: still exactly one.
    expect((await db2.query("SELECT count(*)::int AS n FROM runtime_brokers WHERE slug = 'local'")).rows).toEqual([
      { n: 1 },
    ]);
    await db2.end();
    second.child.kill("SIGINT");
    expect((await second.exited).code).toBe(0);
  });
});
