import { getAgentOrThrow } from "../agents/get-agent-or-throw";
import { isAdmin, principalId, type Principal } from "../auth/principal";
import type { Prisma, Schedule, ScheduleRun } from "../db/generated/client";
import { ApiError } from "../http/api-error";
import { isUuid } from "../naming/is-uuid";
import type { HubRuntime } from "../runtime/hub-runtime";
import { nextCronRun } from "./next-run";
import type { CreateScheduleBody, ScheduleJson, ScheduleRunJson, UpdateScheduleBody } from "./schemas";

type UserPrincipal = Extract<Principal, { kind: "user" }>;
const withAgentAndLastRun = {
  agent: { select: { name: true } },
  runs: { orderBy: { startedAt: "desc" }, take: 1 },
} as const satisfies Prisma.ScheduleInclude;
type ScheduleRow = Schedule & { agent: { name: string }; runs: ScheduleRun[] };

export function toRunJson(r: ScheduleRun): ScheduleRunJson {
  return {
    id: r.id,
    scheduledFor: r.scheduledFor.toISOString(),
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
    ok: r.ok,
    error: r.error,
  };
}

function toScheduleJson(s: ScheduleRow): ScheduleJson {
  return {
    id: s.id,
    name: s.name,
    agentId: s.agentId,
    agentName: s.agent.name,
    ownerId: s.ownerId,
    action: s.action as ScheduleJson["action"],
    body: s.body,
    cron: s.cron,
    runAt: s.runAt?.toISOString() ?? null,
    timeZone: s.timeZone,
    paused: s.paused,
    nextRunAt: s.nextRunAt?.toISOString() ?? null,
    lastRunAt: s.lastRunAt?.toISOString() ?? null,
    createdAt: s.createdAt.toISOString(),
    lastRun: s.runs[0] ? toRunJson(s.runs[0]) : null,
  };
}

/** The first run of a schedule: its runAt (which must be in the future) or its cron's next tick. */
function firstRun(spec: { cron?: string | null; runAt?: string | Date | null; timeZone: string }, now: Date): Date {
  if (spec.cron) {
    let next: Date | null;
    try {
      next = nextCronRun(spec.cron, spec.timeZone, now);
    } catch (err) {
      throw new ApiError("validation_error", (err as Error).message, [
        { path: "cron", message: (err as Error).message },
      ]);
    }
    if (!next)
      throw new ApiError("validation_error", "The cron expression never fires.", [
        { path: "cron", message: "never fires" },
      ]);
    return next;
  }
  const at = new Date(spec.runAt!);
  if (at.getTime() <= now.getTime())
    throw new ApiError("validation_error", "runAt is in the past; a one-off schedule runs in the future.", [
      { path: "runAt", message: "in the past" },
    ]);
  return at;
}

/** POST /schedules: the caller must be allowed to act on the agent (its owner or an admin). */
export async function createSchedule(
  runtime: HubRuntime,
  principal: UserPrincipal,
  body: CreateScheduleBody,
): Promise<ScheduleJson> {
  await getAgentOrThrow(runtime.db, principal, body.agentId, "act");
  const nextRunAt = firstRun(body, new Date());
  const created = await runtime.prisma.schedule.create({
    data: {
      name: body.name,
      agentId: body.agentId,
      ownerId: principalId(principal),
      action: body.action,
      body: body.body ?? null,
      cron: body.cron ?? null,
      runAt: body.runAt ? new Date(body.runAt) : null,
      timeZone: body.timeZone,
      nextRunAt,
    },
    include: withAgentAndLastRun,
  });
  await announce(runtime, created, "changed");
  return toScheduleJson(created);
}

/** A schedule the caller may see: its owner's, or any for an admin; 404 otherwise. */
async function visibleSchedule(runtime: HubRuntime, principal: UserPrincipal, id: string): Promise<ScheduleRow> {
  const row = isUuid(id)
    ? await runtime.prisma.schedule.findUnique({ where: { id }, include: withAgentAndLastRun })
    : null;
  if (!row || (!isAdmin(principal) && row.ownerId !== principalId(principal)))
    throw new ApiError("not_found", "No such schedule.");
  return row;
}

