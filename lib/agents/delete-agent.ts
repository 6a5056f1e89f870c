import { recordAudit } from "../audit/record-audit";
import { principalId, type Principal } from "../auth/principal";
import type { Agent } from "../db/generated/client";
import { ApiError } from "../http/api-error";
import type { HubRuntime } from "../runtime/hub-runtime";
import { publishAgentEvent } from "./publish-agent-event";
import { requireDispatchableBroker } from "./require-dispatchable-broker";
import { toAgentJson } from "./to-agent-json";

const AT_REST = new Set(["created", "stopped", "error"]);

/**
 * Deletes an agent's record. An agent that may still be running on a broker must be stopped
 * there first, which needs the broker; an agent at rest (or never placed) goes at once.
 */
export async function deleteAgent(runtime: HubRuntime, principal: Principal, agent: Agent, requestId?: string): Promise<void> {
  if (principal.kind === "agent") throw new ApiError("forbidden", "Agents may not delete themselves.");
  if (agent.brokerId && !AT_REST.has(agent.phase)) await requireDispatchableBroker(runtime, agent.brokerId);
  const deleted = await runtime.prisma.$transaction(async (tx) => {
    const { count } = await tx.agent.deleteMany({ where: { id: agent.id } });
    if (count === 0) return false;
    await recordAudit(tx, { principal: principalId(principal), action: "agent.delete", targetType: "agent", targetId: agent.id, details: { slug: agent.slug, projectId: agent.projectId }, requestId });
    return true;
  });
  if (deleted) await publishAgentEvent(runtime.events, "deleted", toAgentJson(agent));
}
