import { recordAudit } from "../audit/record-audit";
import type { UserIdentity } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import type { Prisma } from "../db/generated/client";
import { slugify } from "../naming/slugify";
import { isUniqueViolation, requireScopeWriter, slugClash } from "./config-scope";
import { getVisibleTemplate } from "./get-template";
import type { CloneBody, TemplateJson } from "./schemas";
import { ownerOf, usableHarnessConfig } from "./template-rules";
import { TEMPLATE_INCLUDE, toTemplateJson } from "./to-template-json";

/**
 * Copies a template the person sees (built-in ones too) into a scope they may write — their own
 * unless told otherwise — under a new name: an editable copy, never built-in. Its harness config
 * must suit the new scope (a project's config cannot serve a hub template).
 */
export async function cloneTemplate(
  prisma: PrismaClient,
  user: UserIdentity,
  id: string,
  body: CloneBody,
  requestId?: string,
): Promise<TemplateJson> {
  const source = await getVisibleTemplate(prisma, user, id);
  const owner = ownerOf(body.scope, body.projectId, user);
  await requireScopeWriter(prisma, user, owner, "template");
  if (source.harnessConfigId) await usableHarnessConfig(prisma, user, source.harnessConfigId, owner);
  const slug = body.slug ?? slugify(body.name, "template");
  const actor = `user:${user.id}`;
  try {
    return await prisma.$transaction(async (tx) => {
      if (await tx.template.findFirst({ where: { ...owner, slug }, select: { id: true } }))
        throw await slugClash(prisma, "template", slug, owner);
      const created = await tx.template.create({
        data: {
          ...owner,
          slug,
          name: body.name,
          description: source.description,
          harnessConfigId: source.harnessConfigId,
          harness: source.harness,
          model: source.model,
          task: source.task,
          instructions: source.instructions,
          systemPrompt: source.systemPrompt,
          env: source.env as Prisma.InputJsonValue,
          secrets: source.secrets,
          limits: source.limits as Prisma.InputJsonValue,
          image: source.image,
          files: source.files as Prisma.InputJsonValue,
          builtIn: false,
          createdBy: actor,
        },
        include: TEMPLATE_INCLUDE,
      });
      await recordAudit(tx, {
        principal: actor,
        action: "template.clone",
        targetType: "template",
        targetId: created.id,
        details: { from: source.id, slug, scope: owner.scope, projectId: owner.projectId },
        requestId,
      });
      return toTemplateJson(created);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw await slugClash(prisma, "template", slug, owner);
    throw err;
  }
}
