import type { UserIdentity } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import type { Prisma } from "../db/generated/client";
import { ApiError } from "../http/api-error";
import { canSeeProject } from "../projects/project-access";
import { visibleScopeWhere } from "../templates/config-scope";
import { MAX_LISTED } from "../templates/list-templates";
import type { ListConfigQuery } from "../templates/schemas";
import type { HarnessConfigJson } from "./schemas";
import { toHarnessConfigJson } from "./to-harness-config-json";

/** The harness configs a person sees, by name; filters as for templates (scope, projectId, search). */
export async function listHarnessConfigs(
  prisma: PrismaClient,
  user: UserIdentity,
  query: ListConfigQuery,
): Promise<HarnessConfigJson[]> {
  const and: Prisma.HarnessConfigWhereInput[] = [visibleScopeWhere(user)];
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
  const rows = await prisma.harnessConfig.findMany({
    where: { AND: and },
    orderBy: [{ name: "asc" }, { id: "asc" }],
    take: MAX_LISTED,
  });
  return rows.map(toHarnessConfigJson);
}
