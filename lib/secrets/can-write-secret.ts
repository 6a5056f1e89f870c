import type { UserIdentity } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import { ApiError } from "../http/api-error";
import { isProjectManager, projectRoleOf, visibleProjectsWhereFor } from "../projects/project-access";
import type { SecretScope } from "../db/generated/enums";

/**
 * Who may write (create, replace, delete) secrets in a scope: a person their own user secrets,
 * a project's managers (creator, manager members, admins) the project's, admins the hub's. 404 for
 * a project that does not exist or that they may not see, 403 otherwise.
 */
export async function requireSecretWriter(
  prisma: PrismaClient,
  user: UserIdentity,
  scope: SecretScope,
  projectId: string | null,
): Promise<void> {
  if (scope === "hub" && user.role !== "admin")
    throw new ApiError("forbidden", "Only administrators may change hub secrets.");
  if (scope === "project") {
    const project = projectId
      ? await prisma.project.findFirst({
          where: { AND: [{ id: projectId }, visibleProjectsWhereFor(user)] },
          select: { createdById: true, members: { where: { userId: user.id }, select: { role: true } } },
        })
      : null;
    if (!project) throw new ApiError("not_found", "No such project.");
    if (!isProjectManager(projectRoleOf(user, project, project.members[0]?.role)))
      throw new ApiError(
        "forbidden",
        "Only the project's managers (its creator, managers and admins) may change its secrets.",
      );
  }
}
