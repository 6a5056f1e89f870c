import { NextResponse } from "next/server";
import type { Principal } from "../auth/principal";
import { principalId } from "../auth/principal";
import { recordAudit } from "../audit/record-audit";
import { ApiError } from "../http/api-error";
import type { HubRuntime } from "../runtime/hub-runtime";
import { getAgentOrThrow } from "./get-agent-or-throw";
import { restartAgent, startAgent, stopAgent, type StartOptions } from "./lifecycle";
import { resetAgentAuth } from "./reset-agent-auth";

export type LifecycleAction = "start" | "stop" | "restart" | "reset-auth";

/**
 * POST /agents/{id}/start|stop|restart|reset-auth: the caller must be a person who may act on
 * the agent; the action goes to the agent's broker. Start, stop and restart answer `{agent}`
 * with 200 once the target phase is reached or 202 while still in flight; reset-auth answers
 * the per-agent result of API.md. A restart with `fresh` starts a new conversation.
 */
export async function requestLifecycle(
  runtime: HubRuntime,
  principal: Principal,
  agentId: string | undefined,
  action: LifecycleAction,
  requestId?: string,
  options: StartOptions = {},
): Promise<Response> {
  if (principal.kind === "agent") throw new ApiError("forbidden", "Agents may not change lifecycles.");
  const agent = await getAgentOrThrow(runtime.prisma, principal, agentId);
  const actor = principalId(principal);
  if (action === "reset-auth") return NextResponse.json(await resetAgentAuth(runtime, agent, actor, requestId));
  await recordAudit(runtime.prisma, {
    principal: actor,
    action: `agent.${action}`,
    targetType: "agent",
    targetId: agent.id,
    details: { phase: agent.phase, ...(options.fresh && { fresh: true }) },
    requestId,
  });
  const outcome =
    action === "start"
      ? await startAgent(runtime, agent, actor)
      : action === "stop"
        ? await stopAgent(runtime, agent, actor)
        : await restartAgent(runtime, agent, actor, undefined, options);
  return NextResponse.json({ agent: outcome.agent }, { status: outcome.status });
}
