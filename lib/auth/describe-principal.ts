import type { PrismaClient } from "../db/create-database";
import { ApiError } from "../http/api-error";
import type { Principal } from "./principal";

export interface MeJson {
  id: string;
  email: string | null;
  name: string | null;
  role: "admin" | "member" | null;
  status: "active" | "suspended";
  kind: "user" | "agent";
}

/** GET /api/v1/auth/me: the caller as the API describes it. */
export async function describePrincipal(prisma: PrismaClient, principal: Principal): Promise<MeJson> {
  if (principal.kind === "user") {
    const { id, email, name, role, status } = principal.user;
    return { id, email, name, role, status, kind: "user" };
  }
  const agent = await prisma.agent.findUnique({ where: { id: principal.agentId }, select: { id: true, name: true } });
  if (!agent) throw new ApiError("unauthorized", "The agent no longer exists.");
  return { id: agent.id, email: null, name: agent.name, role: null, status: "active", kind: "agent" };
}
