import { AgentList } from "@/components/agents/agent-list";
import { listAgents } from "@/lib/agents/list-agents";
import { listAgentsQuery } from "@/lib/agents/schemas";
import { getHubRuntime } from "@/lib/runtime/hub-runtime";
import { requirePageUser } from "./require-page-user";

/**
 * The agent list page, shared by `/` and `/agents` (people coming from Scion type the latter):
 * the first page rendered from the database, then kept live by the client.
 */
export async function AgentListPage({ returnTo }: { returnTo: string }) {
  const runtime = getHubRuntime();
  const viewer = await requirePageUser(runtime, returnTo);
  const [page, projects, brokers] = await Promise.all([
    listAgents(runtime.prisma, viewer, listAgentsQuery.parse({ limit: "50" })),
    runtime.prisma.project.findMany({ select: { id: true, name: true }, orderBy: { name: "asc" }, take: 500 }),
    runtime.prisma.runtimeBroker.findMany({
      select: { id: true, name: true, status: true },
      orderBy: { name: "asc" },
      take: 500,
    }),
  ]);
  return <AgentList initial={page} projects={projects} brokers={brokers} />;
}
