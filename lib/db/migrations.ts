import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

export interface MigrationFile {
  /** Folder name, `<timestamp>_<name>`; also the order of application. */
  name: string;
  sql: string;
  /** Hex SHA-256 of migration.sql, as Prisma records it. */
  checksum: string;
}

/** The migrations shipped with this build, oldest first. */
export function readMigrationFiles(dir: string): MigrationFile[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(dir, d.name, "migration.sql")))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: crypto.createHash("sha256").update(sql).digest("hex") };
    });
}

/** Where the migrations live relative to the repository root. */
export function defaultMigrationsDir(root = process.cwd()): string {
  return path.join(root, "prisma", "migrations");
}
