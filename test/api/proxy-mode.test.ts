import { generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeIap } from "../fake-iap";
import { openEventStream } from "../sse-client";
import { startTestHub, type TestHub } from "../start-test-hub";
import { until } from "../until";

const AUDIENCE = "/projects/42/global/backendServices/7";
/** The signed identity header's lifetime here: 5 s instead of 60 s, so a 32 s stream outlives it six times over. */
const IDENTITY_MAX_AGE_MS = 5000;
let iap: Awaited<ReturnType<typeof startFakeIap>>;
let t: TestHub;

beforeAll(async () => {
  iap = await startFakeIap(AUDIENCE);
  t = await startTestHub({
    SCION_AUTH_MODE: "proxy",
    SCION_IAP_AUDIENCE: AUDIENCE,
    SCION_IAP_JWKS_URL: iap.jwksUrl,
    SCION_ADMIN_EMAILS: "ada@example.com",
    SCION_ALLOWED_DOMAINS: "example.com",
    SCION_IDENTITY_HEADER_MAX_AGE_MS: String(IDENTITY_MAX_AGE_MS),
  });
});
afterAll(async () => {
  await t.close();
  await iap.close();
});

const me = (headers: Record<string, string>) => fetch(`${t.url}/api/v1/auth/me`, { headers });

describe("proxy mode (Google IAP)", () => {
  it("a verified assertion signs the user in, provisioned as the configuration says", async () => {
    const res = await me({ "x-goog-iap-jwt-assertion": await iap.assertion("Ada@Example.com") });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ email: "ada@example.com", role: "admin", status: "active", kind: "user" });
    const member = await me({ "x-goog-iap-jwt-assertion": await iap.assertion("bob@example.com") });
    expect(await member.json()).toMatchObject({ email: "bob@example.com", role: "member" });
  });

  it("never trusts the unsigned IAP headers or a client's own identity header", async () => {
    const forged = await me({
      "x-goog-authenticated-user-email": "accounts.google.com:ada@example.com",
      "x-goog-authenticated-user-id": "accounts.google.com:1",
    });
    expect(forged.status).toBe(401);
    const ada = await t.hub.runtime.prisma.user.findUniqueOrThrow({ where: { email: "ada@example.com" } });
    const spoofed = await me({ "x-scion-identity": `${ada.id}.${Date.now()}.AAAA` });
    expect(spoofed.status).toBe(401);
  });

  it("refuses an assertion signed by another key with 401 and the envelope", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const res = await me({ "x-goog-iap-jwt-assertion": await iap.assertion("ada@example.com", privateKey) });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: "unauthorized", message: "The IAP assertion did not verify." } });
  });

  it("refuses someone outside the allowed domains and allow list", async () => {
    const res = await me({ "x-goog-iap-jwt-assertion": await iap.assertion("mallory@evil.test") });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(
      "mallory@evil.test is not allowed to sign in",
    );
    expect(await t.hub.runtime.prisma.user.count({ where: { email: "mallory@evil.test" } })).toBe(0);
  });

  it("a suspended user is refused on the API and shown why on pages", async () => {
    await t.hub.runtime.prisma.user.upsert({
      where: { email: "sam@example.com" },
      create: { email: "sam@example.com", status: "suspended" },
      update: { status: "suspended" },
    });
    const assertion = await iap.assertion("sam@example.com");
    const api = await me({ "x-goog-iap-jwt-assertion": assertion });
    expect(api.status).toBe(403);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe("forbidden");
    const page = await fetch(`${t.url}/`, { headers: { "x-goog-iap-jwt-assertion": assertion, accept: "text/html" } });
    expect(page.status).toBe(403);
    expect(await page.text()).toContain("This account is suspended. Ask an administrator to reactivate it.");
  });

  it("logout points the browser at IAP's logout", async () => {
    // The dashboard's own page sends it (same origin): an IAP identity counts only from there (CSRF).
    const res = await fetch(`${t.url}/api/v1/auth/logout`, {
      method: "POST",
      headers: { "x-goog-iap-jwt-assertion": await iap.assertion("ada@example.com"), origin: t.url },
      redirect: "manual",
    });
    expect(res.headers.get("location")).toBe("/_gcp_iap/clear_login_cookie");
    expect(await res.json()).toEqual({ ok: true, location: "/_gcp_iap/clear_login_cookie" });
    const providers = await (await fetch(`${t.url}/api/v1/auth/providers`)).json();
    expect(providers).toEqual({ mode: "proxy", providers: [{ id: "iap", name: "Google IAP" }] });
  });

  it("an event stream outlives its identity header many times over, keeps delivering, and still ends at once on suspension", async () => {
    const iapHeaders = async (email: string) => ({ "x-goog-iap-jwt-assertion": await iap.assertion(email) });
    const lena = (await (await me(await iapHeaders("lena@example.com"))).json()) as { id: string };
    const lenaStream = await openEventStream(
      `${t.url}/api/v1/events?sub=broker.>`,
      await iapHeaders("lena@example.com"),
    );
    try {
      expect(lenaStream.res.status).toBe(200);
      // Two 15 s re-checks, both long after the header the stream was opened with expired.
      await new Promise((r) => setTimeout(r, 32_000));
      expect(lenaStream.isClosed()).toBe(false);
      await t.hub.runtime.events.publish({ subject: "broker.late.status", data: { id: "late" } });
      await lenaStream.next((e) => (e.data as { subject: string }).subject === "broker.late.status");
      const started = Date.now();
      const patch = await fetch(`${t.url}/api/v1/users/${lena.id}`, {
        method: "PATCH",
        headers: { ...(await iapHeaders("ada@example.com")), "content-type": "application/json", origin: t.url },
        body: JSON.stringify({ status: "suspended" }),
      });
      expect(patch.status).toBe(200);
      await until(() => lenaStream.isClosed(), "the suspended person's stream to end", 5000);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      lenaStream.close();
    }
  }, 60_000);
});
