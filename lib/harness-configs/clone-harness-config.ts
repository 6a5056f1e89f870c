import { recordAudit } from "../audit/record-audit";
import type { UserIdentity } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import type { Prisma } from "../db/generated/client";
import { slugify } from "../naming/slugify";
import { isUniqueViolation, requireScopeWriter, slugClash } from "../templates/config-scope";
import type { CloneBody } from "../templates/schemas";
import { ownerOf } from "../templates/template-rules";
import { getVisibleHarnessConfig } from "./get-harness-config";
import type { HarnessConfigJson } from "./schemas";
import { toHarnessConfigJson } from "./to-harness-config-json";

/** Copies a harness config the person sees (built-in ones too) into a scope they may write (theirs by default). */
export async function cloneHarnessConfig(
  prisma: PrismaClient,
  user: UserIdentity,
  id: string,
  body: CloneBody,
  requestId?: string,
): Promise<HarnessConfigJson> {
  const source = await getVisibleHarnessConfig(prisma, user, id);
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
          description: source.description,
          harness: source.harness,
          model: source.model,
          authType: source.authType,
          settings: source.settings as Prisma.InputJsonValue,
          env: source.env as Prisma.InputJsonValue,
          builtIn: false,
          createdBy: actor,
        },
      });
      await recordAudit(tx, {
        principal: actor,
        action: "harness-config.clone",
        targetType: "harness-config",
        targetId: created.id,
        details: { from: source.id, slug, scope: owner.scope, projectId: owner.projectId },
        requestId,
      });
      return toHarnessConfigJson(created);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw await slugClash(prisma, "harness config", slug, owner);
    throw err;
  }
}
