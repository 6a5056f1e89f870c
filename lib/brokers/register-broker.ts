import crypto from "node:crypto";
import { recordAudit } from "../audit/record-audit";
import type { UserIdentity } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import { ApiError } from "../http/api-error";
import { slugify } from "../naming/slugify";
import { hashToken } from "../tokens/hash-token";
import type { BrokerJson } from "./schemas";
import { toBrokerJson } from "./to-broker-json";

export const JOIN_TOKEN_TTL_MS = 60 * 60 * 1000;

/**
 * An admin registers a broker by name and gets a one-time join token (one hour) to start it
 * with. Only the token's SHA-256 is stored; the value is in this answer only.
 */
export async function registerBroker(
  prisma: PrismaClient,
  admin: UserIdentity,
  name: string,
  requestId?: string,
): Promise<{ broker: BrokerJson; joinToken: string; expiresAt: string }> {
  const slug = slugify(name, "broker");
  const joinToken = `scion_join_${crypto.randomBytes(32).toString("base64url")}`;
  const expiresAt = new Date(Date.now() + JOIN_TOKEN_TTL_MS);
  const broker = await prisma.$transaction(async (tx) => {
    if (await tx.runtimeBroker.findUnique({ where: { slug }, select: { id: true } }))
      throw new ApiError("conflict", `A broker called "${slug}" is already registered.`);
    const created = await tx.runtimeBroker.create({ data: { name, slug, createdById: admin.id } });
    await tx.brokerJoinToken.create({
      data: { brokerId: created.id, tokenHash: hashToken(joinToken), expiresAt, createdById: admin.id },
    });
    await recordAudit(tx, {
      principal: `user:${admin.id}`,
      action: "broker.register",
      targetType: "broker",
      targetId: created.id,
      details: { slug },
      requestId,
    });
    return created;
  });
  return { broker: toBrokerJson(broker, 0), joinToken, expiresAt: expiresAt.toISOString() };
}
