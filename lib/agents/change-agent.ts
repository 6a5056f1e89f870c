import type { PrismaClient } from "../db/create-database";
import type { Agent, AgentActivity, AgentPhase, Prisma } from "../db/generated/client";
import type { EventBus } from "../events/event-bus";
import { ApiError } from "../http/api-error";
import { notificationForChange, recordNotificationEvent } from "../notifications/record-notification-event";
import { publishAgentEvent } from "./publish-agent-event";
import { toAgentJson } from "./to-agent-json";

/** Fields of an agent's state that a change may set; anything set bumps stateVersion. */
export interface AgentChange {
  phase?: AgentPhase;
  activity?: AgentActivity | null;
  detail?: string | null;
  previousActivity?: AgentActivity | null;
  brokerId?: string | null;
  ports?: Record<string, number>;
  urls?: Record<string, string>;
  lastActivityAt?: Date;
  startedAt?: Date;
  /** Prompts the harness's hooks reported in this session (limits.maxTurns counts them). */
  turnCount?: number;
  sessionStartedAt?: Date;
  /** The harness's last assistant message, trimmed and bounded by the ingestion. */
  lastOutput?: string | null;
  /** The agent's git branch and its base, as its broker made them. */
  branch?: string | null;
  baseBranch?: string | null;
}

export interface ChangeResult {
  agent: Agent;
  changed: boolean;
}

/**
 * The one way agent state changes, whoever asks (the shim's report, a lifecycle call, a broker
 * event, the liveness sweep). Under the agent's row lock it reads the current row and asks
 * `decide` what to change; `null` means nothing (a no-op or a race lost politely). A change bumps
 * stateVersion, is written to the phase/activity history when phase, activity or detail moved,
 * and is announced as `agent.<id>.status` after the commit. `touch` fields (lastSeen) are written
 * even when nothing else changes, without an event. A change people may be notified of
 * (waiting for input, completed, stalled, limits exceeded, error) writes a notification event in
 * the same transaction, unless `options.notify` is false (a caller that records its own, such as
 * an agent's `ask`, which is the message and the waiting in one).
 */
export async function changeAgent(
  prisma: PrismaClient,
  events: EventBus,
  agentId: string,
  actor: string,
  decide: (agent: Agent) => AgentChange | null,
  touch?: { lastSeen?: Date },
  options?: { notify?: boolean },
): Promise<ChangeResult> {
  const result = await prisma.$transaction(async (tx) => {
    const locked = await tx.$queryRaw<
      Array<{ id: string }>
    >`SELECT id FROM agents WHERE id = ${agentId}::uuid FOR UPDATE`;
    if (locked.length === 0) throw new ApiError("not_found", "No such agent.");
    const agent = await tx.agent.findUniqueOrThrow({ where: { id: agentId } });
    const change = decide(agent);
    const effective =
      change && Object.entries(change).some(([k, v]) => !sameAgentValue(agent[k as keyof Agent], v)) ? change : null;
    if (!effective) {
      if (!touch) return { agent, changed: false };
      return { agent: await tx.agent.update({ where: { id: agentId }, data: touch }), changed: false };
    }
    const data: Prisma.AgentUncheckedUpdateInput = { ...effective, ...touch, stateVersion: { increment: 1 } };
    const updated = await tx.agent.update({ where: { id: agentId }, data });
    if (updated.phase !== agent.phase || updated.activity !== agent.activity || updated.detail !== agent.detail) {
      await tx.agentStateChange.create({
        data: { agentId, phase: updated.phase, activity: updated.activity, detail: updated.detail, actor },
      });
      const notification = options?.notify === false ? null : notificationForChange(agent, updated);
      if (notification) await recordNotificationEvent(tx, updated, notification);
    }
    return { agent: updated, changed: true };
  });
  if (result.changed) await publishAgentEvent(events, "status", toAgentJson(result.agent));
  return result;
}

/** Whether a field's stored value equals a change's (dates by time, JSON by its text). */
export function sameAgentValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (typeof a === "object" || typeof b === "object") return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  return a === b;
}
