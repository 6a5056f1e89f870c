import type pg from "pg";
import { isAdmin, principalId, type Principal } from "../auth/principal";
import type { Agent } from "../db/generated/client";
import { decodeCursor, encodeCursor, invalidCursor, toPage, type Page } from "../http/pagination";
import { PHASES, type AgentJson, type ListAgentsQuery } from "./schemas";
import { toAgentJson } from "./to-agent-json";

/** Sort key → field; phase sorts by the enum's declaration order, as Postgres compares enums. */
const FIELD = { name: "name", created: "createdAt", updated: "updatedAt", phase: "phase" } as const satisfies Record<
  ListAgentsQuery["sort"],
  keyof Agent
>;

/** What toAgentJson reads, and nothing else (no sealed env, no template snapshot beyond its reference). */
const COLUMNS = [
  "id",
  "slug",
  "name",
  "projectId",
  "brokerId",
  "phase",
  "activity",
  "detail",
  "task",
  "harness",
  "model",
  "templateId",
  "templateSnapshot",
  "requiredSecrets",
  "branch",
  "baseBranch",
  "limits",
  "lastOutput",
  "turnCount",
  "createdBy",
  "ownerId",
  "ports",
  "urls",
  "lastSeen",
  "createdAt",
  "updatedAt",
  "stateVersion",
]
  .map((c) => `"${c}"`)
  .join(", ");

/**
 * The agents a principal may see (their own, and for a project's members and creator the
 * project's agents; lib/agents/can-access-agent.ts), filtered and sorted as API.md lists, keyset-paged on
 * (sort key, id) so pages stay correct while agents come and go.
 *
 * One SQL statement on the pool, not the ORM: the list is the API's hottest read, and Prisma's
 * query compiler cost more than the query itself (issue 15's profile: a quarter of the hub's CPU
 * under a list load). The rules are the ones visibleAgentsWhere and memberProjectsWhere state for
 * Prisma queries; test/api/agents.test.ts holds both to the same answers.
 */
export async function listAgents(
  pool: pg.Pool,
  principal: Principal,
  query: ListAgentsQuery,
): Promise<Page<AgentJson>> {
  const params: unknown[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  const where: string[] = [visibility(principal, param)];
  if (query.projectId) where.push(`"projectId" = ${param(query.projectId)}::uuid`);
  if (query.brokerId) where.push(`"brokerId" = ${param(query.brokerId)}::uuid`);
  if (query.phase) where.push(`"phase" = ${param(query.phase)}::"AgentPhase"`);
  if (query.activity) where.push(`"activity" = ${param(query.activity)}::"AgentActivity"`);
  if (query.q) {
    const pattern = `%${escapeLike(query.q)}%`;
    where.push(`("name" ILIKE ${param(pattern)} OR "slug" LIKE ${param(pattern.toLowerCase())})`);
  }
  const column = `"${FIELD[query.sort]}"`;
  const dir = query.order === "asc" ? "ASC" : "DESC";
  if (query.cursor) where.push(afterCursor(query.sort, query.order, query.cursor, param));
  const sql = `SELECT ${COLUMNS} FROM agents WHERE ${where.join(" AND ")} ORDER BY ${column} ${dir}, "id" ${dir} LIMIT ${param(query.limit + 1)}`;
  const { rows } = await pool.query<Agent>(sql, params);
  const field = FIELD[query.sort];
  return toPage(rows, query.limit, toAgentJson, (a) =>
    encodeCursor(field === "name" || field === "phase" ? a[field] : a[field].toISOString(), a.id),
  );
}

/** Who sees which agents: an agent itself; nobody for a suspended person; all for an admin; else own and projects'. */
function visibility(principal: Principal, param: (v: unknown) => string): string {
  if (principal.kind === "agent") return `"id" = ${param(principal.agentId)}::uuid`;
  if (principal.user.status !== "active") return "FALSE";
  if (isAdmin(principal)) return "TRUE";
  const user = param(principal.user.id);
  return `("ownerId" = ${param(principalId(principal))} OR "projectId" IN (
    SELECT id FROM projects WHERE "createdById" = ${user}::uuid
    UNION SELECT "projectId" FROM project_members WHERE "userId" = ${user}::uuid))`;
}

/** Rows after the cursor's (key, id) in the list's order. */
function afterCursor(
  sort: ListAgentsQuery["sort"],
  order: "asc" | "desc",
  cursor: string,
  param: (v: unknown) => string,
): string {
  const { key, id } = decodeCursor(cursor);
  const cmp = order === "asc" ? ">" : "<";
  const column = `"${FIELD[sort]}"`;
  let value: string;
  if (sort === "phase") {
    if (!PHASES.includes(key as (typeof PHASES)[number])) throw invalidCursor();
    value = `${param(key)}::"AgentPhase"`;
  } else if (sort === "name") {
    value = param(String(key));
  } else {
    const at = new Date(String(key));
    if (Number.isNaN(at.getTime())) throw invalidCursor();
    value = `${param(at)}::timestamptz`;
  }
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw invalidCursor();
  return `(${column} ${cmp} ${value} OR (${column} = ${value} AND "id" ${cmp} ${param(id)}::uuid))`;
}

/** A LIKE pattern's text taken literally: its wildcards and the escape character escaped. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
