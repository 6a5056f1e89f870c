import crypto from "node:crypto";

/**
 * Signed broker requests (the control-channel upgrade and any broker → hub call). The canonical
 * string covers method, path, the raw query, the timestamp, a nonce and the SHA-256 of the body
 * (of the empty body when there is none), so nothing about the request can change unnoticed.
 */
export const BROKER_HEADERS = {
  brokerId: "x-scion-broker-id",
  timestamp: "x-scion-timestamp",
  nonce: "x-scion-nonce",
  signature: "x-scion-signature",
} as const;

export const MAX_SKEW_S = 5 * 60;

export interface SignableRequest {
  method: string;
  /** Path without the query. */
  path: string;
  /** The query string exactly as sent, without "?". */
  query: string;
  body?: Buffer | string;
}

export function canonicalString(req: SignableRequest, timestamp: string, nonce: string): string {
  const bodyHash = crypto
    .createHash("sha256")
    .update(req.body ?? "")
    .digest("base64");
  return [req.method.toUpperCase(), req.path, req.query, timestamp, nonce, bodyHash].join("\n");
}

export function signBrokerRequest(
  req: SignableRequest,
  brokerId: string,
  secret: string,
  now = Date.now(),
): Record<string, string> {
  const timestamp = String(Math.floor(now / 1000));
  const nonce = crypto.randomBytes(16).toString("base64url");
  const signature = crypto
    .createHmac("sha256", Buffer.from(secret, "base64url"))
    .update(canonicalString(req, timestamp, nonce))
    .digest("base64url");
  return {
    [BROKER_HEADERS.brokerId]: brokerId,
    [BROKER_HEADERS.timestamp]: timestamp,
    [BROKER_HEADERS.nonce]: nonce,
    [BROKER_HEADERS.signature]: signature,
  };
}

export type SignatureCheck =
  { ok: true; brokerId: string; nonce: string; timestamp: number } | { ok: false; reason: string };

/** The broker id and nonce a request claims, before the secret is looked up. */
export function readBrokerHeaders(
  headers: Record<string, string | string[] | undefined>,
): { brokerId: string; timestamp: string; nonce: string; signature: string } | null {
  const get = (name: string) => {
    const v = headers[name];
    return typeof v === "string" ? v : undefined;
  };
  const brokerId = get(BROKER_HEADERS.brokerId);
  const timestamp = get(BROKER_HEADERS.timestamp);
  const nonce = get(BROKER_HEADERS.nonce);
  const signature = get(BROKER_HEADERS.signature);
  if (!brokerId || !timestamp || !nonce || !signature) return null;
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(nonce) || !/^\d{1,12}$/.test(timestamp)) return null;
  return { brokerId, timestamp, nonce, signature };
}

/** Checks skew (±5 min) and the signature, in constant time. Replay is checked by the caller. */
export function verifyBrokerSignature(
  req: SignableRequest,
  claimed: NonNullable<ReturnType<typeof readBrokerHeaders>>,
  secret: string,
  now = Date.now(),
): SignatureCheck {
  const ts = Number(claimed.timestamp);
  if (Math.abs(now / 1000 - ts) > MAX_SKEW_S) return { ok: false, reason: "timestamp outside the allowed clock skew" };
  const expected = crypto
    .createHmac("sha256", Buffer.from(secret, "base64url"))
    .update(canonicalString(req, claimed.timestamp, claimed.nonce))
    .digest();
  let given: Buffer;
  try {
    given = Buffer.from(claimed.signature, "base64url");
  } catch {
    return { ok: false, reason: "malformed signature" };
  }
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected))
    return { ok: false, reason: "bad signature" };
  return { ok: true, brokerId: claimed.brokerId, nonce: claimed.nonce, timestamp: ts };
}
