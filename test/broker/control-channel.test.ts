import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ControlChannelClient } from "../../broker/control-channel-client";
import { callBroker } from "../../lib/brokers/channel/call-broker";
import { joinBroker } from "../../lib/brokers/join-broker";
import { registerBroker } from "../../lib/brokers/register-broker";
import { loadConfig } from "../../lib/config/load-config";
import { findFreePort } from "../../lib/db/embedded-postgres";
import { startHub, type Hub } from "../../lib/server/start-hub";
import { captureLogger } from "../silent-logger";
import { createTestDatabase, type TestDatabase } from "../test-database";
import { until } from "../until";

let db: TestDatabase;
let hub: Hub;
let port: number;
let dataDir: string;
const clients: ControlChannelClient[] = [];

async function start(): Promise<Hub> {
  const config = loadConfig({
    env: {
      DATABASE_URL: db.url,
      PORT: String(port),
      SCION_DATA_DIR: dataDir,
      SESSION_SECRET: "channel-secret-".padEnd(48, "z"),
    },
    cwd: dataDir,
  });
  return startHub({ config, logger: captureLogger().logger });
}

beforeEach(async () => {
  db = await createTestDatabase();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-channel-"));
  port = await findFreePort();
  hub = await start();
});
afterEach(async () => {
  for (const unsubscribe of unsubscribes.splice(0)) unsubscribe();
  await Promise.all(clients.splice(0).map((c) => c.stop()));
  await hub.close();
  await db.drop();
});

async function joinedBroker(name = "b") {
  const admin = await hub.runtime.prisma.user.create({
    data: { email: `${name}-${Date.now()}@example.com`, role: "admin" },
  });
  const reg = await registerBroker(hub.runtime.prisma, admin, `${name}-${Math.random().toString(36).slice(2, 7)}`);
  return joinBroker(hub.runtime.prisma, hub.runtime.sessionSecret, {
    joinToken: reg.joinToken,
    hostname: "test-host",
    capabilities: { runtimes: ["local"], harnesses: ["shell"] },
  });
}

function client(
  brokerId: string,
  secret: string,
  handlers: Record<string, (args: unknown) => Promise<unknown>> = {},
  extra: Partial<ConstructorParameters<typeof ControlChannelClient>[0]> = {},
) {
  const c = new ControlChannelClient({
    hubUrls: [hub.url],
    brokerId,
    secret,
    logger: captureLogger().logger,
    heartbeat: () => ({ agents: [] }),
    backoffBaseMs: 50,
    backoffMaxMs: 200,
    onRequest: async (op, args) => {
      const h = handlers[op];
      if (!h) throw new Error(`unknown op ${op}`);
      return h(args);
    },
    ...extra,
  });
  clients.push(c);
  c.start();
  return c;
}

/**
 * A database slow to write a broker's claim (the replica's pool busy, a lock): the claim statement
 * waits `ms` before it is sent. Returns the undo.
 */
function slowClaims(ms: number): () => void {
  const pool = hub.runtime.db.pool;
  const original = pool.query;
  const delayed = async (...args: unknown[]) => {
    if (typeof args[0] === "string" && args[0].includes(`"connectedSessionId" = $3`))
      await new Promise((r) => setTimeout(r, ms));
    return (original as (...a: unknown[]) => Promise<unknown>).apply(pool, args);
  };
  pool.query = delayed as typeof pool.query;
  return () => {
    pool.query = original;
  };
}

/** The broker's status events as this replica publishes them, in order. */
async function subscribeBrokerStatus(brokerId: string): Promise<string[]> {
  const seen: string[] = [];
  const unsubscribe = hub.runtime.events.subscribe([`broker.${brokerId}.status`], (d) => {
    if (d.kind === "event") seen.push(String((d.event.data as { status?: unknown }).status));
  });
  unsubscribes.push(unsubscribe);
  return seen;
}
const unsubscribes: Array<() => void> = [];

const brokerRow = (id: string) => hub.runtime.prisma.runtimeBroker.findUniqueOrThrow({ where: { id } });

