import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureLogger } from "../../silent-logger";
import { createTestDatabase, type TestDatabase } from "../../test-database";
import { loadConfig } from "../../../lib/config/load-config";
import { migrate } from "../../../lib/db/migrate";
import { defaultMigrationsDir, readMigrationFiles } from "../../../lib/db/migrations";
import { openDispatchArgs } from "../../../lib/dispatch/dispatch-args";
import { startHub, type Hub } from "../../../lib/server/start-hub";
import { openAgentEnv } from "../../../lib/agents/agent-env";

/**
 * Upgrading a hub whose database holds agents with a plaintext env map and finished dispatch
 * intents with their arguments: after the migration and the hub's first boot, neither is in the
 * database in clear, and the env still opens to what it was.
 */
const SEALING = "20261202055813_sealed_agent_env";
const SECRET = "legacy-env-secret-".padEnd(48, "z");
const TOKEN = "scion_a_legacy.token.value";

let db: TestDatabase;
let hub: Hub;
let client: pg.Client;
const log = captureLogger("info");
const ids = {
  project: crypto.randomUUID(),
  broker: crypto.randomUUID(),
  keyed: crypto.randomUUID(),
  plain: crypto.randomUUID(),
  done: crypto.randomUUID(),
  pending: crypto.randomUUID(),
};

beforeAll(async () => {
  db = await createTestDatabase({ empty: true });
  const shipped = readMigrationFiles(defaultMigrationsDir());
  await migrate({ connectionString: db.url, migrations: shipped.filter((m) => m.name < SEALING), logger: log.logger });
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(`INSERT INTO projects (id, slug, name, "updatedAt") VALUES ($1, 'p', 'p', now())`, [ids.project]);
  await client.query(`INSERT INTO runtime_brokers (id, name, slug, "updatedAt") VALUES ($1, 'b', 'b', now())`, [
    ids.broker,
  ]);
  const agent = (id: string, slug: string, env: unknown) =>
    client.query(
      `INSERT INTO agents (id, slug, name, "projectId", env, "createdBy", "ownerId", "updatedAt") VALUES ($1, $2, $2, $3, $4::jsonb, 'user:x', 'user:x', now())`,
      [id, slug, ids.project, JSON.stringify(env)],
    );
  await agent(ids.keyed, "keyed", { API_KEY: "sk-legacy-plaintext", MODE: "fast" });
  await agent(ids.plain, "plain", {});
  const intent = (id: string, state: string) =>
    client.query(
      `INSERT INTO broker_dispatches (id, "brokerId", "agentId", op, args, state, "deadlineAt", "createdBy", "updatedAt") VALUES ($1, $2, $3, 'agent.start', $4::jsonb, $5, now() + interval '1 hour', 'user:x', now())`,
      [
        id,
        ids.broker,
        ids.keyed,
        JSON.stringify({
          args: { agentId: ids.keyed, env: { API_KEY: "sk-legacy-plaintext" }, token: TOKEN },
          timeoutMs: 1000,
        }),
        state,
      ],
    );
  await intent(ids.done, "done");
  await intent(ids.pending, "pending");

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-seal-"));
  const config = loadConfig({
    env: { DATABASE_URL: db.url, PORT: "0", SCION_DATA_DIR: dataDir, SESSION_SECRET: SECRET },
    cwd: dataDir,
  });
  hub = await startHub({ config, logger: log.logger });
});

afterAll(async () => {
  await client?.end();
  await hub?.close();
  await db?.drop();
});

describe("sealing the env of agents created before env was sealed", () => {
  it("the hub's first boot seals every legacy env map: the agents table holds it nowhere in clear, and it opens to what it was", async () => {
    const { rows } = await client.query<{ id: string; envSealed: string | null; legacyEnv: unknown }>(
      `SELECT id::text, "envSealed", "legacyEnv" FROM agents ORDER BY slug`,
    );
    const keyed = rows.find((r) => r.id === ids.keyed)!;
    const plain = rows.find((r) => r.id === ids.plain)!;
    expect(keyed.envSealed).toMatch(/^v1\./);
    expect([keyed.legacyEnv, plain.legacyEnv, plain.envSealed]).toEqual([null, null, null]);
    expect(openAgentEnv(SECRET, keyed)).toEqual({ API_KEY: "sk-legacy-plaintext", MODE: "fast" });
    expect(log.lines().some((l) => l.msg === "sealing agents' environment at rest" && l.sealed === 1)).toBe(true);
    const agentsInClear = await client.query(
      `SELECT count(*)::int AS n FROM agents a WHERE strpos(a::text, 'sk-legacy-plaintext') > 0`,
    );
    expect(agentsInClear.rows[0].n).toBe(0);
  });

  it("finished intents lose their arguments; a pending one keeps them, in the old form, and still opens", async () => {
    const { rows } = await client.query<{ id: string; args: unknown }>(`SELECT id::text, args FROM broker_dispatches`);
    expect(rows.find((r) => r.id === ids.done)!.args).toEqual({});
    const pending = rows.find((r) => r.id === ids.pending)!.args as { args: unknown; timeoutMs: number };
    expect(openDispatchArgs(SECRET, pending)).toEqual({
      agentId: ids.keyed,
      env: { API_KEY: "sk-legacy-plaintext" },
      token: TOKEN,
    });
  });
});
