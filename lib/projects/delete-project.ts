import { recordAudit } from "../audit/record-audit";
import { principalId, type Principal } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import { ApiError } from "../http/api-error";
import { getManagedProjectOrThrow } from "./project-access";

/** Deletes an empty project (its managers); one that still has agents is a conflict. */
export async function deleteProject(
  prisma: PrismaClient,
  actor: Principal,
  idOrSlug: string,
  requestId?: string,
): Promise<void> {
  const { project } = await getManagedProjectOrThrow(prisma, actor, idOrSlug, "delete it");
  await prisma.$transaction(async (tx) => {
    const agents = await tx.agent.count({ where: { projectId: project.id } });
    if (agents > 0) throw new ApiError("conflict", `The project still has ${agents} agent(s); delete them first.`);
    await tx.project.delete({ where: { id: project.id } });
    await recordAudit(tx, {
      principal: principalId(actor),
      action: "project.delete",
      targetType: "project",
      targetId: project.id,
      details: { slug: project.slug },
      requestId,
    });
  });
}
