import Link from "next/link";
import type { ReactNode } from "react";
import type { UserIdentity } from "@/lib/auth/principal";
import { Providers } from "../providers";
import { InboxTray } from "./inbox-tray";
import { NavLinks } from "./nav-links";
import { UserMenu } from "./user-menu";

/**
 * The frame of every dashboard page, rendered once by the dashboard layout (app/(dashboard)):
 * product name, navigation (Admin only for admins), the dev-mode badge, the user menu, and the
 * client providers (queries, live events, toasts).
 */
export function AppShell({
  children,
  viewer,
  devMode,
}: {
  children: ReactNode;
  viewer: Pick<UserIdentity, "name" | "email" | "role">;
  devMode: boolean;
}) {
  const nav = [
    { href: "/", label: "Agents" },
    { href: "/projects", label: "Projects" },
    { href: "/templates", label: "Templates" },
    { href: "/harness-configs", label: "Harness configs" },
    { href: "/schedules", label: "Schedules" },
    { href: "/brokers", label: "Brokers" },
    { href: "/secrets", label: "Secrets" },
    ...(viewer.role === "admin" ? [{ href: "/admin/maintenance", label: "Admin" }] : []),
  ];
  return (
    <Providers>
      <div className="flex min-h-screen flex-col">
        <a
          href="#main"
          className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:rounded focus:bg-white focus:px-3 focus:py-1 dark:focus:bg-zinc-900"
        >
          Skip to content
        </a>
        <header className="border-b border-zinc-200 dark:border-zinc-800">
          <div className="mx-auto flex h-14 max-w-6xl items-center gap-6 px-4">
            <Link href="/" className="font-semibold tracking-tight">
              Scion Hub
            </Link>
            <NavLinks items={nav} />
            <div className="ml-auto flex items-center gap-3">
              {devMode && (
                <span className="rounded-full bg-amber-100 px-2.5 py-0.5 text-xs font-medium text-amber-900 dark:bg-amber-900/40 dark:text-amber-200">
                  Dev mode
                </span>
              )}
              <InboxTray />
              <UserMenu name={viewer.name ?? viewer.email} email={viewer.email} />
            </div>
          </div>
        </header>
        <main id="main" className="mx-auto w-full max-w-6xl flex-1 px-4 py-8">
          {children}
        </main>
      </div>
    </Providers>
  );
}
