import { recordAudit } from "../audit/record-audit";
import type { UserIdentity } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import { ApiError } from "../http/api-error";
import { isForeignKeyViolation, requireScopeWriter } from "./config-scope";
import { getVisibleTemplate } from "./get-template";

/**
 * Deletes a template (the people who may write its scope; built-in ones never). One a project
 * starts its agents from by default is refused, 409 naming the projects, whether the look-up or
 * the database's foreign key finds it. Agents made from it keep their snapshot.
 */
export async function deleteTemplate(
  prisma: PrismaClient,
  user: UserIdentity,
  id: string,
  requestId?: string,
): Promise<void> {
  const template = await getVisibleTemplate(prisma, user, id);
  if (template.builtIn)
    throw new ApiError("forbidden", "This template is built-in and read-only; clone it to change it.");
  await requireScopeWriter(prisma, user, template, "template");
  try {
    await prisma.$transaction(async (tx) => {
      await refuseInUse(tx, template.id, template.slug);
      const { count } = await tx.template.deleteMany({ where: { id: template.id } });
      if (count === 0) throw new ApiError("not_found", "No such template.");
      await recordAudit(tx, {
        principal: `user:${user.id}`,
        action: "template.delete",
        targetType: "template",
        targetId: template.id,
        details: { slug: template.slug, scope: template.scope, projectId: template.projectId },
        requestId,
      });
    });
  } catch (err) {
    if (!isForeignKeyViolation(err)) throw err;
    // A project made it its default between the look-up and the delete.
    await refuseInUse(prisma, template.id, template.slug);
    throw new ApiError("conflict", `The template ${template.slug} is in use; try again.`);
  }
}

async function refuseInUse(db: Pick<PrismaClient, "project">, templateId: string, slug: string): Promise<void> {
  const projects = await db.project.findMany({
    where: { defaultTemplateId: templateId },
    select: { id: true, slug: true },
    orderBy: { slug: "asc" },
  });
  if (projects.length === 0) return;
  throw new ApiError(
    "conflict",
    `The template ${slug} is the default of ${projects.length === 1 ? "project" : "projects"} ${projects.map((p) => p.slug).join(", ")}; pick another default there first.`,
    { projects },
  );
}
