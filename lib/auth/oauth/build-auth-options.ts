import type { AuthOptions } from "next-auth";
import GitHubProvider from "next-auth/providers/github";
import GoogleProvider from "next-auth/providers/google";
import type { OAuthConfig } from "next-auth/providers/oauth";
import { ApiError } from "../../http/api-error";
import type { HubRuntime } from "../../runtime/hub-runtime";
import { provisionUser } from "../../users/provision-user";
import { safeRedirectUrl } from "../safe-return-path";
import { nextAuthSecret, SESSION_MAX_AGE_S } from "../session-cookie";
import { refusalPath, SIGN_IN_REASONS, type SignInReason } from "../sign-in-reasons";
import { GITHUB_API, githubVerifiedPrimaryEmail } from "./github-verified-email";

interface OidcProfile {
  sub: string;
  email?: string;
  email_verified?: boolean | string;
  name?: string;
  picture?: string;
}

/** What our providers' profile() hands to the signIn callback: the email and whether the provider verified it. */
interface ProviderUser {
  id: string;
  email: string | null;
  name: string | null;
  image: string | null;
  emailVerified: boolean;
}

/** OIDC's `email_verified` (some issuers send the string "true"). */
const isVerified = (v: unknown) => v === true || v === "true";

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
  if (config.oauth.google) {
    providers.push(
      GoogleProvider({
        ...config.oauth.google,
        allowDangerousEmailAccountLinking: false,
        profile: (p): ProviderUser => ({
          id: p.sub,
          email: p.email ?? null,
          name: p.name ?? null,
          image: p.picture ?? null,
          emailVerified: isVerified(p.email_verified),
        }),
      }),
    );
  }
  if (config.oauth.github) {
    providers.push(
      GitHubProvider({
        ...config.oauth.github,
        // Only the verified primary email counts (never the profile's public one).
        userinfo: {
          url: `${GITHUB_API}/user`,
          async request({ client, tokens }) {
            const profile = await client.userinfo(tokens.access_token!);
            return { ...profile, email: (await githubVerifiedPrimaryEmail(tokens.access_token!)) ?? undefined };
          },
        },
        profile: (p): ProviderUser => ({
          id: String(p.id),
          email: p.email ?? null,
          name: p.name ?? p.login,
          image: p.avatar_url,
          emailVerified: Boolean(p.email),
        }),
      }),
    );
  }
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
      profile: async (p, tokens): Promise<ProviderUser> => {
        const claims =
          p.email || !tokens.access_token ? p : { ...p, ...(await fetchUserinfo(oidc.issuer, tokens.access_token)) };
        const { sub, email, name, picture, email_verified } = claims;
        return {
          id: sub,
          email: email ?? null,
          name: name ?? null,
          image: picture ?? null,
          emailVerified: isVerified(email_verified),
        };
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
      error: (code, metadata) =>
        runtime.logger.warn({ code, err: (metadata as { message?: string })?.message }, "next-auth error"),
      warn: (code) => runtime.logger.debug({ code }, "next-auth warning"),
      debug: () => undefined,
    },
    callbacks: {
      // Only an email the provider verified signs anyone in: an unverified one would let whoever
      // typed a member's address into their own account take that member's place.
      async signIn({ user, account }) {
        // GitHub leaves the email out when no verified primary email exists.
        if (!user.email) return refusalPath(account?.provider === "github" ? "email_unverified" : "no_email");
        if ((user as Partial<ProviderUser>).emailVerified !== true) {
          runtime.logger.info({ provider: "oauth" }, "refused a sign-in with an unverified email");
          return refusalPath("email_unverified");
        }
        try {
          await provisionUser(prisma, config, { email: user.email, name: user.name, avatarUrl: user.image });
          return true;
        } catch (err) {
          if (err instanceof ApiError) return refusalPath(reasonOf(err));
          throw err;
        }
      },
      // Sign-in ends on this hub, on a path that cannot lead off-site (see safeReturnPath).
      redirect: ({ url, baseUrl }) => safeRedirectUrl(url, baseUrl),
      async jwt({ token, user }) {
        if (user?.email) {
          const row = await prisma.user.findUnique({
            where: { email: user.email.trim().toLowerCase() },
            select: { id: true },
          });
          if (row) token.sub = row.id;
        }
        return token;
      },
    },
  };
}

function reasonOf(err: ApiError): SignInReason {
  const reason = (err.details as { reason?: string } | undefined)?.reason;
  return reason && Object.hasOwn(SIGN_IN_REASONS, reason) ? (reason as SignInReason) : "not_allowed";
}

async function fetchUserinfo(issuer: string, accessToken: string): Promise<Partial<OidcProfile>> {
  const discovery = (await (
    await fetch(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(10_000) })
  ).json()) as { userinfo_endpoint?: string };
  if (!discovery.userinfo_endpoint) return {};
  const res = await fetch(discovery.userinfo_endpoint, {
    headers: { authorization: `Bearer ${accessToken}` },
    signal: AbortSignal.timeout(10_000),
  });
  return res.ok ? ((await res.json()) as Partial<OidcProfile>) : {};
}
