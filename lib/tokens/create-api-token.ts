import crypto from "node:crypto";
import { recordAudit } from "../audit/record-audit";
import { mintSignedToken } from "../auth/signed-tokens";
import type { PrismaClient } from "../db/create-database";
import { ApiError } from "../http/api-error";
import { hashToken } from "./hash-token";
import { MAX_ACTIVE_TOKENS_PER_USER, type CreateApiTokenBody } from "./schemas";

export interface CreatedApiToken {
  id: string;
  token: string;
  expiresAt: string;
}

/**
 * Mints a CLI/API token for a user. The token is a JWT signed with the user-token key derived
 * from SESSION_SECRET and naming its row (jti); only its SHA-256 is stored, so the value is
 * shown once. Revocation and expiry are checked against the row on every use.
 */
export async function createApiToken(
  prisma: PrismaClient,
  rootSecret: string,
  userId: string,
  body: CreateApiTokenBody,
  requestId?: string,
): Promise<CreatedApiToken> {
  const id = crypto.randomUUID();
  const expiresAt = new Date(Date.now() + body.expiresInDays * 86_400_000);
  const token = await mintSignedToken(rootSecret, "user", { sub: userId, jti: id }, expiresAt);
  await prisma.$transaction(async (tx) => {
    const active = await tx.apiToken.count({ where: { userId, revokedAt: null, expiresAt: { gt: new Date() } } });
    if (active >= MAX_ACTIVE_TOKENS_PER_USER) {
      throw new ApiError(
        "conflict",
        `A user may hold at most ${MAX_ACTIVE_TOKENS_PER_USER} active tokens; revoke one first.`,
      );
    }
    await tx.apiToken.create({
      data: { id, userId, name: body.name, prefix: `…${token.slice(-6)}`, tokenHash: hashToken(token), expiresAt },
    });
    await recordAudit(tx, {
      principal: `user:${userId}`,
      action: "token.create",
      targetType: "api_token",
      targetId: id,
      details: { name: body.name },
      requestId,
    });
  });
  return { id, token, expiresAt: expiresAt.toISOString() };
}
