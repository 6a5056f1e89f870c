import { z } from "zod";
import { resetAgentAuth } from "../agents/reset-agent-auth";
import { principalId } from "../auth/principal";
import { ApiError } from "../http/api-error";
import { numberParam, type MaintenanceOperationSpec, type RunContext } from "./operation-spec";

export const RESET_AUTH_ALL_CONCURRENCY = 8;

/** The reset-auth-all operation: its parameters, and resetAuthAllAgents as its run. */
export const resetAuthAllOperation: MaintenanceOperationSpec = {
  key: "reset-auth-all",
  title: "Reset auth — all running agents",
  description: "Revokes and reissues the token of every running agent and has each shim re-read it.",
  category: "quick-action",
  params: [
    numberParam({
      name: "concurrency",
      label: "Agents at a time",
      default: RESET_AUTH_ALL_CONCURRENCY,
      min: 1,
      max: 64,
    }),
  ],
  schema: z.object({ concurrency: z.number().int().min(1).max(64).default(RESET_AUTH_ALL_CONCURRENCY) }).strict(),
  run: (ctx, params) => resetAuthAllAgents(ctx, params.concurrency as number),
};

export interface ResetAuthAllSummary {
  runId: string;
  total: number;
  succeeded: number;
  failed: number;
  results: Array<{ agentId: string; name: string; ok: boolean; signalled: boolean; error?: string; warning?: string }>;
}

/**
 * Reset-auth for every running agent, a few at a time (bounded concurrency, so 200 agents do
 * not open 200 broker calls at once). Each agent's result is a log line and a progress report;
 * one agent failing never stops the others; an abort stops taking new agents.
 */
export async function resetAuthAllAgents(
  ctx: RunContext,
  concurrency: number,
): Promise<Omit<ResetAuthAllSummary, "runId">> {
  const { runtime } = ctx;
  const actor = principalId(ctx.principal);
  const agents = await runtime.prisma.agent.findMany({
    where: { phase: "running" },
    select: { id: true, name: true, phase: true, brokerId: true },
    orderBy: { createdAt: "asc" },
  });
  const results: ResetAuthAllSummary["results"] = [];
  let next = 0;
  let succeeded = 0;
  let failed = 0;
  ctx.progress({ total: agents.length, done: 0, succeeded: 0, failed: 0 });
  const worker = async () => {
    for (let i = next++; i < agents.length && !ctx.isAborted(); i = next++) {
      const agent = agents[i]!;
      let result: Omit<ResetAuthAllSummary["results"][number], "name">;
      try {
        result = await resetAgentAuth(runtime, agent, actor, ctx.requestId);
      } catch (err) {
        result = {
          agentId: agent.id,
          ok: false,
          signalled: false,
          error: err instanceof ApiError ? err.message : `internal error: ${(err as Error).message}`,
        };
      }
      const entry = { ...result, name: agent.name };
      results.push(entry);
      if (result.ok) succeeded++;
      else failed++;
      ctx.log(
        `${result.ok ? "ok  " : "FAIL"} ${agent.name} (${agent.id})${result.error ? `: ${result.error}` : result.warning ? `: ${result.warning}` : ""}`,
      );
      ctx.progress({ total: agents.length, done: succeeded + failed, succeeded, failed, last: entry });
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, concurrency), agents.length) }, worker));
  return { total: agents.length, succeeded, failed, results };
}
