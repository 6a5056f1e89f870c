import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ControlChannelClient } from "../../broker/control-channel-client";
import type { AgentJson } from "../../lib/agents/schemas";
import { openEventStream } from "../sse-client";
import { startTestHub, type TestHub, type TestUser } from "../start-test-hub";
import { connectChannelBroker } from "../support/channel-broker";
import { until } from "../until";

let t: TestHub;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let dave: TestUser;
let admin: TestUser;
let brokerId: string;
let broker: ControlChannelClient | undefined;
/** What reached the recording broker. */
let calls: Array<{ op: string; args: Record<string, unknown> }> = [];
/** Agents whose interrupt the broker refuses. */
const refuseInterrupt = new Set<string>();

/** A broker that records what reaches it; its agent.start reports the agent running, as the shim would. */
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
    return { ports: {}, urls: {} };
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
  [alice, bob, carol, dave, admin] = await Promise.all([
    t.createUser(),
    t.createUser(),
    t.createUser(),
    t.createUser(),
    t.createUser({ role: "admin" }),
  ]);
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

const json = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as T;
type ErrorBody = { error: { code: string; message: string; details?: Array<{ path: string; message: string }> } };
type Project = { id: string; slug: string; role: string | null; visibility: string; counts: Record<string, number> };

async function newProject(owner: TestUser, name: string, extra: Record<string, unknown> = {}): Promise<Project> {
  const res = await owner.request("/api/v1/projects", { method: "POST", json: { name, ...extra } });
  expect(res.status).toBe(201);
  return json<Project>(res);
}
const patch = (user: TestUser, id: string, body: unknown) =>
  user.request(`/api/v1/projects/${id}`, { method: "PATCH", json: body });
const addMember = (user: TestUser, id: string, body: unknown) =>
  user.request(`/api/v1/projects/${id}/members`, { method: "POST", json: body });
async function newAgent(owner: TestUser, projectId: string, name: string, start = false): Promise<AgentJson> {
  const res = await owner.request("/api/v1/agents", {
    method: "POST",
    json: { projectId, name, harness: "shell", brokerId, start },
  });
  expect(res.status).toBe(201);
  const agent = await json<AgentJson>(res);
  if (start) expect(agent.phase).toBe("running");
  return agent;
}

