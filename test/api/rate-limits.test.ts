import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openEventStream } from "../sse-client";
import { anonymous, startTestHub, type TestHub, type TestUser } from "../start-test-hub";
import { until } from "../until";

/**
 * Rate limits, configured low: sign-in attempts per client address (oauth mode, one trusted
 * proxy hop), API tokens and agent creations per user, open event streams per user. Over a
 * limit: 429 `rate_limited` in the envelope, with Retry-After in seconds.
 */
let t: TestHub;
let projectId: string;

beforeAll(async () => {
  t = await startTestHub({
    SCION_AUTH_MODE: "oauth",
    SCION_OIDC_ISSUER: "http://127.0.0.1:9",
    SCION_OIDC_CLIENT_ID: "rate-limits",
    SCION_OIDC_CLIENT_SECRET: "rate-limits-secret",
    SCION_RATE_LIMIT_SIGN_INS_PER_MINUTE: "3",
    SCION_RATE_LIMIT_TOKENS_PER_HOUR: "3",
    SCION_RATE_LIMIT_AGENT_CREATIONS_PER_MINUTE: "3",
    SCION_RATE_LIMIT_EVENT_STREAMS: "2",
    SCION_TRUSTED_PROXY_HOPS: "1",
  });
  const admin = await t.createUser({ role: "admin" });
  projectId = (
    (await (await admin.request("/api/v1/projects", { method: "POST", json: { name: "limits" } })).json()) as {
      id: string;
    }
  ).id;
});
afterAll(async () => {
  await t?.close();
});

/** A 429 with the envelope, Retry-After in whole seconds, the same figure in details. */
async function expectRateLimited(res: Response, maxSeconds: number): Promise<number> {
  // The status first: a stream that was not refused never ends, so its body cannot be read.
  expect(res.status).toBe(429);
  const text = await res.text();
  const retryAfter = res.headers.get("retry-after");
  expect(retryAfter).toMatch(/^[1-9]\d*$/);
  expect(Number(retryAfter)).toBeLessThanOrEqual(maxSeconds);
  const body = JSON.parse(text) as { error: unknown };
  expect(body.error).toEqual({
    code: "rate_limited",
    message: expect.stringMatching(/^Too many .* Try again in \d+ s\.$/),
    details: { retryAfterSeconds: Number(retryAfter) },
  });
  return Number(retryAfter);
}

describe("rate limits", () => {
  it("API token creation: 3 an hour per user here; the 4th is 429 with Retry-After; another user is unaffected", async () => {
    const alice = await t.createUser();
    const bob = await t.createUser();
    const mint = (u: TestUser) =>
      u.request("/api/v1/tokens", { method: "POST", json: { name: "cli", expiresInDays: 1 } });
    for (let i = 0; i < 3; i++) expect((await mint(alice)).status).toBe(201);
    // 3 an hour refill one every 1200 s.
    expect(await expectRateLimited(await mint(alice), 1200)).toBeGreaterThan(1100);
    expect((await mint(bob)).status).toBe(201);
    // Refused means nothing was minted: the token createUser made plus three.
    expect(await t.hub.runtime.prisma.apiToken.count({ where: { userId: alice.user.id } })).toBe(4);
  });

  it("agent creation: 3 a minute per user across both create routes; refused creations write nothing", async () => {
    const alice = await t.createUser();
    const bob = await t.createUser();
    const viaAgents = (u: TestUser, name: string) =>
      u.request("/api/v1/agents", { method: "POST", json: { projectId, name } });
    const viaProject = (u: TestUser, name: string) =>
      u.request(`/api/v1/projects/${projectId}/agents`, { method: "POST", json: { name } });
    expect((await viaAgents(alice, "a1")).status).toBe(201);
    expect((await viaProject(alice, "a2")).status).toBe(201);
    expect((await viaAgents(alice, "a3")).status).toBe(201);
    await expectRateLimited(await viaAgents(alice, "a4"), 20);
    await expectRateLimited(await viaProject(alice, "a5"), 20);
    expect(await t.hub.runtime.prisma.agent.count({ where: { ownerId: `user:${alice.user.id}` } })).toBe(3);
    expect((await viaProject(bob, "b1")).status).toBe(201);
  });

  it("event streams: 2 open at once per user here; the 3rd is 429 until one closes; another user is unaffected", async () => {
    const alice = await t.createUser();
    const bob = await t.createUser();
    const open = (u: TestUser) => openEventStream(`${t.url}/api/v1/events`, { authorization: `Bearer ${u.token}` });
    const first = await open(alice);
    const second = await open(alice);
    const streams = [first, second];
    try {
      expect([first.res.status, second.res.status]).toEqual([200, 200]);
      const third = await fetch(`${t.url}/api/v1/events`, { headers: { authorization: `Bearer ${alice.token}` } });
      expect(await expectRateLimited(third, 30)).toBe(30);
      const bobs = await open(bob);
      streams.push(bobs);
      expect(bobs.res.status).toBe(200);
      // A stream that ends gives its slot back.
      first.close();
      const again = await until(async () => {
        const s = await open(alice);
        if (s.res.status === 200) return s;
        s.close();
        return undefined;
      }, "a slot after a stream closed");
      streams.push(again);
      // An anonymous caller still gets the stream's own 401, not a count.
      expect((await anonymous(t)("/api/v1/events")).status).toBe(401);
    } finally {
      for (const s of streams) s.close();
    }
  });

  it("sign-in attempts: 3 a minute per client address; the address is what the trusted proxy saw, not what the client claims", async () => {
    const attempt = (forwardedFor: string, action = "signin") =>
      fetch(`${t.url}/api/auth/${action}/oidc`, {
        method: "POST",
        headers: { "x-forwarded-for": forwardedFor, "content-type": "application/x-www-form-urlencoded" },
        body: "csrfToken=x",
        redirect: "manual",
      });
    expect((await attempt("198.51.100.1")).status).not.toBe(429);
    expect((await attempt("198.51.100.1", "callback")).status).not.toBe(429);
    expect((await attempt("198.51.100.1")).status).not.toBe(429);
    const refused = await attempt("198.51.100.1");
    const body = (await refused.clone().json()) as { url?: string };
    await expectRateLimited(refused, 20);
    // next-auth's signIn() sends the browser to `url`: the login page, which says why.
    expect(body.url).toBe("/login?error=RateLimited");
    // Prepending addresses of one's own choosing does not buy a fresh bucket.
    await expectRateLimited(await attempt("203.0.113.9, 198.51.100.1", "callback"), 20);
    // Another client is not held up, and reading next-auth's endpoints is not an attempt.
    expect((await attempt("198.51.100.2")).status).not.toBe(429);
    for (let i = 0; i < 5; i++)
      expect((await fetch(`${t.url}/api/auth/csrf`, { headers: { "x-forwarded-for": "198.51.100.1" } })).status).toBe(
        200,
      );
    const login = await fetch(`${t.url}/login?error=RateLimited`);
    expect(await login.text()).toContain("Too many sign-in attempts from your address");
  });
});
