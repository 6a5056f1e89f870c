import { execFile } from "node:child_process";
import crypto from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import fs from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import * as pty from "node-pty";
import { createLogger, type Logger } from "../../lib/log/create-logger";
import { agentBaseEnvironment, brokerUserName } from "../agent-environment";
import type { ShimInstall } from "../agent-shim";
import { AgentUsers, type AgentIdentity } from "../agent-users";
import {
  AgentPaths,
  assertAgentId,
  harnessLogPipe,
  KEY_NAME,
  parseScreen,
  screenArgs,
  UUID,
  waitFor,
  writeTokenFile,
  type AgentRuntime,
  type AgentScreen,
  type AgentSpec,
  type HarnessView,
  type TerminalProcess,
} from "./agent-runtime";

const run = promisify(execFile);
const SESSION_PREFIX = "scion-";
/** sh -c SCRIPT sh SIGNAL TARGET TMUX-SERVER-ARGS…: signals the pane's first process, as the agent. */
const SIGNAL_PANE_SCRIPT =
  'sig=$1 target=$2; shift 2; pid=$(tmux "$@" display-message -p -t "$target" "#{pane_pid}") && [ "$pid" -gt 1 ] && kill -s "$sig" "$pid" && echo "$pid"';
/** The broker's git for an agent: no system or global config, no prompts, only network transports for remotes. */
const GIT_ENVIRONMENT = {
  GIT_TERMINAL_PROMPT: "0",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_ALLOW_PROTOCOL: "http:https:ssh:git",
};

export interface LocalRuntimeOptions {
  /** Who agents run as; by default a user per agent when the broker is root. */
  users?: AgentUsers;
  logger?: Logger;
  /** The agents' CPU priority below the broker's (a nice value, 0–19; SCION_AGENT_NICE): 0, none, by default. */
  nice?: number;
}

/**
 * The `local` runtime: each agent is a tmux session on this machine, working in
 * `<data dir>/workspaces/<agent id>`, on a tmux server of its own whose socket is in the agent's
 * own directory. When the broker runs as root every agent is a user of its own (AgentUsers), and
 * everything that touches the agent runs as that user: its tmux server and the tmux clients that
 * talk to it (a tmux server can make an attached client run commands, so no client of an
 * agent's server may run as root), git for its clone, the signals sent to it. It starts from an
 * allow-listed environment, never the broker's. The session runs the shim (the bundled
 * agent/main.ts) with the harness's argv: tmux executes a multi-word command directly, so
 * nothing from a request is ever parsed by a shell, and the pane's first process is the shim,
 * which receives SIGTERM (stop) and SIGUSR2 (reset-auth).
 */
export class LocalRuntime extends AgentPaths implements AgentRuntime {
  readonly kind = "local" as const;
  readonly isolated: boolean;
  readonly installsHarnesses = true;
  private readonly users: AgentUsers;
  /** The process in each agent's pane, as its start or the last signal found it (see signal). */
  private readonly panes = new Map<string, PaneProcess>();
  private readonly nice: number;
  private readonly logger: Logger;

  constructor(
    dataDir: string,
    private readonly shim?: ShimInstall,
    opts: LocalRuntimeOptions = {},
  ) {
    super(dataDir);
    this.logger = opts.logger ?? createLogger({ level: "silent", pretty: false });
    this.users = opts.users ?? new AgentUsers(this.logger);
    this.isolated = this.users.isolated;
    this.nice = opts.nice ?? 0;
  }

  async prepare(agentId: string): Promise<void> {
    // Directories first: a user whose directory is missing is an orphan to AgentUsers.
    await fs.mkdir(this.agentDirOf(agentId), { recursive: true, mode: 0o700 });
    const identity = await this.users.ensure(agentId, this.homeOf(agentId));
    this.prepareDirs(agentId, identity);
  }

  async writeToken(agentId: string, token: string): Promise<void> {
    writeTokenFile(this.tokenFileOf(agentId), token, this.users.find(agentId));
  }

  fileOwner(agentId: string): { uid: number; gid: number } | undefined {
    const identity = this.users.find(agentId);
    return identity && { uid: identity.uid, gid: identity.gid };
  }

