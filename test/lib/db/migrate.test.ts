import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { captureLogger } from "../../silent-logger";
import { createTestDatabase, type TestDatabase } from "../../test-database";
import { migrate } from "../../../lib/db/migrate";
import { defaultMigrationsDir, readMigrationFiles, type MigrationFile } from "../../../lib/db/migrations";
import { StartupError } from "../../../lib/runtime/startup-error";

const shipped = readMigrationFiles(defaultMigrationsDir());
const databases: TestDatabase[] = [];

async function emptyDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase({ empty: true });
  databases.push(db);
  return db;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

type MigrationRow = {
  id: string;
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  applied_steps_count: number;
};
const recorded = (url: string) =>
  query<MigrationRow>(
    url,
    `SELECT id, migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`,
  );

afterEach(async () => {
  await Promise.all(databases.splice(0).map((d) => d.drop()));
});

describe("migrate", () => {
  it("ships at least the initial migration, with Prisma's lock file", () => {
    expect(shipped.length).toBeGreaterThanOrEqual(1);
    expect(fs.readFileSync(path.join(defaultMigrationsDir(), "migration_lock.toml"), "utf8")).toContain(
      'provider = "postgresql"',
    );
  });

  it("applies every migration to an empty database and records each as Prisma does", async () => {
    const db = await emptyDatabase();
    const { logger } = captureLogger();
    const result = await migrate({ connectionString: db.url, migrations: shipped, logger });

    expect(result).toEqual({ applied: shipped.map((m) => m.name), alreadyApplied: 0 });
    const rows = await recorded(db.url);
    expect(rows.map((r) => r.migration_name)).toEqual(shipped.map((m) => m.name));
    for (const [i, row] of rows.entries()) {
      const sql = fs.readFileSync(path.join(defaultMigrationsDir(), row.migration_name, "migration.sql"));
      expect(row.checksum).toBe(crypto.createHash("sha256").update(sql).digest("hex"));
      expect(row.checksum).toBe(shipped[i]!.checksum);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.applied_steps_count).toBe(1);
    }
    const tables = await query<{ table_name: string }>(
      db.url,
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining([
        "users",
        "projects",
        "agents",
        "runtime_brokers",
        "broker_dispatches",
        "messages",
        "maintenance_runs",
        "audit_events",
        "event_payloads",
      ]),
    );
  });

  it("re-running applies nothing and leaves the records untouched", async () => {
    const db = await emptyDatabase();
    const { logger } = captureLogger();
    await migrate({ connectionString: db.url, migrations: shipped, logger });
    const before = await recorded(db.url);

    const again = await migrate({ connectionString: db.url, migrations: shipped, logger });

    expect(again).toEqual({ applied: [], alreadyApplied: shipped.length });
    expect(await recorded(db.url)).toEqual(before);
  });

  it("three migrators started together apply each migration exactly once", async () => {
    const db = await emptyDatabase();
    const extra: MigrationFile = {
      name: "99990101000000_probe",
      sql: `CREATE TABLE probe_counter (n int); INSERT INTO probe_counter VALUES (1);`,
      checksum: "0".repeat(64),
    };
    const migrations = [...shipped, extra];
    const { logger } = captureLogger();

    const results = await Promise.all([1, 2, 3].map(() => migrate({ connectionString: db.url, migrations, logger })));

    const appliedCounts = results.map((r) => r.applied.length).sort();
    expect(appliedCounts).toEqual([0, 0, migrations.length]);
    const rows = await recorded(db.url);
    expect(rows.map((r) => r.migration_name)).toEqual(migrations.map((m) => m.name));
    // Had the probe run twice, its table would hold two rows (or the second CREATE would have failed).
    expect(await query(db.url, "SELECT n FROM probe_counter")).toEqual([{ n: 1 }]);
  });

  it("a failing migration is rolled back whole and named in the error", async () => {
    const db = await emptyDatabase();
    const { logger } = captureLogger();
    await migrate({ connectionString: db.url, migrations: shipped, logger });
    const broken: MigrationFile = {
      name: "99990101000000_broken",
      sql: `CREATE TABLE half_done (id int); SELECT * FROM no_such_table;`,
      checksum: "1".repeat(64),
    };

    const failure = migrate({ connectionString: db.url, migrations: [...shipped, broken], logger });

    await expect(failure).rejects.toBeInstanceOf(StartupError);
    await expect(failure).rejects.toThrow(
      /"99990101000000_broken" failed and was rolled back: relation "no_such_table" does not exist/,
    );
    expect((await recorded(db.url)).map((r) => r.migration_name)).toEqual(shipped.map((m) => m.name));
    expect(await query(db.url, `SELECT to_regclass('half_done') AS t`)).toEqual([{ t: null }]);
  });

  it("warns when an applied migration's file changed and does not re-run it", async () => {
    const db = await emptyDatabase();
    const { logger, lines } = captureLogger();
    await migrate({ connectionString: db.url, migrations: shipped, logger });
    const edited = shipped.map((m, i) => (i === 0 ? { ...m, checksum: "f".repeat(64) } : m));

    const result = await migrate({ connectionString: db.url, migrations: edited, logger });

    expect(result.applied).toEqual([]);
    expect(
      lines().some(
        (l) =>
          l.level === 40 && l.migration === shipped[0]!.name && String(l.msg).includes("changed after it was applied"),
      ),
    ).toBe(true);
  });
});
