import type { z } from "zod";
import type { PrismaClient } from "../db/create-database";
import type { Message, Prisma } from "../db/generated/client";
import { decodeCursor, encodeCursor, toPage, type Page } from "../http/pagination";
import type { listMessagesQuery, MessageJson } from "./schemas";

/** An agent's conversation, newest first by default; keyset-paged on (createdAt, id). */
export async function listMessages(
  prisma: PrismaClient,
  agentId: string,
  query: z.output<typeof listMessagesQuery>,
): Promise<Page<MessageJson>> {
  const cmp = query.order === "asc" ? "gt" : "lt";
  const where: Prisma.MessageWhereInput = { agentId };
  if (query.cursor) {
    const { key, id } = decodeCursor(query.cursor);
    const at = new Date(String(key));
    where.AND = [{ OR: [{ createdAt: { [cmp]: at } }, { createdAt: at, id: { [cmp]: id } }] }];
  }
  const rows = await prisma.message.findMany({
    where,
    orderBy: [{ createdAt: query.order }, { id: query.order }],
    take: query.limit + 1,
  });
  return toPage(rows, query.limit, toMessageJson, (m) => encodeCursor(m.createdAt.toISOString(), m.id));
}

export function toMessageJson(m: Message): MessageJson {
  return {
    id: m.id,
    agentId: m.agentId,
    channel: m.channel,
    threadId: m.threadId,
    sender: m.sender,
    direction: m.direction,
    kind: m.kind,
    body: m.body,
    replyToId: m.replyToId,
    readAt: m.readAt?.toISOString() ?? null,
    dispatchState: m.dispatchState,
    dispatchedAt: m.dispatchedAt?.toISOString() ?? null,
    createdAt: m.createdAt.toISOString(),
  };
}
