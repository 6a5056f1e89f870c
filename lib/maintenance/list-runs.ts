import { z } from "zod";
import type { PrismaClient } from "../db/create-database";
import { ApiError } from "../http/api-error";
import { peopleNames } from "../users/people-names";
import { decodeCursor, encodeCursor, pageQuery, toPage, type Page } from "../http/pagination";
import { toRunJson, type MaintenanceRunJson } from "./run-maintenance";

export const listRunsQuery = pageQuery.extend({
  operation: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,63}$/)
    .optional(),
});

/** Maintenance runs, newest first, optionally of one operation; keyset-paged. */
export async function listMaintenanceRuns(
  prisma: PrismaClient,
  query: z.output<typeof listRunsQuery>,
): Promise<Page<MaintenanceRunJson>> {
  const where: Record<string, unknown> = query.operation ? { operationKey: query.operation } : {};
  if (query.cursor) {
    const { key, id } = decodeCursor(query.cursor);
    const at = new Date(String(key));
    where.AND = [{ OR: [{ startedAt: { lt: at } }, { startedAt: at, id: { lt: id } }] }];
  }
  const rows = await prisma.maintenanceRun.findMany({
    where,
    orderBy: [{ startedAt: "desc" }, { id: "desc" }],
    take: query.limit + 1,
  });
  const names = await peopleNames(
    prisma,
    rows.map((r) => r.startedBy),
  );
  return toPage(
    rows,
    query.limit,
    (r) => toRunJson(r, false, names),
    (r) => encodeCursor(r.startedAt.toISOString(), r.id),
  );
}

export async function getMaintenanceRunOrThrow(
  prisma: PrismaClient,
  runId: string | undefined,
): Promise<MaintenanceRunJson> {
  const id = z.uuid().safeParse(runId);
  const run = id.success ? await prisma.maintenanceRun.findUnique({ where: { id: id.data } }) : null;
  if (!run) throw new ApiError("not_found", "No such run.");
  return toRunJson(run, true, await peopleNames(prisma, [run.startedBy]));
}
