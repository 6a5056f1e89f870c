import { deriveSecretString, KEY_LABELS } from "./derive-key";

export const SESSION_COOKIE = "next-auth.session-token";
export const SECURE_SESSION_COOKIE = "__Secure-next-auth.session-token";
export const SESSION_MAX_AGE_S = 30 * 24 * 60 * 60;

/** The secret next-auth encrypts its session cookie with: derived, so every replica agrees. */
export function nextAuthSecret(rootSecret: string): string {
  return deriveSecretString(rootSecret, KEY_LABELS.session);
}

// Loaded on first use: next-auth (and the jose it brings) is some 50 ms of the hub's start, and
// only the dev and OAuth sign-in modes use session cookies at all.
let jwt: Promise<typeof import("next-auth/jwt")> | undefined;
const nextAuthJwt = () => (jwt ??= import("next-auth/jwt"));

/** A next-auth compatible session cookie value for a user (used by dev mode's auto sign-in). */
export async function encodeSessionCookie(
  rootSecret: string,
  user: { id: string; email: string; name: string | null },
): Promise<string> {
  const { encode } = await nextAuthJwt();
  return encode({
    token: { sub: user.id, email: user.email, name: user.name },
    secret: nextAuthSecret(rootSecret),
    maxAge: SESSION_MAX_AGE_S,
  });
}

/** The user id inside a session cookie, or null when it does not decrypt or has expired. */
export async function decodeSessionCookie(rootSecret: string, value: string): Promise<string | null> {
  const { decode } = await nextAuthJwt();
  try {
    const token = await decode({ token: value, secret: nextAuthSecret(rootSecret) });
    return typeof token?.sub === "string" ? token.sub : null;
  } catch {
    return null;
  }
}

/** Reads one cookie from a Cookie header without a dependency. */
export function readCookie(header: string | undefined | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(raw);
      } catch {
        return raw;
      }
    }
  }
  return undefined;
}
