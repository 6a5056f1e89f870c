import type pg from "pg";

/** Rows one DELETE removes: short statements, so the status batches that insert history never wait long. */
export const HISTORY_PRUNE_BATCH = 10_000;

/**
 * Deletes agents' phase/activity changes older than `days` (0 keeps everything), in batches of
 * HISTORY_PRUNE_BATCH through the BRIN index on createdAt, at most `maxBatches` per run (the
 * hourly job catches up over its next runs). At full activity the table grows by hundreds of
 * millions of rows a day (docs/scaling.md); the agent page reads only the newest 100 per agent.
 * Returns how many rows went.
 */
export async function pruneAgentHistory(pool: pg.Pool, days: number, maxBatches = 100): Promise<number> {
  if (days <= 0) return 0;
  let total = 0;
  for (let i = 0; i < maxBatches; i++) {
    const { rowCount } = await pool.query(
      `DELETE FROM agent_state_changes WHERE ctid = ANY(ARRAY(
         SELECT ctid FROM agent_state_changes WHERE "createdAt" < now() - ($1::int * interval '1 day') LIMIT $2))`,
      [days, HISTORY_PRUNE_BATCH],
    );
    total += rowCount ?? 0;
    if ((rowCount ?? 0) < HISTORY_PRUNE_BATCH) break;
  }
  return total;
}
