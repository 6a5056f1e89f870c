import { AgentList } from "@/components/agents/agent-list";
import { listAgents } from "@/lib/agents/list-agents";
import { listAgentsQuery } from "@/lib/agents/schemas";
import { getHubRuntime, type HubRuntime } from "@/lib/runtime/hub-runtime";
import { listPageProjects } from "./page-projects";
import { requirePageUser, type PageUser } from "./require-page-user";

/**
 * What the agent list needs from the database: the first page (of one project's agents with
 * `projectId`), the projects the viewer can see and the brokers, by name.
 */
export async function agentListPageData(runtime: HubRuntime, viewer: PageUser, projectId?: string) {
  const [page, projects, brokers] = await Promise.all([
    listAgents(runtime.db.pool, viewer, listAgentsQuery.parse({ limit: "50", ...(projectId && { projectId }) })),
    listPageProjects(runtime, viewer),
    runtime.prisma.runtimeBroker.findMany({
      select: { id: true, name: true, status: true },
      orderBy: { name: "asc" },
      take: 500,
    }),
  ]);
  return { page, projects, brokers };
}

/**
 * The agent list page, shared by `/` and `/agents` (people coming from Scion type the latter):
 * the first page rendered from the database, then kept live by the client.
 */
export async function AgentListPage({ returnTo }: { returnTo: string }) {
  const runtime = getHubRuntime();
  const viewer = await requirePageUser(runtime, returnTo);
  const { page, projects, brokers } = await agentListPageData(runtime, viewer);
  return <AgentList initial={page} projects={projects} brokers={brokers} />;
}
