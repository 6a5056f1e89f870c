import type pg from "pg";
import { isUuid } from "../naming/is-uuid";
import type { HubRuntime } from "../runtime/hub-runtime";
import { authenticateApiToken } from "../tokens/authenticate-api-token";
import { authenticateAgentToken } from "./agent-token";
import { verifyIdentity } from "./identity-header";
import type { Principal, UserIdentity } from "./principal";
import { decodeSessionCookie, readCookie, SECURE_SESSION_COOKIE, SESSION_COOKIE } from "./session-cookie";
import { AGENT_TOKEN_PREFIX, USER_TOKEN_PREFIX } from "./signed-tokens";

export interface CredentialHeaders {
  authorization?: string | null;
  cookie?: string | null;
  /** The signed identity server.ts sets after verifying IAP (never a client's own value). */
  identity?: string | null;
}

export type AuthenticationResult = { principal: Principal } | { principal: null; reason: "missing" | "invalid" };

/**
 * Resolves the caller from a Bearer token (user API token or agent token), the signed IAP
 * identity (proxy mode) or the session cookie.
 * A Bearer header that does not verify is "invalid" and never falls back to the cookie, so a bad
 * token is reported instead of silently acting as someone else.
 */
export async function authenticate(runtime: HubRuntime, headers: CredentialHeaders): Promise<AuthenticationResult> {
  const { sessionSecret } = runtime;
  const { pool } = runtime.db;
  const auth = headers.authorization?.trim();
  if (auth) {
    const match = /^Bearer\s+(\S+)$/i.exec(auth);
    const token = match?.[1];
    if (token?.startsWith(USER_TOKEN_PREFIX)) {
      const found = await authenticateApiToken(pool, sessionSecret, token);
      if (found) return { principal: { kind: "user", user: found.user, via: "token", tokenId: found.tokenId } };
    } else if (token?.startsWith(AGENT_TOKEN_PREFIX)) {
      const found = await authenticateAgentToken(pool, sessionSecret, token);
      if (found) return { principal: { kind: "agent", ...found } };
    }
    return { principal: null, reason: "invalid" };
  }
  const iapUserId = verifyIdentity(sessionSecret, headers.identity, Date.now(), runtime.config.identityHeaderMaxAgeMs);
  if (iapUserId) {
    const user = await findUserIdentity(pool, iapUserId);
    if (user) return { principal: { kind: "user", user, via: "iap" } };
  }
  const cookie = readCookie(headers.cookie, SESSION_COOKIE) ?? readCookie(headers.cookie, SECURE_SESSION_COOKIE);
  if (cookie) {
    const userId = await decodeSessionCookie(sessionSecret, cookie);
    const user = userId ? await findUserIdentity(pool, userId) : null;
    if (user) return { principal: { kind: "user", user, via: "session" } };
    return { principal: null, reason: "invalid" };
  }
  return { principal: null, reason: "missing" };
}

/** A person's identity by id, or null; one SQL statement (every request with a session or IAP identity reads it). */
async function findUserIdentity(pool: pg.Pool, id: string): Promise<UserIdentity | null> {
  if (!isUuid(id)) return null;
  const { rows } = await pool.query<UserIdentity>(
    "SELECT id, email, name, role, status FROM users WHERE id = $1::uuid",
    [id],
  );
  return rows[0] ?? null;
}
