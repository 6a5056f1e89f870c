/**
 * Broker fan-in: 1,000 simulated runtime brokers (BENCH_BROKERS) on one hub replica, each
 * registered, joined and connected over the real control channel (broker/control-channel-client.ts:
 * HMAC-signed upgrade, heartbeats every 10 s) and answering the hub's operations: 100 agents are
 * started on 100 of them (agent.start; the simulated broker reports the agent running with the
 * token it was given) and their screens read through the API (agent.screen), while every broker
 * heartbeats. Then the hub is restarted on the same database and port, and every broker must be
 * back (its channel held by the new replica) — the reconnect storm, with the client's jittered
 * backoff. The RSS figure is the restarted replica's once it holds every broker (the first one's
 * also carries the garbage of a thousand registrations, and is logged). Targets: hub RSS < 400 MB
 * with 1,000 brokers connected, heartbeat handling p99 < 20 ms
 * (the hub's scion_broker_heartbeat_seconds histogram), the storm settled in < 30 s.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { ControlChannelClient } from "../broker/control-channel-client";
import { findFreePort } from "../lib/db/embedded-postgres";
import { createLogger } from "../lib/log/create-logger";
import { spawnHub } from "../test/spawn-hub";
import { analyzeDatabase, embeddedDatabaseUrl } from "./lib/bench-hub";
import { expectOk } from "./lib/measure";
import { round, type BenchResult } from "./lib/summary";

const BROKERS = Number(process.env.BENCH_BROKERS ?? 1000);
const AGENTS = Math.min(100, BROKERS);
const HEARTBEAT_MS = 10_000;
const SECRET = "bench-broker-fanin-session-secret-0123456789";

export async function run(): Promise<BenchResult & Record<string, unknown>> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-bench-fanin-"));
  fs.chmodSync(dataDir, 0o755);
  const port = await findFreePort();
  const env = {
    SCION_DATA_DIR: dataDir,
    PORT: String(port),
    SCION_LOG_LEVEL: "warn",
    SCION_LOCAL_BROKER: "false",
    SESSION_SECRET: SECRET,
    SCION_RATE_LIMIT_AGENT_CREATIONS_PER_MINUTE: "0",
  };
  let hub = spawnHub(env);
  const url = await hub.ready;
  const clients: ControlChannelClient[] = [];
  const logger = createLogger({ level: "silent", pretty: false });
  let db: pg.Pool | undefined;
  try {
    const admin = `Bearer ${fs.readFileSync(path.join(dataDir, "dev-token"), "utf8").trim()}`;
    const call = async <T>(method: string, pathname: string, body?: unknown, auth: string | null = admin) =>
      (await (
        await expectOk(
          await fetch(`${url}${pathname}`, {
            method,
            headers: { ...(auth && { authorization: auth }), "content-type": "application/json" },
            body: body === undefined ? undefined : JSON.stringify(body),
          }),
          `${method} ${pathname}`,
        )
      ).json()) as T;

    // Register and join every broker (as `scion broker register` and the broker's first start do).
    const joined: Array<{ brokerId: string; secret: string }> = new Array(BROKERS);
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < BROKERS) {
          const i = next++;
          const { joinToken } = await call<{ joinToken: string }>("POST", "/api/v1/runtime-brokers", {
            name: `sim-${i}`,
          });
          joined[i] = await call(
            "POST",
            "/api/v1/runtime-brokers/join",
            {
              joinToken,
              hostname: `sim-${i}`,
              capabilities: { runtimes: ["local"], harnesses: ["shell"] },
            },
            null,
          );
        }
      }),
    );
    // Settled as a live hub's database is (autovacuum, a checkpoint) before measuring.
    await analyzeDatabase(dataDir);
    const rssBefore = await hubRss(url, admin);
    const heapBefore = await heapLine(url, admin);

    // Connect them all.
    const connectedAt = new Array<number>(BROKERS).fill(0);
    const connectStarted = performance.now();
    for (const [i, { brokerId, secret }] of joined.entries()) {
      const client = new ControlChannelClient({
        hubUrls: [url],
        brokerId,
        secret,
        logger,
        heartbeatMs: HEARTBEAT_MS,
        heartbeat: () => ({ agents: [], hostname: `sim-${i}`, terminals: 0 }),
        onConnected: () => (connectedAt[i] = performance.now()),
        onRequest: async (op, args) => simulatedOperation(url, op, args),
      });
      clients.push(client);
      client.start();
    }
    await Promise.all(clients.map((c) => c.waitConnected()));
    await until(async () => (await heldBrokers(url, admin)) === BROKERS, "every broker held", 60_000);
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    await sleep(3000);
    const rss = await hubRss(url, admin);
    console.log(
      `broker-fanin: ${BROKERS} brokers connected in ${connectSeconds.toFixed(1)} s; hub RSS ${mib(rssBefore)} → ${mib(rss)} MiB (${heapBefore} → ${await heapLine(url, admin)})`,
    );

    // Operations: agents started on brokers, their screens read through the API, while heartbeats flow.
    const project = await call<{ id: string }>("POST", "/api/v1/projects", { name: "fanin" });
    const started = await Promise.all(
      Array.from({ length: AGENTS }, (_, i) =>
        call<{ id: string; phase: string }>("POST", "/api/v1/agents", {
          projectId: project.id,
          name: `agent-${i}`,
          brokerId: joined[i * Math.floor(BROKERS / AGENTS)]!.brokerId,
          start: true,
        }),
      ),
    );
    const notRunning = started.filter((a) => a.phase !== "running");
    if (notRunning.length > 0) throw new Error(`${notRunning.length} agents did not start on their simulated broker`);
    // Each agent's screen is read once a second (what a dashboard's live Screen panel does), for two heartbeat rounds.
    const beforeOps = await heartbeatBuckets(url, admin);
    const screensStarted = performance.now();
    let screens = 0;
    await Promise.all(
      started.map(async (a, i) => {
        await sleep((i * 1000) / started.length);
        while (performance.now() - screensStarted < 2 * HEARTBEAT_MS + 1000) {
          const screen = await call<{ text: string }>("GET", `/api/v1/agents/${a.id}/screen`);
          if (!screen.text.includes("simulated")) throw new Error(`unexpected screen for ${a.id}`);
          screens++;
          await sleep(1000);
        }
      }),
    );
    const heartbeat = quantiles(beforeOps, await heartbeatBuckets(url, admin));
    console.log(
      `broker-fanin: ${AGENTS} agents started, ${screens} screens read over ${((performance.now() - screensStarted) / 1000).toFixed(0)} s; heartbeats handled ${heartbeat.count}, p50 ≤ ${heartbeat.p50 * 1000} ms, p99 ≤ ${heartbeat.p99 * 1000} ms`,
    );

    // The reconnect storm: the replica restarts; every broker comes back to the new one.
    hub.child.kill("SIGTERM");
    await hub.exited;
    hub = spawnHub(env);
    await hub.ready;
    const restartedAt = performance.now();
    connectedAt.fill(0);
    await until(() => connectedAt.every((t) => t > 0), "every broker reconnected", 120_000);
    await until(async () => (await heldBrokers(url, admin)) === BROKERS, "every broker held again", 120_000);
    const stormSeconds = round((performance.now() - restartedAt) / 1000, 1);
    const lastConnect = round((Math.max(...connectedAt) - restartedAt) / 1000, 1);
    // The new hub's Postgres listens on a new port.
    db = new pg.Pool({ connectionString: embeddedDatabaseUrl(dataDir), max: 2 });
    // The replica's memory holding every broker from its start (no registration behind it).
    await sleep(5000);
    const rssAfterStorm = await hubRss(url, admin);
    const heapAfterStorm = await heapLine(url, admin);
    const online = Number(
      (await db.query(`SELECT count(*) AS n FROM runtime_brokers WHERE status = 'online'`)).rows[0]!.n,
    );
    console.log(
      `broker-fanin: after a restart every broker reconnected within ${lastConnect} s and all ${BROKERS} were held by the new replica after ${stormSeconds} s (${online} online in the database); the new replica's RSS ${mib(rssAfterStorm)} MiB (${heapAfterStorm})`,
    );
    const rssMb = round(rssAfterStorm / 1048576, 0);
    return {
      rows: [
        {
          path: "broker fan-in",
          subject: `${BROKERS} brokers: RSS ${rssMb} MB; heartbeat p99 ≤ ${heartbeat.p99 * 1000} ms (${heartbeat.count}); ${screens} screen ops; reconnect storm settled in ${stormSeconds} s`,
          baseline: "—",
          ratio: null,
          target: "RSS < 400 MB, heartbeat p99 < 20 ms, storm < 30 s",
          pass: rssMb < 400 && heartbeat.p99 < 0.02 && stormSeconds < 30,
        },
      ],
      brokers: BROKERS,
      rssMb,
      heartbeat,
      screens,
      stormSeconds,
    };
  } catch (err) {
    throw new Error(
      `${(err as Error).message}; the hub's output ends: ${hub.stdout().slice(-600)} ${hub.stderr().slice(-600)}`,
    );
  } finally {
    await Promise.all(clients.map((c) => c.stop().catch(() => undefined)));
    await db?.end();
    hub.child.kill("SIGTERM");
    await hub.exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** What a simulated broker does: starts report the agent running with its token; screens are canned. */
