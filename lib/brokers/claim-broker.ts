import type pg from "pg";
import { BatchedLookup, lookupFor } from "../db/batched-lookup";

/**
 * Broker affinity, as single SQL statements on the pool (no Prisma transaction per heartbeat).
 * The replica that accepts a broker's control channel claims it (false when the broker is gone);
 * the newest connection always wins. Release is a compare-and-set on the session id, so a
 * disconnect that is processed late (after the broker already reconnected, here or on another
 * replica) can never mark the newer connection offline.
 */
export async function claimBroker(pool: pg.Pool, brokerId: string, hubId: string, sessionId: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE runtime_brokers SET "connectedHubId" = $2, "connectedSessionId" = $3, "connectedAt" = now(), "lastHeartbeat" = now(),
       status = 'online', version = version + 1, "updatedAt" = now() WHERE id = $1`,
    [brokerId, hubId, sessionId],
  );
  return rowCount === 1;
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

/**
 * Records a heartbeat of the broker's current session (lastHeartbeat, online); false when the
 * session is no longer the broker's. Heartbeats arriving together are written by one statement
 * (lib/db/batched-lookup.ts's pattern): a thousand brokers heartbeating cost a few statements a
 * second, not a thousand, and leave the pool to requests. The statement commits without waiting
 * for its WAL to reach the disk (synchronous_commit off for its own transaction only): a heartbeat
 * is a liveness stamp that the next one replaces, so a database crash losing the last few hundred
 * milliseconds of them costs nothing, while waiting for the flush made most of the heartbeat's tail
 * (bench/broker-fanin.bench.ts under operation load: p99 in the ≤ 50 ms bucket in three runs of
 * five before; after, ≤ 10 ms in two runs of six, ≤ 20–30 ms in three, ≤ 50 ms in one).
 */
export function touchBroker(pool: pg.Pool, brokerId: string, sessionId: string): Promise<boolean> {
  return lookupFor(
    heartbeatWriters,
    pool,
    () =>
      new BatchedLookup<boolean>(async (keys) => {
        const { rows } = await pool.query<{ id: string; session: string }>(
          `WITH no_flush AS (SELECT set_config('synchronous_commit', 'off', true))
         UPDATE runtime_brokers b SET "lastHeartbeat" = now(), status = 'online'
         FROM unnest($1::uuid[], $2::text[]) AS v(id, session), no_flush
        WHERE b.id = v.id AND b."connectedSessionId" = v.session
        RETURNING b.id::text AS id, v.session`,
          [keys.map((k) => k.split(" ")[0]), keys.map((k) => k.split(" ")[1])],
        );
        return new Map(rows.map((r): [string, boolean] => [`${r.id} ${r.session}`, true]));
      }),
  )
    .get(`${brokerId.toLowerCase()} ${sessionId.toLowerCase()}`)
    .then((touched) => touched === true);
}

const heartbeatWriters = new WeakMap<pg.Pool, BatchedLookup<boolean>>();
