import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHub, type TestHub, type TestUser } from "../start-test-hub";

let t: TestHub;
let admin: TestUser;
let member: TestUser;

const json = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as T;

beforeAll(async () => {
  t = await startTestHub();
  admin = await t.createUser({ role: "admin", email: "root@example.com" });
  member = await t.createUser({ email: "mia@example.com" });
});
afterAll(async () => {
  await t.close();
});

describe("users (admin)", () => {
  it("GET /api/v1/users - admins list and filter users; members are refused", async () => {
    const page = await json<{ items: Array<{ email: string }>; nextCursor: string | null }>(
      await admin.request("/api/v1/users?q=MIA"),
    );
    expect(page.items.map((u) => u.email)).toEqual(["mia@example.com"]);
    const denied = await member.request("/api/v1/users");
    expect(denied.status).toBe(403);
    expect(await json(denied)).toEqual({ error: { code: "forbidden", message: "Administrators only." } });
  });

  it("PATCH /api/v1/users/{id} - suspending a user locks them out everywhere at once", async () => {
    const victim = await t.createUser();
    expect((await victim.request("/api/v1/auth/me")).status).toBe(200);
    const res = await admin.request(`/api/v1/users/${victim.user.id}`, {
      method: "PATCH",
      json: { status: "suspended" },
    });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ id: victim.user.id, status: "suspended", role: "member" });
    const refused = await victim.request("/api/v1/projects");
    expect(refused.status).toBe(403);
    expect(await json(refused)).toEqual({ error: { code: "forbidden", message: "This account is suspended." } });
    const audit = await t.hub.runtime.prisma.auditEvent.findFirstOrThrow({
      where: { targetId: victim.user.id, action: "user.update" },
    });
    expect(audit.principal).toBe(`user:${admin.user.id}`);
    expect(audit.details).toEqual({
      from: { role: "member", status: "active" },
      to: { role: "member", status: "suspended" },
    });
  });

  it("PATCH /api/v1/users/{id} - nobody changes their own role or status", async () => {
    const res = await admin.request(`/api/v1/users/${admin.user.id}`, { method: "PATCH", json: { role: "member" } });
    expect(res.status).toBe(403);
    expect((await json<{ error: { message: string } }>(res)).error.message).toBe(
      "You cannot change your own role or status.",
    );
    expect(
      (await member.request(`/api/v1/users/${member.user.id}`, { method: "PATCH", json: { role: "admin" } })).status,
    ).toBe(403);
    const refusals = await t.hub.runtime.prisma.auditEvent.findMany({
      where: { targetType: "request", principal: { in: [`user:${admin.user.id}`, `user:${member.user.id}`] } },
      orderBy: { createdAt: "asc" },
    });
    expect(refusals.map((a) => [a.principal, a.action, a.result])).toEqual([
      [`user:${admin.user.id}`, `PATCH /api/v1/users/${admin.user.id}`, "forbidden"],
      [`user:${member.user.id}`, `PATCH /api/v1/users/${member.user.id}`, "forbidden"],
    ]);
  });

  it.each([
    ["an unknown role", { role: "owner" }, 400],
    ["nothing to change", {}, 400],
    ["an unknown field", { role: "admin", email: "x@y.z" }, 400],
  ])("PATCH /api/v1/users/{id} - %s is refused", async (_case, body, status) => {
    expect((await admin.request(`/api/v1/users/${member.user.id}`, { method: "PATCH", json: body })).status).toBe(
      status,
    );
  });

  it("PATCH /api/v1/users/{id} - a non-UUID or unknown id is not found", async () => {
    expect(
      (await admin.request(`/api/v1/users/..%2F..%2Fetc`, { method: "PATCH", json: { role: "admin" } })).status,
    ).toBe(404);
    expect(
      (
        await admin.request(`/api/v1/users/00000000-0000-4000-8000-000000000000`, {
          method: "PATCH",
          json: { role: "admin" },
        })
      ).status,
    ).toBe(404);
  });
});
