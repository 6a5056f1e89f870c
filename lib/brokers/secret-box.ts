import crypto from "node:crypto";
import { deriveKey, KEY_LABELS } from "../auth/derive-key";

/**
 * Broker HMAC secrets are stored encrypted (AES-256-GCM, key derived from SESSION_SECRET), so a
 * database dump alone cannot impersonate a broker. Format: `v1.<iv>.<ciphertext>.<tag>`, base64url.
 */
export function sealSecret(rootSecret: string, plaintext: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv("aes-256-gcm", deriveKey(rootSecret, KEY_LABELS.brokerSecret), iv);
  const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return ["v1", iv, ct, cipher.getAuthTag()].map((p) => (typeof p === "string" ? p : p.toString("base64url"))).join(".");
}

export function openSecret(rootSecret: string, sealed: string): string {
  const [version, iv, ct, tag] = sealed.split(".");
  if (version !== "v1" || !iv || !ct || !tag) throw new Error("unknown secret format");
  const decipher = crypto.createDecipheriv("aes-256-gcm", deriveKey(rootSecret, KEY_LABELS.brokerSecret), Buffer.from(iv, "base64url"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString("utf8");
}
