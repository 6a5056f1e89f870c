import type { PrismaClient } from "../db/create-database";
import { mintSignedToken, verifySignedToken } from "./signed-tokens";

export const AGENT_TOKEN_TTL_MS = 10 * 60 * 60 * 1000;
export const AGENT_SCOPES = ["agent:status", "agent:token", "agent:messages"] as const;

export interface MintedAgentToken {
  token: string;
  expiresAt: Date;
}

/**
 * An agent's own token: its id, scopes and the agent's tokenVersion. Bumping tokenVersion
 * (reset-auth) invalidates every token minted before, on every replica at once.
 */
export async function mintAgentToken(rootSecret: string, agent: { id: string; tokenVersion: number }, ttlMs = AGENT_TOKEN_TTL_MS): Promise<MintedAgentToken> {
  const expiresAt = new Date(Date.now() + ttlMs);
  const token = await mintSignedToken(rootSecret, "agent", { sub: agent.id, scope: [...AGENT_SCOPES], tv: agent.tokenVersion }, expiresAt);
  return { token, expiresAt };
}

/** The agent a token speaks for, or null when it is forged, expired, superseded or the agent is gone. */
export async function authenticateAgentToken(prisma: PrismaClient, rootSecret: string, token: string): Promise<{ agentId: string; scopes: string[] } | null> {
  const verified = await verifySignedToken(rootSecret, "agent", token);
  if (!verified.ok) return null;
  const { sub, tv, scope } = verified.payload as { sub: string; tv?: unknown; scope?: unknown };
  if (typeof tv !== "number" || !Array.isArray(scope)) return null;
  const agent = await prisma.agent.findUnique({ where: { id: sub }, select: { id: true, tokenVersion: true } });
  if (!agent || agent.tokenVersion !== tv) return null;
  return { agentId: agent.id, scopes: scope.filter((s): s is string => typeof s === "string") };
}
