import http from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from "jose";

/**
 * Plays Google IAP for tests: a real JWKS endpoint on loopback and an ES256 signer whose
 * assertions the hub must accept exactly as it would IAP's.
 */
export async function startFakeIap(audience: string, issuer = "https://cloud.google.com/iap") {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: "iap-test-key", alg: "ES256" };
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwk`;
  return {
    jwksUrl,
    async assertion(email: string, key: CryptoKey = privateKey): Promise<string> {
      return new SignJWT({ email: `accounts.google.com:${email}`, sub: `accounts.google.com:${email.length}` })
        .setProtectedHeader({ alg: "ES256", kid: "iap-test-key" })
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime("10m")
        .sign(key);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
