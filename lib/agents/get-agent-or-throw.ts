import type { Principal } from "../auth/principal";
import { isUuid } from "../naming/is-uuid";
import type { Database } from "../db/create-database";
import type { Agent } from "../db/generated/client";
import { ApiError } from "../http/api-error";
import { parseId } from "../http/ids";
import { canActOnAgent, canSeeAgent } from "./can-access-agent";

/**
 * What a caller needs of an agent: `see` to read it (owner, admin, the agent itself, the members of
 * its project), `act` to change or drive it (owner, admin, the agent itself).
 */
export type AgentNeed = "see" | "act";

type AgentReader = Pick<Database, "pool">;

/**
 * An agent the principal may see (and, for `act`, act on), by id. Missing and unseen are the same
 * 404; a project member who sees the agent but may not act on it gets 403.
 *
 * Every agent route starts here, so the row is read with one plain statement on the pool rather
 * than through Prisma, whose query compiler plans each call anew: a lone request (a person's
 * click) paid that in full, as Prisma batches only the findUniques of one tick. A `SELECT *` row
 * of `agents` through pg is the Prisma model as is: uuids and enums as strings, jsonb parsed,
 * timestamptz as Date, text[] as an array (status-batch.ts reads it the same way; a test holds
 * the two equal).
 */
export async function getAgentOrThrow(
  db: AgentReader,
  principal: Principal,
  agentId: string | undefined,
  need: AgentNeed = "act",
): Promise<Agent> {
  return authorize(db, principal, await findAgentById(db, parseId(agentId, "agent")), need);
}

/** The agent row by id (a valid uuid), as Prisma's `agent.findUnique` reads it, or null. */
export function findAgentById(db: AgentReader, id: string): Promise<Agent | null> {
  return readAgent(db, `id = $1::uuid`, [id]);
}

/** The same, addressed within a project by slug or id (the project-scoped routes). */
export async function getProjectAgentOrThrow(
  db: AgentReader,
  principal: Principal,
  projectId: string,
  slugOrId: string | undefined,
  need: AgentNeed = "act",
): Promise<Agent> {
  const key = slugOrId ?? "";
  const agent = isUuid(key)
    ? await readAgent(db, `id = $1::uuid AND "projectId" = $2::uuid`, [key.toLowerCase(), projectId])
    : /^[a-z0-9][a-z0-9-]{0,62}$/.test(key)
      ? await readAgent(db, `"projectId" = $2::uuid AND slug = $1`, [key, projectId])
      : null;
  return authorize(db, principal, agent, need);
}

async function readAgent(db: AgentReader, where: string, values: string[]): Promise<Agent | null> {
  const { rows } = await db.pool.query<Agent>(`SELECT * FROM agents WHERE ${where}`, values);
  return rows[0] ?? null;
}

/** 404 unless the principal sees the agent; 403 when it must act and only sees it. */
export async function authorizeAgent(
  db: AgentReader,
  principal: Principal,
  agent: Agent,
  need: AgentNeed,
): Promise<void> {
  if (canActOnAgent(principal, agent)) return;
  if (!(await canSeeAgent(db, principal, agent))) throw new ApiError("not_found", "No such agent.");
  if (need === "act")
    throw new ApiError(
      "forbidden",
      "Only the agent's owner or an admin may do this; project members see the agent read-only.",
    );
}

async function authorize(db: AgentReader, principal: Principal, agent: Agent | null, need: AgentNeed) {
  if (!agent) throw new ApiError("not_found", "No such agent.");
  await authorizeAgent(db, principal, agent, need);
  return agent;
}
