import { redirect } from "next/navigation";
import type { Principal } from "@/lib/auth/principal";
import { safeReturnPath } from "@/lib/auth/safe-return-path";
import { refusalPath } from "@/lib/auth/sign-in-reasons";
import type { HubRuntime } from "@/lib/runtime/hub-runtime";
import { getPagePrincipal } from "./get-page-principal";

export type PageUser = Extract<Principal, { kind: "user" }>;

/** The signed-in, active person viewing a page, or null (no redirect: for the shared layout). */
export async function getPageUser(runtime: HubRuntime): Promise<PageUser | null> {
  const principal = await getPagePrincipal(runtime);
  return principal?.kind === "user" && principal.user.status === "active" ? principal : null;
}

/**
 * The signed-in person for a dashboard page, or a redirect to the login page that brings them
 * back to `returnTo` afterwards (suspended people get the reason instead).
 */
export async function requirePageUser(runtime: HubRuntime, returnTo: string): Promise<PageUser> {
  const principal = await getPagePrincipal(runtime);
  if (!principal || principal.kind !== "user")
    redirect(`/login?callbackUrl=${encodeURIComponent(safeReturnPath(returnTo))}`);
  if (principal.user.status !== "active") redirect(refusalPath("suspended"));
  return principal;
}
