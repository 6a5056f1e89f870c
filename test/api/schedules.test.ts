import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentJson } from "../../lib/agents/schemas";
import { findFreePort } from "../../lib/db/embedded-postgres";
import { nextCronRun } from "../../lib/schedules/next-run";
import { runDueSchedules } from "../../lib/schedules/run-schedules";
import type { ScheduleJson, ScheduleRunJson } from "../../lib/schedules/schemas";
import { spawnHub, type SpawnedHub } from "../spawn-hub";
import { startTestHub, type TestHub, type TestUser } from "../start-test-hub";
import { until } from "../until";

/**
 * Schedules (issue 14): validation, who may schedule and see what, pause/resume/delete, the run
 * history; a due tick runs exactly once with two replicas on one database (and with two runners
 * racing in one process, which is what would happen if the advisory lock failed); a hub down
 * across several ticks runs a missed schedule once; next runs follow the time zone across DST.
 */
const SECRET = "test-secret-".padEnd(48, "x");
let t: TestHub;
let alice: TestUser;
let bob: TestUser;
let admin: TestUser;
let projectId: string;
let second: { hub: SpawnedHub; dataDir: string } | undefined;

const json = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as T;

beforeAll(async () => {
  t = await startTestHub({ SESSION_SECRET: SECRET });
  [alice, bob, admin] = await Promise.all([t.createUser(), t.createUser(), t.createUser({ role: "admin" })]);
  projectId = (
    await json<{ id: string }>(await alice.request("/api/v1/projects", { method: "POST", json: { name: "sched" } }))
  ).id;
}, 120_000);

afterAll(async () => {
  if (second) {
    second.hub.child.kill("SIGTERM");
    await second.hub.exited;
    fs.rmSync(second.dataDir, { recursive: true, force: true });
  }
  await t?.close();
});

async function agent(name: string) {
  const res = await alice.request("/api/v1/agents", { method: "POST", json: { projectId, name } });
  expect(res.status).toBe(201);
  return json<AgentJson>(res);
}
const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