describe("projects", () => {
  it("POST /api/v1/projects - creates with a slug from the name, audited", async () => {
    const res = await alice.request("/api/v1/projects", {
      method: "POST",
      json: { name: "Moon Base!", gitRemote: "https://example.com/moon.git" },
    });
    expect(res.status).toBe(201);
    const project = await json(res);
    expect(project).toEqual({
      id: expect.any(String),
      slug: "moon-base",
      name: "Moon Base!",
      gitRemote: "https://example.com/moon.git",
      defaultBranch: null,
      defaultBrokerId: null,
      defaultTemplateId: null,
      env: {},
      gitTokenSecret: null,
      visibility: "hub",
      createdBy: `user:${alice.user.id}`,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      counts: { running: 0, waitingForInput: 0, total: 0 },
      role: "manager",
    });
    // Bob sees the hub-visible project, with no role in it.
    const asBob = { ...project, role: null };
    expect(await json(await bob.request(`/api/v1/projects/moon-base`))).toEqual(asBob);
    expect(await json(await bob.request(`/api/v1/projects/${project.id}`))).toEqual(asBob);
    const audit = await t.hub.runtime.prisma.auditEvent.findFirst({ where: { targetId: project.id as string } });
    expect(audit).toMatchObject({ action: "project.create", principal: `user:${alice.user.id}` });

    const again = await bob.request("/api/v1/projects", { method: "POST", json: { name: "moon base" } });
    expect(again.status).toBe(409);
    expect(await json(again)).toEqual({
      error: { code: "conflict", message: 'A project with the slug "moon-base" already exists.' },
    });
  });

  it("GET /api/v1/projects - pages by cursor without repeats or gaps, filters by text", async () => {
    const names = ["paging-e", "paging-a", "paging-d", "paging-c", "paging-b"];
    for (const name of names)
      expect((await alice.request("/api/v1/projects", { method: "POST", json: { name } })).status).toBe(201);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: Array<{ name: string }>; nextCursor: string | null } = await json(
        await alice.request(`/api/v1/projects?q=paging&limit=2&sort=name${cursor ? `&cursor=${cursor}` : ""}`),
      );
      seen.push(...page.items.map((p) => p.name));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...names].sort());
    const desc = await json<{ items: Array<{ name: string }> }>(
      await alice.request("/api/v1/projects?q=paging&sort=name&order=desc&limit=1"),
    );
    expect(desc.items.map((p) => p.name)).toEqual(["paging-e"]);
  });

  it("PATCH/DELETE /api/v1/projects/{id} - only the creator or an admin; a project with agents cannot go", async () => {
    const { id } = await json<{ id: string }>(
      await alice.request("/api/v1/projects", { method: "POST", json: { name: "owned" } }),
    );
    const denied = await bob.request(`/api/v1/projects/${id}`, { method: "PATCH", json: { name: "mine now" } });
    expect(denied.status).toBe(403);
    expect((await json<{ name: string }>(await alice.request(`/api/v1/projects/${id}`))).name).toBe("owned");

    expect((await alice.request(`/api/v1/projects/${id}`, { method: "PATCH", json: { name: "renamed" } })).status).toBe(
      200,
    );
    expect(
      (await admin.request(`/api/v1/projects/${id}`, { method: "PATCH", json: { gitRemote: "git@example.com:x.git" } }))
        .status,
    ).toBe(200);

    expect(
      (await alice.request("/api/v1/agents", { method: "POST", json: { projectId: id, name: "worker" } })).status,
    ).toBe(201);
    const busy = await alice.request(`/api/v1/projects/${id}`, { method: "DELETE" });
    expect(busy.status).toBe(409);
    expect(await json(busy)).toEqual({
      error: { code: "conflict", message: "The project still has 1 agent(s); delete them first." },
    });
    expect((await alice.request(`/api/v1/projects/${id}/agents/worker`, { method: "DELETE" })).status).toBe(204);
    expect((await alice.request(`/api/v1/projects/${id}`, { method: "DELETE" })).status).toBe(204);
    expect((await alice.request(`/api/v1/projects/${id}`)).status).toBe(404);
  });

  it.each([
    ["an unknown field", { name: "x", owner: "me" }],
    ["a bad slug", { name: "x", slug: "Not A Slug" }],
    ["a bad remote", { name: "x", gitRemote: "file:///etc/passwd" }],
    ["a loopback remote", { name: "x", gitRemote: "http://127.0.0.1:8080/repo.git" }],
    ["a cloud metadata remote", { name: "x", gitRemote: "http://169.254.169.254/latest.git" }],
    ["a private-network remote", { name: "x", gitRemote: "ssh://git@10.1.2.3/repo.git" }],
    ["an IPv6 loopback remote", { name: "x", gitRemote: "https://[::1]/repo.git" }],
    ["a localhost remote", { name: "x", gitRemote: "git@localhost:repo.git" }],
    ["a metadata name", { name: "x", gitRemote: "http://metadata.google.internal/x.git" }],
    ["a non-UUID broker", { name: "x", defaultBrokerId: "broker-1" }],
    ["an empty name", { name: "  " }],
  ])("POST /api/v1/projects - %s is a 400 with details", async (_case, body) => {
    const res = await alice.request("/api/v1/projects", { method: "POST", json: body });
    expect(res.status).toBe(400);
    const error = (await json<{ error: { code: string; details: unknown[] } }>(res)).error;
    expect(error.code).toBe("validation_error");
    expect(error.details.length).toBeGreaterThan(0);
  });
});

