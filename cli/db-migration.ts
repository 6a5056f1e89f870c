/**
 * `npm run db:migration -- <name>`: writes prisma/migrations/<timestamp>_<name>/migration.sql
 * from the difference between the existing migrations and prisma/schema.prisma.
 *
 * Prisma's JS engine cannot introspect Postgres here ("Column type 'name' could not be
 * deserialized"), so the newest migration folder keeps the schema it was written from
 * (schema.prisma, the only snapshot: it moves to each new migration) and the next migration is the
 * datamodel-to-datamodel diff from that snapshot. The
 * engine still insists on connecting to a database, so a throwaway embedded Postgres is started;
 * it also proves the new SQL applies on top of the existing migrations before anything is
 * written. Nothing is written when the schema has not changed.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { startEmbeddedPostgres } from "../lib/db/embedded-postgres";
import { migrate } from "../lib/db/migrate";
import { defaultMigrationsDir, readMigrationFiles } from "../lib/db/migrations";
import { createLogger } from "../lib/log/create-logger";

/** The schema the newest migration was written from; only the newest migration folder has one. */
const SNAPSHOT = "schema.prisma";

const nameSchema = z.string({ error: "usage: npm run db:migration -- <name>" }).regex(/^[a-z0-9][a-z0-9_]{0,60}$/, {
  error: "the migration name must be lower_snake_case (a-z, 0-9, _), at most 61 characters",
});

async function main(): Promise<number> {
  const parsed = nameSchema.safeParse(process.argv[2]);
  if (!parsed.success) {
    console.error(parsed.error.issues[0]!.message);
    return 2;
  }
  const root = process.cwd();
  const logger = createLogger({ level: "warn", pretty: false });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-migration-"));
  fs.chmodSync(dir, 0o755);
  const pgServer = await startEmbeddedPostgres({ dataDir: dir, logger, database: "diff" });
  try {
    const migrationsDir = defaultMigrationsDir(root);
    const existing = readMigrationFiles(migrationsDir);
    const last = existing.at(-1);
    const snapshot = last && path.join(migrationsDir, last.name, SNAPSHOT);
    if (snapshot && !fs.existsSync(snapshot)) {
      console.error(
        `${path.relative(root, snapshot)} is missing: it records the schema that migration was written from`,
      );
      return 1;
    }
    const from = snapshot ? ["--from-schema-datamodel", snapshot] : ["--from-empty"];
    const diff = spawnSync(
      process.execPath,
      [
        path.join(root, "node_modules", "prisma", "build", "index.js"),
        "migrate",
        "diff",
        ...from,
        "--to-schema-datamodel",
        "prisma/schema.prisma",
        "--script",
      ],
      { cwd: root, encoding: "utf8", env: { ...process.env, DATABASE_URL: pgServer.url } },
    );
    if (diff.status !== 0) {
      console.error(diff.stderr.trim() || diff.stdout.trim());
      return 1;
    }
    const sql = diff.stdout.replace(/^Loaded Prisma config.*\n+/m, "");
    if (!/\b(CREATE|ALTER|DROP)\b/i.test(sql)) {
      console.log("The schema matches the existing migrations; nothing written.");
      return 0;
    }
    const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
    const name = `${stamp}_${parsed.data}`;
    const candidate = [...existing, { name, sql, checksum: "" }];
    await migrate({ connectionString: pgServer.url, migrations: candidate, logger });
    const target = path.join(migrationsDir, name);
    fs.mkdirSync(target, { recursive: true });
    fs.writeFileSync(path.join(target, "migration.sql"), sql.trimEnd() + "\n");
    fs.copyFileSync(path.join(root, "prisma", "schema.prisma"), path.join(target, SNAPSHOT));
    if (snapshot) fs.rmSync(snapshot);
    console.log(`Wrote ${path.relative(root, target)}/migration.sql`);
    return 0;
  } finally {
    await pgServer.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err.message);
    process.exit(1);
  },
);
