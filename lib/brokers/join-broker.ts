import crypto from "node:crypto";
import { recordAudit } from "../audit/record-audit";
import type { PrismaClient } from "../db/create-database";
import { ApiError } from "../http/api-error";
import { hashToken } from "../tokens/hash-token";
import type { JoinBrokerBody } from "./schemas";
import { sealSecret } from "./secret-box";

/**
 * A broker redeems its join token for its HMAC secret. The token works once, within its hour;
 * a used, expired or unknown token gets the same refusal. The secret is stored sealed with a
 * key derived from SESSION_SECRET and returned only here.
 */
export async function joinBroker(
  prisma: PrismaClient,
  rootSecret: string,
  body: JoinBrokerBody,
): Promise<{ brokerId: string; secret: string }> {
  const secret = crypto.randomBytes(32).toString("base64url");
  return prisma.$transaction(async (tx) => {
    const { count } = await tx.brokerJoinToken.updateMany({
      where: { tokenHash: hashToken(body.joinToken), usedAt: null, expiresAt: { gt: new Date() } },
      data: { usedAt: new Date() },
    });
    if (count !== 1)
      throw new ApiError("unauthorized", "The join token is invalid, used or expired; register the broker again.");
    const token = await tx.brokerJoinToken.findUniqueOrThrow({ where: { tokenHash: hashToken(body.joinToken) } });
    await tx.brokerSecret.updateMany({
      where: { brokerId: token.brokerId, status: "active" },
      data: { status: "revoked", rotatedAt: new Date() },
    });
    await tx.brokerSecret.create({ data: { brokerId: token.brokerId, secret: sealSecret(rootSecret, secret) } });
    await tx.runtimeBroker.update({
      where: { id: token.brokerId },
      data: {
        hostname: body.hostname,
        capabilities: body.capabilities,
        brokerVersion: body.capabilities.version ?? null,
        status: "offline",
        version: { increment: 1 },
      },
    });
    await recordAudit(tx, {
      principal: `broker:${token.brokerId}`,
      action: "broker.join",
      targetType: "broker",
      targetId: token.brokerId,
      details: { hostname: body.hostname },
    });
    return { brokerId: token.brokerId, secret };
  });
}
