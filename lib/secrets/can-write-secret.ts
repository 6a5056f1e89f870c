import type { UserIdentity } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import { ApiError } from "../http/api-error";
import { canManageProject } from "../projects/can-manage-project";
import type { SecretScope } from "../db/generated/enums";

/**
 * Who may write (create, replace, delete) secrets in a scope: a person their own user secrets,
 * a project's creator or an admin the project's, admins the hub's. 404 for a project that does
 * not exist, 403 otherwise.
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
      ? await prisma.project.findUnique({ where: { id: projectId }, select: { createdById: true } })
      : null;
    if (!project) throw new ApiError("not_found", "No such project.");
    if (!canManageProject(user, project))
      throw new ApiError("forbidden", "Only the project's creator or an administrator may change its secrets.");
  }
}
