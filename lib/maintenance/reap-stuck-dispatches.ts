import { z } from "zod";
import { numberParam, type MaintenanceOperationSpec } from "./operation-spec";

/** Fails dispatches past their deadline and lists messages pending too long. */
export const reapStuckDispatchesOperation: MaintenanceOperationSpec = {
  key: "reap-stuck-dispatches",
  title: "Reap stuck dispatches",
  description:
    "Fails broker dispatches past their deadline and reports messages pending longer than the given minutes.",
  category: "operation",
  params: [
    numberParam({
      name: "pendingMinutes",
      label: "Messages pending for (minutes)",
      default: 10,
      min: 1,
      max: 10_080,
    }),
  ],
  schema: z.object({ pendingMinutes: z.number().int().min(1).max(10_080).default(10) }).strict(),
  run: async (ctx, params) => {
    const { prisma } = ctx.runtime;
    const reaped = await prisma.brokerDispatch.updateMany({
      where: { state: { in: ["pending", "in_progress"] }, deadlineAt: { lt: new Date() } },
      data: { state: "failed", error: "reaped: past its deadline" },
    });
    ctx.log(`failed ${reaped.count} dispatches past their deadline`);
    const cutoff = new Date(Date.now() - (params.pendingMinutes as number) * 60_000);
    const stuck = await prisma.message.findMany({
      where: { dispatchState: "pending", createdAt: { lt: cutoff } },
      select: { id: true, agentId: true, createdAt: true },
      take: 500,
    });
    for (const m of stuck) ctx.log(`message ${m.id} for agent ${m.agentId} pending since ${m.createdAt.toISOString()}`);
    return { dispatchesFailed: reaped.count, messagesPending: stuck.length };
  },
};
