import { recordAudit } from "../audit/record-audit";
import type { UserIdentity } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import type { Prisma } from "../db/generated/client";
import { slugify } from "../naming/slugify";
import { isUniqueViolation, requireScopeWriter, slugClash } from "../templates/config-scope";
import { ownerOf } from "../templates/template-rules";
import type { CreateHarnessConfigBody, HarnessConfigJson } from "./schemas";
import { toHarnessConfigJson } from "./to-harness-config-json";

/**
 * Creates a harness config in a scope the person may write; settings were checked against the
 * harness by the body's schema. The slug (from the name unless given) is unique within the scope
 * and its project or owner: 409 naming the clash, from a look-up or from the unique index.
 */
export async function createHarnessConfig(
  prisma: PrismaClient,
  user: UserIdentity,
  body: CreateHarnessConfigBody,
  requestId?: string,
): Promise<HarnessConfigJson> {
  const owner = ownerOf(body.scope, body.projectId, user);
  await requireScopeWriter(prisma, user, owner, "harness config");
  const slug = body.slug ?? slugify(body.name, "harness-config");
  const actor = `user:${user.id}`;
  try {
    return await prisma.$transaction(async (tx) => {
      if (await tx.harnessConfig.findFirst({ where: { ...owner, slug }, select: { id: true } }))
        throw await slugClash(prisma, "harness config", slug, owner);
      const created = await tx.harnessConfig.create({
        data: {
          ...owner,
          slug,
          name: body.name,
          description: body.description ?? null,
          harness: body.harness,
          model: body.model ?? null,
          authType: body.authType ?? null,
          settings: (body.settings ?? {}) as Prisma.InputJsonValue,
          env: body.env ?? {},
          createdBy: actor,
        },
      });
      await recordAudit(tx, {
        principal: actor,
        action: "harness-config.create",
        targetType: "harness-config",
        targetId: created.id,
        details: { slug, scope: owner.scope, projectId: owner.projectId, harness: body.harness },
        requestId,
      });
      return toHarnessConfigJson(created);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw await slugClash(prisma, "harness config", slug, owner);
    throw err;
  }
}
