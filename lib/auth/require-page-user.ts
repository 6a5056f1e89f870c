import { redirect } from "next/navigation";
import type { HubRuntime } from "../runtime/hub-runtime";
import { getPagePrincipal } from "./get-page-principal";
import type { Principal } from "./principal";

export type PageUser = Extract<Principal, { kind: "user" }>;

/**
 * The signed-in person for a dashboard page, or a redirect to the login page that brings them
 * back to `returnTo` afterwards (suspended people get the reason instead).
 */
export async function requirePageUser(runtime: HubRuntime, returnTo: string): Promise<PageUser> {
  const principal = await getPagePrincipal(runtime);
  if (!principal || principal.kind !== "user") redirect(`/login?callbackUrl=${encodeURIComponent(safeReturnPath(returnTo))}`);
  if (principal.user.status !== "active") redirect(`/login?error=AccessDenied&reason=${encodeURIComponent("This account is suspended. Ask an administrator to reactivate it.")}`);
  return principal;
}

/** Only a path on this hub (never another site) may be a return target. */
export function safeReturnPath(value: string | undefined | null): string {
  if (!value || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return "/";
  return value.slice(0, 500);
}
