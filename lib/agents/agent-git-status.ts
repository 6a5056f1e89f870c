import type { Agent } from "../db/generated/client";
import { dispatchToBroker } from "../dispatch/route-to-broker";
import { ApiError } from "../http/api-error";
import type { HubRuntime } from "../runtime/hub-runtime";
import { agentGitStatusSchema, type AgentGitStatus } from "./schemas";

/**
 * The short git status of an agent's workspace (branch, base, ahead/behind its base, changed
 * files), asked of its broker (op agent.gitStatus, run as the agent). An agent that has no
 * repository workspace (its project has no remote, or it never started) is a 409 conflict; a
 * broker that is away, 503.
 */
export async function agentGitStatus(runtime: HubRuntime, agent: Agent, actor: string): Promise<AgentGitStatus> {
  if (!agent.brokerId || !agent.branch)
    throw new ApiError(
      "conflict",
      "The agent has no git workspace (its project has no repository, or it never started).",
    );
  const answer = await dispatchToBroker(runtime, {
    brokerId: agent.brokerId,
    agentId: agent.id,
    op: "agent.gitStatus",
    args: { agentId: agent.id },
    timeoutMs: 30_000,
    actor,
  });
  const parsed = agentGitStatusSchema.safeParse(answer);
  if (!parsed.success)
    throw new ApiError("conflict", "The agent's broker answered the git status in a form this hub does not know.");
  return parsed.data;
}
