import { recordAudit } from "../audit/record-audit";
import type { UserIdentity } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import { slugify } from "../naming/slugify";
import { isUniqueViolation, requireScopeWriter, slugClash } from "./config-scope";
import type { CreateTemplateBody, TemplateJson } from "./schemas";
import { effectiveHarness, ownerOf, usableHarnessConfig } from "./template-rules";
import { TEMPLATE_INCLUDE, toTemplateJson } from "./to-template-json";

/**
 * Creates a template in a scope the person may write (hub: admins; project: its managers; user:
 * their own). The slug comes from the name unless given and is unique within the scope and its
 * project or owner: a clash is 409 naming it, whether a look-up or the unique index finds it.
 */
export async function createTemplate(
  prisma: PrismaClient,
  user: UserIdentity,
  body: CreateTemplateBody,
  requestId?: string,
): Promise<TemplateJson> {
  const owner = ownerOf(body.scope, body.projectId, user);
  await requireScopeWriter(prisma, user, owner, "template");
  const config = body.harnessConfigId ? await usableHarnessConfig(prisma, user, body.harnessConfigId, owner) : null;
  effectiveHarness(body, config);
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
          description: body.description ?? null,
          harnessConfigId: config?.id ?? null,
          harness: body.harness ?? null,
          model: body.model ?? null,
          task: body.task ?? null,
          instructions: body.instructions ?? null,
          systemPrompt: body.systemPrompt ?? null,
          env: body.env ?? {},
          secrets: body.secrets ?? [],
          limits: body.limits ?? {},
          image: body.image ?? null,
          files: body.files ?? [],
          createdBy: actor,
        },
        include: TEMPLATE_INCLUDE,
      });
      await recordAudit(tx, {
        principal: actor,
        action: "template.create",
        targetType: "template",
        targetId: created.id,
        details: { slug, scope: owner.scope, projectId: owner.projectId },
        requestId,
      });
      return toTemplateJson(created);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw await slugClash(prisma, "template", slug, owner);
    throw err;
  }
}