async function simulatedOperation(url: string, op: string, args: unknown): Promise<unknown> {
  const a = (args ?? {}) as { agentId?: string; token?: string };
  if (op === "agent.start") {
    setTimeout(() => {
      void fetch(`${url}/api/v1/agents/${a.agentId}/status`, {
        method: "POST",
        headers: { authorization: `Bearer ${a.token}`, "content-type": "application/json" },
        body: JSON.stringify({ phase: "running", activity: "idle" }),
      }).catch(() => undefined);
    }, 50);
    return { ports: {}, urls: {} };
  }
  if (op === "agent.screen") return { text: `simulated screen of ${a.agentId}\n$ `, cols: 80, rows: 24 };
  return {};
}

/** Brokers whose channel this replica holds (scion_broker_connections). */
async function heldBrokers(url: string, auth: string): Promise<number> {
  return Number(/^scion_broker_connections (\d+)/m.exec(await metrics(url, auth))?.[1] ?? 0);
}

/** The hub's heap in use and external (Buffer) memory, in MiB, for the log. */
async function heapLine(url: string, auth: string): Promise<string> {
  const text = await metrics(url, auth);
  const read = (name: string) => Number(new RegExp(`^${name} (\\d+)`, "m").exec(text)?.[1] ?? NaN) / 1048576;
  return `heap used ${read("scion_hub_nodejs_heap_size_used_bytes").toFixed(0)} MiB, external ${read("scion_hub_nodejs_external_memory_bytes").toFixed(0)} MiB`;
}

