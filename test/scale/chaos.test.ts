import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findFreePort } from "../../lib/db/embedded-postgres";
import { spawnHub, type SpawnedHub } from "../spawn-hub";
import { createTestDatabase, type TestDatabase } from "../test-database";
import { until } from "../until";
import { reapAgentsUnder } from "../reap-agents";
import { LocalRuntime } from "../../broker/runtimes/local-runtime";

/**
 * Chaos: two replicas, one broker. Each iteration asks the replica without the broker to start
 * a new agent and SIGKILLs the replica holding the broker a moment later. The broker reconnects
 * to the survivor, which drains (and takes over) the intent. Every start must complete, and
 * every agent must have been started on the broker exactly once.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
const SECRET = "chaos-replicas-".padEnd(48, "c");
const ITERATIONS = Number(process.env.CHAOS_ITERATIONS ?? 20);

interface Replica {
  hub: SpawnedHub;
  url: string;
  port: number;
  dataDir: string;
}

let db: TestDatabase;
let pool: pg.Pool;
let replicas: [Replica, Replica];
let broker: ChildProcess;
let brokerDir: string;
let brokerLog = "";
let token: string;
let projectId: string;
let brokerId: string;

async function startReplica(port: number, dataDir: string): Promise<Replica> {
  const hub = spawnHub({
    DATABASE_URL: db.url,
    PORT: String(port),
    SCION_DATA_DIR: dataDir,
    SESSION_SECRET: SECRET,
    SCION_LOCAL_BROKER: "false",
    SCION_LOG_LEVEL: "warn",
    SCION_INTERNAL_URL: `http://127.0.0.1:${port}`,
  });
  return { hub, url: await hub.ready, port, dataDir };
}

async function owner(): Promise<string | null> {
  const { rows } = await pool.query(
    `SELECT r."internalUrl" AS url FROM runtime_brokers b JOIN hub_replicas r ON r.id = b."connectedHubId" WHERE b.id = $1 AND b.status = 'online'`,
    [brokerId],
  );
  return rows[0]?.url ?? null;
}

beforeAll(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  const dirs = [0, 1].map((i) => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), `scion-chaos-${i}-`));
    fs.chmodSync(d, 0o755);
    return d;
  });
  replicas = [await startReplica(await findFreePort(), dirs[0]!), await startReplica(await findFreePort(), dirs[1]!)];
  token = fs.readFileSync(path.join(dirs[0]!, "dev-token"), "utf8").trim();
  const call = async (method: string, p: string, body?: unknown) =>
    (
      await fetch(`${replicas[0].url}${p}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    ).json();
  const reg = (await call("POST", "/api/v1/runtime-brokers", { name: "chaos-broker" })) as {
    joinToken: string;
    broker: { id: string };
  };
  brokerId = reg.broker.id;
  projectId = ((await call("POST", "/api/v1/projects", { name: "chaos" })) as { id: string }).id;
  brokerDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-chaos-broker-"));
  broker = spawn(process.execPath, ["--import", "tsx", "broker/main.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: "production",
      SCION_HUB_URLS: `${replicas[1].url},${replicas[0].url}`,
      SCION_JOIN_TOKEN: reg.joinToken,
      SCION_DATA_DIR: brokerDir,
      SCION_LOG_LEVEL: "info",
      SCION_PORT_RANGE: "43000-43200",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  broker.stdout!.on("data", (d: Buffer) => (brokerLog += d.toString()));
  await until(async () => (await owner()) !== null, "the broker online", 30_000);
}, 120_000);

afterAll(async () => {
  broker?.kill("SIGTERM");
  for (const r of replicas ?? []) {
    r.hub.child.kill("SIGTERM");
    await r.hub.exited;
  }
  if (brokerDir) reapAgentsUnder(brokerDir);
  await pool?.end();
  await db?.drop();
});

describe("chaos", () => {
  it(`${ITERATIONS} starts, each requested through one replica while the replica holding the broker is killed: every start completes, none runs twice`, async () => {
    const outcomes: Array<{ agentId: string; status: number; phase?: string }> = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const holderUrl = await until(owner, "a replica holding the broker", 30_000);
      const holder = replicas.findIndex((r) => r.url === holderUrl);
      const other = replicas[1 - holder]!;
      const victim = replicas[holder]!;
      const request = fetch(`${other.url}/api/v1/agents`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({
          projectId,
          name: `chaos-${i}`,
          harness: "generic",
          command: "exec sleep 100000",
          start: true,
        }),
      });
      // Kill the holder somewhere between "intent written" and "start done".
      await new Promise((r) => setTimeout(r, [0, 20, 60, 120, 250][i % 5]));
      victim.hub.child.kill("SIGKILL");
      await victim.hub.exited;
      const res = await request;
      const body = (await res.json()) as { id: string; phase: string };
      outcomes.push({ agentId: body.id, status: res.status, phase: body.phase });
      // The killed replica comes back (same port and data dir), ready to be the next victim.
      replicas[holder] = await startReplica(victim.port, victim.dataDir);
    }
    // Every agent ends running on the broker, started there exactly once.
    const settled = await until(
      async () => {
        const { rows } = await pool.query(`SELECT id, phase FROM agents WHERE "projectId" = $1`, [projectId]);
        return rows.length === ITERATIONS && rows.every((r) => r.phase === "running") ? rows : undefined;
      },
      "every agent running",
      60_000,
    ).catch(async () => (await pool.query(`SELECT id, phase FROM agents WHERE "projectId" = $1`, [projectId])).rows);
    const starts = new Map<string, number>();
    for (const line of brokerLog.split("\n")) {
      if (!line.includes('"agent started"')) continue;
      const id = (JSON.parse(line) as { agentId?: string }).agentId;
      if (id) starts.set(id, (starts.get(id) ?? 0) + 1);
    }
    const doubles = outcomes.filter((o) => (starts.get(o.agentId) ?? 0) > 1).length;
    const losses = outcomes.filter((o) => (starts.get(o.agentId) ?? 0) === 0).length;
    const sessions = await new LocalRuntime(brokerDir).listRunning();
    const intents = (
      await pool.query(`SELECT state::text AS state, count(*)::int AS n FROM broker_dispatches GROUP BY state`)
    ).rows;
    // Why any start ended in error (the agent's detail and its intents), for whoever reads a failure.
    const failedStarts = (
      await pool.query(
        `SELECT a.name, a.detail, json_agg(json_build_object('op', d.op, 'state', d.state::text, 'error', d.error, 'attempts', d.attempts)) AS intents
           FROM agents a LEFT JOIN broker_dispatches d ON d."agentId" = a.id
          WHERE a."projectId" = $1 AND a.phase <> 'running' GROUP BY a.id`,
        [projectId],
      )
    ).rows;
    console.log(
      JSON.stringify({
        failedStarts,
        iterations: ITERATIONS,
        outcomes: outcomes.map((o) => `${o.status}:${o.phase}`),
        doubles,
        losses,
        sessions: sessions.length,
        intents,
      }),
    );
    expect({ doubles, losses }).toEqual({ doubles: 0, losses: 0 });
    expect(settled.filter((r: { phase: string }) => r.phase === "running")).toHaveLength(ITERATIONS);
    expect(sessions).toHaveLength(ITERATIONS);
    expect(outcomes.map((o) => `${o.status}:${o.phase}`)).toEqual(outcomes.map(() => "201:running"));
  }, 600_000);
});
