import { recordAudit } from "../audit/record-audit";
import type { UserIdentity } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import { ApiError } from "../http/api-error";
import type { UpdateUserBody, UserJson } from "./schemas";
import { toUserJson } from "./to-user-json";

/**
 * An admin changes a user's role or status. Nobody changes their own role or suspends
 * themselves, so a hub can never lock out its last admin by accident.
 */
export async function updateUser(prisma: PrismaClient, actor: UserIdentity, userId: string, body: UpdateUserBody, requestId?: string): Promise<UserJson> {
  if (userId === actor.id) throw new ApiError("forbidden", "You cannot change your own role or status.");
  return prisma.$transaction(async (tx) => {
    const before = await tx.user.findUnique({ where: { id: userId } });
    if (!before) throw new ApiError("not_found", "No such user.");
    const user = await tx.user.update({ where: { id: userId }, data: { ...(body.role && { role: body.role }), ...(body.status && { status: body.status }) } });
    await recordAudit(tx, {
      principal: `user:${actor.id}`,
      action: "user.update",
      targetType: "user",
      targetId: userId,
      details: { from: { role: before.role, status: before.status }, to: { role: user.role, status: user.status } },
      requestId,
    });
    return toUserJson(user);
  });
}
