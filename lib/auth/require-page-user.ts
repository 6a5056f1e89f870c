import { redirect } from "next/navigation";
import type { HubRuntime } from "../runtime/hub-runtime";
import { getPagePrincipal } from "./get-page-principal";
import type { Principal } from "./principal";
import { safeReturnPath } from "./safe-return-path";
import { refusalPath } from "./sign-in-reasons";

export type PageUser = Extract<Principal, { kind: "user" }>;

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
