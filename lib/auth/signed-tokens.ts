import { errors, jwtVerify, SignJWT, type JWTPayload } from "jose";
import { deriveKey, KEY_LABELS } from "./derive-key";

const ISSUER = "scion-hub";
export const USER_TOKEN_PREFIX = "scion_u_";
export const AGENT_TOKEN_PREFIX = "scion_a_";

type TokenKind = "user" | "agent";

const settings = {
  user: { label: KEY_LABELS.userToken, audience: "scion-hub/user", prefix: USER_TOKEN_PREFIX },
  agent: { label: KEY_LABELS.agentToken, audience: "scion-hub/agent", prefix: AGENT_TOKEN_PREFIX },
} as const;

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
    .sign(deriveKey(rootSecret, s.label));
  return s.prefix + jwt;
}

export type VerifyResult =
  { ok: true; payload: JWTPayload & { sub: string } } | { ok: false; reason: "malformed" | "expired" | "invalid" };

/** Verifies signature (HS256 only), issuer, audience and expiry (±30 s clock skew). */
export async function verifySignedToken(rootSecret: string, kind: TokenKind, token: string): Promise<VerifyResult> {
  const s = settings[kind];
  if (!token.startsWith(s.prefix)) return { ok: false, reason: "malformed" };
  try {
    const { payload } = await jwtVerify(token.slice(s.prefix.length), deriveKey(rootSecret, s.label), {
      algorithms: ["HS256"],
      issuer: ISSUER,
      audience: s.audience,
      clockTolerance: 30,
      requiredClaims: ["sub", "exp"],
    });
    return { ok: true, payload: payload as JWTPayload & { sub: string } };
  } catch (err) {
    if (err instanceof errors.JWTExpired) return { ok: false, reason: "expired" };
    if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return { ok: false, reason: "malformed" };
    return { ok: false, reason: "invalid" };
  }
}
