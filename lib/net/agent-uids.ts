/**
 * The uids a root broker gives its agents' accounts (one per agent, see broker/agent-users.ts).
 * The hub knows them too, to tell an agent's connection from a person's on the same machine.
 */
export const AGENT_UID_MIN = 200_000;
export const AGENT_UID_MAX = 299_999;

export function isAgentUid(uid: number): boolean {
  return uid >= AGENT_UID_MIN && uid <= AGENT_UID_MAX;
}