describe("project settings", () => {
  it("PATCH /api/v1/projects/{id} - a manager sets branch, env, visibility, a hub or own template, a git token secret; audited without env values", async () => {
    const p = await newProject(alice, "settings");
    const other = await newProject(bob, "someone else's");
    const { prisma } = t.hub.runtime;
    const hubTemplate = await prisma.template.create({
      data: {
        slug: "settings-hub",
        harness: "shell",
        name: "hub one",
        scope: "hub",
        createdBy: `user:${admin.user.id}`,
      },
    });
    const ownTemplate = await prisma.template.create({
      data: {
        slug: "settings-own",
        harness: "shell",
        name: "own",
        scope: "project",
        projectId: p.id,
        createdBy: `user:${alice.user.id}`,
      },
    });
    const foreignTemplate = await prisma.template.create({
      data: {
        slug: "settings-foreign",
        harness: "shell",
        name: "x",
        scope: "project",
        projectId: other.id,
        createdBy: "user:x",
      },
    });
    const personalTemplate = await prisma.template.create({
      data: {
        slug: "settings-mine",
        harness: "shell",
        name: "mine",
        scope: "user",
        userId: alice.user.id,
        createdBy: "user:x",
      },
    });
    expect(
      (
        await alice.request("/api/v1/secrets", {
          method: "POST",
          json: { name: "GIT_TOKEN", value: "ghp_x", scope: "project", projectId: p.id },
        })
      ).status,
    ).toBe(201);

    const res = await patch(alice, p.id, {
      defaultBranch: "release/2.x",
      env: { LOG_LEVEL: "debug" },
      visibility: "members",
      defaultTemplateId: hubTemplate.id,
      gitTokenSecret: "GIT_TOKEN",
      defaultBrokerId: brokerId,
    });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({
      id: p.id,
      defaultBranch: "release/2.x",
      env: { LOG_LEVEL: "debug" },
      visibility: "members",
      defaultTemplateId: hubTemplate.id,
      gitTokenSecret: "GIT_TOKEN",
      defaultBrokerId: brokerId,
      role: "manager",
    });
    expect((await patch(alice, p.id, { defaultTemplateId: ownTemplate.id })).status).toBe(200);
    const audit = await prisma.auditEvent.findFirst({
      where: { targetId: p.id, action: "project.update" },
      orderBy: { createdAt: "asc" },
    });
    expect(audit?.details).toMatchObject({ envKeys: ["LOG_LEVEL"], visibility: "members" });
    expect(JSON.stringify(audit?.details)).not.toContain("debug");

    // Each reference must exist where the project can use it; nothing changes when one does not.
    const refused: Array<[Record<string, unknown>, string]> = [
      [{ defaultTemplateId: foreignTemplate.id }, "defaultTemplateId"],
      [{ defaultTemplateId: personalTemplate.id }, "defaultTemplateId"],
      [{ defaultTemplateId: "5b7f7a8e-1f0e-4a59-9a55-000000000000" }, "defaultTemplateId"],
      [{ defaultBrokerId: "5b7f7a8e-1f0e-4a59-9a55-000000000000" }, "defaultBrokerId"],
      [{ gitTokenSecret: "NO_SUCH_SECRET" }, "gitTokenSecret"],
      [{ gitRemote: "http://127.0.0.1:8080/repo.git" }, "gitRemote"],
      [{ env: { "BAD NAME": "x" } }, "env"],
      [{ defaultBranch: "../escape" }, "defaultBranch"],
      [{ visibility: "secret" }, "visibility"],
    ];
    for (const [body, path] of refused) {
      const bad = await patch(alice, p.id, body);
      expect([path, bad.status]).toEqual([path, 400]);
      const error = (await json<ErrorBody>(bad)).error;
      expect(error.code).toBe("validation_error");
      expect(error.details?.map((d) => d.path.split(".")[0])).toContain(path);
    }
    expect(await json(await alice.request(`/api/v1/projects/${p.id}`))).toMatchObject({
      defaultTemplateId: ownTemplate.id,
      gitTokenSecret: "GIT_TOKEN",
    });
    // Clearing is allowed.
    expect(await json(await patch(alice, p.id, { defaultTemplateId: null, gitTokenSecret: null }))).toMatchObject({
      defaultTemplateId: null,
      gitTokenSecret: null,
    });
  });

  it("PATCH - a non-member is told the members-only project does not exist (404), a plain member is refused (403)", async () => {
    const p = await newProject(alice, "guarded settings", { visibility: "members" });
    expect((await addMember(alice, p.id, { userId: carol.user.id })).status).toBe(201);
    expect((await patch(dave, p.id, { name: "taken" })).status).toBe(404);
    const denied = await patch(carol, p.id, { name: "taken" });
    expect(denied.status).toBe(403);
    expect((await json<ErrorBody>(denied)).error.code).toBe("forbidden");
    expect((await patch(admin, p.id, { name: "admin may" })).status).toBe(200);
  });
});

