import type { AuthOptions } from "next-auth";
import GitHubProvider from "next-auth/providers/github";
import GoogleProvider from "next-auth/providers/google";
import type { OAuthConfig } from "next-auth/providers/oauth";
import { ApiError } from "../../http/api-error";
import type { HubRuntime } from "../../runtime/hub-runtime";
import { provisionUser } from "../../users/provision-user";
import { nextAuthSecret, SESSION_MAX_AGE_S } from "../session-cookie";

interface OidcProfile {
  sub: string;
  email?: string;
  name?: string;
  picture?: string;
}

/**
 * next-auth for oauth mode: the configured providers, the JWT session strategy (the whole
 * session is a cookie encrypted with a key derived from SESSION_SECRET, readable by every
 * replica), and sign-in through the same provisioning rule as every other mode. The session's
 * `sub` is our user id, which authenticate() looks up on every request, so a suspension takes
 * effect at once.
 */
export function buildAuthOptions(runtime: HubRuntime): AuthOptions {
  const { config, prisma } = runtime;
  const providers: AuthOptions["providers"] = [];
  if (config.oauth.google) providers.push(GoogleProvider({ ...config.oauth.google, allowDangerousEmailAccountLinking: false }));
  if (config.oauth.github) providers.push(GitHubProvider({ ...config.oauth.github }));
  if (config.oauth.oidc) {
    const oidc = config.oauth.oidc;
    const provider: OAuthConfig<OidcProfile> = {
      id: "oidc",
      name: oidc.name,
      type: "oauth",
      wellKnown: `${oidc.issuer}/.well-known/openid-configuration`,
      authorization: { params: { scope: "openid email profile" } },
      idToken: true,
      checks: ["pkce", "state"],
      clientId: oidc.clientId,
      clientSecret: oidc.clientSecret,
      // Issuers that follow the spec strictly leave email out of the ID token when they also
      // issue an access token; then the claims come from the userinfo endpoint.
      profile: async (p, tokens) => {
        const claims = p.email || !tokens.access_token ? p : { ...p, ...(await fetchUserinfo(oidc.issuer, tokens.access_token)) };
        return { id: claims.sub, email: claims.email ?? null, name: claims.name ?? null, image: claims.picture ?? null };
      },
    };
    providers.push(provider);
  }
  return {
    providers,
    secret: nextAuthSecret(runtime.sessionSecret),
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_S },
    useSecureCookies: config.publicUrl.startsWith("https://"),
    pages: { signIn: "/login", error: "/login" },
    logger: {
      error: (code, metadata) => runtime.logger.warn({ code, err: (metadata as { message?: string })?.message }, "next-auth error"),
      warn: (code) => runtime.logger.debug({ code }, "next-auth warning"),
      debug: () => undefined,
    },
    callbacks: {
      async signIn({ user }) {
        if (!user.email) return `/login?error=AccessDenied&reason=${encodeURIComponent("The identity provider gave no email address.")}`;
        try {
          await provisionUser(prisma, config, { email: user.email, name: user.name, avatarUrl: user.image });
          return true;
        } catch (err) {
          if (err instanceof ApiError) return `/login?error=AccessDenied&reason=${encodeURIComponent(err.message)}`;
          throw err;
        }
      },
      async jwt({ token, user }) {
        if (user?.email) {
          const row = await prisma.user.findUnique({ where: { email: user.email.trim().toLowerCase() }, select: { id: true } });
          if (row) token.sub = row.id;
        }
        return token;
      },
    },
  };
}

async function fetchUserinfo(issuer: string, accessToken: string): Promise<Partial<OidcProfile>> {
  const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(10_000) })).json()) as { userinfo_endpoint?: string };
  if (!discovery.userinfo_endpoint) return {};
  const res = await fetch(discovery.userinfo_endpoint, { headers: { authorization: `Bearer ${accessToken}` }, signal: AbortSignal.timeout(10_000) });
  return res.ok ? ((await res.json()) as Partial<OidcProfile>) : {};
}
