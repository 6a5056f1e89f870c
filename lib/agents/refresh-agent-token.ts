import { mintAgentToken, requireAgentScope } from "../auth/agent-token";
import type { Principal } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import type { AgentPhase } from "../db/generated/client";
import { ApiError } from "../http/api-error";

export interface RefreshedToken {
  token: string;
  expiresAt: string;
  tokens: Array<{ type: "scion_access"; token: string; expiresAt: string }>;
}

/** Phases in which an agent has ended (or is ending): its shim has no business keeping a token alive. */
const ENDED: readonly AgentPhase[] = ["stopping", "stopped", "error"];

/**
 * A fresh token for an agent that proved itself with its current one (same tokenVersion) and
 * holds the agent:token scope. The new token has exactly the presented token's scopes. An agent
 * that is stopping, stopped or failed gets no new token: 409, because the token itself is still
 * valid (it is not a bad credential) but the agent's state refuses the request. A deleted agent,
 * or one whose tokens were retired (stop and reset-auth bump tokenVersion), never gets this far:
 * its token no longer authenticates (401).
 */
export async function refreshAgentToken(
  prisma: PrismaClient,
  rootSecret: string,
  principal: Extract<Principal, { kind: "agent" }>,
): Promise<RefreshedToken> {
  requireAgentScope(principal, "agent:token");
  const agent = await prisma.agent.findUnique({
    where: { id: principal.agentId },
    select: { id: true, tokenVersion: true, phase: true },
  });
  if (!agent) throw new ApiError("unauthorized", "The agent no longer exists.");
  if (ENDED.includes(agent.phase))
    throw new ApiError("conflict", `The agent is ${agent.phase}; it gets a new token when it starts again.`);
  const { token, expiresAt } = await mintAgentToken(rootSecret, agent, undefined, principal.scopes);
  const at = expiresAt.toISOString();
  return { token, expiresAt: at, tokens: [{ type: "scion_access", token, expiresAt: at }] };
}
