import { isProjectManager, projectRoleOf, visibleProjectsWhereFor } from "@/lib/projects/project-access";
import type { HubRuntime } from "@/lib/runtime/hub-runtime";
import type { PageUser } from "./require-page-user";

/** A project as the dashboard's pickers need it, with whether the viewer manages it. */
export interface PageProject {
  id: string;
  slug: string;
  name: string;
  defaultTemplateId: string | null;
  /** Admin, its creator, or a member with the manager role: may change its settings, members, templates. */
  canManage: boolean;
}

/** The projects the viewer can see (the API's rule, lib/projects/project-access.ts), by name, in one query. */
export async function listPageProjects(runtime: HubRuntime, viewer: PageUser): Promise<PageProject[]> {
  const user = viewer.user;
  const rows = await runtime.prisma.project.findMany({
    where: visibleProjectsWhereFor(user),
    select: {
      id: true,
      slug: true,
      name: true,
      defaultTemplateId: true,
      createdById: true,
      members: { where: { userId: user.id }, select: { role: true } },
    },
    orderBy: { name: "asc" },
    take: 500,
  });
  return rows.map((p) => ({
    id: p.id,
    slug: p.slug,
    name: p.name,
    defaultTemplateId: p.defaultTemplateId,
    canManage: isProjectManager(projectRoleOf(user, p, p.members[0]?.role)),
  }));
}
