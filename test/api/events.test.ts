import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openEventStream } from "../sse-client";
import { startTestHub, type TestHub, type TestUser } from "../start-test-hub";

let t: TestHub;
let alice: TestUser;
let bob: TestUser;
let admin: TestUser;
let projectId: string;

beforeAll(async () => {
  t = await startTestHub();
  [alice, bob, admin] = await Promise.all([t.createUser(), t.createUser(), t.createUser({ role: "admin" })]);
  projectId = ((await (await alice.request("/api/v1/projects", { method: "POST", json: { name: "events" } })).json()) as { id: string }).id;
});
afterAll(async () => {
  await t.close();
});

const stream = (user: TestUser, query = "sub=project.*.agent.>") => openEventStream(`${t.url}/api/v1/events?${query}`, { authorization: `Bearer ${user.token}` });

describe("GET /api/v1/events", () => {
  it("streams agent events to the owner and admins, never to another member", async () => {
    const [aliceStream, bobStream, adminStream] = await Promise.all([stream(alice), stream(bob), stream(admin)]);
    try {
      expect(aliceStream.res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
      const created = (await (await alice.request("/api/v1/agents", { method: "POST", json: { projectId, name: "watched" } })).json()) as { id: string };
      const isCreated = (e: { event: string; data: unknown }) => e.event === "update" && (e.data as { subject: string }).subject === `project.${projectId}.agent.created`;
      const seen = await aliceStream.next(isCreated);
      expect(seen.data).toMatchObject({ subject: `project.${projectId}.agent.created`, data: { id: created.id, ownerId: `user:${alice.user.id}` } });
      await adminStream.next(isCreated);
      // Bob's own agent event arrives after alice's would have; by then he must not have alice's.
      await bob.request("/api/v1/agents", { method: "POST", json: { projectId, name: "bobs" } });
      const bobs = await bobStream.next(isCreated);
      expect((bobs.data as { data: { ownerId: string } }).data.ownerId).toBe(`user:${bob.user.id}`);
      expect(bobStream.events.filter(isCreated)).toHaveLength(1);
    } finally {
      aliceStream.close();
      bobStream.close();
      adminStream.close();
    }
  });

  it("refuses callers without credentials and invalid patterns with the envelope", async () => {
    const anon = await fetch(`${t.url}/api/v1/events`);
    expect(anon.status).toBe(401);
    expect(await anon.json()).toEqual({ error: { code: "unauthorized", message: "Sign in or send a token." } });
    const bad = await fetch(`${t.url}/api/v1/events?sub=agent..%3E.x`, { headers: { authorization: `Bearer ${alice.token}` } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("validation_error");
  });
});
