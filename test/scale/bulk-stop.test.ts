import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalRuntime } from "../../broker/runtimes/local-runtime";
import type { BulkSummary } from "../../lib/agents/bulk-agents";
import type { AgentJson } from "../../lib/agents/schemas";
import { startTestHub, type TestHub, type TestUser } from "../start-test-hub";
import { until } from "../until";

/**
 * Issue 14's figure: one bulk stop of 50 running agents (each a tmux session under the shim, on
 * the hub's local broker), with the time it takes. Every agent stops, none is left running.
 */
const COUNT = 50;
let t: TestHub;
let alice: TestUser;
let projectId: string;

beforeAll(async () => {
  t = await startTestHub(
    { SCION_LOCAL_BROKER: "true", SCION_RATE_LIMIT_AGENT_CREATIONS_PER_MINUTE: "1000" },
    { localBroker: true },
  );
  alice = await t.createUser();
  projectId = (
    (await (await alice.request("/api/v1/projects", { method: "POST", json: { name: "fifty" } })).json()) as {
      id: string;
    }
  ).id;
  await until(
    async () => (await t.hub.runtime.prisma.runtimeBroker.count({ where: { status: "online" } })) > 0,
    "the local broker",
    60_000,
  );
}, 120_000);
afterAll(async () => {
  await t?.close();
});

describe("bulk stop at scale", () => {
  it(`stops ${COUNT} running agents in one call`, async () => {
    const agents: AgentJson[] = [];
    for (let i = 0; i < COUNT; i += 10) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(10, COUNT - i) }, async (_, j) => {
          const res = await alice.request("/api/v1/agents", {
            method: "POST",
            json: { projectId, name: `fleet-${i + j}`, harness: "generic", command: "exec cat", start: true },
          });
          return (await res.json()) as AgentJson;
        }),
      );
      agents.push(...batch);
    }
    expect(agents.map((a) => a.phase)).toEqual(Array(COUNT).fill("running"));
    const runtime = new LocalRuntime(path.join(t.dataDir, "broker"));
    const ids = agents.map((a) => a.id);
    expect((await runtime.listRunning()).filter((id) => ids.includes(id))).toHaveLength(COUNT);

    const started = performance.now();
    const res = await alice.request("/api/v1/agents/bulk", { method: "POST", json: { action: "stop", ids } });
    const seconds = (performance.now() - started) / 1000;
    const body = (await res.json()) as BulkSummary;
    expect([res.status, body.total, body.succeeded, body.failed]).toEqual([200, COUNT, COUNT, 0]);
    expect(body.results.filter((r) => r.pending)).toEqual([]);
    expect(await t.hub.runtime.prisma.agent.count({ where: { id: { in: ids }, phase: "stopped" } })).toBe(COUNT);
    expect((await runtime.listRunning()).filter((id) => ids.includes(id))).toEqual([]);
    console.log(`bulk stop of ${COUNT} agents: ${seconds.toFixed(1)} s (8 at a time)`);
  }, 600_000);
});
