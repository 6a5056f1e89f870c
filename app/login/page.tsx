import { redirect } from "next/navigation";
import { getPagePrincipal } from "@/app/_lib/get-page-principal";
import { SignInButtons } from "@/components/auth/sign-in-buttons";
import { listAuthProviders } from "@/lib/auth/list-auth-providers";
import { safeReturnPath } from "@/lib/auth/safe-return-path";
import { signInMessage } from "@/lib/auth/sign-in-reasons";
import { getHubRuntime } from "@/lib/runtime/hub-runtime";

export const dynamic = "force-dynamic";
export const metadata = { title: "Sign in" };

export default async function LoginPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const runtime = getHubRuntime();
  const principal = await getPagePrincipal(runtime);
  const params = await searchParams;
  const returnTo = safeReturnPath(typeof params.callbackUrl === "string" ? params.callbackUrl : null);
  if (principal?.kind === "user" && principal.user.status === "active") redirect(returnTo);
  const error = typeof params.error === "string" ? params.error : undefined;
  // Fixed text per known code: the query's own words are never shown.
  const reason = typeof params.reason === "string" ? params.reason : undefined;
  const { mode, providers } = listAuthProviders(runtime.config);
  return (
    <main className="mx-auto max-w-sm px-4 py-24">
      <h1 className="text-xl font-semibold">Sign in to Scion Hub</h1>
      {error && (
        <p
          role="alert"
          className="mt-4 rounded-md bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-200"
        >
          {signInMessage(error, reason)}
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
