/**
 * One embedded Postgres for the whole Vitest run. It holds a template database with every
 * migration applied; each test file clones it (CREATE DATABASE … TEMPLATE) through
 * test/test-database.ts, so files never share state and never pay for migrations twice.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../lib/db/embedded-postgres";
import { migrate } from "../lib/db/migrate";
import { defaultMigrationsDir, readMigrationFiles } from "../lib/db/migrations";
import { createLogger } from "../lib/log/create-logger";
import { reapAgentsUnder } from "./reap-agents";
// @ts-expect-error plain ESM script without types
import { buildIfStale } from "../scripts/build-if-stale.mjs";
import { buildServerIfStale } from "../scripts/build-server.mjs";

export const TEMPLATE_DATABASE = "scion_template";

declare module "vitest" {
  export interface ProvidedContext {
    postgresAdminUrl: string;
    templateDatabase: string;
  }
}

let server: EmbeddedPostgres | undefined;
let dir: string | undefined;
let runTmp: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  // API tests serve the production build in-process; never let them test stale handlers. Tests of
  // what runs the server bundle (the migration Job, images) get a current one too.
  const root = path.resolve(import.meta.dirname, "..");
  (buildIfStale as (root: string) => boolean)(root);
  await (buildServerIfStale as (root: string) => Promise<string>)(root);
  // Every temporary directory of this run (hubs, brokers, agents) lives under one directory that
  // the teardown removes with the agents in it; 0711 so agents' and Postgres's users pass through.
  runTmp = fs.mkdtempSync(path.join(os.tmpdir(), "scion-run-"));
  fs.chmodSync(runTmp, 0o711);
  process.env.TMPDIR = runTmp;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-test-pg-"));
  fs.chmodSync(dir, 0o755);
  const logger = createLogger({ level: "warn", pretty: false });
  server = await startEmbeddedPostgres({ dataDir: dir, logger, database: TEMPLATE_DATABASE });
  await migrate({ connectionString: server.url, migrations: readMigrationFiles(defaultMigrationsDir()), logger });
  const adminUrl = server.url.replace(new RegExp(`/${TEMPLATE_DATABASE}$`), "/postgres");
  // A template must have no open connections while it is cloned.
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`ALTER DATABASE ${TEMPLATE_DATABASE} WITH ALLOW_CONNECTIONS false IS_TEMPLATE true`);
  await admin.end();
  project.provide("postgresAdminUrl", adminUrl);
  project.provide("templateDatabase", TEMPLATE_DATABASE);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  if (runTmp) {
    reapAgentsUnder(runTmp);
    fs.rmSync(runTmp, { recursive: true, force: true });
  }
}
