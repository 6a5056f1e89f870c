import type { Principal } from "../auth/principal";
import { principalId } from "../auth/principal";
import type { Agent } from "../db/generated/client";

/**
 * Who may see and act on an agent: its owner, an admin, and the agent itself (through its own
 * token). Everyone else is told the agent does not exist.
 */
export function canAccessAgent(principal: Principal, agent: Pick<Agent, "id" | "ownerId">): boolean {
  if (principal.kind === "agent") return principal.agentId === agent.id;
  if (principal.user.role === "admin") return true;
  return agent.ownerId === principalId(principal);
}

/** The Prisma filter matching the agents a principal may see, for lists and counts. */
export function visibleAgentsWhere(principal: Principal): { id?: string; ownerId?: string } {
  if (principal.kind === "agent") return { id: principal.agentId };
  if (principal.user.role === "admin") return {};
  return { ownerId: principalId(principal) };
}
