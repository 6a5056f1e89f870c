import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { CHANNEL_PATH } from "../../lib/brokers/channel/protocol";
import { signBrokerRequest } from "../../lib/brokers/hmac";
import type { AgentJson } from "../../lib/agents/schemas";
import { findFreePort } from "../../lib/db/embedded-postgres";
import { spawnHub, type SpawnedHub } from "../spawn-hub";
import { createTestDatabase, type TestDatabase } from "../test-database";
import { openEventStream } from "../sse-client";
import { until } from "../until";
import { reapAgentsUnder } from "../reap-agents";
import { LocalRuntime } from "../../broker/runtimes/local-runtime";

/**
 * Two hub processes on one Postgres, one broker connected to B only. Every request goes to A,
 * which holds no broker: it must reach the broker through B, exactly once.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
const SECRET = "two-replicas-".padEnd(48, "r");
let db: TestDatabase;
let a: { hub: SpawnedHub; url: string; dataDir: string };
let b: { hub: SpawnedHub; url: string; dataDir: string };
let broker: ChildProcess;
let brokerDir: string;
let token: string;
let projectId: string;
let pool: pg.Pool;

async function startReplica(name: string) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `scion-rep-${name}-`));
  fs.chmodSync(dataDir, 0o755);
  const port = await findFreePort();
  const hub = spawnHub({
    DATABASE_URL: db.url,
    PORT: String(port),
    SCION_DATA_DIR: dataDir,
    SESSION_SECRET: SECRET,
    SCION_LOCAL_BROKER: "false",
    SCION_LOG_LEVEL: "warn",
    SCION_INTERNAL_URL: `http://127.0.0.1:${port}`,
  });
  return { hub, url: await hub.ready, dataDir };
}

const api =
  (base: string) =>
  async <T = Record<string, unknown>>(method: string, p: string, body?: unknown) => {
    const res = await fetch(`${base}${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (res.status === 204 ? null : await res.json()) as T };
  };

beforeAll(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  a = await startReplica("a");
  b = await startReplica("b");
  token = fs.readFileSync(path.join(a.dataDir, "dev-token"), "utf8").trim();
  const reg = await api(a.url)<{ joinToken: string; broker: { id: string } }>("POST", "/api/v1/runtime-brokers", {
    name: "only-on-b",
  });
  brokerDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-rep-broker-"));
  broker = spawn(process.execPath, ["--import", "tsx", "broker/main.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: "production",
      SCION_HUB_URLS: b.url,
      SCION_JOIN_TOKEN: reg.body.joinToken,
      SCION_DATA_DIR: brokerDir,
      SCION_LOG_LEVEL: "warn",
      SCION_PORT_RANGE: "41000-41100",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  await until(
    async () =>
      (await pool.query(`SELECT status FROM runtime_brokers WHERE id = $1`, [reg.body.broker.id])).rows[0]?.status ===
      "online",
    "the broker online through B",
    30_000,
  );
  projectId = (await api(a.url)<{ id: string }>("POST", "/api/v1/projects", { name: "replicated" })).body.id;
}, 120_000);

afterAll(async () => {
  broker?.kill("SIGTERM");
  for (const r of [a, b]) {
    if (!r) continue;
    r.hub.child.kill("SIGTERM");
    await r.hub.exited;
  }
  if (brokerDir) reapAgentsUnder(brokerDir);
  await pool?.end();
  await db?.drop();
});

/** A terminal opened through A with the dev token, once open; output() is what it printed so far. */
async function openTerminalOnA(agentId: string, query = "") {
  const ws = new WebSocket(`${a.url.replace("http", "ws")}/api/v1/agents/${agentId}/pty${query}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  let output = "";
  ws.on("message", (data, isBinary) => isBinary && (output += (data as Buffer).toString("utf8")));
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("unexpected-response", (_q, res) => reject(new Error(`refused: ${res.statusCode}`)));
  });
  return { ws, output: () => output };
}

// Each agent has a tmux server of its own (broker/runtimes/local-runtime.ts).
const tmuxOf = (agentId: string) => new LocalRuntime(brokerDir).serverArgs(agentId);
const screen = (agentId: string) =>
  spawnSync("tmux", [...tmuxOf(agentId), "capture-pane", "-p", "-t", `=scion-${agentId}:`]).stdout.toString();

describe("two replicas, the broker on B, every call through A", () => {
  it("create with start, message, stop and restart reach the broker through B, each intent run exactly once", async () => {
    const viaA = api(a.url);
    const created = await viaA<AgentJson>("POST", "/api/v1/agents", {
      projectId,
      name: "far-away",
      harness: "generic",
      command: "exec cat",
      start: true,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ phase: "running", ports: { A: expect.any(Number) } });
    const id = created.body.id;

    const message = await viaA<{ dispatchState: string; id: string }>("POST", `/api/v1/agents/${id}/messages`, {
      body: "typed via the other replica",
    });
    expect(message.status).toBe(202);
    await until(
      async () =>
        (await pool.query(`SELECT "dispatchState" FROM messages WHERE id = $1`, [message.body.id])).rows[0]
          ?.dispatchState === "dispatched",
      "the message dispatched by B",
    );
    await until(() => screen(id).includes("typed via the other replica"), "the message on the agent's screen");

    const stopped = await viaA<{ agent: AgentJson }>("POST", `/api/v1/agents/${id}/stop`);
    expect(stopped.status, JSON.stringify(stopped.body)).toBe(200);
    expect(stopped.body.agent).toMatchObject({ phase: "stopped", ports: {} });
    // Restarting an agent at rest is a start (nothing to stop).
    const restarted = await viaA<{ agent: AgentJson }>("POST", `/api/v1/agents/${id}/restart`);
    expect(restarted.status, JSON.stringify(restarted.body)).toBe(200);
    expect(restarted.body.agent.phase).toBe("running");

    const intents = (
      await pool.query(
        `SELECT op, state::text AS state, attempts, "claimedBy" FROM broker_dispatches WHERE "agentId" = $1 ORDER BY "createdAt"`,
        [id],
      )
    ).rows;
    expect(intents.map((i) => `${i.op}:${i.state}:${i.attempts}`)).toEqual([
      "agent.start:done:1",
      "agent.stop:done:1",
      "agent.start:done:1",
    ]);
    const replicaB = (await pool.query(`SELECT id FROM hub_replicas WHERE "internalUrl" = $1`, [b.url])).rows[0]?.id;
    expect(new Set(intents.map((i) => i.claimedBy))).toEqual(new Set([replicaB]));
  });

  it("a terminal opened through A is relayed to B, which holds the broker: keystrokes, output and resize", async () => {
    const created = await api(a.url)<AgentJson>("POST", "/api/v1/agents", {
      projectId,
      name: "remote-shell",
      harness: "generic",
      command: "exec bash --norc -i",
      start: true,
    });
    expect(created.body.phase).toBe("running");
    const { ws, output } = await openTerminalOnA(created.body.id, "?cols=100&rows=30");
    ws.send(Buffer.from("echo relayed-$((20+22))\r"), { binary: true });
    await until(() => output().includes("relayed-42"), "output relayed from B");
    ws.send(JSON.stringify({ type: "resize", cols: 120, rows: 41 }));
    const width = () =>
      spawnSync("tmux", [
        ...tmuxOf(created.body.id),
        "display-message",
        "-p",
        "-t",
        `=scion-${created.body.id}:`,
        "#{window_width}",
      ])
        .stdout.toString()
        .trim();
    await until(() => width() === "120", "the resize to reach the session");
    const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
    ws.close(1000);
    expect(await closed).toBe(1000);
    // Another member cannot open it through either replica.
    const other = await new Promise<number>((resolve) => {
      const sock = new WebSocket(`${a.url.replace("http", "ws")}/api/v1/agents/${created.body.id}/pty`, {
        headers: { "x-scion-replica-identity": "forged.value.123.sig" },
      });
      sock.once("unexpected-response", (_q, res) => resolve(res.statusCode ?? 0));
      sock.once("open", () => resolve(101));
    });
    expect(other).toBe(401);
  });

  it("a broker behind a load balancer: a terminal tunnel landing on the replica without its channel is passed on to the one with it", async () => {
    // A round-robin TCP balancer in front of A and B, the only hub URL of a second broker: its
    // channel lands on one replica and its terminals' tunnels on each in turn.
    const landed: string[] = [];
    let next = 0;
    const balancer = net.createServer((client) => {
      const target = [a, b][next++ % 2]!;
      landed.push(target === a ? "A" : "B");
      const upstream = net.connect(Number(new URL(target.url).port), "127.0.0.1");
      client.pipe(upstream).pipe(client);
      client.on("error", () => upstream.destroy());
      upstream.on("error", () => client.destroy());
    });
    await new Promise<void>((resolve) => balancer.listen(0, "127.0.0.1", resolve));
    const reg = await api(a.url)<{ joinToken: string; broker: { id: string } }>("POST", "/api/v1/runtime-brokers", {
      name: "balanced",
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-rep-balanced-"));
    const balanced = spawn(process.execPath, ["--import", "tsx", "broker/main.ts"], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: "production",
        SCION_HUB_URLS: `http://127.0.0.1:${(balancer.address() as net.AddressInfo).port}`,
        SCION_JOIN_TOKEN: reg.body.joinToken,
        SCION_DATA_DIR: dir,
        SCION_LOG_LEVEL: "warn",
        SCION_PORT_RANGE: "41200-41300",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      await until(
        async () =>
          (await pool.query(`SELECT status FROM runtime_brokers WHERE id = $1`, [reg.body.broker.id])).rows[0]
            ?.status === "online",
        "the balanced broker online",
        30_000,
      );
      const created = await api(a.url)<AgentJson>("POST", "/api/v1/agents", {
        projectId,
        name: "balanced-shell",
        harness: "generic",
        command: "exec bash --norc -i",
        brokerId: reg.body.broker.id,
        start: true,
      });
      expect(created.body.phase).toBe("running");
      const before = landed.length;
      // Two terminals one after the other: their tunnels are two connections in a row, one to each replica.
      for (const word of ["first", "second"]) {
        const { ws, output } = await openTerminalOnA(created.body.id);
        ws.send(Buffer.from(`echo ${word}-$((40+2))\r`), { binary: true });
        await until(() => output().includes(`${word}-42`), `the ${word} terminal's output`);
        const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
        ws.close(1000);
        expect(await closed).toBe(1000);
      }
      expect(new Set(landed.slice(before))).toEqual(new Set(["A", "B"]));
    } finally {
      balanced.kill("SIGTERM");
      balancer.close();
      await new Promise((r) => balanced.once("exit", r));
      reapAgentsUnder(dir);
    }
  });

  it("killing both replicas' listener connections (pg_terminate_backend) loses no call and no message", async () => {
    const viaA = api(a.url);
    const created = await viaA<AgentJson>("POST", "/api/v1/agents", {
      projectId,
      name: "unshaken",
      harness: "generic",
      command: "exec cat",
      start: true,
    });
    expect(created.body.phase).toBe("running");
    for (let round = 0; round < 3; round++) {
      const killed = await pool.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'scion-hub-listener' AND datname = current_database()`,
      );
      expect(killed.rowCount).toBe(2);
      // Straight after the kill: B may not hear the NOTIFY, but its resync sweep and A's polling of the intent row do.
      const reset = await viaA<{ ok: boolean }>("POST", `/api/v1/agents/${created.body.id}/reset-auth`);
      expect(reset.body.ok).toBe(true);
      const message = await viaA<{ id: string }>("POST", `/api/v1/agents/${created.body.id}/messages`, {
        body: `after kill ${round}`,
      });
      expect(message.status).toBe(202);
      await until(
        async () =>
          (await pool.query(`SELECT "dispatchState" FROM messages WHERE id = $1`, [message.body.id])).rows[0]
            ?.dispatchState === "dispatched",
        `message ${round} dispatched`,
        30_000,
      );
    }
    await until(() => screen(created.body.id).includes("after kill 2"), "the last message on screen");
  });

  it("an SSE client on A sees what B causes", async () => {
    const stream = await openEventStream(`${a.url}/api/v1/events?sub=agent.>`, { authorization: `Bearer ${token}` });
    try {
      const created = await api(b.url)<AgentJson>("POST", "/api/v1/agents", { projectId, name: "seen-from-a" });
      const seen = await stream.next(
        (e) => e.event === "update" && (e.data as { subject: string }).subject === `agent.${created.body.id}.created`,
      );
      expect((seen.data as { data: { name: string } }).data.name).toBe("seen-from-a");
    } finally {
      stream.close();
    }
  });

  it("the screen, the logs (tail and follow) and a bulk stop asked of A reach the broker through B", async () => {
    const viaA = api(a.url);
    const created = await viaA<AgentJson>("POST", "/api/v1/agents", {
      projectId,
      name: "looked-at",
      harness: "generic",
      command: "PS1='$ ' exec bash --norc --noprofile -i",
      start: true,
    });
    expect(created.body.phase).toBe("running");
    const id = created.body.id;
    // Through A a message is accepted (202) and typed by B.
    expect((await viaA("POST", `/api/v1/agents/${id}/messages`, { body: "echo far-$((20+1))" })).status).toBe(202);
    const shown = await until(async () => {
      const r = await viaA<{ text: string; cols: number }>("GET", `/api/v1/agents/${id}/screen`);
      return r.status === 200 && r.body.text.includes("far-21") ? r.body : undefined;
    }, "the screen through B");
    expect(shown.cols).toBe(200);
    await until(async () => {
      const r = await viaA<{ text: string }>("GET", `/api/v1/agents/${id}/logs?tail=20`);
      return r.status === 200 && r.body.text.includes("far-21");
    }, "the logs through B");

    const follow = await openEventStream(`${a.url}/api/v1/agents/${id}/logs?follow=true&tail=5`, {
      authorization: `Bearer ${token}`,
    });
    try {
      expect(follow.res.status).toBe(200);
      await viaA("POST", `/api/v1/agents/${id}/messages`, { body: "echo later-$((30+2))" });
      const line = await follow.next(
        (e) => e.event === "line" && (e.data as { text: string }).text === "later-32",
        15_000,
      );
      expect(line.data).toEqual({ source: "harness", text: "later-32" });
    } finally {
      follow.close();
    }

    const stopped = await viaA<{ results: Array<{ agentId: string; ok: boolean }> }>("POST", "/api/v1/agents/bulk", {
      action: "stop",
      ids: [id],
    });
    expect(stopped.body.results).toEqual([expect.objectContaining({ agentId: id, ok: true })]);
    expect((await viaA<AgentJson>("GET", `/api/v1/agents/${id}`)).body.phase).toBe("stopped");
    // A holds no broker, so every look went through an intent that B ran; a read leaves none behind.
    const { rows } = await pool.query<{ op: string }>(
      `SELECT op FROM broker_dispatches WHERE "agentId" = $1 AND op IN ('agent.screen', 'agent.logs')`,
      [id],
    );
    expect(rows).toEqual([]);
    const ran = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM broker_dispatches WHERE "agentId" = $1 AND op = 'agent.stop' AND state = 'done'`,
      [id],
    );
    expect(ran.rows[0]!.n).toBe(1);
  }, 90_000);

  it("an agent on a broker no replica holds answers 503 and writes nothing", async () => {
    await pool.query(`UPDATE runtime_brokers SET "lastHeartbeat" = now() - interval '10 minutes'`);
    try {
      const before = (await pool.query(`SELECT count(*)::int AS n FROM broker_dispatches`)).rows[0].n;
      const res = await api(a.url)("POST", "/api/v1/agents", { projectId, name: "nowhere", start: true });
      expect(res.status).toBe(503);
      expect((await pool.query(`SELECT count(*)::int AS n FROM broker_dispatches`)).rows[0].n).toBe(before);
    } finally {
      await pool.query(`UPDATE runtime_brokers SET "lastHeartbeat" = now()`);
    }
  });

  it("100 rapid reconnects alternating between the replicas end with the newest connection's replica as owner, online", async () => {
    const reg = await api(a.url)<{ joinToken: string; broker: { id: string } }>("POST", "/api/v1/runtime-brokers", {
      name: "flappy",
    });
    const joined = await fetch(`${a.url}/api/v1/runtime-brokers/join`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ joinToken: reg.body.joinToken, hostname: "flappy-host" }),
    });
    const { brokerId, secret } = (await joined.json()) as { brokerId: string; secret: string };
    const open = (base: string) =>
      new Promise<WebSocket>((resolve, reject) => {
        const url = new URL(CHANNEL_PATH, base);
        const headers = signBrokerRequest({ method: "GET", path: url.pathname, query: "" }, brokerId, secret);
        url.protocol = "ws:";
        const ws = new WebSocket(url, { headers });
        ws.once("open", () => resolve(ws));
        ws.once("unexpected-response", (_q, res) => reject(new Error(`refused: ${res.statusCode}`)));
        ws.once("error", reject);
      });
    let previous: WebSocket | undefined;
    let last = "";
    for (let i = 0; i < 100; i++) {
      last = i % 2 === 0 ? a.url : b.url;
      const ws = await open(last);
      // The old socket goes away only after the new one is up, sometimes abruptly: its late
      // disconnect must not take the broker offline or away from the newer session.
      if (i % 3 === 0) previous?.terminate();
      else previous?.close();
      previous = ws;
    }
    const owner = (await pool.query(`SELECT id FROM hub_replicas WHERE "internalUrl" = $1`, [last])).rows[0]!.id;
    await until(
      async () => {
        const row = (await pool.query(`SELECT status, "connectedHubId" FROM runtime_brokers WHERE id = $1`, [brokerId]))
          .rows[0];
        return row.status === "online" && row.connectedHubId === owner;
      },
      "the last connection's replica to own the broker",
      10_000,
    );
    // And it stays that way once every late disconnect has been processed.
    await new Promise((r) => setTimeout(r, 1000));
    expect(
      (await pool.query(`SELECT status, "connectedHubId" FROM runtime_brokers WHERE id = $1`, [brokerId])).rows[0],
    ).toEqual({ status: "online", connectedHubId: owner });
    previous?.close();
    await until(
      async () =>
        (await pool.query(`SELECT status FROM runtime_brokers WHERE id = $1`, [brokerId])).rows[0].status === "offline",
      "offline after the last disconnect",
    );
  });
});
