import type { Principal, UserIdentity } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import type { Prisma, Project, ProjectMemberRole } from "../db/generated/client";
import { ApiError } from "../http/api-error";
import { isUuid } from "../naming/is-uuid";

/**
 * Who may see and manage a project.
 * - See: admins, its creator, its members, and every signed-in person when its visibility is
 *   `hub`; an agent sees its own project and the hub-visible ones. A suspended person sees none.
 * - Manage (settings, members, broadcast, delete): admins, its creator, members with role manager.
 * - Its members and its creator also see the project's agents, read-only (lib/agents/can-access-agent.ts).
 */
export type ProjectRole = "admin" | "manager" | "member" | null;

/** Matches no row (the nil UUID is never an id). */
const NOTHING = "00000000-0000-0000-0000-000000000000";

/** The Prisma filter matching the projects a principal may see, for lists and counts. */
export function visibleProjectsWhere(principal: Principal): Prisma.ProjectWhereInput {
  if (principal.kind === "agent")
    return { OR: [{ visibility: "hub" }, { agents: { some: { id: principal.agentId } } }] };
  return visibleProjectsWhereFor(principal.user);
}

/** The same for a person. */
export function visibleProjectsWhereFor(user: UserIdentity): Prisma.ProjectWhereInput {
  if (user.status !== "active") return { id: NOTHING };
  if (user.role === "admin") return {};
  return { OR: [{ visibility: "hub" }, { createdById: user.id }, { members: { some: { userId: user.id } } }] };
}

/** The projects whose agents a person sees read-only: those they created or are a member of. */
export function memberProjectsWhere(userId: string): Prisma.ProjectWhereInput {
  return { OR: [{ createdById: userId }, { members: { some: { userId } } }] };
}

/** The same rule in SQL, for plain statements: the ids of those projects, `userParam` a uuid placeholder. */
export function memberProjectIdsSql(userParam: string): string {
  return `SELECT id FROM projects WHERE "createdById" = ${userParam}::uuid
    UNION SELECT "projectId" FROM project_members WHERE "userId" = ${userParam}::uuid`;
}

/** A person's role in a project, from the project's creator and their membership row (if any). */
export function projectRoleOf(
  user: UserIdentity,
  project: Pick<Project, "createdById">,
  membership: ProjectMemberRole | null | undefined,
): ProjectRole {
  if (user.status !== "active") return null;
  if (user.role === "admin") return "admin";
  if (project.createdById === user.id) return "manager";
  return membership ?? null;
}

export function isProjectManager(role: ProjectRole): boolean {
  return role === "admin" || role === "manager";
}

/** Whether a principal may see the project (false for a project that does not exist). */
export async function canSeeProject(prisma: PrismaClient, principal: Principal, projectId: string): Promise<boolean> {
  if (!isUuid(projectId)) return false;
  return (await prisma.project.count({ where: { AND: [{ id: projectId }, visibleProjectsWhere(principal)] } })) > 0;
}

/** Whether a principal may manage the project: its settings, members, secrets, broadcast, deletion. */
export async function canManageProject(
  prisma: PrismaClient,
  principal: Principal,
  projectId: string,
): Promise<boolean> {
  if (principal.kind !== "user" || !isUuid(projectId)) return false;
  const project = await prisma.project.findUnique({
    where: { id: projectId },
    select: { createdById: true, members: { where: { userId: principal.user.id }, select: { role: true } } },
  });
  return project !== null && isProjectManager(projectRoleOf(principal.user, project, project.members[0]?.role));
}

/**
 * A project by id or slug that the principal may see, with the principal's role in it;
 * not_found for one that does not exist or that they may not see (the two look the same).
 */
export async function getVisibleProjectOrThrow(
  prisma: PrismaClient,
  principal: Principal,
  idOrSlug: string,
): Promise<{ project: Project; role: ProjectRole }> {
  const where: Prisma.ProjectWhereInput | null = isUuid(idOrSlug)
    ? { id: idOrSlug.toLowerCase() }
    : /^[a-z0-9][a-z0-9-]{0,62}$/.test(idOrSlug)
      ? { slug: idOrSlug }
      : null;
  const found = where
    ? await prisma.project.findFirst({
        where: { AND: [where, visibleProjectsWhere(principal)] },
        include: {
          members: {
            where: { userId: principal.kind === "user" ? principal.user.id : NOTHING },
            select: { role: true },
          },
        },
      })
    : null;
  if (!found) throw new ApiError("not_found", "No such project.");
  const { members, ...project } = found;
  return {
    project,
    role: principal.kind === "user" ? projectRoleOf(principal.user, project, members[0]?.role) : null,
  };
}

/** The same, for what only managers may do: 403 for a person who sees the project but does not manage it. */
export async function getManagedProjectOrThrow(
  prisma: PrismaClient,
  principal: Principal,
  idOrSlug: string,
  what: string,
): Promise<{ project: Project; role: ProjectRole }> {
  const found = await getVisibleProjectOrThrow(prisma, principal, idOrSlug);
  if (!isProjectManager(found.role))
    throw new ApiError("forbidden", `Only the project's managers (its creator, managers and admins) may ${what}.`);
  return found;
}
