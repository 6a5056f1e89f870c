import { recordAudit } from "../audit/record-audit";
import type { UserIdentity } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import { ApiError } from "../http/api-error";
import { isForeignKeyViolation, requireScopeWriter } from "../templates/config-scope";
import { getVisibleHarnessConfig } from "./get-harness-config";
import { refuseIfUsedByTemplates } from "./templates-using";

/**
 * Deletes a harness config (the people who may write its scope; built-in ones never). One a
 * template uses is refused, 409 naming the templates, whether the look-up or the database's
 * foreign key finds them.
 */
export async function deleteHarnessConfig(
  prisma: PrismaClient,
  user: UserIdentity,
  id: string,
  requestId?: string,
): Promise<void> {
  const config = await getVisibleHarnessConfig(prisma, user, id);
  if (config.builtIn)
    throw new ApiError("forbidden", "This harness config is built-in and read-only; clone it to change it.");
  await requireScopeWriter(prisma, user, config, "harness config");
  const doing = "point them at another config or delete them first";
  try {
    await prisma.$transaction(async (tx) => {
      await refuseIfUsedByTemplates(tx, config, doing);
      const { count } = await tx.harnessConfig.deleteMany({ where: { id: config.id } });
      if (count === 0) throw new ApiError("not_found", "No such harness config.");
      await recordAudit(tx, {
        principal: `user:${user.id}`,
        action: "harness-config.delete",
        targetType: "harness-config",
        targetId: config.id,
        details: { slug: config.slug, scope: config.scope, projectId: config.projectId },
        requestId,
      });
    });
  } catch (err) {
    if (!isForeignKeyViolation(err)) throw err;
    // A template started using it between the look-up and the delete.
    await refuseIfUsedByTemplates(prisma, config, doing);
    throw new ApiError("conflict", `The harness config ${config.slug} is in use; try again.`);
  }
}
