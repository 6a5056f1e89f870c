import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** What a broker needs to run one agent. */
export interface AgentSpec {
  agentId: string;
  /** The harness's argv; the runtime runs it under the agent shim when `shim` is set. */
  argv: string[];
  env: Record<string, string>;
  /** Run the harness under the shim, which reports to the hub with the agent's token file. */
  shim?: { hubUrl: string };
  /** Directories put first on the agent's PATH (the harness's installed bin directory). */
  pathPrefix?: string[];
  /** Host directories the agent reads (its project's shared clone): mounted read-only at the same path in a container. */
  mounts?: string[];
  /** The container image its template names (docker; the broker's allow-list decides). Local agents ignore it. */
  image?: string;
}

/** The agent's files as its harness sees them (inside a container: the container's paths). */
export interface HarnessView {
  home: string;
  workspace: string;
  /** The absolute command a harness hook runs: the bundled shim's `hook` (null without the shim). */
  hookCommand(dialect: string): string | null;
}

/**
 * A way to run agents on a broker's machine: `local` (tmux sessions) or `docker` (a container
 * with tmux inside). Every operation is idempotent, so a retried dispatch is harmless.
 */
export interface AgentRuntime {
  readonly kind: "local" | "docker";
  /** True when agents run as users of their own (see AgentUsers); false on a non-root local broker. */
  readonly isolated: boolean;
  /** The agent's workspace on this machine (created on demand). */
  workspaceOf(agentId: string): string;
  /** The agent's token file on this machine (0600 in a 0700 directory, both the agent's). */
  tokenFileOf(agentId: string): string;
  /** The agent's HOME on this machine (0700, the agent's). */
  homeOf(agentId: string): string;
  /**
   * Whether harness CLIs are installed by the broker on first use (local) or come with the
   * agent image, on its PATH (docker).
   */
  readonly installsHarnesses: boolean;
  /** Who owns the agent's files (its user, or the container's), when the broker can chown. */
  fileOwner(agentId: string): { uid: number; gid: number } | undefined;
  /** HOME, workspace and the hook command as the harness sees them. */
  harnessView(agentId: string): HarnessView;
  /** The agent's user (when isolated) and directories, with their owners and modes. Idempotent. */
  prepare(agentId: string): Promise<void>;
  /** Replaces the agent's token file (atomically; the agent's, 0600). */
  writeToken(agentId: string, token: string): Promise<void>;
  /** The agent's own directory on this machine (token, git token, shim log; 0700, the agent's). */
  agentDirOf(agentId: string): string;
  /** The agent's workspace and own directory as its git sees them (inside a container: the container's paths). */
  gitView(agentId: string): { workspace: string; agentDir: string };
  /**
   * Runs git as the agent (its user, or a one-shot container of the agent's with `mounts`
   * read-only at their host paths), from its HOME, with nothing of the broker's git config;
   * answers its stdout. A failure carries git's stderr.
   */
  runGit(agentId: string, args: string[], opts?: { mounts?: string[] }): Promise<string>;
  /** Starts the agent's session; an agent that is already running is left as it is. */
  start(spec: AgentSpec): Promise<void>;
  /** Asks the shim to end the harness (SIGTERM), then ends the session after `graceMs`. */
  stop(agentId: string, graceMs?: number): Promise<void>;
  /** Stops the agent and removes its workspace, HOME, token and user. */
  remove(agentId: string): Promise<void>;
  isRunning(agentId: string): Promise<boolean>;
  /** Sends a signal to the agent's first process (the shim). False when there is none. */
  signal(agentId: string, signal: NodeJS.Signals): Promise<boolean>;
  /** Types text into the agent's session, then Enter. */
  sendText(agentId: string, text: string): Promise<void>;
  /** Types text into the agent's session literally (no key names, no Enter). */
  typeText(agentId: string, text: string): Promise<void>;
  /** Presses keys in the agent's session, by tmux key name ("Escape", "C-c"). */
  sendKeys(agentId: string, keys: string[]): Promise<void>;
  /** Agents whose sessions are running. */
  listRunning(): Promise<string[]>;
  /** A terminal attached to the agent's session (closing it detaches; the session lives on). */
  openTerminal(agentId: string, size: { cols: number; rows: number }): Promise<TerminalProcess>;
  /** The current screen of the agent's session. */
  capture(agentId: string): Promise<string>;
  /** The current screen with the pane's size; `ansi` keeps colours and attributes as escape sequences. */
  screen(agentId: string, opts: { ansi: boolean }): Promise<AgentScreen>;
  /** Where the shim's log and the harness's output log are, on this machine. */
  logFilesOf(agentId: string): { shim: string; harness: string };
}

/** An agent's screen as tmux shows it. */
export interface AgentScreen {
  text: string;
  cols: number;
  rows: number;
}

/** The harness's output log is capped (a flooding harness must not fill the broker's disk). */
export const HARNESS_LOG_MAX_BYTES = 16 * 1024 * 1024;
const LOG_PIPE_BLOCK = 4096;

/**
 * tmux arguments (after the target) that print the pane's size on the first line and then its
 * screen, in one tmux call: `display-message` and `capture-pane` joined by tmux's `;`.
 */
export function screenArgs(target: string, ansi: boolean): string[] {
  return [
    "display-message",
    "-p",
    "-t",
    target,
    "#{pane_width} #{pane_height}",
    ";",
    "capture-pane",
    "-p",
    ...(ansi ? ["-e"] : []),
    "-t",
    target,
  ];
}

