import type { Principal } from "../auth/principal";
import { isAdmin, principalId } from "../auth/principal";
import type { Database, PrismaClient } from "../db/create-database";
import type { Agent, Prisma } from "../db/generated/client";
import { memberProjectIdsSql, memberProjectsWhere } from "../projects/project-access";

/**
 * Who may act on an agent (lifecycle, messages, terminal, changes, deletion): its owner, an admin,
 * and the agent itself (through its own token); a suspended person has no access at all, admin or
 * not.
 */
export function canActOnAgent(principal: Principal, agent: Pick<Agent, "id" | "ownerId">): boolean {
  if (principal.kind === "agent") return principal.agentId === agent.id;
  if (principal.user.status !== "active") return false;
  if (isAdmin(principal)) return true;
  return agent.ownerId === principalId(principal);
}

/**
 * Who may see an agent (read it, its history and messages, its events): whoever may act on it, and
 * the members and creator of its project, read-only. Everyone else is told it does not exist.
 */
export async function canSeeAgent(
  db: Pick<Database, "pool">,
  principal: Principal,
  agent: Pick<Agent, "id" | "ownerId" | "projectId">,
): Promise<boolean> {
  if (canActOnAgent(principal, agent)) return true;
  if (principal.kind !== "user" || principal.user.status !== "active") return false;
  // One plain statement: on the path of every agent route a member calls.
  const { rows } = await db.pool.query<{ sees: boolean }>(`SELECT $1::uuid IN (${memberProjectIdsSql("$2")}) AS sees`, [
    agent.projectId,
    principal.user.id,
  ]);
  return rows[0]?.sees === true;
}

/**
 * The same from what a long-lived reader already knows: the ids of the projects whose agents the
 * person sees (see `memberProjectIds`). An agent without a known project falls back to the act rule.
 */
export function canSeeAgentIn(
  principal: Principal,
  agent: Pick<Agent, "id" | "ownerId"> & { projectId?: string | null },
  memberProjects: ReadonlySet<string>,
): boolean {
  if (canActOnAgent(principal, agent)) return true;
  if (principal.kind !== "user" || principal.user.status !== "active") return false;
  return typeof agent.projectId === "string" && memberProjects.has(agent.projectId);
}

/** The ids of the projects whose agents a person sees read-only (created or a member of). */
export async function memberProjectIds(prisma: PrismaClient, principal: Principal): Promise<Set<string>> {
  // An admin sees every agent already.
  if (principal.kind !== "user" || principal.user.status !== "active" || isAdmin(principal)) return new Set();
  const rows = await prisma.project.findMany({ where: memberProjectsWhere(principal.user.id), select: { id: true } });
  return new Set(rows.map((r) => r.id));
}

/** The Prisma filter matching the agents a principal may see, for lists and counts (one query, no joins per row). */
export function visibleAgentsWhere(principal: Principal): Prisma.AgentWhereInput {
  if (principal.kind === "agent") return { id: principal.agentId };
  // A suspended person matches nothing (the nil UUID is never an agent's id).
  if (principal.user.status !== "active") return { id: "00000000-0000-0000-0000-000000000000" };
  if (isAdmin(principal)) return {};
  return { OR: [{ ownerId: principalId(principal) }, { project: memberProjectsWhere(principal.user.id) }] };
}
