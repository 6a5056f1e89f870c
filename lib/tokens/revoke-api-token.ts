import { recordAudit } from "../audit/record-audit";
import type { PrismaClient } from "../db/create-database";
import { ApiError } from "../http/api-error";

/** Revokes one of the caller's tokens. Someone else's token is "not found", never "forbidden". */
export async function revokeApiToken(
  prisma: PrismaClient,
  userId: string,
  tokenId: string,
  requestId?: string,
): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const { count } = await tx.apiToken.updateMany({
      where: { id: tokenId, userId, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    if (count === 0) throw new ApiError("not_found", "No such token.");
    await recordAudit(tx, {
      principal: `user:${userId}`,
      action: "token.revoke",
      targetType: "api_token",
      targetId: tokenId,
      requestId,
    });
  });
}
