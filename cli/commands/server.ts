/**
 * `scion server start|migrate`: the hub itself. These need the hub's code (Next.js, Prisma,
 * embedded Postgres), which the command line's bundle leaves out to start fast, so each runs as a
 * child process of this one (TypeScript through tsx), with the terminal and signals passed on.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import type { Command } from "commander";
import * as z from "zod/mini";
import { parseWith } from "../lib/args";
import { usageError } from "../lib/errors";
import { examples } from "../lib/help";

declare const __SCION_ROOT__: string | undefined;
/** The repository: set by the bundler (scripts/build-cli.mjs), or this file's grandparent under tsx. */
const ROOT = typeof __SCION_ROOT__ === "string" ? __SCION_ROOT__ : path.resolve(import.meta.dirname, "..", "..");

const postgresUrl = parseWith(
  z.string().check(z.regex(/^postgres(ql)?:\/\/[^\s]+$/, { error: "must be a postgres:// or postgresql:// URL" })),
);

function run(args: string[]): Promise<number> {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: "inherit" });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const onInt = forward("SIGINT");
  const onTerm = forward("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  return new Promise((resolve) =>
    child.on("exit", (code, signal) => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      resolve(code ?? (signal ? 128 + (signal === "SIGINT" ? 2 : 15) : 1));
    }),
  );
}

export function registerServer(program: Command): void {
  const server = program.command("server").description("Run or migrate the hub itself (on the hub's machine)");
  examples(
    server
      .command("start")
      .description("Start the hub (as npm start: builds the dashboard when its sources changed)")
      .action(async () => {
        process.exitCode = await run([path.join(ROOT, "scripts", "start.mjs")]);
      }),
    ["scion server start", "PORT=9000 SCION_DATA_DIR=/var/lib/scion scion server start"],
  );
  examples(
    server
      .command("migrate")
      .description(
        "Copy this data directory's embedded database to a shared Postgres and verify it (--to), or apply the hub's pending schema migrations to DATABASE_URL and exit (--apply)",
      )
      .option("--to <url>", "the shared Postgres (postgres://user:pass@host:5432/db)", postgresUrl)
      .option("--drop-source", "remove the embedded database once the copy is verified")
      .option("--apply", "apply pending migrations to DATABASE_URL, as a replica does at boot, and exit")
      .action(async (opts: { to?: string; dropSource?: boolean; apply?: boolean }) => {
        if (opts.apply) {
          if (opts.to || opts.dropSource) throw usageError("--apply takes neither --to nor --drop-source");
          process.exitCode = await run([path.join(ROOT, "scripts", "start.mjs"), "migrate"]);
          return;
        }
        if (!opts.to) throw usageError("--to is required (postgres://user:pass@host:5432/db), or --apply");
        process.exitCode = await run([
          "--import",
          "tsx",
          path.join(ROOT, "cli", "server", "migrate.ts"),
          "--to",
          opts.to,
          ...(opts.dropSource ? ["--drop-source"] : []),
        ]);
      }),
    [
      "scion server migrate --to postgres://scion:secret@db:5432/scion",
      "scion server migrate --to postgres://scion:secret@db:5432/scion --drop-source",
      "DATABASE_URL=postgres://scion:secret@db:5432/scion scion server migrate --apply",
    ],
  );
}
