import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeSessionCookie, SESSION_COOKIE } from "../../lib/auth/session-cookie";
import { spawnHub } from "../spawn-hub";
import { openEventStream, type SseEvent } from "../sse-client";
import { startTestHub, type TestHub, type TestUser } from "../start-test-hub";
import { until } from "../until";

let t: TestHub;
let alice: TestUser;
let bob: TestUser;
let admin: TestUser;
let projectId: string;

beforeAll(async () => {
  t = await startTestHub();
  [alice, bob, admin] = await Promise.all([t.createUser(), t.createUser(), t.createUser({ role: "admin" })]);
  projectId = (
    (await (await alice.request("/api/v1/projects", { method: "POST", json: { name: "events" } })).json()) as {
      id: string;
    }
  ).id;
});
afterAll(async () => {
  await t.close();
});

const stream = (user: TestUser, query = "sub=project.*.agent.>") =>
  openEventStream(`${t.url}/api/v1/events?${query}`, { authorization: `Bearer ${user.token}` });

describe("GET /api/v1/events", () => {
  it("streams agent events to the owner and admins, never to another member", async () => {
    const [aliceStream, bobStream, adminStream] = await Promise.all([stream(alice), stream(bob), stream(admin)]);
    try {
      expect(aliceStream.res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
      const created = (await (
        await alice.request("/api/v1/agents", { method: "POST", json: { projectId, name: "watched" } })
      ).json()) as { id: string };
      const isCreated = (e: { event: string; data: unknown }) =>
        e.event === "update" && (e.data as { subject: string }).subject === `project.${projectId}.agent.created`;
      const seen = await aliceStream.next(isCreated);
      expect(seen.data).toMatchObject({
        subject: `project.${projectId}.agent.created`,
        data: { id: created.id, ownerId: `user:${alice.user.id}` },
      });
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
    const bad = await fetch(`${t.url}/api/v1/events?sub=agent..%3E.x`, {
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("validation_error");
  });

  it("a person who is suspended loses their open streams within seconds, token and cookie alike", async () => {
    const carol = await t.createUser();
    const cookie = `${SESSION_COOKIE}=${await encodeSessionCookie(t.hub.runtime.sessionSecret, carol.user)}`;
    const byToken = await stream(carol, "sub=broker.>");
    const byCookie = await openEventStream(`${t.url}/api/v1/events?sub=broker.>`, { cookie });
    expect([byToken.res.status, byCookie.res.status]).toEqual([200, 200]);
    const started = Date.now();
    expect(
      (await admin.request(`/api/v1/users/${carol.user.id}`, { method: "PATCH", json: { status: "suspended" } }))
        .status,
    ).toBe(200);
    // Well before the 15 s heartbeat re-check: the account change itself closes them.
    await until(() => byToken.isClosed() && byCookie.isClosed(), "both streams to close", 5000);
    expect(Date.now() - started).toBeLessThan(5000);
    const again = await fetch(`${t.url}/api/v1/events`, { headers: { cookie } });
    expect(again.status).toBe(403);
  });

  it("an admin demoted to member stops receiving admin-only subjects at once", async () => {
    const dana = await t.createUser({ role: "admin" });
    const danaStream = await stream(dana, "sub=maintenance.>&sub=broker.>");
    const isRun = (id: string) => (e: SseEvent) =>
      e.event === "update" && (e.data as { subject: string }).subject === `maintenance.run.${id}.progress`;
    const isMarker = (n: string) => (e: SseEvent) =>
      e.event === "update" && (e.data as { subject: string }).subject === `broker.${n}.status`;
    try {
      await t.hub.runtime.events.publish({ subject: "maintenance.run.before.progress", data: { done: 1 } });
      await danaStream.next(isRun("before"));
      expect(
        (await admin.request(`/api/v1/users/${dana.user.id}`, { method: "PATCH", json: { role: "member" } })).status,
      ).toBe(200);
      await t.hub.runtime.events.publish({ subject: "maintenance.run.after.progress", data: { done: 2 } });
      // Broker status is for every person: once it arrives, the run's progress would have too.
      await t.hub.runtime.events.publish({ subject: "broker.marker.status", data: { id: "marker" } });
      await danaStream.next(isMarker("marker"));
      expect(danaStream.events.filter(isRun("after"))).toEqual([]);
      expect(danaStream.isClosed()).toBe(false);
    } finally {
      danaStream.close();
    }
  });

  it("a suspension made on one replica closes the person's stream on another within seconds", async () => {
    const erin = await t.createUser();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-replica-"));
    fs.chmodSync(dataDir, 0o755);
    const other = spawnHub({
      DATABASE_URL: t.db.url,
      PORT: "0",
      SESSION_SECRET: "test-secret-".padEnd(48, "x"),
      SCION_DATA_DIR: dataDir,
      SCION_LOCAL_BROKER: "false",
    });
    try {
      const otherUrl = await other.ready;
      const remote = await openEventStream(`${otherUrl}/api/v1/events?sub=broker.>`, {
        authorization: `Bearer ${erin.token}`,
      });
      expect(remote.res.status).toBe(200);
      const started = Date.now();
      expect(
        (await admin.request(`/api/v1/users/${erin.user.id}`, { method: "PATCH", json: { status: "suspended" } }))
          .status,
      ).toBe(200);
      await until(() => remote.isClosed(), "the other replica's stream to close", 5000);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      other.child.kill("SIGTERM");
      await other.exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
