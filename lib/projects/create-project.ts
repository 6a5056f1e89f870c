import { recordAudit } from "../audit/record-audit";
import type { UserIdentity } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import { ApiError } from "../http/api-error";
import { assertRemoteAllowed } from "./assert-remote-allowed";
import { slugify } from "../naming/slugify";
import type { CreateProjectBody, ProjectJson } from "./schemas";
import { toProjectJson } from "./to-project-json";

/** Creates a project; the slug comes from the name unless given, and must be unused. */
export async function createProject(
  prisma: PrismaClient,
  actor: UserIdentity,
  body: CreateProjectBody,
  requestId?: string,
  opts: { allowPrivateRemotes?: boolean } = {},
): Promise<ProjectJson> {
  if (body.gitRemote) assertRemoteAllowed(body.gitRemote, opts.allowPrivateRemotes === true);
  const slug = body.slug ?? slugify(body.name, "project");
  return prisma.$transaction(async (tx) => {
    if (
      body.defaultBrokerId &&
      !(await tx.runtimeBroker.findUnique({ where: { id: body.defaultBrokerId }, select: { id: true } }))
    ) {
      throw new ApiError("validation_error", "The default broker does not exist.", [
        { path: "defaultBrokerId", message: "no such broker" },
      ]);
    }
    if (await tx.project.findUnique({ where: { slug }, select: { id: true } }))
      throw new ApiError("conflict", `A project with the slug "${slug}" already exists.`);
    const project = await tx.project.create({
      data: {
        slug,
        name: body.name,
        gitRemote: body.gitRemote ?? null,
        defaultBrokerId: body.defaultBrokerId ?? null,
        defaultBranch: body.defaultBranch ?? null,
        ...(body.visibility && { visibility: body.visibility }),
        createdById: actor.id,
      },
    });
    await recordAudit(tx, {
      principal: `user:${actor.id}`,
      action: "project.create",
      targetType: "project",
      targetId: project.id,
      details: { slug, visibility: project.visibility },
      requestId,
    });
    return toProjectJson(project, { role: actor.role === "admin" ? "admin" : "manager" });
  });
}
