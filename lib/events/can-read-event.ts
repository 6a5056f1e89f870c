import { canSeeAgentIn } from "../agents/can-access-agent";
import type { Principal } from "../auth/principal";
import { isAdmin, principalId } from "../auth/principal";
import type { HubEvent } from "./event-bus";

/**
 * Whether a principal may receive an event. Agent events (agent.<id>.*, project.<id>.agent.*)
 * and messages follow the agent's visibility rule, using the owner and project carried in the
 * event: its owner, admins, the agent itself, and the members and creator of its project
 * (`memberProjects`, the ids of the projects whose agents the reader sees); broker status is for
 * every signed-in person; a bulk action's progress for the person who started it; anything else
 * (maintenance, unknown) is for admins.
 */
export function canReadEvent(
  principal: Principal,
  event: HubEvent,
  memberProjects: ReadonlySet<string> = new Set(),
): boolean {
  const [root, , kind] = event.subject.split(".");
  const data = (event.data ?? {}) as { id?: unknown; agentId?: unknown; ownerId?: unknown; projectId?: unknown };
  const isAgentEvent = root === "agent" || (root === "project" && kind === "agent");
  if (isAgentEvent || root === "message") {
    const id = root === "message" ? data.agentId : data.id;
    if (typeof id !== "string" || typeof data.ownerId !== "string") return isAdmin(principal);
    const projectId = typeof data.projectId === "string" ? data.projectId : null;
    return canSeeAgentIn(principal, { id, ownerId: data.ownerId, projectId }, memberProjects);
  }
  if (root === "broker") return principal.kind === "user";
  // A schedule's changes and runs: its owner's and admins' (lib/schedules/schedules.ts).
  if (root === "schedule")
    return (
      isAdmin(principal) ||
      (principal.kind === "user" && (event.data as { ownerId?: unknown } | null)?.ownerId === principalId(principal))
    );
  // A person's inbox changed (read, read all), or something they subscribed to happened: for that person.
  if (root === "inbox" || root === "notification")
    return principal.kind === "user" && event.subject.split(".")[1] === principal.user.id;
  // A bulk action's progress is for the person who started it (lib/agents/bulk-agents.ts).
  if (root === "bulk")
    return (
      principal.kind === "user" &&
      (event.data as { principalId?: unknown } | null)?.principalId === principalId(principal)
    );
  return isAdmin(principal);
}

const TOKEN = /^[A-Za-z0-9_-]{1,100}$/;

/** A subscription pattern: dot-separated tokens, `*` for one token, a final `>` for the rest. */
export function isValidPattern(pattern: string): boolean {
  if (pattern.length > 300) return false;
  const parts = pattern.split(".");
  return parts.every((p, i) => p === "*" || (p === ">" && i === parts.length - 1) || TOKEN.test(p));
}