describe("broker control channel", () => {
  it("a joined broker connects, is online and claimed by this replica, and answers requests", async () => {
    const { brokerId, secret } = await joinedBroker();
    const c = client(brokerId, secret, { ping: async () => ({ pong: true }) });
    await c.waitConnected();
    await until(async () => (await brokerRow(brokerId)).status === "online");
    const row = await brokerRow(brokerId);
    expect(row).toMatchObject({ status: "online", connectedHubId: hub.runtime.hubId });
    expect(await callBroker(hub.runtime, brokerId, "ping", {})).toEqual({ pong: true });
    await expect(callBroker(hub.runtime, brokerId, "explode", {})).rejects.toMatchObject({
      code: "conflict",
      message: "unknown op explode",
    });
  });

  it("handles requests concurrently: a slow operation does not hold up a fast one", async () => {
    const { brokerId, secret } = await joinedBroker();
    const c = client(brokerId, secret, {
      slow: () => new Promise((r) => setTimeout(() => r("slow"), 500)),
      fast: async () => "fast",
    });
    await c.waitConnected();
    await until(() => hub.runtime.brokers.has(brokerId));
    const order: string[] = [];
    await Promise.all([
      callBroker(hub.runtime, brokerId, "slow", {}).then((v) => order.push(String(v))),
      callBroker(hub.runtime, brokerId, "fast", {}).then((v) => order.push(String(v))),
    ]);
    expect(order).toEqual(["fast", "slow"]);
  });

  it("splits and rejoins messages larger than a frame", async () => {
    const { brokerId, secret } = await joinedBroker();
    const c = client(brokerId, secret, { echo: async (args) => args });
    await c.waitConnected();
    await until(() => hub.runtime.brokers.has(brokerId));
    const big = { text: "x".repeat(3 * 1024 * 1024), n: 42 };
    expect(await callBroker(hub.runtime, brokerId, "echo", big)).toEqual(big);
  });

  it("refuses a broker with the wrong secret before the upgrade", async () => {
    const { brokerId } = await joinedBroker();
    const logger = captureLogger();
    const c = client(brokerId, "A".repeat(43), {}, { logger: logger.logger });
    await until(() => logger.lines().some((l) => l.msg === "the hub refused the control channel" && l.status === 401));
    expect(c.isConnected).toBe(false);
    expect((await brokerRow(brokerId)).status).toBe("offline");
  });

  it("a late disconnect of an old session leaves the newer connection online", async () => {
    const { brokerId, secret } = await joinedBroker();
    const first = client(brokerId, secret);
    await first.waitConnected();
    await until(async () => (await brokerRow(brokerId)).status === "online");
    const firstSession = (await brokerRow(brokerId)).connectedSessionId;
    const second = client(brokerId, secret);
    await second.waitConnected();
    await until(async () => (await brokerRow(brokerId)).connectedSessionId !== firstSession);
    await first.stop();
    await new Promise((r) => setTimeout(r, 300));
    const row = await brokerRow(brokerId);
    expect(row.status).toBe("online");
    expect(hub.runtime.brokers.get(brokerId)?.sessionId).toBe(row.connectedSessionId);
  });

  it("goes offline when the broker disconnects", async () => {
    const { brokerId, secret } = await joinedBroker();
    const c = client(brokerId, secret);
    await c.waitConnected();
    await until(async () => (await brokerRow(brokerId)).status === "online");
    await c.stop();
    await until(async () => (await brokerRow(brokerId)).status === "offline");
    expect((await brokerRow(brokerId)).connectedSessionId).toBeNull();
    expect(hub.runtime.brokers.has(brokerId)).toBe(false);
  });

  it("a broker that hangs up as soon as its channel opens ends offline, even when its claim is slow to commit", async () => {
    const { brokerId, secret } = await joinedBroker();
    const restore = slowClaims(400);
    try {
      const c = client(brokerId, secret);
      await c.waitConnected();
      await c.stop();
      await until(async () => (await brokerRow(brokerId)).status === "offline" && !hub.runtime.brokers.has(brokerId));
      // Once every write of that session has landed it is still offline: no claim outlives its channel.
      await new Promise((r) => setTimeout(r, 800));
      expect(await brokerRow(brokerId)).toMatchObject({
        status: "offline",
        connectedSessionId: null,
        connectedHubId: null,
      });
    } finally {
      restore();
    }
  });

  it("a heartbeat on the live channel claims the broker back when its record names another session", async () => {
    const { brokerId, secret } = await joinedBroker();
    const events = await subscribeBrokerStatus(brokerId);
    const c = client(brokerId, secret, { ping: async () => ({ pong: true }) }, { heartbeatMs: 150 });
    await c.waitConnected();
    await until(async () => (await brokerRow(brokerId)).status === "online");
    const live = hub.runtime.brokers.get(brokerId)!.sessionId;
    // What an older upgrade's late claim on another replica leaves: that replica named, a session no channel has.
    await hub.runtime.db.pool.query(
      `UPDATE runtime_brokers SET "connectedHubId" = gen_random_uuid(), "connectedSessionId" = 'late-claim', status = 'online' WHERE id = $1`,
      [brokerId],
    );
    await until(async () => (await brokerRow(brokerId)).connectedSessionId === live);
    expect(await brokerRow(brokerId)).toMatchObject({ status: "online", connectedHubId: hub.runtime.hubId });
    // And what the stale-broker sweep leaves (offline, no session) while the channel still heartbeats.
    await hub.runtime.db.pool.query(
      `UPDATE runtime_brokers SET "connectedHubId" = NULL, "connectedSessionId" = NULL, status = 'offline' WHERE id = $1`,
      [brokerId],
    );
    await until(async () => (await brokerRow(brokerId)).status === "online");
    expect(await brokerRow(brokerId)).toMatchObject({ connectedHubId: hub.runtime.hubId, connectedSessionId: live });
    expect(events.filter((s) => s === "online").length).toBeGreaterThanOrEqual(2);
    expect(await callBroker(hub.runtime, brokerId, "ping", {})).toEqual({ pong: true });
  });

  it("hub shutdown marks its brokers offline, and the broker reconnects by itself to the restarted hub", async () => {
    const { brokerId, secret } = await joinedBroker();
    let connects = 0;
    const c = client(brokerId, secret, {}, { onConnected: () => connects++ });
    await c.waitConnected();
    await until(async () => (await brokerRow(brokerId)).status === "online");

    await hub.close();
    const direct = new pg.Client({ connectionString: db.url });
    await direct.connect();
    const { rows } = await direct.query(`SELECT status, "connectedSessionId" FROM runtime_brokers WHERE id = $1`, [
      brokerId,
    ]);
    await direct.end();
    expect(rows).toEqual([{ status: "offline", connectedSessionId: null }]);

    hub = await start();
    await until(
      async () => connects === 2 && (await brokerRow(brokerId)).status === "online",
      "the broker back online after the hub restart",
      10_000,
    );
    expect(hub.runtime.brokers.has(brokerId)).toBe(true);
  });
});
