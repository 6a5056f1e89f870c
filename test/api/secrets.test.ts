import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ControlChannelClient } from "../../broker/control-channel-client";
import { mintAgentToken } from "../../lib/auth/agent-token";
import type { AgentJson } from "../../lib/agents/schemas";
import type { EventDelivery } from "../../lib/events/event-bus";
import { resolveAgentCredentials } from "../../lib/secrets/resolve-agent-credentials";
import type { SecretJson } from "../../lib/secrets/schemas";
import { startTestHub, type TestHub, type TestUser } from "../start-test-hub";
import { connectChannelBroker } from "../support/channel-broker";

/**
 * The secret store through a real hub: create/replace/list/delete and who may do each per scope,
 * validation, precedence (user over project over hub) at start, the 422 that refuses a start
 * without credentials before anything changes, and the value reaching the broker's start request
 * and nothing else (responses, events, audit rows, logs, other database columns). The broker is a
 * stand-in on the real control channel that records what it is asked and reports the agent
 * running with the agent's own token, as the shim would.
 */
let t: TestHub;
let alice: TestUser;
let bob: TestUser;
let admin: TestUser;
let projectId: string;
let broker: ControlChannelClient;
const brokerCalls: Array<{ op: string; args: Record<string, unknown> }> = [];
const responses: string[] = [];
const deliveries: EventDelivery[] = [];
let unsubscribe: () => void;

const CLAUDE_MISSING =
  "Claude Code needs ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN or the file ~/.claude/.credentials.json.";

/** A request whose answer text is kept, so the last test can check no answer ever held a value. */
async function call<T = Record<string, unknown>>(
  user: TestUser,
  pathname: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<{ status: number; body: T; text: string }> {
  const res = await user.request(pathname, init);
  const text = await res.text();
  responses.push(text);
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T, text };
}

const put = (user: TestUser, body: Record<string, unknown>) =>
  call<SecretJson & { error?: { code: string; message: string } }>(user, "/api/v1/secrets", {
    method: "POST",
    json: body,
  });
const list = (user: TestUser, query: string) => call<{ items: SecretJson[] }>(user, `/api/v1/secrets?${query}`);
const remove = (user: TestUser, id: string) => call(user, `/api/v1/secrets/${id}`, { method: "DELETE" });
const value = (label: string) => `${label}-${crypto.randomBytes(16).toString("hex")}`;

beforeAll(async () => {
  t = await startTestHub();
  [alice, bob, admin] = await Promise.all([t.createUser(), t.createUser(), t.createUser({ role: "admin" })]);
  projectId = (
    await alice
      .request("/api/v1/projects", { method: "POST", json: { name: "secrets" } })
      .then((r) => r.json() as Promise<{ id: string }>)
  ).id;
  unsubscribe = t.hub.runtime.events.subscribe([">"], (d) => deliveries.push(d));

  ({ client: broker } = await connectChannelBroker(t.hub, {
    admin: admin.user,
    name: "stand-in",
    hostname: "stand-in",
    capabilities: { runtimes: ["local"], harnesses: ["shell", "claude"] },
    heartbeat: () => ({ agents: [] }),
    onRequest: async (op, raw) => {
      const args = raw as Record<string, unknown>;
      brokerCalls.push({ op, args });
      if (op === "agent.start") {
        // What the shim does once the harness runs: report with the agent's own token.
        setTimeout(() => {
          void fetch(`${t.url}/api/v1/agents/${String(args.agentId)}/status`, {
            method: "POST",
            headers: { authorization: `Bearer ${String(args.token)}`, "content-type": "application/json" },
            body: JSON.stringify({ phase: "running", activity: "idle" }),
          });
        }, 50);
        return { ports: {}, urls: {} };
      }
      return {};
    },
  }));
}, 60_000);
afterAll(async () => {
  unsubscribe?.();
  await broker?.stop();
  await t?.close();
});

