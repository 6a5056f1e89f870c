import { z } from "zod";
import { RESET_AUTH_CHUNK, resetAgentsAuth, type ResetAuthResult } from "../agents/reset-agent-auth";
import { principalId } from "../auth/principal";
import { ApiError } from "../http/api-error";
import { numberParam, type MaintenanceOperationSpec, type RunContext } from "./operation-spec";

export const RESET_AUTH_ALL_CONCURRENCY = 8;
/** Chunks (each one statement and one broker call) under way at once. */
const CHUNKS_IN_FLIGHT = 2;

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
 * Reset-auth for every running agent, in chunks of up to RESET_AUTH_CHUNK agents of one broker:
 * each chunk is one statement (tokens revoked, audit rows) and one broker call, which works
 * `concurrency` agents at a time; two chunks are in flight, so the database and the brokers work
 * side by side without opening hundreds of calls at once. Each agent's result is a log line and
 * a progress report; one agent failing never stops the others; an abort stops taking new chunks.
 */
export async function resetAuthAllAgents(
  ctx: RunContext,
  concurrency: number,
): Promise<Omit<ResetAuthAllSummary, "runId">> {
  const { runtime } = ctx;
  const actor = principalId(ctx.principal);
  const agents = await runtime.prisma.agent.findMany({
    where: { phase: "running" },
    select: { id: true, name: true, brokerId: true },
    orderBy: { createdAt: "asc" },
  });
  const names = new Map(agents.map((a) => [a.id, a.name]));
  const results: ResetAuthAllSummary["results"] = [];
  let succeeded = 0;
  let failed = 0;
  ctx.progress({ total: agents.length, done: 0, succeeded: 0, failed: 0 });
  const record = (result: ResetAuthResult) => {
    const entry = { ...result, name: names.get(result.agentId) ?? result.agentId };
    results.push(entry);
    if (result.ok) succeeded++;
    else failed++;
    ctx.log(
      `${result.ok ? "ok  " : "FAIL"} ${entry.name} (${result.agentId})${result.error ? `: ${result.error}` : result.warning ? `: ${result.warning}` : ""}`,
    );
    ctx.progress({ total: agents.length, done: succeeded + failed, succeeded, failed, last: entry });
  };

  const chunks: Array<{ brokerId: string; ids: string[] }> = [];
  const byBroker = new Map<string, string[]>();
  for (const agent of agents) {
    if (!agent.brokerId) {
      record({ agentId: agent.id, ok: false, signalled: false, error: "The agent is not placed on a runtime broker." });
      continue;
    }
    const ids = byBroker.get(agent.brokerId) ?? [];
    byBroker.set(agent.brokerId, ids);
    ids.push(agent.id);
    if (ids.length === RESET_AUTH_CHUNK) {
      chunks.push({ brokerId: agent.brokerId, ids: ids.splice(0) });
    }
  }
  for (const [brokerId, ids] of byBroker) if (ids.length > 0) chunks.push({ brokerId, ids });

  let next = 0;
  const worker = async () => {
    for (let i = next++; i < chunks.length && !ctx.isAborted(); i = next++) {
      const { brokerId, ids } = chunks[i]!;
      let chunkResults: ResetAuthResult[];
      try {
        chunkResults = await resetAgentsAuth(runtime, brokerId, ids, actor, { requestId: ctx.requestId, concurrency });
      } catch (err) {
        const error = err instanceof ApiError ? err.message : `internal error: ${(err as Error).message}`;
        chunkResults = ids.map((agentId) => ({ agentId, ok: false, signalled: false, error }));
      }
      for (const result of chunkResults) record(result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CHUNKS_IN_FLIGHT, chunks.length) }, worker));
  return { total: agents.length, succeeded, failed, results };
}
