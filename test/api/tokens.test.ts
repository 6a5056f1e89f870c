import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { decodeJwt } from "jose";
import { AGENT_SCOPES, mintAgentToken } from "../../lib/auth/agent-token";
import { spawnHub } from "../spawn-hub";
import { anonymous, startTestHub, type TestHub } from "../start-test-hub";

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "scion-replica-"));

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t.close();
});

describe("tokens and identity", () => {
  it("GET /api/v1/auth/me - describes the token's user", async () => {
    const alice = await t.createUser({ role: "member" });
    const res = await alice.request("/api/v1/auth/me");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      id: alice.user.id,
      email: alice.user.email,
      name: "Test member",
      role: "member",
      status: "active",
      kind: "user",
    });
  });

  it("GET /api/v1/auth/me - 401 with the envelope without credentials or with a bad token", async () => {
    const none = await anonymous(t)("/api/v1/auth/me");
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: { code: "unauthorized", message: "Sign in or send a token." } });
    const bad = await anonymous(t)("/api/v1/auth/me", { headers: { authorization: "Bearer scion_u_not.a.jwt" } });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({
      error: { code: "unauthorized", message: "The credentials are invalid or expired." },
    });
  });

  it("POST /api/v1/tokens - shows the token once; it works until revoked", async () => {
    const alice = await t.createUser();
    const created = await alice.request("/api/v1/tokens", {
      method: "POST",
      json: { name: "laptop", expiresInDays: 7 },
    });
    expect(created.status).toBe(201);
    const { token, id, expiresAt } = (await created.json()) as { token: string; id: string; expiresAt: string };
    expect(token).toMatch(/^scion_u_/);
    expect(new Date(expiresAt).getTime() - Date.now()).toBeGreaterThan(6.9 * 86_400_000);

    const listed = (await (await alice.request("/api/v1/tokens")).json()) as { items: Array<Record<string, unknown>> };
    const entry = listed.items.find((i) => i.id === id)!;
    expect(entry).toMatchObject({ name: "laptop", hint: `…${token.slice(-6)}` });
    expect(JSON.stringify(listed)).not.toContain(token);

    const me = await anonymous(t)("/api/v1/auth/me", { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);

    expect((await alice.request(`/api/v1/tokens/${id}`, { method: "DELETE" })).status).toBe(204);
    const after = await anonymous(t)("/api/v1/auth/me", { headers: { authorization: `Bearer ${token}` } });
    expect(after.status).toBe(401);
    const audit = await t.hub.runtime.prisma.auditEvent.findMany({
      where: { targetId: id },
      orderBy: { createdAt: "asc" },
    });
    expect(audit.map((a) => [a.action, a.principal])).toEqual([
      ["token.create", `user:${alice.user.id}`],
      ["token.revoke", `user:${alice.user.id}`],
    ]);
  });

  it("DELETE /api/v1/tokens/{id} - someone else's token is not found", async () => {
    const alice = await t.createUser();
    const bob = await t.createUser();
    const { id } = (await (await alice.request("/api/v1/tokens", { method: "POST", json: { name: "a" } })).json()) as {
      id: string;
    };
    const res = await bob.request(`/api/v1/tokens/${id}`, { method: "DELETE" });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: "not_found", message: "No such token." } });
  });

  it.each([
    ["malformed JSON", "{", 400, "validation_error"],
    ["a wrong type", JSON.stringify({ name: 5 }), 400, "validation_error"],
    ["an unknown field", JSON.stringify({ name: "x", scopes: ["all"] }), 400, "validation_error"],
    ["an expiry over a year", JSON.stringify({ name: "x", expiresInDays: 400 }), 400, "validation_error"],
    ["an oversize body", JSON.stringify({ name: "x".repeat(1024 * 1024 + 10) }), 413, "payload_too_large"],
  ])("POST /api/v1/tokens - %s is refused with a 4xx envelope", async (_case, body, status, code) => {
    const alice = await t.createUser();
    const res = await alice.request("/api/v1/tokens", {
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
  });

  it("tokens and session cookies minted by one replica verify on another with the same secret and fail with another", async () => {
    const alice = await t.createUser();
    const projectId = (
      (await (await alice.request("/api/v1/projects", { method: "POST", json: { name: "replicas" } })).json()) as {
        id: string;
      }
    ).id;
    const agent = await t.hub.runtime.prisma.agent.create({
      data: { slug: "r", name: "r", projectId, createdBy: `user:${alice.user.id}`, ownerId: `user:${alice.user.id}` },
    });
    const agentToken = (await mintAgentToken(t.hub.runtime.sessionSecret, agent)).token;
    const sessionCookie = (await fetch(`${t.url}/`, { headers: { accept: "text/html" } })).headers
      .get("set-cookie")!
      .split(";")[0]!;
    const same = spawnHub({
      DATABASE_URL: t.db.url,
      PORT: "0",
      SESSION_SECRET: "test-secret-".padEnd(48, "x"),
      SCION_DATA_DIR: tempDir(),
      SCION_LOCAL_BROKER: "false",
    });
    const other = spawnHub({
      DATABASE_URL: t.db.url,
      PORT: "0",
      SESSION_SECRET: "another-secret-".padEnd(48, "y"),
      SCION_DATA_DIR: tempDir(),
      SCION_LOCAL_BROKER: "false",
    });
    try {
      const [sameUrl, otherUrl] = await Promise.all([same.ready, other.ready]);
      for (const [headers, id] of [
        [{ authorization: `Bearer ${alice.token}` }, alice.user.id],
        [{ authorization: `Bearer ${agentToken}` }, agent.id],
        [{ cookie: sessionCookie }, undefined],
      ] as const) {
        const onSame = await fetch(`${sameUrl}/api/v1/auth/me`, { headers });
        expect(onSame.status).toBe(200);
        if (id) expect(((await onSame.json()) as { id: string }).id).toBe(id);
        expect((await fetch(`${otherUrl}/api/v1/auth/me`, { headers })).status).toBe(401);
      }
    } finally {
      same.child.kill("SIGTERM");
      other.child.kill("SIGTERM");
      await Promise.all([same.exited, other.exited]);
    }
  });

  describe("agent tokens", () => {
    const post = (pathname: string, token: string, body: unknown = {}) =>
      fetch(`${t.url}${pathname}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const refresh = (agentId: string, token: string) => post(`/api/v1/agents/${agentId}/token/refresh`, token);

    async function runningAgent(name: string) {
      const owner = await t.createUser();
      const project = (await (await owner.request("/api/v1/projects", { method: "POST", json: { name } })).json()) as {
        id: string;
      };
      const { prisma, sessionSecret } = t.hub.runtime;
      // Running without a broker: a stop then needs no broker to reach `stopped`.
      const agent = await prisma.agent.create({
        data: {
          slug: name,
          name,
          projectId: project.id,
          phase: "running",
          createdBy: `user:${owner.user.id}`,
          ownerId: `user:${owner.user.id}`,
        },
      });
      return { owner, project, agent, token: (await mintAgentToken(sessionSecret, agent)).token };
    }

    it("refresh is refused once the agent is stopped (its old tokens die: 401; a current one: 409) or deleted (401)", async () => {
      const { owner, agent, token } = await runningAgent("refresh-stop");
      expect((await refresh(agent.id, token)).status).toBe(200);
      expect((await owner.request(`/api/v1/agents/${agent.id}/stop`, { method: "POST" })).status).toBe(200);
      const { tokenVersion } = await t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: agent.id } });
      expect(tokenVersion).toBe(agent.tokenVersion + 1);
      const stale = await refresh(agent.id, token);
      expect([stale.status, await stale.json()]).toEqual([
        401,
        { error: { code: "unauthorized", message: "The credentials are invalid or expired." } },
      ]);
      // Even a token of the current version gets nothing new while the agent is stopped.
      const current = (await mintAgentToken(t.hub.runtime.sessionSecret, { id: agent.id, tokenVersion })).token;
      const refused = await refresh(agent.id, current);
      expect([refused.status, await refused.json()]).toEqual([
        409,
        { error: { code: "conflict", message: "The agent is stopped; it gets a new token when it starts again." } },
      ]);
      expect((await owner.request(`/api/v1/agents/${agent.id}`, { method: "DELETE" })).status).toBe(204);
      expect((await refresh(agent.id, current)).status).toBe(401);
    });

    it("scopes are enforced where a token is used, and a refresh never widens them", async () => {
      const { project, agent } = await runningAgent("scoped");
      const { sessionSecret } = t.hub.runtime;
      expect(decodeJwt((await mintAgentToken(sessionSecret, agent)).token.slice("scion_a_".length)).scope).toEqual([
        ...AGENT_SCOPES,
      ]);
      await expect(mintAgentToken(sessionSecret, agent, undefined, ["agent:status", "admin"])).rejects.toThrow(
        "agent token scopes must be a non-empty subset",
      );
      await expect(mintAgentToken(sessionSecret, agent, undefined, [])).rejects.toThrow(
        "agent token scopes must be a non-empty subset",
      );

      const statusOnly = (await mintAgentToken(sessionSecret, agent, undefined, ["agent:status"])).token;
      expect((await post(`/api/v1/agents/${agent.id}/status`, statusOnly, { heartbeat: true })).status).toBe(200);
      for (const [res, scope] of [
        [await refresh(agent.id, statusOnly), "agent:token"],
        [await post("/api/v1/agents", statusOnly, { projectId: project.id, name: "sub" }), "agent:create"],
        [
          await fetch(`${t.url}/api/v1/agents/${agent.id}/messages`, {
            headers: { authorization: `Bearer ${statusOnly}` },
          }),
          "agent:messages",
        ],
      ] as const) {
        expect([res.status, await res.json()]).toEqual([
          403,
          { error: { code: "forbidden", message: `This agent token lacks the ${scope} scope.` } },
        ]);
      }
      const tokenOnly = (await mintAgentToken(sessionSecret, agent, undefined, ["agent:token"])).token;
      expect((await post(`/api/v1/agents/${agent.id}/status`, tokenOnly, { heartbeat: true })).status).toBe(403);
      const refreshed = (await (await refresh(agent.id, tokenOnly)).json()) as { token: string };
      expect(decodeJwt(refreshed.token.slice("scion_a_".length)).scope).toEqual(["agent:token"]);
      expect(await t.hub.runtime.prisma.agent.count({ where: { projectId: project.id, slug: "sub" } })).toBe(0);
    });
  });
});
