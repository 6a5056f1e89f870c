import { recordAudit } from "../audit/record-audit";
import type { UserIdentity } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import { ApiError } from "../http/api-error";
import { canManageProject } from "./can-manage-project";
import { getProjectOrThrow } from "./get-project-or-throw";

/** Deletes an empty project (its creator or an admin); one that still has agents is a conflict. */
export async function deleteProject(
  prisma: PrismaClient,
  actor: UserIdentity,
  idOrSlug: string,
  requestId?: string,
): Promise<void> {
  const project = await getProjectOrThrow(prisma, idOrSlug);
  if (!canManageProject(actor, project))
    throw new ApiError("forbidden", "Only the project's creator or an admin may delete it.");
  await prisma.$transaction(async (tx) => {
    const agents = await tx.agent.count({ where: { projectId: project.id } });
    if (agents > 0) throw new ApiError("conflict", `The project still has ${agents} agent(s); delete them first.`);
    await tx.project.delete({ where: { id: project.id } });
    await recordAudit(tx, {
      principal: `user:${actor.id}`,
      action: "project.delete",
      targetType: "project",
      targetId: project.id,
      details: { slug: project.slug },
      requestId,
    });
  });
}
