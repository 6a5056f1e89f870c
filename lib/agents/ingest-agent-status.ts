import type { PrismaClient } from "../db/create-database";
import type { Agent, AgentActivity, AgentPhase } from "../db/generated/client";
import type { EventBus } from "../events/event-bus";
import { ApiError } from "../http/api-error";
import { changeAgent, type AgentChange } from "./change-agent";
import type { AgentJson, AgentStatusBody } from "./schemas";
import { toAgentJson } from "./to-agent-json";

/** The start-up chain in which a phase may only move forward. */
const STARTUP_CHAIN: AgentPhase[] = ["created", "provisioning", "cloning", "starting", "running"];
const WORKING: AgentActivity[] = ["thinking", "executing"];
const WINDING_DOWN: AgentPhase[] = ["stopping", "stopped"];

/**
 * POST /agents/{id}/status from the agent's shim: a partial update. Every call sets lastSeen. A
 * phase moving backwards along created → … → running is refused (409, nothing changes); working
 * activity before `running` promotes the phase to `running`. While the hub is stopping the
 * agent (or has stopped it), the shim's late reports cannot bring it back: `error` from a
 * harness ended by the stop counts as `stopped`, and start-up phases are ignored. A pure
 * heartbeat touches lastSeen only, and brings an agent marked `offline` back to what it was doing;
 * `stalled` ends with the next activity report.
 */
export async function ingestAgentStatus(prisma: PrismaClient, events: EventBus, agentId: string, body: AgentStatusBody): Promise<AgentJson> {
  const now = new Date();
  const touch = { lastSeen: now, ...(body.activity && { lastActivityAt: now }) };
  const { agent } = await changeAgent(prisma, events, agentId, `agent:${agentId}`, (current) => nextState(current, body, now), touch);
  return toAgentJson(agent);
}

function nextState(agent: Agent, body: AgentStatusBody, now: Date): AgentChange | null {
  let phase = body.phase ?? agent.phase;
  if (WINDING_DOWN.includes(agent.phase) && body.phase) phase = body.phase === "error" || body.phase === "stopped" ? "stopped" : agent.phase;
  const from = STARTUP_CHAIN.indexOf(agent.phase);
  const to = STARTUP_CHAIN.indexOf(phase);
  if (body.phase && from >= 0 && to >= 0 && to < from) {
    throw new ApiError("conflict", `The phase may not move back from ${agent.phase} to ${phase}.`);
  }
  let activity = (body.activity as AgentActivity | undefined) ?? agent.activity;
  let previousActivity = agent.previousActivity;
  if (body.activity) previousActivity = null;
  else if (agent.activity === "offline") {
    // Any report proves the agent is back; it resumes what it was doing.
    activity = agent.previousActivity ?? "idle";
    previousActivity = null;
  }
  if (body.activity && WORKING.includes(body.activity as AgentActivity)) {
    const at = STARTUP_CHAIN.indexOf(phase);
    if (at >= 0 && at < STARTUP_CHAIN.indexOf("running")) phase = "running";
  }
  // An agent that ended does nothing any more.
  if (phase === "stopped" || phase === "error") activity = null;
  const change: AgentChange = {
    phase,
    activity,
    previousActivity,
    detail: body.detail !== undefined ? body.detail : agent.detail,
    ...(phase === "running" && agent.phase !== "running" && { startedAt: now }),
    // An agent that ended holds no ports (its broker takes them back at its next heartbeat).
    ...((phase === "stopped" || phase === "error") && { ports: {}, urls: {} }),
  };
  return change;
}
