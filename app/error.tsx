"use client";

import Link from "next/link";

/** A page that failed to render: what happened, and a way to try again or go back. */
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <main className="mx-auto max-w-xl px-4 py-24 text-center">
      <h1 className="text-xl font-semibold">This page could not be shown</h1>
      <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">
        The hub could not render it{error.digest ? ` (reference ${error.digest})` : ""}. The details are in the
        hub&apos;s log.
      </p>
      <div className="mt-6 flex justify-center gap-3">
        <button type="button" className="btn-primary" onClick={reset}>
          Try again
        </button>
        <Link href="/" className="btn-secondary">
          Back to the dashboard
        </Link>
      </div>
    </main>
  );
}
