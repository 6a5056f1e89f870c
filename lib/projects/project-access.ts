import type { Principal } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";

/**
 * Who sees a project: admins, its creator, its members, and everyone signed in when its
 * visibility is `hub`. Who manages it (settings, members, project templates): its creator, admins
 * and members with the role `manager`. Only active people; an agent acts through its owner's
 * rights elsewhere, never through these.
 */
export async function canSeeProject(prisma: PrismaClient, principal: Principal, projectId: string): Promise<boolean> {
  if (principal.kind !== "user" || principal.user.status !== "active") return false;
  const project = await prisma.project.findUnique({
    where: { id: projectId },
    select: { visibility: true, createdById: true, members: { where: { userId: principal.user.id } } },
  });
  if (!project) return false;
  return (
    principal.user.role === "admin" ||
    project.visibility === "hub" ||
    project.createdById === principal.user.id ||
    project.members.length > 0
  );
}

export async function canManageProject(
  prisma: PrismaClient,
  principal: Principal,
  projectId: string,
): Promise<boolean> {
  if (principal.kind !== "user" || principal.user.status !== "active") return false;
  const project = await prisma.project.findUnique({
    where: { id: projectId },
    select: { createdById: true, members: { where: { userId: principal.user.id } } },
  });
  if (!project) return false;
  return (
    principal.user.role === "admin" ||
    project.createdById === principal.user.id ||
    project.members.some((m) => m.role === "manager")
  );
}
