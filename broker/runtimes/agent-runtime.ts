/** What a broker needs to run one agent. */
export interface AgentSpec {
  agentId: string;
  /** The command tmux runs: the harness's, or the user's for the generic harness. */
  command: string;
  env: Record<string, string>;
}

/**
 * A way to run agents on a broker's machine: `local` (tmux sessions) now, `docker` (a container
 * with tmux inside) next. Every operation is idempotent, so a retried dispatch is harmless.
 */
export interface AgentRuntime {
  readonly kind: "local" | "docker";
  /** Prepares the agent's workspace; keeps an existing one. */
  create(spec: AgentSpec): Promise<{ workspace: string }>;
  /** Starts the agent's session; an agent that is already running is left as it is. */
  start(spec: AgentSpec): Promise<void>;
  /** Ends the agent's session; a stopped agent stays stopped. */
  stop(agentId: string): Promise<void>;
  /** Stops the agent and removes its workspace. */
  remove(agentId: string): Promise<void>;
  isRunning(agentId: string): Promise<boolean>;
  /** Types text into the agent's session, then Enter. */
  sendText(agentId: string, text: string): Promise<void>;
  /** Agents whose sessions are running. */
  listRunning(): Promise<string[]>;
  /** The command a PTY runs to attach a terminal to the agent's session. */
  attachCommand(agentId: string): string[];
}
