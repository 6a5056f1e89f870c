import crypto from "node:crypto";
import pg from "pg";
import { isAdmin, principalId, type Principal } from "../auth/principal";
import type { Agent } from "../db/generated/client";
import { decodeCursor, encodeCursor, invalidCursor, type Page } from "../http/pagination";
import { PHASES, type AgentJson, type ListAgentsQuery } from "./schemas";

/** Sort key → field; phase sorts by the enum's declaration order, as Postgres compares enums. */
const FIELD = { name: "name", created: "createdAt", updated: "updatedAt", phase: "phase" } as const satisfies Record<
  ListAgentsQuery["sort"],
  keyof Agent
>;

/**
 * The columns the agent JSON (lib/agents/to-agent-json.ts) is made of, and no more: never the
 * sealed env, and of the template snapshot (which may be large) only the id, slug and name, when
 * all three are strings. Times come as epoch milliseconds (float8), which become the same ISO
 * text as toAgentJson's without parsing a timestamp. test/api/agents.test.ts holds the list equal
 * to toAgentJson for agents with every field set.
 */
export const AGENT_JSON_COLUMNS = `"id", "slug", "name", "projectId", "brokerId", "phase", "activity", "detail", "task", "harness",
  "model", "templateId",
  CASE WHEN jsonb_typeof("templateSnapshot"->'id') = 'string' AND jsonb_typeof("templateSnapshot"->'slug') = 'string'
    AND jsonb_typeof("templateSnapshot"->'name') = 'string' THEN "templateSnapshot"->>'id' END AS "templateRefId",
  "templateSnapshot"->>'slug' AS "templateRefSlug", "templateSnapshot"->>'name' AS "templateRefName",
  "requiredSecrets", "branch", "baseBranch", "limits", "lastOutput", "turnCount", "createdBy", "ownerId", "ports", "urls",
  (extract(epoch FROM "lastSeen") * 1000)::float8 AS "lastSeen", (extract(epoch FROM "createdAt") * 1000)::float8 AS "createdAt",
  (extract(epoch FROM "updatedAt") * 1000)::float8 AS "updatedAt", "stateVersion"`;

export interface AgentJsonRow extends Omit<AgentJson, "template" | "secrets" | "lastSeen" | "createdAt" | "updatedAt"> {
  templateRefId: string | null;
  templateRefSlug: string | null;
  templateRefName: string | null;
  requiredSecrets: string[];
  lastSeen: number | null;
  createdAt: number;
  updatedAt: number;
}

const FLOAT8 = 701;
/** float8 as a number (pg leaves it a string); every other type as pg parses it. */
export const AGENT_JSON_ROW_TYPES = {
  getTypeParser: (oid: number, format?: "text" | "binary") =>
    oid === FLOAT8 ? Number : pg.types.getTypeParser(oid, format ?? "text"),
};

const iso = (ms: number) => new Date(ms).toISOString();

/** The agent JSON of a row read with AGENT_JSON_COLUMNS and AGENT_JSON_ROW_TYPES. */
export function agentJsonOf(r: AgentJsonRow): AgentJson {
  return {
    id: r.id,
    slug: r.slug,
    name: r.name,
    projectId: r.projectId,
    brokerId: r.brokerId,
    phase: r.phase,
    activity: r.activity,
    detail: r.detail,
    task: r.task,
    harness: r.harness,
    model: r.model,
    templateId: r.templateId,
    template:
      r.templateRefId === null ? null : { id: r.templateRefId, slug: r.templateRefSlug!, name: r.templateRefName! },
    secrets: r.requiredSecrets,
    branch: r.branch,
    baseBranch: r.baseBranch,
    limits: r.limits ?? {},
    lastOutput: r.lastOutput,
    turnCount: r.turnCount,
    createdBy: r.createdBy,
    ownerId: r.ownerId,
    ports: r.ports ?? {},
    urls: r.urls ?? {},
    lastSeen: r.lastSeen === null ? null : iso(r.lastSeen),
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
    stateVersion: r.stateVersion,
  };
}

/** The sort key of an agent as the cursor carries it (dates as toISOString writes them). */
function cursorKey(sort: ListAgentsQuery["sort"], agent: AgentJson): string {
  if (sort === "created") return agent.createdAt;
  if (sort === "updated") return agent.updatedAt;
  return sort === "name" ? agent.name : agent.phase;
}

/**
 * The agents a principal may see (their own, and for a project's members and creator the
 * project's agents; lib/agents/can-access-agent.ts), filtered and sorted as API.md lists, keyset-paged on
 * (sort key, id) so pages stay correct while agents come and go.
 *
 * One SQL statement on the pool, not the ORM: the list is the API's hottest read, and Prisma's
 * query compiler cost more than the query itself (issue 15's profile: a quarter of the hub's CPU
 * under a list load). The statement is prepared once per connection and shape of query (named by
 * its text), and reads only the columns the JSON needs; the JSON is made here, which measured
 * twice as fast as having Postgres build it (json_build_object and to_char per row). The rules
 * are the ones visibleAgentsWhere and memberProjectsWhere state for Prisma queries;
 * test/api/agents.test.ts holds both to the same answers.
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
  const text = `SELECT ${AGENT_JSON_COLUMNS} FROM agents
    WHERE ${where.join(" AND ")} ORDER BY ${column} ${dir}, "id" ${dir} LIMIT ${param(query.limit + 1)}`;
  const { rows } = await pool.query<AgentJsonRow>({
    name: statementName(text),
    text,
    values: params,
    types: AGENT_JSON_ROW_TYPES,
  });
  const more = rows.length > query.limit;
  const items = (more ? rows.slice(0, query.limit) : rows).map(agentJsonOf);
  const last = items[items.length - 1];
  return { items, nextCursor: more && last ? encodeCursor(cursorKey(query.sort, last), last.id) : null };
}

/** The list as the API answers it, `{items, nextCursor}`, serialised once. */
export async function listAgentsBody(pool: pg.Pool, principal: Principal, query: ListAgentsQuery): Promise<string> {
  return JSON.stringify(await listAgents(pool, principal, query));
}

/** A prepared statement's name for its text: the same shape of query reuses one plan per connection. */
const statementNames = new Map<string, string>();
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `agents-list-${crypto.createHash("sha256").update(text).digest("hex").slice(0, 16)}`;
    if (statementNames.size < 1000) statementNames.set(text, name);
  }
  return name;
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
