import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventDelivery } from "../../lib/events/event-bus";
import { startTestHub, type TestHub, type TestUser } from "../start-test-hub";

let t: TestHub;
let alice: TestUser;
let bob: TestUser;
let admin: TestUser;
let projectId: string;

const json = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as T;

beforeAll(async () => {
  t = await startTestHub();
  [alice, bob, admin] = await Promise.all([t.createUser(), t.createUser(), t.createUser({ role: "admin" })]);
  projectId = (await json<{ id: string }>(await alice.request("/api/v1/projects", { method: "POST", json: { name: "fleet" } }))).id;
});
afterAll(async () => {
  await t.close();
});

async function createAgent(user: TestUser, name: string, extra: Record<string, unknown> = {}) {
  const res = await user.request("/api/v1/agents", { method: "POST", json: { projectId, name, ...extra } });
  expect(res.status).toBe(201);
  return json<{ id: string; slug: string; phase: string; ownerId: string }>(res);
}

describe("agents", () => {
  it("POST /api/v1/agents - records the agent, owned by its creator, and announces it", async () => {
    const deliveries: EventDelivery[] = [];
    const unsubscribe = t.hub.runtime.events.subscribe([`project.${projectId}.agent.>`], (d) => deliveries.push(d));
    const res = await alice.request("/api/v1/agents", { method: "POST", json: { projectId, name: "Scout 1", task: "map the repo", env: { MODE: "fast" } } });
    unsubscribe();
    expect(res.status).toBe(201);
    const agent = await json(res);
    expect(agent).toEqual({
      id: expect.any(String),
      slug: "scout-1",
      name: "Scout 1",
      projectId,
      brokerId: null,
      phase: "created",
      activity: null,
      detail: null,
      task: "map the repo",
      harness: "shell",
      createdBy: `user:${alice.user.id}`,
      ownerId: `user:${alice.user.id}`,
      ports: {},
      urls: {},
      lastSeen: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      stateVersion: 0,
    });
    await Promise.resolve();
    expect(deliveries).toEqual([{ kind: "event", event: { subject: `project.${projectId}.agent.created`, data: agent } }]);
  });

  it("another member cannot see or touch an agent; an admin can", async () => {
    const agent = await createAgent(alice, "private-one");
    for (const [method, path] of [
      ["GET", `/api/v1/agents/${agent.id}`],
      ["PATCH", `/api/v1/agents/${agent.id}`],
      ["DELETE", `/api/v1/agents/${agent.id}`],
      ["GET", `/api/v1/projects/fleet/agents/private-one`],
      ["POST", `/api/v1/agents/${agent.id}/stop`],
    ] as const) {
      const res = await bob.request(path, { method, ...(method === "PATCH" && { json: { task: "x" } }) });
      expect([method, path, res.status]).toEqual([method, path, 404]);
    }
    const bobsList = await json<{ items: Array<{ id: string }> }>(await bob.request(`/api/v1/agents?projectId=${projectId}`));
    expect(bobsList.items.map((a) => a.id)).not.toContain(agent.id);
    expect((await admin.request(`/api/v1/agents/${agent.id}`)).status).toBe(200);
  });

  it("GET /api/v1/agents - filters, sorts and pages", async () => {
    const project = await json<{ id: string }>(await bob.request("/api/v1/projects", { method: "POST", json: { name: "sorting" } }));
    for (const name of ["delta", "alpha", "charlie", "bravo"]) {
      expect((await bob.request("/api/v1/agents", { method: "POST", json: { projectId: project.id, name } })).status).toBe(201);
    }
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Array<{ name: string }>; nextCursor: string | null } = await json(
        await bob.request(`/api/v1/agents?projectId=${project.id}&sort=name&order=asc&limit=3${cursor ? `&cursor=${cursor}` : ""}`),
      );
      names.push(...page.items.map((a) => a.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(names).toEqual(["alpha", "bravo", "charlie", "delta"]);
    const q = await json<{ items: Array<{ name: string }> }>(await bob.request(`/api/v1/agents?projectId=${project.id}&q=ARL`));
    expect(q.items.map((a) => a.name)).toEqual(["charlie"]);
    const none = await json<{ items: unknown[] }>(await bob.request(`/api/v1/agents?projectId=${project.id}&phase=running`));
    expect(none.items).toEqual([]);
    const bad = await bob.request(`/api/v1/agents?phase=flying`);
    expect(bad.status).toBe(400);
  });

  it("starting needs a runtime broker: none online is 422, nothing changes; stopping an agent at rest is a no-op", async () => {
    const agent = await createAgent(alice, "needs-broker");
    for (const action of ["start", "restart"]) {
      const res = await alice.request(`/api/v1/agents/${agent.id}/${action}`, { method: "POST" });
      expect(res.status).toBe(422);
      expect(await json(res)).toEqual({ error: { code: "no_runtime_broker", message: "No runtime broker is online to take this agent." } });
    }
    const stop = await alice.request(`/api/v1/agents/${agent.id}/stop`, { method: "POST" });
    expect(stop.status).toBe(200);
    expect((await json<{ agent: { phase: string } }>(stop)).agent.phase).toBe("created");
    const withStart = await alice.request("/api/v1/agents", { method: "POST", json: { projectId, name: "started", start: true } });
    expect(withStart.status).toBe(422);
    expect(await t.hub.runtime.prisma.agent.count({ where: { slug: "started" } })).toBe(0);
    const reset = await alice.request(`/api/v1/agents/${agent.id}/reset-auth`, { method: "POST" });
    expect(reset.status).toBe(409);
    expect((await json<{ agent?: unknown; phase?: string }>(await alice.request(`/api/v1/agents/${agent.id}`))).phase).toBe("created");
  });

  it("PATCH then DELETE - renamed, then gone and announced", async () => {
    const agent = await createAgent(alice, "short-lived");
    const patched = await json<{ name: string; slug: string }>(await alice.request(`/api/v1/agents/${agent.id}`, { method: "PATCH", json: { name: "Renamed", task: null } }));
    expect(patched).toMatchObject({ name: "Renamed", slug: "short-lived" });
    const deliveries: EventDelivery[] = [];
    const unsubscribe = t.hub.runtime.events.subscribe([`agent.${agent.id}.*`], (d) => deliveries.push(d));
    expect((await alice.request(`/api/v1/agents/${agent.id}`, { method: "DELETE" })).status).toBe(204);
    unsubscribe();
    expect((await alice.request(`/api/v1/agents/${agent.id}`)).status).toBe(404);
    expect(deliveries.map((d) => d.kind === "event" && d.event.subject)).toEqual([`agent.${agent.id}.deleted`]);
    const audit = await t.hub.runtime.prisma.auditEvent.findMany({ where: { targetId: agent.id }, orderBy: { createdAt: "asc" } });
    expect(audit.map((a) => a.action)).toEqual(["agent.create", "agent.update", "agent.delete"]);
  });

  it.each([
    ["a generic harness without a command", { name: "g", harness: "generic" }],
    ["an unknown harness", { name: "g", harness: "skynet" }],
    ["a bad env name", { name: "g", env: { "BAD-NAME": "1" } }],
    ["a non-string env value", { name: "g", env: { A: 1 } }],
    ["a name with a slash", { name: "../etc" }],
  ])("POST /api/v1/agents - %s is a 400", async (_case, body) => {
    const res = await alice.request("/api/v1/agents", { method: "POST", json: { projectId, ...body } });
    expect(res.status).toBe(400);
    expect((await json<{ error: { code: string } }>(res)).error.code).toBe("validation_error");
  });
});
