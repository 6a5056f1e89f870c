"use client";

import { signIn } from "next-auth/react";
import { useState } from "react";
import { useHydrated } from "../ui/use-hydrated";

/**
 * One button per configured provider; next-auth does the redirect dance. The buttons work only
 * once React runs, so they are disabled in the server's HTML until then (a click on the page before
 * hydration did nothing at all); if the start of the dance fails, the button comes back with a reason.
 */
export function SignInButtons({
  providers,
  callbackUrl,
}: {
  providers: Array<{ id: string; name: string }>;
  callbackUrl: string;
}) {
  const hydrated = useHydrated();
  const [pending, setPending] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  return (
    <div className="mt-6 flex flex-col gap-3">
      {failure ? (
        <p role="status" className="text-sm text-red-700 dark:text-red-400">
          {failure}
        </p>
      ) : null}
      {providers.map((p) => (
        <button
          key={p.id}
          type="button"
          disabled={!hydrated || pending !== null}
          onClick={() => {
            setPending(p.id);
            setFailure(null);
            signIn(p.id, { callbackUrl }).catch(() => {
              setPending(null);
              setFailure("Could not reach the hub to start signing in. Check the connection and try again.");
            });
          }}
          className="rounded-md border border-zinc-300 px-4 py-2 text-sm font-medium hover:bg-zinc-50 disabled:opacity-60 dark:border-zinc-700 dark:hover:bg-zinc-900"
        >
          {pending === p.id ? "Redirecting…" : `Sign in with ${p.name}`}
        </button>
      ))}
    </div>
  );
}
