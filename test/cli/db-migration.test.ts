import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const SCRIPT = path.join(ROOT, "cli", "db-migration.ts");

/** A scratch copy of the project's Prisma files, sharing node_modules, to change the schema in. */
function scratchProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-dbmig-"));
  fs.chmodSync(dir, 0o755);
  fs.cpSync(path.join(ROOT, "prisma"), path.join(dir, "prisma"), { recursive: true });
  fs.copyFileSync(path.join(ROOT, "prisma.config.ts"), path.join(dir, "prisma.config.ts"));
  fs.copyFileSync(path.join(ROOT, "package.json"), path.join(dir, "package.json"));
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  return dir;
}

function runMigrationScript(cwd: string, ...args: string[]) {
  const res = spawnSync(process.execPath, ["--import", "tsx", SCRIPT, ...args], {
    cwd,
    encoding: "utf8",
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "test" },
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

const migrationDirs = (cwd: string) =>
  fs
    .readdirSync(path.join(cwd, "prisma", "migrations"))
    .filter((d) => fs.statSync(path.join(cwd, "prisma", "migrations", d)).isDirectory())
    .sort();

const snapshotFolders = (cwd: string) =>
  migrationDirs(cwd).filter((d) => fs.existsSync(path.join(cwd, "prisma", "migrations", d, "schema.prisma")));

describe("npm run db:migration", () => {
  it("writes the next migration from a schema change, and nothing when there is none", () => {
    const cwd = scratchProject();
    const before = migrationDirs(cwd);

    const unchanged = runMigrationScript(cwd, "noop");
    expect(unchanged.stderr).toBe("");
    expect(unchanged.stdout).toContain("nothing written");
    expect(migrationDirs(cwd)).toEqual(before);

    const schemaFile = path.join(cwd, "prisma", "schema.prisma");
    fs.writeFileSync(
      schemaFile,
      fs
        .readFileSync(schemaFile, "utf8")
        // After the project's gitRemote line, whatever its alignment.
        .replace(/^( +gitRemote +String\?.*)$/m, "$1\n  note            String?"),
    );
    const changed = runMigrationScript(cwd, "add_project_note");
    expect(changed.code).toBe(0);
    const added = migrationDirs(cwd).filter((d) => !before.includes(d));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatch(/^\d{14}_add_project_note$/);
    expect(changed.stdout).toContain(`Wrote prisma/migrations/${added[0]}/migration.sql`);
    const sql = fs.readFileSync(path.join(cwd, "prisma", "migrations", added[0]!, "migration.sql"), "utf8");
    expect(sql).toContain(`ALTER TABLE "projects" ADD COLUMN     "note" TEXT;`);
    expect(sql).not.toContain("CREATE TABLE");
    expect(fs.readFileSync(path.join(cwd, "prisma", "migrations", added[0]!, "schema.prisma"), "utf8")).toContain(
      "note            String?",
    );
    // The snapshot moved: one copy of the schema, in the newest migration, not one per migration.
    expect(snapshotFolders(cwd)).toEqual([added[0]]);
    // Two runs, each starting a throwaway Postgres: about 10 s idle, several times that on a busy machine.
  }, 180_000);

  it("the repository keeps one schema snapshot, the newest migration's, and it matches the schema", () => {
    const dirs = migrationDirs(ROOT);
    expect(snapshotFolders(ROOT)).toEqual([dirs.at(-1)]);
    // A schema change committed without its migration would be diffed against a stale snapshot later.
    expect(fs.readFileSync(path.join(ROOT, "prisma", "migrations", dirs.at(-1)!, "schema.prisma"), "utf8")).toBe(
      fs.readFileSync(path.join(ROOT, "prisma", "schema.prisma"), "utf8"),
    );
  });

  it("refuses a migration name that is not lower_snake_case", () => {
    const res = runMigrationScript(scratchProject(), "Add Note");
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toBe("the migration name must be lower_snake_case (a-z, 0-9, _), at most 61 characters");
  });
});
