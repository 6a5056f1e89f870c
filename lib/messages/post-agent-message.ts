import type { z } from "zod";
import { changeAgent } from "../agents/change-agent";
import type { Agent } from "../db/generated/client";
import { nudgeNotifier } from "../notifications/nudge-notifier";
import { recordNotificationEvent } from "../notifications/record-notification-event";
import type { HubRuntime } from "../runtime/hub-runtime";
import { toMessageJson } from "./list-messages";
import type { agentMessageBody, MessageJson } from "./schemas";

/** How much of a question the agent's status detail repeats. */
const DETAIL_MAX = 200;

/**
 * POST /agents/{id}/messages with the agent's own token (`scion-agent say|ask`): a message from
 * the agent to its owner (direction `to_user`), kept for the owner's inbox (recipientId), and the
 * notification event for it written in the same transaction — one per message: `message` for a
 * say, `waiting_for_input` for an ask (subscribers to either hear of an ask once). An ask then
 * sets the agent waiting for input, with the question as its detail, until the person answers
 * (the answer is typed into the agent like any message, and its hooks report the work it resumes).
 */
export async function postAgentMessage(
  runtime: HubRuntime,
  agent: Agent,
  body: z.output<typeof agentMessageBody>,
): Promise<MessageJson> {
  const sender = `agent:${agent.id}`;
  const message = await runtime.prisma.$transaction(async (tx) => {
    const created = await tx.message.create({
      data: {
        agentId: agent.id,
        channel: body.channel,
        threadId: body.threadId ?? null,
        sender,
        direction: "to_user",
        kind: body.kind,
        recipientId: agent.ownerId,
        body: body.body,
        // Nothing to type anywhere: it reached the hub, which is where people read it.
        dispatchState: "dispatched",
        dispatchedAt: new Date(),
      },
    });
    const line = oneLine(body.body);
    await recordNotificationEvent(
      tx,
      agent,
      body.kind === "ask"
        ? {
            kind: "waiting_for_input",
            summary: `${agent.name} asks: ${line}`,
            messageId: created.id,
            data: { messageKind: "ask" },
          }
        : { kind: "message", summary: `${agent.name}: ${line}`, messageId: created.id, data: { messageKind: "say" } },
    );
    return created;
  });
  nudgeNotifier(runtime);
  await runtime.events.publish({
    subject: `message.${agent.id}.created`,
    data: { ...toMessageJson(message), ownerId: agent.ownerId, projectId: agent.projectId },
  });
  if (body.kind === "ask")
    await changeAgent(
      runtime.prisma,
      runtime.events,
      agent.id,
      sender,
      () => ({ activity: "waiting_for_input", detail: oneLine(body.body).slice(0, DETAIL_MAX) }),
      undefined,
      { notify: false },
    );
  return toMessageJson(message);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