describe("project members", () => {
  it("a manager adds by email or id, changes a role, removes; a manager member manages; a member may leave; audited", async () => {
    const p = await newProject(alice, "team");
    const added = await addMember(alice, p.id, { email: bob.user.email.toUpperCase() });
    expect(added.status).toBe(201);
    expect(await json(added)).toEqual({
      userId: bob.user.id,
      email: bob.user.email,
      name: bob.user.name,
      role: "member",
      createdAt: expect.any(String),
    });
    expect((await addMember(alice, p.id, { userId: carol.user.id, role: "member" })).status).toBe(201);
    // A plain member may not add anyone.
    expect((await addMember(bob, p.id, { userId: dave.user.id })).status).toBe(403);
    // Promoted to manager (200: already a member), bob manages the project.
    const promoted = await addMember(alice, p.id, { userId: bob.user.id, role: "manager" });
    expect([promoted.status, (await json<{ role: string }>(promoted)).role]).toEqual([200, "manager"]);
    expect((await patch(bob, p.id, { name: "team renamed" })).status).toBe(200);
    expect((await addMember(bob, p.id, { userId: dave.user.id })).status).toBe(201);

    const list = await json<{ items: Array<{ userId: string; role: string }> }>(
      await carol.request(`/api/v1/projects/${p.id}/members`),
    );
    expect(list.items.map((m) => [m.userId, m.role])).toEqual([
      [bob.user.id, "manager"],
      [carol.user.id, "member"],
      [dave.user.id, "member"],
    ]);
    expect((await json<Project>(await bob.request(`/api/v1/projects/${p.id}`))).role).toBe("manager");
    expect((await json<Project>(await carol.request(`/api/v1/projects/${p.id}`))).role).toBe("member");

    // Carol may not remove dave, but may leave; bob (manager) removes dave.
    expect((await carol.request(`/api/v1/projects/${p.id}/members/${dave.user.id}`, { method: "DELETE" })).status).toBe(
      403,
    );
    expect(
      (await carol.request(`/api/v1/projects/${p.id}/members/${carol.user.id}`, { method: "DELETE" })).status,
    ).toBe(204);
    expect((await bob.request(`/api/v1/projects/${p.id}/members/${dave.user.id}`, { method: "DELETE" })).status).toBe(
      204,
    );
    const gone = await bob.request(`/api/v1/projects/${p.id}/members/${dave.user.id}`, { method: "DELETE" });
    expect(gone.status).toBe(404);
    expect(
      (
        await json<{ items: Array<{ userId: string }> }>(await alice.request(`/api/v1/projects/${p.id}/members`))
      ).items.map((m) => m.userId),
    ).toEqual([bob.user.id]);

    const unknown = await addMember(alice, p.id, { email: "nobody@example.com" });
    expect(unknown.status).toBe(400);
    expect((await json<ErrorBody>(unknown)).error.details?.[0]?.path).toBe("email");
    expect((await addMember(alice, p.id, { email: bob.user.email, userId: bob.user.id })).status).toBe(400);

    const actions = (
      await t.hub.runtime.prisma.auditEvent.findMany({
        where: { targetId: p.id, action: { startsWith: "project.member." } },
        orderBy: { createdAt: "asc" },
      })
    ).map((a) => [a.action, a.principal]);
    expect(actions).toEqual([
      ["project.member.add", `user:${alice.user.id}`],
      ["project.member.add", `user:${alice.user.id}`],
      ["project.member.update", `user:${alice.user.id}`],
      ["project.member.add", `user:${bob.user.id}`],
      ["project.member.remove", `user:${carol.user.id}`],
      ["project.member.remove", `user:${bob.user.id}`],
    ]);
  });
});