  harnessView(agentId: string): HarnessView {
    const shim = this.shim;
    return {
      home: this.homeOf(agentId),
      workspace: this.workspaceOf(agentId),
      hookCommand: (dialect) => (shim ? `${process.execPath} ${shim.hookBundle} hook --dialect ${dialect}` : null),
    };
  }

  gitView(agentId: string): { workspace: string; agentDir: string } {
    return { workspace: this.workspaceOf(agentId), agentDir: this.agentDirOf(agentId) };
  }

  async runGit(agentId: string, args: string[]): Promise<string> {
    const identity = this.users.find(agentId);
    const { stdout } = await run("git", args, {
      ...this.as(agentId, identity),
      env: processEnv({ ...this.environmentOf(agentId, identity), ...GIT_ENVIRONMENT }),
      timeout: 10 * 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  }

  async start(spec: AgentSpec): Promise<void> {
    if (await this.isRunning(spec.agentId)) return;
    await this.prepare(spec.agentId);
    const identity = this.users.find(spec.agentId);
    let argv = spec.argv;
    const env: Record<string, string> = { ...spec.env, ...this.environmentOf(spec.agentId, identity, spec.pathPrefix) };
    if (spec.shim) {
      if (!this.shim) throw new Error("this runtime was created without the agent shim");
      argv = [process.execPath, this.shim.bundle, "run", "--", ...spec.argv];
      Object.assign(env, {
        SCION_HUB_URL: spec.shim.hubUrl,
        SCION_AGENT_ID: spec.agentId,
        SCION_AGENT_TOKEN_FILE: this.tokenFileOf(spec.agentId),
      });
    }
    // tmux hands a single word to `sh -c`; env(1) in front makes every argv exec'd as it is.
    let command = argv.length === 1 ? ["/usr/bin/env", argv[0]!] : argv;
    // chrt(1) and nice(1) exec the command: the pane's first process keeps its pid, as batch work
    // at the lower priority (see lowerAutogroup).
    if (this.nice > 0) command = [...(CHRT ? [CHRT, "--batch", "0"] : []), NICE, "-n", String(this.nice), ...command];
    // The server starts with exactly this environment (it becomes the session's): nothing of the broker's.
    const { stdout } = await this.tmux(
      spec.agentId,
      [
        "new-session",
        "-d",
        // Prints the pane's pid: the first signal (reset-auth of every agent) then needs no tmux call.
        "-P",
        "-F",
        "#{pane_pid}",
        "-s",
        this.sessionOf(spec.agentId),
        "-c",
        this.workspaceOf(spec.agentId),
        "-x",
        "200",
        "-y",
        "50",
        ...command,
        // In the same tmux call, so the harness's output reaches its log (GET /agents/{id}/logs) from the first byte.
        ";",
        "pipe-pane",
        "-t",
        `=${this.sessionOf(spec.agentId)}:`,
        harnessLogPipe(this.logFilesOf(spec.agentId).harness),
      ],
      env,
    );
    const panePid = Number(stdout.trim());
    this.remember(spec.agentId, panePid, identity?.uid);
    if (this.nice > 0) await lowerAutogroup(panePid, this.nice, this.logger);
    // Keep the session's size following whichever client is attached (the browser terminal).
    await this.tmux(spec.agentId, [
      "set-option",
      "-t",
      `=${this.sessionOf(spec.agentId)}`,
      "window-size",
      "latest",
    ]).catch(() => undefined);
  }

  async stop(agentId: string, graceMs = 5000): Promise<void> {
    if (await this.isRunning(agentId)) {
      if (await this.signal(agentId, "SIGTERM")) await waitFor(async () => !(await this.isRunning(agentId)), graceMs);
      try {
        await this.tmux(agentId, ["kill-session", "-t", `=${this.sessionOf(agentId)}`]);
      } catch (err) {
        if (!isMissing(err)) throw err;
      }
    }
    await this.killStragglers(agentId);
    this.panes.delete(agentId);
  }

  async remove(agentId: string): Promise<void> {
    await this.stop(agentId, 0);
    await fs.rm(this.workspaceOf(agentId), { recursive: true, force: true });
    await fs.rm(this.agentDirOf(agentId), { recursive: true, force: true });
    await this.users.remove(agentId);
  }

  async isRunning(agentId: string): Promise<boolean> {
    if (!(await this.serverAnswers(agentId))) return false;
    try {
      await this.tmux(agentId, ["has-session", "-t", `=${this.sessionOf(agentId)}`]);
      return true;
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }

  /**
   * Signals the process in the agent's pane (its shim). The pane's pid comes from the agent's own
   * tmux server, so it can only ever name one of the agent's processes, never the broker's or
   * another agent's; as the agent, in one process (reset-auth-all signals hundreds of agents: each
   * spawn from the broker costs a fork of it). The process it named is remembered by pid, start
   * time and owner (PaneProcess), and the next signal goes to it directly when /proc still shows
   * that same process: a pid reused by anything else has another start time.
   */
  async signal(agentId: string, signal: NodeJS.Signals): Promise<boolean> {
    if (!/^SIG[A-Z0-9]+$/.test(signal)) return false;
    const known = this.panes.get(agentId);
    if (known) {
      if (isSameProcess(known)) {
        try {
          process.kill(known.pid, signal);
          return true;
        } catch {
          // Gone between the check and the signal: ask tmux again.
        }
      }
      this.panes.delete(agentId);
    }
    const identity = this.users.find(agentId);
    const target = `=${this.sessionOf(agentId)}:`;
    let pid: number;
    if (identity) {
      try {
        const { stdout } = await run(
          "sh",
          ["-c", SIGNAL_PANE_SCRIPT, "sh", signal.slice(3), target, ...this.serverArgs(agentId)],
          {
            ...this.as(agentId, identity),
            env: processEnv({ ...this.environmentOf(agentId, identity), TMUX: "" }),
            timeout: 10_000,
          },
        );
        pid = Number(stdout.trim());
      } catch {
        return false;
      }
    } else {
      try {
        const { stdout } = await this.tmux(agentId, ["display-message", "-p", "-t", target, "#{pane_pid}"]);
        pid = Number(stdout.trim());
      } catch (err) {
        if (isMissing(err)) return false;
        throw err;
      }
      if (!Number.isInteger(pid) || pid <= 1) return false;
      try {
        process.kill(pid, signal);
      } catch {
        return false;
      }
    }
    this.remember(agentId, pid, identity?.uid);
    return true;
  }

  /** Remembers the process a pid names now for signal(), if it runs as the agent (or, unisolated, as the broker). */
  private remember(agentId: string, pid: number, uid: number | undefined): void {
    const pane = Number.isInteger(pid) && pid > 1 ? paneProcess(pid) : undefined;
    if (pane && pane.uid === (uid ?? process.getuid?.())) this.panes.set(agentId, pane);
    else this.panes.delete(agentId);
  }

  async sendText(agentId: string, text: string): Promise<void> {
    await this.typeText(agentId, text);
    await this.tmux(agentId, ["send-keys", "-t", `=${this.sessionOf(agentId)}:`, "Enter"]);
  }

  async typeText(agentId: string, text: string): Promise<void> {
    // -l sends the text literally (no key names).
    await this.tmux(agentId, ["send-keys", "-t", `=${this.sessionOf(agentId)}:`, "-l", "--", text]);
  }

  async sendKeys(agentId: string, keys: string[]): Promise<void> {
    const bad = keys.find((k) => !KEY_NAME.test(k));
    if (bad !== undefined) throw new Error(`not a key name: ${bad.slice(0, 40)}`);
    if (keys.length) await this.tmux(agentId, ["send-keys", "-t", `=${this.sessionOf(agentId)}:`, ...keys]);
  }

  /** Agents whose tmux server answers (a connect, not a process per agent: heartbeats call this). */
  async listRunning(): Promise<string[]> {
    const ids = (await fs.readdir(path.join(this.dataDir, "agents")).catch(() => [] as string[])).filter((id) =>
      UUID.test(id),
    );
    const alive = await Promise.all(ids.map(async (id) => ((await this.serverAnswers(id)) ? id : undefined)));
    return alive.filter((id): id is string => id !== undefined);
  }

  /** The argv of a tmux client attached to the agent's session (run it as the agent). */
  attachCommand(agentId: string): string[] {
    return ["tmux", ...this.serverArgs(agentId), "attach-session", "-t", `=${this.sessionOf(agentId)}`];
  }

  async openTerminal(agentId: string, size: { cols: number; rows: number }): Promise<TerminalProcess> {
    const identity = this.users.find(agentId);
    const attach = this.attachCommand(agentId);
    // node-pty switches uid without dropping supplementary groups; setpriv does all three.
    const [file, ...argv] = identity
      ? ["setpriv", `--reuid=${identity.uid}`, `--regid=${identity.gid}`, "--clear-groups", "--", ...attach]
      : attach;
    const proc = pty.spawn(file!, argv, {
      name: "xterm-256color",
      cols: size.cols,
      rows: size.rows,
      cwd: this.homeOf(agentId),
      env: { ...this.environmentOf(agentId, identity), TMUX: "" },
      encoding: null,
    } as pty.IPtyForkOptions);
    return {
      onData: (listener) =>
        void proc.onData((data: string | Buffer) =>
          listener(typeof data === "string" ? Buffer.from(data, "utf8") : data),
        ),
      onExit: (listener) => void proc.onExit(() => listener()),
      write: (data) => proc.write(data),
      resize: (cols, rows) => proc.resize(cols, rows),
      pause: () => proc.pause(),
      resume: () => proc.resume(),
      kill: () => {
        try {
          proc.kill();
        } catch {
          // already gone
        }
      },
    };
  }

  async capture(agentId: string): Promise<string> {
    const { stdout } = await this.tmux(agentId, ["capture-pane", "-p", "-t", `=${this.sessionOf(agentId)}:`]);
    return stdout;
  }

  async screen(agentId: string, { ansi }: { ansi: boolean }): Promise<AgentScreen> {
    const { stdout } = await this.tmux(agentId, screenArgs(`=${this.sessionOf(agentId)}:`, ansi));
    return parseScreen(stdout);
  }

  /** How tmux finds the agent's server: `-S <socket in its directory>`, or `-L` when that path is too long. */
  serverArgs(agentId: string): string[] {
    const socket = this.socketOf(agentId);
    return socket.startsWith(this.agentDirOf(agentId)) ? ["-S", socket] : ["-L", path.basename(socket)];
  }

  private socketOf(agentId: string): string {
    const socket = path.join(this.agentDirOf(agentId), "tmux.sock");
    // Unix socket paths are limited to about 107 bytes; tmux's -L puts the socket in /tmp/tmux-<uid>/.
    if (Buffer.byteLength(socket) <= 100) return socket;
    const uid = this.users.find(agentId)?.uid ?? process.getuid?.() ?? 0;
    return `/tmp/tmux-${uid}/scion-${crypto.createHash("sha256").update(socket).digest("hex").slice(0, 16)}`;
  }

  private serverAnswers(agentId: string): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = net.connect(this.socketOf(agentId));
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
  }

  /**
   * After a stop nothing of the agent may keep running (a daemon it left behind would keep its
   * ports and its files): every process of the agent's user is killed, as that user.
   */
  private async killStragglers(agentId: string): Promise<void> {
    const identity = this.users.find(agentId);
    if (!identity) return;
    await run("kill", ["-s", "KILL", "-1"], {
      ...this.as(agentId, identity),
      env: processEnv(this.environmentOf(agentId, identity)),
      timeout: 10_000,
    }).catch(() => undefined);
    // SIGKILL is sent at once, but a tree of processes (an assistant's) takes a moment to exit, and
    // userdel refuses a user that still has one ("currently used by process").
    await waitFor(async () => !(await hasProcessOf(identity.uid)), 5000);
  }

  private environmentOf(
    agentId: string,
    identity: AgentIdentity | undefined,
    pathPrefix: string[] = [],
  ): Record<string, string> {
    return agentBaseEnvironment({
      home: this.homeOf(agentId),
      user: identity?.user ?? brokerUserName(),
      pathPrefix: [...(this.shim ? [this.shim.binDir] : []), ...pathPrefix],
    });
  }

  /** Options that make a child process the agent's (uid, gid, no supplementary groups: libuv drops them). */
  private as(agentId: string, identity: AgentIdentity | undefined): { uid?: number; gid?: number; cwd: string } {
    return identity
      ? { uid: identity.uid, gid: identity.gid, cwd: this.homeOf(agentId) }
      : { cwd: this.homeOf(agentId) };
  }

  private sessionOf(agentId: string): string {
    return `${SESSION_PREFIX}${assertAgentId(agentId)}`;
  }

  private tmux(agentId: string, args: string[], env?: Record<string, string>) {
    const identity = this.users.find(agentId);
    return run("tmux", [...this.serverArgs(agentId), ...args], {
      ...this.as(agentId, identity),
      timeout: 10_000,
      env: processEnv({ ...(env ?? this.environmentOf(agentId, identity)), TMUX: "" }),
    });
  }
}

/** Whether any process (zombies included, as userdel counts them) runs as `uid`. */
async function hasProcessOf(uid: number): Promise<boolean> {
  for (const entry of await fs.readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const status = await fs.readFile(`/proc/${entry}/status`, "utf8").catch(() => "");
    if (new RegExp(`^Uid:\\s+${uid}\\s`, "m").test(status)) return true;
  }
  return false;
}

/** An exact environment for a child (Node's type wants the whole ProcessEnv shape). */
function processEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return env as NodeJS.ProcessEnv;
}

/** tmux's ways of saying there is no such session, or no server at all yet. */
function isMissing(err: unknown): boolean {
  const text = `${(err as { stderr?: string }).stderr ?? ""}${(err as Error).message ?? ""}`;
  return /can't find session|can't find pane|no server running|session not found|error connecting to|server exited unexpectedly|lost server|no current target|No such file or directory/.test(
    text,
  );
}

/** coreutils' nice and util-linux's chrt, by absolute path: the session's PATH is the agent's. */
const NICE = ["/usr/bin/nice", "/bin/nice"].find((p) => existsSync(p)) ?? "nice";
const CHRT = ["/usr/bin/chrt", "/bin/chrt"].find((p) => existsSync(p));

/**
 * Gives the scheduling group of an agent's pane the agent's nice value. With autogroups
 * (CONFIG_SCHED_AUTOGROUP, on in most distributions' kernels) every session is a group that
 * competes with the others at its group's own nice value, whatever its processes' are, and each
 * tmux pane is a session of its own: nice(1) alone orders the agent's processes only among
 * themselves. Measured here: four `nice -n 19` busy loops, each in a session of its own, took 37–40%
 * of a CPU each against 12–15% for two at nice 0; with their groups at 19 too, 3–11% against 64%.
 * The group holds the shim, the harness and whatever they start. Without autogroups the file is
 * absent (or ignored) and the processes' own nice value is what counts. A caller without
 * CAP_SYS_ADMIN may change a group's nice ten times a second (EAGAIN): retried.
 *
 * SCHED_BATCH (chrt, in front of nice in the pane's command) is the other half: a woken batch
 * process does not preempt the one running, so a broker signalling 25 shims in a row (a chunk of
 * reset-auth-all) is not interrupted by each of them as it wakes.
 */
async function lowerAutogroup(pid: number, nice: number, logger: Logger): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await fs.writeFile(`/proc/${pid}/autogroup`, String(nice));
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EAGAIN" && attempt < 20) {
        await new Promise((r) => setTimeout(r, 110));
        continue;
      }
      if (code !== "ENOENT")
        logger.debug({ pid, code }, "could not lower the CPU priority of the agent's scheduling group");
      return;
    }
  }
}

/**
 * A process named so that a reused pid cannot pass for it: its pid, its start time (clock ticks
 * after boot, field 22 of /proc/<pid>/stat, fixed for the process's life) and its real uid.
 */
export interface PaneProcess {
  pid: number;
  startTime: string;
  uid: number;
}

/** The process with this pid now, from /proc (synchronously: checked and signalled in one turn); undefined when gone. */
export function paneProcess(pid: number): PaneProcess | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: fields count from after it.
    const startTime = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
    const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    if (!startTime || uid === undefined) return undefined;
    return { pid, startTime, uid: Number(uid) };
  } catch {
    return undefined;
  }
}

/** Whether the pid still names the very process remembered (same start time and owner). */
export function isSameProcess(known: PaneProcess): boolean {
  const now = paneProcess(known.pid);
  return now !== undefined && now.startTime === known.startTime && now.uid === known.uid;
}
