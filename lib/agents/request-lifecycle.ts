import type { Principal } from "../auth/principal";
import { ApiError } from "../http/api-error";
import type { HubRuntime } from "../runtime/hub-runtime";
import { getAgentOrThrow } from "./get-agent-or-throw";
import { requireDispatchableBroker } from "./require-dispatchable-broker";

export type LifecycleAction = "start" | "stop" | "restart" | "reset-auth";

/**
 * POST /agents/{id}/start|stop|restart|reset-auth: the caller must be able to act on the agent,
 * reset-auth needs a running agent, and every one of them needs the agent's broker.
 */
export async function requestLifecycle(runtime: HubRuntime, principal: Principal, agentId: string | undefined, action: LifecycleAction): Promise<never> {
  if (principal.kind === "agent") throw new ApiError("forbidden", "Agents may not change lifecycles.");
  const agent = await getAgentOrThrow(runtime.prisma, principal, agentId);
  if (action === "reset-auth" && agent.phase !== "running") throw new ApiError("conflict", `Reset auth needs a running agent; this one is ${agent.phase}.`);
  const project = agent.brokerId ? null : await runtime.prisma.project.findUnique({ where: { id: agent.projectId }, select: { defaultBrokerId: true } });
  return requireDispatchableBroker(runtime, agent.brokerId ?? project?.defaultBrokerId);
}
