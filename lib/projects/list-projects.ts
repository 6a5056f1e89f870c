import type { z } from "zod";
import type { PrismaClient } from "../db/create-database";
import type { Prisma } from "../db/generated/client";
import { decodeCursor, encodeCursor, toPage, type Page } from "../http/pagination";
import type { listProjectsQuery, ProjectJson } from "./schemas";
import { toProjectJson } from "./to-project-json";

/** Projects sorted by name or creation, filtered by text; keyset-paged on (sort key, id). */
export async function listProjects(
  prisma: PrismaClient,
  query: z.output<typeof listProjectsQuery>,
): Promise<Page<ProjectJson>> {
  const field = query.sort === "name" ? "name" : "createdAt";
  const cmp = query.order === "asc" ? "gt" : "lt";
  const where: Prisma.ProjectWhereInput = query.q
    ? { OR: [{ name: { contains: query.q, mode: "insensitive" } }, { slug: { contains: query.q.toLowerCase() } }] }
    : {};
  if (query.cursor) {
    const { key, id } = decodeCursor(query.cursor);
    const value = field === "createdAt" ? new Date(String(key)) : String(key);
    where.AND = [{ OR: [{ [field]: { [cmp]: value } }, { [field]: value, id: { [cmp]: id } }] }];
  }
  const rows = await prisma.project.findMany({
    where,
    orderBy: [{ [field]: query.order }, { id: query.order }],
    take: query.limit + 1,
  });
  return toPage(rows, query.limit, toProjectJson, (p) =>
    encodeCursor(field === "name" ? p.name : p.createdAt.toISOString(), p.id),
  );
}
