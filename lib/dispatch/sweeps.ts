import type { HubRuntime } from "../runtime/hub-runtime";
import { BROKER_STALE_MS } from "./route-to-broker";
import { REPLICA_STALE_MS } from "./replicas";

/**
 * Affinity that outlived its replica or its broker: a broker online without a heartbeat for
 * 90 s, or held by a replica whose row went stale, is marked offline and released (guarded on
 * the same session, so a broker that just reconnected is left alone). Replica rows silent for
 * five minutes are removed.
 */
export async function sweepStaleAffinity(runtime: HubRuntime): Promise<{ released: number; replicasRemoved: number }> {
  const { db, events } = runtime;
  const { rows } = await db.pool.query<{ id: string }>(
    `UPDATE runtime_brokers b SET status = 'offline', "connectedHubId" = NULL, "connectedSessionId" = NULL, version = version + 1, "updatedAt" = now()
      WHERE b.status = 'online'
        AND (b."lastHeartbeat" IS NULL OR b."lastHeartbeat" < now() - ($1::int * interval '1 millisecond')
             OR NOT EXISTS (SELECT 1 FROM hub_replicas r WHERE r.id = b."connectedHubId" AND r."lastSeenAt" > now() - ($2::int * interval '1 millisecond')))
      RETURNING b.id::text AS id`,
    [BROKER_STALE_MS, REPLICA_STALE_MS],
  );
  for (const { id } of rows)
    await events.publish({ subject: `broker.${id}.status`, data: { id, status: "offline" } }).catch(() => undefined);
  const removed = await db.pool.query(`DELETE FROM hub_replicas WHERE "lastSeenAt" < now() - interval '5 minutes'`);
  if (rows.length) runtime.logger.info({ released: rows.length }, "released brokers whose affinity went stale");
  return { released: rows.length, replicasRemoved: removed.rowCount ?? 0 };
}

/**
 * Intents that can no longer finish: past their deadline (pending or in progress), or in
 * progress on a replica that has gone silent. They fail — never run twice — and whoever waits
 * for them hears so at once.
 */
export async function reapStuckDispatches(runtime: HubRuntime): Promise<number> {
  const { rows } = await runtime.db.pool.query<{ id: string }>(
    `UPDATE broker_dispatches d SET state = 'failed', args = '{}'::jsonb, "updatedAt" = now(),
            error = CASE WHEN d."deadlineAt" < now() THEN '{"code":"timeout","message":"the dispatch passed its deadline"}'
                         ELSE '{"code":"broker_unavailable","message":"the replica running the dispatch stopped answering"}' END
      WHERE (d.state IN ('pending', 'in_progress') AND d."deadlineAt" < now())
         OR (d.state = 'in_progress' AND NOT EXISTS (SELECT 1 FROM hub_replicas r WHERE r.id = d."claimedBy" AND r."lastSeenAt" > now() - ($1::int * interval '1 millisecond')))
      RETURNING d.id::text AS id`,
    [REPLICA_STALE_MS],
  );
  for (const { id } of rows)
    await runtime.events
      .publish({ subject: `dispatch.done.${id}`, data: { id, state: "failed" } })
      .catch(() => undefined);
  if (rows.length) runtime.logger.warn({ reaped: rows.length }, "failed stuck dispatches");
  return rows.length;
}

/**
 * Messages left pending for a running agent (a nudge lost on the way): the replica holding the
 * agent's broker is nudged again. Messages pending for ten minutes are logged as stuck.
 */
export async function sweepPendingMessages(runtime: HubRuntime): Promise<{ nudged: number; stuck: number }> {
  const { rows } = await runtime.db.pool.query<{ agentId: string; owner: string; stuck: boolean }>(
    `SELECT m."agentId"::text AS "agentId", b."connectedHubId" AS owner, bool_or(m."createdAt" < now() - interval '10 minutes') AS stuck
       FROM messages m JOIN agents a ON a.id = m."agentId" JOIN runtime_brokers b ON b.id = a."brokerId"
      WHERE m."dispatchState" = 'pending' AND m."createdAt" < now() - interval '30 seconds' AND a.phase = 'running' AND b."connectedHubId" IS NOT NULL
      GROUP BY m."agentId", b."connectedHubId"`,
  );
  for (const row of rows)
    await runtime.events
      .publish({ subject: `dispatch.messages.${row.owner}`, data: { agentId: row.agentId } })
      .catch(() => undefined);
  const stuck = rows.filter((r) => r.stuck).length;
  if (stuck) runtime.logger.warn({ agents: stuck }, "messages pending for over ten minutes");
  return { nudged: rows.length, stuck };
}

/** Messages dispatched or failed more than `days` ago are deleted, a batch at a time. */
export async function purgeOldMessages(runtime: HubRuntime, days = 30): Promise<number> {
  let total = 0;
  for (;;) {
    const { rowCount } = await runtime.db.pool.query(
      `DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE "createdAt" < now() - ($1::int * interval '1 day') AND "dispatchState" <> 'pending' LIMIT 5000)`,
      [days],
    );
    total += rowCount ?? 0;
    if ((rowCount ?? 0) < 5000) return total;
  }
}
