import { execFile } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import type { HarnessDescriptor } from "../lib/harnesses/types";

const run = promisify(execFile);
const MARKER = ".scion-install.json";

/** What a broker tells the hub about one harness (channel event `broker.harnesses`). */
export interface HarnessStatus {
  id: string;
  /** It can run here: a binary override, an install, or installable on first use. */
  available: boolean;
  version: string | null;
  /** Ready without installing anything. */
  installed: boolean;
}

/** A harness binary ready to run. */
export interface ResolvedHarness {
  bin: string;
  /** Its directory, put on the agent's PATH. */
  binDir: string;
  version: string | null;
}

export interface HarnessInstallerOptions {
  /** SCION_HARNESS_DIR: one npm prefix per `<package>@<version>` below it. */
  dir: string;
  /** SCION_HARNESS_<ID>_BIN values, by descriptor `binEnv`. */
  binOverrides?: Record<string, string | undefined>;
  /** The npm command (default `npm` on PATH). */
  npm?: string;
  /** The npm child's environment (default the broker's: proxies, cache, registry settings). */
  npmEnv?: NodeJS.ProcessEnv;
  installTimeoutMs?: number;
  /** How long another process's install lock is honoured before it counts as abandoned. */
  staleLockMs?: number;
  /** An install finished (the statuses changed). */
  onInstalled?: (h: HarnessDescriptor, info: { version: string; ms: number }) => void;
}

/**
 * Installs the harness CLIs on first use: `npm install` of the descriptor's pinned package into
 * a prefix of its own under SCION_HARNESS_DIR, as the broker, readable and runnable by agents.
 * Once: concurrent first uses in this process share one promise, and a lock directory keeps two
 * brokers sharing the directory from installing the same package at once. Atomic: npm writes
 * into a scratch prefix that is renamed into place only after `<bin> --version` answered, so a
 * failed install leaves nothing behind. Only the CLI's own install scripts run (as root: its
 * dependencies' never do). SCION_HARNESS_<ID>_BIN names an existing binary instead.
 */
export class HarnessInstaller {
  private readonly inFlight = new Map<string, Promise<ResolvedHarness>>();
  private readonly overrideVersions = new Map<string, string | null>();

  constructor(private readonly opts: HarnessInstallerOptions) {}

  /** Where a descriptor's package lives once installed. */
  prefixOf(h: HarnessDescriptor): string {
    if (!h.install) throw new Error(`${h.name} is not installed with npm`);
    return path.join(
      this.opts.dir,
      `${h.install.npm.replace(/^@/, "").replace(/[^A-Za-z0-9._-]/g, "+")}@${h.install.version}`,
    );
  }

  /** Asks every binary override its version once (the statuses report it). */
  async probeOverrides(descriptors: readonly HarnessDescriptor[]): Promise<void> {
    for (const h of descriptors) {
      const bin = this.override(h);
      if (bin && usable(bin)) this.overrideVersions.set(h.id, await cliVersion(bin).catch(() => null));
    }
  }

  status(h: HarnessDescriptor): HarnessStatus {
    const bin = this.override(h);
    if (bin)
      return {
        id: h.id,
        available: usable(bin),
        version: this.overrideVersions.get(h.id) ?? null,
        installed: usable(bin),
      };
    if (!h.install) return { id: h.id, available: !h.binEnv, version: null, installed: false };
    const marker = this.marker(h);
    return { id: h.id, available: true, version: marker?.version ?? h.install.version, installed: marker !== null };
  }

