import type pg from "pg";

/**
 * Runs `work` in one transaction on a client of its own from the pool: committed when `work`
 * returns, rolled back when it throws (the error goes on), the client always released. For raw
 * SQL that Prisma's `$transaction` cannot carry: `FOR UPDATE SKIP LOCKED`, or an event published
 * in the same transaction (`events.publishIn`).
 */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
