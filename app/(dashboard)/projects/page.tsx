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
    listProjects(runtime.prisma, listProjectsQuery.parse({ limit: "500", sort: "name", order: "asc" })),
    runtime.prisma.runtimeBroker.findMany({ select: { id: true, name: true }, orderBy: { name: "asc" }, take: 500 }),
  ]);
  const items: ProjectItem[] = page.items;
  // Counts of running and waiting agents: from the API's list where it carries them, else one grouped query.
  if (items.some((p) => !p.counts)) {
    const groups = await runtime.prisma.agent.groupBy({
      by: ["projectId", "phase", "activity"],
      where: { projectId: { in: items.map((p) => p.id) } },
      _count: { _all: true },
    });
    for (const p of items) {
      const mine = groups.filter((g) => g.projectId === p.id);
      const count = (keep: (g: (typeof groups)[number]) => boolean) =>
        mine.filter(keep).reduce((n, g) => n + g._count._all, 0);
      p.counts ??= {
        running: count((g) => g.phase === "running"),
        waitingForInput: count((g) => g.phase === "running" && g.activity === "waiting_for_input"),
        total: count(() => true),
      };
    }
  }
  return (
    <ProjectList initial={items} brokers={brokers} viewerId={viewer.user.id} isAdmin={viewer.user.role === "admin"} />
  );
}
