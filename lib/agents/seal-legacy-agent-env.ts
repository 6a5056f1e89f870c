import type pg from "pg";
import type { Logger } from "../log/create-logger";
import { sealAgentEnv, toEnvMap } from "./agent-env";

const BATCH = 500;

/**
 * Seals the env maps of agents created before env was sealed at rest. SQL cannot seal (the key
 * comes from SESSION_SECRET, which the database never sees), so the migration
 * `sealed_agent_env` moved non-empty maps aside into "legacyEnv" and every boot finishes the job
 * here, before the hub serves a request: a batch at a time, with progress, each row written only
 * while its plaintext is still there, so replicas booting together seal each row once.
 */
export async function sealLegacyAgentEnv(pool: pg.Pool, rootSecret: string, logger: Logger): Promise<number> {
  let sealed = 0;
  for (;;) {
    const { rows } = await pool.query<{ id: string; env: unknown }>(
      `SELECT id::text AS id, "legacyEnv" AS env FROM agents WHERE "legacyEnv" IS NOT NULL ORDER BY id LIMIT ${BATCH}`,
    );
    if (rows.length === 0) break;
    const { rowCount } = await pool.query(
      `UPDATE agents a SET "envSealed" = v.sealed, "legacyEnv" = NULL
         FROM unnest($1::uuid[], $2::text[]) AS v(id, sealed)
        WHERE a.id = v.id AND a."legacyEnv" IS NOT NULL`,
      [rows.map((r) => r.id), rows.map((r) => sealAgentEnv(rootSecret, toEnvMap(r.env)))],
    );
    sealed += rowCount ?? 0;
    logger.info({ sealed }, "sealing agents' environment at rest");
  }
  return sealed;
}
