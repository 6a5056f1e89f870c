import type { UserIdentity } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import { ApiError } from "../http/api-error";
import { canSeeProject } from "../projects/project-access";
import { visibleScopeWhere, type ScopedWhere } from "./config-scope";
import type { ListConfigQuery, TemplateJson } from "./schemas";
import { TEMPLATE_INCLUDE, toTemplateJson } from "./to-template-json";

/** More than any hub configures; the list is not paged. */
export const MAX_LISTED = 500;

/**
 * The templates a person sees, by name: the hub's, those of the projects they see, their own.
 * `projectId` narrows to what an agent of that project can start from (the hub's, that project's,
 * theirs); `scope` to one scope; `search` matches name, slug and description.
 */
export async function listTemplates(
  prisma: PrismaClient,
  user: UserIdentity,
  query: ListConfigQuery,
): Promise<TemplateJson[]> {
  const rows = await prisma.template.findMany({
    where: await listConfigWhere(prisma, user, query),
    orderBy: [{ name: "asc" }, { id: "asc" }],
    take: MAX_LISTED,
    include: TEMPLATE_INCLUDE,
  });
  return rows.map(toTemplateJson);
}

/**
 * The filter of a template or harness-config list: what the person sees, narrowed by `scope`, by
 * `projectId` to what an agent of that project can use (the hub's, that project's, theirs; a
 * project they cannot see is a 404), and by `search` over name, slug and description.
 */
export async function listConfigWhere(
  prisma: PrismaClient,
  user: UserIdentity,
  query: ListConfigQuery,
): Promise<ScopedWhere> {
  const and: ScopedWhere[] = [visibleScopeWhere(user)];
  if (query.scope) and.push({ scope: query.scope });
  if (query.projectId) {
    if (!(await canSeeProject(prisma, { kind: "user", user, via: "token" }, query.projectId)))
      throw new ApiError("not_found", "No such project.");
    and.push({
      OR: [{ scope: "hub" }, { scope: "project", projectId: query.projectId }, { scope: "user", userId: user.id }],
    });
  }
  if (query.search)
    and.push({
      OR: [
        { name: { contains: query.search, mode: "insensitive" } },
        { slug: { contains: query.search.toLowerCase() } },
        { description: { contains: query.search, mode: "insensitive" } },
      ],
    });
  return { AND: and };
}
