import type { z } from "zod";
import type { PrismaClient } from "../db/create-database";
import type { Prisma } from "../db/generated/client";
import { decodeCursor, encodeCursor, invalidCursor, toPage, type Page } from "../http/pagination";
import type { listUsersQuery, UserJson } from "./schemas";
import { toUserJson } from "./to-user-json";

/** Users oldest first, filtered by email/name text, role and status; keyset-paged. */
export async function listUsers(prisma: PrismaClient, query: z.output<typeof listUsersQuery>): Promise<Page<UserJson>> {
  const where: Prisma.UserWhereInput = {
    ...(query.role && { role: query.role }),
    ...(query.status && { status: query.status }),
    ...(query.q && {
      OR: [{ email: { contains: query.q, mode: "insensitive" } }, { name: { contains: query.q, mode: "insensitive" } }],
    }),
  };
  if (query.cursor) {
    const { key, id } = decodeCursor(query.cursor);
    const at = new Date(String(key));
    if (Number.isNaN(at.getTime())) throw invalidCursor();
    where.AND = [{ OR: [{ createdAt: { gt: at } }, { createdAt: at, id: { gt: id } }] }];
  }
  const rows = await prisma.user.findMany({
    where,
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take: query.limit + 1,
  });
  return toPage(rows, query.limit, toUserJson, (u) => encodeCursor(u.createdAt.toISOString(), u.id));
}
