import { z } from "zod";

export const GITHUB_API = "https://api.github.com";

const emails = z.array(
  z.object({ email: z.string(), primary: z.boolean().optional(), verified: z.boolean().optional() }).loose(),
);

/**
 * The GitHub account's primary email, only if GitHub has verified it (GET /user/emails, which the
 * `user:email` scope allows), else null. The profile's public `email` is never used: anyone can
 * type any address there, and an unverified address would let a stranger take a member's account.
 */
export async function githubVerifiedPrimaryEmail(accessToken: string, apiBase = GITHUB_API): Promise<string | null> {
  const res = await fetch(`${apiBase}/user/emails`, {
    headers: {
      authorization: `Bearer ${accessToken}`,
      accept: "application/vnd.github+json",
      "user-agent": "scion-hub",
    },
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) return null;
  const parsed = emails.safeParse(await res.json().catch(() => null));
  if (!parsed.success) return null;
  return parsed.data.find((e) => e.primary === true && e.verified === true)?.email ?? null;
}
