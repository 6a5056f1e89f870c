import { redirect } from "next/navigation";
import { SignInButtons } from "@/components/auth/sign-in-buttons";
import { getPagePrincipal } from "@/lib/auth/get-page-principal";
import { listAuthProviders } from "@/lib/auth/list-auth-providers";
import { getHubRuntime } from "@/lib/runtime/hub-runtime";

export const dynamic = "force-dynamic";
export const metadata = { title: "Sign in" };

const ERRORS: Record<string, string> = {
  AccessDenied: "You are not allowed to sign in to this hub.",
  OAuthSignin: "The sign-in could not be started. Try again.",
  OAuthCallback: "The identity provider's answer could not be verified. Try again.",
  Callback: "The sign-in could not be completed. Try again.",
  Configuration: "Sign-in is misconfigured on this hub. Tell an administrator.",
};

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const runtime = getHubRuntime();
  const principal = await getPagePrincipal(runtime);
  if (principal?.kind === "user" && principal.user.status === "active") redirect("/");
  const params = await searchParams;
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
        <SignInButtons providers={providers} />
      ) : (
        <p className="mt-4 text-sm text-zinc-600 dark:text-zinc-400">
          {mode === "proxy" ? "This hub signs you in through Google IAP; reload the page to sign in again." : "Dev mode signs you in automatically; open the dashboard."}
        </p>
      )}
    </main>
  );
}
