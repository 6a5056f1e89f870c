import { recordAudit } from "../audit/record-audit";
import type { Agent } from "../db/generated/client";
import type { HubRuntime } from "../runtime/hub-runtime";

/**
 * The audit row of a person's start, stop or restart (POST /agents/{id}/start|stop|restart),
 * written before the broker is asked, with the phase the agent was in. Reset-auth audits itself.
 */
export async function auditLifecycleRequest(
  runtime: HubRuntime,
  actor: string,
  agent: Agent,
  action: "start" | "stop" | "restart",
  requestId?: string,
  options: { fresh?: boolean } = {},
): Promise<void> {
  await recordAudit(runtime.prisma, {
    principal: actor,
    action: `agent.${action}`,
    targetType: "agent",
    targetId: agent.id,
    details: { phase: agent.phase, ...(options.fresh && { fresh: true }) },
    requestId,
  });
}
