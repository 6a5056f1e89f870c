import Link from "next/link";
import type { ReactNode } from "react";

// Projects, Brokers and Admin join as their pages land.
const NAV = [{ href: "/", label: "Agents" }];

/** The frame of every dashboard page: product name, navigation, and the page's content. */
export function AppShell({ children, badge }: { children: ReactNode; badge?: string }) {
  return (
    <div className="flex min-h-screen flex-col">
      <header className="border-b border-zinc-200 dark:border-zinc-800">
        <div className="mx-auto flex h-14 max-w-6xl items-center gap-6 px-4">
          <Link href="/" className="font-semibold tracking-tight">
            Scion Hub
          </Link>
          <nav aria-label="Main" className="flex gap-4 text-sm text-zinc-600 dark:text-zinc-400">
            {NAV.map((item) => (
              <Link key={item.href} href={item.href} className="hover:text-zinc-900 dark:hover:text-zinc-100">
                {item.label}
              </Link>
            ))}
          </nav>
          {badge && (
            <span className="ml-auto rounded-full bg-amber-100 px-2.5 py-0.5 text-xs font-medium text-amber-900 dark:bg-amber-900/40 dark:text-amber-200">
              {badge}
            </span>
          )}
        </div>
      </header>
      <main className="mx-auto w-full max-w-6xl flex-1 px-4 py-8">{children}</main>
    </div>
  );
}
