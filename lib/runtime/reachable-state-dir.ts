import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { StartupError } from "./startup-error";

/** Where a root hub keeps its reachable state when its data directory is out of others' reach. */
export const RELOCATED_STATE_ROOT = "/var/lib/scion-hub";
/** The file in the data directory that records the relocated directory. */
export const STATE_DIR_RECORD = "state-dir";

/**
 * The directory that holds what users other than the hub's must reach: the embedded Postgres
 * cluster (`postgres/`, run as the `postgres` system user when the hub is root) and the local
 * broker's directory (`broker/`, whose agents run as users of their own).
 *
 * Normally that is the data directory itself. As root with a data directory others cannot pass
 * through (a checkout under `/root`, a `mktemp -d`), it is a per-instance directory
 * `/var/lib/scion-hub/<id>` instead, recorded in `<dataDir>/state-dir` so that every later start
 * finds the same one; the data directory keeps the secrets (session secret, database credentials).
 * A cluster already made in the data directory is never moved: the hub refuses, saying why.
 */
export function reachableStateDir(dataDir: string, opts: { root?: string; isRoot?: boolean } = {}): string {
  const record = path.join(dataDir, STATE_DIR_RECORD);
  const recorded = recordedStateDir(dataDir);
  if (recorded) {
    if (!fs.statSync(recorded, { throwIfNoEntry: false })?.isDirectory())
      throw new StartupError(
        `SCION_DATA_DIR: ${record} names ${recorded}, which is missing (the embedded database and the local broker's agents were there); restore it, or remove ${record} to start with a new embedded database`,
      );
    return recorded;
  }
  const isRoot = opts.isRoot ?? process.getuid?.() === 0;
  const blocked = isRoot ? untraversableParent(dataDir) : undefined;
  if (!blocked) return dataDir;
  if (fs.existsSync(path.join(dataDir, "postgres", "PG_VERSION")))
    throw new StartupError(
      `SCION_DATA_DIR: the embedded database in ${path.join(dataDir, "postgres")} cannot be reached by the 'postgres' system user (Postgres cannot run as root) because ${blocked} is closed to others; chmod o+x ${blocked}, or move the data directory`,
    );

  const root = opts.root ?? RELOCATED_STATE_ROOT;
  fs.mkdirSync(root, { recursive: true, mode: 0o711 });
  const dir = path.join(root, crypto.randomBytes(6).toString("hex"));
  fs.mkdirSync(dir, { mode: 0o711 });
  fs.chmodSync(dir, 0o711);
  const blockedRoot = untraversableParent(path.join(dir, "x"));
  if (blockedRoot) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new StartupError(
      `SCION_DATA_DIR: ${dataDir} is closed to others (${blocked}) and so is ${blockedRoot}, where the hub would keep its database instead; chmod o+x one of them`,
    );
  }
  const tmp = `${record}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${dir}\n`, { mode: 0o600 });
  fs.renameSync(tmp, record);
  return dir;
}

/** The state directory recorded in `<dataDir>/state-dir`, if any; never creates one. */
export function recordedStateDir(dataDir: string): string | undefined {
  const file = path.join(dataDir, STATE_DIR_RECORD);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8").trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new StartupError(`SCION_DATA_DIR: cannot read ${file} (${(err as NodeJS.ErrnoException).code})`);
  }
  if (!path.isAbsolute(text) || text.includes("\n"))
    throw new StartupError(`SCION_DATA_DIR: ${file} should hold one absolute directory path`);
  return text;
}

/** The first directory above `target` (itself excluded) that others may not pass through. */
export function untraversableParent(target: string): string | undefined {
  for (let dir = path.dirname(path.resolve(target)); ; dir = path.dirname(dir)) {
    const mode = fs.statSync(dir, { throwIfNoEntry: false })?.mode;
    if (mode !== undefined && (mode & 0o001) === 0) return dir;
    if (dir === path.dirname(dir)) return undefined;
  }
}
