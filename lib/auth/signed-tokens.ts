import crypto from "node:crypto";
import { SignJWT, type JWTPayload } from "jose";
import { deriveKey, KEY_LABELS, type KeyLabel } from "./derive-key";

const ISSUER = "scion-hub";
export const USER_TOKEN_PREFIX = "scion_u_";
export const AGENT_TOKEN_PREFIX = "scion_a_";

type TokenKind = "user" | "agent";

const settings = {
  user: { label: KEY_LABELS.userToken, audience: "scion-hub/user", prefix: USER_TOKEN_PREFIX },
  agent: { label: KEY_LABELS.agentToken, audience: "scion-hub/agent", prefix: AGENT_TOKEN_PREFIX },
} as const;

/**
 * The kind's HMAC key as a WebCrypto key, imported once per root secret: jose would import raw
 * bytes again for every token it signs or verifies, and every request with a token verifies one.
 */
const hmacKeys = new Map<string, Promise<CryptoKey>>();
function hmacKey(rootSecret: string, label: KeyLabel): Promise<CryptoKey> {
  const id = `${label}\u0000${rootSecret}`;
  let key = hmacKeys.get(id);
  if (!key) {
    key = crypto.subtle.importKey(
      "raw",
      deriveKey(rootSecret, label) as Uint8Array<ArrayBuffer>,
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    hmacKeys.set(id, key);
  }
  return key;
}

/**
 * Mints a prefixed HS256 JWT with the key derived for its kind. The prefix makes tokens easy to
 * recognise (and to scan for in leaked text); the kind's own key and audience keep a user token
 * from ever verifying as an agent token and vice versa.
 */
export async function mintSignedToken(
  rootSecret: string,
  kind: TokenKind,
  claims: JWTPayload & { sub: string; jti?: string },
  expiresAt: Date,
): Promise<string> {
  const s = settings[kind];
  const jwt = await new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(ISSUER)
    .setAudience(s.audience)
    .setIssuedAt()
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(await hmacKey(rootSecret, s.label));
  return s.prefix + jwt;
}

export type VerifyResult =
  { ok: true; payload: JWTPayload & { sub: string } } | { ok: false; reason: "malformed" | "expired" | "invalid" };

/**
 * Verifies signature (HS256 only), issuer, audience and expiry (±30 s clock skew), as jose's
 * jwtVerify would with those options, but with node:crypto's HMAC in the calling thread: every
 * request with a token comes through here, and WebCrypto's asynchronous verify cost more than all
 * the rest of a status report. The signature is compared in constant time before anything of the
 * payload is read; a header that is not `alg: HS256` or asks for extensions (`crit`) is refused.
 */
export async function verifySignedToken(rootSecret: string, kind: TokenKind, token: string): Promise<VerifyResult> {
  const s = settings[kind];
  if (!token.startsWith(s.prefix)) return { ok: false, reason: "malformed" };
  const parts = token.slice(s.prefix.length).split(".");
  if (parts.length !== 3 || parts.some((p) => !BASE64URL.test(p))) return { ok: false, reason: "malformed" };
  const [header, body, signature] = parts as [string, string, string];
  const head = parseJsonObject(header);
  if (!head) return { ok: false, reason: "malformed" };
  if (head.alg !== "HS256" || "crit" in head || "b64" in head) return { ok: false, reason: "invalid" };
  const expected = crypto.createHmac("sha256", deriveKey(rootSecret, s.label)).update(`${header}.${body}`).digest();
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected))
    return { ok: false, reason: "invalid" };
  const payload = parseJsonObject(body);
  if (!payload) return { ok: false, reason: "malformed" };
  const now = Math.floor(Date.now() / 1000);
  const { sub, exp, nbf, iss, aud } = payload;
  if (typeof sub !== "string" || typeof exp !== "number") return { ok: false, reason: "invalid" };
  if (iss !== ISSUER) return { ok: false, reason: "invalid" };
  if (!(aud === s.audience || (Array.isArray(aud) && aud.includes(s.audience))))
    return { ok: false, reason: "invalid" };
  if (nbf !== undefined && (typeof nbf !== "number" || nbf > now + CLOCK_TOLERANCE_S))
    return { ok: false, reason: "invalid" };
  if (exp <= now - CLOCK_TOLERANCE_S) return { ok: false, reason: "expired" };
  return { ok: true, payload: payload as JWTPayload & { sub: string } };
}

const CLOCK_TOLERANCE_S = 30;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** A base64url JSON object, or null for anything else. */
function parseJsonObject(part: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
