import { notFound } from "next/navigation";
import { agentListPageData } from "@/app/_lib/agent-list-page";
import { requirePageUser } from "@/app/_lib/require-page-user";
import { ProjectPage } from "@/components/projects/project-page";
import { getHubRuntime } from "@/lib/runtime/hub-runtime";

export const dynamic = "force-dynamic";
export const metadata = { title: "Project" };

// One project by slug: its agents' first page, settings and who manages it, from the database.
// A project the viewer cannot see is a 404, like one that does not exist.
export default async function Project({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const runtime = getHubRuntime();
  const viewer = await requirePageUser(runtime, `/projects/${encodeURIComponent(slug)}`);
  const row = await runtime.prisma.project.findUnique({ where: { slug: slug.toLowerCase() } });
  if (!row) notFound();
  const data = await agentListPageData(runtime, viewer, row.id);
  const self = data.projects.find((p) => p.id === row.id);
  // listPageProjects applies who-sees-what: not in it, not visible.
  if (!self) notFound();
  return (
    <ProjectPage
      initial={{
        id: row.id,
        slug: row.slug,
        name: row.name,
        gitRemote: row.gitRemote,
        defaultBrokerId: row.defaultBrokerId,
        defaultBranch: row.defaultBranch,
        defaultTemplateId: row.defaultTemplateId,
        env: (row.env ?? {}) as Record<string, string>,
        gitTokenSecret: row.gitTokenSecret,
        visibility: row.visibility,
        createdBy: row.createdById ? `user:${row.createdById}` : null,
        createdAt: row.createdAt.toISOString(),
        updatedAt: row.updatedAt.toISOString(),
      }}
      agents={data.page}
      projects={data.projects}
      brokers={data.brokers}
      viewer={{ id: viewer.user.id, isAdmin: viewer.user.role === "admin" }}
      canManage={self.canManage}
    />
  );
}
