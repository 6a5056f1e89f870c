import { recordAudit } from "../audit/record-audit";
import type { UserIdentity } from "../auth/principal";
import { userChangedSubject } from "../auth/watch-access";
import type { PrismaClient } from "../db/create-database";
import type { EventBus } from "../events/event-bus";
import { ApiError } from "../http/api-error";
import type { UpdateUserBody, UserJson } from "./schemas";
import { toUserJson } from "./to-user-json";

/**
 * An admin changes a user's role or status. Nobody changes their own role or suspends
 * themselves, so a hub can never lock out its last admin by accident. The change is announced as
 * `user.<id>.updated` (to admins' streams, and to every replica), so the person's open event
 * streams and terminals close or narrow within a moment instead of at their next re-check.
 */
export async function updateUser(
  prisma: PrismaClient,
  events: EventBus,
  actor: UserIdentity,
  userId: string,
  body: UpdateUserBody,
  requestId?: string,
): Promise<UserJson> {
  if (userId === actor.id) throw new ApiError("forbidden", "You cannot change your own role or status.");
  const user = await prisma.$transaction(async (tx) => {
    const before = await tx.user.findUnique({ where: { id: userId } });
    if (!before) throw new ApiError("not_found", "No such user.");
    const data = { ...(body.role && { role: body.role }), ...(body.status && { status: body.status }) };
    const updated = await tx.user.update({ where: { id: userId }, data });
    await recordAudit(tx, {
      principal: `user:${actor.id}`,
      action: "user.update",
      targetType: "user",
      targetId: userId,
      details: {
        from: { role: before.role, status: before.status },
        to: { role: updated.role, status: updated.status },
      },
      requestId,
    });
    return toUserJson(updated);
  });
  await events.publish({ subject: userChangedSubject(user.id), data: user });
  return user;
}
