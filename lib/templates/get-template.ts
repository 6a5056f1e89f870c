import type { UserIdentity } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import { ApiError } from "../http/api-error";
import { canSeeScoped } from "./config-scope";
import { TEMPLATE_INCLUDE, type TemplateRow } from "./to-template-json";

/**
 * A template the person sees (hub, a project they see, their own); anything else is "not found",
 * so a refusal never reveals that someone's personal template exists.
 */
export async function getVisibleTemplate(prisma: PrismaClient, user: UserIdentity, id: string): Promise<TemplateRow> {
  const template = await prisma.template.findUnique({ where: { id }, include: TEMPLATE_INCLUDE });
  if (!template || !(await canSeeScoped(prisma, user, template))) throw new ApiError("not_found", "No such template.");
  return template;
}
