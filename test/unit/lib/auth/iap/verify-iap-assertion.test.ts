import http from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { captureLogger } from "../../../../silent-logger";
import { JwksCache } from "../../../../../lib/auth/iap/jwks-cache";
import { verifyIapAssertion } from "../../../../../lib/auth/iap/verify-iap-assertion";

const AUDIENCE = "/projects/123/global/backendServices/456";
const ISSUER = "https://cloud.google.com/iap";

interface KeyPair {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function es256(kid: string): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" } };
}

/** A real JWKS endpoint on loopback whose keys, status and request count tests control. */
const jwksServer = { keys: [] as JWK[], status: 200, requests: 0, delayMs: 0, url: "" };
let server: http.Server;
let current: KeyPair;
let clock = Date.now();
const now = () => clock;

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    jwksServer.requests++;
    setTimeout(() => {
      res.writeHead(jwksServer.status, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys: jwksServer.keys }));
    }, jwksServer.delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  jwksServer.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
});
afterAll(() => server.close());

beforeEach(async () => {
  current = await es256("key-1");
  Object.assign(jwksServer, { keys: [current.jwk], status: 200, requests: 0, delayMs: 0 });
  clock = Date.now();
});

function cache() {
  return new JwksCache({ url: jwksServer.url, logger: captureLogger().logger, now, fetchTimeoutMs: 500 });
}

async function sign(
  claims: Record<string, unknown> = {},
  opts: { key?: KeyPair; iat?: number; exp?: number; header?: Record<string, unknown> } = {},
) {
  const key = opts.key ?? current;
  const iat = opts.iat ?? Math.floor(clock / 1000);
  const { aud = AUDIENCE, iss = ISSUER, ...rest } = claims as { aud?: string; iss?: string };
  return new SignJWT({ email: "accounts.google.com:Ada@Example.com", sub: "accounts.google.com:1234", ...rest })
    .setProtectedHeader({ alg: "ES256", kid: key.kid, ...opts.header })
    .setIssuer(iss)
    .setAudience(aud)
    .setIssuedAt(iat)
    .setExpirationTime(opts.exp ?? iat + 600)
    .sign(key.privateKey);
}

const verify = (assertion: string | undefined, jwks = cache(), audience = AUDIENCE) =>
  verifyIapAssertion(assertion, { audience, issuer: ISSUER, jwks, now });

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

describe("verifyIapAssertion", () => {
  it("accepts a valid assertion and normalises the email", async () => {
    expect(await verify(await sign())).toEqual({
      ok: true,
      identity: { email: "ada@example.com", subject: "accounts.google.com:1234" },
    });
  });

  it.each([
    ["a bad signature", async () => (await sign()).slice(0, -4) + "AAAA"],
    ["a wrong audience", () => sign({ aud: "/projects/999/global/backendServices/1" })],
    ["a wrong issuer", () => sign({ iss: "https://evil.example.com" })],
    ["an expired token", () => sign({}, { iat: Math.floor(clock / 1000) - 1200, exp: Math.floor(clock / 1000) - 60 })],
    [
      "a token issued in the future",
      () => sign({}, { iat: Math.floor(clock / 1000) + 120, exp: Math.floor(clock / 1000) + 720 }),
    ],
    ["an unknown kid", async () => sign({}, { key: { ...(await es256("other")), kid: "unknown-kid" } })],
    ["a key not in the JWKS under a known kid", async () => sign({}, { key: { ...(await es256("x")), kid: "key-1" } })],
    [
      "alg none",
      async () =>
        `${b64({ alg: "none", kid: "key-1" })}.${b64({ email: "ada@example.com", sub: "1", aud: AUDIENCE, iss: ISSUER, iat: Math.floor(clock / 1000), exp: Math.floor(clock / 1000) + 600 })}.`,
    ],
    [
      "HS256 keyed with the public key",
      async () => {
        const { createHmac } = await import("node:crypto");
        const head = `${b64({ alg: "HS256", kid: "key-1" })}.${b64({ email: "ada@example.com", sub: "1", aud: AUDIENCE, iss: ISSUER, iat: Math.floor(clock / 1000), exp: Math.floor(clock / 1000) + 600 })}`;
        return `${head}.${createHmac("sha256", JSON.stringify(current.jwk)).update(head).digest("base64url")}`;
      },
    ],
    ["a malformed token", async () => "not-a-jwt"],
    ["a missing token", async () => undefined],
    ["a token without an email", () => sign({ email: undefined })],
  ])("refuses %s", async (_case, make) => {
    const result = await verify(await make());
    expect(result.ok).toBe(false);
  });

  it("accepts clock skew within 30 s and refuses beyond it", async () => {
    const t0 = Math.floor(clock / 1000);
    expect((await verify(await sign({}, { iat: t0 - 600, exp: t0 - 20 }))).ok).toBe(true);
    expect((await verify(await sign({}, { iat: t0 - 600, exp: t0 - 40 }))).ok).toBe(false);
    expect((await verify(await sign({}, { iat: t0 + 20, exp: t0 + 600 }))).ok).toBe(true);
  });
});

describe("JwksCache", () => {
  it("fetches lazily, once, and serves known kids from memory", async () => {
    const jwks = cache();
    expect(jwksServer.requests).toBe(0);
    for (let i = 0; i < 5; i++) expect((await verify(await sign(), jwks)).ok).toBe(true);
    expect(jwksServer.requests).toBe(1);
  });

  it("follows a key rotation when a token names the new kid", async () => {
    const jwks = cache();
    expect((await verify(await sign(), jwks)).ok).toBe(true);
    const rotated = await es256("key-2");
    jwksServer.keys = [current.jwk, rotated.jwk];
    clock += 31_000;
    expect((await verify(await sign({}, { key: rotated }), jwks)).ok).toBe(true);
    expect(jwksServer.requests).toBe(2);
  });

  it("keeps the last good keys through an outage", async () => {
    const jwks = cache();
    expect((await verify(await sign(), jwks)).ok).toBe(true);
    jwksServer.status = 503;
    clock += 2 * 60 * 60 * 1000; // stale: a background refresh is attempted and fails
    expect((await verify(await sign(), jwks)).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect((await verify(await sign(), jwks)).ok).toBe(true);
    expect(jwksServer.requests).toBe(2);
  });

  it("a storm of unknown kids causes at most one fetch per 30 s, never concurrent", async () => {
    const jwks = cache();
    await verify(await sign(), jwks);
    jwksServer.delayMs = 100;
    clock += 31_000;
    const forged = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => sign({}, { key: { ...(await es256("x")), kid: `forged-${i}` } })),
    );
    const results = await Promise.all(forged.map((f) => verify(f, jwks)));
    expect(results.every((r) => !r.ok)).toBe(true);
    expect(jwksServer.requests).toBe(2);
    const more = await Promise.all(forged.slice(0, 10).map((f) => verify(f, jwks)));
    expect(more.every((r) => !r.ok)).toBe(true);
    expect(jwksServer.requests).toBe(2);
  });

  it("gives up on a hanging JWKS endpoint after the timeout", async () => {
    jwksServer.delayMs = 2000;
    const started = Date.now();
    expect((await verify(await sign(), cache())).ok).toBe(false);
    expect(Date.now() - started).toBeLessThan(1500);
  });
});
