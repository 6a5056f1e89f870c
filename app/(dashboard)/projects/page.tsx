import { requirePageUser } from "@/app/_lib/require-page-user";
import { ProjectList } from "@/components/projects/project-list";
import type { ProjectItem } from "@/components/templates/types";
import { listProjects } from "@/lib/projects/list-projects";
import { listProjectsQuery } from "@/lib/projects/schemas";
import { getHubRuntime } from "@/lib/runtime/hub-runtime";

export const dynamic = "force-dynamic";
export const metadata = { title: "Projects" };

// Projects, rendered from the database; created and deleted from the client.
export default async function ProjectsPage() {
  const runtime = getHubRuntime();
  const viewer = await requirePageUser(runtime, "/projects");
  const [page, brokers] = await Promise.all([
    listProjects(runtime.prisma, viewer, listProjectsQuery.parse({ limit: "500", sort: "name", order: "asc" })),
    runtime.prisma.runtimeBroker.findMany({ select: { id: true, name: true }, orderBy: { name: "asc" }, take: 500 }),
  ]);
  // Each project carries its counts of running and waiting agents and the viewer's role.
  const items: ProjectItem[] = page.items;
  return (
    <ProjectList initial={items} brokers={brokers} viewerId={viewer.user.id} isAdmin={viewer.user.role === "admin"} />
  );
}
