import type pg from "pg";
import { isAdmin, principalId, type Principal } from "../auth/principal";
import type { Agent } from "../db/generated/client";
import { decodeCursor, encodeCursor, invalidCursor, type Page } from "../http/pagination";
import { PHASES, type AgentJson, type ListAgentsQuery } from "./schemas";

/** Sort key → field; phase sorts by the enum's declaration order, as Postgres compares enums. */
const FIELD = { name: "name", created: "createdAt", updated: "updatedAt", phase: "phase" } as const satisfies Record<
  ListAgentsQuery["sort"],
  keyof Agent
>;

/** An ISO-8601 UTC timestamp with milliseconds, exactly as Date.toISOString writes it. */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The agent JSON of the API (lib/agents/to-agent-json.ts), built by Postgres: the list's rows
 * leave the database as the text the answer is made of, so the hub neither parses rows nor
 * serialises objects. `template` is the snapshot's id, slug and name when they are strings (a
 * snapshot this version cannot read at all still names them; toAgentJson would say null).
 * test/api/agents.test.ts holds it equal to toAgentJson for agents with every field set.
 */
const AGENT_JSON = `json_build_object(
  'id', "id", 'slug', "slug", 'name', "name", 'projectId', "projectId", 'brokerId', "brokerId",
  'phase', "phase", 'activity', "activity", 'detail', "detail", 'task', "task", 'harness', "harness",
  'model', "model", 'templateId', "templateId",
  'template', CASE WHEN jsonb_typeof("templateSnapshot"->'id') = 'string'
      AND jsonb_typeof("templateSnapshot"->'slug') = 'string' AND jsonb_typeof("templateSnapshot"->'name') = 'string'
    THEN json_build_object('id', "templateSnapshot"->>'id', 'slug', "templateSnapshot"->>'slug', 'name', "templateSnapshot"->>'name') END,
  'secrets', to_json("requiredSecrets"), 'branch', "branch", 'baseBranch', "baseBranch", 'limits', "limits",
  'lastOutput', "lastOutput", 'turnCount', "turnCount", 'createdBy', "createdBy", 'ownerId', "ownerId",
  'ports', "ports", 'urls', "urls", 'lastSeen', ${iso(`"lastSeen"`)}, 'createdAt', ${iso(`"createdAt"`)},
  'updatedAt', ${iso(`"updatedAt"`)}, 'stateVersion', "stateVersion")::text`;

/** The sort key as the cursor carries it (dates as toISOString writes them). */
const CURSOR_KEY = {
  name: `"name"`,
  created: iso(`"createdAt"`),
  updated: iso(`"updatedAt"`),
  phase: `"phase"::text`,
} as const satisfies Record<ListAgentsQuery["sort"], string>;

/** A page of agents as JSON text: each item already serialised, and the cursor of the next page. */
export interface AgentPageText {
  items: string[];
  nextCursor: string | null;
}

/**
 * The agents a principal may see (their own, and for a project's members and creator the
 * project's agents; lib/agents/can-access-agent.ts), filtered and sorted as API.md lists, keyset-paged on
 * (sort key, id) so pages stay correct while agents come and go.
 *
 * One SQL statement on the pool, not the ORM: the list is the API's hottest read, and Prisma's
 * query compiler cost more than the query itself (issue 15's profile: a quarter of the hub's CPU
 * under a list load); Postgres writes each agent's JSON. The rules are the ones visibleAgentsWhere
 * and memberProjectsWhere state for Prisma queries; test/api/agents.test.ts holds both to the
 * same answers.
 */
export async function listAgentsText(
  pool: pg.Pool,
  principal: Principal,
  query: ListAgentsQuery,
): Promise<AgentPageText> {
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
  const sql = `SELECT ${AGENT_JSON} AS json, ${CURSOR_KEY[query.sort]} AS key, "id" FROM agents
    WHERE ${where.join(" AND ")} ORDER BY ${column} ${dir}, "id" ${dir} LIMIT ${param(query.limit + 1)}`;
  const { rows } = await pool.query<{ json: string; key: string; id: string }>(sql, params);
  const more = rows.length > query.limit;
  const page = more ? rows.slice(0, query.limit) : rows;
  const last = page[page.length - 1];
  return { items: page.map((r) => r.json), nextCursor: more && last ? encodeCursor(last.key, last.id) : null };
}

/** The list as objects (the dashboard's server-rendered first page). */
export async function listAgents(
  pool: pg.Pool,
  principal: Principal,
  query: ListAgentsQuery,
): Promise<Page<AgentJson>> {
  const page = await listAgentsText(pool, principal, query);
  return { items: page.items.map((json) => JSON.parse(json) as AgentJson), nextCursor: page.nextCursor };
}

/** The list as the API answers it, `{items, nextCursor}`, serialised once. */
export async function listAgentsBody(pool: pg.Pool, principal: Principal, query: ListAgentsQuery): Promise<string> {
  const page = await listAgentsText(pool, principal, query);
  return `{"items":[${page.items.join(",")}],"nextCursor":${JSON.stringify(page.nextCursor)}}`;
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