describe("the secret store API", () => {
  it("creates (201), replaces (200, same id), lists and deletes (204) a user secret, answering metadata only and auditing each change", async () => {
    const first = value("first");
    const second = value("second");
    const created = await put(alice, { name: "OPENAI_API_KEY", value: first, scope: "user" });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      name: "OPENAI_API_KEY",
      scope: "user",
      projectId: null,
      target: "env",
      path: null,
      createdBy: `user:${alice.user.id}`,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const replaced = await put(alice, { name: "OPENAI_API_KEY", value: second, scope: "user" });
    expect(replaced.status).toBe(200);
    expect(replaced.body.id).toBe(created.body.id);
    expect(new Date(replaced.body.updatedAt).getTime()).toBeGreaterThanOrEqual(
      new Date(created.body.updatedAt).getTime(),
    );

    const listed = await list(alice, "scope=user");
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((s) => s.name)).toEqual(["OPENAI_API_KEY"]);
    expect(listed.body.items[0]).not.toHaveProperty("value");
    expect(listed.body.items[0]).not.toHaveProperty("valueSealed");
    // Bob has his own user scope: he neither sees nor deletes Alice's secret.
    expect((await list(bob, "scope=user")).body.items).toEqual([]);
    expect((await remove(bob, created.body.id)).status).toBe(404);

    expect((await remove(alice, created.body.id)).status).toBe(204);
    expect((await list(alice, "scope=user")).body.items).toEqual([]);
    expect((await remove(alice, created.body.id)).status).toBe(404);

    const audit = await t.hub.runtime.prisma.auditEvent.findMany({
      where: { targetType: "secret", targetId: created.body.id },
      orderBy: { createdAt: "asc" },
    });
    expect(audit.map((a) => `${a.principal} ${a.action}`)).toEqual([
      `user:${alice.user.id} secret.create`,
      `user:${alice.user.id} secret.replace`,
      `user:${alice.user.id} secret.delete`,
    ]);
    expect(JSON.stringify(audit)).not.toContain(first);
    expect(JSON.stringify(audit)).not.toContain(second);
  });

  it("project secrets: the creator and admins write, other members only list names; hub secrets: admins write, everyone lists", async () => {
    const mine = await put(alice, { name: "PROJECT_TOKEN", value: value("p"), scope: "project", projectId });
    expect(mine.status, mine.text).toBe(201);
    expect(mine.body).toMatchObject({ scope: "project", projectId });
    const refused = await put(bob, { name: "PROJECT_TOKEN", value: value("bob"), scope: "project", projectId });
    expect(refused.status).toBe(403);
    expect(refused.body.error?.code).toBe("forbidden");
    expect(
      (await put(admin, { name: "PROJECT_TOKEN", value: value("admin"), scope: "project", projectId })).status,
    ).toBe(200);
    expect((await list(bob, `scope=project&projectId=${projectId}`)).body.items.map((s) => s.name)).toEqual([
      "PROJECT_TOKEN",
    ]);
    expect((await remove(bob, mine.body.id)).status).toBe(403);
    expect((await put(alice, { name: "X", value: "v", scope: "project", projectId: crypto.randomUUID() })).status).toBe(
      404,
    );
    expect((await list(alice, `scope=project&projectId=${crypto.randomUUID()}`)).status).toBe(404);
    expect((await list(alice, "scope=project")).status).toBe(400);
    expect((await remove(alice, mine.body.id)).status).toBe(204);

    expect((await put(alice, { name: "HUB_TOKEN", value: value("h"), scope: "hub" })).status).toBe(403);
    const hub = await put(admin, { name: "HUB_TOKEN", value: value("h"), scope: "hub" });
    expect(hub.status).toBe(201);
    expect((await list(bob, "scope=hub")).body.items.map((s) => s.name)).toContain("HUB_TOKEN");
    expect((await remove(bob, hub.body.id)).status).toBe(403);
    expect((await remove(admin, hub.body.id)).status).toBe(204);
    // A refused write changed nothing.
    const rows = await t.hub.runtime.prisma.secret.findMany({
      where: { name: { in: ["PROJECT_TOKEN", "HUB_TOKEN"] } },
    });
    expect(rows).toEqual([]);
  });

  it("agent tokens may not use the secret routes (403)", async () => {
    const row = await t.hub.runtime.prisma.agent.create({
      data: {
        slug: "tokened",
        name: "tokened",
        projectId,
        createdBy: `user:${alice.user.id}`,
        ownerId: `user:${alice.user.id}`,
      },
    });
    const { token } = await mintAgentToken(t.hub.runtime.sessionSecret, row);
    const asAgent: TestUser = {
      ...alice,
      token,
      request: (p, init = {}) =>
        fetch(`${t.url}${p}`, {
          ...init,
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: init.json ? JSON.stringify(init.json) : init.body,
        }),
    };
    expect((await list(asAgent, "scope=user")).status).toBe(403);
    expect((await put(asAgent, { name: "AGENT_KEY", value: "v", scope: "user" })).status).toBe(403);
    const own = await put(alice, { name: "AGENT_KEY", value: "v", scope: "user" });
    expect((await remove(asAgent, own.body.id)).status).toBe(403);
    expect((await remove(alice, own.body.id)).status).toBe(204);
  });

  it("refuses bad input with 400 and the field at fault, writing nothing", async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: "1ABC", value: "v", scope: "user" }, "name"],
      [{ name: "MY-KEY", value: "v", scope: "user" }, "name"],
      [{ name: "PATH", value: "v", scope: "user" }, "name"],
      [{ name: "HOME", value: "v", scope: "user" }, "name"],
      [{ name: "LD_PRELOAD", value: "v", scope: "user" }, "name"],
      [{ name: "SCION_AGENT_TOKEN", value: "v", scope: "user" }, "name"],
      [{ name: "AVAILABLE_LOCALHOST_PORT_A", value: "v", scope: "user" }, "name"],
      [{ name: "KEY", value: "x".repeat(64 * 1024 + 1), scope: "user" }, "value"],
      [{ name: "KEY", value: "v", scope: "project" }, "projectId"],
      [{ name: "KEY", value: "v", scope: "user", projectId }, "projectId"],
      [{ name: "KEY", value: "v", scope: "team" }, "scope"],
      [{ name: "KEY", value: "v", scope: "user", path: ".netrc" }, "path"],
      [{ name: "creds", value: "v", scope: "user", target: "file" }, "path"],
      [{ name: "creds", value: "v", scope: "user", target: "file", path: "/etc/passwd" }, "path"],
      [{ name: "creds", value: "v", scope: "user", target: "file", path: "../outside" }, "path"],
      [{ name: "creds", value: "v", scope: "user", target: "file", path: ".config/../../outside" }, "path"],
      [{ name: "creds", value: "v", scope: "user", target: "file", path: "~/.netrc" }, "path"],
      [{ name: "creds", value: "v", scope: "user", target: "file", path: `${"a/".repeat(128)}x` }, "path"],
      [{ name: "KEY", value: 42, scope: "user" }, "value"],
      [{ name: "KEY", value: "v", scope: "user", extra: true }, ""],
    ];
    for (const [body, field] of cases) {
      const res = await put(alice, body);
      expect(res.status, JSON.stringify(body).slice(0, 100)).toBe(400);
      expect(res.body.error?.code).toBe("validation_error");
      const details = (res.body.error as { details?: Array<{ path: string }> }).details ?? [];
      if (field)
        expect(
          details.map((d) => d.path),
          JSON.stringify(body).slice(0, 100),
        ).toContain(field);
    }
    expect(
      (await put(alice, { name: "creds", value: "{}", scope: "user", target: "file", path: "bad\u0000path" })).status,
    ).toBe(400);
    // Exactly 64 KiB is fine, and a file secret with a plain HOME-relative path too.
    const big = await put(alice, { name: "BIG", value: "x".repeat(64 * 1024), scope: "user" });
    expect(big.status).toBe(201);
    const file = await put(alice, {
      name: "claude-credentials",
      value: "{}",
      scope: "user",
      target: "file",
      path: ".claude/.credentials.json",
    });
    expect(file.status, file.text).toBe(201);
    expect(file.body).toMatchObject({ target: "file", path: ".claude/.credentials.json" });
    expect(
      (await t.hub.runtime.prisma.secret.findMany({ where: { userId: alice.user.id } })).map((s) => s.name).sort(),
    ).toEqual(["BIG", "claude-credentials"]);
    await remove(alice, big.body.id);
    await remove(alice, file.body.id);
  });
});

