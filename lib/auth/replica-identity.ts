import crypto from "node:crypto";
import { deriveKey, KEY_LABELS } from "./derive-key";

/**
 * How one replica vouches for a person to another when it relays their terminal to the replica
 * holding the broker: the user id and the agent, signed with a key derived from SESSION_SECRET
 * for this purpose only, valid for 30 s. The receiving replica still checks that this person
 * may open this agent's terminal.
 */
export const REPLICA_IDENTITY_HEADER = "x-scion-replica-identity";
const MAX_AGE_MS = 30_000;

export function signReplicaIdentity(rootSecret: string, userId: string, agentId: string, now = Date.now()): string {
  const payload = `${userId}.${agentId}.${now}`;
  return `${payload}.${mac(rootSecret, payload)}`;
}

/** The user id vouched for, for this agent, or null when forged, for another agent, or stale. */
export function verifyReplicaIdentity(
  rootSecret: string,
  value: string | undefined,
  agentId: string,
  now = Date.now(),
): string | null {
  if (!value) return null;
  const parts = value.split(".");
  if (parts.length !== 4) return null;
  const [userId, forAgent, at, sig] = parts as [string, string, string, string];
  const expected = Buffer.from(mac(rootSecret, `${userId}.${forAgent}.${at}`));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return null;
  if (forAgent !== agentId) return null;
  const age = now - Number(at);
  return Number.isFinite(age) && age >= -5000 && age <= MAX_AGE_MS ? userId : null;
}

function mac(rootSecret: string, payload: string): string {
  return crypto
    .createHmac("sha256", deriveKey(rootSecret, KEY_LABELS.replicaIdentity))
    .update(payload)
    .digest("base64url");
}
