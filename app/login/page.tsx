import { redirect } from "next/navigation";
import { SignInButtons } from "@/components/auth/sign-in-buttons";
import { getPagePrincipal } from "@/lib/auth/get-page-principal";
import { listAuthProviders } from "@/lib/auth/list-auth-providers";
import { safeReturnPath } from "@/lib/auth/require-page-user";
import { getHubRuntime } from "@/lib/runtime/hub-runtime";

export const dynamic = "force-dynamic";
export const metadata = { title: "Sign in" };

const ERRORS: Record<string, string> = {
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

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const runtime = getHubRuntime();
  const principal = await getPagePrincipal(runtime);
  const params = await searchParams;
  const returnTo = safeReturnPath(typeof params.callbackUrl === "string" ? params.callbackUrl : null);
  if (principal?.kind === "user" && principal.user.status === "active") redirect(returnTo);
  const error = typeof params.error === "string" ? params.error : undefined;
  const reason = typeof params.reason === "string" ? params.reason.slice(0, 300) : undefined;
  const { mode, providers } = listAuthProviders(runtime.config);
  return (
    <main className="mx-auto max-w-sm px-4 py-24">
      <h1 className="text-xl font-semibold">Sign in to Scion Hub</h1>
      {error && (
        <p role="alert" className="mt-4 rounded-md bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
          {reason ?? ERRORS[error] ?? "The sign-in failed. Try again."}
        </p>
      )}
      {mode === "oauth" ? (
        <SignInButtons providers={providers} callbackUrl={returnTo} />
      ) : (
        <p className="mt-4 text-sm text-zinc-600 dark:text-zinc-400">
          {mode === "proxy" ? (
            "This hub signs you in through Google IAP; reload the page to sign in again."
          ) : (
            <>
              Dev mode signs you in automatically.{" "}
              <a href={returnTo} className="underline">
                Open the dashboard
              </a>
              .
            </>
          )}
        </p>
      )}
    </main>
  );
}