describe("schedules", () => {
  it("refuses what cannot run, naming the field, and writes nothing", async () => {
    const a = await agent("validated");
    const base = { name: "x", agentId: a.id, action: "message", body: "hi" };
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ ...base, cron: "every day" }, "cron"],
      [{ ...base, cron: "61 * * * *" }, "cron"],
      [{ ...base, cron: "0 9 * * *", timeZone: "Mars/Olympus" }, "timeZone"],
      [{ ...base }, "cron"],
      [{ ...base, cron: "0 9 * * *", runAt: inSeconds(60) }, "cron"],
      [{ ...base, runAt: "2020-01-01T00:00:00Z" }, "runAt"],
      [{ ...base, body: undefined, cron: "0 9 * * *" }, "body"],
      [{ ...base, action: "stop", cron: "0 9 * * *" }, "body"],
      [{ ...base, action: "explode", cron: "0 9 * * *" }, "action"],
    ];
    for (const [body, field] of bad) {
      const res = await alice.request("/api/v1/schedules", { method: "POST", json: body });
      const err = await json<{ error: { code: string; details?: Array<{ path: string }> } }>(res);
      expect([JSON.stringify(body).slice(0, 60), res.status, JSON.stringify(err.error.details ?? [])]).toEqual([
        JSON.stringify(body).slice(0, 60),
        400,
        expect.stringContaining(field),
      ]);
    }
    expect(await t.hub.runtime.prisma.schedule.count({ where: { agentId: a.id } })).toBe(0);
  });

  it("only those who may act on the agent schedule it; a schedule is its owner's and admins'", async () => {
    const a = await agent("guarded");
    const body = { name: "nightly stop", agentId: a.id, action: "stop", cron: "30 2 * * *", timeZone: "Europe/Paris" };
    expect((await bob.request("/api/v1/schedules", { method: "POST", json: body })).status).toBe(404);
    const created = await alice.request("/api/v1/schedules", { method: "POST", json: body });
    expect(created.status).toBe(201);
    const s = await json<ScheduleJson>(created);
    expect(s).toMatchObject({
      name: "nightly stop",
      agentName: "guarded",
      action: "stop",
      paused: false,
      lastRun: null,
    });
    expect(new Date(s.nextRunAt!).getTime()).toBe(
      nextCronRun("30 2 * * *", "Europe/Paris", new Date(s.createdAt))!.getTime(),
    );
    for (const [method, p] of [
      ["PATCH", `/api/v1/schedules/${s.id}`],
      ["DELETE", `/api/v1/schedules/${s.id}`],
      ["GET", `/api/v1/schedules/${s.id}/runs`],
    ] as const)
      expect((await bob.request(p, { method, ...(method === "PATCH" && { json: { paused: true } }) })).status).toBe(
        404,
      );
    expect((await json<{ items: ScheduleJson[] }>(await bob.request("/api/v1/schedules"))).items).toEqual([]);
    expect(
      (await json<{ items: ScheduleJson[] }>(await admin.request("/api/v1/schedules"))).items.map((x) => x.id),
    ).toContain(s.id);

    // Pause, resume (the next run is worked out again from now), rename, delete.
    const paused = await json<ScheduleJson>(
      await alice.request(`/api/v1/schedules/${s.id}`, { method: "PATCH", json: { paused: true } }),
    );
    expect(paused.paused).toBe(true);
    const resumed = await json<ScheduleJson>(
      await alice.request(`/api/v1/schedules/${s.id}`, {
        method: "PATCH",
        json: { paused: false, name: "stop at night", cron: "0 1 * * *" },
      }),
    );
    expect(resumed).toMatchObject({ paused: false, name: "stop at night", cron: "0 1 * * *" });
    expect((await alice.request(`/api/v1/schedules/${s.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await alice.request(`/api/v1/schedules/${s.id}/runs`)).status).toBe(404);
  });

  it("a due tick runs exactly once with two replicas running; its run and message are recorded", async () => {
    const port = await findFreePort();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-sched-b-"));
    fs.chmodSync(dataDir, 0o755);
    const hub = spawnHub({
      DATABASE_URL: t.db.url,
      PORT: String(port),
      SCION_DATA_DIR: dataDir,
      SESSION_SECRET: SECRET,
      SCION_LOCAL_BROKER: "false",
      SCION_LOG_LEVEL: "warn",
      SCION_INTERNAL_URL: `http://127.0.0.1:${port}`,
    });
    second = { hub, dataDir };
    await hub.ready;

    const a = await agent("scheduled");
    const created = await alice.request("/api/v1/schedules", {
      method: "POST",
      json: { name: "soon", agentId: a.id, action: "message", body: "scheduled hello", runAt: inSeconds(2) },
    });
    expect(created.status).toBe(201);
    const s = await json<ScheduleJson>(created);
    const runs = async () =>
      (await json<{ items: ScheduleRunJson[] }>(await alice.request(`/api/v1/schedules/${s.id}/runs`))).items;
    await until(async () => (await runs()).some((r) => r.finishedAt), "the run", 30_000, 200);
    await new Promise((r) => setTimeout(r, 5000)); // both replicas' runners tick a few more times
    const done = await runs();
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ ok: true, error: null, scheduledFor: new Date(s.nextRunAt!).toISOString() });
    const messages = await t.hub.runtime.prisma.message.findMany({ where: { agentId: a.id } });
    expect(messages.map((m) => [m.body, m.channel])).toEqual([["scheduled hello", "schedule"]]);
    const after = await json<{ items: ScheduleJson[] }>(await alice.request(`/api/v1/schedules?agentId=${a.id}`));
    expect(after.items[0]).toMatchObject({ nextRunAt: null, lastRun: { ok: true } });
  }, 120_000);

  it("two runners racing (the advisory lock bypassed) still run a tick once; a hub down for many ticks runs once", async () => {
    const { prisma } = t.hub.runtime;
    const a = await agent("raced");
    const due = new Date(Date.now() - 10 * 60_000); // ten minutely ticks ago
    const s = await prisma.schedule.create({
      data: {
        name: "every minute",
        agentId: a.id,
        ownerId: `user:${alice.user.id}`,
        action: "message",
        body: "tick",
        cron: "* * * * *",
        nextRunAt: due,
        paused: true,
      },
    });
    await prisma.schedule.update({ where: { id: s.id }, data: { paused: false } });
    const now = new Date();
    const ran = await Promise.all([
      runDueSchedules(t.hub.runtime, now),
      runDueSchedules(t.hub.runtime, now),
      runDueSchedules(t.hub.runtime, now),
    ]);
    // However many runners tried (the hub's own background runner may be one of them), one ran it.
    expect(ran.reduce((x, y) => x + y, 0)).toBeLessThanOrEqual(1);
    const rows = await prisma.scheduleRun.findMany({ where: { scheduleId: s.id } });
    expect(rows.map((r) => r.scheduledFor.toISOString())).toEqual([due.toISOString()]);
    expect(await prisma.message.count({ where: { agentId: a.id } })).toBe(1);
    const next = (await prisma.schedule.findUniqueOrThrow({ where: { id: s.id } })).nextRunAt!;
    expect(next.getTime()).toBeGreaterThan(now.getTime());
    expect(next.getTime() - now.getTime()).toBeLessThanOrEqual(60_000);
    await prisma.schedule.delete({ where: { id: s.id } });
  });

  it("a run fails, saying why, when its owner may no longer act", async () => {
    const { prisma } = t.hub.runtime;
    const a = await agent("orphaned");
    const s = await prisma.schedule.create({
      data: {
        name: "bob's",
        agentId: a.id,
        ownerId: `user:${bob.user.id}`,
        action: "stop",
        runAt: new Date(),
        nextRunAt: new Date(Date.now() - 1000),
      },
    });
    await until(
      async () =>
        (await prisma.scheduleRun.findFirst({ where: { scheduleId: s.id, finishedAt: { not: null } } })) ?? null,
      "the run",
      20_000,
      100,
    );
    const run = await prisma.scheduleRun.findFirstOrThrow({ where: { scheduleId: s.id } });
    expect([run.ok, run.error]).toEqual([false, "the schedule's owner may no longer act on this agent"]);
  });

  it("next runs follow the time zone across a daylight-saving change", () => {
    // 09:00 in Paris is 08:00 UTC in winter and 07:00 UTC in summer (clocks went forward on 2026-03-29).
    expect(nextCronRun("0 9 * * *", "Europe/Paris", new Date("2026-03-28T12:00:00Z"))!.toISOString()).toBe(
      "2026-03-29T07:00:00.000Z",
    );
    expect(nextCronRun("0 9 * * *", "Europe/Paris", new Date("2026-03-27T12:00:00Z"))!.toISOString()).toBe(
      "2026-03-28T08:00:00.000Z",
    );
    expect(nextCronRun("0 9 * * 1", "UTC", new Date("2026-12-02T00:00:00Z"))!.toISOString()).toBe(
      "2026-12-07T09:00:00.000Z",
    );
  });
});
