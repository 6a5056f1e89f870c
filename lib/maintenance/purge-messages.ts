import { z } from "zod";
import { numberParam, type MaintenanceOperationSpec } from "./operation-spec";

/** Deletes old dispatched or failed messages in batches of 1000 (pending ones are kept). */
export const purgeMessagesOperation: MaintenanceOperationSpec = {
  key: "purge-messages",
  title: "Purge old messages",
  description:
    "Deletes messages older than the given number of days that were dispatched or failed (pending ones are kept).",
  category: "operation",
  params: [numberParam({ name: "olderThanDays", label: "Older than (days)", default: 30, min: 1, max: 3650 })],
  schema: z.object({ olderThanDays: z.number().int().min(1).max(3650).default(30) }).strict(),
  run: async (ctx, params) => {
    const cutoff = new Date(Date.now() - (params.olderThanDays as number) * 86_400_000);
    let deleted = 0;
    for (;;) {
      if (ctx.isAborted()) break;
      const batch = await ctx.runtime.prisma
        .$executeRaw`DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE "createdAt" < ${cutoff} AND "dispatchState" <> 'pending' LIMIT 1000)`;
      deleted += batch;
      ctx.progress({ deleted });
      if (batch < 1000) break;
    }
    ctx.log(`deleted ${deleted} messages older than ${cutoff.toISOString()}`);
    return { deleted };
  },
};
