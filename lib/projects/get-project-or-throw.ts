import type { PrismaClient } from "../db/create-database";
import type { Project } from "../db/generated/client";
import { ApiError } from "../http/api-error";
import { isUuid } from "../naming/is-uuid";

/**
 * A project by id or slug; not_found otherwise. Unchecked: what a caller may see or manage is
 * project-access.ts (getVisibleProjectOrThrow, getManagedProjectOrThrow).
 */
export async function getProjectOrThrow(prisma: PrismaClient, idOrSlug: string): Promise<Project> {
  const project = isUuid(idOrSlug)
    ? await prisma.project.findUnique({ where: { id: idOrSlug.toLowerCase() } })
    : /^[a-z0-9][a-z0-9-]{0,62}$/.test(idOrSlug)
      ? await prisma.project.findUnique({ where: { slug: idOrSlug } })
      : null;
  if (!project) throw new ApiError("not_found", "No such project.");
  return project;
}
