import { z } from "zod";
import { numberParam, type MaintenanceOperationSpec } from "./operation-spec";

/** Marks brokers without a recent heartbeat offline, each with a compare-and-set, and announces it. */
export const markStaleBrokersOfflineOperation: MaintenanceOperationSpec = {
  key: "mark-stale-brokers-offline",
  title: "Mark stale brokers offline",
  description:
    "Marks brokers online without a heartbeat for the given minutes as offline and clears their hub affinity.",
  category: "operation",
  params: [numberParam({ name: "staleMinutes", label: "No heartbeat for (minutes)", default: 2, min: 1, max: 1440 })],
  schema: z.object({ staleMinutes: z.number().int().min(1).max(1440).default(2) }).strict(),
  run: async (ctx, params) => {
    const cutoff = new Date(Date.now() - (params.staleMinutes as number) * 60_000);
    const stale = await ctx.runtime.prisma.runtimeBroker.findMany({
      where: { status: "online", OR: [{ lastHeartbeat: { lt: cutoff } }, { lastHeartbeat: null }] },
      select: { id: true, name: true },
    });
    let marked = 0;
    for (const broker of stale) {
      if (ctx.isAborted()) break;
      const { count } = await ctx.runtime.prisma.runtimeBroker.updateMany({
        where: { id: broker.id, status: "online", OR: [{ lastHeartbeat: { lt: cutoff } }, { lastHeartbeat: null }] },
        data: { status: "offline", connectedHubId: null, connectedSessionId: null, version: { increment: 1 } },
      });
      if (count === 1) {
        marked++;
        ctx.log(`marked ${broker.name} (${broker.id}) offline`);
        await ctx.runtime.events
          .publish({ subject: `broker.${broker.id}.status`, data: { id: broker.id, status: "offline" } })
          .catch(() => undefined);
      }
    }
    if (marked === 0) ctx.log("no stale brokers");
    return { marked };
  },
};
