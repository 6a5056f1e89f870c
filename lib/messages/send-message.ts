import type { z } from "zod";
import { recordAudit } from "../audit/record-audit";
import { principalId, type Principal } from "../auth/principal";
import type { Agent, Message } from "../db/generated/client";
import { ApiError } from "../http/api-error";
import { announce as announceInbox } from "./inbox";
import type { HubRuntime } from "../runtime/hub-runtime";
import { routeFor } from "../dispatch/route-to-broker";
import { sendInterrupt } from "../agents/interrupt-agent";
import { deliverMessage } from "./deliver-message";
import { toMessageJson } from "./list-messages";
import type { MessageJson, sendMessageBody } from "./schemas";

/** How long a message a broker refused waits before its one immediate retry. */
const RETRY_AFTER_MS = 500;

/**
 * POST /agents/{id}/messages: records the message (channel, thread, sender) with its audit
 * event, announces it, and types it into the agent's session when the agent runs on a broker
 * this replica holds: 201 when it was dispatched now, 202 when it waits (`pending`): for the
 * agent to run (the start delivers it), or for the replica holding the broker (nudged now).
 * With `interrupt`, a running agent's current turn is interrupted first; if that fails, nothing
 * is recorded. A queued message has no turn to interrupt. With `replyTo` (an answer to the
 * agent's say or ask) the message keeps that one's channel and thread (its id when it had none),
 * and marks it read: 422 invalid_reference when it is not that agent's message to people.
 */
export async function sendMessage(
  runtime: HubRuntime,
  principal: Principal,
  agent: Agent,
  body: z.output<typeof sendMessageBody>,
  requestId?: string,
): Promise<{ status: 201 | 202; message: MessageJson }> {
  const sender = principalId(principal);
  const answered = body.replyTo ? await answeredMessage(runtime, agent, body.replyTo) : null;
  const channel = answered?.channel ?? body.channel;
  const threadId = answered ? (answered.threadId ?? answered.id) : (body.threadId ?? null);
  const interrupt = body.interrupt === true && agent.phase === "running" && agent.brokerId !== null;
  if (interrupt) await sendInterrupt(runtime, agent, sender);
  const created = await runtime.prisma.$transaction(async (tx) => {
    const message = await tx.message.create({
      data: { agentId: agent.id, channel, threadId, sender, body: body.body, replyToId: answered?.id ?? null },
    });
    if (answered && !answered.readAt)
      await tx.message.update({ where: { id: answered.id }, data: { readAt: new Date() } });
    await recordAudit(tx, {
      principal: sender,
      action: "message.create",
      targetType: "agent",
      targetId: agent.id,
      details: {
        messageId: message.id,
        channel,
        ...(answered && { replyTo: answered.id }),
        ...(interrupt && { interrupted: true }),
      },
      requestId,
    });
    return message;
  });
  await runtime.events.publish({
    subject: `message.${agent.id}.created`,
    data: { ...toMessageJson(created), ownerId: agent.ownerId, projectId: agent.projectId },
  });
  if (answered?.recipientId?.startsWith("user:") && !answered.readAt)
    await announceInbox(runtime.events, answered.recipientId.slice("user:".length));
  let sent = await deliverMessage(runtime, created.id);
  if (!sent && agent.phase === "running" && agent.brokerId && runtime.brokers.has(agent.brokerId)) {
    // Refused by a broker this replica holds (tmux busy under load, say): one more try shortly,
    // before leaving it to the sweep, which waits 30 s.
    await new Promise((r) => setTimeout(r, RETRY_AFTER_MS));
    sent = await deliverMessage(runtime, created.id);
  }
  if (!sent && agent.phase === "running" && agent.brokerId) {
    // The broker is held by another replica: the message stays pending (its own intent) and that
    // replica is nudged to type it; its periodic sweep catches a lost nudge.
    const route = await routeFor(runtime, agent.brokerId).catch(() => null);
    if (route?.kind === "forward")
      await runtime.events
        .publish({ subject: `dispatch.messages.${route.ownerHubId}`, data: { agentId: agent.id } })
        .catch(() => undefined);
  }
  const message = sent ? await runtime.prisma.message.findUniqueOrThrow({ where: { id: created.id } }) : created;
  return { status: sent ? 201 : 202, message: toMessageJson(message) };
}

/** The agent's message to people that an answer replies to; 422 when the id names anything else. */
async function answeredMessage(runtime: HubRuntime, agent: Agent, id: string): Promise<Message> {
  const message = await runtime.prisma.message.findFirst({ where: { id, agentId: agent.id, direction: "to_user" } });
  if (!message)
    throw new ApiError("invalid_reference", "replyTo must name a message this agent sent to people (say or ask).", [
      { path: "replyTo", message: "not a message from this agent" },
    ]);
  return message;
}
