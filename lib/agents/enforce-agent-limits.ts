import type { Agent } from "../db/generated/client";
import type { HubRuntime } from "../runtime/hub-runtime";
import { changeAgent } from "./change-agent";
import { AT_REST, stopAgent } from "./lifecycle";
import type { AgentLimits } from "./schemas";

export const LIMITS_ACTOR = "hub:limits";

/** The reason a turn count breaks the agent's `maxTurns`, or null within it. */
export function turnLimitReached(agent: Pick<Agent, "limits">, turnCount: number): string | null {
  const { maxTurns } = (agent.limits ?? {}) as AgentLimits;
  return typeof maxTurns === "number" && turnCount > maxTurns ? `maxTurns ${maxTurns} reached` : null;
}

/**
 * Stops an agent that went over a limit, as the hub (actor `hub:limits`): it is marked
 * `limits_exceeded` with the reason at once, stopped the usual way, and ends `stopped` with the
 * same activity and detail (a stop clears them; the mark is put back, unless the agent was
 * started again meanwhile). A stop that fails leaves the agent running and marked; the limits
 * sweep tries again.
 */
export async function stopOverLimit(runtime: HubRuntime, agentId: string, reason: string): Promise<void> {
  const { prisma, events } = runtime;
  const mark = { activity: "limits_exceeded" as const, previousActivity: null, detail: reason };
  const { agent } = await changeAgent(prisma, events, agentId, LIMITS_ACTOR, (a) =>
    AT_REST.includes(a.phase) ? null : mark,
  );
  if (AT_REST.includes(agent.phase)) return;
  runtime.logger.info({ agentId, reason }, "stopping an agent over its limits");
  await stopAgent(runtime, agent, LIMITS_ACTOR);
  await changeAgent(prisma, events, agentId, LIMITS_ACTOR, (a) => (a.phase === "stopped" ? mark : null));
}

/**
 * The hub's periodic look at limits: running agents past `limits.maxDurationMinutes` since they
 * started are stopped ("maxDurationMinutes 30 reached"), and agents still running although
 * marked `limits_exceeded` (a stop that failed) are stopped again. `now` is for tests.
 */
export async function sweepAgentLimits(
  runtime: HubRuntime,
  now = new Date(),
): Promise<{ stopped: number; failed: number }> {
  const rows = await runtime.prisma.$queryRaw<
    Array<{ id: string; minutes: number | null; overdue: boolean; marked: boolean; detail: string | null }>
  >`
    SELECT id, minutes, overdue, activity = 'limits_exceeded' AS marked, detail FROM (
      SELECT id::text AS id, activity, detail, m.minutes,
             coalesce("startedAt" <= ${now}::timestamptz - m.minutes * interval '1 minute', false) AS overdue
        FROM agents, LATERAL (SELECT CASE WHEN jsonb_typeof(limits->'maxDurationMinutes') = 'number' THEN (limits->>'maxDurationMinutes')::int END AS minutes) m
       WHERE phase = 'running') a
     WHERE overdue OR activity = 'limits_exceeded'
     LIMIT 1000`;
  let stopped = 0;
  let failed = 0;
  for (const row of rows) {
    // A mark already there keeps its reason (the limit that was reached first).
    const reason = row.marked ? (row.detail ?? "limits reached") : `maxDurationMinutes ${row.minutes} reached`;
    try {
      await stopOverLimit(runtime, row.id, reason);
      stopped++;
    } catch (err) {
      failed++;
      runtime.logger.warn({ agentId: row.id, err: (err as Error).message }, "stopping an agent over its limits failed");
    }
  }
  if (stopped) runtime.logger.info({ stopped }, "stopped agents over their limits");
  return { stopped, failed };
}
