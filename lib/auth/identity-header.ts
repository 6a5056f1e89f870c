import crypto from "node:crypto";
import { deriveKey, KEY_LABELS } from "./derive-key";

/**
 * The header server.ts uses to hand a verified IAP identity to Next.js route handlers and pages.
 * server.ts deletes it from every incoming request before anything else, and what it sets is
 * HMAC-signed and short-lived, so a client can never forge it.
 */
export const IDENTITY_HEADER = "x-scion-identity";
/** The default lifetime; the hub passes `identityHeaderMaxAgeMs` from its config. */
export const IDENTITY_MAX_AGE_MS = 60_000;

export function signIdentity(rootSecret: string, userId: string, now = Date.now()): string {
  const payload = `${userId}.${now}`;
  return `${payload}.${mac(rootSecret, payload)}`;
}

/** The user id in a signed identity header, or null when it is forged, malformed or stale. */
export function verifyIdentity(
  rootSecret: string,
  value: string | undefined | null,
  now = Date.now(),
  maxAgeMs = IDENTITY_MAX_AGE_MS,
): string | null {
  if (!value) return null;
  const parts = value.split(".");
  if (parts.length !== 3) return null;
  const [userId, at, sig] = parts as [string, string, string];
  const expected = Buffer.from(mac(rootSecret, `${userId}.${at}`));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return null;
  const age = now - Number(at);
  return Number.isFinite(age) && age >= -5000 && age <= maxAgeMs ? userId : null;
}

function mac(rootSecret: string, payload: string): string {
  return crypto
    .createHmac("sha256", deriveKey(rootSecret, KEY_LABELS.identityHeader))
    .update(payload)
    .digest("base64url");
}
