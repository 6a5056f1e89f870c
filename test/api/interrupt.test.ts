import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ControlChannelClient } from "../../broker/control-channel-client";
import type { AgentJson } from "../../lib/agents/schemas";
import { mintAgentToken } from "../../lib/auth/agent-token";
import { startTestHub, type TestHub, type TestUser } from "../start-test-hub";
import { connectChannelBroker } from "../support/channel-broker";

/**
 * Interrupt, restart fresh and the start's model through a real hub and its control channel, to a
 * broker that records what reaches it: its `agent.start` reports the agent running with the token
 * it was given, as the shim would; `agent.interrupt` and `agent.message` are answered as the
 * broker's contract says (issue 11).
 */
let t: TestHub;
let alice: TestUser;
let bob: TestUser;
let admin: TestUser;
let projectId: string;
let brokerId: string;
let broker: ControlChannelClient;
let calls: Array<{ op: string; args: Record<string, unknown> }> = [];
/** Agents whose interrupt the broker refuses (a harness that is not there any more). */
const refuseInterrupt = new Set<string>();

const json = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as T;
type ErrorBody = { error: { code: string; message: string } };

async function onRequest(op: string, raw: unknown): Promise<unknown> {
  const args = raw as Record<string, unknown>;
  calls.push({ op, args });
  if (op === "agent.start") {
    const { agentId, token } = args as { agentId: string; token: string };
    setTimeout(() => {
      void fetch(`${t.url}/api/v1/agents/${agentId}/status`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ phase: "running", activity: "idle" }),
      });
    }, 20);
    return { ports: { A: 8000, B: 8001 }, urls: {} };
  }
  if (op === "agent.stop") return { stopped: true };
  if (op === "agent.interrupt") {
    if (refuseInterrupt.has(String(args.agentId)))
      throw Object.assign(new Error("the agent's session is gone"), { code: "conflict" });
    return { interrupted: true };
  }
  if (op === "agent.message") return { typed: true };
  throw new Error(`unknown op ${op}`);
}

beforeAll(async () => {
  t = await startTestHub();
  [alice, bob, admin] = await Promise.all([t.createUser(), t.createUser(), t.createUser({ role: "admin" })]);
  projectId = (
    await json<{ id: string }>(
      await alice.request("/api/v1/projects", { method: "POST", json: { name: "interrupts" } }),
    )
  ).id;
  ({ brokerId, client: broker } = await connectChannelBroker(t.hub, {
    admin: admin.user,
    name: "recording broker",
    hostname: "test-host",
    capabilities: { runtimes: ["local"], harnesses: ["shell", "generic"] },
    heartbeat: () => ({ agents: [] }),
    onRequest,
  }));
}, 120_000);
afterAll(async () => {
  await broker?.stop();
  await t?.close();
});
beforeEach(() => {
  calls = [];
});

async function create(name: string, body: Record<string, unknown> = {}, user = alice) {
  const res = await user.request("/api/v1/agents", { method: "POST", json: { projectId, name, brokerId, ...body } });
  return { status: res.status, agent: await json<AgentJson>(res) };
}
const post = (user: TestUser, path: string, body?: unknown) =>
  user.request(path, { method: "POST", ...(body !== undefined && { json: body }) });
const opsOf = (agentId: string) => calls.filter((c) => c.args.agentId === agentId).map((c) => c.op);
const startArgs = (agentId: string) =>
  calls.filter((c) => c.op === "agent.start" && c.args.agentId === agentId).map((c) => c.args);
const audits = (agentId: string, action: string) =>
  t.hub.runtime.prisma.auditEvent.findMany({ where: { targetId: agentId, action }, orderBy: { createdAt: "asc" } });

