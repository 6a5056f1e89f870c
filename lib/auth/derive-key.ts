import crypto from "node:crypto";

/**
 * Every key the hub signs or encrypts with is derived from the one root secret (SESSION_SECRET)
 * with HKDF-SHA256 and its own label, so replicas sharing the secret share the keys and no two
 * uses ever share a key.
 */
export const KEY_LABELS = {
  userToken: "scion-hub/user-token/v1",
  agentToken: "scion-hub/agent-token/v1",
  session: "scion-hub/nextauth-session/v1",
  identityHeader: "scion-hub/identity-header/v1",
  brokerSecret: "scion-hub/broker-secret-box/v1",
  replicaIdentity: "scion-hub/replica-identity/v1",
  agentEnv: "scion-hub/agent-env-box/v1",
  dispatchArgs: "scion-hub/dispatch-args-box/v1",
  secretStore: "scion-hub/secret-store/v1",
  webhookSecret: "scion-hub/webhook-secret/v1",
} as const;

export type KeyLabel = (typeof KEY_LABELS)[keyof typeof KEY_LABELS];

/**
 * Derived keys by root secret and label. HKDF costs as much as verifying a token, and every
 * request with a token needs one; a process knows one root secret (a test may start a few hubs).
 */
const derived = new Map<string, Map<KeyLabel, Uint8Array>>();

/** The key for `label` (32 bytes); callers must not modify it. */
export function deriveKey(rootSecret: string, label: KeyLabel): Uint8Array {
  let keys = derived.get(rootSecret);
  if (!keys) derived.set(rootSecret, (keys = new Map()));
  let key = keys.get(label);
  if (!key) keys.set(label, (key = new Uint8Array(crypto.hkdfSync("sha256", rootSecret, "scion-hub", label, 32))));
  return key;
}

/** The derived key as hex, for libraries that take a string secret (next-auth). */
export function deriveSecretString(rootSecret: string, label: KeyLabel): string {
  return Buffer.from(deriveKey(rootSecret, label)).toString("hex");
}
