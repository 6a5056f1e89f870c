import type pg from "pg";
import { verifySignedToken } from "../auth/signed-tokens";
import type { UserIdentity } from "../auth/principal";
import { digestsEqual, hashToken } from "./hash-token";
import { BatchedLookup, lookupFor } from "../db/batched-lookup";
import { isUuid } from "../naming/is-uuid";

const LAST_USED_RESOLUTION_MS = 60_000;

interface TokenRow extends UserIdentity {
  tokenId: string;
  userId: string;
  tokenHash: string;
  revokedAt: Date | null;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
}

/**
 * The user behind a CLI/API token, or null: the signature (this secret), the row (not revoked,
 * not expired) and the stored digest (constant-time) must all agree. lastUsedAt is refreshed at
 * most once a minute, without delaying the request. Read with one SQL statement on the pool,
 * batched with the other requests' (lib/db/batched-lookup.ts): every API call with a token comes
 * through here (issue 15).
 */
export async function authenticateApiToken(
  pool: pg.Pool,
  rootSecret: string,
  token: string,
): Promise<{ user: UserIdentity; tokenId: string } | null> {
  const verified = await verifySignedToken(rootSecret, "user", token);
  if (!verified.ok || typeof verified.payload.jti !== "string" || !isUuid(verified.payload.jti)) return null;
  const row = await tokenRows(pool).get(verified.payload.jti.toLowerCase());
  if (!row || row.userId !== verified.payload.sub || row.revokedAt || (row.expiresAt && row.expiresAt <= new Date()))
    return null;
  if (!digestsEqual(row.tokenHash, hashToken(token))) return null;
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    // The row is shared by the requests its read answered: one of them writes.
    row.lastUsedAt = new Date();
    void pool
      .query(`UPDATE api_tokens SET "lastUsedAt" = now() WHERE id = $1::uuid`, [row.tokenId])
      .catch(() => undefined);
  }
  const { id, email, name, role, status } = row;
  return { user: { id, email, name, role, status }, tokenId: row.tokenId };
}

const tokenRowLookups = new WeakMap<pg.Pool, BatchedLookup<TokenRow>>();

/** API token rows with their users, by token id, read in batches. */
function tokenRows(pool: pg.Pool): BatchedLookup<TokenRow> {
  return lookupFor(
    tokenRowLookups,
    pool,
    () =>
      new BatchedLookup(async (ids) => {
        const { rows } = await pool.query<TokenRow>(
          `SELECT t.id AS "tokenId", t."userId", t."tokenHash", t."revokedAt", t."expiresAt", t."lastUsedAt",
              u.id, u.email, u.name, u.role, u.status
         FROM api_tokens t JOIN users u ON u.id = t."userId" WHERE t.id = ANY($1::uuid[])`,
          [ids],
        );
        return new Map(rows.map((r) => [r.tokenId, r]));
      }),
  );
}
