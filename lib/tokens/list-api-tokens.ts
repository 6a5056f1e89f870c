import type { PrismaClient } from "../db/create-database";
import type { ApiTokenJson } from "./schemas";
import { toApiTokenJson } from "./to-api-token-json";

/** The caller's tokens that still work (not revoked, not expired), newest first. */
export async function listApiTokens(prisma: PrismaClient, userId: string): Promise<ApiTokenJson[]> {
  const rows = await prisma.apiToken.findMany({
    where: { userId, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }] },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
  });
  return rows.map(toApiTokenJson);
}
