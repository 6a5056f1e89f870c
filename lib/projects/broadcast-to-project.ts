import { recordAudit } from "../audit/record-audit";
import { principalId, type Principal } from "../auth/principal";
import { sendMessage } from "../messages/send-message";
import type { HubRuntime } from "../runtime/hub-runtime";
import { getManagedProjectOrThrow } from "./project-access";
import type { BroadcastResult } from "./schemas";

/** How many agents are messaged at once: a delivery can wait for its agent to be ready for input. */
const CONCURRENCY = 4;
/** The channel broadcast messages carry in each agent's conversation. */
const CHANNEL = "broadcast";

/**
 * POST /projects/{id}/broadcast (the project's managers: its creator, manager members, admins):
 * one message to every running agent of the project, through the same path as a message typed to
 * one agent (recorded, audited and announced per agent; typed now or queued). One agent's failure
 * does not stop the others; the answer lists each agent's outcome. The broadcast itself is audited
 * too, with its counts.
 */
export async function broadcastToProject(
  runtime: HubRuntime,
  actor: Principal,
  idOrSlug: string,
  body: { body: string; interrupt?: boolean },
  requestId?: string,
): Promise<BroadcastResult> {
  const { project } = await getManagedProjectOrThrow(runtime.prisma, actor, idOrSlug, "broadcast to its agents");
  const agents = await runtime.prisma.agent.findMany({
    where: { projectId: project.id, phase: "running" },
    orderBy: [{ name: "asc" }, { id: "asc" }],
  });
  const results: BroadcastResult["results"] = new Array(agents.length);
  let next = 0;
  const worker = async () => {
    while (next < agents.length) {
      const i = next++;
      const agent = agents[i]!;
      try {
        const { status } = await sendMessage(
          runtime,
          actor,
          agent,
          { body: body.body, channel: CHANNEL, ...(body.interrupt === true && { interrupt: true }) },
          requestId,
        );
        results[i] = { agentId: agent.id, name: agent.name, status: status === 201 ? "delivered" : "queued" };
      } catch (err) {
        results[i] = {
          agentId: agent.id,
          name: agent.name,
          status: "failed",
          error: String((err as Error).message).slice(0, 500),
        };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, agents.length) }, worker));
  const count = (s: string) => results.filter((r) => r.status === s).length;
  const answer: BroadcastResult = {
    total: results.length,
    delivered: count("delivered"),
    queued: count("queued"),
    failed: count("failed"),
    results,
  };
  await recordAudit(runtime.prisma, {
    principal: principalId(actor),
    action: "project.broadcast",
    targetType: "project",
    targetId: project.id,
    details: {
      total: answer.total,
      delivered: answer.delivered,
      queued: answer.queued,
      failed: answer.failed,
      agentIds: results.map((r) => r.agentId),
      ...(body.interrupt === true && { interrupt: true }),
    },
    requestId,
  });
  return answer;
}
