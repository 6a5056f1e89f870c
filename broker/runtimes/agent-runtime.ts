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
}

/**
 * A way to run agents on a broker's machine: `local` (tmux sessions) or `docker` (a container
 * with tmux inside). Every operation is idempotent, so a retried dispatch is harmless.
 */
export interface AgentRuntime {
  readonly kind: "local" | "docker";
  /** The agent's workspace on this machine (created on demand). */
  workspaceOf(agentId: string): string;
  /** The agent's token file on this machine (0600 in a 0700 directory). */
  tokenFileOf(agentId: string): string;
  /** Starts the agent's session; an agent that is already running is left as it is. */
  start(spec: AgentSpec): Promise<void>;
  /** Asks the shim to end the harness (SIGTERM), then ends the session after `graceMs`. */
  stop(agentId: string, graceMs?: number): Promise<void>;
  /** Stops the agent and removes its workspace and token. */
  remove(agentId: string): Promise<void>;
  isRunning(agentId: string): Promise<boolean>;
  /** Sends a signal to the agent's first process (the shim). False when there is none. */
  signal(agentId: string, signal: NodeJS.Signals): Promise<boolean>;
  /** Types text into the agent's session, then Enter. */
  sendText(agentId: string, text: string): Promise<void>;
  /** Agents whose sessions are running. */
  listRunning(): Promise<string[]>;
  /** A terminal attached to the agent's session (closing it detaches; the session lives on). */
  openTerminal(agentId: string, size: { cols: number; rows: number }): Promise<TerminalProcess>;
  /** The current screen of the agent's session. */
  capture(agentId: string): Promise<string>;
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

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function assertAgentId(agentId: string): string {
  if (!UUID.test(agentId)) throw new Error(`not an agent id: ${agentId.slice(0, 60)}`);
  return agentId;
}

/** Writes a token file atomically, 0600 in a 0700 directory, so no reader sees half a token. */
export function writeTokenFile(file: string, token: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${token}\n`, { mode: 0o600 });
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

/** Where a broker keeps an agent's files: `<data>/workspaces/<id>` and `<data>/agents/<id>/agent-token`. */
export class AgentPaths {
  constructor(private readonly dataDir: string) {}

  workspaceOf(agentId: string): string {
    return path.join(this.dataDir, "workspaces", assertAgentId(agentId));
  }

  tokenFileOf(agentId: string): string {
    return path.join(this.dataDir, "agents", assertAgentId(agentId), "agent-token");
  }
}