describe("POST /api/v1/agents/{id}/interrupt", () => {
  it("interrupts a running agent through its broker: {agentId, harness} reach the broker, 200 {agent}, an audit row", async () => {
    const { status, agent } = await create("busy", { harness: "shell", start: true });
    expect([status, agent.phase]).toEqual([201, "running"]);
    const res = await post(alice, `/api/v1/agents/${agent.id}/interrupt`);
    expect(res.status).toBe(200);
    const body = await json<{ agent: AgentJson }>(res);
    expect(body.agent).toMatchObject({ id: agent.id, phase: "running" });
    expect(calls.filter((c) => c.op === "agent.interrupt")).toEqual([
      { op: "agent.interrupt", args: { agentId: agent.id, harness: "shell" } },
    ]);
    const rows = await audits(agent.id, "agent.interrupt");
    expect(rows.map((r) => [r.principal, r.result])).toEqual([[`user:${alice.user.id}`, "ok"]]);
    // An admin may interrupt anyone's agent.
    expect((await post(admin, `/api/v1/agents/${agent.id}/interrupt`)).status).toBe(200);
    expect(calls.filter((c) => c.op === "agent.interrupt")).toHaveLength(2);
  });

  it("409 conflict when the agent is not running; nothing reaches the broker", async () => {
    const { agent } = await create("resting", { harness: "shell" });
    const res = await post(alice, `/api/v1/agents/${agent.id}/interrupt`);
    expect(res.status).toBe(409);
    expect((await json<ErrorBody>(res)).error).toMatchObject({
      code: "conflict",
      message: expect.stringContaining("only a running agent can be interrupted"),
    });
    expect(opsOf(agent.id)).toEqual([]);
    expect(await audits(agent.id, "agent.interrupt")).toEqual([]);
  });

  it("another member is told the agent does not exist (404, like stop); an agent token is refused (403)", async () => {
    const { agent } = await create("guarded", { harness: "shell", start: true });
    calls = [];
    const res = await post(bob, `/api/v1/agents/${agent.id}/interrupt`);
    expect(res.status).toBe(404);
    const row = await t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: agent.id } });
    const { token } = await mintAgentToken(t.hub.runtime.sessionSecret, row);
    const self = await fetch(`${t.url}/api/v1/agents/${agent.id}/interrupt`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(self.status).toBe(403);
    expect(opsOf(agent.id)).toEqual([]);
  });

  it("a broker that cannot interrupt: the caller gets its reason as 409", async () => {
    const { agent } = await create("gone", { harness: "shell", start: true });
    refuseInterrupt.add(agent.id);
    const res = await post(alice, `/api/v1/agents/${agent.id}/interrupt`);
    expect(res.status).toBe(409);
    expect((await json<ErrorBody>(res)).error.message).toContain("the agent's session is gone");
  });
});

describe("messages with interrupt: true", () => {
  it("interrupts first, then types the message (201); the audit row says so", async () => {
    const { agent } = await create("chatty", { harness: "shell", start: true });
    calls = [];
    const res = await post(alice, `/api/v1/agents/${agent.id}/messages`, {
      body: "stop that, do this",
      interrupt: true,
    });
    expect(res.status).toBe(201);
    expect(calls.map((c) => [c.op, c.args])).toEqual([
      ["agent.interrupt", { agentId: agent.id, harness: "shell" }],
      ["agent.message", { agentId: agent.id, text: "stop that, do this", harness: "shell" }],
    ]);
    const [row] = await audits(agent.id, "message.create");
    expect(row?.details).toMatchObject({ interrupted: true });
    // Without the flag, nothing is interrupted.
    calls = [];
    expect((await post(alice, `/api/v1/agents/${agent.id}/messages`, { body: "and then this" })).status).toBe(201);
    expect(calls.map((c) => c.op)).toEqual(["agent.message"]);
  });

  it("an interrupt that fails records no message; a stopped agent's message is queued with nothing to interrupt", async () => {
    const { agent } = await create("stubborn", { harness: "shell", start: true });
    refuseInterrupt.add(agent.id);
    const refused = await post(alice, `/api/v1/agents/${agent.id}/messages`, { body: "never typed", interrupt: true });
    expect(refused.status).toBe(409);
    expect(await t.hub.runtime.prisma.message.count({ where: { agentId: agent.id } })).toBe(0);
    expect(opsOf(agent.id)).not.toContain("agent.message");

    const { agent: resting } = await create("asleep", { harness: "shell" });
    const queued = await post(alice, `/api/v1/agents/${resting.id}/messages`, { body: "for later", interrupt: true });
    expect(queued.status).toBe(202);
    expect(opsOf(resting.id)).toEqual([]);
  });

  it("interrupt must be true when given", async () => {
    const { agent } = await create("strict", { harness: "shell" });
    const res = await post(alice, `/api/v1/agents/${agent.id}/messages`, { body: "x", interrupt: false });
    expect(res.status).toBe(400);
  });
});