/** GET /schedules: the caller's (an admin: everyone's), optionally of one agent, soonest first. */
export async function listSchedules(
  runtime: HubRuntime,
  principal: UserPrincipal,
  agentId?: string,
): Promise<{ items: ScheduleJson[] }> {
  const rows = await runtime.prisma.schedule.findMany({
    where: { ...(!isAdmin(principal) && { ownerId: principalId(principal) }), ...(agentId && { agentId }) },
    include: withAgentAndLastRun,
    orderBy: [{ nextRunAt: { sort: "asc", nulls: "last" } }, { createdAt: "asc" }],
    take: 500,
  });
  return { items: rows.map(toScheduleJson) };
}

/** PATCH /schedules/{id}: rename, change what or when, pause or resume (the next run is worked out again). */
export async function updateSchedule(
  runtime: HubRuntime,
  principal: UserPrincipal,
  id: string,
  body: UpdateScheduleBody,
): Promise<ScheduleJson> {
  const current = await visibleSchedule(runtime, principal, id);
  if (body.body !== undefined && current.action !== "message")
    throw new ApiError("validation_error", "Only a message schedule has a body.", [
      { path: "body", message: "not a message schedule" },
    ]);
  const spec = {
    cron: body.runAt !== undefined ? null : (body.cron ?? current.cron),
    runAt: body.cron !== undefined ? null : (body.runAt ?? current.runAt),
    timeZone: body.timeZone ?? current.timeZone,
  };
  const paused = body.paused ?? current.paused;
  const timing = body.cron !== undefined || body.runAt !== undefined || body.timeZone !== undefined;
  // Resuming, or a new time: from now on. A one-off that already ran stays done unless given a new time.
  const recompute = timing || (current.paused && !paused);
  const done = !current.cron && current.nextRunAt === null && body.runAt === undefined && body.cron === undefined;
  const nextRunAt = recompute && !done ? firstRun(spec, new Date()) : current.nextRunAt;
  const updated = await runtime.prisma.schedule.update({
    where: { id },
    data: {
      ...(body.name !== undefined && { name: body.name }),
      ...(body.body !== undefined && { body: body.body }),
      cron: spec.cron,
      runAt: spec.runAt ? new Date(spec.runAt) : null,
      timeZone: spec.timeZone,
      paused,
      nextRunAt,
    },
    include: withAgentAndLastRun,
  });
  await announce(runtime, updated, "changed");
  return toScheduleJson(updated);
}

export async function deleteSchedule(runtime: HubRuntime, principal: UserPrincipal, id: string): Promise<void> {
  const row = await visibleSchedule(runtime, principal, id);
  await runtime.prisma.schedule.delete({ where: { id } });
  await announce(runtime, row, "deleted");
}

/** GET /schedules/{id}/runs: its runs, newest first (the last 200). */
export async function listScheduleRuns(
  runtime: HubRuntime,
  principal: UserPrincipal,
  id: string,
): Promise<{ items: ScheduleRunJson[] }> {
  await visibleSchedule(runtime, principal, id);
  const runs = await runtime.prisma.scheduleRun.findMany({
    where: { scheduleId: id },
    orderBy: { startedAt: "desc" },
    take: 200,
  });
  return { items: runs.map(toRunJson) };
}

/** `schedule.<id>.changed|deleted|run`: for the schedule's owner and admins (lib/events/can-read-event.ts). */
export function announce(runtime: HubRuntime, s: Pick<Schedule, "id" | "ownerId" | "agentId">, what: string) {
  return runtime.events
    .publish({ subject: `schedule.${s.id}.${what}`, data: { id: s.id, ownerId: s.ownerId, agentId: s.agentId } })
    .catch(() => undefined);
}
