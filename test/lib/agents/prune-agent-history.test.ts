import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HISTORY_PRUNE_BATCH, pruneAgentHistory } from "../../../lib/agents/prune-agent-history";
import { createTestDatabase, type TestDatabase } from "../../test-database";

/** The history retention sweep on a real Postgres: old changes go in batches, recent ones stay. */
let db: TestDatabase;
let pool: pg.Pool;
let agentId: string;

/** `count` changes of the agent, `daysAgo` days old (a second apart). */
async function changes(count: number, daysAgo: number): Promise<void> {
  await pool.query(
    `INSERT INTO agent_state_changes (id, "agentId", phase, activity, actor, "createdAt")
     SELECT gen_random_uuid(), $1::uuid, 'running', 'executing', 'agent:x',
            now() - ($3::int * interval '1 day') - (g * interval '1 second')
     FROM generate_series(1, $2::int) AS g`,
    [agentId, count, daysAgo],
  );
}

async function countOlderThan(days: number): Promise<{ old: number; all: number }> {
  const { rows } = await pool.query<{ old: string; all: string }>(
    `SELECT count(*) FILTER (WHERE "createdAt" < now() - ($1::int * interval '1 day')) AS old, count(*) AS all
     FROM agent_state_changes`,
    [days],
  );
  return { old: Number(rows[0]!.old), all: Number(rows[0]!.all) };
}

beforeAll(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  const project = await pool.query<{ id: string }>(
    `INSERT INTO projects (id, slug, name, "createdAt", "updatedAt") VALUES (gen_random_uuid(), 'p', 'p', now(), now()) RETURNING id`,
  );
  const agent = await pool.query<{ id: string }>(
    `INSERT INTO agents (id, slug, name, "projectId", "createdBy", "ownerId", "updatedAt")
     VALUES (gen_random_uuid(), 'a', 'a', $1, 'user:x', 'x', now()) RETURNING id`,
    [project.rows[0]!.id],
  );
  agentId = agent.rows[0]!.id;
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe("pruneAgentHistory", () => {
  it("deletes every change older than the retention in batches, keeps the recent ones, and stops at maxBatches", async () => {
    await changes(2 * HISTORY_PRUNE_BATCH + 500, 40);
    await changes(300, 29);
    await changes(200, 0);

    // One batch only: the rest waits for the next run.
    expect(await pruneAgentHistory(pool, 30, 1)).toBe(HISTORY_PRUNE_BATCH);
    expect(await countOlderThan(30)).toEqual({ old: HISTORY_PRUNE_BATCH + 500, all: HISTORY_PRUNE_BATCH + 1000 });

    expect(await pruneAgentHistory(pool, 30)).toBe(HISTORY_PRUNE_BATCH + 500);
    expect(await countOlderThan(30)).toEqual({ old: 0, all: 500 });
    // Nothing left to do.
    expect(await pruneAgentHistory(pool, 30)).toBe(0);

    // 0 keeps everything; a shorter retention takes the 29-day-old ones too.
    expect(await pruneAgentHistory(pool, 0)).toBe(0);
    expect(await pruneAgentHistory(pool, 7)).toBe(300);
    expect(await countOlderThan(7)).toEqual({ old: 0, all: 200 });
  });
});
