import { recordAudit } from "../audit/record-audit";
import { principalId, type Principal } from "../auth/principal";
import type { HubRuntime } from "../runtime/hub-runtime";
import type { Agent } from "../db/generated/client";
import { ApiError } from "../http/api-error";
import { publishAgentEvent } from "./publish-agent-event";
import type { AgentJson, UpdateAgentBody } from "./schemas";
import { toAgentJson } from "./to-agent-json";

/** Renames an agent or changes its task. The slug, its address, never changes. */
export async function updateAgent(
  runtime: HubRuntime,
  principal: Principal,
  agent: Agent,
  body: UpdateAgentBody,
  requestId?: string,
): Promise<AgentJson> {
  if (principal.kind === "agent") throw new ApiError("forbidden", "Agents may not edit themselves.");
  const updated = await runtime.prisma.$transaction(async (tx) => {
    const row = await tx.agent.update({
      where: { id: agent.id },
      data: {
        ...(body.name !== undefined && { name: body.name }),
        ...(body.task !== undefined && { task: body.task }),
      },
    });
    await recordAudit(tx, {
      principal: principalId(principal),
      action: "agent.update",
      targetType: "agent",
      targetId: agent.id,
      details: body,
      requestId,
    });
    return row;
  });
  const json = toAgentJson(updated);
  await publishAgentEvent(runtime.events, "status", json);
  return json;
}
