import { requirePageUser } from "@/app/_lib/require-page-user";
import { ProjectList } from "@/components/projects/project-list";
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
  return (
    <ProjectList
      initial={page.items}
      brokers={brokers}
      viewerId={viewer.user.id}
      isAdmin={viewer.user.role === "admin"}
    />
  );
}
