import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findFreePort } from "../../lib/db/embedded-postgres";
import { defaultMigrationsDir, readMigrationFiles } from "../../lib/db/migrations";
import { spawnHub } from "../spawn-hub";
import { createTestDatabase, type TestDatabase } from "../test-database";

/**
 * `scion server migrate`: a hub runs on its embedded database, gets data, stops; the
 * command copies it to a shared Postgres, verifies, is idempotent, and drops the source only
 * when asked.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
let dataDir: string;
let target: TestDatabase;

function scion(args: string[], env: Record<string, string> = {}) {
  const res = spawnSync(process.execPath, ["--import", "tsx", "cli/scion.ts", ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production", SCION_DATA_DIR: dataDir, ...env },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: res.status, out: res.stdout, err: res.stderr };
}

async function count(url: string, table: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query(`SELECT count(*) AS n FROM "${table}"`)).rows[0].n);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  target = await createTestDatabase({ empty: true });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-migrate-src-"));
  fs.chmodSync(dataDir, 0o755);
  // 1,200 agents from one person, as fast as the hub takes them: no quota or rate limit.
  const hub = spawnHub({
    SCION_DATA_DIR: dataDir,
    PORT: String(await findFreePort()),
    SCION_LOCAL_BROKER: "false",
    SCION_LOG_LEVEL: "warn",
    SCION_RATE_LIMIT_AGENT_CREATIONS_PER_MINUTE: "0",
    SCION_MAX_AGENTS_PER_USER: "1000000",
  });
  const url = await hub.ready;
  const token = fs.readFileSync(path.join(dataDir, "dev-token"), "utf8").trim();
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const project = (await (
    await fetch(`${url}/api/v1/projects`, { method: "POST", headers, body: JSON.stringify({ name: "moving" }) })
  ).json()) as { id: string };
  for (let i = 0; i < 1200; i++) {
    const res = await fetch(`${url}/api/v1/agents`, {
      method: "POST",
      headers,
      body: JSON.stringify({ projectId: project.id, name: `mover-${i}`, task: `task ${i}` }),
    });
    if (res.status !== 201) throw new Error(`seeding: HTTP ${res.status}`);
  }
  hub.child.kill("SIGTERM");
  await hub.exited;
}, 240_000);

afterAll(async () => {
  await target?.drop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("scion server migrate", () => {
  it("copies every table in dependency order with progress, verifies counts, and is idempotent", async () => {
    const first = scion(["server", "migrate", "--to", target.url]);
    expect(first.err).toBe("");
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/^ {2}agents: 1200\/1200$/m);
    expect(first.out).toMatch(/Verified \d+ tables, \d+ rows; every table's row count matches:/);
    expect(first.out).toContain("The embedded database is kept");
    expect(await count(target.url, "agents")).toBe(1200);
    expect(await count(target.url, "projects")).toBe(1);
    expect(await count(target.url, "api_tokens")).toBeGreaterThanOrEqual(1);
    const order = [...first.out.matchAll(/^ {2}([a-z_]+): \d+\/\d+$/gm)].map((m) => m[1]);
    expect(order.indexOf("projects")).toBeLessThan(order.indexOf("agents"));
    expect(order.indexOf("agents")).toBeLessThan(order.indexOf("agent_state_changes"));
    expect(order.indexOf("users")).toBeLessThan(order.indexOf("api_tokens"));

    const again = scion(["server", "migrate", "--to", target.url]);
    expect(again.code).toBe(0);
    expect(await count(target.url, "agents")).toBe(1200);
    expect(fs.existsSync(path.join(dataDir, "postgres", "PG_VERSION"))).toBe(true);
  }, 180_000);

  it("refuses bad arguments with the usage, and a target with rows the source lacks fails verification and keeps the source", async () => {
    // Usage mistakes: one line naming the option, exit 2 (as every scion command).
    const bad = scion(["server", "migrate", "--to", "mysql://nope"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe(
      "scion: option '--to <url>' argument 'mysql://nope' is invalid. must be a postgres:// or postgresql:// URL\n",
    );
    const missing = scion(["server", "migrate"]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("--to is required");

    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    await client.query(
      `INSERT INTO projects (id, slug, name, "createdAt", "updatedAt") VALUES (gen_random_uuid(), 'stray', 'stray', now(), now())`,
    );
    await client.end();
    const mismatch = scion(["server", "migrate", "--to", target.url, "--drop-source"]);
    expect(mismatch.code).toBe(1);
    expect(mismatch.err).toMatch(/row counts differ after the copy: projects \(source 1, target 2\)/);
    expect(fs.existsSync(path.join(dataDir, "postgres", "PG_VERSION"))).toBe(true);

    const client2 = new pg.Client({ connectionString: target.url });
    await client2.connect();
    await client2.query(`DELETE FROM projects WHERE slug = 'stray'`);
    await client2.end();
    const drop = scion(["server", "migrate", "--to", target.url, "--drop-source"]);
    expect(drop.code).toBe(0);
    expect(drop.out).toContain("Removed the embedded database");
    expect(fs.existsSync(path.join(dataDir, "postgres"))).toBe(false);
  }, 180_000);

  it("--apply applies the hub's migrations to DATABASE_URL and exits, then finds nothing to do; without DATABASE_URL it says why", async () => {
    const db = await createTestDatabase({ empty: true });
    try {
      const shipped = readMigrationFiles(defaultMigrationsDir(ROOT)).length;
      const first = scion(["server", "migrate", "--apply"], { DATABASE_URL: db.url });
      expect(first.err).toBe("");
      expect(first.code).toBe(0);
      expect(first.out).toContain(`Applied ${shipped} migrations (0 already applied); the schema is current.`);
      expect(await count(db.url, "_prisma_migrations")).toBe(shipped);
      const again = scion(["server", "migrate", "--apply"], { DATABASE_URL: db.url });
      expect(again.code).toBe(0);
      expect(again.out).toContain(`Applied 0 migrations (${shipped} already applied)`);
    } finally {
      await db.drop();
    }
    const unset = scion(["server", "migrate", "--apply"]);
    expect(unset.code).toBe(1);
    expect(unset.err).toContain("scion-hub: DATABASE_URL is not set");
    const mixed = scion(["server", "migrate", "--apply", "--to", "postgres://db/x"]);
    expect(mixed.code).toBe(2);
    expect(mixed.err).toBe("scion: --apply takes neither --to nor --drop-source\n");
  }, 180_000);
});
