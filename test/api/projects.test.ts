import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHub, type TestHub, type TestUser } from "../start-test-hub";

let t: TestHub;
let alice: TestUser;
let bob: TestUser;
let admin: TestUser;

beforeAll(async () => {
  t = await startTestHub();
  [alice, bob, admin] = await Promise.all([t.createUser(), t.createUser(), t.createUser({ role: "admin" })]);
});
afterAll(async () => {
  await t.close();
});

const json = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as T;

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
      defaultBrokerId: null,
      createdBy: `user:${alice.user.id}`,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(await json(await bob.request(`/api/v1/projects/moon-base`))).toEqual(project);
    expect(await json(await bob.request(`/api/v1/projects/${project.id}`))).toEqual(project);
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
