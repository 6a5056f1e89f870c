import crypto from "node:crypto";
import pg from "pg";
import { isAdmin, principalId, type Principal } from "../auth/principal";
import type { Agent } from "../db/generated/client";
import { decodeCursor, encodeCursor, invalidCursor, type Page } from "../http/pagination";
import { memberProjectIdsSql } from "../projects/project-access";
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

/**
 * The sort key as the page's query reads it for the cursor, in the form the cursor carries: times
 * as epoch milliseconds (made ISO text, as the agent JSON has them), the phase as its label.
 */
const CURSOR_KEY = {
  name: `"name"`,
  created: `(extract(epoch FROM "createdAt") * 1000)::float8`,
  updated: `(extract(epoch FROM "updatedAt") * 1000)::float8`,
  phase: `"phase"::text`,
} as const satisfies Record<ListAgentsQuery["sort"], string>;

/** A page of agents as JSON text, one text per agent, in the list's order. */
interface AgentTextPage {
  texts: string[];
  nextCursor: string | null;
}

/**
 * The agents a principal may see (their own, and for a project's members and creator the
 * project's agents; lib/agents/can-access-agent.ts), filtered and sorted as API.md lists, keyset-paged on
 * (sort key, id) so pages stay correct while agents come and go.
 *
 * SQL on the pool, not the ORM: the list is the API's hottest read, and Prisma's query compiler
 * cost more than the query itself (issue 15's profile: a quarter of the hub's CPU under a list
 * load). The rules are the ones visibleAgentsWhere and memberProjectsWhere state for Prisma
 * queries; test/api/agents.test.ts holds both to the same answers.
 *
 * The page's query reads only each agent's id, its row version and the sort key; the agent's JSON
 * comes from the replica's AgentJsonCache when it holds that version, and otherwise from a second
 * query by id (whose text is then kept). Parsing 28 columns of 50 rows and serialising them was
 * most of the list's cost in the hub (0.32 ms of 0.42 ms per page, and 0.25 ms of Postgres), and
 * agents are read far more often than they change. A row changed between the two queries comes
 * in its newer version; one deleted in between is left out of the page (the cursor still follows
 * the first query, so paging stays correct).
 */
async function listAgentTexts(pool: pg.Pool, principal: Principal, query: ListAgentsQuery): Promise<AgentTextPage> {
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
  const text = `SELECT "id", "xmin"::text, ${CURSOR_KEY[query.sort]} FROM agents
    WHERE ${where.join(" AND ")} ORDER BY ${column} ${dir}, "id" ${dir} LIMIT ${param(query.limit + 1)}`;
  const { rows } = await pool.query<[string, string, string | number]>({
    name: statementName(text),
    text,
    values: params,
    types: AGENT_JSON_ROW_TYPES,
    rowMode: "array",
  });
  const more = rows.length > query.limit;
  const page = more ? rows.slice(0, query.limit) : rows;
  const cache = agentJsonCache(pool);
  const texts = new Map<string, string>();
  const missing: string[] = [];
  for (const [id, version] of page) {
    const cached = cache.get(id, version);
    if (cached === undefined) missing.push(id);
    else texts.set(id, cached);
  }
  if (missing.length > 0) {
    const fetched = await pool.query<AgentJsonRow & { rowVersion: string }>({
      name: "agents-list-rows",
      text: `SELECT ${AGENT_JSON_COLUMNS}, "xmin"::text AS "rowVersion" FROM agents WHERE "id" = ANY($1::uuid[])`,
      values: [missing],
      types: AGENT_JSON_ROW_TYPES,
    });
    for (const row of fetched.rows)
      texts.set(row.id, cache.set(row.id, row.rowVersion, JSON.stringify(agentJsonOf(row))));
  }
  const last = page[page.length - 1];
  const key = last === undefined ? null : typeof last[2] === "number" ? iso(last[2]) : last[2];
  return {
    texts: page.flatMap(([id]) => texts.get(id) ?? []),
    nextCursor: more && last ? encodeCursor(key, last[0]) : null,
  };
}

/** The list as objects (server-rendered pages). */
export async function listAgents(
  pool: pg.Pool,
  principal: Principal,
  query: ListAgentsQuery,
): Promise<Page<AgentJson>> {
  const page = await listAgentTexts(pool, principal, query);
  return { items: page.texts.map((t) => JSON.parse(t) as AgentJson), nextCursor: page.nextCursor };
}

/** The list as the API answers it, `{items, nextCursor}`, made of the agents' cached JSON texts. */
export async function listAgentsBody(pool: pg.Pool, principal: Principal, query: ListAgentsQuery): Promise<string> {
  const page = await listAgentTexts(pool, principal, query);
  return `{"items":[${page.texts.join(",")}],"nextCursor":${JSON.stringify(page.nextCursor)}}`;
}

/**
 * Agents' JSON texts by row version, per database (pool) in this process. The version is the
 * row's `xmin`: every UPDATE writes a new row version stamped with its transaction's id, freezing
 * keeps the id, and a transaction's intermediate versions are never visible to another session,
 * so (id, xmin) names one content of an agent. Transaction ids wrap after 2³² transactions, so an
 * entry also expires after ENTRY_TTL_MS, long before any id could come round again. The JSON is
 * the same for every viewer (who may see which agent is the page query's business), so one entry
 * serves all. Bounded: past MAX_ENTRIES the oldest entries go.
 */
export class AgentJsonCache {
  static readonly MAX_ENTRIES = 20_000;
  static readonly ENTRY_TTL_MS = 10 * 60_000;
  private readonly entries = new Map<string, { version: string; text: string; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  get(id: string, version: string): string | undefined {
    const entry = this.entries.get(id);
    if (!entry || entry.version !== version) return undefined;
    if (this.now() - entry.at > AgentJsonCache.ENTRY_TTL_MS) {
      this.entries.delete(id);
      return undefined;
    }
    return entry.text;
  }

  set(id: string, version: string, text: string): string {
    this.entries.delete(id);
    this.entries.set(id, { version, text, at: this.now() });
    if (this.entries.size > AgentJsonCache.MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    return text;
  }

  get size(): number {
    return this.entries.size;
  }
}

const caches = new WeakMap<pg.Pool, AgentJsonCache>();
function agentJsonCache(pool: pg.Pool): AgentJsonCache {
  let cache = caches.get(pool);
  if (!cache) caches.set(pool, (cache = new AgentJsonCache()));
  return cache;
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
  return `("ownerId" = ${param(principalId(principal))} OR "projectId" IN (${memberProjectIdsSql(user)}))`;
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
