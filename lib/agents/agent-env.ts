import { KEY_LABELS } from "../auth/derive-key";
import { openWith, sealWith } from "../brokers/secret-box";

export type AgentEnv = Record<string, string>;

/**
 * An agent's env map is sealed at rest (AES-256-GCM, its own derived key): it is where people put
 * API keys, and a database dump or backup must not hand them out. Null when the map is empty.
 * The API never returns it; the broker gets it in clear only in the start request.
 */
export function sealAgentEnv(rootSecret: string, env: AgentEnv): string | null {
  return Object.keys(env).length === 0 ? null : sealWith(rootSecret, KEY_LABELS.agentEnv, JSON.stringify(env));
}

/** The agent's env map in clear, for the start request only. */
export function openAgentEnv(rootSecret: string, agent: { envSealed: string | null; legacyEnv?: unknown }): AgentEnv {
  if (agent.envSealed) return JSON.parse(openWith(rootSecret, KEY_LABELS.agentEnv, agent.envSealed)) as AgentEnv;
  // A row the boot-time sealing has not reached yet (lib/agents/seal-legacy-agent-env.ts).
  return toEnvMap(agent.legacyEnv);
}

/** The string entries of a stored (legacy, plaintext) env value; anything else is dropped. */
export function toEnvMap(value: unknown): AgentEnv {
  if (!value || typeof value !== "object" || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === "string"));
}
