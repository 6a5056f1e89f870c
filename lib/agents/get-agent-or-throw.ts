import type { Principal } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import type { Agent } from "../db/generated/client";
import { ApiError } from "../http/api-error";
import { parseId } from "../http/ids";
import { canAccessAgent } from "./can-access-agent";

/** An agent the principal may access, by id; missing and forbidden are the same 404. */
export async function getAgentOrThrow(
  prisma: PrismaClient,
  principal: Principal,
  agentId: string | undefined,
): Promise<Agent> {
  const id = parseId(agentId, "agent");
  const agent = await prisma.agent.findUnique({ where: { id } });
  if (!agent || !canAccessAgent(principal, agent)) throw new ApiError("not_found", "No such agent.");
  return agent;
}

/** The same, addressed within a project by slug or id (the project-scoped routes). */
export async function getProjectAgentOrThrow(
  prisma: PrismaClient,
  principal: Principal,
  projectId: string,
  slugOrId: string | undefined,
): Promise<Agent> {
  const key = slugOrId ?? "";
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(key);
  const agent = isUuid
    ? await prisma.agent.findFirst({ where: { id: key.toLowerCase(), projectId } })
    : /^[a-z0-9][a-z0-9-]{0,62}$/.test(key)
      ? await prisma.agent.findUnique({ where: { projectId_slug: { projectId, slug: key } } })
      : null;
  if (!agent || !canAccessAgent(principal, agent)) throw new ApiError("not_found", "No such agent.");
  return agent;
}
