import { execFile } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import type { AgentRuntime, AgentSpec } from "./agent-runtime";

const run = promisify(execFile);
const SESSION_PREFIX = "scion-";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The `local` runtime: each agent is a tmux session on this machine, on the broker's own tmux
 * server (a socket in its data directory, so the user's tmux is never touched), working in
 * `<data dir>/workspaces/<agent id>`. Environment variables go to the session with `-e`, never
 * through a shell string, and agent ids are UUIDs, so nothing from a request reaches a shell.
 */
export class LocalRuntime implements AgentRuntime {
  readonly kind = "local" as const;
  /** How tmux finds this broker's server: `-S <socket>`, or `-L <name>` when the path is too long. */
  readonly serverArgs: string[];
  private readonly workspaces: string;

  constructor(dataDir: string) {
    const socket = path.join(dataDir, "tmux.sock");
    // Unix socket paths are limited to about 107 bytes.
    this.serverArgs = Buffer.byteLength(socket) <= 100 ? ["-S", socket] : ["-L", `scion-${crypto.createHash("sha256").update(dataDir).digest("hex").slice(0, 16)}`];
    this.workspaces = path.join(dataDir, "workspaces");
  }

  async create(spec: AgentSpec): Promise<{ workspace: string }> {
    const workspace = this.workspaceOf(spec.agentId);
    await fs.mkdir(workspace, { recursive: true, mode: 0o700 });
    return { workspace };
  }

  async start(spec: AgentSpec): Promise<void> {
    if (await this.isRunning(spec.agentId)) return;
    const { workspace } = await this.create(spec);
    const env = Object.entries(spec.env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
    await this.tmux(["new-session", "-d", "-s", this.sessionOf(spec.agentId), "-c", workspace, "-x", "200", "-y", "50", ...env, spec.command]);
  }

  async stop(agentId: string): Promise<void> {
    try {
      await this.tmux(["kill-session", "-t", `=${this.sessionOf(agentId)}`]);
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
  }

  async remove(agentId: string): Promise<void> {
    await this.stop(agentId);
    await fs.rm(this.workspaceOf(agentId), { recursive: true, force: true });
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

  /** The current screen of the agent's session (tests and diagnostics). */
  async capture(agentId: string): Promise<string> {
    const { stdout } = await this.tmux(["capture-pane", "-p", "-t", `=${this.sessionOf(agentId)}:`]);
    return stdout;
  }

  private sessionOf(agentId: string): string {
    if (!UUID.test(agentId)) throw new Error(`not an agent id: ${agentId.slice(0, 60)}`);
    return `${SESSION_PREFIX}${agentId}`;
  }

  private workspaceOf(agentId: string): string {
    return path.join(this.workspaces, this.sessionOf(agentId).slice(SESSION_PREFIX.length));
  }

  private tmux(args: string[]) {
    return run("tmux", [...this.serverArgs, ...args], { timeout: 10_000, env: { ...process.env, TMUX: "" } });
  }
}

/** tmux's ways of saying there is no such session, or no server at all yet. */
function isMissing(err: unknown): boolean {
  const text = `${(err as { stderr?: string }).stderr ?? ""}${(err as Error).message ?? ""}`;
  return /can't find session|no server running|session not found|error connecting to|No such file or directory/.test(text);
}
