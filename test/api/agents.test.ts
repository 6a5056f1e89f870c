import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintAgentToken } from "../../lib/auth/agent-token";
import { findAgentById } from "../../lib/agents/get-agent-or-throw";
import { registerBroker } from "../../lib/brokers/register-broker";
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
  projectId = (
    await json<{ id: string }>(await alice.request("/api/v1/projects", { method: "POST", json: { name: "fleet" } }))
  ).id;
});
afterAll(async () => {
  await t.close();
});

async function createAgent(user: TestUser, name: string, extra: Record<string, unknown> = {}) {
  const res = await user.request("/api/v1/agents", { method: "POST", json: { projectId, name, ...extra } });
  expect(res.status).toBe(201);
  return json<{ id: string; slug: string; phase: string; ownerId: string }>(res);
}

/**
 * Two agents named `${prefix}-bare` (as created) and `${prefix}-full`, whose every column is set
 * (written behind the API, as other versions and replicas might have).
 */
async function bareAndFullAgents(user: TestUser, prefix: string) {
  const bare = await createAgent(user, `${prefix}-bare`);
  const full = await createAgent(user, `${prefix}-full`, { secrets: ["SOME_KEY"], limits: { maxTurns: 7 } });
  const at = (s: string) => new Date(`2026-12-02T10:11:${s}Z`);
  await t.hub.runtime.prisma.agent.update({
    where: { id: full.id },
    data: {
      command: "bash -lc 'echo hi'",
      task: "a task",
      model: "a-model",
      templateId: "8c0f7c3e-1111-4222-8333-944445555666",
      templateSnapshot: {
        id: "8c0f7c3e-1111-4222-8333-944445555666",
        slug: "tpl",
        name: "A template",
        files: [{ path: "a", mode: 420 }],
        nested: { n: null },
      },
      branch: `scion/${prefix}-full`,
      baseBranch: "main",
      turnCount: 3,
      lastOutput: "done \u2713",
      sessionStartedAt: at("01.001"),
      envSealed: "v1.sealed-bytes",
      legacyEnv: { OLD: "value" },
      phase: "running",
      activity: "waiting_for_input",
      previousActivity: "executing",
      detail: 'a "quoted" detail\nwith a newline and ünïcödé',
      ports: { A: 8001, B: 8002 },
      urls: { A: "http://host:8001" },
      lastSeen: at("12.345"),
      lastActivityAt: at("03.003"),
      startedAt: at("04.004"),
    },
  });
  return [bare, full] as const;
}

