"use client";

import { signIn } from "next-auth/react";
import { useState } from "react";

/** One button per configured provider; next-auth does the redirect dance. */
export function SignInButtons({
  providers,
  callbackUrl,
}: {
  providers: Array<{ id: string; name: string }>;
  callbackUrl: string;
}) {
  const [pending, setPending] = useState<string | null>(null);
  return (
    <div className="mt-6 flex flex-col gap-3">
      {providers.map((p) => (
        <button
          key={p.id}
          type="button"
          disabled={pending !== null}
          onClick={() => {
            setPending(p.id);
            void signIn(p.id, { callbackUrl });
          }}
          className="rounded-md border border-zinc-300 px-4 py-2 text-sm font-medium hover:bg-zinc-50 disabled:opacity-60 dark:border-zinc-700 dark:hover:bg-zinc-900"
        >
          {pending === p.id ? "Redirecting…" : `Sign in with ${p.name}`}
        </button>
      ))}
    </div>
  );
}
