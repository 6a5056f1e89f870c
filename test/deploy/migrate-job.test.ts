/**
 * The migration Job of deploy/kubernetes/migrate, run for real: its container's command and
 * environment, as the manifest writes them, from the repository root (the image's workingDir)
 * against an empty database, then again (nothing left to do), then what the hub would see:
 * no migration pending.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { pendingMigrationNames } from "../../lib/db/migrate";
import { defaultMigrationsDir, readMigrationFiles } from "../../lib/db/migrations";
import { MANIFESTS_DIR, ROOT, readManifests } from "../support/kubernetes-manifests";
import { createTestDatabase, type TestDatabase } from "../test-database";

interface JobContainer {
  command: string[];
  env: Array<{ name: string; value?: string }>;
}

const job = readManifests(path.join(MANIFESTS_DIR, "migrate", "job.yaml")).find((d) => d.doc.kind === "Job")!;
const container = (job.doc.spec as { template: { spec: { containers: JobContainer[] } } }).template.spec.containers[0]!;
const databases: TestDatabase[] = [];

afterAll(async () => {
  for (const db of databases) await db.drop();
});

/** The Job's container, with DATABASE_URL (a secretKeyRef in the manifest) pointing at `url`. */
function runJob(url: string): Promise<{ code: number | null; out: string }> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "" };
  // Only what the manifest gives (DATABASE_URL is a secretKeyRef there), nothing of this process's.
  for (const v of container.env) if (v.value !== undefined) env[v.name] = v.value;
  env.DATABASE_URL = url;
  const [command, ...args] = container.command;
  const child = spawn(command === "node" ? process.execPath : command!, args, {
    cwd: ROOT,
    env: env as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, out })));
}

describe("deploy/kubernetes/migrate/job.yaml", () => {
  it("applies every migration to an empty database, then finds nothing to do", async () => {
    const db = await createTestDatabase({ empty: true });
    databases.push(db);
    const migrations = readMigrationFiles(defaultMigrationsDir(ROOT));

    const first = await runJob(db.url);
    expect(first.code, first.out).toBe(0);
    const summary = first.out
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { msg: string; applied?: string[]; alreadyApplied?: number })
      .find((l) => l.msg === "migrations applied");
    expect(summary?.applied).toEqual(migrations.map((m) => m.name));

    const second = await runJob(db.url);
    expect(second.code, second.out).toBe(0);
    expect(second.out).toContain(`"applied":[],"alreadyApplied":${migrations.length}`);

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const pending = await pendingMigrationNames(
        async (sql, params) => (await client.query<{ migration_name: string }>(sql, params)).rows,
        migrations,
      );
      expect(pending).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it("fails (non-zero) when the database cannot be reached, so the Job is retried and then reported failed", async () => {
    const { code, out } = await runJob("postgresql://nobody:wrong@127.0.0.1:1/none");
    expect(code).not.toBe(0);
    expect(out).toContain("scion-hub: DATABASE_URL: cannot connect to 127.0.0.1:1/none (ECONNREFUSED)");
  });
});
