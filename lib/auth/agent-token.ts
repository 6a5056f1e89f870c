import type pg from "pg";
import { BatchedLookup, lookupFor } from "../db/batched-lookup";
import { isUuid } from "../naming/is-uuid";
import { ApiError } from "../http/api-error";
import type { Principal } from "./principal";
import { mintSignedToken, verifySignedToken } from "./signed-tokens";

export const AGENT_TOKEN_TTL_MS = 10 * 60 * 60 * 1000;
/**
 * What an agent token may do, each checked where it is used: report status, refresh itself, read
 * its own messages, create sub-agents. Reading itself (its agent, `me`, its events) needs none.
 */
export const AGENT_SCOPES = ["agent:status", "agent:token", "agent:messages", "agent:create"] as const;
export type AgentScope = (typeof AGENT_SCOPES)[number];

export interface MintedAgentToken {
  token: string;
  expiresAt: Date;
}

/**
 * An agent's own token: its id, scopes and the agent's tokenVersion. Bumping tokenVersion
 * (reset-auth, stop) invalidates every token minted before, on every replica at once. Only known
 * scopes are minted; a refresh passes the presented token's scopes, so a token never widens.
 */
export async function mintAgentToken(
  rootSecret: string,
  agent: { id: string; tokenVersion: number },
  ttlMs = AGENT_TOKEN_TTL_MS,
  scopes: readonly string[] = AGENT_SCOPES,
): Promise<MintedAgentToken> {
  const unknown = scopes.filter((s) => !(AGENT_SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0 || scopes.length === 0)
    throw new Error(`agent token scopes must be a non-empty subset of ${AGENT_SCOPES.join(", ")}`);
  const expiresAt = new Date(Date.now() + ttlMs);
  const token = await mintSignedToken(
    rootSecret,
    "agent",
    { sub: agent.id, scope: [...new Set(scopes)], tv: agent.tokenVersion },
    expiresAt,
  );
  return { token, expiresAt };
}

/** What a genuine, unexpired agent token says, checked without the database. */
export interface AgentClaims {
  agentId: string;
  scopes: AgentScope[];
  /** The agent's tokenVersion when the token was minted; the token counts only while it is current. */
  tokenVersion: number;
}

/**
 * The claims of an agent token whose signature, issuer, audience and expiry hold, or null. It
 * may still be superseded (reset-auth, stop): only authenticateAgentToken, or a statement that
 * compares `tokenVersion` itself, says it is current.
 */
export async function verifyAgentClaims(rootSecret: string, token: string): Promise<AgentClaims | null> {
  const verified = await verifySignedToken(rootSecret, "agent", token);
  if (!verified.ok) return null;
  const { sub, tv, scope } = verified.payload as { sub: string; tv?: unknown; scope?: unknown };
  if (typeof tv !== "number" || !Array.isArray(scope)) return null;
  if (typeof sub !== "string" || !isUuid(sub)) return null;
  return {
    agentId: sub.toLowerCase(),
    scopes: scope.filter((s): s is AgentScope => (AGENT_SCOPES as readonly unknown[]).includes(s)),
    tokenVersion: tv,
  };
}

/** The agent a token speaks for, or null when it is forged, expired, superseded or the agent is gone. */
export async function authenticateAgentToken(
  pool: pg.Pool,
  rootSecret: string,
  token: string,
): Promise<{ agentId: string; scopes: string[] } | null> {
  const claims = await verifyAgentClaims(rootSecret, token);
  if (!claims) return null;
  // Every request of every agent but its status reports comes through here: reads are batched.
  const tokenVersion = await tokenVersions(pool).get(claims.agentId);
  if (tokenVersion === undefined || tokenVersion !== claims.tokenVersion) return null;
  return { agentId: claims.agentId, scopes: claims.scopes };
}

/** Refuses an agent token that lacks `scope` (403); people are not affected. */
export function requireAgentScope(principal: Principal, scope: AgentScope): void {
  if (principal.kind === "agent" && !principal.scopes.includes(scope))
    throw new ApiError("forbidden", `This agent token lacks the ${scope} scope.`);
}

const tokenVersionLookups = new WeakMap<pg.Pool, BatchedLookup<number>>();

/** Agents' current token versions by id, read in batches (lib/db/batched-lookup.ts). */
function tokenVersions(pool: pg.Pool): BatchedLookup<number> {
  return lookupFor(
    tokenVersionLookups,
    pool,
    () =>
      new BatchedLookup(async (ids) => {
        const { rows } = await pool.query<{ id: string; tokenVersion: number }>(
          `SELECT id, "tokenVersion" FROM agents WHERE id = ANY($1::uuid[])`,
          [ids],
        );
        return new Map(rows.map((r) => [r.id, r.tokenVersion]));
      }),
  );
}
