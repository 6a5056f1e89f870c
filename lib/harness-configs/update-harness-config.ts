import { recordAudit } from "../audit/record-audit";
import type { UserIdentity } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import type { Prisma } from "../db/generated/client";
import { ApiError } from "../http/api-error";
import { isUniqueViolation, requireScopeWriter, slugClash } from "../templates/config-scope";
import { getVisibleHarnessConfig } from "./get-harness-config";
import { harnessFieldProblems, type HarnessConfigJson, type UpdateHarnessConfigBody } from "./schemas";
import { refuseIfUsedByTemplates } from "./templates-using";
import { toHarnessConfigJson } from "./to-harness-config-json";

/**
 * Changes a harness config (the people who may write its scope; built-in ones are read-only).
 * Settings and auth type are checked against the resulting harness; the harness itself changes
 * only while no template uses the config (409 naming them).
 */
export async function updateHarnessConfig(
  prisma: PrismaClient,
  user: UserIdentity,
  id: string,
  body: UpdateHarnessConfigBody,
  requestId?: string,
): Promise<HarnessConfigJson> {
  const config = await getVisibleHarnessConfig(prisma, user, id);
  if (config.builtIn)
    throw new ApiError("forbidden", "This harness config is built-in and read-only; clone it to change it.");
  await requireScopeWriter(prisma, user, config, "harness config");
  const harness = body.harness ?? config.harness;
  const problems = harnessFieldProblems({
    harness,
    authType: body.authType === undefined ? config.authType : body.authType,
    settings: body.settings ?? (config.settings as Record<string, unknown>),
  });
  if (problems.length) throw new ApiError("validation_error", "The request is invalid.", problems);
  if (harness !== config.harness)
    await refuseIfUsedByTemplates(prisma, config, "its harness cannot change while they use it (clone it instead)");
  const slug = body.slug ?? config.slug;
  const { slug: _slug, settings, ...fields } = body;
  try {
    return await prisma.$transaction(async (tx) => {
      if (
        slug !== config.slug &&
        (await tx.harnessConfig.findFirst({
          where: { scope: config.scope, projectId: config.projectId, userId: config.userId, slug },
          select: { id: true },
        }))
      )
        throw await slugClash(prisma, "harness config", slug, config);
      const updated = await tx.harnessConfig.update({
        where: { id: config.id },
        data: { ...fields, slug, ...(settings !== undefined && { settings: settings as Prisma.InputJsonValue }) },
      });
      await recordAudit(tx, {
        principal: `user:${user.id}`,
        action: "harness-config.update",
        targetType: "harness-config",
        targetId: config.id,
        details: { slug, fields: Object.keys(body) },
        requestId,
      });
      return toHarnessConfigJson(updated);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw await slugClash(prisma, "harness config", slug, config);
    throw err;
  }
}
