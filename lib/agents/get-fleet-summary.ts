import type { Principal } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import { visibleAgentsWhere } from "./can-access-agent";

export interface FleetSummary {
  agents: number;
  runningAgents: number;
  projects: number;
  brokersOnline: number;
  brokers: number;
}

/** Counts shown on the dashboard home page; agents are only those the viewer may see. */
export async function getFleetSummary(prisma: PrismaClient, viewer: Principal): Promise<FleetSummary> {
  const visible = visibleAgentsWhere(viewer);
  const [agents, runningAgents, projects, brokersOnline, brokers] = await Promise.all([
    prisma.agent.count({ where: visible }),
    prisma.agent.count({ where: { ...visible, phase: "running" } }),
    prisma.project.count(),
    prisma.runtimeBroker.count({ where: { status: "online" } }),
    prisma.runtimeBroker.count(),
  ]);
  return { agents, runningAgents, projects, brokersOnline, brokers };
}
