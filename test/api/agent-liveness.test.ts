import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintAgentToken } from "../../lib/auth/agent-token";
import { OFFLINE_AFTER_MS, STALLED_AFTER_MS, sweepAgentLiveness } from "../../lib/agents/sweep-agent-liveness";
import type { EventDelivery } from "../../lib/events/event-bus";
import { startTestHub, type TestHub } from "../start-test-hub";

let t: TestHub;
let projectId: string;

beforeAll(async () => {
  t = await startTestHub();
  projectId = (await t.hub.runtime.prisma.project.create({ data: { name: "quiet", slug: "quiet" } })).id;
});
afterAll(async () => {
  await t.close();
});

async function runningAgent(
  name: string,
  lastSeenAgoMs: number,
  activity: "idle" | "thinking",
  lastActivityAgoMs = lastSeenAgoMs,
) {
  const now = Date.now();
  return t.hub.runtime.prisma.agent.create({
    data: {
      name,
      slug: name,
      projectId,
      createdBy: "system",
      ownerId: "system",
      phase: "running",
      activity,
      lastSeen: new Date(now - lastSeenAgoMs),
      lastActivityAt: new Date(now - lastActivityAgoMs),
      startedAt: new Date(now - 3_600_000),
    },
  });
}

async function report(agent: { id: string; tokenVersion: number }, body: unknown) {
  const { token } = await mintAgentToken(t.hub.runtime.sessionSecret, agent);
  return fetch(`${t.url}/api/v1/agents/${agent.id}/status`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe("the liveness sweep", () => {
  it("marks a silent agent offline after 2 minutes and a busy agent with no activity stalled after 5; the agent's next report ends the mark", async () => {
    const silent = await runningAgent("silent", OFFLINE_AFTER_MS + 5000, "thinking");
    const fresh = await runningAgent("fresh", OFFLINE_AFTER_MS - 10_000, "idle");
    const stuck = await runningAgent("stuck", 5000, "thinking", STALLED_AFTER_MS + 5000);
    const idle = await runningAgent("idle", 5000, "idle", STALLED_AFTER_MS * 3);
    const deliveries: EventDelivery[] = [];
    const unsubscribe = t.hub.runtime.events.subscribe(["agent.*.status"], (d) => deliveries.push(d));

    expect(await sweepAgentLiveness(t.hub.runtime)).toEqual({ offline: 1, stalled: 1 });
    // A second sweep finds nothing new.
    expect(await sweepAgentLiveness(t.hub.runtime)).toEqual({ offline: 0, stalled: 0 });
    unsubscribe();
    const byId = async (id: string) => t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id } });
    expect(await byId(silent.id)).toMatchObject({
      activity: "offline",
      previousActivity: "thinking",
      phase: "running",
    });
    expect(await byId(stuck.id)).toMatchObject({ activity: "stalled", previousActivity: "thinking" });
    expect((await byId(fresh.id)).activity).toBe("idle");
    expect((await byId(idle.id)).activity).toBe("idle");
    expect(
      deliveries
        .map((d) =>
          d.kind === "event"
            ? `${(d.event.data as { name: string }).name}:${(d.event.data as { activity: string }).activity}`
            : d.kind,
        )
        .sort(),
    ).toEqual(["silent:offline", "stuck:stalled"]);

    // A heartbeat brings the offline agent back to what it was doing; only activity ends a stall.
    expect((await report(silent, { heartbeat: true })).status).toBe(200);
    expect(await byId(silent.id)).toMatchObject({ activity: "thinking", previousActivity: null });
    expect((await report(stuck, { heartbeat: true })).status).toBe(200);
    expect((await byId(stuck.id)).activity).toBe("stalled");
    expect((await report(stuck, { activity: "executing" })).status).toBe(200);
    expect(await byId(stuck.id)).toMatchObject({ activity: "executing", previousActivity: null });
    const history = await t.hub.runtime.prisma.agentStateChange.findMany({
      where: { agentId: silent.id },
      orderBy: { createdAt: "asc" },
    });
    expect(history.map((h) => `${h.actor}:${h.activity}`)).toEqual(["system:offline", `agent:${silent.id}:thinking`]);
  });

  it("runs as a background job that one replica at a time holds", async () => {
    const runtime = t.hub.runtime;
    // Another session holding the job's advisory lock makes this replica skip the tick.
    const holder = await runtime.db.pool.connect();
    try {
      await holder.query("SELECT pg_advisory_lock(72700001)");
      expect(await runtime.scheduler!.runNow("agent-liveness")).toBe(false);
      await holder.query("SELECT pg_advisory_unlock(72700001)");
      expect(await runtime.scheduler!.runNow("agent-liveness")).toBe(true);
    } finally {
      holder.release();
    }
  });
});
