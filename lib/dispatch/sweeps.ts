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
 * Intents that cannot finish where they are. Past their deadline (pending or in progress) they
 * fail — never run late — and whoever waits for them hears so at once. In progress on a replica
 * that has gone silent but still within their deadline, they go back to pending and the replica
 * now holding their broker is nudged: every broker operation is idempotent (see drainBroker), so
 * running one again finishes it with one effect, where failing it would lose a call the broker
 * could still answer (a broker that reconnects after the dead replica's row went stale).
 */
export async function reapStuckDispatches(runtime: HubRuntime): Promise<{ failed: number; requeued: number }> {
  const { db, events, logger } = runtime;
  const { rows: failed } = await db.pool.query<{ id: string }>(
    `UPDATE broker_dispatches SET state = 'failed', args = '{}'::jsonb, "updatedAt" = now(),
            error = '{"code":"timeout","message":"the dispatch passed its deadline"}'
      WHERE state IN ('pending', 'in_progress') AND "deadlineAt" < now()
      RETURNING id::text AS id`,
  );
  for (const { id } of failed)
    await events.publish({ subject: `dispatch.done.${id}`, data: { id, state: "failed" } }).catch(() => undefined);
  const { rows: requeued } = await db.pool.query<{ id: string; owner: string | null }>(
    `UPDATE broker_dispatches d SET state = 'pending', "claimedBy" = NULL, "claimedAt" = NULL, "updatedAt" = now()
       FROM runtime_brokers b
      WHERE b.id = d."brokerId" AND d.state = 'in_progress' AND d."deadlineAt" >= now()
        AND NOT EXISTS (SELECT 1 FROM hub_replicas r WHERE r.id = d."claimedBy" AND r."lastSeenAt" > now() - ($1::int * interval '1 millisecond'))
      RETURNING d.id::text AS id, b."connectedHubId" AS owner`,
    [REPLICA_STALE_MS],
  );
  // Without a holder the intent waits: the replica that claims the broker drains it on connect.
  for (const { id, owner } of requeued)
    if (owner) await events.publish({ subject: `dispatch.new.${owner}`, data: { id } }).catch(() => undefined);
  if (failed.length) logger.warn({ failed: failed.length }, "failed dispatches past their deadline");
  if (requeued.length)
    logger.warn({ requeued: requeued.length }, "requeued dispatches whose replica stopped answering");
  return { failed: failed.length, requeued: requeued.length };
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
