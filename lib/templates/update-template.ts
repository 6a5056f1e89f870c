import { recordAudit } from "../audit/record-audit";
import type { UserIdentity } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import { ApiError } from "../http/api-error";
import { isUniqueViolation, requireScopeWriter, slugClash } from "./config-scope";
import { getVisibleTemplate } from "./get-template";
import type { TemplateJson, UpdateTemplateBody } from "./schemas";
import { effectiveHarness, usableHarnessConfig } from "./template-rules";
import { TEMPLATE_INCLUDE, toTemplateJson } from "./to-template-json";

/**
 * Changes a template (the people who may write its scope). Built-in ones are read-only: 403, clone
 * them. A new slug must be free in the scope (409 naming the clash). Agents made from it keep
 * their snapshot: nothing changes for them.
 */
export async function updateTemplate(
  prisma: PrismaClient,
  user: UserIdentity,
  id: string,
  body: UpdateTemplateBody,
  requestId?: string,
): Promise<TemplateJson> {
  const template = await getVisibleTemplate(prisma, user, id);
  if (template.builtIn)
    throw new ApiError("forbidden", "This template is built-in and read-only; clone it to change it.");
  await requireScopeWriter(prisma, user, template, "template");
  const harnessConfigId = body.harnessConfigId === undefined ? template.harnessConfigId : body.harnessConfigId;
  const config =
    harnessConfigId === null
      ? null
      : harnessConfigId === template.harnessConfigId
        ? await prisma.harnessConfig.findUnique({ where: { id: harnessConfigId } })
        : await usableHarnessConfig(prisma, user, harnessConfigId, template);
  effectiveHarness(
    {
      harness: body.harness === undefined ? template.harness : body.harness,
      systemPrompt: body.systemPrompt === undefined ? template.systemPrompt : body.systemPrompt,
    },
    config,
  );
  const slug = body.slug ?? template.slug;
  const { slug: _slug, ...fields } = body;
  try {
    return await prisma.$transaction(async (tx) => {
      if (
        slug !== template.slug &&
        (await tx.template.findFirst({
          where: { scope: template.scope, projectId: template.projectId, userId: template.userId, slug },
          select: { id: true },
        }))
      )
        throw await slugClash(prisma, "template", slug, template);
      const updated = await tx.template.update({
        where: { id: template.id },
        data: { ...fields, slug, ...(body.harnessConfigId !== undefined && { harnessConfigId: config?.id ?? null }) },
        include: TEMPLATE_INCLUDE,
      });
      await recordAudit(tx, {
        principal: `user:${user.id}`,
        action: "template.update",
        targetType: "template",
        targetId: template.id,
        details: { slug, fields: Object.keys(body) },
        requestId,
      });
      return toTemplateJson(updated);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw await slugClash(prisma, "template", slug, template);
    throw err;
  }
}
