import type { PrismaClient } from "../db/create-database";

export interface AgentHistoryEntry {
  phase: string;
  activity: string | null;
  detail: string | null;
  actor: string;
  at: string;
}

/** An agent's phase/activity history, newest first (the last 100 changes). */
export async function listAgentHistory(
  prisma: PrismaClient,
  agentId: string,
  limit = 100,
): Promise<AgentHistoryEntry[]> {
  const rows = await prisma.agentStateChange.findMany({
    where: { agentId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit,
  });
  return rows.map((r) => ({
    phase: r.phase,
    activity: r.activity,
    detail: r.detail,
    actor: r.actor,
    at: r.createdAt.toISOString(),
  }));
}
