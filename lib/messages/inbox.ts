import type { z } from "zod";
import type { UserIdentity } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import type { Prisma } from "../db/generated/client";
import type { EventBus } from "../events/event-bus";
import { ApiError } from "../http/api-error";
import { decodeCursor, encodeCursor, toPage } from "../http/pagination";
import { isUuid } from "../naming/is-uuid";
import type { InboxItem, inboxQuery } from "./schemas";

const withAgent = { agent: { select: { name: true } } } as const;
type InboxRow = Prisma.MessageGetPayload<{ include: typeof withAgent }>;

/**
 * GET /inbox: the messages agents sent the caller (`scion-agent say|ask`), newest first,
 * keyset-paged, only the unread ones with `unread=true`; with the number still unread.
 */
export async function listInbox(
  prisma: PrismaClient,
  user: UserIdentity,
  query: z.output<typeof inboxQuery>,
): Promise<{ items: InboxItem[]; unread: number; nextCursor: string | null }> {
  const mine: Prisma.MessageWhereInput = { recipientId: `user:${user.id}`, direction: "to_user" };
  const and: Prisma.MessageWhereInput[] = [mine];
  if (query.unread === "true") and.push({ readAt: null });
  if (query.cursor) {
    const { key, id } = decodeCursor(query.cursor);
    const at = new Date(String(key));
    if (!Number.isNaN(at.getTime()) && isUuid(id))
      and.push({ OR: [{ createdAt: { lt: at } }, { createdAt: at, id: { lt: id } }] });
  }
  const [rows, unread] = await Promise.all([
    prisma.message.findMany({
      where: { AND: and },
      include: withAgent,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: query.limit + 1,
    }),
    prisma.message.count({ where: { ...mine, readAt: null } }),
  ]);
  const page = toPage(rows, query.limit, toInboxItem, (m) => encodeCursor(m.createdAt.toISOString(), m.id));
  return { ...page, unread };
}

/** POST /inbox/{id}/read: marks one of the caller's messages read (anyone else's is not found). */
export async function markInboxRead(
  prisma: PrismaClient,
  events: EventBus,
  user: UserIdentity,
  id: string,
): Promise<InboxItem> {
  const where = { id, recipientId: `user:${user.id}`, direction: "to_user" };
  const row = isUuid(id) ? await prisma.message.findFirst({ where, include: withAgent }) : null;
  if (!row) throw new ApiError("not_found", "No such inbox message.");
  if (row.readAt) return toInboxItem(row);
  const readAt = new Date();
  await prisma.message.updateMany({ where: { ...where, readAt: null }, data: { readAt } });
  await announce(events, user.id);
  return toInboxItem({ ...row, readAt });
}

/** POST /inbox/read-all: marks every unread message of the caller's read; says how many. */
export async function markInboxAllRead(
  prisma: PrismaClient,
  events: EventBus,
  user: UserIdentity,
): Promise<{ marked: number }> {
  const { count } = await prisma.message.updateMany({
    where: { recipientId: `user:${user.id}`, direction: "to_user", readAt: null },
    data: { readAt: new Date() },
  });
  if (count > 0) await announce(events, user.id);
  return { marked: count };
}

/** `inbox.<userId>.changed`: the person's tray refreshes its count (only they receive it). */
export function announce(events: EventBus, userId: string): Promise<void> {
  return events.publish({ subject: `inbox.${userId}.changed`, data: { userId } }).catch(() => undefined);
}

function toInboxItem(m: InboxRow): InboxItem {
  return {
    id: m.id,
    agentId: m.agentId,
    agentName: m.agent.name,
    kind: m.kind === "ask" ? "ask" : "say",
    body: m.body,
    channel: m.channel,
    threadId: m.threadId,
    createdAt: m.createdAt.toISOString(),
    readAt: m.readAt?.toISOString() ?? null,
  };
}
