import { mintAgentToken } from "../auth/agent-token";
import type { PrismaClient } from "../db/create-database";
import { ApiError } from "../http/api-error";

export interface RefreshedToken {
  token: string;
  expiresAt: string;
  tokens: Array<{ type: "scion_access"; token: string; expiresAt: string }>;
}

/** A fresh token for an agent that proved itself with its current one (same tokenVersion). */
export async function refreshAgentToken(prisma: PrismaClient, rootSecret: string, agentId: string): Promise<RefreshedToken> {
  const agent = await prisma.agent.findUnique({ where: { id: agentId }, select: { id: true, tokenVersion: true } });
  if (!agent) throw new ApiError("not_found", "No such agent.");
  const { token, expiresAt } = await mintAgentToken(rootSecret, agent);
  const at = expiresAt.toISOString();
  return { token, expiresAt: at, tokens: [{ type: "scion_access", token, expiresAt: at }] };
}
