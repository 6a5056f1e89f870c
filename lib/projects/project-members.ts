import { recordAudit } from "../audit/record-audit";
import { principalId, type Principal } from "../auth/principal";
import { userChangedSubject } from "../auth/watch-access";
import type { PrismaClient } from "../db/create-database";
import type { EventBus } from "../events/event-bus";
import { ApiError } from "../http/api-error";
import { parseId } from "../http/ids";
import { getManagedProjectOrThrow, getVisibleProjectOrThrow, isProjectManager } from "./project-access";
import type { AddMemberBody, MemberJson } from "./schemas";

/** The most members one project lists (far above a team). */
const MAX_LISTED = 1000;

type MemberRow = {
  userId: string;
  role: MemberJson["role"];
  createdAt: Date;
  user: { email: string; name: string | null };
};

function toMemberJson(m: MemberRow): MemberJson {
  return {
    userId: m.userId,
    email: m.user.email,
    name: m.user.name,
    role: m.role,
    createdAt: m.createdAt.toISOString(),
  };
}

/** GET /projects/{id}/members: whoever sees the project sees who its members are. */
export async function listMembers(
  prisma: PrismaClient,
  principal: Principal,
  idOrSlug: string,
): Promise<{ items: MemberJson[] }> {
  const { project } = await getVisibleProjectOrThrow(prisma, principal, idOrSlug);
  const rows = await prisma.projectMember.findMany({
    where: { projectId: project.id },
    include: { user: { select: { email: true, name: true } } },
    orderBy: [{ createdAt: "asc" }, { userId: "asc" }],
    take: MAX_LISTED,
  });
  return { items: rows.map(toMemberJson) };
}

/**
 * POST /projects/{id}/members (managers): adds a person by email or id with a role (member by
 * default), or changes the role of one who is a member already (`created` false). Audited; the
 * person's open event streams re-read what they may see.
 */
export async function addMember(
  prisma: PrismaClient,
  events: EventBus,
  actor: Principal,
  idOrSlug: string,
  body: AddMemberBody,
  requestId?: string,
): Promise<{ created: boolean; member: MemberJson }> {
  const { project } = await getManagedProjectOrThrow(prisma, actor, idOrSlug, "change its members");
  const user = await prisma.user.findFirst({
    where: body.userId ? { id: body.userId } : { email: body.email! },
    select: { id: true },
  });
  if (!user)
    throw new ApiError("validation_error", "No such user.", [
      { path: body.userId ? "userId" : "email", message: "no user with this " + (body.userId ? "id" : "email") },
    ]);
  const result = await prisma.$transaction(async (tx) => {
    const existing = await tx.projectMember.findUnique({
      where: { projectId_userId: { projectId: project.id, userId: user.id } },
      select: { role: true },
    });
    const row = await tx.projectMember.upsert({
      where: { projectId_userId: { projectId: project.id, userId: user.id } },
      create: { projectId: project.id, userId: user.id, role: body.role, addedBy: principalId(actor) },
      update: { role: body.role },
      include: { user: { select: { email: true, name: true } } },
    });
    await recordAudit(tx, {
      principal: principalId(actor),
      action: existing ? "project.member.update" : "project.member.add",
      targetType: "project",
      targetId: project.id,
      details: { userId: user.id, role: body.role, ...(existing && { previousRole: existing.role }) },
      requestId,
    });
    return { created: !existing, member: toMemberJson(row) };
  });
  await announce(events, user.id);
  return result;
}

/**
 * DELETE /projects/{id}/members/{userId}: a manager removes anyone; a member may leave. 404 for
 * someone who is not a member. Audited; the person's open event streams re-read what they may see.
 */
export async function removeMember(
  prisma: PrismaClient,
  events: EventBus,
  actor: Principal,
  idOrSlug: string,
  rawUserId: string | undefined,
  requestId?: string,
): Promise<void> {
  const userId = parseId(rawUserId, "user");
  const { project, role } = await getVisibleProjectOrThrow(prisma, actor, idOrSlug);
  const leaving = actor.kind === "user" && actor.user.id === userId;
  if (!leaving && !isProjectManager(role))
    throw new ApiError(
      "forbidden",
      "Only the project's managers (its creator, managers and admins) may remove members.",
    );
  await prisma.$transaction(async (tx) => {
    const removed = await tx.projectMember.deleteMany({ where: { projectId: project.id, userId } });
    if (removed.count === 0) throw new ApiError("not_found", "No such member of this project.");
    await recordAudit(tx, {
      principal: principalId(actor),
      action: "project.member.remove",
      targetType: "project",
      targetId: project.id,
      details: { userId },
      requestId,
    });
  });
  await announce(events, userId);
}

/** A membership change is a change of what the person may see: their open streams re-check. */
async function announce(events: EventBus, userId: string): Promise<void> {
  await events
    .publish({ subject: userChangedSubject(userId), data: { id: userId, memberships: true } })
    .catch(() => undefined);
}
