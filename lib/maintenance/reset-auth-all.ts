import { principalId, type Principal } from "../auth/principal";
import { recordAudit } from "../audit/record-audit";
import { resetAgentAuth } from "../agents/reset-agent-auth";
import { ApiError } from "../http/api-error";
import type { HubRuntime } from "../runtime/hub-runtime";

export const RESET_AUTH_ALL_KEY = "reset-auth-all";
export const RESET_AUTH_ALL_CONCURRENCY = 8;

export interface ResetAuthAllSummary {
  runId: string;
  total: number;
  succeeded: number;
  failed: number;
  results: Array<{ agentId: string; name: string; ok: boolean; signalled: boolean; error?: string; warning?: string }>;
}

/**
 * Reset-auth for every running agent, a few at a time (bounded concurrency, so 200 agents do
 * not open 200 broker calls at once). It is recorded as a maintenance run: each agent's result
 * is a line of the run's log and a `maintenance.run.<id>.progress` event, the end is a `done`
 * event, and the summary is the run's result. One agent failing never stops the others.
 */
export async function resetAuthAll(runtime: HubRuntime, principal: Principal, opts: { concurrency?: number; requestId?: string } = {}): Promise<ResetAuthAllSummary> {
  const { prisma, events } = runtime;
  const actor = principalId(principal);
  const concurrency = Math.max(1, Math.min(opts.concurrency ?? RESET_AUTH_ALL_CONCURRENCY, 64));
  await prisma.maintenanceOperation.upsert({
    where: { key: RESET_AUTH_ALL_KEY },
    create: { key: RESET_AUTH_ALL_KEY, title: "Reset auth — all running agents", description: "Revokes and reissues the token of every running agent, and has each shim re-read it.", category: "quick-action" },
    update: {},
  });
  const agents = await prisma.agent.findMany({ where: { phase: "running" }, select: { id: true, name: true, phase: true, brokerId: true }, orderBy: { createdAt: "asc" } });
  const run = await prisma.$transaction(async (tx) => {
    const created = await tx.maintenanceRun.create({ data: { operationKey: RESET_AUTH_ALL_KEY, startedBy: actor, hubId: runtime.hubId, progress: { total: agents.length, done: 0, succeeded: 0, failed: 0 } } });
    await recordAudit(tx, { principal: actor, action: "agent.reset-auth-all", targetType: "maintenance_run", targetId: created.id, details: { total: agents.length }, requestId: opts.requestId });
    return created;
  });

  const results: ResetAuthAllSummary["results"] = new Array(agents.length);
  const log: string[] = [];
  let next = 0;
  let succeeded = 0;
  let failed = 0;
  const worker = async () => {
    for (let i = next++; i < agents.length; i = next++) {
      const agent = agents[i]!;
      let result: Omit<ResetAuthAllSummary["results"][number], "name">;
      try {
        result = await resetAgentAuth(runtime, agent, actor, opts.requestId);
      } catch (err) {
        result = { agentId: agent.id, ok: false, signalled: false, error: err instanceof ApiError ? err.message : `internal error: ${(err as Error).message}` };
      }
      results[i] = { ...result, name: agent.name };
      if (result.ok) succeeded++;
      else failed++;
      log.push(`${new Date().toISOString()} ${result.ok ? "ok  " : "FAIL"} ${agent.name} (${agent.id})${result.error ? `: ${result.error}` : result.warning ? `: ${result.warning}` : ""}`);
      await events
        .publish({ subject: `maintenance.run.${run.id}.progress`, data: { runId: run.id, total: agents.length, done: succeeded + failed, succeeded, failed, last: results[i] } })
        .catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, agents.length) }, worker));

  const summary: ResetAuthAllSummary = { runId: run.id, total: agents.length, succeeded, failed, results };
  await prisma.maintenanceRun.update({
    where: { id: run.id },
    data: { status: failed === 0 ? "completed" : "failed", completedAt: new Date(), progress: { total: agents.length, done: agents.length, succeeded, failed }, result: summary as object, log: log.join("\n") },
  });
  await events.publish({ subject: `maintenance.run.${run.id}.done`, data: { runId: run.id, status: failed === 0 ? "completed" : "failed", total: agents.length, succeeded, failed } }).catch(() => undefined);
  return summary;
}
