import { ApiError } from "../http/api-error";
import type { HubRuntime } from "../runtime/hub-runtime";

/**
 * The broker that runs an agent: the one it is placed on, else the one named, else its
 * project's default, else any online broker (the one running the fewest agents). A named or
 * placed broker that is not online is `no_runtime_broker` (422): the agent cannot move by
 * itself. Nothing is written here.
 */
export async function chooseBroker(
  runtime: HubRuntime,
  wanted: { brokerId?: string | null; projectDefaultBrokerId?: string | null },
): Promise<string> {
  const { prisma } = runtime;
  if (wanted.brokerId) {
    const broker = await prisma.runtimeBroker.findUnique({
      where: { id: wanted.brokerId },
      select: { id: true, status: true, name: true },
    });
    if (!broker) throw new ApiError("no_runtime_broker", "The agent's runtime broker no longer exists.");
    if (broker.status !== "online")
      throw new ApiError("no_runtime_broker", `The runtime broker "${broker.name}" is not online.`);
    return broker.id;
  }
  if (wanted.projectDefaultBrokerId) {
    const broker = await prisma.runtimeBroker.findFirst({
      where: { id: wanted.projectDefaultBrokerId, status: "online" },
      select: { id: true },
    });
    if (broker) return broker.id;
  }
  const [least] = await prisma.$queryRaw<Array<{ id: string }>>`
    SELECT b.id::text AS id FROM runtime_brokers b
    LEFT JOIN agents a ON a."brokerId" = b.id AND a.phase NOT IN ('stopped', 'error', 'created')
    WHERE b.status = 'online'
    GROUP BY b.id
    ORDER BY count(a.id), b."createdAt"
    LIMIT 1`;
  if (!least) throw new ApiError("no_runtime_broker", "No runtime broker is online to take this agent.");
  return least.id;
}
