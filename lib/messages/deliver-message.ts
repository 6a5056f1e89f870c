import { callBroker } from "../brokers/channel/call-broker";
import { withTransaction } from "../db/with-transaction";
import type { HubRuntime } from "../runtime/hub-runtime";
import { toMessageJson } from "./list-messages";

/** An assistant's broker waits for it to be ready for input before typing (up to ~60 s). */
const MESSAGE_TIMEOUT_MS = 75_000;

interface MessageRow {
  id: string;
  agentId: string;
  body: string;
  brokerId: string | null;
  phase: string;
  ownerId: string;
  harness: string;
}

/**
 * Types one pending message into its agent's session. The message row stays locked
 * (FOR UPDATE SKIP LOCKED) while the broker types it, and becomes `dispatched` in the same
 * transaction, so two deliverers can never both send it and a failed send leaves it `pending`
 * for the next try: a message moves pending → dispatched exactly once. Returns whether it was
 * sent now.
 */
export async function deliverMessage(runtime: HubRuntime, messageId: string): Promise<boolean> {
  const sent = await withTransaction(runtime.db.pool, async (client) => {
    const { rows } = await client.query<MessageRow>(
      `SELECT m.id::text AS id, m."agentId"::text AS "agentId", m.body, a."brokerId"::text AS "brokerId", a.phase::text AS phase, a."ownerId", a.harness
         FROM messages m JOIN agents a ON a.id = m."agentId"
        WHERE m.id = $1 AND m."dispatchState" = 'pending'
        FOR UPDATE OF m SKIP LOCKED`,
      [messageId],
    );
    const row = rows[0];
    // Nothing written: the transaction only held the row's lock.
    if (!row || row.phase !== "running" || !row.brokerId || !runtime.brokers.has(row.brokerId)) return false;
    try {
      await callBroker(
        runtime,
        row.brokerId,
        "agent.message",
        { agentId: row.agentId, text: row.body, harness: row.harness },
        MESSAGE_TIMEOUT_MS,
      );
    } catch (err) {
      await client.query(`UPDATE messages SET error = $2 WHERE id = $1`, [
        messageId,
        String((err as Error).message).slice(0, 500),
      ]);
      runtime.logger.warn(
        { err: (err as Error).message, messageId },
        "a message could not be typed into its agent; it stays pending",
      );
      return false;
    }
    await client.query(
      `UPDATE messages SET "dispatchState" = 'dispatched', "dispatchedAt" = now(), error = NULL WHERE id = $1`,
      [messageId],
    );
    return true;
  });
  if (sent) {
    runtime.metrics.messagesDispatched.inc();
    const message = await runtime.prisma.message.findUnique({
      where: { id: messageId },
      include: { agent: { select: { ownerId: true, projectId: true } } },
    });
    if (message)
      await runtime.events.publish({
        subject: `message.${message.agentId}.dispatched`,
        data: { ...toMessageJson(message), ownerId: message.agent.ownerId, projectId: message.agent.projectId },
      });
  }
  return sent;
}

/** Sends an agent's pending messages in the order they were written (after it starts running). */
export async function flushPendingMessages(runtime: HubRuntime, agentId: string): Promise<number> {
  let sent = 0;
  try {
    const pending = await runtime.prisma.message.findMany({
      where: { agentId, dispatchState: "pending" },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      select: { id: true },
    });
    for (const { id } of pending) {
      if (!(await deliverMessage(runtime, id))) break;
      sent++;
    }
  } catch (err) {
    runtime.logger.warn({ err, agentId }, "flushing pending messages failed");
  }
  return sent;
}
