import { notFound } from "next/navigation";
import { agentListPageData } from "@/app/_lib/agent-list-page";
import { requirePageUser } from "@/app/_lib/require-page-user";
import { ProjectPage } from "@/components/projects/project-page";
import { ApiError } from "@/lib/http/api-error";
import { getVisibleProjectOrThrow, isProjectManager } from "@/lib/projects/project-access";
import { describeProject } from "@/lib/projects/to-project-json";
import { getHubRuntime } from "@/lib/runtime/hub-runtime";

export const dynamic = "force-dynamic";
export const metadata = { title: "Project" };

// One project by slug: its agents' first page, settings and who manages it, from the database.
// A project the viewer cannot see is a 404, like one that does not exist (the API's rule).
export default async function Project({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const runtime = getHubRuntime();
  const viewer = await requirePageUser(runtime, `/projects/${encodeURIComponent(slug)}`);
  const found = await getVisibleProjectOrThrow(runtime.prisma, viewer, slug.toLowerCase()).catch((err: unknown) => {
    if (err instanceof ApiError && err.code === "not_found") return null;
    throw err;
  });
  if (!found) notFound();
  const [project, data] = await Promise.all([
    describeProject(runtime.prisma, viewer, found.project),
    agentListPageData(runtime, viewer, found.project.id),
  ]);
  return (
    <ProjectPage
      initial={project}
      agents={data.page}
      projects={data.projects}
      brokers={data.brokers}
      viewer={{ id: viewer.user.id, isAdmin: viewer.user.role === "admin" }}
      canManage={isProjectManager(found.role)}
    />
  );
}
