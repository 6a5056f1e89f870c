import type { z } from "zod";
import type { PrismaClient } from "../db/create-database";
import type { Prisma } from "../db/generated/client";
import { ApiError } from "../http/api-error";
import { decodeCursor, encodeCursor, toPage, type Page } from "../http/pagination";
import { parseId } from "../http/ids";
import type { BrokerJson, listBrokersQuery } from "./schemas";
import { toBrokerJson } from "./to-broker-json";

/** Brokers by name, with how many agents each has, runs, and the ports they hold. */
export async function listBrokers(
  prisma: PrismaClient,
  query: z.output<typeof listBrokersQuery>,
): Promise<Page<BrokerJson>> {
  const where: Prisma.RuntimeBrokerWhereInput = query.status ? { status: query.status } : {};
  if (query.cursor) {
    const { key, id } = decodeCursor(query.cursor);
    where.AND = [{ OR: [{ name: { gt: String(key) } }, { name: String(key), id: { gt: id } }] }];
  }
  const rows = await prisma.runtimeBroker.findMany({
    where,
    orderBy: [{ name: "asc" }, { id: "asc" }],
    take: query.limit + 1,
    include: { _count: { select: { agents: true } } },
  });
  const usage = await brokerUsage(
    prisma,
    rows.map((b) => b.id),
  );
  return toPage(
    rows,
    query.limit,
    (b) => toBrokerJson(b, b._count.agents, usage.get(b.id)),
    (b) => encodeCursor(b.name, b.id),
  );
}

/** Per broker: agents placed and not at rest, and the ports those agents hold. */
async function brokerUsage(
  prisma: PrismaClient,
  brokerIds: string[],
): Promise<Map<string, { running: number; ports: number }>> {
  if (brokerIds.length === 0) return new Map();
  const rows = await prisma.$queryRaw<Array<{ id: string; running: number; ports: number }>>`
    SELECT "brokerId"::text AS id,
           (count(*) FILTER (WHERE phase NOT IN ('created', 'stopped', 'error')))::int AS running,
           COALESCE(sum((SELECT count(*) FROM jsonb_object_keys(ports))), 0)::int AS ports
      FROM agents WHERE "brokerId" = ANY(${brokerIds}::uuid[]) GROUP BY "brokerId"`;
  return new Map(rows.map((r) => [r.id, { running: r.running, ports: r.ports }]));
}

export async function getBrokerOrThrow(prisma: PrismaClient, brokerId: string | undefined): Promise<BrokerJson> {
  const row = await prisma.runtimeBroker.findUnique({
    where: { id: parseId(brokerId, "broker") },
    include: { _count: { select: { agents: true } } },
  });
  if (!row) throw new ApiError("not_found", "No such broker.");
  return toBrokerJson(row, row._count.agents, (await brokerUsage(prisma, [row.id])).get(row.id));
}
