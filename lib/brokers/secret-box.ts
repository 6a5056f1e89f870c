import crypto from "node:crypto";
import { deriveKey, KEY_LABELS, type KeyLabel } from "../auth/derive-key";

/**
 * Secrets at rest are sealed with AES-256-GCM under a key derived from SESSION_SECRET, one label
 * per use (broker HMAC secrets, agent env maps, dispatch arguments), so a database dump alone
 * reveals none of them and no sealed value can pass for another kind. Format:
 * `v1.<iv>.<ciphertext>.<tag>`, base64url.
 */
export function sealWith(rootSecret: string, label: KeyLabel, plaintext: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv("aes-256-gcm", deriveKey(rootSecret, label), iv);
  const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return ["v1", iv, ct, cipher.getAuthTag()]
    .map((p) => (typeof p === "string" ? p : p.toString("base64url")))
    .join(".");
}

/** The plaintext of a sealed value; throws when it was sealed under another key or label, or altered. */
export function openWith(rootSecret: string, label: KeyLabel, sealed: string): string {
  const [version, iv, ct, tag] = sealed.split(".");
  if (version !== "v1" || !iv || ct === undefined || !tag) throw new Error("unknown secret format");
  const decipher = crypto.createDecipheriv("aes-256-gcm", deriveKey(rootSecret, label), Buffer.from(iv, "base64url"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString("utf8");
}

/** Broker HMAC secrets: sealed, so a database dump alone cannot impersonate a broker. */
export function sealSecret(rootSecret: string, plaintext: string): string {
  return sealWith(rootSecret, KEY_LABELS.brokerSecret, plaintext);
}

export function openSecret(rootSecret: string, sealed: string): string {
  return openWith(rootSecret, KEY_LABELS.brokerSecret, sealed);
}
