import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalRuntime } from "../../broker/runtimes/local-runtime";
import type { AgentJson } from "../../lib/agents/schemas";
import type { EventDelivery } from "../../lib/events/event-bus";
import { startTestHub, type TestHub, type TestUser } from "../start-test-hub";
import { until } from "../until";
import { serveGitRepo } from "../git-server";

/**
 * The whole path, for real: API → hub → control channel → the local broker process → tmux →
 * the bundled agent shim → status reports back to the hub over HTTP.
 */
let t: TestHub;
let alice: TestUser;
let bob: TestUser;
let admin: TestUser;
let projectId: string;
let brokerId: string;
let tmux: LocalRuntime;

const json = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as T;

beforeAll(async () => {
  t = await startTestHub(
    { SCION_LOCAL_BROKER: "true", SCION_ALLOW_PRIVATE_GIT_REMOTES: "true" },
    { localBroker: true },
  );
  [alice, bob, admin] = await Promise.all([t.createUser(), t.createUser(), t.createUser({ role: "admin" })]);
  projectId = (
    await json<{ id: string }>(await alice.request("/api/v1/projects", { method: "POST", json: { name: "lifecycle" } }))
  ).id;
  brokerId = await until(
    async () => {
      const { items } = await json<{ items: Array<{ id: string; status: string }> }>(
        await admin.request("/api/v1/runtime-brokers"),
      );
      return items.find((b) => b.status === "online")?.id;
    },
    "the local broker to come online",
    60_000,
  );
  tmux = new LocalRuntime(path.join(t.dataDir, "broker"));
}, 120_000);
afterAll(async () => {
  await t?.close();
});

async function create(name: string, body: Record<string, unknown> = {}, user = alice) {
  const res = await user.request("/api/v1/agents", { method: "POST", json: { projectId, name, ...body } });
  return { status: res.status, agent: await json<AgentJson & { error?: { code: string; message: string } }>(res) };
}

async function act(id: string, action: string, user = alice) {
  const res = await user.request(`/api/v1/agents/${id}/${action}`, { method: "POST" });
  return {
    status: res.status,
    body: await json<{ agent: AgentJson; error?: { code: string; message: string; details?: { agent: AgentJson } } }>(
      res,
    ),
  };
}

const screenOf = (id: string, needle: string) =>
  until(
    async () => ((await tmux.capture(id).catch(() => "")).includes(needle) ? true : undefined),
    `"${needle}" on the agent's screen`,
  );
const panePid = async (id: string) => (
  await tmux.capture(id),
  Number(
    (await import("node:child_process"))
      .execFileSync("tmux", [...tmux.serverArgs(id), "display-message", "-p", "-t", `=scion-${id}:`, "#{pane_pid}"])
      .toString()
      .trim(),
  )
);
const phasesOf = async (id: string) =>
  (await t.hub.runtime.prisma.agentStateChange.findMany({ where: { agentId: id }, orderBy: { createdAt: "asc" } })).map(
    (c) => c.phase,
  );

