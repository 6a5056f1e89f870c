/**
 * `scion server migrate --to <postgres-url> [--drop-source]` (cli/commands/server.ts runs this file
 * with tsx, as its own process: it needs the hub's database code, which the command line's bundle
 * leaves out): copy this data directory's embedded database to a shared Postgres, verify every
 * table's row count, and (only with --drop-source, only after the check) remove the embedded one.
 */
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { loadConfig } from "../../lib/config/load-config";
import { copyDatabase } from "../../lib/db/copy-database";
import { describeDatabaseUrl } from "../../lib/db/create-database";
import { startEmbeddedPostgres } from "../../lib/db/embedded-postgres";
import { defaultMigrationsDir, readMigrationFiles } from "../../lib/db/migrations";
import { createLogger } from "../../lib/log/create-logger";
import { recordedStateDir } from "../../lib/runtime/reachable-state-dir";
import { StartupError } from "../../lib/runtime/startup-error";

const USAGE = "usage: scion server migrate --to postgres://user:pass@host:5432/db [--drop-source]";
const ROOT = path.resolve(import.meta.dirname, "..", "..");

const migrateArgs = z
  .object({
    to: z.string({ error: "--to is required" }).refine((s) => /^postgres(ql)?:\/\/[^\s]+$/.test(s), {
      error: "--to must be a postgres:// or postgresql:// URL",
    }),
    dropSource: z.boolean().default(false),
  })
  .strict();

function parseArgs(argv: string[]): z.output<typeof migrateArgs> {
  const raw: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--drop-source") raw.dropSource = true;
    else if (arg === "--to") raw.to = argv[++i];
    else if (arg.startsWith("--to=")) raw.to = arg.slice(5);
    else throw new StartupError(`unknown argument ${JSON.stringify(arg.slice(0, 60))}\n${USAGE}`);
  }
  const parsed = migrateArgs.safeParse(raw);
  if (!parsed.success) throw new StartupError(`${parsed.error.issues[0]!.message}\n${USAGE}`);
  return parsed.data;
}

async function serverMigrate(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const config = loadConfig();
  if (config.databaseUrl)
    throw new StartupError(
      "DATABASE_URL is set: this hub already uses a shared Postgres; unset it to migrate the embedded database in SCION_DATA_DIR",
    );
  const pgDir = path.join(recordedStateDir(config.dataDirPath) ?? config.dataDirPath, "postgres");
  if (!fs.existsSync(path.join(pgDir, "PG_VERSION")))
    throw new StartupError(`there is no embedded database in ${pgDir}`);
  const logger = createLogger({ level: "warn" });
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`Copying the embedded database in ${config.dataDirPath} to ${describeDatabaseUrl(args.to)}`);
  // Refuses (with a clear message) while a hub still runs on this data directory.
  const embedded = await startEmbeddedPostgres({ dataDir: config.dataDirPath, clusterDir: pgDir, logger });
  let verified = false;
  try {
    const tty = process.stdout.isTTY;
    const result = await copyDatabase({
      sourceUrl: embedded.url,
      targetUrl: args.to,
      migrations: readMigrationFiles(defaultMigrationsDir(ROOT)),
      logger,
      onProgress: ({ table, copied, total }) => {
        if (tty) process.stdout.write(`\r  ${table}: ${copied}/${total}\x1b[K`);
        else if (copied === total) out(`  ${table}: ${copied}/${total}`);
      },
    });
    if (tty) process.stdout.write("\r\x1b[K");
    out(
      `Verified ${result.tables.length} tables, ${result.tables.reduce((n, t) => n + t.target, 0)} rows; every table's row count matches:`,
    );
    for (const t of result.tables) out(`  ${t.table.padEnd(24)} ${String(t.target).padStart(8)}`);
    verified = true;
  } finally {
    await embedded.stop();
  }
  if (verified && args.dropSource) {
    fs.rmSync(pgDir, { recursive: true, force: true });
    fs.rmSync(path.join(config.dataDirPath, "postgres-credentials.json"), { force: true });
    out(`Removed the embedded database (${pgDir}).`);
  } else {
    out(
      "The embedded database is kept; run again with --drop-source to remove it once the hub runs on the shared one.",
    );
  }
  const secretFile = path.join(config.dataDirPath, "session-secret");
  out(
    `Next: start every replica with DATABASE_URL set to the shared database${fs.existsSync(secretFile) ? ` and SESSION_SECRET set to the contents of ${secretFile}` : ""}.`,
  );
}

async function main(argv: string[]): Promise<number> {
  await serverMigrate(argv);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      err instanceof StartupError ? `scion: ${err.message}\n` : `scion: ${(err as Error)?.message ?? String(err)}\n`,
    );
    process.exit(1);
  },
);
