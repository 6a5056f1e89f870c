import type { Principal } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import type { AgentPhase, Prisma } from "../db/generated/client";
import { decodeCursor, encodeCursor, invalidCursor, toPage, type Page } from "../http/pagination";
import { visibleAgentsWhere } from "./can-access-agent";
import { PHASES, type AgentJson, type ListAgentsQuery } from "./schemas";
import { toAgentJson } from "./to-agent-json";

const FIELD = { name: "name", created: "createdAt", updated: "updatedAt", phase: "phase" } as const;

/**
 * The agents a principal may see (their own, and for a project's members and creator the
 * project's agents; lib/agents/can-access-agent.ts), filtered and sorted as API.md lists, keyset-paged on
 * (sort key, id) so pages stay correct while agents come and go.
 */
export async function listAgents(
  prisma: PrismaClient,
  principal: Principal,
  query: ListAgentsQuery,
): Promise<Page<AgentJson>> {
  const field = FIELD[query.sort];
  // Visibility, text search and cursor each bring their own OR: AND keeps them apart.
  const and: Prisma.AgentWhereInput[] = [visibleAgentsWhere(principal)];
  if (query.q)
    and.push({
      OR: [{ name: { contains: query.q, mode: "insensitive" } }, { slug: { contains: query.q.toLowerCase() } }],
    });
  if (query.cursor) and.push(afterCursor(field, query.order, query.cursor));
  const where: Prisma.AgentWhereInput = {
    AND: and,
    ...(query.projectId && { projectId: query.projectId }),
    ...(query.brokerId && { brokerId: query.brokerId }),
    ...(query.phase && { phase: query.phase }),
    ...(query.activity && { activity: query.activity }),
  };
  const rows = await prisma.agent.findMany({
    where,
    orderBy: [{ [field]: query.order }, { id: query.order }],
    take: query.limit + 1,
  });
  return toPage(rows, query.limit, toAgentJson, (a) =>
    encodeCursor(field === "name" || field === "phase" ? a[field] : a[field].toISOString(), a.id),
  );
}

function afterCursor(
  field: (typeof FIELD)[keyof typeof FIELD],
  order: "asc" | "desc",
  cursor: string,
): Prisma.AgentWhereInput {
  const { key, id } = decodeCursor(cursor);
  const cmp = order === "asc" ? "gt" : "lt";
  if (field === "phase") {
    // Postgres orders an enum by declaration; Prisma cannot compare enums, so list the later ones.
    const at = PHASES.indexOf(key as AgentPhase);
    if (at < 0) throw invalidCursor();
    const later = (order === "asc" ? PHASES.slice(at + 1) : PHASES.slice(0, at)) as AgentPhase[];
    return { OR: [{ phase: { in: later } }, { phase: key as AgentPhase, id: { [cmp]: id } }] };
  }
  const value = field === "name" ? String(key) : new Date(String(key));
  if (value instanceof Date && Number.isNaN(value.getTime())) throw invalidCursor();
  return { OR: [{ [field]: { [cmp]: value } }, { [field]: value, id: { [cmp]: id } }] };
}
