import { recordAudit } from "../audit/record-audit";
import { principalId, type Principal } from "../auth/principal";
import type { Agent } from "../db/generated/client";
import { ApiError } from "../http/api-error";
import type { HubRuntime } from "../runtime/hub-runtime";
import { publishAgentEvent } from "./publish-agent-event";
import { dispatchToBroker, routeFor } from "../dispatch/route-to-broker";
import { AT_REST } from "./lifecycle";
import { toAgentJson } from "./to-agent-json";

/**
 * Deletes an agent. When its broker is connected, the broker stops it and removes its workspace
 * (and its git branch, unless `keepBranch`: then the broker keeps it in the project's shared
 * clone) and token first (idempotent, so a retry is harmless). An agent that may still be running
 * needs its broker (503 otherwise, nothing deleted); an agent at rest whose broker is away is
 * deleted here and its leftover workspace is logged.
 */
export async function deleteAgent(
  runtime: HubRuntime,
  principal: Principal,
  agent: Agent,
  requestId?: string,
  options: { keepBranch?: boolean } = {},
): Promise<void> {
  if (principal.kind === "agent") throw new ApiError("forbidden", "Agents may not delete themselves.");
  if (agent.brokerId) {
    const route = await routeFor(runtime, agent.brokerId);
    if (route.kind !== "undeliverable")
      await dispatchToBroker(runtime, {
        brokerId: agent.brokerId,
        agentId: agent.id,
        op: "agent.delete",
        args: { agentId: agent.id, ...(options.keepBranch && { keepBranch: true }) },
        timeoutMs: 30_000,
        actor: principalId(principal),
      });
    else if (!AT_REST.includes(agent.phase)) throw new ApiError("broker_unavailable", route.reason);
    else
      runtime.logger.warn(
        { agentId: agent.id, brokerId: agent.brokerId },
        "deleted an agent whose broker is away; its workspace stays on the broker",
      );
  }
  const deleted = await runtime.prisma.$transaction(async (tx) => {
    const { count } = await tx.agent.deleteMany({ where: { id: agent.id } });
    if (count === 0) return false;
    await recordAudit(tx, {
      principal: principalId(principal),
      action: "agent.delete",
      targetType: "agent",
      targetId: agent.id,
      details: {
        slug: agent.slug,
        projectId: agent.projectId,
        ...(options.keepBranch && { keptBranch: agent.branch }),
      },
      requestId,
    });
    return true;
  });
  if (deleted) await publishAgentEvent(runtime.events, "deleted", toAgentJson(agent));
}