describe("project visibility", () => {
  it("members-only: non-members are told it does not exist everywhere; members, the creator and admins see it; hub: everyone", async () => {
    const p = await newProject(alice, "hidden", { visibility: "members" });
    expect((await addMember(alice, p.id, { userId: carol.user.id })).status).toBe(201);
    const listed = async (user: TestUser) =>
      (await json<{ items: Project[] }>(await user.request("/api/v1/projects?q=hidden"))).items.map((x) => [
        x.id,
        x.role,
      ]);

    for (const path of [`/api/v1/projects/${p.id}`, `/api/v1/projects/hidden`, `/api/v1/projects/${p.id}/members`]) {
      expect([path, (await dave.request(path)).status]).toEqual([path, 404]);
    }
    expect(await listed(dave)).toEqual([]);
    const create = await dave.request("/api/v1/agents", { method: "POST", json: { projectId: p.id, name: "sneak" } });
    expect(create.status).toBe(404);
    expect(
      (await dave.request(`/api/v1/projects/${p.id}/agents`, { method: "POST", json: { name: "sneak" } })).status,
    ).toBe(404);
    expect((await dave.request(`/api/v1/projects/${p.id}/agents`)).status).toBe(404);
    expect(await t.hub.runtime.prisma.agent.count({ where: { projectId: p.id } })).toBe(0);

    expect(await listed(carol)).toEqual([[p.id, "member"]]);
    expect(await listed(alice)).toEqual([[p.id, "manager"]]);
    expect(await listed(admin)).toEqual([[p.id, "admin"]]);
    // A member may start agents in it.
    expect(
      (await carol.request("/api/v1/agents", { method: "POST", json: { projectId: p.id, name: "member-made" } }))
        .status,
    ).toBe(201);

    expect((await patch(alice, p.id, { visibility: "hub" })).status).toBe(200);
    expect(await listed(dave)).toEqual([[p.id, null]]);
    expect((await dave.request(`/api/v1/projects/${p.id}`)).status).toBe(200);
  });
});