  /**
   * The harness's binary: the override, the installed one, or installed now. `onInstalling` is
   * called when this caller has to wait for an install (its own or another's).
   */
  async resolve(h: HarnessDescriptor, onInstalling?: (detail: string) => void): Promise<ResolvedHarness> {
    const override = this.override(h);
    if (override) {
      if (!usable(override)) throw new Error(`${h.binEnv}=${override} is not an executable file`);
      return { bin: override, binDir: path.dirname(override), version: this.overrideVersions.get(h.id) ?? null };
    }
    if (!h.install) throw new Error(`${h.name} has no binary to install`);
    const installed = this.installed(h);
    if (installed) return installed;
    onInstalling?.(`installing ${h.name} ${h.install.version}`);
    const key = this.prefixOf(h);
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.install(h).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private override(h: HarnessDescriptor): string | undefined {
    return h.binEnv ? this.opts.binOverrides?.[h.binEnv] || undefined : undefined;
  }

  private marker(h: HarnessDescriptor): { version: string | null } | null {
    try {
      const data = JSON.parse(fs.readFileSync(path.join(this.prefixOf(h), MARKER), "utf8")) as { version?: unknown };
      return { version: typeof data.version === "string" ? data.version : null };
    } catch {
      return null;
    }
  }

  private installed(h: HarnessDescriptor): ResolvedHarness | null {
    const marker = this.marker(h);
    if (!marker) return null;
    const binDir = path.join(this.prefixOf(h), "node_modules", ".bin");
    return { bin: path.join(binDir, h.install!.bin), binDir, version: marker.version };
  }

  private async install(h: HarnessDescriptor): Promise<ResolvedHarness> {
    const { npm, version, bin } = h.install!;
    const prefix = this.prefixOf(h);
    const what = `${h.name} ${version}`;
    fs.mkdirSync(this.opts.dir, { recursive: true, mode: 0o755 });
    const release = await this.lock(`${prefix}.lock`, () => this.marker(h) !== null);
    try {
      const done = this.installed(h);
      if (done) return done;
      const began = Date.now();
      const tmp = `${prefix}.tmp-${process.pid}-${crypto.randomBytes(4).toString("hex")}`;
      fs.mkdirSync(tmp, { mode: 0o755 });
      try {
        // Under the hub's 5-minute start timeout, so the agent gets this reason rather than a timeout.
        const timeout = this.opts.installTimeoutMs ?? 4 * 60_000;
        const args = [
          "install",
          "--prefix",
          tmp,
          "--no-audit",
          "--no-fund",
          "--no-save",
          "--ignore-scripts",
          "--loglevel=error",
          `${npm}@${version}`,
        ];
        try {
          await run(this.opts.npm ?? "npm", args, {
            cwd: tmp,
            env: this.opts.npmEnv ?? process.env,
            timeout,
            killSignal: "SIGKILL",
            maxBuffer: 16 * 1024 * 1024,
          });
        } catch (err) {
          const e = err as { killed?: boolean; stderr?: string; message: string };
          throw new Error(
            e.killed ? `npm did not finish within ${timeout / 1000} s` : npmReason(e.stderr) || e.message,
          );
        }
        await this.runOwnScripts(path.join(tmp, "node_modules", npm), timeout);
        const binary = path.join(tmp, "node_modules", ".bin", bin);
        if (!usable(binary)) throw new Error(`the package has no ${bin} command`);
        const cliVer = await cliVersion(binary).catch((err: Error) => {
          throw new Error(`${bin} --version failed: ${err.message.slice(0, 300)}`);
        });
        // Agents are other users: they must read and run what root installed.
        openUp(tmp);
        fs.writeFileSync(
          path.join(tmp, MARKER),
          JSON.stringify({ package: npm, version: cliVer ?? version, installedAt: new Date().toISOString() }),
          { mode: 0o644 },
        );
        fs.renameSync(tmp, prefix);
      } catch (err) {
        fs.rmSync(tmp, { recursive: true, force: true });
        throw new Error(`could not install ${what}: ${(err as Error).message}`);
      }
      const result = this.installed(h)!;
      this.opts.onInstalled?.(h, { version: result.version ?? version, ms: Date.now() - began });
      return result;
    } finally {
      release();
    }
  }

  /**
   * The CLI's own install scripts (Claude Code's postinstall puts its native binary in place),
   * run explicitly: npm ran no install script, so none of its dependencies' ran.
   */
  private async runOwnScripts(pkgDir: string, timeout: number): Promise<void> {
    const { scripts = {} } = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8")) as {
      scripts?: Record<string, string>;
    };
    for (const script of ["preinstall", "install", "postinstall"]) {
      if (!scripts[script]) continue;
      try {
        await run(this.opts.npm ?? "npm", ["run", "--silent", script], {
          cwd: pkgDir,
          env: this.opts.npmEnv ?? process.env,
          timeout,
          killSignal: "SIGKILL",
          maxBuffer: 16 * 1024 * 1024,
        });
      } catch (err) {
        const e = err as { stderr?: string; stdout?: string; message: string };
        throw new Error(
          `its ${script} script failed: ${(e.stderr || e.stdout || e.message).trim().split("\n").slice(-3).join(" ").slice(0, 400)}`,
        );
      }
    }
  }