async function hubRss(url: string, auth: string): Promise<number> {
  const m = /^scion_hub_process_resident_memory_bytes (\d+)/m.exec(await metrics(url, auth));
  if (!m) throw new Error("/metrics has no scion_hub_process_resident_memory_bytes");
  return Number(m[1]);
}

type Buckets = Array<{ le: number; n: number }>;

/** The cumulative buckets of scion_broker_heartbeat_seconds. */
async function heartbeatBuckets(url: string, auth: string): Promise<Buckets> {
  const text = await metrics(url, auth);
  return [...text.matchAll(/^scion_broker_heartbeat_seconds_bucket\{le="([^"]+)"\} (\d+)/gm)].map((m) => ({
    le: m[1] === "+Inf" ? Infinity : Number(m[1]),
    n: Number(m[2]),
  }));
}

/** p50 and p99 of the heartbeats between two scrapes, as bucket upper bounds (what a histogram can say). */
function quantiles(before: Buckets, after: Buckets): { count: number; p50: number; p99: number } {
  const window = after.map((b, i) => ({ le: b.le, n: b.n - (before[i]?.n ?? 0) }));
  const count = window[window.length - 1]?.n ?? 0;
  if (count === 0) throw new Error("no broker heartbeat was recorded");
  const at = (q: number) => window.find((b) => b.n >= q * count)!.le;
  return { count, p50: at(0.5), p99: at(0.99) };
}

async function metrics(url: string, auth: string): Promise<string> {
  return (await expectOk(await fetch(`${url}/metrics`, { headers: { authorization: auth } }), "/metrics")).text();
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (bytes: number) => (bytes / 1048576).toFixed(0);