describe("project members and agents", () => {
  it("a member sees the project's agents read-only: GET, lists, history, messages 200; acting 403; non-members 404", async () => {
    const p = await newProject(alice, "shared work");
    const agent = await newAgent(alice, p.id, "worker");
    expect((await addMember(alice, p.id, { userId: carol.user.id })).status).toBe(201);

    for (const path of [
      `/api/v1/agents/${agent.id}`,
      `/api/v1/projects/${p.id}/agents/worker`,
      `/api/v1/agents/${agent.id}/history`,
      `/api/v1/agents/${agent.id}/messages`,
    ]) {
      expect([path, (await carol.request(path)).status]).toEqual([path, 200]);
      expect([path, (await dave.request(path)).status]).toEqual([path, 404]);
    }
    const ids = async (user: TestUser, path: string) =>
      (await json<{ items: AgentJson[] }>(await user.request(path))).items.map((a) => a.id);
    expect(await ids(carol, "/api/v1/agents")).toContain(agent.id);
    expect(await ids(carol, `/api/v1/agents?projectId=${p.id}&q=work`)).toEqual([agent.id]);
    expect(await ids(carol, `/api/v1/projects/${p.id}/agents`)).toEqual([agent.id]);
    expect(await ids(dave, `/api/v1/projects/${p.id}/agents`)).toEqual([]);
    expect(await ids(dave, "/api/v1/agents")).not.toContain(agent.id);

    const acts: Array<[string, string, unknown?]> = [
      ["POST", `/api/v1/agents/${agent.id}/stop`],
      ["POST", `/api/v1/agents/${agent.id}/start`],
      ["POST", `/api/v1/agents/${agent.id}/messages`, { body: "hi" }],
      ["PATCH", `/api/v1/agents/${agent.id}`, { task: "mine now" }],
      ["DELETE", `/api/v1/agents/${agent.id}`],
      ["DELETE", `/api/v1/projects/${p.id}/agents/worker`],
      ["POST", `/api/v1/agents/${agent.id}/reset-auth`],
    ];
    for (const [method, path, body] of acts) {
      const res = await carol.request(path, { method, ...(body !== undefined && { json: body }) });
      expect([method, path, res.status]).toEqual([method, path, 403]);
      expect((await json<ErrorBody>(res)).error.code).toBe("forbidden");
      const stranger = await dave.request(path, { method, ...(body !== undefined && { json: body }) });
      expect([method, path, stranger.status]).toEqual([method, path, 404]);
    }
    expect(await t.hub.runtime.prisma.message.count({ where: { agentId: agent.id } })).toBe(0);
    expect((await t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: agent.id } })).task).toBeNull();

    // Once removed, the agent is gone for her.
    expect(
      (await alice.request(`/api/v1/projects/${p.id}/members/${carol.user.id}`, { method: "DELETE" })).status,
    ).toBe(204);
    expect((await carol.request(`/api/v1/agents/${agent.id}`)).status).toBe(404);
  });

  it("an open event stream starts carrying the project's agent events once its reader becomes a member", async () => {
    const p = await newProject(alice, "streamed");
    const agent = await newAgent(alice, p.id, "talker");
    const stream = await openEventStream(`${t.url}/api/v1/events?sub=agent.${agent.id}.>`, {
      authorization: `Bearer ${dave.token}`,
    });
    try {
      expect(stream.res.status).toBe(200);
      const publish = (marker: string) =>
        t.hub.runtime.events.publish({
          subject: `agent.${agent.id}.status`,
          data: { ...agent, marker },
        });
      await publish("before");
      expect((await addMember(alice, p.id, { userId: dave.user.id })).status).toBe(201);
      // The membership reaches the stream through its re-check; publish until an event gets through.
      await until(async () => {
        await publish("after");
        return stream.events.some((e) => (e.data as { data?: { marker?: string } }).data?.marker === "after");
      }, "an agent event for the new member");
      expect(stream.events.some((e) => (e.data as { data?: { marker?: string } }).data?.marker === "before")).toBe(
        false,
      );
    } finally {
      stream.close();
    }
  });

  it("GET /api/v1/projects - counts running, waiting for input and all agents in one grouped answer", async () => {
    const p = await newProject(alice, "counted");
    const [a, b] = await Promise.all([newAgent(alice, p.id, "one"), newAgent(bob, p.id, "two")]);
    await newAgent(alice, p.id, "three");
    const { prisma } = t.hub.runtime;
    await prisma.agent.update({ where: { id: a.id }, data: { phase: "running", activity: "waiting_for_input" } });
    await prisma.agent.update({ where: { id: b.id }, data: { phase: "running", activity: "thinking" } });
    const item = (await json<{ items: Project[] }>(await carol.request("/api/v1/projects?q=counted"))).items[0];
    expect(item).toMatchObject({ id: p.id, counts: { running: 2, waitingForInput: 1, total: 3 }, role: null });
    expect((await json<Project>(await alice.request(`/api/v1/projects/${p.id}`))).counts).toEqual({
      running: 2,
      waitingForInput: 1,
      total: 3,
    });
  });
});

