import { mintAgentToken } from "../auth/agent-token";
import { recordAudit } from "../audit/record-audit";
import { requireReachable, dispatchToBroker } from "../dispatch/route-to-broker";
import type { Agent } from "../db/generated/client";
import { ApiError } from "../http/api-error";
import type { HubRuntime } from "../runtime/hub-runtime";
import { publishAgentEvent } from "./publish-agent-event";
import { toAgentJson } from "./to-agent-json";

export interface ResetAuthResult {
  agentId: string;
  ok: boolean;
  /** Whether the shim was told (SIGUSR2) to re-read its token file now. */
  signalled: boolean;
  error?: string;
  warning?: string;
}

/**
 * Reset-auth for one running agent: bumps the agent's tokenVersion (every token it held stops
 * working on every replica at once), mints a fresh token, and has the broker write it into the
 * agent's token file and signal the shim. The revocation comes first on purpose: a reset is
 * asked for when a token may have leaked. A signal that fails is a warning (the shim reads the
 * file at its next refresh); a broker that cannot write the file is a failure, and the agent
 * needs a restart to get a token again.
 */
export async function resetAgentAuth(
  runtime: HubRuntime,
  agent: Pick<Agent, "id" | "phase" | "brokerId">,
  actor: string,
  requestId?: string,
): Promise<ResetAuthResult> {
  if (agent.phase !== "running")
    throw new ApiError("conflict", `Reset auth needs a running agent; this one is ${agent.phase}.`);
  if (!agent.brokerId) throw new ApiError("no_runtime_broker", "The agent is not placed on a runtime broker.");
  await requireReachable(runtime, agent.brokerId);
  const bumped = await runtime.prisma.$transaction(async (tx) => {
    const updated = await tx.agent.update({ where: { id: agent.id }, data: { tokenVersion: { increment: 1 } } });
    await recordAudit(tx, {
      principal: actor,
      action: "agent.reset-auth",
      targetType: "agent",
      targetId: agent.id,
      details: { tokenVersion: updated.tokenVersion },
      requestId,
    });
    return updated;
  });
  const { token } = await mintAgentToken(runtime.sessionSecret, bumped);
  try {
    const answer = (await dispatchToBroker(runtime, {
      brokerId: agent.brokerId,
      agentId: agent.id,
      op: "agent.reset-auth",
      args: { agentId: agent.id, token },
      timeoutMs: 15_000,
      actor,
    })) as { signalled?: boolean; warning?: string };
    await publishAgentEvent(runtime.events, "status", toAgentJson(bumped));
    return {
      agentId: agent.id,
      ok: true,
      signalled: answer.signalled === true,
      ...(answer.warning && { warning: answer.warning }),
    };
  } catch (err) {
    return { agentId: agent.id, ok: false, signalled: false, error: (err as Error).message };
  }
}
