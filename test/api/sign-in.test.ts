import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeSessionCookie, SESSION_COOKIE } from "../../lib/auth/session-cookie";
import { SIGN_IN_REASONS } from "../../lib/auth/sign-in-reasons";
import { startTestHub, type TestHub } from "../start-test-hub";

/**
 * The login page and next-auth's callback URL in oauth mode, over HTTP: where a person is sent
 * after sign-in stays on the hub whatever the query says, and the page's error text is the
 * hub's own, never the query's.
 */
let t: TestHub;
let cookie: string;

// Raw query values, as an attacker's link would carry them: %09 is a tab, %5C a backslash.
const OFF_SITE = [
  "/%09/evil.example",
  "/%0A/evil.example",
  "//evil.example",
  "/%5Cevil.example",
  "%5C/evil.example",
  "https://evil.example/",
  "javascript:alert(1)",
  "https:evil.example",
];

beforeAll(async () => {
  t = await startTestHub({
    SCION_AUTH_MODE: "oauth",
    // Never contacted: these tests stop before the provider.
    SCION_OIDC_ISSUER: "http://127.0.0.1:9",
    SCION_OIDC_CLIENT_ID: "hub",
    SCION_OIDC_CLIENT_SECRET: "secret",
  });
  const user = await t.createUser();
  cookie = `${SESSION_COOKIE}=${await encodeSessionCookie(t.hub.runtime.sessionSecret, user.user)}`;
});
afterAll(async () => {
  await t.close();
});

/** Where a page sends the browser: a 3xx Location, or (once rendering streams) the redirect it renders. */
async function pageRedirect(res: Response): Promise<string | null> {
  if (res.status >= 300 && res.status < 400) return res.headers.get("location");
  return (
    /<meta id="__next-page-redirect" http-equiv="refresh" content="\d+;url=([^"]*)"/
      .exec(await res.text())?.[1]
      ?.replace(/&amp;/g, "&") ?? null
  );
}

/** The text of the login page's alert. */
async function alertText(query: string): Promise<string | undefined> {
  const html = await (await fetch(`${t.url}/login?${query}`, { headers: { accept: "text/html" } })).text();
  return /<p role="alert"[^>]*>([^<]*)<\/p>/.exec(html)?.[1]?.replace(/&#x27;/g, "'");
}

describe("sign-in redirects stay on the hub", () => {
  it.each(OFF_SITE)("the login page sends a signed-in person to / for callbackUrl=%s", async (raw) => {
    const res = await fetch(`${t.url}/login?callbackUrl=${raw}`, {
      headers: { cookie, accept: "text/html" },
      redirect: "manual",
    });
    expect(await pageRedirect(res)).toBe("/");
  });

  it("the login page sends a signed-in person back to a path on the hub", async () => {
    const res = await fetch(`${t.url}/login?callbackUrl=%2Fbrokers%3Fx%3D1`, {
      headers: { cookie, accept: "text/html" },
      redirect: "manual",
    });
    expect(await pageRedirect(res)).toBe("/brokers?x=1");
  });

  it.each(OFF_SITE)("next-auth keeps callbackUrl=%s on the hub", async (raw) => {
    const res = await fetch(`${t.url}/api/auth/csrf?callbackUrl=${raw}`);
    expect(res.status).toBe(200);
    const set = res.headers.getSetCookie().find((c) => c.startsWith("next-auth.callback-url="));
    expect(decodeURIComponent(set!.split(";")[0]!.slice("next-auth.callback-url=".length))).toBe(
      `${t.hub.runtime.config.publicUrl}/`,
    );
  });

  it("next-auth keeps a path on the hub", async () => {
    const res = await fetch(`${t.url}/api/auth/csrf?callbackUrl=%2Fprojects`);
    const set = res.headers.getSetCookie().find((c) => c.startsWith("next-auth.callback-url="));
    expect(decodeURIComponent(set!.split(";")[0]!.slice("next-auth.callback-url=".length))).toBe(
      `${t.hub.runtime.config.publicUrl}/projects`,
    );
  });
});

describe("the login page's error text", () => {
  it("shows fixed text per known reason code, never the query's own words", async () => {
    const forged = "Your account was compromised. Call +1 555 0100 now";
    expect(await alertText(`error=AccessDenied&reason=${encodeURIComponent(forged)}`)).toBe(
      "You are not allowed to sign in to this hub.",
    );
    for (const [code, text] of Object.entries(SIGN_IN_REASONS))
      expect(await alertText(`error=AccessDenied&reason=${code}`)).toBe(text);
    expect(await alertText(`error=${encodeURIComponent("Call us at +1 555 0100")}`)).toBe(
      "The sign-in failed. Try again.",
    );
    expect(await alertText(`error=OAuthCallback&reason=not_allowed`)).toBe(
      "The identity provider's answer could not be verified. Try again.",
    );
  });
});
