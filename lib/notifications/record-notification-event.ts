import type { Agent, Prisma } from "../db/generated/client";

/** What people can subscribe to (GET|PUT /api/v1/subscriptions `events`). */
export const NOTIFICATION_KINDS = [
  "waiting_for_input",
  "completed",
  "error",
  "stalled",
  "limits_exceeded",
  "message",
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

type AgentRef = Pick<Agent, "id" | "name" | "projectId" | "ownerId">;

export interface NotificationEventInput {
  kind: NotificationKind;
  /** One line for people; also the Slack-compatible `text` of a webhook. */
  summary: string;
  messageId?: string;
  data?: Prisma.InputJsonObject;
}

/**
 * Writes a notification event in the caller's transaction, so the event exists exactly when the
 * change that caused it committed. The notifier turns it into deliveries later.
 */
export async function recordNotificationEvent(
  tx: Prisma.TransactionClient,
  agent: AgentRef,
  event: NotificationEventInput,
): Promise<void> {
  await tx.notificationEvent.create({
    data: {
      kind: event.kind,
      agentId: agent.id,
      agentName: agent.name,
      projectId: agent.projectId,
      ownerId: agent.ownerId,
      messageId: event.messageId ?? null,
      summary: event.summary.slice(0, 1000),
      data: event.data ?? {},
    },
  });
}

type StateRef = Pick<Agent, "phase" | "activity" | "detail">;

/**
 * The event a state change is worth telling people about, if any: the activity moving to
 * waiting_for_input, completed, stalled or limits_exceeded, or the phase moving to error.
 */
export function notificationForChange(before: StateRef, after: AgentRef & StateRef): NotificationEventInput | null {
  const detail = after.detail ? `: ${after.detail}` : "";
  if (after.phase === "error" && before.phase !== "error")
    return { kind: "error", summary: `${after.name} failed${detail}`, data: { phase: after.phase } };
  if (after.activity === before.activity || !after.activity) return null;
  switch (after.activity) {
    case "waiting_for_input":
      return { kind: "waiting_for_input", summary: `${after.name} is waiting for input${detail}` };
    case "completed":
      return { kind: "completed", summary: `${after.name} completed its task${detail}` };
    case "stalled":
      return { kind: "stalled", summary: `${after.name} has stalled${detail}` };
    case "limits_exceeded":
      return { kind: "limits_exceeded", summary: `${after.name} exceeded its limits${detail}` };
    default:
      return null;
  }
}
