import { decodeProtectedHeader, jwtVerify } from "jose";
import type { JwksCache } from "./jwks-cache";

export interface IapIdentity {
  email: string;
  subject: string;
}

export type IapResult = { ok: true; identity: IapIdentity } | { ok: false; reason: string };

export interface IapVerifyOptions {
  audience: string;
  issuer: string;
  jwks: JwksCache;
  now?: () => number;
}

const SKEW_S = 30;

/**
 * Verifies the `x-goog-iap-jwt-assertion` IAP adds to every request: ES256 only (so `none` and
 * HS256-with-the-public-key are refused), a key from IAP's JWKS by kid, the configured audience
 * and issuer, and exp/iat within ±30 s. The email is lowercased, without the
 * `accounts.google.com:` prefix. Called on every request: nothing about the signature is cached.
 */
export async function verifyIapAssertion(assertion: string | undefined, opts: IapVerifyOptions): Promise<IapResult> {
  if (!assertion) return { ok: false, reason: "missing assertion" };
  let kid: string | undefined;
  try {
    const header = decodeProtectedHeader(assertion);
    if (header.alg !== "ES256") return { ok: false, reason: `algorithm ${String(header.alg)} refused` };
    kid = header.kid;
  } catch {
    return { ok: false, reason: "malformed assertion" };
  }
  if (!kid) return { ok: false, reason: "no key id" };
  const key = await opts.jwks.getKey(kid);
  if (!key) return { ok: false, reason: "unknown key id" };
  try {
    const { payload } = await jwtVerify(assertion, key, {
      algorithms: ["ES256"],
      audience: opts.audience,
      issuer: opts.issuer,
      clockTolerance: SKEW_S,
      maxTokenAge: 3600,
      requiredClaims: ["exp", "iat", "sub", "email"],
      ...(opts.now && { currentDate: new Date(opts.now()) }),
    });
    if (typeof payload.email !== "string" || typeof payload.sub !== "string") return { ok: false, reason: "no email" };
    const email = payload.email
      .replace(/^accounts\.google\.com:/, "")
      .trim()
      .toLowerCase();
    return { ok: true, identity: { email, subject: payload.sub } };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
}
