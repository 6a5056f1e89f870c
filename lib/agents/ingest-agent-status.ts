import type { PrismaClient } from "../db/create-database";
import type { Agent, AgentActivity, AgentPhase } from "../db/generated/client";
import type { EventBus } from "../events/event-bus";
import { ApiError } from "../http/api-error";
import { publishAgentEvent } from "./publish-agent-event";
import type { AgentJson, AgentStatusBody } from "./schemas";
import { toAgentJson } from "./to-agent-json";

/** The start-up chain in which a phase may only move forward. */
const STARTUP_CHAIN: AgentPhase[] = ["created", "provisioning", "cloning", "starting", "running"];
const WORKING: AgentActivity[] = ["thinking", "executing"];

/**
 * POST /agents/{id}/status from the agent's shim: a partial update. Every call sets lastSeen. A
 * phase moving backwards along created → … → running is refused (409, nothing changes); working
 * activity before `running` promotes the phase to `running`. A change takes the row lock, bumps
 * stateVersion (the version other writers compare-and-set against), is recorded in the history
 * and announced as an event. A pure heartbeat touches lastSeen only.
 */
export async function ingestAgentStatus(prisma: PrismaClient, events: EventBus, agentId: string, body: AgentStatusBody): Promise<AgentJson> {
  const now = new Date();
  const result = await prisma.$transaction(async (tx) => {
    // Serialise concurrent reports for one agent so each change is applied to the latest state.
    const locked = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM agents WHERE id = ${agentId}::uuid FOR UPDATE`;
    if (locked.length === 0) throw new ApiError("not_found", "No such agent.");
    const agent = await tx.agent.findUniqueOrThrow({ where: { id: agentId } });
    const next = nextState(agent, body);
    if (!next.changed) return { agent: await tx.agent.update({ where: { id: agentId }, data: { lastSeen: now } }), changed: false };
    const updated = await tx.agent.update({
      where: { id: agentId },
      data: {
        phase: next.phase,
        activity: next.activity,
        detail: next.detail,
        previousActivity: next.previousActivity,
        stateVersion: { increment: 1 },
        lastSeen: now,
        ...(body.activity && { lastActivityAt: now }),
        ...(next.phase === "running" && agent.phase !== "running" && { startedAt: now }),
      },
    });
    await tx.agentStateChange.create({ data: { agentId, phase: next.phase, activity: next.activity, detail: next.detail, actor: `agent:${agentId}` } });
    return { agent: updated, changed: true };
  });
  const json = toAgentJson(result.agent);
  if (result.changed) await publishAgentEvent(events, "status", json);
  return json;
}

interface NextState {
  phase: AgentPhase;
  activity: AgentActivity | null;
  detail: string | null;
  previousActivity: AgentActivity | null;
  changed: boolean;
}

function nextState(agent: Agent, body: AgentStatusBody): NextState {
  let phase = body.phase ?? agent.phase;
  const from = STARTUP_CHAIN.indexOf(agent.phase);
  const to = STARTUP_CHAIN.indexOf(phase);
  if (body.phase && from >= 0 && to >= 0 && to < from) {
    throw new ApiError("conflict", `The phase may not move back from ${agent.phase} to ${phase}.`);
  }
  const activity = (body.activity as AgentActivity | undefined) ?? agent.activity;
  if (body.activity && WORKING.includes(body.activity as AgentActivity)) {
    const at = STARTUP_CHAIN.indexOf(phase);
    if (at >= 0 && at < STARTUP_CHAIN.indexOf("running")) phase = "running";
  }
  // A report from the agent ends a stalled/offline mark the hub had set.
  const previousActivity = body.activity ? null : agent.previousActivity;
  const detail = body.detail !== undefined ? body.detail : agent.detail;
  const changed = phase !== agent.phase || activity !== agent.activity || detail !== agent.detail;
  return { phase, activity, detail, previousActivity, changed };
}
