import type { Principal } from "../auth/principal";
import { isUuid } from "../naming/is-uuid";
import type { PrismaClient } from "../db/create-database";
import type { Agent } from "../db/generated/client";
import { ApiError } from "../http/api-error";
import { parseId } from "../http/ids";
import { canActOnAgent, canSeeAgent } from "./can-access-agent";

/**
 * What a caller needs of an agent: `see` to read it (owner, admin, the agent itself, the members of
 * its project), `act` to change or drive it (owner, admin, the agent itself).
 */
export type AgentNeed = "see" | "act";

/**
 * An agent the principal may see (and, for `act`, act on), by id. Missing and unseen are the same
 * 404; a project member who sees the agent but may not act on it gets 403.
 */
export async function getAgentOrThrow(
  prisma: PrismaClient,
  principal: Principal,
  agentId: string | undefined,
  need: AgentNeed = "act",
): Promise<Agent> {
  const id = parseId(agentId, "agent");
  return authorize(prisma, principal, await prisma.agent.findUnique({ where: { id } }), need);
}

/** The same, addressed within a project by slug or id (the project-scoped routes). */
export async function getProjectAgentOrThrow(
  prisma: PrismaClient,
  principal: Principal,
  projectId: string,
  slugOrId: string | undefined,
  need: AgentNeed = "act",
): Promise<Agent> {
  const key = slugOrId ?? "";
  const agent = isUuid(key)
    ? await prisma.agent.findFirst({ where: { id: key.toLowerCase(), projectId } })
    : /^[a-z0-9][a-z0-9-]{0,62}$/.test(key)
      ? await prisma.agent.findUnique({ where: { projectId_slug: { projectId, slug: key } } })
      : null;
  return authorize(prisma, principal, agent, need);
}

/** 404 unless the principal sees the agent; 403 when it must act and only sees it. */
export async function authorizeAgent(
  prisma: PrismaClient,
  principal: Principal,
  agent: Agent,
  need: AgentNeed,
): Promise<void> {
  if (canActOnAgent(principal, agent)) return;
  if (!(await canSeeAgent(prisma, principal, agent))) throw new ApiError("not_found", "No such agent.");
  if (need === "act")
    throw new ApiError(
      "forbidden",
      "Only the agent's owner or an admin may do this; project members see the agent read-only.",
    );
}

async function authorize(prisma: PrismaClient, principal: Principal, agent: Agent | null, need: AgentNeed) {
  if (!agent) throw new ApiError("not_found", "No such agent.");
  await authorizeAgent(prisma, principal, agent, need);
  return agent;
}
