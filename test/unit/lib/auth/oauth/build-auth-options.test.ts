import { afterEach, describe, expect, it, vi } from "vitest";
import type { AuthOptions } from "next-auth";
import { captureLogger } from "../../../../silent-logger";
import type { HubRuntime } from "../../../../../lib/runtime/hub-runtime";
import { buildAuthOptions } from "../../../../../lib/auth/oauth/build-auth-options";

/** The options as the providers' own defaults merged with ours, the way next-auth applies them. */
function provider(
  options: AuthOptions,
  id: string,
): Record<string, unknown> & { profile: (p: unknown, tokens: unknown) => Promise<Record<string, unknown>> } {
  const found = options.providers.find((p) => p.id === id) as unknown as Record<string, unknown> & {
    options?: Record<string, unknown>;
  };
  return { ...found, ...found.options } as never;
}

const runtime = {
  config: {
    oauth: {
      github: { clientId: "gh", clientSecret: "gh-secret" },
      google: { clientId: "g", clientSecret: "g-secret" },
      oidc: { clientId: "o", clientSecret: "o-secret", issuer: "http://127.0.0.1:9", name: "SSO" },
    },
    publicUrl: "http://hub.test",
    adminEmails: [],
    allowedDomains: ["example.com"],
  },
  sessionSecret: "s".repeat(48),
  logger: captureLogger().logger,
  // The refusals below happen before the database is consulted.
  prisma: undefined,
} as unknown as HubRuntime;
const options = buildAuthOptions(runtime);
const signIn = (user: Record<string, unknown>, provider = "oidc") =>
  options.callbacks!.signIn!({ user: user as never, account: { provider } as never });

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("OAuth sign-in accepts only verified emails", () => {
  it("OIDC and Google: email_verified must be true", async () => {
    for (const id of ["oidc", "google"]) {
      const profile = provider(options, id).profile;
      const unverified = await profile({ sub: "1", email: "ada@example.com", email_verified: false }, {});
      expect(unverified).toMatchObject({ email: "ada@example.com", emailVerified: false });
      expect(await signIn(unverified, id)).toBe("/login?error=AccessDenied&reason=email_unverified");
      expect(await profile({ sub: "1", email: "ada@example.com" }, {})).toMatchObject({ emailVerified: false });
      expect(await profile({ sub: "1", email: "ada@example.com", email_verified: true }, {})).toMatchObject({
        emailVerified: true,
      });
    }
  });

  it("GitHub: only the verified primary email from /user/emails, never the profile's public email", async () => {
    const github = provider(options, "github");
    const request = (github.userinfo as { request: (ctx: unknown) => Promise<Record<string, unknown>> }).request;
    const client = {
      userinfo: async () => ({ id: 7, login: "mallory", name: null, avatar_url: "a", email: "victim@example.com" }),
    };
    const answer = (emails: unknown, status = 200) =>
      vi.stubGlobal(
        "fetch",
        vi.fn(async (url: string) =>
          String(url).endsWith("/user/emails")
            ? Response.json(emails, { status })
            : new Response("no", { status: 404 }),
        ),
      );

    answer([
      { email: "victim@example.com", primary: false, verified: false },
      { email: "mallory@example.com", primary: true, verified: true },
    ]);
    const verified = await github.profile(await request({ client, tokens: { access_token: "t" } }), {});
    expect(verified).toMatchObject({ email: "mallory@example.com", emailVerified: true });

    for (const [emails, status] of [
      [
        [
          { email: "victim@example.com", primary: true, verified: false },
          { email: "mallory@example.com", primary: false, verified: true },
        ],
        200,
      ],
      [{ message: "Resource not accessible" }, 403],
      ["not a list", 200],
    ] as const) {
      answer(emails, status);
      const profile = await github.profile(await request({ client, tokens: { access_token: "t" } }), {});
      expect(profile).toMatchObject({ email: null, emailVerified: false });
      expect(await signIn(profile, "github")).toBe("/login?error=AccessDenied&reason=email_unverified");
    }
  });
});

describe("next-auth's redirect callback", () => {
  it.each([
    "/%09/evil.example",
    "/\t/evil.example",
    "//evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "http://hub.test.evil.example/",
  ])("%j stays on the hub", async (url) => {
    const target = await options.callbacks!.redirect!({ url: url.replace("%09", "\t"), baseUrl: "http://hub.test" });
    expect(target).toBe("http://hub.test/");
  });

  it("keeps a path on the hub", async () => {
    expect(await options.callbacks!.redirect!({ url: "/brokers?x=1", baseUrl: "http://hub.test" })).toBe(
      "http://hub.test/brokers?x=1",
    );
    expect(await options.callbacks!.redirect!({ url: "http://hub.test/projects", baseUrl: "http://hub.test" })).toBe(
      "http://hub.test/projects",
    );
  });
});
