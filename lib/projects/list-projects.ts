import type { z } from "zod";
import type { Principal } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import type { Prisma } from "../db/generated/client";
import { decodeCursor, encodeCursor, invalidCursor, toPage, type Page } from "../http/pagination";
import { visibleProjectsWhere } from "./project-access";
import type { listProjectsQuery, ProjectJson } from "./schemas";
import { describeProjects } from "./to-project-json";

/**
 * The projects a principal may see, sorted by name or creation, filtered by text, keyset-paged on
 * (sort key, id); each with its agent counts and the caller's role (two queries for the page).
 */
export async function listProjects(
  prisma: PrismaClient,
  principal: Principal,
  query: z.output<typeof listProjectsQuery>,
): Promise<Page<ProjectJson>> {
  const field = query.sort === "name" ? "name" : "createdAt";
  const cmp = query.order === "asc" ? "gt" : "lt";
  const and: Prisma.ProjectWhereInput[] = [visibleProjectsWhere(principal)];
  if (query.q)
    and.push({
      OR: [{ name: { contains: query.q, mode: "insensitive" } }, { slug: { contains: query.q.toLowerCase() } }],
    });
  if (query.cursor) {
    const { key, id } = decodeCursor(query.cursor);
    const value = field === "createdAt" ? new Date(String(key)) : String(key);
    if (value instanceof Date && Number.isNaN(value.getTime())) throw invalidCursor();
    and.push({ OR: [{ [field]: { [cmp]: value } }, { [field]: value, id: { [cmp]: id } }] });
  }
  const rows = await prisma.project.findMany({
    where: { AND: and },
    orderBy: [{ [field]: query.order }, { id: query.order }],
    take: query.limit + 1,
  });
  const page = toPage(
    rows,
    query.limit,
    (p) => p,
    (p) => encodeCursor(field === "name" ? p.name : p.createdAt.toISOString(), p.id),
  );
  return { items: await describeProjects(prisma, principal, page.items), nextCursor: page.nextCursor };
}
