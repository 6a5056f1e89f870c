import { verifySignedToken } from "../auth/signed-tokens";
import type { UserIdentity } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import { digestsEqual, hashToken } from "./hash-token";

const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * The user behind a CLI/API token, or null: the signature (this secret), the row (not revoked,
 * not expired) and the stored digest (constant-time) must all agree. lastUsedAt is refreshed at
 * most once a minute, without delaying the request.
 */
export async function authenticateApiToken(
  prisma: PrismaClient,
  rootSecret: string,
  token: string,
): Promise<{ user: UserIdentity; tokenId: string } | null> {
  const verified = await verifySignedToken(rootSecret, "user", token);
  if (!verified.ok || typeof verified.payload.jti !== "string") return null;
  const row = await prisma.apiToken.findUnique({ where: { id: verified.payload.jti }, include: { user: true } });
  if (!row || row.userId !== verified.payload.sub || row.revokedAt || (row.expiresAt && row.expiresAt <= new Date()))
    return null;
  if (!digestsEqual(row.tokenHash, hashToken(token))) return null;
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    void prisma.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } }).catch(() => undefined);
  }
  const { id, email, name, role, status } = row.user;
  return { user: { id, email, name, role, status }, tokenId: row.id };
}
