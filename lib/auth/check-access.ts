import { ApiError } from "../http/api-error";
import type { Principal } from "./principal";

/**
 * Who may call a route at all. Finer rules (owner or admin, own agent only) live in lib/ and are
 * called by name from the handler.
 * - public: anyone; principal may be null
 * - user: an active person (session, API token or IAP)
 * - admin: an active admin
 * - agent: an agent token
 * - any: an active person or an agent token
 */
export type RouteAccess = "public" | "user" | "admin" | "agent" | "any";

/**
 * The one access check for route handlers, machine routes and the event stream: 401 without
 * (valid) credentials, 403 for a suspended person or the wrong kind of caller.
 */
export function checkAccess(principal: Principal | null, access: RouteAccess, reason?: "missing" | "invalid"): void {
  if (access === "public") return;
  if (!principal)
    throw new ApiError(
      "unauthorized",
      reason === "invalid" ? "The credentials are invalid or expired." : "Sign in or send a token.",
    );
  if (principal.kind === "user" && principal.user.status !== "active")
    throw new ApiError("forbidden", "This account is suspended.");
  if (access === "agent" && principal.kind !== "agent")
    throw new ApiError("forbidden", "Only an agent token may call this.");
  if ((access === "user" || access === "admin") && principal.kind !== "user")
    throw new ApiError("forbidden", "Agents may not call this.");
  if (access === "admin" && principal.kind === "user" && principal.user.role !== "admin")
    throw new ApiError("forbidden", "Administrators only.");
}
