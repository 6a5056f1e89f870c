"use client";

import Link from "next/link";
import { useCallback, useRef, useState } from "react";
import { useDismiss } from "../ui/use-dismiss";

/** The signed-in person: their profile (API tokens, secrets) and Sign out (behind IAP, also IAP's own sign-out). */
export function UserMenu({ name, email }: { name: string; email: string | null }) {
  const [open, setOpen] = useState(false);
  const close = useCallback(() => setOpen(false), []);
  const ref = useRef<HTMLDivElement>(null);
  useDismiss(ref, open, close);
  const signOut = async () => {
    const res = await fetch("/api/v1/auth/logout", { method: "POST" });
    const body = (await res.json().catch(() => ({}))) as { location?: string };
    window.location.assign(body.location ?? "/login?signedOut=1");
  };
  return (
    <div ref={ref} className="relative">
      <button
        type="button"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
        className="btn-secondary max-w-48 truncate"
      >
        {name}
      </button>
      {open && (
        <div role="menu" aria-label="Account" className="card absolute right-0 z-20 mt-2 w-56 p-1 shadow-lg">
          {email && <p className="truncate px-3 py-2 text-xs text-zinc-600 dark:text-zinc-400">{email}</p>}
          <Link
            href="/profile"
            role="menuitem"
            onClick={() => setOpen(false)}
            className="block w-full rounded px-3 py-2 text-left text-sm hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-blue-600 dark:hover:bg-zinc-800"
          >
            Profile and API tokens
          </Link>
          <Link
            href="/settings/notifications"
            role="menuitem"
            onClick={() => setOpen(false)}
            className="block w-full rounded px-3 py-2 text-left text-sm hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-blue-600 dark:hover:bg-zinc-800"
          >
            Notifications
          </Link>
          <button
            type="button"
            role="menuitem"
            onClick={() => void signOut()}
            className="w-full rounded px-3 py-2 text-left text-sm hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-blue-600 dark:hover:bg-zinc-800"
          >
            Sign out
          </button>
        </div>
      )}
    </div>
  );
}
