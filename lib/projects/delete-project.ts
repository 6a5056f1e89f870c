import { recordAudit } from "../audit/record-audit";
import { principalId, type Principal } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import { ApiError } from "../http/api-error";
import { getManagedProjectOrThrow } from "./project-access";

/**
 * Deletes an empty project (its managers) with its project-scoped templates and harness configs.
 * Refused with 409 while it has agents, while another project starts its agents from one of its
 * templates by default, or while a template elsewhere uses one of its harness configs (each named).
 */
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
    await refuseIfItsSetUpIsUsedElsewhere(tx, project.id, project.slug);
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

async function refuseIfItsSetUpIsUsedElsewhere(
  tx: Pick<PrismaClient, "project" | "template">,
  projectId: string,
  slug: string,
): Promise<void> {
  const projects = await tx.project.findMany({
    where: { id: { not: projectId }, defaultTemplate: { projectId } },
    select: { id: true, slug: true, defaultTemplate: { select: { slug: true } } },
    orderBy: { slug: "asc" },
    take: 50,
  });
  if (projects.length)
    throw new ApiError(
      "conflict",
      `Project ${slug}'s templates are the default of ${projects.map((p) => `${p.slug} (${p.defaultTemplate!.slug})`).join(", ")}; pick another default there first.`,
      { projects: projects.map((p) => ({ id: p.id, slug: p.slug, template: p.defaultTemplate!.slug })) },
    );
  const templates = await tx.template.findMany({
    where: { harnessConfig: { projectId }, OR: [{ projectId: null }, { projectId: { not: projectId } }] },
    select: { id: true, slug: true, scope: true, projectId: true, harnessConfig: { select: { slug: true } } },
    orderBy: { slug: "asc" },
    take: 50,
  });
  if (templates.length)
    throw new ApiError(
      "conflict",
      `Project ${slug}'s harness configs are used by ${templates.length === 1 ? "template" : "templates"} ${templates.map((t) => `${t.slug} (${t.harnessConfig!.slug})`).join(", ")} elsewhere; change them first.`,
      { templates: templates.map((t) => ({ id: t.id, slug: t.slug, scope: t.scope, projectId: t.projectId })) },
    );
}
