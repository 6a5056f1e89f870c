import type { ReactNode } from "react";
import { AppShell } from "@/components/shell/app-shell";
import { getHubRuntime } from "@/lib/runtime/hub-runtime";
import { getPageUser } from "../_lib/require-page-user";

/**
 * The frame of every dashboard page (header, navigation, user menu, client providers), rendered
 * once here. Each page still calls requirePageUser itself: it knows the path to come back to
 * after signing in. Without a signed-in person there is no frame; the page redirects.
 */
export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const runtime = getHubRuntime();
  const viewer = await getPageUser(runtime);
  if (!viewer) return children;
  return (
    <AppShell viewer={viewer.user} devMode={runtime.config.authMode === "dev"}>
      {children}
    </AppShell>
  );
}
