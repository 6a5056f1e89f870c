import type { PrismaClient } from "../db/create-database";

export interface FleetSummary {
  agents: number;
  runningAgents: number;
  projects: number;
  brokersOnline: number;
  brokers: number;
}

/** Counts shown on the dashboard home page, in one round trip per table. */
export async function getFleetSummary(prisma: PrismaClient): Promise<FleetSummary> {
  const [agents, runningAgents, projects, brokersOnline, brokers] = await Promise.all([
    prisma.agent.count(),
    prisma.agent.count({ where: { phase: "running" } }),
    prisma.project.count(),
    prisma.runtimeBroker.count({ where: { status: "online" } }),
    prisma.runtimeBroker.count(),
  ]);
  return { agents, runningAgents, projects, brokersOnline, brokers };
}