/** Splits what screenArgs printed into the size line and the screen. */
export function parseScreen(output: string): AgentScreen {
  const newline = output.indexOf("\n");
  const head = newline < 0 ? output : output.slice(0, newline);
  const [cols, rows] = head.trim().split(/\s+/).map(Number);
  const text = newline < 0 ? "" : output.slice(newline + 1).replace(/\r\n/g, "\n");
  return { text, cols: Number.isFinite(cols) ? cols! : 0, rows: Number.isFinite(rows) ? rows! : 0 };
}

/**
 * The shell command tmux's pipe-pane runs to keep the harness's output in `file`: appended,
 * and never more than HARNESS_LOG_MAX_BYTES per session (dd exits after so many reads, each at
 * most a block; tmux then stops piping).
 */
export function harnessLogPipe(file: string): string {
  // dd without fullblock writes each read at once (head -c holds output back); count bounds the reads.
  return `exec dd bs=${LOG_PIPE_BLOCK} count=${HARNESS_LOG_MAX_BYTES / LOG_PIPE_BLOCK} status=none >> '${file.replace(/'/g, "'\\''")}'`;
}

/** A terminal attached to an agent's session: bytes both ways, resize, flow control. */
export interface TerminalProcess {
  onData(listener: (chunk: Buffer) => void): void;
  onExit(listener: () => void): void;
  write(data: Buffer): void;
  resize(cols: number, rows: number): void;
  /** Stops reading output (the session's writer blocks once buffers fill) until resume(). */
  pause(): void;
  resume(): void;
  kill(): void;
}

/** tmux key names the broker sends (never text: that is sendText). */
export const KEY_NAME = /^(?:[CMS]-)*[A-Za-z0-9]{1,16}$/;

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function assertAgentId(agentId: string): string {
  if (!UUID.test(agentId)) throw new Error(`not an agent id: ${agentId.slice(0, 60)}`);
  return agentId;
}

/**
 * Writes a token file atomically, 0600, owned by `owner` when given. The directory may belong to
 * the agent, so nothing here follows a link the agent could have planted: the scratch file is
 * created exclusively (O_EXCL fails on any existing name, links included), chowned through its
 * descriptor, and renamed over the token (rename replaces a link, never its target).
 */
export function writeTokenFile(file: string, token: string, owner?: { uid: number; gid: number }): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${crypto.randomBytes(6).toString("hex")}`);
  const fd = fs.openSync(
    tmp,
    fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW,
    0o600,
  );
  try {
    fs.writeSync(fd, `${token}\n`);
    if (owner) fs.fchownSync(fd, owner.uid, owner.gid);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** Polls until `check` holds or the time is up; true when it held. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Where a broker keeps an agent's files: `<data>/workspaces/<id>` (its workspace) and
 * `<data>/agents/<id>/` (its token file, shim log, tmux socket and `home/`). `<data>`,
 * `agents/` and `workspaces/` are the broker's (0711: agents may pass through to their own
 * directory, not list the others); everything of one agent is that agent's and 0700.
 */
export class AgentPaths {
  constructor(protected readonly dataDir: string) {}

  workspaceOf(agentId: string): string {
    return path.join(this.dataDir, "workspaces", assertAgentId(agentId));
  }

  agentDirOf(agentId: string): string {
    return path.join(this.dataDir, "agents", assertAgentId(agentId));
  }

  tokenFileOf(agentId: string): string {
    return path.join(this.agentDirOf(agentId), "agent-token");
  }

  homeOf(agentId: string): string {
    return path.join(this.agentDirOf(agentId), "home");
  }

  /** The shim's log (SCION_AGENT_LOG) and the harness's output (tmux pipe-pane), in the agent's directory. */
  logFilesOf(agentId: string): { shim: string; harness: string } {
    const dir = this.agentDirOf(agentId);
    return { shim: path.join(dir, "shim.log"), harness: path.join(dir, "harness.log") };
  }

  /**
   * Makes the agent's directories (owned by `owner` when given, 0700) below the broker's own
   * (0711). The agent's directory is the agent's, so a link it planted where `home` should be is
   * removed, never followed.
   */
  protected prepareDirs(agentId: string, owner?: { uid: number; gid: number }): void {
    for (const dir of [this.dataDir, path.join(this.dataDir, "agents"), path.join(this.dataDir, "workspaces")]) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o711 });
      if ((fs.statSync(dir).mode & 0o777) !== 0o711) fs.chmodSync(dir, 0o711);
    }
    for (const dir of [this.agentDirOf(agentId), this.homeOf(agentId), this.workspaceOf(agentId)]) {
      ensureAgentDir(dir, owner);
    }
  }
}

/**
 * Makes `dir` a directory of the agent's (0700, owned by `owner` when given) inside a directory
 * the agent may write: whatever else is at that name (a link it planted) is removed, never
 * followed, and the owner and mode are set through a descriptor opened without following a link.
 */
export function ensureAgentDir(dir: string, owner?: { uid: number; gid: number }): void {
  const stat = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (stat && !stat.isDirectory()) fs.rmSync(dir, { force: true });
  if (!stat || !stat.isDirectory()) fs.mkdirSync(dir, { mode: 0o700 });
  const fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW);
  try {
    if (owner) fs.fchownSync(fd, owner.uid, owner.gid);
    fs.fchmodSync(fd, 0o700);
  } finally {
    fs.closeSync(fd);
  }
}
