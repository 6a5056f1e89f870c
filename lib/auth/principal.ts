import type { UserRole, UserStatus } from "../db/generated/enums";

export interface UserIdentity {
  id: string;
  email: string;
  name: string | null;
  role: UserRole;
  status: UserStatus;
}

/** Who is calling: a person (through a session, an API token, IAP or dev mode) or an agent. */
export type Principal =
  | { kind: "user"; user: UserIdentity; via: "session" | "token" | "iap" | "replica"; tokenId?: string }
  | { kind: "agent"; agentId: string; scopes: string[] };

/** The id stored in createdBy/ownerId and audit rows: `user:<uuid>` or `agent:<uuid>`. */
export function principalId(principal: Principal): string {
  return principal.kind === "user" ? `user:${principal.user.id}` : `agent:${principal.agentId}`;
}

export function isAdmin(principal: Principal | null | undefined): boolean {
  return principal?.kind === "user" && principal.user.role === "admin" && principal.user.status === "active";
}
