/**
 * The environment an agent starts from. Never the broker's own: a broker started by the hub
 * inherits the hub's environment (SESSION_SECRET, OAuth client secrets, DATABASE_URL), and
 * anything in it would be one `env` away from every agent. Only these variables come from the
 * broker; the rest is the agent's own (HOME, USER, TERM, the SCION_* variables of the shim, its
 * ports, its own env and secrets), added by the runtime.
 */
const INHERITED = /^(PATH|LANG|LANGUAGE|LC_[A-Z_]+|TZ)$/;

/** A PATH for agents when the broker has none. */
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface AgentEnvironmentOptions {
  home: string;
  /** The account the agent runs as (USER, LOGNAME). */
  user: string;
  /** Directories put before PATH (the shim's). */
  pathPrefix?: string[];
}

export function agentBaseEnvironment(
  opts: AgentEnvironmentOptions,
  source: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(source)) if (INHERITED.test(key) && value !== undefined) env[key] = value;
  env.PATH = [...(opts.pathPrefix ?? []), env.PATH || DEFAULT_PATH].join(":");
  return { ...env, HOME: opts.home, USER: opts.user, LOGNAME: opts.user, SHELL: "/bin/bash", TERM: "xterm-256color" };
}

/** The broker's own account name (agents of a broker that cannot switch users run as it). */
export function brokerUserName(): string {
  return process.env.USER || process.env.LOGNAME || "agent";
}
