import type { Project } from "../db/generated/client";
import type { UserIdentity } from "../auth/principal";

/** The project's creator and admins may change or delete it, while their account is active. */
export function canManageProject(user: UserIdentity, project: Pick<Project, "createdById">): boolean {
  return user.status === "active" && (user.role === "admin" || project.createdById === user.id);
}
