import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintAgentToken } from "../../lib/auth/agent-token";
import { startTestHub, type TestHub, type TestUser } from "../start-test-hub";

let t: TestHub;
let alice: TestUser;
let projectId: string;

const json = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as T;

beforeAll(async () => {
  t = await startTestHub();
  alice = await t.createUser();
  projectId = (
    await json<{ id: string }>(await alice.request("/api/v1/projects", { method: "POST", json: { name: "status" } }))
  ).id;
});
afterAll(async () => {
  await t.close();
});

let counter = 0;
async function agentWithToken() {
  const agent = await json<{ id: string }>(
    await alice.request("/api/v1/agents", { method: "POST", json: { projectId, name: `a${++counter}` } }),
  );
  const row = await t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: agent.id } });
  const { token } = await mintAgentToken(t.hub.runtime.sessionSecret, row);
  const post = (body: unknown, as = token, id = agent.id) =>
    fetch(`${t.url}/api/v1/agents/${id}/status`, {
      method: "POST",
      headers: { authorization: `Bearer ${as}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  return { id: agent.id, token, post };
}

describe("POST /api/v1/agents/{id}/status", () => {
  it("moves the phase forward, bumps stateVersion, records history and sets lastSeen", async () => {
    const a = await agentWithToken();
    const res = await a.post({ phase: "provisioning", detail: "pulling image" });
    expect(res.status).toBe(200);
    const agent = await json<{ phase: string; detail: string; stateVersion: number; lastSeen: string }>(res);
    expect(agent).toMatchObject({ phase: "provisioning", detail: "pulling image", stateVersion: 1 });
    expect(Date.now() - new Date(agent.lastSeen).getTime()).toBeLessThan(10_000);
    const history = await t.hub.runtime.prisma.agentStateChange.findMany({
      where: { agentId: a.id },
      orderBy: { createdAt: "asc" },
    });
    expect(history.map((h) => [h.phase, h.actor])).toEqual([
      ["created", `user:${alice.user.id}`],
      ["provisioning", `agent:${a.id}`],
    ]);
  });

  it("refuses a phase moving backwards and changes nothing", async () => {
    const a = await agentWithToken();
    await a.post({ phase: "starting" });
    const res = await a.post({ phase: "cloning" });
    expect(res.status).toBe(409);
    expect(await json(res)).toEqual({
      error: { code: "conflict", message: "The phase may not move back from starting to cloning." },
    });
    const row = await t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: a.id } });
    expect([row.phase, row.stateVersion]).toEqual(["starting", 1]);
  });

  it("promotes to running when the agent reports work before running", async () => {
    const a = await agentWithToken();
    const agent = await json<{ phase: string; activity: string }>(await a.post({ activity: "thinking" }));
    expect(agent).toMatchObject({ phase: "running", activity: "thinking" });
  });

  it("a heartbeat only refreshes lastSeen", async () => {
    const a = await agentWithToken();
    await a.post({ phase: "running", activity: "idle" });
    const before = await t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: a.id } });
    const agent = await json<{ stateVersion: number; lastSeen: string }>(await a.post({ heartbeat: true }));
    expect(agent.stateVersion).toBe(before.stateVersion);
    expect(new Date(agent.lastSeen).getTime()).toBeGreaterThanOrEqual(before.lastSeen!.getTime());
  });

  it("a heartbeat with a superseded token is refused and writes nothing, also among current ones", async () => {
    const a = await agentWithToken();
    await a.post({ phase: "running", activity: "idle" });
    const long = new Date(Date.now() - 3_600_000);
    await t.hub.runtime.prisma.agent.update({
      where: { id: a.id },
      data: { lastSeen: long, tokenVersion: { increment: 1 } },
    });
    const stale = await Promise.all(Array.from({ length: 5 }, () => a.post({ heartbeat: true })));
    expect(stale.map((r) => r.status)).toEqual(Array(5).fill(401));
    expect(await json(stale[0]!)).toMatchObject({ error: { code: "unauthorized" } });
    const row = await t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: a.id } });
    expect(row.lastSeen).toEqual(long);

    // Both tokens at once, so they share statements: only the current one counts.
    const current = (await mintAgentToken(t.hub.runtime.sessionSecret, row)).token;
    const mixed = await Promise.all(
      Array.from({ length: 12 }, (_, i) => a.post({ heartbeat: true }, i % 2 ? current : a.token)),
    );
    expect(mixed.map((r) => r.status)).toEqual(Array.from({ length: 12 }, (_, i) => (i % 2 ? 200 : 401)));
    const after = await t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: a.id } });
    expect(Date.now() - after.lastSeen!.getTime()).toBeLessThan(60_000);
  });

  it("a change with a superseded token is refused and writes nothing, also among current ones", async () => {
    const a = await agentWithToken();
    await a.post({ phase: "running", activity: "idle" });
    await t.hub.runtime.prisma.agent.update({ where: { id: a.id }, data: { tokenVersion: { increment: 1 } } });
    const before = await t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: a.id } });
    const history = () => t.hub.runtime.prisma.agentStateChange.count({ where: { agentId: a.id } });
    const recorded = await history();
    const current = (await mintAgentToken(t.hub.runtime.sessionSecret, before)).token;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        a.post({ activity: "executing", detail: `${i % 2 ? "current" : "stale"} ${i}` }, i % 2 ? current : a.token),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array.from({ length: 10 }, (_, i) => (i % 2 ? 200 : 401)));
    const details = await t.hub.runtime.prisma.agentStateChange.findMany({
      where: { agentId: a.id, createdAt: { gt: before.updatedAt } },
      select: { detail: true },
    });
    expect(details.map((d) => d.detail).sort()).toEqual([
      "current 1",
      "current 3",
      "current 5",
      "current 7",
      "current 9",
    ]);
    expect(await history()).toBe(recorded + 5);
    expect((await t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: a.id } })).stateVersion).toBe(
      before.stateVersion + 5,
    );
  });

  it("a genuine token of an agent that was deleted is refused like a superseded one", async () => {
    const a = await agentWithToken();
    await t.hub.runtime.prisma.agent.delete({ where: { id: a.id } });
    for (const body of [{ heartbeat: true }, { activity: "thinking" }]) {
      const res = await a.post(body);
      expect(res.status).toBe(401);
      expect(await json(res)).toMatchObject({ error: { code: "unauthorized" } });
    }
  });

  it("says who may report before what was reported: 401 and 403 come before a bad body", async () => {
    const a = await agentWithToken();
    const statusOnly = await mintAgentToken(t.hub.runtime.sessionSecret, { id: a.id, tokenVersion: 0 }, 60_000, [
      "agent:token",
    ]);
    expect((await a.post({ heartbeat: true }, statusOnly.token)).status).toBe(403);
    expect((await a.post({ heartbeat: "yes" }, statusOnly.token)).status).toBe(403);
    expect((await a.post({ heartbeat: "yes" })).status).toBe(400);
    await t.hub.runtime.prisma.agent.update({ where: { id: a.id }, data: { tokenVersion: { increment: 1 } } });
    expect((await a.post({ heartbeat: "yes" })).status).toBe(401);
    expect((await a.post({ heartbeat: true })).status).toBe(401);
  });

  it("twenty concurrent changes each land exactly once", async () => {
    const a = await agentWithToken();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => a.post({ detail: `step ${i}` })));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    const row = await t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: a.id } });
    expect(row.stateVersion).toBe(20);
    expect(await t.hub.runtime.prisma.agentStateChange.count({ where: { agentId: a.id } })).toBe(21);
  });

  it.each([
    ["an activity only the hub sets", { activity: "stalled" }, 400],
    ["an unknown phase", { phase: "flying" }, 400],
    ["an empty body", {}, 400],
    ["an unknown field", { phase: "running", cpu: 99 }, 400],
  ])("%s is refused", async (_case, body, status) => {
    const a = await agentWithToken();
    expect((await a.post(body)).status).toBe(status);
  });

  it("only the agent's own token may report", async () => {
    const a = await agentWithToken();
    const b = await agentWithToken();
    expect((await a.post({ heartbeat: true }, b.token)).status).toBe(403);
    expect((await a.post({ heartbeat: true }, alice.token)).status).toBe(403);
    expect((await a.post({ heartbeat: true }, "scion_a_forged")).status).toBe(401);
    const none = await fetch(`${t.url}/api/v1/agents/${a.id}/status`, { method: "POST", body: "{}" });
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
  });

  it("token refresh gives a working token; bumping tokenVersion retires every old one", async () => {
    const a = await agentWithToken();
    const res = await fetch(`${t.url}/api/v1/agents/${a.id}/token/refresh`, {
      method: "POST",
      headers: { authorization: `Bearer ${a.token}` },
    });
    expect(res.status).toBe(200);
    const refreshed = await json<{ token: string; expiresAt: string; tokens: Array<{ type: string; token: string }> }>(
      res,
    );
    expect(refreshed.tokens).toEqual([
      { type: "scion_access", token: refreshed.token, expiresAt: refreshed.expiresAt },
    ]);
    const hours = (new Date(refreshed.expiresAt).getTime() - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(9.9);
    expect(hours).toBeLessThanOrEqual(10);
    expect((await a.post({ heartbeat: true }, refreshed.token)).status).toBe(200);

    await t.hub.runtime.prisma.agent.update({ where: { id: a.id }, data: { tokenVersion: { increment: 1 } } });
    expect((await a.post({ heartbeat: true }, refreshed.token)).status).toBe(401);
    expect((await a.post({ heartbeat: true }, a.token)).status).toBe(401);
  });
});
