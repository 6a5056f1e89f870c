import crypto from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ControlChannelClient } from "../../broker/control-channel-client";
import { RESET_AUTH_CHUNK, resetAgentsAuth } from "../../lib/agents/reset-agent-auth";
import { authenticateAgentToken } from "../../lib/auth/agent-token";
import { ChannelRequestError } from "../../lib/brokers/channel/channel-peer";
import { startTestHub, type TestHub, type TestUser } from "../start-test-hub";
import { connectChannelBroker } from "../support/channel-broker";

/**
 * Reset-auth-all sends a fleet in chunks: one statement revokes a chunk's tokens (with an audit
 * row per agent) and one `agent.reset-auth-many` call delivers the new ones. Through a real hub
 * and control channel to brokers that record what reaches them: a current one, and one that
 * predates the operation (it answers `unsupported`), which gets one `agent.reset-auth` per agent.
 */
let t: TestHub;
let admin: TestUser;
let projectId: string;
const brokers: ControlChannelClient[] = [];
let calls: Array<{ broker: string; op: string; args: Record<string, unknown> }> = [];
/** Agents the broker says are not running any more. */
const gone = new Set<string>();

function recorder(name: string, knowsMany: boolean) {
  const resetOne = (agentId: string) => {
    if (gone.has(agentId)) throw new ChannelRequestError("conflict", "the agent is not running");
    return { written: true, signalled: true };
  };
  return async (op: string, raw: unknown): Promise<unknown> => {
    const args = raw as Record<string, unknown>;
    calls.push({ broker: name, op, args });
    if (op === "agent.reset-auth-many") {
      if (!knowsMany) throw new ChannelRequestError("unsupported", `this broker does not handle ${op}`);
      const items = args.items as Array<{ agentId: string; token: string }>;
      return {
        results: items.map(({ agentId }) => {
          try {
            return { agentId, ok: true, ...resetOne(agentId) };
          } catch (err) {
            return { agentId, ok: false, error: (err as Error).message };
          }
        }),
      };
    }
    if (op === "agent.reset-auth") return resetOne(String(args.agentId));
    throw new ChannelRequestError("unsupported", `this broker does not handle ${op}`);
  };
}

/** A recording broker on the hub, connected; stopped after the file. */
async function connectRecorder(name: string, knowsMany: boolean): Promise<string> {
  const { brokerId, client } = await connectChannelBroker(t.hub, {
    admin: admin.user,
    name,
    capabilities: { runtimes: ["local"], harnesses: ["shell"] },
    heartbeat: () => ({ agents: [] }),
    onRequest: recorder(name, knowsMany),
  });
  brokers.push(client);
  return brokerId;
}

async function runningAgents(brokerId: string, count: number, prefix: string): Promise<string[]> {
  const ids = Array.from({ length: count }, () => crypto.randomUUID());
  await t.hub.runtime.prisma.agent.createMany({
    data: ids.map((id, i) => ({
      id,
      slug: `${prefix}-${i}`,
      name: `${prefix}-${i}`,
      projectId,
      brokerId,
      phase: "running" as const,
      activity: "idle" as const,
      createdBy: `user:${admin.user.id}`,
      ownerId: admin.user.id,
    })),
  });
  return ids;
}

beforeAll(async () => {
  t = await startTestHub();
  admin = await t.createUser({ role: "admin" });
  projectId = (
    (await (await admin.request("/api/v1/projects", { method: "POST", json: { name: "chunks" } })).json()) as {
      id: string;
    }
  ).id;
}, 120_000);
afterAll(async () => {
  for (const b of brokers) await b.stop();
  await t?.close();
});
beforeEach(() => {
  calls = [];
});