describe("POST /api/v1/projects/{id}/broadcast", () => {
  it("types one message into each running agent of the project (managers), not into stopped ones; results name each; audited", async () => {
    const p = await newProject(alice, "broadcast");
    expect((await addMember(alice, p.id, { userId: carol.user.id })).status).toBe(201);
    const mine = await newAgent(alice, p.id, "alpha", true);
    const bobs = await newAgent(bob, p.id, "beta", true);
    const stopped = await newAgent(alice, p.id, "gamma", true);
    expect((await alice.request(`/api/v1/agents/${stopped.id}/stop`, { method: "POST" })).status).toBeLessThan(300);
    await until(
      async () => (await t.hub.runtime.prisma.agent.findUnique({ where: { id: stopped.id } }))?.phase === "stopped",
      "the agent stopped",
    );
    calls = [];

    const res = await alice.request(`/api/v1/projects/${p.id}/broadcast`, {
      method: "POST",
      json: { body: "please rebase on main" },
    });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({
      total: 2,
      delivered: 2,
      queued: 0,
      failed: 0,
      results: [
        { agentId: mine.id, name: "alpha", status: "delivered" },
        { agentId: bobs.id, name: "beta", status: "delivered" },
      ],
    });
    const typed = calls.filter((c) => c.op === "agent.message");
    expect(typed.map((c) => [c.args.agentId, c.args.text]).sort()).toEqual(
      [
        [mine.id, "please rebase on main"],
        [bobs.id, "please rebase on main"],
      ].sort(),
    );
    const { prisma } = t.hub.runtime;
    expect(await prisma.message.count({ where: { agentId: stopped.id } })).toBe(0);
    const msgs = await prisma.message.findMany({ where: { agentId: { in: [mine.id, bobs.id] } } });
    expect(msgs.map((m) => [m.channel, m.sender, m.dispatchState])).toEqual([
      ["broadcast", `user:${alice.user.id}`, "dispatched"],
      ["broadcast", `user:${alice.user.id}`, "dispatched"],
    ]);
    const audit = await prisma.auditEvent.findFirst({ where: { targetId: p.id, action: "project.broadcast" } });
    expect(audit).toMatchObject({ principal: `user:${alice.user.id}`, details: { total: 2, delivered: 2 } });

    // A plain member is refused; a stranger to a members-only project is told it does not exist.
    calls = [];
    const member = await carol.request(`/api/v1/projects/${p.id}/broadcast`, { method: "POST", json: { body: "x" } });
    expect(member.status).toBe(403);
    expect((await json<ErrorBody>(member)).error.code).toBe("forbidden");
    expect((await patch(alice, p.id, { visibility: "members" })).status).toBe(200);
    const stranger = await dave.request(`/api/v1/projects/${p.id}/broadcast`, { method: "POST", json: { body: "x" } });
    expect(stranger.status).toBe(404);
    expect(calls.filter((c) => c.op === "agent.message")).toEqual([]);

    // With interrupt, an agent whose interrupt fails is reported failed; the others still get the message.
    refuseInterrupt.add(bobs.id);
    const interrupted = await admin.request(`/api/v1/projects/${p.id}/broadcast`, {
      method: "POST",
      json: { body: "stop and listen", interrupt: true },
    });
    expect(interrupted.status).toBe(200);
    expect(await json(interrupted)).toEqual({
      total: 2,
      delivered: 1,
      queued: 0,
      failed: 1,
      results: [
        { agentId: mine.id, name: "alpha", status: "delivered" },
        { agentId: bobs.id, name: "beta", status: "failed", error: expect.stringContaining("session is gone") },
      ],
    });
  });
});
