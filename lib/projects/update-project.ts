import { recordAudit } from "../audit/record-audit";
import type { UserIdentity } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import { ApiError } from "../http/api-error";
import { assertRemoteAllowed } from "./assert-remote-allowed";
import { canManageProject } from "./can-manage-project";
import { getProjectOrThrow } from "./get-project-or-throw";
import type { ProjectJson, UpdateProjectBody } from "./schemas";
import { toProjectJson } from "./to-project-json";

/** Renames a project or changes its remote or default broker (its creator or an admin). */
export async function updateProject(
  prisma: PrismaClient,
  actor: UserIdentity,
  idOrSlug: string,
  body: UpdateProjectBody,
  requestId?: string,
  opts: { allowPrivateRemotes?: boolean } = {},
): Promise<ProjectJson> {
  const project = await getProjectOrThrow(prisma, idOrSlug);
  if (!canManageProject(actor, project))
    throw new ApiError("forbidden", "Only the project's creator or an admin may change it.");
  if (body.gitRemote) assertRemoteAllowed(body.gitRemote, opts.allowPrivateRemotes === true);
  return prisma.$transaction(async (tx) => {
    if (
      body.defaultBrokerId &&
      !(await tx.runtimeBroker.findUnique({ where: { id: body.defaultBrokerId }, select: { id: true } }))
    ) {
      throw new ApiError("validation_error", "The default broker does not exist.", [
        { path: "defaultBrokerId", message: "no such broker" },
      ]);
    }
    const updated = await tx.project.update({
      where: { id: project.id },
      data: {
        ...(body.name !== undefined && { name: body.name }),
        ...(body.gitRemote !== undefined && { gitRemote: body.gitRemote }),
        ...(body.defaultBrokerId !== undefined && { defaultBrokerId: body.defaultBrokerId }),
      },
    });
    await recordAudit(tx, {
      principal: `user:${actor.id}`,
      action: "project.update",
      targetType: "project",
      targetId: project.id,
      details: body,
      requestId,
    });
    return toProjectJson(updated);
  });
}
