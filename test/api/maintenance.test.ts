import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventDelivery } from "../../lib/events/event-bus";
import { startTestHub, type TestHub, type TestUser } from "../start-test-hub";
import { until } from "../until";

let t: TestHub;
let admin: TestUser;
let member: TestUser;
let agentId: string;

const json = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as T;
type Run = {
  id: string;
  status: string;
  operationKey: string;
  progress: Record<string, unknown>;
  result: Record<string, unknown> | null;
  log?: string;
  abortRequested: boolean;
};

beforeAll(async () => {
  t = await startTestHub();
  [admin, member] = await Promise.all([t.createUser({ role: "admin" }), t.createUser()]);
  const project = await t.hub.runtime.prisma.project.create({ data: { name: "maint", slug: "maint" } });
  agentId = (
    await t.hub.runtime.prisma.agent.create({
      data: { name: "chatty", slug: "chatty", projectId: project.id, createdBy: "system", ownerId: "system" },
    })
  ).id;
});
afterAll(async () => {
  await t.close();
});

const finished = (id: string) =>
  until(async () => {
    const run = await json<Run>(await admin.request(`/api/v1/admin/maintenance/runs/${id}`));
    return run.status !== "running" ? run : undefined;
  }, "the run to finish");

describe("maintenance", () => {
  it("GET /api/v1/admin/maintenance/operations - the built-in operations with their parameters; admins only", async () => {
    const res = await admin.request("/api/v1/admin/maintenance/operations");
    const ops = await json<Array<{ key: string; params: Array<{ name: string; default: number }> }>>(res);
    expect(ops.map((o) => o.key)).toEqual([
      "reset-auth-all",
      "purge-messages",
      "mark-stale-brokers-offline",
      "reap-stuck-dispatches",
    ]);
    expect(ops.find((o) => o.key === "purge-messages")!.params).toEqual([
      expect.objectContaining({ name: "olderThanDays", default: 30 }),
    ]);
    expect((await member.request("/api/v1/admin/maintenance/operations")).status).toBe(403);
  });

  it("POST …/purge-messages/run - 202, progress events, a log, the result; only old non-pending messages go", async () => {
    const old = new Date(Date.now() - 40 * 86_400_000);
    await t.hub.runtime.prisma.message.createMany({
      data: [
        { agentId, sender: "system", body: "old and sent", dispatchState: "dispatched", createdAt: old },
        { agentId, sender: "system", body: "old and waiting", dispatchState: "pending", createdAt: old },
        { agentId, sender: "system", body: "new", dispatchState: "dispatched" },
      ],
    });
    const deliveries: EventDelivery[] = [];
    const unsubscribe = t.hub.runtime.events.subscribe(["maintenance.run.>"], (d) => deliveries.push(d));
    const res = await admin.request("/api/v1/admin/maintenance/operations/purge-messages/run", {
      method: "POST",
      json: { params: { olderThanDays: 30 } },
    });
    expect(res.status).toBe(202);
    const { run } = await json<{ run: Run }>(res);
    expect(run).toMatchObject({ operationKey: "purge-messages", status: "running" });
    const done = await finished(run.id);
    unsubscribe();
    expect(done).toMatchObject({ status: "completed", result: { deleted: 1 } });
    expect(done.log).toMatch(/deleted 1 messages older than/);
    expect((await t.hub.runtime.prisma.message.findMany({ where: { agentId } })).map((m) => m.body).sort()).toEqual([
      "new",
      "old and waiting",
    ]);
    const subjects = deliveries.map((d) => (d.kind === "event" ? d.event.subject : d.kind));
    expect(subjects.at(-1)).toBe(`maintenance.run.${run.id}.done`);
    expect(subjects.filter((s) => s.endsWith(".progress")).length).toBeGreaterThanOrEqual(2);

    const history = await json<{ items: Run[] }>(
      await admin.request("/api/v1/admin/maintenance/runs?operation=purge-messages"),
    );
    expect(history.items[0]!.id).toBe(run.id);
    // The history and the run name the person who started it (the dashboard shows that, not `user:<uuid>`).
    expect(history.items[0]).toMatchObject({ startedBy: `user:${admin.user.id}`, startedByName: "Test admin" });
    expect(done).toMatchObject({ startedByName: "Test admin" });
    expect((await admin.request(`/api/v1/admin/maintenance/runs/${run.id}/abort`, { method: "POST" })).status).toBe(
      409,
    );
  });

  it("refuses bad parameters and unknown operations before writing anything", async () => {
    const before = await t.hub.runtime.prisma.maintenanceRun.count();
    const bad = await admin.request("/api/v1/admin/maintenance/operations/purge-messages/run", {
      method: "POST",
      json: { params: { olderThanDays: -3 } },
    });
    expect(bad.status).toBe(400);
    expect((await json<{ error: { code: string; details: Array<{ path: string }> } }>(bad)).error).toMatchObject({
      code: "validation_error",
      details: [{ path: "params.olderThanDays" }],
    });
    expect((await admin.request("/api/v1/admin/maintenance/operations/rm-rf/run", { method: "POST" })).status).toBe(
      404,
    );
    expect(await t.hub.runtime.prisma.maintenanceRun.count()).toBe(before);
  });

  it("abort stops a run between steps and records it as aborted", async () => {
    const old = new Date(Date.now() - 400 * 86_400_000);
    await t.hub.runtime.prisma
      .$executeRaw`INSERT INTO messages (id, "agentId", sender, body, "dispatchState", "createdAt") SELECT gen_random_uuid(), ${agentId}::uuid, 'system', 'bulk', 'dispatched', ${old} FROM generate_series(1, 30000)`;
    const { run } = await json<{ run: Run }>(
      await admin.request("/api/v1/admin/maintenance/operations/purge-messages/run", {
        method: "POST",
        json: { params: { olderThanDays: 365 } },
      }),
    );
    const abort = await admin.request(`/api/v1/admin/maintenance/runs/${run.id}/abort`, { method: "POST" });
    expect(abort.status).toBe(202);
    const done = await finished(run.id);
    expect(done.status).toBe("aborted");
    expect((done.result as { deleted: number }).deleted).toBeLessThan(30000);
    expect(await t.hub.runtime.prisma.message.count({ where: { body: "bulk" } })).toBeGreaterThan(0);
  });

  it("mark-stale-brokers-offline and reap-stuck-dispatches do what they say", async () => {
    const { prisma } = t.hub.runtime;
    const stale = await prisma.runtimeBroker.create({
      data: {
        name: "stale",
        slug: "stale",
        status: "online",
        lastHeartbeat: new Date(Date.now() - 10 * 60_000),
        connectedHubId: "gone",
      },
    });
    const fresh = await prisma.runtimeBroker.create({
      data: { name: "fresh", slug: "fresh", status: "online", lastHeartbeat: new Date() },
    });
    await prisma.brokerDispatch.create({
      data: { brokerId: fresh.id, op: "agent.start", deadlineAt: new Date(Date.now() - 1000), createdBy: "system" },
    });
    const start = async (key: string) =>
      (
        await json<{ run: Run }>(
          await admin.request(`/api/v1/admin/maintenance/operations/${key}/run`, { method: "POST", json: {} }),
        )
      ).run.id;
    expect(await finished(await start("mark-stale-brokers-offline"))).toMatchObject({
      status: "completed",
      result: { marked: 1 },
    });
    expect(await prisma.runtimeBroker.findUniqueOrThrow({ where: { id: stale.id } })).toMatchObject({
      status: "offline",
      connectedHubId: null,
    });
    expect((await prisma.runtimeBroker.findUniqueOrThrow({ where: { id: fresh.id } })).status).toBe("online");
    expect(await finished(await start("reap-stuck-dispatches"))).toMatchObject({
      status: "completed",
      result: { dispatchesFailed: 1 },
    });
  });
});
