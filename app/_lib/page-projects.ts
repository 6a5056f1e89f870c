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

/**
 * The projects the viewer can see (admins: all; others: their own, those they are a member of and
 * those visible to the whole hub), by name, in one query. Mirrors the API's rule (issue 12
 * contracts: lib/projects access); the API decides again on every call.
 */
export async function listPageProjects(runtime: HubRuntime, viewer: PageUser): Promise<PageProject[]> {
  const user = viewer.user;
  const admin = user.role === "admin";
  const rows = await runtime.prisma.project.findMany({
    where: admin
      ? {}
      : { OR: [{ createdById: user.id }, { visibility: "hub" }, { members: { some: { userId: user.id } } }] },
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
    canManage: admin || p.createdById === user.id || p.members.some((m) => m.role === "manager"),
  }));
}