describe("agent lifecycle through the local broker", () => {
  it("create with start: placed on the online broker, shim reports starting → running, ports in env and JSON; every transition is an event", async () => {
    const deliveries: EventDelivery[] = [];
    const unsubscribe = t.hub.runtime.events.subscribe([`project.${projectId}.agent.>`], (d) => deliveries.push(d));
    const { status, agent } = await create("Runner", {
      harness: "generic",
      command: "echo ports=$AVAILABLE_LOCALHOST_PORT_A,$AVAILABLE_LOCALHOST_PORT_B id=$SCION_AGENT_ID; exec cat",
      start: true,
    });
    expect(status).toBe(201);
    // The answer may overtake the shim's own "running" event (it is announced after its commit,
    // which the start can already read); every transition still arrives as an event.
    const seen = () =>
      deliveries
        .filter((d) => d.kind === "event")
        .map((d) =>
          d.kind === "event" ? `${d.event.subject.split(".").pop()}:${(d.event.data as AgentJson).phase}` : "",
        );
    await until(() => seen().includes("status:running"), "the running event");
    unsubscribe();
    expect(agent).toMatchObject({
      phase: "running",
      activity: "idle",
      brokerId,
      ports: { A: expect.any(Number), B: expect.any(Number) },
      urls: {},
    });
    expect(agent.ports.B).toBe(agent.ports.A! + 1);
    await screenOf(agent.id, `ports=${agent.ports.A},${agent.ports.B} id=${agent.id}`);
    expect(await phasesOf(agent.id)).toEqual(["created", "provisioning", "starting", "running"]);
    expect(seen()[0]).toBe("created:created");
    expect(seen()).toContain("status:provisioning");
    // The shim's own token works: its heartbeat set lastSeen.
    expect(agent.lastSeen).not.toBeNull();
    // The token file is the agent's alone.
    expect(fs.statSync(tmux.tokenFileOf(agent.id)).mode & 0o777).toBe(0o600);
  });

  it("an agent's ports are reachable on the broker's machine", async () => {
    const server = `require("http").createServer((q, s) => s.end("served by " + process.env.SCION_AGENT_ID)).listen(+process.env.AVAILABLE_LOCALHOST_PORT_A)`;
    const { agent } = await create("Server", { harness: "generic", command: `exec node -e '${server}'`, start: true });
    const answer = await until(async () => {
      try {
        return await (await fetch(`http://127.0.0.1:${agent.ports.A}/`, { signal: AbortSignal.timeout(1000) })).text();
      } catch {
        return undefined;
      }
    }, "the agent's server");
    expect(answer).toBe(`served by ${agent.id}`);
    await act(agent.id, "stop");
  });

  it("messages are typed into the session and move pending → dispatched once; sent while stopped, they wait and go in at start", async () => {
    const { agent } = await create("Listener", { harness: "generic", command: "exec cat", start: true });
    expect(agent.phase).toBe("running");
    const res = await alice.request(`/api/v1/agents/${agent.id}/messages`, {
      method: "POST",
      json: { body: "hello from the hub", channel: "web", threadId: "t-1" },
    });
    expect(res.status).toBe(201);
    const message = await json<{
      id: string;
      dispatchState: string;
      channel: string;
      threadId: string;
      dispatchedAt: string;
    }>(res);
    expect(message).toMatchObject({
      dispatchState: "dispatched",
      channel: "web",
      threadId: "t-1",
      dispatchedAt: expect.any(String),
    });
    await screenOf(agent.id, "hello from the hub");

    expect((await act(agent.id, "stop")).body.agent).toMatchObject({ phase: "stopped", ports: {}, activity: null });
    expect(await tmux.isRunning(agent.id)).toBe(false);
    const later = await alice.request(`/api/v1/agents/${agent.id}/messages`, {
      method: "POST",
      json: { body: "read this when you are back" },
    });
    expect(later.status).toBe(202);
    expect(await json(later)).toMatchObject({ dispatchState: "pending", dispatchedAt: null });

    expect((await act(agent.id, "start")).status).toBe(200);
    await screenOf(agent.id, "read this when you are back");
    const rows = await until(async () => {
      const all = await t.hub.runtime.prisma.message.findMany({
        where: { agentId: agent.id },
        orderBy: { createdAt: "asc" },
      });
      return all.every((m) => m.dispatchState === "dispatched") ? all : undefined;
    }, "both messages dispatched");
    expect(rows.map((m) => m.body)).toEqual(["hello from the hub", "read this when you are back"]);
  });

  it("stop is idempotent, restart is a real restart, and the ports come back lowest-first", async () => {
    const { agent } = await create("Restarter", { harness: "shell", start: true });
    expect(agent.phase).toBe("running");
    const before = await panePid(agent.id);
    const restarted = await act(agent.id, "restart");
    expect(restarted.status).toBe(200);
    expect(restarted.body.agent).toMatchObject({ phase: "running", ports: agent.ports });
    expect(await panePid(agent.id)).not.toBe(before);
    const stop1 = await act(agent.id, "stop");
    const stop2 = await act(agent.id, "stop");
    expect([stop1.status, stop2.status]).toEqual([200, 200]);
    expect(stop2.body.agent.phase).toBe("stopped");
    expect(await phasesOf(agent.id)).toEqual([
      "created",
      "provisioning",
      "starting",
      "running",
      "stopping",
      "stopped",
      "provisioning",
      "starting",
      "running",
      "stopping",
      "stopped",
    ]);
  });

  it("a harness that ends with an error puts the agent in error with the exit code; a broker that cannot start it answers 409 and leaves the reason", async () => {
    const { agent } = await create("Broken", { harness: "generic", command: "sleep 0.3; exit 3" });
    expect((await act(agent.id, "start")).status).toBe(200);
    const failed = await until(async () => {
      const row = await t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: agent.id } });
      return row.phase === "error" ? row : undefined;
    }, "the agent to fail");
    expect(failed.detail).toBe("the harness exited with code 3");

    const remote = (
      await json<{ id: string }>(
        await alice.request("/api/v1/projects", {
          method: "POST",
          json: { name: "unreachable", gitRemote: "http://127.0.0.1:1/missing.git" },
        }),
      )
    ).id;
    const cloned = await json<AgentJson>(
      await alice.request("/api/v1/agents", { method: "POST", json: { projectId: remote, name: "Cloner" } }),
    );
    const started = await act(cloned.id, "start");
    expect(started.status).toBe(409);
    expect(started.body.error?.message).toMatch(/cloning http:\/\/127\.0\.0\.1:1\/missing\.git failed/);
    const row = await t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: cloned.id } });
    expect(row).toMatchObject({ phase: "error", ports: {} });
    expect(row.detail).toMatch(/cloning .* failed/);
    expect(await phasesOf(cloned.id)).toEqual(["created", "provisioning", "cloning", "error"]);
    expect(fs.existsSync(tmux.workspaceOf(cloned.id))).toBe(false);
  });

  it("a project with a git remote gets a clone as the agent's workspace (phase cloning on the way)", async () => {
    const server = await serveGitRepo({ files: { "README.md": "hello from the remote\n" } });
    try {
      const project = await json<{ id: string }>(
        await alice.request("/api/v1/projects", { method: "POST", json: { name: "cloned", gitRemote: server.url } }),
      );
      const agent = await json<AgentJson>(
        await alice.request("/api/v1/agents", {
          method: "POST",
          json: {
            projectId: project.id,
            name: "Reader",
            harness: "generic",
            command: "cat README.md; exec cat",
            start: true,
          },
        }),
      );
      expect(agent.phase).toBe("running");
      expect(fs.readFileSync(path.join(tmux.workspaceOf(agent.id), "README.md"), "utf8")).toBe(
        "hello from the remote\n",
      );
      await screenOf(agent.id, "hello from the remote");
      expect(await phasesOf(agent.id)).toEqual(["created", "provisioning", "cloning", "starting", "running"]);
    } finally {
      await server.close();
    }
  });

  it("delete stops the agent and removes its workspace and token; a second delete is 404", async () => {
    const { agent } = await create("Doomed", { harness: "generic", command: "exec sleep 600", start: true });
    const workspace = tmux.workspaceOf(agent.id);
    expect(fs.existsSync(workspace)).toBe(true);
    expect((await alice.request(`/api/v1/agents/${agent.id}`, { method: "DELETE" })).status).toBe(204);
    expect(await tmux.isRunning(agent.id)).toBe(false);
    expect(fs.existsSync(workspace)).toBe(false);
    expect(fs.existsSync(tmux.tokenFileOf(agent.id))).toBe(false);
    expect((await alice.request(`/api/v1/agents/${agent.id}`, { method: "DELETE" })).status).toBe(404);
  });

  it("only the owner or an admin can drive an agent", async () => {
    const { agent } = await create("Private", { harness: "generic", command: "exec cat" });
    expect((await act(agent.id, "start", bob)).status).toBe(404);
    expect(
      (await bob.request(`/api/v1/agents/${agent.id}/messages`, { method: "POST", json: { body: "hi" } })).status,
    ).toBe(404);
    expect((await act(agent.id, "start", admin)).body.agent.phase).toBe("running");
    expect((await act(agent.id, "stop", admin)).body.agent.phase).toBe("stopped");
  });

  it("reset-auth: the old token is refused, the shim re-reads the new one on SIGUSR2 and confirms it with a heartbeat", async () => {
    const { agent } = await create("Rotator", { harness: "generic", command: "exec cat", start: true });
    const oldToken = fs.readFileSync(tmux.tokenFileOf(agent.id), "utf8").trim();
    const seenBefore = (await t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: agent.id } })).lastSeen!;
    const res = await alice.request(`/api/v1/agents/${agent.id}/reset-auth`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ agentId: agent.id, ok: true, signalled: true });
    const newToken = fs.readFileSync(tmux.tokenFileOf(agent.id), "utf8").trim();
    expect(newToken).not.toBe(oldToken);
    expect(fs.statSync(tmux.tokenFileOf(agent.id)).mode & 0o777).toBe(0o600);
    const withOld = await fetch(`${t.url}/api/v1/agents/${agent.id}/status`, {
      method: "POST",
      headers: { authorization: `Bearer ${oldToken}`, "content-type": "application/json" },
      body: JSON.stringify({ heartbeat: true }),
    });
    expect(withOld.status).toBe(401);
    // The shim's confirming heartbeat after SIGUSR2 (within a few seconds) used the new token.
    await until(
      async () =>
        (await t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: agent.id } })).lastSeen! > seenBefore
          ? true
          : undefined,
      "a heartbeat with the new token",
    );
    await until(
      async () =>
        fs
          .readFileSync(path.join(path.dirname(tmux.tokenFileOf(agent.id)), "shim.log"), "utf8")
          .includes("re-read the token file")
          ? true
          : undefined,
      "the shim's log line",
    );
    // A stopped agent has nothing to reset.
    await act(agent.id, "stop");
    const refused = await alice.request(`/api/v1/agents/${agent.id}/reset-auth`, { method: "POST" });
    expect(refused.status).toBe(409);
  });

  it("reset-auth-all: every running agent, with progress events and the per-agent summary; admins only", async () => {
    const running = await t.hub.runtime.prisma.agent.findMany({ where: { phase: "running" }, select: { id: true } });
    const deliveries: EventDelivery[] = [];
    const unsubscribe = t.hub.runtime.events.subscribe(["maintenance.run.>"], (d) => deliveries.push(d));
    expect((await alice.request("/api/v1/admin/agents/reset-auth-all", { method: "POST" })).status).toBe(403);
    const res = await admin.request("/api/v1/admin/agents/reset-auth-all", { method: "POST" });
    unsubscribe();
    expect(res.status).toBe(200);
    const summary = await json<{
      runId: string;
      total: number;
      succeeded: number;
      failed: number;
      results: Array<{ agentId: string; name: string; ok: boolean }>;
    }>(res);
    expect(summary).toMatchObject({ total: running.length, succeeded: running.length, failed: 0 });
    expect(summary.results.map((r) => r.agentId).sort()).toEqual(running.map((a) => a.id).sort());
    expect(summary.results.every((r) => r.ok && r.name)).toBe(true);
    const subjects = deliveries.map((d) => (d.kind === "event" ? d.event.subject : d.kind));
    // One log line per agent arrives as a progress event, and the last progress counts them all.
    const progress = deliveries.flatMap((d) =>
      d.kind === "event" && d.event.subject.endsWith(".progress")
        ? [d.event.data as { line?: string; progress: { done?: number } }]
        : [],
    );
    expect(progress.filter((p) => p.line)).toHaveLength(running.length);
    expect(progress.at(-1)!.progress.done).toBe(running.length);
    expect(subjects.at(-1)).toBe(`maintenance.run.${summary.runId}.done`);
    const run = await t.hub.runtime.prisma.maintenanceRun.findUniqueOrThrow({ where: { id: summary.runId } });
    expect(run).toMatchObject({ status: "completed", operationKey: "reset-auth-all" });
    expect(run.log.split("\n").filter(Boolean)).toHaveLength(running.length);
  });

  it("no broker can take the agent: 422 no_runtime_broker and nothing is written", async () => {
    const ghost = await t.hub.runtime.prisma.runtimeBroker.create({
      data: { name: "ghost", slug: "ghost", hostname: "nowhere", status: "offline" },
    });
    const { status, agent } = await create("Homeless", { brokerId: ghost.id, start: true });
    expect(status).toBe(422);
    expect(agent.error?.code).toBe("no_runtime_broker");
    expect(await t.hub.runtime.prisma.agent.count({ where: { name: "Homeless" } })).toBe(0);
  });
});
