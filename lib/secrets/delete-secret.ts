import { recordAudit } from "../audit/record-audit";
import type { UserIdentity } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import { ApiError } from "../http/api-error";
import { requireSecretWriter } from "./can-write-secret";

/**
 * Deletes a secret; the same people may as may write it. Someone else's user secret is "not
 * found", never "forbidden", so a refusal does not reveal that it exists.
 */
export async function deleteSecret(
  prisma: PrismaClient,
  user: UserIdentity,
  secretId: string,
  requestId?: string,
): Promise<void> {
  const secret = await prisma.secret.findUnique({ where: { id: secretId }, omit: { valueSealed: true } });
  if (!secret || (secret.scope === "user" && secret.userId !== user.id))
    throw new ApiError("not_found", "No such secret.");
  await requireSecretWriter(prisma, user, secret.scope, secret.projectId);
  await prisma.$transaction(async (tx) => {
    const { count } = await tx.secret.deleteMany({ where: { id: secretId } });
    if (count === 0) throw new ApiError("not_found", "No such secret.");
    const details = {
      name: secret.name,
      scope: secret.scope,
      projectId: secret.projectId,
      target: secret.target,
      path: secret.path,
    };
    await recordAudit(tx, {
      principal: `user:${user.id}`,
      action: "secret.delete",
      targetType: "secret",
      targetId: secretId,
      details,
      requestId,
    });
  });
}