describe("reset-auth in chunks", () => {
  it("reset-auth-all: one statement and one broker call per chunk; every token revoked and reissued, audited; an older broker gets one call per agent", async () => {
    const currentId = await connectRecorder("current", true);
    const olderId = await connectRecorder("older", false);
    const many = await runningAgents(currentId, 2 * RESET_AUTH_CHUNK + 10, "fleet");
    const few = await runningAgents(olderId, 4, "legacy");
    gone.add(many[7]!);

    const res = await admin.request("/api/v1/admin/agents/reset-auth-all", { method: "POST" });
    expect(res.status).toBe(200);
    const summary = (await res.json()) as {
      total: number;
      succeeded: number;
      failed: number;
      results: Array<{ agentId: string; name: string; ok: boolean; signalled: boolean; error?: string }>;
    };
    const all = [...many, ...few];
    expect(summary).toMatchObject({ total: all.length, succeeded: all.length - 1, failed: 1 });
    expect(summary.results.map((r) => r.agentId).sort()).toEqual([...all].sort());
    expect(summary.results.find((r) => r.agentId === many[7])).toMatchObject({
      ok: false,
      name: "fleet-7",
      error: "the agent is not running",
    });
    expect(summary.results.filter((r) => r.ok).every((r) => r.signalled)).toBe(true);

    // The current broker got three calls (25, 25, 10 agents); the older one, after its refusal,
    // one call per agent.
    const currentCalls = calls.filter((c) => c.broker === "current");
    expect(currentCalls.map((c) => c.op)).toEqual(Array(3).fill("agent.reset-auth-many"));
    expect(currentCalls.map((c) => (c.args.items as unknown[]).length).sort()).toEqual([10, 25, 25]);
    const olderCalls = calls.filter((c) => c.broker === "older");
    expect(olderCalls.map((c) => c.op)).toEqual(["agent.reset-auth-many", ...Array(4).fill("agent.reset-auth")]);

    // Every agent's tokenVersion went up by one, the token delivered is valid for that version,
    // and each has one audit row.
    const delivered = new Map<string, string>();
    for (const c of calls) {
      if (c.op === "agent.reset-auth") delivered.set(String(c.args.agentId), String(c.args.token));
      if (c.op === "agent.reset-auth-many" && c.broker === "current")
        for (const item of c.args.items as Array<{ agentId: string; token: string }>)
          delivered.set(item.agentId, item.token);
    }
    expect([...delivered.keys()].sort()).toEqual([...all].sort());
    const rows = await t.hub.runtime.prisma.agent.findMany({ where: { id: { in: all } } });
    expect(rows.every((r) => r.tokenVersion === 1)).toBe(true);
    for (const [agentId, token] of delivered) {
      const authenticated = await authenticateAgentToken(t.hub.runtime.db.pool, t.hub.runtime.sessionSecret, token);
      expect(authenticated?.agentId).toBe(agentId);
    }
    const audits = await t.hub.runtime.prisma.auditEvent.findMany({
      where: { action: "agent.reset-auth", targetId: { in: all } },
    });
    expect(audits.map((a) => a.targetId).sort()).toEqual([...all].sort());
    expect(audits.every((a) => a.principal === `user:${admin.user.id}`)).toBe(true);
  });

  it("an agent that stopped before its chunk is not touched, and says so", async () => {
    const brokerId = await connectRecorder("current-2", true);
    const [running, stopped] = await runningAgents(brokerId, 2, "pair");
    await t.hub.runtime.prisma.agent.update({ where: { id: stopped }, data: { phase: "stopped" } });
    const results = await resetAgentsAuth(t.hub.runtime, brokerId, [running!, stopped!], "user:someone");
    expect(results).toEqual([
      { agentId: running, ok: true, signalled: true },
      {
        agentId: stopped,
        ok: false,
        signalled: false,
        error: "Reset auth needs a running agent; this one is no longer running.",
      },
    ]);
    expect((calls[0]!.args.items as Array<{ agentId: string }>).map((i) => i.agentId)).toEqual([running]);
    const after = await t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: stopped } });
    expect(after.tokenVersion).toBe(0);
  });
});