describe("start arguments: model, resume, turn count", () => {
  it("create with model and limits: both round-trip in the agent's JSON and the model reaches the broker's start", async () => {
    const { status, agent } = await create("modelled", {
      harness: "shell",
      model: "claude-sonnet-4-5",
      limits: { maxTurns: 3, maxDurationMinutes: 20 },
      start: true,
    });
    expect(status).toBe(201);
    expect(agent).toMatchObject({
      model: "claude-sonnet-4-5",
      limits: { maxTurns: 3, maxDurationMinutes: 20 },
      turnCount: 0,
    });
    expect(await json<AgentJson>(await alice.request(`/api/v1/agents/${agent.id}`))).toMatchObject({
      model: "claude-sonnet-4-5",
      limits: { maxTurns: 3, maxDurationMinutes: 20 },
    });
    expect(startArgs(agent.id)).toEqual([
      expect.objectContaining({ harness: "shell", model: "claude-sonnet-4-5", resume: true }),
    ]);
    // Without a model the harness's default: null goes to the broker.
    const plain = await create("default-model", { harness: "shell", start: true });
    expect(plain.agent.model).toBeNull();
    expect(startArgs(plain.agent.id)).toEqual([expect.objectContaining({ model: null })]);
  });

  it("restart resumes the conversation; restart {fresh: true} starts a new one; each start counts turns from zero", async () => {
    const { agent } = await create("resumable", { harness: "shell", start: true });
    await t.hub.runtime.prisma.agent.update({ where: { id: agent.id }, data: { turnCount: 7 } });
    calls = [];
    const resumed = await post(alice, `/api/v1/agents/${agent.id}/restart`);
    expect(resumed.status).toBe(200);
    expect((await json<{ agent: AgentJson }>(resumed)).agent).toMatchObject({ phase: "running", turnCount: 0 });
    expect(opsOf(agent.id)).toEqual(["agent.stop", "agent.start"]);
    expect(startArgs(agent.id).map((a) => a.resume)).toEqual([true]);

    calls = [];
    const fresh = await post(alice, `/api/v1/agents/${agent.id}/restart`, { fresh: true });
    expect(fresh.status).toBe(200);
    expect(startArgs(agent.id).map((a) => a.resume)).toEqual([false]);
    const [, audit] = await audits(agent.id, "agent.restart");
    expect(audit?.details).toMatchObject({ fresh: true });

    // A plain start after a stop resumes too (the broker resumes only where a session exists).
    calls = [];
    expect((await post(alice, `/api/v1/agents/${agent.id}/stop`)).status).toBe(200);
    expect((await post(alice, `/api/v1/agents/${agent.id}/start`)).status).toBe(200);
    expect(startArgs(agent.id).map((a) => a.resume)).toEqual([true]);
  });

  it("restart refuses a body it does not know: 400 and the agent is untouched", async () => {
    const { agent } = await create("picky", { harness: "shell", start: true });
    calls = [];
    const res = await post(alice, `/api/v1/agents/${agent.id}/restart`, { fresh: "yes" });
    expect(res.status).toBe(400);
    expect((await json<ErrorBody>(res)).error.code).toBe("validation_error");
    expect(opsOf(agent.id)).toEqual([]);
  });
});