  /**
   * A lock across processes: a directory created exclusively, holding the owner's pid. Waiters
   * poll until it is gone or `done()` holds; a lock whose owner died, or older than the install
   * timeout, is taken over.
   */
  private async lock(dir: string, done: () => boolean): Promise<() => void> {
    const staleMs = this.opts.staleLockMs ?? (this.opts.installTimeoutMs ?? 4 * 60_000) + 60_000;
    for (;;) {
      try {
        fs.mkdirSync(dir, { mode: 0o700 });
        fs.writeFileSync(path.join(dir, "owner"), String(process.pid));
        return () => fs.rmSync(dir, { recursive: true, force: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      if (done()) return () => undefined;
      if (lockAbandoned(dir, staleMs)) {
        fs.rmSync(dir, { recursive: true, force: true });
        continue;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

function lockAbandoned(dir: string, staleMs: number): boolean {
  try {
    const stat = fs.statSync(dir);
    if (Date.now() - stat.mtimeMs > staleMs) return true;
    const pid = Number(fs.readFileSync(path.join(dir, "owner"), "utf8"));
    if (!Number.isInteger(pid) || pid <= 0) return Date.now() - stat.mtimeMs > 5000;
    process.kill(pid, 0);
    return false;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ESRCH") return true;
    // The owner file is not written yet (the lock is being taken) or the lock just went away.
    return false;
  }
}

function usable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** `<bin> --version`, reduced to the version number ("codex-cli 0.171.0" → "0.171.0"). */
async function cliVersion(bin: string): Promise<string | null> {
  const { stdout } = await run(bin, ["--version"], {
    timeout: 60_000,
    killSignal: "SIGKILL",
    env: { ...process.env, NO_COLOR: "1", CI: "1" },
  });
  const text = stdout.trim();
  return /\d+\.\d+\.\d+[\w.+-]*/.exec(text)?.[0] ?? (text.split("\n")[0]?.slice(0, 60) || null);
}

/** npm's own error lines ("npm error notarget No matching version…"), shortened. */
function npmReason(stderr: string | undefined): string {
  const lines = (stderr ?? "")
    .split("\n")
    .filter((l) => /^npm (error|ERR!)/.test(l))
    .map((l) =>
      l
        .replace(/^npm (error|ERR!)\s*/, "")
        .replace(/^(notarget|network|enotcached|404)\s+/i, "")
        .trim(),
    )
    .filter((l) => l && !/^(code|syscall|errno|path)\s|^A complete log of this run|\/_logs\/|^In most cases/.test(l));
  return lines.slice(0, 2).join("; ").slice(0, 500);
}

/** Directories 0755, files readable by all (and runnable by all when runnable by the owner). */
function openUp(root: string): void {
  const stack = [root];
  while (stack.length) {
    const dir = stack.pop()!;
    fs.chmodSync(dir, 0o755);
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) stack.push(file);
      else if (entry.isFile()) {
        const mode = fs.statSync(file).mode & 0o777;
        const want = mode | 0o444 | (mode & 0o100 ? 0o111 : 0);
        if (want !== mode) fs.chmodSync(file, want);
      }
    }
  }
}