describe("credentials at start", () => {
  it("the owner's secrets override the project's, which override the hub's (env by name, file by path); nobody else's count", async () => {
    const agent = await t.hub.runtime.prisma.agent.create({
      data: {
        slug: "resolver",
        name: "resolver",
        projectId,
        harness: "shell",
        createdBy: `user:${alice.user.id}`,
        ownerId: `user:${alice.user.id}`,
      },
    });
    const ids: Record<string, string> = {};
    const set = async (who: TestUser, scope: string, name: string, v: string, extra: Record<string, unknown> = {}) => {
      const res = await put(who, { name, value: v, scope, ...(scope === "project" && { projectId }), ...extra });
      expect(res.status, res.text).toBeLessThan(300);
      ids[`${scope === "user" ? who.user.email : scope}:${name}`] = res.body.id;
    };
    await set(admin, "hub", "SHARED", "from-hub");
    await set(admin, "hub", "HUB_ONLY", "hub-only");
    await set(alice, "project", "SHARED", "from-project");
    await set(alice, "project", "PROJECT_ONLY", "project-only");
    await set(alice, "user", "SHARED", "from-alice");
    await set(bob, "user", "SHARED", "from-bob");
    await set(bob, "user", "BOB_ONLY", "bob-only");
    await set(admin, "hub", "netrc-hub", "hub-netrc", { target: "file", path: ".netrc" });
    await set(alice, "user", "netrc-alice", "alice-netrc", { target: "file", path: ".netrc" });

    const resolve = () => resolveAgentCredentials(t.hub.runtime, agent);
    expect(await resolve()).toEqual({
      env: { SHARED: "from-alice", HUB_ONLY: "hub-only", PROJECT_ONLY: "project-only" },
      files: [{ path: ".netrc", value: "alice-netrc" }],
    });
    expect((await remove(alice, ids[`${alice.user.email}:SHARED`]!)).status).toBe(204);
    expect((await remove(alice, ids[`${alice.user.email}:netrc-alice`]!)).status).toBe(204);
    expect(await resolve()).toMatchObject({
      env: { SHARED: "from-project" },
      files: [{ path: ".netrc", value: "hub-netrc" }],
    });
    expect((await remove(alice, ids["project:SHARED"]!)).status).toBe(204);
    expect((await resolve()).env.SHARED).toBe("from-hub");
    for (const [key, id] of Object.entries(ids))
      if (key.startsWith("hub:") || key.startsWith("project:")) await remove(admin, id);
    expect((await remove(bob, ids[`${bob.user.email}:SHARED`]!)).status).toBe(204);
    expect((await remove(bob, ids[`${bob.user.email}:BOB_ONLY`]!)).status).toBe(204);
    // A secret sealed under another SESSION_SECRET cannot be opened: it counts as absent, the start is not a 500.
    const foreign = await t.hub.runtime.prisma.secret.create({
      data: {
        name: "FOREIGN",
        scope: "user",
        userId: alice.user.id,
        valueSealed: "v1.AAAA.AAAA.AAAA",
        createdBy: "system",
      },
    });
    expect(await resolve()).toEqual({ env: {}, files: [] });
    await t.hub.runtime.prisma.secret.delete({ where: { id: foreign.id } });
  });

  it("a Claude Code agent without a key: start and create-with-start answer 422 missing_credentials, and nothing changes or reaches a broker", async () => {
    const created = await call<AgentJson>(alice, "/api/v1/agents", {
      method: "POST",
      json: { projectId, name: "keyless", harness: "claude", task: "hi" },
    });
    expect(created.status, created.text).toBe(201);
    const before = await t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: created.body.id } });
    const startsBefore = brokerCalls.length;

    const refused = await call<{ error: { code: string; message: string; details: unknown } }>(
      alice,
      `/api/v1/agents/${created.body.id}/start`,
      { method: "POST" },
    );
    expect(refused.status).toBe(422);
    expect(refused.body.error).toEqual({
      code: "missing_credentials",
      message: CLAUDE_MISSING,
      details: {
        harness: "claude",
        missing: ["ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN", "~/.claude/.credentials.json"],
      },
    });
    const after = await t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: created.body.id } });
    expect(after).toMatchObject({ phase: "created", stateVersion: before.stateVersion, brokerId: null });
    expect(
      (await t.hub.runtime.prisma.agentStateChange.findMany({ where: { agentId: created.body.id } })).map(
        (c) => c.phase,
      ),
    ).toEqual(["created"]);
    expect(await t.hub.runtime.prisma.brokerDispatch.count({ where: { agentId: created.body.id } })).toBe(0);
    expect((await call(alice, `/api/v1/agents/${created.body.id}/restart`, { method: "POST" })).status).toBe(422);

    const withStart = await call<{ error: { code: string; message: string } }>(alice, "/api/v1/agents", {
      method: "POST",
      json: { projectId, name: "keyless-start", harness: "claude", start: true },
    });
    expect(withStart.status).toBe(422);
    expect(withStart.body.error).toMatchObject({ code: "missing_credentials", message: CLAUDE_MISSING });
    expect(await t.hub.runtime.prisma.agent.count({ where: { projectId, slug: "keyless-start" } })).toBe(0);
    expect(brokerCalls.length).toBe(startsBefore);

    // The agent's own env may provide the key too.
    const ownKey = await call<AgentJson>(alice, "/api/v1/agents", {
      method: "POST",
      json: {
        projectId,
        name: "own-key",
        harness: "claude",
        env: { CLAUDE_CODE_OAUTH_TOKEN: value("oauth") },
        start: true,
      },
    });
    expect(ownKey.status, ownKey.text).toBe(201);
    expect(ownKey.body.phase).toBe("running");
    expect(brokerCalls.filter((c) => c.op === "agent.start").at(-1)?.args).not.toHaveProperty("credentials");
  });

  it("with the key set as a secret, the broker's start request carries it, and its value is in no response, event, audit row, log line or other column", async () => {
    const apiKey = value("sk-ant-test");
    const fileValue = value("credentials-file");
    expect((await put(alice, { name: "ANTHROPIC_API_KEY", value: apiKey, scope: "user" })).status).toBe(201);
    expect(
      (
        await put(alice, {
          name: "claude-creds",
          value: fileValue,
          scope: "project",
          projectId,
          target: "file",
          path: ".claude/.credentials.json",
        })
      ).status,
    ).toBe(201);
    const created = await call<AgentJson>(alice, "/api/v1/agents", {
      method: "POST",
      json: { projectId, name: "keyed", harness: "claude", task: "hi" },
    });
    const started = await call<{ agent: AgentJson }>(alice, `/api/v1/agents/${created.body.id}/start`, {
      method: "POST",
    });
    expect(started.status, started.text).toBe(200);
    expect(started.body.agent.phase).toBe("running");

    const start = brokerCalls.filter((c) => c.op === "agent.start" && c.args.agentId === created.body.id);
    expect(start).toHaveLength(1);
    expect(start[0]!.args.credentials).toEqual({
      env: { ANTHROPIC_API_KEY: apiKey },
      files: [{ path: ".claude/.credentials.json", value: fileValue }],
    });
    // The agent's own env map stays its own: secrets travel beside it.
    expect(start[0]!.args.env).toEqual({});

    // Without the secret, a restart is refused before the running agent is stopped.
    const key = (await list(alice, "scope=user")).body.items.find((s) => s.name === "ANTHROPIC_API_KEY")!;
    const file = (await list(alice, `scope=project&projectId=${projectId}`)).body.items.find(
      (s) => s.name === "claude-creds",
    )!;
    expect((await remove(alice, key.id)).status).toBe(204);
    expect((await remove(alice, file.id)).status).toBe(204);
    const restart = await call<{ error: { code: string } }>(alice, `/api/v1/agents/${created.body.id}/restart`, {
      method: "POST",
    });
    expect(restart.status).toBe(422);
    expect((await t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: created.body.id } })).phase).toBe(
      "running",
    );
    expect(brokerCalls.filter((c) => c.op === "agent.stop" && c.args.agentId === created.body.id)).toEqual([]);

    // Nowhere else: every answer of this file, every event published, the audit log, the hub's log.
    for (const secretValue of [apiKey, fileValue]) {
      expect(responses.filter((r) => r.includes(secretValue))).toEqual([]);
      expect(deliveries.filter((d) => JSON.stringify(d).includes(secretValue))).toEqual([]);
      expect(JSON.stringify(await t.hub.runtime.prisma.auditEvent.findMany())).not.toContain(secretValue);
      expect(t.log.lines().filter((l) => JSON.stringify(l).includes(secretValue))).toEqual([]);
    }
  });

  it("the database holds a secret's value only sealed, in secrets.valueSealed", async () => {
    const secretValue = value("sealed");
    const res = await put(alice, { name: "SEALED_KEY", value: secretValue, scope: "user" });
    const pool = t.hub.runtime.db.pool;
    const { rows: tables } = await pool.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    expect(tables.map((r) => r.name)).toContain("secrets");
    for (const { name } of tables) {
      const { rows } = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "${name}" x WHERE strpos(x::text, $1) > 0`,
        [secretValue],
      );
      expect(rows[0]!.n, name).toBe(0);
    }
    const { rows } = await pool.query<{ valueSealed: string }>(
      `SELECT "valueSealed" FROM secrets WHERE id = $1::uuid`,
      [res.body.id],
    );
    expect(rows[0]!.valueSealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    await remove(alice, res.body.id);
  });
});
