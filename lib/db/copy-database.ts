import pg from "pg";
import type { Logger } from "../log/create-logger";
import { migrate } from "./migrate";
import type { MigrationFile } from "./migrations";

/** Tables whose rows mean nothing outside the process that wrote them. */
const SKIP = new Set(["_prisma_migrations", "hub_replicas", "event_payloads"]);
const BATCH = 1000;

export interface CopyProgress {
  table: string;
  copied: number;
  total: number;
}

export interface CopyResult {
  tables: Array<{ table: string; source: number; target: number }>;
}

/**
 * Copies every table of the hub's schema from one Postgres to another: the target gets the
 * migrations first (under the usual advisory lock), then each table in dependency order
 * (parents before children), in batches of 1,000 rows inserted with ON CONFLICT DO NOTHING, so
 * running it again adds nothing twice. Afterwards every table's row count must match on both
 * sides; a mismatch (rows on the target the source does not have, or a copy cut short) is an
 * error naming the tables. Progress is reported per batch.
 */
export async function copyDatabase(opts: {
  sourceUrl: string;
  targetUrl: string;
  migrations: MigrationFile[];
  logger: Logger;
  onProgress?: (p: CopyProgress) => void;
}): Promise<CopyResult> {
  await migrate({ connectionString: opts.targetUrl, migrations: opts.migrations, logger: opts.logger });
  const source = new pg.Client({ connectionString: opts.sourceUrl, application_name: "scion-migrate-source" });
  const target = new pg.Client({ connectionString: opts.targetUrl, application_name: "scion-migrate-target" });
  await source.connect();
  await target.connect();
  try {
    const tables = await tablesInDependencyOrder(source);
    const result: CopyResult["tables"] = [];
    for (const table of tables) {
      const total = Number((await source.query<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`)).rows[0]!.n);
      let copied = 0;
      opts.onProgress?.({ table, copied, total });
      // One snapshot of the source table, read through a cursor.
      await source.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      try {
        await source.query(`DECLARE rows_cursor NO SCROLL CURSOR FOR SELECT row_to_json(t) AS r FROM "${table}" t`);
        for (;;) {
          const { rows } = await source.query<{ r: unknown }>(`FETCH ${BATCH} FROM rows_cursor`);
          if (rows.length === 0) break;
          await target.query(
            `INSERT INTO "${table}" SELECT * FROM json_populate_recordset(NULL::"${table}", $1::json) ON CONFLICT DO NOTHING`,
            [JSON.stringify(rows.map((x) => x.r))],
          );
          copied += rows.length;
          opts.onProgress?.({ table, copied, total });
        }
      } finally {
        await source.query("COMMIT").catch(() => undefined);
      }
      const sourceCount = Number(
        (await source.query<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`)).rows[0]!.n,
      );
      const targetCount = Number(
        (await target.query<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`)).rows[0]!.n,
      );
      result.push({ table, source: sourceCount, target: targetCount });
    }
    const mismatched = result.filter((r) => r.source !== r.target);
    if (mismatched.length) {
      throw new Error(
        `row counts differ after the copy: ${mismatched.map((m) => `${m.table} (source ${m.source}, target ${m.target})`).join(", ")}`,
      );
    }
    return { tables: result };
  } finally {
    await source.end().catch(() => undefined);
    await target.end().catch(() => undefined);
  }
}

/** The public tables of the schema, each after every table it references. */
async function tablesInDependencyOrder(client: pg.Client): Promise<string[]> {
  const tables = (
    await client.query<{ name: string }>(
      `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
    )
  ).rows
    .map((r) => r.name)
    .filter((t) => !SKIP.has(t));
  const edges = (
    await client.query<{ child: string; parent: string }>(
      `SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent FROM pg_constraint c WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace`,
    )
  ).rows.map((e) => ({ child: e.child.replace(/"/g, ""), parent: e.parent.replace(/"/g, "") }));
  const ordered: string[] = [];
  const visiting = new Set<string>();
  const visit = (t: string) => {
    if (ordered.includes(t) || visiting.has(t)) return;
    visiting.add(t);
    for (const e of edges) if (e.child === t && e.parent !== t && tables.includes(e.parent)) visit(e.parent);
    visiting.delete(t);
    ordered.push(t);
  };
  for (const t of tables) visit(t);
  return ordered;
}
