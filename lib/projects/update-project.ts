import { recordAudit } from "../audit/record-audit";
import { principalId, type Principal } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import { ApiError } from "../http/api-error";
import { assertRemoteAllowed } from "./assert-remote-allowed";
import { getManagedProjectOrThrow } from "./project-access";
import type { ProjectJson, UpdateProjectBody } from "./schemas";
import { describeProject } from "./to-project-json";

/**
 * Changes a project's settings (its managers: creator, manager members, admins): name, remote
 * (through the remote policy), default branch, default template (hub-wide or this project's own),
 * default broker (must exist), env, the project secret git uses as its token (must exist), and
 * visibility. Audited with the fields changed (env by its names only).
 */
export async function updateProject(
  prisma: PrismaClient,
  actor: Principal,
  idOrSlug: string,
  body: UpdateProjectBody,
  requestId?: string,
  opts: { allowPrivateRemotes?: boolean } = {},
): Promise<ProjectJson> {
  const { project } = await getManagedProjectOrThrow(prisma, actor, idOrSlug, "change its settings");
  if (body.gitRemote) assertRemoteAllowed(body.gitRemote, opts.allowPrivateRemotes === true);
  const updated = await prisma.$transaction(async (tx) => {
    if (
      body.defaultBrokerId &&
      !(await tx.runtimeBroker.findUnique({ where: { id: body.defaultBrokerId }, select: { id: true } }))
    ) {
      throw new ApiError("validation_error", "The default broker does not exist.", [
        { path: "defaultBrokerId", message: "no such broker" },
      ]);
    }
    if (body.defaultTemplateId) {
      // A default every member can use: a hub template or one of this project's own (not a person's).
      const template = await tx.template.findFirst({
        where: {
          id: body.defaultTemplateId,
          OR: [{ scope: "hub" }, { scope: "project", projectId: project.id }],
        },
        select: { id: true },
      });
      if (!template)
        throw new ApiError("validation_error", "The default template does not exist in this project.", [
          { path: "defaultTemplateId", message: "no such hub or project template" },
        ]);
    }
    if (body.gitTokenSecret) {
      const secret = await tx.secret.findFirst({
        where: { scope: "project", projectId: project.id, name: body.gitTokenSecret },
        select: { id: true },
      });
      if (!secret)
        throw new ApiError("validation_error", `The project has no secret called ${body.gitTokenSecret}.`, [
          { path: "gitTokenSecret", message: "no such project secret" },
        ]);
    }
    const row = await tx.project.update({
      where: { id: project.id },
      data: {
        ...(body.name !== undefined && { name: body.name }),
        ...(body.gitRemote !== undefined && { gitRemote: body.gitRemote }),
        ...(body.defaultBranch !== undefined && { defaultBranch: body.defaultBranch }),
        ...(body.defaultTemplateId !== undefined && { defaultTemplateId: body.defaultTemplateId }),
        ...(body.defaultBrokerId !== undefined && { defaultBrokerId: body.defaultBrokerId }),
        ...(body.env !== undefined && { env: body.env }),
        ...(body.gitTokenSecret !== undefined && { gitTokenSecret: body.gitTokenSecret }),
        ...(body.visibility !== undefined && { visibility: body.visibility }),
      },
    });
    const { env, ...rest } = body;
    await recordAudit(tx, {
      principal: principalId(actor),
      action: "project.update",
      targetType: "project",
      targetId: project.id,
      details: { ...rest, ...(env !== undefined && { envKeys: Object.keys(env).sort() }) },
      requestId,
    });
    return row;
  });
  return describeProject(prisma, actor, updated);
}
