import type pg from "pg";

/**
 * Broker affinity, as single SQL statements on the pool (no Prisma transaction per heartbeat).
 * The replica that accepts a broker's control channel claims it; the newest connection always
 * wins. Release is a compare-and-set on the session id, so a disconnect that is processed late
 * (after the broker already reconnected, here or on another replica) can never mark the newer
 * connection offline.
 */
export async function claimBroker(pool: pg.Pool, brokerId: string, hubId: string, sessionId: string): Promise<void> {
  await pool.query(
    `UPDATE runtime_brokers SET "connectedHubId" = $2, "connectedSessionId" = $3, "connectedAt" = now(), "lastHeartbeat" = now(),
       status = 'online', version = version + 1, "updatedAt" = now() WHERE id = $1`,
    [brokerId, hubId, sessionId],
  );
}

/** Marks the broker offline if, and only if, the session is still the current one. Returns whether it did. */
export async function releaseBroker(pool: pg.Pool, brokerId: string, sessionId: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE runtime_brokers SET "connectedHubId" = NULL, "connectedSessionId" = NULL, status = 'offline', version = version + 1, "updatedAt" = now()
     WHERE id = $1 AND "connectedSessionId" = $2`,
    [brokerId, sessionId],
  );
  return rowCount === 1;
}

/** A heartbeat from the current session: the broker is alive. */
export async function touchBroker(pool: pg.Pool, brokerId: string, sessionId: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE runtime_brokers SET "lastHeartbeat" = now(), status = 'online' WHERE id = $1 AND "connectedSessionId" = $2`,
    [brokerId, sessionId],
  );
  return rowCount === 1;
}
