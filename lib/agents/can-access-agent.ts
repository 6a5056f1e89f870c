import type { Principal } from "../auth/principal";
import { isAdmin, principalId } from "../auth/principal";
import type { Agent } from "../db/generated/client";

/**
 * Who may see and act on an agent: its owner, an admin, and the agent itself (through its own
 * token); a suspended person has no access at all, admin or not. Everyone else is told the agent
 * does not exist.
 */
export function canAccessAgent(principal: Principal, agent: Pick<Agent, "id" | "ownerId">): boolean {
  if (principal.kind === "agent") return principal.agentId === agent.id;
  if (principal.user.status !== "active") return false;
  if (isAdmin(principal)) return true;
  return agent.ownerId === principalId(principal);
}

/** The Prisma filter matching the agents a principal may see, for lists and counts. */
export function visibleAgentsWhere(principal: Principal): { id?: string; ownerId?: string } {
  if (principal.kind === "agent") return { id: principal.agentId };
  // A suspended person matches nothing (the nil UUID is never an agent's id).
  if (principal.user.status !== "active") return { id: "00000000-0000-0000-0000-000000000000" };
  if (isAdmin(principal)) return {};
  return { ownerId: principalId(principal) };
}
