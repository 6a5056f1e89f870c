import type { HubRuntime } from "../runtime/hub-runtime";

/** A replica that has not touched its row for this long is presumed gone. */
export const REPLICA_STALE_MS = 30_000;
export const REPLICA_HEARTBEAT_MS = 10_000;

/**
 * Records this replica in hub_replicas (id, internal URL) and keeps its lastSeenAt fresh, so
 * others can tell whether the replica holding a broker is alive and where to reach it.
 * Returns a stop function that also removes the row.
 */
export async function registerReplica(runtime: HubRuntime): Promise<() => Promise<void>> {
  const { db, hubId, config, logger } = runtime;
  const touch = () =>
    db.pool.query(
      `INSERT INTO hub_replicas (id, "internalUrl", "startedAt", "lastSeenAt") VALUES ($1, $2, now(), now())
       ON CONFLICT (id) DO UPDATE SET "lastSeenAt" = now(), "internalUrl" = EXCLUDED."internalUrl"`,
      [hubId, config.internalUrl],
    );
  await touch();
  const timer = setInterval(
    () => void touch().catch((err: Error) => logger.warn({ err: err.message }, "recording this replica failed")),
    REPLICA_HEARTBEAT_MS,
  );
  timer.unref();
  return async () => {
    clearInterval(timer);
    await db.pool.query(`DELETE FROM hub_replicas WHERE id = $1`, [hubId]).catch(() => undefined);
  };
}