describe("agents", () => {
  it("POST /api/v1/agents - records the agent, owned by its creator, and announces it", async () => {
    const deliveries: EventDelivery[] = [];
    const unsubscribe = t.hub.runtime.events.subscribe([`project.${projectId}.agent.>`], (d) => deliveries.push(d));
    const res = await alice.request("/api/v1/agents", {
      method: "POST",
      json: { projectId, name: "Scout 1", task: "map the repo", env: { MODE: "fast" } },
    });
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
      model: null,
      templateId: null,
      template: null,
      secrets: [],
      branch: null,
      baseBranch: null,
      limits: {},
      lastOutput: null,
      turnCount: 0,
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
    expect(deliveries).toEqual([
      { kind: "event", event: { subject: `project.${projectId}.agent.created`, data: agent } },
    ]);
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
    const bobsList = await json<{ items: Array<{ id: string }> }>(
      await bob.request(`/api/v1/agents?projectId=${projectId}`),
    );
    expect(bobsList.items.map((a) => a.id)).not.toContain(agent.id);
    expect((await admin.request(`/api/v1/agents/${agent.id}`)).status).toBe(200);
  });

  it("GET /api/v1/agents - filters, sorts and pages", async () => {
    const project = await json<{ id: string }>(
      await bob.request("/api/v1/projects", { method: "POST", json: { name: "sorting" } }),
    );
    for (const name of ["delta", "alpha", "charlie", "bravo"]) {
      expect(
        (await bob.request("/api/v1/agents", { method: "POST", json: { projectId: project.id, name } })).status,
      ).toBe(201);
    }
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Array<{ name: string }>; nextCursor: string | null } = await json(
        await bob.request(
          `/api/v1/agents?projectId=${project.id}&sort=name&order=asc&limit=3${cursor ? `&cursor=${cursor}` : ""}`,
        ),
      );
      names.push(...page.items.map((a) => a.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(names).toEqual(["alpha", "bravo", "charlie", "delta"]);
    const q = await json<{ items: Array<{ name: string }> }>(
      await bob.request(`/api/v1/agents?projectId=${project.id}&q=ARL`),
    );
    expect(q.items.map((a) => a.name)).toEqual(["charlie"]);
    const none = await json<{ items: unknown[] }>(
      await bob.request(`/api/v1/agents?projectId=${project.id}&phase=running`),
    );
    expect(none.items).toEqual([]);
    const bad = await bob.request(`/api/v1/agents?phase=flying`);
    expect(bad.status).toBe(400);
  });

  it("GET /api/v1/agents - every sort and order pages through what the caller sees, each agent once, in order; search is literal", async () => {
    const carol = await t.createUser();
    const project = await json<{ id: string }>(
      await carol.request("/api/v1/projects", { method: "POST", json: { name: "paging" } }),
    );
    const add = await carol.request(`/api/v1/projects/${project.id}/members`, {
      method: "POST",
      json: { userId: bob.user.id },
    });
    expect(add.status).toBe(201);
    const made: Array<{ id: string; name: string; owner: TestUser }> = [];
    for (const [i, name] of ["under_score", "underXscore", "plain", "Zulu", "alpha", "mid-way", "mid"].entries()) {
      const owner = i % 2 ? bob : carol;
      const res = await owner.request("/api/v1/agents", { method: "POST", json: { projectId: project.id, name } });
      expect(res.status).toBe(201);
      made.push({ ...(await json<{ id: string }>(res)), name, owner });
    }
    // Phases and update times apart, so every sort has something to order.
    const { prisma } = t.hub.runtime;
    await prisma.agent.update({ where: { id: made[2]!.id }, data: { phase: "running" } });
    await prisma.agent.update({ where: { id: made[4]!.id }, data: { phase: "stopped" } });
    await prisma.agent.update({ where: { id: made[0]!.id }, data: { phase: "running" } });

    type Row = { id: string; name: string; phase: string; createdAt: string; updatedAt: string };
    const walk = async (user: TestUser, query: string) => {
      const rows: Row[] = [];
      let cursor: string | null = null;
      do {
        const res = await user.request(`/api/v1/agents?${query}&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
        expect(res.status).toBe(200);
        const page: { items: Row[]; nextCursor: string | null } = await json(res);
        rows.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      return rows;
    };
    // The order the database itself gives for the same sort (phase by the enum's declaration order).
    const expected = async (sort: string, order: string, ids: string[]) => {
      const column = { name: `"name"`, created: `"createdAt"`, updated: `"updatedAt"`, phase: `"phase"` }[sort]!;
      const dir = order === "asc" ? "ASC" : "DESC";
      const { rows } = await t.hub.runtime.db.pool.query<{ id: string }>(
        `SELECT id FROM agents WHERE id = ANY($1::uuid[]) ORDER BY ${column} ${dir}, id ${dir}`,
        [ids],
      );
      return rows.map((r) => r.id);
    };
    const all = made.map((a) => a.id);
    for (const sort of ["name", "created", "updated", "phase"])
      for (const order of ["asc", "desc"]) {
        // Bob is a member: he sees the project's agents, his own and carol's.
        const seen = await walk(bob, `projectId=${project.id}&sort=${sort}&order=${order}`);
        expect([sort, order, seen.map((r) => r.id)]).toEqual([sort, order, await expected(sort, order, all)]);
      }
    // Someone outside the project sees none of them; an admin sees all.
    expect(await walk(alice, `projectId=${project.id}`)).toEqual([]);
    expect((await walk(admin, `projectId=${project.id}`)).length).toBe(made.length);
    // Filters combine with paging: the running ones, by name.
    expect((await walk(bob, `projectId=${project.id}&phase=running&sort=name&order=asc`)).map((r) => r.name)).toEqual([
      "plain",
      "under_score",
    ]);
    // _ and % are searched for as they are, not as LIKE patterns; case does not matter.
    const search = async (q: string) =>
      (await walk(bob, `projectId=${project.id}&q=${encodeURIComponent(q)}&sort=name&order=asc`)).map((r) => r.name);
    expect(await search("_")).toEqual(["under_score"]);
    expect(await search("%")).toEqual([]);
    expect(await search("ZU")).toEqual(["Zulu"]);
    expect(await search("mid")).toEqual(["mid", "mid-way"]);
    // A cursor that is not one of ours is a 400, whatever the sort.
    for (const sort of ["name", "created", "phase"]) {
      const bad = await bob.request(
        `/api/v1/agents?sort=${sort}&cursor=${Buffer.from('["x","y"]').toString("base64url")}`,
      );
      expect([sort, bad.status]).toEqual([sort, 400]);
    }
  });

  it("GET /api/v1/agents - the list's agent JSON (read column by column) is the agent's own JSON, every field set or not", async () => {
    const [bare, full] = await bareAndFullAgents(alice, "json");
    const listed = await json<{ items: Array<Record<string, unknown>> }>(
      await alice.request(`/api/v1/agents?q=json-&sort=name&order=asc`),
    );
    expect(listed.items.map((a) => a.name)).toEqual(["json-bare", "json-full"]);
    for (const [i, agent] of [bare, full].entries()) {
      const own = await json<Record<string, unknown>>(await alice.request(`/api/v1/agents/${agent.id}`));
      expect(listed.items[i]).toEqual(own);
    }
    expect(listed.items[1]).toMatchObject({
      // A snapshot this version does not read whole still names its template.
      template: { id: "8c0f7c3e-1111-4222-8333-944445555666", slug: "tpl", name: "A template" },
      lastSeen: "2026-12-02T10:11:12.345Z",
      secrets: ["SOME_KEY"],
      ports: { A: 8001, B: 8002 },
    });
  });

  it("an agent's routes read its row with plain SQL: the same Agent as Prisma reads, every column set or not", async () => {
    const [bare, full] = await bareAndFullAgents(alice, "row");
    for (const agent of [bare, full]) {
      const raw = await findAgentById(t.hub.runtime.db, agent.id);
      expect(raw).toEqual(await t.hub.runtime.prisma.agent.findUnique({ where: { id: agent.id } }));
      expect(raw!.createdAt).toBeInstanceOf(Date);
    }
    expect(await findAgentById(t.hub.runtime.db, crypto.randomUUID())).toBeNull();
  });

  it("GET /api/v1/agents - never serves an agent's old JSON: a change made behind the hub's back (another replica, SQL) shows at once, in every sort and page", async () => {
    const agents = await Promise.all(["fresh-a", "fresh-b", "fresh-c"].map((name) => createAgent(alice, name)));
    const list = async (query: string) =>
      json<{ items: Array<{ id: string; detail: string | null; name: string }>; nextCursor: string | null }>(
        await alice.request(`/api/v1/agents?q=fresh-&${query}`),
      );
    // Read once, so this replica holds the agents' JSON.
    expect((await list("sort=name&order=asc")).items.map((a) => a.detail)).toEqual([null, null, null]);
    const pool = t.hub.runtime.db.pool;
    await pool.query(`UPDATE agents SET "detail" = 'changed by SQL' WHERE "id" = $1::uuid`, [agents[1]!.id]);
    expect((await list("sort=name&order=asc")).items.map((a) => a.detail)).toEqual([null, "changed by SQL", null]);
    // Two changes in one transaction: the committed one is what is listed.
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await client.query(`UPDATE agents SET "detail" = 'first' WHERE "id" = $1::uuid`, [agents[0]!.id]);
      await client.query(`UPDATE agents SET "detail" = 'second', "name" = 'fresh-z' WHERE "id" = $1::uuid`, [
        agents[0]!.id,
      ]);
      await client.query("COMMIT");
    } finally {
      client.release();
    }
    const byName = await list("sort=name&order=asc");
    expect(byName.items.map((a) => [a.name, a.detail])).toEqual([
      ["fresh-b", "changed by SQL"],
      ["fresh-c", null],
      ["fresh-z", "second"],
    ]);
    // Paged one at a time, from the cached texts, the cursor still walks every agent once.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(`sort=updated&order=desc&limit=1${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...page.items.map((a) => a.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual(["fresh-b", "fresh-c", "fresh-z"]);
    // A deleted agent leaves the list at once too.
    await pool.query(`DELETE FROM agents WHERE "id" = $1::uuid`, [agents[2]!.id]);
    expect((await list("sort=name&order=asc")).items.map((a) => a.name)).toEqual(["fresh-b", "fresh-z"]);
  });

  it("starting needs a runtime broker: none online is 422, nothing changes; stopping an agent at rest is a no-op", async () => {
    const agent = await createAgent(alice, "needs-broker");
    for (const action of ["start", "restart"]) {
      const res = await alice.request(`/api/v1/agents/${agent.id}/${action}`, { method: "POST" });
      expect(res.status).toBe(422);
      expect(await json(res)).toEqual({
        error: { code: "no_runtime_broker", message: "No runtime broker is online to take this agent." },
      });
    }
    const stop = await alice.request(`/api/v1/agents/${agent.id}/stop`, { method: "POST" });
    expect(stop.status).toBe(200);
    expect((await json<{ agent: { phase: string } }>(stop)).agent.phase).toBe("created");
    const withStart = await alice.request("/api/v1/agents", {
      method: "POST",
      json: { projectId, name: "started", start: true },
    });
    expect(withStart.status).toBe(422);
    expect(await t.hub.runtime.prisma.agent.count({ where: { slug: "started" } })).toBe(0);
    const reset = await alice.request(`/api/v1/agents/${agent.id}/reset-auth`, { method: "POST" });
    expect(reset.status).toBe(409);
    expect(
      (await json<{ agent?: unknown; phase?: string }>(await alice.request(`/api/v1/agents/${agent.id}`))).phase,
    ).toBe("created");
  });

  it("PATCH then DELETE - renamed, then gone and announced", async () => {
    const agent = await createAgent(alice, "short-lived");
    const patched = await json<{ name: string; slug: string }>(
      await alice.request(`/api/v1/agents/${agent.id}`, { method: "PATCH", json: { name: "Renamed", task: null } }),
    );
    expect(patched).toMatchObject({ name: "Renamed", slug: "short-lived" });
    const deliveries: EventDelivery[] = [];
    const unsubscribe = t.hub.runtime.events.subscribe([`agent.${agent.id}.*`], (d) => deliveries.push(d));
    expect((await alice.request(`/api/v1/agents/${agent.id}`, { method: "DELETE" })).status).toBe(204);
    unsubscribe();
    expect((await alice.request(`/api/v1/agents/${agent.id}`)).status).toBe(404);
    expect(deliveries.map((d) => d.kind === "event" && d.event.subject)).toEqual([`agent.${agent.id}.deleted`]);
    const audit = await t.hub.runtime.prisma.auditEvent.findMany({
      where: { targetId: agent.id },
      orderBy: { createdAt: "asc" },
    });
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

  it("a sub-agent made with an agent token belongs to the parent's person, in the parent's project and on its broker", async () => {
    const { prisma, sessionSecret } = t.hub.runtime;
    const [{ broker }, { broker: elsewhere }] = [
      await registerBroker(prisma, admin.user, "sub home"),
      await registerBroker(prisma, admin.user, "sub elsewhere"),
    ];
    const parent = await createAgent(alice, "parent");
    const { token } = await mintAgentToken(
      sessionSecret,
      await prisma.agent.update({ where: { id: parent.id }, data: { brokerId: broker.id } }),
    );
    const asParent = (pathname: string, body: unknown) =>
      fetch(`${t.url}${pathname}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });

    const child = await json<{ id: string; ownerId: string; createdBy: string; projectId: string; brokerId: string }>(
      await asParent("/api/v1/agents", { projectId, name: "child" }),
    );
    expect(child).toMatchObject({
      ownerId: `user:${alice.user.id}`,
      createdBy: `agent:${parent.id}`,
      projectId,
      brokerId: broker.id,
    });
    const second = await asParent(`/api/v1/projects/${projectId}/agents`, { name: "child-two" });
    expect(second.status).toBe(201);
    expect(await json(second)).toMatchObject({
      ownerId: `user:${alice.user.id}`,
      createdBy: `agent:${parent.id}`,
      brokerId: broker.id,
    });
    // The person behind the parent sees and controls what their agent made.
    expect((await alice.request(`/api/v1/agents/${child.id}`)).status).toBe(200);
    expect(
      (
        await json<{ items: Array<{ id: string }> }>(
          await alice.request(`/api/v1/agents?projectId=${projectId}&limit=500`),
        )
      ).items.map((a) => a.id),
    ).toContain(child.id);
    const audit = await prisma.auditEvent.findFirstOrThrow({ where: { targetId: child.id, action: "agent.create" } });
    expect(audit.principal).toBe(`agent:${parent.id}`);

    // Anywhere else is refused, and nothing is written.
    const other = await json<{ id: string }>(
      await bob.request("/api/v1/projects", { method: "POST", json: { name: "not the parent's" } }),
    );
    for (const [pathname, body, message] of [
      ["/api/v1/agents", { projectId: other.id, name: "stray" }, "A sub-agent stays in its parent agent's project."],
      [`/api/v1/projects/${other.id}/agents`, { name: "stray" }, "A sub-agent stays in its parent agent's project."],
      [
        "/api/v1/agents",
        { projectId, name: "stray", brokerId: elsewhere.id },
        "A sub-agent stays on its parent agent's runtime broker.",
      ],
    ] as const) {
      const res = await asParent(pathname, body);
      expect([pathname, res.status, await json(res)]).toEqual([
        pathname,
        403,
        { error: { code: "forbidden", message } },
      ]);
    }
    expect(await prisma.agent.count({ where: { slug: "stray" } })).toBe(0);
  });

  it("a person owns at most SCION_MAX_AGENTS_PER_USER agents, sub-agents included: beyond it 409 quota_exceeded", async () => {
    const config = t.hub.runtime.config;
    expect(config.maxAgentsPerUser).toBe(100);
    const quinn = await t.createUser();
    config.maxAgentsPerUser = 3;
    try {
      // Five at once: exactly three get in.
      const results = await Promise.all(
        [1, 2, 3, 4, 5].map((i) =>
          quinn.request("/api/v1/agents", { method: "POST", json: { projectId, name: `quota-${i}` } }),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([201, 201, 201, 409, 409]);
      const refusal = {
        error: {
          code: "quota_exceeded",
          message: "Agent quota exceeded: a person may own at most 3 agents (sub-agents included). Delete some first.",
          details: { limit: 3 },
        },
      };
      expect(await json(results.find((r) => r.status === 409)!)).toEqual(refusal);
      const mine = await Promise.all(results.filter((r) => r.status === 201).map((r) => json<{ id: string }>(r)));
      // Their agent's sub-agents count against them too.
      const { token } = await mintAgentToken(
        t.hub.runtime.sessionSecret,
        await t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: mine[0]!.id } }),
      );
      const asAgent = () =>
        fetch(`${t.url}/api/v1/agents`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ projectId, name: "quota-sub" }),
        });
      const sub = await asAgent();
      expect([sub.status, await json(sub)]).toEqual([409, refusal]);
      // Deleting one frees a place.
      expect((await quinn.request(`/api/v1/agents/${mine[1]!.id}`, { method: "DELETE" })).status).toBe(204);
      const freed = await asAgent();
      expect(freed.status).toBe(201);
      expect(await json(freed)).toMatchObject({ ownerId: `user:${quinn.user.id}` });
      expect(await t.hub.runtime.prisma.agent.count({ where: { ownerId: `user:${quinn.user.id}` } })).toBe(3);
    } finally {
      config.maxAgentsPerUser = 100;
    }
  });
});
