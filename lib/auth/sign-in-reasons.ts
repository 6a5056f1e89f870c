/**
 * Why a sign-in was refused, as a code in the login page's `reason` query and the fixed text the
 * page shows for it. The page never shows the query's own text: a link to
 * `/login?error=AccessDenied&reason=…` must not be able to put words in the hub's mouth.
 */
export const SIGN_IN_REASONS = {
  not_allowed:
    "This email address is not allowed to sign in to this hub. Ask an administrator to add it to the allow list.",
  suspended: "This account is suspended. Ask an administrator to reactivate it.",
  no_email: "The identity provider gave no usable email address.",
  email_unverified: "The identity provider has not verified this email address. Verify it there, then sign in again.",
} as const;

export type SignInReason = keyof typeof SIGN_IN_REASONS;

/** next-auth's own error codes (`error` query), each with its fixed text. */
export const SIGN_IN_ERRORS: Record<string, string> = {
  AccessDenied: "You are not allowed to sign in to this hub.",
  OAuthSignin: "The sign-in could not be started. Try again.",
  OAuthCallback: "The identity provider's answer could not be verified. Try again.",
  Callback: "The sign-in could not be completed. Try again.",
  Configuration: "Sign-in is misconfigured on this hub. Tell an administrator.",
  OAuthAccountNotLinked: "This email is already linked to another sign-in method. Use the one you used before.",
  SessionRequired: "Sign in to see that page.",
  Verification: "The sign-in link is no longer valid. Start again.",
  RateLimited: "Too many sign-in attempts from your address. Wait a minute, then try again.",
};

const FALLBACK = "The sign-in failed. Try again.";

/** The text for a login page's `error` and `reason` query values; unknown values get generic text. */
export function signInMessage(error: string, reason: string | undefined): string {
  if (error === "AccessDenied" && reason && Object.hasOwn(SIGN_IN_REASONS, reason))
    return SIGN_IN_REASONS[reason as SignInReason];
  return Object.hasOwn(SIGN_IN_ERRORS, error) ? SIGN_IN_ERRORS[error]! : FALLBACK;
}

/** Where the login page explains a refusal. */
export function refusalPath(reason: SignInReason): string {
  return `/login?error=AccessDenied&reason=${reason}`;
}
