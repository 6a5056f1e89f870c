import type { Project } from "../db/generated/client";
import type { UserIdentity } from "../auth/principal";

/** The project's creator and admins may change or delete it. */
export function canManageProject(user: UserIdentity, project: Pick<Project, "createdById">): boolean {
  return user.role === "admin" || project.createdById === user.id;
}
