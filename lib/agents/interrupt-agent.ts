import { recordAudit } from "../audit/record-audit";
import { principalId, type Principal } from "../auth/principal";
import type { Agent } from "../db/generated/client";
import { dispatchToBroker } from "../dispatch/route-to-broker";
import { ApiError } from "../http/api-error";
import type { HubRuntime } from "../runtime/hub-runtime";
import { getAgentOrThrow } from "./get-agent-or-throw";
import type { AgentJson } from "./schemas";
import { toAgentJson } from "./to-agent-json";

const BROKER_INTERRUPT_TIMEOUT_MS = 15_000;

/**
 * POST /agents/{id}/interrupt: the owner or an admin ends the harness's current turn (the broker
 * sends the harness's interrupt key into its session). Only a running agent can be interrupted;
 * the agent keeps running and answers `{agent}`.
 */
export async function interruptAgent(
  runtime: HubRuntime,
  principal: Principal,
  agentId: string | undefined,
  requestId?: string,
): Promise<{ agent: AgentJson }> {
  if (principal.kind === "agent") throw new ApiError("forbidden", "Agents may not interrupt agents.");
  const agent = await getAgentOrThrow(runtime.db, principal, agentId);
  const actor = principalId(principal);
  requireRunning(agent);
  await recordAudit(runtime.prisma, {
    principal: actor,
    action: "agent.interrupt",
    targetType: "agent",
    targetId: agent.id,
    details: { harness: agent.harness },
    requestId,
  });
  await sendInterrupt(runtime, agent, actor);
  return { agent: toAgentJson(await runtime.prisma.agent.findUniqueOrThrow({ where: { id: agent.id } })) };
}

/** Asks the agent's broker to interrupt its harness (wherever the broker's channel is held). */
export async function sendInterrupt(runtime: HubRuntime, agent: Agent, actor: string): Promise<void> {
  const brokerId = requireRunning(agent);
  await dispatchToBroker(runtime, {
    brokerId,
    agentId: agent.id,
    op: "agent.interrupt",
    args: { agentId: agent.id, harness: agent.harness },
    timeoutMs: BROKER_INTERRUPT_TIMEOUT_MS,
    actor,
  });
}

function requireRunning(agent: Agent): string {
  if (agent.phase !== "running" || !agent.brokerId)
    throw new ApiError("conflict", `The agent is ${agent.phase}; only a running agent can be interrupted.`);
  return agent.brokerId;
}
