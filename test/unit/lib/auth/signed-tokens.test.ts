import crypto from "node:crypto";
import { SignJWT, UnsecuredJWT } from "jose";
import { describe, expect, it } from "vitest";
import { deriveKey, KEY_LABELS } from "../../../../lib/auth/derive-key";
import {
  AGENT_TOKEN_PREFIX,
  mintSignedToken,
  USER_TOKEN_PREFIX,
  verifySignedToken,
} from "../../../../lib/auth/signed-tokens";

const SECRET = "a-root-secret-for-the-signed-token-tests-0123456789";
const key = deriveKey(SECRET, KEY_LABELS.agentToken);

/** An agent token signed with the agent key, with whatever header and claims the test wants. */
async function forge(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
  signWith: Uint8Array = key,
): Promise<string> {
  const jwt = await new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT", ...header } as { alg: string })
    .sign(signWith);
  return AGENT_TOKEN_PREFIX + jwt;
}

const now = () => Math.floor(Date.now() / 1000);
const good = () => ({ sub: "agent-1", iss: "scion-hub", aud: "scion-hub/agent", exp: now() + 600 });

describe("verifySignedToken", () => {
  it("accepts what mintSignedToken made, with its claims", async () => {
    const token = await mintSignedToken(SECRET, "agent", { sub: "a1", tv: 3 }, new Date(Date.now() + 60_000));
    const result = await verifySignedToken(SECRET, "agent", token);
    expect(result).toMatchObject({ ok: true, payload: { sub: "a1", tv: 3, iss: "scion-hub", aud: "scion-hub/agent" } });
  });

  it("refuses a changed signature, payload or root secret", async () => {
    const token = await forge(good());
    const [h, p, sig] = token.slice(AGENT_TOKEN_PREFIX.length).split(".") as [string, string, string];
    const flipped = (sig[0] === "A" ? "B" : "A") + sig.slice(1);
    expect(await verifySignedToken(SECRET, "agent", `${AGENT_TOKEN_PREFIX}${h}.${p}.${flipped}`)).toEqual({
      ok: false,
      reason: "invalid",
    });
    const other = Buffer.from(JSON.stringify({ ...good(), sub: "agent-2" })).toString("base64url");
    expect((await verifySignedToken(SECRET, "agent", `${AGENT_TOKEN_PREFIX}${h}.${other}.${sig}`)).ok).toBe(false);
    expect((await verifySignedToken(`${SECRET}-other`, "agent", token)).ok).toBe(false);
  });

  it("keeps kinds apart: a user token is not an agent token, even re-prefixed", async () => {
    const user = await mintSignedToken(SECRET, "user", { sub: "u1" }, new Date(Date.now() + 60_000));
    expect(await verifySignedToken(SECRET, "agent", user)).toEqual({ ok: false, reason: "malformed" });
    const reprefixed = AGENT_TOKEN_PREFIX + user.slice(USER_TOKEN_PREFIX.length);
    expect(await verifySignedToken(SECRET, "agent", reprefixed)).toEqual({ ok: false, reason: "invalid" });
  });

  it("refuses alg none, other algorithms and critical extensions", async () => {
    const unsecured = AGENT_TOKEN_PREFIX + new UnsecuredJWT(good()).encode();
    expect((await verifySignedToken(SECRET, "agent", unsecured)).ok).toBe(false);
    expect((await verifySignedToken(SECRET, "agent", await forge(good(), { alg: "HS512" }))).ok).toBe(false);
    // jose will not sign an unknown critical extension: signed by hand, with the right key.
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const signingInput = `${b64({ alg: "HS256", typ: "JWT", crit: ["x"], x: 1 })}.${b64(good())}`;
    const sig = crypto.createHmac("sha256", key).update(signingInput).digest("base64url");
    const crit = `${AGENT_TOKEN_PREFIX}${signingInput}.${sig}`;
    expect(await verifySignedToken(SECRET, "agent", crit)).toEqual({ ok: false, reason: "invalid" });
  });

  it("checks issuer, audience, expiry and not-before with 30 s of tolerance", async () => {
    const verify = async (claims: Record<string, unknown>) => verifySignedToken(SECRET, "agent", await forge(claims));
    expect(await verify({ ...good(), iss: "someone-else" })).toEqual({ ok: false, reason: "invalid" });
    expect(await verify({ ...good(), aud: "scion-hub/user" })).toEqual({ ok: false, reason: "invalid" });
    expect((await verify({ ...good(), aud: ["x", "scion-hub/agent"] })).ok).toBe(true);
    expect(await verify({ ...good(), exp: now() - 31 })).toEqual({ ok: false, reason: "expired" });
    expect((await verify({ ...good(), exp: now() - 10 })).ok).toBe(true);
    expect(await verify({ ...good(), nbf: now() + 120 })).toEqual({ ok: false, reason: "invalid" });
    expect((await verify({ ...good(), nbf: now() + 10 })).ok).toBe(true);
    const { exp: _exp, ...noExp } = good();
    expect(await verify(noExp)).toEqual({ ok: false, reason: "invalid" });
    const { sub: _sub, ...noSub } = good();
    expect(await verify(noSub)).toEqual({ ok: false, reason: "invalid" });
  });

  it("calls garbage malformed", async () => {
    for (const junk of ["", "a.b", "a.b.c.d", "%%%.e30.x", "e30.e30.", `e30.${"!".repeat(4)}.e30`])
      expect(await verifySignedToken(SECRET, "agent", AGENT_TOKEN_PREFIX + junk)).toMatchObject({ ok: false });
    expect(await verifySignedToken(SECRET, "agent", "bearer-junk")).toEqual({ ok: false, reason: "malformed" });
  });
});
