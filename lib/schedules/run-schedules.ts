import { auditLifecycleRequest } from "../agents/audit-lifecycle-request";
import { canActOnAgent } from "../agents/can-access-agent";
import { startAgent, stopAgent } from "../agents/lifecycle";
import type { Principal } from "../auth/principal";
import type { Prisma, Schedule } from "../db/generated/client";
import { sendMessage } from "../messages/send-message";
import type { HubRuntime } from "../runtime/hub-runtime";
import { nextCronRun } from "./next-run";
import { announce } from "./schedules";

/** Schedules run per tick at most (the next tick takes the rest). */
const BATCH = 50;

/**
 * The schedule runner (a singleton job, every few seconds): runs each due schedule once. A tick
 * of a schedule is claimed in one transaction — its run row (unique per schedule and time, so a
 * second replica, or a second runner, inserting the same gets nothing) and the move of nextRunAt
 * with compare-and-set — before the action, so it runs exactly once whoever else tries. A hub
 * that was down across several ticks runs a missed schedule once, then goes on from now. The
 * action runs with the rights its owner has now (a suspended owner, or one who lost the agent,
 * gets a failed run saying so). Returns how many ran.
 */
export async function runDueSchedules(runtime: HubRuntime, now = new Date()): Promise<number> {
  const due = await runtime.prisma.schedule.findMany({
    where: { paused: false, nextRunAt: { lte: now } },
    orderBy: { nextRunAt: "asc" },
    take: BATCH,
  });
  let ran = 0;
  for (const schedule of due) {
    const runId = await claimTick(runtime, schedule, now);
    if (!runId) continue;
    ran++;
    const outcome = await perform(runtime, schedule).then(
      (result) => ({ ok: true, error: null, result }),
      (err: unknown) => ({ ok: false, error: err instanceof Error ? err.message : String(err), result: null }),
    );
    await runtime.prisma.scheduleRun.update({
      where: { id: runId },
      data: { finishedAt: new Date(), ok: outcome.ok, error: outcome.error, result: outcome.result ?? undefined },
    });
    await announce(runtime, schedule, "run");
  }
  return ran;
}

/** Claims the schedule's due tick: the run row's id, or null when someone else has it. */
async function claimTick(runtime: HubRuntime, schedule: Schedule, now: Date): Promise<string | null> {
  const scheduledFor = schedule.nextRunAt!;
  let next: Date | null = null;
  if (schedule.cron) {
    try {
      next = nextCronRun(schedule.cron, schedule.timeZone, now);
    } catch {
      next = null;
    }
  }
  return runtime.prisma.$transaction(async (tx) => {
    const moved = await tx.schedule.updateMany({
      where: { id: schedule.id, paused: false, nextRunAt: scheduledFor },
      data: { nextRunAt: next, lastRunAt: now },
    });
    if (moved.count === 0) return null;
    const inserted = await tx.$queryRaw<Array<{ id: string }>>`
      INSERT INTO schedule_runs (id, "scheduleId", "scheduledFor", "replicaId")
      VALUES (gen_random_uuid(), ${schedule.id}::uuid, ${scheduledFor}, ${runtime.hubId})
      ON CONFLICT ("scheduleId", "scheduledFor") DO NOTHING RETURNING id`;
    return inserted[0]?.id ?? null;
  });
}

/** The schedule's action, as its owner: a message into the agent, a start or a stop. */
async function perform(runtime: HubRuntime, schedule: Schedule): Promise<Prisma.InputJsonObject> {
  const { prisma } = runtime;
  const ownerId = schedule.ownerId.startsWith("user:") ? schedule.ownerId.slice(5) : null;
  const user = ownerId
    ? await prisma.user.findUnique({
        where: { id: ownerId },
        select: { id: true, email: true, name: true, role: true, status: true },
      })
    : null;
  if (!user || user.status !== "active") throw new Error("the schedule's owner is suspended or gone");
  const principal: Principal = { kind: "user", user, via: "token", tokenId: `schedule:${schedule.id}` };
  const agent = await prisma.agent.findUnique({ where: { id: schedule.agentId } });
  if (!agent) throw new Error("the agent is gone");
  if (!canActOnAgent(principal, agent)) throw new Error("the schedule's owner may no longer act on this agent");
  const actor = `user:${user.id}`;
  if (schedule.action === "message") {
    const sent = await sendMessage(runtime, principal, agent, { body: schedule.body ?? "", channel: "schedule" });
    return { messageId: sent.message.id, delivered: sent.status === 201 };
  }
  await auditLifecycleRequest(runtime, actor, agent, schedule.action === "start" ? "start" : "stop");
  const outcome =
    schedule.action === "start" ? await startAgent(runtime, agent, actor) : await stopAgent(runtime, agent, actor);
  return { phase: outcome.agent.phase };
}
