import { requirePageUser } from "@/app/_lib/require-page-user";
import { AgentList } from "@/components/agents/agent-list";
import { listAgents } from "@/lib/agents/list-agents";
import { listAgentsQuery } from "@/lib/agents/schemas";
import { visibleProjectsWhere } from "@/lib/projects/project-access";
import { getHubRuntime } from "@/lib/runtime/hub-runtime";

export const dynamic = "force-dynamic";
export const metadata = { title: { absolute: "Agents · Scion Hub" } };

// The agent list, first page rendered from the database; the client keeps it live.
export default async function AgentsPage() {
  const runtime = getHubRuntime();
  const viewer = await requirePageUser(runtime, "/");
  const [page, projects, brokers] = await Promise.all([
    listAgents(runtime.prisma, viewer, listAgentsQuery.parse({ limit: "50" })),
    runtime.prisma.project.findMany({
      where: visibleProjectsWhere(viewer),
      select: { id: true, name: true },
      orderBy: { name: "asc" },
      take: 500,
    }),
    runtime.prisma.runtimeBroker.findMany({
      select: { id: true, name: true, status: true },
      orderBy: { name: "asc" },
      take: 500,
    }),
  ]);
  return <AgentList initial={page} projects={projects} brokers={brokers} />;
}
