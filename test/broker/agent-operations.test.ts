import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAgentOperations } from "../../broker/agent-operations";
import type { ControlChannelClient } from "../../broker/control-channel-client";
import { PortPool } from "../../broker/port-pool";
import { LocalRuntime } from "../../broker/runtimes/local-runtime";
import { callBroker } from "../../lib/brokers/channel/call-broker";
import { loadConfig } from "../../lib/config/load-config";
import { findFreePort } from "../../lib/db/embedded-postgres";
import { startHub, type Hub } from "../../lib/server/start-hub";
import { captureLogger } from "../silent-logger";
import { connectChannelBroker } from "../support/channel-broker";
import { createTestDatabase, type TestDatabase } from "../test-database";

let db: TestDatabase;
let hub: Hub;
let client: ControlChannelClient;
let runtime: LocalRuntime;
let brokerId: string;
let basePort: number;
let brokerDir: string;

function operations() {
  const ports = new PortPool({
    range: `${basePort}-${basePort + 4}`,
    portsPerAgent: 2,
    hostUrl: "http://broker.example",
  });
  return createAgentOperations({ runtime, ports, dataDir: brokerDir, logger: captureLogger().logger });
}

beforeEach(async () => {
  db = await createTestDatabase();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-ops-hub-"));
  hub = await startHub({
    config: loadConfig({ env: { DATABASE_URL: db.url, PORT: "0", SCION_DATA_DIR: dataDir }, cwd: dataDir }),
    logger: captureLogger().logger,
  });
  const admin = await hub.runtime.prisma.user.create({ data: { email: "ops@example.com", role: "admin" } });
  brokerDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-ops-broker-"));
  runtime = new LocalRuntime(brokerDir);
  basePort = 40000 + Math.floor(Math.random() * 20000);
  const ops = operations();
  ({ brokerId, client } = await connectChannelBroker(hub, {
    admin,
    name: "ops",
    capabilities: { runtimes: ["local"], harnesses: ["shell"] },
    heartbeat: ops.heartbeat,
    onRequest: ops.handle,
    backoffBaseMs: 50,
  }));
});
afterEach(async () => {
  for (const id of await runtime.listRunning()) await runtime.stop(id);
  await client.stop();
  await hub.close();
  await db.drop();
});

const call = (op: string, args: unknown) => callBroker(hub.runtime, brokerId, op, args);

async function screenOf(agentId: string, needle: string): Promise<string> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const screen = await runtime.capture(agentId);
    if (screen.includes(needle) || Date.now() > deadline) return screen;
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("broker agent operations over the control channel", () => {
  it("starts an agent with its ports in the environment, types a message, stops it and frees the ports", async () => {
    const agentId = crypto.randomUUID();
    const started = (await call("agent.start", {
      agentId,
      harness: "generic",
      command: "echo ports=$AVAILABLE_LOCALHOST_PORT_A,$AVAILABLE_LOCALHOST_PORT_B url=$AVAILABLE_LOCALHOST_URL_A; cat",
      env: { GREETING: "hi" },
    })) as { ports: Record<string, number>; urls: Record<string, string> };
    expect(Object.keys(started.ports)).toEqual(["A", "B"]);
    expect(started.urls.A).toBe(`http://broker.example:${started.ports.A}`);
    expect(await screenOf(agentId, "ports=")).toContain(
      `ports=${started.ports.A},${started.ports.B} url=http://broker.example:${started.ports.A}`,
    );

    expect(await call("agent.message", { agentId, text: "please summarise the repo" })).toEqual({ delivered: true });
    expect(await screenOf(agentId, "please summarise the repo")).toContain("please summarise the repo");

    await call("agent.stop", { agentId });
    expect(await runtime.isRunning(agentId)).toBe(false);
    await expect(call("agent.message", { agentId, text: "anyone?" })).rejects.toThrow("the agent is not running");
    const again = (await call("agent.start", { agentId, harness: "generic", command: "sleep 60", env: {} })) as {
      ports: Record<string, number>;
    };
    expect(again.ports).toEqual(started.ports);
  });

  it("exhausting the pool fails that start cleanly: no session, no ports held", async () => {
    const ids = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    await call("agent.start", { agentId: ids[0], harness: "generic", command: "sleep 60", env: {} });
    await call("agent.start", { agentId: ids[1], harness: "generic", command: "sleep 60", env: {} });
    await expect(
      call("agent.start", { agentId: ids[2], harness: "generic", command: "sleep 60", env: {} }),
    ).rejects.toThrow(/no 2 free ports left/);
    expect(await runtime.isRunning(ids[2]!)).toBe(false);
    await call("agent.delete", { agentId: ids[0] });
    await expect(
      call("agent.start", { agentId: ids[2], harness: "generic", command: "sleep 60", env: {} }),
    ).resolves.toMatchObject({ ports: { A: expect.any(Number) } });
  });

  it("a broker restart keeps the ports of agents that are still running", async () => {
    const survivor = crypto.randomUUID();
    const held = (await call("agent.start", {
      agentId: survivor,
      harness: "generic",
      command: "sleep 60",
      env: {},
    })) as { ports: Record<string, number> };
    const restarted = operations();
    await restarted.restore();
    const newcomer = (await restarted.handle("agent.start", {
      agentId: crypto.randomUUID(),
      harness: "generic",
      command: "sleep 60",
      env: {},
    })) as { ports: Record<string, number> };
    expect(Object.values(newcomer.ports).some((p) => Object.values(held.ports).includes(p))).toBe(false);
    expect((await restarted.heartbeat()).agents).toContain(survivor);
  });

  it("a harness that exits by itself gives its ports back at the next heartbeat; a start in flight keeps its own", async () => {
    const ops = operations();
    const quitter = crypto.randomUUID();
    const held = (await ops.handle("agent.start", { agentId: quitter, harness: "generic", command: "exit 0" })) as {
      ports: Record<string, number>;
    };
    expect(Object.keys(held.ports)).toHaveLength(2);
    const deadline = Date.now() + 5000;
    while ((await runtime.isRunning(quitter)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(await runtime.isRunning(quitter)).toBe(false);
    const survivor = crypto.randomUUID();
    await ops.handle("agent.start", { agentId: survivor, harness: "generic", command: "sleep 60" });
    expect((await ops.heartbeat()).agents).toEqual([survivor]);
    const saved = JSON.parse(fs.readFileSync(path.join(brokerDir, "ports.json"), "utf8")) as Record<string, number[]>;
    expect(Object.keys(saved)).toEqual([survivor]);
    // The freed ports are the lowest again.
    const next = (await ops.handle("agent.start", {
      agentId: crypto.randomUUID(),
      harness: "generic",
      command: "sleep 60",
    })) as { ports: Record<string, number> };
    expect(next.ports).toEqual(held.ports);
  });

  it("refuses malformed requests without touching tmux", async () => {
    await expect(call("agent.start", { agentId: "not-a-uuid", harness: "generic", command: "true" })).rejects.toThrow(
      /agentId/,
    );
    await expect(call("agent.reboot-everything", {})).rejects.toThrow("does not handle agent.reboot-everything");
    expect(await runtime.listRunning()).toEqual([]);
  });
});
