import { execFile } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import type { ShimInstall } from "../agent-shim";
import * as pty from "node-pty";
import { AgentPaths, assertAgentId, UUID, waitFor, type AgentRuntime, type AgentSpec, type TerminalProcess } from "./agent-runtime";

const run = promisify(execFile);
const SESSION_PREFIX = "scion-";

/**
 * The `local` runtime: each agent is a tmux session on this machine, on the broker's own tmux
 * server (a socket in its data directory, so the user's tmux is never touched), working in
 * `<data dir>/workspaces/<agent id>`. The session runs the shim (the bundled agent/main.ts) with
 * the harness's argv: tmux executes a multi-word command directly, so nothing from a request is
 * ever parsed by a shell, and the pane's first process is the shim, which receives SIGTERM
 * (stop) and SIGUSR2 (reset-auth). Environment variables go in with `-e`.
 */
export class LocalRuntime extends AgentPaths implements AgentRuntime {
  readonly kind = "local" as const;
  /** How tmux finds this broker's server: `-S <socket>`, or `-L <name>` when the path is too long. */
  readonly serverArgs: string[];

  constructor(
    dataDir: string,
    private readonly shim?: ShimInstall,
  ) {
    super(dataDir);
    const socket = path.join(dataDir, "tmux.sock");
    // Unix socket paths are limited to about 107 bytes.
    this.serverArgs = Buffer.byteLength(socket) <= 100 ? ["-S", socket] : ["-L", `scion-${crypto.createHash("sha256").update(dataDir).digest("hex").slice(0, 16)}`];
  }

  async start(spec: AgentSpec): Promise<void> {
    if (await this.isRunning(spec.agentId)) return;
    const workspace = this.workspaceOf(spec.agentId);
    await fs.mkdir(workspace, { recursive: true, mode: 0o700 });
    let argv = spec.argv;
    const env: Record<string, string> = { ...spec.env, TERM: "xterm-256color" };
    if (spec.shim) {
      if (!this.shim) throw new Error("this runtime was created without the agent shim");
      argv = [process.execPath, this.shim.bundle, "run", "--", ...spec.argv];
      Object.assign(env, {
        SCION_HUB_URL: spec.shim.hubUrl,
        SCION_AGENT_ID: spec.agentId,
        SCION_AGENT_TOKEN_FILE: this.tokenFileOf(spec.agentId),
        PATH: `${this.shim.binDir}:${process.env.PATH ?? "/usr/bin:/bin"}`,
      });
    }
    const envArgs = Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
    // tmux hands a single word to `sh -c`; env(1) in front makes every argv exec'd as it is.
    const command = argv.length === 1 ? ["/usr/bin/env", argv[0]!] : argv;
    await this.tmux(["new-session", "-d", "-s", this.sessionOf(spec.agentId), "-c", workspace, "-x", "200", "-y", "50", ...envArgs, ...command]);
    // Keep the session's size following whichever client is attached (the browser terminal).
    await this.tmux(["set-option", "-t", `=${this.sessionOf(spec.agentId)}`, "window-size", "latest"]).catch(() => undefined);
  }

  async stop(agentId: string, graceMs = 5000): Promise<void> {
    if (!(await this.isRunning(agentId))) return;
    if (await this.signal(agentId, "SIGTERM")) await waitFor(async () => !(await this.isRunning(agentId)), graceMs);
    try {
      await this.tmux(["kill-session", "-t", `=${this.sessionOf(agentId)}`]);
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
  }

  async remove(agentId: string): Promise<void> {
    await this.stop(agentId, 0);
    await fs.rm(this.workspaceOf(agentId), { recursive: true, force: true });
    await fs.rm(path.dirname(this.tokenFileOf(agentId)), { recursive: true, force: true });
  }

  async isRunning(agentId: string): Promise<boolean> {
    try {
      await this.tmux(["has-session", "-t", `=${this.sessionOf(agentId)}`]);
      return true;
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }

  async signal(agentId: string, signal: NodeJS.Signals): Promise<boolean> {
    let pid: number;
    try {
      const { stdout } = await this.tmux(["display-message", "-p", "-t", `=${this.sessionOf(agentId)}:`, "#{pane_pid}"]);
      pid = Number(stdout.trim());
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
    if (!Number.isInteger(pid) || pid <= 1) return false;
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  async sendText(agentId: string, text: string): Promise<void> {
    const target = `=${this.sessionOf(agentId)}:`;
    // -l sends the text literally (no key names); Enter is sent on its own.
    await this.tmux(["send-keys", "-t", target, "-l", "--", text]);
    await this.tmux(["send-keys", "-t", target, "Enter"]);
  }

  async listRunning(): Promise<string[]> {
    try {
      const { stdout } = await this.tmux(["list-sessions", "-F", "#{session_name}"]);
      return stdout
        .split("\n")
        .filter((name) => name.startsWith(SESSION_PREFIX))
        .map((name) => name.slice(SESSION_PREFIX.length))
        .filter((id) => UUID.test(id));
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
  }

  attachCommand(agentId: string): string[] {
    return ["tmux", ...this.serverArgs, "attach-session", "-t", `=${this.sessionOf(agentId)}`];
  }

  async openTerminal(agentId: string, size: { cols: number; rows: number }): Promise<TerminalProcess> {
    const [file, ...argv] = this.attachCommand(agentId);
    const proc = pty.spawn(file!, argv, {
      name: "xterm-256color",
      cols: size.cols,
      rows: size.rows,
      cwd: process.cwd(),
      env: { ...process.env, TERM: "xterm-256color", TMUX: "" } as Record<string, string>,
      encoding: null,
    } as pty.IPtyForkOptions);
    return {
      onData: (listener) => void proc.onData((data: string | Buffer) => listener(typeof data === "string" ? Buffer.from(data, "utf8") : data)),
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
    const { stdout } = await this.tmux(["capture-pane", "-p", "-t", `=${this.sessionOf(agentId)}:`]);
    return stdout;
  }

  private sessionOf(agentId: string): string {
    return `${SESSION_PREFIX}${assertAgentId(agentId)}`;
  }

  private tmux(args: string[]) {
    return run("tmux", [...this.serverArgs, ...args], { timeout: 10_000, env: { ...process.env, TMUX: "" } });
  }
}

/** tmux's ways of saying there is no such session, or no server at all yet. */
function isMissing(err: unknown): boolean {
  const text = `${(err as { stderr?: string }).stderr ?? ""}${(err as Error).message ?? ""}`;
  return /can't find session|can't find pane|no server running|session not found|error connecting to|server exited unexpectedly|lost server|no current target|No such file or directory/.test(text);
}
